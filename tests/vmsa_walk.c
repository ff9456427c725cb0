// SPDX-License-Identifier: MIT
/*
 * hw/vmsa-walk: hand-built descriptors in machine memory, walked for every
 * fault type at every level, address-size limits, external aborts, stage-2
 * start levels and concatenation, block sizes of each granule, and the
 * permission model.
 */
#include <string.h>

#include "hw/memory.h"
#include "hw/vmsa-walk.h"
#include "lib/bits.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	(256ULL << 20)
#define UNBACKED	0x10000000ULL

#define V	BIT_ULL(0)
#define T	BIT_ULL(1)	/* table / page */
#define AF	BIT_ULL(10)

static struct phys_mem *mem;

static void put(phys_addr_t table, unsigned int idx, u64 desc)
{
	u64 *p = phys_ram_ptr(mem, table + idx * 8ULL, 8);

	REQUIRE(p);
	*p = desc;
}

static void clear(phys_addr_t base, u64 size)
{
	void *p = phys_ram_ptr(mem, base, size);

	REQUIRE(p);
	memset(p, 0, size);
}

static struct vmsa_walk_cfg cfg_s1(unsigned int g, unsigned int ia,
				   unsigned int oa, phys_addr_t ttb)
{
	struct vmsa_walk_cfg c = {
		.stage = 1, .granule_shift = (u8)g, .ia_bits = (u8)ia,
		.oa_bits = (u8)oa, .ttb = ttb, .fetch = vmsa_fetch_ram,
		.opaque = mem,
	};

	c.start_level = (s8)vmsa_s1_start_level(g, ia);
	return c;
}

/* Walk expecting a fault; returns its type after checking level. */
static int walk_fault(const struct vmsa_walk_cfg *c, u64 ia, int level,
		      struct vmsa_fault *f)
{
	struct vmsa_walk_result r;

	memset(f, 0xa5, sizeof(*f));
	if (vmsa_walk(c, ia, &r, f) == 0) {
		fprintf(stderr, "walk of 0x%llx did not fault\n",
			(unsigned long long)ia);
		return -1;
	}
	CHECK_EQ(f->level, level);
	CHECK_EQ(f->ia, ia);
	CHECK_EQ(f->stage, c->stage);
	return f->type;
}

