/* SPDX-License-Identifier: MIT */
/*
 * GICv3 ITS model with a minimal LPI redistributor side.
 *
 * The ITS turns a device's MSI write (EventID written to GITS_TRANSLATER,
 * DeviceID from the bus: struct mem_attrs.requester_id) into an LPI set
 * pending at a redistributor, through tables the driver hands it in machine
 * memory and programs with commands, as Arm IHI0069 describes.  The machine
 * maps two MMIO windows:
 *
 *	its_mmio_ops   (GITS_MMIO_SIZE)  control frame + translation frame
 *	its_gicr_mmio_ops (its_gicr_mmio_size())  one RD_base + SGI_base pair
 *		per target, with the LPI registers only (PROPBASER, PENDBASER,
 *		CTLR.EnableLPIs, TYPER, SETLPIR/CLRLPIR/INVLPIR/INVALLR/SYNCR)
 *
 * both with the struct its as opaque.  Targets ("CPUs") are numbered 0..n-1;
 * GITS_TYPER.PTA is 0, so commands name a target by processor number.
 *
 * Pending state lives inside the model (not in the PENDBASER table) and is
 * read by the machine with its_lpi_is_pending() / its_lpi_ack(); the
 * lpi_pending callback reports each LPI that becomes pending, and an
 * lpi_take callback may take an LPI at once instead (a CPU acknowledging
 * it), so it never pends.  The callback
 * runs with the ITS lock held (it may fire from inside command processing):
 * it must only record the event and must not call back into the ITS.
 *
 * Everything a guest writes is checked; nothing it writes can crash the
 * model.  See its.c for the in-memory table formats and error policy.
 */
#ifndef IOMMUSIM_HW_ITS_H
#define IOMMUSIM_HW_ITS_H

#include "hw/memory.h"
#include "hw/trace.h"
#include "hw/its/its-regs.h"

#define ITS_MAX_TARGETS	4

struct its_config {
	unsigned int devid_bits;	/* DeviceID bits, 1..32 (TYPER.Devbits) */
	unsigned int eventid_bits;	/* EventID bits, 1..32 (TYPER.ID_bits) */
	unsigned int icid_bits;		/* collection ID bits, 1..16 (CIL/CIDbits) */
	unsigned int itt_entry_size;	/* bytes, 8..16 (TYPER.ITT_entry_size) */
	unsigned int dte_size;		/* device table entry, 8..32 (BASER0) */
	unsigned int cte_size;		/* collection table entry, 8..32 (BASER1) */
	unsigned int hcc;		/* collections held in the ITS, 0..255 */
	bool indirect;			/* two-level device/collection tables */
	unsigned int nr_targets;	/* redistributors, 1..ITS_MAX_TARGETS */
	unsigned int lpi_id_bits;	/* INTID bits of the redistributors, 14..20 */
	bool stall_on_error;		/* command errors stall instead of skipping */
	void (*lpi_pending)(void *opaque, unsigned int target, u32 intid);
	/*
	 * Optional: a CPU interface ready to take LPIs.  Asked first for an
	 * LPI that is not pending; true takes it at once (it never becomes
	 * pending, lpi_pending is not called), false leaves it to pend.  Runs
	 * with the ITS lock held, like lpi_pending: record only.
	 */
	bool (*lpi_take)(void *opaque, unsigned int target, u32 intid);
	void *cb_opaque;
};

/* Why a translation (or an INT) did not pend an LPI. */
enum its_drop {
	ITS_DROP_DISABLED,		/* GITS_CTLR.Enabled == 0 */
	ITS_DROP_NO_REQUESTER,		/* write without a requester ID */
	ITS_DROP_BAD_SIZE,		/* not a 16- or 32-bit write */
	ITS_DROP_DEVICE_OOR,		/* DeviceID too large or no table entry */
	ITS_DROP_UNMAPPED_DEVICE,
	ITS_DROP_ID_OOR,		/* EventID beyond the MAPD size */
	ITS_DROP_UNMAPPED_INTERRUPT,
	ITS_DROP_UNMAPPED_COLLECTION,
	ITS_DROP_TABLE_ABORT,		/* a table entry outside RAM */
	ITS_DROP_LPIS_OFF,		/* target's GICR_CTLR.EnableLPIs == 0 */
	ITS_DROP_LPI_OOR,		/* INTID beyond GICR_PROPBASER.IDbits */
	ITS_DROP_LPI_DISABLED,		/* configuration byte has Enable == 0 */
	ITS_DROP_NR
};

/* Command opcodes counted one by one (the physical ones are < 0x10). */
#define ITS_STATS_OPCODES	0x10

struct its_stats {
	u64 translations;		/* GITS_TRANSLATER writes seen */
	u64 lpis_pended;		/* LPIs set pending (translations, INT, SETLPIR) */
	u64 drops[ITS_DROP_NR];
	u64 commands;			/* commands executed, errors included */
	u64 by_opcode[ITS_STATS_OPCODES];	/* the physical ones by opcode */
	u64 cmd_errors;
	u32 last_cmd_error;		/* ITS_ERR_* of the last failed command */
};

void its_config_default(struct its_config *cfg);

/* NULL on a bad config or no memory.  mem holds the ITS's tables and queue. */
struct its *its_create(const struct its_config *cfg, struct phys_mem *mem);
void its_destroy(struct its *its);

extern const struct mmio_ops its_mmio_ops;
extern const struct mmio_ops its_gicr_mmio_ops;
u64 its_gicr_mmio_size(const struct its *its);

bool its_lpi_is_pending(struct its *its, unsigned int target, u32 intid);
/*
 * Acknowledge the highest-priority (lowest value; ties to the lowest INTID)
 * pending and enabled LPI of target: clear it and return its INTID, or
 * GIC_INTID_SPURIOUS when there is none.
 */
u32 its_lpi_ack(struct its *its, unsigned int target);
unsigned int its_lpi_count_pending(struct its *its, unsigned int target);

void its_get_stats(struct its *its, struct its_stats *st);
void its_reset_stats(struct its *its);
/* Trace (hw/trace.h): IOMMUSIM_TRACE_ITS, commands and translations. */
void its_set_trace(struct its *its, unsigned int categories, iommusim_trace_fn fn,
		   void *opaque);
/* "MAPTI" for GITS_CMD_MAPTI, or NULL. */
const char *its_cmd_name(unsigned int opcode);

#endif
