/*
 * Attaching domains to groups, after Linux's drivers/iommu/iommu.c: a
 * group's devices always sit on one domain together; callers attach their
 * own domain only over the default (or the owner's blocking) domain, and
 * go back to it on detach; replace switches without that rule; a DMA
 * owner (VFIO, iommufd) parks the group on its blocking domain.  A switch
 * that a device refuses is undone for the devices already moved.
 */
#include "kernel/iommu-priv.h"

/* -------------------------------------------------------------- attach */

static int __iommu_attach_device(struct iommu_domain *domain,
				 struct device *dev)
{
	if (!domain->ops || !domain->ops->attach_dev)
		return -ENODEV;
	return domain->ops->attach_dev(domain, dev);
}

int __iommu_device_set_domain(struct iommu_group *group, struct device *dev,
			      struct iommu_domain *new_domain,
			      unsigned int flags)
{
	int ret;

	/* Firmware asked for 1:1 regions a blocking domain cannot give. */
	if (dev->iommu->require_direct &&
	    (new_domain->type == IOMMU_DOMAIN_BLOCKED ||
	     new_domain == group->blocking_domain))
		return -EINVAL;

	ret = __iommu_attach_device(new_domain, dev);
	if (ret) {
		/* Park the device on the blocking domain rather than leave it
		 * translating through something being torn down. */
		if ((flags & IOMMU_SET_DOMAIN_MUST_SUCCEED) &&
		    group->blocking_domain && group->blocking_domain != new_domain)
			__iommu_attach_device(group->blocking_domain, dev);
		return ret;
	}
	return 0;
}

int __iommu_group_set_domain_internal(struct iommu_group *group,
				      struct iommu_domain *new_domain,
				      unsigned int flags)
{
	struct group_device *gdev, *last;
	int ret = 0, result = 0;

	if (group->domain == new_domain)
		return 0;
	if (KWARN_ON(group->k, !new_domain))
		return -EINVAL;

	/* Not atomic over the group: DMA may see either domain meanwhile. */
	for_each_group_device(group, gdev) {
		ret = __iommu_device_set_domain(group, gdev->dev, new_domain,
						flags);
		if (ret) {
			result = ret;
			if (flags & IOMMU_SET_DOMAIN_MUST_SUCCEED)
				continue;
			goto err_revert;
		}
	}
	group->domain = new_domain;
	return result;

err_revert:
	/* Put the devices already moved back on the old domain. */
	last = gdev;
	for_each_group_device(group, gdev) {
		if (gdev == last)
			break;
		if (group->domain)
			KWARN_ON(group->k, __iommu_device_set_domain(
				group, gdev->dev, group->domain,
				IOMMU_SET_DOMAIN_MUST_SUCCEED));
	}
	return ret;
}

static int __iommu_group_set_domain(struct iommu_group *group,
				    struct iommu_domain *new_domain)
{
	return __iommu_group_set_domain_internal(group, new_domain, 0);
}

static void __iommu_group_set_domain_nofail(struct iommu_group *group,
					    struct iommu_domain *new_domain)
{
	KWARN_ON(group->k, __iommu_group_set_domain_internal(
		group, new_domain, IOMMU_SET_DOMAIN_MUST_SUCCEED));
}

/* Back to what the group uses when no caller holds a domain on it. */
static void __iommu_group_set_core_domain(struct iommu_group *group)
{
	struct iommu_domain *new_domain;

	if (group->owner)
		new_domain = group->blocking_domain;
	else
		new_domain = group->default_domain;
	__iommu_group_set_domain_nofail(group, new_domain);
}

static int __iommu_attach_group(struct iommu_domain *domain,
				struct iommu_group *group)
{
	struct device *dev;

	if (group->domain && group->domain != group->default_domain &&
	    group->domain != group->blocking_domain)
		return -EBUSY;
	dev = iommu_group_first_dev(group);
	if (!dev_has_iommu(dev) || dev_iommu_ops(dev) != domain->owner)
		return -EINVAL;
	return __iommu_group_set_domain(group, domain);
}

int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group;
	int ret;

	if (!dev || !dev->iommu_group)
		return -ENODEV;
	if (IS_ERR_OR_NULL(domain))
		return -EINVAL;
	group = dev->iommu_group;
	mutex_lock(&group->mutex);
	ret = -EINVAL;
	if (list_empty(&group->devices) ||
	    group->devices.next->next != &group->devices)
		goto out_unlock;	/* only a singleton group attaches per device */
	ret = __iommu_attach_group(domain, group);
out_unlock:
	mutex_unlock(&group->mutex);
	return ret;
}

void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group;

	if (!dev || !dev->iommu_group)
		return;
	group = dev->iommu_group;
	mutex_lock(&group->mutex);
	if (KWARN_ON(group->k, domain != group->domain) ||
	    KWARN_ON(group->k, group->devices.next->next != &group->devices))
		goto out_unlock;
	__iommu_group_set_core_domain(group);
