// SPDX-License-Identifier: MIT
/*
 * Probing the SMMUv3: what the driver programs (stream table format and
 * size, queues, CR0/CR1/CR2, IRQ_CTRL, GBPA when it finds the SMMU left
 * enabled), what it refuses (missing features, read from a stub register
 * window with chosen ID registers), bounded waits (-ETIMEDOUT when CR0ACK
 * or GBPA.UPDATE never settle), and allocation failure at every step of
 * probe, device probe and domain allocation, with nothing leaked.
 */
#include "tests/arm-smmu-v3-machine.h"

#define R_IDR0		0x00
#define R_IDR1		0x04
#define R_IDR5		0x14
#define R_CR0		0x20
#define R_CR0ACK	0x24
#define R_CR1		0x28
#define R_CR2		0x2c
#define R_GBPA		0x44
#define R_IRQ_CTRL	0x50
#define R_STRTAB_BASE	0x80
#define R_STRTAB_CFG	0x88
#define R_CMDQ_BASE	0x90
#define R_EVTQ_BASE	0xa0

static void test_programming(void)
{
	struct arm_smmu_info info;
	struct testbed m;
	struct device *dev;
	u64 l1, base;
	u32 cfg;

	testbed_create(&m, NULL);
	arm_smmu_get_info(m.smmu, &info);
	CHECK(info.strtab_2lvl);
	CHECK_EQ(info.sid_bits, 16);
	CHECK(info.stage1 && info.stage2 && info.nesting && info.range_inv);
	CHECK_EQ(info.oas, 48);
	CHECK_EQ(info.asid_bits, 16);

	CHECK_EQ(m_readl(&m, R_CR0), 0xd);	/* SMMUEN | EVTQEN | CMDQEN */
	CHECK_EQ(m_readl(&m, R_CR0ACK), 0xd);
	CHECK_EQ(m_readl(&m, R_IRQ_CTRL), 0x5);	/* EVTQ_IRQEN | GERROR_IRQEN */
	CHECK_EQ(m_readl(&m, R_CR1), 0xd75);	/* ISH, WB for tables and queues */
	CHECK_EQ(m_readl(&m, R_CR2) & 0x6, 0x6);	/* PTM | RECINVSID */
	cfg = m_readl(&m, R_STRTAB_CFG);
	CHECK_EQ((cfg >> 16) & 3, 1);		/* two-level */
	CHECK_EQ((cfg >> 6) & 0x1f, 8);		/* SPLIT */
	CHECK_EQ(cfg & 0x3f, 16);		/* LOG2SIZE */
	base = m_readq(&m, R_STRTAB_BASE);
	CHECK_EQ(base & GENMASK_ULL(51, 6), info.strtab_base);
	CHECK(base & BIT_ULL(62));		/* RA */
	CHECK_EQ(m_readq(&m, R_CMDQ_BASE) & 0x1f, info.cmdq_shift);
	CHECK_EQ(m_readq(&m, R_EVTQ_BASE) & 0x1f, info.evtq_shift);

	/* A level-2 table appears when a device with that StreamID probes. */
	phys_read64(m.mem, info.strtab_base + 3 * 8, &l1);
	CHECK_EQ(l1, 0);
	CHECK_EQ(arm_smmu_ste_address(m.smmu, 0x305), 0);
	dev = m_add_sid(&m, "dev", 0x305);
	phys_read64(m.mem, info.strtab_base + 3 * 8, &l1);
	CHECK_EQ(l1 & 0x1f, 9);			/* SPAN = SPLIT + 1 */
	CHECK_EQ(arm_smmu_ste_address(m.smmu, 0x305), (l1 & GENMASK_ULL(51, 6)) + 5 * 64);
	device_destroy(dev);
	testbed_destroy(&m);

	/* Remove disables the SMMU. */
	testbed_create(&m, NULL);
	arm_smmu_device_remove(m.smmu);
	m.smmu = NULL;
	CHECK_EQ(m_readl(&m, R_CR0), 0);
	testbed_destroy(&m);
}

