// SPDX-License-Identifier: MIT
/*
 * The LPI side of the GICv3 redistributors the ITS delivers to: the LPI
 * configuration table (GICR_PROPBASER: one byte per LPI, priority and
 * enable), pending state, and the RD_base registers a driver programs
 * (Arm IHI0069 chapter 5 and 12.11).
 *
 * Like real redistributors, these cache configuration bytes: a byte is
 * read from memory the first time its LPI is used and then kept until INV
 * or INVALL (ITS commands), GICR_INVLPIR or GICR_INVALLR, or until
 * GICR_PROPBASER or EnableLPIs changes.  A driver that changes a byte
 * without invalidating sees the old configuration, as on hardware.
 *
 * Pending state is held here rather than in the GICR_PENDBASER table
 * (whose address is kept but never accessed): it starts empty each time
 * EnableLPIs goes from 0 to 1.  A second bitmap marks the words of it that
 * hold a pending bit, so an acknowledge looks at what is pending, not at
 * all 2^lpi_id_bits INTIDs (1,024 words with the default 16 bits).  An
 * LPI whose configuration says disabled is not made pending (the write
 * that would pend it is dropped).
 */
#include "hw/its/its-internal.h"

#include <stdlib.h>
#include <string.h>

static size_t bitmap_words(const struct its *its)
{
	return ((size_t)1 << its->cfg.lpi_id_bits) / 64;
}

/* Words of pending_words: one bit per word of pending (at least one). */
static size_t summary_words(const struct its *its)
{
	return (bitmap_words(its) + 63) / 64;
}

int its_rd_init(struct its *its)
{
	size_t ids = (size_t)1 << its->cfg.lpi_id_bits;

	for (unsigned int t = 0; t < its->cfg.nr_targets; t++) {
		struct its_rd *rd = &its->rd[t];

		rd->pending = calloc(bitmap_words(its), 8);
		rd->pending_words = calloc(summary_words(its), 8);
		rd->conf_valid = calloc(bitmap_words(its), 8);
		rd->conf = malloc(ids);
		if (!rd->pending || !rd->pending_words || !rd->conf_valid || !rd->conf)
			return -ENOMEM;
	}
	return 0;
}

void its_rd_free(struct its *its)
{
	for (unsigned int t = 0; t < ITS_MAX_TARGETS; t++) {
		free(its->rd[t].pending);
		free(its->rd[t].pending_words);
		free(its->rd[t].conf_valid);
		free(its->rd[t].conf);
	}
}

static inline bool test_bit64(const u64 *map, u32 n)
{
	return map[n / 64] & (1ULL << (n % 64));
}

static inline void set_bit64(u64 *map, u32 n)
{
	map[n / 64] |= 1ULL << (n % 64);
}

static inline void clear_bit64(u64 *map, u32 n)
{
	map[n / 64] &= ~(1ULL << (n % 64));
}

static void pending_set(struct its_rd *rd, u32 intid)
{
	set_bit64(rd->pending, intid);
	set_bit64(rd->pending_words, intid / 64);
}

static void pending_clear(struct its_rd *rd, u32 intid)
{
	clear_bit64(rd->pending, intid);
	if (!rd->pending[intid / 64])
		clear_bit64(rd->pending_words, intid / 64);
}

static void pending_clear_all(const struct its *its, struct its_rd *rd)
{
	memset(rd->pending, 0, bitmap_words(its) * 8);
	memset(rd->pending_words, 0, summary_words(its) * 8);
}

/* One past the largest INTID any redistributor implements. */
u32 its_lpi_id_limit(const struct its *its)
{
	return 1u << its->cfg.lpi_id_bits;
}

/* One past the largest INTID target rd accepts now (0: no LPIs). */
static u32 rd_id_limit(const struct its *its, const struct its_rd *rd)
{
	unsigned int bits = FIELD_GET(GICR_PROPBASER_IDBITS, rd->propbaser) + 1;

	if (!(rd->ctlr & GICR_CTLR_ENABLE_LPIS) || bits < 14)
		return 0;
	return 1u << min(bits, its->cfg.lpi_id_bits);
}

/* Configuration byte of intid (in range), or -1 when the table is not in RAM. */
static int rd_conf(struct its *its, struct its_rd *rd, u32 intid)
{
	u8 b;

	if (test_bit64(rd->conf_valid, intid))
		return rd->conf[intid];
	if (its_ram_read(its, (rd->propbaser & GICR_PROPBASER_ADDR) +
			 (intid - LPI_INTID_BASE), &b, 1))
		return -1;
	rd->conf[intid] = b;
	set_bit64(rd->conf_valid, intid);
	return b;
}

/*
 * Set intid pending, reporting it if it was not (unless a CPU interface
 * takes it at once); the caller checked range.
 */
