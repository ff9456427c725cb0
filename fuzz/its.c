// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the GICv3 ITS model (hw/its) as a hostile guest and
 * hostile devices drive it.  The input picks a configuration, optionally
 * brings the ITS up the way Linux does, then runs a program of operations:
 * commands (well-formed with fuzzed fields, or raw bytes) queued and
 * kicked through GITS_CWRITER, register reads and writes of any size at any
 * offset of the ITS and redistributor frames, doorbell writes with random
 * requester IDs and sizes, raw stores into the tables and queue in RAM, and
 * LPI acknowledges.
 *
 * Beyond "no crash, no sanitizer report", it checks what the architecture
 * promises whatever the guest wrote:
 *  - a configuration its_create() accepts always builds (and a bad one never);
 *  - every GITS_TRANSLATER write is counted once: it pends an LPI or is
 *    dropped for exactly one reason (its_stats);
 *  - GITS_CREADR holds only its offset and Stalled, and the offset lies
 *    inside the queue GITS_CBASER describes;
 *  - LPIs reported pending, pending or acknowledged are LPIs of an existing
 *    target (INTID 8192 up to the implemented limit), and an acknowledged
 *    LPI is no longer pending.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "hw/its/its.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(16ull << 20)
#define ITS_BASE	0x08080000ull
#define GICR_BASE	0x080a0000ull
#define CMDQ_PA		(RAM_BASE + 0x000000)	/* 64K queue */
#define CMDQ_SIZE	0x10000ull
#define DT_PA		(RAM_BASE + 0x100000)
#define CT_PA		(RAM_BASE + 0x200000)
#define PROP_PA		(RAM_BASE + 0x300000)
#define PEND_PA		(RAM_BASE + 0x310000)
#define ITT_PA		(RAM_BASE + 0x400000)

struct fz {
	struct phys_mem *mem;
	struct its *its;
	struct its_config cfg;
	u64 cwriter;		/* where the next command goes */
	u64 callbacks;
};

static void lpi_cb(void *opaque, unsigned int target, u32 intid)
{
	struct fz *f = opaque;

	FUZZ_CHECK(target < f->cfg.nr_targets);
	FUZZ_CHECK(intid >= LPI_INTID_BASE && intid < (1u << f->cfg.lpi_id_bits));
	f->callbacks++;
}

/* An address the guest might point the ITS at: mostly its own RAM. */
static u64 pick_addr(struct fuzz_in *in)
{
	static const u64 bases[] = {
		ITT_PA, ITT_PA, DT_PA, CT_PA, CMDQ_PA, PROP_PA,
		RAM_BASE + RAM_SIZE - 0x1000,	/* last page: entries straddle the end */
		ITS_BASE, GICR_BASE,		/* MMIO: never a table */
		0, 1ull << 51,			/* nothing there */
	};
	u8 sel = fuzz_u8(in);

	if (sel >= 0xf0)
		return fuzz_u64(in);
	return bases[sel % ARRAY_SIZE(bases)] + (u64)fuzz_u8(in) * 0x100;
}

static struct its_stats get_stats(struct fz *f)
{
	struct its_stats st;

	its_get_stats(f->its, &st);
	return st;
}

static u64 drops_total(const struct its_stats *st)
{
	u64 n = 0;

	for (int i = 0; i < ITS_DROP_NR; i++)
		n += st->drops[i];
	return n;
}

static u64 its_read(struct fz *f, u64 off, unsigned int size)
{
	u64 v = 0;

	phys_read_val(f->mem, ITS_BASE + off, size, &v, MEM_ATTRS_NONE);
	return v;
}

static void its_write(struct fz *f, u64 off, unsigned int size, u64 v)
{
	phys_write_val(f->mem, ITS_BASE + off, size, v, MEM_ATTRS_NONE);
}

static void gicr_write(struct fz *f, unsigned int t, u64 off, unsigned int size, u64 v)
{
	phys_write_val(f->mem, GICR_BASE + (u64)t * GICR_FRAME_SIZE + off, size, v,
		       MEM_ATTRS_NONE);
}

