// SPDX-License-Identifier: MIT
/*
 * The VMM's virtual board and lifecycle (see vmm.h): the guest's address
 * space over host RAM, the vITS and vSMMU models on it, the assigned
 * devices' BARs, the host-side stage 2, and the guest kernel booted with
 * the host's own board file (platform_boot_board).
 *
 * A BAR access is the VFIO region access to the physical BAR, except the
 * MSI capability, which the VMM emulates as QEMU's vfio-pci does: the
 * guest's address and data are kept in a shadow and never reach the
 * device; enabling MSI asks the host for vectors (VFIO_DEVICE_SET_IRQS),
 * and the host kernel programs the device with its own message: the
 * host's EventIDs at the IOVA the host's iommufd gave the doorbell in the
 * SW_MSI window.  That IOVA goes through the guest's stage 1 first, which
 * maps the window 1:1 because the VMM's firmware tables declare it an RMR;
 * stage 2 then takes it to the physical ITS.  The guest's own message (its
 * vITS doorbell) serves only to route the host interrupt into the guest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/endpoint.h"
#include "kernel/platform.h"
#include "vmm/vmm-priv.h"


void vmm_trace(struct vmm *vmm, const char *fmt, ...)
{
	char line[160];
	va_list ap;

	if (!vmm->trace)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vmm->trace(vmm->trace_opaque, line);
}

void vmm_set_trace(struct vmm *vmm, vmm_trace_fn fn, void *opaque)
{
	vmm->trace = fn;
	vmm->trace_opaque = opaque;
}

static int vbar_read(void *opaque, u64 off, unsigned int size, u64 *val,
		     struct mem_attrs attrs)
{
	struct vmm_vdev *vd = opaque;
	struct vmm *vmm = vd->vmm;

	if (size == 8 && off >= EP_MSI_ADDR && off <= EP_MSI_CTRL) {
		u64 lo = 0, hi = 0;
		int ret = vbar_read(opaque, off, 4, &lo, attrs);

		if (!ret)
			ret = vbar_read(opaque, off + 4, 4, &hi, attrs);
		*val = lo | hi << 32;
		return ret;
	}
	if (size == 4) {
		switch (off) {
		case EP_MSI_ADDR:
			*val = vd->msi_addr_lo;
			return 0;
		case EP_MSI_ADDR + 4:
			*val = vd->msi_addr_hi;
			return 0;
		case EP_MSI_DATA:
			*val = vd->msi_data;
			return 0;
		}
	}
	return vmm->be->ops->bar_read(vmm->be, vd->dev, off, size, val) ?
	       -EFAULT : 0;
}

/* Guest enables or disables MSI: VFIO_DEVICE_SET_IRQS, then its address. */
static int vbar_msi_ctrl(struct vmm_vdev *vd, u32 ctrl)
{
	const struct vmm_backend_ops *ops = vd->vmm->be->ops;
	struct vmm_backend *be = vd->vmm->be;
	bool on = ctrl & EP_MSI_CTRL_ENABLE;
	u64 nvec = 0;
	int ret;

	if (on && !vd->msi_on) {
		ret = ops->bar_read(be, vd->dev, EP_MSI_NVEC, 4, &nvec);
		if (!ret)
			ret = ops->set_msi(be, vd->dev, (unsigned int)nvec);
		vmm_trace(vd->vmm, "VFIO_DEVICE_SET_IRQS sid %#x: %u MSI vectors (%d)",
			  vd->vsid, (unsigned int)nvec, ret);
		if (ret)
			return 0;	/* MSI stays off, as on a host refusal */
		vd->msi_on = true;
		vd->nvec = (unsigned int)nvec;
		vd->vmm->stats.msi_enables++;
	} else if (!on && vd->msi_on) {
		ops->set_msi(be, vd->dev, 0);
		vd->msi_on = false;
	}
	return ops->bar_write(be, vd->dev, EP_MSI_CTRL, 4, ctrl);
}

static int vbar_write(void *opaque, u64 off, unsigned int size, u64 val,
		      struct mem_attrs attrs)
{
	struct vmm_vdev *vd = opaque;
	struct vmm *vmm = vd->vmm;
	int ret = 0;