static void test_linear_and_limits(void)
{
	struct smmuv3_config cfg;
	struct arm_smmu_info info;
	struct arm_smmu_device *smmu;
	struct testbed m;

	smmuv3_config_default(&cfg);
	cfg.sid_bits = 8;
	testbed_create(&m, &cfg);
	arm_smmu_get_info(m.smmu, &info);
	CHECK(!info.strtab_2lvl);
	CHECK_EQ(m_readl(&m, R_STRTAB_CFG), 8);	/* linear, 256 STEs */
	testbed_destroy(&m);

	/* A linear table for 2^20 StreamIDs does not fit: -ENOMEM, no leak. */
	smmuv3_config_default(&cfg);
	cfg.sid_bits = 20;
	cfg.st_2level = false;
	testbed_create_hw(&m, &cfg);
	smmu = arm_smmu_device_probe(m.k, MACHINE_SMMU_BASE, "smmu0");
	CHECK_EQ(PTR_ERR(smmu), -ENOMEM);
	testbed_destroy(&m);

	/* A command queue too small for a batch and its SYNC. */
	smmuv3_config_default(&cfg);
	cfg.cmdq_max_log2 = 6;
	testbed_create_hw(&m, &cfg);
	smmu = arm_smmu_device_probe(m.k, MACHINE_SMMU_BASE, "smmu0");
	CHECK_EQ(PTR_ERR(smmu), -ENXIO);
	/* Nothing at the address. */
	smmu = arm_smmu_device_probe(m.k, 0x0a000000, "smmu1");
	CHECK_EQ(PTR_ERR(smmu), -ENODEV);
	testbed_destroy(&m);

	/* 32 StreamID bits: the 2-level table covers 2^25 of them. */
	smmuv3_config_default(&cfg);
	cfg.sid_bits = 32;
	testbed_create(&m, &cfg);
	CHECK_EQ(m_readl(&m, R_STRTAB_CFG) & 0x3f, 25);
	{
		struct device *in = m_add_sid(&m, "in", (1u << 25) - 1);
		struct device *out = m_add_sid(&m, "out", 1u << 25);
		u64 pa = 0;

		CHECK(in->iommu_group != NULL);
		CHECK(out->iommu_group == NULL);
		CHECK_EQ(iommu_map(iommu_get_domain_for_dev(in), 0x1000,
				   0x48000000, 0x1000, IOMMU_READ), 0);
		CHECK_EQ(m_dma(&m, (1u << 25) - 1, 0x1000, false, &pa), 0);
		CHECK_EQ(pa, 0x48000000);
		CHECK_EQ(iommu_unmap(iommu_get_domain_for_dev(in), 0x1000, 0x1000), 0x1000);
		device_destroy(in);
		device_destroy(out);
	}
	testbed_destroy(&m);

	/* Devices whose StreamIDs the table cannot hold get no group. */
	testbed_create(&m, NULL);
	{
		struct device *d1 = m_add_sid(&m, "big", 0x10000);
		u32 dup[] = { 4, 4 };
		struct device *d2 = m_add_device(&m, "dup", dup, 2);

		CHECK(!d1->iommu_group);
		CHECK(!d2->iommu_group);
		device_destroy(d1);
		device_destroy(d2);
	}
	testbed_destroy(&m);
}

/* Left enabled by an earlier owner: traffic is aborted through GBPA first. */
static void test_gbpa_reset(void)
{
	struct smmuv3_config cfg;
	struct testbed m;

	smmuv3_config_default(&cfg);
	testbed_create_hw(&m, &cfg);
	CHECK_EQ(m_readl(&m, R_GBPA) & BIT(20), 0);
	REQUIRE(phys_write32(m.mem, MACHINE_SMMU_BASE + R_CR0, 1) == 0);
	m.smmu = arm_smmu_device_probe(m.k, MACHINE_SMMU_BASE, "smmu0");
	REQUIRE(!IS_ERR(m.smmu));
	CHECK(m_readl(&m, R_GBPA) & BIT(20));	/* ABORT */
	CHECK_EQ(m_readl(&m, R_GBPA) & BIT(31), 0);	/* UPDATE done */
	testbed_destroy(&m);
}

