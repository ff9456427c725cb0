// SPDX-License-Identifier: MIT
/*
 * The one-read miss (hw/smmuv3/walk.c, smmu_s1_leaf_miss): a stage-1 TLB miss
 * whose last-level table is in the walk cache reads only the leaf, and
 * takes it only when the full walk would have taken it as it is.  So two
 * SMMUs over identical tables, one with the stage-1 walk cache and one
 * without (every miss a full walk from TTB), must give every transaction
 * the same answer: address, size, attributes, and fault record, byte for
 * byte.  The leaves cover what a walk decides at the last level: valid,
 * reserved, AF (and AFFD), output size, AP, UXN/PXN, WXN, nG, AttrIndx,
 * APTable and XNTable above, both TTBs, TBI, addresses outside TnSZ, and
 * the three granules (with a 52-bit output for 64K).
 *
 * The checker is off in both (it sends every miss down the full walk).
 */
#include "tests/smmuv3_xlate.h"

#define VA0	0x0000123400000000ULL	/* TTB0, 2 MiB aligned */
#define VA1	0xffff800000000000ULL	/* TTB1 */
#define PA	0x50000000ULL
#define NPAGES	12

/* Both rigs: the same calls, so the same tables at the same addresses. */
static u64 leaf[3][NPAGES];	/* descriptor addresses: VA0, VA0 + 2M, VA0 + 4M */

static void setup(struct rig *r, unsigned int walk_cache)
{
	struct smmuv3_config c;
	struct pt p0, p1;
	u64 cd[8] = { 0 };

	smmuv3_config_default(&c);
	c.coherency = SMMUV3_COHERENCY_OFF;
	c.walk_cache_s1 = walk_cache;
	rig_init(r, &c);
	pt_init(&p0, r, false, 12, 48, 0, 1);
	pt_init(&p1, r, false, 12, 48, 0, 1);
	for (int t = 0; t < 3; t++) {
		u64 base = VA0 + (u64)t * 0x200000;

		for (int i = 0; i < NPAGES; i++) {
			static const u64 attrs[NPAGES] = {
				PT_AF, PT_AF | PT_S1_RO, 0, PT_AF, PT_AF,
				PT_AF, PT_AF | PT_XN, PT_AF | PT_PXN,
				PT_AF | PT_S1_PRIVONLY, PT_AF | PT_NG | (3 << 2),
				PT_AF | PT_S1_RO | PT_NG, PT_AF | PT_S1_RO | PT_S1_PRIVONLY,
			};

			leaf[t][i] = pt_map(&p0, base + (u64)i * 4096,
					    PA + (u64)i * 4096, 3, attrs[i]);
		}
		/* 3: invalid; 4: reserved at level 3 (bit 1 clear); 5: beyond IPS. */
		phys_write64(r->mem, leaf[t][3], 0);
		phys_write64(r->mem, leaf[t][4], (PA + 0x4000) | PT_AF | 1);
		phys_write64(r->mem, leaf[t][5], 0x100005000ULL | PT_AF | 3);
	}
	/* Pages 20, 21: ones no transaction touches before the last checks. */
	pt_map(&p0, VA0 + 20 * 4096, PA + 20 * 4096, 3, PT_AF);
	pt_map(&p0, VA0 + 21 * 4096, PA + 21 * 4096, 3, PT_AF);
	/* The second 2M read-only above (APTable[1]), the third not executable. */
	for (int t = 1; t < 3; t++) {
		u64 va = VA0 + (u64)t * 0x200000, table = p0.root, desc = 0, daddr = 0;

		for (int level = 0; level <= 2; level++) {
			daddr = table + ((va >> pt_level_shift(12, level)) & 511) * 8;
			REQUIRE(phys_read64(r->mem, daddr, &desc) == 0);
			table = desc & GENMASK_ULL(47, 12);
		}
		phys_write64(r->mem, daddr, desc | (t == 1 ? BIT_ULL(62) : BIT_ULL(60)));
	}
	for (int i = 0; i < 4; i++)
		pt_map(&p1, VA1 + (u64)i * 4096, PA + 0x100000 + (u64)i * 4096, 3,
		       i == 1 ? PT_AF | PT_S1_RO : i == 2 ? 0 : PT_AF);

	/* 4K both halves, 48 bits each, IPS 32 bits, TBI0. */
	cd[0] = FIELD_PREP(CD_0_T0SZ, 16) | FIELD_PREP(CD_0_TG0, 0) |
		FIELD_PREP(CD_0_T1SZ, 16) | FIELD_PREP(CD_0_TG1, 2) |
		CD_0_V | FIELD_PREP(CD_0_IPS, 0) | CD_0_AA64 | CD_0_R |
		FIELD_PREP(CD_0_TBI, 1) | FIELD_PREP(CD_0_ASID, ASID);
	cd[1] = p0.root;
	cd[2] = p1.root;
	REQUIRE(phys_write(r->mem, CDPTR, cd, 64) == 0);
	write_ste(r, SID, STE_CFG_S1, NULL, 0, 0);
}