out_unlock:
	mutex_unlock(&group->mutex);
}

int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	int ret;

	if (!group)
		return -ENODEV;
	if (IS_ERR_OR_NULL(domain))
		return -EINVAL;
	mutex_lock(&group->mutex);
	ret = list_empty(&group->devices) ? -ENODEV :
	      __iommu_attach_group(domain, group);
	mutex_unlock(&group->mutex);
	return ret;
}

void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	if (!group)
		return;
	mutex_lock(&group->mutex);
	if (!KWARN_ON(group->k, domain != group->domain))
		__iommu_group_set_core_domain(group);
	mutex_unlock(&group->mutex);
}

int iommu_group_replace_domain(struct iommu_group *group,
			       struct iommu_domain *new_domain)
{
	int ret;

	if (!group)
		return -ENODEV;
	if (IS_ERR_OR_NULL(new_domain))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (list_empty(&group->devices))
		ret = -ENODEV;
	else if (new_domain->owner &&
		 dev_iommu_ops(iommu_group_first_dev(group)) != new_domain->owner)
		ret = -EINVAL;
	else
		ret = __iommu_group_set_domain(group, new_domain);
	mutex_unlock(&group->mutex);
	return ret;
}

struct iommu_domain *iommu_get_domain_for_dev(struct device *dev)
{
	if (!dev || !dev->iommu_group)
		return NULL;
	return dev->iommu_group->domain;
}

struct iommu_domain *iommu_get_dma_domain(struct device *dev)
{
	if (!dev || !dev->iommu_group)
		return NULL;
	return dev->iommu_group->default_domain;
}

/* --------------------------------------------------------- DMA ownership */

static int __iommu_group_alloc_blocking_domain(struct iommu_group *group)
{
	struct device *dev = iommu_group_first_dev(group);
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *domain;

	if (group->blocking_domain)
		return 0;
	if (ops->blocked_domain) {
		group->blocking_domain = ops->blocked_domain;
		return 0;
	}
	/* A driver without a blocked domain gets an empty paging domain. */
	domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(domain))
		return (int)PTR_ERR(domain);
	group->blocking_domain = domain;
	return 0;
}

static int __iommu_take_dma_ownership(struct iommu_group *group, void *owner)
{
	int ret;

	if (group->domain && group->domain != group->default_domain)
		return -EBUSY;
	ret = __iommu_group_alloc_blocking_domain(group);
	if (ret)
		return ret;
	ret = __iommu_group_set_domain(group, group->blocking_domain);
	if (ret)
		return ret;
	group->owner = owner;
	group->owner_cnt++;
	return 0;
}

int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner)
{
	int ret;

	if (!group)
		return -ENODEV;
	if (KWARN_ON(group->k, !owner))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (list_empty(&group->devices))
		ret = -ENODEV;
	else if (group->owner_cnt)
		ret = -EPERM;
	else
		ret = __iommu_take_dma_ownership(group, owner);
	mutex_unlock(&group->mutex);
	return ret;
}

static void __iommu_release_dma_ownership(struct iommu_group *group)
{
	if (KWARN_ON(group->k, !group->owner_cnt || !group->owner))
		return;
	group->owner_cnt = 0;
	group->owner = NULL;
	__iommu_group_set_domain_nofail(group, group->default_domain);
}

void iommu_group_release_dma_owner(struct iommu_group *group)
{
	if (!group)
		return;
	mutex_lock(&group->mutex);
	__iommu_release_dma_ownership(group);
	mutex_unlock(&group->mutex);
}

bool iommu_group_dma_owner_claimed(struct iommu_group *group)
{
	bool claimed;

	mutex_lock(&group->mutex);
	claimed = group->owner_cnt;
	mutex_unlock(&group->mutex);
	return claimed;
}

int iommu_device_claim_dma_owner(struct device *dev, void *owner)
{
	struct iommu_group *group;
	int ret = 0;

	if (!dev || !dev->iommu_group)
		return -ENODEV;
	group = dev->iommu_group;
	if (KWARN_ON(group->k, !owner))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (group->owner_cnt) {
		/* Devices of one group may be claimed one by one by one owner. */
		if (group->owner != owner)
			ret = -EPERM;
		else
			group->owner_cnt++;
	} else {
		ret = __iommu_take_dma_ownership(group, owner);
	}
	mutex_unlock(&group->mutex);
	return ret;
}

void iommu_device_release_dma_owner(struct device *dev)
{
	struct iommu_group *group;

	if (!dev || !dev->iommu_group)
		return;
	group = dev->iommu_group;
	mutex_lock(&group->mutex);
	if (group->owner_cnt > 1)
		group->owner_cnt--;
	else
		__iommu_release_dma_ownership(group);
	mutex_unlock(&group->mutex);
}

