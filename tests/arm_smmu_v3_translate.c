// SPDX-License-Identifier: MIT
/*
 * The arm-smmu-v3 driver programming the SMMUv3 model: a device's DMA
 * (smmuv3_translate on the model) goes where the kernel's domain says.
 * Default DMA domain (stage 1), identity (bypass), blocked (abort),
 * faults decoded from the event queue, TLB invalidation on unmap (and a
 * stale entry when the invalidation is withheld), stage-2 domains, both
 * stream-table formats, with and without range invalidation.
 */
#include "tests/arm-smmu-v3-machine.h"
#include "tests/coherency-expect.h"

#define PA0	0x48000000ULL	/* a "buffer" in RAM */

static void test_dma_domain(const struct smmuv3_config *cfg)
{
	struct testbed m;
	struct arm_smmu_event evt;
	struct arm_smmu_stats st0, st1;
	struct iommu_domain *dom;
	struct device *dev;
	u64 pa = 0;

	testbed_create(&m, cfg);
	dev = m_add_sid(&m, "dev0", 0x42);
	dom = iommu_get_domain_for_dev(dev);
	REQUIRE(dom);
	CHECK_EQ(dom->type, IOMMU_DOMAIN_DMA);
	CHECK(arm_smmu_domain_tag(dom) > 0);	/* an ASID */

	/* Mapped: the device reaches the buffer. */
	CHECK_EQ(iommu_map(dom, 0x10000, PA0, 0x2000, IOMMU_READ | IOMMU_WRITE), 0);
	CHECK_EQ(m_dma(&m, 0x42, 0x10123, false, &pa), 0);
	CHECK_EQ(pa, PA0 + 0x123);
	CHECK_EQ(m_dma(&m, 0x42, 0x11ff8, true, &pa), 0);
	CHECK_EQ(pa, PA0 + 0x1ff8);

	/* Read-only mapping: a write is a permission fault, decoded. */
	CHECK_EQ(iommu_map(dom, 0x20000, PA0 + 0x10000, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 0x42, 0x20010, false, &pa), 0);
	CHECK_EQ(m_dma(&m, 0x42, 0x20010, true, NULL), 0x13);	/* F_PERMISSION */
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK_EQ(evt.id, 0x13);
	CHECK_EQ(evt.sid, 0x42);
	CHECK_EQ(evt.iova, 0x20010);
	CHECK(!evt.read);
	CHECK(evt.dev == dev);

	/* Unmapped IOVA: F_TRANSLATION with the right StreamID and address. */
	CHECK_EQ(m_dma(&m, 0x42, 0x30000, false, NULL), 0x10);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK_EQ(evt.id, 0x10);
	CHECK_EQ(evt.sid, 0x42);
	CHECK_EQ(evt.iova, 0x30000);
	CHECK(evt.read);
	CHECK(!evt.s2);
	CHECK_EQ(m_pop(&m, &evt), -ENOENT);

	/* Unmap: the driver invalidates, so the next DMA faults. */
	arm_smmu_get_stats(m.smmu, &st0);
	CHECK_EQ(iommu_unmap(dom, 0x10000, 0x2000), 0x2000);
	arm_smmu_get_stats(m.smmu, &st1);
	CHECK(st1.tlbi > st0.tlbi);
	CHECK(st1.syncs > st0.syncs);
	CHECK_EQ(m_dma(&m, 0x42, 0x10123, false, NULL), 0x10);
	CHECK_EQ(m_dma(&m, 0x42, 0x11ff8, false, NULL), 0x10);
	CHECK_EQ(m_drain_events(&m), 2);

	CHECK_EQ(iommu_unmap(dom, 0x20000, 0x1000), 0x1000);
	device_destroy(dev);
	testbed_destroy(&m);
}

/*
 * The model's TLB is real: unmap without the invalidation (unmap_fast,
 * no iotlb_sync) leaves the old translation usable; the sync removes it.
 * flush_iotlb_all (TLBI_NH_ASID) does the same for a whole domain.
 */
static void test_stale_tlb(void)
{
	struct iommu_iotlb_gather gather;
	struct iommu_domain *dom;
	struct coh_expect coh;
	struct testbed m;
	struct device *dev;
	u64 pa = 0;

	testbed_create(&m, NULL);
	coh_expect_begin(m.hw, &coh);
	dev = m_add_sid(&m, "dev0", 7);
	dom = iommu_get_domain_for_dev(dev);

	CHECK_EQ(iommu_map(dom, 0x40000, PA0, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 7, 0x40008, false, &pa), 0);	/* fills the TLB */
	iommu_iotlb_gather_init(&gather);
	CHECK_EQ(iommu_unmap_fast(dom, 0x40000, 0x1000, &gather), 0x1000);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x40008), 0);	/* gone from the table */
	pa = 0;
	CHECK_EQ(m_dma(&m, 7, 0x40008, false, &pa), 0);	/* but cached */
	CHECK_EQ(pa, PA0 + 8);
	CHECK_COH_REPORTED(&coh, 1, "missing CMD_TLBI_NH_VA asid 1 addr 0x40000");
	iommu_iotlb_sync(dom, &gather);
	CHECK_EQ(m_dma(&m, 7, 0x40008, false, NULL), 0x10);

	CHECK_EQ(iommu_map(dom, 0x50000, PA0, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 7, 0x50000, false, &pa), 0);
	iommu_iotlb_gather_init(&gather);
	CHECK_EQ(iommu_unmap_fast(dom, 0x50000, 0x1000, &gather), 0x1000);
	CHECK_EQ(m_dma(&m, 7, 0x50000, false, &pa), 0);
	CHECK_COH_REPORTED(&coh, 2, "missing CMD_TLBI_NH_VA asid 1 addr 0x50000");
	iommu_flush_iotlb_all(dom);
	CHECK_EQ(m_dma(&m, 7, 0x50000, false, NULL), 0x10);
	m_drain_events(&m);

	device_destroy(dev);
	testbed_destroy(&m);
}