struct answer {
	int rc;
	u64 addr;
	unsigned int size_shift, attr;
	u64 ev[4];
};

static void ask(struct rig *r, u64 va, unsigned int acc, struct answer *a)
{
	struct smmuv3_result res;

	memset(a, 0, sizeof(*a));
	a->rc = smmuv3_translate(r->smmu, SID, SMMUV3_NO_SSID, va, acc, &res);
	if (a->rc) {
		if (res.recorded)
			CHECK(evt_pop(r, a->ev));
		CHECK_EQ(evt_drain(r), 0);
	} else {
		a->addr = res.addr;
		a->size_shift = res.size_shift;
		a->attr = res.attr;
	}
}

static u64 reads(struct rig *r)
{
	struct smmuv3_stats st;
	u64 n = 0;

	smmuv3_get_stats(r->smmu, &st);
	for (int l = 0; l < 4; l++)
		n += st.walk_reads[0][l];
	return n;
}

static const unsigned int accs[] = {
	SMMUV3_READ, SMMUV3_WRITE, SMMUV3_READ | SMMUV3_EXEC,
	SMMUV3_READ | SMMUV3_PRIV, SMMUV3_WRITE | SMMUV3_PRIV,
	SMMUV3_EXEC | SMMUV3_PRIV,
};

/* va under every access, on both; returns the first access's rc on a. */
static int same(struct rig *a, struct rig *b, u64 va)
{
	struct answer x, y;
	int first = -1;

	for (size_t i = 0; i < sizeof(accs) / sizeof(accs[0]); i++) {
		ask(a, va, accs[i], &x);
		ask(b, va, accs[i], &y);
		if (first < 0)
			first = x.rc;
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "va 0x%llx access %u: cached rc %d addr 0x%llx "
				"ev 0x%llx / full walk rc %d addr 0x%llx ev 0x%llx\n",
				(unsigned long long)va, accs[i], x.rc,
				(unsigned long long)x.addr, (unsigned long long)x.ev[0],
				y.rc, (unsigned long long)y.addr, (unsigned long long)y.ev[0]);
			CHECK(0);
		}
	}
	return first;
}

/*
 * Every granule, with and without WXN and AFFD: 16K and 64K leaves index
 * 11 and 13 bits of the last table, a 64K leaf carries OA[51:48] in bits
 * [15:12] (52-bit IPS), AFFD turns the AF fault off and WXN takes execute
 * from writable memory.
 */
static void setup_granule(struct rig *r, unsigned int walk_cache, unsigned int g,
			  bool wxn, bool affd)
{
	static const u64 attrs[] = { PT_AF, PT_AF | PT_S1_RO, 0, PT_AF, PT_AF | PT_XN,
				     PT_AF, PT_AF, PT_AF, PT_AF };
	struct smmuv3_config c;
	struct pt p0;
	u64 cd[8] = { 0 }, pg = 1ULL << g;

	smmuv3_config_default(&c);
	c.coherency = SMMUV3_COHERENCY_OFF;
	c.walk_cache_s1 = walk_cache;
	c.oas_bits = 52;
	rig_init(r, &c);
	pt_init(&p0, r, false, g, 48, s1_start(g, 48), 1);
	for (unsigned int i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		u64 d = pt_map(&p0, VA0 + i * pg, PA + i * pg, 3, attrs[i]), desc;

		if (i == 3 && g == 16) {	/* OA[51:48] = 1 */
			REQUIRE(phys_read64(r->mem, d, &desc) == 0);
			phys_write64(r->mem, d, desc | BIT_ULL(12));
		}
	}
	cd[0] = FIELD_PREP(CD_0_T0SZ, 16) | FIELD_PREP(CD_0_TG0, tg0(g)) |
		CD_0_EPD1 | CD_0_V | FIELD_PREP(CD_0_IPS, 6) | CD_0_AA64 | CD_0_R |
		(wxn ? CD_0_WXN : 0) | (affd ? CD_0_AFFD : 0) |
		FIELD_PREP(CD_0_ASID, ASID);
	cd[1] = p0.root;
	REQUIRE(phys_write(r->mem, CDPTR, cd, 64) == 0);
	write_ste(r, SID, STE_CFG_S1, NULL, 0, 0);
}

