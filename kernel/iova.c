/*
 * IOVA allocator: the domain and its rbtree of ranges.  See iova.h for the
 * shape; the range caches are in iova_rcache.c.
 *
 * The allocation walk is Linux's (__alloc_and_insert_iova_range): start at
 * the cached node for the request's half of the space (below or above 4G),
 * step to lower ranges until the gap under the current range holds the
 * (aligned) request, and when the walk from the cached node hits the bottom,
 * retry once over the part above the cached node before declaring the space
 * full.  A sentinel "anchor" range at pfn ~0 sits above everything, so the
 * walk always has a range to start under.
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

/* NULL for NULL: the walk below steps off the tree's ends (rb_prev of the
 * first node), and container_of on a null pointer is undefined behaviour. */
static inline struct iova *to_iova(struct rb_node *node)
{
	return node ? rb_entry(node, struct iova, node) : NULL;
}

static inline unsigned int fls_long(unsigned long x)
{
	return x ? 64u - (unsigned int)__builtin_clzl(x) : 0;
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

	spin_lock_init(&iovad->iova_rbtree_lock);
	iovad->rbroot = RB_ROOT;
	iovad->cached_node = &iovad->anchor.node;
	iovad->cached32_node = &iovad->anchor.node;
	iovad->granule = granule;
	iovad->start_pfn = start_pfn;
	iovad->dma_32bit_pfn = 1UL << (32 - iova_shift(iovad));
	iovad->max32_alloc_size = iovad->dma_32bit_pfn;
	iovad->anchor.pfn_lo = iovad->anchor.pfn_hi = IOVA_ANCHOR;
	rb_link_node(&iovad->anchor.node, NULL, &iovad->rbroot.rb_node);
	rb_insert_color(&iovad->anchor.node, &iovad->rbroot);
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

static struct rb_node *cached_rbnode(struct iova_domain *iovad,
				     unsigned long limit_pfn)
{
	if (limit_pfn <= iovad->dma_32bit_pfn)
		return iovad->cached32_node;
	return iovad->cached_node;
}

static void cached_rbnode_insert_update(struct iova_domain *iovad,
					struct iova *new)
{
	if (new->pfn_hi < iovad->dma_32bit_pfn)
		iovad->cached32_node = &new->node;
	else
		iovad->cached_node = &new->node;
}

/*
 * A freed range at or above a cached node moves that cache up to the next
 * range, so the space it frees is seen by the next walk; freeing anything
 * below 4G may make room for any 32-bit size again.
 */
static void cached_rbnode_delete_update(struct iova_domain *iovad,
					struct iova *free)
{
	struct iova *cached = to_iova(iovad->cached32_node);

	if (free == cached ||
	    (free->pfn_hi < iovad->dma_32bit_pfn && free->pfn_lo >= cached->pfn_lo))
		iovad->cached32_node = rb_next(&free->node);

	if (free->pfn_lo < iovad->dma_32bit_pfn)
		iovad->max32_alloc_size = iovad->dma_32bit_pfn;

	cached = to_iova(iovad->cached_node);
	if (free->pfn_lo >= cached->pfn_lo)
		iovad->cached_node = rb_next(&free->node);
}

/*
 * The lowest range whose pfn_lo is at or above limit_pfn: where a retry
 * walk below the limit starts.  Above 4G, the anchor is a good enough
 * start (the crude heuristic Linux uses too).
 */
static struct rb_node *iova_find_limit(struct iova_domain *iovad,
				       unsigned long limit_pfn)
{
	struct rb_node *node, *next;

	if (limit_pfn > iovad->dma_32bit_pfn)
		return &iovad->anchor.node;

	node = iovad->rbroot.rb_node;
	while (to_iova(node)->pfn_hi < limit_pfn)
		node = node->rb_right;

search_left:
	while (node->rb_left && to_iova(node->rb_left)->pfn_lo >= limit_pfn)
		node = node->rb_left;
	if (!node->rb_left)
		return node;
	next = node->rb_left;
	while (next->rb_right) {
		next = next->rb_right;
		if (to_iova(next)->pfn_lo >= limit_pfn) {
			node = next;
			goto search_left;
		}
	}
	return node;
}

/* Links iova into the tree, searching down from start (a node just above it) or the root. */
static bool iova_insert_rbtree(struct rb_root *root, struct iova *iova,
			       struct rb_node *start)
{
	struct rb_node **link, *parent = NULL;

	if (start) {
		parent = start;
		link = iova->pfn_lo < to_iova(start)->pfn_lo ? &start->rb_left :
							       &start->rb_right;
	} else {
		link = &root->rb_node;
	}
	while (*link) {
		struct iova *this = to_iova(*link);

		parent = *link;
		if (iova->pfn_lo < this->pfn_lo)
			link = &parent->rb_left;
		else if (iova->pfn_lo > this->pfn_lo)
			link = &parent->rb_right;
		else
			return false;	/* cannot happen with a sound tree */
	}
	rb_link_node(&iova->node, parent, link);
	rb_insert_color(&iova->node, root);
	return true;
}

/* limit_pfn here is exclusive (one past the highest usable pfn). */
static int alloc_and_insert_iova_range(struct iova_domain *iovad,
				       unsigned long size, unsigned long limit_pfn,
				       struct iova *new, bool size_aligned)
{
	unsigned long high_pfn = limit_pfn, low_pfn = iovad->start_pfn;
	unsigned long align_mask = ~0UL, new_pfn, retry_pfn;
	struct rb_node *curr, *prev;
	struct iova *curr_iova;

	if (size_aligned)
		align_mask <<= fls_long(size - 1);

	spin_lock(&iovad->iova_rbtree_lock);
	if (limit_pfn <= iovad->dma_32bit_pfn &&
	    size >= iovad->max32_alloc_size)
		goto iova32_full;

	curr = cached_rbnode(iovad, limit_pfn);
	curr_iova = to_iova(curr);
	retry_pfn = curr_iova->pfn_hi;

retry:
	/* Walk down: the gap under curr spans [prev range's hi + 1, curr's lo). */
	do {
		high_pfn = min(high_pfn, curr_iova->pfn_lo);
		new_pfn = (high_pfn - size) & align_mask;
		prev = curr;
		curr = rb_prev(curr);
		curr_iova = to_iova(curr);
	} while (curr && new_pfn <= curr_iova->pfn_hi && new_pfn >= low_pfn);

	if (high_pfn < size || new_pfn < low_pfn) {
		/* Nothing under the cached node: look above it once. */
		if (low_pfn == iovad->start_pfn && retry_pfn < limit_pfn) {
			high_pfn = limit_pfn;
			low_pfn = retry_pfn + 1;
			curr = iova_find_limit(iovad, limit_pfn);
			curr_iova = to_iova(curr);
			goto retry;
		}
		iovad->max32_alloc_size = size;
		goto iova32_full;
	}

	new->pfn_lo = new_pfn;
	new->pfn_hi = new_pfn + size - 1;
	/* prev is the range just above the new one: a good place to start. */
	iova_insert_rbtree(&iovad->rbroot, new, prev);
	cached_rbnode_insert_update(iovad, new);
	spin_unlock(&iovad->iova_rbtree_lock);
	return 0;

iova32_full:
	spin_unlock(&iovad->iova_rbtree_lock);
	return -ENOMEM;
}

static void free_iova_mem(struct iova *iova)
{
	if (iova->pfn_lo != IOVA_ANCHOR)
		kfree(iova);
}

struct iova *alloc_iova(struct iova_domain *iovad, unsigned long size,
			unsigned long limit_pfn, bool size_aligned)
{
	struct iova *new_iova;

	limit_pfn = iova_clamp_limit(iovad, limit_pfn);
	if (!size || limit_pfn < iovad->start_pfn)
		return NULL;
	if (size > limit_pfn - iovad->start_pfn + 1)
		return NULL;	/* could never fit: not a reason to mark 4G full */

	new_iova = iova_zalloc(iovad, sizeof(*new_iova));
	if (!new_iova)
		return NULL;
	if (alloc_and_insert_iova_range(iovad, size, limit_pfn + 1, new_iova,
					size_aligned)) {
		kfree(new_iova);
		return NULL;
	}
	return new_iova;
}

/* Caller holds iova_rbtree_lock.  Never returns the anchor. */
struct iova *private_find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct rb_node *node = iovad->rbroot.rb_node;

	while (node) {
		struct iova *iova = to_iova(node);

		if (pfn < iova->pfn_lo)
			node = node->rb_left;
		else if (pfn > iova->pfn_hi)
			node = node->rb_right;
		else
			return iova == &iovad->anchor ? NULL : iova;
	}
	return NULL;
}