/* Large unmaps: 2M blocks and long page runs, range commands or not. */
static void test_big_unmap(const struct smmuv3_config *cfg)
{
	struct iommu_domain *dom;
	struct testbed m;
	struct device *dev;
	u64 pa = 0;

	testbed_create(&m, cfg);
	dev = m_add_sid(&m, "dev0", 3);
	dom = iommu_get_domain_for_dev(dev);

	CHECK_EQ(iommu_map(dom, 0x200000, PA0, 0x400000, IOMMU_READ), 0);
	CHECK_EQ(iommu_map(dom, 0x1000000, PA0, 0x1f3000, IOMMU_READ), 0);
	for (u64 off = 0; off < 0x400000; off += 0x80000)
		CHECK_EQ(m_dma(&m, 3, 0x200000 + off, false, &pa), 0);
	for (u64 off = 0; off < 0x1f3000; off += 0x1000)
		CHECK_EQ(m_dma(&m, 3, 0x1000000 + off, false, &pa), 0);
	CHECK_EQ(iommu_unmap(dom, 0x200000, 0x400000), 0x400000);
	CHECK_EQ(iommu_unmap(dom, 0x1000000, 0x1f3000), 0x1f3000);
	for (u64 off = 0; off < 0x400000; off += 0x80000)
		CHECK_EQ(m_dma(&m, 3, 0x200000 + off, false, NULL), 0x10);
	for (u64 off = 0; off < 0x1f3000; off += 0x1000)
		CHECK_EQ(m_dma(&m, 3, 0x1000000 + off, false, NULL), 0x10);
	m_drain_events(&m);
	device_destroy(dev);
	testbed_destroy(&m);
}

static void test_identity_blocked(void)
{
	struct iommu_domain *dom;
	struct iommu_group *grp;
	struct arm_smmu_event evt;
	struct testbed m;
	struct device *dev;
	u64 pa = 0;

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "dev0", 9);
	grp = iommu_group_get(dev);
	dom = iommu_get_domain_for_dev(dev);
	CHECK_EQ(iommu_map(dom, 0x1000, PA0, 0x1000, IOMMU_READ), 0);

	/* Identity: bypass, the IOVA is the physical address. */
	CHECK_EQ(iommu_group_claim_dma_owner(grp, &m), 0);
	CHECK_EQ(iommu_group_replace_domain(grp, dev_iommu_ops(dev)->identity_domain), 0);
	CHECK_EQ(m_dma(&m, 9, 0x12345678, true, &pa), 0);
	CHECK_EQ(pa, 0x12345678);

	/* Blocked: aborted, and an abort STE records no event (IHI0070 5.2). */
	CHECK_EQ(iommu_group_replace_domain(grp, dev_iommu_ops(dev)->blocked_domain), 0);
	CHECK_EQ(m_dma(&m, 9, 0x1000, false, NULL), SMMUV3_ABORT);
	CHECK_EQ(m_pop(&m, &evt), -ENOENT);

	/* Back to the DMA domain: translation again. */
	iommu_group_release_dma_owner(grp);
	CHECK_EQ(m_dma(&m, 9, 0x1000, false, &pa), 0);
	CHECK_EQ(pa, PA0);

	/* A StreamID nobody probed is aborted silently (initial STEs). */
	CHECK_EQ(m_dma(&m, 10, 0x1000, false, NULL), SMMUV3_ABORT);
	/* Beyond the stream table: C_BAD_STREAMID, decoded with no device. */
	CHECK_EQ(m_dma(&m, 0x10000, 0x1000, false, NULL), 0x02);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK_EQ(evt.id, 0x02);
	CHECK_EQ(evt.sid, 0x10000);
	CHECK(evt.dev == NULL);

	CHECK_EQ(iommu_unmap(dom, 0x1000, 0x1000), 0x1000);
	iommu_group_put(grp);
	device_destroy(dev);
	testbed_destroy(&m);
}

