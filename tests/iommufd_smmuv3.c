// SPDX-License-Identifier: MIT
/*
 * The arm-smmu-v3 driver's iommufd hooks through iommufd_ioctl, on the
 * SMMUv3 model board: GET_HW_INFO returns the SMMU's own ID registers, a
 * vIOMMU sits over a stage-2 nest parent, nested HWPTs over the vIOMMU
 * carry the guest's vSTE (checked), the guest's invalidation commands are
 * rewritten (vSID -> StreamID, TLBIs at the parent's VMID) and reach the
 * SMMU's command queue, and a stage-1 fault of the nested device comes
 * back on the vEVENTQ with the vSID in place of the StreamID.
 */
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"
#include "kernel/iommufd/iommufd.h"
#include "tests/e2e.h"

static const struct platform_config smmu_pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };

#define GUEST_RAM	0x40000000ull
#define VSID		0x42u

/* Arm IHI0070 4.x opcodes. */
#define OP_CFGI_CD	0x05
#define OP_TLBI_NH_ALL	0x10
#define OP_TLBI_NH_VA	0x12
#define OP_PREFETCH_CFG	0x01

struct rig {
	struct e2e t;
	struct iommufd_ctx *ictx;
	struct ep_device *epd;
	u32 dev_id, ioas, parent, viommu;
	phys_addr_t ram;
};

static long ctl(struct iommufd_ctx *ictx, unsigned int cmd, void *arg)
{
	return iommufd_ioctl(ictx, cmd, (unsigned long)arg);
}

static long hwpt_alloc(struct rig *r, u32 pt, u32 flags, u32 type,
		       void *data, u32 len, u32 *out)
{
	struct iommu_hwpt_alloc h = { .size = sizeof(h), .flags = flags,
		.dev_id = r->dev_id, .pt_id = pt, .data_type = type,
		.data_len = len, .data_uptr = (uintptr_t)data };
	long ret = ctl(r->ictx, IOMMU_HWPT_ALLOC, &h);

	*out = h.out_hwpt_id;
	return ret;
}

static void rig_init(struct rig *r)
{
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_ioas_map m;

	e2e_boot(&r->t, &smmu_pc);
	r->epd = e2e_add(&r->t, EP_C);
	r->ictx = iommufd_ctx_create(r->t.k);
	REQUIRE(r->ictx);
	REQUIRE(iommufd_device_bind(r->ictx, &r->epd->dev, &r->dev_id) == 0);
	REQUIRE(ctl(r->ictx, IOMMU_IOAS_ALLOC, &ia) == 0);
	r->ioas = ia.out_ioas_id;
	/* Guest RAM: 64 KiB of zeroes at guest-physical GUEST_RAM. */
	r->ram = e2e_buf(&r->t, 0x10000, 0);
	m = (struct iommu_ioas_map){ .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = r->ioas,
		.user_va = (uintptr_t)phys_to_virt(r->t.k, r->ram, 0x10000),
		.length = 0x10000, .iova = GUEST_RAM };
	REQUIRE(ctl(r->ictx, IOMMU_IOAS_MAP, &m) == 0);
	REQUIRE(hwpt_alloc(r, r->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0,
			   &r->parent) == 0);
}

static void rig_fini(struct rig *r)
{
	iommufd_device_unbind(r->ictx, r->dev_id);
	iommufd_ctx_destroy(r->ictx);
	e2e_buf_free(&r->t, r->ram);
	e2e_shutdown(&r->t);
}

static long viommu_alloc(struct rig *r, u32 hwpt, u32 type, u32 *out)
{
	struct iommu_viommu_alloc v = { .size = sizeof(v), .type = type,
		.dev_id = r->dev_id, .hwpt_id = hwpt };
	long ret = ctl(r->ictx, IOMMU_VIOMMU_ALLOC, &v);

	*out = v.out_viommu_id;
	return ret;
}

