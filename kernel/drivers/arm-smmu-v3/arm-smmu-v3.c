// SPDX-License-Identifier: MIT
/*
 * SMMUv3 probe, reset and removal, in Linux's order
 * (arm_smmu_device_probe): read the ID registers and refuse what the driver
 * cannot drive, allocate the queues and the stream table in machine
 * memory, reset the SMMU (disable, program CR1/CR2, the stream table and
 * queues, enable each queue and wait for CR0ACK, invalidate every cached
 * configuration and TLB entry, enable interrupts, enable translation),
 * and only then register with the IOMMU core, which probes the devices
 * that were waiting for this SMMU.
 *
 * Register accesses are the MMIO accesses of arm-smmu-v3-cmdq.c; every
 * wait on the SMMU is bounded and ends in -ETIMEDOUT.
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

/* ----------------------------------------------------------- ID registers */

/* IDR0: structures, endianness, stages, table format, HTTU, ID sizes. */
static int arm_smmu_probe_idr0(struct arm_smmu_device *smmu, u32 reg)
{
	if (FIELD_GET(IDR0_ST_LVL, reg) == IDR0_ST_LVL_2LVL)
		smmu->features |= ARM_SMMU_FEAT_2_LVL_STRTAB;
	switch (FIELD_GET(IDR0_TTENDIAN, reg)) {
	case IDR0_TTENDIAN_MIXED:
	case IDR0_TTENDIAN_LE:
		break;
	default:
		dev_err(&smmu->hwdev, "unsupported endianness\n");
		return -ENXIO;
	}
	if (reg & IDR0_SEV)
		smmu->features |= ARM_SMMU_FEAT_SEV;
	if (reg & IDR0_MSI)
		smmu->features |= ARM_SMMU_FEAT_MSI;
	if (reg & IDR0_HYP)
		smmu->features |= ARM_SMMU_FEAT_HYP;
	/* Faults are terminated, never stalled: there is no resume path. */
	if (FIELD_GET(IDR0_STALL_MODEL, reg) == IDR0_STALL_MODEL_FORCE) {
		dev_err(&smmu->hwdev, "stall-only SMMU not supported\n");
		return -ENXIO;
	}
	if (reg & IDR0_S1P)
		smmu->features |= ARM_SMMU_FEAT_TRANS_S1;
	if (reg & IDR0_S2P)
		smmu->features |= ARM_SMMU_FEAT_TRANS_S2;
	if (!(reg & (IDR0_S1P | IDR0_S2P))) {
		dev_err(&smmu->hwdev, "no translation support!\n");
		return -ENXIO;
	}
	switch (FIELD_GET(IDR0_TTF, reg)) {
	case IDR0_TTF_AARCH32_64:
		smmu->ias = 40;
		break;
	case IDR0_TTF_AARCH64:
		break;
	default:
		dev_err(&smmu->hwdev, "AArch64 table format not supported!\n");
		return -ENXIO;
	}
	if (reg & IDR0_COHACC)
		smmu->features |= ARM_SMMU_FEAT_COHERENCY;
	/* arm_smmu_get_httu, as on a device-tree system: IDR0 decides. */
	switch (FIELD_GET(IDR0_HTTU, reg)) {
	case IDR0_HTTU_ACCESS_DIRTY:
		smmu->features |= ARM_SMMU_FEAT_HD;
		/* fallthrough */
	case IDR0_HTTU_ACCESS:
		smmu->features |= ARM_SMMU_FEAT_HA;
		break;
	}
	smmu->asid_bits = (reg & IDR0_ASID16) ? 16 : 8;
	smmu->vmid_bits = (reg & IDR0_VMID16) ? 16 : 8;
	return 0;
}

