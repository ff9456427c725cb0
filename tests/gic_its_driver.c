// SPDX-License-Identifier: MIT
/*
 * kernel/drivers/gic-its against the hw/its model: a machine (RAM, the
 * ITS and its redistributors on the bus), a kernel instance, the driver
 * probed through MMIO, vectors allocated through kernel/msi for a device
 * with a DeviceID, and the device's MSI write (the composed data to the
 * composed address, carrying the DeviceID as requester ID) pending exactly
 * the LPI the driver mapped.  Then: frees that really unmap, the error
 * paths (ITT too small, DeviceID beyond Devbits, LPIs exhausted, a wedged
 * or stalled command queue, allocation failures) leaving nothing behind,
 * shared DeviceIDs, and two kernels each with its own ITS.
 */
#include <pthread.h>
#include <string.h>

#include "hw/its/its.h"
#include "kernel/device.h"
#include "kernel/drivers/gic-its.h"
#include "kernel/kernel.h"
#include "kernel/msi.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)
#define ITS0_BASE	0x08080000ull
#define GICR0_BASE	0x080a0000ull
#define ITS1_BASE	0x09080000ull
#define GICR1_BASE	0x090a0000ull
#define DOORBELL(b)	((b) + GITS_TRANSLATER)

struct mach {
	struct phys_mem *mem;
	struct its *its;
	struct kernel *k;
	struct its_node *node;
	struct irq_domain *msi;
	phys_addr_t its_base, gicr_base;
};

/* A device on a bus whose requester ID is its DeviceID at the ITS. */
struct tdev {
	struct device dev;
	u32 rid;
};

static int tdev_get_dev_id(struct device *dev, void *data, u32 *id)
{
	(void)data;
	*id = container_of(dev, struct tdev, dev)->rid;
	return 0;
}

static const struct msi_domain_ops tbus_msi_ops = {
	.get_dev_id = tdev_get_dev_id,
};

static void tdev_init(struct tdev *t, struct kernel *k, u32 rid)
{
	memset(t, 0, sizeof(*t));
	device_initialize(&t->dev, k, "ep");
	t->rid = rid;
}

/* The hardware side only: RAM, one ITS and its redistributors. */
static void mach_hw(struct mach *m, struct phys_mem *mem, const struct its_config *cfg,
		    phys_addr_t its_base, phys_addr_t gicr_base)
{
	struct its_config c;

	memset(m, 0, sizeof(*m));
	if (cfg)
		c = *cfg;
	else
		its_config_default(&c);
	m->mem = mem;
	m->its_base = its_base;
	m->gicr_base = gicr_base;
	m->its = its_create(&c, mem);
	REQUIRE(m->its);
	REQUIRE(phys_mem_add_mmio(mem, its_base, GITS_MMIO_SIZE, &its_mmio_ops,
				  m->its, "its") == 0);
	REQUIRE(phys_mem_add_mmio(mem, gicr_base, its_gicr_mmio_size(m->its),
				  &its_gicr_mmio_ops, m->its, "gicr") == 0);
}

static int mach_probe(struct mach *m, unsigned int id_bits, bool no_direct_lpi)
{
	struct gic_its_config cfg = {
		.its_base = m->its_base, .gicr_base = m->gicr_base,
		.id_bits = id_bits, .no_direct_lpi = no_direct_lpi,
	};
	int ret = gic_its_probe(m->k, &cfg, &m->node);

	if (ret)
		return ret;
	m->msi = msi_create_irq_domain(m->k, "tbus", &tbus_msi_ops, NULL,
				       gic_its_domain(m->node));
	REQUIRE(m->msi);
	return 0;
}

/* A whole machine with one kernel and the driver probed. */
static void mach_init(struct mach *m, const struct its_config *cfg,
		      unsigned int id_bits, bool no_direct_lpi)
{
	struct phys_mem *mem = phys_mem_create();

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram") == 0);
	mach_hw(m, mem, cfg, ITS0_BASE, GICR0_BASE);
	m->k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	REQUIRE(m->k);
	REQUIRE(mach_probe(m, id_bits, no_direct_lpi) == 0);
}

