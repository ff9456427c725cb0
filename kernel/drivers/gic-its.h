/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 ITS driver: programs an ITS and its redistributors through
 * MMIO and memory exactly as Linux's drivers/irqchip/irq-gic-v3-its.c
 * programs hardware, and plugs into kernel/msi.h as the parent irq domain
 * of device MSI domains.
 *
 *	probe    redistributors: LPI property + pending tables, EnableLPIs;
 *	         ITS: device/collection tables from GITS_BASER<n>, command
 *	         queue, enable; per CPU (= redistributor) MAPC + INVALL
 *	prepare  per DeviceID: ITT sized for the vectors, LPI range, MAPD
 *	alloc    per vector: EventID + LPI, MAPTI + SYNC, LPI enabled in the
 *	         property table and invalidated (GICR_INVLPIR, or INV)
 *	compose  {address = ITS base + GITS_TRANSLATER, data = EventID}
 *	free     LPI disabled + invalidated, DISCARD + SYNC; MAPD V=0 and the
 *	         ITT freed once the DeviceID's last user is gone
 *
 * Each struct its_node belongs to one kernel instance and holds what Linux
 * keeps in globals for its GIC (gic_rdists, the LPI allocator), so two
 * kernels drive two ITSs side by side.  docs/gic-its-driver.md has the
 * command sequence of each operation.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_GIC_ITS_H
#define IOMMUSIM_KERNEL_DRIVERS_GIC_ITS_H

#include "kernel/msi.h"

struct its_node;

struct gic_its_config {
	phys_addr_t its_base;	/* ITS frames: control, then translation */
	/* First redistributor; frames follow until GICR_TYPER.Last. */
	phys_addr_t gicr_base;
	/* INTID bits the GIC implements (GICD_TYPER.IDbits + 1, as firmware
	 * would tell); the driver uses at most 16, as Linux.  0 means 16. */
	unsigned int id_bits;
	/* Invalidate with the ITS INV command even when every redistributor
	 * has DirectLPI (Linux's choice for a GICv4.0 forwarded LPI). */
	bool no_direct_lpi;
};

/*
 * Probes and enables the ITS; *out receives it.  0, -ENODEV (no GICv3/v4
 * ITS or redistributor there), -ENXIO (no physical LPIs, a GITS_BASER that
 * does not keep what was written, or a table that cannot be sized),
 * -EBUSY (the ITS does not become quiescent), -ENOMEM, -ETIMEDOUT or -EIO
 * (the initial MAPC/INVALL did not complete).  On failure nothing stays
 * allocated and the ITS and LPIs are left disabled.
 */
int gic_its_probe(struct kernel *k, const struct gic_its_config *cfg,
		  struct its_node **out);
/* Disables the ITS and LPIs and frees everything; -EBUSY while any device
 * still holds vectors. */
int gic_its_remove(struct its_node *its);

/* The parent irq domain to give msi_create_irq_domain(). */
struct irq_domain *gic_its_domain(struct its_node *its);

/*
 * The LPI and the CPU (redistributor index, = GICR_TYPER.Processor_Number
 * order) that a vector's parent irq_data (msi_desc_parent_data()) is
 * routed to: Linux's hwirq and effective affinity.  -EINVAL for an
 * irq_data that is not one of this driver's.
 */
int gic_its_irq_target(const struct irq_data *irqd, u32 *lpi, unsigned int *cpu);

struct gic_its_info {
	unsigned int nr_cpus;		/* redistributors found */
	unsigned int id_bits;		/* LPI INTID bits in use */
	unsigned int device_bits;	/* GITS_TYPER.Devbits + 1 */
	unsigned int event_bits;	/* GITS_TYPER.ID_bits + 1 */
	unsigned int nr_devices;	/* DeviceIDs mapped now */
	unsigned int nr_lpis;		/* LPIs handed out now */
	bool direct_lpi;		/* invalidates through GICR_INVLPIR */
	u64 cmds;			/* commands posted, SYNCs included */
	u64 cmd_errors;			/* commands that did not complete */
	int last_error;			/* -ETIMEDOUT or -EIO of the last one */
};
void gic_its_get_info(struct its_node *its, struct gic_its_info *info);

#endif