static void test_hw_info(void)
{
	struct iommu_hw_info_arm_smmuv3 info;
	struct iommu_hw_info hi;
	struct arm_smmu_info si;
	struct rig r;

	rig_init(&r);
	arm_smmu_get_info(platform_smmu(r.t.p), &si);
	memset(&info, 0xa5, sizeof(info));
	hi = (struct iommu_hw_info){ .size = sizeof(hi), .dev_id = r.dev_id,
		.data_len = sizeof(info), .data_uptr = (uintptr_t)&info };
	CHECK_EQ(ctl(r.ictx, IOMMU_GET_HW_INFO, &hi), 0);
	CHECK_EQ(hi.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	CHECK_EQ(hi.data_len, sizeof(info));
	CHECK_EQ(info.flags, 0);
	/* IDR0.S1P/S2P (bits 1, 0), IDR1.SIDSIZE (bits 5:0) as probed. */
	CHECK_EQ(info.idr[0] & 3, 3);
	CHECK_EQ(info.idr[1] & 0x3f, si.sid_bits);
	CHECK(info.idr[5] != 0);	/* OAS, granules */
	/* Asking for the SMMUv3 type is the same; another is refused. */
	hi = (struct iommu_hw_info){ .size = sizeof(hi), .dev_id = r.dev_id,
		.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE,
		.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3,
		.data_len = sizeof(info), .data_uptr = (uintptr_t)&info };
	CHECK_EQ(ctl(r.ictx, IOMMU_GET_HW_INFO, &hi), 0);
	CHECK_EQ(hi.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	hi.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	CHECK_EQ(ctl(r.ictx, IOMMU_GET_HW_INFO, &hi), -EOPNOTSUPP);
	rig_fini(&r);
}

static void test_viommu_and_nested(void)
{
	struct iommu_hwpt_arm_smmuv3 vste = { { 0x1 | (4ULL << 1), 0 } };
	struct iommu_hwpt_arm_smmuv3 bad = { { 0x1 | (4ULL << 1) | (1ULL << 56), 0 } };
	struct iommu_vdevice_alloc vd;
	u32 plain, viommu, nested, pt;
	struct rig r;

	rig_init(&r);
	REQUIRE(hwpt_alloc(&r, r.ioas, 0, 0, NULL, 0, &plain) == 0);
	CHECK_EQ(viommu_alloc(&r, r.parent, IOMMU_VIOMMU_TYPE_DEFAULT, &viommu),
		 -EOPNOTSUPP);
	CHECK_EQ(viommu_alloc(&r, plain, IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &viommu),
		 -EINVAL);	/* not a nest parent */
	REQUIRE(viommu_alloc(&r, r.parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			     &viommu) == 0);

	/* The vSTE is checked as on a bare parent. */
	CHECK_EQ(hwpt_alloc(&r, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &bad,
			    sizeof(bad), &nested), -EIO);
	CHECK_EQ(hwpt_alloc(&r, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &vste,
			    sizeof(vste) - 1, &nested), -EINVAL);
	REQUIRE(hwpt_alloc(&r, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &vste,
			   sizeof(vste), &nested) == 0);
	/* Events need the device's vSID: attach wants its vDEVICE first. */
	pt = nested;
	CHECK_EQ(iommufd_device_attach_pt(r.ictx, r.dev_id, &pt), -ENOENT);
	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = viommu, .dev_id = r.dev_id, .virt_id = VSID };
	REQUIRE(ctl(r.ictx, IOMMU_VDEVICE_ALLOC, &vd) == 0);
	pt = nested;
	CHECK_EQ(iommufd_device_attach_pt(r.ictx, r.dev_id, &pt), 0);
	/* Stage-1 bypass: DMA at guest-physical addresses reaches guest RAM. */
	CHECK_EQ(ep_start_dma(r.epd, GUEST_RAM + 0x1000, GUEST_RAM, 64), 0);
	CHECK_EQ(ep_start_dma(r.epd, GUEST_RAM + 0x20000, GUEST_RAM, 64), -EFAULT);
	rig_fini(&r);
}

static long invalidate(struct rig *r, u32 id, void *cmds, u32 *num)
{
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv),
		.hwpt_id = id, .data_uptr = (uintptr_t)cmds,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(struct iommu_viommu_arm_smmuv3_invalidate),
		.entry_num = *num };
	long ret = ctl(r->ictx, IOMMU_HWPT_INVALIDATE, &inv);

	*num = inv.entry_num;
	return ret;
}