static void mach_unprobe(struct mach *m)
{
	CHECK_EQ(irq_domain_remove(m->msi), 0);
	CHECK_EQ(gic_its_remove(m->node), 0);
	/* Every table, queue, ITT and L2 page came back. */
	CHECK_EQ(page_alloc_used_bytes(m->k->pages), 0);
}

static void mach_fini(struct mach *m)
{
	mach_unprobe(m);
	kernel_destroy(m->k);
	its_destroy(m->its);
	phys_mem_destroy(m->mem);
}

static u64 stats_cmd_errors(struct its *its)
{
	struct its_stats st;

	its_get_stats(its, &st);
	return st.cmd_errors;
}

static u64 stats_drops(struct its *its, enum its_drop why)
{
	struct its_stats st;

	its_get_stats(its, &st);
	return st.drops[why];
}

static u64 mmio_rd(struct mach *m, phys_addr_t pa, unsigned int size)
{
	u64 v = 0;

	REQUIRE(phys_read_val(m->mem, pa, size, &v, MEM_ATTRS_NONE) == 0);
	return v;
}

static unsigned int nr_pending(struct mach *m)
{
	unsigned int n = 0;

	for (unsigned int t = 0; t < ITS_MAX_TARGETS; t++)
		n += its_lpi_count_pending(m->its, t);
	return n;
}

/* The device's MSI: the composed message, written with its requester ID. */
static int fire(struct mach *m, const struct msi_msg *msg, u32 rid)
{
	return phys_write_val(m->mem, msi_msg_addr(msg), 4, msg->data,
			      MEM_ATTRS_RID(rid));
}

/*
 * Each of dev's nvec vectors: the message is {doorbell, EventID}, and its
 * write pends exactly its LPI on its CPU, which the CPU then acknowledges.
 */
static void check_vectors(struct mach *m, struct tdev *t, unsigned int nvec)
{
	u64 seen_events = 0;

	CHECK_EQ(msi_dev_nvec(m->msi, &t->dev), nvec);
	for (unsigned int i = 0; i < nvec; i++) {
		struct msi_desc *desc = msi_get_desc(m->msi, &t->dev, i);
		unsigned int cpu = ~0u;
		u32 lpi = 0;

		REQUIRE(desc);
		CHECK_EQ(msi_msg_addr(&desc->msg), DOORBELL(m->its_base));
		CHECK_EQ(gic_its_irq_target(msi_desc_parent_data(desc), &lpi, &cpu), 0);
		CHECK(lpi >= 8192);
		CHECK(cpu < ITS_MAX_TARGETS);
		if (desc->msg.data < 64) {
			CHECK(!(seen_events & (1ULL << desc->msg.data)));
			seen_events |= 1ULL << desc->msg.data;
		}
		CHECK_EQ(nr_pending(m), 0);
		CHECK_EQ(fire(m, &desc->msg, t->rid), 0);
		CHECK(its_lpi_is_pending(m->its, cpu, lpi));
		CHECK_EQ(nr_pending(m), 1);
		CHECK_EQ(its_lpi_ack(m->its, cpu), lpi);
	}
}

