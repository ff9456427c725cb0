// SPDX-License-Identifier: MIT
/*
 * SMMUv3 command queue: every command is consumed, SYNC completes by
 * wired interrupt, MSI or SEV, errors stop the queue with the architected
 * CMDQ_CONS.ERR and GERROR.CMDQ_ERR and it resumes after GERRORN, the
 * configuration cache is only refreshed by CFGI_*, and random commands
 * never crash the model.  (TLBI effects are in smmuv3_translate.c.)
 */
/* Stale on purpose (tests/smmuv3_rig.h): STEs rewritten without CFGI. */
#define RIG_STALE_ON_PURPOSE	SMMUV3_COHERENCY_REPORT
#include "tests/smmuv3_rig.h"

static u32 cons_idx(struct rig *r)
{
	return rd32(r, SMMU_CMDQ_CONS) & ((2u << RIG_CMDQ_LOG2) - 1);
}

static u32 cons_err(struct rig *r)
{
	return FIELD_GET(CMDQ_CONS_ERR, rd32(r, SMMU_CMDQ_CONS));
}

/* The driver's recovery, as Linux's arm_smmu_cmdq_skip_err(): replace the
 * bad entry with a SYNC and acknowledge. */
static void skip_err(struct rig *r)
{
	u32 cons = cons_idx(r) & ((1u << RIG_CMDQ_LOG2) - 1);

	phys_write64(r->mem, RIG_CMDQ + cons * 16, CMD_SYNC);
	phys_write64(r->mem, RIG_CMDQ + cons * 16 + 8, 0);
	wr32(r, SMMU_GERRORN, rd32(r, SMMU_GERROR));
}

static void test_sync(void)
{
	struct smmuv3_config c;
	struct rig r;
	u64 msi = 0x40080000ULL;

	rig_default_conf(&c);
	rig_init(&r, &c);

	cmd(&r, CMD_SYNC, 0);
	CHECK_EQ(cons_idx(&r), 1);
	CHECK_EQ(r.nr_sync_irq, 0);

	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ), 0);
	CHECK_EQ(cons_idx(&r), 2);
	CHECK_EQ(r.nr_sync_irq, 1);

	/* MSI completion: MSIData written to MSIAddr, no wired interrupt. */
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ) |
	    FIELD_PREP(CMD_SYNC_0_MSIDATA, 0xcafe), msi);
	CHECK_EQ(*(u32 *)phys_ram_ptr(r.mem, msi, 4), 0xcafe);
	CHECK_EQ(r.nr_sync_irq, 1);

	/* Linux's polling style: the MSI targets the SYNC entry itself. */
	{
		u64 self = RIG_CMDQ + (r.cmdq_prod & 0xff) * 16;

		cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ) |
		    FIELD_PREP(CMD_SYNC_0_MSIDATA, 0), self);
		CHECK_EQ(*(u32 *)phys_ram_ptr(r.mem, self, 4), 0);
	}

	/* An MSI to nowhere: GERROR.MSI_CMDQ_ABT_ERR, the queue goes on. */
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ) |
	    FIELD_PREP(CMD_SYNC_0_MSIDATA, 1), 0x1000);
	CHECK_EQ(rd32(&r, SMMU_GERROR), GERROR_MSI_CMDQ_ABT_ERR);
	CHECK(!cmdq_stopped(&r));
	CHECK_EQ(cons_idx(&r), r.cmdq_prod);
	wr32(&r, SMMU_GERRORN, rd32(&r, SMMU_GERROR));

	/* SEV. */
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_SEV), 0);
	CHECK_EQ(r.nr_sev, 1);

	/* CS = 0b11 is reserved: CERROR_ILL. */
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, 3), 0);
	CHECK(cmdq_stopped(&r));
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	CHECK(!cmdq_stopped(&r));
	CHECK_EQ(cons_idx(&r), r.cmdq_prod);
	rig_destroy(&r);

	/* Without MSI support the wired line signals even with an address. */
	rig_default_conf(&c);
	c.msi = false;
	c.sev = false;
	rig_init(&r, &c);
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ) |
	    FIELD_PREP(CMD_SYNC_0_MSIDATA, 0xcafe), msi);
	CHECK_EQ(r.nr_sync_irq, 1);
	CHECK_EQ(*(u32 *)phys_ram_ptr(r.mem, msi, 4), 0);
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_SEV), 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	rig_destroy(&r);
}

