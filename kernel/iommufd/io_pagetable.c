// SPDX-License-Identifier: MIT
/*
 * The io_pagetable behind an IOAS (drivers/iommu/iommufd/io_pagetable.c):
 * areas (IOVA -> pinned pages), reserved ranges (device reserved regions,
 * what lies outside a domain's aperture), the allowed list, and every
 * paging domain that mirrors the areas.
 *
 * "Pinned pages" are physical addresses of the kernel's machine: an area's
 * bytes are host memory (the program's, or a mapping of a file), pinned
 * with phys_mem_pin_host when the first domain needs them - lazily, as
 * iopt_pages pins nothing while an IOAS has no domain - and unpinned when
 * the last domain or the area goes.  Machine RAM (a VMM's guest memory
 * carved from the host kernel's RAM) is its own physical range; other
 * host memory is reached through the machine's host window, at one
 * physical address per host address, so an area is one physically
 * contiguous run and each domain maps it with iommu_map(), which picks
 * the largest page sizes that fit (unless the IOAS's HUGE_PAGES option
 * is off, when it maps page by page).
 *
 * Areas and reserved ranges are sorted lists: an IOAS holds few, large
 * mappings (guest RAM), and lists keep the code short.  The kernel uses
 * interval trees; the answers are the same.
 */
#include <string.h>

#include "kernel/iommufd/iommufd-priv.h"

void iopt_init(struct io_pagetable *iopt, struct kernel *k)
{
	memset(iopt, 0, sizeof(*iopt));
	iopt->k = k;
	INIT_LIST_HEAD(&iopt->areas);
	INIT_LIST_HEAD(&iopt->reserved);
	INIT_LIST_HEAD(&iopt->domains);
	INIT_LIST_HEAD(&iopt->accesses);
	/* A table with no domain takes any byte (iopt_init_table). */
	iopt->iova_alignment = 1;
}

void iopt_destroy(struct io_pagetable *iopt)
{
	struct iopt_reserved *r, *rn;

	KWARN_ON(iopt->k, !list_empty(&iopt->domains));
	KWARN_ON(iopt->k, !list_empty(&iopt->accesses));
	iopt_unmap_all(iopt, NULL);
	list_for_each_entry_safe(r, rn, &iopt->reserved, node) {
		list_del(&r->node);
		kfree(r);
	}
	kfree(iopt->allowed);
}

static bool overlaps(unsigned long a0, unsigned long a1, unsigned long b0,
		     unsigned long b1)
{
	return a0 <= b1 && b0 <= a1;
}

static struct iopt_reserved *reserved_first(struct io_pagetable *iopt,
					    unsigned long start,
					    unsigned long last)
{
	struct iopt_reserved *r;

	list_for_each_entry(r, &iopt->reserved, node)
		if (overlaps(r->start, r->last, start, last))
			return r;
	return NULL;
}

static struct iopt_area *area_first(struct io_pagetable *iopt,
				    unsigned long start, unsigned long last)
{
	struct iopt_area *a;

	list_for_each_entry(a, &iopt->areas, node) {
		if (a->iova > last)
			break;
		if (a->last >= start)
			return a;
	}
	return NULL;
}

struct iopt_area *iopt_find_area(struct io_pagetable *iopt, unsigned long iova)
{
	return area_first(iopt, iova, iova);
}

static bool allowed_overlap(struct io_pagetable *iopt, unsigned long start,
			    unsigned long last)
{
	for (unsigned int i = 0; i < iopt->nr_allowed; i++)
		if (overlaps(iopt->allowed[i].start, iopt->allowed[i].last,
			     start, last))
			return true;
	return false;
}

/* ------------------------------------------------------------ domains */

static int domain_map(struct io_pagetable *iopt, struct iommu_domain *domain,
		      struct iopt_area *area)
{
	unsigned long len = area->last - area->iova + 1;
	int ret;