static void test_invalidate(void)
{
	struct iommu_hwpt_arm_smmuv3 vste = { { 0x1 | (4ULL << 1), 0 } };
	struct iommu_viommu_arm_smmuv3_invalidate cmds[70];
	struct arm_smmu_stats s0, s1;
	struct iommu_vdevice_alloc vd;
	struct arm_smmu_device *smmu;
	u32 viommu, nested, pt, num;
	struct rig r;

	rig_init(&r);
	smmu = platform_smmu(r.t.p);
	REQUIRE(viommu_alloc(&r, r.parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			     &viommu) == 0);
	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = viommu, .dev_id = r.dev_id, .virt_id = VSID };
	REQUIRE(ctl(r.ictx, IOMMU_VDEVICE_ALLOC, &vd) == 0);
	REQUIRE(hwpt_alloc(&r, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &vste,
			   sizeof(vste), &nested) == 0);
	pt = nested;
	REQUIRE(iommufd_device_attach_pt(r.ictx, r.dev_id, &pt) == 0);

	/* A guest's TLBI (any VMID it likes) and CFGI_CD of its vSID. */
	memset(cmds, 0, sizeof(cmds));
	cmds[0].cmd[0] = OP_TLBI_NH_ALL | (0x7777ull << 32);
	cmds[1].cmd[0] = OP_CFGI_CD | ((u64)VSID << 32);
	cmds[2].cmd[0] = OP_TLBI_NH_VA | (3ull << 48);
	cmds[2].cmd[1] = GUEST_RAM;
	num = 3;
	arm_smmu_get_stats(smmu, &s0);
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), 0);
	CHECK_EQ(num, 3);
	arm_smmu_get_stats(smmu, &s1);
	CHECK_EQ(s1.tlbi - s0.tlbi, 2);
	CHECK_EQ(s1.cfgi - s0.cfgi, 1);
	CHECK_EQ(s1.cmdq_errors, s0.cmdq_errors);

	/*
	 * An unknown vSID stops the array: entry_num counts the commands
	 * before it, but (as Linux's arm_vsmmu_cache_invalidate) the batch
	 * they were in is never issued.
	 */
	cmds[1].cmd[0] = OP_CFGI_CD | (0x99ull << 32);
	num = 3;
	arm_smmu_get_stats(smmu, &s0);
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), -EIO);
	CHECK_EQ(num, 1);
	arm_smmu_get_stats(smmu, &s1);
	CHECK_EQ(s1.tlbi, s0.tlbi);
	CHECK_EQ(s1.cfgi, s0.cfgi);
	/* A bad command past a full batch: the batches before it went out. */
	for (int i = 0; i < 70; i++) {
		cmds[i].cmd[0] = OP_TLBI_NH_ALL;
		cmds[i].cmd[1] = 0;
	}
	cmds[66].cmd[0] = OP_PREFETCH_CFG;
	num = 70;
	arm_smmu_get_stats(smmu, &s0);
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), -EIO);
	CHECK_EQ(num, 66);
	arm_smmu_get_stats(smmu, &s1);
	CHECK_EQ(s1.tlbi - s0.tlbi, 63);
	/* An empty array is not a query here (only the selftest driver's). */
	num = 0;
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), -EINVAL);
	CHECK_EQ(num, 0);
	/*
	 * More commands than kcalloc gives (4 MiB): -ENOMEM before the copy,
	 * entry_num left as the caller wrote it - what Linux reports.
	 */
	num = (4u << 20) / sizeof(cmds[0]) + 1;
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), -ENOMEM);
	CHECK_EQ(num, (4u << 20) / sizeof(cmds[0]) + 1);

	/* Commands a guest may not send, and reserved bits, are -EIO. */
	cmds[0].cmd[0] = OP_PREFETCH_CFG;
	num = 1;
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), -EIO);
	CHECK_EQ(num, 0);
	cmds[0].cmd[0] = OP_TLBI_NH_ALL;
	cmds[0].cmd[1] = 1;
	num = 1;
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), -EIO);
	CHECK_EQ(num, 0);

	/* More than a batch of commands: all go out. */
	for (int i = 0; i < 70; i++) {
		cmds[i].cmd[0] = OP_TLBI_NH_ALL;
		cmds[i].cmd[1] = 0;
	}
	num = 70;
	arm_smmu_get_stats(smmu, &s0);
	CHECK_EQ(invalidate(&r, viommu, cmds, &num), 0);
	CHECK_EQ(num, 70);
	arm_smmu_get_stats(smmu, &s1);
	CHECK_EQ(s1.tlbi - s0.tlbi, 70);
	rig_fini(&r);
}

struct vevent {
	struct iommufd_vevent_header hdr;
	struct iommu_vevent_arm_smmuv3 rec;
};

