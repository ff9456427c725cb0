// SPDX-License-Identifier: MIT
/*
 * The command queue: commands built from struct arm_smmu_cmdq_ent as
 * Linux's arm_smmu_cmdq_build_cmd does, written into the queue in machine
 * memory, published with one CMDQ_PROD write, and completed by a CMD_SYNC
 * whose consumption the driver polls for in CMDQ_CONS (bounded: a queue
 * that never drains gives -ETIMEDOUT, never a hang).
 *
 * Linux's queue is lock-free with many producers; here one mutex orders
 * producers, which keeps the ownership rules obvious at the cost of
 * throughput nobody measures yet.
 *
 * A command the SMMU cannot execute stops the queue with CMDQ_CONS.ERR and
 * GERROR.CMDQ_ERR.  The GERROR handler (from the wired interrupt, or from
 * the polling loop when no interrupt is wired) does what Linux's
 * arm_smmu_cmdq_skip_err does: for CERROR_ILL it overwrites the bad
 * command with a CMD_SYNC, records it, and acknowledges through GERRORN so
 * the queue restarts; a fetch abort (CERROR_ABT) is retried.
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

/* ------------------------------------------------------------------ MMIO */

u32 arm_smmu_readl(struct arm_smmu_device *smmu, u32 off)
{
	u64 v;

	if (phys_read_val(smmu->mem, smmu->base + off, 4, &v, MEM_ATTRS_NONE))
		return ~0u;
	return (u32)v;
}

/*
 * writel() orders the CPU's earlier normal-memory writes (queue entries,
 * STEs) before the register write.  Here the write enters the SMMU's MMIO
 * handler, which serialises on the device's lock, and the device reads
 * those structures under the same lock: that lock is the ordering.  A
 * standalone fence would pair with no atomic store the device reads (and
 * ThreadSanitizer does not model fences), so there is none.
 */
void arm_smmu_writel(struct arm_smmu_device *smmu, u32 off, u32 val)
{
	phys_write_val(smmu->mem, smmu->base + off, 4, val, MEM_ATTRS_NONE);
}

void arm_smmu_writeq(struct arm_smmu_device *smmu, u32 off, u64 val)
{
	phys_write_val(smmu->mem, smmu->base + off, 8, val, MEM_ATTRS_NONE);
}

int arm_smmu_write_reg_sync(struct arm_smmu_device *smmu, u32 val,
			    u32 reg, u32 ack_reg)
{
	arm_smmu_writel(smmu, reg, val);
	for (unsigned int i = 0; i < ARM_SMMU_POLL_TIMEOUT; i++) {
		if (arm_smmu_readl(smmu, ack_reg) == val)
			return 0;
		cpu_relax();
	}
	return -ETIMEDOUT;
}

/* -------------------------------------------------------------- building */

