// SPDX-License-Identifier: MIT
/*
 * kernel/page_alloc: alignment, zeroing, exhaustion, double free, merging,
 * and the kernel instance's fail-nth injection.
 */
#include <string.h>

#include "kernel/kernel.h"
#include "tests/test.h"

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct kernel *k, *k2;
	phys_addr_t a, b, c, d, blocks[64];
	u8 *p;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, 0x40000000, 64 << 20, "ram") == 0);
	CHECK(kernel_create("bad", mem, 0x40000800, 1 << 20) == NULL);
	CHECK(kernel_create("outside", mem, 0x80000000, 1 << 20) == NULL);
	/* Host and guest-like instances over disjoint halves. */
	k = kernel_create("host", mem, 0x40000000, 32 << 20);
	k2 = kernel_create("guest", mem, 0x42000000, 32 << 20);
	REQUIRE(k && k2);

	/* Naturally aligned and zeroed. */
	a = kernel_alloc_pages(k, 4096);
	p = phys_to_virt(k, a, 4096);
	REQUIRE(a && p);
	memset(p, 0xaa, 4096);
	CHECK_EQ(kernel_free_pages(k, a, 4096), 0);
	b = kernel_alloc_pages(k, 64 << 10);
	CHECK(b && (b & 0xffff) == 0);
	c = kernel_alloc_pages(k, 1 << 20);
	CHECK(c && (c & 0xfffff) == 0);
	p = phys_to_virt(k, c, 1 << 20);
	CHECK(p && p[0] == 0 && p[(1 << 20) - 1] == 0);
	a = kernel_alloc_pages(k, 4096);
	p = phys_to_virt(k, a, 4096);
	CHECK(p && p[0] == 0 && p[4095] == 0);
	CHECK_EQ(page_alloc_used_bytes(k->pages), 4096 + (64 << 10) + (1 << 20));
	d = kernel_alloc_pages(k2, 4096);
	CHECK(a < 0x42000000 && d >= 0x42000000);
	CHECK_EQ(kernel_free_pages(k2, d, 4096), 0);

	/* Double free and wrong order are refused and change nothing. */
	CHECK_EQ(free_pages(k->pages, a, 0), 0);
	CHECK_EQ(free_pages(k->pages, a, 0), -EINVAL);
	CHECK_EQ(free_pages(k->pages, b, 0), -EINVAL);
	CHECK_EQ(free_pages(k->pages, b + 4096, 4), -EINVAL);
	CHECK_EQ(free_pages(k->pages, 0x10000000, 0), -EINVAL);
	CHECK_EQ(page_alloc_used_bytes(k->pages), (64 << 10) + (1 << 20));
	CHECK_EQ(kernel_alloc_pages(k, 32ull << 20), 0);	/* past max order */

	/* Exhaust with 16 MiB blocks: two fit in 32 MiB only once freed and merged. */
	kernel_free_pages(k, b, 64 << 10);
	kernel_free_pages(k, c, 1 << 20);
	CHECK_EQ(page_alloc_used_bytes(k->pages), 0);
	blocks[0] = kernel_alloc_pages(k, 16 << 20);
	blocks[1] = kernel_alloc_pages(k, 16 << 20);
	CHECK(blocks[0] && blocks[1]);
	CHECK_EQ(kernel_alloc_pages(k, 4096), 0);
	kernel_free_pages(k, blocks[0], 16 << 20);
	kernel_free_pages(k, blocks[1], 16 << 20);
	for (int i = 0; i < 64; i++)
		CHECK((blocks[i] = kernel_alloc_pages(k, 512 << 10)) != 0);
	CHECK_EQ(kernel_alloc_pages(k, 4096), 0);
	for (int i = 63; i >= 0; i--)
		kernel_free_pages(k, blocks[i], 512 << 10);
	CHECK((blocks[0] = kernel_alloc_pages(k, 16 << 20)) != 0);
	kernel_free_pages(k, blocks[0], 16 << 20);

	/* fail-nth: the third allocation from now fails, then all succeed. */
	kernel_fail_nth(k2, 3);
	a = kernel_alloc_pages(k2, 4096);
	p = kzalloc(k2, 32);
	CHECK(a && p);
	CHECK(kzalloc(k2, 32) == NULL);
	b = kernel_alloc_pages(k2, 4096);
	CHECK(b != 0);
	kfree(p);
	kernel_free_pages(k2, a, 4096);
	kernel_free_pages(k2, b, 4096);

	/* Everything given back: teardown finds no leak to warn of. */
	CHECK_EQ(kernel_destroy(k), 0);
	CHECK_EQ(kernel_destroy(k2), 0);
	phys_mem_destroy(mem);
	return test_done();
}
