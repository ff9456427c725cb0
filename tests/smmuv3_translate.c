/*
 * SMMUv3 translation: stage 1, stage 2 and nested walks for each granule,
 * each fault with its event record, the TLB's tagging (a stale entry
 * survives until the command that architecturally removes it), event queue
 * overflow, and translations racing invalidations on several threads.
 */
#include <pthread.h>

#include "hw/endpoint.h"
#include "tests/smmuv3_rig.h"

#define SID		4
#define CDPTR		0x40100000ULL
#define ASID		7
#define VMID		3

static u64 ev[4];

/* Translate; on a fault pop its record into ev (zeroed when none). */
static int xl(struct rig *r, u32 sid, u64 iova, unsigned int acc, u64 *out)
{
	struct smmuv3_result res;
	int ret = smmuv3_translate(r->smmu, sid, SMMUV3_NO_SSID, iova, acc, &res);

	memset(ev, 0, sizeof(ev));
	if (ret) {
		if (res.recorded) {
			CHECK(evt_pop(r, ev));
			CHECK_EQ(FIELD_GET(EVT_0_TYPE, ev[0]), ret);
			CHECK_EQ(FIELD_GET(EVT_0_SID, ev[0]), sid);
		}
		CHECK_EQ(evt_drain(r), 0);
	} else if (out) {
		*out = res.addr;
	}
	return ret;
}

static u64 xl_ok(struct rig *r, u64 iova)
{
	u64 out = ~0ULL;
	int ret = xl(r, SID, iova, SMMUV3_READ, &out);

	CHECK_EQ(ret, 0);
	return out;
}

static unsigned int tg0(unsigned int g)
{
	return g == 12 ? 0 : g == 16 ? 1 : 2;
}

static void write_cd(struct rig *r, u64 addr, unsigned int g, unsigned int tsz,
		     u64 ttb0, u64 extra)
{
	u64 cd[8] = { 0 };

	cd[0] = FIELD_PREP(CD_0_T0SZ, tsz) | FIELD_PREP(CD_0_TG0, tg0(g)) |
		CD_0_EPD1 | CD_0_V | FIELD_PREP(CD_0_IPS, 5) | CD_0_AA64 |
		CD_0_R | FIELD_PREP(CD_0_ASID, ASID) | extra;
	cd[1] = ttb0;
	REQUIRE(phys_write(r->mem, addr, cd, 64) == 0);
}

static void write_ste(struct rig *r, u32 sid, unsigned int config,
		      const struct pt *s2, unsigned int sl0, u64 extra2)
{
	u64 ste[8] = { 0 };

	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, config) | CDPTR;
	ste[2] = FIELD_PREP(STE_2_S2VMID, VMID) | STE_2_S2AA64 | STE_2_S2R |
		 FIELD_PREP(STE_2_S2PS, 5) | extra2;
	if (s2) {
		ste[2] |= FIELD_PREP(STE_2_S2T0SZ, 64 - s2->ia_bits) |
			  FIELD_PREP(STE_2_S2SL0, sl0) |
			  FIELD_PREP(STE_2_S2TG, s2->gshift == 12 ? 0 :
						 s2->gshift == 16 ? 1 : 2);
		ste[3] = s2->root;
	}
	ste_write(r, sid, ste);
	cmd_cfgi_ste(r, sid);
}

static int s1_start(unsigned int g, unsigned int ia)
{
	return 4 - (int)DIV_ROUND_UP(ia - g, g - 3);
}

