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
#include <unistd.h>

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

struct iova_cpu_rcache {
	spinlock_t lock;
	struct iova_magazine *loaded;
	struct iova_magazine *prev;
	char pad[IOVA_CACHELINE - 3 * sizeof(void *)];
};
_Static_assert(sizeof(struct iova_cpu_rcache) == IOVA_CACHELINE,
	       "one CPU slot per cache line");

struct iova_rcache {
	spinlock_t lock;			/* the depot */
	unsigned int depot_size;
	struct iova_magazine *depot;
	struct iova_cpu_rcache *cpu_rcaches;	/* cpu_cache_mask + 1 of them */
	char pad[IOVA_CACHELINE - 3 * sizeof(void *)];
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

/* Returns every pfn in mag to the tree and empties it. */
static void iova_magazine_free_pfns(struct iova_magazine *mag,
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
 * The most recently pushed pfn at or below limit_pfn, or 0 when the
 * magazine (non-empty) has none: only then does the caller go to the tree.
 */
static unsigned long iova_magazine_pop(struct iova_magazine *mag,
				       unsigned long limit_pfn)
{
	unsigned long i = mag->size - 1, pfn;

	while (mag->pfns[i] > limit_pfn) {
		if (i == 0)
			return 0;
		i--;
	}
	pfn = mag->pfns[i];
	mag->pfns[i] = mag->pfns[--mag->size];
	return pfn;
}

static inline void iova_magazine_push(struct iova_magazine *mag,
				      unsigned long pfn)
{
	mag->pfns[mag->size++] = pfn;
}

/* Callers hold rcache->lock. */
static struct iova_magazine *iova_depot_pop(struct iova_rcache *rcache)
{
	struct iova_magazine *mag = rcache->depot;

	rcache->depot = mag->next;
	mag->size = IOVA_MAG_SIZE;
	rcache->depot_size--;
	return mag;
}

static void iova_depot_push(struct iova_rcache *rcache,
			    struct iova_magazine *mag)
{
	mag->next = rcache->depot;
	rcache->depot = mag;
	rcache->depot_size++;
}

static inline struct iova_cpu_rcache *
this_cpu_rcache(const struct iova_domain *iovad, struct iova_rcache *rcache)
{
	/* -1 (no CPU number available) masks to a valid slot too. */
	unsigned int cpu = (unsigned int)sched_getcpu();

	return &rcache->cpu_rcaches[cpu & iovad->cpu_cache_mask];
}

static unsigned int iova_nr_cpu_caches(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	if (n < 1)
		n = 1;
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
			kfree(iova_depot_pop(rcache));
	}
	kfree(iovad->rcaches_mem);
	iovad->rcaches_mem = NULL;
	iovad->rcaches = NULL;
}

int iova_domain_init_rcaches(struct iova_domain *iovad)
{
	unsigned int ncpu = iova_nr_cpu_caches();
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
 * Puts pfn into rcache; false when both magazines are full and no empty
 * one can be had, and the caller returns the range to the tree instead.
 */
static bool __iova_rcache_insert(struct iova_domain *iovad,
				 struct iova_rcache *rcache, unsigned long pfn)
{
	struct iova_cpu_rcache *cpu_rcache = this_cpu_rcache(iovad, rcache);
	bool can_insert = false;

	spin_lock(&cpu_rcache->lock);
	if (likely(!iova_magazine_full(cpu_rcache->loaded))) {
		can_insert = true;
	} else if (!iova_magazine_full(cpu_rcache->prev)) {
		struct iova_magazine *tmp = cpu_rcache->prev;

		cpu_rcache->prev = cpu_rcache->loaded;
		cpu_rcache->loaded = tmp;
		can_insert = true;
	} else {
		struct iova_magazine *new_mag = iova_magazine_alloc(iovad);

		if (new_mag) {
			spin_lock(&rcache->lock);
			iova_depot_push(rcache, cpu_rcache->loaded);
			spin_unlock(&rcache->lock);
			cpu_rcache->loaded = new_mag;
			can_insert = true;
		}
	}
	if (can_insert)
		iova_magazine_push(cpu_rcache->loaded, pfn);
	spin_unlock(&cpu_rcache->lock);
	return can_insert;
}

/* A cached pfn at or below limit_pfn (inclusive, of the range's first pfn), or 0. */
static unsigned long __iova_rcache_get(struct iova_domain *iovad,
				       struct iova_rcache *rcache,
				       unsigned long limit_pfn)
{
	struct iova_cpu_rcache *cpu_rcache = this_cpu_rcache(iovad, rcache);
	unsigned long pfn = 0;
	bool has_pfn = false;

	spin_lock(&cpu_rcache->lock);
	if (likely(!iova_magazine_empty(cpu_rcache->loaded))) {
		has_pfn = true;
	} else if (!iova_magazine_empty(cpu_rcache->prev)) {
		struct iova_magazine *tmp = cpu_rcache->prev;

		cpu_rcache->prev = cpu_rcache->loaded;
		cpu_rcache->loaded = tmp;
		has_pfn = true;
	} else {
		spin_lock(&rcache->lock);
		if (rcache->depot) {
			kfree(cpu_rcache->loaded);
			cpu_rcache->loaded = iova_depot_pop(rcache);
			has_pfn = true;
		}
		spin_unlock(&rcache->lock);
	}
	if (has_pfn)
		pfn = iova_magazine_pop(cpu_rcache->loaded, limit_pfn);
	spin_unlock(&cpu_rcache->lock);
	return pfn;
}

/* Returns every range held by one CPU slot, all sizes, to the tree. */
static void free_cpu_cached_iovas(unsigned int cpu, struct iova_domain *iovad)
{
	for (unsigned int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_cpu_rcache *cpu_rcache = &iovad->rcaches[i].cpu_rcaches[cpu];

		spin_lock(&cpu_rcache->lock);
		iova_magazine_free_pfns(cpu_rcache->loaded, iovad);
		iova_magazine_free_pfns(cpu_rcache->prev, iovad);
		spin_unlock(&cpu_rcache->lock);
	}
}

/* Returns every range in the depots to the tree. */
static void free_global_cached_iovas(struct iova_domain *iovad)
{
	for (unsigned int i = 0; i < IOVA_RANGE_CACHE_MAX_SIZE; i++) {
		struct iova_rcache *rcache = &iovad->rcaches[i];

		spin_lock(&rcache->lock);
		while (rcache->depot) {
			struct iova_magazine *mag = iova_depot_pop(rcache);

			iova_magazine_free_pfns(mag, iovad);
			kfree(mag);
		}
		spin_unlock(&rcache->lock);
	}
}

unsigned long alloc_iova_fast(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit_pfn, bool flush_rcache)
{
	unsigned int order;
	struct iova *new_iova;

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

	order = order_base_2(size);
	if (likely(iovad->rcaches && order < IOVA_RANGE_CACHE_MAX_SIZE)) {
		unsigned long pfn = __iova_rcache_get(iovad, &iovad->rcaches[order],
						      limit_pfn + 1 - size);

		if (pfn)
			return pfn;
	}

	for (;;) {
		new_iova = alloc_iova(iovad, size, limit_pfn, true);
		if (new_iova)
			return new_iova->pfn_lo;
		if (!flush_rcache || !iovad->rcaches)
			return 0;
		/* Give every cached range back to the tree and try once more. */
		flush_rcache = false;
		for (unsigned int cpu = 0; cpu <= iovad->cpu_cache_mask; cpu++)
			free_cpu_cached_iovas(cpu, iovad);
		free_global_cached_iovas(iovad);
	}
}

void free_iova_fast(struct iova_domain *iovad, unsigned long pfn,
		    unsigned long size)
{
	unsigned int order = order_base_2(size);

	if (likely(size && iovad->rcaches && order < IOVA_RANGE_CACHE_MAX_SIZE) &&
	    __iova_rcache_insert(iovad, &iovad->rcaches[order], pfn))
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