static void test_probe(void)
{
	struct gic_its_info info;
	struct its_config cfg;
	struct mach m;
	u64 v;

	mach_init(&m, NULL, 0, false);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_cpus, 2);
	CHECK_EQ(info.id_bits, 16);
	CHECK_EQ(info.device_bits, 16);
	CHECK_EQ(info.event_bits, 16);
	CHECK(info.direct_lpi);
	/* MAPC + SYNC and INVALL + SYNC per CPU, all completed. */
	CHECK_EQ(info.cmds, 8);
	CHECK_EQ(info.cmd_errors, 0);
	CHECK_EQ(mmio_rd(&m, ITS0_BASE + GITS_CTLR, 4) & GITS_CTLR_ENABLED, 1);
	CHECK(mmio_rd(&m, ITS0_BASE + GITS_CBASER, 8) & GITS_CBASER_VALID);
	CHECK_EQ(FIELD_GET(GITS_CBASER_SIZE, mmio_rd(&m, ITS0_BASE + GITS_CBASER, 8)), 15);
	/* 16 DeviceID bits of 8-byte entries: a two-level device table. */
	v = mmio_rd(&m, ITS0_BASE + GITS_BASER(0), 8);
	CHECK(v & GITS_BASER_VALID);
	CHECK(v & GITS_BASER_INDIRECT);
	CHECK_EQ(FIELD_GET(GITS_BASER_PAGE_SIZE, v), 2);
	v = mmio_rd(&m, ITS0_BASE + GITS_BASER(1), 8);
	CHECK(v & GITS_BASER_VALID);
	CHECK(!(v & GITS_BASER_INDIRECT));
	for (unsigned int t = 0; t < 2; t++) {
		phys_addr_t rd = GICR0_BASE + t * GICR_FRAME_SIZE;

		CHECK_EQ(mmio_rd(&m, rd + GICR_CTLR, 4) & GICR_CTLR_ENABLE_LPIS, 1);
		CHECK_EQ(FIELD_GET(GICR_PROPBASER_IDBITS, mmio_rd(&m, rd + GICR_PROPBASER, 8)), 15);
		CHECK(mmio_rd(&m, rd + GICR_PENDBASER, 8) & GICR_PENDBASER_ADDR);
	}
	CHECK_EQ(stats_cmd_errors(m.its), 0);
	mach_fini(&m);

	/* A flat device table when the ITS cannot do two levels; 16-byte ITEs. */
	its_config_default(&cfg);
	cfg.indirect = false;
	cfg.devid_bits = 10;
	cfg.itt_entry_size = 16;
	cfg.nr_targets = 4;
	mach_init(&m, &cfg, 0, false);
	v = mmio_rd(&m, ITS0_BASE + GITS_BASER(0), 8);
	CHECK(v & GITS_BASER_VALID);
	CHECK(!(v & GITS_BASER_INDIRECT));
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_cpus, 4);
	mach_fini(&m);
}

/* N vectors for DeviceID d: each MSI pends its LPI; after free, none does. */
static void test_vectors(unsigned int nvec, u32 rid, bool no_direct_lpi)
{
	struct gic_its_info info;
	struct msi_msg msgs[64];
	struct tdev t, other;
	unsigned int on_cpu[2] = { 0, 0 };
	struct mach m;
	u64 before;

	REQUIRE(nvec <= 64);
	mach_init(&m, NULL, 0, no_direct_lpi);
	tdev_init(&t, m.k, rid);
	tdev_init(&other, m.k, rid + 1);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, nvec), 0);
	check_vectors(&m, &t, nvec);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 1);
	CHECK_EQ(info.nr_lpis, nvec <= 1 ? 1 : 1u << (ilog2(nvec - 1) + 1));
	CHECK_EQ(info.direct_lpi, !no_direct_lpi);
	CHECK_EQ(info.cmd_errors, 0);
	CHECK_EQ(stats_cmd_errors(m.its), 0);
	{
		struct its_stats st;

		/* Linux's sequence: one MAPD, a MAPTI per vector, by opcode. */
		its_get_stats(m.its, &st);
		CHECK_EQ(st.by_opcode[GITS_CMD_MAPD], 1);
		CHECK_EQ(st.by_opcode[GITS_CMD_MAPTI], nvec);
		CHECK(!strcmp(its_cmd_name(GITS_CMD_MAPTI), "MAPTI"));
		CHECK(its_cmd_name(0x02) == NULL);
	}
	for (unsigned int i = 0; i < nvec; i++) {
		unsigned int cpu;

		msgs[i] = msi_get_desc(m.msi, &t.dev, i)->msg;
		CHECK_EQ(gic_its_irq_target(msi_desc_parent_data(msi_get_desc(m.msi, &t.dev, i)),
					    NULL, &cpu), 0);
		on_cpu[cpu]++;
		/* The same message from another DeviceID reaches nothing. */
		CHECK_EQ(fire(&m, &msgs[i], other.rid), 0);
		CHECK_EQ(nr_pending(&m), 0);
	}
	/* Least-loaded routing spreads the vectors over both CPUs. */
	CHECK(on_cpu[0] >= nvec / 2 && on_cpu[1] >= nvec / 2);

	msi_domain_free_irqs(m.msi, &t.dev);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 0);
	CHECK_EQ(info.nr_lpis, 0);
	CHECK_EQ(info.cmd_errors, 0);
	before = stats_drops(m.its, ITS_DROP_UNMAPPED_DEVICE);
	for (unsigned int i = 0; i < nvec; i++)
		CHECK_EQ(fire(&m, &msgs[i], rid), 0);
	CHECK_EQ(nr_pending(&m), 0);
	/* MAPD V=0: the ITS no longer knows the DeviceID at all. */
	CHECK_EQ(stats_drops(m.its, ITS_DROP_UNMAPPED_DEVICE) - before, nvec);
	mach_fini(&m);
}