/* A register window with chosen contents: the driver's refusals. */
struct stub {
	u32 idr[6];
	u32 cr0;
	bool ack_cr0;		/* CR0ACK follows CR0 */
	bool gbpa_stuck;	/* GBPA.UPDATE never clears */
	bool dead_cmdq;		/* commands are never consumed */
	u32 cmdq_prod, irq_ctrl;
};

static int stub_read(void *opaque, u64 off, unsigned int size, u64 *val,
		     struct mem_attrs attrs)
{
	struct stub *s = opaque;

	(void)size;
	(void)attrs;
	*val = 0;
	if (off < 0x18)
		*val = s->idr[off / 4];
	else if (off == R_CR0)
		*val = s->cr0;
	else if (off == R_CR0ACK)
		*val = s->ack_cr0 ? s->cr0 : 0;
	else if (off == R_GBPA)
		*val = s->gbpa_stuck ? BIT(31) : 0;
	else if (off == 0x54)	/* IRQ_CTRLACK */
		*val = s->irq_ctrl;
	else if (off == 0x9c)	/* CMDQ_CONS: everything consumed at once */
		*val = s->dead_cmdq ? 0 : s->cmdq_prod;
	return 0;
}

static int stub_write(void *opaque, u64 off, unsigned int size, u64 val,
		      struct mem_attrs attrs)
{
	struct stub *s = opaque;

	(void)size;
	(void)attrs;
	if (off == R_CR0 && !s->gbpa_stuck)
		s->cr0 = (u32)val;
	if (off == 0x98)
		s->cmdq_prod = (u32)val;
	if (off == R_IRQ_CTRL)
		s->irq_ctrl = (u32)val;
	return 0;
}

static const struct mmio_ops stub_ops = { .read = stub_read, .write = stub_write };

static long stub_probe(struct stub *s)
{
	struct phys_mem *mem = phys_mem_create();
	struct arm_smmu_device *smmu;
	struct kernel *k;
	long ret = 0;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, MACHINE_RAM_BASE, 16 << 20, "ram") == 0);
	REQUIRE(phys_mem_add_mmio(mem, MACHINE_SMMU_BASE, 0x20000, &stub_ops, s, "stub") == 0);
	k = kernel_create("host", mem, MACHINE_RAM_BASE, 16 << 20);
	REQUIRE(k);
	smmu = arm_smmu_device_probe(k, MACHINE_SMMU_BASE, "stub");
	if (IS_ERR(smmu))
		ret = PTR_ERR(smmu);
	else
		arm_smmu_device_remove(smmu);
	CHECK_EQ(page_alloc_used_bytes(k->pages), 0);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return ret;
}

static void stub_default(struct stub *s)
{
	memset(s, 0, sizeof(*s));
	s->idr[0] = BIT(0) | BIT(1) | (2u << 2) | BIT(4) | (2u << 21) | (1u << 24);
	s->idr[1] = (10u << 21) | (7u << 16) | 8;	/* CMDQS, EVTQS, SIDSIZE */
	s->idr[5] = BIT(4) | 5;				/* 4K, 48-bit */
	s->ack_cr0 = true;
}

static void test_refusals(void)
{
	struct stub s;

	stub_default(&s);
	CHECK_EQ(stub_probe(&s), 0);		/* the stub itself is fine */

	stub_default(&s);
	s.idr[0] &= ~3u;			/* neither stage */
	CHECK_EQ(stub_probe(&s), -ENXIO);
	stub_default(&s);
	s.idr[0] = (s.idr[0] & ~(3u << 2)) | (1u << 2);	/* AArch32 tables only */
	CHECK_EQ(stub_probe(&s), -ENXIO);
	stub_default(&s);
	s.idr[0] |= 3u << 21;			/* big-endian walks only */
	CHECK_EQ(stub_probe(&s), -ENXIO);
	stub_default(&s);
	s.idr[0] = (s.idr[0] & ~(3u << 24)) | (2u << 24);	/* stall forced */
	CHECK_EQ(stub_probe(&s), -ENXIO);
	stub_default(&s);
	s.idr[1] |= BIT(30);			/* tables preset */
	CHECK_EQ(stub_probe(&s), -ENXIO);
	stub_default(&s);
	s.idr[5] &= ~(7u << 4);			/* no granule */
	CHECK_EQ(stub_probe(&s), -ENXIO);

	/* A command queue nobody consumes: the first CMD_SYNC times out. */
	stub_default(&s);
	s.dead_cmdq = true;
	CHECK_EQ(stub_probe(&s), -ETIMEDOUT);
	/* CR0ACK never follows: every wait is bounded. */
	stub_default(&s);
	s.ack_cr0 = false;
	CHECK_EQ(stub_probe(&s), -ETIMEDOUT);
	/* Found enabled, and GBPA never finishes its update. */
	stub_default(&s);
	s.cr0 = 1;
	s.gbpa_stuck = true;
	CHECK_EQ(stub_probe(&s), -ETIMEDOUT);
}

