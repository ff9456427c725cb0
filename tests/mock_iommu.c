// SPDX-License-Identifier: MIT
/*
 * The mock IOMMU driver over real io-pgtable tables: default DMA domains,
 * what a device's DMA reaches through blocked, identity, paging and nested
 * domains, stage 1 vs stage 2 for NEST_PARENT, nested allocation errors,
 * TLB maintenance the core asked for, firmware 1:1 regions, domains of
 * another instance or kernel refused, and page-table memory given back.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-priv.h"
#include "tests/test.h"

#define SZ_4K	0x1000UL
#define SZ_2M	0x200000UL
#define SZ_1G	0x40000000UL
#define RW	(IOMMU_READ | IOMMU_WRITE)

static unsigned long warnings(struct kernel *k)
{
	return atomic_load(&k->warnings);
}

static int xlate(struct device *dev, dma_addr_t iova, phys_addr_t *pa)
{
	*pa = 0;
	return mock_iommu_translate(dev, iova, pa);
}

static void test_paging(struct kernel *k, struct mock_iommu *m)
{
	struct device *dev = mock_iommu_add_device(m, "nic", (u32[]){ 0x42 }, 1);
	struct iommu_domain *def, *dom;
	struct mock_tlb_stats st;
	phys_addr_t pa;

	REQUIRE(dev && dev->iommu_group);
	def = iommu_get_dma_domain(dev);
	CHECK_EQ(def->type, IOMMU_DOMAIN_DMA);
	CHECK_EQ(mock_domain_fmt(def), ARM_64_LPAE_S1);
	CHECK(mock_iommu_attached_domain(dev) == def);
	CHECK_EQ(def->pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
	CHECK_EQ(def->geometry.aperture_start, 0);
	CHECK_EQ(def->geometry.aperture_end, (1ULL << 48) - 1);
	CHECK(def->geometry.force_aperture);
	/* Nothing mapped yet: the DMA faults. */
	CHECK_EQ(xlate(dev, 0x1000, &pa), -EFAULT);

	dom = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(dom));
	CHECK_EQ(dom->type, IOMMU_DOMAIN_UNMANAGED);
	CHECK_EQ(iommu_attach_device(dom, dev), 0);
	CHECK(mock_iommu_attached_domain(dev) == dom);

	/* 2M + 4K: one 2M block and one 4K page in the real table. */
	CHECK_EQ(iommu_map(dom, 0x40000000, 0x48000000, SZ_2M + SZ_4K, RW), 0);
	CHECK_EQ(mock_domain_tlb_stats(dom, &st), 0);
	CHECK_EQ(st.sync_map, 1);
	CHECK_EQ(xlate(dev, 0x40000000, &pa), 0);
	CHECK_EQ(pa, 0x48000000);
	CHECK_EQ(xlate(dev, 0x401fffff, &pa), 0);
	CHECK_EQ(pa, 0x481fffff);
	CHECK_EQ(xlate(dev, 0x40200abc, &pa), 0);
	CHECK_EQ(pa, 0x48200abc);
	CHECK_EQ(xlate(dev, 0x40201000, &pa), -EFAULT);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x40100000), 0x48100000);
	CHECK_EQ(iommu_unmap(dom, 0x40000000, SZ_2M + SZ_4K), SZ_2M + SZ_4K);
	CHECK_EQ(mock_domain_tlb_stats(dom, &st), 0);
	CHECK_EQ(st.add_page, 2);	/* two leaves: the block and the page */
	CHECK_EQ(st.iotlb_sync, 1);
	CHECK_EQ(st.last_sync_start, 0x40000000);
	CHECK_EQ(st.last_sync_end, 0x40200fff);
	CHECK_EQ(xlate(dev, 0x40000000, &pa), -EFAULT);
	CHECK_EQ(xlate(dev, 0x40200000, &pa), -EFAULT);

	/* A 1G block, unmapped in one piece. */
	CHECK_EQ(iommu_map(dom, SZ_1G, 2 * SZ_1G, SZ_1G, IOMMU_READ), 0);
	CHECK_EQ(xlate(dev, SZ_1G + 0x12345678, &pa), 0);
	CHECK_EQ(pa, 2 * SZ_1G + 0x12345678);
	CHECK_EQ(iommu_unmap(dom, SZ_1G, SZ_1G), SZ_1G);
	CHECK_EQ(mock_domain_tlb_stats(dom, &st), 0);
	CHECK_EQ(st.add_page, 3);
	/* Syncing an empty gather invalidates nothing. */
	CHECK_EQ(iommu_unmap(dom, SZ_1G, SZ_4K), 0);
	CHECK_EQ(mock_domain_tlb_stats(dom, &st), 0);
	CHECK_EQ(st.iotlb_sync, 2);
	iommu_flush_iotlb_all(dom);
	CHECK_EQ(mock_domain_tlb_stats(dom, &st), 0);
	CHECK_EQ(st.flush_all, 1);

	/* What the table refuses comes back unchanged through the core. */
	CHECK_EQ(iommu_map(dom, 1UL << 48, 0x48000000, SZ_4K, RW), -ERANGE);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x48000000, SZ_4K, 0), -EINVAL);
	CHECK_EQ(xlate(dev, 0x1000, &pa), -EFAULT);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x48000000, SZ_4K, RW), 0);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x49000000, SZ_4K, RW), -EEXIST);
	CHECK_EQ(xlate(dev, 0x1000, &pa), 0);
	CHECK_EQ(pa, 0x48000000);
	/* Outside the aperture the mock faults before any table. */
	CHECK_EQ(xlate(dev, 1ULL << 48, &pa), -EFAULT);

	/* Blocked (DMA owner) and back. */
	CHECK_EQ(iommu_group_replace_domain(dev->iommu_group, def), 0);
	CHECK_EQ(iommu_group_claim_dma_owner(dev->iommu_group, m), 0);
	CHECK_EQ(mock_iommu_attached_domain(dev)->type, IOMMU_DOMAIN_BLOCKED);
	CHECK_EQ(xlate(dev, 0x1000, &pa), -EFAULT);
	CHECK_EQ(iommu_attach_group(dom, dev->iommu_group), 0);
	CHECK_EQ(xlate(dev, 0x1000, &pa), 0);
	iommu_detach_group(dom, dev->iommu_group);
	CHECK_EQ(xlate(dev, 0x1000, &pa), -EFAULT);
	iommu_group_release_dma_owner(dev->iommu_group);
	CHECK(mock_iommu_attached_domain(dev) == def);

	CHECK_EQ(iommu_unmap(dom, 0x1000, SZ_4K), SZ_4K);
	iommu_domain_free(dom);
	device_destroy(dev);
	CHECK_EQ(warnings(k), 0);
}

