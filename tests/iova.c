// SPDX-License-Identifier: MIT
/*
 * kernel/iova: the behaviour dma-iommu relies on.  Top-down placement,
 * size alignment, limits, the 32-bit cached node and max32_alloc_size,
 * reservations and their merging, find/free, exhaustion without overlap,
 * the range caches (reuse, rounding, limits, depot, flush-and-retry), and
 * every refused argument and allocation failure.
 */
#include <sched.h>
#include <string.h>

#include "kernel/iova.h"
#include "kernel/kernel.h"
#include "tests/test.h"

#define LIMIT32	0xfffffUL	/* last 4K pfn below 4 GiB */

static unsigned int tree_count(struct iova_domain *iovad)
{
	unsigned int n = 0;

	for (struct rb_node *node = rb_first(&iovad->rbroot); node; node = rb_next(node))
		n++;
	return n - 1;	/* not the anchor */
}

/* Stay on one CPU so the per-CPU magazines seen by the test are one slot's. */
static void pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu;

	REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
		;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	REQUIRE(sched_setaffinity(0, sizeof(set), &set) == 0);
}

static void test_init_and_helpers(void)
{
	struct iova_domain iovad;
	struct iova it = { .pfn_lo = 0x10, .pfn_hi = 0x13 };

	CHECK_EQ(init_iova_domain(&iovad, 0, 1), -EINVAL);
	CHECK_EQ(init_iova_domain(&iovad, 3 << 12, 1), -EINVAL);
	CHECK_EQ(init_iova_domain(&iovad, 2048, 1), -EINVAL);
	CHECK_EQ(init_iova_domain(&iovad, 128 << 10, 1), -EINVAL);
	CHECK_EQ(init_iova_domain(&iovad, 4096, (~0UL >> 12) + 1), -EINVAL);
	CHECK_EQ(init_iova_domain(&iovad, 4096, ~0UL), -EINVAL);

	REQUIRE(init_iova_domain(&iovad, 64 << 10, 1) == 0);
	CHECK_EQ(iova_shift(&iovad), 16);
	CHECK_EQ(iovad.dma_32bit_pfn, 0x10000);
	put_iova_domain(&iovad);

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	CHECK_EQ(iova_shift(&iovad), 12);
	CHECK_EQ(iova_mask(&iovad), 0xfff);
	CHECK_EQ(iova_offset(&iovad, 0x12345678), 0x678);
	CHECK_EQ(iova_align(&iovad, 1), 4096);
	CHECK_EQ(iova_align(&iovad, 4096), 4096);
	CHECK_EQ(iova_align_down(&iovad, 8191), 4096);
	CHECK_EQ(iova_pfn(&iovad, 0x12345678), 0x12345);
	CHECK_EQ(iova_dma_addr(&iovad, &it), 0x10000);
	CHECK_EQ(iova_size(&it), 4);
	CHECK_EQ(iova_rcache_range(), 128 << 10);
	CHECK_EQ(iovad.dma_32bit_pfn, 0x100000);
	CHECK_EQ(iovad.max32_alloc_size, 0x100000);
	CHECK_EQ(tree_count(&iovad), 0);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_top_down_and_alignment(void)
{
	struct iova_domain iovad;
	struct iova *a, *b, *c, *d, *e;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	a = alloc_iova(&iovad, 1, LIMIT32, false);
	b = alloc_iova(&iovad, 1, LIMIT32, false);
	REQUIRE(a && b);
	CHECK_EQ(a->pfn_lo, LIMIT32);
	CHECK_EQ(a->pfn_hi, LIMIT32);
	CHECK_EQ(b->pfn_lo, LIMIT32 - 1);

	/* Size 3 aligned goes to a multiple of 4 below b; unaligned packs tight. */
	c = alloc_iova(&iovad, 3, LIMIT32, true);
	REQUIRE(c);
	CHECK_EQ(c->pfn_lo, LIMIT32 - 7);
	CHECK_EQ(c->pfn_lo % 4, 0);
	CHECK_EQ(iova_size(c), 3);
	d = alloc_iova(&iovad, 3, LIMIT32, false);
	REQUIRE(d);
	CHECK_EQ(d->pfn_hi, c->pfn_lo - 1);
	e = alloc_iova(&iovad, 5, LIMIT32, true);
	REQUIRE(e);
	CHECK_EQ(e->pfn_lo % 8, 0);
	CHECK(e->pfn_hi < d->pfn_lo);

	/* limit_pfn is inclusive and honoured even with free space above. */
	a = alloc_iova(&iovad, 16, 1000, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_hi, 1000);
	a = alloc_iova(&iovad, 16, 1000, true);
	REQUIRE(a);
	CHECK_EQ(a->pfn_lo, 960);	/* below the first, aligned down */
	CHECK(a->pfn_hi <= 1000);

	/* A limit past 64-bit addresses is clamped to the last addressable pfn. */
	a = alloc_iova(&iovad, 1, ~0UL, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_lo, ~0UL >> 12);
	CHECK(find_iova(&iovad, ~0UL >> 12) == a);
	/* Above 4G with a lower 64-bit limit. */
	a = alloc_iova(&iovad, 1, (1UL << 36) - 1, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_lo, (1UL << 36) - 1);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_cached_nodes(void)
{
	struct iova_domain iovad;
	unsigned long s = 0x100000 - 16;	/* 16 pfns below 4G */
	struct iova *it[16], *hi, *x;
	struct rb_node *next;

	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	for (int i = 0; i < 16; i++) {
		it[i] = alloc_iova(&iovad, 1, LIMIT32, false);
		REQUIRE(it[i]);
		CHECK_EQ(it[i]->pfn_lo, LIMIT32 - i);
		CHECK(iovad.cached32_node == &it[i]->node);
	}
	CHECK(iovad.cached_node == &iovad.anchor.node);
	hi = alloc_iova(&iovad, 1, 0x1fffff, false);
	REQUIRE(hi);
	CHECK_EQ(hi->pfn_lo, 0x1fffff);
	CHECK(iovad.cached_node == &hi->node);

	/* Full below 4G: the failed size is remembered, and bigger ones fail early. */
	CHECK(alloc_iova(&iovad, 2, LIMIT32, false) == NULL);
	CHECK_EQ(iovad.max32_alloc_size, 2);
	CHECK(alloc_iova(&iovad, 1, LIMIT32, false) == NULL);
	CHECK_EQ(iovad.max32_alloc_size, 1);
	/* A 64-bit request still finds space above 4G. */
	x = alloc_iova(&iovad, 1, 0x1fffff, false);
	REQUIRE(x);
	CHECK_EQ(x->pfn_lo, 0x1ffffe);

	/* Freeing above the 32-bit cached node moves it up past the hole... */
	next = rb_next(&it[5]->node);
	__free_iova(&iovad, it[5]);
	CHECK(iovad.cached32_node == next);
	/* ...and any free below 4G resets max32_alloc_size. */
	CHECK_EQ(iovad.max32_alloc_size, 0x100000);
	x = alloc_iova(&iovad, 1, LIMIT32, false);
	REQUIRE(x);
	CHECK_EQ(x->pfn_lo, LIMIT32 - 5);
	CHECK_EQ(iova_domain_check(&iovad), 0);

	/*
	 * Freeing the top range below 4G moves the 32-bit cached node onto a
	 * range above 4G; freeing that one must move it again, not leave it
	 * pointing at freed memory.
	 */
	next = rb_next(&it[0]->node);
	REQUIRE(next != &iovad.anchor.node);
	CHECK(rb_entry(next, struct iova, node)->pfn_lo >= iovad.dma_32bit_pfn);
	__free_iova(&iovad, it[0]);
	CHECK(iovad.cached32_node == next);
	x = rb_entry(next, struct iova, node);
	next = rb_next(next);
	__free_iova(&iovad, x);
	CHECK(iovad.cached32_node == next);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	x = alloc_iova(&iovad, 1, LIMIT32, false);
	CHECK(x && x->pfn_lo == LIMIT32);
	put_iova_domain(&iovad);

	/*
	 * The retry: the cached node sits low with free space above it.  The
	 * walk down from it fails, so the allocator searches above it.
	 */
	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	x = alloc_iova(&iovad, 3, s + 2, false);
	REQUIRE(x);
	CHECK_EQ(x->pfn_lo, s);
	CHECK(iovad.cached32_node == &x->node);
	/* The only free pfn is the one right above the cached node. */
	x = alloc_iova(&iovad, 1, s + 3, false);
	REQUIRE(x);
	CHECK_EQ(x->pfn_lo, s + 3);
	x = alloc_iova(&iovad, 1, LIMIT32, false);
	REQUIRE(x);
	CHECK_EQ(x->pfn_lo, LIMIT32);
	x = alloc_iova(&iovad, 11, LIMIT32, false);	/* exactly the hole left */
	REQUIRE(x);
	CHECK_EQ(x->pfn_lo, s + 4);
	CHECK(alloc_iova(&iovad, 1, LIMIT32, false) == NULL);
	CHECK_EQ(tree_count(&iovad), 4);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_reserve(void)
{
	struct iova_domain iovad;
	struct iova *r, *a, *top;
	unsigned int n;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	r = reserve_iova(&iovad, 100, 200);
	REQUIRE(r);
	CHECK_EQ(r->pfn_lo, 100);
	CHECK_EQ(r->pfn_hi, 200);
	a = alloc_iova(&iovad, 50, 250, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_lo, 201);
	a = alloc_iova(&iovad, 50, 250, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_hi, 99);
	CHECK(alloc_iova(&iovad, 50, 250, false) == NULL);	/* 49 left */
	CHECK(find_iova(&iovad, 150) == r);
	__free_iova(&iovad, a);

	/* Overlap above: the old range stays, the rest becomes a new one. */
	a = reserve_iova(&iovad, 150, 300);
	REQUIRE(a);
	CHECK(a != r);
	CHECK_EQ(a->pfn_lo, 251);	/* [201, 250] is allocated */
	CHECK_EQ(a->pfn_hi, 300);
	/* Overlap below: the range grows down. */
	a = reserve_iova(&iovad, 50, 120);
	CHECK(a == r);
	CHECK_EQ(r->pfn_lo, 50);
	CHECK_EQ(r->pfn_hi, 200);
	/* Contained: the containing range, nothing new. */
	n = tree_count(&iovad);
	CHECK(reserve_iova(&iovad, 120, 130) == r);
	CHECK_EQ(tree_count(&iovad), n);
	/* Spanning several: each grows down, the remainder is new. */
	a = reserve_iova(&iovad, 40, 400);
	REQUIRE(a);
	CHECK_EQ(r->pfn_lo, 40);
	CHECK_EQ(a->pfn_lo, 301);
	CHECK_EQ(a->pfn_hi, 400);
	CHECK_EQ(tree_count(&iovad), n + 1);
	CHECK(find_iova(&iovad, 350) == a);
	CHECK_EQ(iova_domain_check(&iovad), 0);

	/* Refused: inverted, past 64-bit addresses; nothing changes. */
	n = tree_count(&iovad);
	CHECK(reserve_iova(&iovad, 10, 9) == NULL);
	CHECK(reserve_iova(&iovad, 1, (~0UL >> 12) + 1) == NULL);
	CHECK(reserve_iova(&iovad, ~0UL, ~0UL) == NULL);
	CHECK_EQ(tree_count(&iovad), n);
	/* The very last addressable pfn can be reserved and then never allocated. */
	top = reserve_iova(&iovad, ~0UL >> 12, ~0UL >> 12);
	REQUIRE(top);
	a = alloc_iova(&iovad, 1, ~0UL, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_lo, (~0UL >> 12) - 1);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_find_free(void)
{
	struct iova_domain iovad;
	struct iova *a, *b;
	unsigned int n;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	a = alloc_iova(&iovad, 8, LIMIT32, true);
	b = alloc_iova(&iovad, 8, LIMIT32, true);
	REQUIRE(a && b);
	CHECK(find_iova(&iovad, a->pfn_lo) == a);
	CHECK(find_iova(&iovad, a->pfn_lo + 7) == a);
	CHECK(find_iova(&iovad, b->pfn_lo + 3) == b);
	CHECK(find_iova(&iovad, b->pfn_lo - 1) == NULL);
	CHECK(find_iova(&iovad, 0) == NULL);
	/* The anchor is not a range anyone can find or free. */
	CHECK(find_iova(&iovad, ~0UL) == NULL);
	n = tree_count(&iovad);
	free_iova(&iovad, ~0UL);
	__free_iova(&iovad, &iovad.anchor);
	__free_iova(&iovad, NULL);
	free_iova(&iovad, 12345);	/* nothing there */
	CHECK_EQ(tree_count(&iovad), n);
	CHECK_EQ(iova_domain_check(&iovad), 0);

	free_iova(&iovad, a->pfn_lo + 4);	/* any pfn inside frees the range */
	CHECK(find_iova(&iovad, LIMIT32) == NULL);
	__free_iova(&iovad, b);
	CHECK_EQ(tree_count(&iovad), 0);
	a = alloc_iova(&iovad, 1, LIMIT32, false);
	REQUIRE(a);
	CHECK_EQ(a->pfn_lo, LIMIT32);	/* the space came back */
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

/* Random sizes into a 200-pfn space until it refuses; never out of bounds or overlapping. */
static void test_exhaustion(void)
{
	enum { START = 10, LIMIT = 209 };
	static struct iova *live[256];
	struct iova_domain iovad;
	unsigned char used[LIMIT + 1];
	unsigned int nlive = 0, fails = 0;

	srand(7);
	REQUIRE(init_iova_domain(&iovad, 4096, START) == 0);
	memset(used, 0, sizeof(used));
	REQUIRE(reserve_iova(&iovad, 100, 109));
	memset(used + 100, 2, 10);
	for (int step = 0; step < 20000; step++) {
		if (nlive && (rand() % 3 == 0 || nlive == 256)) {
			unsigned int i = (unsigned int)rand() % nlive;
			struct iova *v = live[i];

			for (unsigned long p = v->pfn_lo; p <= v->pfn_hi; p++)
				used[p] = 0;
			__free_iova(&iovad, v);
			live[i] = live[--nlive];
			continue;
		}
		unsigned long size = 1 + (unsigned long)rand() % 9;
		struct iova *v = alloc_iova(&iovad, size, LIMIT, rand() & 1);

		if (!v) {
			fails++;
			continue;
		}
		CHECK(v->pfn_lo >= START && v->pfn_hi <= LIMIT);
		CHECK_EQ(iova_size(v), size);
		for (unsigned long p = v->pfn_lo; p <= v->pfn_hi && p <= LIMIT; p++) {
			CHECK_EQ(used[p], 0);
			used[p] = 1;
		}
		live[nlive++] = v;
		if (step % 500 == 0)
			CHECK_EQ(iova_domain_check(&iovad), 0);
	}
	CHECK(fails > 100);	/* the space really did run out, often */
	/* Fill the rest one pfn at a time: exactly the free pfns come out. */
	unsigned int free_pfns = 0, got = 0;

	for (int p = START; p <= LIMIT; p++)
		free_pfns += !used[p];
	while (alloc_iova(&iovad, 1, LIMIT, false))
		got++;
	CHECK_EQ(got, free_pfns);
	CHECK(alloc_iova(&iovad, 1, LIMIT, false) == NULL);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, LIMIT, true), 0);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_bad_arguments(void)
{
	struct iova_domain iovad;
	unsigned long max32;
	unsigned int n;

	REQUIRE(init_iova_domain(&iovad, 4096, 100) == 0);
	REQUIRE(alloc_iova(&iovad, 1, LIMIT32, false));
	n = tree_count(&iovad);
	max32 = iovad.max32_alloc_size;
	CHECK(alloc_iova(&iovad, 0, LIMIT32, false) == NULL);
	CHECK(alloc_iova(&iovad, 1, 99, false) == NULL);
	CHECK(alloc_iova(&iovad, 1, 0, true) == NULL);
	CHECK(alloc_iova(&iovad, 1UL << 20, LIMIT32, true) == NULL);	/* larger than the space */
	CHECK(alloc_iova(&iovad, ~0UL, LIMIT32, true) == NULL);
	CHECK(alloc_iova(&iovad, ~0UL, ~0UL, true) == NULL);
	CHECK_EQ(alloc_iova_fast(&iovad, 0, LIMIT32, true), 0);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, 99, true), 0);
	CHECK_EQ(alloc_iova_fast(&iovad, ~0UL, LIMIT32, true), 0);
	CHECK_EQ(tree_count(&iovad), n);
	CHECK_EQ(iovad.max32_alloc_size, max32);
	/* A domain of one pfn at the very top of the 64-bit space. */
	{
		struct iova_domain top;
		struct iova *v;

		REQUIRE(init_iova_domain(&top, 4096, ~0UL >> 12) == 0);
		v = alloc_iova(&top, 1, ~0UL, false);
		CHECK(v && v->pfn_lo == ~0UL >> 12);
		CHECK(alloc_iova(&top, 1, ~0UL, false) == NULL);
		CHECK(alloc_iova(&top, 2, ~0UL, false) == NULL);
		CHECK_EQ(iova_domain_check(&top), 0);
		put_iova_domain(&top);
	}
	/* Exactly at the bounds works. */
	CHECK(alloc_iova(&iovad, 1, 100, false) != NULL);
	CHECK(alloc_iova(&iovad, 1, 100, false) == NULL);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_fast_path(void)
{
	struct iova_domain iovad;
	unsigned long p, q, r, hi;
	struct iova *v;
	unsigned int depot;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	/* Without caches the fast calls use the tree. */
	p = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	CHECK_EQ(p, LIMIT32);
	free_iova_fast(&iovad, p, 1);
	CHECK(find_iova(&iovad, p) == NULL);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 0);

	REQUIRE(iova_domain_init_rcaches(&iovad) == 0);
	CHECK_EQ(iova_domain_init_rcaches(&iovad), -EBUSY);
	p = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	q = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	CHECK(p && q && p != q);
	free_iova_fast(&iovad, p, 1);
	/* A cached range stays in the tree, owned by the cache. */
	CHECK(find_iova(&iovad, p) != NULL);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 1);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	r = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	CHECK_EQ(r, p);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 0);

	/* Small sizes round up to a power of two, size-aligned. */
	p = alloc_iova_fast(&iovad, 3, LIMIT32, false);
	v = find_iova(&iovad, p);
	REQUIRE(v);
	CHECK_EQ(iova_size(v), 4);
	CHECK_EQ(p % 4, 0);
	free_iova_fast(&iovad, p, 3);
	CHECK_EQ(iova_rcache_cached(&iovad, 2, NULL), 1);
	CHECK_EQ(alloc_iova_fast(&iovad, 4, LIMIT32, false), p);
	p = alloc_iova_fast(&iovad, 20, LIMIT32, false);
	v = find_iova(&iovad, p);
	REQUIRE(v);
	CHECK_EQ(iova_size(v), 32);
	free_iova_fast(&iovad, p, 20);
	CHECK_EQ(iova_rcache_cached(&iovad, 5, NULL), 1);
	/* Beyond 32 pages nothing is cached or rounded. */
	p = alloc_iova_fast(&iovad, 33, LIMIT32, false);
	v = find_iova(&iovad, p);
	REQUIRE(v);
	CHECK_EQ(iova_size(v), 33);
	CHECK_EQ(p % 64, 0);
	free_iova_fast(&iovad, p, 33);
	CHECK(find_iova(&iovad, p) == NULL);
	CHECK_EQ(iova_rcache_cached(&iovad, 6, NULL), 0);

	/* A cached range above the caller's limit is not handed out. */
	hi = alloc_iova_fast(&iovad, 1, 0x1fffff, false);
	CHECK_EQ(hi, 0x1fffff);
	free_iova_fast(&iovad, hi, 1);
	p = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	CHECK(p && p <= LIMIT32);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 1);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, 0x1fffff, false), hi);
	free_iova_fast(&iovad, hi, 1);
	free_iova_fast(&iovad, p, 1);
	/* Freeing size 0 returns the range to the tree. */
	p = alloc_iova_fast(&iovad, 2, LIMIT32, false);
	free_iova_fast(&iovad, p, 0);
	CHECK(find_iova(&iovad, p) == NULL);
	CHECK_EQ(iova_domain_check(&iovad), 0);

	/* Depot: 2 x 127 fill loaded and prev, each further 127 goes to the depot. */
	enum { N = 3 * IOVA_MAG_SIZE + 1 };
	static unsigned long pfns[N];

	put_iova_domain(&iovad);
	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	REQUIRE(iova_domain_init_rcaches(&iovad) == 0);
	for (int i = 0; i < N; i++) {
		pfns[i] = alloc_iova_fast(&iovad, 1, LIMIT32, false);
		CHECK_EQ(pfns[i], LIMIT32 - i);
	}
	for (int i = 0; i < N; i++)
		free_iova_fast(&iovad, pfns[i], 1);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, &depot), N);
	CHECK_EQ(depot, 2);
	CHECK_EQ(tree_count(&iovad), N);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	for (int i = 0; i < N; i++) {
		p = alloc_iova_fast(&iovad, 1, LIMIT32, false);
		/* Every pfn comes back from the caches, none from the tree. */
		CHECK(p <= LIMIT32 && p > LIMIT32 - N);
	}
	CHECK_EQ(iova_rcache_cached(&iovad, 0, &depot), 0);
	CHECK_EQ(depot, 0);
	CHECK_EQ(tree_count(&iovad), N);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, LIMIT32, false), LIMIT32 - N);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_flush_and_retry(void)
{
	struct iova_domain iovad;
	unsigned long p;

	/* 64 pfns, all handed out and freed into the order-0 caches. */
	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	REQUIRE(iova_domain_init_rcaches(&iovad) == 0);
	for (int i = 0; i < 64; i++)
		CHECK_EQ(alloc_iova_fast(&iovad, 1, 64, false), 64 - i);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, 64, false), 0);
	for (int i = 0; i < 64; i++)
		free_iova_fast(&iovad, 64 - i, 1);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 64);
	/* The tree is full of cached ranges: without flushing, order 1 fails. */
	CHECK_EQ(alloc_iova_fast(&iovad, 2, 64, false), 0);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 64);
	/* With flushing every cache goes back to the tree and the retry succeeds. */
	p = alloc_iova_fast(&iovad, 2, 64, true);
	CHECK_EQ(p, 62);	/* size-aligned */
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 0);
	CHECK_EQ(tree_count(&iovad), 1);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