/* Stage 1 alone, every granule, pages and blocks. */
static void test_s1(void)
{
	static const unsigned int gs[] = { 12, 14, 16 };
	struct smmuv3_config c;
	struct rig r;

	for (unsigned int i = 0; i < ARRAY_SIZE(gs); i++) {
		unsigned int g = gs[i];
		u64 blk = 1ULL << (g + (g - 3));	/* level-2 block */
		u64 va = 0x123456789000ULL & ~((1ULL << g) - 1), pa = 0x50000000ULL;
		u64 bva = 0x7f0000000000ULL & ~(blk - 1);
		struct pt p;

		rig_default_conf(&c);
		rig_init(&r, &c);
		pt_init(&p, &r, false, g, 48, s1_start(g, 48), 1);
		pt_map(&p, va, pa, 3, PT_AF);
		pt_map(&p, bva, 0x60000000ULL & ~(blk - 1), 2, PT_AF);
		write_cd(&r, CDPTR, g, 16, p.root, 0);
		write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);

		CHECK_EQ(xl_ok(&r, va + 0x123), pa + 0x123);
		CHECK_EQ(xl_ok(&r, va + 0x123), pa + 0x123);	/* TLB hit */
		CHECK_EQ(xl_ok(&r, bva + blk - 8),
			 (0x60000000ULL & ~(blk - 1)) + blk - 8);
		/* Unmapped: F_TRANSLATION with the input address, read, stage 1. */
		CHECK_EQ(xl(&r, SID, va + (1ULL << g), SMMUV3_READ, NULL),
			 EVT_F_TRANSLATION);
		CHECK_EQ(ev[2], va + (1ULL << g));
		CHECK(ev[1] & EVT_1_RNW);
		CHECK(!(ev[1] & EVT_1_S2));
		CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_IN);
		/* Beyond the 48-bit input range, and the TTB1 half with EPD1. */
		CHECK_EQ(xl(&r, SID, 1ULL << 48, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
		CHECK_EQ(xl(&r, SID, ~0ULL << 20, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
		rig_destroy(&r);
	}
}

/* Stage 2 alone, every granule, with concatenated start tables. */
static void test_s2(void)
{
	static const struct { unsigned int g, ia, sl0, start; } cases[] = {
		{ 12, 40, 1, 1 },	/* 2 concatenated level-1 tables */
		{ 12, 43, 1, 1 },	/* 16 */
		{ 12, 48, 2, 0 },
		{ 14, 40, 2, 1 },
		{ 14, 47, 2, 1 },
		{ 16, 40, 1, 2 },
		{ 16, 45, 1, 2 },	/* 8 concatenated level-2 tables */
	};
	struct smmuv3_config c;
	struct rig r;

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned int g = cases[i].g, ia = cases[i].ia;
		unsigned int sl0 = cases[i].sl0;
		int start = cases[i].start;
		u64 ipa = (1ULL << (ia - 1)) + 0x5000 * 16, pa = 0x50010000ULL;
		struct pt p;

		ipa &= ~((1ULL << g) - 1);
		rig_default_conf(&c);
		c.oas_bits = 48;
		rig_init(&r, &c);
		pt_init(&p, &r, true, g, ia, start, 1);
		pt_map(&p, ipa, pa, 3, PT_AF | PT_S2_RW);
		write_ste(&r, SID, STE_CFG_S2, &p, sl0, 0);
		CHECK_EQ(xl_ok(&r, ipa + 0x10), pa + 0x10);
		CHECK_EQ(xl(&r, SID, ipa + (1ULL << g), SMMUV3_WRITE, NULL),
			 EVT_F_TRANSLATION);
		CHECK(ev[1] & EVT_1_S2);
		CHECK(!(ev[1] & EVT_1_RNW));
		CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_IN);
		CHECK_EQ(ev[3], ipa + (1ULL << g));
		rig_destroy(&r);
	}
}

/*
 * Nested: S2 maps RAM at IPA == PA with a 1G block (so S1 tables and the
 * CD are reachable) and IPA 0x100000000 -> PA 0x50000000.
 */
struct nested {
	struct pt s1, s2;
};