static void test_nested(struct kernel *k, struct mock_iommu *m)
{
	struct device *dev = mock_iommu_add_device(m, "vf", (u32[]){ 0x50 }, 1);
	struct iommu_hwpt_mock_nested blob = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data ud = { IOMMU_HWPT_DATA_MOCK, &blob, sizeof(blob) };
	struct iommu_domain *s2, *s1, *nested, *n2;
	struct iommu_hwpt_mock_nested got;
	u8 big[sizeof(blob) + 8] = { 0 };
	unsigned long w = warnings(k);
	phys_addr_t pa;

	REQUIRE(dev);
	s2 = iommu_paging_domain_alloc_flags(dev, IOMMU_HWPT_ALLOC_NEST_PARENT);
	s1 = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(s2) && !IS_ERR(s1));
	CHECK_EQ(mock_domain_fmt(s2), ARM_64_LPAE_S2);
	CHECK_EQ(mock_domain_fmt(s1), ARM_64_LPAE_S1);
	CHECK_EQ(PTR_ERR(iommu_paging_domain_alloc_flags(
			dev, IOMMU_HWPT_ALLOC_DIRTY_TRACKING)), -EOPNOTSUPP);

	/* The parent must be this driver's NEST_PARENT paging domain. */
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s1, 0, &ud)), -EINVAL);
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, NULL, 0, &ud)), -EINVAL);
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(
			dev, iommu_get_domain_for_dev(dev), 0, &ud)), -EINVAL);
	/* The blob: right type, long enough, no stray bytes, known values. */
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 0, NULL)), -EINVAL);
	ud.type = 1;
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 0, &ud)), -EOPNOTSUPP);
	ud.type = IOMMU_HWPT_DATA_MOCK;
	ud.len = sizeof(blob) - 1;
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 0, &ud)), -EINVAL);
	memcpy(big, &blob, sizeof(blob));
	big[sizeof(blob) + 3] = 1;
	ud = (struct iommu_user_data){ IOMMU_HWPT_DATA_MOCK, big, sizeof(big) };
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 0, &ud)), -E2BIG);
	big[sizeof(blob) + 3] = 0;
	CHECK(!IS_ERR(n2 = iommu_domain_alloc_nested(dev, s2, 0, &ud)));
	iommu_domain_free(n2);
	ud = (struct iommu_user_data){ IOMMU_HWPT_DATA_MOCK, &blob, sizeof(blob) };
	blob.__reserved = 1;
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 0, &ud)), -EINVAL);
	blob.__reserved = 0;
	blob.config = 7;
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 0, &ud)), -EINVAL);
	blob.config = MOCK_S1_BYPASS;
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, s2, 1, &ud)), -EOPNOTSUPP);

	nested = iommu_domain_alloc_nested(dev, s2, 0, &ud);
	REQUIRE(!IS_ERR(nested));
	CHECK_EQ(nested->type, IOMMU_DOMAIN_NESTED);
	CHECK(nested->owner == s2->owner);
	CHECK(mock_nested_parent(nested) == s2);
	CHECK(mock_nested_parent(s2) == NULL);
	CHECK_EQ(mock_nested_config(nested, &got), 0);
	CHECK_EQ(got.config, MOCK_S1_BYPASS);
	/* The guest owns stage 1: no maps through the nested domain. */
	CHECK_EQ(iommu_map(nested, 0, 0x48000000, SZ_4K, RW), -EINVAL);
	CHECK_EQ(iommu_iova_to_phys(nested, 0), 0);

	/* Stage 1 bypassed: the device reaches what stage 2 maps. */
	CHECK_EQ(iommu_map(s2, 0x80000000, 0x48000000, SZ_2M, RW), 0);
	CHECK_EQ(iommu_attach_device(nested, dev), 0);
	CHECK(mock_iommu_attached_domain(dev) == nested);
	CHECK_EQ(xlate(dev, 0x80001234, &pa), 0);
	CHECK_EQ(pa, 0x48001234);
	CHECK_EQ(xlate(dev, 0x80200000, &pa), -EFAULT);
	/* A guest stage 1 that aborts, or that translates (not walked here). */
	blob.config = MOCK_S1_ABORT;
	n2 = iommu_domain_alloc_nested(dev, s2, 0, &ud);
	REQUIRE(!IS_ERR(n2));
	CHECK_EQ(iommu_group_replace_domain(dev->iommu_group, n2), 0);
	CHECK_EQ(xlate(dev, 0x80001234, &pa), -EFAULT);
	iommu_detach_device(n2, dev);
	iommu_domain_free(n2);
	blob.config = MOCK_S1_TRANSLATE;
	n2 = iommu_domain_alloc_nested(dev, s2, 0, &ud);
	REQUIRE(!IS_ERR(n2));
	CHECK_EQ(iommu_attach_device(n2, dev), 0);
	CHECK_EQ(xlate(dev, 0x80001234, &pa), -EOPNOTSUPP);
	iommu_detach_device(n2, dev);
	iommu_domain_free(n2);

	/* The parent outlives its nested domains. */
	CHECK_EQ(iommu_attach_device(nested, dev), 0);
	iommu_detach_device(nested, dev);
	CHECK_EQ(warnings(k), w);
	iommu_domain_free(s2);		/* refused: nested still uses it */
	CHECK_EQ(warnings(k), w + 1);
	CHECK_EQ(iommu_iova_to_phys(s2, 0x80000000), 0x48000000);
	iommu_domain_free(nested);
	CHECK_EQ(iommu_unmap(s2, 0x80000000, SZ_2M), SZ_2M);
	iommu_domain_free(s2);
	iommu_domain_free(s1);
	CHECK_EQ(warnings(k), w + 1);
	device_destroy(dev);
}