static void test_4k_s1(void)
{
	/* Tables: L0 at +0, L1 at +4K, L2 at +8K, L3 at +12K. */
	phys_addr_t l0 = RAM_BASE, l1 = l0 + 0x1000, l2 = l0 + 0x2000,
		    l3 = l0 + 0x3000;
	struct vmsa_walk_cfg c = cfg_s1(12, 48, 48, l0);
	struct vmsa_walk_result r;
	struct vmsa_fault f;
	u64 ia = (1ULL << 39) | (2ULL << 30) | (3ULL << 21) | (4ULL << 12) | 0x123;

	clear(RAM_BASE, 0x10000);
	CHECK_EQ(c.start_level, 0);
	/* Invalid at each level in turn. */
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_TRANSLATION);
	put(l0, 1, l1 | V | T);
	CHECK_EQ(walk_fault(&c, ia, 1, &f), VMSA_F_TRANSLATION);
	put(l1, 2, l2 | V | T);
	CHECK_EQ(walk_fault(&c, ia, 2, &f), VMSA_F_TRANSLATION);
	put(l2, 3, l3 | V | T);
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_TRANSLATION);
	/* Level 3 with bit[1] = 0 is a (reserved) invalid descriptor. */
	put(l3, 4, 0x80000000ULL | V | AF);
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_TRANSLATION);
	/* A page: AttrIndx 1, SH 3, nG, AP 01, PXN. */
	put(l3, 4, 0x80000000ULL | V | T | AF | (1 << 2) | (3 << 8) |
		   BIT(11) | (1 << 6) | BIT_ULL(53));
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x80000123ULL);
	CHECK_EQ(r.level, 3);
	CHECK_EQ(r.size_shift, 12);
	CHECK_EQ(r.attr, 1);
	CHECK_EQ(r.sh, 3);
	CHECK(r.ng && r.pxn && !r.xn && !r.ns);
	CHECK_EQ(r.ap, 1);
	CHECK_EQ(r.stage, 1);
	/* AF = 0: access flag fault, unless AFFD. */
	put(l3, 4, 0x80000000ULL | V | T);
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_ACCESS);
	c.affd = true;
	CHECK_EQ(vmsa_walk(&c, ia, &r, &f), 0);
	c.affd = false;

	/* Output address beyond oa_bits: address size fault at the leaf. */
	put(l3, 4, (1ULL << 42) | V | T | AF);
	CHECK_EQ(vmsa_walk(&c, ia, &r, &f), 0);
	c.oa_bits = 40;
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_ADDR_SIZE);
	/* ... checked before the access flag. */
	put(l3, 4, (1ULL << 42) | V | T);
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_ADDR_SIZE);
	/* Table address beyond it: address size fault at the table's level. */
	put(l1, 2, (1ULL << 41) | l2 | V | T);
	CHECK_EQ(walk_fault(&c, ia, 1, &f), VMSA_F_ADDR_SIZE);
	put(l1, 2, l2 | V | T);
	/* Start table beyond it: level 0. */
	c.ttb = (1ULL << 44) | l0;
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_ADDR_SIZE);
	c.ttb = l0;
	c.oa_bits = 48;

	/* Input beyond the input size: translation fault, level 0. */
	CHECK_EQ(walk_fault(&c, ia | (1ULL << 48), 0, &f), VMSA_F_TRANSLATION);
	CHECK_EQ(walk_fault(&c, ~0ULL, 0, &f), VMSA_F_TRANSLATION);
	/* The upper range wants the top bits set instead. */
	c.ttb1 = true;
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_TRANSLATION);
	put(l3, 4, 0x80000000ULL | V | T | AF);
	CHECK_EQ(vmsa_walk(&c, ia | GENMASK_ULL(63, 48), &r, &f), 0);
	CHECK_EQ(r.oa, 0x80000123ULL);
	c.ttb1 = false;

	/* Blocks: 2M at L2, 1G at L1, none at L0. */
	put(l2, 3, 0x80200000ULL | V | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x80200000ULL + (4 << 12) + 0x123);
	CHECK_EQ(r.level, 2);
	CHECK_EQ(r.size_shift, 21);
	/* Address bits below the block size are ignored (RES0). */
	put(l2, 3, 0x80201000ULL | V | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x80200000ULL + (4 << 12) + 0x123);
	put(l1, 2, 0xc0000000ULL | V | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0xc0000000ULL + (3ULL << 21) + (4 << 12) + 0x123);
	CHECK_EQ(r.level, 1);
	CHECK_EQ(r.size_shift, 30);
	put(l0, 1, V | AF);
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_TRANSLATION);
	put(l0, 1, l1 | V | T);

	/* Access flag and address size faults on blocks, at their level. */
	put(l1, 2, 0xc0000000ULL | V);
	CHECK_EQ(walk_fault(&c, ia, 1, &f), VMSA_F_ACCESS);
	put(l1, 2, l2 | V | T);
	put(l2, 3, 0x80200000ULL | V);
	CHECK_EQ(walk_fault(&c, ia, 2, &f), VMSA_F_ACCESS);
	put(l2, 3, (1ULL << 47) | V | AF);
	c.oa_bits = 44;
	CHECK_EQ(walk_fault(&c, ia, 2, &f), VMSA_F_ADDR_SIZE);
	c.oa_bits = 48;
	put(l2, 3, UNBACKED | V | T);
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_EABT);
	put(l1, 2, UNBACKED | V | T);
	CHECK_EQ(walk_fault(&c, ia, 2, &f), VMSA_F_EABT);
	CHECK_EQ(f.fetch_addr, UNBACKED + 3 * 8);
	put(l1, 2, l2 | V | T);
	put(l2, 3, l3 | V | T);

	/* External abort on a table fetch outside RAM, at each level. */
	put(l0, 1, UNBACKED | V | T);
	CHECK_EQ(walk_fault(&c, ia, 1, &f), VMSA_F_EABT);
	CHECK_EQ(f.fetch_addr, UNBACKED + 2 * 8);
	put(l0, 1, l1 | V | T);
	put(l1, 2, l2 | V | T);
	put(l2, 3, UNBACKED | V | T);
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_EABT);
	CHECK_EQ(f.fetch_addr, UNBACKED + 4 * 8);
	c.ttb = UNBACKED;
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_EABT);
	CHECK_EQ(f.fetch_addr, UNBACKED + 8);
	/* The last table of RAM is fine; one past it aborts. */
	c.ttb = RAM_BASE + RAM_SIZE - 0x1000;
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_TRANSLATION);
	c.ttb = RAM_BASE + RAM_SIZE;
	CHECK_EQ(walk_fault(&c, ia, 0, &f), VMSA_F_EABT);
}

