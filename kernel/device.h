/* SPDX-License-Identifier: MIT */
/*
 * struct device: what the driver model knows about one device of a kernel
 * instance, reduced to what the IOMMU and MSI layers use (include/linux/
 * device.h).  A bus or driver embeds it (or uses device_create()), gives it
 * firmware IOMMU data with iommu_fwspec_init()/iommu_fwspec_add_ids(), as
 * IORT or a DT "iommus" property would, then device_add() makes it live and
 * probes it against the kernel's registered IOMMUs.
 *
 * A fwnode_handle stands for a firmware node: an IOMMU's node is the
 * fwnode of the struct device it was registered with, and an endpoint's
 * fwspec points at it.
 */
#ifndef IOMMUSIM_KERNEL_DEVICE_H
#define IOMMUSIM_KERNEL_DEVICE_H

#include "kernel/kernel.h"

struct dev_iommu;
struct iommu_group;

struct fwnode_handle {
	const char *name;
};

struct device {
	char name[32];
	struct kernel *k;		/* the instance that owns it */
	struct list_head node;		/* in k->devices once added */
	bool added;
	struct fwnode_handle fwnode;	/* its own firmware node */
	struct dev_iommu *iommu;	/* IOMMU data, see kernel/iommu.h */
	struct iommu_group *iommu_group;
	void *driver_data;
	int iommu_probe_err;		/* why its IOMMU refused it, 0 if not */
	u64 dma_mask;			/* addresses it can issue; 0: all 64 bits */
	bool is_pci;			/* a PCI(-like) function */
	/* dma-iommu tries IOVAs below 4G first (Linux's pci_32bit_workaround) */
	bool pci_32bit_workaround;
	bool allocated;			/* by device_create() */
};

static inline const char *dev_name(const struct device *dev)
{
	return dev->name;
}

static inline struct fwnode_handle *dev_fwnode(struct device *dev)
{
	return &dev->fwnode;
}

static inline void *dev_get_drvdata(const struct device *dev)
{
	return dev->driver_data;
}

static inline void dev_set_drvdata(struct device *dev, void *data)
{
	dev->driver_data = data;
}

void device_initialize(struct device *dev, struct kernel *k, const char *name);
/*
 * Makes the device live in its kernel and, when its fwspec names an IOMMU
 * already registered there, probes it (iommu_probe_device()).  A device
 * without IOMMU or whose IOMMU is not (yet) registered is added all the
 * same and simply has no group.  -EINVAL for a device added twice.
 */
int device_add(struct device *dev);
/*
 * Non-zero when the device sits behind an IOMMU that failed to take it:
 * a driver must not bind (Linux's dma_configure fails), its DMA and MSIs
 * would go untranslated where hardware would translate them.
 */
static inline int device_iommu_probe_error(const struct device *dev)
{
	return dev->iommu_probe_err;
}

#define DMA_BIT_MASK(n)	((n) == 64 ? ~0ULL : ((1ULL << (n)) - 1))

/* The device's DMA addressing limit (dma_get_mask / dma_set_mask). */
static inline u64 dma_get_mask(const struct device *dev)
{
	return dev->dma_mask ? dev->dma_mask : DMA_BIT_MASK(64);
}

static inline int dma_set_mask(struct device *dev, u64 mask)
{
	if (mask < DMA_BIT_MASK(24))	/* as dma_supported() refuses */
		return -EIO;
	dev->dma_mask = mask;
	return 0;
}

/* Releases it from its IOMMU and group, frees its fwspec. */
void device_del(struct device *dev);

/* kzalloc'd device + device_initialize(); device_destroy() dels and frees. */
struct device *device_create(struct kernel *k, const char *name);
void device_destroy(struct device *dev);

#endif
