// SPDX-License-Identifier: MIT
/*
 * VFIO type1 on /dev/iommu (drivers/iommu/iommufd/vfio_compat.c, read at
 * torvalds/linux 6867849aac96, the 6.15+ shape): a program written for the
 * VFIO container API (VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA, ...) can issue
 * its container ioctls on an iommufd instead.  They act on one IOAS of the
 * context, the "compat IOAS", which IOMMU_VFIO_IOAS gets, sets and clears.
 *
 * Each handler checks in Linux's order and returns Linux's errno: -ENODEV
 * while there is no compat IOAS, -EINVAL for a short argsz or an unknown
 * flag.  What is not there answers -ENOTTY as Linux's -ENOIOCTLCMD does:
 * VFIO_IOMMU_DIRTY_PAGES (obsoleted by IOMMU_HWPT_GET_DIRTY_BITMAP) and
 * the unmap dirty-bitmap flag (-EINVAL, an unsupported flag).
 *
 * User pointers are memory of this process, as everywhere in iommufd
 * (iommufd.h); the shim checks that the argument struct can be read and
 * written before it gets here.
 */
#include <string.h>

#include "include/uapi/linux/vfio.h"
#include "kernel/iommufd/iommufd-priv.h"

#define offsetofend(t, f)	(offsetof(t, f) + sizeof(((t *)0)->f))

/* The compat IOAS, or -ENODEV. */
static struct iommufd_ioas *get_compat_ioas(struct iommufd_ctx *ictx)
{
	return ictx->vfio_ioas ? ictx->vfio_ioas : ERR_PTR(-ENODEV);
}

int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct iommufd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = get_compat_ioas(ucmd->ictx);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		cmd->ioas_id = ioas->obj.id;
		return iommufd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = iommufd_get_ioas(ucmd->ictx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		ucmd->ictx->vfio_ioas = ioas;
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		ucmd->ictx->vfio_ioas = NULL;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int vfio_map_dma(struct iommufd_ctx *ictx, void *arg)
{
	const u32 supported = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	const size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	int prot = IOMMU_CACHE;
	struct iommufd_ioas *ioas;
	unsigned long iova;

	memcpy(&map, arg, minsz);
	if (map.argsz < minsz || (map.flags & ~supported))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= IOMMU_READ;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= IOMMU_WRITE;
	ioas = get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/* Type1 always names the IOVA; nothing is written back. */
	iova = map.iova;
	return iopt_map_user_pages(ictx, &ioas->iopt, &iova,
				   (void *)(uintptr_t)map.vaddr, map.size, prot,
				   true);
}

static int vfio_unmap_dma(struct iommufd_ctx *ictx, void *arg)
{
	const size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	/* GET_DIRTY_BITMAP and VADDR are not offered, as in Linux. */
	const u32 supported = VFIO_DMA_UNMAP_FLAG_ALL;
	struct vfio_iommu_type1_dma_unmap unmap;
	unsigned long unmapped = 0;
	struct iommufd_ioas *ioas;
	int rc;

	memcpy(&unmap, arg, minsz);
	if (unmap.argsz < minsz || (unmap.flags & ~supported))
		return -EINVAL;
	ioas = get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (unmap.iova || unmap.size)
			return -EINVAL;
		rc = iopt_unmap_all(&ioas->iopt, &unmapped);
	} else {
		if (ioas->iopt.disable_large_pages) {
			/* TYPE1: cut the areas at both ends of the range. */
			const unsigned long iovas[] = {
				unmap.iova + unmap.size - 1, unmap.iova - 1,
			};

			rc = iopt_cut_iova(&ioas->iopt, iovas,
					   unmap.iova ? 2 : 1);
			if (rc)
				return rc;
		}
		rc = iopt_unmap_iova(&ioas->iopt, unmap.iova, unmap.size,
				     &unmapped);
	}
	/* size goes back even on failure: what was unmapped before it. */
	unmap.size = unmapped;
	memcpy(arg, &unmap, minsz);
	return rc;
}

