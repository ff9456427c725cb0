// SPDX-License-Identifier: MIT
/*
 * The user pointers inside iommufd's ioctl structs.
 *
 * The kernel reaches a program's arrays and blobs (a vSTE, an
 * invalidation array, the hw_info buffer, IOVA ranges) with copy_from_user
 * and copy_to_user, and a pointer the program cannot access is EFAULT.
 * In-process, kernel/iommufd reads and writes them directly, so a bad
 * pointer would fault the program inside the shim.  Before handing such a
 * command to iommufd, the shim checks every page iommufd will touch: one
 * byte of each is read (and, for buffers iommufd writes, written back)
 * through the same uaccess path as the ioctl argument (process_vm_readv
 * or the pipe, preload.c), so an inaccessible page is EFAULT instead.
 *
 * The check runs before iommufd's own, so a command with both a bad
 * pointer and another mistake answers EFAULT where the kernel might name
 * the other mistake first.  A page unmapped by another thread between the
 * check and the copy still faults, as it would be a race in the program.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "include/uapi/linux/vfio.h"
#include "kernel/iommufd/iommufd.h"
#include "preload/iommufd-glue.h"
#include "preload/preload.h"

#define PG	4096UL

static int probe_byte(uint64_t a, bool write)
{
	unsigned char b;

	if (shim_copy_from_user(&b, (void *)(uintptr_t)a, 1) ||
	    (write && shim_copy_to_user((void *)(uintptr_t)a, &b, 1)))
		return -EFAULT;
	return 0;
}

/*
 * Every page of [p, p + len) readable, and writable when write: access
 * is page-granular, so one byte per page tells.  A huge range stops at
 * its first hole.
 */
static int probe_range(uint64_t p, uint64_t len, bool write)
{
	uint64_t last = p + len - 1;

	if (!len)
		return 0;
	if (last < p)
		return -EFAULT;
	for (uint64_t a = p;; a = (a & ~(PG - 1)) + PG) {
		if (probe_byte(a, write))
			return -EFAULT;
		if ((a & ~(PG - 1)) == (last & ~(PG - 1)))
			return 0;
	}
}

/* How many ranges IOVA_RANGES will write: a query with room for none. */
static uint64_t iova_ranges_extent(struct iommufd_ctx *ictx,
				   const struct iommu_ioas_iova_ranges *cmd)
{
	struct iommu_ioas_iova_ranges q = *cmd;

	q.size = sizeof(q);
	q.num_iovas = 0;
	q.allowed_iovas = 0;
	if (iommufd_ioctl(ictx, IOMMU_IOAS_IOVA_RANGES, (unsigned long)&q) &&
	    !q.num_iovas)
		return 0;	/* fails before writing anything */
	return (uint64_t)(q.num_iovas < cmd->num_iovas ? q.num_iovas :
			  cmd->num_iovas) * sizeof(struct iommu_iova_range);
}

int preload_iommufd_check_uptrs(struct iommufd_ctx *ictx, unsigned int cmd,
				unsigned long arg, uint32_t size)
{
	union {
		struct iommu_hwpt_alloc hwpt;
		struct iommu_hwpt_invalidate inv;
		struct iommu_hw_info info;
		struct iommu_ioas_iova_ranges ranges;
		struct iommu_ioas_allow_iovas allow;
	} u;
	size_t need;

	switch (cmd) {
	case IOMMU_HWPT_ALLOC:
		need = offsetof(struct iommu_hwpt_alloc, fault_id);
		break;
	case IOMMU_HWPT_INVALIDATE:
		need = offsetof(struct iommu_hwpt_invalidate, __reserved);
		break;
	case IOMMU_GET_HW_INFO:
		need = offsetof(struct iommu_hw_info, in_data_type);
		break;
	case IOMMU_IOAS_IOVA_RANGES:
	case IOMMU_IOAS_ALLOW_IOVAS:
		need = offsetof(struct iommu_ioas_allow_iovas, allowed_iovas) +
		       sizeof(__u64);
		break;
	default:
		return 0;
	}
	/* Too short for its pointer: iommufd refuses it by size. */
	if (size < need)
		return 0;
	memset(&u, 0, sizeof(u));
	if (shim_copy_from_user(&u, (void *)arg, need))
		return -EFAULT;
	switch (cmd) {
	case IOMMU_HWPT_ALLOC:
		return u.hwpt.data_uptr ? probe_range(u.hwpt.data_uptr,
						      u.hwpt.data_len, false) : 0;
	case IOMMU_HWPT_INVALIDATE:
		return u.inv.data_uptr ? probe_range(u.inv.data_uptr,
				(uint64_t)u.inv.entry_len * u.inv.entry_num, false) : 0;
	case IOMMU_GET_HW_INFO:
		return u.info.data_uptr ? probe_range(u.info.data_uptr,
						      u.info.data_len, true) : 0;
	case IOMMU_IOAS_ALLOW_IOVAS:
		return u.allow.allowed_iovas ? probe_range(u.allow.allowed_iovas,
				(uint64_t)u.allow.num_iovas *
				sizeof(struct iommu_iova_range), false) : 0;
	default:	/* IOMMU_IOAS_IOVA_RANGES */
		return u.ranges.allowed_iovas && u.ranges.num_iovas ?
		       probe_range(u.ranges.allowed_iovas,
				   iova_ranges_extent(ictx, &u.ranges), true) : 0;
	}
}

/*
 * The VFIO type1 ioctls iommufd serves (vfio_compat.c) take a struct the
 * kernel reads with copy_from_user and writes back with copy_to_user:
 * GET_INFO as far as argsz and the capability chain reach (found by a
 * query that writes nothing of the caller's), UNMAP_DMA its size field,
 * MAP_DMA nothing.  Integer-argument ones (SET_IOMMU, CHECK_EXTENSION)
 * have nothing to check.
 */
int preload_iommufd_check_vfio(struct iommufd_ctx *ictx, unsigned int cmd,
			       unsigned long arg)
{
	struct vfio_iommu_type1_info q = { .argsz = 16 };
	__u32 argsz;

	switch (cmd) {
	case VFIO_IOMMU_MAP_DMA:
		return probe_range(arg, sizeof(struct vfio_iommu_type1_dma_map),
				   false);
	case VFIO_IOMMU_UNMAP_DMA:
		return probe_range(arg, sizeof(struct vfio_iommu_type1_dma_unmap),
				   true);
	case VFIO_IOMMU_GET_INFO:
		if (probe_range(arg, 16, false))
			return -EFAULT;
		if (shim_copy_from_user(&argsz, (void *)arg, sizeof(argsz)))
			return -EFAULT;
		if (argsz < 16 || iommufd_ioctl(ictx, cmd, (unsigned long)&q))
			return 0;	/* fails before writing anything */
		return probe_range(arg, argsz < q.argsz ? argsz : q.argsz, true);
	default:
		return 0;
	}
}

/* iommufd's stand-in for pin_user_pages (iommufd_ctx_set_uaccess). */
int preload_iommufd_uaccess(void *uptr, size_t len, bool write)
{
	return probe_range((uintptr_t)uptr, len, write);
}
