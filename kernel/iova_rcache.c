// SPDX-License-Identifier: MIT
/*
 * IOVA range caches ("rcaches"): the magazine layer over the rbtree, after
 * Bonwick and Adams, "Magazines and Vmem" (USENIX 2001), as Linux's
 * drivers/iommu/iova.c uses it.
 *
 * For each power-of-two size up to 32 pages there is one rcache: a "CPU"
 * slot per (emulated) CPU holding two magazines, loaded and prev, and a
 * depot of full magazines shared by all slots.  A free pushes onto loaded;
 * when loaded is full it swaps with prev, and when both are full loaded
 * goes to the depot and a fresh empty magazine takes its place.  An
 * allocation pops from loaded, swaps with prev when loaded is empty, and
 * takes a full magazine from the depot when both are.  Only the depot
 * steps take the shared lock; the tree lock is taken only when a cache
 * misses or is flushed.
 *
 * The slot is chosen by sched_getcpu() masked to a power-of-two number of
 * slots (the configured CPUs rounded up, at most IOVA_MAX_CPU_CACHES), and
 * each slot has its own spinlock, so a thread that migrates after picking
 * a slot merely shares it with another CPU for a moment.
 *
 * Left out from Linux: the delayed work that trims the depot back to one
 * magazine per CPU 100 ms after it grew (there are no workqueues here; a
 * depot only shrinks when an allocation flushes the caches or the domain
 * is put), and the CPU-hotplug callback (our CPUs never go away).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/iova_priv.h"
#include "kernel/kernel.h"

#define IOVA_CACHELINE	64

struct iova_magazine {
	union {
		unsigned long size;		/* while in a CPU slot */
		struct iova_magazine *next;	/* while in the depot (always full) */
	};
	unsigned long pfns[IOVA_MAG_SIZE];
};
_Static_assert(sizeof(struct iova_magazine) == 1024, "a magazine is 1 KiB");

/* Padded to a line whatever a lock weighs (LOCKDEP builds add an owner). */
struct iova_cpu_rcache {
	union {
		struct {
			spinlock_t lock;
			struct iova_magazine *loaded;
			struct iova_magazine *prev;
		};
		char line[IOVA_CACHELINE];
	};
};
_Static_assert(sizeof(struct iova_cpu_rcache) == IOVA_CACHELINE,
	       "one CPU slot per cache line");

struct iova_rcache {
	union {
		struct {
			spinlock_t lock;		/* the depot */
			unsigned int depot_size;
			struct iova_magazine *depot;
			struct iova_cpu_rcache *cpu_rcaches;	/* cpu_cache_mask + 1 of them */
		};
		char line[IOVA_CACHELINE];
	};
};
_Static_assert(sizeof(struct iova_rcache) == IOVA_CACHELINE,
	       "one rcache head per cache line");

unsigned long iova_rcache_range(void)
{
	return 4096UL << (IOVA_RANGE_CACHE_MAX_SIZE - 1);
}

static inline unsigned int order_base_2(unsigned long n)
{
	return n > 1 ? 64u - (unsigned int)__builtin_clzl(n - 1) : 0;
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	return 1UL << order_base_2(n);
}

static struct iova_magazine *iova_magazine_alloc(struct iova_domain *iovad)
{
	/* Zeroed, so size starts at 0. */
	return iova_zalloc(iovad, sizeof(struct iova_magazine));
}

/*
 * Gives every range whose pfn mag holds back to the tree, oldest first;
 * mag ends up empty.
 */
static void iova_magazine_drain(struct iova_magazine *mag,
				struct iova_domain *iovad)
{
	spin_lock(&iovad->iova_rbtree_lock);
	for (unsigned long i = 0; i < mag->size; i++)
		iova_free_pfn_locked(iovad, mag->pfns[i]);
	spin_unlock(&iovad->iova_rbtree_lock);
	mag->size = 0;
}

static inline bool iova_magazine_full(const struct iova_magazine *mag)
{
	return mag->size == IOVA_MAG_SIZE;
}

static inline bool iova_magazine_empty(const struct iova_magazine *mag)
{
	return mag->size == 0;
}

/*
 * Takes the most recently pushed pfn at or below limit_pfn, filling its
 * slot with the last one (so a magazine is only roughly LIFO).  0
 * when none qualifies: the caller then goes to the tree, even if other
 * magazines might have had one, as Linux's iova_magazine_pop does.
 */
static unsigned long iova_magazine_pop(struct iova_magazine *mag,
				       unsigned long limit_pfn)
{
	for (unsigned long i = mag->size; i-- > 0;) {
		unsigned long pfn = mag->pfns[i];

		if (pfn <= limit_pfn) {
			mag->pfns[i] = mag->pfns[--mag->size];
			return pfn;
		}
	}
	return 0;
}

