// SPDX-License-Identifier: MIT
/*
 * IOVA allocator: the domain and its rbtree of ranges.  See iova.h for the
 * shape; the range caches are in iova_rcache.c.
 *
 * Where a new range goes is Linux's rule (alloc_iova in drivers/iommu/
 * iova.c is the reference for every case below; tests/iova_walk.c pins
 * them): as high as possible under the limit, but searching first from
 * a hint -- the last range handed out in the same half of the space
 * (below 4 GiB or not) -- downwards, and looking at the space between the
 * hint and the limit only when nothing fits below the hint.  Frees move a
 * hint up over the hole they open.  A 32-bit request of a size that failed
 * before fails at once, until something below 4 GiB is freed.
 *
 * How we compute it: a search (struct iova_search) is a window [floor,
 * ceiling) and a block size and alignment.  It visits the gaps under a
 * start range, highest first; in each gap the block's only candidate
 * position is the highest one (the gap's top, clipped to the ceiling,
 * minus the size, rounded down to the alignment), accepted when it clears
 * the range below.  A candidate under the floor ends the search, since
 * lower gaps give lower candidates.  The first search starts at the hint;
 * the second starts at the first range reaching the limit, with the pfn
 * above the hint as its floor.  A sentinel "anchor" range at pfn ~0 sits above
 * everything, so every search has a range to start under.
 *
 * Beyond Linux, every argument that could corrupt the tree is refused with
 * NULL/0 and no change of state: size 0, a limit below start_pfn, a range
 * that cannot fit at all, pfns whose address would not fit 64 bits, and the
 * anchor itself.
 */
#include "kernel/iova.h"

#include <stdio.h>
#include <stdlib.h>

#include "kernel/iova_priv.h"
#include "kernel/kernel.h"

/* NULL for NULL: container_of on a null pointer is undefined behaviour. */
static inline struct iova *to_iova(struct rb_node *node)
{
	return node ? rb_entry(node, struct iova, node) : NULL;
}

void *iova_zalloc(struct iova_domain *iovad, size_t size)
{
	if (iovad->kernel)
		return kzalloc(iovad->kernel, size);
	return calloc(1, size);
}

int init_iova_domain(struct iova_domain *iovad, unsigned long granule,
		     unsigned long start_pfn)
{
	/* A granule must hold whole CPU pages of some size Linux supports. */
	if (!is_power_of_2(granule) || granule < 4096 || granule > 65536)
		return -EINVAL;
	/* At least one pfn must be addressable (and below the anchor). */
	if (start_pfn > (~0UL >> __ffs64(granule)))
		return -EINVAL;

	iovad->granule = granule;
	iovad->start_pfn = start_pfn;
	iovad->dma_32bit_pfn = 1UL << (32 - iova_shift(iovad));
	/* No size is known to fail below 4G yet. */
	iovad->max32_alloc_size = iovad->dma_32bit_pfn;

	/* The tree holds just the anchor, and both hints point at it. */
	spin_lock_init(&iovad->iova_rbtree_lock);
	iovad->anchor.pfn_lo = IOVA_ANCHOR;
	iovad->anchor.pfn_hi = IOVA_ANCHOR;
	iovad->rbroot = RB_ROOT;
	rb_link_node(&iovad->anchor.node, NULL, &iovad->rbroot.rb_node);
	rb_insert_color(&iovad->anchor.node, &iovad->rbroot);
	iovad->cached_node = &iovad->anchor.node;
	iovad->cached32_node = &iovad->anchor.node;

	iovad->rcaches = NULL;
	iovad->rcaches_mem = NULL;
	iovad->cpu_cache_mask = 0;
	iovad->kernel = NULL;
	return 0;
}

void iova_domain_set_kernel(struct iova_domain *iovad, struct kernel *k)
{
	iovad->kernel = k;
}

/* ------------------------------------------------------------ the hints */

/* Where a search with this ceiling (exclusive) starts: its half's hint. */
static inline struct rb_node *iova_hint(struct iova_domain *iovad,
					unsigned long ceiling)
{
	return ceiling <= iovad->dma_32bit_pfn ? iovad->cached32_node :
						 iovad->cached_node;
}

/* The next search of the new range's half continues right under it. */
static inline void iova_hint_after_alloc(struct iova_domain *iovad,
					 struct iova *fresh)
{
	if (fresh->pfn_hi < iovad->dma_32bit_pfn)
		iovad->cached32_node = &fresh->node;
	else
		iovad->cached_node = &fresh->node;
}