/* Caller holds iova_rbtree_lock; the caller frees the memory. */
void remove_iova(struct iova_domain *iovad, struct iova *iova)
{
	cached_rbnode_delete_update(iovad, iova);
	rb_erase(&iova->node, &iovad->rbroot);
}

/* Caller holds iova_rbtree_lock. */
void iova_free_pfn_locked(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova = private_find_iova(iovad, pfn);

	if (!iova)
		return;
	remove_iova(iovad, iova);
	free_iova_mem(iova);
}

struct iova *find_iova(struct iova_domain *iovad, unsigned long pfn)
{
	struct iova *iova;

	spin_lock(&iovad->iova_rbtree_lock);
	iova = private_find_iova(iovad, pfn);
	spin_unlock(&iovad->iova_rbtree_lock);
	return iova;
}

void __free_iova(struct iova_domain *iovad, struct iova *iova)
{
	if (!iova || iova == &iovad->anchor)
		return;
	spin_lock(&iovad->iova_rbtree_lock);
	remove_iova(iovad, iova);
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

/*
 * Reservation merges as Linux's does: walking up from the lowest range,
 * each range the request overlaps grows down to the request's start, and
 * the request continues above it; what is left above the last overlapped
 * range becomes a new range.  The range returned is the last one touched.
 */
struct iova *reserve_iova(struct iova_domain *iovad, unsigned long pfn_lo,
			  unsigned long pfn_hi)
{
	struct iova *iova = NULL;
	struct rb_node *node;
	bool overlap = false;

	if (pfn_lo > pfn_hi || pfn_hi > iova_max_pfn(iovad))
		return NULL;

	spin_lock(&iovad->iova_rbtree_lock);
	for (node = rb_first(&iovad->rbroot); node; node = rb_next(node)) {
		iova = to_iova(node);
		if (pfn_lo <= iova->pfn_hi && pfn_hi >= iova->pfn_lo) {
			if (pfn_lo < iova->pfn_lo)
				iova->pfn_lo = pfn_lo;
			if (pfn_hi > iova->pfn_hi)
				pfn_lo = iova->pfn_hi + 1;
			if (pfn_lo >= iova->pfn_lo && pfn_hi <= iova->pfn_hi)
				goto out;
			overlap = true;
		} else if (overlap) {
			break;
		}
	}
	iova = iova_zalloc(iovad, sizeof(*iova));
	if (iova) {
		iova->pfn_lo = pfn_lo;
		iova->pfn_hi = pfn_hi;
		if (!iova_insert_rbtree(&iovad->rbroot, iova, NULL)) {
			kfree(iova);
			iova = NULL;
		}
	}
out:
	spin_unlock(&iovad->iova_rbtree_lock);
	return iova;
}

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
	iova = private_find_iova(iovad, pfn);
	spin_unlock(&iovad->iova_rbtree_lock);
	return iova && iova->pfn_lo == pfn;
}