static inline void iova_magazine_push(struct iova_magazine *mag,
				      unsigned long pfn)
{
	mag->pfns[mag->size++] = pfn;
}

/*
 * The depot is a stack of full magazines linked through the word that
 * counts pfns in a slot's magazine (so a magazine stays 1 KiB, as in
 * Linux).  Callers hold rcache->lock.
 */
static struct iova_magazine *iova_depot_take(struct iova_rcache *rcache)
{
	struct iova_magazine *full = rcache->depot;

	rcache->depot = full->next;
	rcache->depot_size--;
	full->size = IOVA_MAG_SIZE;	/* overwrites the link */
	return full;
}

static void iova_depot_put(struct iova_rcache *rcache,
			   struct iova_magazine *full)
{
	full->next = rcache->depot;
	rcache->depot = full;
	rcache->depot_size++;
}

static inline void iova_slot_swap(struct iova_cpu_rcache *slot)
{
	struct iova_magazine *tmp = slot->loaded;

	slot->loaded = slot->prev;
	slot->prev = tmp;
}

static inline struct iova_cpu_rcache *
this_cpu_rcache(const struct iova_domain *iovad, struct iova_rcache *rcache)
{
	/* -1 (no CPU number available) masks to a valid slot too. */
	unsigned int cpu = (unsigned int)sched_getcpu();

	return &rcache->cpu_rcaches[cpu & iovad->cpu_cache_mask];
}

static unsigned int iova_nr_cpu_caches(const struct iova_domain *iovad)
{
	unsigned int n = iovad->kernel ? iovad->kernel->nr_cpu_ids :
			 kernel_host_cpus();

	if (n > IOVA_MAX_CPU_CACHES)
		n = IOVA_MAX_CPU_CACHES;
	return (unsigned int)roundup_pow_of_two((unsigned long)n);
}

void iova_free_rcaches(struct iova_domain *iovad)
{
	for (unsigned int i = 0; iovad->rcaches && i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rcache = &iovad->rcaches[i];

		for (unsigned int cpu = 0; cpu <= iovad->cpu_cache_mask; cpu++) {
			kfree(rcache->cpu_rcaches[cpu].loaded);
			kfree(rcache->cpu_rcaches[cpu].prev);
		}
		while (rcache->depot)
			kfree(iova_depot_take(rcache));
	}
	kfree(iovad->rcaches_mem);
	iovad->rcaches_mem = NULL;
	iovad->rcaches = NULL;
}

int iova_domain_init_rcaches(struct iova_domain *iovad)
{
	unsigned int ncpu = iova_nr_cpu_caches(iovad);
	struct iova_cpu_rcache *slots;
	uintptr_t base;

	if (iovad->rcaches)
		return -EBUSY;
	/* The rcache heads, then every slot, cache-line aligned. */
	iovad->rcaches_mem = iova_zalloc(iovad, IOVA_CACHELINE - 1 +
		IOVA_RANGE_CACHE_MAX_SIZE * (1 + ncpu) * IOVA_CACHELINE);
	if (!iovad->rcaches_mem)
		return -ENOMEM;
	base = ALIGN((uintptr_t)iovad->rcaches_mem, IOVA_CACHELINE);
	iovad->rcaches = (struct iova_rcache *)base;
	iovad->cpu_cache_mask = ncpu - 1;
	slots = (struct iova_cpu_rcache *)(iovad->rcaches + IOVA_RANGE_CACHE_MAX_SIZE);

	for (unsigned int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		spin_lock_init(&iovad->rcaches[i].lock);
		iovad->rcaches[i].cpu_rcaches = slots + i * ncpu;
	}
	for (unsigned int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rcache = &iovad->rcaches[i];

		for (unsigned int cpu = 0; cpu < ncpu; cpu++) {
			struct iova_cpu_rcache *cpu_rcache = &rcache->cpu_rcaches[cpu];

			spin_lock_init(&cpu_rcache->lock);
			cpu_rcache->loaded = iova_magazine_alloc(iovad);
			cpu_rcache->prev = iova_magazine_alloc(iovad);
			if (!cpu_rcache->loaded || !cpu_rcache->prev)
				goto out_err;
		}
	}
	return 0;

out_err:
	iova_free_rcaches(iovad);
	return -ENOMEM;
}

/*
 * Makes slot->loaded a magazine with room: it already is, or prev is
 * (swap them), or loaded is full and goes to the depot for a fresh empty
 * one.  False only when that fresh magazine cannot be allocated.
 */
static bool iova_slot_make_room(struct iova_domain *iovad,
				struct iova_rcache *rcache,
				struct iova_cpu_rcache *slot)
{
	struct iova_magazine *empty;

