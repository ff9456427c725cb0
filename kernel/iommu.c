// SPDX-License-Identifier: MIT
/*
 * The IOMMU core, after Linux's drivers/iommu/iommu.c: IOMMU registration,
 * device probe, groups, default domains and domain allocation.  Attach,
 * detach, replace and DMA ownership live in iommu-attach.c, mapping in
 * iommu-map.c, reserved regions in iommu-resv.c.
 *
 * The rules a group follows are Linux's: all its devices are always
 * attached to one domain (group->domain); when nobody owns the group that
 * is its default domain, picked at first probe from the driver's wishes
 * and the kernel's policy; an owner (VFIO, iommufd) parks it on the
 * blocking domain and attaches what it wants; attaching a domain while
 * another non-default one is in place is -EBUSY.
 *
 * Locks: k->lock serialises probe and release (and guards the device and
 * IOMMU lists), group->mutex guards a group's devices and domains,
 * k->groups_lock the group list and refcounts.  Order: k->lock, then
 * k->groups_lock, then group->mutex (nothing takes groups_lock while
 * holding a group's mutex).
 */
#include <string.h>

#include "kernel/dma-iommu.h"
#include "kernel/iommu-priv.h"

/* ---------------------------------------------------------------- policy */

void iommu_set_default_passthrough(struct kernel *k, bool passthrough)
{
	k->iommu_passthrough = passthrough;
}

void iommu_set_dma_strict(struct kernel *k, bool strict)
{
	k->iommu_dma_lazy = !strict;
}

unsigned int iommu_def_domain_type(struct kernel *k)
{
	if (k->iommu_passthrough)
		return IOMMU_DOMAIN_IDENTITY;
	return k->iommu_dma_lazy ? IOMMU_DOMAIN_DMA_FQ : IOMMU_DOMAIN_DMA;
}

/* ------------------------------------------------------- iommu_device */

static struct iommu_device *iommu_from_fwnode(struct kernel *k,
					      struct fwnode_handle *fwnode)
{
	struct iommu_device *iommu;

	list_for_each_entry(iommu, &k->iommu_devices, list)
		if (iommu->fwnode == fwnode)
			return iommu;
	return NULL;
}

static int __iommu_probe_device(struct device *dev);
static void __iommu_release_device(struct device *dev);
static int iommu_probe_and_setup(struct device *dev);

int iommu_device_register(struct iommu_device *iommu,
			  const struct iommu_ops *ops, struct device *hwdev)
{
	struct kernel *k;
	struct device *dev;

	if (!iommu || !ops || !hwdev || !hwdev->k)
		return -EINVAL;
	k = hwdev->k;
	iommu->ops = ops;
	iommu->dev = hwdev;
	iommu->fwnode = dev_fwnode(hwdev);
	iommu->k = k;

	mutex_lock(&k->lock);
	if (iommu_from_fwnode(k, iommu->fwnode)) {
		mutex_unlock(&k->lock);
		return -EEXIST;
	}
	list_add_tail(&iommu->list, &k->iommu_devices);
	/* Devices that were waiting for this IOMMU probe now (bus_iommu_probe). */
	list_for_each_entry(dev, &k->devices, node) {
		struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);

		if (fwspec && fwspec->iommu_fwnode == iommu->fwnode &&
		    !dev->iommu_group)
			iommu_probe_and_setup(dev);	/* a failure leaves it unprobed */
	}
	mutex_unlock(&k->lock);
	return 0;
}

void iommu_device_unregister(struct iommu_device *iommu)
{
	struct kernel *k;
	struct device *dev;

	if (!iommu || !iommu->k)
		return;
	k = iommu->k;
	mutex_lock(&k->lock);
	list_for_each_entry(dev, &k->devices, node)
		if (dev->iommu && dev->iommu->iommu_dev == iommu)
			__iommu_release_device(dev);
	list_del(&iommu->list);
	mutex_unlock(&k->lock);
	iommu->k = NULL;
}

/* ---------------------------------------------------------------- fwspec */