static void nested_setup(struct rig *r, struct nested *n, unsigned int g1)
{
	pt_init(&n->s2, r, true, 12, 48, 0, 1);
	pt_map(&n->s2, RIG_RAM_BASE, RIG_RAM_BASE, 1, PT_AF | PT_S2_RW);
	pt_map(&n->s2, 0x100000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
	pt_map(&n->s2, 0x100001000ULL, 0x50001000ULL, 3, PT_AF | PT_S2_RO);
	pt_init(&n->s1, r, false, g1, 48, s1_start(g1, 48), 1);
	write_cd(r, CDPTR, g1, 16, n->s1.root, 0);
	write_ste(r, SID, STE_CFG_NESTED, &n->s2, 2, 0);
}

static void test_nested(void)
{
	static const unsigned int gs[] = { 12, 14, 16 };
	struct smmuv3_config c;
	struct rig r;
	struct nested n;

	for (unsigned int i = 0; i < ARRAY_SIZE(gs); i++) {
		unsigned int g = gs[i];
		u64 va = 0x0000123450000000ULL;

		rig_default_conf(&c);
		rig_init(&r, &c);
		nested_setup(&r, &n, g);
		pt_map(&n.s1, va, 0x100000000ULL, 3, PT_AF);
		CHECK_EQ(xl_ok(&r, va + 0xabc), 0x50000abcULL);
		/* S1 output beyond what S2 maps: S2=1, CLASS=IN, IPA. */
		pt_map(&n.s1, va + (4ULL << g), 0x200000000ULL, 3, PT_AF);
		CHECK_EQ(xl(&r, SID, va + (4ULL << g), SMMUV3_READ, NULL),
			 EVT_F_TRANSLATION);
		CHECK(ev[1] & EVT_1_S2);
		CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_IN);
		CHECK_EQ(ev[3], 0x200000000ULL);
		CHECK_EQ(ev[2], va + (4ULL << g));
		rig_destroy(&r);
	}

	/* A stage-1 table at an IPA stage 2 does not map: S2=1, CLASS=TT. */
	rig_default_conf(&c);
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	write_cd(&r, CDPTR, 12, 16, 0x300000000ULL, 0);
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_WRITE, NULL), EVT_F_TRANSLATION);
	CHECK(ev[1] & EVT_1_S2);
	CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_TT);
	CHECK(ev[1] & EVT_1_TT_READ);
	CHECK(!(ev[1] & EVT_1_RNW));	/* the transaction was a write */
	CHECK_EQ(ev[3], 0x300000000ULL);
	CHECK_EQ(ev[2], 0x1000);

	/* The CD itself at an unmapped IPA: S2=1, CLASS=CD. */
	{
		u64 ste[8] = { 0 };

		REQUIRE(phys_read(r.mem, RIG_STRTAB + SID * 64, ste, 64) == 0);
		ste[0] = (ste[0] & ~STE_0_S1CTXPTR) | 0x400000000ULL;
		ste_write(&r, SID, ste);
		cmd_cfgi_ste(&r, SID);
		CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
		CHECK(ev[1] & EVT_1_S2);
		CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_CD);
		CHECK_EQ(ev[3], 0x400000000ULL);
	}
	rig_destroy(&r);

	/* Stage-2 permission on the final output; stage-1 first. */
	rig_default_conf(&c);
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x8000, 0x100001000ULL, 3, PT_AF);
	pt_map(&n.s1, 0x9000, 0x100001000ULL, 3, PT_AF | PT_S1_RO);
	CHECK_EQ(xl_ok(&r, 0x8010), 0x50001010ULL);
	CHECK_EQ(xl(&r, SID, 0x8010, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(ev[1] & EVT_1_S2);
	CHECK_EQ(ev[3], 0x100001000ULL);
	CHECK_EQ(xl(&r, SID, 0x9010, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(!(ev[1] & EVT_1_S2));
	rig_destroy(&r);
}

static void test_faults(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init(&r, &c);
	pt_init(&p, &r, false, 12, 48, 0, 1);
	write_cd(&r, CDPTR, 12, 16, p.root, 0);
	write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);

	pt_map(&p, 0x1000, 0x50000000ULL, 3, 0);		/* AF = 0 */
	pt_map(&p, 0x2000, 0x50000000ULL, 3, PT_AF | PT_S1_RO);
	pt_map(&p, 0x3000, 0x50000000ULL, 3, PT_S1_RO);		/* AF=0 and RO */
	pt_map(&p, 0x5000, 0x50000000ULL, 3, PT_AF | PT_XN);
	pt_map(&p, 0x6000, 0x50000000ULL, 3, PT_AF | PT_PXN | PT_S1_USER);
	pt_map(&p, 0x7000, 0x50000000ULL, 3, PT_AF | PT_S1_PRIVONLY);

	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), EVT_F_ACCESS);
	CHECK_EQ(xl(&r, SID, 0x2000, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(!(ev[1] & EVT_1_RNW));
	CHECK_EQ(ev[2], 0x2000);
	CHECK_EQ(xl_ok(&r, 0x2000), 0x50000000ULL);
	/* Access flag before permission. */
	CHECK_EQ(xl(&r, SID, 0x3000, SMMUV3_WRITE, NULL), EVT_F_ACCESS);
	/* Instruction fetches: XN; PnU and InD in the record. */
	CHECK_EQ(xl(&r, SID, 0x5000, SMMUV3_EXEC | SMMUV3_PRIV, NULL),
		 EVT_F_PERMISSION);
	CHECK(ev[1] & EVT_1_IND);
	CHECK(ev[1] & EVT_1_PNU);
	CHECK_EQ(xl(&r, SID, 0x6000, SMMUV3_EXEC | SMMUV3_PRIV, NULL),
		 EVT_F_PERMISSION);
	CHECK_EQ(xl(&r, SID, 0x6000, SMMUV3_READ | SMMUV3_EXEC, NULL), 0);
	/* Unprivileged access to a privileged-only page. */
	CHECK_EQ(xl(&r, SID, 0x7000, SMMUV3_READ, NULL), EVT_F_PERMISSION);
	CHECK(!(ev[1] & EVT_1_PNU));
	CHECK_EQ(xl(&r, SID, 0x7000, SMMUV3_READ | SMMUV3_PRIV, NULL), 0);

	/* CD.AFFD: no access flag faults.  CD.R = 0: faults not recorded. */
	write_cd(&r, CDPTR, 12, 16, p.root, CD_0_AFFD);
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), 0);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), 0);
	write_cd(&r, CDPTR, 12, 16, p.root, 0);
	{
		u64 cd0;

		phys_read64(r.mem, CDPTR, &cd0);
		phys_write64(r.mem, CDPTR, cd0 & ~CD_0_R);
	}
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), 0);
	CHECK_EQ(smmuv3_translate(r.smmu, SID, SMMUV3_NO_SSID, 0x9000, SMMUV3_READ,
				  &res), EVT_F_TRANSLATION);
	CHECK(!res.recorded);
	CHECK_EQ(evt_drain(&r), 0);

	/* Walk into no memory: F_WALK_EABT (recorded even with R = 0). */
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	write_cd(&r, CDPTR, 12, 16, 0x200000000ULL, 0);
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), 0);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), EVT_F_WALK_EABT);
	CHECK_EQ(ev[3], 0x200000000ULL);
	CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_TT);

	/* IPS = 32 bits: an output above 4G is an address size fault. */
	write_cd(&r, CDPTR, 12, 16, p.root, 0);
	{
		u64 cd0;

		phys_read64(r.mem, CDPTR, &cd0);
		phys_write64(r.mem, CDPTR, (cd0 & ~CD_0_IPS) | FIELD_PREP(CD_0_IPS, 0));
	}
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), 0);
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID), 0);
	pt_map(&p, 0x8000, 0x100000000ULL, 3, PT_AF);
	CHECK_EQ(xl(&r, SID, 0x8000, SMMUV3_READ, NULL), EVT_F_ADDR_SIZE);
	rig_destroy(&r);
}

