// SPDX-License-Identifier: MIT
/*
 * SMMUv3 configuration: stream table formats, every STE and CD the
 * architecture calls ILLEGAL (C_BAD_STE / C_BAD_CD), SubstreamID checks,
 * fetch faults, abort and bypass, the event records that report them, and
 * random STEs/CDs that must never crash the model.
 */
#include "tests/smmuv3_rig.h"

#define CD_TABLE	0x40100000ULL
#define PGD		0x40200000ULL	/* empty stage-1 table: F_TRANSLATION */

static u64 last[4];

/* Translate and return the event type (0 on success), keeping the record. */
static u32 xl(struct rig *r, u32 sid, u32 ssid)
{
	struct smmuv3_result res;
	int ret;

	memset(last, 0, sizeof(last));
	cmd(r, CMD_CFGI_STE_RANGE, 31);	/* always see the current tables */
	ret = smmuv3_translate(r->smmu, sid, ssid, 0x1000, SMMUV3_READ, &res);
	if (ret && ret != SMMUV3_ABORT) {
		CHECK(res.recorded);
		CHECK(evt_pop(r, last));
		CHECK_EQ(FIELD_GET(EVT_0_TYPE, last[0]), ret);
		CHECK_EQ(FIELD_GET(EVT_0_SID, last[0]), sid);
		CHECK_EQ(!!(last[0] & EVT_0_SSV), ssid != SMMUV3_NO_SSID);
		if (ssid != SMMUV3_NO_SSID)
			CHECK_EQ(FIELD_GET(EVT_0_SSID, last[0]), ssid);
	} else {
		CHECK(!res.recorded);
	}
	CHECK_EQ(evt_drain(r), 0);
	return (u32)ret;
}

static void ste_s1(u64 ste[8], u64 cdptr, unsigned int cdmax, unsigned int fmt)
{
	memset(ste, 0, 64);
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_S1) | (cdptr & STE_0_S1CTXPTR) |
		 FIELD_PREP(STE_0_S1FMT, fmt) | FIELD_PREP(STE_0_S1CDMAX, cdmax);
}

/* A valid S2 STE: 4K granule, 40-bit IPA, start level 1 (2 tables). */
static void ste_s2(u64 ste[8], u64 s2ttb)
{
	memset(ste, 0, 64);
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_S2);
	ste[2] = FIELD_PREP(STE_2_S2VMID, 3) | FIELD_PREP(STE_2_S2T0SZ, 24) |
		 FIELD_PREP(STE_2_S2SL0, 1) | FIELD_PREP(STE_2_S2TG, 0) |
		 FIELD_PREP(STE_2_S2PS, 5) | STE_2_S2AA64 | STE_2_S2R;
	ste[3] = s2ttb;
}

static void cd_make(u64 cd[8], u64 ttb0)
{
	memset(cd, 0, 64);
	cd[0] = FIELD_PREP(CD_0_T0SZ, 16) | FIELD_PREP(CD_0_TG0, 0) | CD_0_EPD1 |
		CD_0_V | FIELD_PREP(CD_0_IPS, 5) | CD_0_AA64 | CD_0_R |
		FIELD_PREP(CD_0_ASID, 7);
	cd[1] = ttb0;
}

static void cd_write(struct rig *r, u64 addr, const u64 cd[8])
{
	REQUIRE(phys_write(r->mem, addr, cd, 64) == 0);
}

