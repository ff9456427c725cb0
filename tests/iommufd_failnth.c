// SPDX-License-Identifier: MIT
/*
 * Allocation failure at every step of iommufd's multi-step operations
 * (kernel_fail_nth): each must fail with -ENOMEM and leave everything as
 * it was (no object, no mapping, no reservation, no leak under ASan), and
 * succeed once memory is there.
 */
#include "tests/iommufd-helpers.h"

static void test_map_with_domains(void)
{
	struct iommu_domain *d1, *d2;
	u32 dev_id, ioas, pt, parent;
	struct fd_env e;
	phys_addr_t pa;
	void *buf;
	long ret;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "vf", 1));
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 4 << 20, &pa);
	pt = ioas;
	REQUIRE(iommufd_device_attach_pt(e.ictx, dev_id, &pt) == 0);
	REQUIRE(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			   NULL, 0, &parent) == 0);
	d1 = iommufd_hwpt_domain(e.ictx, pt);
	d2 = iommufd_hwpt_domain(e.ictx, parent);
	for (unsigned long n = 1;; n++) {
		u64 iova = 0x40000000;

		kernel_fail_nth(e.k, n);
		ret = ioas_map(&e, ioas, (u8 *)buf + 0x1000, 0x203000, &iova,
			       MAP_FIXED_RW);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(iommu_iova_to_phys(d1, 0x40000000), 0);
		CHECK_EQ(iommu_iova_to_phys(d2, 0x40000000), 0);
		CHECK_EQ(ioas_unmap(&e, ioas, 0, ~0ull, NULL), 0);
		REQUIRE(n < 200);
	}
	CHECK_EQ(iommu_iova_to_phys(d1, 0x40202000), pa + 0x203000);
	CHECK_EQ(iommu_iova_to_phys(d2, 0x40202000), pa + 0x203000);
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

static void test_attach_auto_domain(void)
{
	u32 dev_id, ioas, pt;
	struct fd_env e;
	void *buf;
	u64 iova = 0x1000000;
	int ret;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "vf", 1));
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 2 << 20, NULL);
	REQUIRE(ioas_map(&e, ioas, buf, 2 << 20, &iova, MAP_FIXED_RW) == 0);
	for (unsigned long n = 1;; n++) {
		pt = ioas;
		kernel_fail_nth(e.k, n);
		ret = iommufd_device_attach_pt(e.ictx, dev_id, &pt);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK(iommufd_device_domain(e.ictx, dev_id) == NULL);
		CHECK_EQ(destroy_id(&e, ioas + 1), -ENOENT);	/* no HWPT left */
		REQUIRE(n < 200);
	}
	CHECK(iommufd_device_domain(e.ictx, dev_id) != NULL);
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

static void test_viommu_nested(void)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { 1 | (4 << 1), 0 } };
	struct iommu_viommu_alloc v;
	u32 dev_id, ioas, parent, nested = 0;
	struct fd_env e;
	long ret;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "vf", 1));
	ioas = ioas_alloc(&e);
	REQUIRE(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			   NULL, 0, &parent) == 0);
	for (unsigned long n = 1;; n++) {
		v = (struct iommu_viommu_alloc){ .size = sizeof(v),
			.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = dev_id,
			.hwpt_id = parent };
		kernel_fail_nth(e.k, n);
		ret = IOCTL(&e, IOMMU_VIOMMU_ALLOC, &v);
		if (!ret)
			ret = hwpt_alloc(&e, dev_id, v.out_viommu_id, 0,
					 IOMMU_HWPT_DATA_ARM_SMMUV3, &ste,
					 sizeof(ste), &nested);
		kernel_fail_nth(e.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		if (v.out_viommu_id)
			CHECK_EQ(destroy_id(&e, v.out_viommu_id), 0);
		CHECK_EQ(destroy_id(&e, parent + 1), -ENOENT);
		REQUIRE(n < 200);
	}
	CHECK_EQ(destroy_id(&e, parent), -EBUSY);
	CHECK_EQ(destroy_id(&e, nested), 0);
	CHECK_EQ(destroy_id(&e, v.out_viommu_id), 0);
	CHECK_EQ(destroy_id(&e, parent), 0);
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

int main(void)
{
	test_map_with_domains();
	test_attach_auto_domain();
	test_viommu_nested();
	return test_done();
}