static void test_tbi_ttb1(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p0, p1;
	u64 cd[8] = { 0 };

	rig_default_conf(&c);
	rig_init(&r, &c);
	pt_init(&p0, &r, false, 12, 48, 0, 1);
	pt_init(&p1, &r, false, 12, 39, 1, 1);
	pt_map(&p0, 0x1000, 0x50000000ULL, 3, PT_AF);
	pt_map(&p1, 0xffffff8000002000ULL, 0x50002000ULL, 3, PT_AF);
	cd[0] = FIELD_PREP(CD_0_T0SZ, 16) | FIELD_PREP(CD_0_T1SZ, 25) |
		FIELD_PREP(CD_0_TG1, 2) | CD_0_V | FIELD_PREP(CD_0_IPS, 5) |
		CD_0_AA64 | CD_0_R | FIELD_PREP(CD_0_ASID, ASID) |
		FIELD_PREP(CD_0_TBI, 1);
	cd[1] = p0.root;
	cd[2] = p1.root;
	REQUIRE(phys_write(r.mem, CDPTR, cd, 64) == 0);
	write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);

	CHECK_EQ(xl_ok(&r, 0x1008), 0x50000008ULL);
	CHECK_EQ(xl_ok(&r, 0x5a00000000001008ULL), 0x50000008ULL);	/* TBI0 */
	CHECK_EQ(xl_ok(&r, 0xffffff8000002010ULL), 0x50002010ULL);
	/* No TBI for the upper half: a tag is a translation fault. */
	CHECK_EQ(xl(&r, SID, 0xa5ffff8000002010ULL, SMMUV3_READ, NULL),
		 EVT_F_TRANSLATION);
	/* Below TTB1's 39-bit range. */
	CHECK_EQ(xl(&r, SID, 0xffff000000002000ULL, SMMUV3_READ, NULL),
		 EVT_F_TRANSLATION);
	rig_destroy(&r);
}

