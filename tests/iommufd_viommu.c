// SPDX-License-Identifier: MIT
/*
 * The vIOMMU side of iommufd: GET_HW_INFO (the SMMU's ID registers),
 * VIOMMU_ALLOC, VDEVICE_ALLOC (virtual StreamID -> device), nested HWPTs
 * from the guest's STE words, HWPT_INVALIDATE of a nested HWPT and of a
 * vIOMMU with SMMUv3 command arrays (entry_num out = entries handled),
 * vEVENTQ events read from their fd with sequence numbers and the
 * LOST_EVENTS header, and the fault queue's fd rules.
 */
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include "tests/iommufd-helpers.h"

#define STE0_V		1ull
#define STE0_CFG(c)	((u64)(c) << 1)

struct rig {
	struct fd_env e;
	struct device *dev, *dev2;
	u32 dev_id, dev2_id, ioas, parent, viommu;
};

static void rig_init(struct rig *r)
{
	struct iommu_viommu_alloc v;

	fd_env_init(&r->e);
	r->dev = fd_env_dev(&r->e, "vf", 0x10);
	r->dev2 = fd_env_dev(&r->e, "vf2", 0x11);
	r->dev_id = bind(&r->e, r->dev);
	r->dev2_id = bind(&r->e, r->dev2);
	r->ioas = ioas_alloc(&r->e);
	REQUIRE(hwpt_alloc(&r->e, r->dev_id, r->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
			   0, NULL, 0, &r->parent) == 0);
	v = (struct iommu_viommu_alloc){ .size = sizeof(v),
		.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = r->dev_id,
		.hwpt_id = r->parent };
	REQUIRE(IOCTL(&r->e, IOMMU_VIOMMU_ALLOC, &v) == 0);
	r->viommu = v.out_viommu_id;
}

static void rig_fini(struct rig *r)
{
	iommufd_device_unbind(r->e.ictx, r->dev_id);
	iommufd_device_unbind(r->e.ictx, r->dev2_id);
	fd_env_fini(&r->e);
}

static void test_hw_info(void)
{
	struct iommu_hw_info_arm_smmuv3 info;
	struct iommu_hw_info h;
	u8 big[64];
	struct rig r;

	rig_init(&r);
	memset(&info, 0xff, sizeof(info));
	h = (struct iommu_hw_info){ .size = sizeof(h), .dev_id = r.dev_id,
		.data_len = sizeof(info), .data_uptr = (uintptr_t)&info };
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), 0);
	CHECK_EQ(h.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	CHECK_EQ(h.data_len, sizeof(info));
	CHECK_EQ(info.flags, 0);
	CHECK_EQ(info.idr[0], MOCK_IDR0);
	CHECK_EQ(info.idr[1], MOCK_IDR1);
	CHECK_EQ(info.idr[2], 0);
	CHECK_EQ(info.idr[5], MOCK_IDR5);
	CHECK_EQ(info.iidr, MOCK_IIDR);
	CHECK_EQ(info.aidr, MOCK_AIDR);
	CHECK_EQ(h.out_capabilities, 0);
	/* A bigger buffer is zero-filled past the data; a smaller one is cut. */
	memset(big, 0xff, sizeof(big));
	h.data_len = sizeof(big);
	h.data_uptr = (uintptr_t)big;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), 0);
	CHECK_EQ(h.data_len, sizeof(info));
	CHECK_EQ(big[sizeof(info)], 0);
	CHECK_EQ(big[63], 0);
	memset(big, 0xff, sizeof(big));
	h.data_len = 8;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), 0);
	CHECK_EQ(h.data_len, sizeof(info));
	CHECK_EQ(big[8], 0xff);
	/* Length 0 with no buffer is a query. */
	h.data_len = 0;
	h.data_uptr = 0;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), 0);
	CHECK_EQ(h.data_len, sizeof(info));
	/* The errnos. */
	h.data_len = 4;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), -EINVAL);
	h.data_len = 0;
	h.flags = 2;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	h.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), 0);
	h.flags = 0;
	h.data_len = 0;		/* the last call reported 40 */
	h.__reserved[1] = 1;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), -EOPNOTSUPP);
	h.__reserved[1] = 0;
	h.dev_id = r.ioas;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), -ENOENT);
	/* The first version of the struct ended at __reserved (32 bytes). */
	h.dev_id = r.dev_id;
	h.data_len = 0;
	h.size = 32;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), 0);
	h.size = 28;
	CHECK_EQ(IOCTL(&r.e, IOMMU_GET_HW_INFO, &h), -EINVAL);
	rig_fini(&r);
}