/*
 * A search only looks above its hint in its second pass, so a hole opened
 * at or above a hint moves that hint to the range right above the hole.
 * The 32-bit hint only minds holes below 4G -- and its own range going,
 * since it can be left on a range above 4G.  Any hole below 4G may fit a
 * size that failed there before.  (Linux: __cached_rbnode_delete_update.)
 */
static void iova_hints_before_free(struct iova_domain *iovad,
				   struct iova *gone)
{
	struct iova *hint32 = to_iova(iovad->cached32_node);
	struct iova *hint = to_iova(iovad->cached_node);
	bool below_4g = gone->pfn_hi < iovad->dma_32bit_pfn;
	bool move32 = gone == hint32 ||
		      (below_4g && gone->pfn_lo >= hint32->pfn_lo);
	bool move = gone->pfn_lo >= hint->pfn_lo;

	if (move32 || move) {
		struct rb_node *above = rb_next(&gone->node);

		if (move32)
			iovad->cached32_node = above;
		if (move)
			iovad->cached_node = above;
	}
	if (gone->pfn_lo < iovad->dma_32bit_pfn)
		iovad->max32_alloc_size = iovad->dma_32bit_pfn;
}

/* ------------------------------------------------------------ searching */

struct iova_search {
	unsigned long size;		/* pfns wanted */
	unsigned long align_mask;	/* a candidate start is rounded down with it */
	unsigned long floor;		/* lowest pfn the block may use */
	unsigned long ceiling;		/* one past the highest it may use */
};

/* Where a search put the block: [pfn, pfn + size) right under range `above`. */
struct iova_spot {
	unsigned long pfn;
	struct rb_node *above;
};

/* Size-aligned blocks start at a multiple of size rounded up to a power of two. */
static inline unsigned long iova_align_mask(unsigned long size, bool aligned)
{
	unsigned int order = size > 1 ? 64u - (unsigned int)__builtin_clzl(size - 1) : 0;

	return aligned ? ~0UL << order : ~0UL;
}

/*
 * The lowest range ending at or above pfn (the anchor ends every walk, so
 * there is one): nothing free at or below pfn lies above it, which makes
 * it the start of a search under pfn + 1, and the first range a
 * reservation starting at pfn can overlap.
 */
static struct rb_node *iova_first_reaching(struct iova_domain *iovad,
					   unsigned long pfn)
{
	struct rb_node *node = iovad->rbroot.rb_node, *best = NULL;

	while (node) {
		if (to_iova(node)->pfn_hi >= pfn) {
			best = node;
			node = node->rb_left;
		} else {
			node = node->rb_right;
		}
	}
	return best;
}

/* The gaps under `upper` and lower, highest first; see the top of the file. */
static bool iova_search_down(const struct iova_search *s,
			     struct rb_node *upper, struct iova_spot *spot)
{
	for (;;) {
		unsigned long top = min(s->ceiling, to_iova(upper)->pfn_lo);
		struct rb_node *lower;
		unsigned long pfn;

		if (top < s->size)
			return false;
		pfn = (top - s->size) & s->align_mask;
		if (pfn < s->floor)
			return false;
		lower = rb_prev(upper);
		if (!lower || to_iova(lower)->pfn_hi < pfn) {
			spot->pfn = pfn;
			spot->above = upper;
			return true;
		}
		upper = lower;
	}
}

/* Both passes of a search (see the top of the file).  Caller holds the tree lock. */
static bool iova_find_spot(struct iova_domain *iovad, struct iova_search *s,
			   struct iova_spot *spot)
{
	struct rb_node *hint;
	unsigned long hint_hi;

	lockdep_assert_held(&iovad->iova_rbtree_lock);
	hint = iova_hint(iovad, s->ceiling);
	hint_hi = to_iova(hint)->pfn_hi;

	if (iova_search_down(s, hint, spot))
		return true;
	/* Any pfn between the hint and the ceiling?  (Not hint_hi + 1 < ceiling:
	 * the anchor's top + 1 wraps to 0, a floor under start_pfn.) */
	if (hint_hi >= s->ceiling - 1)
		return false;
	s->floor = hint_hi + 1;
	return iova_search_down(s, iova_first_reaching(iovad, s->ceiling - 1),
				spot);
}

/* Links `iova` into the tree as the range right under `above`: nothing lies between them. */
static void iova_link_under(struct iova_domain *iovad, struct iova *iova,
			    struct rb_node *above)
{
	struct rb_node *parent = above, **link = &above->rb_left;

