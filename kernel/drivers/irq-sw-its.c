// SPDX-License-Identifier: MIT
/*
 * The software ITS parent domain: see irq-sw-its.h.
 *
 * Per device it keeps what a real ITS driver keeps in its its_device: the
 * DeviceID and a bitmap of EventIDs (an ITT of nvec rounded up to a power
 * of two, as Linux sizes it).  Alloc takes the lowest free EventID and then,
 * because the ITS sits behind the IOMMU on an Arm system, asks the IOMMU
 * layer to make the doorbell reachable from the device
 * (iommu_dma_prepare_msi); compose then writes the address the IOMMU layer
 * recorded, so the message carries an IOVA whenever the device is
 * translated.
 */
#include "kernel/drivers/irq-sw-its.h"

#include <stdatomic.h>

#include "kernel/iommu-msi.h"

struct sw_its {
	phys_addr_t doorbell;
	unsigned int max_events;
	atomic_uint nr_devices;	/* device MSI domains may share the ITS */
};

struct sw_its_device {
	u32 dev_id;
	unsigned int nr_events;
	unsigned long *bitmap;
};

#define BITS_PER_LONG	(8 * sizeof(long))

static int sw_its_msi_prepare(struct irq_domain *d, struct device *dev,
			      struct msi_alloc_info *info)
{
	struct sw_its *its = d->host_data;
	struct sw_its_device *idev;
	unsigned int n = 1;

	(void)dev;
	while (n < info->nvec)
		n <<= 1;
	if (n > its->max_events)
		return -ENOSPC;
	idev = kzalloc(d->k, sizeof(*idev));
	if (!idev)
		return -ENOMEM;
	idev->bitmap = kzalloc(d->k, DIV_ROUND_UP(n, BITS_PER_LONG) * sizeof(long));
	if (!idev->bitmap) {
		kfree(idev);
		return -ENOMEM;
	}
	idev->dev_id = info->dev_id;
	idev->nr_events = n;
	info->scratch = idev;
	atomic_fetch_add(&its->nr_devices, 1);
	return 0;
}

static void sw_its_msi_teardown(struct irq_domain *d, struct msi_alloc_info *info)
{
	struct sw_its_device *idev = info->scratch;
	struct sw_its *its = d->host_data;

	if (!idev)
		return;
	kfree(idev->bitmap);
	kfree(idev);
	info->scratch = NULL;
	atomic_fetch_sub(&its->nr_devices, 1);
}

static int sw_its_alloc(struct irq_domain *d, struct irq_data *irqd,
			struct msi_alloc_info *info)
{
	struct sw_its_device *idev = info->scratch;
	struct sw_its *its = d->host_data;
	unsigned int ev;
	int ret;

	for (ev = 0; ev < idev->nr_events; ev++)
		if (!(idev->bitmap[ev / BITS_PER_LONG] & (1UL << (ev % BITS_PER_LONG))))
			break;
	if (ev == idev->nr_events)
		return -ENOSPC;
	ret = iommu_dma_prepare_msi(info->desc, its->doorbell);
	if (ret)
		return ret;
	idev->bitmap[ev / BITS_PER_LONG] |= 1UL << (ev % BITS_PER_LONG);
	irqd->hwirq = ev;
	irqd->chip_data = idev;
	return 0;
}

static void sw_its_free(struct irq_domain *d, struct irq_data *irqd)
{
	struct sw_its_device *idev = irqd->chip_data;
	unsigned long ev = irqd->hwirq;

	(void)d;
	idev->bitmap[ev / BITS_PER_LONG] &= ~(1UL << (ev % BITS_PER_LONG));
}

static void sw_its_compose_msi_msg(struct irq_data *irqd, struct msi_msg *msg)
{
	struct sw_its *its = irqd->domain->host_data;

	msi_msg_set_addr(irqd->msi_desc, msg, its->doorbell);
	msg->data = (u32)irqd->hwirq;
}

static const struct irq_domain_ops sw_its_ops = {
	.msi_prepare = sw_its_msi_prepare,
	.msi_teardown = sw_its_msi_teardown,
	.alloc = sw_its_alloc,
	.free = sw_its_free,
	.compose_msi_msg = sw_its_compose_msi_msg,
};

struct irq_domain *sw_its_create(struct kernel *k, const char *name,
				 phys_addr_t doorbell, unsigned int max_events)
{
	struct irq_domain *d;
	struct sw_its *its;

	if (!max_events)
		return NULL;
	its = kzalloc(k, sizeof(*its));
	if (!its)
		return NULL;
	its->doorbell = doorbell;
	its->max_events = max_events;
	d = irq_domain_create(k, name, &sw_its_ops, its);
	if (!d)
		kfree(its);
	return d;
}

void sw_its_destroy(struct irq_domain *d)
{
	if (!d)
		return;
	kfree(d->host_data);
	irq_domain_remove(d);
}

unsigned int sw_its_nr_devices(struct irq_domain *d)
{
	return atomic_load(&((struct sw_its *)d->host_data)->nr_devices);
}
