// SPDX-License-Identifier: MIT
/*
 * SMMUv3 TLB invalidation by address: the model visits only the sets an
 * address can live in (per key granule) plus the pieces of larger leaves,
 * and scans everything for long ranges.  Each corner of that is checked
 * against the architecture's rule: an entry goes exactly when the command
 * covers some byte of the leaf it came from, and a stale entry survives
 * every command that does not (blocks hit in many sets, ranges spanning
 * hundreds of pages on both paths, TTL hints, 16K/64K granules mixed with
 * 4K, a 64K stage-1 page keyed by a 4K stage-2 granule).
 */
/* Stale on purpose (tests/smmuv3_rig.h): entries kept by too-narrow TLBIs. */
#define RIG_STALE_ON_PURPOSE	SMMUV3_COHERENCY_REPORT
#include "tests/smmuv3_xlate.h"

#define TG_4K	1
#define TG_16K	2
#define TG_64K	3

static void tlbi_range(struct rig *r, u8 op, u64 va, unsigned int tg,
		       unsigned int ttl, unsigned int num, unsigned int scale)
{
	cmd(r, op | FIELD_PREP(CMD_0_VMID, VMID) | FIELD_PREP(CMD_0_ASID, ASID) |
	    FIELD_PREP(CMD_0_NUM, num) | FIELD_PREP(CMD_0_SCALE, scale),
	    va | FIELD_PREP(CMD_1_TG, tg) | FIELD_PREP(CMD_1_TTL, ttl));
}

static u64 xl_sid(struct rig *r, u32 sid, u64 iova)
{
	u64 out = ~0ULL;

	CHECK_EQ(xl(r, sid, iova, SMMUV3_READ, &out), 0);
	return out;
}

/* A 2M and a 1G block, each cached at pages that hash all over the TLB. */
static void test_blocks(void)
{
	const u64 b2 = 0x40000000ULL, b1g = 0x80000000ULL;
	const u64 a2 = 0x60000000ULL, n2 = 0x60200000ULL;
	const u64 a1g = 0x40000000ULL, n1g = 0x100000000ULL;
	struct smmuv3_config c;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	pt_map(&p, b2, a2, 2, PT_AF | PT_NG);
	pt_map(&p, b1g, a1g, 1, PT_AF | PT_NG);
	for (u64 i = 0; i < 64; i++)
		CHECK_EQ(xl_ok(&r, b2 + i * 0x8000), a2 + i * 0x8000);
	for (u64 i = 0; i < 16; i++)
		CHECK_EQ(xl_ok(&r, b1g + i * 0x4000000 + 0x1000),
			 a1g + i * 0x4000000 + 0x1000);
	pt_map(&p, b2, n2, 2, PT_AF | PT_NG);
	pt_map(&p, b1g, n1g, 1, PT_AF | PT_NG);

	/* 512 pages ending right below the 2M block, and the 4K page right
	 * after it: neither touches it. */
	tlbi_range(&r, CMD_TLBI_NH_VA, b2 - 0x200000, TG_4K, 0, 15, 5);
	tlbi_range(&r, CMD_TLBI_NH_VA, b2 + 0x200000, TG_4K, 0, 0, 0);
	for (u64 i = 0; i < 64; i++)
		CHECK_EQ(xl_ok(&r, b2 + i * 0x8000), a2 + i * 0x8000);
	/* One address (no range) in the last page: every piece goes. */
	tlbi_range(&r, CMD_TLBI_NH_VA, b2 + 0x1ff000, 0, 0, 0, 0);
	for (u64 i = 0; i < 64; i++)
		CHECK_EQ(xl_ok(&r, b2 + i * 0x8000), n2 + i * 0x8000);

	/* Again, with a range hinting the block's level (TTL 2). */
	pt_map(&p, b2, a2, 2, PT_AF | PT_NG);
	tlbi_range(&r, CMD_TLBI_NH_VA, b2 + 0x123000, TG_4K, 2, 0, 0);
	for (u64 i = 0; i < 64; i++)
		CHECK_EQ(xl_ok(&r, b2 + i * 0x8000), a2 + i * 0x8000);

	/* The 1G block: a range starting right after it leaves it, a range
	 * with TTL 1 far from every cached page removes it. */
	tlbi_range(&r, CMD_TLBI_NH_VA, b1g + 0x40000000ULL, TG_4K, 0, 31, 0);
	for (u64 i = 0; i < 16; i++)
		CHECK_EQ(xl_ok(&r, b1g + i * 0x4000000 + 0x1000),
			 a1g + i * 0x4000000 + 0x1000);
	tlbi_range(&r, CMD_TLBI_NH_VA, b1g + 0x23456000ULL, TG_4K, 1, 0, 0);
	for (u64 i = 0; i < 16; i++)
		CHECK_EQ(xl_ok(&r, b1g + i * 0x4000000 + 0x1000),
			 n1g + i * 0x4000000 + 0x1000);

	/* Stage 2 only (SID 5): a 2M block, TLBI_S2_IPA inside it. */
	{
		struct pt s;
		u64 out;

		pt_init(&s, &r, true, 12, 40, 1, 2);
		pt_map(&s, 0x80000000ULL, 0x50000000ULL, 2, PT_AF | PT_S2_RW);
		write_ste(&r, 5, STE_CFG_S2, &s, 1, 0);
		for (u64 i = 0; i < 32; i++) {
			CHECK_EQ(xl(&r, 5, 0x80000000ULL + i * 0x10000,
				    SMMUV3_READ, &out), 0);
			CHECK_EQ(out, 0x50000000ULL + i * 0x10000);
		}
		pt_map(&s, 0x80000000ULL, 0x58000000ULL, 2, PT_AF | PT_S2_RW);
		/* NH_VA never touches stage-2-only entries. */
		tlbi_range(&r, CMD_TLBI_NH_VA, 0x80000000ULL, TG_4K, 0, 31, 4);
		CHECK_EQ(xl(&r, 5, 0x80010000ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x50010000ULL);
		cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID),
		    0x801ff000ULL);
		for (u64 i = 0; i < 32; i++) {
			CHECK_EQ(xl(&r, 5, 0x80000000ULL + i * 0x10000,
				    SMMUV3_READ, &out), 0);
			CHECK_EQ(out, 0x58000000ULL + i * 0x10000);
		}
	}
	rig_destroy(&r);
}