/* IDR1: queue sizes and StreamID/SubstreamID widths. */
static int arm_smmu_probe_idr1(struct arm_smmu_device *smmu, u32 reg)
{
	if (reg & (IDR1_TABLES_PRESET | IDR1_QUEUES_PRESET | IDR1_REL)) {
		dev_err(&smmu->hwdev, "embedded implementation not supported\n");
		return -ENXIO;
	}
	smmu->cmdq.max_n_shift = min_t(unsigned int, CMDQ_MAX_SZ_SHIFT,
				       FIELD_GET(IDR1_CMDQS, reg));
	if (smmu->cmdq.max_n_shift <= ilog2(CMDQ_BATCH_ENTRIES)) {
		/* A batch plus its SYNC must fit in the queue. */
		dev_err(&smmu->hwdev, "command queue size <= %d entries not supported\n",
			CMDQ_BATCH_ENTRIES);
		return -ENXIO;
	}
	smmu->evtq.max_n_shift = min_t(unsigned int, EVTQ_MAX_SZ_SHIFT,
				       FIELD_GET(IDR1_EVTQS, reg));
	smmu->ssid_bits = FIELD_GET(IDR1_SSIDSIZE, reg);
	smmu->sid_bits = FIELD_GET(IDR1_SIDSIZE, reg);
	/* A small stream table is simpler linear. */
	if (smmu->sid_bits <= STRTAB_SPLIT)
		smmu->features &= ~ARM_SMMU_FEAT_2_LVL_STRTAB;
	return 0;
}

/* IDR5: translation granules (the page sizes offered) and the OAS. */
static int arm_smmu_probe_idr5(struct arm_smmu_device *smmu, u32 reg)
{
	static const unsigned int oas_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 48 };

	if (reg & IDR5_GRAN64K)
		smmu->pgsize_bitmap |= ARM_SMMU_SZ_64K | ARM_SMMU_SZ_512M;
	if (reg & IDR5_GRAN16K)
		smmu->pgsize_bitmap |= ARM_SMMU_SZ_16K | ARM_SMMU_SZ_32M;
	if (reg & IDR5_GRAN4K)
		smmu->pgsize_bitmap |= ARM_SMMU_SZ_4K | ARM_SMMU_SZ_2M | ARM_SMMU_SZ_1G;
	if (!smmu->pgsize_bitmap) {
		dev_err(&smmu->hwdev, "no translation granule\n");
		return -ENXIO;
	}
	/* An unknown encoding is truncated to 48 bits, as Linux does. */
	smmu->oas = oas_bits[FIELD_GET(IDR5_OAS, reg) & 7];
	if (smmu->oas == 52)
		smmu->pgsize_bitmap |= 1UL << 42;	/* 4T blocks of 64K tables */
	smmu->ias = max(smmu->ias, smmu->oas);
	return 0;
}

static int arm_smmu_device_hw_probe(struct arm_smmu_device *smmu)
{
	u32 reg = arm_smmu_readl(smmu, ARM_SMMU_IDR0);
	int ret;

	if (reg == ~0u)
		return -ENODEV;	/* nothing decodes the window */
	ret = arm_smmu_probe_idr0(smmu, reg);
	if (!ret)
		ret = arm_smmu_probe_idr1(smmu, arm_smmu_readl(smmu, ARM_SMMU_IDR1));
	if (ret)
		return ret;
	if (arm_smmu_readl(smmu, ARM_SMMU_IDR3) & IDR3_RIL)
		smmu->features |= ARM_SMMU_FEAT_RANGE_INV;
	ret = arm_smmu_probe_idr5(smmu, arm_smmu_readl(smmu, ARM_SMMU_IDR5));
	if (ret)
		return ret;
	if ((smmu->features & ARM_SMMU_FEAT_TRANS_S1) &&
	    (smmu->features & ARM_SMMU_FEAT_TRANS_S2))
		smmu->features |= ARM_SMMU_FEAT_NESTING;
	return 0;
}

/* --------------------------------------------------- memory structures */