	if (!iopt->disable_large_pages)
		return iommu_map(domain, area->iova, area->pa, len, area->prot);
	for (unsigned long off = 0; off < len; off += PAGE_SIZE) {
		ret = iommu_map(domain, area->iova + off, area->pa + off,
				PAGE_SIZE, area->prot);
		if (ret) {
			if (off)
				iommu_unmap(domain, area->iova, off);
			return ret;
		}
	}
	return 0;
}

static void domain_unmap(struct iommu_domain *domain, struct iopt_area *area)
{
	unsigned long len = area->last - area->iova + 1;

	KWARN_ON(domain->k, iommu_unmap(domain, area->iova, len) != len);
}

/* Map area into every domain, or into none. */
static int area_fill_domains(struct io_pagetable *iopt, struct iopt_area *area)
{
	struct iopt_domain *d, *undo;
	int ret;

	list_for_each_entry(d, &iopt->domains, node) {
		ret = domain_map(iopt, d->domain, area);
		if (ret)
			goto err_unwind;
	}
	return 0;

err_unwind:
	list_for_each_entry(undo, &iopt->domains, node) {
		if (undo == d)
			break;
		domain_unmap(undo->domain, area);
	}
	return ret;
}

static unsigned long area_page_offset(const struct iopt_area *area)
{
	return area->user_va % PAGE_SIZE;
}

/* Every area conforms to a larger alignment (iopt_check_iova_alignment). */
static int check_iova_alignment(struct io_pagetable *iopt, unsigned long align)
{
	struct iopt_area *area;

	list_for_each_entry(area, &iopt->areas, node)
		if ((area->iova | (area->last - area->iova + 1) |
		     area_page_offset(area)) & (align - 1))
			return -EADDRINUSE;
	return 0;
}

static unsigned long domain_min_page(struct iommu_domain *domain)
{
	return 1UL << __ffs64(domain->pgsize_bitmap);
}

/* iopt_calculate_iova_alignment: the large-pages rule, then every domain's. */
static int calculate_iova_alignment(struct io_pagetable *iopt)
{
	unsigned long align = iopt->disable_large_pages ? PAGE_SIZE : 1;
	struct iopt_domain *d;
	int ret;

	list_for_each_entry(d, &iopt->domains, node)
		align = max(align, domain_min_page(d->domain));
	if (align > iopt->iova_alignment) {
		ret = check_iova_alignment(iopt, align);
		if (ret)
			return ret;
	}
	iopt->iova_alignment = align;
	return 0;
}

int iopt_table_add_domain(struct io_pagetable *iopt, struct iommu_domain *domain)
{
	const struct iommu_domain_geometry *geo = &domain->geometry;
	struct iopt_area *area, *undo;
	unsigned long align;
	struct iopt_domain *d;
	bool first;
	int ret;

	/*
	 * The smallest IO page drives the alignment, and a domain must take
	 * PAGE_SIZE: iopt pins whole CPU pages.
	 */
	align = max(domain_min_page(domain), iopt->iova_alignment);
	if (align > PAGE_SIZE)
		return -EINVAL;
	if (align != iopt->iova_alignment) {
		ret = check_iova_alignment(iopt, align);
		if (ret)
			return ret;
	}
	d = kzalloc(iopt->k, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->domain = domain;
	/* What the domain cannot translate is reserved while it is here. */
	if (geo->force_aperture) {
		ret = 0;
		if (geo->aperture_start)
			ret = iopt_reserve_iova(iopt, 0, geo->aperture_start - 1,
						domain);
		if (!ret && geo->aperture_end < ULONG_MAX)
			ret = iopt_reserve_iova(iopt, geo->aperture_end + 1,
						ULONG_MAX, domain);
		if (ret)
			goto err_free;
	}
	/* The first domain pins every area: it is their storage. */
	first = list_empty(&iopt->domains);
	list_for_each_entry(area, &iopt->areas, node) {
		ret = first ? iopt_area_pin(iopt, area) : 0;
		if (ret)
			goto err_unmap;
		ret = domain_map(iopt, domain, area);
		if (ret) {
			if (first)
				iopt_area_unpin(iopt, area);
			goto err_unmap;
		}
	}
	list_add_tail(&d->node, &iopt->domains);
	iopt->iova_alignment = align;
	return 0;

err_unmap:
	list_for_each_entry(undo, &iopt->areas, node) {
		if (undo == area)
			break;
		domain_unmap(domain, undo);
		if (first)
			iopt_area_unpin(iopt, undo);
	}
err_free:
	iopt_remove_reserved_iova(iopt, domain);
	kfree(d);
	return ret;
}

void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain)
{
	struct iopt_area *area;
	struct iopt_domain *d;

	list_for_each_entry(d, &iopt->domains, node) {
		if (d->domain != domain)
			continue;
		list_del(&d->node);
		list_for_each_entry(area, &iopt->areas, node) {
			domain_unmap(domain, area);
			if (list_empty(&iopt->domains))
				iopt_area_unpin(iopt, area);
		}
		kfree(d);
		break;
	}
	iopt_remove_reserved_iova(iopt, domain);
	/* Fewer domains never ask for more alignment. */
	KWARN_ON(iopt->k, calculate_iova_alignment(iopt));
}

