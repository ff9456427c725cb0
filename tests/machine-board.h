/* SPDX-License-Identifier: MIT */
/*
 * A machine (hw/machine.h) whose SMMU is programmed by hand, the way the
 * SMMU tests program it (tests/smmuv3_rig.h; stream table, CD, tables and
 * event queue written directly, no SMMU driver): for tests of the board's
 * wiring that must not depend on the SMMU driver (tests/machine.c).  The
 * rig (b->r) is attached to the board's SMMU; rig_enable() programs it.
 */
#ifndef IOMMUSIM_TESTS_MACHINE_BOARD_H
#define IOMMUSIM_TESTS_MACHINE_BOARD_H

#include "hw/machine.h"
#include "hw/smmuv3/smmuv3-internal.h"
#include "tests/smmuv3_rig.h"

#define SID_S1		0x10
#define SID_BYPASS	0x11
#define SID_ABORT	0x12
#define SID_BAD		0x13
#define RID_DIRECT	0x40
#define CDPTR		0x40100000ULL
#define KERNEL_RAM	0x60000000ULL	/* the kernel's half of RAM */

enum { EP_S1, EP_BYPASS, EP_ABORT, EP_BAD, EP_DIRECT, NR };

struct board {
	struct machine *m;
	struct rig r;		/* the SMMU programmed by hand */
	unsigned int evtq_irqs;
};

static inline void board_evtq_irq(void *opaque)
{
	((struct board *)opaque)->evtq_irqs++;
}

static const struct smmuv3_irq_ops board_irq = { .eventq = board_evtq_irq };

static inline void board_create(struct board *b)
{
	static const struct machine_ep_config eps[NR] = {
		[EP_S1] = { SID_S1, 4, true },
		[EP_BYPASS] = { SID_BYPASS, 1, true },
		[EP_ABORT] = { SID_ABORT, 1, true },
		[EP_BAD] = { SID_BAD, 1, true },
		[EP_DIRECT] = { RID_DIRECT, 1, false },
	};
	struct machine_config mc;

	memset(b, 0, sizeof(*b));
	machine_config_default(&mc);
	mc.ram_size = RIG_RAM_SIZE;
	mc.smmu_base = RIG_SMMU_BASE;
	mc.nr_endpoints = NR;
	memcpy(mc.ep, eps, sizeof(eps));
	b->m = machine_create(&mc);
	REQUIRE(b->m);
	rig_attach(&b->r, machine_mem(b->m), machine_smmu(b->m));
	machine_set_smmu_irq(b->m, &board_irq, b);
}

static inline void board_ste(struct board *b, u32 sid, unsigned int config, bool valid)
{
	u64 ste[8] = { 0 };

	ste[0] = (valid ? STE_0_V : 0) | FIELD_PREP(STE_0_CFG, config) | CDPTR;
	ste_write(&b->r, sid, ste);
	cmd_cfgi_ste(&b->r, sid);
}

/* 4K granule, 48-bit VA, stage 1 of SID_S1 with faults recorded (CD.R). */
static inline void board_s1(struct board *b, struct pt *pt)
{
	u64 cd[8] = { 0 };

	pt_init(pt, &b->r, false, 12, 48, 0, 0);
	cd[0] = FIELD_PREP(CD_0_T0SZ, 16) | CD_0_EPD1 | CD_0_V |
		FIELD_PREP(CD_0_IPS, 5) | CD_0_AA64 | CD_0_R |
		FIELD_PREP(CD_0_ASID, 1);
	cd[1] = pt->root;
	REQUIRE(phys_write(b->r.mem, CDPTR, cd, 64) == 0);
	board_ste(b, SID_S1, STE_CFG_S1, true);
}

/* Pops one event record: its type (0 when none) and SID. */
static inline unsigned int board_event(struct board *b, u32 *sid, u64 *iova)
{
	u64 rec[4];

	if (!evt_pop(&b->r, rec))
		return 0;
	*sid = FIELD_GET(EVT_0_SID, rec[0]);
	*iova = rec[2];
	return FIELD_GET(EVT_0_TYPE, rec[0]);
}

#endif
