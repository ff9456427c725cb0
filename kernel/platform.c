// SPDX-License-Identifier: MIT
/*
 * Board bring-up: what firmware and the board's init code do before any
 * endpoint driver runs (see platform.h).  The order is Linux's: the
 * interrupt controller first (irqchip init), then the IOMMU (its driver
 * probes before the endpoints so they find it), then the bus, whose
 * devices name their IOMMU and StreamID in a fwspec as IORT's ID mappings
 * would.  The endpoint driver API lives in platform-ep.c.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/drivers/gic-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu.h"
#include "kernel/platform-priv.h"

/* DeviceID at the ITS: the RID, which IORT maps 1:1 to the StreamID. */
static int platform_msi_dev_id(struct device *dev, void *data, u32 *dev_id)
{
	(void)data;
	*dev_id = to_ep_device(dev)->rid;
	return 0;
}

static const struct msi_domain_ops platform_msi_ops = {
	.get_dev_id = platform_msi_dev_id,
	.write_msg = platform_ep_write_msg,
};

/* The SMMU's wired lines, as GIC SPIs routed to the driver's handlers. */
static void platform_smmu_evtq_irq(void *opaque)
{
	arm_smmu_evtq_irq(((struct platform *)opaque)->smmu);
}

static void platform_smmu_gerror_irq(void *opaque)
{
	arm_smmu_gerror_irq(((struct platform *)opaque)->smmu);
}

static const struct smmuv3_irq_ops platform_smmu_irq_ops = {
	.eventq = platform_smmu_evtq_irq,
	.gerror = platform_smmu_gerror_irq,
};

static int platform_probe_iommu(struct platform *p)
{
	struct arm_smmu_device *smmu;

	switch (p->cfg.iommu) {
	case PLATFORM_IOMMU_SMMUV3:
		smmu = arm_smmu_device_probe(p->k, p->board.smmu_base, "smmuv3");
		if (IS_ERR(smmu))
			return (int)PTR_ERR(smmu);
		p->smmu = smmu;
		p->iommu_fwnode = arm_smmu_fwnode(smmu);
		if (p->board.rmr_size)
			arm_smmu_set_rmr(smmu, p->board.rmr_base, p->board.rmr_size);
		if (p->m)
			machine_set_smmu_irq(p->m, &platform_smmu_irq_ops, p);
		return 0;
	case PLATFORM_IOMMU_MOCK:
		p->mock = mock_iommu_create(p->k, "smmuv3");
		if (!p->mock)
			return -ENOMEM;
		p->iommu_fwnode = mock_iommu_fwnode(p->mock);
		return 0;
	case PLATFORM_IOMMU_NONE:
		return 0;
	}
	return -EINVAL;
}

static void platform_remove_iommu(struct platform *p)
{
	if (p->smmu) {
		if (p->m)
			machine_set_smmu_irq(p->m, NULL, NULL);
		arm_smmu_device_remove(p->smmu);
		p->smmu = NULL;
	}
	if (p->mock)
		mock_iommu_destroy(p->mock);
	p->mock = NULL;
	p->iommu_fwnode = NULL;
}

/* The board a machine's firmware would describe. */
static void platform_machine_board(struct machine *m, struct platform_board *b)
{
	const struct machine_config *mc = machine_get_config(m);

	memset(b, 0, sizeof(*b));
	b->mem = machine_mem(m);
	b->ram_base = mc->ram_base;
	b->ram_size = mc->ram_size;
	b->its_base = mc->its_base;
	b->gicr_base = mc->gicr_base;
	b->has_smmu = mc->has_smmu;
	b->smmu_base = mc->smmu_base;
}

