/*
 * A machine for the arm-smmu-v3 driver tests: RAM, the SMMUv3 model's
 * registers at M_SMMU_BASE, a host kernel over the RAM, and the driver
 * probed on it.  Devices are StreamIDs; a device's DMA is
 * smmuv3_translate() on the model, as an endpoint's would be.  The model's
 * wired interrupts call the driver's handlers, so events reach the
 * driver's log as they are recorded.
 */
#ifndef IOMMUSIM_TESTS_ARM_SMMU_V3_MACHINE_H
#define IOMMUSIM_TESTS_ARM_SMMU_V3_MACHINE_H

#include <string.h>

#include "hw/smmuv3/smmuv3.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/iommu.h"
#include "tests/test.h"

#define M_RAM_BASE	0x40000000ULL
#define M_RAM_SIZE	(256ULL << 20)
#define M_SMMU_BASE	0x09000000ULL

struct machine {
	struct phys_mem *mem;
	struct smmuv3 *hw;
	struct kernel *k;
	struct arm_smmu_device *smmu;
	unsigned int nr_evtq_irq, nr_gerror_irq;
	bool unwired;	/* interrupts counted, not delivered to the driver */
};

static void m_evtq_irq(void *o)
{
	struct machine *m = o;

	m->nr_evtq_irq++;
	if (m->smmu && !m->unwired)
		arm_smmu_evtq_irq(m->smmu);
}

static void m_gerror_irq(void *o)
{
	struct machine *m = o;

	m->nr_gerror_irq++;
	if (m->smmu && !m->unwired)
		arm_smmu_gerror_irq(m->smmu);
}

static const struct smmuv3_irq_ops m_irq_ops = {
	.eventq = m_evtq_irq,
	.gerror = m_gerror_irq,
};

/* The machine without the driver: for probe tests. */
static inline void machine_create_hw(struct machine *m,
				     const struct smmuv3_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->mem = phys_mem_create();
	REQUIRE(m->mem);
	REQUIRE(phys_mem_add_ram(m->mem, M_RAM_BASE, M_RAM_SIZE, "ram") == 0);
	m->hw = smmuv3_create(cfg, m->mem, &m_irq_ops, m, 0);
	REQUIRE(m->hw);
	REQUIRE(phys_mem_add_mmio(m->mem, M_SMMU_BASE, SMMUV3_MMIO_SIZE,
				  &smmuv3_mmio_ops, m->hw, "smmuv3") == 0);
	m->k = kernel_create("host", m->mem, M_RAM_BASE, M_RAM_SIZE);
	REQUIRE(m->k);
}

static inline void machine_create(struct machine *m,
				  const struct smmuv3_config *cfg)
{
	struct smmuv3_config def;

	if (!cfg) {
		smmuv3_config_default(&def);
		cfg = &def;
	}
	machine_create_hw(m, cfg);
	m->smmu = arm_smmu_device_probe(m->k, M_SMMU_BASE, "smmu0");
	REQUIRE(!IS_ERR(m->smmu));
}

static inline void machine_destroy(struct machine *m)
{
	struct arm_smmu_device *smmu = m->smmu;

	m->smmu = NULL;
	if (!IS_ERR_OR_NULL(smmu))
		arm_smmu_device_remove(smmu);
	CHECK_EQ(atomic_load(&m->k->warnings), 0);
	/* Every page the driver took from machine memory came back. */
	CHECK_EQ(page_alloc_used_bytes(m->k->pages), 0);
	kernel_destroy(m->k);
	smmuv3_destroy(m->hw);
	phys_mem_destroy(m->mem);
}

/* A device with these StreamIDs behind the machine's SMMU, probed. */
static inline struct device *m_add_device(struct machine *m, const char *name,
					  const u32 *sids, int n)
{
	struct device *dev = device_create(m->k, name);

	REQUIRE(dev);
	REQUIRE(iommu_fwspec_init(dev, arm_smmu_fwnode(m->smmu)) == 0);
	REQUIRE(iommu_fwspec_add_ids(dev, sids, n) == 0);
	REQUIRE(device_add(dev) == 0);
	return dev;
}

static inline struct device *m_add_sid(struct machine *m, const char *name,
				       u32 sid)
{
	return m_add_device(m, name, &sid, 1);
}

/*
 * A DMA read (or write) of sid at iova: 0 and *pa, or the fault
 * (res.event: an event type or SMMUV3_ABORT) as a positive number.
 */
static inline int m_dma(struct machine *m, u32 sid, u64 iova, bool write,
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
static inline u32 m_readl(struct machine *m, u64 off)
{
	u64 v = 0;

	REQUIRE(phys_read_val(m->mem, M_SMMU_BASE + off, 4, &v, MEM_ATTRS_NONE) == 0);
	return (u32)v;
}

static inline u64 m_readq(struct machine *m, u64 off)
{
	u64 v = 0;

	REQUIRE(phys_read_val(m->mem, M_SMMU_BASE + off, 8, &v, MEM_ATTRS_NONE) == 0);
	return v;
}

static inline int m_pop(struct machine *m, struct arm_smmu_event *evt)
{
	return arm_smmu_pop_event(m->smmu, evt);
}

static inline unsigned int m_drain_events(struct machine *m)
{
	struct arm_smmu_event evt;
	unsigned int n = 0;

	while (!m_pop(m, &evt))
		n++;
	return n;
}

#endif
