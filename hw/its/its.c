// SPDX-License-Identifier: MIT
/*
 * GICv3 ITS model: registers of the control frame, the translation frame
 * (GITS_TRANSLATER) and the object's life.  See its.h for the interface.
 *
 * Choices the architecture leaves to the implementation (Arm IHI0069):
 *
 * - Table formats (IMPLEMENTATION DEFINED; ours, in the first 8 bytes of
 *   each entry, little-endian, the rest of a larger entry unused):
 *     device table entry (GITS_BASER0, Type 1):
 *	[63] Valid  [51:8] ITT address[51:8]  [4:0] ITT size (EventID bits - 1)
 *     collection table entry (GITS_BASER1, Type 4; ICID n >= GITS_TYPER.HCC
 *     at index n - HCC, the first HCC collections being held in the ITS):
 *	[63] Valid  [15:0] target (processor number)
 *     interrupt translation entry (ITT, GITS_TYPER.ITT_entry_size apart):
 *	[63] Valid  [47:32] ICID  [31:0] pINTID
 *   Two-level tables (GITS_BASER.Indirect, when configured): a flat array
 *   of 8-byte level-1 entries ([63] Valid, [51:12] level-2 page), each
 *   level-2 page of GITS_BASER.Page_Size holding Page_Size / Entry_Size
 *   entries, as Linux's its_alloc_table_entry() fills them.
 * - The ITS reads and writes its tables and queue in RAM only: an entry or a
 *   command outside RAM is an external abort (no MMIO side effects).
 * - Command errors: by default the command is ignored, the error recorded
 *   (its_stats.last_cmd_error, GIC-600's encodings) and processing goes on,
 *   as gem5 and KVM do; with its_config.stall_on_error the queue stops at
 *   the command with GITS_CREADR.Stalled set until software writes
 *   GITS_CWRITER.Retry (which runs it again).  No SEIs (GITS_TYPER.SEIS 0).
 *   A command that cannot be read (queue outside RAM), or GITS_CWRITER
 *   beyond the queue, always stalls.
 * - Translations that fail are ignored, as GITS_TRANSLATER's description
 *   says, and counted by reason (its_stats.drops).  16- and 32-bit writes
 *   are translations (a 16-bit write zero-extends); other sizes are dropped.
 * - Commands run synchronously on the GITS_CWRITER write (or when the ITS
 *   is enabled), so GITS_CTLR.Quiescent is simply !Enabled and SYNC only
 *   checks its target.
 * - GITS_CBASER and GITS_BASER<n> ignore writes while the ITS is enabled.
 */
#include "hw/its/its-internal.h"

#include <stdlib.h>
#include <string.h>

void its_config_default(struct its_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->devid_bits = 16;
	cfg->eventid_bits = 16;
	cfg->icid_bits = 16;
	cfg->itt_entry_size = 8;
	cfg->dte_size = 8;
	cfg->cte_size = 8;
	cfg->hcc = 0;
	cfg->indirect = true;
	cfg->nr_targets = 2;
	cfg->lpi_id_bits = 16;
}

static bool its_config_valid(const struct its_config *c)
{
	return c->devid_bits >= 1 && c->devid_bits <= 32 &&
	       c->eventid_bits >= 1 && c->eventid_bits <= 32 &&
	       c->icid_bits >= 1 && c->icid_bits <= 16 &&
	       c->itt_entry_size >= 8 && c->itt_entry_size <= 16 &&
	       c->dte_size >= 8 && c->dte_size <= 32 &&
	       c->cte_size >= 8 && c->cte_size <= 32 &&
	       c->hcc <= 255 &&
	       c->nr_targets >= 1 && c->nr_targets <= ITS_MAX_TARGETS &&
	       c->lpi_id_bits >= 14 && c->lpi_id_bits <= 20;
}

struct its *its_create(const struct its_config *cfg, struct phys_mem *mem)
{
	struct its *its;

