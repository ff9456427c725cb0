// SPDX-License-Identifier: MIT
/*
 * The TLB invalidations the arm-smmu-v3 driver sends on unmap, read off
 * the command queue as the SMMU consumes it (the model's command trap):
 * removing a leaf sends a leaf TLBI (Leaf=1, TTL = the leaf's level);
 * removing a whole table (an unmap at block size over smaller pages)
 * sends a walk flush over its range, Leaf=0 and no TTL, as Linux's
 * io-pgtable calls tlb_flush_walk and arm_smmu_tlb_inv_walk issues it.
 * Stage 1 by ASID (TLBI_NH_VA), stage 2 by VMID (TLBI_S2_IPA).
 */
#include "tests/arm-smmu-v3-machine.h"

#define PA0	0x48000000ULL

/* Command fields (Arm IHI0070 4.4). */
#define OP_TLBI_NH_VA		0x12
#define OP_TLBI_S2_IPA		0x2a
#define TLBI_0_NUM(c)		(((c) >> 12) & 0x1f)
#define TLBI_0_SCALE(c)		(((c) >> 20) & 0x1f)
#define TLBI_0_VMID(c)		(((c) >> 32) & 0xffff)
#define TLBI_0_ASID(c)		((c) >> 48)
#define TLBI_1_LEAF(c)		((c) & 1)
#define TLBI_1_TTL(c)		(((c) >> 8) & 3)
#define TLBI_1_TG(c)		(((c) >> 10) & 3)
#define TLBI_1_ADDR(c)		((c) & GENMASK_ULL(51, 12))

#define LOG_MAX	64

struct cmd_log {
	unsigned int n;
	u64 cmd[LOG_MAX][2];
};

static u32 log_cmd(void *opaque, struct smmuv3 *smmu, const u64 cmd[2])
{
	struct cmd_log *log = opaque;

	(void)smmu;
	if (log->n < LOG_MAX) {
		log->cmd[log->n][0] = cmd[0];
		log->cmd[log->n][1] = cmd[1];
	}
	log->n++;
	return 0;
}

static const struct smmuv3_cmd_trap_ops log_ops = { .cmd = log_cmd };

/* The bytes a range TLBI covers (RIL: NUM/SCALE in pages of TG). */
static u64 tlbi_len(const u64 c[2])
{
	unsigned int tg_shift = 12 + 2 * ((unsigned int)TLBI_1_TG(c[1]) - 1);

	return (TLBI_0_NUM(c[0]) + 1) << (TLBI_0_SCALE(c[0]) + tg_shift);
}

struct tlbi_seen {
	unsigned int leaf, walk;	/* TLBIs of op for tag, by Leaf */
	u64 walk_start, walk_end;	/* the walk flushes' span */
	bool walk_ttl;			/* a walk flush carried a TTL */
};

static struct tlbi_seen scan(const struct cmd_log *log, unsigned int op,
			     u16 tag)
{
	struct tlbi_seen s = { .walk_start = ~0ULL };

	REQUIRE(log->n <= LOG_MAX);
	for (unsigned int i = 0; i < log->n; i++) {
		const u64 *c = log->cmd[i];
		u64 start = TLBI_1_ADDR(c[1]);

		if ((c[0] & 0xff) != op)
			continue;
		if ((op == OP_TLBI_NH_VA ? TLBI_0_ASID(c[0]) : TLBI_0_VMID(c[0])) != tag)
			continue;
		if (TLBI_1_LEAF(c[1])) {
			s.leaf++;
			continue;
		}
		s.walk++;
		s.walk_ttl |= TLBI_1_TTL(c[1]) != 0;
		if (start < s.walk_start)
			s.walk_start = start;
		if (start + tlbi_len(c) > s.walk_end)
			s.walk_end = start + tlbi_len(c);
	}
	return s;
}

