// SPDX-License-Identifier: MIT
/*
 * The board's wiring, with the real SMMUv3 model programmed the way the
 * SMMU tests program it (tests/smmuv3_rig.h: STEs, CDs, tables and the
 * event queue written by hand, no SMMU driver) and the GICv3 ITS driven by
 * the kernel's gic-its driver through the board file:
 *
 *  - the layout: every device answers at its documented address;
 *  - endpoint DMA through the SMMU lands where the tables say, bypasses
 *    with a bypass STE (and before the SMMU is enabled), aborts silently
 *    with an abort STE, and a bad STE, a hole and a permission violation
 *    each leave their event record and raise the event-queue line;
 *  - an MSI through the SMMU reaches GITS_TRANSLATER with DeviceID =
 *    StreamID and pends the LPI the ITS driver mapped, and a faulting MSI
 *    pends nothing;
 *  - invalid machine descriptions are refused.
 */
#include "kernel/platform.h"
#include "tests/machine-board.h"

static void test_layout(void)
{
	struct board b;
	u64 v = 0;

	board_create(&b);
	REQUIRE(!phys_read_val(b.r.mem, RIG_SMMU_BASE + SMMU_IDR0, 4, &v, MEM_ATTRS_NONE));
	CHECK(v & BIT(0) && v & BIT(1));	/* S2P, S1P */
	REQUIRE(!phys_read_val(b.r.mem, MACHINE_ITS_BASE + GITS_PIDR2, 4, &v,
			       MEM_ATTRS_NONE));
	CHECK_EQ((v >> 4) & 0xf, 3);		/* GICv3 */
	for (unsigned int i = 0; i < NR; i++) {
		phys_addr_t bar = machine_endpoint_bar(b.m, i);

		CHECK_EQ(bar, MACHINE_EP_BAR_BASE + i * MACHINE_EP_BAR_STRIDE);
		REQUIRE(!phys_read_val(b.r.mem, bar + EP_ID, 4, &v, MEM_ATTRS_NONE));
		CHECK_EQ(v, ENDPOINT_ID);
		REQUIRE(!phys_read_val(b.r.mem, bar + EP_RID, 4, &v, MEM_ATTRS_NONE));
		CHECK_EQ(v, machine_get_config(b.m)->ep[i].rid);
	}
	/* An empty slot of the BAR window decodes to nothing. */
	CHECK_EQ(phys_read_val(b.r.mem, machine_endpoint_bar(b.m, NR), 4, &v,
			       MEM_ATTRS_NONE), -EFAULT);
	CHECK_EQ(phys_write_val(b.r.mem, machine_endpoint_bar(b.m, NR) + EP_MSI_TRIGGER,
				4, 0, MEM_ATTRS_NONE), -EFAULT);
	CHECK_EQ(machine_find_endpoint(b.m, SID_BAD), EP_BAD);
	CHECK_EQ(machine_find_endpoint(b.m, 0x999), -ENOENT);
	CHECK(machine_endpoint(b.m, NR) == NULL);
	CHECK(phys_ram_ptr(b.r.mem, MACHINE_RAM_BASE, 4096) != NULL);
	machine_destroy(b.m);
}