static void tlbi_va(struct rig *r, u8 op, u16 asid, u64 va, unsigned int tg,
		    unsigned int num, unsigned int scale)
{
	cmd(r, op | FIELD_PREP(CMD_0_VMID, VMID) | FIELD_PREP(CMD_0_ASID, asid) |
	    FIELD_PREP(CMD_0_NUM, num) | FIELD_PREP(CMD_0_SCALE, scale),
	    va | FIELD_PREP(CMD_1_TG, tg));
}

static void test_tlb_s1(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;
	u64 blk = 0x60000000ULL + 0x200000ULL * 9;

	rig_default_conf(&c);
	rig_init(&r, &c);
	pt_init(&p, &r, false, 12, 48, 0, 1);
	write_cd(&r, CDPTR, 12, 16, p.root, 0);
	write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);
	for (u64 i = 0; i < 8; i++)
		pt_map(&p, 0x10000 + i * 0x1000, 0x50000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	pt_map(&p, 0x20000, 0x51000000ULL, 3, PT_AF);		/* global */
	pt_map(&p, 0x40000000ULL, blk, 2, PT_AF | PT_NG);	/* 2M block */

	for (u64 i = 0; i < 8; i++)
		CHECK_EQ(xl_ok(&r, 0x10000 + i * 0x1000), 0x50000000ULL + i * 0x1000);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x51000000ULL);
	CHECK_EQ(xl_ok(&r, 0x40001000ULL), blk + 0x1000);
	CHECK_EQ(xl_ok(&r, 0x401ff000ULL), blk + 0x1ff000);

	/* Remap everything: the TLB keeps the old translations. */
	for (u64 i = 0; i < 8; i++)
		pt_map(&p, 0x10000 + i * 0x1000, 0x58000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	pt_map(&p, 0x20000, 0x59000000ULL, 3, PT_AF);
	pt_map(&p, 0x40000000ULL, 0x5a000000ULL, 2, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x51000000ULL);

	/* Commands that do not cover the entries leave them. */
	cmd(&r, CMD_CFGI_STE_RANGE, 31);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID + 1), 0);
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID + 1), 0);
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x10000);
	cmd(&r, CMD_TLBI_EL2_ALL, 0);
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID + 1, 0x10000, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(xl_ok(&r, 0x401ff000ULL), blk + 0x1ff000);

	/* NH_VA with the right ASID: that page only. */
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x10000, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	CHECK_EQ(xl_ok(&r, 0x11000), 0x50001000ULL);
	/* Range: TG 4K, NUM 2 -> pages 0x12000..0x14000. */
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x12000, 1, 2, 0);
	CHECK_EQ(xl_ok(&r, 0x11000), 0x50001000ULL);
	CHECK_EQ(xl_ok(&r, 0x12000), 0x58002000ULL);
	CHECK_EQ(xl_ok(&r, 0x14000), 0x58004000ULL);
	CHECK_EQ(xl_ok(&r, 0x15000), 0x50005000ULL);
	/* SCALE: (NUM+1) << SCALE pages: 0x15000 + 2 pages. */
	tlbi_va(&r, CMD_TLBI_NH_VAA, 0, 0x15000, 1, 0, 1);
	CHECK_EQ(xl_ok(&r, 0x16000), 0x58006000ULL);
	CHECK_EQ(xl_ok(&r, 0x17000), 0x50007000ULL);
	/* An address inside a block removes the whole block. */
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x40100000ULL, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x401ff000ULL), 0x5a000000ULL + 0x1ff000);

	/* A global entry survives NH_ASID, not NH_VA of any ASID. */
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID), 0);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x51000000ULL);
	CHECK_EQ(xl_ok(&r, 0x17000), 0x58007000ULL);
	tlbi_va(&r, CMD_TLBI_NH_VA, 99, 0x20000, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x59000000ULL);

	/* A new CD with a new TTB0 but the same ASID: old entries still hit
	 * (CFGI_* never touch the TLB); NSNH_ALL removes them. */
	{
		struct pt q;

		pt_init(&q, &r, false, 12, 48, 0, 1);
		pt_map(&q, 0x20000, 0x5b000000ULL, 3, PT_AF);
		write_cd(&r, CDPTR, 12, 16, q.root, 0);
		cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
		CHECK_EQ(xl_ok(&r, 0x20000), 0x59000000ULL);
		cmd(&r, CMD_TLBI_NSNH_ALL, 0);
		CHECK_EQ(xl_ok(&r, 0x20000), 0x5b000000ULL);
		write_cd(&r, CDPTR, 12, 16, p.root, 0);
		cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
	}

	/* A permission fault from the cached entry, though the PTE is now RW. */
	pt_map(&p, 0x30000, 0x52000000ULL, 3, PT_AF | PT_S1_RO | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x30000), 0x52000000ULL);
	pt_map(&p, 0x30000, 0x52000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl(&r, SID, 0x30000, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x30000, 0, 0, 0);
	CHECK_EQ(xl(&r, SID, 0x30000, SMMUV3_WRITE, NULL), 0);
	rig_destroy(&r);
}

