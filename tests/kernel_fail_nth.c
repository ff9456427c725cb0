// SPDX-License-Identifier: MIT
/*
 * Allocation-failure injection of a kernel instance: kernel_fail_nth(k, n)
 * fails exactly the n-th heap or page allocation, and kernels sharing one
 * count (kernel_share_fail_nth, the CLI's --fail-nth) count together.
 */
#include "kernel/kernel.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull

static void test_one_kernel(struct phys_mem *mem)
{
	struct kernel *k = kernel_create("k", mem, RAM_BASE, 1 << 20);
	void *a, *b;
	phys_addr_t pa;

	REQUIRE(k);
	kernel_fail_nth(k, 3);
	a = kzalloc(k, 8);
	pa = kernel_alloc_pages(k, 4096);
	b = kzalloc(k, 8);		/* the 3rd: fails */
	CHECK(a && pa && !b);
	CHECK_EQ(atomic_load(k->fail_count), 0);
	kfree(b);
	b = kzalloc(k, 8);		/* only one failure */
	CHECK(b);
	kernel_fail_nth(k, 1);
	CHECK_EQ(kernel_alloc_pages(k, 4096), 0);
	CHECK_EQ(kernel_free_pages(k, pa, 4096), 0);
	kfree(a);
	kfree(b);
	kernel_destroy(k);
}

static void test_shared_count(struct phys_mem *mem)
{
	struct kernel *h = kernel_create("host", mem, RAM_BASE + (1 << 20), 1 << 20);
	struct kernel *g = kernel_create("guest", mem, RAM_BASE + (2 << 20), 1 << 20);
	atomic_ulong count;
	void *p[4];

	REQUIRE(h && g);
	atomic_init(&count, 0);
	kernel_share_fail_nth(h, &count);
	kernel_share_fail_nth(g, &count);
	kernel_fail_nth(g, 3);
	CHECK_EQ(atomic_load(&count), 3);
	p[0] = kzalloc(h, 8);
	p[1] = kzalloc(g, 8);
	p[2] = kzalloc(h, 8);		/* the 3rd of the run, made by the host */
	p[3] = kzalloc(g, 8);
	CHECK(p[0] && p[1] && !p[2] && p[3]);
	CHECK_EQ(atomic_load(&count), 0);
	/* The kernels' own counts are untouched. */
	CHECK_EQ(atomic_load(&h->kmalloc_fail_nth), 0);
	for (int i = 0; i < 4; i++)
		kfree(p[i]);
	kernel_destroy(h);
	kernel_destroy(g);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, 4 << 20, "ram") == 0);
	test_one_kernel(mem);
	test_shared_count(mem);
	phys_mem_destroy(mem);
	return test_done();
}
