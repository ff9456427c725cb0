// SPDX-License-Identifier: MIT
/*
 * Reserved regions, after Linux's drivers/iommu/iommu.c: ranges of a
 * device's IOVA space the IOMMU driver says are special (a software MSI
 * window, firmware's 1:1 regions such as IORT RMRs, holes).  Per device the
 * driver's list is handed out as is; per group the lists of all devices are
 * merged into one, sorted by start address, with overlapping or touching
 * regions of the same type fused, so VFIO/iommufd see one map per group.
 *
 * Default DMA domains also get the devices' DIRECT regions mapped 1:1
 * before anything is attached (iommu_create_device_direct_mappings).
 */
#include "kernel/iommu-priv.h"

struct iommu_resv_region *iommu_alloc_resv_region(struct kernel *k,
						  phys_addr_t start,
						  size_t length, int prot,
						  enum iommu_resv_type type)
{
	struct iommu_resv_region *region = kzalloc(k, sizeof(*region));

	if (!region)
		return NULL;
	INIT_LIST_HEAD(&region->list);
	region->start = start;
	region->length = length;
	region->prot = prot;
	region->type = type;
	return region;
}

void iommu_get_resv_regions(struct device *dev, struct list_head *list)
{
	const struct iommu_ops *ops;

	if (!dev_has_iommu(dev) || !list)
		return;
	ops = dev_iommu_ops(dev);
	if (ops->get_resv_regions)
		ops->get_resv_regions(dev, list);
}

void iommu_put_resv_regions(struct device *dev, struct list_head *list)
{
	struct iommu_resv_region *entry, *next;

	if (!list)
		return;
	list_for_each_entry_safe(entry, next, list, list) {
		list_del(&entry->list);
		if (entry->free)
			entry->free(dev, entry);
		else
			kfree(entry);
	}
}

void iommu_put_group_resv_regions(struct list_head *head)
{
	iommu_put_resv_regions(NULL, head);
}

static phys_addr_t resv_last(const struct iommu_resv_region *r)
{
	return r->start + r->length - 1;
}

/*
 * Adds a copy of new to the sorted list regions, then fuses every region
 * of new's type that overlaps or touches its predecessor of that type.
 */
static int iommu_insert_resv_region(struct kernel *k,
				    const struct iommu_resv_region *new,
				    struct list_head *regions)
{
	struct iommu_resv_region *nr, *iter, *next, *prev = NULL;

	if (!new->length)
		return 0;
	nr = iommu_alloc_resv_region(k, new->start, new->length, new->prot,
				     new->type);
	if (!nr)
		return -ENOMEM;
	list_for_each_entry(iter, regions, list)
		if (nr->start < iter->start ||
		    (nr->start == iter->start && nr->type <= iter->type))
			break;
	list_add_tail(&nr->list, &iter->list);

	list_for_each_entry_safe(iter, next, regions, list) {
		if (iter->type != new->type)
			continue;
		if (prev && iter->start <= resv_last(prev) + 1) {
			phys_addr_t last = max(resv_last(prev), resv_last(iter));

			prev->length = last - prev->start + 1;
			list_del(&iter->list);
			kfree(iter);
			continue;
		}
		prev = iter;
	}
	return 0;
}

int iommu_get_group_resv_regions(struct iommu_group *group,
				 struct list_head *head)
{
	struct group_device *gdev;
	int ret = 0;

	if (!group || !head)
		return -EINVAL;
	mutex_lock(&group->mutex);
	for_each_group_device(group, gdev) {
		struct list_head dev_regions;
		struct iommu_resv_region *entry;

		if (!dev_has_iommu(gdev->dev))
			break;
		INIT_LIST_HEAD(&dev_regions);
		iommu_get_resv_regions(gdev->dev, &dev_regions);
		list_for_each_entry(entry, &dev_regions, list) {
			ret = iommu_insert_resv_region(group->k, entry, head);
			if (ret)
				break;
		}
		iommu_put_resv_regions(gdev->dev, &dev_regions);
		if (ret)
			break;
	}
	mutex_unlock(&group->mutex);
	return ret;
}

int iommu_create_device_direct_mappings(struct iommu_domain *domain,
					struct device *dev)
{
	struct iommu_resv_region *entry;
	struct list_head regions;
	unsigned long pg_size;
	bool mapped_any = false;
	int ret = 0;

	INIT_LIST_HEAD(&regions);
	iommu_get_resv_regions(dev, &regions);
	pg_size = domain->pgsize_bitmap ? BIT(__ffs64(domain->pgsize_bitmap)) : 0;

	list_for_each_entry(entry, &regions, list) {
		dma_addr_t start, end, addr;
		size_t map_size = 0;

		if (entry->type == IOMMU_RESV_DIRECT)
			dev->iommu->require_direct = true;
		if ((entry->type != IOMMU_RESV_DIRECT &&
		     entry->type != IOMMU_RESV_DIRECT_RELAXABLE) ||
		    !iommu_is_dma_domain(domain) || !pg_size)
			continue;

		/* Map the holes: another device of the group may have mapped
		 * part of an overlapping region already. */
		start = ALIGN_DOWN(entry->start, pg_size);
		end = ALIGN(entry->start + entry->length, pg_size);
		for (addr = start; addr <= end; addr += pg_size) {
			if (addr < end && !iommu_iova_to_phys(domain, addr)) {
				map_size += pg_size;
				continue;
			}
			if (map_size) {
				ret = iommu_map(domain, addr - map_size,
						addr - map_size, map_size,
						entry->prot);
				if (ret)
					goto out;
				mapped_any = true;
				map_size = 0;
			}
		}
	}
out:
	if (!ret && mapped_any)
		iommu_flush_iotlb_all(domain);
	iommu_put_resv_regions(dev, &regions);
	return ret;
}