int iommu_fwspec_init(struct device *dev, struct fwnode_handle *iommu_fwnode)
{
	struct iommu_fwspec *fwspec;

	if (!dev || !iommu_fwnode)
		return -EINVAL;
	fwspec = dev_iommu_fwspec_get(dev);
	if (fwspec)
		return fwspec->iommu_fwnode == iommu_fwnode ? 0 : -EINVAL;
	if (!dev->iommu) {
		dev->iommu = kzalloc(dev->k, sizeof(*dev->iommu));
		if (!dev->iommu)
			return -ENOMEM;
	}
	fwspec = kzalloc(dev->k, sizeof(*fwspec));
	if (!fwspec)
		return -ENOMEM;
	fwspec->iommu_fwnode = iommu_fwnode;
	dev->iommu->fwspec = fwspec;
	return 0;
}

int iommu_fwspec_add_ids(struct device *dev, const u32 *ids, int num_ids)
{
	struct iommu_fwspec *fwspec = dev ? dev_iommu_fwspec_get(dev) : NULL;
	struct iommu_fwspec *new;
	unsigned int n;

	if (!fwspec || num_ids < 0 || (num_ids && !ids) || num_ids > 65536)
		return -EINVAL;
	n = fwspec->num_ids + (unsigned int)num_ids;
	new = kzalloc(dev->k, sizeof(*new) + n * sizeof(u32));
	if (!new)
		return -ENOMEM;
	memcpy(new, fwspec, sizeof(*fwspec) + fwspec->num_ids * sizeof(u32));
	if (num_ids)
		memcpy(&new->ids[fwspec->num_ids], ids,
		       (size_t)num_ids * sizeof(u32));
	new->num_ids = n;
	dev->iommu->fwspec = new;
	kfree(fwspec);
	return 0;
}

void iommu_fwspec_free(struct device *dev)
{
	if (!dev || !dev->iommu || dev->iommu->iommu_dev)
		return;
	kfree(dev->iommu->fwspec);
	kfree(dev->iommu);
	dev->iommu = NULL;
}

bool device_iommu_capable(struct device *dev, enum iommu_cap cap)
{
	const struct iommu_ops *ops;

	if (!dev_has_iommu(dev))
		return false;
	ops = dev_iommu_ops(dev);
	return ops->capable && ops->capable(dev, cap);
}

/* ---------------------------------------------------------------- groups */

struct iommu_group *iommu_group_alloc(struct kernel *k)
{
	struct iommu_group *group = kzalloc(k, sizeof(*group));

	if (!group)
		return ERR_PTR(-ENOMEM);
	group->k = k;
	group->refcount = 1;
	mutex_init(&group->mutex);
	INIT_LIST_HEAD(&group->devices);
	INIT_LIST_HEAD(&group->pasids);
	mutex_lock(&k->groups_lock);
	group->id = (int)k->next_group_id++;
	list_add_tail(&group->node, &k->groups);
	mutex_unlock(&k->groups_lock);
	return group;
}

struct iommu_group *iommu_group_ref_get(struct iommu_group *group)
{
	mutex_lock(&group->k->groups_lock);
	group->refcount++;
	mutex_unlock(&group->k->groups_lock);
	return group;
}

struct iommu_group *iommu_group_get(struct device *dev)
{
	if (!dev || !dev->iommu_group)
		return NULL;
	return iommu_group_ref_get(dev->iommu_group);
}

static void __iommu_domain_free(struct iommu_domain *domain)
{
	if (domain && domain->ops && domain->ops->free) {
		iommu_put_dma_cookie(domain);
		domain->ops->free(domain);
	}
}

void iommu_group_put(struct iommu_group *group)
{
	struct kernel *k;
	bool last;

	if (!group)
		return;
	k = group->k;
	mutex_lock(&k->groups_lock);
	last = !--group->refcount;
	if (last)
		list_del(&group->node);
	mutex_unlock(&k->groups_lock);
	if (!last)
		return;
	KWARN_ON(k, !list_empty(&group->devices));
	if (group->blocking_domain != group->default_domain)
		__iommu_domain_free(group->blocking_domain);
	__iommu_domain_free(group->default_domain);
	mutex_destroy(&group->mutex);
	kfree(group);
}

int iommu_group_id(struct iommu_group *group)
{
	return group ? group->id : -EINVAL;
}

unsigned int iommu_group_device_count(struct iommu_group *group)
{
	struct group_device *gdev;
	unsigned int n = 0;

	mutex_lock(&group->mutex);
	for_each_group_device(group, gdev)
		n++;
	mutex_unlock(&group->mutex);
	return n;
}

