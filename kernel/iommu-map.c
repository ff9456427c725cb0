// SPDX-License-Identifier: MIT
/*
 * iommu_map()/iommu_unmap() and friends, after Linux's drivers/iommu/
 * iommu.c: a request is cut into runs of the largest page size the domain
 * offers that the iova, paddr and remaining size allow (iommu_pgsize), and
 * each run goes to the driver as one map_pages(pgsize, pgcount) call.  A
 * map that fails half way is unmapped again, so the caller sees all or
 * nothing; unmap stops at the first hole and says how much it removed.
 *
 * Differences from Linux: non-paging domains (identity, blocked, nested)
 * get -EINVAL where Linux WARNs and returns -ENODEV for the missing
 * map_pages; unknown prot bits and wrapping ranges are -EINVAL; a driver
 * that maps nothing without reporting an error (e.g. prot without READ or
 * WRITE) ends the request with -EINVAL instead of looping.
 */
#include "kernel/iommu-priv.h"

/* The page sizes no larger than n bytes, as a bitmap (none for 0). */
static inline unsigned long pgsizes_up_to(size_t n)
{
	return n ? GENMASK(__fls64(n), 0) : 0;
}

/* The page sizes an address is aligned to (every size for address 0). */
static inline unsigned long pgsizes_aligning(unsigned long addr)
{
	return addr ? GENMASK(__ffs64(addr), 0) : ~0UL;
}

/*
 * How many of the size bytes left to map go in pgsize pages before the
 * request moves up to a bigger page: all of them, unless the next bigger
 * size the domain offers can start at a later boundary and still fit, in
 * which case up to that boundary.  A bigger page is only possible where
 * iova and paddr sit at the same offset inside it.
 */
static inline size_t iommu_run_bytes(unsigned long bitmap, size_t pgsize,
				     unsigned long iova, phys_addr_t paddr,
				     size_t size)
{
	unsigned long bigger = bitmap & ~(pgsize * 2 - 1);
	size_t next, to_boundary;

	if (!bigger)
		return size;
	next = bigger & -bigger;
	if ((iova ^ paddr) & (next - 1))
		return size;
	to_boundary = next - (iova & (next - 1));
	if (to_boundary > size || size - to_boundary < next)
		return size;
	return to_boundary;
}

/*
 * The page size for the next run, as Linux's iommu_pgsize picks it (the
 * reference for the rule): the biggest size the domain offers that fits
 * in what is left and that iova and paddr are both aligned to.  *count:
 * how many such pages the run holds (see iommu_run_bytes).
 */
size_t iommu_pgsize(struct iommu_domain *domain, unsigned long iova,
		    phys_addr_t paddr, size_t size, size_t *count)
{
	unsigned long usable = domain->pgsize_bitmap & pgsizes_up_to(size) &
			       pgsizes_aligning(iova | (unsigned long)paddr);
	unsigned int shift;

	if (!usable)
		return 0;
	shift = __fls64(usable);
	if (count)
		*count = iommu_run_bytes(domain->pgsize_bitmap, BIT(shift), iova,
					 paddr, size) >> shift;
	return BIT(shift);
}

static int iommu_map_check(struct iommu_domain *domain, unsigned long iova,
			   phys_addr_t paddr, size_t size, int prot)
{
	unsigned long min_pagesz;

	if (IS_ERR_OR_NULL(domain) || !domain->ops)
		return -EINVAL;
	if (!(domain->type & __IOMMU_DOMAIN_PAGING))
		return -EINVAL;
	if (!domain->ops->map_pages || !domain->pgsize_bitmap)
		return -ENODEV;
	if (prot & ~IOMMU_PROT_MASK)
		return -EINVAL;
	/* iova, paddr and size aligned to the smallest page size. */
	min_pagesz = BIT(__ffs64(domain->pgsize_bitmap));
	if (!IS_ALIGNED(iova | (unsigned long)paddr | size, min_pagesz))
		return -EINVAL;
	if (size && (iova + size - 1 < iova || paddr + size - 1 < paddr))
		return -EINVAL;
	return 0;
}

/*
 * Hands the request to the driver run by run.  *done: the bytes the
 * driver mapped, counting a failing call's partial work, so the caller
 * can take exactly that back down.
 */
static int iommu_map_runs(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t size, int prot,
			  size_t *done)
{
	const struct iommu_domain_ops *ops = domain->ops;

	for (*done = 0; *done < size;) {
		unsigned long at = iova + *done;
		phys_addr_t pa = paddr + *done;
		size_t pgsize, count = 0, mapped = 0;
		int ret;

		pgsize = iommu_pgsize(domain, at, pa, size - *done, &count);
		ret = ops->map_pages(domain, at, pa, pgsize, count, prot, &mapped);
		*done += mapped;
		if (ret)
			return ret;
		if (!mapped)
			return -EINVAL;	/* no progress, no reason: do not spin */
	}
	return 0;
}

/* All or nothing: a request that fails part way is unmapped again. */
static int __iommu_map(struct iommu_domain *domain, unsigned long iova,
		       phys_addr_t paddr, size_t size, int prot)
{
	size_t done;
	int ret;

	ret = iommu_map_check(domain, iova, paddr, size, prot);
	if (ret)
		return ret;
	ret = iommu_map_runs(domain, iova, paddr, size, prot, &done);
	if (ret && done)
		iommu_unmap(domain, iova, done);
	return ret;
}

