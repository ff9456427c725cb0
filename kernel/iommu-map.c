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

size_t iommu_pgsize(struct iommu_domain *domain, unsigned long iova,
		    phys_addr_t paddr, size_t size, size_t *count)
{
	unsigned long addr_merge = (unsigned long)paddr | iova;
	unsigned long pgsizes;
	unsigned int idx, idx_next;
	size_t pgsize, pgsize_next, offset;

	/* Page sizes the domain has that fit in size ... */
	pgsizes = domain->pgsize_bitmap & GENMASK(__fls64(size), 0);
	/* ... and that both addresses are aligned to. */
	if (likely(addr_merge))
		pgsizes &= GENMASK(__ffs64(addr_merge), 0);
	if (!pgsizes)
		return 0;
	idx = __fls64(pgsizes);
	pgsize = BIT(idx);
	if (!count)
		return pgsize;

	/*
	 * Stop the run of small pages where a bigger page could start, when
	 * the rest of the request is long enough to use it and iova and
	 * paddr sit at the same offset inside it.
	 */
	pgsizes = domain->pgsize_bitmap & ~GENMASK(idx, 0);
	if (pgsizes) {
		idx_next = __ffs64(pgsizes);
		pgsize_next = BIT(idx_next);
		if (!((iova ^ paddr) & (pgsize_next - 1))) {
			offset = pgsize_next - (addr_merge & (pgsize_next - 1));
			if (offset + pgsize_next <= size)
				size = offset;
		}
	}
	*count = size >> idx;
	return pgsize;
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

static int __iommu_map(struct iommu_domain *domain, unsigned long iova,
		       phys_addr_t paddr, size_t size, int prot)
{
	const struct iommu_domain_ops *ops;
	unsigned long orig_iova = iova;
	size_t orig_size = size;
	int ret;

	ret = iommu_map_check(domain, iova, paddr, size, prot);
	if (ret)
		return ret;
	ops = domain->ops;
	while (size) {
		size_t pgsize, count = 0, mapped = 0;

		pgsize = iommu_pgsize(domain, iova, paddr, size, &count);
		ret = ops->map_pages(domain, iova, paddr, pgsize, count, prot,
				     &mapped);
		/* What was mapped counts, even on failure: it is unwound. */
		size -= mapped;
		if (!ret && !mapped)
			ret = -EINVAL;
		if (ret)
			break;
		iova += mapped;
		paddr += mapped;
	}
	if (ret && orig_size != size)
		iommu_unmap(domain, orig_iova, orig_size - size);
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
	return ret;
}

static size_t __iommu_unmap(struct iommu_domain *domain, unsigned long iova,
			    size_t size, struct iommu_iotlb_gather *gather)
{
	const struct iommu_domain_ops *ops;
	unsigned long min_pagesz;
	size_t unmapped = 0;

	if (IS_ERR_OR_NULL(domain) || !domain->ops ||
	    !(domain->type & __IOMMU_DOMAIN_PAGING))
		return 0;
	ops = domain->ops;
	if (!ops->unmap_pages || !domain->pgsize_bitmap)
		return 0;
	min_pagesz = BIT(__ffs64(domain->pgsize_bitmap));
	if (!IS_ALIGNED(iova | size, min_pagesz))
		return 0;
	if (size && iova + size - 1 < iova)
		return 0;

	while (unmapped < size) {
		size_t pgsize, count = 0, done;

		pgsize = iommu_pgsize(domain, iova, iova, size - unmapped,
				      &count);
		done = ops->unmap_pages(domain, iova, pgsize, count, gather);
		if (!done)
			break;	/* a hole: report what came off so far */
		iova += done;
		unmapped += done;
	}
	return unmapped;
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