static void rd_set_pending(struct its *its, unsigned int target, u32 intid)
{
	struct its_rd *rd = &its->rd[target];

	its->stats.lpis_pended++;
	if (test_bit64(rd->pending, intid))
		return;
	if (its->cfg.lpi_take && its->cfg.lpi_take(its->cfg.cb_opaque, target, intid))
		return;
	pending_set(rd, intid);
	if (its->cfg.lpi_pending)
		its->cfg.lpi_pending(its->cfg.cb_opaque, target, intid);
}

enum its_drop its_rd_pend(struct its *its, unsigned int target, u32 intid)
{
	struct its_rd *rd = &its->rd[target];
	int conf;

	if (!(rd->ctlr & GICR_CTLR_ENABLE_LPIS))
		return ITS_DROP_LPIS_OFF;
	if (intid < LPI_INTID_BASE || intid >= rd_id_limit(its, rd))
		return ITS_DROP_LPI_OOR;
	conf = rd_conf(its, rd, intid);
	if (conf < 0)
		return ITS_DROP_TABLE_ABORT;
	if (!(conf & LPI_PROP_ENABLED))
		return ITS_DROP_LPI_DISABLED;
	rd_set_pending(its, target, intid);
	return ITS_DROP_NR;
}

void its_rd_clear(struct its *its, unsigned int target, u32 intid)
{
	if (intid < its_lpi_id_limit(its))
		pending_clear(&its->rd[target], intid);
}

/* Pending state follows an LPI to another target; lost if that one cannot take it. */
void its_rd_move(struct its *its, unsigned int from, unsigned int to, u32 intid)
{
	if (intid >= its_lpi_id_limit(its) || !test_bit64(its->rd[from].pending, intid))
		return;
	pending_clear(&its->rd[from], intid);
	if (intid >= LPI_INTID_BASE && intid < rd_id_limit(its, &its->rd[to]))
		rd_set_pending(its, to, intid);
}

void its_rd_move_all(struct its *its, unsigned int from, unsigned int to)
{
	u64 *map = its->rd[from].pending;

	for (size_t w = 0; w < bitmap_words(its); w++) {
		while (map[w]) {
			u32 intid = (u32)(w * 64 + __ffs64(map[w]));

			its_rd_move(its, from, to, intid);
		}
	}
}

void its_rd_inv(struct its *its, unsigned int target, u32 intid)
{
	if (intid < its_lpi_id_limit(its))
		clear_bit64(its->rd[target].conf_valid, intid);
}

void its_rd_invall(struct its *its, unsigned int target)
{
	memset(its->rd[target].conf_valid, 0, bitmap_words(its) * 8);
}

bool its_lpi_is_pending(struct its *its, unsigned int target, u32 intid)
{
	bool ret = false;

	if (target >= its->cfg.nr_targets || intid >= its_lpi_id_limit(its))
		return false;
	mutex_lock(&its->lock);
	ret = test_bit64(its->rd[target].pending, intid);
	mutex_unlock(&its->lock);
	return ret;
}

unsigned int its_lpi_count_pending(struct its *its, unsigned int target)
{
	unsigned int n = 0;

	if (target >= its->cfg.nr_targets)
		return 0;
	mutex_lock(&its->lock);
	for (size_t w = 0; w < bitmap_words(its); w++)
		n += (unsigned int)__builtin_popcountll(its->rd[target].pending[w]);
	mutex_unlock(&its->lock);
	return n;
}

u32 its_lpi_ack(struct its *its, unsigned int target)
{
	u32 best = GIC_INTID_SPURIOUS;
	int best_prio = 256;
	struct its_rd *rd;

	if (target >= its->cfg.nr_targets)
		return best;
	rd = &its->rd[target];
	mutex_lock(&its->lock);
	for (size_t s = 0; s < summary_words(its); s++) {
		for (u64 words = rd->pending_words[s]; words; words &= words - 1) {
			size_t w = s * 64 + __ffs64(words);

			for (u64 bits = rd->pending[w]; bits; bits &= bits - 1) {
				u32 intid = (u32)(w * 64 + __ffs64(bits));
				int conf = intid < rd_id_limit(its, rd) ?
					   rd_conf(its, rd, intid) : -1;
				int prio = conf < 0 ? 256 :
					   (int)FIELD_GET(LPI_PROP_PRIORITY, conf);

				if (conf >= 0 && (conf & LPI_PROP_ENABLED) &&
				    prio < best_prio) {
					best_prio = prio;
					best = intid;
				}
			}
		}
	}
	if (best != GIC_INTID_SPURIOUS)
		pending_clear(rd, best);
	mutex_unlock(&its->lock);
	return best;
}

/* ---- GICR RD_base registers (SGI_base reads as zero, ignores writes) ---- */