/*
 * Pages [base, base + npages) cached; a range of (num + 1) << scale pages
 * from page first is invalidated.  Exactly those change; the pages right
 * outside (cached last, so no later fill evicted them) survive.
 */
static void range_case(unsigned int tlb_sets, u64 npages, u64 first,
		       unsigned int num, unsigned int scale)
{
	const u64 base = 0x10000000ULL, pa_old = 0x50000000ULL,
		  pa_new = 0x60000000ULL;
	u64 len = (u64)(num + 1) << scale;
	struct smmuv3_config c;
	struct rig r;
	struct pt p;

	REQUIRE(first >= 1 && first + len < npages);
	rig_default_conf(&c);
	c.tlb_sets = tlb_sets;
	rig_init_s1(&r, &c, &p);
	for (u64 i = 0; i < npages; i++)
		pt_map(&p, base + i * 0x1000, pa_old + i * 0x1000, 3, PT_AF | PT_NG);
	for (u64 i = first; i < first + len; i++)
		CHECK_EQ(xl_ok(&r, base + i * 0x1000), pa_old + i * 0x1000);
	CHECK_EQ(xl_ok(&r, base + (first - 1) * 0x1000), pa_old + (first - 1) * 0x1000);
	CHECK_EQ(xl_ok(&r, base + (first + len) * 0x1000), pa_old + (first + len) * 0x1000);
	for (u64 i = 0; i < npages; i++)
		pt_map(&p, base + i * 0x1000, pa_new + i * 0x1000, 3, PT_AF | PT_NG);

	tlbi_range(&r, CMD_TLBI_NH_VA, base + first * 0x1000, TG_4K, 3, num, scale);
	CHECK_EQ(xl_ok(&r, base + (first - 1) * 0x1000), pa_old + (first - 1) * 0x1000);
	CHECK_EQ(xl_ok(&r, base + (first + len) * 0x1000), pa_old + (first + len) * 0x1000);
	for (u64 i = first; i < first + len; i++)
		CHECK_EQ(xl_ok(&r, base + i * 0x1000), pa_new + i * 0x1000);
	rig_destroy(&r);
}

