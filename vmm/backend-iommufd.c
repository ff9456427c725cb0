// SPDX-License-Identifier: MIT
/*
 * The VMM backend over the host's iommufd (kernel/iommufd): every op of
 * vmm/backend.h is the iommufd_ioctl() QEMU would make for a nested
 * SMMUv3, with the uAPI structs of include/uapi/linux/iommufd.h, and the
 * IDs the VMM holds are iommufd's object IDs.  The VFIO side (MSI
 * vectors, the eventfd, BAR access) is vmm/vfio.c.
 *
 * backend.h has no vIOMMU op: the VMM thinks in nest parents, as it did
 * over the kernel backend.  So the vIOMMU is made here with its parent:
 * hwpt_alloc_parent is IOMMU_HWPT_ALLOC(NEST_PARENT) + IOMMU_VIOMMU_ALLOC
 * (ARM_SMMUV3, the parent's VMID) + IOMMU_VEVENTQ_ALLOC, nested HWPTs are
 * allocated over the vIOMMU, vdevices are the vIOMMU's, invalidations go
 * to the vIOMMU, and destroying the parent destroys the three in reverse.
 * One parent (one vIOMMU) per backend, as the VMM has.
 *
 * No software-MSI option is used: mainline iommufd has none (the posted
 * IOMMU_OPTION_SW_MSI_START/SIZE series is not merged), so the host puts
 * doorbells at the driver's IOMMU_RESV_SW_MSI window and the VMM makes its
 * guest identity-map that window (vmm.h).
 */
#include <string.h>

#include "kernel/iommufd/iommufd.h"
#include "kernel/platform.h"
#include "vmm/backend.h"
#include "vmm/guest-ram.h"
#include "vmm/vfio.h"

#define IB_MAX_DEVS	8
#define IB_MAX_MAPS	16
#define IB_MAX_NESTED	16

struct ib_dev {
	u32 id;				/* 0: free */
	struct ep_device *hep;
	u32 attached;			/* HWPT ID, 0 when none */
};

struct ib_map {
	u64 iova, size;
	void *hva;
};

struct ibackend {
	struct vmm_backend be;
	struct platform *host;
	struct kernel *k;
	struct iommufd_ctx *ictx;

	struct mutex lock;		/* everything below */
	u32 ioas;
	struct ib_dev devs[IB_MAX_DEVS];
	struct guest_ram ram[GUEST_RAM_SLOTS];
	struct ib_map maps[IB_MAX_MAPS];
	u32 parent, viommu, veventq;	/* 0 when none */
	int veventq_fd;
	u32 nested[IB_MAX_NESTED];	/* nested HWPTs over the vIOMMU */
	u32 vdevs[IB_MAX_DEVS];		/* the vIOMMU's vdevices */
	u32 next_seq;			/* vEVENTQ sequence expected */
};

static struct ibackend *to_ib(struct vmm_backend *be)
{
	return container_of(be, struct ibackend, be);
}

static long ib_ioctl(struct ibackend *ib, unsigned int cmd, void *arg)
{
	return iommufd_ioctl(ib->ictx, cmd, (unsigned long)arg);
}

static int ib_destroy_id(struct ibackend *ib, u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return (int)ib_ioctl(ib, IOMMU_DESTROY, &d);
}

static struct ib_dev *ib_dev(struct ibackend *ib, u32 id)
{
	for (int i = 0; id && i < IB_MAX_DEVS; i++)
		if (ib->devs[i].id == id)
			return &ib->devs[i];
	return NULL;
}

/* ------------------------------------------------------------ guest RAM */

static void *ib_ram_alloc(struct vmm_backend *be, u64 size)
{
	struct ibackend *ib = to_ib(be);
	void *hva;

	mutex_lock(&ib->lock);
	hva = guest_ram_alloc(ib->ram, ib->k, size);
	mutex_unlock(&ib->lock);
	return hva;
}

/* Still in the IOAS: pinned until unmapped (or destroy). */
static bool ib_ram_pinned(struct ibackend *ib, const struct guest_ram *r)
{
	for (int j = 0; j < IB_MAX_MAPS; j++)
		if (ib->maps[j].size && (u8 *)ib->maps[j].hva >= r->hva &&
		    (u8 *)ib->maps[j].hva < r->hva + r->size)
			return true;
	return false;
}

static void ib_ram_free(struct vmm_backend *be, void *hva, u64 size)
{
	struct ibackend *ib = to_ib(be);
	struct guest_ram *r;

	mutex_lock(&ib->lock);
	r = guest_ram_find(ib->ram, hva, size);
	if (r && !ib_ram_pinned(ib, r))
		guest_ram_release(r, ib->k);
	mutex_unlock(&ib->lock);
}

