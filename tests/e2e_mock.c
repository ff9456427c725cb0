// SPDX-License-Identifier: MIT
/*
 * The end-to-end stories over the mock IOMMU driver: the board file, the
 * endpoint driver, dma-iommu, the gic-its driver and the ITS model, with
 * the mock's software walk standing in for the SMMU (tests/e2e_smmu.c runs
 * the same stories over the real driver and model).  Also the board
 * file's error paths.
 */
#include "kernel/drivers/mock-iommu.h"
#include "tests/e2e.h"

static const struct platform_config mock_pc = { .iommu = PLATFORM_IOMMU_MOCK };

static void test_nested(void)
{
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data data = { IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1) };

	e2e_msi_nested(&mock_pc, &data);
}

/* What a caller can get wrong, and what the board says. */
static void test_errors(void)
{
	struct machine_config mc;
	struct ep_device *epd;
	struct machine *m;
	struct e2e t;

	e2e_boot(&t, &mock_pc);
	CHECK_EQ(PTR_ERR(platform_add_ep(t.p, NR_EPS, NULL)), -ENODEV);
	epd = e2e_add(&t, EP_A);
	CHECK_EQ(PTR_ERR(platform_add_ep(t.p, EP_A, "again")), -EBUSY);
	CHECK(platform_find_ep(t.p, EP_A) == epd);
	CHECK(platform_find_ep(t.p, EP_B) == NULL);
	CHECK_EQ(ep_trigger_msi(epd, 0), -ENODEV);
	CHECK_EQ(ep_request_msi(epd, 0), -EINVAL);
	CHECK_EQ(ep_request_msi(epd, 3), -EINVAL);
	CHECK_EQ(ep_request_msi(epd, 8), -EINVAL);	/* capability has 4 */
	CHECK_EQ(ep_request_msi(epd, 2), 0);
	CHECK_EQ(ep_request_msi(epd, 2), -EBUSY);
	CHECK_EQ(ep_trigger_msi(epd, 2), -EINVAL);
	CHECK_EQ(ep_msi_lpi(epd, 2, &(u32){ 0 }, &(unsigned int){ 0 }), -EINVAL);
	CHECK_EQ(ep_dma_map(epd, 0x40000000, 0, DMA_TO_DEVICE), DMA_MAPPING_ERROR);
	CHECK_EQ(ep_dma_map(epd, 0x40000000, 16, DMA_NONE), DMA_MAPPING_ERROR);
	/* A DMA engine pointed at nothing mapped reports the fault. */
	CHECK_EQ(ep_start_dma(epd, 0x1000, 0x2000, 16), -EFAULT);
	platform_remove_ep(epd);
	/* Re-added, it probes again; shutdown removes what is left. */
	epd = e2e_add(&t, EP_A);
	CHECK_EQ(ep_request_msi(epd, 4), 0);
	e2e_fire_all(&t, epd);
	e2e_shutdown(&t);

	/* No SMMU in the machine: an IOMMU driver has nothing to bind to. */
	machine_config_default(&mc);
	mc.ram_size = 16ULL << 20;
	mc.has_smmu = false;
	m = machine_create(&mc);
	REQUIRE(m);
	CHECK_EQ(PTR_ERR(platform_boot(m, &mock_pc)), -ENODEV);
	CHECK_EQ(PTR_ERR(platform_boot(m, &(struct platform_config){ .iommu = 42 })),
		 -EINVAL);
	machine_destroy(m);
}

int main(void)
{
	e2e_dma_domain(&mock_pc);
	e2e_dma_sg(&mock_pc);
	e2e_identity(&mock_pc);
	e2e_blocked(&mock_pc);
	e2e_msi(&mock_pc);
	test_nested();
	test_errors();
	return test_done();
}
