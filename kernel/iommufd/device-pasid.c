// SPDX-License-Identifier: MIT
/*
 * A device's PASIDs attached to HWPTs (drivers/iommu/iommufd/device.c of
 * torvalds/linux 20896914da8a: iommufd_device_attach/replace/detach with
 * a pasid, iommufd_hw_pagetable_attach/detach, iommufd_device_do_replace,
 * iommufd_hwpt_pasid_compat).  Each PASID of a group names one HWPT and
 * the devices attached through it; the first device's attach programs the
 * domain into the IOMMU core (iommu_attach_device_pasid), the last one's
 * detach takes it out.  A HWPT serves a PASID only if it was allocated
 * with IOMMU_HWPT_ALLOC_PASID, and only while the RID's HWPT was too;
 * conversely the RID cannot move to a HWPT without it while a PASID is
 * attached (device.c calls iommufd_hwpt_pasid_compat_rid).
 *
 * Mainline reaches an IOAS through an automatic domain, which never has
 * PASID support, so a PASID onto an IOAS is -EINVAL there after it tried
 * the IOAS's domains; here it is -EINVAL without the tries.  Everything
 * runs under ictx->lock (mainline: the group's lock).
 */
#include "kernel/iommufd/iommufd-priv.h"

static struct iommufd_pasid_attach *attach_find(struct iommufd_group *ig,
						ioasid_t pasid)
{
	struct iommufd_pasid_attach *a;

	list_for_each_entry(a, &ig->pasid_attach, node)
		if (a->pasid == pasid)
			return a;
	return NULL;
}

static int attach_index(const struct iommufd_pasid_attach *a,
			const struct iommufd_device *idev)
{
	for (unsigned int i = 0; a && i < a->ndevs; i++)
		if (a->devs[i] == idev)
			return (int)i;
	return -1;
}

int iommufd_hwpt_pasid_compat_rid(struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_group *ig)
{
	return !hwpt->pasid_compat && !list_empty(&ig->pasid_attach) ? -EINVAL : 0;
}

/* iommufd_hwpt_pasid_compat() for a PASID other than the RID's. */
static int pasid_compat(struct iommufd_hw_pagetable *hwpt,
			struct iommufd_device *idev)
{
	if (!hwpt->pasid_compat)
		return -EINVAL;
	if (idev->igroup->hwpt && !idev->igroup->hwpt->pasid_compat)
		return -EINVAL;
	return 0;
}

struct iommufd_hw_pagetable *iommufd_device_pasid_hwpt(struct iommufd_device *idev,
						       ioasid_t pasid)
{
	struct iommufd_pasid_attach *a = attach_find(idev->igroup, pasid);

	return attach_index(a, idev) >= 0 ? a->hwpt : NULL;
}

/* The device and pt_id's HWPT: an IOAS is -EINVAL for a PASID. */
static int lookup(struct iommufd_ctx *ictx, u32 dev_id, u32 pt_id,
		  struct iommufd_device **idev, struct iommufd_hw_pagetable **hwpt)
{
	struct iommufd_object *pt;

	lockdep_assert_held(&ictx->lock);
	*idev = iommufd_get_device(ictx, dev_id);
	if (IS_ERR(*idev))
		return PTR_ERR(*idev);
	pt = iommufd_get_object(ictx, pt_id, IOMMUFD_OBJ_ANY);
	if (IS_ERR(pt))
		return PTR_ERR(pt);
	if (pt->type != IOMMUFD_OBJ_HWPT_PAGING &&
	    pt->type != IOMMUFD_OBJ_HWPT_NESTED)
		return -EINVAL;
	*hwpt = container_of(pt, struct iommufd_hw_pagetable, obj);
	return 0;
}