static int arm_smmu_init_one_queue(struct arm_smmu_device *smmu,
				   struct arm_smmu_queue *q,
				   unsigned int dwords, u32 prod_reg, u32 cons_reg)
{
	u64 qsz;

	/* Shrink until the allocation succeeds, down to a page (Linux). */
	for (;;) {
		qsz = ((u64)dwords << q->max_n_shift) * 8;
		q->base_dma = kernel_alloc_pages(smmu->k, qsz);
		if (q->base_dma || qsz <= PAGE_SIZE || !q->max_n_shift)
			break;
		q->max_n_shift--;
	}
	if (!q->base_dma)
		return -ENOMEM;
	q->base = phys_to_virt(smmu->k, q->base_dma, qsz);
	if (!q->base) {
		kernel_free_pages(smmu->k, q->base_dma, qsz);
		q->base_dma = 0;
		return -ENOMEM;
	}
	q->ent_dwords = dwords;
	q->prod_reg = prod_reg;
	q->cons_reg = cons_reg;
	q->prod = q->cons = 0;
	q->q_base = Q_BASE_RWA | (q->base_dma & Q_BASE_ADDR_MASK) |
		    FIELD_PREP(Q_BASE_LOG2SIZE, q->max_n_shift);
	return 0;
}

static void arm_smmu_free_queue(struct arm_smmu_device *smmu,
				struct arm_smmu_queue *q)
{
	if (q->base_dma)
		kernel_free_pages(smmu->k, q->base_dma,
				  ((u64)q->ent_dwords << q->max_n_shift) * 8);
	q->base_dma = 0;
}

static int arm_smmu_init_strtab(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab *st = &smmu->strtab;
	unsigned int l1_shift;

	if (smmu->features & ARM_SMMU_FEAT_2_LVL_STRTAB) {
		l1_shift = min_t(unsigned int, STRTAB_L1_MAX_SHIFT,
				 smmu->sid_bits - STRTAB_SPLIT);
		if (l1_shift + STRTAB_SPLIT < smmu->sid_bits)
			dev_err(&smmu->hwdev, "2-level strtab only covers %u/%u bits of SID\n", l1_shift + STRTAB_SPLIT,
				smmu->sid_bits);
		st->two_level = true;
		st->num_ents = 1u << l1_shift;
		st->size = (u64)st->num_ents * 8;
		st->strtab_base_cfg =
			FIELD_PREP(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_2LVL) |
			FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE, l1_shift + STRTAB_SPLIT) |
			FIELD_PREP(STRTAB_BASE_CFG_SPLIT, STRTAB_SPLIT);
		st->l2 = kzalloc(smmu->k, st->num_ents * sizeof(*st->l2));
		st->l2_dma = kzalloc(smmu->k, st->num_ents * sizeof(*st->l2_dma));
		if (!st->l2 || !st->l2_dma)
			return -ENOMEM;
	} else {
		st->num_ents = 1u << smmu->sid_bits;
		st->size = (u64)STRTAB_STE_DWORDS * 8 << smmu->sid_bits;
		st->strtab_base_cfg =
			FIELD_PREP(STRTAB_BASE_CFG_FMT, STRTAB_BASE_CFG_FMT_LINEAR) |
			FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE, smmu->sid_bits);
	}
	st->base_dma = kernel_alloc_pages(smmu->k, st->size);
	if (!st->base_dma)
		return -ENOMEM;
	st->base = phys_to_virt(smmu->k, st->base_dma, st->size);
	if (!st->base)
		return -ENOMEM;
	if (!st->two_level) {
		kernel_prefault(smmu->k, st->base, st->size);
		arm_smmu_init_initial_stes(st->base, st->num_ents);
	}
	st->strtab_base = STRTAB_BASE_RA | (st->base_dma & STRTAB_BASE_ADDR_MASK);
	return 0;
}

static void arm_smmu_free_strtab(struct arm_smmu_device *smmu)
{
	struct arm_smmu_strtab *st = &smmu->strtab;

	if (st->l2) {
		for (unsigned int i = 0; i < st->num_ents; i++)
			if (st->l2[i])
				kernel_free_pages(smmu->k, st->l2_dma[i],
						  (1ULL << STRTAB_SPLIT) *
						  STRTAB_STE_DWORDS * 8);
	}
	kfree(st->l2);
	kfree(st->l2_dma);
	st->l2 = NULL;
	st->l2_dma = NULL;
	if (st->base_dma)
		kernel_free_pages(smmu->k, st->base_dma, st->size);
	st->base_dma = 0;
}

