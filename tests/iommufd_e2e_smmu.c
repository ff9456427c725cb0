// SPDX-License-Identifier: MIT
/*
 * iommufd over the real arm-smmu-v3 driver and SMMUv3 model, as a VMM uses
 * it: guest RAM (host RAM) mapped into an IOAS at guest-physical
 * addresses, a NEST_PARENT stage 2, the guest's STE as a nested HWPT (stage
 * 1 bypassing).  The endpoint's DMA to guest-physical addresses walks the
 * SMMU's nested configuration to the right host pages, and its MSI,
 * composed by the host ITS driver, is rewritten to the driver's SW_MSI
 * window (mainline: the unmerged IOMMU_OPTION_SW_MSI_START is refused)
 * and still pends its LPI.
 */
#include "kernel/iommufd/iommufd.h"
#include "tests/e2e.h"

static const struct platform_config smmu_pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };

#define GUEST_RAM	0x40000000ull

static long ctl(struct iommufd_ctx *ictx, unsigned int cmd, void *arg)
{
	return iommufd_ioctl(ictx, cmd, (unsigned long)arg);
}

static long map(struct iommufd_ctx *ictx, u32 ioas, struct kernel *k,
		phys_addr_t pa, u64 len, u64 iova)
{
	struct iommu_ioas_map m = { .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas, .user_va = (uintptr_t)phys_to_virt(k, pa, len),
		.length = len, .iova = iova };

	return ctl(ictx, IOMMU_IOAS_MAP, &m);
}

static void test_nested_vm(void)
{
	struct iommu_hwpt_arm_smmuv3 vste = { { 0x1 | (4ULL << 1), 0 } };
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_hwpt_alloc h;
	struct iommu_option o;
	struct iommu_hw_info hi;
	struct iommufd_ctx *ictx;
	struct ep_device *epd;
	u32 dev_id, parent, nested, pt;
	phys_addr_t src, dst;
	u64 doorbell, addr;
	struct e2e t;

	e2e_boot(&t, &smmu_pc);
	doorbell = machine_get_config(t.m)->its_base + GITS_TRANSLATER;
	epd = e2e_add(&t, EP_C);
	ictx = iommufd_ctx_create(t.k);
	REQUIRE(ictx);
	REQUIRE(iommufd_device_bind(ictx, &epd->dev, &dev_id) == 0);

	/* What the driver says about itself (nothing yet: see docs/iommufd.md). */
	hi = (struct iommu_hw_info){ .size = sizeof(hi), .dev_id = dev_id };
	CHECK_EQ(ctl(ictx, IOMMU_GET_HW_INFO, &hi), 0);

	/* Guest RAM: two host pages at guest-physical 0x40000000. */
	src = e2e_buf(&t, 0x2000, 5);
	dst = e2e_buf(&t, 0x2000, 77);
	REQUIRE(ctl(ictx, IOMMU_IOAS_ALLOC, &ia) == 0);
	CHECK_EQ(map(ictx, ia.out_ioas_id, t.k, src, 0x2000, GUEST_RAM), 0);
	CHECK_EQ(map(ictx, ia.out_ioas_id, t.k, dst, 0x2000, GUEST_RAM + 0x10000), 0);

	h = (struct iommu_hwpt_alloc){ .size = sizeof(h),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT, .dev_id = dev_id,
		.pt_id = ia.out_ioas_id };
	REQUIRE(ctl(ictx, IOMMU_HWPT_ALLOC, &h) == 0);
	parent = h.out_hwpt_id;
	h = (struct iommu_hwpt_alloc){ .size = sizeof(h), .dev_id = dev_id,
		.pt_id = parent, .data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(vste), .data_uptr = (uintptr_t)&vste };
	REQUIRE(ctl(ictx, IOMMU_HWPT_ALLOC, &h) == 0);
	nested = h.out_hwpt_id;

	/* Mainline has no IOMMU_OPTION_SW_MSI_START: the driver's window. */
	o = (struct iommu_option){ .size = sizeof(o),
		.option_id = IOMMU_OPTION_SW_MSI_START, .op = IOMMU_OPTION_OP_SET,
		.object_id = dev_id, .val64 = 0x9000000 };
	CHECK_EQ(ctl(ictx, IOMMU_OPTION, &o), -EOPNOTSUPP);

	pt = nested;
	REQUIRE(iommufd_device_attach_pt(ictx, dev_id, &pt) == 0);

	/* DMA at guest-physical addresses, through the SMMU's nested walk. */
	CHECK(!e2e_same(&t, src, dst, 0x2000));
	CHECK_EQ(ep_start_dma(epd, GUEST_RAM + 0x10000, GUEST_RAM, 0x2000), 0);
	CHECK(e2e_same(&t, src, dst, 0x2000));
	CHECK_EQ(ep_start_dma(epd, GUEST_RAM + 0x20000, GUEST_RAM, 64), -EFAULT);

	/* MSI: the doorbell goes into stage 2 at the window; the LPI pends. */
	CHECK_EQ(ep_request_msi(epd, 2), 0);
	addr = e2e_fire_all(&t, epd);
	CHECK_EQ(addr, SW_MSI_DEFAULT_START | (doorbell & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(iommufd_hwpt_domain(ictx, parent), addr),
		 doorbell);
	/* The window is not the VMM's to map any more. */
	CHECK_EQ(map(ictx, ia.out_ioas_id, t.k, src, 0x1000, SW_MSI_DEFAULT_START),
		 -EINVAL);

	ep_free_msi(epd);
	iommufd_device_unbind(ictx, dev_id);
	iommufd_ctx_destroy(ictx);
	e2e_buf_free(&t, src);
	e2e_buf_free(&t, dst);
	e2e_shutdown(&t);
}

int main(void)
{
	test_nested_vm();
	return test_done();
}