static int ib_ioas_map(struct vmm_backend *be, u64 iova, void *hva, u64 size)
{
	struct ibackend *ib = to_ib(be);
	struct iommu_ioas_map m = { .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)hva, .length = size, .iova = iova };
	phys_addr_t hpa;
	bool ram;
	int slot = -1, ret;

	mutex_lock(&ib->lock);
	/* Only RAM this backend gave: the VMM's own mmap, nothing beyond. */
	ram = !guest_ram_hva_to_hpa(ib->ram, hva, size, &hpa);
	for (int i = 0; i < IB_MAX_MAPS && slot < 0; i++)
		if (!ib->maps[i].size)
			slot = i;
	ret = -ENOSPC;
	/*
	 * Guest RAM is mapped in whole pages, as the other backend does; the
	 * kernel would take any byte alignment before a domain exists.
	 */
	if (size && ((iova | size | (uintptr_t)hva) & 0xfff))
		ret = -EINVAL;
	else if (!ram && size)
		ret = -EFAULT;
	else if (slot >= 0) {
		m.ioas_id = ib->ioas;
		ret = (int)ib_ioctl(ib, IOMMU_IOAS_MAP, &m);
	}
	if (!ret)
		ib->maps[slot] = (struct ib_map){ iova, size, hva };
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_ioas_unmap(struct vmm_backend *be, u64 iova, u64 size)
{
	struct ibackend *ib = to_ib(be);
	struct iommu_ioas_unmap u = { .size = sizeof(u), .iova = iova,
				       .length = size };
	int ret = -ENOENT;

	mutex_lock(&ib->lock);
	for (int i = 0; i < IB_MAX_MAPS; i++) {
		if (!ib->maps[i].size || ib->maps[i].iova != iova ||
		    ib->maps[i].size != size)
			continue;
		u.ioas_id = ib->ioas;
		ret = (int)ib_ioctl(ib, IOMMU_IOAS_UNMAP, &u);
		if (!ret)
			memset(&ib->maps[i], 0, sizeof(ib->maps[i]));
		break;
	}
	mutex_unlock(&ib->lock);
	return ret;
}

/* ------------------------------------------------------------ HWPTs */

static int ib_hwpt_alloc(struct ibackend *ib, u32 dev, u32 pt, u32 flags,
			 u32 type, void *data, u32 len, u32 *out)
{
	struct iommu_hwpt_alloc h = { .size = sizeof(h), .flags = flags,
		.dev_id = dev, .pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data };
	int ret = (int)ib_ioctl(ib, IOMMU_HWPT_ALLOC, &h);

	if (!ret)
		*out = h.out_hwpt_id;
	return ret;
}

/* The vIOMMU and its vEVENTQ go with the parent; lock held. */
static void ib_parent_destroy_locked(struct ibackend *ib)
{
	if (ib->veventq_fd >= 0)
		iommufd_fd_close(ib->ictx, ib->veventq_fd);
	ib->veventq_fd = -1;
	if (ib->veventq && !ib_destroy_id(ib, ib->veventq))
		ib->veventq = 0;
	/* -EBUSY while a vdevice or nested HWPT is left: the parent stays. */
	if (ib->viommu && !ib_destroy_id(ib, ib->viommu))
		ib->viommu = 0;
}