	/* Its slot: above's left child, or right of the largest range under above. */
	while (*link) {
		parent = *link;
		link = &parent->rb_right;
	}
	rb_link_node(&iova->node, parent, link);
	rb_insert_color(&iova->node, &iovad->rbroot);
}

/* Caller holds the tree lock; last is the highest pfn the range may use. */
static int iova_place(struct iova_domain *iovad, struct iova *fresh,
		      unsigned long size, unsigned long last, bool aligned)
{
	struct iova_search s = {
		.size = size,
		.align_mask = iova_align_mask(size, aligned),
		.floor = iovad->start_pfn,
		.ceiling = last + 1,
	};
	struct iova_spot spot;

	/* A size that failed below 4G fails again until a free there. */
	if (s.ceiling <= iovad->dma_32bit_pfn && size >= iovad->max32_alloc_size)
		return -ENOMEM;
	if (!iova_find_spot(iovad, &s, &spot)) {
		/*
		 * The two passes covered [start_pfn, ceiling), so this size
		 * does not fit below 4G either (keyed by size alone, and
		 * recorded whatever the limit, as Linux does).
		 */
		iovad->max32_alloc_size = size;
		return -ENOMEM;
	}
	fresh->pfn_lo = spot.pfn;
	fresh->pfn_hi = spot.pfn + size - 1;
	iova_link_under(iovad, fresh, spot.above);
	iova_hint_after_alloc(iovad, fresh);
	return 0;
}

static void free_iova_mem(struct iova *iova)
{
	if (iova->pfn_lo != IOVA_ANCHOR)
		kfree(iova);
}

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned)
{
	struct iova *fresh;
	int ret;

	limit_pfn = iova_clamp_limit(iovad, limit_pfn);
	if (!size || limit_pfn < iovad->start_pfn)
		return NULL;
	if (size > limit_pfn - iovad->start_pfn + 1)
		return NULL;	/* could never fit: not a reason to mark 4G full */

	fresh = iova_zalloc(iovad, sizeof(*fresh));
	if (!fresh)
		return NULL;
	spin_lock(&iovad->iova_rbtree_lock);
	ret = iova_place(iovad, fresh, size, limit_pfn, size_aligned);
	spin_unlock(&iovad->iova_rbtree_lock);
	if (ret) {
		kfree(fresh);
		return NULL;
	}
	return fresh;
}

/* ------------------------------------------------------- lookup and free */

/* Caller holds iova_rbtree_lock.  Never returns the anchor. */
struct iova *iova_find_locked(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova;

	lockdep_assert_held(&iovad->iova_rbtree_lock);
	iova = to_iova(iova_first_reaching(iovad, pfn));

	if (!iova || iova->pfn_lo > pfn || iova == &iovad->anchor)
		return NULL;
	return iova;
}

/* Caller holds iova_rbtree_lock; the caller frees the memory. */
void iova_unlink_locked(struct iova_domain *iovad, struct iova *iova)
{
	lockdep_assert_held(&iovad->iova_rbtree_lock);
	iova_hints_before_free(iovad, iova);
	rb_erase(&iova->node, &iovad->rbroot);
}

/* Caller holds iova_rbtree_lock. */
void iova_free_pfn_locked(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova = iova_find_locked(iovad, pfn);

	if (!iova)
		return;
	iova_unlink_locked(iovad, iova);
	free_iova_mem(iova);
}

struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova;

	spin_lock(&iovad->iova_rbtree_lock);
	iova = iova_find_locked(iovad, pfn);
	spin_unlock(&iovad->iova_rbtree_lock);
	return iova;
}

void __free_iova(struct iova_domain *iovad, struct iova *iova)
{
	if (!iova || iova == &iovad->anchor)
		return;
	spin_lock(&iovad->iova_rbtree_lock);
	iova_unlink_locked(iovad, iova);
	spin_unlock(&iovad->iova_rbtree_lock);
	free_iova_mem(iova);
}

void free_iova(struct iova_domain *iovad, unsigned long pfn)
{
	spin_lock(&iovad->iova_rbtree_lock);
	iova_free_pfn_locked(iovad, pfn);
	spin_unlock(&iovad->iova_rbtree_lock);
}

