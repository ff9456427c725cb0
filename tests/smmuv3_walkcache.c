// SPDX-License-Identifier: MIT
/*
 * SMMUv3 walk caches: a table descriptor a walk read is used again until
 * an invalidation that architecturally covers it, and no longer.  Each
 * test is a driver sequence that is wrong on hardware with walk caches
 * (a table replaced under a Leaf=1 TLBI, a block left behind by a TTL
 * naming another level) and must go wrong here too, deterministically;
 * then the right command, which must put it right.  Under `make test`
 * the coherency checker names each such bug; here it reports to the test.
 */
#include "tests/coherency-expect.h"
#include "tests/smmuv3_xlate.h"

#define PA1	0x50000000ULL
#define PA2	0x58000000ULL

static struct smmuv3_stats st;

static void stats(struct rig *r)
{
	smmuv3_get_stats(r->smmu, &st);
}

/* The address of va's descriptor at level (the tables must exist). */
static u64 pt_desc(struct pt *p, u64 va, int level)
{
	u64 table = p->root, daddr = 0, desc;

	for (int l = p->start_level; l <= level; l++) {
		unsigned int shift = pt_level_shift(p->gshift, l);
		unsigned int bits = l == p->start_level ? p->ia_bits - shift : p->gshift - 3;

		daddr = table + ((va >> shift) & ((1ULL << bits) - 1)) * 8;
		REQUIRE(phys_read64(p->r->mem, daddr, &desc) == 0);
		table = desc & GENMASK_ULL(47, p->gshift);
	}
	return daddr;
}

static void tlbi(struct rig *r, u8 op, u64 va, bool leaf, unsigned int tg,
		 unsigned int num, unsigned int scale, unsigned int ttl)
{
	cmd(r, op | FIELD_PREP(CMD_0_VMID, VMID) | FIELD_PREP(CMD_0_ASID, ASID) |
	    FIELD_PREP(CMD_0_NUM, num) | FIELD_PREP(CMD_0_SCALE, scale),
	    va | (leaf ? CMD_1_LEAF : 0) | FIELD_PREP(CMD_1_TG, tg) |
	    FIELD_PREP(CMD_1_TTL, ttl));
}

/*
 * va's level-3 table is replaced by a new one mapping va to PA2, the old
 * one cleared, and only a Leaf=1 TLBI issued (io-pgtable must use Leaf=0,
 * tlb_flush_walk, when it frees a table).  Returns the result of then
 * translating va.
 */
static int replace_table_leaf_only(struct rig *r, struct pt *p, u64 va)
{
	u64 l2 = pt_desc(p, va, 2), leaf = pt_desc(p, va, 3);
	u64 t2 = rig_alloc(r, 4096, 4096);

	REQUIRE(phys_write64(r->mem, t2 + ((va >> 12) & 511) * 8,
			     PA2 | PT_AF | PT_NG | PT_S1_USER | 3) == 0);
	REQUIRE(phys_write64(r->mem, l2, t2 | 3) == 0);
	REQUIRE(phys_write64(r->mem, leaf, 0) == 0);
	tlbi(r, CMD_TLBI_NH_VA, va, true, 0, 0, 0, 0);
	return xl(r, SID, va, SMMUV3_READ, NULL);
}

static void test_leaf_keeps_table_entries(void)
{
	struct smmuv3_config c;
	struct coh_expect coh;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	coh_expect_begin(r.smmu, &coh);
	pt_map(&p, 0x10000, PA1, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), PA1);

	/* The stale level-2 entry still points at the cleared table, and
	 * the checker says which command was missing. */
	CHECK_EQ(replace_table_leaf_only(&r, &p, 0x10000), EVT_F_TRANSLATION);
	CHECK_COH_REPORTED(&coh, 1, "leaf-only TLBI keeps walk-cache entries");
	CHECK(strstr(coh.last, "CMD_TLBI_NH_VA") != NULL);
	CHECK(strstr(coh.last, "level-2 table") != NULL);
	stats(&r);
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1], 0);
	/* A TLBI of another ASID, or by VA of another 1G range, keeps it. */
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID + 1), 0);
	tlbi(&r, CMD_TLBI_NH_VA, 0x40000000ULL, false, 0, 0, 0, 0);
	CHECK_EQ(xl(&r, SID, 0x10000, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
	/* Leaf=0 at the address removes the table entries over it. */
	tlbi(&r, CMD_TLBI_NH_VA, 0x10000, false, 0, 0, 0, 0);
	stats(&r);
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1], 3);
	CHECK_EQ(xl_ok(&r, 0x10000), PA2);
	CHECK_EQ(coh.n, 1);	/* once per site */
	rig_destroy(&r);
}

/* With the stage-1 walk cache off, the same bug goes unnoticed. */
static void test_walk_cache_off(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	c.walk_cache_s1 = 0;
	rig_init_s1(&r, &c, &p);
	pt_map(&p, 0x10000, PA1, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), PA1);
	CHECK_EQ(replace_table_leaf_only(&r, &p, 0x10000), 0);
	stats(&r);
	CHECK_EQ(st.walk_cache_hits[SMMUV3_WALK_CACHE_S1] +
		 st.walk_cache_fills[SMMUV3_WALK_CACHE_S1], 0);
	rig_destroy(&r);
}

