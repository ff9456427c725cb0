/* SPDX-License-Identifier: MIT */
/*
 * What the VMM asks of the host: iommufd and VFIO, as a small ops table.
 *
 * Each op is one uAPI call QEMU makes for a nested SMMUv3 (named beside
 * it), with iommufd's object-ID model: bound devices, HWPTs, everything an
 * u32 ID.  The VMM never sees a host kernel object, so the same VMM runs
 * over the kernel API (vmm/backend-kernel.c, an in-kernel user doing what
 * iommufd's ioctls would) and over the host's iommufd
 * (vmm/backend-iommufd.c, iommufd_ioctl()); the VMM's caller picks one.
 *
 * Ops return 0 or a negative errno, as the ioctls' -1/errno would.
 */
#ifndef IOMMUSIM_VMM_BACKEND_H
#define IOMMUSIM_VMM_BACKEND_H

#include "lib/types.h"

struct vmm_backend;

struct vmm_backend_ops {
	/*
	 * Guest RAM: memory the VMM maps and the host can pin for DMA (the
	 * VMM's anonymous mmap): a host pointer, or NULL.
	 */
	void *(*ram_alloc)(struct vmm_backend *be, u64 size);
	void (*ram_free)(struct vmm_backend *be, void *hva, u64 size);
	/* IOMMU_IOAS_MAP, FIXED_IOVA: iova (a guest PA) -> the RAM at hva. */
	int (*ioas_map)(struct vmm_backend *be, u64 iova, void *hva, u64 size);
	/* IOMMU_IOAS_UNMAP of exactly one earlier mapping: -ENOENT else. */
	int (*ioas_unmap)(struct vmm_backend *be, u64 iova, u64 size);
	/* IOMMU_HWPT_ALLOC, NEST_PARENT, over the IOAS, for device dev. */
	int (*hwpt_alloc_parent)(struct vmm_backend *be, u32 dev, u32 *hwpt);
	/* IOMMU_VDEVICE_ALLOC: dev is StreamID vsid on the guest's vSMMU. */
	int (*vdevice_alloc)(struct vmm_backend *be, u32 dev, u32 vsid,
			     u32 *vdev);
	/* IOMMU_HWPT_ALLOC of a nested HWPT, IOMMU_HWPT_DATA_ARM_SMMUV3. */
	int (*hwpt_alloc_nested)(struct vmm_backend *be, u32 dev, u32 parent,
				 const u64 vste[2], u32 *hwpt);
	/* VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach, or replace hitlessly. */
	int (*attach)(struct vmm_backend *be, u32 dev, u32 hwpt);
	/* VFIO_DEVICE_DETACH_IOMMUFD_PT: the device blocks DMA again. */
	int (*detach)(struct vmm_backend *be, u32 dev);
	/* IOMMU_DESTROY of a HWPT or vdevice: -EBUSY while something uses it. */
	int (*destroy)(struct vmm_backend *be, u32 id);
	/*
	 * IOMMU_HWPT_INVALIDATE (IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3):
	 * the guest's commands for nested HWPT hwpt; *n given, *n done.
	 */
	int (*invalidate)(struct vmm_backend *be, u32 hwpt, const u64 (*cmds)[2],
			  u32 *n);
	/*
	 * read() of the vEVENTQ: the oldest event record of a vdevice, its
	 * StreamID already the guest's.  0, or -EAGAIN when none is queued.
	 * *lost: records the full queue dropped since the last read (what
	 * iommufd's LOST_EVENTS header and sequence gap tell).
	 */
	int (*read_event)(struct vmm_backend *be, u64 rec[4], u32 *lost);
	/* VFIO_DEVICE_SET_IRQS, MSI: nvec host vectors, or none (nvec 0). */
	int (*set_msi)(struct vmm_backend *be, u32 dev, unsigned int nvec);
	/*
	 * read() of the eventfd VFIO signals for MSI vector vec: 1 when the
	 * host interrupt fired since the last call (consumed), 0 when not.
	 */
	int (*msi_fired)(struct vmm_backend *be, u32 dev, unsigned int vec);
	/* VFIO region access to the device's register BAR (pread/pwrite). */
	int (*bar_read)(struct vmm_backend *be, u32 dev, u64 off,
			unsigned int size, u64 *val);
	int (*bar_write)(struct vmm_backend *be, u32 dev, u64 off,
			 unsigned int size, u64 val);
};

struct ep_device;
struct platform;

struct vmm_backend {
	const struct vmm_backend_ops *ops;
	/*
	 * The VFIO half, the same for every backend (vmm/vfio.c): the host
	 * endpoint a device ID names (NULL: none), and the host platform.
	 */
	struct ep_device *(*hep)(struct vmm_backend *be, u32 dev);
	struct platform *host;
};

/*
 * A backend's ops table: every iommufd op is PREFIX_op (ib_attach,
 * kb_attach), so a backend that lacks one does not build and the tables
 * cannot drift; the VFIO ops are vmm/vfio.c's, over the backend's hep().
 */
#define VMM_BACKEND_OPS(prefix) {					\
	.ram_alloc = prefix##_ram_alloc,				\
	.ram_free = prefix##_ram_free,					\
	.ioas_map = prefix##_ioas_map,					\
	.ioas_unmap = prefix##_ioas_unmap,				\
	.hwpt_alloc_parent = prefix##_hwpt_alloc_parent,		\
	.vdevice_alloc = prefix##_vdevice_alloc,			\
	.hwpt_alloc_nested = prefix##_hwpt_alloc_nested,		\
	.attach = prefix##_attach,					\
	.detach = prefix##_detach,					\
	.destroy = prefix##_destroy,					\
	.invalidate = prefix##_invalidate,				\
	.read_event = prefix##_read_event,				\
	.set_msi = vfio_be_set_msi,					\
	.msi_fired = vfio_be_msi_fired,					\
	.bar_read = vfio_be_bar_read,					\
	.bar_write = vfio_be_bar_write,					\
}

/*
 * The backend over the kernel API (iommu core, sw-msi, the arm-smmu-v3
 * driver's nested domains), for VMMs in the host platform's process.
 * vmm_kbackend_bind is VFIO's "open the device and bind it to iommufd":
 * it claims DMA ownership of the host endpoint's group (-EBUSY if taken)
 * and gives its device ID.  Destroy unbinds everything left and frees
 * every object.
 */
struct platform;
struct ep_device;
struct vmm_backend *vmm_kbackend_create(struct platform *host);
int vmm_kbackend_bind(struct vmm_backend *be, struct ep_device *hep, u32 *dev);
void vmm_kbackend_destroy(struct vmm_backend *be);

/*
 * The backend over the host's iommufd (kernel/iommufd/iommufd.h): its own
 * iommufd context and IOAS; bind is iommufd_device_bind (-EBUSY if the
 * device is bound already, here or elsewhere).  The nest parent brings a
 * vIOMMU (IOMMU_VIOMMU_TYPE_ARM_SMMUV3) and its vEVENTQ with it: vdevices,
 * nested HWPTs and invalidations are the vIOMMU's.  Destroy unbinds the
 * devices and destroys the context with every object left.
 */
struct vmm_backend *vmm_ibackend_create(struct platform *host);
int vmm_ibackend_bind(struct vmm_backend *be, struct ep_device *hep, u32 *dev);
void vmm_ibackend_destroy(struct vmm_backend *be);

#endif