static void test_dma(void)
{
	struct endpoint *s1, *byp;
	u8 buf[64], out[64];
	struct board b;
	struct pt pt;
	u32 sid = 0;
	u64 iova = 0;

	board_create(&b);
	s1 = machine_endpoint(b.m, EP_S1);
	byp = machine_endpoint(b.m, EP_BYPASS);
	memset(buf, 0xa5, sizeof(buf));
	/* SMMU disabled, GBPA bypass: physical addresses. */
	CHECK_EQ(endpoint_dma_write(s1, 0x48000000, buf, sizeof(buf)), 0);
	CHECK(!memcmp(phys_ram_ptr(b.r.mem, 0x48000000, 64), buf, 64));

	rig_enable(&b.r);
	board_s1(&b, &pt);
	board_ste(&b, SID_BYPASS, STE_CFG_BYPASS, true);
	board_ste(&b, SID_ABORT, STE_CFG_ABORT, true);
	board_ste(&b, SID_BAD, STE_CFG_S1, false);
	pt_map(&pt, 0x100000, 0x48200000, 3, PT_AF | PT_S1_RW);
	pt_map(&pt, 0x101000, 0x48300000, 3, PT_AF | PT_S1_RO);

	/* Stage 1: the bytes land at the page the table names. */
	memset(buf, 0x3c, sizeof(buf));
	CHECK_EQ(endpoint_dma_write(s1, 0x100010, buf, sizeof(buf)), 0);
	CHECK(!memcmp(phys_ram_ptr(b.r.mem, 0x48200010, 64), buf, 64));
	CHECK_EQ(endpoint_dma_read(s1, 0x100010, out, sizeof(out)), 0);
	CHECK(!memcmp(out, buf, 64));
	/* Bypass STE: physical. */
	CHECK_EQ(endpoint_dma_write(byp, 0x48400000, buf, sizeof(buf)), 0);
	CHECK(!memcmp(phys_ram_ptr(b.r.mem, 0x48400000, 64), buf, 64));
	CHECK_EQ(b.evtq_irqs, 0);

	/* Abort STE: terminated, no event. */
	CHECK_EQ(endpoint_dma_write(machine_endpoint(b.m, EP_ABORT), 0x48400000,
				    buf, 8), -EFAULT);
	CHECK_EQ(board_event(&b, &sid, &iova), 0);
	/* STE.V = 0: C_BAD_STE. */
	CHECK_EQ(endpoint_dma_write(machine_endpoint(b.m, EP_BAD), 0x48400000,
				    buf, 8), -EFAULT);
	CHECK_EQ(board_event(&b, &sid, &iova), EVT_C_BAD_STE);
	CHECK_EQ(sid, SID_BAD);
	/* A hole in the table: F_TRANSLATION at the IOVA. */
	CHECK_EQ(endpoint_dma_read(s1, 0x200000, out, 8), -EFAULT);
	CHECK_EQ(board_event(&b, &sid, &iova), EVT_F_TRANSLATION);
	CHECK_EQ(sid, SID_S1);
	CHECK_EQ(iova, 0x200000);
	/* Writing a read-only page: F_PERMISSION; reading it is fine. */
	CHECK_EQ(endpoint_dma_write(s1, 0x101000, buf, 8), -EFAULT);
	CHECK_EQ(board_event(&b, &sid, &iova), EVT_F_PERMISSION);
	CHECK_EQ(iova, 0x101000);
	CHECK_EQ(endpoint_dma_read(s1, 0x101000, out, 8), 0);
	CHECK_EQ(board_event(&b, &sid, &iova), 0);
	/* Each recorded event raised the wired line, through the board. */
	CHECK_EQ(b.evtq_irqs, 3);
	{
		struct machine_stats st;

		machine_get_stats(b.m, &st);
		CHECK_EQ(st.smmu_irqs[0], 3);
	}
	/* Disconnected, the line still counts but calls nobody. */
	machine_set_smmu_irq(b.m, NULL, NULL);
	CHECK_EQ(endpoint_dma_read(s1, 0x300000, out, 8), -EFAULT);
	CHECK_EQ(b.evtq_irqs, 3);
	machine_destroy(b.m);
}

/*
 * MSIs with the ITS programmed by the kernel's gic-its driver (no IOMMU
 * driver: the kernel composes the physical doorbell), the SMMU by hand.
 */
static void test_msi(void)
{
	struct platform_config pc = {
		.iommu = PLATFORM_IOMMU_NONE,
		.ram_base = KERNEL_RAM, .ram_size = 64ULL << 20,
	};
	struct ep_device *s1, *byp, *direct;
	u64 doorbell = MACHINE_ITS_BASE + GITS_TRANSLATER;
	struct machine_stats st;
	struct platform *p;
	unsigned int cpu;
	struct board b;
	struct pt pt;
	u32 lpi, sid;
	u64 iova, lpis;

	board_create(&b);
	p = platform_boot(b.m, &pc);
	REQUIRE(!IS_ERR(p));
	rig_enable(&b.r);
	board_s1(&b, &pt);
	board_ste(&b, SID_BYPASS, STE_CFG_BYPASS, true);
	s1 = platform_add_ep(p, EP_S1, NULL);
	byp = platform_add_ep(p, EP_BYPASS, NULL);
	direct = platform_add_ep(p, EP_DIRECT, NULL);
	REQUIRE(!IS_ERR(s1) && !IS_ERR(byp) && !IS_ERR(direct));

	/* No SMMU on the path, and a bypass STE: DeviceID = RID = StreamID. */
	CHECK_EQ(ep_request_msi(direct, 1), 0);
	CHECK_EQ(ep_request_msi(byp, 1), 0);
	CHECK_EQ(ep_request_msi(s1, 4), 0);
	REQUIRE(!ep_msi_lpi(direct, 0, &lpi, &cpu));
	CHECK_EQ(ep_trigger_msi(direct, 0), 0);
	CHECK(machine_lpi_pending(b.m, cpu, lpi));
	CHECK_EQ(machine_lpi_ack(b.m, cpu), lpi);
	REQUIRE(!ep_msi_lpi(byp, 0, &lpi, &cpu));
	CHECK_EQ(ep_trigger_msi(byp, 0), 0);
	CHECK_EQ(machine_lpi_ack(b.m, cpu), lpi);

	/* Stage 1 without the doorbell mapped: F_TRANSLATION, nothing pends. */
	machine_get_stats(b.m, &st);
	lpis = st.lpis;
	CHECK_EQ(ep_trigger_msi(s1, 1), -EFAULT);
	CHECK_EQ(board_event(&b, &sid, &iova), EVT_F_TRANSLATION);
	CHECK_EQ(sid, SID_S1);
	CHECK_EQ(iova, doorbell);
	machine_get_stats(b.m, &st);
	CHECK_EQ(st.lpis, lpis);
	/* The ITS page mapped at an IOVA, the message pointed there (what
	 * dma-iommu does): vector 2 of SID_S1 pends its own LPI. */
	pt_map(&pt, 0x8000000, MACHINE_ITS_BASE + 0x10000, 3, PT_AF | PT_S1_RW);
	REQUIRE(!phys_write_val(b.r.mem, s1->bar + EP_MSI_ADDR, 4,
				0x8000000 | (doorbell & 0xfff), MEM_ATTRS_NONE));
	REQUIRE(!ep_msi_lpi(s1, 2, &lpi, &cpu));
	CHECK_EQ(ep_trigger_msi(s1, 2), 0);
	CHECK(machine_lpi_pending(b.m, cpu, lpi));
	CHECK_EQ(machine_lpi_ack(b.m, cpu), lpi);
	CHECK_EQ(its_lpi_count_pending(machine_its(b.m), 0) +
		 its_lpi_count_pending(machine_its(b.m), 1), 0);

	platform_shutdown(p);
	machine_destroy(b.m);
}

