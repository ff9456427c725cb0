// SPDX-License-Identifier: MIT
/*
 * SMMUv3 command queue: the driver produces 16-byte commands in memory and
 * writes CMDQ_PROD; the model consumes them at once, in order, up to PROD
 * (Arm IHI0070 4 and 7.1).
 *
 * A command that cannot be executed stops the queue: CMDQ_CONS keeps
 * pointing at it, CMDQ_CONS.ERR says why (CERROR_ILL for an unknown opcode,
 * a command for a feature the implementation lacks, or an illegal field;
 * CERROR_ABT when the fetch hit no memory) and GERROR.CMDQ_ERR toggles.
 * Consumption resumes from CONS once the driver acknowledges the error
 * through GERRORN, so a driver that rewrote the faulting entry (Linux turns
 * it into a CMD_SYNC) sees it executed.
 *
 * Invalidations remove what the architecture requires and no more, so
 * that a driver relying on luck fails here: Leaf=1 leaves walk-cache
 * entries, and a range's TTL hint keeps TLB entries of other levels (Arm
 * DDI0487: with a wrong TTL nothing need be invalidated).
 */
#include "hw/smmuv3/smmuv3-internal.h"

static u16 cmd_vmid(const struct smmuv3 *smmu, u64 c0)
{
	u16 vmid = FIELD_GET(CMD_0_VMID, c0);

	return smmu->conf.vmid16 ? vmid : (vmid & 0xff);
}

static u16 cmd_asid(const struct smmuv3 *smmu, u64 c0)
{
	u16 asid = FIELD_GET(CMD_0_ASID, c0);

	return smmu->conf.asid16 ? asid : (asid & 0xff);
}

/* The address range a TLBI_*_VA / _IPA command covers, inclusive. */
static void cmd_range(const struct smmuv3 *smmu, u64 c0, u64 c1, u64 addr,
		      struct smmu_tlb_inv *inv)
{
	unsigned int tg = FIELD_GET(CMD_1_TG, c1);

	inv->match_range = true;
	inv->leaf = c1 & CMD_1_LEAF;
	inv->start = addr;
	inv->end = addr;
	if (smmu->conf.range_inv && tg) {
		inv->ttl = FIELD_GET(CMD_1_TTL, c1);
		unsigned int gshift = 12 + (tg - 1) * 2;
		unsigned int shift = FIELD_GET(CMD_0_SCALE, c0) + gshift;
		u64 num = FIELD_GET(CMD_0_NUM, c0) + 1;
		u64 len = shift >= 58 ? ~0ULL : (num << shift) - 1;

		inv->end = addr + len < addr ? ~0ULL : addr + len;
	}
}

/* The TLB invalidation opcodes this implementation decodes. */
static bool cmd_is_tlbi(unsigned int op)
{
	switch (op) {
	case CMD_TLBI_NH_ALL:
	case CMD_TLBI_NH_ASID:
	case CMD_TLBI_NH_VA:
	case CMD_TLBI_NH_VAA:
	case CMD_TLBI_EL2_ALL:
	case CMD_TLBI_EL2_ASID:
	case CMD_TLBI_EL2_VA:
	case CMD_TLBI_EL2_VAA:
	case CMD_TLBI_S12_VMALL:
	case CMD_TLBI_S2_IPA:
	case CMD_TLBI_NSNH_ALL:
		return true;
	}
	return false;
}

