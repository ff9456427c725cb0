/* SPDX-License-Identifier: MIT */
/*
 * The part of the kernel's VFIO uAPI (include/uapi/linux/vfio.h) that a
 * client of the iommufd LD_PRELOAD shim needs to obtain a device: the VFIO
 * device cdev ioctls (/dev/vfio/devices/vfioX, Linux 6.6+), the device,
 * region and interrupt info queries and VFIO_DEVICE_SET_IRQS.  Debian's linux-libc-dev 6.1 predates the cdev interface, so a
 * client built against it would lack these; the numbers and layouts here are
 * the kernel's, checked by the static asserts at the bottom.
 *
 * Only the cdev path exists here: no container (/dev/vfio/vfio) and no
 * group (/dev/vfio/N) ioctls.
 */
#ifndef _UAPIVFIO_H
#define _UAPIVFIO_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VFIO_API_VERSION	0

#define VFIO_TYPE	(';')
#define VFIO_BASE	100

/* VFIO_DEVICE_GET_INFO - _IOR(VFIO_TYPE, VFIO_BASE + 7, struct vfio_device_info) */
struct vfio_device_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_FLAGS_RESET		(1 << 0)
#define VFIO_DEVICE_FLAGS_PCI		(1 << 1)
#define VFIO_DEVICE_FLAGS_PLATFORM	(1 << 2)
#define VFIO_DEVICE_FLAGS_AMBA		(1 << 3)
#define VFIO_DEVICE_FLAGS_CCW		(1 << 4)
#define VFIO_DEVICE_FLAGS_AP		(1 << 5)
#define VFIO_DEVICE_FLAGS_FSL_MC	(1 << 6)
#define VFIO_DEVICE_FLAGS_CAPS		(1 << 7)
#define VFIO_DEVICE_FLAGS_CDX		(1 << 8)
	__u32	num_regions;
	__u32	num_irqs;
	__u32	cap_offset;
	__u32	pad;
};
#define VFIO_DEVICE_GET_INFO		_IO(VFIO_TYPE, VFIO_BASE + 7)

/*
 * VFIO_DEVICE_GET_REGION_INFO - _IOWR(VFIO_TYPE, VFIO_BASE + 8, ...)
 * A region is reached with pread/pwrite on the device fd at offset; for
 * vfio-pci, region index i starts at i << 40 (VFIO_PCI_INDEX_TO_OFFSET).
 */
struct vfio_region_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_REGION_INFO_FLAG_READ	(1 << 0)
#define VFIO_REGION_INFO_FLAG_WRITE	(1 << 1)
#define VFIO_REGION_INFO_FLAG_MMAP	(1 << 2)
#define VFIO_REGION_INFO_FLAG_CAPS	(1 << 3)
	__u32	index;
	__u32	cap_offset;
	__aligned_u64	size;
	__aligned_u64	offset;
};
#define VFIO_DEVICE_GET_REGION_INFO	_IO(VFIO_TYPE, VFIO_BASE + 8)

#define VFIO_PCI_OFFSET_SHIFT		40
#define VFIO_PCI_INDEX_TO_OFFSET(index)	((__u64)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_BAR0_REGION_INDEX	0

/*
 * VFIO_DEVICE_GET_IRQ_INFO - _IOWR(VFIO_TYPE, VFIO_BASE + 9, ...)
 * How many interrupts an index has (count) and how they are signalled.
 */
struct vfio_irq_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_IRQ_INFO_EVENTFD		(1 << 0)
#define VFIO_IRQ_INFO_MASKABLE		(1 << 1)
#define VFIO_IRQ_INFO_AUTOMASKED	(1 << 2)
#define VFIO_IRQ_INFO_NORESIZE		(1 << 3)
	__u32	index;
	__u32	count;
};
#define VFIO_DEVICE_GET_IRQ_INFO	_IO(VFIO_TYPE, VFIO_BASE + 9)

/*
 * VFIO_DEVICE_SET_IRQS - _IOW(VFIO_TYPE, VFIO_BASE + 10, struct vfio_irq_set)
 * One DATA type and one ACTION; data[] holds count bools or eventfds
 * (-1: none) for interrupts start .. start + count - 1.  For MSI,
 * DATA_EVENTFD | ACTION_TRIGGER enables vectors with eventfds and
 * DATA_NONE | ACTION_TRIGGER with count 0 disables them all.
 */
struct vfio_irq_set {
	__u32	argsz;
	__u32	flags;
#define VFIO_IRQ_SET_DATA_NONE		(1 << 0)
#define VFIO_IRQ_SET_DATA_BOOL		(1 << 1)
#define VFIO_IRQ_SET_DATA_EVENTFD	(1 << 2)
#define VFIO_IRQ_SET_ACTION_MASK	(1 << 3)
#define VFIO_IRQ_SET_ACTION_UNMASK	(1 << 4)
#define VFIO_IRQ_SET_ACTION_TRIGGER	(1 << 5)
	__u32	index;
	__u32	start;
	__u32	count;
	__u8	data[];
};
#define VFIO_DEVICE_SET_IRQS		_IO(VFIO_TYPE, VFIO_BASE + 10)