static struct platform *platform_boot_common(struct machine *m,
					     const struct platform_board *b,
					     const struct platform_config *cfg)
{
	struct gic_its_config its_cfg = {
		.its_base = b->its_base,
		.gicr_base = b->gicr_base,
	};
	phys_addr_t ram_base = b->ram_base;
	u64 ram_size = b->ram_size;
	struct kernel *k;
	struct platform *p;
	int ret;

	if (cfg->iommu != PLATFORM_IOMMU_SMMUV3 &&
	    cfg->iommu != PLATFORM_IOMMU_NONE &&
	    (cfg->iommu != PLATFORM_IOMMU_MOCK || !m))
		return ERR_PTR(-EINVAL);
	if (cfg->ram_size) {
		if (cfg->ram_base < b->ram_base ||
		    cfg->ram_size > b->ram_size ||
		    cfg->ram_base - b->ram_base > b->ram_size - cfg->ram_size)
			return ERR_PTR(-EINVAL);
		ram_base = cfg->ram_base;
		ram_size = cfg->ram_size;
	}
	if (cfg->iommu != PLATFORM_IOMMU_NONE && !b->has_smmu)
		return ERR_PTR(-ENODEV);
	k = kernel_create(cfg->name ? cfg->name : "host", b->mem,
			  ram_base, ram_size);
	if (!k)
		return ERR_PTR(-ENOMEM);
	if (cfg->fail_count)
		kernel_share_fail_nth(k, cfg->fail_count);
	if (cfg->fail_site)
		kernel_share_fail_site(k, cfg->fail_site);
	p = kzalloc(k, sizeof(*p));
	if (!p) {
		kernel_destroy(k);
		return ERR_PTR(-ENOMEM);
	}
	p->k = k;
	p->m = m;
	p->board = *b;
	p->cfg = *cfg;
	mutex_init(&p->lock);
	INIT_LIST_HEAD(&p->eps);
	iommu_set_default_passthrough(k, cfg->passthrough);
	iommu_set_dma_strict(k, !cfg->lazy);

	ret = gic_its_probe(k, &its_cfg, &p->its);
	if (ret)
		goto err_free;
	p->msi = msi_create_irq_domain(k, "pci-msi", &platform_msi_ops, p,
				       gic_its_domain(p->its));
	if (!p->msi) {
		ret = -ENOMEM;
		goto err_its;
	}
	ret = platform_probe_iommu(p);
	if (ret)
		goto err_msi;
	return p;

err_msi:
	irq_domain_remove(p->msi);
err_its:
	gic_its_remove(p->its);
err_free:
	mutex_destroy(&p->lock);
	kfree(p);
	kernel_destroy(k);
	return ERR_PTR(ret);
}

struct platform *platform_boot(struct machine *m, const struct platform_config *cfg)
{
	struct platform_board b;

	platform_machine_board(m, &b);
	return platform_boot_common(m, &b, cfg);
}

struct platform *platform_boot_board(const struct platform_board *b,
				     const struct platform_config *cfg)
{
	if (!b->mem || b->nr_eps > MACHINE_MAX_ENDPOINTS)
		return ERR_PTR(-EINVAL);
	return platform_boot_common(NULL, b, cfg);
}

unsigned long platform_shutdown(struct platform *p)
{
	struct kernel *k = p->k;

	for (;;) {
		struct ep_device *epd = NULL;

		mutex_lock(&p->lock);
		if (!list_empty(&p->eps))
			epd = list_first_entry(&p->eps, struct ep_device, node);
		mutex_unlock(&p->lock);
		if (!epd)
			break;
		platform_remove_ep(epd);
	}
	platform_remove_iommu(p);
	KWARN_ON(k, irq_domain_remove(p->msi));
	KWARN_ON(k, gic_its_remove(p->its));
	mutex_destroy(&p->lock);
	kfree(p);
	return kernel_destroy(k);
}

struct kernel *platform_kernel(struct platform *p)
{
	return p->k;
}

struct machine *platform_machine(struct platform *p)
{
	return p->m;
}

struct irq_domain *platform_msi_domain(struct platform *p)
{
	return p->msi;
}

struct its_node *platform_its(struct platform *p)
{
	return p->its;
}

struct mock_iommu *platform_mock_iommu(struct platform *p)
{
	return p->mock;
}

struct arm_smmu_device *platform_smmu(struct platform *p)
{
	return p->smmu;
}

int platform_pop_event(struct platform *p, struct arm_smmu_event *evt)
{
	if (!p->smmu)
		return -ENODEV;
	return arm_smmu_pop_event(p->smmu, evt);
}

/*
 * With the mock driver the SMMU model holds no configuration, so an
 * endpoint behind it is routed through the mock's software walk instead,
 * keyed by the device the kernel created for it.
 */
static int platform_mock_translate(void *opaque, u32 requester_id,
				   dma_addr_t addr, size_t size, bool is_write,
				   phys_addr_t *pa)
{
	(void)requester_id;
	(void)size;
	(void)is_write;
	return mock_iommu_translate(opaque, addr, pa);
}

static const struct dma_translator_ops platform_mock_xlat_ops = {
	.translate = platform_mock_translate,
};