static int cmd_tlbi(struct smmuv3 *smmu, unsigned int op, u64 c0, u64 c1)
{
	struct smmu_tlb_inv inv = { 0 };
	const unsigned int nh = BIT(TLB_S1) | BIT(TLB_S12);

	switch (op) {
	case CMD_TLBI_NH_ALL:
	case CMD_TLBI_NH_ASID:
	case CMD_TLBI_NH_VA:
	case CMD_TLBI_NH_VAA:
		if (!smmu->conf.stage1)
			return CERROR_ILL;
		inv.kinds = nh;
		inv.match_vmid = true;
		inv.vmid = cmd_vmid(smmu, c0);
		if (op == CMD_TLBI_NH_ASID || op == CMD_TLBI_NH_VA) {
			inv.match_asid = true;
			inv.asid = cmd_asid(smmu, c0);
		}
		inv.global_too = op == CMD_TLBI_NH_VA;
		if (op == CMD_TLBI_NH_VA || op == CMD_TLBI_NH_VAA)
			cmd_range(smmu, c0, c1, c1 & CMD_1_VA, &inv);
		break;
	case CMD_TLBI_EL2_ALL:
	case CMD_TLBI_EL2_ASID:
	case CMD_TLBI_EL2_VA:
	case CMD_TLBI_EL2_VAA:
		if (!smmu->conf.hyp)	/* implies stage1 (smmuv3_create) */
			return CERROR_ILL;
		inv.kinds = BIT(TLB_EL2);
		if (op == CMD_TLBI_EL2_ASID || op == CMD_TLBI_EL2_VA) {
			inv.match_asid = true;
			inv.asid = cmd_asid(smmu, c0);
		}
		inv.global_too = op == CMD_TLBI_EL2_VA;
		if (op == CMD_TLBI_EL2_VA || op == CMD_TLBI_EL2_VAA)
			cmd_range(smmu, c0, c1, c1 & CMD_1_VA, &inv);
		break;
	case CMD_TLBI_S12_VMALL:
		if (!smmu->conf.stage2)
			return CERROR_ILL;
		inv.kinds = nh | BIT(TLB_S2);
		inv.match_vmid = true;
		inv.vmid = cmd_vmid(smmu, c0);
		break;
	case CMD_TLBI_S2_IPA:
		/* Stage-2 entries only: combined S1+S2 entries need TLBI_NH_*
		 * (or S12_VMALL), as Linux issues after unmapping a nest parent. */
		if (!smmu->conf.stage2)
			return CERROR_ILL;
		inv.kinds = BIT(TLB_S2);
		inv.match_vmid = true;
		inv.vmid = cmd_vmid(smmu, c0);
		cmd_range(smmu, c0, c1, c1 & CMD_1_IPA, &inv);
		break;
	case CMD_TLBI_NSNH_ALL:
		inv.kinds = nh | BIT(TLB_S2);
		break;
	}
	smmu_tlb_invalidate(smmu, &inv);
	return CERROR_NONE;
}

static int cmd_sync(struct smmuv3 *smmu, u64 c0, u64 c1)
{
	u64 msi_addr = c1 & CMD_SYNC_1_MSIADDR;

	switch (FIELD_GET(CMD_SYNC_0_CS, c0)) {
	case CMD_SYNC_CS_NONE:
		break;
	case CMD_SYNC_CS_IRQ:
		if (smmu->conf.msi && msi_addr) {
			smmu_msi_post(smmu, SMMU_MSI_SYNC, msi_addr,
				      FIELD_GET(CMD_SYNC_0_MSIDATA, c0),
				      GERROR_MSI_CMDQ_ABT_ERR);
			return -EINPROGRESS;	/* consumed once it is sent */
		} else {
			smmu->pending_irqs |= PEND_SYNC;
		}
		break;
	case CMD_SYNC_CS_SEV:
		if (!smmu->conf.sev)
			return CERROR_ILL;
		smmu->pending_irqs |= PEND_SEV;
		break;
	default:
		return CERROR_ILL;
	}
	return CERROR_NONE;
}

static int cmd_execute(struct smmuv3 *smmu, u64 c0, u64 c1)
{
	unsigned int op = FIELD_GET(CMD_0_OP, c0);
	u32 sid = FIELD_GET(CMD_0_SID, c0);

	switch (op) {
	case CMD_PREFETCH_CONFIG:
	case CMD_PREFETCH_ADDR:
		/* Hints: an implementation may ignore them. */
		return CERROR_NONE;
	case CMD_CFGI_STE:
		if (c0 & CMD_0_SSEC)
			return CERROR_ILL;
		smmu_cfg_cache_inv_sid(smmu, sid, sid);
		return CERROR_NONE;
	case CMD_CFGI_STE_RANGE: {	/* CFGI_ALL is Range = 31 */
		unsigned int range = FIELD_GET(CMD_1_RANGE, c1);
		u32 mask = range >= 31 ? ~0u : (u32)((2ULL << range) - 1);

		if (c0 & CMD_0_SSEC)
			return CERROR_ILL;
		smmu_cfg_cache_inv_sid(smmu, sid & ~mask, sid | mask);
		return CERROR_NONE;
	}
	case CMD_CFGI_CD:
		if (c0 & CMD_0_SSEC)
			return CERROR_ILL;
		smmu_cfg_cache_inv_cd(smmu, sid, FIELD_GET(CMD_0_SSID, c0));
		return CERROR_NONE;
	case CMD_CFGI_CD_ALL:
		if (c0 & CMD_0_SSEC)
			return CERROR_ILL;
		/* Every cached CD of the stream (STE kept or not: both fine). */
		smmu_cfg_cache_inv_sid(smmu, sid, sid);
		return CERROR_NONE;
	case CMD_SYNC:
		return cmd_sync(smmu, c0, c1);
	}
	if (cmd_is_tlbi(op))
		return cmd_tlbi(smmu, op, c0, c1);
	/* Unknown, or ATS/PRI/stall commands this implementation lacks. */
	return CERROR_ILL;
}