void put_iova_domain(struct iova_domain *iovad)
{
	struct iova *iova, *tmp;

	if (iovad->rcaches)
		iova_free_rcaches(iovad);
	rbtree_postorder_for_each_entry_safe(iova, tmp, &iovad->rbroot, node)
		free_iova_mem(iova);
	iovad->rbroot = RB_ROOT;
	iovad->cached_node = iovad->cached32_node = NULL;
}

/* --------------------------------------------------------- reservations */

/*
 * Folds [*lo, hi] into the ranges it overlaps, from *node (the first range
 * reaching *lo) upwards.  Each one is stretched down to *lo -- so the gap
 * under it is reserved with it -- and *lo moves past it.  Returns the range
 * that covers the rest of the request, or NULL when [*lo, hi] is left free
 * with *node the range right above it.  (Linux: reserve_iova.)
 */
static struct iova *iova_absorb(struct rb_node **node, unsigned long *lo,
				unsigned long hi)
{
	for (;; *node = rb_next(*node)) {
		struct iova *range = to_iova(*node);

		if (range->pfn_lo > hi)
			return NULL;	/* the anchor, at the latest */
		if (range->pfn_lo > *lo)
			range->pfn_lo = *lo;
		if (range->pfn_hi >= hi)
			return range;
		*lo = range->pfn_hi + 1;
	}
}

/*
 * The range returned is the one that ends the request: the range it ended
 * in, or a new one for what was left above the last range it overlapped.
 * On -ENOMEM for that new range the stretched ranges stay stretched.
 */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi)
{
	struct iova *covered, *rest = NULL;
	struct rb_node *node;

	if (pfn_lo > pfn_hi || pfn_hi > iova_max_pfn(iovad))
		return NULL;

	spin_lock(&iovad->iova_rbtree_lock);
	node = iova_first_reaching(iovad, pfn_lo);
	covered = iova_absorb(&node, &pfn_lo, pfn_hi);
	if (!covered) {
		rest = iova_zalloc(iovad, sizeof(*rest));
		if (rest) {
			rest->pfn_lo = pfn_lo;
			rest->pfn_hi = pfn_hi;
			iova_link_under(iovad, rest, node);
		}
	}
	spin_unlock(&iovad->iova_rbtree_lock);
	return covered ? covered : rest;
}

/* ------------------------------------------------------------- checking */

static bool rb_node_in_tree(struct iova_domain *iovad, struct rb_node *n)
{
	struct rb_node *it;

	for (it = rb_first(&iovad->rbroot); it; it = rb_next(it))
		if (it == n)
			return true;
	return false;
}

#define iova_check_fail(...) do {					\
		fprintf(stderr, "iova_domain_check: " __VA_ARGS__);	\
		ret = -EUCLEAN;						\
		goto out;						\
	} while (0)

int iova_domain_check(struct iova_domain *iovad)
{
	struct iova *iova, *prev = NULL;
	struct rb_node *node;
	int ret = 0;

	spin_lock(&iovad->iova_rbtree_lock);
	if (rb_validate(&iovad->rbroot) < 0)
		iova_check_fail("red-black rules broken\n");
	for (node = rb_first(&iovad->rbroot); node; node = rb_next(node)) {
		iova = to_iova(node);
		if (iova->pfn_lo > iova->pfn_hi)
			iova_check_fail("range [%#lx, %#lx] inverted\n",
					iova->pfn_lo, iova->pfn_hi);
		if (prev && iova->pfn_lo <= prev->pfn_hi)
			iova_check_fail("[%#lx, %#lx] overlaps or precedes [%#lx, %#lx]\n",
					iova->pfn_lo, iova->pfn_hi,
					prev->pfn_lo, prev->pfn_hi);
		prev = iova;
	}
	if (prev != &iovad->anchor)
		iova_check_fail("anchor is not the last range\n");
	if (!rb_node_in_tree(iovad, iovad->cached_node) ||
	    !rb_node_in_tree(iovad, iovad->cached32_node))
		iova_check_fail("a cached node is not in the tree\n");
out:
	spin_unlock(&iovad->iova_rbtree_lock);
	if (!ret && iovad->rcaches)
		ret = iova_rcache_check(iovad);
	return ret;
}

/* Used by the rcache check: is pfn the first pfn of a range in the tree? */
bool iova_is_range_start(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova;

	spin_lock(&iovad->iova_rbtree_lock);
	iova = iova_find_locked(iovad, pfn);
	spin_unlock(&iovad->iova_rbtree_lock);
	return iova && iova->pfn_lo == pfn;
}