int iopt_disable_large_pages(struct io_pagetable *iopt)
{
	int ret;

	if (iopt->disable_large_pages)
		return 0;
	/* Not once a domain may hold large IOPTEs for an area. */
	if (!list_empty(&iopt->domains) && !list_empty(&iopt->areas))
		return -EINVAL;
	iopt->disable_large_pages = true;
	ret = calculate_iova_alignment(iopt);
	if (ret)
		iopt->disable_large_pages = false;
	return ret;
}

void iopt_enable_large_pages(struct io_pagetable *iopt)
{
	iopt->disable_large_pages = false;
	KWARN_ON(iopt->k, calculate_iova_alignment(iopt));
}

/* ------------------------------------------------------------ reserved */

int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, const void *owner)
{
	struct iopt_reserved *r, *pos;

	if (allowed_overlap(iopt, start, last))
		return -EADDRINUSE;
	if (area_first(iopt, start, last))
		return -EADDRINUSE;
	r = kzalloc(iopt->k, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->start = start;
	r->last = last;
	r->owner = owner;
	list_for_each_entry(pos, &iopt->reserved, node)
		if (pos->start > start)
			break;
	list_add_tail(&r->node, &pos->node);
	return 0;
}

void iopt_remove_reserved_iova(struct io_pagetable *iopt, const void *owner)
{
	struct iopt_reserved *r, *rn;

	list_for_each_entry_safe(r, rn, &iopt->reserved, node) {
		if (r->owner != owner)
			continue;
		list_del(&r->node);
		kfree(r);
	}
}

int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct iommu_iova_range *ranges, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (reserved_first(iopt, ranges[i].start, ranges[i].last))
			return -EADDRINUSE;
		for (unsigned int j = 0; j < i; j++)
			if (overlaps(ranges[i].start, ranges[i].last,
				     ranges[j].start, ranges[j].last))
				return -EINVAL;
	}
	kfree(iopt->allowed);
	iopt->allowed = ranges;
	iopt->nr_allowed = n;
	return 0;
}

/*
 * The holes between reserved ranges (areas do not count: they are
 * mappable IOVA already mapped), in order; returns how many there are,
 * filling out with at most max of them, starting at the skip-th.
 */
unsigned int iopt_for_each_allowed(struct io_pagetable *iopt, unsigned int skip,
				   struct iommu_iova_range *out,
				   unsigned int max)
{
	unsigned long next = 0;
	struct iopt_reserved *r;
	unsigned int n = 0;
	bool done = false;

	list_for_each_entry(r, &iopt->reserved, node) {
		if (r->start > next) {
			if (n >= skip && n - skip < max)
				out[n - skip] = (struct iommu_iova_range){
					next, r->start - 1 };
			n++;
		}
		if (r->last >= next) {
			if (r->last == ULONG_MAX) {
				done = true;
				break;
			}
			next = r->last + 1;
		}
	}
	if (!done) {
		if (n >= skip && n - skip < max)
			out[n - skip] = (struct iommu_iova_range){ next, ULONG_MAX };
		n++;
	}
	return n;
}