int iommufd_device_pasid_attach(struct iommufd_ctx *ictx, u32 dev_id,
				ioasid_t pasid, u32 *pt_id)
{
	struct iommufd_hw_pagetable *hwpt = NULL;
	struct iommufd_pasid_attach *a;
	struct iommufd_device *idev = NULL;
	int rc = lookup(ictx, dev_id, *pt_id, &idev, &hwpt);

	if (rc)
		return rc;
	a = attach_find(idev->igroup, pasid);
	if (attach_index(a, idev) >= 0)
		return -EBUSY;		/* attach does not overwrite */
	if (a && a->hwpt != hwpt)
		return -EINVAL;
	if (!a) {
		rc = pasid_compat(hwpt, idev);
		if (rc)
			return rc;
		a = kzalloc(ictx->k, sizeof(*a));
		if (!a)
			return -ENOMEM;
		rc = iommu_attach_device_pasid(hwpt->domain, idev->dev, pasid);
		if (rc) {
			kfree(a);
			return rc;
		}
		a->pasid = pasid;
		a->hwpt = hwpt;
		list_add_tail(&a->node, &idev->igroup->pasid_attach);
	} else if (a->ndevs == IOMMUFD_GROUP_MAX_DEVS) {
		return -ENOMEM;
	}
	a->devs[a->ndevs++] = idev;
	hwpt->obj.users++;
	return 0;
}

int iommufd_device_pasid_replace(struct iommufd_ctx *ictx, u32 dev_id,
				 ioasid_t pasid, u32 *pt_id)
{
	struct iommufd_hw_pagetable *hwpt = NULL;
	struct iommufd_pasid_attach *a;
	struct iommufd_device *idev = NULL;
	int rc = lookup(ictx, dev_id, *pt_id, &idev, &hwpt);

	if (rc)
		return rc;
	a = attach_find(idev->igroup, pasid);
	if (!a || attach_index(a, idev) < 0)
		return -EINVAL;		/* nothing to replace */
	if (a->hwpt == hwpt)
		return 0;
	rc = pasid_compat(hwpt, idev);
	if (rc)
		return rc;
	rc = iommu_replace_device_pasid(hwpt->domain, idev->dev, pasid);
	if (rc)
		return rc;
	/* The attachment's references move to the new HWPT. */
	hwpt->obj.users += a->ndevs;
	a->hwpt->obj.users -= a->ndevs;
	a->hwpt = hwpt;
	return 0;
}

static void pasid_detach(struct iommufd_device *idev, struct iommufd_pasid_attach *a)
{
	int i = attach_index(a, idev);

	if (i < 0)
		return;
	a->devs[i] = a->devs[--a->ndevs];
	a->hwpt->obj.users--;
	if (a->ndevs)
		return;
	iommu_detach_device_pasid(a->hwpt->domain, idev->dev, a->pasid);
	list_del(&a->node);
	kfree(a);
}

int iommufd_device_pasid_detach(struct iommufd_ctx *ictx, u32 dev_id,
				ioasid_t pasid)
{
	struct iommufd_device *idev;
	struct iommufd_pasid_attach *a;

	lockdep_assert_held(&ictx->lock);
	idev = iommufd_get_device(ictx, dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	a = attach_find(idev->igroup, pasid);
	if (a)
		pasid_detach(idev, a);
	return 0;
}

void iommufd_device_pasid_detach_all(struct iommufd_ctx *ictx,
				     struct iommufd_device *idev)
{
	struct iommufd_pasid_attach *a, *tmp;

	lockdep_assert_held(&ictx->lock);
	list_for_each_entry_safe(a, tmp, &idev->igroup->pasid_attach, node)
		pasid_detach(idev, a);
}

struct iommu_domain *iommufd_device_pasid_domain(struct iommufd_ctx *ictx,
						 u32 dev_id, ioasid_t pasid)
{
	struct iommufd_device *idev;

	lockdep_assert_held(&ictx->lock);
	idev = iommufd_get_device(ictx, dev_id);
	if (IS_ERR(idev))
		return NULL;
	return iommu_get_domain_for_dev_pasid(idev->dev, pasid);
}