/*
 * Devices whose DeviceIDs land in level-2 pages far apart in the device
 * table, the last page at the table's end: every L2 page comes back when
 * the driver goes (its teardown walks the L1 table only as far as the
 * pages it allocated).
 */
static void test_l2_pages(void)
{
	static const u32 rids[] = { 0xffff, 0x10, 0x8000 };
	struct tdev t[ARRAY_SIZE(rids)];
	struct mach m;

	mach_init(&m, NULL, 0, false);
	for (size_t i = 0; i < ARRAY_SIZE(rids); i++) {
		tdev_init(&t[i], m.k, rids[i]);
		CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[i].dev, 1), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(rids); i++)
		msi_domain_free_irqs(m.msi, &t[i].dev);
	mach_fini(&m);
}

/*
 * The configuration bytes are cached by the redistributors: an LPI whose
 * byte was read while disabled only pends again once the driver has
 * invalidated it after enabling it (GICR_INVLPIR, or INV + SYNC).
 */
static void test_invalidate(bool no_direct_lpi)
{
	struct tdev a, b;
	unsigned int cpu;
	struct mach m;
	u32 lpi, lpi2;

	mach_init(&m, NULL, 0, no_direct_lpi);
	tdev_init(&a, m.k, 7);
	tdev_init(&b, m.k, 8);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &a.dev, 1), 0);
	CHECK_EQ(gic_its_irq_target(msi_desc_parent_data(msi_get_desc(m.msi, &a.dev, 0)),
				    &lpi, &cpu), 0);
	msi_domain_free_irqs(m.msi, &a.dev);
	/* Poke the freed (disabled) LPI so its redistributor caches "disabled". */
	for (unsigned int t = 0; t < 2; t++)
		CHECK_EQ(phys_write_val(m.mem, GICR0_BASE + t * GICR_FRAME_SIZE + GICR_SETLPIR,
					8, lpi, MEM_ATTRS_NONE), 0);
	CHECK_EQ(nr_pending(&m), 0);
	CHECK(stats_drops(m.its, ITS_DROP_LPI_DISABLED) >= 2);
	/* The next device gets the same LPI back, enabled and invalidated. */
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &b.dev, 1), 0);
	CHECK_EQ(gic_its_irq_target(msi_desc_parent_data(msi_get_desc(m.msi, &b.dev, 0)),
				    &lpi2, &cpu), 0);
	CHECK_EQ(lpi2, lpi);
	check_vectors(&m, &b, 1);
	msi_domain_free_irqs(m.msi, &b.dev);
	mach_fini(&m);
}

/* Two device structs behind one DeviceID (a bridge alias) share the ITT. */
static void test_shared_devid(void)
{
	struct gic_its_info info;
	struct msi_msg msg_a, msg_b;
	struct tdev a, b;
	struct mach m;
	u64 before;

	mach_init(&m, NULL, 0, false);
	tdev_init(&a, m.k, 0x300);
	tdev_init(&b, m.k, 0x300);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &a.dev, 3), 0);	/* ITT of 4 */
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &b.dev, 1), 0);
	check_vectors(&m, &a, 3);
	check_vectors(&m, &b, 1);
	msg_a = msi_get_desc(m.msi, &a.dev, 0)->msg;
	msg_b = msi_get_desc(m.msi, &b.dev, 0)->msg;
	CHECK(msg_a.data != msg_b.data);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 1);
	/* The ITT is full: a third alias gets nothing. */
	{
		struct tdev c;

		tdev_init(&c, m.k, 0x300);
		CHECK_EQ(msi_domain_alloc_irqs(m.msi, &c.dev, 1), -ENOSPC);
	}
	/* The first user going does not unmap the second's vector. */
	msi_domain_free_irqs(m.msi, &a.dev);
	before = stats_drops(m.its, ITS_DROP_UNMAPPED_INTERRUPT);
	CHECK_EQ(fire(&m, &msg_a, 0x300), 0);
	CHECK_EQ(nr_pending(&m), 0);
	/* DISCARD took the event out of the ITT (not just the LPI disabled). */
	CHECK_EQ(stats_drops(m.its, ITS_DROP_UNMAPPED_INTERRUPT) - before, 1);
	check_vectors(&m, &b, 1);
	msi_domain_free_irqs(m.msi, &b.dev);
	CHECK_EQ(fire(&m, &msg_b, 0x300), 0);
	CHECK_EQ(nr_pending(&m), 0);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 0);
	mach_fini(&m);
}