static void test_errors(void)
{
	static const u8 illegal[] = { 0x00, 0x07, 0x0f, 0x14, 0x29, 0x2b, 0x31,
				      0x40, 0x41, 0x44, 0x45, 0x47, 0xff };
	struct smmuv3_config c;
	struct rig r;

	rig_default_conf(&c);
	rig_init(&r, &c);

	for (unsigned int i = 0; i < sizeof(illegal); i++) {
		u32 at = r.cmdq_prod;

		cmd_push(&r, CMD_SYNC, 0);
		cmd_push(&r, illegal[i], 0);
		cmd_push(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ), 0);
		cmd_kick(&r);
		/* Stopped at the bad command, which is not consumed. */
		CHECK(cmdq_stopped(&r));
		CHECK_EQ(cons_idx(&r), (at + 1) & 0x1ff);
		CHECK_EQ(cons_err(&r), CERROR_ILL);
		CHECK_EQ(r.nr_sync_irq, i);
		/* Further PROD writes do nothing while the error is active. */
		cmd_kick(&r);
		CHECK_EQ(cons_idx(&r), (at + 1) & 0x1ff);
		skip_err(&r);
		CHECK(!cmdq_stopped(&r));
		CHECK_EQ(cons_idx(&r), r.cmdq_prod);
		CHECK_EQ(r.nr_sync_irq, i + 1);
	}
	CHECK_EQ(r.nr_gerror_irq, sizeof(illegal));

	/* Secure-stream invalidations are illegal on a non-secure queue. */
	cmd(&r, CMD_CFGI_STE | CMD_0_SSEC, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	cmd(&r, CMD_CFGI_CD | CMD_0_SSEC, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);

	/* A command fetch that hits no memory: CERROR_ABT. */
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_EVTQEN);
	wr64(&r, SMMU_CMDQ_BASE, 0x100000000ULL | 4);
	wr32(&r, SMMU_CMDQ_CONS, 0);
	wr32(&r, SMMU_CMDQ_PROD, 0);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);
	wr32(&r, SMMU_CMDQ_PROD, 1);
	CHECK(cmdq_stopped(&r));
	CHECK_EQ(cons_err(&r), CERROR_ABT);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS) & 0x1f, 0);
	rig_destroy(&r);

	/* Commands for stages or features the part lacks. */
	rig_default_conf(&c);
	c.stage2 = false;
	c.hyp = false;
	rig_init(&r, &c);
	cmd(&r, CMD_TLBI_S2_IPA, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	cmd(&r, CMD_TLBI_S12_VMALL, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	cmd(&r, CMD_TLBI_EL2_ALL, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	cmd(&r, CMD_TLBI_NH_ALL, 0);
	CHECK(!cmdq_stopped(&r));
	rig_destroy(&r);

	rig_default_conf(&c);
	c.stage1 = false;
	c.hyp = false;
	rig_init(&r, &c);
	CHECK(!(rd32(&r, SMMU_IDR0) & (IDR0_S1P | IDR0_HYP)));
	cmd(&r, CMD_TLBI_EL2_ALL, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	cmd(&r, CMD_TLBI_NH_VA, 0);
	CHECK_EQ(cons_err(&r), CERROR_ILL);
	skip_err(&r);
	cmd(&r, CMD_TLBI_S2_IPA, 0);
	CHECK(!cmdq_stopped(&r));
	rig_destroy(&r);
}

/* Every valid command is consumed without error. */
static void test_all_commands(void)
{
	static const u8 ops[] = {
		CMD_PREFETCH_CONFIG, CMD_PREFETCH_ADDR, CMD_CFGI_STE,
		CMD_CFGI_STE_RANGE, CMD_CFGI_CD, CMD_CFGI_CD_ALL,
		CMD_TLBI_NH_ALL, CMD_TLBI_NH_ASID, CMD_TLBI_NH_VA,
		CMD_TLBI_NH_VAA, CMD_TLBI_EL2_ALL, CMD_TLBI_EL2_ASID,
		CMD_TLBI_EL2_VA, CMD_TLBI_EL2_VAA, CMD_TLBI_S12_VMALL,
		CMD_TLBI_S2_IPA, CMD_TLBI_NSNH_ALL, CMD_SYNC,
	};
	struct smmuv3_config c;
	struct rig r;

	rig_default_conf(&c);
	rig_init(&r, &c);
	/* More than the queue holds in total: CONS wraps. */
	for (unsigned int n = 0; n < 3 * 256; n++) {
		cmd_push(&r, ops[n % sizeof(ops)] | FIELD_PREP(CMD_0_SID, n), 0);
		if (n % 100 == 99)
			cmd_kick(&r);
	}
	cmd_kick(&r);
	CHECK(!cmdq_stopped(&r));
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);
	CHECK_EQ(r.cmdq_prod, (3 * 256) & 0x1ff);

	/* Disabled queue: PROD moves, nothing is consumed until CMDQEN. */
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_EVTQEN);
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ), 0);
	CHECK_EQ(r.nr_sync_irq, 0);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);
	CHECK_EQ(r.nr_sync_irq, 1);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);
	rig_destroy(&r);
}