/* ------------------------------------------------------------------ reset */

static int arm_smmu_update_gbpa(struct arm_smmu_device *smmu, u32 set, u32 clr)
{
	unsigned int i;
	u32 reg = 0;

	for (i = 0; i < ARM_SMMU_POLL_TIMEOUT; i++) {
		reg = arm_smmu_readl(smmu, ARM_SMMU_GBPA);
		if (!(reg & GBPA_UPDATE))
			break;
		cpu_relax();
	}
	if (i == ARM_SMMU_POLL_TIMEOUT)
		goto timeout;
	reg = (reg & ~clr) | set;
	arm_smmu_writel(smmu, ARM_SMMU_GBPA, reg | GBPA_UPDATE);
	for (i = 0; i < ARM_SMMU_POLL_TIMEOUT; i++) {
		if (!(arm_smmu_readl(smmu, ARM_SMMU_GBPA) & GBPA_UPDATE))
			return 0;
		cpu_relax();
	}
timeout:
	dev_err(&smmu->hwdev, "GBPA not responding to update\n");
	return -ETIMEDOUT;
}

static int arm_smmu_device_disable(struct arm_smmu_device *smmu)
{
	int ret = arm_smmu_write_reg_sync(smmu, 0, ARM_SMMU_CR0, ARM_SMMU_CR0ACK);

	if (ret)
		dev_err(&smmu->hwdev, "failed to clear cr0\n");
	return ret;
}

static int arm_smmu_device_reset(struct arm_smmu_device *smmu)
{
	struct arm_smmu_cmdq_ent cmd = { 0 };
	u32 reg, enables;
	int ret;

	/* Left enabled (by firmware, a previous kernel): stop traffic first. */
	reg = arm_smmu_readl(smmu, ARM_SMMU_CR0);
	if (reg & CR0_SMMUEN) {
		dev_warn(&smmu->hwdev, "SMMU currently enabled! Resetting...\n");
		ret = arm_smmu_update_gbpa(smmu, GBPA_ABORT, 0);
		if (ret)
			return ret;
	}
	ret = arm_smmu_device_disable(smmu);
	if (ret)
		return ret;

	/* Table and queue walks: inner shareable, write-back cacheable. */
	reg = FIELD_PREP(CR1_TABLE_SH, CR1_SH_ISH) |
	      FIELD_PREP(CR1_TABLE_OC, CR1_CACHE_WB) |
	      FIELD_PREP(CR1_TABLE_IC, CR1_CACHE_WB) |
	      FIELD_PREP(CR1_QUEUE_SH, CR1_SH_ISH) |
	      FIELD_PREP(CR1_QUEUE_OC, CR1_CACHE_WB) |
	      FIELD_PREP(CR1_QUEUE_IC, CR1_CACHE_WB);
	arm_smmu_writel(smmu, ARM_SMMU_CR1, reg);
	arm_smmu_writel(smmu, ARM_SMMU_CR2, CR2_PTM | CR2_RECINVSID);

	arm_smmu_writeq(smmu, ARM_SMMU_STRTAB_BASE, smmu->strtab.strtab_base);
	arm_smmu_writel(smmu, ARM_SMMU_STRTAB_BASE_CFG, smmu->strtab.strtab_base_cfg);

	arm_smmu_writeq(smmu, ARM_SMMU_CMDQ_BASE, smmu->cmdq.q_base);
	arm_smmu_writel(smmu, ARM_SMMU_CMDQ_PROD, smmu->cmdq.prod);
	arm_smmu_writel(smmu, ARM_SMMU_CMDQ_CONS, smmu->cmdq.cons);
	enables = CR0_CMDQEN;
	ret = arm_smmu_write_reg_sync(smmu, enables, ARM_SMMU_CR0, ARM_SMMU_CR0ACK);
	if (ret) {
		dev_err(&smmu->hwdev, "failed to enable command queue\n");
		return ret;
	}

	/* Nothing cached from before may survive. */
	cmd.opcode = CMDQ_OP_CFGI_ALL;
	ret = arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
	/* EL2 entries exist only where stage 1 does. */
	if ((smmu->features & ARM_SMMU_FEAT_HYP) &&
	    (smmu->features & ARM_SMMU_FEAT_TRANS_S1)) {
		cmd.opcode = CMDQ_OP_TLBI_EL2_ALL;
		if (!ret)
			ret = arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
	}
	cmd.opcode = CMDQ_OP_TLBI_NSNH_ALL;
	if (!ret)
		ret = arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
	if (ret)
		return ret;

	arm_smmu_writeq(smmu, ARM_SMMU_EVTQ_BASE, smmu->evtq.q_base);
	arm_smmu_writel(smmu, ARM_SMMU_EVTQ_PROD, smmu->evtq.prod);
	arm_smmu_writel(smmu, ARM_SMMU_EVTQ_CONS, smmu->evtq.cons);
	enables |= CR0_EVTQEN;
	ret = arm_smmu_write_reg_sync(smmu, enables, ARM_SMMU_CR0, ARM_SMMU_CR0ACK);
	if (ret) {
		dev_err(&smmu->hwdev, "failed to enable event queue\n");
		return ret;
	}

	/* Wired interrupts: the machine calls arm_smmu_{evtq,gerror}_irq. */
	ret = arm_smmu_write_reg_sync(smmu, 0, ARM_SMMU_IRQ_CTRL, ARM_SMMU_IRQ_CTRLACK);
	if (!ret)
		ret = arm_smmu_write_reg_sync(smmu,
					      IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN,
					      ARM_SMMU_IRQ_CTRL, ARM_SMMU_IRQ_CTRLACK);
	if (ret) {
		dev_err(&smmu->hwdev, "failed to enable irqs\n");
		return ret;
	}

	enables |= CR0_SMMUEN;
	ret = arm_smmu_write_reg_sync(smmu, enables, ARM_SMMU_CR0, ARM_SMMU_CR0ACK);
	if (ret)
		dev_err(&smmu->hwdev, "failed to enable SMMU interface\n");
	return ret;
}