static void test_tlb_s2_nested_el2(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct nested n;
	struct pt p;

	rig_default_conf(&c);
	rig_init(&r, &c);
	/* Stage 2 only on SID 5. */
	pt_init(&p, &r, true, 12, 40, 1, 2);
	pt_map(&p, 0x80000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
	write_ste(&r, 5, STE_CFG_S2, &p, 1, 0);
	CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, NULL), 0);
	pt_map(&p, 0x80000000ULL, 0x58000000ULL, 3, PT_AF | PT_S2_RW);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	{
		u64 out;

		CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x50000010ULL);
		cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x80000000ULL);
		CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x58000010ULL);
		pt_map(&p, 0x80000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
		cmd(&r, CMD_TLBI_S12_VMALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
		CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x50000010ULL);
	}

	/* Nested on SID 4: a combined entry outlives TLBI_S2_IPA. */
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x7000, 0x100000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x7008), 0x50000008ULL);
	pt_map(&n.s2, 0x100000000ULL, 0x5c000000ULL, 3, PT_AF | PT_S2_RW);
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x100000000ULL);
	CHECK_EQ(xl_ok(&r, 0x7008), 0x50000008ULL);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	CHECK_EQ(xl_ok(&r, 0x7008), 0x5c000008ULL);

	/* EL2 StreamWorld on SID 6: only TLBI_EL2_* remove its entries. */
	{
		u64 ste[8] = { 0 }, out;
		struct pt p1;

		pt_init(&p1, &r, false, 12, 48, 0, 1);
		pt_map(&p1, 0x3000, 0x53000000ULL, 3, PT_AF);
		write_cd(&r, CDPTR + 0x1000, 12, 16, p1.root, 0);
		ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_S1) |
			 (CDPTR + 0x1000);
		ste[1] = FIELD_PREP(STE_1_STRW, 2);
		ste_write(&r, 6, ste);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x53000000ULL);
		pt_map(&p1, 0x3000, 0x54000000ULL, 3, PT_AF);
		cmd(&r, CMD_TLBI_NSNH_ALL, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x53000000ULL);
		tlbi_va(&r, CMD_TLBI_EL2_VAA, 0, 0x3000, 0, 0, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x54000000ULL);
		pt_map(&p1, 0x3000, 0x55000000ULL, 3, PT_AF);
		cmd(&r, CMD_TLBI_EL2_ALL, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x55000000ULL);
	}
	rig_destroy(&r);
}