static void test_vevent(void)
{
	/* Stage-1 translate with the CD at guest RAM (zeroes: CD.V = 0). */
	struct iommu_hwpt_arm_smmuv3 vste = {
		{ 0x1 | (5ULL << 1) | (GUEST_RAM + 0x8000), 0 } };
	struct iommu_veventq_alloc q;
	struct iommu_vdevice_alloc vd;
	struct arm_smmu_event evt;
	u32 viommu, nested, pt;
	struct vevent out[2];
	struct rig r;
	int fd;

	rig_init(&r);
	REQUIRE(viommu_alloc(&r, r.parent, IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			     &viommu) == 0);
	vd = (struct iommu_vdevice_alloc){ .size = sizeof(vd),
		.viommu_id = viommu, .dev_id = r.dev_id, .virt_id = VSID };
	REQUIRE(ctl(r.ictx, IOMMU_VDEVICE_ALLOC, &vd) == 0);
	q = (struct iommu_veventq_alloc){ .size = sizeof(q), .viommu_id = viommu,
		.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 4 };
	REQUIRE(ctl(r.ictx, IOMMU_VEVENTQ_ALLOC, &q) == 0);
	fd = q.out_veventq_fd;
	REQUIRE(hwpt_alloc(&r, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &vste,
			   sizeof(vste), &nested) == 0);
	pt = nested;
	REQUIRE(iommufd_device_attach_pt(r.ictx, r.dev_id, &pt) == 0);

	CHECK_EQ(iommufd_fd_read(r.ictx, fd, out, sizeof(out)), 0);
	CHECK(ep_start_dma(r.epd, 0x2000, 0x1000, 64) < 0);
	arm_smmu_evtq_irq(platform_smmu(r.t.p));
	REQUIRE(platform_pop_event(r.t.p, &evt) == 0);
	CHECK(!evt.s2);
	CHECK_EQ(evt.sid, 0x21);
	CHECK_EQ(iommufd_fd_read(r.ictx, fd, out, sizeof(out)), sizeof(out[0]));
	CHECK_EQ(out[0].rec.evt[0] & 0xff, evt.id);
	CHECK_EQ(out[0].rec.evt[0] >> 32, VSID);	/* the vSID, not 0x21 */
	CHECK_EQ(out[0].rec.evt[1], evt.raw[1]);

	/*
	 * Only the event types Linux's arm_smmu_handle_event hands to a
	 * vmaster go to the guest: the configuration and stage-1 faults,
	 * not (say) a walk's external abort or a TLB conflict.  The board
	 * cannot make those for a nested device (its stage 2 maps only RAM
	 * and the doorbell), so the record is replayed with another type.
	 */
	{
		static const struct { u8 id; bool fwd; } types[] = {
			{ EVT_ID_BAD_STE, true }, { EVT_ID_STREAM_DISABLED, true },
			{ EVT_ID_BAD_SUBSTREAMID, true }, { EVT_ID_BAD_CD, true },
			{ EVT_ID_TRANSLATION, true }, { EVT_ID_ADDR_SIZE, true },
			{ EVT_ID_ACCESS, true }, { EVT_ID_PERMISSION, true },
			{ EVT_ID_UUT, false }, { EVT_ID_CD_FETCH, false },
			{ EVT_ID_WALK_EABT, false }, { EVT_ID_TRANSL_FORBIDDEN, false },
			{ EVT_ID_TLB_CONFLICT, false }, { EVT_ID_CFG_CONFLICT, false },
		};

		for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
			struct arm_smmu_event e = evt;

			e.id = types[i].id;
			e.raw[0] = (e.raw[0] & ~0xffULL) | types[i].id;
			CHECK_EQ(arm_smmu_report_vevent(platform_smmu(r.t.p), e.raw, &e),
				 types[i].fwd);
			CHECK_EQ(iommufd_fd_read(r.ictx, fd, out, sizeof(out)),
				 types[i].fwd ? (ssize_t)sizeof(out[0]) : 0);
		}
	}

	/* Stage-2 faults are the host's: a bypass vSTE, an unmapped IPA. */
	vste.ste[0] = 0x1 | (4ULL << 1);
	REQUIRE(hwpt_alloc(&r, viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3, &vste,
			   sizeof(vste), &nested) == 0);
	pt = nested;
	REQUIRE(iommufd_device_attach_pt(r.ictx, r.dev_id, &pt) == 0);
	CHECK(ep_start_dma(r.epd, GUEST_RAM + 0x40000, GUEST_RAM, 64) < 0);
	arm_smmu_evtq_irq(platform_smmu(r.t.p));
	REQUIRE(platform_pop_event(r.t.p, &evt) == 0);
	CHECK(evt.s2);
	CHECK_EQ(iommufd_fd_read(r.ictx, fd, out, sizeof(out)), 0);

	CHECK_EQ(iommufd_fd_close(r.ictx, fd), 0);
	rig_fini(&r);
}

int main(void)
{
	test_hw_info();
	test_viommu_and_nested();
	test_invalidate();
	test_vevent();
	return test_done();
}
