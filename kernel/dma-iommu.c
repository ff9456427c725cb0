// SPDX-License-Identifier: MIT
/*
 * DMA-API glue over an IOMMU domain: see dma-iommu.h.
 *
 * The cookie hangs off domain->iova_cookie.  The hot paths (map_page,
 * unmap_page) take no lock of their own: alloc_iova_fast() has its
 * magazines, io-pgtable its own atomicity, and in lazy mode the flush queue
 * a spinlock held for a few stores.  The doorbell list is protected by the
 * group mutex, which mainline's iommu_dma_prepare_msi() holds around
 * iommu_dma_sw_msi() (it replaced a static msi_prepare_lock in 6.15), and by
 * the cookie mutex for callers outside it (the rfc-2023 model's prepare).
 *
 * Flush queue, as Linux's: an unmapped IOVA is queued with the value of
 * fq_flush_start_cnt at that moment; a flush bumps start, invalidates the
 * whole domain, then bumps finish; an entry goes back to the allocator
 * only once finish is above its counter, i.e. an invalidation that started
 * after its unmap has completed.  Linux drains on a 10 ms timer; here the
 * deadline is checked on every queue and iommu_dma_flush_fq() runs it on
 * demand, so no thread is needed.
 */
#include "kernel/dma-iommu.h"

#include <stdatomic.h>
#include <time.h>

#include "kernel/iova.h"

enum iommu_dma_cookie_type {
	IOMMU_DMA_IOVA_COOKIE,
	IOMMU_DMA_MSI_COOKIE,
};

struct iommu_dma_msi_page {
	struct list_head list;
	dma_addr_t iova;
	phys_addr_t phys;
	bool mapped;		/* false: a hardware MSI window, iova == phys */
};

struct iova_fq_entry {
	unsigned long iova_pfn;
	unsigned long pages;
	u64 counter;
};

struct iommu_dma_cookie {
	enum iommu_dma_cookie_type type;
	struct kernel *k;
	struct mutex mutex;		/* init, and the doorbell list */
	struct list_head msi_page_list;
	union {
		struct iova_domain iovad;	/* IOVA cookie */
		dma_addr_t msi_iova;		/* MSI cookie: next doorbell IOVA */
	};
	bool iovad_ready;
	struct iommu_domain *fq_domain;	/* set when the flush queue is in use */

	spinlock_t fq_lock;
	unsigned int fq_head, fq_tail;	/* ring of IOVA_FQ_SIZE entries */
	u64 fq_oldest_ns;		/* when the oldest pending entry was queued */
	atomic_ullong fq_flush_start_cnt;
	atomic_ullong fq_flush_finish_cnt;
	struct iova_fq_entry fq[IOVA_FQ_SIZE];
};

static inline struct iommu_dma_cookie *cookie_of(struct iommu_domain *domain)
{
	if (!domain || (domain->cookie_type != IOMMU_COOKIE_DMA_IOVA &&
			domain->cookie_type != IOMMU_COOKIE_DMA_MSI))
		return NULL;
	return domain->iova_cookie;
}

static size_t cookie_msi_granule(struct iommu_dma_cookie *cookie)
{
	if (cookie->type == IOMMU_DMA_IOVA_COOKIE && cookie->iovad_ready)
		return cookie->iovad.granule;
	return PAGE_SIZE;
}

static struct iommu_dma_cookie *cookie_alloc(struct kernel *k,
					     enum iommu_dma_cookie_type type)
{
	struct iommu_dma_cookie *cookie = kzalloc(k, sizeof(*cookie));

	if (!cookie)
		return NULL;
	cookie->type = type;
	cookie->k = k;
	mutex_init(&cookie->mutex);
	INIT_LIST_HEAD(&cookie->msi_page_list);
	spin_lock_init(&cookie->fq_lock);
	atomic_init(&cookie->fq_flush_start_cnt, 0);
	atomic_init(&cookie->fq_flush_finish_cnt, 0);
	return cookie;
}

int iommu_get_dma_cookie(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie;

	if (!domain)
		return -EINVAL;
	if (domain->cookie_type != IOMMU_COOKIE_NONE)
		return -EEXIST;
	if (!(domain->type & __IOMMU_DOMAIN_DMA_API))
		return -EINVAL;
	cookie = cookie_alloc(domain->k, IOMMU_DMA_IOVA_COOKIE);
	if (!cookie)
		return -ENOMEM;
	domain->iova_cookie = cookie;
	domain->cookie_type = IOMMU_COOKIE_DMA_IOVA;
	return 0;
}