static void test_bad_config(void)
{
	struct machine_ep_config ep = { 0x10, 1, true };
	struct machine_config mc;
	struct machine *m;

	machine_config_default(&mc);
	mc.ram_size = 16ULL << 20;
	mc.nr_endpoints = 2;
	mc.ep[0] = ep;
	mc.ep[1] = ep;		/* same RID twice */
	CHECK(machine_create(&mc) == NULL);
	mc.ep[1].rid = 0x11;
	mc.ep[1].nr_vectors = 3;
	CHECK(machine_create(&mc) == NULL);
	mc.ep[1].nr_vectors = 2;
	mc.has_smmu = false;	/* behind an SMMU that is not there */
	CHECK(machine_create(&mc) == NULL);
	mc.has_smmu = true;
	mc.smmu_base = mc.its_base;	/* overlapping windows */
	CHECK(machine_create(&mc) == NULL);
	mc.smmu_base = MACHINE_SMMU_BASE;
	mc.smmu.oas_bits = 47;		/* no such OAS */
	CHECK(machine_create(&mc) == NULL);
	smmuv3_config_default(&mc.smmu);
	mc.its.nr_targets = 0;
	CHECK(machine_create(&mc) == NULL);
	its_config_default(&mc.its);
	mc.ram_size = 0;
	CHECK(machine_create(&mc) == NULL);
	mc.ram_size = 16ULL << 20;
	mc.nr_endpoints = MACHINE_MAX_ENDPOINTS + 1;
	CHECK(machine_create(&mc) == NULL);

	mc.nr_endpoints = 2;
	m = machine_create(&mc);
	REQUIRE(m);
	CHECK_EQ(machine_add_endpoint(m, &ep), -EINVAL);	/* RID in use */
	ep.nr_vectors = 64;
	ep.rid = 0x100;
	CHECK_EQ(machine_add_endpoint(m, &ep), -EINVAL);
	ep.nr_vectors = 1;
	for (unsigned int i = 2; i < MACHINE_MAX_ENDPOINTS; i++) {
		ep.rid = 0x100 + i;
		CHECK_EQ(machine_add_endpoint(m, &ep), (int)i);
	}
	CHECK_EQ(machine_add_endpoint(m, &ep), -ENOSPC);
	CHECK_EQ(machine_nr_endpoints(m), MACHINE_MAX_ENDPOINTS);
	machine_destroy(m);

	/* The kernel's RAM must lie inside the machine's. */
	machine_config_default(&mc);
	mc.ram_size = 16ULL << 20;
	m = machine_create(&mc);
	REQUIRE(m);
	CHECK_EQ(PTR_ERR(platform_boot(m, &(struct platform_config){
		.iommu = PLATFORM_IOMMU_NONE, .ram_base = MACHINE_RAM_BASE + 4096,
		.ram_size = 16ULL << 20 })), -EINVAL);
	CHECK_EQ(PTR_ERR(platform_boot(m, &(struct platform_config){
		.iommu = PLATFORM_IOMMU_NONE, .ram_base = 0x1000,
		.ram_size = 4096 })), -EINVAL);
	machine_destroy(m);
}

int main(void)
{
	test_layout();
	test_dma();
	test_msi();
	test_bad_config();
	return test_done();
}
