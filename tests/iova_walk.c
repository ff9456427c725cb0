// SPDX-License-Identifier: MIT
/*
 * kernel/iova: the placement rules that are easy to lose when the search
 * is rewritten, each pinned on a space small enough to fill by hand.
 *  - the walk starts under the hint (the last allocation of that half of
 *    the space), not under the limit, and looks above the hint only when
 *    nothing fits below it;
 *  - that second look starts right under the limit, also when ranges
 *    above the limit or straddling it are in the tree;
 *  - max32_alloc_size is keyed by size alone and set by any failed walk,
 *    whatever its limit or alignment; frees below 4 GiB clear it, frees
 *    above do not;
 *  - which frees move which hint;
 *  - nothing is placed below start_pfn, even by a walk from the anchor
 *    (whose top + 1 wraps to 0: Linux once took that as the floor);
 *  - reservations stretch every range they overlap down over the gap below
 *    it, and keep the stretch when the remainder cannot be allocated.
 * Linux's alloc_iova/reserve_iova (drivers/iommu/iova.c) behave the same.
 */
#include "kernel/iova.h"
#include "kernel/kernel.h"
#include "tests/test.h"

#define D32	0x100000UL	/* first 4K pfn at 4 GiB */
#define LIMIT32	(D32 - 1)

static unsigned int tree_count(struct iova_domain *iovad)
{
	unsigned int n = 0;

	for (struct rb_node *node = rb_first(&iovad->rbroot); node; node = rb_next(node))
		n++;
	return n - 1;	/* not the anchor */
}

static unsigned long alloc_lo(struct iova_domain *iovad, unsigned long size,
			      unsigned long limit, bool aligned)
{
	struct iova *v = alloc_iova(iovad, size, limit, aligned);

	return v ? v->pfn_lo : 0;
}

static unsigned long hint_lo(struct rb_node *hint)
{
	return rb_entry(hint, struct iova, node)->pfn_lo;
}