u64 its_gicr_mmio_size(const struct its *its)
{
	return (u64)its->cfg.nr_targets * GICR_FRAME_SIZE;
}

static u64 gicr_read64(struct its *its, unsigned int t, u64 base)
{
	struct its_rd *rd = &its->rd[t];

	switch (base) {
	case GICR_CTLR:		/* CTLR, IIDR */
		return rd->ctlr | (u64)ITS_IIDR << 32;
	case GICR_TYPER:
		return GICR_TYPER_PLPIS | GICR_TYPER_DIRECTLPIS |
		       (t == its->cfg.nr_targets - 1 ? GICR_TYPER_LAST : 0) |
		       FIELD_PREP(GICR_TYPER_PROC_NUM, t) |
		       FIELD_PREP(GICR_TYPER_AFFINITY, t);
	case GICR_WAKER & ~7ULL:	/* STATUSR, WAKER */
		return (u64)rd->waker << 32;
	case GICR_PROPBASER:
		return rd->propbaser;
	case GICR_PENDBASER:
		return rd->pendbaser;
	case GICR_PIDR2:
		return GIC_PIDR2_GICV3;
	}
	return 0;	/* SYNCR.Busy is never set: everything completes at once */
}

static void gicr_write64(struct its *its, unsigned int t, u64 base, u64 val,
			 u64 written)
{
	struct its_rd *rd = &its->rd[t];
	bool enabled = rd->ctlr & GICR_CTLR_ENABLE_LPIS;

	switch (base) {
	case GICR_CTLR:
		rd->ctlr = val & GICR_CTLR_ENABLE_LPIS;
		if (!enabled && (rd->ctlr & GICR_CTLR_ENABLE_LPIS)) {
			pending_clear_all(its, rd);
			its_rd_invall(its, t);
		}
		return;
	case GICR_WAKER & ~7ULL:
		rd->waker = (u32)(val >> 32) & GICR_WAKER_PROCESSOR_SLEEP;
		if (rd->waker)
			rd->waker |= GICR_WAKER_CHILDREN_ASLEEP;
		return;
	case GICR_PROPBASER:
		if (enabled)
			return;
		rd->propbaser = val & (GENMASK_ULL(58, 56) | GICR_PROPBASER_ADDR |
				       GENMASK_ULL(11, 7) | GICR_PROPBASER_IDBITS);
		its_rd_invall(its, t);
		return;
	case GICR_PENDBASER:
		if (enabled)
			return;
		rd->pendbaser = val & (GENMASK_ULL(58, 56) | GICR_PENDBASER_ADDR |
				       GENMASK_ULL(11, 7));
		return;
	case GICR_SETLPIR: {
		enum its_drop drop = its_rd_pend(its, t, (u32)written);

		if (drop != ITS_DROP_NR)
			its->stats.drops[drop]++;
		return;
	}
	case GICR_CLRLPIR:
		its_rd_clear(its, t, (u32)written);
		return;
	case GICR_INVLPIR:	/* V (bit 63) names a vPE: no vLPIs here */
		if (!(written & BIT_ULL(63)))
			its_rd_inv(its, t, (u32)written);
		return;
	case GICR_INVALLR:
		if (!(written & BIT_ULL(63)))
			its_rd_invall(its, t);
		return;
	}
}

static int gicr_mmio_read(void *opaque, u64 off, unsigned int size, u64 *val,
			  struct mem_attrs attrs)
{
	struct its *its = opaque;
	unsigned int t = off / GICR_FRAME_SIZE;
	u64 o = off % GICR_FRAME_SIZE;

	(void)attrs;
	*val = 0;
	if (t >= its->cfg.nr_targets || o >= 0x10000 || (size != 4 && size != 8))
		return 0;
	mutex_lock(&its->lock);
	*val = reg_get(gicr_read64(its, t, o & ~7ULL), o & 7, size);
	mutex_unlock(&its->lock);
	return 0;
}

static int gicr_mmio_write(void *opaque, u64 off, unsigned int size, u64 val,
			   struct mem_attrs attrs)
{
	struct its *its = opaque;
	unsigned int t = off / GICR_FRAME_SIZE;
	u64 o = off % GICR_FRAME_SIZE, base = o & ~7ULL;

	(void)attrs;
	if (t >= its->cfg.nr_targets || o >= 0x10000 || (size != 4 && size != 8))
		return 0;
	mutex_lock(&its->lock);
	/* Command-like registers act on the written value alone. */
	gicr_write64(its, t, base,
		     reg_put(gicr_read64(its, t, base), val, o & 7, size),
		     reg_put(0, val, o & 7, size));
	mutex_unlock(&its->lock);
	return 0;
}

const struct mmio_ops its_gicr_mmio_ops = {
	.read = gicr_mmio_read,
	.write = gicr_mmio_write,
};