static void test_viommu_vdevice(void)
{
	struct iommu_viommu_alloc v;
	struct iommu_vdevice_alloc vd;
	u32 paging, vdev;
	struct rig r;

	rig_init(&r);
	v = (struct iommu_viommu_alloc){ .size = sizeof(v),
		.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = r.dev_id,
		.hwpt_id = r.parent };
	v.flags = 1;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VIOMMU_ALLOC, &v), -EOPNOTSUPP);
	v.flags = 0;
	v.type = IOMMU_VIOMMU_TYPE_DEFAULT;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VIOMMU_ALLOC, &v), -EOPNOTSUPP);
	v.type = IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VIOMMU_ALLOC, &v), -EOPNOTSUPP);
	v.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	v.dev_id = r.ioas;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VIOMMU_ALLOC, &v), -ENOENT);
	v.dev_id = r.dev_id;
	v.hwpt_id = r.ioas;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VIOMMU_ALLOC, &v), -ENOENT);
	REQUIRE(hwpt_alloc(&r.e, r.dev_id, r.ioas, 0, 0, NULL, 0, &paging) == 0);
	v.hwpt_id = paging;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VIOMMU_ALLOC, &v), -EINVAL);
	CHECK_EQ(destroy_id(&r.e, r.parent), -EBUSY);

	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = r.viommu, .dev_id = r.dev_id, .virt_id = 0x3 };
	CHECK_EQ(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd), 0);
	vdev = vd.out_vdevice_id;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd), -EEXIST);	/* device */
	vd.dev_id = r.dev2_id;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd), -EEXIST);	/* virt_id */
	vd.viommu_id = r.parent;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd), -ENOENT);
	vd.viommu_id = r.viommu;
	vd.dev_id = 999;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd), -ENOENT);
	CHECK_EQ(destroy_id(&r.e, r.viommu), -EBUSY);
	CHECK_EQ(destroy_id(&r.e, vdev), 0);
	CHECK_EQ(destroy_id(&r.e, r.viommu), 0);
	CHECK_EQ(destroy_id(&r.e, r.parent), 0);
	rig_fini(&r);
}

static long invalidate(struct fd_env *e, u32 id, u32 type, void *data,
		       u32 len, u32 *num)
{
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv),
		.hwpt_id = id, .data_uptr = (uintptr_t)data, .data_type = type,
		.entry_len = len, .entry_num = *num };
	long ret = IOCTL(e, IOMMU_HWPT_INVALIDATE, &inv);

	*num = inv.entry_num;
	return ret;
}