int iommu_get_msi_cookie(struct iommu_domain *domain, dma_addr_t base)
{
	struct iommu_dma_cookie *cookie;

	if (!domain || domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	/* Any owner already, iommufd included: mainline's -EEXIST. */
	if (domain->cookie_type != IOMMU_COOKIE_NONE)
		return -EEXIST;
	cookie = cookie_alloc(domain->k, IOMMU_DMA_MSI_COOKIE);
	if (!cookie)
		return -ENOMEM;
	cookie->msi_iova = base;
	domain->iova_cookie = cookie;
	domain->cookie_type = IOMMU_COOKIE_DMA_MSI;
	return 0;
}

static void fq_drain(struct iommu_dma_cookie *cookie, bool flush);

void iommu_put_dma_cookie(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);
	struct iommu_dma_msi_page *msi, *tmp;

	if (!cookie || (domain->cookie_type != IOMMU_COOKIE_DMA_IOVA &&
			domain->cookie_type != IOMMU_COOKIE_DMA_MSI))
		return;
	/* Doorbells first: their IOVAs come from the allocator freed below. */
	list_for_each_entry_safe(msi, tmp, &cookie->msi_page_list, list) {
		if (msi->mapped)
			iommu_unmap(domain, msi->iova, cookie_msi_granule(cookie));
		list_del(&msi->list);
		kfree(msi);
	}
	if (cookie->type == IOMMU_DMA_IOVA_COOKIE && cookie->iovad_ready) {
		if (cookie->fq_domain)
			fq_drain(cookie, true);
		put_iova_domain(&cookie->iovad);
	}
	mutex_destroy(&cookie->mutex);
	domain->iova_cookie = NULL;
	domain->cookie_type = IOMMU_COOKIE_NONE;
	kfree(cookie);
}

/*
 * A hardware MSI window (IOMMU_RESV_MSI) bypasses translation: record its
 * pages as doorbell pages whose IOVA is their address, so prepare finds
 * them and maps nothing (Linux's cookie_init_hw_msi_region).
 */
static int cookie_init_hw_msi_region(struct iommu_dma_cookie *cookie,
				     phys_addr_t start, phys_addr_t end)
{
	struct iommu_dma_msi_page *msi_page;
	size_t granule = cookie->iovad.granule;

	start = ALIGN_DOWN(start, granule);
	for (; start < end; start += granule) {
		bool known = false;

		list_for_each_entry(msi_page, &cookie->msi_page_list, list)
			known |= msi_page->phys == start;
		if (known)
			continue;
		msi_page = kzalloc(cookie->k, sizeof(*msi_page));
		if (!msi_page)
			return -ENOMEM;
		msi_page->phys = start;
		msi_page->iova = start;
		list_add(&msi_page->list, &cookie->msi_page_list);
	}
	return 0;
}

/* Reserve dev's regions in the IOVA space, except the SW_MSI window: the
 * cookie itself places doorbells, anywhere in the space, as Linux does. */
static int iova_reserve_iommu_regions(struct device *dev,
				      struct iommu_dma_cookie *cookie)
{
	struct iova_domain *iovad = &cookie->iovad;
	struct iommu_resv_region *region;
	struct list_head regions;
	int ret = 0;

	INIT_LIST_HEAD(&regions);
	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(region, &regions, list) {
		unsigned long lo, hi;

		if (region->type == IOMMU_RESV_SW_MSI || !region->length)
			continue;
		lo = iova_pfn(iovad, region->start);
		hi = iova_pfn(iovad, region->start + region->length - 1);
		if (!reserve_iova(iovad, lo, hi)) {
			ret = -ENOMEM;
			break;
		}
		if (region->type == IOMMU_RESV_MSI)
			ret = cookie_init_hw_msi_region(cookie, region->start,
							region->start + region->length);
		if (ret)
			break;
	}
	iommu_put_resv_regions(dev, &regions);
	return ret;
}

