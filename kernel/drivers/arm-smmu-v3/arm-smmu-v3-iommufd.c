/*
 * Invalidation on behalf of a guest that owns the stage 1 of a nested
 * domain (Linux's arm-smmu-v3-iommufd.c, arm_vsmmu_cache_invalidate).
 *
 * The guest's stage-1 TLB entries are tagged with the VMID of the stage-2
 * parent, so every TLBI the guest sends is re-aimed at that VMID whatever
 * it wrote there; a command may carry only the fields its opcode defines
 * (anything else could stop the shared queue with CERROR_ILL for every
 * device).  CD invalidations go to the StreamIDs of the devices attached
 * to the nested domain: there is no vSID table here, so the guest's SID
 * field is ignored and the invalidation is, at worst, wider than asked.
 */
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

#define CMDQ_CFGI_0_SSID_MASK	GENMASK_ULL(31, 12)

static int arm_smmu_convert_user_cmd(struct arm_smmu_device *smmu, u16 vmid,
				     u64 *cmd)
{
	u64 allowed0 = CMDQ_0_OP, allowed1 = 0;
	u8 op = FIELD_GET(CMDQ_0_OP, cmd[0]);
	u64 asid_mask = FIELD_PREP(CMDQ_TLBI_0_ASID,
				   (1ULL << smmu->asid_bits) - 1);

	switch (op) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		break;
	case CMDQ_OP_TLBI_NH_VA:
		allowed0 |= asid_mask;
		/* fallthrough */
	case CMDQ_OP_TLBI_NH_VAA:
		if (smmu->features & ARM_SMMU_FEAT_RANGE_INV) {
			allowed0 |= CMDQ_TLBI_0_NUM | CMDQ_TLBI_0_SCALE;
			allowed1 |= CMDQ_TLBI_1_TG | CMDQ_TLBI_1_TTL;
		}
		allowed0 |= CMDQ_TLBI_0_VMID;
		allowed1 |= CMDQ_TLBI_1_LEAF | CMDQ_TLBI_1_VA_MASK;
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		allowed0 |= asid_mask;
		/* fallthrough */
	case CMDQ_OP_TLBI_NH_ALL:
		allowed0 |= CMDQ_TLBI_0_VMID;
		break;
	case CMDQ_OP_CFGI_CD:
		allowed0 |= CMDQ_CFGI_0_SSID_MASK | CMDQ_CFGI_0_SID;
		allowed1 |= CMDQ_CFGI_1_LEAF;
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		allowed0 |= CMDQ_CFGI_0_SID;
		break;
	default:
		return -EIO;
	}
	if ((cmd[0] & ~allowed0) || (cmd[1] & ~allowed1))
		return -EIO;

	switch (op) {
	case CMDQ_OP_TLBI_NSNH_ALL:
		cmd[0] = FIELD_PREP(CMDQ_0_OP, CMDQ_OP_TLBI_NH_ALL) |
			 FIELD_PREP(CMDQ_TLBI_0_VMID, vmid);
		cmd[1] = 0;
		break;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
	case CMDQ_OP_TLBI_NH_ASID:
	case CMDQ_OP_TLBI_NH_ALL:
		cmd[0] = (cmd[0] & ~CMDQ_TLBI_0_VMID) |
			 FIELD_PREP(CMDQ_TLBI_0_VMID, vmid);
		break;
	}
	return 0;
}

/* CFGI_CD(_ALL) for every StreamID using nested; streams_mutex held. */
static int arm_smmu_nested_cfgi(struct arm_smmu_device *smmu,
				struct iommu_domain *nested, const u64 *cmd)
{
	struct arm_smmu_cmdq_batch batch;
	struct arm_smmu_master *master;

	arm_smmu_cmdq_batch_init(&batch);
	list_for_each_entry(master, &smmu->masters, node) {
		if (master->domain != nested)
			continue;
		for (unsigned int i = 0; i < master->num_streams; i++) {
			struct arm_smmu_cmdq_ent ent = {
				.opcode = FIELD_GET(CMDQ_0_OP, cmd[0]),
				.cfgi = {
					.sid = master->streams[i]->sid,
					.ssid = FIELD_GET(CMDQ_CFGI_0_SSID_MASK, cmd[0]),
					.leaf = cmd[1] & CMDQ_CFGI_1_LEAF,
				},
			};

			arm_smmu_cmdq_batch_add(smmu, &batch, &ent);
		}
	}
	return arm_smmu_cmdq_batch_submit(smmu, &batch);
}

int arm_smmu_nested_cache_invalidate(struct iommu_domain *nested,
				     const struct iommu_viommu_arm_smmuv3_invalidate *cmds,
				     u32 *entry_num)
{
	struct arm_smmu_nested_domain *nd;
	struct arm_smmu_device *smmu;
	u32 n, done = 0;
	int ret = 0;

	if (IS_ERR_OR_NULL(nested) || nested->ops != &arm_smmu_nested_ops ||
	    !entry_num)
		return -EINVAL;
	n = *entry_num;
	if (n && !cmds) {
		*entry_num = 0;
		return -EINVAL;
	}
	nd = to_nested_domain(nested);
	smmu = nd->s2_parent->smmu;

	while (done < n && !ret) {
		u64 batch[(CMDQ_BATCH_ENTRIES - 1) * CMDQ_ENT_DWORDS];
		u32 chunk = min_t(u32, n - done, CMDQ_BATCH_ENTRIES - 1);
		u32 tlbi = 0, i;

		/* One illegal command fails the whole chunk, issuing nothing. */
		for (i = 0; i < chunk; i++) {
			u64 *c = &batch[i * CMDQ_ENT_DWORDS];

			c[0] = cmds[done + i].cmd[0];
			c[1] = cmds[done + i].cmd[1];
			ret = arm_smmu_convert_user_cmd(smmu, nd->s2_parent->vmid, c);
			if (ret)
				break;
		}
		if (ret)
			break;
		/* TLBIs go out as they are; CFGIs are re-aimed per StreamID. */
		for (i = 0; i < chunk && !ret; i++) {
			u64 *c = &batch[i * CMDQ_ENT_DWORDS];
			u8 op = FIELD_GET(CMDQ_0_OP, c[0]);

			if (op == CMDQ_OP_CFGI_CD || op == CMDQ_OP_CFGI_CD_ALL) {
				mutex_lock(&smmu->streams_mutex);
				ret = arm_smmu_nested_cfgi(smmu, nested, c);
				mutex_unlock(&smmu->streams_mutex);
			} else {
				batch[tlbi * CMDQ_ENT_DWORDS] = c[0];
				batch[tlbi * CMDQ_ENT_DWORDS + 1] = c[1];
				tlbi++;
			}
		}
		if (!ret && tlbi)
			ret = arm_smmu_cmdq_issue_cmdlist(smmu, batch, tlbi, true);
		if (!ret)
			done += chunk;
	}
	*entry_num = done;
	return ret;
}
