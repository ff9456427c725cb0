// SPDX-License-Identifier: MIT
/*
 * The machine issue's end-to-end paragraph, with the real arm-smmu-v3
 * driver programming the real SMMUv3 model, a host kernel booted by the
 * board file, endpoints driven through their BARs:
 *
 *  - DMA through a DMA domain lands at the right physical pages; IDENTITY
 *    bypasses; BLOCKED aborts (tests/e2e.h, shared with the mock run);
 *  - unmap without invalidation leaves a stale TLB entry the device can
 *    still use, until the driver's invalidation clears it (an UNMANAGED
 *    domain's unmap_fast + iotlb_sync, and a lazy DMA_FQ domain's flush
 *    queue);
 *  - MSIs behind DMA, UNMANAGED + MSI cookie, stage-2 and nested domains
 *    pend the right LPI (tests/e2e.h);
 *  - a bad STE, a hole and a permission violation each give their event,
 *    raised on the SMMU's wired line and decoded by the driver.
 */
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-regs.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "tests/coherency-expect.h"
#include "tests/e2e.h"

static const struct platform_config smmu_pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };

#define EVT_C_BAD_STE		0x04
#define EVT_F_TRANSLATION	0x10
#define EVT_F_PERMISSION	0x13

static void test_nested(void)
{
	/* The guest's STE: valid, Config = bypass (stage 1 off). */
	struct iommu_hwpt_arm_smmuv3 vste = { { 0x1 | (4ULL << 1), 0 } };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_ARM_SMMUV3, &vste,
					sizeof(vste) };

	e2e_msi_nested(&smmu_pc, &data);
}

/* Pops one decoded event and checks who and where. */
static void expect_event(struct e2e *t, u8 id, struct ep_device *epd, u64 iova,
			 bool read)
{
	struct arm_smmu_event evt;

	memset(&evt, 0, sizeof(evt));
	REQUIRE(platform_pop_event(t->p, &evt) == 0);
	CHECK_EQ(evt.id, id);
	CHECK_EQ(evt.sid, epd->rid);
	CHECK(evt.dev == &epd->dev);
	if (id != EVT_C_BAD_STE) {
		CHECK_EQ(evt.iova, iova);
		CHECK_EQ(evt.read, read);
	}
}

static void test_events(void)
{
	struct ep_device *a, *b;
	struct machine_stats st0, st1;
	struct arm_smmu_event evt;
	phys_addr_t src, dst, ste;
	dma_addr_t s, d;
	u64 word0, cmd[2];
	struct e2e t;

	e2e_boot(&t, &smmu_pc);
	a = e2e_add(&t, EP_A);
	b = e2e_add(&t, EP_B);
	src = e2e_buf(&t, 4096, 9);
	dst = e2e_buf(&t, 4096, 10);
	s = ep_dma_map(a, src, 4096, DMA_TO_DEVICE);
	d = ep_dma_map(a, dst, 4096, DMA_FROM_DEVICE);
	REQUIRE(s != DMA_MAPPING_ERROR && d != DMA_MAPPING_ERROR);
	machine_get_stats(t.m, &st0);

	/* A hole: the device reads an IOVA nothing is mapped at. */
	CHECK_EQ(ep_start_dma(a, d, 0x1000, 64), -EFAULT);
	expect_event(&t, EVT_F_TRANSLATION, a, 0x1000, true);
	/* Permission: the device writes into a DMA_TO_DEVICE buffer. */
	CHECK_EQ(ep_start_dma(a, s + 64, d, 64), -EFAULT);
	expect_event(&t, EVT_F_PERMISSION, a, s + 64, false);
	CHECK(!e2e_same(&t, src, dst, 64));

	/* A bad STE: Config 0b001 is reserved (Arm IHI0070 5.2). */
	ste = arm_smmu_ste_address(platform_smmu(t.p), b->rid);
	REQUIRE(ste);
	word0 = *(u64 *)phys_to_virt(t.k, ste, 8);
	*(u64 *)phys_to_virt(t.k, ste, 8) = (word0 & ~0xeULL) | (1ULL << 1);
	cmd[0] = CMDQ_OP_CFGI_STE | ((u64)b->rid << 32);
	cmd[1] = CMDQ_CFGI_1_LEAF;
	REQUIRE(!arm_smmu_issue_raw_cmd(platform_smmu(t.p), cmd));
	CHECK_EQ(ep_start_dma(b, 0x2000, 0x1000, 8), -EFAULT);
	expect_event(&t, EVT_C_BAD_STE, b, 0, true);
	/* Put back and invalidated, the stream translates again (a hole). */
	*(u64 *)phys_to_virt(t.k, ste, 8) = word0;
	REQUIRE(!arm_smmu_issue_raw_cmd(platform_smmu(t.p), cmd));
	CHECK_EQ(ep_start_dma(b, 0x2000, 0x1000, 8), -EFAULT);
	expect_event(&t, EVT_F_TRANSLATION, b, 0x1000, true);

	/* Each event came on the SMMU's event-queue line; none is left. */
	machine_get_stats(t.m, &st1);
	CHECK_EQ(st1.smmu_irqs[0] - st0.smmu_irqs[0], 4);
	CHECK_EQ(st1.smmu_irqs[1], st0.smmu_irqs[1]);	/* no GERROR */
	CHECK_EQ(platform_pop_event(t.p, &evt), -ENOENT);
	/* The good path still works after all that. */
	CHECK_EQ(ep_start_dma(a, d, s, 4096), 0);
	CHECK(e2e_same(&t, src, dst, 4096));
	ep_dma_unmap(a, s, 4096, DMA_TO_DEVICE);
	ep_dma_unmap(a, d, 4096, DMA_FROM_DEVICE);
	e2e_shutdown(&t);
}