int iommu_dma_init_domain(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);
	unsigned long order, base_pfn, granule;
	int ret;

	if (!cookie || cookie->type != IOMMU_DMA_IOVA_COOKIE)
		return -ENODEV;
	if (!domain->pgsize_bitmap)
		return -EINVAL;
	order = __ffs64(domain->pgsize_bitmap);
	granule = 1UL << order;
	base_pfn = max_t(unsigned long, 1, domain->geometry.aperture_start >> order);
	if (domain->geometry.force_aperture &&
	    domain->geometry.aperture_end < ((u64)base_pfn << order))
		return -EFAULT;

	mutex_lock(&cookie->mutex);
	if (cookie->iovad_ready) {
		/* A second device of the domain: same granule and base, as
		 * Linux checks; its own reserved regions added. */
		ret = cookie->iovad.granule == granule &&
		      cookie->iovad.start_pfn == base_pfn ? 0 : -EFAULT;
		if (!ret && dev)
			ret = iova_reserve_iommu_regions(dev, cookie);
		goto out;
	}
	ret = init_iova_domain(&cookie->iovad, granule, base_pfn);
	if (ret)
		goto out;
	iova_domain_set_kernel(&cookie->iovad, cookie->k);
	ret = iova_domain_init_rcaches(&cookie->iovad);
	if (ret)
		goto out_put;
	if (dev) {
		ret = iova_reserve_iommu_regions(dev, cookie);
		if (ret)
			goto out_put;
	}
	if (domain->type == IOMMU_DOMAIN_DMA_FQ)
		cookie->fq_domain = domain;
	cookie->iovad_ready = true;
	mutex_unlock(&cookie->mutex);
	return 0;

out_put:
	put_iova_domain(&cookie->iovad);
	{
		struct iommu_dma_msi_page *msi, *tmp;

		list_for_each_entry_safe(msi, tmp, &cookie->msi_page_list, list) {
			list_del(&msi->list);
			kfree(msi);
		}
	}
out:
	mutex_unlock(&cookie->mutex);
	return ret;
}

int iommu_setup_dma_ops(struct device *dev)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);

	/* Linux sets this here for PCI devices unless iommu.forcedac=1. */
	dev->pci_32bit_workaround = dev->is_pci;
	if (domain && iommu_is_dma_domain(domain))
		return iommu_dma_init_domain(domain, dev);
	return 0;
}

/* ---- IOVA allocation and the flush queue ---- */

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/*
 * As Linux's iommu_dma_alloc_iova: within the device's mask and the
 * aperture; a PCI device first tries below 4G (many PCI devices and
 * bridges mishandle dual-address cycles), until that space runs out once.
 */
static dma_addr_t iommu_dma_alloc_iova(struct iommu_domain *domain,
				       size_t size, u64 dma_limit,
				       struct device *dev)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	struct iova_domain *iovad = &cookie->iovad;
	unsigned long shift, iova_len, pfn;

	if (cookie->type == IOMMU_DMA_MSI_COOKIE) {
		cookie->msi_iova += size;
		return cookie->msi_iova - size;
	}
	shift = iova_shift(iovad);
	iova_len = size >> shift;
	if (domain->geometry.force_aperture)
		dma_limit = min(dma_limit, (u64)domain->geometry.aperture_end);
	if (dma_limit > DMA_BIT_MASK(32) && dev &&
	    __atomic_load_n(&dev->pci_32bit_workaround, __ATOMIC_RELAXED)) {
		pfn = alloc_iova_fast(iovad, iova_len, DMA_BIT_MASK(32) >> shift, false);
		if (pfn)
			return (dma_addr_t)pfn << shift;
		__atomic_store_n(&dev->pci_32bit_workaround, false, __ATOMIC_RELAXED);
	}
	pfn = alloc_iova_fast(iovad, iova_len, dma_limit >> shift, true);
	return (dma_addr_t)pfn << shift;
}

static void fq_free_done_locked(struct iommu_dma_cookie *cookie)
{
	u64 done = atomic_load(&cookie->fq_flush_finish_cnt);

	while (cookie->fq_head != cookie->fq_tail) {
		struct iova_fq_entry *e = &cookie->fq[cookie->fq_head];

		if (e->counter >= done)
			break;
		free_iova_fast(&cookie->iovad, e->iova_pfn, e->pages);
		cookie->fq_head = (cookie->fq_head + 1) % IOVA_FQ_SIZE;
	}
	cookie->fq_oldest_ns = cookie->fq_head == cookie->fq_tail ? 0 :
			       cookie->fq_oldest_ns;
}

static void fq_flush_iotlb(struct iommu_dma_cookie *cookie)
{
	atomic_fetch_add(&cookie->fq_flush_start_cnt, 1);
	iommu_flush_iotlb_all(cookie->fq_domain);
	atomic_fetch_add(&cookie->fq_flush_finish_cnt, 1);
}