static void test_small_ia(void)
{
	phys_addr_t l1 = RAM_BASE + 0x10000, l2 = l1 + 0x1000, l3 = l1 + 0x2000;
	struct vmsa_walk_cfg c;
	struct vmsa_walk_result r;
	struct vmsa_fault f;

	/* 4K, 32-bit input: 3 levels, L1 has 4 entries. */
	clear(l1, 0x3000);
	c = cfg_s1(12, 32, 40, l1);
	CHECK_EQ(c.start_level, 1);
	CHECK_EQ(vmsa_start_table_size(12, 32, 1), 32);
	put(l1, 3, l2 | V | T);
	put(l2, 511, l3 | V | T);
	put(l3, 511, 0x12345000ULL | V | T | AF);
	REQUIRE(vmsa_walk(&c, 0xfffff678, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x12345678ULL);
	CHECK_EQ(walk_fault(&c, 0x100000000ULL, 0, &f), VMSA_F_TRANSLATION);
	/* A start table base is aligned down to its size. */
	c.ttb = l1 + 8;
	CHECK_EQ(vmsa_walk(&c, 0xfffff678, &r, &f), 0);
}

static void test_16k_64k(void)
{
	phys_addr_t base = RAM_BASE + 0x100000;
	struct vmsa_walk_cfg c;
	struct vmsa_walk_result r;
	struct vmsa_fault f;
	u64 ia;

	/* 16K, 47 bits: L1 (2^11 entries), L2 32M blocks, L3 16K pages. */
	clear(base, 0x40000);
	c = cfg_s1(14, 47, 48, base);
	CHECK_EQ(c.start_level, 1);
	ia = (5ULL << 36) | (7ULL << 25) | (9ULL << 14) | 0x3abc;
	put(base, 5, (base + 0x4000) | V | T);
	put(base + 0x4000, 7, (base + 0x8000) | V | T);
	put(base + 0x8000, 9, 0x84000000ULL | V | T | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x84003abcULL);
	CHECK_EQ(r.size_shift, 14);
	put(base + 0x4000, 7, 0x86000000ULL | V | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x86000000ULL + (9ULL << 14) + 0x3abc);
	CHECK_EQ(r.size_shift, 25);
	CHECK_EQ(r.level, 2);
	put(base, 5, 0x1000000000ULL | V | AF);	/* no L1 block with 16K */
	CHECK_EQ(walk_fault(&c, ia, 1, &f), VMSA_F_TRANSLATION);
	/* 16K, 48 bits: a 2-entry L0. */
	CHECK_EQ(vmsa_s1_start_level(14, 48), 0);
	CHECK_EQ(vmsa_start_table_size(14, 48, 0), 16);

	/* 64K, 48 bits: L1 of 64 entries, L2 512M blocks, L3 64K pages. */
	clear(base, 0x40000);
	c = cfg_s1(16, 48, 48, base);
	CHECK_EQ(c.start_level, 1);
	CHECK_EQ(vmsa_start_table_size(16, 48, 1), 512);
	ia = (33ULL << 42) | (100ULL << 29) | (200ULL << 16) | 0xfedc;
	put(base, 33, (base + 0x10000) | V | T);
	put(base + 0x10000, 100, (base + 0x20000) | V | T);
	put(base + 0x20000, 200, 0x88880000ULL | V | T | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x8888fedcULL);
	CHECK_EQ(r.size_shift, 16);
	put(base + 0x10000, 100, 0xa0000000ULL | V | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0xa0000000ULL + (200ULL << 16) + 0xfedc);
	CHECK_EQ(r.size_shift, 29);
	/* L1 blocks (4TB) exist only with 52-bit output (FEAT_LPA). */
	put(base, 33, V | AF);
	CHECK_EQ(walk_fault(&c, ia, 1, &f), VMSA_F_TRANSLATION);
	c.oa_bits = 52;
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.size_shift, 42);
	CHECK_EQ(r.oa, ia & GENMASK_ULL(41, 0));
	/* OA[51:48] comes from descriptor bits [15:12]. */
	put(base, 33, (base + 0x10000) | V | T);
	put(base + 0x10000, 100, (base + 0x20000) | V | T);
	put(base + 0x20000, 200, 0x88880000ULL | (0xaULL << 12) | V | T | AF);
	REQUIRE(vmsa_walk(&c, ia, &r, &f) == 0);
	CHECK_EQ(r.oa, 0xa000088880000ULL | 0xfedc);
	c.oa_bits = 48;
	CHECK_EQ(walk_fault(&c, ia, 3, &f), VMSA_F_ADDR_SIZE);
}