struct iommu_group *generic_device_group(struct device *dev)
{
	return iommu_group_alloc(dev->k);
}

struct iommu_domain *iommu_group_default_domain(struct iommu_group *group)
{
	return group ? group->default_domain : NULL;
}

/* ---------------------------------------------------- domain allocation */

static void iommu_domain_init(struct iommu_domain *domain, unsigned int type,
			      const struct iommu_ops *ops, struct device *dev)
{
	domain->type = type;
	domain->owner = ops;
	domain->k = dev->k;
	if (!domain->ops)
		domain->ops = ops->default_domain_ops;
	/* The driver may have narrowed it already (io-pgtable's granule). */
	if (!domain->pgsize_bitmap)
		domain->pgsize_bitmap = ops->pgsize_bitmap;
}

static struct iommu_domain *
__iommu_paging_domain_alloc_flags(struct device *dev, unsigned int type,
				  unsigned int flags)
{
	const struct iommu_ops *ops;
	struct iommu_domain *domain;

	if (!dev_has_iommu(dev))
		return ERR_PTR(-ENODEV);
	ops = dev_iommu_ops(dev);
	if (ops->domain_alloc_paging && !flags)
		domain = ops->domain_alloc_paging(dev);
	else if (ops->domain_alloc_paging_flags)
		domain = ops->domain_alloc_paging_flags(dev, flags, NULL);
	else
		return ERR_PTR(-EOPNOTSUPP);
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);
	iommu_domain_init(domain, type, ops, dev);
	/* A DMA domain's IOVA space belongs to dma-iommu from birth. */
	if (iommu_is_dma_domain(domain)) {
		int ret = iommu_get_dma_cookie(domain);

		if (ret) {
			__iommu_domain_free(domain);
			return ERR_PTR(ret);
		}
	}
	return domain;
}

struct iommu_domain *iommu_paging_domain_alloc_flags(struct device *dev,
						     unsigned int flags)
{
	return __iommu_paging_domain_alloc_flags(dev, IOMMU_DOMAIN_UNMANAGED,
						 flags);
}

struct iommu_domain *iommu_domain_alloc_nested(struct device *dev,
					       struct iommu_domain *parent,
					       u32 flags,
					       const struct iommu_user_data *user_data)
{
	const struct iommu_ops *ops;
	struct iommu_domain *domain;

	if (!dev_has_iommu(dev))
		return ERR_PTR(-ENODEV);
	ops = dev_iommu_ops(dev);
	if (!ops->domain_alloc_nested)
		return ERR_PTR(-EOPNOTSUPP);
	if (!parent || IS_ERR(parent) || parent->owner != ops ||
	    !(parent->type & __IOMMU_DOMAIN_PAGING))
		return ERR_PTR(-EINVAL);
	domain = ops->domain_alloc_nested(dev, parent, flags, user_data);
	if (IS_ERR(domain))
		return domain;
	if (!domain)
		return ERR_PTR(-ENOMEM);
	domain->owner = ops;
	domain->k = dev->k;
	if (KWARN_ON(dev->k, domain->type != IOMMU_DOMAIN_NESTED)) {
		__iommu_domain_free(domain);
		return ERR_PTR(-EINVAL);
	}
	return domain;
}

/* True when some group of k still points at domain. */
static bool iommu_domain_in_use(struct kernel *k, struct iommu_domain *domain)
{
	struct iommu_group *group;
	bool used = false;

	mutex_lock(&k->groups_lock);
	list_for_each_entry(group, &k->groups, node) {
		mutex_lock(&group->mutex);
		used = group->domain == domain ||
		       group->default_domain == domain ||
		       group->blocking_domain == domain;
		mutex_unlock(&group->mutex);
		if (used)
			break;
	}
	mutex_unlock(&k->groups_lock);
	return used;
}

void iommu_domain_free(struct iommu_domain *domain)
{
	if (IS_ERR_OR_NULL(domain))
		return;
	/* A driver's static domain (identity, blocked) is never freed. */
	if (!domain->k || !domain->ops || !domain->ops->free)
		return;
	if (KWARN_ON(domain->k, iommu_domain_in_use(domain->k, domain)))
		return;
	iommu_put_dma_cookie(domain);
	domain->ops->free(domain);
}

