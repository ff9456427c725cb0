/* SPDX-License-Identifier: MIT */
/*
 * A small test machine around the ITS model and a driver that programs it
 * the way Linux's irq-gic-v3-its.c does: tables and queue in RAM, commands
 * written to the queue then GITS_CWRITER advanced, MSIs as 32-bit writes
 * to GITS_TRANSLATER carrying a requester ID.  Shared by tests/its.c and
 * tests/endpoint.c.
 */
#ifndef IOMMUSIM_TESTS_ITS_HELPERS_H
#define IOMMUSIM_TESTS_ITS_HELPERS_H

#include <string.h>

#include "hw/its/its.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64ull << 20)
#define ITS_BASE	0x08080000ull
#define GICR_BASE	0x080a0000ull
#define CMDQ_PA		(RAM_BASE + 0x000000)	/* 64K: 2048 commands */
#define CMDQ_SIZE	0x10000ull
#define DT_PA		(RAM_BASE + 0x100000)	/* device table, 1M */
#define CT_PA		(RAM_BASE + 0x200000)	/* collection table, 64K */
#define PROP_PA		(RAM_BASE + 0x300000)	/* LPI configuration, 64K */
#define PEND_PA		(RAM_BASE + 0x310000)
#define ITT_PA		(RAM_BASE + 0x400000)	/* ITTs, 4K each */
#define SCRATCH_PA	(RAM_BASE + 0x1000000)

struct lpi_log {
	unsigned int count;
	unsigned int target;
	u32 intid;
};

struct tmach {
	struct phys_mem *mem;
	struct its *its;
	struct lpi_log log;
	u64 cwriter;
};

static inline void tmach_lpi_cb(void *opaque, unsigned int target, u32 intid)
{
	struct lpi_log *log = opaque;

	log->count++;
	log->target = target;
	log->intid = intid;
}

static inline u64 its_rd64(struct tmach *m, u64 off)
{
	u64 v;

	REQUIRE(phys_read_val(m->mem, ITS_BASE + off, 8, &v, MEM_ATTRS_NONE) == 0);
	return v;
}

static inline void its_wr64(struct tmach *m, u64 off, u64 v)
{
	REQUIRE(phys_write_val(m->mem, ITS_BASE + off, 8, v, MEM_ATTRS_NONE) == 0);
}

static inline u64 gicr_rd64(struct tmach *m, unsigned int t, u64 off)
{
	u64 v;

	REQUIRE(phys_read_val(m->mem, GICR_BASE + t * GICR_FRAME_SIZE + off, 8, &v,
			      MEM_ATTRS_NONE) == 0);
	return v;
}

static inline void gicr_wr64(struct tmach *m, unsigned int t, u64 off, u64 v)
{
	REQUIRE(phys_write_val(m->mem, GICR_BASE + t * GICR_FRAME_SIZE + off, 8, v,
			       MEM_ATTRS_NONE) == 0);
}

/* Queue one command and let the ITS run it (GITS_CWRITER write). */
static inline void its_cmd(struct tmach *m, u64 c0, u64 c1, u64 c2, u64 c3)
{
	u64 cmd[4] = { c0, c1, c2, c3 };

	REQUIRE(phys_write(m->mem, CMDQ_PA + m->cwriter, cmd, sizeof(cmd)) == 0);
	m->cwriter = (m->cwriter + GITS_CMD_SIZE) % CMDQ_SIZE;
	its_wr64(m, GITS_CWRITER, m->cwriter);
}

#define DEVID(d)	((u64)(d) << 32)
static inline void cmd_mapd(struct tmach *m, u32 devid, u64 itt, unsigned int bits, bool v)
{
	its_cmd(m, GITS_CMD_MAPD | DEVID(devid), bits - 1,
		(itt & GITS_CMD2_ITT_ADDR) | (v ? GITS_CMD2_VALID : 0), 0);
}

static inline void cmd_mapc(struct tmach *m, u32 icid, u64 target, bool v)
{
	its_cmd(m, GITS_CMD_MAPC, 0, icid | (target << 16) | (v ? GITS_CMD2_VALID : 0), 0);
}