/* ------------------------------------------------------- probe / remove */

static void arm_smmu_free(struct arm_smmu_device *smmu)
{
	arm_smmu_free_strtab(smmu);
	arm_smmu_free_queue(smmu, &smmu->evtq);
	arm_smmu_free_queue(smmu, &smmu->cmdq);
	kfree(smmu->asid_map);
	kfree(smmu->vmid_map);
	mutex_destroy(&smmu->cmdq_lock);
	mutex_destroy(&smmu->gerror_lock);
	mutex_destroy(&smmu->evtq_lock);
	mutex_destroy(&smmu->streams_mutex);
	mutex_destroy(&smmu->ids_lock);
	kfree(smmu);
}

static unsigned long *arm_smmu_alloc_idmap(struct kernel *k, unsigned int bits)
{
	return kzalloc(k, ((size_t)1 << bits) / 8);
}

struct arm_smmu_device *arm_smmu_device_probe(struct kernel *k,
					      phys_addr_t base,
					      const char *name)
{
	struct arm_smmu_device *smmu;
	bool added = false;
	int ret;

	if (!k)
		return ERR_PTR(-EINVAL);
	smmu = kzalloc(k, sizeof(*smmu));
	if (!smmu)
		return ERR_PTR(-ENOMEM);
	smmu->k = k;
	smmu->mem = k->mem;
	smmu->base = base;
	mutex_init(&smmu->cmdq_lock);
	mutex_init(&smmu->gerror_lock);
	mutex_init(&smmu->evtq_lock);
	mutex_init(&smmu->streams_mutex);
	mutex_init(&smmu->ids_lock);
	spin_lock_init(&smmu->streams_lock);
	INIT_LIST_HEAD(&smmu->streams);
	INIT_LIST_HEAD(&smmu->masters);
	device_initialize(&smmu->hwdev, k, name ? name : "arm-smmu-v3");

	ret = arm_smmu_device_hw_probe(smmu);
	if (ret)
		goto err_free;
	ret = -ENOMEM;
	smmu->asid_map = arm_smmu_alloc_idmap(k, smmu->asid_bits);
	smmu->vmid_map = arm_smmu_alloc_idmap(k, smmu->vmid_bits);
	if (!smmu->asid_map || !smmu->vmid_map)
		goto err_free;
	ret = arm_smmu_init_one_queue(smmu, &smmu->cmdq, CMDQ_ENT_DWORDS,
				      ARM_SMMU_CMDQ_PROD, ARM_SMMU_CMDQ_CONS);
	if (ret)
		goto err_free;
	ret = arm_smmu_init_one_queue(smmu, &smmu->evtq, EVTQ_ENT_DWORDS,
				      ARM_SMMU_EVTQ_PROD, ARM_SMMU_EVTQ_CONS);
	if (ret)
		goto err_free;
	ret = arm_smmu_init_strtab(smmu);
	if (ret)
		goto err_free;
	ret = arm_smmu_device_reset(smmu);
	if (ret)
		goto err_disable;

	ret = device_add(&smmu->hwdev);
	if (ret)
		goto err_disable;
	added = true;
	ret = iommu_device_register(&smmu->iommu, &arm_smmu_ops, &smmu->hwdev);
	if (ret)
		goto err_disable;
	smmu->registered = true;
	return smmu;

err_disable:
	if (added)
		device_del(&smmu->hwdev);
	arm_smmu_device_disable(smmu);
err_free:
	arm_smmu_free(smmu);
	return ERR_PTR(ret);
}

