/* SPDX-License-Identifier: MIT */
/*
 * A small machine for the SMMUv3 tests: RAM, the SMMU's register window,
 * and the steps a driver takes (program registers over MMIO, write the
 * stream table, CDs, commands and page tables into RAM, read events back).
 * There is no kernel driver here on purpose: the tests speak architecture.
 */
#ifndef IOMMUSIM_TESTS_SMMUV3_RIG_H
#define IOMMUSIM_TESTS_SMMUV3_RIG_H

#include <string.h>

#include "hw/smmuv3/smmuv3.h"
#include "hw/smmuv3/smmuv3-internal.h"
#include "tests/mmio.h"
#include "tests/test.h"

#define RIG_RAM_BASE	0x40000000ULL
#define RIG_RAM_SIZE	(1ULL << 30)
#define RIG_SMMU_BASE	0x09000000ULL
#define RIG_STRTAB	0x40000000ULL	/* 256 STEs, linear */
#define RIG_CMDQ	0x40010000ULL	/* 256 commands */
#define RIG_EVTQ	0x40020000ULL	/* 32 events */
#define RIG_CMDQ_LOG2	8
#define RIG_EVTQ_LOG2	5
#define RIG_ALLOC	0x41000000ULL	/* tables, CDs, page tables */

struct rig {
	struct phys_mem *mem;
	struct smmuv3 *smmu;
	unsigned int nr_evtq_irq, nr_gerror_irq, nr_sync_irq, nr_sev;
	u64 next_alloc;
	u32 cmdq_prod;
};

static void rig_evtq_irq(void *o) { ((struct rig *)o)->nr_evtq_irq++; }
static void rig_gerror_irq(void *o) { ((struct rig *)o)->nr_gerror_irq++; }
static void rig_sync_irq(void *o) { ((struct rig *)o)->nr_sync_irq++; }
static void rig_sev(void *o) { ((struct rig *)o)->nr_sev++; }

static const struct smmuv3_irq_ops rig_irq_ops = {
	.eventq = rig_evtq_irq,
	.gerror = rig_gerror_irq,
	.cmdq_sync = rig_sync_irq,
	.sev = rig_sev,
};

static inline u32 rd32(struct rig *r, u64 off)
{
	return (u32)mmio_read(r->mem, RIG_SMMU_BASE + off, 4);
}

static inline u64 rd64(struct rig *r, u64 off)
{
	return mmio_read(r->mem, RIG_SMMU_BASE + off, 8);
}

static inline void wr32(struct rig *r, u64 off, u32 v)
{
	mmio_write(r->mem, RIG_SMMU_BASE + off, 4, v);
}

static inline void wr64(struct rig *r, u64 off, u64 v)
{
	mmio_write(r->mem, RIG_SMMU_BASE + off, 8, v);
}

static inline u64 rig_alloc(struct rig *r, u64 size, u64 align)
{
	u64 a = ALIGN(r->next_alloc, align);

	r->next_alloc = a + size;
	REQUIRE(r->next_alloc <= RIG_RAM_BASE + RIG_RAM_SIZE);
	memset(phys_ram_ptr(r->mem, a, size), 0, size);
	return a;
}

/* A machine with the SMMU reset, nothing programmed. */
/* The rig's view of an SMMU at RIG_SMMU_BASE on mem (its own or a board's). */
static inline void rig_attach(struct rig *r, struct phys_mem *mem,
			      struct smmuv3 *smmu)
{
	r->mem = mem;
	r->smmu = smmu;
	r->next_alloc = RIG_ALLOC;
}

static inline void rig_create(struct rig *r, const struct smmuv3_config *conf)
{
	struct phys_mem *mem = phys_mem_create();
	struct smmuv3 *smmu;

	memset(r, 0, sizeof(*r));
	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, RIG_RAM_BASE, RIG_RAM_SIZE, "ram") == 0);
	smmu = smmuv3_create(conf, mem, &rig_irq_ops, r, 0x1234);
	REQUIRE(smmu);
	REQUIRE(phys_mem_add_mmio(mem, RIG_SMMU_BASE, SMMUV3_MMIO_SIZE,
				  &smmuv3_mmio_ops, smmu, "smmuv3") == 0);
	rig_attach(r, mem, smmu);
}

