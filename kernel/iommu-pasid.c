// SPDX-License-Identifier: MIT
/*
 * PASID attachment in the IOMMU core: a device's transactions tagged with
 * a PASID translate through a domain of their own, beside the RID's.  The
 * group keeps which domain each PASID uses (mainline's group->pasid_array);
 * the drivers' set_dev_pasid op programs each device of the group that
 * has PASIDs, and the driver's blocked domain's op removes one.
 *
 * Read at torvalds/linux 20896914da8a, drivers/iommu/iommu.c:
 * iommu_attach_device_pasid, iommu_replace_device_pasid,
 * iommu_detach_device_pasid, __iommu_set_group_pasid (with its rollback),
 * iommu_remove_dev_pasid, iommu_attach_handle_get - checks in that order.
 * Devices without PASIDs (max_pasids 0) are skipped, as mainline does
 * since the group-PASID validation fix; a PASID past a PASID-capable
 * device's max_pasids is -EINVAL.  Mainline keeps an attach handle per
 * PASID (iommufd hangs its fault data on it); here the entry holds the
 * domain and iommufd finds its own state by PASID.
 */
#include "kernel/iommu-priv.h"

struct iommu_pasid_entry {
	struct list_head node;		/* in group->pasids */
	ioasid_t pasid;
	struct iommu_domain *domain;
};

static struct iommu_pasid_entry *pasid_find(struct iommu_group *group,
					    ioasid_t pasid)
{
	struct iommu_pasid_entry *e;

	lockdep_assert_held(&group->mutex);
	list_for_each_entry(e, &group->pasids, node)
		if (e->pasid == pasid)
			return e;
	return NULL;
}

static void remove_dev_pasid(struct device *dev, ioasid_t pasid,
			     struct iommu_domain *domain)
{
	struct iommu_domain *blocked = dev_iommu_ops(dev)->blocked_domain;

	KWARN_ON(dev->k, blocked->ops->set_dev_pasid(blocked, dev, pasid, domain));
}

/* Every PASID-capable device of the group onto domain, or none (rollback). */
static int set_group_pasid(struct iommu_domain *domain,
			   struct iommu_group *group, ioasid_t pasid,
			   struct iommu_domain *old)
{
	struct group_device *gdev, *last;
	int ret = 0;

	for_each_group_device(group, gdev) {
		if (!gdev->dev->iommu->max_pasids)
			continue;
		ret = domain->ops->set_dev_pasid(domain, gdev->dev, pasid, old);
		if (ret)
			break;
	}
	if (!ret)
		return 0;
	last = gdev;
	for_each_group_device(group, gdev) {
		if (gdev == last)
			break;
		if (!gdev->dev->iommu->max_pasids)
			continue;
		/* A driver failing to go back to a good domain is its bug. */
		if (!old || KWARN_ON(group->k, old->ops->set_dev_pasid(old, gdev->dev,
							     pasid, domain)))
			remove_dev_pasid(gdev->dev, pasid, domain);
	}
	return ret;
}

/* The checks attach and replace share, before the group lock. */
static int pasid_precheck(struct iommu_domain *domain, struct device *dev,
			  ioasid_t pasid)
{
	const struct iommu_ops *ops;

	if (!dev->iommu_group)
		return -ENODEV;
	ops = dev_iommu_ops(dev);
	if (!domain->ops->set_dev_pasid || !ops->blocked_domain ||
	    !ops->blocked_domain->ops->set_dev_pasid)
		return -EOPNOTSUPP;
	if (domain->owner != ops || pasid == IOMMU_NO_PASID)
		return -EINVAL;
	return 0;
}

/* Whether pasid is past a PASID-capable device's width. */
static bool pasid_too_wide(struct iommu_group *group, ioasid_t pasid)
{
	struct group_device *gdev;

	for_each_group_device(group, gdev)
		if (gdev->dev->iommu->max_pasids &&
		    pasid >= gdev->dev->iommu->max_pasids)
			return true;
	return false;
}

int iommu_attach_device_pasid(struct iommu_domain *domain, struct device *dev,
			      ioasid_t pasid)
{
	struct iommu_group *group = dev->iommu_group;
	struct iommu_pasid_entry *e;
	int ret = pasid_precheck(domain, dev, pasid);

	if (ret)
		return ret;
	mutex_lock(&group->mutex);
	if (pasid_too_wide(group, pasid)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (pasid_find(group, pasid)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	e = kzalloc(group->k, sizeof(*e));
	if (!e) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = set_group_pasid(domain, group, pasid, NULL);
	if (ret) {
		kfree(e);
		goto out_unlock;
	}
	e->pasid = pasid;
	e->domain = domain;
	list_add_tail(&e->node, &group->pasids);
out_unlock:
	mutex_unlock(&group->mutex);
	return ret;
}

int iommu_replace_device_pasid(struct iommu_domain *domain,
			       struct device *dev, ioasid_t pasid)
{
	struct iommu_group *group = dev->iommu_group;
	struct iommu_pasid_entry *e;
	int ret = pasid_precheck(domain, dev, pasid);

	if (ret)
		return ret;
	mutex_lock(&group->mutex);
	if (pasid_too_wide(group, pasid)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	/* Nothing attached there: not a replace. */
	e = pasid_find(group, pasid);
	if (!e) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (e->domain != domain) {
		ret = set_group_pasid(domain, group, pasid, e->domain);
		if (!ret)
			e->domain = domain;
	}
out_unlock:
	mutex_unlock(&group->mutex);
	return ret;
}

void iommu_detach_device_pasid(struct iommu_domain *domain, struct device *dev,
			       ioasid_t pasid)
{
	struct iommu_group *group = dev->iommu_group;
	struct iommu_pasid_entry *e;
	struct group_device *gdev;

	mutex_lock(&group->mutex);
	e = pasid_find(group, pasid);
	if (!KWARN_ON(group->k, !e || e->domain != domain)) {
		for_each_group_device(group, gdev)
			if (gdev->dev->iommu->max_pasids)
				remove_dev_pasid(gdev->dev, pasid, domain);
		list_del(&e->node);
		kfree(e);
	}
	mutex_unlock(&group->mutex);
}

struct iommu_domain *iommu_get_domain_for_dev_pasid(struct device *dev,
						    ioasid_t pasid)
{
	struct iommu_group *group = dev->iommu_group;
	struct iommu_pasid_entry *e;
	struct iommu_domain *domain;

	if (!group)
		return NULL;
	mutex_lock(&group->mutex);
	e = pasid_find(group, pasid);
	domain = e ? e->domain : NULL;
	mutex_unlock(&group->mutex);
	return domain;
}