static void test_basic(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	u64 ste[8];

	rig_default_conf(&c);
	rig_init(&r, &c);

	/* Zeroed STE: V=0. */
	CHECK_EQ(xl(&r, 1, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	CHECK_EQ(r.nr_evtq_irq, 1);

	memset(ste, 0, sizeof(ste));
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_ABORT);
	ste_write(&r, 1, ste);
	CHECK_EQ(xl(&r, 1, SMMUV3_NO_SSID), SMMUV3_ABORT);
	for (unsigned int cfg = 1; cfg < 4; cfg++) {
		ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, cfg);
		ste_write(&r, 1, ste);
		CHECK_EQ(xl(&r, 1, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	}
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS);
	ste_write(&r, 1, ste);
	cmd_cfgi_ste(&r, 1);
	CHECK_EQ(smmuv3_translate(r.smmu, 1, SMMUV3_NO_SSID, 0x123456789ULL,
				  SMMUV3_WRITE, &res), 0);
	CHECK(res.bypass);
	CHECK_EQ(res.addr, 0x123456789ULL);
	/* A SubstreamID on a bypass stream is ignored. */
	CHECK_EQ(xl(&r, 1, 3), 0);

	/* Beyond STRTAB_BASE_CFG.LOG2SIZE (8). */
	CHECK_EQ(xl(&r, 256, SMMUV3_NO_SSID), EVT_C_BAD_STREAMID);
	CHECK_EQ(xl(&r, 0xffffffffu, SMMUV3_NO_SSID), EVT_C_BAD_STREAMID);

	/* Event queue disabled: the fault happens, nothing is recorded. */
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN);
	CHECK_EQ(smmuv3_translate(r.smmu, 256, SMMUV3_NO_SSID, 0, SMMUV3_READ, &res),
		 EVT_C_BAD_STREAMID);
	CHECK(!res.recorded);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);

	/* Stream table where there is no memory: F_STE_FETCH with the address. */
	wr32(&r, SMMU_CR0, CR0_CMDQEN | CR0_EVTQEN);
	wr64(&r, SMMU_STRTAB_BASE, 0x200000000ULL);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	CHECK_EQ(xl(&r, 3, SMMUV3_NO_SSID), EVT_F_STE_FETCH);
	CHECK_EQ(last[3], 0x200000000ULL + 3 * 64);
	rig_destroy(&r);
}