static void test_nested_and_invalidate(void)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmds[4];
	struct iommu_hwpt_arm_smmuv3 ste = {};
	struct iommu_vdevice_alloc vd;
	struct mock_tlb_stats st;
	struct iommu_hwpt_mock_nested s1 = { .config = MOCK_S1_BYPASS };
	u32 nested, mnested, num, pt;
	struct rig r;

	rig_init(&r);
	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = r.viommu, .dev_id = r.dev_id, .virt_id = 0x3 };
	REQUIRE(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd) == 0);

	/* The guest's STE: checked as arm-smmu-v3 checks it. */
	ste.ste[0] = STE0_V | STE0_CFG(5) | 0x40001000ull;	/* S1, CD table */
	ste.ste[1] = 1ull << 28;	/* EATS = 1 */
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0,
			    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste),
			    &nested), 0);
	{
		struct iommu_hwpt_mock_nested cfg;

		CHECK_EQ(mock_nested_config(iommufd_hwpt_domain(r.e.ictx, nested),
					    &cfg), 0);
		CHECK_EQ(cfg.config, MOCK_S1_TRANSLATE);
		CHECK_EQ(cfg.s1_ttb, 0x40001000);
		CHECK(mock_nested_parent(iommufd_hwpt_domain(r.e.ictx, nested)) ==
		      iommufd_hwpt_domain(r.e.ictx, r.parent));
	}
	ste.ste[1] = 1ull << 16;	/* not a field a guest may set */
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0,
			    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste), NULL),
		 -EIO);
	ste.ste[1] = 0;
	ste.ste[0] = STE0_V | STE0_CFG(6);	/* stage 2 only: not for a guest */
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0,
			    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste), NULL),
		 -EIO);
	ste.ste[0] = STE0_CFG(6);	/* V=0: an aborting STE, accepted */
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0,
			    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste), NULL), 0);
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0, IOMMU_HWPT_DATA_MOCK,
			    &ste, sizeof(ste), NULL), -EINVAL);
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.viommu, IOMMU_HWPT_ALLOC_NEST_PARENT,
			    IOMMU_HWPT_DATA_ARM_SMMUV3, &ste, sizeof(ste), NULL),
		 -EOPNOTSUPP);
	CHECK_EQ(destroy_id(&r.e, r.viommu), -EBUSY);
	pt = nested;
	CHECK_EQ(iommufd_device_attach_pt(r.e.ictx, r.dev_id, &pt), 0);

	/* vIOMMU invalidation: vSID 3 becomes StreamID 0x10, TLBIs get the VMID. */
	memset(cmds, 0, sizeof(cmds));
	cmds[0].cmd[0] = 0x12;			/* TLBI_NH_VA */
	cmds[0].cmd[1] = 0x40001000;
	cmds[1].cmd[0] = 0x05 | (3ull << 32);	/* CFGI_CD, vSID 3 */
	cmds[2].cmd[0] = 0x30;			/* TLBI_NSNH_ALL */
	cmds[3].cmd[0] = 0x03;			/* CFGI_STE: not a guest's */
	num = 4;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, sizeof(cmds[0]), &num), -EIO);
	CHECK_EQ(num, 3);
	/* As arm-smmu-v3: the bad command's batch is not issued at all. */
	CHECK_EQ(mock_domain_tlb_stats(iommufd_hwpt_domain(r.e.ictx, r.parent),
				       &st), 0);
	CHECK_EQ(st.user_inv, 0);
	num = 3;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, sizeof(cmds[0]), &num), 0);
	CHECK_EQ(num, 3);
	mock_domain_tlb_stats(iommufd_hwpt_domain(r.e.ictx, r.parent), &st);
	CHECK_EQ(st.user_inv, 3);
	CHECK_EQ(st.last_user_cmd[0], 0x10 | ((u64)MOCK_VMID_BASE << 32));
	num = 2;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    &cmds[1], sizeof(cmds[0]), &num), 0);
	CHECK_EQ(num, 2);
	mock_domain_tlb_stats(iommufd_hwpt_domain(r.e.ictx, r.parent), &st);
	CHECK_EQ(st.user_inv, 5);
	cmds[1].cmd[0] = 0x05 | (4ull << 32);	/* unknown vSID */
	num = 1;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    &cmds[1], sizeof(cmds[0]), &num), -EIO);
	CHECK_EQ(num, 0);
	/*
	 * Array rules (iommufd, then the driver's full-array copy): an empty
	 * array is -EINVAL for arm-smmu-v3 (only the selftest driver takes
	 * it as a query); early failures report 0 handled; a short entry is
	 * zero-extended; wrong types and non-zero tails fail.
	 */
	num = 0;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    NULL, 0, &num), -EINVAL);
	CHECK_EQ(num, 0);
	num = 1;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    NULL, 16, &num), -EINVAL);
	CHECK_EQ(num, 0);
	num = 1;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, 8, &num), 0);	/* TLBI_NH_VA, address 0 */
	CHECK_EQ(num, 1);
	num = 1;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
			    cmds, 16, &num), -EINVAL);
	/* Past kcalloc's 4 MiB: -ENOMEM, entry_num as the caller wrote it. */
	num = (4u << 20) / sizeof(cmds[0]) + 1;
	CHECK_EQ(invalidate(&r.e, r.viommu, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, sizeof(cmds[0]), &num), -ENOMEM);
	CHECK_EQ(num, (4u << 20) / sizeof(cmds[0]) + 1);
	{
		u64 wide[3] = { 0x12, 0, 0 };

		num = 1;
		CHECK_EQ(invalidate(&r.e, r.viommu,
				    IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				    wide, sizeof(wide), &num), 0);
		wide[2] = 1;
		CHECK_EQ(invalidate(&r.e, r.viommu,
				    IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
				    wide, sizeof(wide), &num), -E2BIG);
	}
	num = 1;
	CHECK_EQ(invalidate(&r.e, r.parent, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, 16, &num), -EINVAL);	/* a paging HWPT */
	num = 1;
	CHECK_EQ(invalidate(&r.e, 999, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, 16, &num), -ENOENT);
	{
		struct iommu_hwpt_invalidate inv = { .size = sizeof(inv),
			.hwpt_id = r.viommu, .__reserved = 1 };

		CHECK_EQ(IOCTL(&r.e, IOMMU_HWPT_INVALIDATE, &inv), -EOPNOTSUPP);
	}
	/* A nested HWPT's own invalidation: stage-1 TLBIs only. */
	CHECK_EQ(hwpt_alloc(&r.e, r.dev_id, r.parent, 0, IOMMU_HWPT_DATA_MOCK,
			    &s1, sizeof(s1), &mnested), 0);
	cmds[0].cmd[0] = 0x11;		/* TLBI_NH_ASID */
	cmds[1].cmd[0] = 0x05;		/* CFGI_CD: a vIOMMU's business */
	num = 2;
	CHECK_EQ(invalidate(&r.e, mnested, IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
			    cmds, 16, &num), -EIO);
	CHECK_EQ(num, 1);
	CHECK_EQ(mock_domain_tlb_stats(iommufd_hwpt_domain(r.e.ictx, mnested),
				       &st), 0);
	CHECK_EQ(st.user_inv, 1);
	rig_fini(&r);
}