/* Sizes the ITS cannot take: the ITT's EventID bits and GITS_TYPER.Devbits. */
static void test_limits(void)
{
	struct gic_its_info info;
	struct its_config cfg;
	struct tdev t;
	struct mach m;
	u64 used;

	its_config_default(&cfg);
	cfg.eventid_bits = 4;	/* ITTs of at most 16 events */
	cfg.devid_bits = 8;	/* DeviceIDs 0..255 */
	mach_init(&m, &cfg, 0, false);
	used = page_alloc_used_bytes(m.k->pages);

	tdev_init(&t, m.k, 5);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 17), -ENOSPC);
	CHECK_EQ(page_alloc_used_bytes(m.k->pages), used);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 16), 0);
	check_vectors(&m, &t, 16);
	msi_domain_free_irqs(m.msi, &t.dev);

	tdev_init(&t, m.k, 256);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 1), -EINVAL);
	tdev_init(&t, m.k, 0xffffffff);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 1), -EINVAL);
	CHECK_EQ(page_alloc_used_bytes(m.k->pages), used);
	tdev_init(&t, m.k, 255);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 2), 0);
	check_vectors(&m, &t, 2);
	/* No removal under a live device. */
	CHECK_EQ(gic_its_remove(m.node), -EBUSY);
	msi_domain_free_irqs(m.msi, &t.dev);

	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 0);
	CHECK_EQ(info.nr_lpis, 0);
	CHECK_EQ(info.cmd_errors, 0);
	CHECK_EQ(stats_cmd_errors(m.its), 0);
	mach_fini(&m);
}

/*
 * 14 INTID bits leave 8192 LPIs.  Like Linux's its_lpi_alloc(), a device
 * that cannot get its whole range gets half of it, and its vectors beyond
 * that fail with -ENOSPC.
 */
static void test_lpi_exhaustion(void)
{
	static struct tdev t[5];
	struct gic_its_info info;
	struct its_config cfg;
	struct mach m;

	its_config_default(&cfg);
	cfg.lpi_id_bits = 14;
	mach_init(&m, &cfg, 14, false);
	for (unsigned int i = 0; i < 3; i++) {
		tdev_init(&t[i], m.k, 0x10 + i);
		CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[i].dev, 2048), 0);
	}
	tdev_init(&t[3], m.k, 0x13);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[3].dev, 1024), 0);
	/* 1024 LPIs left: 2048 vectors do not fit, 1024 do. */
	tdev_init(&t[4], m.k, 0x14);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[4].dev, 2048), -ENOSPC);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_lpis, 7168);
	CHECK_EQ(info.nr_devices, 4);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[4].dev, 1024), 0);
	check_vectors(&m, &t[4], 1024);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_lpis, 8192);
	CHECK_EQ(info.cmd_errors, 0);
	for (unsigned int i = 0; i < 5; i++)
		msi_domain_free_irqs(m.msi, &t[i].dev);
	mach_fini(&m);
}

/* Every allocation of a device's setup failing in turn leaves nothing behind. */
static void test_alloc_fail_nth(void)
{
	struct gic_its_info info;
	struct msi_msg msg;
	struct tdev t;
	struct mach m;
	unsigned long n;
	u64 used;
	int ret;

	mach_init(&m, NULL, 0, false);
	tdev_init(&t, m.k, 0x42);
	/* Once, so that the device table's level-2 page exists (Linux keeps it). */
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 8), 0);
	msg = msi_get_desc(m.msi, &t.dev, 0)->msg;
	msi_domain_free_irqs(m.msi, &t.dev);
	used = page_alloc_used_bytes(m.k->pages);
	for (n = 1; n < 100; n++) {
		kernel_fail_nth(m.k, n);
		ret = msi_domain_alloc_irqs(m.msi, &t.dev, 8);
		kernel_fail_nth(m.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(page_alloc_used_bytes(m.k->pages), used);
		gic_its_get_info(m.node, &info);
		CHECK_EQ(info.nr_devices, 0);
		CHECK_EQ(info.nr_lpis, 0);
		CHECK_EQ(msi_dev_nvec(m.msi, &t.dev), 0);
		CHECK_EQ(fire(&m, &msg, t.rid), 0);
		CHECK_EQ(nr_pending(&m), 0);
	}
	CHECK(n > 4 && n < 100);
	check_vectors(&m, &t, 8);
	msi_domain_free_irqs(m.msi, &t.dev);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.cmd_errors, 0);
	mach_fini(&m);
}