static void test_hint_first_then_above(void)
{
	unsigned long s = D32 - 32;
	struct iova_domain iovad;

	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), LIMIT32);
	CHECK_EQ(alloc_lo(&iovad, 1, s + 8, false), s + 8);
	CHECK_EQ(hint_lo(iovad.cached32_node), s + 8);
	/* Free space right under the limit, yet the walk goes on under the hint. */
	for (unsigned long i = 0; i < 8; i++)
		CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), s + 7 - i);
	/* Nothing left under the hint: only now the gap above it. */
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), LIMIT32 - 1);
	CHECK_EQ(alloc_lo(&iovad, 2, LIMIT32, true), LIMIT32 - 3);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_second_look_starts_at_limit(void)
{
	unsigned long s = D32 - 32;
	struct iova_domain iovad;

	/* Ranges wholly above the limit do not hide the pfns right under it. */
	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), LIMIT32);
	REQUIRE(reserve_iova(&iovad, s + 20, s + 25));
	CHECK_EQ(alloc_lo(&iovad, 1, s + 10, false), s + 10);
	for (unsigned long i = 0; i < 10; i++)
		CHECK_EQ(alloc_lo(&iovad, 1, s + 15, false), s + 9 - i);
	CHECK_EQ(alloc_lo(&iovad, 1, s + 15, false), s + 15);
	CHECK_EQ(alloc_lo(&iovad, 2, s + 15, false), s + 13);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);

	/* A range straddling the limit: the first free pfn is under it. */
	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), LIMIT32);
	REQUIRE(reserve_iova(&iovad, s + 12, s + 18));
	CHECK_EQ(alloc_lo(&iovad, 1, s + 5, false), s + 5);
	for (unsigned long i = 0; i < 5; i++)
		CHECK_EQ(alloc_lo(&iovad, 1, s + 10, false), s + 4 - i);
	CHECK_EQ(alloc_lo(&iovad, 4, s + 15, true), s + 8);
	CHECK_EQ(alloc_lo(&iovad, 3, s + 15, false), 0);	/* s+6, s+7 left */
	CHECK_EQ(alloc_lo(&iovad, 2, s + 15, false), s + 6);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_max32_keyed_by_size(void)
{
	unsigned long s = D32 - 4;
	struct iova_domain iovad;
	struct iova *lo;

	/* [s, s+3] with s and s+3 taken: an unaligned pair fits, an aligned one does not. */
	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), s + 3);
	lo = alloc_iova(&iovad, 1, s, false);
	REQUIRE(lo && lo->pfn_lo == s);
	CHECK_EQ(alloc_lo(&iovad, 2, LIMIT32, true), 0);
	CHECK_EQ(iovad.max32_alloc_size, 2);
	/* The unaligned pair would fit, but size 2 is known to fail: no walk. */
	CHECK_EQ(alloc_lo(&iovad, 2, LIMIT32, false), 0);
	CHECK_EQ(alloc_lo(&iovad, 3, LIMIT32, false), 0);
	CHECK_EQ(iovad.max32_alloc_size, 2);
	/* Above 4G the record is not consulted. */
	CHECK_EQ(alloc_lo(&iovad, 2, D32 + 1, false), D32);
	/* A free below 4G forgets it, and the pair is found. */
	__free_iova(&iovad, lo);
	CHECK_EQ(iovad.max32_alloc_size, D32);
	CHECK_EQ(alloc_lo(&iovad, 2, LIMIT32, false), s + 1);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_max32_set_by_64bit_failure(void)
{
	unsigned long s = D32 - 2;
	struct iova_domain iovad;
	struct iova *hi, *lo;

	/* Two pfns below 4G, two above, all taken. */
	REQUIRE(init_iova_domain(&iovad, 4096, s) == 0);
	hi = alloc_iova(&iovad, 1, D32 + 1, false);
	REQUIRE(hi && hi->pfn_lo == D32 + 1);
	CHECK_EQ(alloc_lo(&iovad, 1, D32 + 1, false), D32);
	lo = alloc_iova(&iovad, 1, D32 + 1, false);
	REQUIRE(lo && lo->pfn_lo == s + 1);
	CHECK_EQ(alloc_lo(&iovad, 1, D32 + 1, false), s);
	CHECK_EQ(iovad.max32_alloc_size, D32);
	/* A 64-bit walk that fails records its size for 32-bit requests too. */
	CHECK_EQ(alloc_lo(&iovad, 1, D32 + 1, false), 0);
	CHECK_EQ(iovad.max32_alloc_size, 1);
	/* A free above 4G does not clear it; the 32-bit request still fails early. */
	__free_iova(&iovad, hi);
	CHECK_EQ(iovad.max32_alloc_size, 1);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), 0);
	CHECK_EQ(alloc_lo(&iovad, 1, D32 + 1, false), D32 + 1);
	__free_iova(&iovad, lo);
	CHECK_EQ(iovad.max32_alloc_size, D32);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), s + 1);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_hints_on_free(void)
{
	struct iova_domain iovad;
	struct iova *a, *b, *c, *x, *y, *z;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	/* 64-bit half: x above y above z, the hint on z. */
	x = alloc_iova(&iovad, 1, 0x1fffff, false);
	y = alloc_iova(&iovad, 1, 0x1fffff, false);
	z = alloc_iova(&iovad, 1, 0x1fffff, false);
	REQUIRE(x && y && z);
	CHECK(iovad.cached_node == &z->node);
	/* 32-bit half: a above b above c, the hint on c. */
	a = alloc_iova(&iovad, 1, LIMIT32, false);
	b = alloc_iova(&iovad, 1, LIMIT32, false);
	c = alloc_iova(&iovad, 1, LIMIT32, false);
	REQUIRE(a && b && c);
	CHECK(iovad.cached32_node == &c->node);
	CHECK(iovad.cached_node == &z->node);

	/* A range above a hint goes: the hint moves to the range above the hole. */
	__free_iova(&iovad, y);
	CHECK(iovad.cached_node == &x->node);
	CHECK(iovad.cached32_node == &c->node);	/* above 4G: not its business */
	__free_iova(&iovad, b);
	CHECK(iovad.cached32_node == &a->node);
	/* Below the 64-bit hint: it stays. */
	CHECK(iovad.cached_node == &x->node);
	/* A range below a hint goes: the hint stays. */
	__free_iova(&iovad, c);
	CHECK(iovad.cached32_node == &a->node);
	__free_iova(&iovad, z);
	CHECK(iovad.cached_node == &x->node);
	/* The hint's own range goes: the range above it (or the anchor). */
	__free_iova(&iovad, a);
	CHECK(iovad.cached32_node == &x->node);	/* now above 4G */
	__free_iova(&iovad, x);
	CHECK(iovad.cached32_node == &iovad.anchor.node);
	CHECK(iovad.cached_node == &iovad.anchor.node);
	CHECK_EQ(tree_count(&iovad), 0);
	CHECK_EQ(alloc_lo(&iovad, 1, LIMIT32, false), LIMIT32);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_never_below_start(void)
{
	struct iova_domain iovad;
	struct iova *top = NULL;

	REQUIRE(init_iova_domain(&iovad, 4096, 10) == 0);
	for (unsigned long pfn = 20; pfn >= 10; pfn--) {
		struct iova *v = alloc_iova(&iovad, 1, 20, false);

		REQUIRE(v);
		CHECK_EQ(v->pfn_lo, pfn);
		if (pfn == 20)
			top = v;
	}
	/* Freeing the top range puts the 32-bit hint on the anchor. */
	__free_iova(&iovad, top);
	CHECK(iovad.cached32_node == &iovad.anchor.node);
	/* Only pfn 20 is free: a pair would have to go below start_pfn. */
	CHECK_EQ(alloc_lo(&iovad, 2, 20, false), 0);
	CHECK_EQ(alloc_lo(&iovad, 2, 20, true), 0);
	CHECK(find_iova(&iovad, 8) == NULL && find_iova(&iovad, 9) == NULL);
	CHECK_EQ(tree_count(&iovad), 10);
	__free_iova(&iovad, find_iova(&iovad, 15));	/* clears max32_alloc_size */
	CHECK_EQ(alloc_lo(&iovad, 1, 20, false), 20);
	CHECK_EQ(iova_domain_check(&iovad), 0);
	put_iova_domain(&iovad);
}

static void test_reserve_stretches(struct kernel *k)
{
	struct iova_domain iovad;
	struct iova *a, *b, *r;

	REQUIRE(init_iova_domain(&iovad, 4096, 1) == 0);
	iova_domain_set_kernel(&iovad, k);
	a = reserve_iova(&iovad, 100, 110);
	b = reserve_iova(&iovad, 120, 130);
	REQUIRE(a && b);
	/* Ends inside b: b stretches down over the gap, and is the answer. */
	CHECK(reserve_iova(&iovad, 105, 125) == b);
	CHECK_EQ(a->pfn_lo, 100);
	CHECK_EQ(a->pfn_hi, 110);
	CHECK_EQ(b->pfn_lo, 111);
	CHECK_EQ(b->pfn_hi, 130);
	CHECK_EQ(tree_count(&iovad), 2);
	/* Past b: a stretches down, the rest above b is a new range. */
	r = reserve_iova(&iovad, 95, 140);
	REQUIRE(r && r != a && r != b);
	CHECK_EQ(a->pfn_lo, 95);
	CHECK_EQ(r->pfn_lo, 131);
	CHECK_EQ(r->pfn_hi, 140);
	CHECK_EQ(tree_count(&iovad), 3);
	/* In a gap, below start_pfn: a range of its own. */
	r = reserve_iova(&iovad, 0, 0);
	REQUIRE(r && r->pfn_lo == 0 && r->pfn_hi == 0);
	/* No memory for the remainder: NULL, but the stretch stays. */
	kernel_fail_nth(k, 1);
	CHECK(reserve_iova(&iovad, 90, 150) == NULL);
	kernel_fail_nth(k, 0);
	CHECK_EQ(a->pfn_lo, 90);
	CHECK(find_iova(&iovad, 145) == NULL);
	CHECK_EQ(tree_count(&iovad), 4);
	CHECK_EQ(iova_domain_check(&iovad), 0);
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

	test_hint_first_then_above();
	test_second_look_starts_at_limit();
	test_max32_keyed_by_size();
	test_max32_set_by_64bit_failure();
	test_hints_on_free();
	test_never_below_start();
	test_reserve_stretches(k);

	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
