// SPDX-License-Identifier: MIT
/*
 * The ITS as a parent irq domain of kernel/msi.h's device MSI domains:
 * Linux's its_msi_prepare / its_irq_domain_alloc+activate / unmask,
 * compose, and mask / deactivate / free, folded into the five ops the
 * hierarchy here has:
 *
 *	msi_prepare   find or create the its_device of the DeviceID (MAPD)
 *	alloc         EventID + LPI, iommu_dma_prepare_msi, pick the least
 *	              loaded CPU, MAPTI + SYNC, enable the LPI + invalidate
 *	compose       {ITS base + GITS_TRANSLATER, EventID}
 *	free          disable the LPI + invalidate, DISCARD + SYNC
 *	msi_teardown  last user gone: LPIs freed, MAPD V=0, ITT freed
 *
 * irq_data.hwirq is the EventID (msi.h's contract for a parent); the LPI
 * is lpi_base + EventID, as in Linux where hwirq is the LPI and the
 * EventID is hwirq - lpi_base.
 */
#include "kernel/drivers/gic-its-priv.h"

#include "kernel/iommu-msi.h"

static const struct irq_domain_ops its_domain_ops;

static int its_msi_prepare(struct irq_domain *d, struct device *dev,
			   struct msi_alloc_info *info)
{
	struct its_node *its = d->host_data;
	struct its_device *its_dev;
	int err = 0;

	(void)dev;	/* the DeviceID came down in info, as in Linux */
	mutex_lock(&its->dev_alloc_lock);
	its_dev = its_find_device(its, info->dev_id);
	if (its_dev)	/* an alias (a bridge) of a DeviceID already mapped */
		its_dev->users++;
	else
		its_dev = its_create_device(its, info->dev_id, info->nvec, &err);
	mutex_unlock(&its->dev_alloc_lock);
	info->scratch = its_dev;
	return err;
}

static void its_msi_teardown(struct irq_domain *d, struct msi_alloc_info *info)
{
	struct its_node *its = d->host_data;
	struct its_device *its_dev = info->scratch;

	if (!its_dev)
		return;
	mutex_lock(&its->dev_alloc_lock);
	if (!--its_dev->users)
		its_free_device(its_dev);
	mutex_unlock(&its->dev_alloc_lock);
	info->scratch = NULL;
}

/* Linux's its_select_cpu() for an unmanaged interrupt: least loaded. */
static unsigned int its_select_cpu(struct its_node *its)
{
	unsigned int best = 0;

	for (unsigned int cpu = 1; cpu < its->nr_cpus; cpu++)
		if (its->rdists[cpu].lpi_count < its->rdists[best].lpi_count)
			best = cpu;
	return best;
}

/* Write the LPI's configuration byte and make its redistributor see it. */
static int lpi_update_config(struct its_device *its_dev, u32 event, u8 clr, u8 set)
{
	struct its_node *its = its_dev->its;
	u32 lpi = its_dev->lpi_base + event;

	lpi_write_config(its, lpi, clr, set);
	if (its->has_direct_lpi)
		return its_direct_lpi_inv(its, its_dev->col_map[event], lpi);
	return its_send_inv(its_dev, event);
}

static void its_release_event(struct its_device *its_dev, u32 event)
{
	struct its_node *its = its_dev->its;

	mutex_lock(&its->dev_alloc_lock);
	its->rdists[its_dev->col_map[event]].lpi_count--;
	its_clear_bit(its_dev->event_map, event);
	mutex_unlock(&its->dev_alloc_lock);
}

static int its_irq_domain_alloc(struct irq_domain *d, struct irq_data *irqd,
				struct msi_alloc_info *info)
{
	struct its_device *its_dev = info->scratch;
	struct its_node *its = d->host_data;
	u32 event;
	int err;

	mutex_lock(&its->dev_alloc_lock);
	for (event = 0; event < its_dev->nr_lpis; event++)
		if (!its_test_bit(its_dev->event_map, event))
			break;
	if (event == its_dev->nr_lpis) {
		mutex_unlock(&its->dev_alloc_lock);
		return -ENOSPC;
	}
	its_set_bit(its_dev->event_map, event);
	its_dev->col_map[event] = (u16)its_select_cpu(its);
	its->rdists[its_dev->col_map[event]].lpi_count++;
	mutex_unlock(&its->dev_alloc_lock);

	err = iommu_dma_prepare_msi(info->desc, its->phys_base + GITS_TRANSLATER);
	if (err)
		goto out_release;
	irqd->hwirq = event;
	irqd->chip_data = its_dev;

	/* activate: map the event to the LPI on its collection */
	err = its_send_mapti(its_dev, its_dev->lpi_base + event, event);
	if (err)
		goto out_release;
	/* unmask */
	err = lpi_update_config(its_dev, event, 0, LPI_PROP_ENABLED);
	if (err)
		goto out_discard;
	return 0;

out_discard:
	lpi_write_config(its, its_dev->lpi_base + event, LPI_PROP_ENABLED, 0);
	its_send_discard(its_dev, event);
out_release:
	irqd->chip_data = NULL;
	its_release_event(its_dev, event);
	return err;
}

static void its_irq_domain_free(struct irq_domain *d, struct irq_data *irqd)
{
	struct its_device *its_dev = irqd->chip_data;
	u32 event = (u32)irqd->hwirq;

	(void)d;
	/* mask, then deactivate; a failed command is counted in the node */
	lpi_update_config(its_dev, event, LPI_PROP_ENABLED, 0);
	its_send_discard(its_dev, event);
	its_release_event(its_dev, event);
	irqd->chip_data = NULL;
}

static void its_irq_compose_msi_msg(struct irq_data *irqd, struct msi_msg *msg)
{
	struct its_node *its = irqd->domain->host_data;

	msi_msg_set_addr(irqd->msi_desc, msg, its->phys_base + GITS_TRANSLATER);
	msg->data = (u32)irqd->hwirq;
}

static const struct irq_domain_ops its_domain_ops = {
	.msi_prepare = its_msi_prepare,
	.msi_teardown = its_msi_teardown,
	.alloc = its_irq_domain_alloc,
	.free = its_irq_domain_free,
	.compose_msi_msg = its_irq_compose_msi_msg,
};

struct irq_domain *its_create_irq_domain(struct its_node *its)
{
	return irq_domain_create(its->k, "gic-its", &its_domain_ops, its);
}

int gic_its_irq_target(const struct irq_data *irqd, u32 *lpi, unsigned int *cpu)
{
	const struct its_device *its_dev;

	if (!irqd || !irqd->domain || irqd->domain->ops != &its_domain_ops ||
	    !irqd->chip_data)
		return -EINVAL;
	its_dev = irqd->chip_data;
	if (lpi)
		*lpi = its_dev->lpi_base + (u32)irqd->hwirq;
	if (cpu)
		*cpu = its_dev->col_map[irqd->hwirq];
	return 0;
}