/* Probe failing at each allocation: the ITS and LPIs stay off, no page kept. */
static void test_probe_fail_nth(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct mach m;
	unsigned long n;
	int ret;

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram") == 0);
	mach_hw(&m, mem, NULL, ITS0_BASE, GICR0_BASE);
	m.k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	REQUIRE(m.k);
	for (n = 1; n < 100; n++) {
		struct gic_its_config cfg = { .its_base = ITS0_BASE, .gicr_base = GICR0_BASE };

		kernel_fail_nth(m.k, n);
		ret = gic_its_probe(m.k, &cfg, &m.node);
		kernel_fail_nth(m.k, 0);
		if (!ret)
			break;
		CHECK_EQ(ret, -ENOMEM);
		CHECK_EQ(page_alloc_used_bytes(m.k->pages), 0);
		CHECK_EQ(mmio_rd(&m, ITS0_BASE + GITS_CTLR, 4) & GITS_CTLR_ENABLED, 0);
		CHECK(!(mmio_rd(&m, ITS0_BASE + GITS_BASER(0), 8) & GITS_BASER_VALID));
		CHECK(!(mmio_rd(&m, ITS0_BASE + GITS_CBASER, 8) & GITS_CBASER_VALID));
		for (unsigned int t = 0; t < 2; t++)
			CHECK_EQ(mmio_rd(&m, GICR0_BASE + t * GICR_FRAME_SIZE + GICR_CTLR, 4) &
				 GICR_CTLR_ENABLE_LPIS, 0);
	}
	CHECK(n > 5 && n < 100);
	m.msi = msi_create_irq_domain(m.k, "tbus", &tbus_msi_ops, NULL, gic_its_domain(m.node));
	REQUIRE(m.msi);
	{
		struct tdev t;

		tdev_init(&t, m.k, 1);
		CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 4), 0);
		check_vectors(&m, &t, 4);
		msi_domain_free_irqs(m.msi, &t.dev);
	}
	mach_fini(&m);
}

/* What is not a usable ITS is refused, leaving nothing allocated. */
static void test_probe_errors(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct its_node *node = NULL;
	struct gic_its_config cfg;
	struct mach m;

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram") == 0);
	mach_hw(&m, mem, NULL, ITS0_BASE, GICR0_BASE);
	m.k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	REQUIRE(m.k);

	cfg = (struct gic_its_config){ .its_base = 0x1000000, .gicr_base = GICR0_BASE };
	CHECK_EQ(gic_its_probe(m.k, &cfg, &node), -ENODEV);	/* nothing there */
	cfg = (struct gic_its_config){ .its_base = RAM_BASE, .gicr_base = GICR0_BASE };
	CHECK_EQ(gic_its_probe(m.k, &cfg, &node), -ENODEV);	/* RAM, not an ITS */
	cfg = (struct gic_its_config){ .its_base = ITS0_BASE, .gicr_base = 0x1000000 };
	CHECK_EQ(gic_its_probe(m.k, &cfg, &node), -ENODEV);	/* no redistributor */
	cfg = (struct gic_its_config){ .its_base = ITS0_BASE, .gicr_base = GICR0_BASE,
				       .id_bits = 13 };
	CHECK_EQ(gic_its_probe(m.k, &cfg, &node), -ENXIO);	/* no room for LPIs */
	CHECK_EQ(gic_its_probe(m.k, NULL, &node), -EINVAL);
	CHECK(node == NULL);
	CHECK_EQ(page_alloc_used_bytes(m.k->pages), 0);
	CHECK_EQ(gic_its_irq_target(NULL, NULL, NULL), -EINVAL);

	/* An ITS left enabled by firmware is quiesced and reprogrammed. */
	CHECK_EQ(phys_write_val(mem, ITS0_BASE + GITS_CTLR, 4, GITS_CTLR_ENABLED,
				MEM_ATTRS_NONE), 0);
	REQUIRE(mach_probe(&m, 0, false) == 0);
	{
		struct tdev t;

		tdev_init(&t, m.k, 3);
		CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t.dev, 2), 0);
		check_vectors(&m, &t, 2);
		msi_domain_free_irqs(m.msi, &t.dev);
	}
	mach_fini(&m);
}