static void test_s1(void)
{
	struct cmd_log log = { 0 };
	struct iommu_domain *dom;
	struct tlbi_seen s;
	struct testbed m;
	struct device *dev;
	u16 asid;
	u64 pa;

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "dev0", 5);
	dom = iommu_get_domain_for_dev(dev);
	asid = (u16)arm_smmu_domain_tag(dom);
	smmuv3_set_cmd_trap(m.hw, &log_ops, &log);

	/* Three pages in a 2M slot: a level-3 table under a level-2 entry. */
	CHECK_EQ(iommu_map(dom, 0x200000, PA0, 0x3000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 5, 0x201000, false, &pa), 0);
	log.n = 0;
	/* Unmapped at 2M: the table entry goes, its table is freed. */
	CHECK_EQ(iommu_unmap(dom, 0x200000, 0x200000), 0x200000);
	s = scan(&log, OP_TLBI_NH_VA, asid);
	CHECK(s.walk >= 1);
	CHECK(!s.walk_ttl);
	CHECK(s.walk_start <= 0x200000 && s.walk_end >= 0x400000);
	CHECK_EQ(m_dma(&m, 5, 0x201000, false, NULL), 0x10);

	/* Leaves unmapped at their own size: leaf TLBIs only, TTL 3. */
	CHECK_EQ(iommu_map(dom, 0x600000, PA0, 0x2000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 5, 0x601000, false, &pa), 0);
	log.n = 0;
	CHECK_EQ(iommu_unmap(dom, 0x600000, 0x2000), 0x2000);
	s = scan(&log, OP_TLBI_NH_VA, asid);
	CHECK(s.leaf >= 1);
	CHECK_EQ(s.walk, 0);
	for (unsigned int i = 0; i < log.n && i < LOG_MAX; i++)
		if ((log.cmd[i][0] & 0xff) == OP_TLBI_NH_VA)
			CHECK_EQ(TLBI_1_TTL(log.cmd[i][1]), 3);
	CHECK_EQ(m_dma(&m, 5, 0x601000, false, NULL), 0x10);

	smmuv3_set_cmd_trap(m.hw, NULL, NULL);
	m_drain_events(&m);
	device_destroy(dev);
	testbed_destroy(&m);
}

static void test_s2(void)
{
	struct cmd_log log = { 0 };
	struct iommu_domain *s2;
	struct iommu_group *grp;
	struct tlbi_seen s;
	struct testbed m;
	struct device *dev;
	u16 vmid;
	u64 pa;

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "dev0", 6);
	grp = iommu_group_get(dev);
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2));
	vmid = (u16)arm_smmu_domain_tag(s2);
	CHECK_EQ(iommu_group_claim_dma_owner(grp, &m), 0);
	CHECK_EQ(iommu_attach_group(s2, grp), 0);
	smmuv3_set_cmd_trap(m.hw, &log_ops, &log);

	CHECK_EQ(iommu_map(s2, 0x80200000, PA0, 0x3000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 6, 0x80202000, false, &pa), 0);
	log.n = 0;
	CHECK_EQ(iommu_unmap(s2, 0x80200000, 0x200000), 0x200000);
	s = scan(&log, OP_TLBI_S2_IPA, vmid);
	CHECK(s.walk >= 1);
	CHECK(!s.walk_ttl);
	CHECK(s.walk_start <= 0x80200000 && s.walk_end >= 0x80400000);
	CHECK_EQ(m_dma(&m, 6, 0x80202000, false, NULL), 0x10);

	CHECK_EQ(iommu_map(s2, 0x80600000, PA0, 0x1000, IOMMU_READ), 0);
	log.n = 0;
	CHECK_EQ(iommu_unmap(s2, 0x80600000, 0x1000), 0x1000);
	s = scan(&log, OP_TLBI_S2_IPA, vmid);
	CHECK(s.leaf >= 1);
	CHECK_EQ(s.walk, 0);

	smmuv3_set_cmd_trap(m.hw, NULL, NULL);
	m_drain_events(&m);
	iommu_detach_group(s2, grp);
	iommu_group_release_dma_owner(grp);
	iommu_domain_free(s2);
	iommu_group_put(grp);
	device_destroy(dev);
	testbed_destroy(&m);
}

int main(void)
{
	test_s1();
	test_s2();
	return test_done();
}