/* What smmuv3_set_cmd_trap() shows: configuration and TLB invalidation. */
static bool cmd_trapped(u64 c0)
{
	switch (FIELD_GET(CMD_0_OP, c0)) {
	case CMD_CFGI_STE:
	case CMD_CFGI_STE_RANGE:
	case CMD_CFGI_CD:
	case CMD_CFGI_CD_ALL:
		return true;
	}
	return cmd_is_tlbi(FIELD_GET(CMD_0_OP, c0));
}

void smmuv3_set_cmd_trap(struct smmuv3 *smmu,
			 const struct smmuv3_cmd_trap_ops *ops, void *opaque)
{
	smmu_lock(smmu);
	smmu->trap = ops && ops->cmd ? ops : NULL;
	smmu->trap_opaque = opaque;
	smmu_unlock(smmu);
}

void smmu_cmdq_process(struct smmuv3 *smmu)
{
	unsigned int log2 = FIELD_GET(Q_BASE_LOG2SIZE, smmu->cmdq_base);
	u32 mask = (2u << log2) - 1;		/* index and wrap bit */
	u64 base = smmu->cmdq_base & Q_BASE_ADDR & ~((16ULL << log2) - 1);

	if (!(smmu->cr0 & CR0_CMDQEN))
		return;
	while (!((smmu->gerror ^ smmu->gerrorn) & GERROR_CMDQ_ERR)) {
		u32 cons = smmu->cmdq_cons & mask;
		u32 sync = smmu->cmdq_sync_msi;
		u64 cmd[2];
		int err;

		if (cons == (smmu->cmdq_prod & mask))
			break;
		if (sync && (sync & mask) == cons) {
			if (sync & SYNC_MSI_POSTED)
				break;	/* its sender goes on once it is written */
			smmu->cmdq_sync_msi = 0;	/* written: consumed */
			smmu->cmdq_cons = (smmu->cmdq_cons & CMDQ_CONS_ERR) |
					  ((cons + 1) & mask);
			continue;
		}
		if (phys_read(smmu->mem, base + (u64)(cons & (mask >> 1)) * 16,
			      cmd, sizeof(cmd)))
			err = CERROR_ABT;
		else
			err = cmd_execute(smmu, cmd[0], cmd[1]);
		if (!err && smmu->trap && cmd_trapped(cmd[0]))
			err = smmu->trap->cmd(smmu->trap_opaque, smmu, cmd) &
			      0x7f;
		if (err <= 0 && FIELD_GET(CMD_0_OP, cmd[0]) < SMMUV3_STATS_OPCODES)
			smmu->stats.commands[FIELD_GET(CMD_0_OP, cmd[0])]++;
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_CMDQ,
			 "smmuv3_cmdq_opcode <--- %s 0x%016llx 0x%016llx%s",
			 smmuv3_cmd_name((unsigned int)FIELD_GET(CMD_0_OP, cmd[0])) ?: "(unknown)",
			 (unsigned long long)cmd[0], (unsigned long long)cmd[1],
			 err > 0 ? " (error)" : "");
		if (err == -EINPROGRESS) {
			/* Not consumed until smmu_unlock() has sent its MSI. */
			smmu->cmdq_sync_msi = cons | SYNC_MSI_POSTED;
			smmu->pending_irqs |= PEND_CMDQ;
			break;
		}
		if (err) {
			smmu->stats.cmd_errors++;
			hw_trace(&smmu->trace, IOMMUSIM_TRACE_CMDQ,
				 "smmuv3_cmdq_consume_error cons=0x%x CMDQ_CONS.ERR=%d", cons, err);
			smmu->cmdq_cons = cons | FIELD_PREP(CMDQ_CONS_ERR, err);
			smmu_raise_gerror(smmu, GERROR_CMDQ_ERR);
			break;
		}
		smmu->cmdq_cons = (smmu->cmdq_cons & CMDQ_CONS_ERR) |
				  ((cons + 1) & mask);
	}
}
