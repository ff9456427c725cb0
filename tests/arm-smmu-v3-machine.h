/* SPDX-License-Identifier: MIT */
/*
 * The arm-smmu-v3 driver tests' testbed: the board (hw/machine.h, default
 * layout, no endpoints) with the SMMU the test configures, a host kernel
 * over its RAM, and the driver probed at the board's SMMU.  Devices are
 * StreamIDs; a device's DMA is smmuv3_translate() on the model, as an
 * endpoint's would be.  The SMMU's wired interrupts reach the driver's
 * handlers through machine_set_smmu_irq(), as the board file connects
 * them, so events reach the driver's log as they are recorded;
 * testbed_wire_irqs(tb, false) disconnects them (the board still counts
 * every edge: testbed_irqs).
 */
#ifndef IOMMUSIM_TESTS_ARM_SMMU_V3_MACHINE_H
#define IOMMUSIM_TESTS_ARM_SMMU_V3_MACHINE_H

#include <string.h>

#include "hw/machine.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/iommu.h"
#include "tests/mmio.h"
#include "tests/test.h"

struct testbed {
	struct machine *board;
	struct phys_mem *mem;
	struct smmuv3 *hw;
	struct kernel *k;
	struct arm_smmu_device *smmu;	/* set by testbed_create or the test */
};

static void tb_evtq_irq(void *o)
{
	struct testbed *tb = o;

	if (tb->smmu)
		arm_smmu_evtq_irq(tb->smmu);
}

static void tb_gerror_irq(void *o)
{
	struct testbed *tb = o;

	if (tb->smmu)
		arm_smmu_gerror_irq(tb->smmu);
}

static const struct smmuv3_irq_ops tb_irq_ops = {
	.eventq = tb_evtq_irq,
	.gerror = tb_gerror_irq,
};

/* Connects (or disconnects) the SMMU's lines to the driver's handlers. */
static inline void testbed_wire_irqs(struct testbed *tb, bool wired)
{
	machine_set_smmu_irq(tb->board, wired ? &tb_irq_ops : NULL, tb);
}

/* Edges of an SMMU line so far (0 eventq, 1 gerror, 2 cmdq_sync, 3 sev). */
static inline u64 testbed_irqs(struct testbed *tb, unsigned int line)
{
	struct machine_stats st;

	machine_get_stats(tb->board, &st);
	return st.smmu_irqs[line];
}

/* The board and the kernel, without the driver: for probe tests. */
static inline void testbed_create_hw(struct testbed *tb,
				     const struct smmuv3_config *cfg)
{
	struct machine_config mc;

	memset(tb, 0, sizeof(*tb));
	machine_config_default(&mc);
	mc.smmu = *cfg;
	tb->board = machine_create(&mc);
	REQUIRE(tb->board);
	tb->mem = machine_mem(tb->board);
	tb->hw = machine_smmu(tb->board);
	tb->k = kernel_create("host", tb->mem, mc.ram_base, mc.ram_size);
	REQUIRE(tb->k);
	testbed_wire_irqs(tb, true);
}

static inline void testbed_create(struct testbed *tb,
				  const struct smmuv3_config *cfg)
{
	struct smmuv3_config def;

	if (!cfg) {
		smmuv3_config_default(&def);
		cfg = &def;
	}
	testbed_create_hw(tb, cfg);
	tb->smmu = arm_smmu_device_probe(tb->k, MACHINE_SMMU_BASE, "smmu0");
	REQUIRE(!IS_ERR(tb->smmu));
}

static inline void testbed_destroy(struct testbed *tb)
{
	struct arm_smmu_device *smmu = tb->smmu;

	/* free_irq before the driver goes: no handler runs past here. */
	testbed_wire_irqs(tb, false);
	tb->smmu = NULL;
	if (!IS_ERR_OR_NULL(smmu))
		arm_smmu_device_remove(smmu);
	CHECK_EQ(atomic_load(&tb->k->warnings), 0);
	/* Every page the driver took from machine memory came back. */
	CHECK_EQ(page_alloc_used_bytes(tb->k->pages), 0);
	kernel_destroy(tb->k);
	machine_destroy(tb->board);
}

/* A device with these StreamIDs behind the machine's SMMU, probed. */
static inline struct device *m_add_device(struct testbed *m, const char *name,
					  const u32 *sids, int n)
{
	struct device *dev = device_create(m->k, name);

	REQUIRE(dev);
	REQUIRE(iommu_fwspec_init(dev, arm_smmu_fwnode(m->smmu)) == 0);
	REQUIRE(iommu_fwspec_add_ids(dev, sids, n) == 0);
	REQUIRE(device_add(dev) == 0);
	return dev;
}

static inline struct device *m_add_sid(struct testbed *m, const char *name,
				       u32 sid)
{
	return m_add_device(m, name, &sid, 1);
}

/*
 * A DMA read (or write) of sid at iova: 0 and *pa, or the fault
 * (res.event: an event type or SMMUV3_ABORT) as a positive number.
 */
static inline int m_dma(struct testbed *m, u32 sid, u64 iova, bool write,
			u64 *pa)
{
	struct smmuv3_result res;

	memset(&res, 0, sizeof(res));
	if (smmuv3_translate(m->hw, sid, SMMUV3_NO_SSID, iova,
			     write ? SMMUV3_WRITE : SMMUV3_READ, &res)) {
		REQUIRE(res.event != 0);
		return (int)res.event;
	}
	if (pa)
		*pa = res.addr;
	return 0;
}

/* MMIO register reads, as a debugger would. */
static inline u32 m_readl(struct testbed *m, u64 off)
{
	return (u32)mmio_read(m->mem, MACHINE_SMMU_BASE + off, 4);
}

static inline u64 m_readq(struct testbed *m, u64 off)
{
	return mmio_read(m->mem, MACHINE_SMMU_BASE + off, 8);
}

static inline int m_pop(struct testbed *m, struct arm_smmu_event *evt)
{
	return arm_smmu_pop_event(m->smmu, evt);
}

static inline unsigned int m_drain_events(struct testbed *m)
{
	struct arm_smmu_event evt;
	unsigned int n = 0;

	while (!m_pop(m, &evt))
		n++;
	return n;
}

#endif
