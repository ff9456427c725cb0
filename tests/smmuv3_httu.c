// SPDX-License-Identifier: MIT
/*
 * SMMUv3 hardware translation table updates (HTTU, Arm IHI0070 3.13;
 * DDI0487 D8.4): IDR0.HTTU from the configuration; CD.HA sets the access
 * flag instead of an access-flag fault; CD.HD marks a writable-clean leaf
 * (DBM=1, AP[2]=1) dirty by clearing AP[2] on the first write, and
 * STE.S2HA/S2HD do the same at stage 2 (S2AP[1]); each update is a
 * compare-and-swap on the descriptor in memory.  The strict choices are
 * checked too: HA/HD are ignored unless IDR0.HTTU offers them and HD
 * unless HA; reads never dirty; a TLB entry cached dirty keeps writing
 * until invalidated; a nested stage-1 update is a stage-2 write (a
 * read-only stage-2 table page faults with S2=1, CLASS=TT, TnD write).
 */
#include "tests/smmuv3_xlate.h"

#define DBM		BIT_ULL(51)
#define CLEAN_RW	(DBM | PT_S1_RO)	/* stage 1 writable-clean */
#define S2_CLEAN	(DBM | PT_S2_RO)	/* stage 2 writable-clean */

static u64 desc_at(struct rig *r, u64 addr)
{
	u64 d = 0;

	REQUIRE(phys_read64(r->mem, addr, &d) == 0);
	return d;
}

static void tlbi_all(struct rig *r)
{
	cmd(r, CMD_TLBI_NSNH_ALL, 0);
}

static void conf_httu(struct smmuv3_config *c, unsigned int httu)
{
	rig_default_conf(c);
	c->httu = httu;
}

static void test_idr(void)
{
	struct smmuv3_config c;
	struct rig r;

	for (unsigned int h = 0; h <= 2; h++) {
		conf_httu(&c, h);
		rig_create(&r, &c);
		CHECK_EQ(FIELD_GET(IDR0_HTTU, rd32(&r, SMMU_IDR0)), h);
		rig_destroy(&r);
	}
	conf_httu(&c, 3);	/* a reserved encoding */
	{
		struct phys_mem *mem = phys_mem_create();

		REQUIRE(mem);
		CHECK(!smmuv3_create(&c, mem, &rig_irq_ops, NULL, 0));
		phys_mem_destroy(mem);
	}
}

static void test_access_flag(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;
	u64 leaf;

	/* HA: the walk sets AF; the same CD without HTTU faults. */
	conf_httu(&c, IDR0_HTTU_ACCESS);
	rig_init_s1(&r, &c, &p);
	write_cd(&r, CDPTR, 12, 16, p.root, CD_0_HA);
	leaf = pt_map(&p, 0x1000, 0x50000000, 3, 0);
	CHECK_EQ(xl_ok(&r, 0x1008), 0x50000008ULL);
	CHECK(desc_at(&r, leaf) & PT_AF);
	rig_destroy(&r);

	conf_httu(&c, 0);	/* CD.HA IGNORED */
	rig_init_s1(&r, &c, &p);
	write_cd(&r, CDPTR, 12, 16, p.root, CD_0_HA);
	leaf = pt_map(&p, 0x1000, 0x50000000, 3, 0);
	CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_READ, NULL), EVT_F_ACCESS);
	CHECK(!(desc_at(&r, leaf) & PT_AF));
	rig_destroy(&r);
}

