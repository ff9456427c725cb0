/* SPDX-License-Identifier: MIT */
/*
 * The part of the kernel's VFIO uAPI (include/uapi/linux/vfio.h) that a
 * client of the iommufd LD_PRELOAD shim needs to obtain a device: the VFIO
 * device cdev ioctls (/dev/vfio/devices/vfioX, Linux 6.6+), the device,
 * region and interrupt info queries and VFIO_DEVICE_SET_IRQS.  Debian's linux-libc-dev 6.1 predates the cdev interface, so a
 * client built against it would lack these; the numbers and layouts here are
 * the kernel's, checked by the static asserts at the bottom.
 *
 * Of the container API only the type1 IOMMU ioctls are here, as iommufd
 * serves them on a /dev/iommu file (Linux's iommufd/vfio_compat.c): the
 * extensions, VFIO_SET_IOMMU, VFIO_IOMMU_GET_INFO with its capability
 * chain, MAP_DMA and UNMAP_DMA.  No group (/dev/vfio/N) ioctls.
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

/* ------------------------------------------------ container, type1 IOMMU */

/* Extensions (VFIO_CHECK_EXTENSION) and IOMMU types (VFIO_SET_IOMMU). */
#define VFIO_TYPE1_IOMMU		1
#define VFIO_SPAPR_TCE_IOMMU		2
#define VFIO_TYPE1v2_IOMMU		3
#define VFIO_DMA_CC_IOMMU		4
#define VFIO_EEH			5
#define __VFIO_RESERVED_TYPE1_NESTING_IOMMU	6	/* was TYPE1_NESTING */
#define VFIO_SPAPR_TCE_v2_IOMMU		7
#define VFIO_NOIOMMU_IOMMU		8
#define VFIO_UNMAP_ALL			9	/* VFIO_DMA_UNMAP_FLAG_ALL */
#define VFIO_UPDATE_VADDR		10	/* the _VADDR flags */

/* VFIO_GET_API_VERSION - _IO(VFIO_TYPE, VFIO_BASE + 0): VFIO_API_VERSION. */
#define VFIO_GET_API_VERSION		_IO(VFIO_TYPE, VFIO_BASE + 0)
/* VFIO_CHECK_EXTENSION - _IOW(VFIO_TYPE, VFIO_BASE + 1, __u32): 0 or 1. */
#define VFIO_CHECK_EXTENSION		_IO(VFIO_TYPE, VFIO_BASE + 1)
/* VFIO_SET_IOMMU - _IOW(VFIO_TYPE, VFIO_BASE + 2, __s32): an IOMMU type. */
#define VFIO_SET_IOMMU			_IO(VFIO_TYPE, VFIO_BASE + 2)

/* The header every capability of an info chain starts with. */
struct vfio_info_cap_header {
	__u16	id;
	__u16	version;
	__u32	next;		/* offset of the next one from the struct's start; 0: last */
};

/*
 * VFIO_IOMMU_GET_INFO - _IOR(VFIO_TYPE, VFIO_BASE + 12, ...)
 * The caller sets argsz; when it is too small for every capability, argsz
 * comes back as the size needed and cap_offset stays 0.
 */
struct vfio_iommu_type1_info {
	__u32	argsz;
	__u32	flags;
#define VFIO_IOMMU_INFO_PGSIZES	(1 << 0)
#define VFIO_IOMMU_INFO_CAPS	(1 << 1)
	__aligned_u64	iova_pgsizes;
	__u32	cap_offset;
	__u32	pad;
};
#define VFIO_IOMMU_GET_INFO		_IO(VFIO_TYPE, VFIO_BASE + 12)

#define VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE	1
struct vfio_iova_range {
	__u64	start;
	__u64	end;		/* inclusive */
};
struct vfio_iommu_type1_info_cap_iova_range {
	struct vfio_info_cap_header header;
	__u32	nr_iovas;
	__u32	reserved;
	struct vfio_iova_range iova_ranges[];
};

#define VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION	2
struct vfio_iommu_type1_info_cap_migration {
	struct vfio_info_cap_header header;
	__u32	flags;
	__u64	pgsize_bitmap;
	__u64	max_dirty_bitmap_size;
};

#define VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL		3
struct vfio_iommu_type1_info_dma_avail {
	struct vfio_info_cap_header header;
	__u32	avail;
};

