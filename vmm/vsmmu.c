// SPDX-License-Identifier: MIT
/*
 * The guest's virtual SMMU: an instance of the hw/smmuv3 model on the
 * guest's memory, stage 1 only (the host keeps stage 2), whose command
 * trap mirrors the guest's configuration onto the host as QEMU's
 * accelerated vSMMU does through iommufd:
 *
 *	CFGI_STE, CFGI_STE_RANGE (CFGI_ALL)
 *		for each assigned device in range, its STE's uAPI fields (the
 *		vSTE: Config, S1ContextPtr, S1CDMax, S1 attributes) become a
 *		nested HWPT over the nest parent, the device is replaced onto
 *		it hitlessly and the old one destroyed; an STE the guest
 *		left unreachable is an invalid vSTE (the stream aborts).
 *	CFGI_CD, CFGI_CD_ALL   that device's nested HWPT invalidation
 *	TLBI_NH_*, TLBI_NSNH_ALL   an invalidation of any nested HWPT
 *		(the host re-aims it at the nest parent's VMID, shared by all)
 *
 * The model has already applied each command to its own caches (which
 * nothing uses: no device translates through the vSMMU).  A vSTE the host
 * refuses answers the guest with CERROR_ILL on that CFGI_STE, which its
 * driver reports and skips; the device keeps its previous HWPT.
 *
 * The trap runs with the vSMMU's lock held, so events are forwarded apart,
 * by vmm_poll_events().  The guest's wired event-queue and GERROR lines
 * call its driver's handlers once it booted.
 */
#include <stdarg.h>
#include <stdio.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/platform.h"
#include "vmm/vmm-priv.h"

/* Command opcodes and fields, Arm IHI0070 4.1-4.4. */
#define OP_CFGI_STE		0x03
#define OP_CFGI_STE_RANGE	0x04
#define OP_CFGI_CD		0x05
#define OP_CFGI_CD_ALL		0x06
#define OP_TLBI_NH_ALL		0x10
#define OP_TLBI_NH_ASID		0x11
#define OP_TLBI_NH_VA		0x12
#define OP_TLBI_NH_VAA		0x13
#define OP_TLBI_NSNH_ALL	0x30
#define CERROR_ILL		1

/* STE fields the nested-HWPT uAPI carries, Arm IHI0070 5.2 (as QEMU masks). */
#define STE0_V			0x1ULL
#define STE0_CFG_SHIFT		1
#define STE0_CFG_ABORT		0
#define STE0_CFG_BYPASS		4
#define STE0_UAPI		(STE0_V | (7ULL << 1) | (3ULL << 4) |	\
				 GENMASK_ULL(51, 6) | GENMASK_ULL(63, 59))
#define STE1_UAPI		(GENMASK_ULL(7, 0) | BIT_ULL(27) |	\
				 GENMASK_ULL(29, 28))

static u32 cmd_sid(const u64 cmd[2])
{
	return (u32)(cmd[0] >> 32);
}

/*
 * The vSTE of a guest STE: V = 0 and abort/bypass are just V and Config;
 * a stage-1 STE keeps the fields the uAPI defines (Config, S1Fmt,
 * S1ContextPtr, S1CDMax; S1DSS, S1 walk attributes, S1STALLD, EATS) and
 * drops the ones the host owns (SHCFG, STRW, ...) that a Linux guest's
 * driver sets too.  Any other Config goes as is, for the host to refuse.
 */
static void vsmmu_vste(const u64 ste[8], u64 vste[2])
{
	unsigned int cfg = (ste[0] >> STE0_CFG_SHIFT) & 7;

	vste[0] = vste[1] = 0;
	if (!(ste[0] & STE0_V))
		return;
	if (cfg == STE0_CFG_ABORT || cfg == STE0_CFG_BYPASS) {
		vste[0] = STE0_V | ((u64)cfg << STE0_CFG_SHIFT);
		return;
	}
	vste[0] = ste[0] & STE0_UAPI;
	vste[1] = ste[1] & STE1_UAPI;
}

/* vdev's STE changed (or may have): give it the matching nested HWPT. */
static u32 vsmmu_sync_ste(struct vmm *vmm, struct smmuv3 *smmu,
			  struct vmm_vdev *vd)
{
	const struct vmm_backend_ops *ops = vmm->be->ops;
	u64 raw[8] = { 0 }, ste[2];
	u32 hwpt, old = vd->hwpt;
	int ret;

	if (smmuv3_trap_read_ste(smmu, vd->vsid, raw))
		raw[0] = 0;	/* unreachable: V = 0, abort */
	vsmmu_vste(raw, ste);
	if (old && ste[0] == vd->vste[0] && ste[1] == vd->vste[1])
		return 0;
	ret = ops->hwpt_alloc_nested(vmm->be, vd->dev, vmm->parent, ste, &hwpt);
	if (!ret) {
		ret = ops->attach(vmm->be, vd->dev, hwpt);
		if (ret)
			ops->destroy(vmm->be, hwpt);
	}
	if (ret) {
		vmm->stats.hwpt_errors++;
		vmm_trace(vmm, "vSTE sid %#x {%#llx, %#llx}: host refused (%d)",
			  vd->vsid, (unsigned long long)ste[0],
			  (unsigned long long)ste[1], ret);
		return CERROR_ILL;
	}
	vd->hwpt = hwpt;
	vd->vste[0] = ste[0];
	vd->vste[1] = ste[1];
	vmm->stats.hwpt_allocs++;
	vmm_trace(vmm, "vSTE sid %#x {%#llx, %#llx} -> HWPT_NESTED %u over parent %u",
		  vd->vsid, (unsigned long long)ste[0],
		  (unsigned long long)ste[1], hwpt, vmm->parent);
	if (old)
		ops->destroy(vmm->be, old);
	return 0;
}