int arm_smmu_cmdq_build_cmd(u64 *cmd, const struct arm_smmu_cmdq_ent *ent)
{
	cmd[0] = FIELD_PREP(CMDQ_0_OP, ent->opcode);
	cmd[1] = 0;

	switch (ent->opcode) {
	case CMDQ_OP_TLBI_EL2_ALL:
	case CMDQ_OP_TLBI_NSNH_ALL:
		break;
	case CMDQ_OP_PREFETCH_CFG:
		cmd[0] |= FIELD_PREP(CMDQ_PREFETCH_0_SID, ent->cfgi.sid);
		break;
	case CMDQ_OP_CFGI_CD:
		cmd[0] |= FIELD_PREP(CMDQ_CFGI_0_SSID, ent->cfgi.ssid);
		/* fallthrough */
	case CMDQ_OP_CFGI_STE:
		cmd[0] |= FIELD_PREP(CMDQ_CFGI_0_SID, ent->cfgi.sid);
		cmd[1] |= FIELD_PREP(CMDQ_CFGI_1_LEAF, ent->cfgi.leaf);
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		cmd[0] |= FIELD_PREP(CMDQ_CFGI_0_SID, ent->cfgi.sid);
		break;
	case CMDQ_OP_CFGI_ALL:
		/* Range 31: every StreamID. */
		cmd[1] |= FIELD_PREP(CMDQ_CFGI_1_RANGE, 31);
		break;
	case CMDQ_OP_TLBI_NH_VA:
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_VMID, ent->tlbi.vmid);
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_ASID, ent->tlbi.asid);
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_NUM, ent->tlbi.num);
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_SCALE, ent->tlbi.scale);
		cmd[1] |= FIELD_PREP(CMDQ_TLBI_1_LEAF, ent->tlbi.leaf);
		cmd[1] |= FIELD_PREP(CMDQ_TLBI_1_TTL, ent->tlbi.ttl);
		cmd[1] |= FIELD_PREP(CMDQ_TLBI_1_TG, ent->tlbi.tg);
		cmd[1] |= ent->tlbi.addr & CMDQ_TLBI_1_VA_MASK;
		break;
	case CMDQ_OP_TLBI_S2_IPA:
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_VMID, ent->tlbi.vmid);
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_NUM, ent->tlbi.num);
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_SCALE, ent->tlbi.scale);
		cmd[1] |= FIELD_PREP(CMDQ_TLBI_1_LEAF, ent->tlbi.leaf);
		cmd[1] |= FIELD_PREP(CMDQ_TLBI_1_TTL, ent->tlbi.ttl);
		cmd[1] |= FIELD_PREP(CMDQ_TLBI_1_TG, ent->tlbi.tg);
		cmd[1] |= ent->tlbi.addr & CMDQ_TLBI_1_IPA_MASK;
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_ASID, ent->tlbi.asid);
		/* fallthrough */
	case CMDQ_OP_TLBI_NH_ALL:
	case CMDQ_OP_TLBI_S12_VMALL:
		cmd[0] |= FIELD_PREP(CMDQ_TLBI_0_VMID, ent->tlbi.vmid);
		break;
	case CMDQ_OP_CMD_SYNC:
		break;	/* CS is the queue's business: see build_sync */
	default:
		return -ENOENT;
	}
	return 0;
}

/*
 * CMD_SYNC: completion is observed by polling CMDQ_CONS, so no signal is
 * needed; where the SMMU implements SEV, ask for one as Linux does.
 */
static void arm_smmu_cmdq_build_sync(struct arm_smmu_device *smmu, u64 *cmd)
{
	cmd[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_CMD_SYNC) |
		 FIELD_PREP(CMDQ_SYNC_0_CS,
			    (smmu->features & ARM_SMMU_FEAT_SEV) ?
			    CMDQ_SYNC_0_CS_SEV : CMDQ_SYNC_0_CS_NONE);
	cmd[1] = 0;
}

/* ------------------------------------------------------------ the queue */

static inline u32 q_idx(const struct arm_smmu_queue *q, u32 p)
{
	return p & ((1u << q->max_n_shift) - 1);
}

static inline u32 q_wrp(const struct arm_smmu_queue *q, u32 p)
{
	return p & (1u << q->max_n_shift);
}

static inline u32 q_ptr(const struct arm_smmu_queue *q, u32 p)
{
	return p & ((2u << q->max_n_shift) - 1);
}

static inline u32 q_inc(const struct arm_smmu_queue *q, u32 p)
{
	return q_ptr(q, p + 1);
}

static bool q_full(const struct arm_smmu_queue *q)
{
	return q_idx(q, q->prod) == q_idx(q, q->cons) &&
	       q_wrp(q, q->prod) != q_wrp(q, q->cons);
}

static bool arm_smmu_cmdq_err_active(struct arm_smmu_device *smmu)
{
	return (arm_smmu_readl(smmu, ARM_SMMU_GERROR) ^
		arm_smmu_readl(smmu, ARM_SMMU_GERRORN)) & GERROR_CMDQ_ERR;
}

/*
 * Refresh the CONS shadow until done(q) or the bound; a stopped queue is
 * restarted through the GERROR handler on the way.  cmdq_lock held.
 */