/* A range TLBI whose TTL names another level need not remove an entry. */
static void test_ttl(void)
{
	const u64 va = 0x40000000ULL;
	struct smmuv3_config c;
	struct coh_expect coh;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	coh_expect_begin(r.smmu, &coh);
	pt_map(&p, va, PA1, 2, PT_AF | PT_NG);		/* a 2M block */
	CHECK_EQ(xl_ok(&r, va + 0x1000), PA1 + 0x1000);
	pt_map(&p, va, PA2, 2, PT_AF | PT_NG);
	/* 4K granule, 512 pages (NUM 31 << SCALE 4), TTL level 3: kept. */
	tlbi(&r, CMD_TLBI_NH_VA, va, true, 1, 31, 4, 3);
	CHECK_EQ(xl_ok(&r, va + 0x1000), PA1 + 0x1000);
	CHECK(coh.n >= 1);	/* the stale block, reported */
	/* TTL level 2: removed. */
	tlbi(&r, CMD_TLBI_NH_VA, va, true, 1, 31, 4, 2);
	CHECK_EQ(xl_ok(&r, va + 0x1000), PA2 + 0x1000);
	/* TTL 0 (no hint): any level. */
	pt_map(&p, va, PA1, 2, PT_AF | PT_NG);
	tlbi(&r, CMD_TLBI_NH_VA, va, true, 1, 31, 4, 0);
	CHECK_EQ(xl_ok(&r, va + 0x1000), PA1 + 0x1000);
	rig_destroy(&r);
}

/*
 * Nested: stage-1 table IPAs are translated once (S1PTW cache) and kept
 * across stage-1 invalidations; TLBI_S2_IPA removes them whatever Leaf
 * says, and the stage-2 walk cache's table entries only with Leaf=0.
 */
static void test_nested(void)
{
	struct smmuv3_config c;
	struct nested n;
	struct rig r;
	u64 l3_table;

	rig_default_conf(&c);
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x20000, 0x100000000ULL, 3, PT_AF | PT_S1_USER);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x50000000);
	stats(&r);
	CHECK_EQ(st.walk_cache_fills[SMMUV3_WALK_CACHE_S1PTW], 4);	/* L0..L3 tables */
	CHECK_EQ(st.walk_cache_fills[SMMUV3_WALK_CACHE_S1], 3);

	/* Stage-1 invalidation: S1PTW entries stay and serve the walk. */
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	smmuv3_reset_stats(r.smmu);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x50000000);
	stats(&r);
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1PTW], 0);
	CHECK_EQ(st.walk_cache_hits[SMMUV3_WALK_CACHE_S1PTW], 4);
	/* Stage 2 reads only the output IPA's level-3 page descriptor. */
	CHECK_EQ(st.walk_reads[1][0] + st.walk_reads[1][1] + st.walk_reads[1][2], 0);
	CHECK_EQ(st.walk_reads[1][3], 1);

	/* TLBI_S2_IPA Leaf=1 of the level-3 table's IPA: the S1PTW entries
	 * of its stage-2 leaf go (a 1G block: all four tables' IPAs), the
	 * stage-2 walk cache keeps its table entries. */
	l3_table = pt_desc(&n.s1, 0x20000, 3) & ~0xfffULL;
	smmuv3_reset_stats(r.smmu);
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), l3_table | CMD_1_LEAF);
	stats(&r);
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1PTW], 4);
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S2], 0);
	/* Leaf=0: the stage-2 table entries over it go too. */
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), l3_table);
	stats(&r);
	CHECK(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S2] >= 1);
	/* S12_VMALL empties all three. */
	CHECK_EQ(xl_ok(&r, 0x20000), 0x50000000);
	cmd(&r, CMD_TLBI_S12_VMALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	smmuv3_reset_stats(r.smmu);
	cmd(&r, CMD_TLBI_NSNH_ALL, 0);
	stats(&r);
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1] +
		 st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S2] +
		 st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1PTW], 0);
	rig_destroy(&r);
}

/* Sizes: 0 or a power of two of at least one 4-way set. */
static void test_config(void)
{
	struct smmuv3_config c;
	struct phys_mem *mem = phys_mem_create();

	REQUIRE(mem);
	smmuv3_config_default(&c);
	CHECK(c.walk_cache_s1 && c.walk_cache_s2 && c.walk_cache_s1ptw);
	c.walk_cache_s1 = 6;
	CHECK(!smmuv3_create(&c, mem, NULL, NULL, 0));
	c.walk_cache_s1 = 2;
	CHECK(!smmuv3_create(&c, mem, NULL, NULL, 0));
	c.walk_cache_s1 = 0;
	c.walk_cache_s2 = 4;
	c.walk_cache_s1ptw = 1024;
	smmuv3_destroy(smmuv3_create(&c, mem, NULL, NULL, 0));
	phys_mem_destroy(mem);
}

int main(void)
{
	test_leaf_keeps_table_entries();
	test_walk_cache_off();
	test_ttl();
	test_nested();
	test_config();
	return test_done();
}
