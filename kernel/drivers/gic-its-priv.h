/* SPDX-License-Identifier: MIT */
/*
 * State shared by the gic-its driver's files: gic-its.c (probe, tables,
 * redistributors, LPIs), gic-its-cmd.c (the command queue) and
 * gic-its-irq.c (the parent irq domain).  Shapes follow Linux's
 * its_node / its_device / its_collection.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_GIC_ITS_PRIV_H
#define IOMMUSIM_KERNEL_DRIVERS_GIC_ITS_PRIV_H

#include "kernel/drivers/arm-gic-v3.h"
#include "kernel/drivers/gic-its.h"
#include "lib/lock.h"

#define ITS_CMD_QUEUE_SZ	0x10000		/* 64K: 2048 commands, as Linux */
#define ITS_CMD_QUEUE_NR_ENTRIES (ITS_CMD_QUEUE_SZ / GITS_CMD_SIZE)
/*
 * Register polls before a wait gives up.  Linux polls for 1s with udelay(1);
 * the emulated ITS completes a command before CWRITER's write returns, so
 * any bound is only reached when the ITS is wedged.
 */
#define ITS_POLL_MAX		100000
#define ITS_MAX_LPI_NRBITS	16		/* Linux's cap: 64K INTIDs */

/* A bag of LPIs routed to one CPU: ICID = CPU number, as Linux. */
struct its_collection {
	u64 target_address;	/* RDbase field: Processor_Number << 16, or PA */
	u16 col_id;
};

/* One redistributor ("CPU"), reduced to its LPI side. */
struct its_rdist {
	phys_addr_t rd_base;
	u64 typer;
	phys_addr_t pend_pa;		/* its pending table */
	unsigned int lpi_count;		/* LPIs routed here (its_select_cpu) */
};

struct its_baser {
	phys_addr_t base;		/* 0: not allocated */
	u64 val;			/* GITS_BASER<n> as read back */
	u64 size;			/* bytes allocated */
	u32 psz;			/* ITS page size */
	u32 nr_l2;			/* level-2 pages allocated (indirect) */
};

struct its_node {
	struct kernel *k;
	struct phys_mem *mem;
	phys_addr_t phys_base;
	u64 typer;
	struct irq_domain *domain;

	/* Command queue (cmd_lock). */
	struct mutex cmd_lock;
	phys_addr_t cmd_pa;
	u64 *cmd_base;			/* linear map of the queue */
	unsigned int cmd_write;		/* index of the next free slot */
	u64 nr_cmds, nr_cmd_errors;
	int last_cmd_error;

	struct its_baser tables[GITS_BASER_NR_REGS];
	struct its_collection *collections;	/* one per CPU */

	/* Redistributors and LPIs: Linux's gic_rdists, per ITS here. */
	struct its_rdist *rdists;
	unsigned int nr_cpus;
	bool has_direct_lpi;
	unsigned int lpi_id_bits;
	phys_addr_t prop_pa;
	u8 *prop_va;
	u64 prop_size, pend_size;

	/* Devices and the LPI allocator (dev_alloc_lock). */
	struct mutex dev_alloc_lock;
	struct list_head devices;
	unsigned long *lpi_map;		/* bit n: LPI 8192 + n in use */
	unsigned int nr_lpi_ids, nr_lpis_used, nr_devices;
};

/* The ITS view of one DeviceID: its ITT and a contiguous LPI range. */
struct its_device {
	struct list_head entry;
	struct its_node *its;
	u32 device_id;
	unsigned int users;		/* device MSI allocations sharing it */
	phys_addr_t itt_pa;
	u64 itt_size;
	unsigned int nr_ites;		/* power of two >= 2 */
	u32 lpi_base;			/* LPI of EventID 0 */
	unsigned int nr_lpis;		/* EventIDs usable */
	unsigned long *event_map;	/* EventIDs in use */
	u16 *col_map;			/* per EventID: CPU it is routed to */
};

#define BITS_PER_LONG	(8 * sizeof(long))

static inline bool its_test_bit(const unsigned long *map, unsigned int n)
{
	return map[n / BITS_PER_LONG] & (1UL << (n % BITS_PER_LONG));
}

static inline void its_set_bit(unsigned long *map, unsigned int n)
{
	map[n / BITS_PER_LONG] |= 1UL << (n % BITS_PER_LONG);
}

static inline void its_clear_bit(unsigned long *map, unsigned int n)
{
	map[n / BITS_PER_LONG] &= ~(1UL << (n % BITS_PER_LONG));
}

/* readl/readq/writel/writeq: MMIO through the machine's bus. */
static inline u64 its_readq(struct its_node *its, phys_addr_t pa)
{
	u64 v = ~0ULL;	/* a bus error reads as all ones, as on hardware */

	phys_read_val(its->mem, pa, 8, &v, MEM_ATTRS_NONE);
	return v;
}

static inline u32 its_readl(struct its_node *its, phys_addr_t pa)
{
	u64 v = ~0ULL;

	phys_read_val(its->mem, pa, 4, &v, MEM_ATTRS_NONE);
	return (u32)v;
}

static inline void its_writeq(struct its_node *its, u64 val, phys_addr_t pa)
{
	phys_write_val(its->mem, pa, 8, val, MEM_ATTRS_NONE);
}

static inline void its_writel(struct its_node *its, u32 val, phys_addr_t pa)
{
	phys_write_val(its->mem, pa, 4, val, MEM_ATTRS_NONE);
}

/* gic-its-cmd.c: each returns 0, -ETIMEDOUT or -EIO (queue stalled). */
int its_cmdq_init(struct its_node *its);
void its_cmdq_free(struct its_node *its);
int its_send_mapd(struct its_device *dev, bool valid);
int its_send_mapc(struct its_node *its, const struct its_collection *col, bool valid);
int its_send_mapti(struct its_device *dev, u32 lpi, u32 event);
int its_send_inv(struct its_device *dev, u32 event);
int its_send_discard(struct its_device *dev, u32 event);
int its_send_invall(struct its_node *its, const struct its_collection *col);

/* gic-its.c */
void lpi_write_config(struct its_node *its, u32 lpi, u8 clr, u8 set);
int its_direct_lpi_inv(struct its_node *its, unsigned int cpu, u32 lpi);
struct its_device *its_create_device(struct its_node *its, u32 dev_id,
				     unsigned int nvecs, int *err);
void its_free_device(struct its_device *dev);
struct its_device *its_find_device(struct its_node *its, u32 dev_id);

/* gic-its-irq.c */
struct irq_domain *its_create_irq_domain(struct its_node *its);

#endif