static void test_granules(void)
{
	static const unsigned int gs[] = { 12, 14, 16 };
	static struct rig a, b;

	for (unsigned int gi = 0; gi < 3; gi++) {
		for (unsigned int m = 0; m < 4; m++) {
			u64 pg = 1ULL << gs[gi], before;

			setup_granule(&a, 256, gs[gi], m & 1, m & 2);
			setup_granule(&b, 0, gs[gi], m & 1, m & 2);
			CHECK_EQ(same(&a, &b, VA0 + 7 * pg), 0);	/* warms the walk cache */
			for (unsigned int i = 0; i < 5; i++)
				same(&a, &b, VA0 + i * pg + 0x18);
			CHECK_EQ(same(&a, &b, VA0 + 2 * pg), m & 2 ? 0 : EVT_F_ACCESS);
			before = reads(&a);
			CHECK_EQ(same(&a, &b, VA0 + 8 * pg), 0);
			CHECK_EQ(reads(&a) - before, 1);
			rig_destroy(&a);
			rig_destroy(&b);
		}
	}
}

int main(void)
{
	static struct rig a, b;
	u64 before;

	setup(&a, 256);
	setup(&b, 0);
	for (int t = 0; t < 3; t++)
		for (int i = 0; i < NPAGES; i++)
			same(&a, &b, VA0 + (u64)t * 0x200000 + (u64)i * 4096 + 0x18);
	for (int i = 0; i < 4; i++)
		same(&a, &b, VA1 + (u64)i * 4096 + 0x20);
	/* TBI0: the top byte is ignored in TTB0's half; outside TnSZ faults. */
	CHECK_EQ(same(&a, &b, 0x5a00000000000000ULL | (VA0 + 0x1000)), 0);
	CHECK_EQ(same(&a, &b, 0x0001000000000000ULL | VA0), EVT_F_TRANSLATION);
	CHECK_EQ(same(&a, &b, 0xff7f800000000000ULL), EVT_F_TRANSLATION);

	/* What the leaves are, so the comparison above was not of nothing. */
	CHECK_EQ(same(&a, &b, VA0 + 0x2000), EVT_F_ACCESS);
	CHECK_EQ(same(&a, &b, VA0 + 0x3000), EVT_F_TRANSLATION);
	CHECK_EQ(same(&a, &b, VA0 + 0x4000), EVT_F_TRANSLATION);
	CHECK_EQ(same(&a, &b, VA0 + 0x5000), EVT_F_ADDR_SIZE);
	CHECK_EQ(same(&a, &b, VA0 + 0x200000 + 0x18), 0);	/* APTable read-only: reads pass */
	/* And the one-read miss was taken: a TLB miss, the walk cache warm. */
	before = reads(&a);
	CHECK_EQ(same(&a, &b, VA0 + 20 * 4096), 0);
	CHECK_EQ(reads(&a) - before, 1);
	/*
	 * T0SZ made 20 (a CFGI, no TLBI: the walk cache keeps its entries):
	 * VA0 is now beyond the input size, a fault at level 0 before any
	 * read, whatever the walk cache holds.
	 */
	for (int i = 0; i < 2; i++) {
		struct rig *r = i ? &b : &a;
		u64 c0;

		REQUIRE(phys_read64(r->mem, CDPTR, &c0) == 0);
		c0 = (c0 & ~CD_0_T0SZ) | FIELD_PREP(CD_0_T0SZ, 20);
		REQUIRE(phys_write64(r->mem, CDPTR, c0) == 0);
		cmd_cfgi_ste(r, SID);
	}
	CHECK_EQ(same(&a, &b, VA0 + 21 * 4096), EVT_F_TRANSLATION);
	rig_destroy(&a);
	rig_destroy(&b);
	test_granules();
	return test_done();
}