	/* The capability's registers are emulated 32 bits at a time. */
	if (size == 8 && off >= EP_MSI_ADDR && off <= EP_MSI_CTRL)
		return vbar_write(opaque, off, 4, (u32)val, attrs) ?:
		       vbar_write(opaque, off + 4, 4, val >> 32, attrs);
	if (size == 4 && off >= EP_MSI_ADDR && off <= EP_MSI_CTRL) {
		mutex_lock(&vmm->lock);
		switch (off) {
		case EP_MSI_ADDR:
			vd->msi_addr_lo = (u32)val;
			break;
		case EP_MSI_ADDR + 4:
			vd->msi_addr_hi = (u32)val;
			break;
		case EP_MSI_DATA:
			vd->msi_data = (u32)val;
			break;
		case EP_MSI_CTRL:
			ret = vbar_msi_ctrl(vd, (u32)val);
			break;
		}
		mutex_unlock(&vmm->lock);
		return ret ? -EFAULT : 0;
	}
	return vmm->be->ops->bar_write(vmm->be, vd->dev, off, size, val) ?
	       -EFAULT : 0;
}

static const struct mmio_ops vbar_ops = {
	.read = vbar_read,
	.write = vbar_write,
};

struct vmm *vmm_create(struct vmm_backend *be, u64 ram_size)
{
	struct its_config its_cfg;
	struct vmm *vmm;
	int ret = -ENOMEM;

	if (!ram_size || ram_size & 0xfff || ram_size > VMM_GUEST_RAM_MAX)
		return ERR_PTR(-EINVAL);
	vmm = calloc(1, sizeof(*vmm));
	if (!vmm)
		return ERR_PTR(-ENOMEM);
	vmm->be = be;
	vmm->ram_size = ram_size;
	mutex_init(&vmm->lock);
	vmm->mem = phys_mem_create();
	if (!vmm->mem)
		goto err;
	vmm->ram = be->ops->ram_alloc(be, ram_size);
	if (!vmm->ram)
		goto err;
	ret = phys_mem_add_ram_backed(vmm->mem, VMM_GUEST_RAM_BASE, ram_size,
				      vmm->ram, "guest-ram");
	if (!ret)
		ret = be->ops->ioas_map(be, VMM_GUEST_RAM_BASE, vmm->ram, ram_size);
	if (ret)
		goto err;
	vmm->ram_mapped = true;

	ret = -ENOMEM;
	its_config_default(&its_cfg);
	its_cfg.nr_targets = 1;
	vmm->vits = its_create(&its_cfg, vmm->mem);
	vmm->vsmmu = vmm->vits ? vsmmu_create(vmm) : NULL;
	if (!vmm->vsmmu)
		goto err;
	ret = phys_mem_add_mmio(vmm->mem, VMM_GUEST_ITS_BASE, GITS_MMIO_SIZE,
				&its_mmio_ops, vmm->vits, "vits");
	if (!ret)
		ret = phys_mem_add_mmio(vmm->mem, VMM_GUEST_GICR_BASE,
					its_gicr_mmio_size(vmm->vits),
					&its_gicr_mmio_ops, vmm->vits, "vgicr");
	if (!ret)
		ret = phys_mem_add_mmio(vmm->mem, VMM_GUEST_SMMU_BASE,
					SMMUV3_MMIO_SIZE, &smmuv3_mmio_ops,
					vmm->vsmmu, "vsmmu");
	if (ret)
		goto err;
	return vmm;
err:
	vmm_destroy(vmm);
	return ERR_PTR(ret);
}

