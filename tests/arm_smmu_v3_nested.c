// SPDX-License-Identifier: MIT
/*
 * Nested translation through the arm-smmu-v3 driver: a "guest" builds a
 * context descriptor and stage-1 tables in its memory, at IPAs that the
 * host's nest-parent stage 2 maps; the nested domain carries the guest's
 * vSTE words (IOMMU_HWPT_DATA_ARM_SMMUV3) and the device's DMA walks both
 * stages in the SMMUv3 model.  Also: vSTE validation as Linux's
 * arm_smmu_validate_vste (-EIO for invalid STE data, -EINVAL for a bad
 * blob), abort/bypass/invalid vSTEs, stage-2 faults and invalidation.
 */
#include "tests/arm-smmu-v3-machine.h"
#include "tests/coherency-expect.h"

#define SID		0x31
#define IPA_BASE	0x80000000ULL
#define GUEST_PAGES	5	/* CD, L1, L2, L3, data */
#define G_CD		0
#define G_L1		1
#define G_L2		2
#define G_L3		3
#define G_DATA		4

struct guest {
	struct testbed *m;
	phys_addr_t pa[GUEST_PAGES];
};

static u64 gipa(int page)
{
	return IPA_BASE + (u64)page * 0x1000;
}

static u64 *gpage(struct guest *g, int page)
{
	return phys_to_virt(g->m->k, g->pa[page], 0x1000);
}

/* Guest RAM: host pages mapped at IPA_BASE in the stage-2 parent. */
static void guest_init(struct guest *g, struct testbed *m, struct iommu_domain *s2)
{
	g->m = m;
	for (int i = 0; i < GUEST_PAGES; i++) {
		g->pa[i] = kernel_alloc_pages(m->k, 0x1000);
		REQUIRE(g->pa[i]);
		REQUIRE(iommu_map(s2, gipa(i), g->pa[i], 0x1000,
				  IOMMU_READ | IOMMU_WRITE) == 0);
	}
	/* Stage 1, 39-bit VA, 4K: levels 1-3.  VA 0x1000 -> IPA of G_DATA,
	 * VA 0x2000 -> an IPA stage 2 does not map. */
	gpage(g, G_L1)[0] = gipa(G_L2) | 3;
	gpage(g, G_L2)[0] = gipa(G_L3) | 3;
	gpage(g, G_L3)[1] = gipa(G_DATA) | 3 | BIT_ULL(10) | (3ULL << 8) |
			    BIT_ULL(6) | (1ULL << 2);
	gpage(g, G_L3)[2] = (IPA_BASE + 0x100000) | 3 | BIT_ULL(10) |
			    (3ULL << 8) | BIT_ULL(6) | (1ULL << 2);
	/* CD 0: T0SZ 25, TG0 4K, WBWA inner shareable walks, EPD1, IPS 48
	 * bits, AA64, R, A, ASET, ASID 5; TTB0 the L1 table's IPA. */
	gpage(g, G_CD)[0] = 25 | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) |
			    BIT_ULL(30) | BIT_ULL(31) | (5ULL << 32) |
			    BIT_ULL(41) | BIT_ULL(45) | BIT_ULL(46) |
			    BIT_ULL(47) | (5ULL << 48);
	gpage(g, G_CD)[1] = gipa(G_L1);
	gpage(g, G_CD)[3] = 0xff44ULL;
}

static void guest_fini(struct guest *g, struct iommu_domain *s2)
{
	for (int i = 0; i < GUEST_PAGES; i++) {
		iommu_unmap(s2, gipa(i), 0x1000);
		kernel_free_pages(g->m->k, g->pa[i], 0x1000);
	}
}

/* vSTE of a translating guest stage 1 with its CD table at cd_ipa. */
static struct iommu_hwpt_arm_smmuv3 vste_s1(u64 cd_ipa)
{
	struct iommu_hwpt_arm_smmuv3 v = { { 0, 0 } };

	v.ste[0] = 1 | (5ULL << 1) | (cd_ipa & GENMASK_ULL(51, 6));
	v.ste[1] = (1ULL << 2) | (1ULL << 4) | (3ULL << 6);
	return v;
}

static struct iommu_domain *nested_alloc(struct device *dev,
					 struct iommu_domain *s2,
					 const struct iommu_hwpt_arm_smmuv3 *v)
{
	struct iommu_user_data ud = {
		.type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.uptr = v,
		.len = sizeof(*v),
	};

	return iommu_domain_alloc_nested(dev, s2, 0, &ud);
}

