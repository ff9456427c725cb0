// SPDX-License-Identifier: MIT
/*
 * The user pointers inside iommufd's ioctl structs.
 *
 * The kernel reads a program's arrays and blobs (a vSTE, an invalidation
 * array, allowed IOVA ranges) with copy_from_user, and a pointer the
 * program cannot read is EFAULT.  In-process, kernel/iommufd and the
 * drivers read them directly, so a bad pointer would fault the program
 * inside the shim.  Before handing such a command to iommufd, the shim
 * checks every page iommufd will read: one byte of each, through the same
 * uaccess path as the ioctl argument (process_vm_readv or the pipe,
 * preload.c), so an unreadable page is EFAULT instead.  (What iommufd
 * writes - the struct, IOVA_RANGES' array, GET_HW_INFO's data - goes
 * through the copy_to_user hook the context was given, in Linux's order.)
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

/*
 * Every page of [p, p + len) readable: access is page-granular, so one
 * byte per page tells, hundreds of pages per system call.  A huge range
 * stops at its first hole.  write: also writable, a byte of each page
 * read and written back (what iommufd will write directly: the VFIO
 * structs, the dirty bitmap's windows).
 */
static int probe_range(uint64_t p, uint64_t len, bool write)
{
	uint64_t last = p + len - 1;
	unsigned char b;

	if (!len)
		return 0;
	if (last < p || last > UINTPTR_MAX)
		return -EFAULT;
	if (!write)
		return shim_check_pages((uintptr_t)(p & ~(PG - 1)),
					((last & ~(PG - 1)) - (p & ~(PG - 1))) / PG + 1);
	for (uint64_t a = p;; a = (a & ~(PG - 1)) + PG) {
		if (shim_copy_from_user(&b, (void *)(uintptr_t)a, 1) ||
		    shim_copy_to_user((void *)(uintptr_t)a, &b, 1))
			return -EFAULT;
		if ((a & ~(PG - 1)) == (last & ~(PG - 1)))
			return 0;
	}
}

int preload_iommufd_check_uptrs(unsigned int cmd, unsigned long arg,
				uint32_t size)
{
	union {
		struct iommu_hwpt_alloc hwpt;
		struct iommu_hwpt_invalidate inv;
		struct iommu_ioas_allow_iovas allow;
		struct iommu_viommu_alloc viommu;
	} u;
	size_t need;

	switch (cmd) {
	case IOMMU_HWPT_ALLOC:
		need = offsetof(struct iommu_hwpt_alloc, fault_id);
		break;
	case IOMMU_HWPT_INVALIDATE:
		need = offsetof(struct iommu_hwpt_invalidate, __reserved);
		break;
	case IOMMU_IOAS_ALLOW_IOVAS:
		need = offsetof(struct iommu_ioas_allow_iovas, allowed_iovas) +
		       sizeof(__u64);
		break;
	case IOMMU_VIOMMU_ALLOC:
		need = offsetof(struct iommu_viommu_alloc, data_uptr) + sizeof(__u64);
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
	case IOMMU_VIOMMU_ALLOC:	/* the driver's blob; its answer goes back
					 * through the copy_to_user hook */
		return u.viommu.data_uptr ? probe_range(u.viommu.data_uptr,
							u.viommu.data_len, false) : 0;
	default:	/* IOMMU_IOAS_ALLOW_IOVAS */
		return u.allow.allowed_iovas ? probe_range(u.allow.allowed_iovas,
				(uint64_t)u.allow.num_iovas *
				sizeof(struct iommu_iova_range), false) : 0;
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