/* Every allocation that can fail, failing, with kernel fail-nth. */
static void test_enomem(struct kernel *k)
{
	struct iova_domain iovad;
	unsigned long p, pfns[2 * IOVA_MAG_SIZE + 1];
	unsigned int n;
	struct iova *a;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	iova_domain_set_kernel(&iovad, k);
	/* The block of cache heads, then a magazine deep into the setup. */
	for (unsigned long nth = 1; nth <= 9; nth += 4) {
		kernel_fail_nth(k, nth);
		CHECK_EQ(iova_domain_init_rcaches(&iovad), -ENOMEM);
		CHECK(iovad.rcaches == NULL);
	}
	kernel_fail_nth(k, 0);
	/* Without caches the fast calls still work. */
	p = alloc_iova_fast(&iovad, 1, LIMIT32, true);
	CHECK_EQ(p, LIMIT32);
	free_iova_fast(&iovad, p, 1);

	a = alloc_iova(&iovad, 1, LIMIT32, false);
	REQUIRE(a);
	n = tree_count(&iovad);
	kernel_fail_nth(k, 1);
	CHECK(alloc_iova(&iovad, 1, LIMIT32, false) == NULL);
	kernel_fail_nth(k, 1);
	CHECK(reserve_iova(&iovad, 10, 20) == NULL);
	kernel_fail_nth(k, 1);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, LIMIT32, true), 0);
	CHECK_EQ(tree_count(&iovad), n);
	CHECK_EQ(iovad.max32_alloc_size, 0x100000);	/* no memory is not "full" */
	/* A reservation inside an existing range needs no memory. */
	kernel_fail_nth(k, 1);
	CHECK(reserve_iova(&iovad, a->pfn_lo, a->pfn_lo) == a);
	kernel_fail_nth(k, 0);
	__free_iova(&iovad, a);

	/* Both magazines full and no memory for a new one: back to the tree. */
	REQUIRE(iova_domain_init_rcaches(&iovad) == 0);
	for (int i = 0; i < 2 * IOVA_MAG_SIZE + 1; i++)
		pfns[i] = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	for (int i = 0; i < 2 * IOVA_MAG_SIZE; i++)
		free_iova_fast(&iovad, pfns[i], 1);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 2 * IOVA_MAG_SIZE);
	kernel_fail_nth(k, 1);
	free_iova_fast(&iovad, pfns[2 * IOVA_MAG_SIZE], 1);
	CHECK_EQ(iova_rcache_cached(&iovad, 0, NULL), 2 * IOVA_MAG_SIZE);
	CHECK(find_iova(&iovad, pfns[2 * IOVA_MAG_SIZE]) == NULL);
	kernel_fail_nth(k, 0);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