	if (likely(!iova_magazine_full(slot->loaded)))
		return true;
	if (!iova_magazine_full(slot->prev)) {
		iova_slot_swap(slot);
		return true;
	}
	empty = iova_magazine_alloc(iovad);
	if (!empty)
		return false;
	spin_lock(&rcache->lock);
	iova_depot_put(rcache, slot->loaded);
	spin_unlock(&rcache->lock);
	slot->loaded = empty;
	return true;
}

/*
 * Makes slot->loaded a magazine with pfns: it already is, or prev is
 * (swap them), or a full one from the depot replaces the empty loaded.
 * False when the slot and the depot are all empty.
 */
static bool iova_slot_restock(struct iova_rcache *rcache,
			      struct iova_cpu_rcache *slot)
{
	struct iova_magazine *full = NULL;

	if (likely(!iova_magazine_empty(slot->loaded)))
		return true;
	if (!iova_magazine_empty(slot->prev)) {
		iova_slot_swap(slot);
		return true;
	}
	spin_lock(&rcache->lock);
	if (rcache->depot)
		full = iova_depot_take(rcache);
	spin_unlock(&rcache->lock);
	if (!full)
		return false;
	kfree(slot->loaded);
	slot->loaded = full;
	return true;
}

/*
 * Caches pfn; false when there is no room and none can be made, and the
 * caller gives the range back to the tree instead.
 */
static bool iova_rcache_put(struct iova_domain *iovad,
			    struct iova_rcache *rcache, unsigned long pfn)
{
	struct iova_cpu_rcache *slot = this_cpu_rcache(iovad, rcache);
	bool room;

	spin_lock(&slot->lock);
	room = iova_slot_make_room(iovad, rcache, slot);
	if (room)
		iova_magazine_push(slot->loaded, pfn);
	spin_unlock(&slot->lock);
	return room;
}

/* A cached pfn at or below limit_pfn (inclusive, of the range's first pfn), or 0. */
static unsigned long iova_rcache_take(struct iova_domain *iovad,
				      struct iova_rcache *rcache,
				      unsigned long limit_pfn)
{
	struct iova_cpu_rcache *slot = this_cpu_rcache(iovad, rcache);
	unsigned long pfn = 0;

	spin_lock(&slot->lock);
	if (iova_slot_restock(rcache, slot))
		pfn = iova_magazine_pop(slot->loaded, limit_pfn);
	spin_unlock(&slot->lock);
	return pfn;
}

/* Gives what one CPU slot holds, of every size, back to the tree. */
static void iova_rcaches_flush_slot(struct iova_domain *iovad, unsigned int cpu)
{
	for (unsigned int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_cpu_rcache *slot = &iovad->rcaches[i].cpu_rcaches[cpu];

		spin_lock(&slot->lock);
		iova_magazine_drain(slot->loaded, iovad);
		iova_magazine_drain(slot->prev, iovad);
		spin_unlock(&slot->lock);
	}
}

/*
 * Gives every cached range back to the tree, slot by slot, then the
 * depots: what an allocation that found no space tries before it gives
 * up.
 */
static void iova_rcaches_flush(struct iova_domain *iovad)
{
	for (unsigned int cpu = 0; cpu <= iovad->cpu_cache_mask; cpu++)
		iova_rcaches_flush_slot(iovad, cpu);
	for (unsigned int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rcache = &iovad->rcaches[i];

		spin_lock(&rcache->lock);
		while (rcache->depot) {
			struct iova_magazine *full = iova_depot_take(rcache);

			iova_magazine_drain(full, iovad);
			kfree(full);
		}
		spin_unlock(&rcache->lock);
	}
}

unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	bool cached_size;
	struct iova *fresh;

	limit_pfn = iova_clamp_limit(iovad, limit_pfn);
	if (unlikely(!size || limit_pfn < iovad->start_pfn))
		return 0;
	/*
	 * Every cached size must be a power of two, or a range freed into a
	 * cache could come back for a larger request: round the small ones up
	 * (32 itself is one).  The caller's size still has the same order.
	 */
	if (size < (1UL << (IOVA_RANGE_CACHE_MAX_SIZE - 1)))
		size = roundup_pow_of_two(size);
	if (unlikely(size > limit_pfn - iovad->start_pfn + 1))
		return 0;

	cached_size = iovad->rcaches && order_base_2(size) < IOVA_RANGE_CACHE_MAX_SIZE;
	if (likely(cached_size)) {
		unsigned long pfn = iova_rcache_take(iovad,
					&iovad->rcaches[order_base_2(size)],
					limit_pfn + 1 - size);

		if (pfn)
			return pfn;
	}

	fresh = alloc_iova(iovad, size, limit_pfn, true);
	if (!fresh && flush_rcache && iovad->rcaches) {
		/* The caches may hold the space: give it all back, try once more. */
		iova_rcaches_flush(iovad);
		fresh = alloc_iova(iovad, size, limit_pfn, true);
	}
	return fresh ? fresh->pfn_lo : 0;
}