static int ib_hwpt_alloc_parent(struct vmm_backend *be, u32 dev, u32 *hwpt)
{
	struct ibackend *ib = to_ib(be);
	struct iommu_viommu_alloc v = { .size = sizeof(v),
		.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = dev };
	struct iommu_veventq_alloc q = { .size = sizeof(q),
		.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 64 };
	u32 parent;
	int ret;

	mutex_lock(&ib->lock);
	ret = -EBUSY;
	if (ib->parent)
		goto out;
	ret = ib_dev(ib, dev) ? 0 : -ENOENT;
	if (!ret)
		ret = ib_hwpt_alloc(ib, dev, ib->ioas, IOMMU_HWPT_ALLOC_NEST_PARENT,
				    IOMMU_HWPT_DATA_NONE, NULL, 0, &parent);
	if (ret)
		goto out;
	v.hwpt_id = parent;
	ret = (int)ib_ioctl(ib, IOMMU_VIOMMU_ALLOC, &v);
	if (ret)
		goto err_parent;
	ib->viommu = v.out_viommu_id;
	q.viommu_id = ib->viommu;
	ret = (int)ib_ioctl(ib, IOMMU_VEVENTQ_ALLOC, &q);
	if (ret)
		goto err_viommu;
	ib->veventq = q.out_veventq_id;
	ib->veventq_fd = (int)q.out_veventq_fd;
	ib->next_seq = 0;
	ib->parent = parent;
	*hwpt = parent;
	goto out;

err_viommu:
	ib_parent_destroy_locked(ib);
err_parent:
	ib_destroy_id(ib, parent);
out:
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_vdevice_alloc(struct vmm_backend *be, u32 dev, u32 vsid,
			    u32 *vdev)
{
	struct ibackend *ib = to_ib(be);
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .dev_id = dev,
					  .virt_id = vsid };
	int ret = -ENOENT;

	mutex_lock(&ib->lock);
	if (ib->viommu) {
		vd.viommu_id = ib->viommu;
		ret = (int)ib_ioctl(ib, IOMMU_VDEVICE_ALLOC, &vd);
		for (int i = 0; !ret && i < IB_MAX_DEVS; i++) {
			if (!ib->vdevs[i]) {
				ib->vdevs[i] = vd.out_vdevice_id;
				break;
			}
		}
		if (!ret)
			*vdev = vd.out_vdevice_id;
	}
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_hwpt_alloc_nested(struct vmm_backend *be, u32 dev, u32 parent,
				const u64 vste[2], u32 *hwpt)
{
	struct ibackend *ib = to_ib(be);
	struct iommu_hwpt_arm_smmuv3 data = { { vste[0], vste[1] } };
	int slot = -1, ret;
	u32 id;

	mutex_lock(&ib->lock);
	ret = -ENOENT;
	if (!parent || parent != ib->parent)
		goto out;
	for (int i = 0; i < IB_MAX_NESTED && slot < 0; i++)
		if (!ib->nested[i])
			slot = i;
	ret = -ENOSPC;
	if (slot < 0)
		goto out;
	ret = ib_hwpt_alloc(ib, dev, ib->viommu, 0, IOMMU_HWPT_DATA_ARM_SMMUV3,
			    &data, sizeof(data), &id);
	if (!ret) {
		ib->nested[slot] = id;
		*hwpt = id;
	}
out:
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_attach(struct vmm_backend *be, u32 dev, u32 hwpt)
{
	struct ibackend *ib = to_ib(be);
	struct ib_dev *d;
	u32 pt = hwpt;
	int ret = -ENOENT;

	mutex_lock(&ib->lock);
	d = ib_dev(ib, dev);
	if (d) {
		ret = iommufd_device_attach_pt(ib->ictx, dev, &pt);
		if (!ret)
			d->attached = hwpt;
	}
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_detach(struct vmm_backend *be, u32 dev)
{
	struct ibackend *ib = to_ib(be);
	int ret = -ENOENT;
	struct ib_dev *d;

	mutex_lock(&ib->lock);
	d = ib_dev(ib, dev);
	if (d)
		ret = iommufd_device_detach_pt(ib->ictx, dev);
	if (!ret)
		d->attached = 0;
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_destroy(struct vmm_backend *be, u32 id)
{
	struct ibackend *ib = to_ib(be);
	int ret;

	mutex_lock(&ib->lock);
	/* HWPTs and vdevices only: a bound device is not the VMM's to destroy. */
	ret = -ENOENT;
	if (ib_dev(ib, id))
		goto out;
	if (id && id == ib->parent) {
		/* In use (attached, nested HWPTs, vdevices): leave it whole. */
		ret = -EBUSY;
		for (int i = 0; i < IB_MAX_DEVS; i++)
			if (ib->devs[i].attached == id || ib->vdevs[i])
				goto out;
		for (int i = 0; i < IB_MAX_NESTED; i++)
			if (ib->nested[i])
				goto out;
		/* The vIOMMU's queue, the vIOMMU, then the parent. */
		ib_parent_destroy_locked(ib);
		ret = ib_destroy_id(ib, id);
		if (!ret)
			ib->parent = 0;
		goto out;
	}
	ret = ib_destroy_id(ib, id);
	for (int i = 0; !ret && i < IB_MAX_NESTED; i++)
		if (ib->nested[i] == id)
			ib->nested[i] = 0;
	for (int i = 0; !ret && i < IB_MAX_DEVS; i++)
		if (ib->vdevs[i] == id)
			ib->vdevs[i] = 0;
out:
	mutex_unlock(&ib->lock);
	return ret;
}

/* ------------------------------------------------------------ the guest's */

static int ib_invalidate(struct vmm_backend *be, u32 hwpt, const u64 (*cmds)[2],
			 u32 *n)
{
	struct ibackend *ib = to_ib(be);
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv),
		.data_uptr = (uintptr_t)cmds,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(struct iommu_viommu_arm_smmuv3_invalidate),
		.entry_num = *n };
	bool known = false;
	int ret = -ENOENT;

	mutex_lock(&ib->lock);
	for (int i = 0; hwpt && i < IB_MAX_NESTED; i++)
		known |= ib->nested[i] == hwpt;
	if (known) {
		/* The vIOMMU's invalidation: every nested HWPT shares its VMID. */
		inv.hwpt_id = ib->viommu;
		ret = (int)ib_ioctl(ib, IOMMU_HWPT_INVALIDATE, &inv);
	}
	*n = known ? inv.entry_num : 0;
	mutex_unlock(&ib->lock);
	return ret;
}

static int ib_read_event(struct vmm_backend *be, u64 rec[4], u32 *lost)
{
	struct ibackend *ib = to_ib(be);
	struct {
		struct iommufd_vevent_header hdr;
		struct iommu_vevent_arm_smmuv3 rec;
	} ev;
	int ret = -EAGAIN;

	*lost = 0;
	mutex_lock(&ib->lock);
	while (ib->veventq_fd >= 0) {
		ssize_t n = iommufd_fd_read(ib->ictx, ib->veventq_fd, &ev,
					    sizeof(ev));

		if (n < (ssize_t)sizeof(ev.hdr)) {
			if (n < 0)
				ret = (int)n;
			break;
		}
		/* A gap in the sequence, or the LOST_EVENTS header, lost some. */
		if (ev.hdr.sequence != ib->next_seq)
			*lost += ev.hdr.sequence - ib->next_seq;
		ib->next_seq = ev.hdr.sequence + 1;
		if (ev.hdr.flags & IOMMU_VEVENTQ_FLAG_LOST_EVENTS) {
			*lost += 1;
			continue;
		}
		if (n != sizeof(ev))
			continue;
		memcpy(rec, ev.rec.evt, sizeof(ev.rec.evt));
		ret = 0;
		break;
	}
	mutex_unlock(&ib->lock);
	return ret;
}

/* ------------------------------------------------------------ VFIO */

/* The host endpoint behind device ID dev, for the VFIO ops (vmm/vfio.c). */
static struct ep_device *ib_hep(struct vmm_backend *be, u32 dev)
{
	struct ibackend *ib = to_ib(be);
	struct ib_dev *d;
	struct ep_device *hep;

	mutex_lock(&ib->lock);
	d = ib_dev(ib, dev);
	hep = d ? d->hep : NULL;
	mutex_unlock(&ib->lock);
	return hep;
}

static const struct vmm_backend_ops ibackend_ops = VMM_BACKEND_OPS(ib);

struct vmm_backend *vmm_ibackend_create(struct platform *host)
{
	struct kernel *k = platform_kernel(host);
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct ibackend *ib = kzalloc(k, sizeof(*ib));

	if (!ib)
		return NULL;
	ib->ictx = iommufd_ctx_create(k);
	if (!ib->ictx)
		goto err;
	ib->be.ops = &ibackend_ops;
	ib->be.hep = ib_hep;
	ib->be.host = host;
	ib->host = host;
	ib->k = k;
	ib->veventq_fd = -1;
	if (ib_ioctl(ib, IOMMU_IOAS_ALLOC, &ia))
		goto err_ctx;
	ib->ioas = ia.out_ioas_id;
	mutex_init(&ib->lock);
	return &ib->be;

err_ctx:
	iommufd_ctx_destroy(ib->ictx);
err:
	kfree(ib);
	return NULL;
}

int vmm_ibackend_bind(struct vmm_backend *be, struct ep_device *hep, u32 *dev)
{
	struct ibackend *ib = to_ib(be);
	struct ib_dev *slot = NULL;
	int ret;

	mutex_lock(&ib->lock);
	for (int i = 0; i < IB_MAX_DEVS; i++) {
		if (ib->devs[i].id && ib->devs[i].hep == hep) {
			ret = -EBUSY;
			goto out;
		}
		if (!ib->devs[i].id && !slot)
			slot = &ib->devs[i];
	}
	ret = -ENOSPC;
	if (!slot)
		goto out;
	ret = iommufd_device_bind(ib->ictx, &hep->dev, dev);
	if (ret == -EPERM)
		ret = -EBUSY;
	if (!ret)
		*slot = (struct ib_dev){ .id = *dev, .hep = hep };
out:
	mutex_unlock(&ib->lock);
	return ret;
}

void vmm_ibackend_destroy(struct vmm_backend *be)
{
	struct ibackend *ib = to_ib(be);

	mutex_lock(&ib->lock);
	for (int i = 0; i < IB_MAX_DEVS; i++) {
		if (!ib->devs[i].id)
			continue;
		vfio_set_msi(ib->devs[i].hep, 0);
		iommufd_device_unbind(ib->ictx, ib->devs[i].id);
	}
	if (ib->veventq_fd >= 0)
		iommufd_fd_close(ib->ictx, ib->veventq_fd);
	/* The context frees every object left (iommufd_fops_release). */
	iommufd_ctx_destroy(ib->ictx);
	guest_ram_release_all(ib->ram, ib->k);
	mutex_unlock(&ib->lock);
	mutex_destroy(&ib->lock);
	kfree(ib);
}