void arm_smmu_device_remove(struct arm_smmu_device *smmu)
{
	if (IS_ERR_OR_NULL(smmu))
		return;
	if (smmu->registered)
		iommu_device_unregister(&smmu->iommu);
	device_del(&smmu->hwdev);
	arm_smmu_device_disable(smmu);
	KWARN_ON(smmu->k, !list_empty(&smmu->streams));
	arm_smmu_free(smmu);
}

struct fwnode_handle *arm_smmu_fwnode(struct arm_smmu_device *smmu)
{
	return dev_fwnode(&smmu->hwdev);
}

void arm_smmu_get_stats(struct arm_smmu_device *smmu,
			struct arm_smmu_stats *stats)
{
	/* Each counter is written under one of these. */
	mutex_lock(&smmu->streams_mutex);
	mutex_lock(&smmu->cmdq_lock);
	mutex_lock(&smmu->gerror_lock);
	mutex_lock(&smmu->evtq_lock);
	*stats = smmu->stats;
	mutex_unlock(&smmu->evtq_lock);
	mutex_unlock(&smmu->gerror_lock);
	mutex_unlock(&smmu->cmdq_lock);
	mutex_unlock(&smmu->streams_mutex);
}

void arm_smmu_get_info(struct arm_smmu_device *smmu,
		       struct arm_smmu_info *info)
{
	memset(info, 0, sizeof(*info));
	info->strtab_2lvl = smmu->strtab.two_level;
	info->sid_bits = smmu->sid_bits;
	info->ssid_bits = smmu->ssid_bits;
	info->asid_bits = smmu->asid_bits;
	info->vmid_bits = smmu->vmid_bits;
	info->ias = smmu->ias;
	info->oas = smmu->oas;
	info->cmdq_shift = smmu->cmdq.max_n_shift;
	info->evtq_shift = smmu->evtq.max_n_shift;
	info->stage1 = smmu->features & ARM_SMMU_FEAT_TRANS_S1;
	info->stage2 = smmu->features & ARM_SMMU_FEAT_TRANS_S2;
	info->nesting = smmu->features & ARM_SMMU_FEAT_NESTING;
	info->range_inv = smmu->features & ARM_SMMU_FEAT_RANGE_INV;
	info->pgsize_bitmap = smmu->pgsize_bitmap;
	info->strtab_base = smmu->strtab.base_dma;
}