int vmm_assign(struct vmm *vmm, u32 dev, u32 vsid)
{
	const struct vmm_backend_ops *ops = vmm->be->ops;
	struct vmm_vdev *vd;
	phys_addr_t bar;
	int ret;

	if (atomic_load(&vmm->guest) || vsid >= (1u << 16))
		return -EINVAL;
	if (vmm->nr_vdevs == VMM_MAX_DEVICES)
		return -ENOSPC;
	for (unsigned int i = 0; i < vmm->nr_vdevs; i++)
		if (vmm->vdevs[i].vsid == vsid || vmm->vdevs[i].dev == dev)
			return -EINVAL;
	if (!vmm->parent) {
		ret = ops->hwpt_alloc_parent(vmm->be, dev, &vmm->parent);
		if (ret)
			return ret;
		vmm_trace(vmm, "IOMMU_HWPT_ALLOC NEST_PARENT -> HWPT %u; host "
			  "doorbells at the SW_MSI window %#llx", vmm->parent,
			  VMM_MSI_WINDOW);
	}
	vd = &vmm->vdevs[vmm->nr_vdevs];
	memset(vd, 0, sizeof(*vd));
	ret = ops->vdevice_alloc(vmm->be, dev, vsid, &vd->vdev);
	if (ret)
		goto err_parent;
	ret = ops->attach(vmm->be, dev, vmm->parent);
	if (ret)
		goto err_vdev;
	vd->vmm = vmm;
	vd->dev = dev;
	vd->vsid = vsid;
	vd->index = vmm->nr_vdevs;
	bar = VMM_GUEST_BAR_BASE + vd->index * VMM_GUEST_BAR_STRIDE;
	ret = phys_mem_add_mmio(vmm->mem, bar, ENDPOINT_MMIO_SIZE, &vbar_ops,
				vd, "vbar");
	if (ret)
		goto err_detach;
	vmm_trace(vmm, "IOMMU_VDEVICE_ALLOC dev %u -> vSID %#x, attached to HWPT %u",
		  dev, vsid, vmm->parent);
	return (int)vmm->nr_vdevs++;

err_detach:
	ops->detach(vmm->be, dev);
err_vdev:
	ops->destroy(vmm->be, vd->vdev);
err_parent:
	if (!vmm->nr_vdevs) {
		ops->destroy(vmm->be, vmm->parent);
		vmm->parent = 0;
	}
	return ret;
}

struct platform *vmm_boot_guest(struct vmm *vmm)
{
	struct platform_config cfg = { .iommu = PLATFORM_IOMMU_SMMUV3 };

	return vmm_boot_guest_config(vmm, &cfg);
}

struct platform *vmm_boot_guest_config(struct vmm *vmm,
				       const struct platform_config *config)
{
	struct platform_config cfg = *config;
	struct platform_board b = {
		.mem = vmm->mem,
		.ram_base = VMM_GUEST_RAM_BASE,
		.ram_size = vmm->ram_size,
		.its_base = VMM_GUEST_ITS_BASE,
		.gicr_base = VMM_GUEST_GICR_BASE,
		.has_smmu = true,
		.smmu_base = VMM_GUEST_SMMU_BASE,
		.rmr_base = VMM_MSI_WINDOW,
		.rmr_size = VMM_MSI_WINDOW_SIZE,
		.nr_eps = vmm->nr_vdevs,
	};
	struct platform *guest;

	if (atomic_load(&vmm->guest))
		return ERR_PTR(-EBUSY);
	if (cfg.iommu == PLATFORM_IOMMU_MOCK || cfg.ram_base || cfg.ram_size)
		return ERR_PTR(-EINVAL);
	if (!cfg.name)
		cfg.name = "guest";
	for (unsigned int i = 0; i < vmm->nr_vdevs; i++) {
		b.ep[i].rid = vmm->vdevs[i].vsid;
		b.ep[i].bar = VMM_GUEST_BAR_BASE + i * VMM_GUEST_BAR_STRIDE;
		b.ep[i].behind_smmu = true;
	}
	guest = platform_boot_board(&b, &cfg);
	if (!IS_ERR(guest))
		atomic_store(&vmm->guest, guest);
	return guest;
}

struct platform *vmm_guest(struct vmm *vmm)
{
	return atomic_load(&vmm->guest);
}

