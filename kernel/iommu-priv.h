/* SPDX-License-Identifier: MIT */
/*
 * What the IOMMU core's files share and drivers do not see, as Linux's
 * drivers/iommu/iommu-priv.h: the group and its device list.
 */
#ifndef IOMMUSIM_KERNEL_IOMMU_PRIV_H
#define IOMMUSIM_KERNEL_IOMMU_PRIV_H

#include "kernel/iommu.h"

struct group_device {
	struct list_head list;
	struct device *dev;
};

struct iommu_group {
	struct kernel *k;
	struct list_head node;		/* in k->groups */
	int id;
	unsigned int refcount;		/* under k->groups_lock */
	struct mutex mutex;		/* everything below */
	struct list_head devices;	/* of group_device */
	struct iommu_domain *domain;	/* attached now */
	struct iommu_domain *default_domain;
	struct iommu_domain *blocking_domain;
	void *owner;			/* DMA owner (VFIO, iommufd) */
	unsigned int owner_cnt;
	struct list_head pasids;	/* of iommu_pasid_entry (pasid_array) */
};

#define for_each_group_device(group, pos) \
	list_for_each_entry(pos, &(group)->devices, list)

static inline struct device *iommu_group_first_dev(struct iommu_group *group)
{
	return list_first_entry(&group->devices, struct group_device, list)->dev;
}

/*
 * kernel/iommu-attach.c, for probe and default-domain setup; callers hold
 * group->mutex.  iommu_dev_enter: one device onto domain, or the driver's
 * errno.  iommu_group_switch: the whole group, all or nothing.
 * iommu_group_force: the whole group, refusing devices parked on the
 * blocking domain; returns the last refusal.
 */
int iommu_dev_enter(struct iommu_group *group, struct device *dev,
		    struct iommu_domain *domain);
int iommu_group_switch(struct iommu_group *group, struct iommu_domain *to);
int iommu_group_force(struct iommu_group *group, struct iommu_domain *to);

/* Maps dev's DIRECT regions 1:1 into a DMA domain (kernel/iommu-resv.c). */
int iommu_create_device_direct_mappings(struct iommu_domain *domain,
					struct device *dev);

#endif
