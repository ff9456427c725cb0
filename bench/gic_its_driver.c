// SPDX-License-Identifier: MIT
/*
 * gic-its driver hot paths against the hw/its model:
 *   gic_its_vector_alloc_free  one vector through the parent domain's ops:
 *                              EventID, MAPTI + SYNC, LPI enable +
 *                              GICR_INVLPIR, then mask + GICR_INVLPIR,
 *                              DISCARD + SYNC (ns per alloc+free pair)
 *   gic_its_vector_alloc_free_inv  the same with INV + SYNC commands
 *                              instead of GICR_INVLPIR
 *   gic_its_device_1vec        msi_domain_alloc_irqs + free of a 1-vector
 *                              device: adds MAPD, ITT and LPI range, MAPD V=0
 *   gic_its_device_32vec       a 32-vector device, per vector
 *   gic_its_compose_msi        compose + the device's MSI write to the
 *                              composed address + LPI pending check
 *   gic_its_compose_msi_ack    the same plus the CPU acknowledging it
 */
#include <string.h>

#include "bench/bench.h"
#include "hw/its/its.h"
#include "kernel/device.h"
#include "kernel/drivers/gic-its.h"
#include "kernel/kernel.h"
#include "kernel/msi.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)
#define ITS_BASE	0x08080000ull
#define GICR_BASE	0x080a0000ull
#define NR_VEC		64

struct tdev {
	struct device dev;
	u32 rid;
};

struct ctx {
	struct phys_mem *mem;
	struct its *its;
	struct kernel *k;
	struct its_node *node;
	struct irq_domain *msi, *parent;
	struct tdev dev, scratch_dev;
	struct msi_alloc_info info;
	struct msi_desc desc;
	struct irq_data irqd;
	struct irq_data *vec[NR_VEC];	/* parent irq_data of each vector */
	unsigned int nvec;
	u64 failures;
};

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	(void)data;
	*id = container_of(dev, struct tdev, dev)->rid;
	return 0;
}

static const struct msi_domain_ops bus_ops = { .get_dev_id = get_dev_id };

static void setup(struct ctx *c, bool no_direct_lpi)
{
	struct gic_its_config cfg = {
		.its_base = ITS_BASE, .gicr_base = GICR_BASE, .no_direct_lpi = no_direct_lpi,
	};
	struct its_config hw;

	memset(c, 0, sizeof(*c));
	its_config_default(&hw);
	c->mem = phys_mem_create();
	if (!c->mem || phys_mem_add_ram(c->mem, RAM_BASE, RAM_SIZE, "ram"))
		exit(1);
	c->its = its_create(&hw, c->mem);
	if (!c->its ||
	    phys_mem_add_mmio(c->mem, ITS_BASE, GITS_MMIO_SIZE, &its_mmio_ops, c->its, "its") ||
	    phys_mem_add_mmio(c->mem, GICR_BASE, its_gicr_mmio_size(c->its),
			      &its_gicr_mmio_ops, c->its, "gicr"))
		exit(1);
	c->k = kernel_create("host", c->mem, RAM_BASE, RAM_SIZE);
	if (!c->k || gic_its_probe(c->k, &cfg, &c->node))
		exit(1);
	c->parent = gic_its_domain(c->node);
	c->msi = msi_create_irq_domain(c->k, "bus", &bus_ops, NULL, c->parent);
	if (!c->msi)
		exit(1);
	device_initialize(&c->dev.dev, c->k, "ep");
	c->dev.rid = 0x10;
}

static void teardown(struct ctx *c)
{
	if (c->failures)
		fprintf(stderr, "gic_its_driver: %llu failed operations\n",
			(unsigned long long)c->failures);
	irq_domain_remove(c->msi);
	gic_its_remove(c->node);
	kernel_destroy(c->k);
	its_destroy(c->its);
	phys_mem_destroy(c->mem);
}