struct ep_device *platform_find_ep(struct platform *p, unsigned int index)
{
	struct ep_device *epd, *found = NULL;

	mutex_lock(&p->lock);
	list_for_each_entry(epd, &p->eps, node)
		if (epd->index == index)
			found = epd;
	mutex_unlock(&p->lock);
	return found;
}

/* Endpoint index as firmware describes it: 0, or -ENODEV. */
static int platform_ep_desc(struct platform *p, unsigned int index,
			    struct platform_board_ep *desc, u32 *sid)
{
	const struct machine_config *mc;

	if (!p->m) {
		if (index >= p->board.nr_eps)
			return -ENODEV;
		*desc = p->board.ep[index];
		*sid = desc->rid;
		return 0;
	}
	/* A machine may have grown endpoints since boot. */
	if (index >= machine_nr_endpoints(p->m))
		return -ENODEV;
	mc = machine_get_config(p->m);
	desc->rid = mc->ep[index].rid;
	desc->bar = machine_endpoint_bar(p->m, index);
	desc->behind_smmu = mc->ep[index].behind_smmu;
	*sid = machine_endpoint_sid(p->m, index);
	return 0;
}

struct ep_device *platform_add_ep(struct platform *p, unsigned int index,
				  const char *name)
{
	return platform_add_ep_sids(p, index, name, NULL, 0);
}

struct ep_device *platform_add_ep_sids(struct platform *p, unsigned int index,
				       const char *name, const u32 *sids,
				       unsigned int nr_sids)
{
	struct platform_board_ep desc;
	struct ep_device *epd;
	char buf[32];
	u32 sid;
	int ret;

	if (nr_sids > PLATFORM_EP_MAX_SIDS || (nr_sids && !sids))
		return ERR_PTR(-EINVAL);
	if (platform_ep_desc(p, index, &desc, &sid))
		return ERR_PTR(-ENODEV);
	if (platform_find_ep(p, index))
		return ERR_PTR(-EBUSY);
	epd = kzalloc(p->k, sizeof(*epd));
	if (!epd)
		return ERR_PTR(-ENOMEM);
	if (!name) {
		snprintf(buf, sizeof(buf), "ep%u", index);
		name = buf;
	}
	device_initialize(&epd->dev, p->k, name);
	epd->dev.is_pci = true;	/* a PCI-like function: IOVAs below 4G first */
	epd->p = p;
	epd->index = index;
	epd->rid = desc.rid;
	epd->bar = desc.bar;
	epd->behind_iommu = desc.behind_smmu && p->iommu_fwnode;
	if (epd->behind_iommu) {
		ret = iommu_fwspec_init(&epd->dev, p->iommu_fwnode);
		if (!ret && nr_sids)
			ret = iommu_fwspec_add_ids(&epd->dev, sids, nr_sids);
		else if (!ret)
			ret = iommu_fwspec_add_ids(&epd->dev, &sid, 1);
		if (ret)
			goto err;
	}
	ret = device_add(&epd->dev);
	if (ret)
		goto err;
	/*
	 * device_add() shrugs off a failed IOMMU probe; binding a driver does
	 * not (Linux's dma_configure probes again and fails the bind), since
	 * the SMMU aborts a stream nobody configured.
	 */
	if (epd->behind_iommu && !dev_has_iommu(&epd->dev)) {
		ret = iommu_probe_device(&epd->dev);
		if (ret) {
			device_del(&epd->dev);
			kfree(epd);
			return ERR_PTR(ret);
		}
	}
	if (epd->behind_iommu && p->mock) {
		struct dma_translator t = { &platform_mock_xlat_ops, &epd->dev };

		endpoint_set_translator(machine_endpoint(p->m, index), &t);
	}
	mutex_lock(&p->lock);
	list_add_tail(&epd->node, &p->eps);
	mutex_unlock(&p->lock);
	return epd;
err:
	iommu_fwspec_free(&epd->dev);
	kfree(epd);
	return ERR_PTR(ret);
}

void platform_remove_ep(struct ep_device *epd)
{
	struct platform *p = epd->p;

	ep_free_msi(epd);
	if (epd->behind_iommu && p->mock) {
		struct dma_translator t;

		machine_endpoint_translator(p->m, epd->index, &t);
		endpoint_set_translator(machine_endpoint(p->m, epd->index), &t);
	}
	mutex_lock(&p->lock);
	list_del(&epd->node);
	mutex_unlock(&p->lock);
	device_del(&epd->dev);
	kfree(epd);
}