struct evt {
	struct iommufd_vevent_header hdr;
	struct iommu_vevent_arm_smmuv3 rec;
};

static void test_veventq(void)
{
	u64 evt[4] = { 0x10 | (0x10ull << 32), 0, 0x40001000, 0 };
	struct iommu_vdevice_alloc vd;
	struct iommu_veventq_alloc q;
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { STE0_V | STE0_CFG(4), 0 } };
	struct evt out[4];
	struct pollfd pfd;
	u32 nested, pt;
	struct rig r;
	int fd;

	rig_init(&r);
	q = (struct iommu_veventq_alloc){ .size = sizeof(q),
		.viommu_id = r.viommu, .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
		.veventq_depth = 2 };
	q.flags = 1;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), -EOPNOTSUPP);
	q.flags = 0;
	q.__reserved = 1;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), -EOPNOTSUPP);
	q.__reserved = 0;
	q.type = IOMMU_VEVENTQ_TYPE_DEFAULT;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), -EOPNOTSUPP);
	q.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3;
	q.veventq_depth = 0;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), -EINVAL);
	q.veventq_depth = 2;
	q.viommu_id = r.parent;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), -ENOENT);
	q.viommu_id = r.viommu;
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), 0);
	fd = q.out_veventq_fd;
	CHECK(fd >= 0);
	CHECK_EQ(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q), -EEXIST);

	/* The device sits on a vIOMMU's nested HWPT as vSID 7. */
	CHECK_EQ(mock_iommu_raise_event(r.dev, evt), -EOPNOTSUPP);
	REQUIRE(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3,
			   &ste, sizeof(ste), &nested) == 0);
	pt = nested;
	REQUIRE(iommufd_device_attach_pt(r.e.ictx, r.dev_id, &pt) == 0);
	CHECK_EQ(mock_iommu_raise_event(r.dev, evt), -ENOENT);	/* no vDEVICE */
	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = r.viommu, .dev_id = r.dev_id, .virt_id = 7 };
	REQUIRE(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd) == 0);

	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out)), 0);
	/* Three events into a queue of two: the third is lost, and said so. */
	for (int i = 0; i < 3; i++) {
		evt[1] = i;
		CHECK_EQ(mock_iommu_raise_event(r.dev, evt), 0);
	}
	CHECK_EQ(poll(&pfd, 1, 0), 1);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out[0]) - 1), 0);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out[0]) + 4),
		 sizeof(out[0]));
	CHECK_EQ(out[0].hdr.flags, 0);
	CHECK_EQ(out[0].hdr.sequence, 0);
	CHECK_EQ(out[0].rec.evt[0], 0x10 | (7ull << 32));	/* the vSID */
	CHECK_EQ(out[0].rec.evt[2], 0x40001000);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out)),
		 sizeof(out[0]) + sizeof(struct iommufd_vevent_header));
	CHECK_EQ(out[0].hdr.sequence, 1);
	CHECK_EQ(out[0].rec.evt[1], 1);
	CHECK_EQ(out[1].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(out[1].hdr.sequence, 2);
	CHECK_EQ(poll(&pfd, 1, 0), 0);
	evt[1] = 9;
	CHECK_EQ(mock_iommu_raise_event(r.dev, evt), 0);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out)), sizeof(out[0]));
	CHECK_EQ(out[0].hdr.sequence, 3);
	CHECK_EQ(out[0].rec.evt[1], 9);

	/*
	 * Linux's header rules: while drops go on, the one header stays at
	 * the tail stamped with the latest dropped sequence; a real event
	 * queued behind it takes its place, and only the sequence gap then
	 * tells of the loss.
	 */
	for (int i = 0; i < 5; i++)		/* 4, 5 queued; 6, 7, 8 dropped */
		CHECK_EQ(mock_iommu_raise_event(r.dev, evt), 0);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, 2 * sizeof(out[0]) - 8),
		 sizeof(out[0]));
	CHECK_EQ(out[0].hdr.sequence, 4);
	CHECK_EQ(mock_iommu_raise_event(r.dev, evt), 0);	/* room again: 9 */
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out)), 2 * sizeof(out[0]));
	CHECK_EQ(out[0].hdr.sequence, 5);
	CHECK_EQ(out[1].hdr.flags, 0);
	CHECK_EQ(out[1].hdr.sequence, 9);
	for (int i = 0; i < 5; i++)		/* 10, 11 queued; 12, 13, 14 dropped */
		CHECK_EQ(mock_iommu_raise_event(r.dev, evt), 0);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, fd, out, sizeof(out)),
		 2 * sizeof(out[0]) + sizeof(struct iommufd_vevent_header));
	CHECK_EQ(out[1].hdr.sequence, 11);
	CHECK_EQ(out[2].hdr.flags, IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
	CHECK_EQ(out[2].hdr.sequence, 14);
	CHECK_EQ(poll(&pfd, 1, 0), 0);

	CHECK_EQ(iommufd_fd_read(r.e.ictx, 12345, out, sizeof(out)), -EBADF);
	CHECK_EQ(iommufd_fd_write(r.e.ictx, fd, out, 8), -EINVAL);
	CHECK_EQ(destroy_id(&r.e, q.out_veventq_id), -EBUSY);	/* fd open */
	CHECK_EQ(destroy_id(&r.e, r.viommu), -EBUSY);
	CHECK_EQ(iommufd_fd_close(r.e.ictx, fd), 0);
	CHECK_EQ(iommufd_fd_close(r.e.ictx, fd), -EBADF);
	CHECK_EQ(destroy_id(&r.e, q.out_veventq_id), 0);
	CHECK_EQ(mock_iommu_raise_event(r.dev, evt), -EOPNOTSUPP);	/* no queue */
	rig_fini(&r);
}