	if (!cfg || !mem || !its_config_valid(cfg))
		return NULL;
	its = calloc(1, sizeof(*its));
	if (!its)
		return NULL;
	its->cfg = *cfg;
	its->mem = mem;
	mutex_init(&its->lock);
	if (its_rd_init(its))
		goto err_free;

	its->typer = GITS_TYPER_PHYSICAL |
		     FIELD_PREP(GITS_TYPER_ITT_ENTRY_SIZE, cfg->itt_entry_size - 1) |
		     FIELD_PREP(GITS_TYPER_IDBITS, cfg->eventid_bits - 1) |
		     FIELD_PREP(GITS_TYPER_DEVBITS, cfg->devid_bits - 1) |
		     FIELD_PREP(GITS_TYPER_HCC, cfg->hcc);
	if (cfg->icid_bits < 16)
		its->typer |= GITS_TYPER_CIL |
			      FIELD_PREP(GITS_TYPER_CIDBITS, cfg->icid_bits - 1);
	for (unsigned int n = 0; n < GITS_BASER_NR_REGS; n++)
		its->baser[n] = its_baser_init(its, n);
	return its;

err_free:
	its_rd_free(its);
	mutex_destroy(&its->lock);
	free(its);
	return NULL;
}

void its_destroy(struct its *its)
{
	if (!its)
		return;
	its_rd_free(its);
	mutex_destroy(&its->lock);
	free(its);
}

/* The 64-bit doubleword of the control frame at offset base (8-aligned). */
static u64 its_ctrl_read64(struct its *its, u64 base)
{
	switch (base) {
	case GITS_CTLR:		/* CTLR, IIDR */
		return (its->ctlr | (its->ctlr & GITS_CTLR_ENABLED ? 0 : GITS_CTLR_QUIESCENT)) |
		       (u64)ITS_IIDR << 32;
	case GITS_TYPER:
		return its->typer;
	case GITS_CBASER:
		return its->cbaser;
	case GITS_CWRITER:
		return its->cwriter;
	case GITS_CREADR:
		return its->creadr;
	case GITS_PIDR2:	/* PIDR2, PIDR3 */
		return GIC_PIDR2_GICV3;
	}
	if (base >= GITS_BASER(0) && base < GITS_BASER(GITS_BASER_NR_REGS))
		return its->baser[(base - GITS_BASER(0)) / 8];
	return 0;
}

static void its_ctrl_write64(struct its *its, u64 base, u64 val)
{
	bool enabled = its->ctlr & GITS_CTLR_ENABLED;

	switch (base) {
	case GITS_CTLR:
		its->ctlr = val & GITS_CTLR_ENABLED;
		if (!enabled && (its->ctlr & GITS_CTLR_ENABLED))
			its_run_cmdq(its);
		return;
	case GITS_CBASER:
		if (enabled)
			return;
		its->cbaser = val & (GITS_CBASER_VALID | GITS_CBASER_ADDR |
				     GITS_CBASER_ATTRS | GITS_CBASER_SIZE);
		its->creadr = 0;	/* the architecture resets the read pointer */
		return;
	case GITS_CWRITER:
		its->cwriter = val & GITS_CQ_OFFSET;
		if ((val & GITS_CWRITER_RETRY) && (its->creadr & GITS_CREADR_STALLED))
			its->creadr &= ~GITS_CREADR_STALLED;
		its_run_cmdq(its);
		return;
	}
	if (base >= GITS_BASER(0) && base < GITS_BASER(GITS_BASER_NR_REGS) && !enabled) {
		unsigned int n = (base - GITS_BASER(0)) / 8;

		its->baser[n] = its_baser_write(its, n, val);
	}
}