/*
 * UNMANAGED (the owner maps): unmap_fast without iotlb_sync leaves the
 * SMMU's TLB entry, through which the device still writes into the old
 * page; the sync's TLBI removes it and the next write faults.
 */
static void test_stale_unmanaged(void)
{
	const u64 iova = 0x10000000;
	struct iommu_iotlb_gather gather;
	struct iommu_domain *dom;
	struct coh_expect coh;
	struct ep_device *epd;
	phys_addr_t src, dst;
	struct e2e t;
	int owner;

	e2e_boot(&t, &smmu_pc);
	coh_expect_begin(machine_smmu(t.m), &coh);
	epd = e2e_add(&t, EP_A);
	src = e2e_buf(&t, 4096, 11);
	dst = e2e_buf(&t, 4096, 12);
	REQUIRE(!iommu_device_claim_dma_owner(&epd->dev, &owner));
	dom = iommu_paging_domain_alloc(&epd->dev);
	REQUIRE(!IS_ERR(dom));
	REQUIRE(!iommu_attach_device(dom, &epd->dev));
	REQUIRE(!iommu_map(dom, iova, src, 4096, IOMMU_READ));
	REQUIRE(!iommu_map(dom, iova + 4096, dst, 4096, IOMMU_READ | IOMMU_WRITE));
	CHECK_EQ(ep_start_dma(epd, iova + 4096, iova, 4096), 0);	/* TLB filled */
	CHECK(e2e_same(&t, src, dst, 4096));

	iommu_iotlb_gather_init(&gather);
	CHECK_EQ(iommu_unmap_fast(dom, iova + 4096, 4096, &gather), 4096);
	CHECK_EQ(iommu_iova_to_phys(dom, iova + 4096), 0);
	memset(phys_to_virt(t.k, src, 4096), 0x77, 4096);
	CHECK_EQ(ep_start_dma(epd, iova + 4096, iova, 4096), 0);	/* stale */
	CHECK(e2e_same(&t, src, dst, 4096));
	CHECK_COH_REPORTED(&coh, 1, "missing CMD_TLBI_NH_VA asid");
	CHECK_EQ(platform_pop_event(t.p, &(struct arm_smmu_event){ 0 }), -ENOENT);
	iommu_iotlb_sync(dom, &gather);
	memset(phys_to_virt(t.k, src, 4096), 0x88, 4096);
	CHECK_EQ(ep_start_dma(epd, iova + 4096, iova, 4096), -EFAULT);
	CHECK(!e2e_same(&t, src, dst, 4096));
	expect_event(&t, EVT_F_TRANSLATION, epd, iova + 4096, false);

	iommu_detach_device(dom, &epd->dev);
	iommu_domain_free(dom);
	iommu_device_release_dma_owner(&epd->dev);
	e2e_shutdown(&t);
}

/*
 * Lazy DMA (iommu.strict=0, DMA_FQ): dma_unmap defers the invalidation to
 * the flush queue, so until it is flushed the device can still write the
 * buffer it gave back; flushing the queue clears the entry.
 */
static void test_stale_dma_fq(void)
{
	struct platform_config pc = smmu_pc;
	struct iommu_domain *dom;
	struct coh_expect coh;
	struct ep_device *epd;
	phys_addr_t src, dst;
	dma_addr_t s, d;
	struct e2e t;

	pc.lazy = true;
	e2e_boot(&t, &pc);
	coh_expect_begin(machine_smmu(t.m), &coh);
	epd = e2e_add(&t, EP_A);
	dom = iommu_get_domain_for_dev(&epd->dev);
	CHECK_EQ(dom->type, IOMMU_DOMAIN_DMA_FQ);
	src = e2e_buf(&t, 4096, 13);
	dst = e2e_buf(&t, 4096, 14);
	s = ep_dma_map(epd, src, 4096, DMA_TO_DEVICE);
	d = ep_dma_map(epd, dst, 4096, DMA_FROM_DEVICE);
	REQUIRE(s != DMA_MAPPING_ERROR && d != DMA_MAPPING_ERROR);
	CHECK_EQ(ep_start_dma(epd, d, s, 4096), 0);
	ep_dma_unmap(epd, d, 4096, DMA_FROM_DEVICE);
	CHECK_EQ(iommu_dma_fq_pending(dom), 1);
	CHECK_EQ(iommu_iova_to_phys(dom, d), 0);
	memset(phys_to_virt(t.k, src, 4096), 0x99, 4096);
	CHECK_EQ(ep_start_dma(epd, d, s, 4096), 0);	/* stale, still lands */
	CHECK(e2e_same(&t, src, dst, 4096));
	/* A use after unmap, which the flush queue makes possible. */
	CHECK_COH_REPORTED(&coh, 1, "missing CMD_TLBI_NH_VA asid");
	iommu_dma_flush_fq(dom);
	CHECK_EQ(iommu_dma_fq_pending(dom), 0);
	CHECK_EQ(ep_start_dma(epd, d, s, 4096), -EFAULT);
	expect_event(&t, EVT_F_TRANSLATION, epd, d, false);
	ep_dma_unmap(epd, s, 4096, DMA_TO_DEVICE);
	e2e_shutdown(&t);
}

