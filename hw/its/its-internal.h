/* SPDX-License-Identifier: MIT */
/*
 * State shared by the ITS model's files: its.c (registers, translation),
 * its-cmd.c (tables and the command queue) and its-rd.c (redistributors).
 * Every field is protected by its->lock.
 */
#ifndef IOMMUSIM_HW_ITS_INTERNAL_H
#define IOMMUSIM_HW_ITS_INTERNAL_H

#include "hw/its/its.h"
#include "hw/trace-priv.h"
#include "lib/lock.h"

#define ITS_IIDR	0x4900043b	/* ProductID 'I'; matches no Linux quirk */

/* One redistributor, reduced to its LPI side. */
struct its_rd {
	u32 ctlr;			/* GICR_CTLR.EnableLPIs */
	u32 waker;
	u64 propbaser;
	u64 pendbaser;
	u64 *pending;			/* bitmap indexed by INTID */
	u64 *pending_words;		/* bit w: pending[w] is not zero */
	u64 *conf_valid;		/* bitmap: conf[] holds the table's byte */
	u8 *conf;			/* cached LPI configuration bytes */
};

struct its {
	struct its_config cfg;
	struct phys_mem *mem;
	struct mutex lock;
	u32 ctlr;
	u64 typer;
	u64 cbaser;
	u64 cwriter;
	u64 creadr;
	u64 baser[GITS_BASER_NR_REGS];
	u32 hcc_coll[256];		/* ITS-held collections: V | target */
	struct its_rd rd[ITS_MAX_TARGETS];
	struct its_stats stats;
	struct hw_trace trace;
};

#define ITS_HCC_VALID	BIT(31)

/* A mapped event, as the ITT and collection table resolve it. */
struct its_event {
	phys_addr_t ite_addr;
	u64 ite;
	u32 pintid;
	u16 icid;
	unsigned int target;
};

/* its-cmd.c */
void its_run_cmdq(struct its *its);
int its_resolve(struct its *its, u32 devid, u32 eventid, struct its_event *ev);
u64 its_baser_init(const struct its *its, unsigned int n);
u64 its_baser_write(const struct its *its, unsigned int n, u64 val);

/* its-rd.c: all return an enum its_drop, ITS_DROP_NR when the LPI pended. */
int its_rd_init(struct its *its);
void its_rd_free(struct its *its);
enum its_drop its_rd_pend(struct its *its, unsigned int target, u32 intid);
void its_rd_clear(struct its *its, unsigned int target, u32 intid);
void its_rd_move(struct its *its, unsigned int from, unsigned int to, u32 intid);
void its_rd_move_all(struct its *its, unsigned int from, unsigned int to);
void its_rd_inv(struct its *its, unsigned int target, u32 intid);
void its_rd_invall(struct its *its, unsigned int target);
u32 its_lpi_id_limit(const struct its *its);

/* Part of a 64-bit register seen by an access of size bytes at byte sub. */
static inline u64 reg_mask(unsigned int sub, unsigned int size)
{
	return (size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1) << (sub * 8);
}

static inline u64 reg_get(u64 reg, unsigned int sub, unsigned int size)
{
	return (reg & reg_mask(sub, size)) >> (sub * 8);
}

static inline u64 reg_put(u64 reg, u64 val, unsigned int sub, unsigned int size)
{
	return (reg & ~reg_mask(sub, size)) | ((val << (sub * 8)) & reg_mask(sub, size));
}

/* Little-endian loads and stores of ITS-owned RAM; -EFAULT outside RAM. */
static inline int its_ram_read(struct its *its, phys_addr_t pa, void *buf, size_t len)
{
	void *p = phys_ram_ptr(its->mem, pa, len);

	if (!p)
		return -EFAULT;
	__builtin_memcpy(buf, p, len);
	return 0;
}

static inline int its_ram_write(struct its *its, phys_addr_t pa, const void *buf,
				size_t len)
{
	void *p = phys_ram_ptr(its->mem, pa, len);

	if (!p)
		return -EFAULT;
	__builtin_memcpy(p, buf, len);
	return 0;
}

#endif