/* Map a failed resolution (an ITS_CAUSE_*) to the drop it counts as. */
static enum its_drop its_cause_to_drop(int cause)
{
	switch (cause) {
	case ITS_CAUSE_DEVICE_OOR:		return ITS_DROP_DEVICE_OOR;
	case ITS_CAUSE_UNMAPPED_DEVICE:		return ITS_DROP_UNMAPPED_DEVICE;
	case ITS_CAUSE_ID_OOR:			return ITS_DROP_ID_OOR;
	case ITS_CAUSE_UNMAPPED_INTERRUPT:	return ITS_DROP_UNMAPPED_INTERRUPT;
	case ITS_CAUSE_UNMAPPED_COLLECTION:	return ITS_DROP_UNMAPPED_COLLECTION;
	default:				return ITS_DROP_TABLE_ABORT;
	}
}

/* A write to GITS_TRANSLATER: DeviceID from the bus, EventID from the data. */
static void its_translate(struct its *its, unsigned int size, u32 eventid,
			  struct mem_attrs attrs)
{
	struct its_event ev;
	enum its_drop drop;
	int cause;

	its->stats.translations++;
	if (!(its->ctlr & GITS_CTLR_ENABLED)) {
		drop = ITS_DROP_DISABLED;
	} else if (!attrs.requester_valid) {
		drop = ITS_DROP_NO_REQUESTER;
	} else if (size != 2 && size != 4) {
		drop = ITS_DROP_BAD_SIZE;
	} else {
		cause = its_resolve(its, attrs.requester_id, eventid, &ev);
		drop = cause ? its_cause_to_drop(cause) :
			       its_rd_pend(its, ev.target, ev.pintid);
	}
	if (drop != ITS_DROP_NR)
		its->stats.drops[drop]++;
	hw_trace(&its->trace, IOMMUSIM_TRACE_ITS,
		 "gicv3_its_translation_write devid=0x%x eventid=%u -> %s", attrs.requester_id,
		 eventid, drop == ITS_DROP_NR ? "LPI" : "dropped");
}

static int its_mmio_read(void *opaque, u64 off, unsigned int size, u64 *val,
			 struct mem_attrs attrs)
{
	struct its *its = opaque;

	(void)attrs;
	*val = 0;
	/* 32- and 64-bit accesses to the control frame; the rest RAZ. */
	if (off >= 0x10000 || (size != 4 && size != 8))
		return 0;
	mutex_lock(&its->lock);
	*val = reg_get(its_ctrl_read64(its, off & ~7ULL), off & 7, size);
	mutex_unlock(&its->lock);
	return 0;
}

static int its_mmio_write(void *opaque, u64 off, unsigned int size, u64 val,
			  struct mem_attrs attrs)
{
	struct its *its = opaque;
	u64 base = off & ~7ULL;

	if (off >= 0x10000) {
		/* Translation frame: only GITS_TRANSLATER decodes. */
		if (base != GITS_TRANSLATER)
			return 0;
		mutex_lock(&its->lock);
		if (off == GITS_TRANSLATER)
			its_translate(its, size, (u32)val, attrs);
		mutex_unlock(&its->lock);
		return 0;
	}
	if (size != 4 && size != 8)
		return 0;
	mutex_lock(&its->lock);
	its_ctrl_write64(its, base, reg_put(its_ctrl_read64(its, base), val,
					    off & 7, size));
	mutex_unlock(&its->lock);
	return 0;
}

const struct mmio_ops its_mmio_ops = {
	.read = its_mmio_read,
	.write = its_mmio_write,
};

void its_get_stats(struct its *its, struct its_stats *st)
{
	mutex_lock(&its->lock);
	*st = its->stats;
	mutex_unlock(&its->lock);
}

void its_set_trace(struct its *its, unsigned int categories, iommusim_trace_fn fn,
		   void *opaque)
{
	mutex_lock(&its->lock);
	hw_trace_set(&its->trace, categories, fn, opaque);
	mutex_unlock(&its->lock);
}

void its_reset_stats(struct its *its)
{
	mutex_lock(&its->lock);
	memset(&its->stats, 0, sizeof(its->stats));
	mutex_unlock(&its->lock);
}