static void fq_drain(struct iommu_dma_cookie *cookie, bool flush)
{
	if (flush)
		fq_flush_iotlb(cookie);
	spin_lock(&cookie->fq_lock);
	fq_free_done_locked(cookie);
	spin_unlock(&cookie->fq_lock);
}

static void queue_iova(struct iommu_dma_cookie *cookie, unsigned long pfn,
		       unsigned long pages)
{
	struct iova_fq_entry *e;
	u64 now = now_ns();

	spin_lock(&cookie->fq_lock);
	fq_free_done_locked(cookie);
	if ((cookie->fq_tail + 1) % IOVA_FQ_SIZE == cookie->fq_head ||
	    (cookie->fq_oldest_ns && now - cookie->fq_oldest_ns >= IOVA_FQ_TIMEOUT_NS)) {
		/* Full or overdue: the "timer" fires now, under the lock. */
		fq_flush_iotlb(cookie);
		fq_free_done_locked(cookie);
	}
	e = &cookie->fq[cookie->fq_tail];
	e->iova_pfn = pfn;
	e->pages = pages;
	e->counter = atomic_load(&cookie->fq_flush_start_cnt);
	if (cookie->fq_head == cookie->fq_tail)
		cookie->fq_oldest_ns = now;
	cookie->fq_tail = (cookie->fq_tail + 1) % IOVA_FQ_SIZE;
	spin_unlock(&cookie->fq_lock);
}

void iommu_dma_flush_fq(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);

	if (cookie && cookie->type == IOMMU_DMA_IOVA_COOKIE && cookie->fq_domain)
		fq_drain(cookie, true);
}

static void iommu_dma_free_iova(struct iommu_dma_cookie *cookie,
				dma_addr_t iova, size_t size, bool queued)
{
	struct iova_domain *iovad = &cookie->iovad;

	if (cookie->type == IOMMU_DMA_MSI_COOKIE)
		cookie->msi_iova -= size;
	else if (queued)
		queue_iova(cookie, iova_pfn(iovad, iova), size >> iova_shift(iovad));
	else
		free_iova_fast(iovad, iova_pfn(iovad, iova), size >> iova_shift(iovad));
}

/* ---- map / unmap ---- */

static int dma_info_to_prot(enum dma_data_direction dir, unsigned long attrs)
{
	int prot = IOMMU_CACHE;	/* every emulated device is coherent */

	if (attrs & DMA_ATTR_PRIVILEGED)
		prot |= IOMMU_PRIV;
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return prot | IOMMU_READ | IOMMU_WRITE;
	case DMA_TO_DEVICE:
		return prot | IOMMU_READ;
	case DMA_FROM_DEVICE:
		return prot | IOMMU_WRITE;
	default:
		return 0;
	}
}

/*
 * The device's domain when the DMA API owns it (its IOVA cookie is set up),
 * else NULL: a group handed to VFIO/iommufd has left its DMA domain.
 */
static struct iommu_domain *dma_domain(struct device *dev,
				       struct iommu_dma_cookie **cookiep)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	struct iommu_dma_cookie *cookie = cookie_of(domain);

	if (!cookie || cookie->type != IOMMU_DMA_IOVA_COOKIE || !cookie->iovad_ready)
		return NULL;
	*cookiep = cookie;
	return domain;
}

static dma_addr_t __iommu_dma_map(struct device *dev, phys_addr_t phys,
				  size_t size, int prot)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = dma_domain(dev, &cookie);
	struct iova_domain *iovad;
	size_t iova_off;
	dma_addr_t iova;

	if (!domain || !prot || !size)
		return DMA_MAPPING_ERROR;
	iovad = &cookie->iovad;
	iova_off = iova_offset(iovad, phys);
	if (size > ~(size_t)0 - iovad->granule - iova_off)
		return DMA_MAPPING_ERROR;
	size = iova_align(iovad, size + iova_off);
	iova = iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);
	if (!iova)
		return DMA_MAPPING_ERROR;
	if (iommu_map(domain, iova, phys - iova_off, size, prot)) {
		iommu_dma_free_iova(cookie, iova, size, false);
		return DMA_MAPPING_ERROR;
	}
	return iova + iova_off;
}