/* ------------------------------------------------------- default domain */

/* The driver's wish for dev, reconciled with the wishes of the others. */
static unsigned int iommu_get_def_domain_type(struct device *dev,
					      unsigned int cur_type)
{
	const struct iommu_ops *ops = dev_iommu_ops(dev);
	unsigned int type;

	if (!ops->def_domain_type)
		return cur_type;
	type = (unsigned int)ops->def_domain_type(dev);
	if (!type || cur_type == type)
		return cur_type;
	if (!cur_type)
		return type;
	/* Conflicting wishes inside one group: IDENTITY wins, as Linux. */
	kernel_warn(dev->k, __FILE__, __LINE__,
		    "conflicting def_domain_type in one group");
	return type == IOMMU_DOMAIN_IDENTITY ? type : cur_type;
}

static struct iommu_domain *
__iommu_group_alloc_default_domain(struct iommu_group *group,
				   unsigned int type)
{
	struct device *dev = iommu_group_first_dev(group);
	const struct iommu_ops *ops = dev_iommu_ops(dev);

	if (group->default_domain && group->default_domain->type == type)
		return group->default_domain;
	if (type == IOMMU_DOMAIN_IDENTITY)
		return ops->identity_domain ? ops->identity_domain :
					      ERR_PTR(-EOPNOTSUPP);
	if (type == IOMMU_DOMAIN_BLOCKED)
		return ops->blocked_domain ? ops->blocked_domain :
					     ERR_PTR(-EOPNOTSUPP);
	/* A flush queue is only worth it where the driver defers flushes;
	 * dma-iommu makes the same downgrade in iommu_dma_init_domain(). */
	if (type == IOMMU_DOMAIN_DMA_FQ &&
	    !device_iommu_capable(dev, IOMMU_CAP_DEFERRED_FLUSH))
		type = IOMMU_DOMAIN_DMA;
	if (type & __IOMMU_DOMAIN_PAGING)
		return __iommu_paging_domain_alloc_flags(dev, type, 0);
	return ERR_PTR(-EINVAL);
}

static struct iommu_domain *
iommu_group_alloc_default_domain(struct iommu_group *group, unsigned int req)
{
	struct iommu_domain *dom;

	if (req)
		return __iommu_group_alloc_default_domain(group, req);
	/* No guidance from the driver: the kernel's policy, else DMA. */
	dom = __iommu_group_alloc_default_domain(group,
						 iommu_def_domain_type(group->k));
	if (!IS_ERR(dom) || iommu_def_domain_type(group->k) == IOMMU_DOMAIN_DMA)
		return dom;
	return __iommu_group_alloc_default_domain(group, IOMMU_DOMAIN_DMA);
}

static int iommu_setup_default_domain(struct iommu_group *group)
{
	struct iommu_domain *old_dom = group->default_domain;
	struct group_device *gdev;
	struct iommu_domain *dom;
	unsigned int req_type = 0;
	int ret;

	for_each_group_device(group, gdev)
		req_type = iommu_get_def_domain_type(gdev->dev, req_type);
	dom = iommu_group_alloc_default_domain(group, req_type);
	if (IS_ERR(dom))
		return (int)PTR_ERR(dom);
	if (group->default_domain == dom)
		return 0;

	/* 1:1 regions are mapped before any device translates through dom. */
	for_each_group_device(group, gdev) {
		ret = iommu_create_device_direct_mappings(dom, gdev->dev);
		if (ret)
			goto err_free;
	}

	group->default_domain = dom;
	/* A first default domain cannot be refused: nothing to go back to. */
	if (!group->domain)
		ret = iommu_group_force(group, dom);
	else
		ret = iommu_group_switch(group, dom);
	if (ret) {
		group->default_domain = old_dom;
		goto err_free;
	}
	if (old_dom)
		__iommu_domain_free(old_dom);
	return 0;

err_free:
	__iommu_domain_free(dom);
	return ret;
}

/* ----------------------------------------------------- probe and release */