/*
 * An ITS disabled behind the driver's back never moves GITS_CREADR: the
 * command wait gives up with -ETIMEDOUT and the allocation unwinds.
 */
static void test_cmd_timeout(void)
{
	struct gic_its_info info;
	struct tdev a, b;
	struct mach m;
	u64 used;

	mach_init(&m, NULL, 0, false);
	tdev_init(&a, m.k, 1);
	tdev_init(&b, m.k, 2);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &a.dev, 2), 0);
	used = page_alloc_used_bytes(m.k->pages);
	CHECK_EQ(phys_write_val(m.mem, ITS0_BASE + GITS_CTLR, 4, 0, MEM_ATTRS_NONE), 0);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &b.dev, 2), -ETIMEDOUT);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.last_error, -ETIMEDOUT);
	CHECK(info.cmd_errors >= 1);
	CHECK_EQ(info.nr_devices, 1);
	CHECK_EQ(page_alloc_used_bytes(m.k->pages), used);
	/* Enabled again, the ITS runs what was queued and the driver goes on. */
	CHECK_EQ(phys_write_val(m.mem, ITS0_BASE + GITS_CTLR, 4, GITS_CTLR_ENABLED,
				MEM_ATTRS_NONE), 0);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &b.dev, 2), 0);
	check_vectors(&m, &a, 2);
	check_vectors(&m, &b, 2);
	msi_domain_free_irqs(m.msi, &a.dev);
	msi_domain_free_irqs(m.msi, &b.dev);
	mach_fini(&m);
}

/*
 * Firmware claims more INTID bits than the redistributors implement: the
 * first LPI beyond them makes MAPTI fail, an ITS that stalls on errors
 * sets GITS_CREADR.Stalled, and the driver reports -EIO from then on.
 * Frees still release all memory.
 */
static void test_cmd_stall(void)
{
	static struct tdev t[5];
	struct gic_its_info info;
	struct its_config cfg;
	struct mach m;

	its_config_default(&cfg);
	cfg.lpi_id_bits = 14;		/* LPIs 8192..16383 */
	cfg.stall_on_error = true;
	mach_init(&m, &cfg, 15, false);
	for (unsigned int i = 0; i < 4; i++) {
		tdev_init(&t[i], m.k, 0x20 + i);
		CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[i].dev, 2048), 0);
	}
	tdev_init(&t[4], m.k, 0x24);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[4].dev, 1), -EIO);
	CHECK(mmio_rd(&m, ITS0_BASE + GITS_CREADR, 8) & GITS_CREADR_STALLED);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.last_error, -EIO);
	CHECK_EQ(info.nr_devices, 4);
	CHECK_EQ(msi_domain_alloc_irqs(m.msi, &t[4].dev, 1), -EIO);
	for (unsigned int i = 0; i < 4; i++)
		msi_domain_free_irqs(m.msi, &t[i].dev);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 0);
	CHECK_EQ(info.nr_lpis, 0);
	mach_fini(&m);
}