static int arm_smmu_cmdq_poll(struct arm_smmu_device *smmu,
			      bool (*done)(const struct arm_smmu_queue *q))
{
	struct arm_smmu_queue *q = &smmu->cmdq;

	for (unsigned int i = 0; i < ARM_SMMU_POLL_TIMEOUT; i++) {
		q->cons = q_ptr(q, arm_smmu_readl(smmu, ARM_SMMU_CMDQ_CONS));
		if (done(q))
			return 0;
		if (arm_smmu_cmdq_err_active(smmu))
			arm_smmu_handle_gerror(smmu);
		else
			cpu_relax();
	}
	return -ETIMEDOUT;
}

static bool q_has_space(const struct arm_smmu_queue *q)
{
	return !q_full(q);
}

static bool q_drained(const struct arm_smmu_queue *q)
{
	return q->cons == q->prod;
}

static int arm_smmu_cmdq_write(struct arm_smmu_device *smmu, const u64 *cmd)
{
	struct arm_smmu_queue *q = &smmu->cmdq;
	u64 *ent;
	int ret;

	if (q_full(q)) {
		/* Publish what we have and wait for the SMMU to make room. */
		arm_smmu_writel(smmu, ARM_SMMU_CMDQ_PROD, q->prod);
		ret = arm_smmu_cmdq_poll(smmu, q_has_space);
		if (ret)
			return ret;
	}
	ent = q->base + (size_t)q_idx(q, q->prod) * CMDQ_ENT_DWORDS;
	ent[0] = cmd[0];
	ent[1] = cmd[1];
	q->prod = q_inc(q, q->prod);
	smmu->stats.cmds++;
	switch (FIELD_GET(CMDQ_0_OP, cmd[0])) {
	case CMDQ_OP_CFGI_STE ... CMDQ_OP_CFGI_CD_ALL:
		smmu->stats.cfgi++;
		break;
	case CMDQ_OP_TLBI_NH_ALL ... CMDQ_OP_TLBI_NSNH_ALL:
		smmu->stats.tlbi++;
		break;
	}
	return 0;
}

int arm_smmu_cmdq_issue_cmdlist(struct arm_smmu_device *smmu, const u64 *cmds,
				unsigned int n, bool sync)
{
	struct arm_smmu_queue *q = &smmu->cmdq;
	u64 cmd_sync[CMDQ_ENT_DWORDS];
	int ret = 0;

	mutex_lock(&smmu->cmdq_lock);
	for (unsigned int i = 0; i < n && !ret; i++)
		ret = arm_smmu_cmdq_write(smmu, &cmds[i * CMDQ_ENT_DWORDS]);
	if (!ret && sync) {
		arm_smmu_cmdq_build_sync(smmu, cmd_sync);
		ret = arm_smmu_cmdq_write(smmu, cmd_sync);
	}
	/* Commands written before a failure are published all the same. */
	arm_smmu_writel(smmu, ARM_SMMU_CMDQ_PROD, q->prod);
	if (!ret && sync) {
		smmu->stats.syncs++;
		/* One producer: a drained queue means our SYNC completed. */
		ret = arm_smmu_cmdq_poll(smmu, q_drained);
	}
	mutex_unlock(&smmu->cmdq_lock);
	return ret;
}

int arm_smmu_cmdq_issue_cmd_with_sync(struct arm_smmu_device *smmu,
				      const struct arm_smmu_cmdq_ent *ent)
{
	u64 cmd[CMDQ_ENT_DWORDS];

	if (KWARN_ON(smmu->k, arm_smmu_cmdq_build_cmd(cmd, ent)))
		return -EINVAL;
	return arm_smmu_cmdq_issue_cmdlist(smmu, cmd, 1, true);
}

int arm_smmu_issue_raw_cmd(struct arm_smmu_device *smmu, const u64 cmd[2])
{
	return arm_smmu_cmdq_issue_cmdlist(smmu, cmd, 1, true);
}