/* A domain is usable only on the instance it was made for. */
static void test_instances(struct kernel *k1, struct kernel *k2,
			   struct mock_iommu *m1)
{
	struct mock_iommu *m1b = mock_iommu_create(k1, "smmu1b");
	struct mock_iommu *m2 = mock_iommu_create(k2, "smmu2");
	struct device *a, *b, *c;
	struct iommu_domain *da, *s2;
	struct iommu_hwpt_mock_nested blob = { .config = MOCK_S1_BYPASS };
	struct iommu_user_data ud = { IOMMU_HWPT_DATA_MOCK, &blob, sizeof(blob) };
	phys_addr_t pa;

	REQUIRE(m1b && m2);
	a = mock_iommu_add_device(m1, "a", (u32[]){ 1 }, 1);
	b = mock_iommu_add_device(m1b, "b", (u32[]){ 1 }, 1);
	c = mock_iommu_add_device(m2, "c", (u32[]){ 1 }, 1);
	REQUIRE(a && b && c);
	CHECK(a->iommu_group != b->iommu_group);	/* same SID, other SMMU */
	da = iommu_paging_domain_alloc(a);
	REQUIRE(!IS_ERR(da));
	CHECK_EQ(iommu_attach_device(da, b), -EINVAL);
	CHECK_EQ(iommu_attach_device(da, c), -EINVAL);
	CHECK_EQ(iommu_group_replace_domain(c->iommu_group, da), -EINVAL);
	CHECK_EQ(iommu_attach_device(da, a), 0);
	s2 = iommu_paging_domain_alloc_flags(a, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(s2));
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(b, s2, 0, &ud)), -EINVAL);
	/* Each kernel's tables live in its own memory. */
	CHECK_EQ(iommu_map(iommu_get_dma_domain(c), 0x1000, 0x2000, SZ_4K, RW), 0);
	CHECK_EQ(xlate(c, 0x1000, &pa), 0);
	CHECK_EQ(pa, 0x2000);
	CHECK_EQ(xlate(b, 0x1000, &pa), -EFAULT);
	CHECK(page_alloc_used_bytes(k2->pages) > 0);
	iommu_detach_device(da, a);
	iommu_domain_free(da);
	iommu_domain_free(s2);
	device_destroy(a);
	device_destroy(b);
	device_destroy(c);
	mock_iommu_destroy(m1b);
	mock_iommu_destroy(m2);
	CHECK_EQ(page_alloc_used_bytes(k2->pages), 0);
}