/* A nest parent attached directly: stage 2 only, tagged by its VMID. */
static void test_stage2_domain(const struct smmuv3_config *cfg)
{
	struct iommu_domain *s2;
	struct iommu_group *grp;
	struct arm_smmu_event evt;
	struct testbed m;
	struct device *dev;
	u64 pa = 0;

	testbed_create(&m, cfg);
	dev = m_add_sid(&m, "dev0", 0x12);
	grp = iommu_group_get(dev);
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	if (IS_ERR(s2))
		fprintf(stderr, "nest parent: %ld\n", PTR_ERR(s2));
	REQUIRE(!IS_ERR(s2));
	CHECK(arm_smmu_domain_tag(s2) > 0);	/* a VMID */
	CHECK_EQ(iommu_map(s2, 0x80000000, PA0, 0x200000, IOMMU_READ | IOMMU_WRITE), 0);
	CHECK_EQ(iommu_map(s2, 0x90000000, PA0, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(iommu_group_claim_dma_owner(grp, &m), 0);
	CHECK_EQ(iommu_attach_group(s2, grp), 0);

	CHECK_EQ(m_dma(&m, 0x12, 0x80012345, true, &pa), 0);
	CHECK_EQ(pa, PA0 + 0x12345);
	CHECK_EQ(m_dma(&m, 0x12, 0x90000010, false, &pa), 0);
	/* Stage-2 permission fault: S2 set, the IPA reported. */
	CHECK_EQ(m_dma(&m, 0x12, 0x90000010, true, NULL), 0x13);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK_EQ(evt.id, 0x13);
	CHECK(evt.s2);
	CHECK_EQ(evt.ipa & ~0xfffULL, 0x90000000);

	/* Unmap through TLBI_S2_IPA (+ NH_ALL for a nest parent). */
	CHECK_EQ(iommu_unmap(s2, 0x80000000, 0x200000), 0x200000);
	CHECK_EQ(m_dma(&m, 0x12, 0x80012345, false, NULL), 0x10);
	m_drain_events(&m);

	iommu_detach_group(s2, grp);
	iommu_group_release_dma_owner(grp);
	iommu_domain_free(s2);
	iommu_group_put(grp);
	device_destroy(dev);
	testbed_destroy(&m);
}

/* Devices sharing a StreamID share a group; their own SIDs do not. */
static void test_groups_resv(void)
{
	struct iommu_resv_region *r;
	struct testbed m;
	struct device *a, *b, *c;
	struct list_head regions;
	u32 ab[] = { 20, 21 }, bb[] = { 21, 22 };
	unsigned int n = 0;

	INIT_LIST_HEAD(&regions);
	testbed_create(&m, NULL);
	a = m_add_device(&m, "a", ab, 2);
	b = m_add_device(&m, "b", bb, 2);
	c = m_add_sid(&m, "c", 23);
	REQUIRE(a->iommu_group && b->iommu_group && c->iommu_group);
	CHECK(a->iommu_group == b->iommu_group);
	CHECK(a->iommu_group != c->iommu_group);

	iommu_get_resv_regions(a, &regions);
	list_for_each_entry(r, &regions, list) {
		n++;
		CHECK_EQ(r->type, IOMMU_RESV_SW_MSI);
		CHECK_EQ(r->start, 0x8000000);
		CHECK_EQ(r->length, 0x100000);
	}
	CHECK_EQ(n, 1);
	iommu_put_resv_regions(a, &regions);

	/* b goes; the shared StreamID 21 still translates for a. */
	device_destroy(b);
	CHECK_EQ(iommu_map(iommu_get_domain_for_dev(a), 0x1000, PA0, 0x1000,
			   IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 21, 0x1000, false, NULL), 0);
	CHECK_EQ(m_dma(&m, 22, 0x1000, false, NULL), SMMUV3_ABORT);
	CHECK_EQ(iommu_unmap(iommu_get_domain_for_dev(a), 0x1000, 0x1000), 0x1000);
	device_destroy(a);
	device_destroy(c);
	testbed_destroy(&m);
}

int main(void)
{
	struct smmuv3_config cfg;

	test_dma_domain(NULL);
	smmuv3_config_default(&cfg);
	cfg.sid_bits = 8;	/* linear stream table */
	cfg.range_inv = false;	/* one TLBI per page */
	cfg.asid16 = cfg.vmid16 = false;
	test_dma_domain(&cfg);
	test_big_unmap(NULL);
	test_big_unmap(&cfg);
	test_stale_tlb();
	test_identity_blocked();
	test_stage2_domain(NULL);
	test_stage2_domain(&cfg);
	/*
	 * Smaller PAs: a 40- or 42-bit stage 2 cannot start at level 0 with
	 * 4K (2 or 8 concatenated level-1 tables, S2SL0 = 1); 44 bits can
	 * (a 32-entry level-0 table, S2SL0 = 2).  The model walks each.
	 */
	smmuv3_config_default(&cfg);
	for (unsigned int oas = 40; oas <= 44; oas += 2) {
		cfg.oas_bits = oas;
		test_stage2_domain(&cfg);
	}
	test_groups_resv();
	return test_done();
}
