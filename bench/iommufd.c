// SPDX-License-Identifier: MIT
/*
 * iommufd's hot ioctls through iommufd_ioctl(), as a VMM issues them:
 * IOAS_MAP + IOAS_UNMAP of 2 MiB of guest RAM with one paging HWPT attached
 * (a 2M block in its page table), with HUGE_PAGES off (512 4K IOPTEs),
 * with no domain (bookkeeping only), and HWPT_INVALIDATE of one SMMUv3 command through a vIOMMU.
 */
#include "bench/bench.h"
#include "tests/iommufd-helpers.h"

struct ctx {
	struct fd_env *e;
	u32 ioas, viommu;
	void *buf;
	struct iommu_viommu_arm_smmuv3_invalidate cmd;
};

static void map_unmap(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_ioas_map m = { .size = sizeof(m), .flags = MAP_FIXED_RW,
		.ioas_id = c->ioas, .user_va = (uintptr_t)c->buf,
		.length = 2 << 20, .iova = 0x40000000 };
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = c->ioas,
		.iova = 0x40000000, .length = 2 << 20 };

	(void)i;
	if (IOCTL(c->e, IOMMU_IOAS_MAP, &m) || IOCTL(c->e, IOMMU_IOAS_UNMAP, &u))
		abort();
}

static void invalidate_one(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv),
		.hwpt_id = c->viommu, .data_uptr = (uintptr_t)&c->cmd,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(c->cmd), .entry_num = 1 };

	(void)i;
	if (IOCTL(c->e, IOMMU_HWPT_INVALIDATE, &inv) || inv.entry_num != 1)
		abort();
}

int main(void)
{
	struct iommu_viommu_alloc v;
	struct fd_env e;
	struct ctx c = { .e = &e };
	u32 dev_id, parent, pt;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "vf", 0x10));
	c.buf = user_mem(&e, 2 << 20, NULL);

	c.ioas = ioas_alloc(&e);
	bench_print("iommufd_map_unmap_2M_no_domain", "ns/op",
		    bench_measure(map_unmap, &c, 2000));

	pt = c.ioas;
	REQUIRE(iommufd_device_attach_pt(e.ictx, dev_id, &pt) == 0);
	bench_print("iommufd_map_unmap_2M", "ns/op",
		    bench_measure(map_unmap, &c, 2000));
	{
		/* HUGE_PAGES off: the same 2 MiB as 512 4K IOPTEs. */
		struct iommu_option o = { .size = sizeof(o),
			.option_id = IOMMU_OPTION_HUGE_PAGES,
			.op = IOMMU_OPTION_OP_SET, .object_id = c.ioas };

		REQUIRE(IOCTL(&e, IOMMU_OPTION, &o) == 0);
		bench_print("iommufd_map_unmap_2M_4k_pages", "ns/op",
			    bench_measure(map_unmap, &c, 50));
		o.val64 = 1;
		REQUIRE(IOCTL(&e, IOMMU_OPTION, &o) == 0);
	}

	REQUIRE(hwpt_alloc(&e, dev_id, c.ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			   NULL, 0, &parent) == 0);
	v = (struct iommu_viommu_alloc){ .size = sizeof(v),
		.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = dev_id,
		.hwpt_id = parent };
	REQUIRE(IOCTL(&e, IOMMU_VIOMMU_ALLOC, &v) == 0);
	c.viommu = v.out_viommu_id;
	c.cmd.cmd[0] = 0x12;		/* TLBI_NH_VA */
	c.cmd.cmd[1] = 0x40001000;
	bench_print("iommufd_hwpt_invalidate_1cmd", "ns/op",
		    bench_measure(invalidate_one, &c, 20000));

	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
	return test_done();
}
