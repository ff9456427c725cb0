// SPDX-License-Identifier: MIT
/*
 * TLB maintenance for paging domains, as Linux's arm_smmu_tlb_inv_*:
 *
 *   a range     stage 1: CMD_TLBI_NH_VA by ASID; stage 2: CMD_TLBI_S2_IPA by
 *               VMID, then CMD_TLBI_NH_ALL for the VMID of a nest parent
 *               (stage-1 entries a guest built over it combine both stages)
 *   everything  CMD_TLBI_NH_ASID (stage 1) or CMD_TLBI_S12_VMALL (stage 2)
 *
 * each followed by one CMD_SYNC.  With IDR3.RIL a range goes out as a few
 * range commands (NUM/SCALE/TG/TTL), 5 bits of the page count at a time;
 * without it, one command per granule, and a range of more than
 * ARM_SMMU_MAX_TLBI_OPS granules becomes a whole-context invalidation.
 *
 * Unmap gathers leaves (tlb_add_page) and iotlb_sync invalidates the
 * gathered range; a leaf of another size, or one not adjacent to the
 * gathered range, flushes the gather first (iommu_iotlb_gather_add_page).
 */
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

#define ARM_SMMU_MAX_TLBI_OPS	256

void arm_smmu_tlb_inv_context(struct arm_smmu_domain *d)
{
	struct arm_smmu_cmdq_ent cmd = { 0 };

	if (d->stage == ARM_SMMU_DOMAIN_S1) {
		cmd.opcode = CMDQ_OP_TLBI_NH_ASID;
		cmd.tlbi.asid = d->asid;
		cmd.tlbi.vmid = 0;
	} else {
		cmd.opcode = CMDQ_OP_TLBI_S12_VMALL;
		cmd.tlbi.vmid = d->vmid;
	}
	arm_smmu_cmdq_issue_cmd_with_sync(d->smmu, &cmd);
}

static void __arm_smmu_tlb_inv_range(struct arm_smmu_domain *d,
				     struct arm_smmu_cmdq_ent *cmd,
				     unsigned long iova, size_t size,
				     size_t granule)
{
	struct arm_smmu_device *smmu = d->smmu;
	unsigned long end = iova + size, num_pages = 0, tg = 0;
	struct arm_smmu_cmdq_batch cmds;
	size_t inv_range = granule;

	if (!size)
		return;
	if (smmu->features & ARM_SMMU_FEAT_RANGE_INV) {
		/* The leaf page size of the table. */
		tg = __ffs64(d->domain.pgsize_bitmap);
		num_pages = size >> tg;
		/* 12, 14, 16 -> TG 1, 2, 3 */
		cmd->tlbi.tg = (u8)((tg - 10) / 2);
		/*
		 * A leaf invalidation knows its level (TTL); a table walk
		 * flush does not, and must not be the NUM=0 SCALE=0 TTL=0
		 * combination the architecture reserves.
		 */
		if (cmd->tlbi.leaf)
			cmd->tlbi.ttl = (u8)(4 - ((ilog2(granule) - 3) / (tg - 3)));
		else if ((num_pages & CMDQ_TLBI_RANGE_NUM_MAX) == 1)
			num_pages++;
	} else if (size / granule > ARM_SMMU_MAX_TLBI_OPS) {
		arm_smmu_tlb_inv_context(d);
		return;
	}

	arm_smmu_cmdq_batch_init(&cmds);
	while (iova < end) {
		if (smmu->features & ARM_SMMU_FEAT_RANGE_INV) {
			unsigned long scale, num;

			if (!num_pages)
				break;
			/* Five bits of the page count from its lowest set bit. */
			scale = __ffs64(num_pages);
			num = (num_pages >> scale) & CMDQ_TLBI_RANGE_NUM_MAX;
			cmd->tlbi.scale = (u8)scale;
			cmd->tlbi.num = (u8)(num - 1);
			inv_range = num << (scale + tg);
			num_pages -= num << scale;
		}
		cmd->tlbi.addr = iova;
		arm_smmu_cmdq_batch_add(smmu, &cmds, cmd);
		iova += inv_range;
	}
	arm_smmu_cmdq_batch_submit(smmu, &cmds);
}

static void arm_smmu_tlb_inv_range_domain(struct arm_smmu_domain *d,
					  unsigned long iova, size_t size,
					  size_t granule, bool leaf)
{
	struct arm_smmu_cmdq_ent cmd = { 0 };

	cmd.tlbi.leaf = leaf;
	if (d->stage == ARM_SMMU_DOMAIN_S1) {
		cmd.opcode = CMDQ_OP_TLBI_NH_VA;
		cmd.tlbi.asid = d->asid;
		cmd.tlbi.vmid = 0;
	} else {
		cmd.opcode = CMDQ_OP_TLBI_S2_IPA;
		cmd.tlbi.vmid = d->vmid;
	}
	__arm_smmu_tlb_inv_range(d, &cmd, iova, size, granule);

	if (d->nest_parent) {
		/* Nested stage-1 entries cached over this stage 2. */
		struct arm_smmu_cmdq_ent all = {
			.opcode = CMDQ_OP_TLBI_NH_ALL,
			.tlbi = { .vmid = d->vmid },
		};

		arm_smmu_cmdq_issue_cmd_with_sync(d->smmu, &all);
	}
}

/* ------------------------------------------------- io-pgtable callbacks */

static void arm_smmu_tlb_inv_context_cb(void *cookie)
{
	arm_smmu_tlb_inv_context(cookie);
}

static void arm_smmu_tlb_inv_walk(unsigned long iova, size_t size,
				  size_t granule, void *cookie)
{
	arm_smmu_tlb_inv_range_domain(cookie, iova, size, granule, false);
}

static bool gather_is_disjoint(const struct iommu_iotlb_gather *g,
			       unsigned long iova, size_t size)
{
	unsigned long start = iova, end = iova + size - 1;

	return g->end != 0 && (end + 1 < g->start || start > g->end + 1);
}

static void arm_smmu_tlb_inv_page_nosync(struct iommu_iotlb_gather *gather,
					 unsigned long iova, size_t granule,
					 void *cookie)
{
	struct arm_smmu_domain *d = cookie;

	if ((gather->pgsize && gather->pgsize != granule) ||
	    gather_is_disjoint(gather, iova, granule)) {
		arm_smmu_iotlb_sync(&d->domain, gather);
		iommu_iotlb_gather_init(gather);
	}
	gather->pgsize = granule;
	if (iova < gather->start)
		gather->start = iova;
	if (iova + granule - 1 > gather->end)
		gather->end = iova + granule - 1;
}

const struct iommu_flush_ops arm_smmu_flush_ops = {
	.tlb_flush_all = arm_smmu_tlb_inv_context_cb,
	.tlb_flush_walk = arm_smmu_tlb_inv_walk,
	.tlb_add_page = arm_smmu_tlb_inv_page_nosync,
};

/* ------------------------------------------------------- domain ops */

void arm_smmu_flush_iotlb_all(struct iommu_domain *domain)
{
	arm_smmu_tlb_inv_context(to_smmu_domain(domain));
}

void arm_smmu_iotlb_sync(struct iommu_domain *domain,
			 struct iommu_iotlb_gather *gather)
{
	if (!gather->pgsize)
		return;
	arm_smmu_tlb_inv_range_domain(to_smmu_domain(domain), gather->start,
				      gather->end - gather->start + 1,
				      gather->pgsize, true);
}
