// SPDX-License-Identifier: MIT
/*
 * page_alloc_check(): the buddy allocator's invariants hold after every
 * step of random allocations and frees (double frees and wrong orders
 * included) over a range whose ends are not aligned to the largest block,
 * and kernel_destroy() warns about machine memory still allocated.
 *
 * Largest blocks come from the untouched tail (kernel/page_alloc.c) in the
 * order a list of them pushed lowest first would give: the highest first,
 * and a freed one before any the tail still holds.
 */
#include "kernel/kernel.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define MAX_BLOCK	(PAGE_SIZE << PAGE_ALLOC_MAX_ORDER)

/*
 * Random allocations and frees of orders up to max_order, checked as they
 * go, then everything freed: nothing left in use.
 */
static void churn(struct page_alloc *pa, unsigned int max_order, u64 seed)
{
	phys_addr_t blk[64] = { 0 };
	unsigned int order[64] = { 0 };

	for (int i = 0; i < 4000; i++) {
		unsigned int s = rnd(&seed) % 64;

		if (blk[s]) {
			/* Now and then a wrong order or a double free: refused, no harm. */
			if (rnd(&seed) % 8 == 0)
				CHECK_EQ(free_pages(pa, blk[s], order[s] + 1), -EINVAL);
			CHECK_EQ(free_pages(pa, blk[s], order[s]), 0);
			if (rnd(&seed) % 8 == 0)
				CHECK_EQ(free_pages(pa, blk[s], order[s]), -EINVAL);
			blk[s] = 0;
		} else {
			order[s] = rnd(&seed) % (max_order + 1);
			blk[s] = alloc_pages(pa, order[s]);
		}
		if (i % 16 == 0)
			CHECK_EQ(page_alloc_check(pa), 0);
	}
	for (unsigned int s = 0; s < 64; s++)
		if (blk[s])
			CHECK_EQ(free_pages(pa, blk[s], order[s]), 0);
	CHECK_EQ(page_alloc_check(pa), 0);
	CHECK_EQ(page_alloc_used_bytes(pa), 0);
}

/*
 * 5 pages in, 3 pages short of 80M: edge blocks of every order around
 * four largest blocks, 0x41000000 to 0x44ffffff, held as the tail.
 */
static void test_tail(void)
{
	struct phys_mem *mem = phys_mem_create();
	phys_addr_t a, b, c, d, e;
	struct page_alloc *pa;

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, 128 << 20, "ram") == 0);
	pa = page_alloc_create(mem, RAM_BASE + 5 * PAGE_SIZE, (80 << 20) - 3 * PAGE_SIZE);
	REQUIRE(pa);
	CHECK_EQ(page_alloc_check(pa), 0);
	a = alloc_pages(pa, PAGE_ALLOC_MAX_ORDER);
	b = alloc_pages(pa, PAGE_ALLOC_MAX_ORDER);
	CHECK_EQ(a, RAM_BASE + 4 * MAX_BLOCK);		/* the highest first */
	CHECK_EQ(b, RAM_BASE + 3 * MAX_BLOCK);
	CHECK_EQ(page_alloc_check(pa), 0);
	CHECK_EQ(free_pages(pa, a, PAGE_ALLOC_MAX_ORDER), 0);
	CHECK_EQ(page_alloc_check(pa), 0);
	CHECK_EQ(alloc_pages(pa, PAGE_ALLOC_MAX_ORDER), a);	/* freed: before the tail */
	c = alloc_pages(pa, PAGE_ALLOC_MAX_ORDER);
	d = alloc_pages(pa, PAGE_ALLOC_MAX_ORDER);
	CHECK_EQ(c, RAM_BASE + 2 * MAX_BLOCK);
	CHECK_EQ(d, RAM_BASE + 1 * MAX_BLOCK);
	CHECK_EQ(alloc_pages(pa, PAGE_ALLOC_MAX_ORDER), 0);	/* no more of them */
	/* A small block splits a freed largest block, not an edge's. */
	CHECK_EQ(free_pages(pa, c, PAGE_ALLOC_MAX_ORDER), 0);
	e = alloc_pages(pa, PAGE_ALLOC_MAX_ORDER - 1);
	CHECK(e >= RAM_BASE + 5 * PAGE_SIZE && e < RAM_BASE + (80 << 20));
	CHECK_EQ(page_alloc_check(pa), 0);
	CHECK_EQ(free_pages(pa, e, PAGE_ALLOC_MAX_ORDER - 1), 0);
	CHECK_EQ(free_pages(pa, a, PAGE_ALLOC_MAX_ORDER), 0);
	CHECK_EQ(free_pages(pa, b, PAGE_ALLOC_MAX_ORDER), 0);
	CHECK_EQ(free_pages(pa, d, PAGE_ALLOC_MAX_ORDER), 0);
	CHECK_EQ(page_alloc_check(pa), 0);
	CHECK_EQ(page_alloc_used_bytes(pa), 0);
	churn(pa, PAGE_ALLOC_MAX_ORDER, 0x7654321);
	page_alloc_destroy(pa);
	phys_mem_destroy(mem);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct page_alloc *pa;
	struct kernel *k;

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, 32 << 20, "ram") == 0);
	/* 3 pages short of 8M, starting 5 pages in: blocks of every order at the ends. */
	pa = page_alloc_create(mem, RAM_BASE + 5 * PAGE_SIZE, (8 << 20) - 3 * PAGE_SIZE);
	REQUIRE(pa);
	CHECK_EQ(page_alloc_check(pa), 0);
	churn(pa, 9, 0x1234567);
	page_alloc_destroy(pa);
	test_tail();

	/* A kernel torn down with machine memory still allocated warns once. */
	k = kernel_create("leaky", mem, RAM_BASE + (16 << 20), 1 << 20);
	REQUIRE(k);
	CHECK(kernel_alloc_pages(k, PAGE_SIZE) != 0);
	CHECK_EQ(atomic_load(&k->warnings), 0);
	fprintf(stderr, "(one WARNING about leaked machine memory expected next)\n");
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