/*
 * Allocation failure at every step of bringing an endpoint up (device
 * probe, STE, default domain, IOVA space, MSI vectors, doorbell mapping,
 * DMA mapping): each either fails cleanly or works end to end, and nothing
 * leaks.  Stops once the n-th allocation is never reached.
 */
static void test_fail_nth(void)
{
	struct e2e t;
	unsigned int n;

	e2e_boot(&t, &smmu_pc);
	for (n = 1; n < 1000; n++) {
		phys_addr_t buf = e2e_buf(&t, 4096, 15);
		struct ep_device *epd;
		dma_addr_t d = DMA_MAPPING_ERROR;
		int ret = -1;

		kernel_fail_nth(t.k, n);
		epd = platform_add_ep(t.p, EP_A, NULL);
		if (!IS_ERR(epd)) {
			ret = ep_request_msi(epd, 4);
			d = ep_dma_map(epd, buf, 4096, DMA_BIDIRECTIONAL);
		}
		if (atomic_load(&t.k->kmalloc_fail_nth)) {
			/* Nothing failed: the whole path must have worked. */
			kernel_fail_nth(t.k, 0);
			CHECK_EQ(ret, 0);
			CHECK(d != DMA_MAPPING_ERROR);
			e2e_fire_all(&t, epd);
			CHECK_EQ(ep_start_dma(epd, d, d, 64), 0);
			ep_dma_unmap(epd, d, 4096, DMA_BIDIRECTIONAL);
			platform_remove_ep(epd);
			e2e_buf_free(&t, buf);
			break;
		}
		if (!IS_ERR(epd)) {
			if (!ret)
				e2e_fire_all(&t, epd);
			if (d != DMA_MAPPING_ERROR) {
				CHECK_EQ(ep_start_dma(epd, d, d, 64), 0);
				ep_dma_unmap(epd, d, 4096, DMA_BIDIRECTIONAL);
			}
			platform_remove_ep(epd);
		} else {
			CHECK_EQ(PTR_ERR(epd), -ENOMEM);
		}
		e2e_buf_free(&t, buf);
	}
	CHECK(n > 5 && n < 1000);
	e2e_shutdown(&t);
}

/*
 * An SMMU the driver refuses (a command queue too small for a batch and
 * its SYNC): the boot fails with the driver's error and unwinds the ITS
 * driver, so the machine can boot again, here without an IOMMU driver.
 */
static void test_boot_refused(void)
{
	struct machine_config mc;
	struct ep_device *epd;
	struct platform *p;
	struct machine *m;

	machine_config_default(&mc);
	mc.ram_size = 16ULL << 20;
	mc.smmu.cmdq_max_log2 = 2;
	mc.nr_endpoints = 1;
	mc.ep[0] = e2e_eps[EP_A];
	m = machine_create(&mc);
	REQUIRE(m);
	CHECK_EQ(PTR_ERR(platform_boot(m, &smmu_pc)), -ENXIO);
	p = platform_boot(m, &(struct platform_config){ .iommu = PLATFORM_IOMMU_NONE });
	REQUIRE(!IS_ERR(p));
	CHECK_EQ(platform_pop_event(p, &(struct arm_smmu_event){ 0 }), -ENODEV);
	epd = platform_add_ep(p, 0, NULL);
	REQUIRE(!IS_ERR(epd));
	CHECK(!epd->behind_iommu);
	CHECK_EQ(ep_request_msi(epd, 4), 0);	/* the ITS came back */
	platform_shutdown(p);
	machine_destroy(m);
}

int main(void)
{
	e2e_dma_domain(&smmu_pc);
	e2e_dma_sg(&smmu_pc);
	e2e_identity(&smmu_pc);
	e2e_blocked(&smmu_pc);
	e2e_msi(&smmu_pc);
	test_nested();
	test_events();
	test_stale_unmanaged();
	test_stale_dma_fq();
	test_fail_nth();
	test_boot_refused();
	return test_done();
}