int iommu_map(struct iommu_domain *domain, unsigned long iova,
	      phys_addr_t paddr, size_t size, int prot)
{
	int ret;

	ret = __iommu_map(domain, iova, paddr, size, prot);
	if (!ret && domain->ops->iotlb_sync_map) {
		ret = domain->ops->iotlb_sync_map(domain, iova, size);
		if (ret)
			iommu_unmap(domain, iova, size);
	}
	if (!ret && domain->k)
		ktrace(domain->k, IOMMUSIM_TRACE_DMA,
		       "iommu:map IOMMU: iova=0x%016lx - 0x%016lx paddr=0x%016llx size=%zu",
		       iova, iova + size, (unsigned long long)paddr, size);
	return ret;
}

/* Unmap takes the same page sizes map would have used at each address. */
static size_t iommu_unmap_runs(struct iommu_domain *domain, unsigned long iova,
			       size_t size, struct iommu_iotlb_gather *gather)
{
	size_t done = 0;

	while (done < size) {
		unsigned long at = iova + done;
		size_t pgsize, count = 0, removed;

		pgsize = iommu_pgsize(domain, at, at, size - done, &count);
		removed = domain->ops->unmap_pages(domain, at, pgsize, count,
						   gather);
		if (!removed)
			break;	/* a hole: report what came off before it */
		done += removed;
	}
	return done;
}

static bool iommu_unmap_check(struct iommu_domain *domain, unsigned long iova,
			      size_t size)
{
	unsigned long min_pagesz;

	if (IS_ERR_OR_NULL(domain) || !domain->ops ||
	    !(domain->type & __IOMMU_DOMAIN_PAGING))
		return false;
	if (!domain->ops->unmap_pages || !domain->pgsize_bitmap)
		return false;
	min_pagesz = BIT(__ffs64(domain->pgsize_bitmap));
	if (!IS_ALIGNED(iova | size, min_pagesz))
		return false;
	return !size || iova + size - 1 >= iova;
}

static size_t __iommu_unmap(struct iommu_domain *domain, unsigned long iova,
			    size_t size, struct iommu_iotlb_gather *gather)
{
	if (!iommu_unmap_check(domain, iova, size))
		return 0;
	return iommu_unmap_runs(domain, iova, size, gather);
}

size_t iommu_unmap(struct iommu_domain *domain, unsigned long iova,
		   size_t size)
{
	struct iommu_iotlb_gather gather;
	size_t ret;

	iommu_iotlb_gather_init(&gather);
	ret = __iommu_unmap(domain, iova, size, &gather);
	if (!IS_ERR_OR_NULL(domain))
		iommu_iotlb_sync(domain, &gather);
	if (!IS_ERR_OR_NULL(domain) && domain->k)
		ktrace(domain->k, IOMMUSIM_TRACE_DMA,
		       "iommu:unmap IOMMU: iova=0x%016lx - 0x%016lx size=%zu unmapped_size=%zu",
		       iova, iova + size, size, ret);
	return ret;
}

size_t iommu_unmap_fast(struct iommu_domain *domain, unsigned long iova,
			size_t size, struct iommu_iotlb_gather *iotlb_gather)
{
	if (!iotlb_gather)
		return 0;
	return __iommu_unmap(domain, iova, size, iotlb_gather);
}

phys_addr_t iommu_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	if (IS_ERR_OR_NULL(domain))
		return 0;
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return iova;
	if (domain->type == IOMMU_DOMAIN_BLOCKED || !domain->ops ||
	    !domain->ops->iova_to_phys)
		return 0;
	return domain->ops->iova_to_phys(domain, iova);
}

void iommu_flush_iotlb_all(struct iommu_domain *domain)
{
	if (!IS_ERR_OR_NULL(domain) && domain->ops &&
	    domain->ops->flush_iotlb_all)
		domain->ops->flush_iotlb_all(domain);
}

void iommu_iotlb_sync(struct iommu_domain *domain,
		      struct iommu_iotlb_gather *iotlb_gather)
{
	if (domain->ops && domain->ops->iotlb_sync)
		domain->ops->iotlb_sync(domain, iotlb_gather);
	iommu_iotlb_gather_init(iotlb_gather);
}

ssize_t iommu_map_sg(struct iommu_domain *domain, unsigned long iova,
		     const struct scatterlist *sg, unsigned int nents, int prot)
{
	size_t mapped = 0, len = 0;
	phys_addr_t start = 0;
	int ret;

	if (IS_ERR_OR_NULL(domain) || (nents && !sg))
		return -EINVAL;
	/* Physically contiguous neighbours go down as one request. */
	for (unsigned int i = 0; i <= nents; i++) {
		if (len && (i == nents || sg[i].phys != start + len)) {
			ret = __iommu_map(domain, iova + mapped, start, len,
					  prot);
			if (ret)
				goto out_err;
			mapped += len;
			len = 0;
		}
		if (i == nents)
			break;
		if (!len)
			start = sg[i].phys;
		len += sg[i].length;
	}
	if (domain->ops->iotlb_sync_map) {
		ret = domain->ops->iotlb_sync_map(domain, iova, mapped);
		if (ret)
			goto out_err;
	}
	return (ssize_t)mapped;

out_err:
	iommu_unmap(domain, iova, mapped);
	return ret;
}