static void test_evtq_overflow(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	unsigned int recorded = 0;
	u32 prod;

	rig_default_conf(&c);
	rig_init(&r, &c);
	/* 40 faults into a 32-entry queue nobody drains. */
	for (u32 i = 0; i < 40; i++) {
		CHECK_EQ(smmuv3_translate(r.smmu, 300 + i, SMMUV3_NO_SSID, 0,
					  SMMUV3_READ, &res), EVT_C_BAD_STREAMID);
		recorded += res.recorded;
	}
	CHECK_EQ(recorded, 32);
	prod = rd32(&r, SMMU_EVENTQ_PROD);
	CHECK(prod & EVTQ_PROD_OVFLG);
	CHECK_EQ(prod & 0x3f, 32);	/* full: index 0, wrap 1 */
	CHECK_EQ(r.nr_evtq_irq, 32);
	CHECK_EQ(rd32(&r, SMMU_GERROR), 0);
	/* The records are the first 32. */
	{
		u64 rec[4];

		CHECK(evt_pop(&r, rec));
		CHECK_EQ(FIELD_GET(EVT_0_SID, rec[0]), 300);
	}
	CHECK_EQ(evt_drain(&r), 31);
	/* The driver acknowledges the overflow; recording resumes. */
	wr32(&r, SMMU_EVENTQ_CONS, rd32(&r, SMMU_EVENTQ_CONS) | EVTQ_CONS_OVACKFLG);
	smmuv3_translate(r.smmu, 999, SMMUV3_NO_SSID, 0, SMMUV3_READ, &res);
	CHECK(res.recorded);
	CHECK(rd32(&r, SMMU_EVENTQ_PROD) & EVTQ_PROD_OVFLG);
	CHECK_EQ(evt_drain(&r), 1);

	/* A queue in no memory: GERROR.EVTQ_ABT_ERR, the record is lost. */
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN);
	wr64(&r, SMMU_EVENTQ_BASE, 0x200000000ULL | 2);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	smmuv3_translate(r.smmu, 999, SMMUV3_NO_SSID, 0, SMMUV3_READ, &res);
	CHECK(!res.recorded);
	CHECK_EQ(rd32(&r, SMMU_GERROR) & GERROR_EVTQ_ABT_ERR, GERROR_EVTQ_ABT_ERR);
	rig_destroy(&r);

	/* Event queue interrupt as an MSI. */
	rig_default_conf(&c);
	rig_create(&r, &c);
	wr64(&r, SMMU_EVENTQ_IRQ_CFG0, 0x40090000ULL);
	wr32(&r, SMMU_EVENTQ_IRQ_CFG1, 0x77);
	wr64(&r, SMMU_STRTAB_BASE, RIG_STRTAB);
	wr32(&r, SMMU_STRTAB_BASE_CFG, 8);
	wr64(&r, SMMU_CMDQ_BASE, RIG_CMDQ | RIG_CMDQ_LOG2);
	wr64(&r, SMMU_EVENTQ_BASE, RIG_EVTQ | RIG_EVTQ_LOG2);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	smmuv3_translate(r.smmu, 999, SMMUV3_NO_SSID, 0, SMMUV3_READ, &res);
	CHECK(res.recorded);
	CHECK_EQ(*(u32 *)phys_ram_ptr(r.mem, 0x40090000ULL, 4), 0x77);
	CHECK_EQ(r.nr_evtq_irq, 0);
	rig_destroy(&r);
}

/* Translations on two threads while the main thread invalidates. */
struct racer {
	struct rig *r;
	int bad;
	int stop;
};