/* Stream table, queues and interrupts programmed, SMMU enabled. */
static inline void rig_enable(struct rig *r)
{
	wr64(r, SMMU_STRTAB_BASE, RIG_STRTAB);
	wr32(r, SMMU_STRTAB_BASE_CFG, 8);
	wr64(r, SMMU_CMDQ_BASE, RIG_CMDQ | RIG_CMDQ_LOG2);
	wr64(r, SMMU_EVENTQ_BASE, RIG_EVTQ | RIG_EVTQ_LOG2);
	wr32(r, SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN);
	wr32(r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	REQUIRE(rd32(r, SMMU_CR0ACK) == (CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN));
}

static inline void rig_init(struct rig *r, const struct smmuv3_config *conf)
{
	rig_create(r, conf);
	rig_enable(r);
}

static inline void rig_destroy(struct rig *r)
{
	smmuv3_destroy(r->smmu);
	phys_mem_destroy(r->mem);
}

/*
 * The model's own tests leave STEs, CDs and descriptors stale on purpose:
 * caching is what they test.  One that defines RIG_STALE_ON_PURPOSE (to
 * the highest SMMUV3_COHERENCY_* it tolerates) before including this
 * header caps the coherency checker `make test` turns on
 * (IOMMUSIM_COHERENCY=fatal); tests/smmuv3_coherency.c proves the reports.
 */
static inline void rig_default_conf(struct smmuv3_config *c)
{
	smmuv3_config_default(c);
#ifdef RIG_STALE_ON_PURPOSE
	if (c->coherency > RIG_STALE_ON_PURPOSE)
		c->coherency = RIG_STALE_ON_PURPOSE;
#endif
}

/* Command queue. */
static inline void cmd_push(struct rig *r, u64 c0, u64 c1)
{
	u32 mask = (1u << RIG_CMDQ_LOG2) - 1;
	u64 a = RIG_CMDQ + (r->cmdq_prod & mask) * 16;

	phys_write64(r->mem, a, c0);
	phys_write64(r->mem, a + 8, c1);
	r->cmdq_prod = (r->cmdq_prod + 1) & ((2u << RIG_CMDQ_LOG2) - 1);
}

static inline void cmd_kick(struct rig *r)
{
	wr32(r, SMMU_CMDQ_PROD, r->cmdq_prod);
}

static inline void cmd(struct rig *r, u64 c0, u64 c1)
{
	cmd_push(r, c0, c1);
	cmd_kick(r);
}

static inline void cmd_cfgi_ste(struct rig *r, u32 sid)
{
	cmd(r, CMD_CFGI_STE | FIELD_PREP(CMD_0_SID, sid), CMD_1_LEAF);
}

static inline bool cmdq_stopped(struct rig *r)
{
	return (rd32(r, SMMU_GERROR) ^ rd32(r, SMMU_GERRORN)) & GERROR_CMDQ_ERR;
}

/* Event queue: pops one record, false when empty. */
static inline bool evt_pop(struct rig *r, u64 rec[4])
{
	u32 prod = rd32(r, SMMU_EVENTQ_PROD), cons = rd32(r, SMMU_EVENTQ_CONS);
	u32 mask = (2u << RIG_EVTQ_LOG2) - 1;

	if ((prod & mask) == (cons & mask))
		return false;
	REQUIRE(phys_read(r->mem, RIG_EVTQ + (cons & (mask >> 1)) * 32, rec, 32) == 0);
	wr32(r, SMMU_EVENTQ_CONS, (cons & EVTQ_CONS_OVACKFLG) | ((cons + 1) & mask));
	return true;
}

static inline unsigned int evt_drain(struct rig *r)
{
	u64 rec[4];
	unsigned int n = 0;

	while (evt_pop(r, rec))
		n++;
	return n;
}

/* STEs. */
static inline void ste_write(struct rig *r, u32 sid, const u64 ste[8])
{
	REQUIRE(phys_write(r->mem, RIG_STRTAB + (u64)sid * 64, ste, 64) == 0);
}

/* Translation tables: a minimal LPAE builder, independent of the model. */
struct pt {
	struct rig *r;
	u64 root;
	unsigned int gshift, ia_bits;
	int start_level;
	bool stage2;
};

static inline unsigned int pt_level_shift(unsigned int g, int level)
{
	return g + (unsigned int)(3 - level) * (g - 3);
}

static inline void pt_init(struct pt *p, struct rig *r, bool stage2,
			   unsigned int gshift, unsigned int ia_bits,
			   int start_level, unsigned int concat)
{
	unsigned int bits = ia_bits - pt_level_shift(gshift, start_level);
	u64 size = 8ULL << bits;

	if (size < (1ULL << gshift))
		size = 1ULL << gshift;
	(void)concat;
	p->r = r;
	p->stage2 = stage2;
	p->gshift = gshift;
	p->ia_bits = ia_bits;
	p->start_level = start_level;
	p->root = rig_alloc(r, size, size);
}

/* Leaf attributes: AF and, for stage 2, S2AP=RW unless given. */
#define PT_AF		BIT_ULL(10)
#define PT_S1_RW	0
#define PT_S1_RO	(2ULL << 6)
#define PT_S1_USER	(1ULL << 6)
#define PT_NG		BIT_ULL(11)
#define PT_XN		BIT_ULL(54)
#define PT_PXN		BIT_ULL(53)
#define PT_S2_RW	(3ULL << 6)
#define PT_S2_RO	(1ULL << 6)
#define PT_S2_WO	(2ULL << 6)
/* Stage 1 leaves are unprivileged-accessible (AP[1]), as Linux maps them,
 * unless the test asks for privileged-only. */
#define PT_S1_PRIVONLY	BIT_ULL(58)

/* Maps va -> pa with a leaf at leaf_level; returns the leaf's address. */
static inline u64 pt_map(struct pt *p, u64 va, u64 pa, int leaf_level,
			 u64 attrs)
{
	u64 table = p->root;

	for (int level = p->start_level;; level++) {
		unsigned int shift = pt_level_shift(p->gshift, level);
		unsigned int bits = level == p->start_level ?
				    p->ia_bits - shift : p->gshift - 3;
		u64 idx = (va >> shift) & ((1ULL << bits) - 1);
		u64 daddr = table + idx * 8, desc;

		if (level == leaf_level) {
			if (!p->stage2 && !(attrs & PT_S1_PRIVONLY))
				attrs |= PT_S1_USER;
			desc = (pa & ~((1ULL << shift) - 1)) |
			       (attrs & ~PT_S1_PRIVONLY) | (level == 3 ? 3 : 1);
			/* One single-copy-atomic store, as a CPU's WRITE_ONCE. */
			__atomic_store_n((u64 *)phys_ram_ptr(p->r->mem, daddr, 8),
					 desc, __ATOMIC_RELAXED);
			return daddr;
		}
		phys_read64(p->r->mem, daddr, &desc);
		if (!(desc & 1)) {
			u64 t = rig_alloc(p->r, 1ULL << p->gshift, 1ULL << p->gshift);

			desc = t | 3;
			phys_write64(p->r->mem, daddr, desc);
		}
		table = desc & GENMASK_ULL(47, p->gshift);
	}
}

#endif