static void test_two_level(void)
{
	struct smmuv3_config c;
	struct rig r;
	u64 l1 = 0x40300000ULL, l2 = 0x40310000ULL, ste[8];

	rig_default_conf(&c);
	rig_init(&r, &c);
	wr32(&r, SMMU_CR0, CR0_CMDQEN | CR0_EVTQEN);
	wr64(&r, SMMU_STRTAB_BASE, l1);
	wr32(&r, SMMU_STRTAB_BASE_CFG, FIELD_PREP(STRTAB_BASE_CFG_FMT, 1) |
	     FIELD_PREP(STRTAB_BASE_CFG_SPLIT, 8) | 16);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);

	/* L1 descriptor 1 covers SIDs 256..511: 2^(Span-1) = 16 of them. */
	phys_write64(r.mem, l1 + 8, l2 | 5);
	memset(ste, 0, sizeof(ste));
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS);
	REQUIRE(phys_write(r.mem, l2 + 3 * 64, ste, 64) == 0);
	CHECK_EQ(xl(&r, 256 + 3, SMMUV3_NO_SSID), 0);
	CHECK_EQ(xl(&r, 256 + 4, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	CHECK_EQ(xl(&r, 256 + 16, SMMUV3_NO_SSID), EVT_C_BAD_STREAMID);
	/* Span 0: invalid L1 descriptor. */
	CHECK_EQ(xl(&r, 3, SMMUV3_NO_SSID), EVT_C_BAD_STREAMID);
	/* Span above SPLIT + 1 is ILLEGAL. */
	phys_write64(r.mem, l1 + 16, l2 | 10);
	CHECK_EQ(xl(&r, 512, SMMUV3_NO_SSID), EVT_C_BAD_STREAMID);
	/* Beyond LOG2SIZE = 16. */
	CHECK_EQ(xl(&r, 1 << 16, SMMUV3_NO_SSID), EVT_C_BAD_STREAMID);
	/* L2 table where there is no memory. */
	phys_write64(r.mem, l1 + 24, 0x300000000ULL | 9);
	CHECK_EQ(xl(&r, 768 + 2, SMMUV3_NO_SSID), EVT_F_STE_FETCH);
	CHECK_EQ(last[3], 0x300000000ULL + 2 * 64);
	rig_destroy(&r);
}

static void test_bad_ste(void)
{
	struct smmuv3_config c;
	struct rig r;
	u64 ste[8], cd[8];

	rig_default_conf(&c);
	c.ssid_bits = 4;
	rig_init(&r, &c);
	cd_make(cd, PGD);
	cd_write(&r, CD_TABLE, cd);

	/* A good S1 STE: the walk reaches the empty table. */
	ste_s1(ste, CD_TABLE, 0, 0);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_TRANSLATION);

	ste_s1(ste, CD_TABLE, 5, 0);		/* S1CDMax > SSIDSIZE */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	ste_s1(ste, CD_TABLE, 2, 3);		/* reserved S1Fmt */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	ste_s1(ste, CD_TABLE, 0, 3);		/* S1Fmt ignored with S1CDMax 0 */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_TRANSLATION);
	ste_s1(ste, CD_TABLE, 0, 0);
	ste[1] |= STE_1_S1STALLD;		/* no stall model */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	ste_s1(ste, 1ULL << 50, 0, 0);		/* S1ContextPtr beyond OAS */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	for (unsigned int strw = 1; strw < 4; strw += 2) {
		ste_s1(ste, CD_TABLE, 0, 0);
		ste[1] = FIELD_PREP(STE_1_STRW, strw);	/* reserved worlds */
		ste_write(&r, 2, ste);
		CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	}
	ste_s1(ste, CD_TABLE, 0, 0);
	ste[1] = FIELD_PREP(STE_1_STRW, 2);		/* EL2 with HYP: fine */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_TRANSLATION);

	/* Stage 2 fields. */
	ste_s2(ste, PGD);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_TRANSLATION);
	CHECK(last[1] & EVT_1_S2);
	{
		static const struct { u64 clear, set; } bad[] = {
			{ STE_2_S2AA64, 0 },
			{ 0, STE_2_S2ENDI },
			{ 0, STE_2_S2S },
			{ STE_2_S2TG, FIELD_PREP(STE_2_S2TG, 3) },
			{ STE_2_S2T0SZ, FIELD_PREP(STE_2_S2T0SZ, 10) },	/* > 48-bit IPA */
			{ STE_2_S2T0SZ, FIELD_PREP(STE_2_S2T0SZ, 40) },
			{ STE_2_S2SL0, FIELD_PREP(STE_2_S2SL0, 3) },	/* reserved */
			/* level 0 needs at least a 40-bit IPA */
			{ STE_2_S2SL0 | STE_2_S2T0SZ, FIELD_PREP(STE_2_S2SL0, 2) |
						      FIELD_PREP(STE_2_S2T0SZ, 25) },
			{ STE_2_S2SL0, FIELD_PREP(STE_2_S2SL0, 0) },	/* level 2: 512 tables */
			/* 64K granule, SL0=2 (level 1) needs a 52-bit PA. */
			{ STE_2_S2TG | STE_2_S2SL0, FIELD_PREP(STE_2_S2TG, 1) |
						    FIELD_PREP(STE_2_S2SL0, 2) },
		};

		for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
			ste_s2(ste, PGD);
			ste[2] = (ste[2] & ~bad[i].clear) | bad[i].set;
			ste_write(&r, 2, ste);
			CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
		}
	}
	ste_s2(ste, PGD);
	ste[2] = (ste[2] & ~STE_2_S2PS) | FIELD_PREP(STE_2_S2PS, 0);	/* 32-bit PA */
	ste[2] = (ste[2] & ~STE_2_S2T0SZ) | FIELD_PREP(STE_2_S2T0SZ, 32);
	ste[3] = 0x100000000ULL;		/* S2TTB beyond S2PS */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	/* SubstreamID with no stage 1 to select. */
	ste_s2(ste, PGD);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, 1), EVT_C_BAD_SUBSTREAMID);
	rig_destroy(&r);

	/* Stages, granules and features the part lacks. */
	rig_default_conf(&c);
	c.stage1 = false;
	c.gran16k = false;
	c.hyp = false;
	rig_init(&r, &c);
	ste_s1(ste, CD_TABLE, 0, 0);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	ste_s2(ste, PGD);
	ste[2] = (ste[2] & ~STE_2_S2TG) | FIELD_PREP(STE_2_S2TG, 2);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	rig_destroy(&r);

	rig_default_conf(&c);
	c.stage2 = false;
	c.cd_2level = false;
	c.hyp = false;
	rig_init(&r, &c);
	ste_s2(ste, PGD);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	ste_s1(ste, CD_TABLE, 2, 1);		/* two-level CDs without CD2L */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	ste_s1(ste, CD_TABLE, 0, 0);
	ste[1] = FIELD_PREP(STE_1_STRW, 2);	/* EL2 without HYP */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);
	rig_destroy(&r);
}