static void __iommu_dma_unmap(struct device *dev, dma_addr_t dma_addr,
			      size_t size)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = dma_domain(dev, &cookie);
	struct iommu_iotlb_gather gather;
	struct iova_domain *iovad;
	size_t iova_off, unmapped;

	if (!domain || !size)
		return;
	iovad = &cookie->iovad;
	iova_off = iova_offset(iovad, dma_addr);
	dma_addr -= iova_off;
	size = iova_align(iovad, size + iova_off);
	iommu_iotlb_gather_init(&gather);
	gather.queued = cookie->fq_domain != NULL;
	unmapped = iommu_unmap_fast(domain, dma_addr, size, &gather);
	if (!gather.queued)
		iommu_iotlb_sync(domain, &gather);
	/*
	 * Linux WARNs and frees anyway; an IOVA that was not fully mapped here
	 * (a double unmap, a wrong size) is kept rather than handed out twice.
	 */
	if (KWARN_ON(cookie->k, unmapped != size))
		return;
	iommu_dma_free_iova(cookie, dma_addr, size, gather.queued);
}

dma_addr_t iommu_dma_map_page(struct device *dev, phys_addr_t phys,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs)
{
	dma_addr_t addr = __iommu_dma_map(dev, phys, size, dma_info_to_prot(dir, attrs));

	if (dev)
		ktrace(dev->k, IOMMUSIM_TRACE_DMA,
		       "dma:dma_map_page %s dir=%d dma_addr=%llx size=%zu phys_addr=%llx",
		       dev_name(dev), dir, (unsigned long long)addr, size,
		       (unsigned long long)phys);
	return addr;
}

void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma_handle,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs)
{
	(void)attrs;
	if (dev)
		ktrace(dev->k, IOMMUSIM_TRACE_DMA, "dma:dma_unmap_page %s dir=%d dma_addr=%llx size=%zu",
		       dev_name(dev), dir, (unsigned long long)dma_handle, size);
	__iommu_dma_unmap(dev, dma_handle, size);
}

/*
 * One IOVA range for the whole list, each segment starting at its own
 * offset within a granule so the device sees the same sub-page layout
 * (Linux additionally merges segments; here each keeps its own entry).
 */
int iommu_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir, unsigned long attrs)
{
	int prot = dma_info_to_prot(dir, attrs);
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = dma_domain(dev, &cookie);
	struct iova_domain *iovad;
	size_t total = 0, pos = 0;
	dma_addr_t iova;
	int i;

	if (!domain)
		return -EIO;
	if (!sg || nents <= 0 || !prot)
		return -EINVAL;
	iovad = &cookie->iovad;
	for (i = 0; i < nents; i++) {
		size_t off = iova_offset(iovad, sg[i].phys);

		if (!sg[i].length)
			return -EINVAL;
		total += iova_align(iovad, sg[i].length + off);
		if (total > (1ULL << 40))	/* past any sane list */
			return -EINVAL;
	}
	iova = iommu_dma_alloc_iova(domain, total, dma_get_mask(dev), dev);
	if (!iova)
		return -ENOMEM;
	for (i = 0; i < nents; i++) {
		size_t off = iova_offset(iovad, sg[i].phys);
		size_t len = iova_align(iovad, sg[i].length + off);

		if (iommu_map(domain, iova + pos, sg[i].phys - off, len, prot))
			goto out_unmap;
		sg[i].dma_address = iova + pos + off;
		sg[i].dma_length = sg[i].length;
		pos += len;
	}
	return nents;

out_unmap:
	if (pos) {
		struct iommu_iotlb_gather gather;

		iommu_iotlb_gather_init(&gather);
		iommu_unmap_fast(domain, iova, pos, &gather);
		iommu_iotlb_sync(domain, &gather);
	}
	iommu_dma_free_iova(cookie, iova, total, false);
	for (i = 0; i < nents; i++) {
		sg[i].dma_address = DMA_MAPPING_ERROR;
		sg[i].dma_length = 0;
	}
	return -ENOMEM;
}

void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = dma_domain(dev, &cookie);
	dma_addr_t start, end;

	(void)dir;
	(void)attrs;
	if (!domain || !sg || nents <= 0 || sg[0].dma_address == DMA_MAPPING_ERROR)
		return;
	/* The list was mapped as one range: from the first to the last end. */
	start = sg[0].dma_address;
	end = sg[nents - 1].dma_address + sg[nents - 1].dma_length;
	start = ALIGN_DOWN(start, cookie->iovad.granule);
	__iommu_dma_unmap(dev, start, end - start);
}

