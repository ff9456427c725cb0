// SPDX-License-Identifier: MIT
/*
 * Which domain a group's devices translate through, and who may change it.
 *
 * The rules are Linux's (drivers/iommu/iommu.c is the reference for each;
 * docs/iommu-core.md lists them): a group's devices always sit on one
 * domain together, group->domain; a caller attaches its own domain only
 * over the group's default (or its owner's blocking) domain and goes back
 * to it on detach; replace switches without that rule; a DMA owner (VFIO,
 * iommufd) parks the group on its blocking domain.
 *
 * The file is built from two moves of a whole group:
 *  - iommu_group_switch(): all or nothing.  If a device's driver refuses,
 *    the devices already moved go back and the group stays where it was.
 *    For callers that can take no for an answer (attach, replace, claim).
 *  - iommu_group_force(): for paths that cannot fail (detach, release of
 *    ownership, a first default domain).  Every device is moved; one that
 *    refuses is parked on the blocking domain rather than left on a domain
 *    its owner is about to free, and the group is on the new domain after.
 * Neither is atomic for DMA: while devices move, each translates through
 * the old domain or the new one, never a third (as Linux).
 */
#include "kernel/iommu-priv.h"

/* ---------------------------------------------------------- one device */

static bool iommu_domain_is_blocking(struct iommu_group *group,
				     struct iommu_domain *domain)
{
	return domain->type == IOMMU_DOMAIN_BLOCKED ||
	       domain == group->blocking_domain;
}

/* The driver's side of a move: its attach_dev, -ENODEV without one. */
static int iommu_driver_attach(struct iommu_domain *domain, struct device *dev)
{
	if (!domain->ops || !domain->ops->attach_dev)
		return -ENODEV;
	return domain->ops->attach_dev(domain, dev);
}

/*
 * Moves one device of group onto domain.  A device whose firmware asked
 * for 1:1 regions (require_direct) refuses any blocking domain, which has
 * none: so VFIO and iommufd cannot own it, as in Linux.
 */
int iommu_dev_enter(struct iommu_group *group, struct device *dev,
		    struct iommu_domain *domain)
{
	if (dev->iommu->require_direct && iommu_domain_is_blocking(group, domain))
		return -EINVAL;
	return iommu_driver_attach(domain, dev);
}

/*
 * The same for moves that cannot fail: when the driver refuses, the
 * device goes onto the blocking domain instead (if the group has one and
 * that was not what failed), whose answer no one can act on.  The
 * refusal is still returned.  A require_direct refusal parks nothing: that
 * device stays on the domain that maps its 1:1 regions.
 */
static int iommu_dev_enter_forced(struct iommu_group *group, struct device *dev,
				  struct iommu_domain *domain)
{
	struct iommu_domain *blocking = group->blocking_domain;
	int ret;

	if (dev->iommu->require_direct && iommu_domain_is_blocking(group, domain))
		return -EINVAL;
	ret = iommu_driver_attach(domain, dev);
	if (ret && blocking && blocking != domain)
		iommu_driver_attach(blocking, dev);
	return ret;
}

/* ------------------------------------------------------- a whole group */

/* Puts the devices before `refused` back on group->domain (none at a first probe). */
static void iommu_group_undo_switch(struct iommu_group *group,
				    struct group_device *refused)
{
	struct group_device *gdev;

	if (!group->domain)
		return;
	for_each_group_device(group, gdev) {
		if (gdev == refused)
			break;
		/* They were on it a moment ago: a driver must take them back. */
		KWARN_ON(group->k, iommu_dev_enter_forced(group, gdev->dev,
							  group->domain));
	}
}

int iommu_group_switch(struct iommu_group *group, struct iommu_domain *to)
{
	struct group_device *gdev;
	int ret;

	if (group->domain == to)
		return 0;
	if (KWARN_ON(group->k, !to))
		return -EINVAL;
	for_each_group_device(group, gdev) {
		ret = iommu_dev_enter(group, gdev->dev, to);
		if (ret) {
			iommu_group_undo_switch(group, gdev);
			return ret;
		}
	}
	group->domain = to;
	return 0;
}

/* Returns the last device's refusal, for the caller to warn about. */
int iommu_group_force(struct iommu_group *group, struct iommu_domain *to)
{
	struct group_device *gdev;
	int refused = 0;

	if (group->domain == to)
		return 0;
	if (KWARN_ON(group->k, !to))
		return -EINVAL;
	for_each_group_device(group, gdev) {
		int ret = iommu_dev_enter_forced(group, gdev->dev, to);

		if (ret)
			refused = ret;
	}
	group->domain = to;
	return refused;
}

/* What the group sits on when no caller holds a domain on it. */
static struct iommu_domain *iommu_group_core_domain(struct iommu_group *group)
{
	return group->owner ? group->blocking_domain : group->default_domain;
}

static void iommu_group_return_to_core(struct iommu_group *group)
{
	KWARN_ON(group->k, iommu_group_force(group, iommu_group_core_domain(group)));
}

/* ------------------------------------------------- attach, detach, replace */

/* Exactly one device: only then may a caller attach per device. */
static bool iommu_group_is_single(struct iommu_group *group)
{
	return !list_empty(&group->devices) &&
	       group->devices.next->next == &group->devices;
}

static bool iommu_group_is_shared(struct iommu_group *group)
{
	return !list_empty(&group->devices) && !iommu_group_is_single(group);
}

/* A caller's domain is on the group (neither default nor blocking). */
static bool iommu_group_is_taken(struct iommu_group *group)
{
	return group->domain && group->domain != group->default_domain &&
	       group->domain != group->blocking_domain;
}