static void test_bad_cd(void)
{
	static const struct { u64 clear, set; } bad[] = {
		{ CD_0_V, 0 },
		{ CD_0_AA64, 0 },
		{ 0, CD_0_ENDI },
		{ CD_0_T0SZ, FIELD_PREP(CD_0_T0SZ, 15) },
		{ CD_0_T0SZ, FIELD_PREP(CD_0_T0SZ, 40) },
		{ CD_0_TG0, FIELD_PREP(CD_0_TG0, 3) },
		/* TTB1 enabled with a reserved TG1 (0) */
		{ CD_0_EPD1, FIELD_PREP(CD_0_T1SZ, 16) },
	};
	struct smmuv3_config c;
	struct rig r;
	u64 ste[8], cd[8];

	rig_default_conf(&c);
	rig_init(&r, &c);
	ste_s1(ste, CD_TABLE, 0, 0);
	ste_write(&r, 2, ste);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		cd_make(cd, PGD);
		cd[0] = (cd[0] & ~bad[i].clear) | bad[i].set;
		cd_write(&r, CD_TABLE, cd);
		CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_CD);
	}
	/* TTB1 with TG1 = 4K (encoding 2) is fine. */
	cd_make(cd, PGD);
	cd[0] = (cd[0] & ~CD_0_EPD1) | FIELD_PREP(CD_0_T1SZ, 16) |
		FIELD_PREP(CD_0_TG1, 2);
	cd[2] = PGD;
	cd_write(&r, CD_TABLE, cd);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_TRANSLATION);

	/* CD table where there is no memory. */
	ste_s1(ste, 0x200000000ULL, 0, 0);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_CD_FETCH);
	CHECK_EQ(last[3], 0x200000000ULL);
	rig_destroy(&r);
}