/* VFIO_DMA_CC_IOMMU: 1 unless a HWPT of the IOAS cannot enforce coherency. */
static int vfio_cc_iommu(struct iommufd_ctx *ictx)
{
	struct iommufd_hwpt_paging *p;
	struct iommufd_ioas *ioas = get_compat_ioas(ictx);

	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	list_for_each_entry(p, &ioas->hwpt_list, hwpt_item)
		if (!p->enforce_cache_coherency)
			return 0;
	return 1;
}

static int vfio_check_extension(struct iommufd_ctx *ictx, unsigned long type)
{
	switch (type) {
	case VFIO_TYPE1_IOMMU:
	case VFIO_TYPE1v2_IOMMU:
	case VFIO_UNMAP_ALL:
		return 1;
	case VFIO_NOIOMMU_IOMMU:
		return 0;	/* a kernel without CONFIG_VFIO_NOIOMMU */
	case VFIO_DMA_CC_IOMMU:
		return vfio_cc_iommu(ictx);
	case __VFIO_RESERVED_TYPE1_NESTING_IOMMU:
	case VFIO_UPDATE_VADDR:	/* not offered: it cannot be made safe */
	default:
		return 0;
	}
}

static int vfio_set_iommu(struct iommufd_ctx *ictx, unsigned long type)
{
	struct iommufd_ioas *ioas;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	/* VFIO fails SET_IOMMU without a group: here, without an IOAS. */
	ioas = get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	/*
	 * TYPE1 (v1) may unmap any piece of a mapping: no large IOPTEs, so
	 * every piece can be unmapped on its own.
	 */
	if (type == VFIO_TYPE1_IOMMU)
		return iopt_disable_large_pages(&ioas->iopt);
	return 0;
}

/* vfio_update_pgsize_bitmap()'s rule over every domain of the IOAS. */
static unsigned long vfio_pagesizes(struct iommufd_ioas *ioas)
{
	unsigned long bitmap = ULONG_MAX;
	struct iopt_domain *d;

	list_for_each_entry(d, &ioas->iopt.domains, node)
		bitmap &= d->domain->pgsize_bitmap;
	if (bitmap & (PAGE_SIZE - 1)) {
		bitmap &= ~(PAGE_SIZE - 1);
		bitmap |= PAGE_SIZE;
	}
	return max(bitmap, iopt_iova_alignment(&ioas->iopt));
}

typedef int (*fill_cap_fn)(struct iommufd_ioas *ioas, void *cur, size_t avail);

/* The IOVA ranges the IOAS can map: the holes between reserved ranges. */
static int fill_cap_iova(struct iommufd_ioas *ioas, void *cur, size_t avail)
{
	struct vfio_iommu_type1_info_cap_iova_range cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			    .version = 1 },
	};
	struct vfio_iommu_type1_info_cap_iova_range *ucap = cur;
	struct iommu_iova_range *ranges;
	unsigned int n;

	n = iopt_for_each_allowed(&ioas->iopt, NULL, 0);
	ranges = kzalloc(ioas->iopt.k, n * sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	iopt_for_each_allowed(&ioas->iopt, ranges, n);
	for (cap.nr_iovas = 0; cap.nr_iovas < n; cap.nr_iovas++) {
		struct vfio_iova_range r = {
			.start = ranges[cap.nr_iovas].start,
			.end = ranges[cap.nr_iovas].last,
		};

		/* Each range that fits is written; the header if all fit. */
		if (avail >= sizeof(cap) + (cap.nr_iovas + 1) * sizeof(r))
			memcpy(&ucap->iova_ranges[cap.nr_iovas], &r, sizeof(r));
	}
	kfree(ranges);
	if (avail >= sizeof(cap) + n * sizeof(struct vfio_iova_range))
		memcpy(ucap, &cap, sizeof(cap));
	return sizeof(cap) + n * sizeof(struct vfio_iova_range);
}

