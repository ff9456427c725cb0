/* SPDX-License-Identifier: MIT */
/*
 * The IOVA allocator of drivers/iommu/iova.c: the I/O virtual address space
 * of one DMA domain, handed out in granule-sized page frames (pfns).
 *
 * Two layers, as in Linux:
 *  - an rbtree of allocated ranges (struct iova), searched top-down from
 *    the limit with a cached starting node (one for allocations under
 *    4 GiB, one above) and a "max32_alloc_size" that makes a 32-bit request
 *    known not to fit fail without walking the tree;
 *  - range caches (rcaches) for sizes up to 2^(IOVA_RANGE_CACHE_MAX_SIZE-1)
 *    pages: per-CPU pairs of magazines ("loaded" and "prev") of freed pfns,
 *    spilling full magazines into a per-size depot, so the common
 *    map/unmap pair never takes the tree lock.
 *
 * User space has no per-CPU data: each size's cache holds a small fixed
 * array of "CPU" slots, picked by sched_getcpu() masked to the array size
 * and each guarded by its own spinlock, so a thread that migrates between
 * picking its slot and using it is still correct, only slower.
 * Lock order: CPU slot, then depot, then the tree.
 *
 * A pfn held in a cache is still in the tree (as in Linux): find_iova()
 * sees it, and flushing a cache returns its ranges to the tree.
 * Nothing here is global; every allocation belongs to the domain, and to
 * its kernel instance once iova_domain_set_kernel() was called.
 */
#ifndef IOMMUSIM_KERNEL_IOVA_H
#define IOMMUSIM_KERNEL_IOVA_H

#include "lib/bits.h"
#include "lib/lock.h"
#include "lib/rbtree.h"

struct kernel;

/* log2 of the largest cached range plus one: ranges of 1..32 pages. */
#define IOVA_RANGE_CACHE_MAX_SIZE	6
/* pfns per magazine; with the count, one magazine is 1 KiB as in Linux. */
#define IOVA_MAG_SIZE			127
/* Upper bound on the "CPU" slots of each range cache. */
#define IOVA_MAX_CPU_CACHES		64

struct iova {
	struct rb_node node;
	unsigned long pfn_hi;	/* highest pfn of the range */
	unsigned long pfn_lo;	/* lowest pfn of the range */
};

struct iova_rcache;

struct iova_domain {
	spinlock_t iova_rbtree_lock;	/* the tree and the cached nodes */
	struct rb_root rbroot;
	struct rb_node *cached_node;	/* where the last allocation above 4G went */
	struct rb_node *cached32_node;	/* the same below 4G */
	unsigned long granule;		/* bytes per pfn */
	unsigned long start_pfn;	/* lowest pfn ever allocated */
	unsigned long dma_32bit_pfn;	/* first pfn at or above 4 GiB */
	unsigned long max32_alloc_size;	/* smallest size known not to fit below 4G */
	struct iova anchor;		/* sentinel above every range */

	struct iova_rcache *rcaches;	/* IOVA_RANGE_CACHE_MAX_SIZE of them */
	void *rcaches_mem;		/* the unaligned block holding rcaches */
	unsigned int cpu_cache_mask;	/* "CPU" slots per rcache, minus one */
	struct kernel *kernel;		/* owner of our allocations, or NULL */
};

static inline unsigned long iova_size(const struct iova *iova)
{
	return iova->pfn_hi - iova->pfn_lo + 1;
}

static inline unsigned long iova_shift(const struct iova_domain *iovad)
{
	return __ffs64(iovad->granule);
}

static inline unsigned long iova_mask(const struct iova_domain *iovad)
{
	return iovad->granule - 1;
}

static inline size_t iova_offset(const struct iova_domain *iovad, dma_addr_t iova)
{
	return iova & iova_mask(iovad);
}

static inline size_t iova_align(const struct iova_domain *iovad, size_t size)
{
	return ALIGN(size, iovad->granule);
}

static inline size_t iova_align_down(const struct iova_domain *iovad, size_t size)
{
	return ALIGN_DOWN(size, iovad->granule);
}

static inline dma_addr_t iova_dma_addr(const struct iova_domain *iovad,
				       const struct iova *iova)
{
	return (dma_addr_t)iova->pfn_lo << iova_shift(iovad);
}

static inline unsigned long iova_pfn(const struct iova_domain *iovad, dma_addr_t iova)
{
	return iova >> iova_shift(iovad);
}

/* Largest range the caches hold, in bytes of 4K pages (as Linux reports). */
unsigned long iova_rcache_range(void);

/*
 * granule must be a power of two from 4K to 64K (the CPU page sizes Linux
 * supports; Linux BUGs on others, here -EINVAL), and start_pfn addressable
 * in 64 bits (else -EINVAL).  The domain starts with an
 * empty tree and no caches: alloc_iova_fast() then uses the tree alone.
 */
int init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		     unsigned long start_pfn);
/* Count allocations against k and honour its fail-nth injection. */
void iova_domain_set_kernel(struct iova_domain *iovad, struct kernel *k);
/* 0 or -ENOMEM (then the domain has no caches, as before the call). */
int iova_domain_init_rcaches(struct iova_domain *iovad);
/* Frees the caches and every range; the domain must be initialised again to reuse. */
void put_iova_domain(struct iova_domain *iovad);

/*
 * A range of size pfns ending at or below limit_pfn, the highest that fits;
 * aligned to size rounded up to a power of two when size_aligned.  NULL when
 * nothing fits, for size 0, or for limit_pfn below start_pfn.
 */
struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned);
/* Marks [pfn_lo, pfn_hi] used, merging into ranges it overlaps; NULL on error. */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi);
/* The range holding pfn, or NULL. */
struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn);
void __free_iova(struct iova_domain *iovad, struct iova *iova);
/* Frees the range holding pfn; nothing when there is none. */
void free_iova(struct iova_domain *iovad, unsigned long pfn);

/*
 * Cached allocation: sizes below 32 pages are rounded up to a power of two
 * and size-aligned.  Returns the first pfn, or 0 when nothing fits (after
 * flushing every cache back to the tree and retrying once, when
 * flush_rcache).  The caller frees with the size it asked for.  With
 * start_pfn 0 a range at pfn 0 would be indistinguishable from failure,
 * which is why DMA domains start at pfn 1 or above.
 */
unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache);
void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size);

/*
 * Invariant check for tests: tree ordered and red-black, no two ranges
 * overlapping, anchor last, cached nodes in the tree, every cached pfn the
 * start of a range in the tree.  0, or -EUCLEAN after printing what broke.
 */
int iova_domain_check(struct iova_domain *iovad);

/* How many pfns of size 2^order the caches hold; *depot_mags: full magazines in the depot. */
unsigned long iova_rcache_cached(struct iova_domain *iovad, unsigned int order,
				 unsigned int *depot_mags);

#endif
