// SPDX-License-Identifier: MIT
/*
 * HW queues (IOMMU_HW_QUEUE_ALLOC, mainline since 6.17): a vIOMMU's queue
 * that the hardware reads straight from guest memory - for instance a
 * command queue the guest fills - given as an IOVA of the nesting parent.
 * iommufd pins the queue's pages through an internal access, checks they
 * are physically contiguous, and locks their IOAS areas so IOAS_UNMAP
 * answers -EBUSY while the queue exists; the driver gets the physical
 * address.  A driver may make one queue depend on another (the selftest
 * mock: queue i needs queue i - 1), which keeps the other busy.
 *
 * Read at torvalds/linux 20896914da8a, drivers/iommu/iommufd/viommu.c
 * (iommufd_hw_queue_alloc_ioctl, iommufd_hw_queue_alloc_phys,
 * iommufd_hw_queue_destroy) and driver.c (_iommufd_object_depend): the
 * checks in that order.  Mainline sizes the object by the driver's
 * get_hw_queue_size and tears a half-made one down through the object's
 * abort; here the same struct is kzalloc'd and unwound by hand.
 */
#include "kernel/iommufd/iommufd-priv.h"

/*
 * An internal access's pin of [iova, iova + length) (mainline
 * iommufd_hw_queue_alloc_phys): mapped all through (-ENOENT), physically
 * contiguous (-EFAULT); the areas stay pinned and locked, so IOAS_UNMAP
 * answers -EBUSY, until iopt_unlock_range.  *pa: the PA of iova.
 */
static void iopt_unlock_range(struct io_pagetable *iopt, unsigned long iova,
		       unsigned long length)
{
	unsigned long last = iova + length - 1, cur;
	struct iopt_area *a;

	for (cur = iova; cur <= last && (a = iopt_find_area(iopt, cur));
	     cur = a->last + 1) {
		a->num_locks--;
		iopt_area_unpin(iopt, a);
		if (a->last >= last)
			break;
	}
}

static int iopt_lock_range(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, phys_addr_t *pa)
{
	phys_addr_t here, want = 0;
	unsigned long last, cur;
	struct iopt_area *a;
	int rc = iopt_check_contig(iopt, iova, length);

	if (rc)
		return rc;
	last = iova + length - 1;
	for (cur = iova; ; cur = a->last + 1) {
		a = iopt_find_area(iopt, cur);
		rc = iopt_area_pin(iopt, a);
		if (rc)
			goto err_unlock;
		here = a->pa + (cur - a->iova);
		if (cur != iova && here != want) {
			iopt_area_unpin(iopt, a);
			rc = -EFAULT;
			goto err_unlock;
		}
		a->num_locks++;
		if (cur == iova)
			*pa = here;
		if (a->last >= last)
			return 0;
		want = here + (a->last + 1 - cur);
	}
err_unlock:
	if (cur != iova)
		iopt_unlock_range(iopt, iova, cur - iova);
	return rc;
}

int iommufd_hw_queue_depend(struct iommufd_hw_queue *dependent,
			    struct iommufd_hw_queue *depended)
{
	if (dependent->viommu->ictx != depended->viommu->ictx)
		return -EINVAL;
	depended->obj.users++;
	return 0;
}

void iommufd_hw_queue_undepend(struct iommufd_hw_queue *dependent,
			       struct iommufd_hw_queue *depended)
{
	(void)dependent;
	depended->obj.users--;
}

/* What the core holds for a queue: its pages, its vIOMMU. */
static void hw_queue_release(struct iommufd_hw_queue *q)
{
	if (q->locked_len)
		iopt_unlock_range(&q->viommu->hwpt->ioas->iopt, q->locked_iova,
				  q->locked_len);
	q->viommu->obj.users--;
}

void iommufd_hw_queue_destroy(struct iommufd_object *obj)
{
	struct iommufd_hw_queue *q = container_of(obj, struct iommufd_hw_queue, obj);

	if (q->destroy)
		q->destroy(q);
	hw_queue_release(q);
	kfree(q);
}

int iommufd_hw_queue_alloc_ioctl(struct iommufd_ucmd *ucmd)
{
	struct iommu_hw_queue_alloc *cmd = ucmd->cmd;
	struct iommufd_ctx *ictx = ucmd->ictx;
	unsigned long offset, aligned, len;
	struct iommufd_viommu *viommu;
	struct iommufd_object *obj;
	struct iommufd_hw_queue *q;
	phys_addr_t base_pa = 0;
	size_t size;
	u64 last;
	int rc;

	if (cmd->flags || cmd->type == IOMMU_HW_QUEUE_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->length)
		return -EINVAL;
	if (__builtin_add_overflow(cmd->nesting_parent_iova, cmd->length - 1, &last))
		return -EOVERFLOW;
	obj = iommufd_get_object(ictx, cmd->viommu_id, IOMMUFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct iommufd_viommu, obj);
	if (!viommu->ops || !viommu->ops->get_hw_queue_size ||
	    !viommu->ops->hw_queue_init_phys)
		return -EOPNOTSUPP;
	size = viommu->ops->get_hw_queue_size(viommu, cmd->type);
	if (!size)
		return -EOPNOTSUPP;
	if (KWARN_ON(ictx->k, size < sizeof(*q)))
		return -EOPNOTSUPP;
	q = kzalloc(ictx->k, size);
	if (!q)
		return -ENOMEM;
	/* Whole pages from the page of the queue's first byte (-ERANGE). */
	aligned = cmd->nesting_parent_iova & ~(PAGE_SIZE - 1);
	offset = cmd->nesting_parent_iova - aligned;
	if (__builtin_add_overflow(offset, cmd->length, &len) ||
	    __builtin_add_overflow(len, PAGE_SIZE - 1, &len)) {
		rc = -ERANGE;
		goto err_free;
	}
	len &= ~(PAGE_SIZE - 1);
	rc = iopt_lock_range(&viommu->hwpt->ioas->iopt, aligned, len, &base_pa);
	if (rc)
		goto err_free;
	q->locked_iova = aligned;
	q->locked_len = len;
	q->viommu = viommu;
	viommu->obj.users++;
	q->type = cmd->type;
	q->length = cmd->length;
	q->base_addr = cmd->nesting_parent_iova;
	rc = viommu->ops->hw_queue_init_phys(q, cmd->index, base_pa + offset);
	if (rc)
		goto err_release;
	rc = iommufd_object_add(ictx, &q->obj, IOMMUFD_OBJ_HW_QUEUE);
	if (rc)
		goto err_destroy;
	cmd->out_hw_queue_id = q->obj.id;
	return iommufd_ucmd_respond_new(ucmd, sizeof(*cmd), &q->obj);

err_destroy:
	if (q->destroy)
		q->destroy(q);
err_release:
	hw_queue_release(q);
err_free:
	kfree(q);
	return rc;
}