/* The domain comes from the driver of the group's devices. */
static bool iommu_group_driver_made(struct iommu_group *group,
				    struct iommu_domain *domain)
{
	struct device *dev = iommu_group_first_dev(group);

	return dev_has_iommu(dev) && dev_iommu_ops(dev) == domain->owner;
}

/* Callers hold group->mutex and checked the group has devices. */
static int iommu_group_attach_locked(struct iommu_group *group,
				     struct iommu_domain *domain)
{
	if (iommu_group_is_taken(group))
		return -EBUSY;
	if (!iommu_group_driver_made(group, domain))
		return -EINVAL;
	return iommu_group_switch(group, domain);
}

int iommu_attach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group;
	int ret = -EINVAL;

	if (!dev || !dev->iommu_group)
		return -ENODEV;
	if (IS_ERR_OR_NULL(domain))
		return -EINVAL;
	group = dev->iommu_group;
	mutex_lock(&group->mutex);
	if (iommu_group_is_single(group))
		ret = iommu_group_attach_locked(group, domain);
	mutex_unlock(&group->mutex);
	return ret;
}

int iommu_attach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	int ret = -ENODEV;

	if (!group)
		return -ENODEV;
	if (IS_ERR_OR_NULL(domain))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (!list_empty(&group->devices))
		ret = iommu_group_attach_locked(group, domain);
	mutex_unlock(&group->mutex);
	return ret;
}

/* Detaching what is not attached is the caller's bug: warned, nothing done. */
static bool iommu_group_detach_matches(struct iommu_group *group,
				       struct iommu_domain *domain)
{
	return !KWARN_ON(group->k, domain != group->domain);
}

void iommu_detach_device(struct iommu_domain *domain, struct device *dev)
{
	struct iommu_group *group;

	if (!dev || !dev->iommu_group)
		return;
	group = dev->iommu_group;
	mutex_lock(&group->mutex);
	if (iommu_group_detach_matches(group, domain) &&
	    !KWARN_ON(group->k, iommu_group_is_shared(group)))
		iommu_group_return_to_core(group);
	mutex_unlock(&group->mutex);
}

void iommu_detach_group(struct iommu_domain *domain, struct iommu_group *group)
{
	if (!group)
		return;
	mutex_lock(&group->mutex);
	if (iommu_group_detach_matches(group, domain))
		iommu_group_return_to_core(group);
	mutex_unlock(&group->mutex);
}

/* iommufd's replace: no -EBUSY rule, and a domain without an owner is taken as is. */
int iommu_group_replace_domain(struct iommu_group *group,
			       struct iommu_domain *new_domain)
{
	int ret = -ENODEV;

	if (!group)
		return -ENODEV;
	if (IS_ERR_OR_NULL(new_domain))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (list_empty(&group->devices))
		goto out_unlock;
	ret = -EINVAL;
	if (new_domain->owner && !iommu_group_driver_made(group, new_domain))
		goto out_unlock;
	ret = iommu_group_switch(group, new_domain);
out_unlock:
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

/*
 * Made on first need and kept with the group: the driver's static blocked
 * domain, or else an empty paging domain, which blocks as well.
 */
static int iommu_group_ensure_blocking(struct iommu_group *group)
{
	struct device *dev = iommu_group_first_dev(group);
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	struct iommu_domain *empty;

	if (group->blocking_domain)
		return 0;
	if (ops->blocked_domain) {
		group->blocking_domain = ops->blocked_domain;
		return 0;
	}
	empty = iommu_paging_domain_alloc(dev);
	if (IS_ERR(empty))
		return (int)PTR_ERR(empty);
	group->blocking_domain = empty;
	return 0;
}

/*
 * The first claim: only a group on its default domain can be owned (a
 * caller's domain on it means someone else uses it), and it moves to the
 * blocking domain before the owner is recorded.
 */
static int iommu_group_first_claim(struct iommu_group *group, void *owner)
{
	int ret;

	if (group->domain && group->domain != group->default_domain)
		return -EBUSY;
	ret = iommu_group_ensure_blocking(group);
	if (!ret)
		ret = iommu_group_switch(group, group->blocking_domain);
	if (ret)
		return ret;
	group->owner = owner;
	group->owner_cnt = 1;
	return 0;
}

/* The last release: back to the default domain, whatever the devices say. */
static void iommu_group_last_release(struct iommu_group *group)
{
	if (KWARN_ON(group->k, !group->owner_cnt || !group->owner))
		return;
	group->owner_cnt = 0;
	group->owner = NULL;
	KWARN_ON(group->k, iommu_group_force(group, group->default_domain));
}

int iommu_group_claim_dma_owner(struct iommu_group *group, void *owner)
{
	int ret = -ENODEV;

	if (!group)
		return -ENODEV;
	if (KWARN_ON(group->k, !owner))
		return -EINVAL;
	mutex_lock(&group->mutex);
	if (list_empty(&group->devices))
		goto out_unlock;
	/* A group is claimed once; per-device claims count instead. */
	ret = group->owner_cnt ? -EPERM : iommu_group_first_claim(group, owner);
out_unlock:
	mutex_unlock(&group->mutex);
	return ret;
}

void iommu_group_release_dma_owner(struct iommu_group *group)
{
	if (!group)
		return;
	mutex_lock(&group->mutex);
	iommu_group_last_release(group);
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

/* The devices of one group may be claimed one by one, by one owner. */
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
	if (!group->owner_cnt)
		ret = iommu_group_first_claim(group, owner);
	else if (group->owner == owner)
		group->owner_cnt++;
	else
		ret = -EPERM;
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
		iommu_group_last_release(group);
	mutex_unlock(&group->mutex);
}
