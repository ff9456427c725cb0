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
};

#define for_each_group_device(group, pos) \
	list_for_each_entry(pos, &(group)->devices, list)

static inline struct device *iommu_group_first_dev(struct iommu_group *group)
{
	return list_first_entry(&group->devices, struct group_device, list)->dev;
}

/* Flags of __iommu_group_set_domain_internal(). */
#define IOMMU_SET_DOMAIN_MUST_SUCCEED	(1U << 0)

/* kernel/iommu-attach.c, for probe and default-domain setup. */
int __iommu_device_set_domain(struct iommu_group *group, struct device *dev,
			      struct iommu_domain *new_domain,
			      unsigned int flags);
int __iommu_group_set_domain_internal(struct iommu_group *group,
				      struct iommu_domain *new_domain,
				      unsigned int flags);

/* Maps dev's DIRECT regions 1:1 into a DMA domain (kernel/iommu-resv.c). */
int iommu_create_device_direct_mappings(struct iommu_domain *domain,
					struct device *dev);

#endif
