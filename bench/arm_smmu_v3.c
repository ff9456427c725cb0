// SPDX-License-Identifier: MIT
/*
 * The arm-smmu-v3 driver's hot paths over the SMMUv3 model: an
 * iommu_map()+iommu_unmap() pair of 4K through a stage-1 DMA domain,
 * including the TLBI_NH_VA and CMD_SYNC the unmap costs (command writes,
 * one CMDQ_PROD write, CMDQ_CONS polling); the same with a translation
 * between them (so the TLB entry really exists when it is invalidated);
 * a bare CMD_SYNC round trip; and a hitless domain replacement.
 */
#include "bench/bench.h"
#include "hw/smmuv3/smmuv3.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"

#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	(256ULL << 20)
#define SMMU_BASE	0x09000000ULL
#define SID		1
#define RW		(IOMMU_READ | IOMMU_WRITE)

struct ctx {
	struct smmuv3 *hw;
	struct arm_smmu_device *smmu;
	struct iommu_domain *dom, *other;
	struct device *dev;
	unsigned long base;
	u64 sink;
};

static void pair_4k(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 511) * 0x1000;

	c->sink += (u64)iommu_map(c->dom, iova, 0x48000000 + (i & 511) * 0x1000,
				  0x1000, RW);
	c->sink += iommu_unmap(c->dom, iova, 0x1000);
}

static void pair_4k_dma(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 511) * 0x1000;
	struct smmuv3_result res;

	c->sink += (u64)iommu_map(c->dom, iova, 0x48000000 + (i & 511) * 0x1000,
				  0x1000, RW);
	c->sink += (u64)smmuv3_translate(c->hw, SID, SMMUV3_NO_SSID, iova,
					 SMMUV3_READ, &res);
	c->sink += iommu_unmap(c->dom, iova, 0x1000);
}

static void sync_only(void *p, uint64_t i)
{
	struct ctx *c = p;
	const u64 prefetch[2] = { 0x1 | ((u64)SID << 32), 0 };

	(void)i;
	c->sink += (u64)arm_smmu_issue_raw_cmd(c->smmu, prefetch);
}

static void replace(void *p, uint64_t i)
{
	struct ctx *c = p;

	c->sink += (u64)iommu_group_replace_domain(c->dev->iommu_group,
						   (i & 1) ? c->dom : c->other);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct smmuv3_config cfg;
	struct ctx c = { .base = 0x100000000UL };
	struct kernel *k;
	u32 sid = SID;

	smmuv3_config_default(&cfg);
	if (!mem || phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram"))
		return 1;
	c.hw = smmuv3_create(&cfg, mem, NULL, NULL, 0);
	if (!c.hw || phys_mem_add_mmio(mem, SMMU_BASE, SMMUV3_MMIO_SIZE,
				       &smmuv3_mmio_ops, c.hw, "smmuv3"))
		return 1;
	k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	c.smmu = k ? arm_smmu_device_probe(k, SMMU_BASE, "smmu0") : NULL;
	if (IS_ERR_OR_NULL(c.smmu))
		return 1;
	c.dev = device_create(k, "dev");
	if (!c.dev || iommu_fwspec_init(c.dev, arm_smmu_fwnode(c.smmu)) ||
	    iommu_fwspec_add_ids(c.dev, &sid, 1) || device_add(c.dev))
		return 1;
	c.dom = iommu_get_domain_for_dev(c.dev);
	if (!c.dom)
		return 1;

	bench_print("arm_smmu_v3_map_unmap_4k", "ns/pair",
		    bench_measure(pair_4k, &c, 2000));
	bench_print("arm_smmu_v3_map_dma_unmap_4k", "ns/pair",
		    bench_measure(pair_4k_dma, &c, 2000));
	bench_print("arm_smmu_v3_cmd_sync", "ns/op",
		    bench_measure(sync_only, &c, 2000));

	c.other = iommu_paging_domain_alloc(c.dev);
	if (IS_ERR(c.other) ||
	    iommu_group_claim_dma_owner(c.dev->iommu_group, &c))
		return 1;
	c.dom = iommu_paging_domain_alloc(c.dev);
	if (IS_ERR(c.dom))
		return 1;
	bench_print("arm_smmu_v3_replace_s1_s1", "ns/op",
		    bench_measure(replace, &c, 500));
	iommu_group_replace_domain(c.dev->iommu_group, c.other);
	iommu_group_release_dma_owner(c.dev->iommu_group);
	iommu_domain_free(c.dom);
	iommu_domain_free(c.other);

	device_destroy(c.dev);
	arm_smmu_device_remove(c.smmu);
	kernel_destroy(k);
	smmuv3_destroy(c.hw);
	phys_mem_destroy(mem);
	return c.sink == 42 ? 2 : 0;
}
