// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 model's hooks for a VMM (smmuv3.h): the command trap sees each
 * CFGI/TLBI after the model ran it and can stop the queue with a CERROR;
 * smmuv3_trap_read_ste reads the driver's STE from inside the trap; an
 * injected event record lands in the event queue like the model's own
 * (interrupt, full queue, overflow, disabled queue, a base in no memory).
 */
#include "tests/smmuv3_rig.h"

struct trap_log {
	unsigned int calls;
	u64 last[2];
	u64 ste[8];
	int ste_ret;
	u32 refuse_op;		/* answer CERROR_ILL to this opcode */
};

static u32 trap_cmd(void *opaque, struct smmuv3 *smmu, const u64 c[2])
{
	struct trap_log *t = opaque;

	t->calls++;
	t->last[0] = c[0];
	t->last[1] = c[1];
	if (FIELD_GET(CMD_0_OP, c[0]) == CMD_CFGI_STE)
		t->ste_ret = smmuv3_trap_read_ste(smmu, FIELD_GET(CMD_0_SID, c[0]),
						  t->ste);
	return FIELD_GET(CMD_0_OP, c[0]) == t->refuse_op ? CERROR_ILL : 0;
}

static const struct smmuv3_cmd_trap_ops trap_ops = { .cmd = trap_cmd };

static void test_trap(void)
{
	struct smmuv3_config conf;
	struct trap_log t = { 0 };
	struct rig r;

	rig_default_conf(&conf);
	rig_init(&r, &conf);
	smmuv3_set_cmd_trap(r.smmu, &trap_ops, &t);

	/* A CFGI_STE: the trap reads the STE the driver wrote. */
	phys_write64(r.mem, RIG_STRTAB + 5 * 64, 0x1234567 | 1);
	phys_write64(r.mem, RIG_STRTAB + 5 * 64 + 56, 0xabcdef);
	cmd_cfgi_ste(&r, 5);
	CHECK_EQ(t.calls, 1);
	CHECK_EQ(FIELD_GET(CMD_0_SID, t.last[0]), 5);
	CHECK_EQ(t.ste_ret, 0);
	CHECK_EQ(t.ste[0], 0x1234567 | 1);
	CHECK_EQ(t.ste[7], 0xabcdef);
	/* A StreamID beyond the 256-entry table. */
	cmd_cfgi_ste(&r, 300);
	CHECK_EQ(t.ste_ret, -ERANGE);
	/* TLBIs are shown; SYNC and PREFETCH are not. */
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_ASID, 7), 0);
	CHECK_EQ(t.calls, 3);
	CHECK_EQ(FIELD_GET(CMD_0_ASID, t.last[0]), 7);
	cmd(&r, CMD_SYNC, 0);
	cmd(&r, CMD_PREFETCH_CONFIG, 0);
	CHECK_EQ(t.calls, 3);
	/* A command the model refuses never reaches the trap. */
	cmd(&r, CMD_CFGI_STE | CMD_0_SSEC, 0);
	CHECK_EQ(t.calls, 3);
	CHECK(cmdq_stopped(&r));
	CHECK_EQ(FIELD_GET(CMDQ_CONS_ERR, rd32(&r, SMMU_CMDQ_CONS)), CERROR_ILL);
	phys_write64(r.mem, RIG_CMDQ + ((r.cmdq_prod - 1) & 0xff) * 16, CMD_SYNC);
	wr32(&r, SMMU_GERRORN, rd32(&r, SMMU_GERROR));
	CHECK(!cmdq_stopped(&r));

	/* The trap's refusal stops the queue at that command. */
	t.refuse_op = CMD_TLBI_NH_ALL;
	cmd(&r, CMD_TLBI_NH_ALL, 0);
	CHECK(cmdq_stopped(&r));
	CHECK_EQ(FIELD_GET(CMDQ_CONS_ERR, rd32(&r, SMMU_CMDQ_CONS)), CERROR_ILL);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS) & 0x1ff, (r.cmdq_prod - 1) & 0x1ff);

	/* Removed: nothing more is shown. */
	smmuv3_set_cmd_trap(r.smmu, NULL, NULL);
	t.calls = 0;
	phys_write64(r.mem, RIG_CMDQ + ((r.cmdq_prod - 1) & 0xff) * 16, CMD_SYNC);
	wr32(&r, SMMU_GERRORN, rd32(&r, SMMU_GERROR));
	cmd_cfgi_ste(&r, 5);
	CHECK_EQ(t.calls, 0);
	CHECK(!cmdq_stopped(&r));
	rig_destroy(&r);
}

static void test_inject(void)
{
	struct smmuv3_config conf;
	u64 rec[4] = { 0x10 | (0x77ULL << 32), 0x1, 0x5000, 0 }, got[4];
	unsigned int n = 1u << RIG_EVTQ_LOG2;
	struct rig r;

	rig_default_conf(&conf);
	rig_create(&r, &conf);
	/* Event queue disabled. */
	CHECK_EQ(smmuv3_inject_event(r.smmu, rec), -ENODEV);
	rig_destroy(&r);

	rig_init(&r, &conf);
	CHECK_EQ(smmuv3_inject_event(r.smmu, rec), 0);
	CHECK_EQ(r.nr_evtq_irq, 1);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), 1);
	REQUIRE(phys_read(r.mem, RIG_EVTQ, got, sizeof(got)) == 0);
	CHECK(memcmp(got, rec, sizeof(rec)) == 0);
	/* Fill it: the record after the last slot is lost and OVFLG set. */
	for (unsigned int i = 1; i < n; i++)
		CHECK_EQ(smmuv3_inject_event(r.smmu, rec), 0);
	CHECK_EQ(smmuv3_inject_event(r.smmu, rec), -ENOSPC);
	CHECK(rd32(&r, SMMU_EVENTQ_PROD) & EVTQ_PROD_OVFLG);
	rig_destroy(&r);

	/* A queue base in no memory: EVTQ_ABT_ERR. */
	rig_create(&r, &conf);
	wr64(&r, SMMU_STRTAB_BASE, RIG_STRTAB);
	wr32(&r, SMMU_STRTAB_BASE_CFG, 8);
	wr64(&r, SMMU_CMDQ_BASE, RIG_CMDQ | RIG_CMDQ_LOG2);
	wr64(&r, SMMU_EVENTQ_BASE, 0x1000 | RIG_EVTQ_LOG2);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	CHECK_EQ(smmuv3_inject_event(r.smmu, rec), -EFAULT);
	CHECK((rd32(&r, SMMU_GERROR) ^ rd32(&r, SMMU_GERRORN)) & GERROR_EVTQ_ABT_ERR);
	rig_destroy(&r);
}

int main(void)
{
	test_trap();
	test_inject();
	return test_done();
}