#define VFIO_IRQ_SET_DATA_TYPE_MASK	(VFIO_IRQ_SET_DATA_NONE | \
					 VFIO_IRQ_SET_DATA_BOOL | \
					 VFIO_IRQ_SET_DATA_EVENTFD)
#define VFIO_IRQ_SET_ACTION_TYPE_MASK	(VFIO_IRQ_SET_ACTION_MASK | \
					 VFIO_IRQ_SET_ACTION_UNMASK | \
					 VFIO_IRQ_SET_ACTION_TRIGGER)

/* vfio-pci's interrupt indexes. */
enum {
	VFIO_PCI_INTX_IRQ_INDEX,
	VFIO_PCI_MSI_IRQ_INDEX,
	VFIO_PCI_MSIX_IRQ_INDEX,
	VFIO_PCI_ERR_IRQ_INDEX,
	VFIO_PCI_REQ_IRQ_INDEX,
	VFIO_PCI_NUM_IRQS
};

/*
 * VFIO_DEVICE_BIND_IOMMUFD - _IOR(VFIO_TYPE, VFIO_BASE + 18, ...)
 * Binds the device file to an iommufd; out_devid names the device in
 * iommufd ioctls.  Unbound again when the device file is closed.
 */
struct vfio_device_bind_iommufd {
	__u32		argsz;
	__u32		flags;
#define VFIO_DEVICE_BIND_FLAG_TOKEN	(1 << 0)
	__s32		iommufd;
	__u32		out_devid;
	__aligned_u64	token_uuid_ptr;
};
#define VFIO_DEVICE_BIND_IOMMUFD	_IO(VFIO_TYPE, VFIO_BASE + 18)

/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT - _IOW(VFIO_TYPE, VFIO_BASE + 19, ...)
 * Attaches (or, when attached, replaces) the device's translation with an
 * IOAS or HWPT of the bound iommufd; pt_id returns the HWPT in use.
 */
struct vfio_device_attach_iommufd_pt {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_ATTACH_PASID	(1 << 0)
	__u32	pt_id;
	__u32	pasid;
};
#define VFIO_DEVICE_ATTACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 19)

/* VFIO_DEVICE_DETACH_IOMMUFD_PT - _IOW(VFIO_TYPE, VFIO_BASE + 20, ...) */
struct vfio_device_detach_iommufd_pt {
	__u32	argsz;
	__u32	flags;
#define VFIO_DEVICE_DETACH_PASID	(1 << 0)
	__u32	pasid;
};
#define VFIO_DEVICE_DETACH_IOMMUFD_PT	_IO(VFIO_TYPE, VFIO_BASE + 20)

/* The kernel's layouts: a client and the shim must agree byte for byte. */
#ifdef __cplusplus
#define __vfio_uapi_assert static_assert
#else
#define __vfio_uapi_assert _Static_assert
#endif
__vfio_uapi_assert(sizeof(struct vfio_device_info) == 24, "vfio_device_info");
__vfio_uapi_assert(sizeof(struct vfio_region_info) == 32, "vfio_region_info");
__vfio_uapi_assert(VFIO_DEVICE_GET_REGION_INFO == 0x3b6c, "GET_REGION_INFO number");
__vfio_uapi_assert(sizeof(struct vfio_device_bind_iommufd) == 24,
		   "vfio_device_bind_iommufd");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_device_bind_iommufd,
				      out_devid) == 12, "out_devid");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_device_bind_iommufd,
				      token_uuid_ptr) == 16, "token_uuid_ptr");
__vfio_uapi_assert(sizeof(struct vfio_device_attach_iommufd_pt) == 16,
		   "vfio_device_attach_iommufd_pt");
__vfio_uapi_assert(sizeof(struct vfio_device_detach_iommufd_pt) == 12,
		   "vfio_device_detach_iommufd_pt");
__vfio_uapi_assert(sizeof(struct vfio_irq_info) == 16, "vfio_irq_info");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_irq_info, count) == 12, "count");
__vfio_uapi_assert(sizeof(struct vfio_irq_set) == 20, "vfio_irq_set");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_irq_set, data) == 20, "data");
__vfio_uapi_assert(VFIO_DEVICE_GET_IRQ_INFO == 0x3b6d, "GET_IRQ_INFO number");
__vfio_uapi_assert(VFIO_DEVICE_SET_IRQS == 0x3b6e, "SET_IRQS number");
__vfio_uapi_assert(VFIO_PCI_NUM_IRQS == 5, "vfio-pci IRQ indexes");
__vfio_uapi_assert(VFIO_DEVICE_BIND_IOMMUFD == 0x3b76, "BIND_IOMMUFD number");
__vfio_uapi_assert(VFIO_DEVICE_ATTACH_IOMMUFD_PT == 0x3b77, "ATTACH number");
__vfio_uapi_assert(VFIO_DEVICE_DETACH_IOMMUFD_PT == 0x3b78, "DETACH number");
#undef __vfio_uapi_assert

#endif
