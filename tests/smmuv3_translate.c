// SPDX-License-Identifier: MIT
/*
 * SMMUv3 translation: stage 1, stage 2 and nested walks for each granule,
 * each fault with its event record, event queue overflow and abort,
 * random tables, and an endpoint DMAing through the SMMU.  The TLB is in
 * smmuv3_tlb.c.
 */
#include "hw/endpoint.h"
/* Stale on purpose (tests/smmuv3_rig.h): random tables remapped in place. */
#define RIG_STALE_ON_PURPOSE	SMMUV3_COHERENCY_REPORT
#include "tests/smmuv3_xlate.h"

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

static void test_nested(void)
{
	static const unsigned int gs[] = { 12, 14, 16 };
	struct smmuv3_config c;
	struct rig r;
	struct nested n;

	/* Every stage-1 granule over every stage-2 granule. */
	for (unsigned int i = 0; i < 9; i++) {
		unsigned int g = gs[i % 3];
		u64 va = 0x0000123450000000ULL;

		rig_default_conf(&c);
		rig_init(&r, &c);
		nested_setup2(&r, &n, g, gs[i / 3]);
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

	/* A stage-1 table stage 2 maps write-only: a stage-2 permission
	 * fault on the table read, CLASS=TT. */
	pt_map(&n.s2, 0x100002000ULL, n.s1.root, 3, PT_AF | PT_S2_WO);
	write_cd(&r, CDPTR, 12, 16, 0x100002000ULL, 0);
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), EVT_F_PERMISSION);
	CHECK(ev[1] & EVT_1_S2);
	CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_TT);
	CHECK_EQ(ev[3], 0x100002000ULL);
	/* Readable (RW): the walk goes through and finds nothing mapped. */
	pt_map(&n.s2, 0x100002000ULL, n.s1.root, 3, PT_AF | PT_S2_RW);
	cmd(&r, CMD_TLBI_S12_VMALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
	CHECK(!(ev[1] & EVT_1_S2));

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
	rig_init_s1(&r, &c, &p);

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

/* Stage-2 R and AFFD, and CD.WXN. */
static void test_record_bits(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	struct pt p, q;

	rig_default_conf(&c);
	rig_init(&r, &c);
	pt_init(&p, &r, true, 12, 40, 1, 2);
	pt_map(&p, 0x10000, 0x50000000ULL, 3, PT_S2_RW);	/* AF = 0 */
	write_ste(&r, SID, STE_CFG_S2, &p, 1, 0);
	CHECK_EQ(xl(&r, SID, 0x10000, SMMUV3_READ, NULL), EVT_F_ACCESS);
	CHECK(ev[1] & EVT_1_S2);
	write_ste(&r, SID, STE_CFG_S2, &p, 1, STE_2_S2AFFD);
	CHECK_EQ(xl(&r, SID, 0x10000, SMMUV3_READ, NULL), 0);
	/* S2R = 0: the fault terminates the transaction, no record. */
	{
		u64 ste[8];

		REQUIRE(phys_read(r.mem, RIG_STRTAB + SID * 64, ste, 64) == 0);
		ste[2] &= ~STE_2_S2R;
		ste_write(&r, SID, ste);
		cmd_cfgi_ste(&r, SID);
	}
	CHECK_EQ(smmuv3_translate(r.smmu, SID, SMMUV3_NO_SSID, 0x20000, SMMUV3_READ,
				  &res), EVT_F_TRANSLATION);
	CHECK(!res.recorded);
	CHECK_EQ(evt_drain(&r), 0);

	/* WXN: writable stage-1 memory is never executable. */
	pt_init(&q, &r, false, 12, 48, 0, 1);
	pt_map(&q, 0x1000, 0x50000000ULL, 3, PT_AF);
	pt_map(&q, 0x2000, 0x50000000ULL, 3, PT_AF | PT_S1_RO);
	write_cd(&r, CDPTR, 12, 16, q.root, CD_0_WXN);
	write_ste(&r, SID, STE_CFG_S1, NULL, 0, 0);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_EXEC | SMMUV3_READ, NULL),
		 EVT_F_PERMISSION);
	CHECK_EQ(xl(&r, SID, 0x2000, SMMUV3_EXEC | SMMUV3_READ, NULL), 0);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_WRITE, NULL), 0);
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
	test_record_bits();
	test_tbi_ttb1();
	test_evtq_overflow();
	test_endpoint();
	test_garbage_tables();
	return test_done();
}