/* Linux's bring-up: redistributors, tables (flat or two-level), queue, enable. */
static void bring_up(struct fz *f, bool indirect)
{
	static u8 conf[4096];

	memset(conf, 0xa3, sizeof(conf));	/* priority 0xa0, Group 1, enabled */
	phys_write(f->mem, PROP_PA, conf, sizeof(conf));
	for (unsigned int t = 0; t < f->cfg.nr_targets; t++) {
		gicr_write(f, t, GICR_PROPBASER, 8, PROP_PA | (f->cfg.lpi_id_bits - 1));
		gicr_write(f, t, GICR_PENDBASER, 8, PEND_PA);
		gicr_write(f, t, GICR_CTLR, 4, GICR_CTLR_ENABLE_LPIS);
	}
	if (indirect && f->cfg.indirect) {
		phys_write64(f->mem, DT_PA, GITS_L1E_VALID | (DT_PA + 0x10000));
		phys_write64(f->mem, CT_PA, GITS_L1E_VALID | (CT_PA + 0x10000));
		its_write(f, GITS_BASER(0), 8, its_read(f, GITS_BASER(0), 8) |
			  GITS_BASER_VALID | GITS_BASER_INDIRECT | DT_PA);
		its_write(f, GITS_BASER(1), 8, its_read(f, GITS_BASER(1), 8) |
			  GITS_BASER_VALID | GITS_BASER_INDIRECT | CT_PA);
	} else {
		its_write(f, GITS_BASER(0), 8, its_read(f, GITS_BASER(0), 8) |
			  GITS_BASER_VALID | DT_PA | 255);
		its_write(f, GITS_BASER(1), 8, its_read(f, GITS_BASER(1), 8) |
			  GITS_BASER_VALID | CT_PA | 15);
	}
	its_write(f, GITS_CBASER, 8, GITS_CBASER_VALID | CMDQ_PA | (CMDQ_SIZE / 4096 - 1));
	its_write(f, GITS_CWRITER, 8, 0);
	its_write(f, GITS_CTLR, 4, GITS_CTLR_ENABLED);
	f->cwriter = 0;
}

/* Put a command in the queue at our write pointer and kick the ITS. */
static void queue_cmd(struct fz *f, const u64 *cmd, bool retry)
{
	u64 cbaser = its_read(f, GITS_CBASER, 8);
	u64 qsize = (FIELD_GET(GITS_CBASER_SIZE, cbaser) + 1) << 12;

	phys_write(f->mem, (cbaser & GITS_CBASER_ADDR) + f->cwriter, cmd, GITS_CMD_SIZE);
	f->cwriter = (f->cwriter + GITS_CMD_SIZE) % qsize;
	its_write(f, GITS_CWRITER, 8, f->cwriter | (retry ? GITS_CWRITER_RETRY : 0));
}

/* A command with a real opcode and fields that are mostly plausible. */
static void op_command(struct fz *f, struct fuzz_in *in)
{
	static const u64 ops[] = {
		GITS_CMD_MAPD, GITS_CMD_MAPC, GITS_CMD_MAPTI, GITS_CMD_MAPI,
		GITS_CMD_INT, GITS_CMD_CLEAR, GITS_CMD_INV, GITS_CMD_INVALL,
		GITS_CMD_SYNC, GITS_CMD_MOVI, GITS_CMD_MOVALL, GITS_CMD_DISCARD,
		0x00, 0x20, 0xff,
	};
	u64 cmd[4] = { 0 };
	u64 op = FUZZ_PICK(in, ops);
	u64 devid = fuzz_small_or_raw(in, 8, 4);
	u64 eventid = fuzz_small_or_raw(in, 32, 4);
	u64 pintid = LPI_INTID_BASE + fuzz_small_or_raw(in, 64, 4);
	u64 icid = fuzz_small_or_raw(in, 8, 2);
	u64 target = fuzz_small_or_raw(in, 5, 8);
	u64 target2 = fuzz_small_or_raw(in, 5, 8);
	u64 flags = fuzz_u8(in);

	cmd[0] = op | devid << 32;
	cmd[1] = (op == GITS_CMD_MAPD) ? (flags >> 3) : (eventid | (pintid & 0xffffffff) << 32);
	cmd[2] = (op == GITS_CMD_MAPD ? pick_addr(in) & GITS_CMD2_ITT_ADDR :
		  (target << 16 & GITS_CMD2_RDBASE) | icid) |
		 (flags & 1 ? GITS_CMD2_VALID : 0);
	cmd[3] = target2 << 16 & GITS_CMD3_RDBASE2;
	queue_cmd(f, cmd, flags & 2);
}

static void op_raw_command(struct fz *f, struct fuzz_in *in)
{
	u64 cmd[4];

	for (int i = 0; i < 4; i++)
		cmd[i] = fuzz_u64(in);
	queue_cmd(f, cmd, fuzz_bool(in));
}

static unsigned int pick_size(struct fuzz_in *in)
{
	static const u64 sizes[] = { 4, 8, 8, 4, 1, 2 };

	return (unsigned int)FUZZ_PICK(in, sizes);
}