static void test_dirty_s1(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;
	u64 leaf, ro, out;

	conf_httu(&c, IDR0_HTTU_ACCESS_DIRTY);
	rig_init_s1(&r, &c, &p);
	write_cd(&r, CDPTR, 12, 16, p.root, CD_0_HA | CD_0_HD);
	leaf = pt_map(&p, 0x1000, 0x50000000, 3, PT_AF | CLEAN_RW);
	ro = pt_map(&p, 0x2000, 0x50001000, 3, PT_AF | PT_S1_RO);

	/* Reads leave it clean (and cache a read-only entry). */
	CHECK_EQ(xl_ok(&r, 0x1010), 0x50000010ULL);
	CHECK_EQ(desc_at(&r, leaf), desc_at(&r, leaf) | PT_S1_RO);
	/* The first write makes it dirty: AP[2] cleared, DBM kept. */
	CHECK_EQ(xl(&r, SID, 0x1010, SMMUV3_WRITE, &out), 0);
	CHECK_EQ(out, 0x50000010ULL);
	CHECK(!(desc_at(&r, leaf) & PT_S1_RO));
	CHECK(desc_at(&r, leaf) & DBM);
	/* Without DBM, read-only stays read-only. */
	CHECK_EQ(xl(&r, SID, 0x2000, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(desc_at(&r, ro) & PT_S1_RO);

	/*
	 * Cleaned by software (AP[2] set again) without an invalidation: the
	 * TLB entry was cached dirty and the write goes through it, leaving
	 * the descriptor clean -- the architecture requires the TLBI.
	 */
	__atomic_fetch_or((u64 *)phys_ram_ptr(r.mem, leaf, 8), PT_S1_RO,
			  __ATOMIC_RELAXED);
	CHECK_EQ(xl(&r, SID, 0x1010, SMMUV3_WRITE, NULL), 0);
	CHECK(desc_at(&r, leaf) & PT_S1_RO);
	tlbi_all(&r);
	CHECK_EQ(xl(&r, SID, 0x1010, SMMUV3_WRITE, NULL), 0);
	CHECK(!(desc_at(&r, leaf) & PT_S1_RO));

	/* A privileged-only page refuses an unprivileged write: no update. */
	leaf = pt_map(&p, 0x3000, 0x50002000, 3,
		      PT_AF | CLEAN_RW | PT_S1_PRIVONLY);
	CHECK_EQ(xl(&r, SID, 0x3000, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(desc_at(&r, leaf) & PT_S1_RO);
	CHECK_EQ(xl(&r, SID, 0x3000, SMMUV3_WRITE | SMMUV3_PRIV, NULL), 0);
	CHECK(!(desc_at(&r, leaf) & PT_S1_RO));
	rig_destroy(&r);

	/* HD without HA, or IDR0.HTTU = 1: no dirty state, a permission fault. */
	for (unsigned int i = 0; i < 2; i++) {
		conf_httu(&c, i ? IDR0_HTTU_ACCESS : IDR0_HTTU_ACCESS_DIRTY);
		rig_init_s1(&r, &c, &p);
		write_cd(&r, CDPTR, 12, 16, p.root,
			 i ? CD_0_HA | CD_0_HD : CD_0_HD);
		leaf = pt_map(&p, 0x1000, 0x50000000, 3, PT_AF | CLEAN_RW);
		CHECK_EQ(xl(&r, SID, 0x1000, SMMUV3_WRITE, NULL),
			 EVT_F_PERMISSION);
		CHECK(desc_at(&r, leaf) & PT_S1_RO);
		rig_destroy(&r);
	}
}

static void test_dirty_s2(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt s2;
	u64 leaf;

	conf_httu(&c, IDR0_HTTU_ACCESS_DIRTY);
	rig_init(&r, &c);
	pt_init(&s2, &r, true, 12, 48, 0, 1);
	leaf = pt_map(&s2, 0x100000, 0x50000000, 3, S2_CLEAN);	/* AF clear too */
	write_ste(&r, SID, STE_CFG_S2, &s2, 2, STE_2_S2HA | STE_2_S2HD);
	CHECK_EQ(xl_ok(&r, 0x100020), 0x50000020ULL);
	CHECK(desc_at(&r, leaf) & PT_AF);
	CHECK_EQ(desc_at(&r, leaf) & PT_S2_RW, PT_S2_RO);
	CHECK_EQ(xl(&r, SID, 0x100020, SMMUV3_WRITE, NULL), 0);
	CHECK_EQ(desc_at(&r, leaf) & PT_S2_RW, PT_S2_RW);
	rig_destroy(&r);

	/* S2HD without S2HA: the write faults at stage 2. */
	rig_init(&r, &c);
	pt_init(&s2, &r, true, 12, 48, 0, 1);
	leaf = pt_map(&s2, 0x100000, 0x50000000, 3, PT_AF | S2_CLEAN);
	write_ste(&r, SID, STE_CFG_S2, &s2, 2, STE_2_S2HD);
	CHECK_EQ(xl(&r, SID, 0x100020, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(ev[1] & EVT_1_S2);
	CHECK_EQ(desc_at(&r, leaf) & PT_S2_RW, PT_S2_RO);
	rig_destroy(&r);
}

/* Nested: a stage-1 update writes the stage-1 table through stage 2. */
static void test_nested_update(void)
{
	struct smmuv3_config c;
	struct nested n;
	struct rig r;
	u64 leaf;

	conf_httu(&c, IDR0_HTTU_ACCESS_DIRTY);
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	write_cd(&r, CDPTR, 12, 16, n.s1.root, CD_0_HA | CD_0_HD);
	leaf = pt_map(&n.s1, 0x8000, 0x100000000ULL, 3, PT_AF | CLEAN_RW);
	CHECK_EQ(xl(&r, SID, 0x8010, SMMUV3_WRITE, NULL), 0);
	CHECK(!(desc_at(&r, leaf) & PT_S1_RO));
	rig_destroy(&r);

	/*
	 * The stage-1 leaf table reached at an IPA stage 2 maps read-only:
	 * the level-2 descriptor is pointed at that alias.  The update is a
	 * stage-2 permission fault: S2, CLASS=TT, TnD a write.
	 */
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	leaf = pt_map(&n.s1, 0x8000, 0x100000000ULL, 3, PT_AF | CLEAN_RW);
	pt_map(&n.s2, 0x180000000ULL, leaf & ~0xfffULL, 3, PT_AF | PT_S2_RO);
	{
		u64 t = n.s1.root, d = 0;

		for (int level = 0; level < 2; level++) {
			d = desc_at(&r, t);	/* va 0x8000: index 0 above L3 */
			t = d & GENMASK_ULL(47, 12);
		}
		REQUIRE(phys_write64(r.mem, t, 0x180000000ULL | 3) == 0);
	}
	write_cd(&r, CDPTR, 12, 16, n.s1.root, CD_0_HA | CD_0_HD);
	CHECK_EQ(xl(&r, SID, 0x8010, SMMUV3_READ, NULL), 0);	/* reads fine */
	CHECK_EQ(xl(&r, SID, 0x8010, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	CHECK(ev[1] & EVT_1_S2);
	CHECK_EQ(FIELD_GET(EVT_1_CLASS, ev[1]), EVT_CLASS_TT);
	CHECK(!(ev[1] & EVT_1_TT_READ));
	CHECK(desc_at(&r, leaf) & PT_S1_RO);
	rig_destroy(&r);
}

int main(void)
{
	test_idr();
	test_access_flag();
	test_dirty_s1();
	test_dirty_s2();
	test_nested_update();
	return test_done();
}
