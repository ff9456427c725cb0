/* SPDX-License-Identifier: MIT */
/*
 * Translation helpers shared by the SMMUv3 translation and TLB tests: one
 * stream (SID) with a CD at CDPTR, STE/CD writers, a translate-and-pop-the-
 * event wrapper, and a nested setup.
 */
#ifndef IOMMUSIM_TESTS_SMMUV3_XLATE_H
#define IOMMUSIM_TESTS_SMMUV3_XLATE_H

#include "tests/smmuv3_rig.h"

#define SID		4
#define CDPTR		0x40100000ULL
#define ASID		7
#define VMID		3

static u64 ev[4];	/* the last event record popped by xl() */

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

static inline u64 xl_ok(struct rig *r, u64 iova)
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

/* The usual stage-1 stream: SID, a 4K-granule 48-bit CD at CDPTR over p. */
static inline void rig_init_s1(struct rig *r, const struct smmuv3_config *c,
			       struct pt *p)
{
	rig_init(r, c);
	pt_init(p, r, false, 12, 48, 0, 1);
	write_cd(r, CDPTR, 12, 16, p->root, 0);
	write_ste(r, SID, STE_CFG_S1, NULL, 0, 0);
}

static int s1_start(unsigned int g, unsigned int ia)
{
	return 4 - (int)DIV_ROUND_UP(ia - g, g - 3);
}

/*
 * Nested: S2 maps RAM at IPA == PA with blocks (so S1 tables and the CD
 * are reachable) and IPA 0x100000000 -> PA 0x50000000; with a 4K stage 2
 * also IPA 0x100001000 -> PA 0x50001000 read-only.
 */
struct nested {
	struct pt s1, s2;
};

static void nested_setup2(struct rig *r, struct nested *n, unsigned int g1,
			  unsigned int g2)
{
	/* Stage-2 shape per granule: IPA bits, start level, SL0, block level. */
	unsigned int ia = g2 == 12 ? 48 : g2 == 14 ? 47 : 42;
	int start = g2 == 12 ? 0 : g2 == 14 ? 1 : 2;
	unsigned int sl0 = g2 == 16 ? 1 : 2;
	int blk_level = g2 == 12 ? 1 : 2;
	u64 blk = 1ULL << pt_level_shift(g2, blk_level);

	pt_init(&n->s2, r, true, g2, ia, start, 1);
	for (u64 a = RIG_RAM_BASE; a < RIG_RAM_BASE + RIG_RAM_SIZE; a += blk)
		pt_map(&n->s2, a, a, blk_level, PT_AF | PT_S2_RW);
	pt_map(&n->s2, 0x100000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
	if (g2 == 12)
		pt_map(&n->s2, 0x100001000ULL, 0x50001000ULL, 3,
		       PT_AF | PT_S2_RO);
	pt_init(&n->s1, r, false, g1, 48, s1_start(g1, 48), 1);
	write_cd(r, CDPTR, g1, 16, n->s1.root, 0);
	write_ste(r, SID, STE_CFG_NESTED, &n->s2, sl0, 0);
}

static inline void nested_setup(struct rig *r, struct nested *n,
				unsigned int g1)
{
	nested_setup2(r, n, g1, 12);
}

#endif