static void op_its_reg(struct fz *f, struct fuzz_in *in, bool write)
{
	static const u64 regs[] = {
		GITS_CTLR, GITS_CBASER, GITS_CWRITER, GITS_CREADR, GITS_TYPER,
		GITS_BASER(0), GITS_BASER(1), GITS_BASER(2), GITS_BASER(7),
		GITS_IIDR, GITS_PIDR2, GITS_TRANSLATER,
	};
	u8 sel = fuzz_u8(in);
	u64 off = sel < 0xf0 ? regs[sel % ARRAY_SIZE(regs)] + (sel & 0x10 ? 4 : 0) :
			       fuzz_u32(in) % GITS_MMIO_SIZE;
	unsigned int size = pick_size(in);
	u64 val;

	off &= ~(u64)(size - 1);	/* the bus only carries aligned accesses */
	if (!write) {
		its_read(f, off, size);
		return;
	}
	switch (fuzz_u8(in) % 4) {
	case 0:		/* a valid base with fuzzed size and flags */
		val = GITS_BASER_VALID | (pick_addr(in) & GITS_BASER_ADDR) | fuzz_u8(in) |
		      (fuzz_u8(in) & 3) << 8 | (fuzz_bool(in) ? GITS_BASER_INDIRECT : 0);
		break;
	case 1:
		val = fuzz_u8(in);
		break;
	default:
		val = fuzz_u64(in);
		break;
	}
	if (off == GITS_CWRITER && (val & 1) == 0)
		f->cwriter = val & GITS_CQ_OFFSET;
	its_write(f, off, size, val);
}

static void op_gicr_reg(struct fz *f, struct fuzz_in *in, bool write)
{
	static const u64 regs[] = {
		GICR_CTLR, GICR_PROPBASER, GICR_PENDBASER, GICR_SETLPIR,
		GICR_CLRLPIR, GICR_INVLPIR, GICR_INVALLR, GICR_SYNCR, GICR_WAKER,
		GICR_TYPER, 0x10000,	/* SGI_base */
	};
	unsigned int t = (unsigned int)fuzz_range(in, 0, ITS_MAX_TARGETS);
	u8 sel = fuzz_u8(in);
	u64 off = sel < 0xf0 ? regs[sel % ARRAY_SIZE(regs)] : fuzz_u32(in) % GICR_FRAME_SIZE;
	unsigned int size = pick_size(in);
	u64 val = fuzz_bool(in) ? LPI_INTID_BASE + fuzz_small_or_raw(in, 64, 4) :
				  fuzz_u64(in);
	u64 addr = GICR_BASE + (u64)t * GICR_FRAME_SIZE + (off & ~(u64)(size - 1));

	if (write)
		phys_write_val(f->mem, addr, size, val, MEM_ATTRS_NONE);
	else
		phys_read_val(f->mem, addr, size, &val, MEM_ATTRS_NONE);
}

/* A device's MSI: any requester, any size, near or at GITS_TRANSLATER. */
static void op_doorbell(struct fz *f, struct fuzz_in *in)
{
	u8 flags = fuzz_u8(in);
	u32 rid = (u32)fuzz_small_or_raw(in, 8, 4);
	u64 eventid = fuzz_small_or_raw(in, 32, 8);
	unsigned int size = flags & 0x80 ? pick_size(in) : 4;
	u64 off = flags & 0x40 ? GITS_TRANSLATER + fuzz_range(in, 0, 15) : GITS_TRANSLATER;
	struct mem_attrs attrs = flags & 0x20 ? MEM_ATTRS_NONE : MEM_ATTRS_RID(rid);
	struct its_stats before = get_stats(f), after;

	off &= ~(u64)(size - 1);
	phys_write_val(f->mem, ITS_BASE + off, size, eventid, attrs);
	after = get_stats(f);
	if (off == GITS_TRANSLATER) {
		FUZZ_CHECK(after.translations == before.translations + 1);
		FUZZ_CHECK((after.lpis_pended - before.lpis_pended) +
			   (drops_total(&after) - drops_total(&before)) == 1);
	} else {
		FUZZ_CHECK(after.translations == before.translations);
	}
}

/* The guest (or a stray DMA) scribbles over a table, the queue or anything. */
static void op_ram_write(struct fz *f, struct fuzz_in *in)
{
	u64 addr = pick_addr(in) + fuzz_range(in, 0, 15) * 8;
	u64 val = fuzz_bool(in) ? fuzz_u64(in) :
		  (1ULL << 63) | (pick_addr(in) & GENMASK_ULL(51, 8)) | fuzz_u8(in);

	phys_write(f->mem, addr, &val, sizeof(val));
}

static void op_ack(struct fz *f, struct fuzz_in *in)
{
	unsigned int t = (unsigned int)fuzz_range(in, 0, ITS_MAX_TARGETS);
	u32 intid = its_lpi_ack(f->its, t);

	if (t >= f->cfg.nr_targets) {
		FUZZ_CHECK(intid == GIC_INTID_SPURIOUS);
		return;
	}
	if (intid != GIC_INTID_SPURIOUS) {
		FUZZ_CHECK(intid >= LPI_INTID_BASE && intid < (1u << f->cfg.lpi_id_bits));
		FUZZ_CHECK(!its_lpi_is_pending(f->its, t, intid));
	}
	FUZZ_CHECK(its_lpi_count_pending(f->its, t) <=
		   (1u << f->cfg.lpi_id_bits) - LPI_INTID_BASE);
	FUZZ_CHECK(!its_lpi_is_pending(f->its, t, fuzz_range(in, 0, LPI_INTID_BASE - 1)));
}