/* Whether p lies in a mapping of this process that cannot be written. */
static bool read_only(const void *p)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, a = (unsigned long)p;
	char perms[8], line[512];
	bool ro = false;

	REQUIRE(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 &&
		    a >= lo && a < hi) {
			ro = perms[1] != 'w';
			break;
		}
	fclose(f);
	return ro;
}

/*
 * The identity and blocked domains are the driver's, shared by every
 * instance of every kernel in the process: they must be constants, which
 * nothing can change under another kernel's feet.
 */
static void test_static_domains(struct kernel *k1, struct kernel *k2,
				struct mock_iommu *m1)
{
	struct mock_iommu *m2 = mock_iommu_create(k2, "smmu2");
	struct device *a, *b;
	const struct iommu_ops *ops;
	phys_addr_t pa;

	(void)k1;
	REQUIRE(m2);
	a = mock_iommu_add_device(m1, "a", (u32[]){ 3 }, 1);
	b = mock_iommu_add_device(m2, "b", (u32[]){ 3 }, 1);
	REQUIRE(a && b);
	ops = dev_iommu_ops(a);
	CHECK(ops->identity_domain && ops->blocked_domain);
	CHECK(read_only(ops->identity_domain));
	CHECK(read_only(ops->blocked_domain));
	CHECK(dev_iommu_ops(b)->identity_domain == ops->identity_domain);
	CHECK(ops->identity_domain->k == NULL);
	/* Both kernels use them at once. */
	CHECK_EQ(iommu_group_claim_dma_owner(a->iommu_group, a), 0);
	CHECK_EQ(iommu_group_claim_dma_owner(b->iommu_group, b), 0);
	CHECK_EQ(iommu_group_replace_domain(a->iommu_group,
					    ops->identity_domain), 0);
	CHECK_EQ(iommu_group_replace_domain(b->iommu_group,
					    ops->identity_domain), 0);
	CHECK_EQ(xlate(a, 0x1234, &pa), 0);
	CHECK_EQ(pa, 0x1234);
	CHECK_EQ(xlate(b, 0x5678, &pa), 0);
	CHECK_EQ(pa, 0x5678);
	CHECK_EQ(iommu_group_replace_domain(b->iommu_group,
					    ops->blocked_domain), 0);
	CHECK_EQ(xlate(b, 0x5678, &pa), -EFAULT);
	CHECK_EQ(xlate(a, 0x1234, &pa), 0);
	iommu_group_release_dma_owner(a->iommu_group);
	iommu_group_release_dma_owner(b->iommu_group);
	device_destroy(a);
	device_destroy(b);
	mock_iommu_destroy(m2);
}