static void *race_fn(void *arg)
{
	struct racer *rc = arg;
	struct smmuv3_result res;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_RELAXED)) {
		for (u64 i = 0; i < 64; i++) {
			int ret = smmuv3_translate(rc->r->smmu, SID, SMMUV3_NO_SSID,
						   0x100000 + i * 0x1000 + 8,
						   SMMUV3_READ, &res);
			u64 off = res.addr & 0xffffff;

			if (ret || off != i * 0x1000 + 8 ||
			    (res.addr >> 24 != 0x50 && res.addr >> 24 != 0x51))
				__atomic_fetch_add(&rc->bad, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void test_threads(void)
{
	struct smmuv3_config c;
	struct racer rc = { 0 };
	pthread_t t[2];
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	c.tlb_sets = 16;	/* small: force evictions too */
	rig_init(&r, &c);
	pt_init(&p, &r, false, 12, 48, 0, 1);
	write_cd(&r, CDPTR, 12, 16, p.root, 0);
	write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);
	for (u64 i = 0; i < 64; i++)
		pt_map(&p, 0x100000 + i * 0x1000, 0x50000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	rc.r = &r;
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&t[i], NULL, race_fn, &rc) == 0);
	for (int n = 0; n < 2000; n++) {
		u64 base = (n & 1) ? 0x51000000ULL : 0x50000000ULL;

		for (u64 i = 0; i < 64; i += 8)
			pt_map(&p, 0x100000 + i * 0x1000, base + i * 0x1000, 3,
			       PT_AF | PT_NG);
		cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
		    FIELD_PREP(CMD_0_ASID, ASID), 0);
		if (!(n % 16))
			cmd_cfgi_ste(&r, SID);
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(rc.bad, 0);
	rig_destroy(&r);
}

/*
 * Random descriptors in a region of table pages (pointers kept inside the
 * region so walks go deep), random configurations and addresses: every
 * outcome is a translation or an architected fault, never a crash.
 */
static void test_garbage_tables(void)
{
	const u64 region = 0x42000000ULL, npages = 64;
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	u64 seed = 99;
	unsigned int ok = 0, faults = 0;

	rig_default_conf(&c);
	rig_init(&r, &c);
	for (int round = 0; round < 40; round++) {
		u64 *t = phys_ram_ptr(r.mem, region, npages * 4096);
		u64 ste[8] = { 0 }, cd[8] = { 0 };

		for (u64 i = 0; i < npages * 512; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			t[i] = (seed & (GENMASK_ULL(63, 48) | GENMASK_ULL(11, 0))) |
			       (region + ((seed >> 20) % npages) * 4096);
			if ((seed >> 40) % 4 == 0)
				t[i] |= 0x403;	/* valid page/table with AF */
		}
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, 5 + (round % 3)) | CDPTR;
		ste[2] = FIELD_PREP(STE_2_S2VMID, round) | STE_2_S2AA64 |
			 STE_2_S2R | FIELD_PREP(STE_2_S2PS, seed % 6) |
			 FIELD_PREP(STE_2_S2T0SZ, 16 + (seed >> 8) % 24) |
			 FIELD_PREP(STE_2_S2SL0, (seed >> 16) % 3) |
			 FIELD_PREP(STE_2_S2TG, (seed >> 24) % 3);
		ste[3] = region + ((seed >> 32) % npages) * 4096;
		cd[0] = FIELD_PREP(CD_0_T0SZ, 16 + (seed >> 40) % 24) |
			FIELD_PREP(CD_0_TG0, (seed >> 48) % 3) | CD_0_V |
			FIELD_PREP(CD_0_IPS, (seed >> 50) % 6) | CD_0_AA64 |
			CD_0_R | FIELD_PREP(CD_0_ASID, round) |
			FIELD_PREP(CD_0_TBI, (seed >> 53) & 3) |
			((seed >> 55) & 1 ? CD_0_EPD1 : 0) |
			FIELD_PREP(CD_0_T1SZ, 16 + (seed >> 56) % 24) |
			FIELD_PREP(CD_0_TG1, 1 + (seed >> 58) % 3);
		cd[1] = region + ((seed >> 3) % npages) * 4096;
		cd[2] = region + ((seed >> 13) % npages) * 4096;
		REQUIRE(phys_write(r.mem, CDPTR, cd, 64) == 0);
		ste_write(&r, SID, ste);
		cmd_cfgi_ste(&r, SID);
		cmd(&r, CMD_TLBI_NSNH_ALL, 0);
		for (int i = 0; i < 500; i++) {
			int ret;

			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			ret = smmuv3_translate(r.smmu, SID, SMMUV3_NO_SSID,
					       i & 1 ? seed : seed & GENMASK_ULL(47, 0),
					       (unsigned int)(seed >> 60), &res);
			if (ret)
				faults++;
			else
				ok++;
			CHECK(ret == 0 || ret == SMMUV3_ABORT || ret < 0x100);
		}
		evt_drain(&r);
	}
	CHECK(ok > 0);
	CHECK(faults > 0);
	rig_destroy(&r);
}

/* An endpoint behind the SMMU: its DMA is translated by StreamID = RID. */
static void test_endpoint(void)
{
	struct smmuv3_config c;
	struct dma_translator t;
	struct endpoint *ep;
	struct rig r;
	struct pt p;
	u32 val = 0x11223344, back = 0;

	rig_default_conf(&c);
	rig_init(&r, &c);
	pt_init(&p, &r, false, 12, 48, 0, 1);
	pt_map(&p, 0x7000, 0x50000000ULL, 3, PT_AF);
	write_cd(&r, CDPTR, 12, 16, p.root, 0);
	write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);
	ep = endpoint_create(r.mem, SID, 1);
	REQUIRE(ep);
	smmuv3_dma_translator(r.smmu, &t);
	endpoint_set_translator(ep, &t);
	CHECK_EQ(endpoint_dma_write(ep, 0x7010, &val, 4), 0);
	CHECK_EQ(*(u32 *)phys_ram_ptr(r.mem, 0x50000010ULL, 4), val);
	CHECK_EQ(endpoint_dma_read(ep, 0x7010, &back, 4), 0);
	CHECK_EQ(back, val);
	CHECK_EQ(endpoint_dma_read(ep, 0x9000, &back, 4), -EFAULT);
	CHECK(evt_pop(&r, ev));
	CHECK_EQ(FIELD_GET(EVT_0_TYPE, ev[0]), EVT_F_TRANSLATION);
	CHECK_EQ(ev[2], 0x9000);
	endpoint_destroy(ep);
	rig_destroy(&r);
}

int main(void)
{
	test_s1();
	test_s2();
	test_nested();
	test_faults();
	test_tbi_ttb1();
	test_tlb_s1();
	test_tlb_s2_nested_el2();
	test_evtq_overflow();
	test_threads();
	test_endpoint();
	test_garbage_tables();
	return test_done();
}