static void test_nested_translate(void)
{
	struct iommu_hwpt_arm_smmuv3 v;
	struct iommu_domain *s2, *nd, *abort_d, *bypass_d, *inval_d;
	struct iommu_group *grp;
	struct arm_smmu_event evt;
	struct testbed m;
	struct device *dev;
	struct guest g;
	u64 pa = 0;

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "vfio0", SID);
	grp = iommu_group_get(dev);
	REQUIRE(iommu_group_claim_dma_owner(grp, &m) == 0);
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2));
	guest_init(&g, &m, s2);

	v = vste_s1(gipa(G_CD));
	nd = nested_alloc(dev, s2, &v);
	REQUIRE(!IS_ERR(nd));
	CHECK_EQ(nd->type, IOMMU_DOMAIN_NESTED);
	/* Doorbells of a nested domain go into its stage 2. */
	CHECK(nd->ops->get_msi_mapping_domain(nd) == s2);
	CHECK_EQ(iommu_attach_group(nd, grp), 0);

	/* Both stages: VA -> IPA (guest tables) -> PA (host stage 2). */
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_DATA] + 0x234);

	/* Guest stage-1 fault: S2 clear, the VA reported. */
	CHECK_EQ(m_dma(&m, SID, 0x5000, false, NULL), 0x10);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK_EQ(evt.id, 0x10);
	CHECK(!evt.s2);
	CHECK_EQ(evt.iova, 0x5000);
	CHECK(evt.dev == dev);

	/* Stage 1 reaches an IPA stage 2 lacks: S2 set, IPA reported. */
	CHECK_EQ(m_dma(&m, SID, 0x2000, false, NULL), 0x10);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK(evt.s2);
	CHECK_EQ(evt.ipa & ~0xfffULL, IPA_BASE + 0x100000);

	/* The host unmaps the data page from stage 2: invalidated at once. */
	CHECK_EQ(iommu_unmap(s2, gipa(G_DATA), 0x1000), 0x1000);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, NULL), 0x10);
	REQUIRE(m_pop(&m, &evt) == 0);
	CHECK(evt.s2);
	CHECK_EQ(iommu_map(s2, gipa(G_DATA), g.pa[G_DATA], 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_DATA] + 0x234);

	/* A bypassing vSTE: stage 2 alone. */
	v.ste[0] = 1 | (4ULL << 1);
	v.ste[1] = 0;
	bypass_d = nested_alloc(dev, s2, &v);
	REQUIRE(!IS_ERR(bypass_d));
	CHECK_EQ(iommu_group_replace_domain(grp, bypass_d), 0);
	CHECK_EQ(m_dma(&m, SID, gipa(G_DATA) + 8, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_DATA] + 8);

	/* An aborting vSTE, and an invalid one (accepted, becomes abort). */
	v.ste[0] = 1;
	abort_d = nested_alloc(dev, s2, &v);
	REQUIRE(!IS_ERR(abort_d));
	v.ste[0] = 0xffff0000ULL;	/* V=0: the rest is ignored */
	v.ste[1] = ~0ULL;
	inval_d = nested_alloc(dev, s2, &v);
	REQUIRE(!IS_ERR(inval_d));
	CHECK_EQ(iommu_group_replace_domain(grp, abort_d), 0);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, NULL), SMMUV3_ABORT);
	CHECK_EQ(iommu_group_replace_domain(grp, inval_d), 0);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, NULL), SMMUV3_ABORT);
	CHECK_EQ(iommu_group_replace_domain(grp, nd), 0);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_DATA] + 0x234);
	m_drain_events(&m);

	iommu_detach_group(nd, grp);
	iommu_domain_free(inval_d);
	iommu_domain_free(abort_d);
	iommu_domain_free(bypass_d);
	iommu_domain_free(nd);
	guest_fini(&g, s2);
	iommu_domain_free(s2);
	iommu_group_release_dma_owner(grp);
	iommu_group_put(grp);
	device_destroy(dev);
	testbed_destroy(&m);
}

static long nested_err(struct device *dev, struct iommu_domain *parent,
		       u32 flags, const struct iommu_user_data *ud)
{
	struct iommu_domain *d = iommu_domain_alloc_nested(dev, parent, flags, ud);

	if (!IS_ERR(d)) {
		iommu_domain_free(d);
		return 0;
	}
	return PTR_ERR(d);
}

static long vste_err(struct device *dev, struct iommu_domain *s2, u64 s0, u64 s1)
{
	struct iommu_hwpt_arm_smmuv3 v = { { s0, s1 } };
	struct iommu_user_data ud = {
		.type = IOMMU_HWPT_DATA_ARM_SMMUV3, .uptr = &v, .len = sizeof(v),
	};

	return nested_err(dev, s2, 0, &ud);
}