static void test_s2_levels(void)
{
	unsigned int n = 0;

	/* 4K: SL0 0/1/2 -> L2/L1/L0; level 0 needs a PA of 44 bits. */
	CHECK_EQ(vmsa_s2_start_level(12, 0, 30, 40, &n), 2);
	CHECK_EQ(n, 1);
	CHECK_EQ(vmsa_s2_start_level(12, 0, 34, 40, &n), 2);
	CHECK_EQ(n, 16);
	CHECK_EQ(vmsa_s2_start_level(12, 0, 35, 40, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(12, 1, 40, 40, &n), 1);
	CHECK_EQ(n, 2);
	CHECK_EQ(vmsa_s2_start_level(12, 1, 43, 48, &n), 1);
	CHECK_EQ(n, 16);
	CHECK_EQ(vmsa_s2_start_level(12, 1, 44, 48, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(12, 1, 30, 48, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(12, 2, 48, 48, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(vmsa_s2_start_level(12, 2, 40, 40, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(12, 2, 42, 42, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(12, 3, 48, 48, &n), -EINVAL);
	/* 16K: SL0 0/1/2 -> L3/L2/L1; L1 needs 42 bits; L0 needs LPA2. */
	CHECK_EQ(vmsa_s2_start_level(14, 1, 36, 40, &n), 2);
	CHECK_EQ(n, 1);
	CHECK_EQ(vmsa_s2_start_level(14, 1, 40, 40, &n), 2);
	CHECK_EQ(n, 16);
	CHECK_EQ(vmsa_s2_start_level(14, 2, 40, 40, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(14, 2, 48, 48, &n), 1);
	CHECK_EQ(n, 2);
	CHECK_EQ(vmsa_s2_start_level(14, 3, 48, 48, &n), -EINVAL);
	/* 64K: SL0 0/1/2 -> L3/L2/L1; L1 needs 44 bits; 3 is reserved. */
	CHECK_EQ(vmsa_s2_start_level(16, 1, 42, 40, &n), 2);
	CHECK_EQ(n, 1);
	CHECK_EQ(vmsa_s2_start_level(16, 1, 46, 48, &n), 2);
	CHECK_EQ(n, 16);
	CHECK_EQ(vmsa_s2_start_level(16, 2, 48, 40, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(16, 2, 48, 48, &n), 1);
	CHECK_EQ(vmsa_s2_start_level(16, 2, 52, 52, &n), 1);
	CHECK_EQ(vmsa_s2_start_level(16, 3, 48, 48, &n), -EINVAL);
	CHECK_EQ(vmsa_s2_start_level(13, 0, 40, 40, &n), -EINVAL);
	CHECK_EQ(vmsa_s1_start_level(12, 49), -EINVAL);
	CHECK_EQ(vmsa_s1_start_level(16, 52), 1);
	CHECK_EQ(vmsa_s1_start_level(12, 39), 1);
	CHECK_EQ(vmsa_s1_start_level(12, 15), -EINVAL);
}

static void test_s2_concat_walk(void)
{
	/* 4K, 40-bit IPA, start L1 with 2 concatenated tables (8K). */
	phys_addr_t pgd = RAM_BASE + 0x200000, l2 = pgd + 0x2000,
		    l3 = pgd + 0x3000;
	struct vmsa_walk_cfg c = {
		.stage = 2, .granule_shift = 12, .ia_bits = 40, .oa_bits = 40,
		.ttb = pgd, .fetch = vmsa_fetch_ram, .opaque = mem,
	};
	struct vmsa_walk_result r;
	struct vmsa_fault f;
	unsigned int n;
	u64 ipa = (1ULL << 39) | (3ULL << 30) | (5ULL << 21) | (6ULL << 12) | 7;

	clear(pgd, 0x4000);
	c.start_level = (s8)vmsa_s2_start_level(12, 1, 40, 40, &n);
	CHECK_EQ(c.start_level, 1);
	CHECK_EQ(n, 2);
	CHECK_EQ(vmsa_start_table_size(12, 40, 1), 0x2000);
	/* Index 512 + 3: the second concatenated table. */
	put(pgd + 0x1000, 3, l2 | V | T);
	put(l2, 5, l3 | V | T);
	/* S2AP read-only, MemAttr 0xf, SH 3, XN. */
	put(l3, 6, 0x90000000ULL | V | T | AF | (1 << 6) | (0xf << 2) |
		   (3 << 8) | BIT_ULL(54));
	REQUIRE(vmsa_walk(&c, ipa, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x90000007ULL);
	CHECK_EQ(r.stage, 2);
	CHECK_EQ(r.attr, 0xf);
	CHECK_EQ(r.ap, 1);
	CHECK(r.xn && !r.ng);
	CHECK_EQ(walk_fault(&c, ipa & ~(1ULL << 39), 1, &f), VMSA_F_TRANSLATION);
	CHECK_EQ(f.ipa, ipa & ~(1ULL << 39));
	CHECK_EQ(walk_fault(&c, 1ULL << 40, 0, &f), VMSA_F_TRANSLATION);
	/* Stage-2 blocks: 1G at the concatenated L1. */
	put(pgd + 0x1000, 3, 0xc0000000ULL | V | AF | (3 << 6));
	REQUIRE(vmsa_walk(&c, ipa, &r, &f) == 0);
	CHECK_EQ(r.oa, 0xc0000000ULL + (ipa & GENMASK_ULL(29, 0)));
	/* Table descriptor limits mean nothing at stage 2. */
	put(pgd + 0x1000, 3, l2 | V | T | GENMASK_ULL(62, 59));
	REQUIRE(vmsa_walk(&c, ipa, &r, &f) == 0);
	CHECK(!r.ap_table && !r.xn_table && !r.pxn_table);
}

/* A stage-1 fetch that fails like a stage-2 fault on the table's IPA. */
static int fetch_s2_fault(void *opaque, phys_addr_t addr, u64 *desc,
			  struct vmsa_fault *f)
{
	(void)opaque;
	(void)desc;
	f->type = VMSA_F_TRANSLATION;
	f->stage = 2;
	f->level = 2;
	f->ia = addr;
	f->ipa = addr;
	return -1;
}

static void test_nested_fetch_fault(void)
{
	struct vmsa_walk_cfg c = cfg_s1(12, 48, 48, 0x1000000);
	struct vmsa_walk_result r;
	struct vmsa_fault f;

	c.fetch = fetch_s2_fault;
	REQUIRE(vmsa_walk(&c, 0x1234000, &r, &f) == -1);
	CHECK_EQ(f.type, VMSA_F_TRANSLATION);
	CHECK_EQ(f.stage, 2);
	CHECK_EQ(f.level, 2);
	CHECK(f.s1ptw);
	CHECK_EQ(f.ia, 0x1234000);
	CHECK_EQ(f.ipa, 0x1000000);
}

/* A device window that decodes only its first 4K: reads give a page. */
static int mmio_read(void *opaque, u64 off, unsigned int size, u64 *val,
		     struct mem_attrs attrs)
{
	(void)opaque;
	(void)size;
	(void)attrs;
	if (off >= 0x1000)
		return -EFAULT;
	*val = 0x87654000ULL | V | T | AF;
	return 0;
}

static int mmio_write(void *opaque, u64 off, unsigned int size, u64 val,
		      struct mem_attrs attrs)
{
	(void)opaque;
	(void)off;
	(void)size;
	(void)val;
	(void)attrs;
	return -EFAULT;
}

static const struct mmio_ops mmio = { mmio_read, mmio_write };

/* A table in MMIO goes through the bus; a decode error is an abort. */
static void test_mmio_fetch(void)
{
	phys_addr_t l1 = RAM_BASE + 0x400000, win = 0x20000000;
	struct vmsa_walk_cfg c = cfg_s1(12, 32, 40, l1);
	struct vmsa_walk_result r;
	struct vmsa_fault f;

	REQUIRE(phys_mem_add_mmio(mem, win, 0x4000, &mmio, NULL, "dev") == 0);
	clear(l1, 0x2000);
	put(l1, 0, (l1 + 0x1000) | V | T);
	put(l1 + 0x1000, 0, win | V | T);
	REQUIRE(vmsa_walk(&c, 0x321, &r, &f) == 0);
	CHECK_EQ(r.oa, 0x87654321ULL);
	put(l1 + 0x1000, 0, (win + 0x1000) | V | T);
	CHECK_EQ(walk_fault(&c, 0x321, 3, &f), VMSA_F_EABT);
	CHECK_EQ(f.fetch_addr, win + 0x1000);
}

static bool allowed(const struct vmsa_walk_result *r, unsigned int acc)
{
	struct vmsa_fault f;
	int ret = vmsa_check_perm(r, acc, &f);

	if (ret) {
		CHECK_EQ(f.type, VMSA_F_PERMISSION);
		CHECK_EQ(f.access, acc);
		CHECK_EQ(f.level, r->level);
		CHECK_EQ(f.stage, r->stage);
	}
	return ret == 0;
}

static void test_perms(void)
{
	phys_addr_t l1 = RAM_BASE + 0x300000, l2 = l1 + 0x1000,
		    l3 = l1 + 0x2000;
	struct vmsa_walk_cfg c = cfg_s1(12, 39, 48, l1);
	struct vmsa_walk_result r;
	struct vmsa_fault f;
	const unsigned int R = VMSA_ACC_READ, W = VMSA_ACC_WRITE,
			   X = VMSA_ACC_EXEC, P = VMSA_ACC_PRIV;

	clear(l1, 0x3000);
	put(l1, 0, l2 | V | T);
	put(l2, 0, l3 | V | T);
	/* AP 00: privileged RW only. */
	put(l3, 0, 0x80000000ULL | V | T | AF);
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, R | P) && allowed(&r, W | P) && allowed(&r, X | P));
	CHECK(!allowed(&r, R) && !allowed(&r, W) && allowed(&r, X));
	/* AP 01: RW for both; privileged execution of user-writable is not. */
	put(l3, 0, 0x80000000ULL | V | T | AF | (1 << 6));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, R) && allowed(&r, W) && allowed(&r, W | P));
	CHECK(allowed(&r, X) && !allowed(&r, X | P));
	/* AP 10: privileged read-only. */
	put(l3, 0, 0x80000000ULL | V | T | AF | (2 << 6));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, R | P) && !allowed(&r, W | P) && !allowed(&r, R));
	/* AP 11: read-only for both. */
	put(l3, 0, 0x80000000ULL | V | T | AF | (3 << 6));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, R) && allowed(&r, R | P) && !allowed(&r, W) &&
	      !allowed(&r, W | P) && allowed(&r, X | P));
	/* UXN, PXN. */
	put(l3, 0, 0x80000000ULL | V | T | AF | (3 << 6) | BIT_ULL(54));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(!allowed(&r, X) && allowed(&r, X | P));
	put(l3, 0, 0x80000000ULL | V | T | AF | (3 << 6) | BIT_ULL(53));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, X) && !allowed(&r, X | P));
	/* Hierarchical: APTable[1] no write, APTable[0] no EL0, XNTables. */
	put(l3, 0, 0x80000000ULL | V | T | AF | (1 << 6));
	put(l2, 0, l3 | V | T | BIT_ULL(62));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, R) && !allowed(&r, W) && !allowed(&r, W | P));
	put(l1, 0, l2 | V | T | BIT_ULL(61));
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(!allowed(&r, R) && allowed(&r, R | P));
	put(l1, 0, l2 | V | T | BIT_ULL(60) | BIT_ULL(59));
	put(l2, 0, l3 | V | T);
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(r.xn_table && r.pxn_table);
	CHECK(!allowed(&r, X) && !allowed(&r, X | P) && allowed(&r, W));
	/* HPD ignores them. */
	c.hpd = true;
	REQUIRE(vmsa_walk(&c, 0, &r, &f) == 0);
	CHECK(allowed(&r, X));
	c.hpd = false;

	/* Stage 2: S2AP[0] read, [1] write, XN; privilege is irrelevant. */
	r.stage = 2;
	r.level = 3;
	for (unsigned int ap = 0; ap < 4; ap++) {
		r.ap = (u8)ap;
		r.xn = false;
		CHECK_EQ(allowed(&r, R), !!(ap & 1));
		CHECK_EQ(allowed(&r, W | P), !!(ap & 2));
		CHECK_EQ(allowed(&r, R | W), ap == 3);
		CHECK(allowed(&r, X));
		r.xn = true;
		CHECK(!allowed(&r, X));
	}
}

int main(void)
{
	mem = phys_mem_create();
	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram") == 0);

	test_4k_s1();
	test_small_ia();
	test_16k_64k();
	test_s2_levels();
	test_s2_concat_walk();
	test_nested_fetch_fault();
	test_mmio_fetch();
	test_perms();

	phys_mem_destroy(mem);
	return test_done();
}