static void test_policy_and_direct(struct kernel *k, struct mock_iommu *m)
{
	struct device *dev;
	phys_addr_t pa;
	int owner;

	iommu_set_dma_strict(k, false);
	dev = mock_iommu_add_device(m, "fq", (u32[]){ 0x60 }, 1);
	REQUIRE(dev);
	CHECK_EQ(iommu_get_dma_domain(dev)->type, IOMMU_DOMAIN_DMA_FQ);
	device_destroy(dev);
	mock_iommu_set_deferred_flush(m, false);
	dev = mock_iommu_add_device(m, "nofq", (u32[]){ 0x60 }, 1);
	REQUIRE(dev);
	CHECK_EQ(iommu_get_dma_domain(dev)->type, IOMMU_DOMAIN_DMA);
	device_destroy(dev);
	mock_iommu_set_deferred_flush(m, true);
	iommu_set_dma_strict(k, true);
	CHECK_EQ(mock_iommu_set_def_domain_type(m, 0x61, IOMMU_DOMAIN_IDENTITY), 0);
	dev = mock_iommu_add_device(m, "pt", (u32[]){ 0x61 }, 1);
	REQUIRE(dev);
	CHECK_EQ(mock_iommu_attached_domain(dev)->type, IOMMU_DOMAIN_IDENTITY);
	CHECK_EQ(xlate(dev, 0x45678000, &pa), 0);
	CHECK_EQ(pa, 0x45678000);
	device_destroy(dev);

	/* Firmware 1:1 regions are in the DMA domain before the device is. */
	CHECK_EQ(mock_iommu_add_resv_region(m, 0x62, 0x50000000, 0x3000,
					    IOMMU_READ, IOMMU_RESV_DIRECT), 0);
	CHECK_EQ(mock_iommu_add_resv_region(m, 0x62, 0x50400800, 0x800,
					    RW, IOMMU_RESV_DIRECT_RELAXABLE), 0);
	dev = mock_iommu_add_device(m, "rmr", (u32[]){ 0x62 }, 1);
	REQUIRE(dev);
	CHECK_EQ(xlate(dev, 0x50002ff0, &pa), 0);
	CHECK_EQ(pa, 0x50002ff0);
	CHECK_EQ(xlate(dev, 0x50003000, &pa), -EFAULT);
	CHECK_EQ(xlate(dev, 0x50400000, &pa), 0);	/* whole pages */
	CHECK_EQ(xlate(dev, 0x50401000, &pa), -EFAULT);
	CHECK_EQ(xlate(dev, 0x8000000, &pa), -EFAULT);	/* SW_MSI is not mapped */
	CHECK(dev->iommu->require_direct);
	CHECK_EQ(iommu_group_claim_dma_owner(dev->iommu_group, &owner), -EINVAL);
	device_destroy(dev);
}

/* Allocation failure anywhere in probe or paging allocation. */
static void test_fail_nth(struct kernel *k, struct mock_iommu *m)
{
	unsigned int ok = 0;

	for (unsigned long n = 1; n < 24; n++) {
		struct iommu_domain *dom;
		struct device *dev;

		kernel_fail_nth(k, n);
		dev = mock_iommu_add_device(m, "f", (u32[]){ 0x70 }, 1);
		dom = dev ? iommu_paging_domain_alloc(dev) : NULL;
		kernel_fail_nth(k, 0);
		if (!IS_ERR_OR_NULL(dom)) {
			ok++;
			CHECK_EQ(iommu_attach_device(dom, dev), 0);
			iommu_detach_device(dom, dev);
			iommu_domain_free(dom);
		} else if (dom) {
			CHECK(PTR_ERR(dom) == -ENOMEM || PTR_ERR(dom) == -ENODEV);
		}
		device_destroy(dev);
	}
	CHECK(ok >= 1);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct mock_iommu *m;
	struct kernel *k1, *k2;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, 0x40000000, 128 << 20, "ram") == 0);
	k1 = kernel_create("host", mem, 0x40000000, 64 << 20);
	k2 = kernel_create("guest", mem, 0x44000000, 64 << 20);
	REQUIRE(k1 && k2);
	m = mock_iommu_create(k1, "smmu0");
	REQUIRE(m);

	test_paging(k1, m);
	test_nested(k1, m);
	test_instances(k1, k2, m);
	test_static_domains(k1, k2, m);
	test_policy_and_direct(k1, m);
	test_fail_nth(k1, m);

	mock_iommu_destroy(m);
	CHECK_EQ(page_alloc_used_bytes(k1->pages), 0);
	CHECK(list_empty(&k1->groups) && list_empty(&k1->devices));
	kernel_destroy(k1);
	kernel_destroy(k2);
	phys_mem_destroy(mem);
	return test_done();
}