/* ------------------------------------------------------------ areas */

static int iopt_check_iova(struct io_pagetable *iopt, unsigned long iova,
			   unsigned long length)
{
	unsigned long last;

	if (iova & (iopt->iova_alignment - 1))
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (reserved_first(iopt, iova, last))
		return -EINVAL;
	if (area_first(iopt, iova, last))
		return -EEXIST;
	return 0;
}

/*
 * The first IOVA of [lo, hi] that is align-aligned plus page_offset and
 * starts length free bytes (__alloc_iova_check_range and _hole).
 */
static bool try_place(struct io_pagetable *iopt, unsigned long lo,
		      unsigned long hi, unsigned long length,
		      unsigned long align, unsigned long page_offset,
		      unsigned long *iova)
{
	unsigned long cand;

	/* As iopt_alloc_iova: never the first or the last page. */
	lo = max(lo, PAGE_SIZE);
	hi = min(hi, ULONG_MAX - PAGE_SIZE);
	for (;;) {
		struct iopt_reserved *r;
		struct iopt_area *a;
		unsigned long skip, last;

		if (lo > hi || __builtin_add_overflow(lo, align - 1, &cand))
			return false;
		cand = (cand & ~(align - 1)) | page_offset;
		if (cand >= hi || hi - cand < length - 1)
			return false;
		last = cand + length - 1;
		r = reserved_first(iopt, cand, last);
		a = area_first(iopt, cand, last);
		if (!r && !a) {
			*iova = cand;
			return true;
		}
		skip = max(r ? r->last : 0, a ? a->last : 0);
		if (skip == ULONG_MAX)
			return false;
		lo = skip + 1;
	}
}

static unsigned long roundup_pow_of_two_ul(unsigned long n)
{
	unsigned long p = 1UL << ilog2(n);

	return p < n ? p << 1 : p;
}

/*
 * iopt_alloc_iova: the lowest free IOVA from PAGE_SIZE up (to ULONG_MAX -
 * PAGE_SIZE), aligned to the length rounded up to a power of two but no
 * more than the buffer's own alignment (so a huge-page-aligned buffer can
 * use huge IOPTEs), keeping the buffer's offset in its page, inside the
 * allowed list when there is one.
 */