void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size)
{
	unsigned int order = order_base_2(size);

	if (likely(size && iovad->rcaches && order < IOVA_RANGE_CACHE_MAX_SIZE) &&
	    iova_rcache_put(iovad, &iovad->rcaches[order], pfn))
		return;
	free_iova(iovad, pfn);
}

unsigned long iova_rcache_cached(struct iova_domain *iovad, unsigned int order,
				 unsigned int *depot_mags)
{
	struct iova_rcache *rcache;
	unsigned long n = 0;

	if (depot_mags)
		*depot_mags = 0;
	if (!iovad->rcaches || order >= IOVA_RANGE_CACHE_MAX_SIZE)
		return 0;
	rcache = &iovad->rcaches[order];
	for (unsigned int cpu = 0; cpu <= iovad->cpu_cache_mask; cpu++) {
		struct iova_cpu_rcache *cpu_rcache = &rcache->cpu_rcaches[cpu];

		spin_lock(&cpu_rcache->lock);
		n += cpu_rcache->loaded->size + cpu_rcache->prev->size;
		spin_unlock(&cpu_rcache->lock);
	}
	spin_lock(&rcache->lock);
	n += (unsigned long)rcache->depot_size * IOVA_MAG_SIZE;
	if (depot_mags)
		*depot_mags = rcache->depot_size;
	spin_unlock(&rcache->lock);
	return n;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return (x > y) - (x < y);
}

/* Gathers the pfns of one magazine, checking each starts a range in the tree. */
static int check_magazine(struct iova_domain *iovad, struct iova_magazine *mag,
			  unsigned long size, unsigned long **pfns,
			  unsigned long *n, unsigned long *cap)
{
	if (size > IOVA_MAG_SIZE) {
		fprintf(stderr, "iova_domain_check: magazine holds %lu pfns\n", size);
		return -EUCLEAN;
	}
	for (unsigned long i = 0; i < size; i++) {
		if (!iova_is_range_start(iovad, mag->pfns[i])) {
			fprintf(stderr, "iova_domain_check: cached pfn %#lx "
				"starts no range in the tree\n", mag->pfns[i]);
			return -EUCLEAN;
		}
		if (*n == *cap) {
			unsigned long *p = realloc(*pfns, (*cap * 2 + 256) * sizeof(**pfns));

			if (!p)
				return -ENOMEM;
			*pfns = p;
			*cap = *cap * 2 + 256;
		}
		(*pfns)[(*n)++] = mag->pfns[i];
	}
	return 0;
}

/* Every cached pfn starts a range in the tree, and none is cached twice. */
int iova_rcache_check(struct iova_domain *iovad)
{
	unsigned long *pfns = NULL, n = 0, cap = 0;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rcache = &iovad->rcaches[i];
		unsigned int depot = 0;

		for (unsigned int cpu = 0; !ret && cpu <= iovad->cpu_cache_mask; cpu++) {
			struct iova_cpu_rcache *c = &rcache->cpu_rcaches[cpu];

			spin_lock(&c->lock);
			ret = check_magazine(iovad, c->loaded, c->loaded->size,
					     &pfns, &n, &cap);
			if (!ret)
				ret = check_magazine(iovad, c->prev, c->prev->size,
						     &pfns, &n, &cap);
			spin_unlock(&c->lock);
		}
		spin_lock(&rcache->lock);
		for (struct iova_magazine *m = rcache->depot; !ret && m; m = m->next) {
			ret = check_magazine(iovad, m, IOVA_MAG_SIZE, &pfns, &n, &cap);
			depot++;
		}
		if (!ret && depot != rcache->depot_size) {
			fprintf(stderr, "iova_domain_check: depot of order %u holds %u "
				"magazines, counted %u\n", i, depot, rcache->depot_size);
			ret = -EUCLEAN;
		}
		spin_unlock(&rcache->lock);
	}
	if (!ret && n) {
		qsort(pfns, n, sizeof(*pfns), cmp_ulong);
		for (unsigned long i = 1; i < n; i++) {
			if (pfns[i] == pfns[i - 1]) {
				fprintf(stderr, "iova_domain_check: pfn %#lx cached twice\n",
					pfns[i]);
				ret = -EUCLEAN;
				break;
			}
		}
	}
	free(pfns);
	return ret;
}