static void test_long_ranges(void)
{
	range_case(0, 300, 7, 7, 5);		/* 256 pages: set by set */
	range_case(0, 2100, 9, 31, 6);		/* 2048 > 1024 sets: full scan */
	range_case(16, 40, 3, 0, 5);		/* 32 > 16 sets: full scan */
	range_case(16, 12, 2, 7, 0);		/* 8 of 16 sets */
}

/* A stream with its own CD (4K, 16K or 64K granule), same VMID and ASID. */
static void stream_s1(struct rig *r, u32 sid, u64 cdaddr, struct pt *p,
		      unsigned int g)
{
	u64 ste[8] = { 0 };

	pt_init(p, r, false, g, 48, s1_start(g, 48), 1);
	write_cd(r, cdaddr, g, 16, p->root, 0);
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_S1) | cdaddr;
	ste[2] = FIELD_PREP(STE_2_S2VMID, VMID);
	ste_write(r, sid, ste);
	cmd_cfgi_ste(r, sid);
}

/*
 * Block i (64K at va + i * 64K) in three streams, SIDs 8..10: a 4K page at
 * +0x3000, a 16K page and a 64K page at +0, all translating +0x3008.
 */
static void map_block(struct pt pt[3], u64 va, u64 i, const u64 pa[3])
{
	static const u64 at[3] = { 0x3000, 0, 0 };

	for (int g = 0; g < 3; g++)
		pt_map(&pt[g], va + i * 0x10000 + at[g], pa[g] + i * 0x10000, 3,
		       PT_AF | PT_NG);
}

static void check_block(struct rig *r, u64 va, u64 i, const u64 pa[3])
{
	CHECK_EQ(xl_sid(r, 8, va + i * 0x10000 + 0x3008), pa[0] + i * 0x10000 + 8);
	CHECK_EQ(xl_sid(r, 9, va + i * 0x10000 + 0x3008), pa[1] + i * 0x10000 + 0x3008);
	CHECK_EQ(xl_sid(r, 10, va + i * 0x10000 + 0x3008), pa[2] + i * 0x10000 + 0x3008);
}

/* 4K, 16K and 64K pages cached at once; commands reach each granule. */
static void test_granules(void)
{
	static const u64 old[3] = { 0x50000000ULL, 0x51000000ULL, 0x52000000ULL };
	static const u64 new[3] = { 0x58000000ULL, 0x59000000ULL, 0x5a000000ULL };
	const u64 va = 0x20000000ULL;
	struct smmuv3_config c;
	struct pt pt[3];
	struct rig r;

	rig_default_conf(&c);
	rig_init(&r, &c);
	stream_s1(&r, 8, CDPTR + 0x1000, &pt[0], 12);
	stream_s1(&r, 9, CDPTR + 0x2000, &pt[1], 14);
	stream_s1(&r, 10, CDPTR + 0x3000, &pt[2], 16);
	for (u64 i = 0; i < 4; i++) {
		map_block(pt, va, i, old);
		check_block(&r, va, i, old);
	}
	for (u64 i = 0; i < 4; i++)
		map_block(pt, va, i, new);

	/* Address 0x2000 of block 0 (no range): the 16K page [0, 0x4000)
	 * and the 64K page, not the 4K page at 0x3000. */
	tlbi_range(&r, CMD_TLBI_NH_VA, va + 0x2000, 0, 0, 0, 0);
	check_block(&r, va, 0, (const u64[3]){ old[0], new[1], new[2] });
	/* TG 16K, the page [0x14000, 0x18000) of block 1: it covers the 64K
	 * page, not the 16K page [0x10000, 0x14000) nor the 4K page 0x13000. */
	tlbi_range(&r, CMD_TLBI_NH_VA, va + 0x14000, TG_16K, 0, 0, 0);
	check_block(&r, va, 1, (const u64[3]){ old[0], old[1], new[2] });
	/* TG 64K, NUM 1: blocks 2 and 3 in every granule. */
	tlbi_range(&r, CMD_TLBI_NH_VA, va + 0x20000, TG_64K, 0, 1, 0);
	check_block(&r, va, 2, new);
	check_block(&r, va, 3, new);
	/* Another VMID's range covers nothing of ours. */
	cmd(&r, CMD_TLBI_NH_VAA | FIELD_PREP(CMD_0_VMID, VMID + 1),
	    va | FIELD_PREP(CMD_1_TG, TG_64K));
	CHECK_EQ(xl_sid(&r, 8, va + 0x3008), 0x50000008ULL);
	rig_destroy(&r);
}