static inline void cmd_mapti(struct tmach *m, u32 devid, u32 ev, u32 pintid, u32 icid)
{
	its_cmd(m, GITS_CMD_MAPTI | DEVID(devid), ev | ((u64)pintid << 32), icid, 0);
}

static inline void cmd_ev(struct tmach *m, unsigned int op, u32 devid, u32 ev, u64 c2)
{
	its_cmd(m, op | DEVID(devid), ev, c2, 0);
}

/*
 * Tables, queue and LPIs enabled, as a driver does first; also for an ITS
 * some other board (hw/machine.c, same addresses) created and mapped.
 */
static inline void tmach_enable(struct tmach *m, unsigned int nr_targets)
{
	/* Redistributors: LPI configuration table for 16 INTID bits. */
	for (unsigned int t = 0; t < nr_targets; t++) {
		gicr_wr64(m, t, GICR_PROPBASER, PROP_PA | (16 - 1));
		gicr_wr64(m, t, GICR_PENDBASER, PEND_PA);
		gicr_wr64(m, t, GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
	}
	/* Flat tables: 256 pages of 4K each. */
	its_wr64(m, GITS_BASER(0), its_rd64(m, GITS_BASER(0)) | GITS_BASER_VALID |
		 DT_PA | 255);
	its_wr64(m, GITS_BASER(1), its_rd64(m, GITS_BASER(1)) | GITS_BASER_VALID |
		 CT_PA | 15);
	its_wr64(m, GITS_CBASER, GITS_CBASER_VALID | CMDQ_PA | (CMDQ_SIZE / 4096 - 1));
	its_wr64(m, GITS_CWRITER, 0);
	its_wr64(m, GITS_CTLR, GITS_CTLR_ENABLED);
}

/* Machine with RAM, the ITS and its redistributors mapped, LPIs enabled. */
static inline void tmach_init(struct tmach *m, const struct its_config *base_cfg)
{
	struct its_config cfg;

	memset(m, 0, sizeof(*m));
	if (base_cfg)
		cfg = *base_cfg;
	else
		its_config_default(&cfg);
	cfg.lpi_pending = tmach_lpi_cb;
	cfg.cb_opaque = &m->log;
	m->mem = phys_mem_create();
	REQUIRE(m->mem);
	REQUIRE(phys_mem_add_ram(m->mem, RAM_BASE, RAM_SIZE, "ram") == 0);
	m->its = its_create(&cfg, m->mem);
	REQUIRE(m->its);
	REQUIRE(phys_mem_add_mmio(m->mem, ITS_BASE, GITS_MMIO_SIZE, &its_mmio_ops,
				  m->its, "its") == 0);
	REQUIRE(phys_mem_add_mmio(m->mem, GICR_BASE, its_gicr_mmio_size(m->its),
				  &its_gicr_mmio_ops, m->its, "gicr") == 0);
	tmach_enable(m, cfg.nr_targets);
}

static inline void tmach_fini(struct tmach *m)
{
	its_destroy(m->its);
	phys_mem_destroy(m->mem);
}

/* Enable LPI intid with a priority in the configuration table (no INV). */
static inline void lpi_conf(struct tmach *m, u32 intid, u8 prio, bool enable)
{
	u8 b = (prio & 0xfc) | LPI_PROP_GROUP1 | (enable ? LPI_PROP_ENABLED : 0);

	REQUIRE(phys_write(m->mem, PROP_PA + intid - LPI_INTID_BASE, &b, 1) == 0);
}

/* A device's MSI: EventID written to GITS_TRANSLATER with its requester ID. */
static inline int msi(struct tmach *m, u32 devid, u32 ev)
{
	return phys_write_val(m->mem, ITS_BASE + GITS_TRANSLATER, 4, ev,
			      MEM_ATTRS_RID(devid));
}

static inline struct its_stats stats(struct tmach *m)
{
	struct its_stats st;

	its_get_stats(m->its, &st);
	return st;
}

#endif
