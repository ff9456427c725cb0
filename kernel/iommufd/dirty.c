// SPDX-License-Identifier: MIT
/*
 * Dirty tracking of a paging HWPT (Linux's io_pagetable.c
 * iopt_set_dirty_tracking / iopt_read_and_clear_dirty_data and
 * hw_pagetable.c's two ioctls, read at torvalds/linux fba27fe5aaf1 and
 * 11534b4de2a1): IOMMU_HWPT_SET_DIRTY_TRACKING turns the domain's
 * tracking on or off (on starts from a clean snapshot: every mapped IOVA
 * is read and cleared first, and the IOTLB flushed), and
 * IOMMU_HWPT_GET_DIRTY_BITMAP reports, into the caller's bitmap, the IOVA
 * pages the device wrote since the last report, clearing them (and
 * flushing the IOTLB, so the next write is seen) unless NO_CLEAR.
 *
 * The driver does the reading (iommu_dirty_ops->read_and_clear_dirty, one
 * call per mapped, IOVA-contiguous stretch of each window of the bitmap);
 * iova_bitmap.c does the writing.
 */
#include "kernel/iommufd/iommufd-priv.h"

struct dirty_walk {
	struct io_pagetable *iopt;
	struct iommu_domain *domain;
	struct iommu_dirty_bitmap *dirty;
	unsigned long flags;
};

/*
 * One window of the bitmap: the driver reads each mapped stretch of it;
 * a hole (no area) ends the walk with -EINVAL (iopt_area_contig_done).
 */
static int read_and_clear_window(struct iova_bitmap *bitmap, unsigned long iova,
				 size_t length, void *opaque)
{
	const struct dirty_walk *w = opaque;
	const struct iommu_dirty_ops *ops = w->domain->dirty_ops;
	unsigned long last = iova + length - 1, cur = iova;

	(void)bitmap;
	for (;;) {
		struct iopt_area *area = iopt_find_area(w->iopt, cur);
		unsigned long end;
		int ret;

		if (!area)
			return -EINVAL;
		end = min(last, area->last);
		ret = ops->read_and_clear_dirty(w->domain, cur, end - cur + 1,
						w->flags, w->dirty);
		if (ret || end == last)
			return ret;
		cur = end + 1;
	}
}

/*
 * As Linux's iommufd_check_iova_range: the range must fit unsigned long,
 * be aligned to the IOAS's IOVA granule and to page_size (a power of two
 * is not required; a zero page_size is -EINVAL).
 */
static int check_iova_range(struct io_pagetable *iopt,
			    const struct iommu_hwpt_get_dirty_bitmap *bitmap)
{
	unsigned long pgsize = iopt_iova_alignment(iopt);
	u64 last;

	if (__builtin_add_overflow(bitmap->iova, bitmap->length - 1, &last))
		return -EOVERFLOW;
	if (bitmap->iova > ULONG_MAX || last > ULONG_MAX)
		return -EOVERFLOW;
	if ((bitmap->iova & (pgsize - 1)) || ((last + 1) & (pgsize - 1)))
		return -EINVAL;
	if (!bitmap->page_size)
		return -EINVAL;
	if ((bitmap->iova & (bitmap->page_size - 1)) ||
	    ((last + 1) & (bitmap->page_size - 1)))
		return -EINVAL;
	return 0;
}

int iopt_read_and_clear_dirty_data(struct iommufd_ctx *ictx,
				   struct io_pagetable *iopt,
				   struct iommu_domain *domain,
				   unsigned long flags,
				   const struct iommu_hwpt_get_dirty_bitmap *cmd)
{
	const struct iommu_dirty_ops *ops = domain->dirty_ops;
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty;
	struct iova_bitmap *iter;
	struct dirty_walk w;
	int ret;

	ret = check_iova_range(iopt, cmd);
	if (ret)
		return ret;
	if (!ops || !ops->read_and_clear_dirty)
		return -EOPNOTSUPP;
	iter = iova_bitmap_alloc(ictx, cmd->iova, cmd->length, cmd->page_size,
				 (void *)(uintptr_t)cmd->data);
	if (IS_ERR(iter))
		return -ENOMEM;
	iommu_dirty_bitmap_init(&dirty, iter, &gather);
	w = (struct dirty_walk){ .iopt = iopt, .domain = domain,
				 .dirty = &dirty, .flags = flags };
	/*
	 * Linux ignores what the walk returns (a hole, a window it cannot
	 * pin): the ioctl succeeds with what was reported before it.
	 */
	iova_bitmap_for_each(iter, &w, read_and_clear_window);
	if (!(flags & IOMMU_DIRTY_NO_CLEAR))
		iommu_iotlb_sync(domain, &gather);
	iova_bitmap_free(iter);
	return 0;
}

/* Every area read and cleared, then one flush: a clean start. */
static int iopt_clear_dirty_data(struct io_pagetable *iopt,
				 struct iommu_domain *domain)
{
	const struct iommu_dirty_ops *ops = domain->dirty_ops;
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty;
	struct iopt_area *area;
	int ret = 0;

	iommu_dirty_bitmap_init(&dirty, NULL, &gather);
	list_for_each_entry(area, &iopt->areas, node) {
		ret = ops->read_and_clear_dirty(domain, area->iova,
						area->last - area->iova + 1, 0,
						&dirty);
		if (ret)
			break;
	}
	iommu_iotlb_sync(domain, &gather);
	return ret;
}

int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable)
{
	const struct iommu_dirty_ops *ops = domain->dirty_ops;
	int ret;

	if (!ops)
		return -EOPNOTSUPP;
	if (enable) {
		ret = iopt_clear_dirty_data(iopt, domain);
		if (ret)
			return ret;
	}
	return ops->set_dirty_tracking(domain, enable);
}

static struct iommufd_hwpt_paging *get_hwpt_paging(struct iommufd_ctx *ictx,
						   u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id,
							IOMMUFD_OBJ_HWPT_PAGING);

	return IS_ERR(obj) ? (void *)obj :
	       to_hwpt_paging(container_of(obj, struct iommufd_hw_pagetable, obj));
}

int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *p;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE)
		return -EOPNOTSUPP;
	p = get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(p))
		return PTR_ERR(p);
	return iopt_set_dirty_tracking(&p->ioas->iopt, p->common.domain,
				       cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE);
}

int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	struct iommufd_hwpt_paging *p;

	if ((cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR) ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	p = get_hwpt_paging(ucmd->ictx, cmd->hwpt_id);
	if (IS_ERR(p))
		return PTR_ERR(p);
	return iopt_read_and_clear_dirty_data(ucmd->ictx, &p->ioas->iopt,
					      p->common.domain, cmd->flags, cmd);
}
