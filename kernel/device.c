// SPDX-License-Identifier: MIT
/*
 * Device lifetime: see device.h.  Adding a device is what makes the IOMMU
 * core probe it, as Linux's bus notifier and dma_configure do.
 */
#include <stdio.h>

#include "kernel/device.h"
#include "kernel/iommu.h"

void device_initialize(struct device *dev, struct kernel *k, const char *name)
{
	bool allocated = dev->allocated;

	*dev = (struct device){ .k = k, .allocated = allocated };
	snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "device");
	dev->fwnode.name = dev->name;
	INIT_LIST_HEAD(&dev->node);
}

int device_add(struct device *dev)
{
	struct kernel *k;

	if (!dev || !dev->k)
		return -EINVAL;
	k = dev->k;
	mutex_lock(&k->lock);
	if (dev->added) {
		mutex_unlock(&k->lock);
		return -EINVAL;
	}
	dev->added = true;
	list_add_tail(&dev->node, &k->devices);
	mutex_unlock(&k->lock);

	/*
	 * No IOMMU, or not registered yet (-ENODEV): the device lives without
	 * a group.  Any other probe failure is remembered: the device exists on
	 * its bus, but binding a driver to it fails (Linux's dma_configure),
	 * and nothing may program it to DMA or signal untranslated behind an
	 * IOMMU that could not take it (see device_iommu_probe_error()).
	 */
	if (dev->iommu && dev->iommu->fwspec) {
		int ret = iommu_probe_device(dev);

		dev->iommu_probe_err = ret == -ENODEV ? 0 : ret;
	}
	return 0;
}

void device_del(struct device *dev)
{
	struct kernel *k;

	if (!dev || !dev->added)
		return;
	k = dev->k;
	iommu_release_device(dev);
	iommu_fwspec_free(dev);
	mutex_lock(&k->lock);
	list_del(&dev->node);
	dev->added = false;
	mutex_unlock(&k->lock);
}

struct device *device_create(struct kernel *k, const char *name)
{
	struct device *dev;

	if (!k)
		return NULL;
	dev = kzalloc(k, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->allocated = true;
	device_initialize(dev, k, name);
	return dev;
}

void device_destroy(struct device *dev)
{
	if (!dev)
		return;
	device_del(dev);
	iommu_fwspec_free(dev);
	if (dev->allocated)
		kfree(dev);
}