static int iopt_alloc_iova(struct io_pagetable *iopt, unsigned long *iova,
			   unsigned long uptr, unsigned long length)
{
	unsigned long align, page_offset = uptr % PAGE_SIZE;

	if (!length || length >= ULONG_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow_of_two_ul(length);
	if (uptr)
		align = min(align, 1UL << __ffs64(uptr));
	if (align < iopt->iova_alignment)
		return -EINVAL;
	if (!iopt->nr_allowed)
		return try_place(iopt, 0, ULONG_MAX, length, align, page_offset,
				 iova) ? 0 : -ENOSPC;
	for (unsigned int i = 0; i < iopt->nr_allowed; i++)
		if (try_place(iopt, iopt->allowed[i].start,
			      iopt->allowed[i].last, length, align,
			      page_offset, iova))
			return 0;
	return -ENOSPC;
}

static int insert_area(struct io_pagetable *iopt, unsigned long iova,
		       unsigned long user_va, struct iopt_file *file,
		       struct iommufd_source *source, unsigned long length,
		       int prot, bool writable)
{
	struct iopt_area *area, *pos;
	int ret;

	/* iopt_insert_area: no writable IOVA over pages pinned read-only. */
	if ((prot & IOMMU_WRITE) && !writable)
		return -EPERM;
	area = kzalloc(iopt->k, sizeof(*area));
	if (!area)
		return -ENOMEM;
	area->iova = iova;
	area->last = iova + length - 1;
	area->user_va = user_va;
	area->prot = prot;
	area->writable = writable;
	area->file = file;
	area->source = source;
	/*
	 * Where the machine sees the bytes (get_user_pages' answer), known
	 * before any pin when the memory is RAM or in a host window.
	 */
	if (!file || file->addr)
		phys_ram_virt_to_phys(iopt->k->mem, (const void *)user_va, length,
				      &area->pa);
	/* Domains need the pages now (iopt_fill_domains_pages). */
	if (!list_empty(&iopt->domains)) {
		ret = iopt_area_pin(iopt, area);
		if (!ret) {
			ret = area_fill_domains(iopt, area);
			if (ret)
				iopt_area_unpin(iopt, area);
		}
		if (ret) {
			kfree(area);
			return ret;
		}
	}
	if (file)
		file->refs++;
	if (source)
		source->get(source);
	list_for_each_entry(pos, &iopt->areas, node)
		if (pos->iova > iova)
			break;
	list_add_tail(&area->node, &pos->node);
	return 0;
}

int iopt_map_pages(struct io_pagetable *iopt, unsigned long *iova,
		   unsigned long user_va, struct iopt_file *file,
		   struct iommufd_source *source, unsigned long length,
		   int prot, bool writable, bool fixed)
{
	int ret;

	/* iopt_alloc_area_pages, then iopt_insert_area's page-offset rule. */
	if (!length || (length & (iopt->iova_alignment - 1)))
		return -EINVAL;
	if (fixed)
		ret = iopt_check_iova(iopt, *iova, length);
	else
		ret = iopt_alloc_iova(iopt, iova, iopt_pages_hint(user_va, file),
				      length);
	if (ret)
		return ret;
	if ((user_va % PAGE_SIZE) & (iopt->iova_alignment - 1))
		return -EINVAL;
	return insert_area(iopt, *iova, user_va, file, source, length, prot,
			   writable);
}

static void notify_accesses(struct io_pagetable *iopt, struct iopt_area *area)
{
	struct iommufd_access *access;

	list_for_each_entry(access, &iopt->accesses, node)
		if (access->ops && access->ops->unmap)
			access->ops->unmap(access->data, area->iova,
					   area->last - area->iova + 1);
}

static void remove_area(struct io_pagetable *iopt, struct iopt_area *area)
{
	struct iopt_domain *d;

	notify_accesses(iopt, area);
	list_for_each_entry(d, &iopt->domains, node)
		domain_unmap(d->domain, area);
	if (!list_empty(&iopt->domains))
		iopt_area_unpin(iopt, area);
	KWARN_ON(iopt->k, area->pins);
	list_del(&area->node);
	iopt_file_put(area->file);
	if (area->source)
		area->source->put(area->source);
	kfree(area);
}

/*
 * Unmaps, in IOVA order, every area inside [start, last]; an area that
 * sticks out stops it with -ENOENT (what was unmapped before stays so).
 * Nothing to unmap is success with *unmapped 0 (Linux since the "unmap of
 * empty" fix; IOAS_UNMAP turns that into -ENOENT itself, VFIO's UNMAP_DMA
 * does not).
 */
static int iopt_unmap_iova_range(struct io_pagetable *iopt, unsigned long start,
				 unsigned long last, unsigned long *unmapped)
{
	unsigned long bytes = 0;
	struct iopt_area *area;
	int ret = 0;

	while ((area = area_first(iopt, start, last))) {
		/* Locked by an object not destroyed yet (a HW queue). */
		if (area->num_locks) {
			ret = -EBUSY;
			break;
		}
		if (area->iova < start || area->last > last) {
			ret = -ENOENT;
			break;
		}
		bytes += area->last - area->iova + 1;
		remove_area(iopt, area);
	}
	if (unmapped)
		*unmapped = bytes;
	return ret;
}

int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped)
{
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	return iopt_unmap_iova_range(iopt, iova, last, unmapped);
}

int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped)
{
	return iopt_unmap_iova_range(iopt, 0, ULONG_MAX, unmapped);
}