/* VFIO_IOMMU_MAP_DMA - _IOW(VFIO_TYPE, VFIO_BASE + 13, ...) */
struct vfio_iommu_type1_dma_map {
	__u32	argsz;
	__u32	flags;
#define VFIO_DMA_MAP_FLAG_READ	(1 << 0)
#define VFIO_DMA_MAP_FLAG_WRITE	(1 << 1)
#define VFIO_DMA_MAP_FLAG_VADDR	(1 << 2)
	__u64	vaddr;
	__u64	iova;
	__u64	size;
};
#define VFIO_IOMMU_MAP_DMA		_IO(VFIO_TYPE, VFIO_BASE + 13)

struct vfio_bitmap {
	__u64	pgsize;
	__u64	size;		/* bytes */
	__u64	*data;
};

/* VFIO_IOMMU_UNMAP_DMA - _IOWR(VFIO_TYPE, VFIO_BASE + 14, ...): size out. */
struct vfio_iommu_type1_dma_unmap {
	__u32	argsz;
	__u32	flags;
#define VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP	(1 << 0)
#define VFIO_DMA_UNMAP_FLAG_ALL			(1 << 1)
#define VFIO_DMA_UNMAP_FLAG_VADDR		(1 << 2)
	__u64	iova;
	__u64	size;
	__u8	data[];
};
#define VFIO_IOMMU_UNMAP_DMA		_IO(VFIO_TYPE, VFIO_BASE + 14)

#define VFIO_IOMMU_ENABLE		_IO(VFIO_TYPE, VFIO_BASE + 15)
#define VFIO_IOMMU_DISABLE		_IO(VFIO_TYPE, VFIO_BASE + 16)

/* VFIO_IOMMU_DIRTY_PAGES - _IOWR(VFIO_TYPE, VFIO_BASE + 17, ...) */
struct vfio_iommu_type1_dirty_bitmap {
	__u32	argsz;
	__u32	flags;
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_START	(1 << 0)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_STOP	(1 << 1)
#define VFIO_IOMMU_DIRTY_PAGES_FLAG_GET_BITMAP	(1 << 2)
	__u8	data[];
};
struct vfio_iommu_type1_dirty_bitmap_get {
	__u64	iova;
	__u64	size;
	struct vfio_bitmap bitmap;
};
#define VFIO_IOMMU_DIRTY_PAGES		_IO(VFIO_TYPE, VFIO_BASE + 17)

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
__vfio_uapi_assert(VFIO_GET_API_VERSION == 0x3b64, "GET_API_VERSION number");
__vfio_uapi_assert(VFIO_CHECK_EXTENSION == 0x3b65, "CHECK_EXTENSION number");
__vfio_uapi_assert(VFIO_SET_IOMMU == 0x3b66, "SET_IOMMU number");
__vfio_uapi_assert(VFIO_IOMMU_GET_INFO == 0x3b70, "IOMMU_GET_INFO number");
__vfio_uapi_assert(VFIO_IOMMU_MAP_DMA == 0x3b71, "IOMMU_MAP_DMA number");
__vfio_uapi_assert(VFIO_IOMMU_UNMAP_DMA == 0x3b72, "IOMMU_UNMAP_DMA number");
__vfio_uapi_assert(VFIO_IOMMU_DIRTY_PAGES == 0x3b75, "IOMMU_DIRTY_PAGES number");
__vfio_uapi_assert(sizeof(struct vfio_info_cap_header) == 8, "cap header");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_info_cap_header, next) == 4, "next");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_info) == 24, "type1_info");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_info,
				      iova_pgsizes) == 8, "iova_pgsizes");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_info,
				      cap_offset) == 16, "cap_offset");
__vfio_uapi_assert(sizeof(struct vfio_iova_range) == 16, "vfio_iova_range");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_info_cap_iova_range) == 16,
		   "cap_iova_range");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_info_cap_iova_range,
				      iova_ranges) == 16, "iova_ranges");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_info_cap_migration) == 32,
		   "cap_migration");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_info_dma_avail) == 12,
		   "dma_avail");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_info_dma_avail,
				      avail) == 8, "avail");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_dma_map) == 32, "dma_map");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_dma_map, vaddr) == 8,
		   "dma_map.vaddr");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_dma_map, size) == 24,
		   "dma_map.size");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_dma_unmap) == 24, "dma_unmap");
__vfio_uapi_assert(__builtin_offsetof(struct vfio_iommu_type1_dma_unmap, data) == 24,
		   "dma_unmap.data");
__vfio_uapi_assert(sizeof(struct vfio_bitmap) == 24, "vfio_bitmap");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_dirty_bitmap) == 8, "dirty_bitmap");
__vfio_uapi_assert(sizeof(struct vfio_iommu_type1_dirty_bitmap_get) == 40,
		   "dirty_bitmap_get");
#undef __vfio_uapi_assert

#endif