/* The checker must see what it claims to check. */
static void test_checker(void)
{
	struct iova_domain iovad;
	struct iova *a, *b;
	unsigned long p;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	REQUIRE(iova_domain_init_rcaches(&iovad) == 0);
	a = alloc_iova(&iovad, 4, LIMIT32, false);
	b = alloc_iova(&iovad, 4, LIMIT32, false);
	REQUIRE(a && b);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	b->pfn_hi++;		/* overlaps a */
	CHECK_EQ(iova_domain_check(&iovad), -EUCLEAN);
	b->pfn_hi--;
	CHECK_EQ(iova_domain_check(&iovad), 0);
	iovad.anchor.node.__rb_parent_color ^= RB_BLACK;
	CHECK_EQ(iova_domain_check(&iovad), -EUCLEAN);
	iovad.anchor.node.__rb_parent_color ^= RB_BLACK;
	/* A double free into the caches, and a cached pfn that is not in the tree. */
	p = alloc_iova_fast(&iovad, 1, LIMIT32, false);
	free_iova_fast(&iovad, p, 1);
	free_iova_fast(&iovad, p, 1);
	CHECK_EQ(iova_domain_check(&iovad), -EUCLEAN);
	CHECK_EQ(alloc_iova_fast(&iovad, 1, LIMIT32, false), p);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	free_iova(&iovad, p);
	CHECK_EQ(iova_domain_check(&iovad), -EUCLEAN);
	put_iova_domain(&iovad);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct kernel *k;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, 0x40000000, 1 << 20, "ram") == 0);
	k = kernel_create("host", mem, 0x40000000, 1 << 20);
	REQUIRE(k);
	pin_to_one_cpu();

	test_init_and_helpers();
	test_top_down_and_alignment();
	test_cached_nodes();
	test_reserve();
	test_find_free();
	test_exhaustion();
	test_bad_arguments();
	test_fast_path();
	test_flush_and_retry();
	test_enomem(k);
	test_checker();

	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