void arm_smmu_cmdq_batch_init(struct arm_smmu_cmdq_batch *b)
{
	b->num = 0;
}

void arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu,
			     struct arm_smmu_cmdq_batch *b,
			     const struct arm_smmu_cmdq_ent *ent)
{
	/* Leave room for the SYNC that closes the batch. */
	if (b->num == CMDQ_BATCH_ENTRIES - 1) {
		arm_smmu_cmdq_issue_cmdlist(smmu, b->cmds, b->num, false);
		b->num = 0;
	}
	if (KWARN_ON(smmu->k, arm_smmu_cmdq_build_cmd(
			&b->cmds[b->num * CMDQ_ENT_DWORDS], ent)))
		return;
	b->num++;
}

int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq_batch *b)
{
	int ret = arm_smmu_cmdq_issue_cmdlist(smmu, b->cmds, b->num, true);

	b->num = 0;
	return ret;
}

/* ----------------------------------------------------------------- GERROR */

/* Linux's arm_smmu_cmdq_skip_err; gerror_lock held. */
static void arm_smmu_cmdq_skip_err(struct arm_smmu_device *smmu)
{
	struct arm_smmu_queue *q = &smmu->cmdq;
	u32 cons = arm_smmu_readl(smmu, ARM_SMMU_CMDQ_CONS);
	u32 idx = FIELD_GET(CMDQ_CONS_ERR, cons);
	u64 *ent = q->base + (size_t)q_idx(q, cons) * CMDQ_ENT_DWORDS;

	lockdep_assert_held(&smmu->gerror_lock);
	u64 cmd_sync[CMDQ_ENT_DWORDS];

	smmu->stats.cmdq_errors++;
	smmu->stats.last_cmdq_err = idx;
	switch (idx) {
	case CMDQ_ERR_CERROR_ABT_IDX:
		/* The fetch aborted: acknowledging retries it. */
		return;
	case CMDQ_ERR_CERROR_NONE_IDX:
	case CMDQ_ERR_CERROR_ATC_INV_IDX:
		/* No ATS here; nothing to skip. */
		return;
	case CMDQ_ERR_CERROR_ILL_IDX:
	default:
		break;
	}
	smmu->stats.last_bad_cmd[0] = ent[0];
	smmu->stats.last_bad_cmd[1] = ent[1];
	dev_err(&smmu->hwdev, "skipping command in error state: 0x%016llx 0x%016llx\n",
		(unsigned long long)ent[0], (unsigned long long)ent[1]);
	arm_smmu_cmdq_build_sync(smmu, cmd_sync);
	ent[1] = cmd_sync[1];
	__atomic_store_n(&ent[0], cmd_sync[0], __ATOMIC_RELEASE);
	smmu->stats.cmdq_skipped++;
}

void arm_smmu_handle_gerror(struct arm_smmu_device *smmu)
{
	u32 gerror, gerrorn, active;

	mutex_lock(&smmu->gerror_lock);
	gerror = arm_smmu_readl(smmu, ARM_SMMU_GERROR);
	gerrorn = arm_smmu_readl(smmu, ARM_SMMU_GERRORN);
	active = (gerror ^ gerrorn) & GERROR_ERR_MASK;
	if (!active || gerror == ~0u) {
		mutex_unlock(&smmu->gerror_lock);
		return;
	}
	smmu->stats.gerrors += (unsigned long)__builtin_popcount(active);
	if (active & ~GERROR_CMDQ_ERR)
		dev_warn(&smmu->hwdev, "unexpected global error reported (0x%08x)\n", active);
	if (active & GERROR_CMDQ_ERR)
		arm_smmu_cmdq_skip_err(smmu);
	arm_smmu_writel(smmu, ARM_SMMU_GERRORN, gerror);
	mutex_unlock(&smmu->gerror_lock);
}

void arm_smmu_gerror_irq(struct arm_smmu_device *smmu)
{
	arm_smmu_handle_gerror(smmu);
}