void vmm_destroy(struct vmm *vmm)
{
	const struct vmm_backend_ops *ops = vmm->be->ops;
	struct platform *guest = atomic_exchange(&vmm->guest, NULL);

	if (guest)
		platform_shutdown(guest);
	if (vmm->vsmmu)
		smmuv3_set_cmd_trap(vmm->vsmmu, NULL, NULL);
	/* Each device off its HWPTs, then what they held, as QEMU's unplug. */
	for (unsigned int i = 0; i < vmm->nr_vdevs; i++) {
		struct vmm_vdev *vd = &vmm->vdevs[i];

		if (vd->msi_on)
			ops->set_msi(vmm->be, vd->dev, 0);
		ops->detach(vmm->be, vd->dev);
		if (vd->hwpt)
			ops->destroy(vmm->be, vd->hwpt);
		ops->destroy(vmm->be, vd->vdev);
	}
	if (vmm->parent)
		ops->destroy(vmm->be, vmm->parent);
	if (vmm->ram_mapped)
		ops->ioas_unmap(vmm->be, VMM_GUEST_RAM_BASE, vmm->ram_size);
	if (vmm->vsmmu)
		smmuv3_destroy(vmm->vsmmu);
	if (vmm->vits)
		its_destroy(vmm->vits);
	phys_mem_destroy(vmm->mem);
	if (vmm->ram)
		ops->ram_free(vmm->be, vmm->ram, vmm->ram_size);
	mutex_destroy(&vmm->lock);
	free(vmm);
}

struct phys_mem *vmm_guest_mem(struct vmm *vmm)
{
	return vmm->mem;
}

struct smmuv3 *vmm_vsmmu(struct vmm *vmm)
{
	return vmm->vsmmu;
}

struct its *vmm_vits(struct vmm *vmm)
{
	return vmm->vits;
}

/* A host MSI to raise in the guest, as the guest programmed it. */
struct vmm_irq {
	u32 vsid;
	u64 iova;
	u32 data;
};

/*
 * Raise it: the guest's address is an IOVA of its stage 1, translated by
 * the vSMMU (which takes its own lock: never called under vmm->lock, the
 * trap's order being vSMMU lock, then vmm->lock).
 */
static bool vmm_inject(struct vmm *vmm, const struct vmm_irq *irq)
{
	struct smmuv3_result res;

	return !smmuv3_translate(vmm->vsmmu, irq->vsid, SMMUV3_NO_SSID,
				 irq->iova, SMMUV3_WRITE, &res) &&
	       !phys_write_val(vmm->mem, res.addr, 4, irq->data,
			       MEM_ATTRS_RID(irq->vsid));
}

int vmm_poll_irqs(struct vmm *vmm)
{
	const struct vmm_backend_ops *ops = vmm->be->ops;
	struct vmm_irq irqs[VMM_MAX_DEVICES * ENDPOINT_MAX_VECTORS];
	unsigned int n = 0, ok = 0;

	mutex_lock(&vmm->lock);
	for (unsigned int i = 0; i < vmm->nr_vdevs; i++) {
		struct vmm_vdev *vd = &vmm->vdevs[i];

		for (unsigned int v = 0; vd->msi_on && v < vd->nvec &&
		     v < ENDPOINT_MAX_VECTORS; v++) {
			if (ops->msi_fired(vmm->be, vd->dev, v) != 1)
				continue;
			/* The device replaces the data's low bits by v. */
			irqs[n++] = (struct vmm_irq){
				.vsid = vd->vsid,
				.iova = ((u64)vd->msi_addr_hi << 32) | vd->msi_addr_lo,
				.data = (vd->msi_data & ~(vd->nvec - 1)) | v,
			};
		}
	}
	mutex_unlock(&vmm->lock);
	for (unsigned int i = 0; i < n; i++)
		ok += vmm_inject(vmm, &irqs[i]);
	mutex_lock(&vmm->lock);
	vmm->stats.irqs_injected += ok;
	vmm->stats.irqs_dropped += n - ok;
	mutex_unlock(&vmm->lock);
	return (int)ok;
}

void *vmm_gpa_to_hva(struct vmm *vmm, u64 gpa, u64 len)
{
	return phys_ram_ptr(vmm->mem, gpa, len);
}

void vmm_get_stats(struct vmm *vmm, struct vmm_stats *st)
{
	mutex_lock(&vmm->lock);
	*st = vmm->stats;
	mutex_unlock(&vmm->lock);
}

u32 vmm_vdev_hwpt(struct vmm *vmm, u32 vsid)
{
	u32 hwpt = 0;

	mutex_lock(&vmm->lock);
	for (unsigned int i = 0; i < vmm->nr_vdevs; i++)
		if (vmm->vdevs[i].vsid == vsid)
			hwpt = vmm->vdevs[i].hwpt;
	mutex_unlock(&vmm->lock);
	return hwpt;
}