static void ste_bypass(u64 ste[8])
{
	memset(ste, 0, 64);
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS);
}

static void ste_abort(u64 ste[8])
{
	memset(ste, 0, 64);
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_ABORT);
}

static int xlate(struct rig *r, u32 sid)
{
	struct smmuv3_result res;

	return smmuv3_translate(r->smmu, sid, SMMUV3_NO_SSID, 0x1000,
				SMMUV3_READ, &res);
}

/* The configuration cache only refreshes on CFGI_*. */
static void test_cfgi(void)
{
	struct smmuv3_config c;
	struct rig r;
	u64 ste[8];

	rig_default_conf(&c);
	rig_init(&r, &c);
	ste_bypass(ste);
	for (u32 sid = 0; sid < 40; sid++)
		ste_write(&r, sid, ste);
	for (u32 sid = 0; sid < 40; sid++)
		CHECK_EQ(xlate(&r, sid), 0);

	ste_abort(ste);
	for (u32 sid = 0; sid < 40; sid++)
		ste_write(&r, sid, ste);
	/* Stale STEs survive until invalidated. */
	CHECK_EQ(xlate(&r, 5), 0);
	cmd(&r, CMD_PREFETCH_CONFIG | FIELD_PREP(CMD_0_SID, 5), 0);
	CHECK_EQ(xlate(&r, 5), 0);
	cmd(&r, CMD_TLBI_NSNH_ALL, 0);
	CHECK_EQ(xlate(&r, 5), 0);
	cmd_cfgi_ste(&r, 5);
	CHECK_EQ(xlate(&r, 5), SMMUV3_ABORT);
	CHECK_EQ(xlate(&r, 4), 0);
	CHECK_EQ(xlate(&r, 6), 0);

	/* CFGI_STE_RANGE: SID 9, Range 2 covers SIDs 8..15. */
	cmd(&r, CMD_CFGI_STE_RANGE | FIELD_PREP(CMD_0_SID, 9), 2);
	for (u32 sid = 8; sid < 16; sid++)
		CHECK_EQ(xlate(&r, sid), SMMUV3_ABORT);
	CHECK_EQ(xlate(&r, 7), 0);
	CHECK_EQ(xlate(&r, 16), 0);

	/* CFGI_CD_ALL drops what was cached for the stream too. */
	cmd(&r, CMD_CFGI_CD_ALL | FIELD_PREP(CMD_0_SID, 7), 0);
	CHECK_EQ(xlate(&r, 7), SMMUV3_ABORT);
	CHECK_EQ(xlate(&r, 16), 0);

	/* CFGI_ALL. */
	cmd(&r, CMD_CFGI_STE_RANGE, 31);
	for (u32 sid = 0; sid < 40; sid++)
		CHECK_EQ(xlate(&r, sid), SMMUV3_ABORT);

	/* Every stream of the table cached (slots all over the cache, some
	 * shared); a range drops each of its streams, wherever cached. */
	ste_bypass(ste);
	for (u32 sid = 0; sid < 256; sid++)
		ste_write(&r, sid, ste);
	cmd(&r, CMD_CFGI_STE_RANGE, 31);
	for (u32 sid = 0; sid < 256; sid++)
		CHECK_EQ(xlate(&r, sid), 0);
	ste_abort(ste);
	for (u32 sid = 0; sid < 256; sid++)
		ste_write(&r, sid, ste);
	cmd(&r, CMD_CFGI_STE_RANGE | FIELD_PREP(CMD_0_SID, 0x80), 6);
	for (u32 sid = 0x80; sid < 0x100; sid++)
		CHECK_EQ(xlate(&r, sid), SMMUV3_ABORT);
	rig_destroy(&r);
}

/* Random commands, recovering after each error: nothing crashes. */
static void test_garbage(void)
{
	struct smmuv3_config c;
	struct rig r;
	u64 seed = 42;
	unsigned int errors = 0;

	rig_default_conf(&c);
	rig_init(&r, &c);
	for (int i = 0; i < 20000; i++) {
		u64 c0, c1;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		c0 = seed ^ (seed >> 29);
		c1 = seed * 0x9e3779b97f4a7c15ULL;
		/* Mostly valid opcodes with garbage fields. */
		if (i & 1)
			c0 = (c0 & ~0xffULL) | (u8)((c0 >> 8) % 0x48);
		cmd(&r, c0, c1);
		if (cmdq_stopped(&r)) {
			errors++;
			skip_err(&r);
		}
		evt_drain(&r);
	}
	CHECK(errors > 0);
	CHECK(!cmdq_stopped(&r));
	rig_destroy(&r);
}

int main(void)
{
	test_sync();
	test_errors();
	test_all_commands();
	test_cfgi();
	test_garbage();
	return test_done();
}