/* After every operation: what GITS_CREADR may hold. */
static void check_creadr(struct fz *f)
{
	u64 cbaser = its_read(f, GITS_CBASER, 8);
	u64 creadr = its_read(f, GITS_CREADR, 8);
	u64 qsize = (FIELD_GET(GITS_CBASER_SIZE, cbaser) + 1) << 12;

	FUZZ_CHECK(!(creadr & ~(GITS_CQ_OFFSET | GITS_CREADR_STALLED)));
	FUZZ_CHECK((creadr & GITS_CQ_OFFSET) < qsize);
}

static void pick_config(struct its_config *cfg, struct fuzz_in *in)
{
	u8 mode = fuzz_u8(in);

	its_config_default(cfg);
	if (mode & 1) {
		cfg->devid_bits = (unsigned int)fuzz_range(in, 1, 32);
		cfg->eventid_bits = (unsigned int)fuzz_range(in, 1, 32);
		cfg->icid_bits = (unsigned int)fuzz_range(in, 1, 16);
		cfg->itt_entry_size = (unsigned int)fuzz_range(in, 8, 16);
		cfg->dte_size = (unsigned int)fuzz_range(in, 8, 32);
		cfg->cte_size = (unsigned int)fuzz_range(in, 8, 32);
		cfg->hcc = (unsigned int)fuzz_range(in, 0, 255);
		cfg->nr_targets = (unsigned int)fuzz_range(in, 1, ITS_MAX_TARGETS);
		cfg->lpi_id_bits = (unsigned int)fuzz_range(in, 14, 20);
	}
	cfg->indirect = mode & 2;
	cfg->stall_on_error = mode & 4;
}

static bool config_valid(const struct its_config *c)
{
	return c->devid_bits >= 1 && c->devid_bits <= 32 &&
	       c->eventid_bits >= 1 && c->eventid_bits <= 32 &&
	       c->icid_bits >= 1 && c->icid_bits <= 16 &&
	       c->itt_entry_size >= 8 && c->itt_entry_size <= 16 &&
	       c->dte_size >= 8 && c->dte_size <= 32 &&
	       c->cte_size >= 8 && c->cte_size <= 32 && c->hcc <= 255 &&
	       c->nr_targets >= 1 && c->nr_targets <= ITS_MAX_TARGETS &&
	       c->lpi_id_bits >= 14 && c->lpi_id_bits <= 20;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct fz f = { 0 };
	u8 start;

	pick_config(&f.cfg, &in);
	start = fuzz_u8(&in);
	if (start == 0xff) {	/* now and then, a configuration out of range */
		f.cfg.lpi_id_bits = fuzz_u8(&in);
		f.cfg.nr_targets = fuzz_u8(&in);
	}
	f.cfg.lpi_pending = lpi_cb;
	f.cfg.cb_opaque = &f;

	f.mem = phys_mem_create();
	if (!f.mem || phys_mem_add_ram(f.mem, RAM_BASE, RAM_SIZE, "ram"))
		goto out;
	f.its = its_create(&f.cfg, f.mem);
	FUZZ_CHECK(!f.its == !config_valid(&f.cfg));
	if (!f.its)
		goto out;
	if (phys_mem_add_mmio(f.mem, ITS_BASE, GITS_MMIO_SIZE, &its_mmio_ops, f.its, "its") ||
	    phys_mem_add_mmio(f.mem, GICR_BASE, its_gicr_mmio_size(f.its),
			      &its_gicr_mmio_ops, f.its, "gicr"))
		goto out;
	if (start & 1)
		bring_up(&f, start & 2);

	for (unsigned int steps = 0; fuzz_more(&in) && steps < 512; steps++) {
		switch (fuzz_u8(&in) % 10) {
		case 0: case 1:
			op_command(&f, &in);
			break;
		case 2:
			op_raw_command(&f, &in);
			break;
		case 3:
			op_its_reg(&f, &in, true);
			break;
		case 4:
			op_its_reg(&f, &in, false);
			break;
		case 5:
			op_gicr_reg(&f, &in, fuzz_bool(&in));
			break;
		case 6: case 7:
			op_doorbell(&f, &in);
			break;
		case 8:
			op_ram_write(&f, &in);
			break;
		case 9:
			op_ack(&f, &in);
			break;
		}
		check_creadr(&f);
	}
	FUZZ_CHECK(f.callbacks <= get_stats(&f).lpis_pended);
out:
	its_destroy(f.its);
	phys_mem_destroy(f.mem);
	return 0;
}