/* Every allocation of probe, device probe and domain allocation may fail. */
static void test_fail_nth(void)
{
	struct smmuv3_config cfg;
	struct testbed m;
	int n;

	smmuv3_config_default(&cfg);
	testbed_create_hw(&m, &cfg);
	for (n = 1; n < 100; n++) {
		kernel_fail_nth(m.k, (unsigned long)n);
		m.smmu = arm_smmu_device_probe(m.k, MACHINE_SMMU_BASE, "smmu0");
		kernel_fail_nth(m.k, 0);
		if (!IS_ERR(m.smmu))
			break;
		CHECK_EQ(PTR_ERR(m.smmu), -ENOMEM);
		CHECK_EQ(page_alloc_used_bytes(m.k->pages), 0);
	}
	CHECK(n > 3 && n < 100);
	REQUIRE(!IS_ERR(m.smmu));

	/* Device probe: the device lives without a group, nothing leaks. */
	for (n = 1; n < 100; n++) {
		u64 used = page_alloc_used_bytes(m.k->pages);
		struct device *dev = device_create(m.k, "dev");
		u32 sids[] = { 0x1200, 0x1300 };
		bool ok;

		REQUIRE(dev);
		REQUIRE(iommu_fwspec_init(dev, arm_smmu_fwnode(m.smmu)) == 0);
		REQUIRE(iommu_fwspec_add_ids(dev, sids, 2) == 0);
		kernel_fail_nth(m.k, (unsigned long)n);
		REQUIRE(device_add(dev) == 0);
		kernel_fail_nth(m.k, 0);
		ok = dev->iommu_group != NULL;
		if (ok) {
			struct iommu_domain *d = iommu_get_domain_for_dev(dev);

			CHECK_EQ(iommu_map(d, 0x1000, 0x48000000, 0x1000, IOMMU_READ), 0);
			CHECK_EQ(m_dma(&m, 0x1300, 0x1000, false, NULL), 0);
			CHECK_EQ(iommu_unmap(d, 0x1000, 0x1000), 0x1000);
		}
		device_destroy(dev);
		/* Level-2 stream tables stay once made, as in Linux. */
		if (!ok)
			CHECK(page_alloc_used_bytes(m.k->pages) >= used);
		if (ok)
			break;
	}
	CHECK(n > 2 && n < 100);

	/* Domain allocation. */
	{
		struct device *dev = m_add_sid(&m, "dev", 0x55);
		u64 used = page_alloc_used_bytes(m.k->pages);
		struct iommu_domain *d = NULL;

		for (n = 1; n < 100; n++) {
			kernel_fail_nth(m.k, (unsigned long)n);
			d = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
			kernel_fail_nth(m.k, 0);
			if (!IS_ERR(d))
				break;
			CHECK_EQ(PTR_ERR(d), -ENOMEM);
			CHECK_EQ(page_alloc_used_bytes(m.k->pages), used);
		}
		REQUIRE(!IS_ERR(d));
		/* The VMIDs of the failed attempts came back: the first is 1. */
		CHECK_EQ(arm_smmu_domain_tag(d), 1);
		iommu_domain_free(d);
		device_destroy(dev);
	}
	testbed_destroy(&m);
}

int main(void)
{
	test_programming();
	test_linear_and_limits();
	test_gbpa_reset();
	test_refusals();
	test_fail_nth();
	return test_done();
}