/* The parent's own ops on one vector of a device prepared once. */
static void vector_alloc_free(void *p, uint64_t i)
{
	struct ctx *c = p;

	(void)i;
	c->info.desc = &c->desc;
	if (c->parent->ops->alloc(c->parent, &c->irqd, &c->info)) {
		c->failures++;
		return;
	}
	c->parent->ops->free(c->parent, &c->irqd);
}

static void bench_vector(bool no_direct_lpi, const char *name)
{
	struct ctx c;

	setup(&c, no_direct_lpi);
	device_initialize(&c.scratch_dev.dev, c.k, "raw");
	c.info = (struct msi_alloc_info){ .dev_id = 0x20, .nvec = NR_VEC };
	if (c.parent->ops->msi_prepare(c.parent, &c.scratch_dev.dev, &c.info))
		exit(1);
	c.desc.dev = &c.scratch_dev.dev;
	c.irqd = (struct irq_data){ .domain = c.parent, .msi_desc = &c.desc };
	bench_print(name, "ns/op", bench_measure(vector_alloc_free, &c, 1000));
	c.parent->ops->msi_teardown(c.parent, &c.info);
	teardown(&c);
}

static void device_alloc_free(void *p, uint64_t i)
{
	struct ctx *c = p;

	(void)i;
	if (msi_domain_alloc_irqs(c->msi, &c->dev.dev, c->nvec)) {
		c->failures++;
		return;
	}
	msi_domain_free_irqs(c->msi, &c->dev.dev);
}

static struct bench_result per(struct bench_result r, double n)
{
	r.median /= n;
	r.p10 /= n;
	r.p90 /= n;
	r.ops = (uint64_t)(r.ops * n);
	return r;
}

static void compose_fire(struct ctx *c, uint64_t i, bool ack)
{
	struct irq_data *irqd = c->vec[i % NR_VEC];
	struct msi_msg msg;
	unsigned int cpu;
	u32 lpi;

	c->parent->ops->compose_msi_msg(irqd, &msg);
	phys_write_val(c->mem, msi_msg_addr(&msg), 4, msg.data, MEM_ATTRS_RID(c->dev.rid));
	gic_its_irq_target(irqd, &lpi, &cpu);
	if (!its_lpi_is_pending(c->its, cpu, lpi))
		c->failures++;
	if (ack && its_lpi_ack(c->its, cpu) != lpi)
		c->failures++;
}

static void compose_msi(void *p, uint64_t i)
{
	compose_fire(p, i, false);
}

static void compose_msi_ack(void *p, uint64_t i)
{
	compose_fire(p, i, true);
}

int main(void)
{
	struct ctx c;

	bench_vector(false, "gic_its_vector_alloc_free");
	bench_vector(true, "gic_its_vector_alloc_free_inv");

	setup(&c, false);
	c.nvec = 1;
	bench_print("gic_its_device_1vec", "ns/op", bench_measure(device_alloc_free, &c, 500));
	c.nvec = 32;
	bench_print("gic_its_device_32vec", "ns/vector",
		    per(bench_measure(device_alloc_free, &c, 50), 32));

	if (msi_domain_alloc_irqs(c.msi, &c.dev.dev, NR_VEC))
		exit(1);
	for (unsigned int i = 0; i < NR_VEC; i++)
		c.vec[i] = msi_desc_parent_data(msi_get_desc(c.msi, &c.dev.dev, i));
	bench_print("gic_its_compose_msi", "ns/op", bench_measure(compose_msi, &c, 10000));
	/* Nothing pending beforehand, so each ack finds exactly this LPI. */
	for (unsigned int t = 0; t < 2; t++)
		while (its_lpi_ack(c.its, t) != GIC_INTID_SPURIOUS)
			;
	bench_print("gic_its_compose_msi_ack", "ns/op", bench_measure(compose_msi_ack, &c, 2000));
	msi_domain_free_irqs(c.msi, &c.dev.dev);
	teardown(&c);
	return 0;
}