/* iopt_get_pages' rule: [iova, iova + length) is mapped with no hole. */
int iopt_check_contig(struct io_pagetable *iopt, unsigned long iova,
		      unsigned long length)
{
	unsigned long last, cur;
	struct iopt_area *a;

	if (!length)
		return -EINVAL;
	if (__builtin_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	for (cur = iova; ; cur = a->last + 1) {
		a = area_first(iopt, cur, cur);
		if (!a)
			return -ENOENT;
		if (a->last >= last)
			return 0;
	}
}

int iopt_copy(struct io_pagetable *dst, struct io_pagetable *src,
	      unsigned long src_iova, unsigned long length,
	      unsigned long *dst_iova, int prot, bool fixed)
{
	unsigned long last, cur, done = 0;
	struct iopt_area *a;
	int ret;

	ret = iopt_check_contig(src, src_iova, length);
	if (ret)
		return ret;
	last = src_iova + length - 1;
	a = area_first(src, src_iova, src_iova);
	if (length & (dst->iova_alignment - 1))
		return -EINVAL;
	if (fixed)
		ret = iopt_check_iova(dst, *dst_iova, length);
	else
		ret = iopt_alloc_iova(dst, dst_iova,
				      a->user_va + (src_iova - a->iova), length);
	if (ret)
		return ret;
	/* One destination area per source piece. */
	for (cur = src_iova; done < length; ) {
		unsigned long n;

		a = area_first(src, cur, cur);
		n = min(a->last, last) - cur + 1;
		if (((a->user_va + (cur - a->iova)) % PAGE_SIZE) &
		    (dst->iova_alignment - 1)) {
			ret = -EINVAL;
			goto err_undo;
		}
		ret = insert_area(dst, *dst_iova + done,
				  a->user_va + (cur - a->iova), a->file,
				  a->source, n, prot, a->writable);
		if (ret)
			goto err_undo;
		done += n;
		cur += n;
	}
	return 0;

err_undo:
	if (done)
		iopt_unmap_iova(dst, *dst_iova, done, NULL);
	return ret;
}

/* ------------------------------------------------------------ VFIO type1 */

/* The table's iova_alignment (iopt_calculate_iova_alignment keeps it). */
unsigned long iopt_iova_alignment(struct io_pagetable *iopt)
{
	return iopt->iova_alignment;
}

/*
 * iopt_area_split: iova becomes the last byte of the left part.  Both
 * parts keep the pages and the domain mappings they had (which are
 * page-sized: splitting is only for tables without large pages).
 */
static int iopt_area_split(struct io_pagetable *iopt, struct iopt_area *area,
			   unsigned long iova)
{
	/*
	 * Linux asks iova_alignment; here the cut is a page boundary too,
	 * so that each part's pin covers pages of its own.
	 */
	unsigned long align = max(iopt_iova_alignment(iopt), PAGE_SIZE);
	unsigned long new_start = iova + 1;
	struct iopt_area *rhs;

	if (iova == area->iova || iova == area->last)
		return 0;
	if ((new_start & (align - 1)) ||
	    ((area->user_va + (new_start - area->iova)) & (align - 1)))
		return -EINVAL;
	if (!list_empty(&iopt->domains) && !iopt->disable_large_pages)
		return -EINVAL;
	rhs = kzalloc(iopt->k, sizeof(*rhs));
	if (!rhs)
		return -ENOMEM;
	*rhs = *area;		/* pins, prot, file: both parts hold them */
	rhs->iova = new_start;
	rhs->pa = area->pa + (new_start - area->iova);
	rhs->user_va = area->user_va + (new_start - area->iova);
	if (rhs->file)
		rhs->file->refs++;
	if (rhs->source)
		rhs->source->get(rhs->source);
	area->last = iova;
	list_add(&rhs->node, &area->node);
	return 0;
}

/* iopt_cut_iova: split the areas holding each of iovas there. */
int iopt_cut_iova(struct io_pagetable *iopt, const unsigned long *iovas,
		  size_t num_iovas)
{
	for (size_t i = 0; i < num_iovas; i++) {
		struct iopt_area *area = area_first(iopt, iovas[i], iovas[i]);
		int rc;

		if (!area)
			continue;
		rc = iopt_area_split(iopt, area, iovas[i]);
		if (rc)
			return rc;
	}
	return 0;
}