static void test_bad_vste(void)
{
	const u64 s1 = 1 | (5ULL << 1) | (IPA_BASE & GENMASK_ULL(51, 6));
	struct iommu_domain *s2, *dma;
	struct iommu_user_data ud;
	struct testbed m;
	struct device *dev;
	u8 blob[32];

	testbed_create(&m, NULL);
	dev = m_add_sid(&m, "vfio0", SID);
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2));
	dma = iommu_get_domain_for_dev(dev);

	CHECK_EQ(vste_err(dev, s2, s1, 0), 0);
	/* Invalid STE data: -EIO, as iommufd reserves it. */
	CHECK_EQ(vste_err(dev, s2, s1 | BIT_ULL(52), 0), -EIO);	/* beyond S1ContextPtr */
	CHECK_EQ(vste_err(dev, s2, 1 | (6ULL << 1), 0), -EIO);		/* Config S2 */
	CHECK_EQ(vste_err(dev, s2, 1 | (7ULL << 1), 0), -EIO);		/* Config nested */
	CHECK_EQ(vste_err(dev, s2, 1 | (2ULL << 1), 0), -EIO);		/* reserved Config */
	CHECK_EQ(vste_err(dev, s2, s1, 2ULL << 30), -EIO);		/* STRW */
	CHECK_EQ(vste_err(dev, s2, s1, 1ULL << 44), -EIO);		/* SHCFG */
	CHECK_EQ(vste_err(dev, s2, s1, 2ULL << 28), -EIO);		/* EATS=S1CHK */
	CHECK_EQ(vste_err(dev, s2, s1, 1ULL << 28), 0);		/* EATS=trans */

	/* A bad blob: wrong type or short is -EINVAL, a dirty tail -E2BIG. */
	memset(blob, 0, sizeof(blob));
	memcpy(blob, &s1, sizeof(s1));
	ud = (struct iommu_user_data){ .type = 1, .uptr = blob, .len = 16 };
	CHECK_EQ(nested_err(dev, s2, 0, &ud), -EINVAL);
	ud.type = IOMMU_HWPT_DATA_ARM_SMMUV3;
	ud.len = 8;
	CHECK_EQ(nested_err(dev, s2, 0, &ud), -EINVAL);
	CHECK_EQ(nested_err(dev, s2, 0, NULL), -EINVAL);
	ud.len = sizeof(blob);
	CHECK_EQ(nested_err(dev, s2, 0, &ud), 0);
	blob[31] = 1;
	CHECK_EQ(nested_err(dev, s2, 0, &ud), -E2BIG);
	blob[31] = 0;

	/* The parent must be this SMMU's stage-2 nest parent; no flags. */
	CHECK_EQ(nested_err(dev, dma, 0, &ud), -EINVAL);
	CHECK_EQ(nested_err(dev, s2, 1, &ud), -EOPNOTSUPP);
	/* A nest parent takes no other flag (dirty tracking is stage 1). */
	dma = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT |
					      IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	CHECK_EQ(PTR_ERR(dma), -EOPNOTSUPP);
	/*
	 * Dirty tracking alone: a stage-1 domain with dirty_ops (whether the
	 * SMMU can track is iommufd's IOMMU_CAP_DIRTY_TRACKING check, as in
	 * Linux's arm_smmu_domain_alloc_paging_flags).
	 */
	dma = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
	REQUIRE(!IS_ERR(dma));
	CHECK(dma->dirty_ops != NULL);
	CHECK(!device_iommu_capable(dev, IOMMU_CAP_DIRTY_TRACKING));
	iommu_domain_free(dma);

	iommu_domain_free(s2);
	device_destroy(dev);
	testbed_destroy(&m);
}

/* No stage 2 on the SMMU: no nest parents, no nesting. */
static void test_no_nesting(void)
{
	struct smmuv3_config cfg;
	struct iommu_domain *d;
	struct testbed m;
	struct device *dev;
	u64 pa = 0;

	smmuv3_config_default(&cfg);
	cfg.stage2 = false;
	testbed_create(&m, &cfg);
	dev = m_add_sid(&m, "dev", 1);
	d = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	CHECK_EQ(PTR_ERR(d), -EOPNOTSUPP);
	d = iommu_get_domain_for_dev(dev);
	CHECK_EQ(iommu_map(d, 0x1000, 0x48000000, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 1, 0x1000, false, &pa), 0);
	CHECK_EQ(pa, 0x48000000);
	CHECK_EQ(iommu_unmap(d, 0x1000, 0x1000), 0x1000);
	device_destroy(dev);
	testbed_destroy(&m);

	/* Stage 2 only: paging domains are stage 2. */
	smmuv3_config_default(&cfg);
	cfg.stage1 = false;
	cfg.hyp = false;
	testbed_create(&m, &cfg);
	dev = m_add_sid(&m, "dev", 1);
	d = iommu_get_domain_for_dev(dev);
	CHECK_EQ(iommu_map(d, 0x1000, 0x48000000, 0x1000, IOMMU_READ), 0);
	CHECK_EQ(m_dma(&m, 1, 0x1000, false, &pa), 0);
	CHECK_EQ(pa, 0x48000000);
	CHECK_EQ(iommu_unmap(d, 0x1000, 0x1000), 0x1000);
	CHECK_EQ(m_dma(&m, 1, 0x1000, false, NULL), 0x10);
	m_drain_events(&m);
	device_destroy(dev);
	testbed_destroy(&m);
}