static int __iommu_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	const struct iommu_ops *ops;
	struct iommu_device *iommu, *iommu_dev;
	struct iommu_group *group;
	struct group_device *gdev;
	int ret;

	if (!fwspec)
		return -ENODEV;
	if (dev->iommu_group)
		return 0;
	iommu = iommu_from_fwnode(dev->k, fwspec->iommu_fwnode);
	if (!iommu)
		return -ENODEV;
	ops = iommu->ops;

	iommu_dev = ops->probe_device(dev);
	if (IS_ERR(iommu_dev))
		return (int)PTR_ERR(iommu_dev);
	if (!iommu_dev)
		return -ENODEV;
	dev->iommu->iommu_dev = iommu_dev;

	group = ops->device_group ? ops->device_group(dev) :
				    generic_device_group(dev);
	if (IS_ERR_OR_NULL(group)) {
		ret = group ? (int)PTR_ERR(group) : -EINVAL;
		goto err_release;
	}
	gdev = kzalloc(dev->k, sizeof(*gdev));
	if (!gdev) {
		ret = -ENOMEM;
		goto err_put_group;
	}
	gdev->dev = dev;

	mutex_lock(&group->mutex);
	list_add_tail(&gdev->list, &group->devices);
	dev->iommu_group = group;
	if (group->default_domain) {
		ret = iommu_create_device_direct_mappings(group->default_domain,
							  dev);
		if (ret)
			goto err_remove_gdev;
	}
	if (group->domain)
		ret = iommu_dev_enter(group, dev, group->domain);
	else
		ret = iommu_setup_default_domain(group);
	if (ret)
		goto err_remove_gdev;
	mutex_unlock(&group->mutex);
	return 0;

err_remove_gdev:
	list_del(&gdev->list);
	dev->iommu_group = NULL;
	if (list_empty(&group->devices)) {
		group->domain = NULL;
		__iommu_domain_free(group->default_domain);
		group->default_domain = NULL;
	}
	mutex_unlock(&group->mutex);
	kfree(gdev);
err_put_group:
	iommu_group_put(group);
err_release:
	if (ops->release_device)
		ops->release_device(dev);
	dev->iommu->iommu_dev = NULL;
	dev->iommu->priv = NULL;
	return ret;
}

/* Probe, then give a DMA default domain its IOVA space; all or nothing. */
static int iommu_probe_and_setup(struct device *dev)
{
	int ret = __iommu_probe_device(dev);

	if (!ret) {
		ret = iommu_setup_dma_ops(dev);
		if (ret)
			__iommu_release_device(dev);
	}
	return ret;
}

int iommu_probe_device(struct device *dev)
{
	int ret;

	if (!dev || !dev->k)
		return -ENODEV;
	mutex_lock(&dev->k->lock);
	ret = iommu_probe_and_setup(dev);
	mutex_unlock(&dev->k->lock);
	return ret;
}

static void __iommu_release_device(struct device *dev)
{
	struct iommu_group *group = dev->iommu_group;
	const struct iommu_ops *ops;
	struct group_device *gdev;

	if (!group || !dev_has_iommu(dev))
		return;
	ops = dev_iommu_ops(dev);

	mutex_lock(&group->mutex);
	for_each_group_device(group, gdev)
		if (gdev->dev == dev)
			break;
	if (!KWARN_ON(dev->k, &gdev->list == &group->devices)) {
		list_del(&gdev->list);
		kfree(gdev);
	}
	/* The last device takes the core's domains with it; a caller's
	 * domain stays the caller's to free. */
	if (list_empty(&group->devices)) {
		if (group->blocking_domain != group->default_domain)
			__iommu_domain_free(group->blocking_domain);
		__iommu_domain_free(group->default_domain);
		group->blocking_domain = NULL;
		group->default_domain = NULL;
		group->domain = NULL;
		group->owner = NULL;
		group->owner_cnt = 0;
	}
	dev->iommu_group = NULL;
	mutex_unlock(&group->mutex);

	if (ops->release_device)
		ops->release_device(dev);
	dev->iommu->iommu_dev = NULL;
	dev->iommu->priv = NULL;
	dev->iommu->require_direct = false;
	iommu_group_put(group);
}

void iommu_release_device(struct device *dev)
{
	if (!dev || !dev->k)
		return;
	mutex_lock(&dev->k->lock);
	__iommu_release_device(dev);
	mutex_unlock(&dev->k->lock);
}