static void test_ssid(void)
{
	struct smmuv3_config c;
	struct rig r;
	u64 ste[8], cd[8], l1cd = 0x40400000ULL, l2cd = 0x40410000ULL;

	rig_default_conf(&c);
	rig_init(&r, &c);
	cd_make(cd, PGD);
	for (int i = 0; i < 16; i++)
		cd_write(&r, CD_TABLE + i * 64, cd);

	/* S1CDMax 0: no SubstreamIDs. */
	ste_s1(ste, CD_TABLE, 0, 0);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, 0), EVT_C_BAD_SUBSTREAMID);

	/* Linear table of 16 CDs. */
	ste_s1(ste, CD_TABLE, 4, 0);
	ste[1] = FIELD_PREP(STE_1_S1DSS, STE_S1DSS_SSID0);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, 15), EVT_F_TRANSLATION);
	CHECK_EQ(xl(&r, 2, 16), EVT_C_BAD_SUBSTREAMID);
	CHECK_EQ(xl(&r, 2, 0), EVT_C_BAD_SUBSTREAMID);	/* S1DSS = SSID0 */
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_TRANSLATION);
	cd[0] &= ~CD_0_V;
	cd_write(&r, CD_TABLE + 9 * 64, cd);
	CHECK_EQ(xl(&r, 2, 9), EVT_C_BAD_CD);

	ste[1] = FIELD_PREP(STE_1_S1DSS, STE_S1DSS_TERMINATE);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_F_STREAM_DISABLED);
	CHECK_EQ(xl(&r, 2, 0), EVT_F_TRANSLATION);
	ste[1] = FIELD_PREP(STE_1_S1DSS, STE_S1DSS_BYPASS);
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), 0);
	ste[1] = FIELD_PREP(STE_1_S1DSS, 3);	/* reserved */
	ste_write(&r, 2, ste);
	CHECK_EQ(xl(&r, 2, SMMUV3_NO_SSID), EVT_C_BAD_STE);

	/* Two-level CD table, 4K leaves (64 CDs each). */
	ste_s1(ste, l1cd, 8, 1);
	ste_write(&r, 2, ste);
	phys_write64(r.mem, l1cd + 8, l2cd | L1CD_V);
	cd_make(cd, PGD);
	cd_write(&r, l2cd + 5 * 64, cd);
	CHECK_EQ(xl(&r, 2, 64 + 5), EVT_F_TRANSLATION);
	CHECK_EQ(xl(&r, 2, 64 + 6), EVT_C_BAD_CD);
	CHECK_EQ(xl(&r, 2, 5), EVT_C_BAD_SUBSTREAMID);		/* L1 V = 0 */
	phys_write64(r.mem, l1cd + 16, 0x200000000ULL | L1CD_V);
	CHECK_EQ(xl(&r, 2, 128), EVT_F_CD_FETCH);
	CHECK_EQ(last[3], 0x200000000ULL);
	rig_destroy(&r);
}

/* Random STEs and CDs, random transactions: nothing crashes. */
static void test_garbage(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	u64 seed = 7, ste[8], cd[8];
	unsigned int bad = 0, faults = 0;
	int ret;

	rig_default_conf(&c);
	rig_init(&r, &c);
	for (int i = 0; i < 20000; i++) {
		for (int j = 0; j < 8; j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			ste[j] = seed ^ (seed << 17);
			cd[j] = seed * 0x9e3779b97f4a7c15ULL;
		}
		/* Point most structures at memory that exists. */
		if (i & 1) {
			ste[0] = (ste[0] & ~(STE_0_S1CTXPTR)) | CD_TABLE | STE_0_V;
			ste[3] = PGD;
			cd[1] = PGD;
		}
		if (i & 2)
			ste[2] = (ste[2] & ~STE_2_S2TG) | STE_2_S2AA64;
		ste_write(&r, i & 255, ste);
		cd_write(&r, CD_TABLE + (i & 3) * 64, cd);
		cmd_cfgi_ste(&r, i & 255);
		ret = smmuv3_translate(r.smmu, i & 255, (i & 4) ? (u32)seed & 7 : SMMUV3_NO_SSID,
				       seed, (unsigned int)seed & 15, &res);
		/* Success, an architected event type, or a silent abort. */
		if (ret < 0 || (ret >= 0x100 && ret != SMMUV3_ABORT))
			bad++;
		else if (ret)
			faults++;
		evt_drain(&r);
	}
	CHECK_EQ(bad, 0);
	CHECK(faults > 0);	/* random STEs mostly fault: C_BAD_STE and friends */
	rig_destroy(&r);
}

int main(void)
{
	test_basic();
	test_two_level();
	test_bad_ste();
	test_bad_cd();
	test_ssid();
	test_garbage();
	return test_done();
}