/* Two kernels, each over its half of RAM with its own ITS and DeviceID 9. */
static void test_two_kernels(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct mach h, g;
	struct tdev th, tg;

	REQUIRE(mem && phys_mem_add_ram(mem, RAM_BASE, 2 * RAM_SIZE, "ram") == 0);
	mach_hw(&h, mem, NULL, ITS0_BASE, GICR0_BASE);
	mach_hw(&g, mem, NULL, ITS1_BASE, GICR1_BASE);
	h.k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	g.k = kernel_create("guest", mem, RAM_BASE + RAM_SIZE, RAM_SIZE);
	REQUIRE(h.k && g.k);
	REQUIRE(mach_probe(&h, 0, false) == 0);
	REQUIRE(mach_probe(&g, 0, true) == 0);
	tdev_init(&th, h.k, 9);
	tdev_init(&tg, g.k, 9);
	CHECK_EQ(msi_domain_alloc_irqs(h.msi, &th.dev, 4), 0);
	CHECK_EQ(msi_domain_alloc_irqs(g.msi, &tg.dev, 2), 0);
	check_vectors(&h, &th, 4);
	CHECK_EQ(nr_pending(&g), 0);
	check_vectors(&g, &tg, 2);
	CHECK_EQ(nr_pending(&h), 0);
	/* Each message reaches only its own ITS. */
	CHECK_EQ(fire(&h, &msi_get_desc(g.msi, &tg.dev, 0)->msg, 9), 0);
	CHECK_EQ(nr_pending(&h), 0);
	CHECK_EQ(nr_pending(&g), 1);
	msi_domain_free_irqs(h.msi, &th.dev);
	msi_domain_free_irqs(g.msi, &tg.dev);
	mach_unprobe(&g);
	mach_unprobe(&h);
	kernel_destroy(g.k);
	kernel_destroy(h.k);
	its_destroy(g.its);
	its_destroy(h.its);
	phys_mem_destroy(mem);
}

/* Two device MSI domains on one ITS, allocating and freeing at once. */
struct racer {
	struct mach *m;
	struct irq_domain *msi;
	struct tdev t;
	unsigned int errors;
};

static void *race(void *p)
{
	struct racer *r = p;

	for (unsigned int iter = 0; iter < 200; iter++) {
		if (msi_domain_alloc_irqs(r->msi, &r->t.dev, 4)) {
			r->errors++;
			continue;
		}
		for (unsigned int i = 0; i < 4; i++) {
			struct msi_desc *desc = msi_get_desc(r->msi, &r->t.dev, i);
			unsigned int cpu;
			u32 lpi;

			if (gic_its_irq_target(msi_desc_parent_data(desc), &lpi, &cpu) ||
			    fire(r->m, &desc->msg, r->t.rid) ||
			    !its_lpi_is_pending(r->m->its, cpu, lpi))
				r->errors++;
			phys_write_val(r->m->mem, GICR0_BASE + cpu * GICR_FRAME_SIZE +
				       GICR_CLRLPIR, 8, lpi, MEM_ATTRS_NONE);
		}
		msi_domain_free_irqs(r->msi, &r->t.dev);
	}
	return NULL;
}

static void test_concurrent(void)
{
	struct gic_its_info info;
	struct racer r[2];
	pthread_t th[2];
	struct mach m;

	mach_init(&m, NULL, 0, false);
	for (unsigned int i = 0; i < 2; i++) {
		r[i] = (struct racer){ .m = &m };
		r[i].msi = i ? msi_create_irq_domain(m.k, "bus1", &tbus_msi_ops, NULL,
						     gic_its_domain(m.node)) : m.msi;
		REQUIRE(r[i].msi);
		tdev_init(&r[i].t, m.k, 0x100 + i);
	}
	for (unsigned int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, race, &r[i]) == 0);
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(r[0].errors, 0);
	CHECK_EQ(r[1].errors, 0);
	gic_its_get_info(m.node, &info);
	CHECK_EQ(info.nr_devices, 0);
	CHECK_EQ(info.nr_lpis, 0);
	CHECK_EQ(info.cmd_errors, 0);
	CHECK_EQ(stats_cmd_errors(m.its), 0);
	CHECK_EQ(nr_pending(&m), 0);
	CHECK_EQ(irq_domain_remove(r[1].msi), 0);
	mach_fini(&m);
}

int main(void)
{
	test_probe();
	test_vectors(1, 0x10, false);
	test_vectors(5, 0x1234, false);
	test_vectors(64, 0xffff, false);
	test_vectors(8, 0x20, true);
	test_invalidate(false);
	test_invalidate(true);
	test_shared_devid();
	test_l2_pages();
	test_limits();
	test_lpi_exhaustion();
	test_alloc_fail_nth();
	test_probe_fail_nth();
	test_probe_errors();
	test_cmd_timeout();
	test_cmd_stall();
	test_two_kernels();
	test_concurrent();
	return test_done();
}