static u32 vsmmu_invalidate(struct vmm *vmm, struct vmm_vdev *vd,
			    const u64 cmd[2])
{
	u32 n = 1;
	int ret;

	ret = vmm->be->ops->invalidate(vmm->be, vd->hwpt,
				       (const u64 (*)[2])cmd, &n);
	if (ret) {
		vmm->stats.inval_errors++;
		return CERROR_ILL;
	}
	vmm->stats.invalidations++;
	return 0;
}

static u32 vsmmu_cmd(void *opaque, struct smmuv3 *smmu, const u64 cmd[2])
{
	struct vmm *vmm = opaque;
	unsigned int op = cmd[0] & 0xff;
	u32 err = 0, first, last;

	mutex_lock(&vmm->lock);
	switch (op) {
	case OP_CFGI_STE:
	case OP_CFGI_STE_RANGE:
		first = last = cmd_sid(cmd);
		if (op == OP_CFGI_STE_RANGE) {
			unsigned int range = cmd[1] & 0x1f;
			u32 mask = range >= 31 ? ~0u : (u32)((2ULL << range) - 1);

			first &= ~mask;
			last |= mask;
		}
		vmm->stats.ste_traps++;
		for (unsigned int i = 0; i < vmm->nr_vdevs && !err; i++)
			if (vmm->vdevs[i].vsid >= first && vmm->vdevs[i].vsid <= last)
				err = vsmmu_sync_ste(vmm, smmu, &vmm->vdevs[i]);
		break;
	case OP_CFGI_CD:
	case OP_CFGI_CD_ALL:
		for (unsigned int i = 0; i < vmm->nr_vdevs && !err; i++)
			if (vmm->vdevs[i].vsid == cmd_sid(cmd) && vmm->vdevs[i].hwpt)
				err = vsmmu_invalidate(vmm, &vmm->vdevs[i], cmd);
		break;
	case OP_TLBI_NH_ALL:
	case OP_TLBI_NH_ASID:
	case OP_TLBI_NH_VA:
	case OP_TLBI_NH_VAA:
	case OP_TLBI_NSNH_ALL:
		/* One nested HWPT stands for all: they share the parent's VMID. */
		for (unsigned int i = 0; i < vmm->nr_vdevs; i++) {
			if (vmm->vdevs[i].hwpt) {
				err = vsmmu_invalidate(vmm, &vmm->vdevs[i], cmd);
				break;
			}
		}
		break;
	}
	mutex_unlock(&vmm->lock);
	return err;
}

const struct smmuv3_cmd_trap_ops vsmmu_trap_ops = { .cmd = vsmmu_cmd };

static struct arm_smmu_device *vsmmu_guest_driver(struct vmm *vmm)
{
	struct platform *guest = atomic_load(&vmm->guest);

	return guest ? platform_smmu(guest) : NULL;
}

static void vsmmu_evtq_irq(void *opaque)
{
	struct arm_smmu_device *smmu = vsmmu_guest_driver(opaque);

	if (smmu)
		arm_smmu_evtq_irq(smmu);
}

static void vsmmu_gerror_irq(void *opaque)
{
	struct arm_smmu_device *smmu = vsmmu_guest_driver(opaque);

	if (smmu)
		arm_smmu_gerror_irq(smmu);
}

static const struct smmuv3_irq_ops vsmmu_irq_ops = {
	.eventq = vsmmu_evtq_irq,
	.gerror = vsmmu_gerror_irq,
};

struct smmuv3 *vsmmu_create(struct vmm *vmm)
{
	struct smmuv3_config cfg;
	struct smmuv3 *smmu;

	smmuv3_config_default(&cfg);
	cfg.stage2 = false;	/* the host owns stage 2 */
	cfg.hyp = false;
	cfg.msi = false;	/* wired lines, straight to the guest driver */
	cfg.sid_bits = 16;
	cfg.ssid_bits = 0;
	smmu = smmuv3_create(&cfg, vmm->mem, &vsmmu_irq_ops, vmm, 0);
	if (smmu)
		smmuv3_set_cmd_trap(smmu, &vsmmu_trap_ops, vmm);
	return smmu;
}

int vmm_poll_events(struct vmm *vmm)
{
	const struct vmm_backend_ops *ops = vmm->be->ops;
	int n = 0, ret;
	u64 rec[4];
	u32 lost;

	for (;;) {
		ret = ops->read_event(vmm->be, rec, &lost);
		if (lost) {
			mutex_lock(&vmm->lock);
			vmm->stats.events_lost += lost;
			mutex_unlock(&vmm->lock);
			vmm_trace(vmm, "vEVENTQ: %u events lost", lost);
		}
		if (ret)
			break;
		ret = smmuv3_inject_event(vmm->vsmmu, rec);

		mutex_lock(&vmm->lock);
		if (ret) {
			vmm->stats.events_lost++;
		} else {
			vmm->stats.events++;
			n++;
		}
		mutex_unlock(&vmm->lock);
		vmm_trace(vmm, "vEVENTQ: event %#x sid %#x -> vSMMU evtq%s",
			  (unsigned int)(rec[0] & 0xff),
			  (unsigned int)(rec[0] >> 32), ret ? " (lost)" : "");
	}
	return n;
}