#define NR_EVENTS	20000

struct raiser_arg {
	struct device *dev;
	atomic_bool finished;
};

static void *raiser(void *p)
{
	struct raiser_arg *arg = p;
	u64 evt[4] = { 0x10 | (0x10ull << 32), 0, 0, 0 };

	for (u64 i = 0; i < NR_EVENTS; i++) {
		evt[1] = i;
		if (mock_iommu_raise_event(arg->dev, evt))
			abort();
	}
	atomic_store(&arg->finished, true);
	return NULL;
}

/*
 * The SMMU's event thread reports while the VMM reads: every event read
 * carries the sequence number of its report, sequences only grow, and a
 * LOST_EVENTS header stands for exactly the reports that are missing.
 */
static void test_veventq_threads(void)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { STE0_V | STE0_CFG(4), 0 } };
	struct iommu_vdevice_alloc vd;
	struct iommu_veventq_alloc q;
	u64 next = 0, got = 0, lost = 0;
	struct raiser_arg arg;
	struct evt out[16];
	pthread_t t;
	u32 nested, pt;
	struct rig r;
	bool done = false;

	rig_init(&r);
	q = (struct iommu_veventq_alloc){ .size = sizeof(q),
		.viommu_id = r.viommu, .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3,
		.veventq_depth = 64 };
	REQUIRE(IOCTL(&r.e, IOMMU_VEVENTQ_ALLOC, &q) == 0);
	REQUIRE(hwpt_alloc(&r.e, r.dev_id, r.viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3,
			   &ste, sizeof(ste), &nested) == 0);
	pt = nested;
	REQUIRE(iommufd_device_attach_pt(r.e.ictx, r.dev_id, &pt) == 0);
	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = r.viommu, .dev_id = r.dev_id, .virt_id = 1 };
	REQUIRE(IOCTL(&r.e, IOMMU_VDEVICE_ALLOC, &vd) == 0);
	arg.dev = r.dev;
	atomic_init(&arg.finished, false);
	REQUIRE(pthread_create(&t, NULL, raiser, &arg) == 0);
	while (!done) {
		bool finished = atomic_load(&arg.finished);
		u8 *p = (u8 *)out;
		ssize_t n = iommufd_fd_read(r.e.ictx, q.out_veventq_fd, out,
					    sizeof(out));

		REQUIRE(n >= 0);
		if (!n && finished)
			done = true;
		while (n > 0) {
			struct iommufd_vevent_header h;

			memcpy(&h, p, sizeof(h));
			CHECK(h.sequence >= next);
			if (h.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
				p += sizeof(h);
				n -= sizeof(h);
				lost++;
				next = h.sequence + 1;
				continue;
			}
			{
				struct iommu_vevent_arm_smmuv3 rec;

				memcpy(&rec, p + sizeof(h), sizeof(rec));
				CHECK_EQ(rec.evt[1], h.sequence);
				CHECK_EQ(rec.evt[0] >> 32, 1);	/* the vSID */
			}
			got++;
			next = h.sequence + 1;
			p += sizeof(struct evt);
			n -= sizeof(struct evt);
		}
	}
	pthread_join(t, NULL);
	CHECK(got > 0);
	CHECK(got + lost <= NR_EVENTS);
	CHECK_EQ(iommufd_fd_close(r.e.ictx, q.out_veventq_fd), 0);
	rig_fini(&r);
}