void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		      unsigned long attrs)
{
	int prot = dma_info_to_prot(DMA_BIDIRECTIONAL, attrs);
	phys_addr_t phys;
	void *cpu;

	if (!dev || !handle || !size || get_order(size) < 0)
		return NULL;
	size = ALIGN(size, PAGE_SIZE);
	phys = kernel_alloc_pages(dev->k, size);
	if (!phys)
		return NULL;
	*handle = __iommu_dma_map(dev, phys, size, prot);
	if (*handle == DMA_MAPPING_ERROR) {
		kernel_free_pages(dev->k, phys, size);
		return NULL;
	}
	cpu = phys_to_virt(dev->k, phys, size);
	return cpu;
}

void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr,
		    dma_addr_t handle, unsigned long attrs)
{
	struct iommu_dma_cookie *cookie;
	struct iommu_domain *domain = dma_domain(dev, &cookie);
	phys_addr_t phys;

	(void)attrs;
	if (!domain || !cpu_addr || !size)
		return;
	size = ALIGN(size, PAGE_SIZE);
	phys = iommu_iova_to_phys(domain, handle);
	if (KWARN_ON(cookie->k, !phys || phys_to_virt(dev->k, phys, size) != cpu_addr))
		return;
	__iommu_dma_unmap(dev, handle, size);
	kernel_free_pages(dev->k, phys, size);
}

/* ---- doorbells ---- */

static struct iommu_dma_msi_page *
iommu_dma_get_msi_page(struct device *dev, struct iommu_domain *domain,
		       phys_addr_t msi_addr)
{
	struct iommu_dma_cookie *cookie = domain->iova_cookie;
	int prot = IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO;
	size_t size = cookie_msi_granule(cookie);
	struct iommu_dma_msi_page *msi_page;
	dma_addr_t iova;

	msi_addr &= ~(phys_addr_t)(size - 1);
	list_for_each_entry(msi_page, &cookie->msi_page_list, list)
		if (msi_page->phys == msi_addr)
			return msi_page;

	msi_page = kzalloc(cookie->k, sizeof(*msi_page));
	if (!msi_page)
		return NULL;
	iova = iommu_dma_alloc_iova(domain, size, dma_get_mask(dev), dev);
	if (!iova)
		goto out_free_page;
	if (iommu_map(domain, iova, msi_addr, size, prot))
		goto out_free_iova;
	msi_page->phys = msi_addr;
	msi_page->iova = iova;
	msi_page->mapped = true;
	list_add(&msi_page->list, &cookie->msi_page_list);
	return msi_page;

out_free_iova:
	iommu_dma_free_iova(cookie, iova, size, false);
out_free_page:
	kfree(msi_page);
	return NULL;
}

int iommu_dma_sw_msi(struct iommu_domain *domain, struct msi_desc *desc,
		     phys_addr_t msi_addr)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);
	struct iommu_dma_msi_page *msi_page;

	if (!cookie) {
		msi_desc_set_iommu_msi_iova(desc, 0, 0);
		return 0;
	}
	/* A DMA domain no device was set up on has no IOVA space yet. */
	if (cookie->type == IOMMU_DMA_IOVA_COOKIE && !cookie->iovad_ready)
		return -ENODEV;
	mutex_lock(&cookie->mutex);
	msi_page = iommu_dma_get_msi_page(msi_desc_to_dev(desc), domain, msi_addr);
	mutex_unlock(&cookie->mutex);
	if (!msi_page)
		return -ENOMEM;
	msi_desc_set_iommu_msi_iova(desc, msi_page->iova,
				    ilog2(cookie_msi_granule(cookie)));
	return 0;
}

/* ---- introspection ---- */

unsigned int iommu_dma_msi_page_count(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);
	struct iommu_dma_msi_page *p;
	unsigned int n = 0;

	if (!cookie)
		return 0;
	mutex_lock(&cookie->mutex);
	list_for_each_entry(p, &cookie->msi_page_list, list)
		n++;
	mutex_unlock(&cookie->mutex);
	return n;
}

unsigned int iommu_dma_fq_pending(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);
	unsigned int n;

	if (!cookie || cookie->type != IOMMU_DMA_IOVA_COOKIE)
		return 0;
	spin_lock(&cookie->fq_lock);
	n = (cookie->fq_tail + IOVA_FQ_SIZE - cookie->fq_head) % IOVA_FQ_SIZE;
	spin_unlock(&cookie->fq_lock);
	return n;
}

struct iova_domain *iommu_dma_iovad(struct iommu_domain *domain)
{
	struct iommu_dma_cookie *cookie = cookie_of(domain);

	if (!cookie || cookie->type != IOMMU_DMA_IOVA_COOKIE || !cookie->iovad_ready)
		return NULL;
	return &cookie->iovad;
}