/* Nested, 64K stage 1 over 4K stage 2: the 64K leaf is keyed by 4K pages. */
static void test_nested_big_leaf(void)
{
	struct smmuv3_config c;
	struct nested n;
	struct rig r;

	rig_default_conf(&c);
	rig_init(&r, &c);
	nested_setup2(&r, &n, 16, 12);
	pt_map(&n.s1, 0x70000, 0x100000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x70008), 0x50000008ULL);
	CHECK_EQ(xl_ok(&r, 0x71008), 0x50001008ULL);
	pt_map(&n.s1, 0x70000, 0x60000000ULL, 3, PT_AF | PT_NG);
	/* The next 64K, and the IPA of the leaf by S2_IPA: no effect. */
	tlbi_range(&r, CMD_TLBI_NH_VA, 0x80000, 0, 0, 0, 0);
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x100000000ULL);
	CHECK_EQ(xl_ok(&r, 0x70008), 0x50000008ULL);
	CHECK_EQ(xl_ok(&r, 0x71008), 0x50001008ULL);
	/* The last 4K of the 64K page removes both 4K pieces. */
	tlbi_range(&r, CMD_TLBI_NH_VA, 0x7f000, 0, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x70008), 0x60000008ULL);
	CHECK_EQ(xl_ok(&r, 0x71008), 0x60001008ULL);
	rig_destroy(&r);
}

/* Many fills through a tiny TLB, then ranges: the side structures follow
 * every eviction and replacement. */
static void test_churn(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	c.tlb_sets = 2;
	rig_init_s1(&r, &c, &p);
	pt_map(&p, 0x40000000ULL, 0x60000000ULL, 2, PT_AF | PT_NG);
	for (u64 i = 0; i < 64; i++)
		pt_map(&p, 0x100000 + i * 0x1000, 0x50000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	for (int round = 0; round < 3; round++) {
		for (u64 i = 0; i < 64; i++) {
			CHECK_EQ(xl_ok(&r, 0x100000 + i * 0x1000),
				 0x50000000ULL + i * 0x1000);
			CHECK_EQ(xl_ok(&r, 0x40000000ULL + i * 0x3000),
				 0x60000000ULL + i * 0x3000);
		}
		/* The block is cached in some way; move it, invalidate one
		 * address, and it must be gone whichever pieces survived. */
		pt_map(&p, 0x40000000ULL, 0x62000000ULL, 2, PT_AF | PT_NG);
		tlbi_range(&r, CMD_TLBI_NH_VA, 0x40000000ULL, TG_4K, 0, 0, 0);
		for (u64 i = 0; i < 64; i++)
			CHECK_EQ(xl_ok(&r, 0x40000000ULL + i * 0x3000),
				 0x62000000ULL + i * 0x3000);
		pt_map(&p, 0x40000000ULL, 0x60000000ULL, 2, PT_AF | PT_NG);
		tlbi_range(&r, CMD_TLBI_NH_VA, 0x401ff000ULL, 0, 0, 0, 0);
	}
	rig_destroy(&r);
}

int main(void)
{
	test_blocks();
	test_long_ranges();
	test_granules();
	test_nested_big_leaf();
	test_churn();
	return test_done();
}