static int fill_cap_dma_avail(struct iommufd_ioas *ioas, void *cur,
			      size_t avail)
{
	/* Linux reports U32_MAX too: its limit is the memory cgroup's. */
	struct vfio_iommu_type1_info_dma_avail cap = {
		.header = { .id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1 },
		.avail = UINT32_MAX,
	};

	(void)ioas;
	if (avail >= sizeof(cap))
		memcpy(cur, &cap, sizeof(cap));
	return sizeof(cap);
}

/*
 * The info struct, then the capabilities in Linux's order (DMA_AVAIL,
 * IOVA_RANGE), each 8-byte aligned and linked by next.  With too small an
 * argsz the caps that fit are written, cap_offset stays 0 and argsz says
 * how much is needed.
 */
static int vfio_iommu_get_info(struct iommufd_ctx *ictx, void *arg)
{
	static const fill_cap_fn fill_fns[] = { fill_cap_dma_avail, fill_cap_iova };
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_info_cap_header *last_cap = NULL;
	struct vfio_iommu_type1_info info = {};
	struct iommufd_ioas *ioas;
	size_t total;

	memcpy(&info, arg, minsz);
	if (info.argsz < minsz)
		return -EINVAL;
	minsz = min_t(size_t, info.argsz, sizeof(info));
	ioas = get_compat_ioas(ictx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	info.flags = VFIO_IOMMU_INFO_PGSIZES;
	info.iova_pgsizes = vfio_pagesizes(ioas);
	info.cap_offset = 0;
	total = sizeof(info);
	for (size_t i = 0; i < ARRAY_SIZE(fill_fns); i++) {
		int size = info.argsz > total ?
			   fill_fns[i](ioas, (u8 *)arg + total, info.argsz - total) :
			   fill_fns[i](ioas, NULL, 0);
		u32 next = (u32)total;

		if (size < 0)
			return size;
		size = ALIGN(size, sizeof(u64));
		if (last_cap && info.argsz >= total)
			memcpy(&last_cap->next, &next, sizeof(next));
		last_cap = (struct vfio_info_cap_header *)((u8 *)arg + total);
		total += size;
	}
	if (info.argsz >= total)
		info.cap_offset = sizeof(info);
	info.argsz = total;
	info.flags |= VFIO_IOMMU_INFO_CAPS;
	memcpy(arg, &info, minsz);
	return 0;
}

/*
 * The container ioctls, reached from iommufd_ioctl for every number
 * outside iommufd's own table, as iommufd_fops_ioctl does.
 */
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg)
{
	void *uarg = (void *)arg;
	long ret;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_SET_IOMMU:
	case VFIO_CHECK_EXTENSION:
		break;
	case VFIO_IOMMU_GET_INFO:
	case VFIO_IOMMU_MAP_DMA:
	case VFIO_IOMMU_UNMAP_DMA:
		if (!uarg)
			return -EFAULT;	/* the one bad pointer we can see */
		break;
	case VFIO_IOMMU_DIRTY_PAGES:
	default:
		return -ENOTTY;	/* -ENOIOCTLCMD */
	}
	mutex_lock(&ictx->lock);
	if (cmd == VFIO_SET_IOMMU)
		ret = vfio_set_iommu(ictx, arg);
	else if (cmd == VFIO_CHECK_EXTENSION)
		ret = vfio_check_extension(ictx, arg);
	else if (cmd == VFIO_IOMMU_GET_INFO)
		ret = vfio_iommu_get_info(ictx, uarg);
	else if (cmd == VFIO_IOMMU_MAP_DMA)
		ret = vfio_map_dma(ictx, uarg);
	else
		ret = vfio_unmap_dma(ictx, uarg);
	mutex_unlock(&ictx->lock);
	return ret;
}