/* The guest changes its tables and CD, then invalidates through the host. */
static void test_guest_invalidate(void)
{
	struct iommu_viommu_arm_smmuv3_invalidate cmds[2];
	struct iommu_hwpt_arm_smmuv3 v;
	struct iommu_domain *s2, *nd;
	struct iommu_group *grp;
	struct coh_expect coh;
	struct testbed m;
	struct device *dev;
	struct guest g;
	u64 pa = 0;
	u32 n;

	testbed_create(&m, NULL);
	coh_expect_begin(m.hw, &coh);
	dev = m_add_sid(&m, "vfio0", SID);
	grp = iommu_group_get(dev);
	REQUIRE(iommu_group_claim_dma_owner(grp, &m) == 0);
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2));
	guest_init(&g, &m, s2);
	v = vste_s1(gipa(G_CD));
	nd = nested_alloc(dev, s2, &v);
	REQUIRE(!IS_ERR(nd));
	REQUIRE(iommu_attach_group(nd, grp) == 0);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_DATA] + 0x234);

	/* The guest points VA 0x1000 elsewhere: stale until its TLBI. */
	gpage(&g, G_L3)[1] = gipa(G_L1) | 3 | BIT_ULL(10) | (3ULL << 8) |
			     BIT_ULL(6) | (1ULL << 2);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_DATA] + 0x234);
	/* Valid to valid in place: the guest skipped break-before-make. */
	CHECK_COH_REPORTED(&coh, 1, "CMD_TLBI_NH_VA vmid 1 asid 5 addr 0x1000");
	/* TLBI_NH_VA, ASID 5, VA 0x1000, leaf; the guest's VMID 0 is replaced. */
	cmds[0].cmd[0] = 0x12 | (5ULL << 48);
	cmds[0].cmd[1] = 0x1000 | 1;
	n = 1;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(nd, cmds, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);
	CHECK_EQ(pa, g.pa[G_L1] + 0x234);

	/* The guest retargets its CD at an empty table: CFGI_CD_ALL needed. */
	gpage(&g, G_CD)[1] = gipa(G_DATA);
	memset(gpage(&g, G_DATA), 0, 0x1000);
	cmds[0].cmd[0] = 0x11 | (5ULL << 48);		/* TLBI_NH_ASID */
	cmds[0].cmd[1] = 0;
	n = 1;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(nd, cmds, &n), 0);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, &pa), 0);	/* old CD cached */
	CHECK_COH_REPORTED(&coh, 2, "missing CMD_CFGI_CD sid 0x31");
	cmds[0].cmd[0] = 0x06 | (0x99ULL << 32);		/* CFGI_CD_ALL, vSID */
	cmds[1].cmd[0] = 0x30;				/* TLBI_NSNH_ALL */
	cmds[1].cmd[1] = 0;
	n = 2;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(nd, cmds, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(m_dma(&m, SID, 0x1234, false, NULL), 0x10);
	m_drain_events(&m);

	/* Illegal commands: -EIO, nothing of the chunk executed. */
	cmds[0].cmd[0] = 0x11 | (5ULL << 48);
	cmds[1].cmd[0] = 0x12 | BIT_ULL(11);		/* SSV: not for a guest */
	n = 2;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(nd, cmds, &n), -EIO);
	CHECK_EQ(n, 0);
	cmds[0].cmd[0] = 0x40;				/* ATC_INV */
	n = 1;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(nd, cmds, &n), -EIO);
	cmds[0].cmd[0] = 0x03;				/* CFGI_STE: host's */
	n = 1;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(nd, cmds, &n), -EIO);
	n = 1;
	CHECK_EQ(arm_smmu_nested_cache_invalidate(s2, cmds, &n), -EINVAL);

	iommu_detach_group(nd, grp);
	iommu_domain_free(nd);
	guest_fini(&g, s2);
	iommu_domain_free(s2);
	iommu_group_release_dma_owner(grp);
	iommu_group_put(grp);
	device_destroy(dev);
	testbed_destroy(&m);
}

int main(void)
{
	test_nested_translate();
	test_guest_invalidate();
	test_bad_vste();
	test_no_nesting();
	return test_done();
}