static void test_fault_queue(void)
{
	struct iommu_fault_alloc f = { .size = sizeof(f) };
	struct iommu_hwpt_pgfault pf[2];
	struct iommu_hwpt_page_response resp = { .cookie = 1 };
	u32 hwpt;
	struct rig r;

	rig_init(&r);
	f.flags = 1;
	CHECK_EQ(IOCTL(&r.e, IOMMU_FAULT_QUEUE_ALLOC, &f), -EOPNOTSUPP);
	f.flags = 0;
	CHECK_EQ(IOCTL(&r.e, IOMMU_FAULT_QUEUE_ALLOC, &f), 0);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, f.out_fault_fd, pf, 10), -ESPIPE);
	CHECK_EQ(iommufd_fd_read(r.e.ictx, f.out_fault_fd, pf, sizeof(pf)), 0);
	CHECK_EQ(iommufd_fd_write(r.e.ictx, f.out_fault_fd, &resp, 3), -ESPIPE);
	CHECK_EQ(iommufd_fd_write(r.e.ictx, f.out_fault_fd, &resp, sizeof(resp)),
		 -EINVAL);	/* no such fault pending */
	/* A HWPT can report to it; the HWPT then holds it. */
	{
		struct iommu_hwpt_alloc h = { .size = sizeof(h),
			.flags = IOMMU_HWPT_FAULT_ID_VALID, .dev_id = r.dev_id,
			.pt_id = r.ioas, .fault_id = f.out_fault_id };

		CHECK_EQ(IOCTL(&r.e, IOMMU_HWPT_ALLOC, &h), 0);
		hwpt = h.out_hwpt_id;
		h.fault_id = r.ioas;
		CHECK_EQ(IOCTL(&r.e, IOMMU_HWPT_ALLOC, &h), -ENOENT);
	}
	CHECK_EQ(iommufd_fd_close(r.e.ictx, f.out_fault_fd), 0);
	CHECK_EQ(destroy_id(&r.e, f.out_fault_id), -EBUSY);
	CHECK_EQ(destroy_id(&r.e, hwpt), 0);
	CHECK_EQ(destroy_id(&r.e, f.out_fault_id), 0);
	rig_fini(&r);
}

int main(void)
{
	test_hw_info();
	test_viommu_vdevice();
	test_nested_and_invalidate();
	test_veventq();
	test_veventq_threads();
	test_fault_queue();
	return test_done();
}
