// SPDX-License-Identifier: MIT
/*
 * Every bad input the IOMMU core takes from its callers: missing devices
 * and domains, devices without IOMMU, malformed fwspecs, unaligned or
 * wrapping ranges, unknown prot bits, maps on domains that cannot map,
 * frees of domains still in use, and allocation failure at every step of
 * probe (fail-nth), with LeakSanitizer watching for what leaks.
 */
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-priv.h"
#include "tests/rec-iommu.h"
#include "tests/test.h"

#define SZ_4K	0x1000UL
#define SZ_2M	0x200000UL

static unsigned long warnings(struct kernel *k)
{
	return atomic_load(&k->warnings);
}

static void test_null_inputs(struct kernel *k, struct device *dev,
			     struct iommu_domain *dom)
{
	struct list_head list;
	struct device *bare = device_create(k, "bare");
	int owner;

	REQUIRE(bare);
	INIT_LIST_HEAD(&list);
	CHECK_EQ(iommu_attach_device(dom, NULL), -ENODEV);
	CHECK_EQ(iommu_attach_device(NULL, dev), -EINVAL);
	CHECK_EQ(iommu_attach_device(ERR_PTR(-ENOMEM), dev), -EINVAL);
	CHECK_EQ(iommu_attach_device(dom, bare), -ENODEV);
	CHECK_EQ(iommu_attach_group(dom, NULL), -ENODEV);
	CHECK_EQ(iommu_attach_group(NULL, dev->iommu_group), -EINVAL);
	CHECK_EQ(iommu_group_replace_domain(NULL, dom), -ENODEV);
	iommu_detach_device(dom, NULL);
	iommu_detach_device(dom, bare);
	iommu_detach_group(dom, NULL);
	CHECK(iommu_get_domain_for_dev(NULL) == NULL);
	CHECK(iommu_get_dma_domain(NULL) == NULL);
	CHECK(iommu_get_domain_for_dev(bare) == NULL);
	CHECK(iommu_group_get(NULL) == NULL);
	iommu_group_put(NULL);
	CHECK_EQ(iommu_group_id(NULL), -EINVAL);
	CHECK(!device_iommu_capable(NULL, IOMMU_CAP_DEFERRED_FLUSH));
	CHECK(!device_iommu_capable(bare, IOMMU_CAP_DEFERRED_FLUSH));

	CHECK_EQ(PTR_ERR(iommu_paging_domain_alloc(NULL)), -ENODEV);
	CHECK_EQ(PTR_ERR(iommu_paging_domain_alloc(bare)), -ENODEV);
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(NULL, dom, 0, NULL)), -ENODEV);
	/* The recording driver has no nesting. */
	CHECK_EQ(PTR_ERR(iommu_domain_alloc_nested(dev, dom, 0, NULL)),
		 -EOPNOTSUPP);

	CHECK_EQ(device_add(NULL), -EINVAL);
	device_del(NULL);
	device_destroy(NULL);
	CHECK_EQ(iommu_probe_device(NULL), -ENODEV);
	CHECK_EQ(iommu_probe_device(bare), -ENODEV);
	iommu_release_device(NULL);
	CHECK_EQ(iommu_device_register(NULL, &rec_ops, dev), -EINVAL);
	iommu_device_unregister(NULL);

	/* fwspec: init first, one IOMMU per device, sane ID arrays. */
	CHECK_EQ(iommu_fwspec_init(NULL, dev_fwnode(dev)), -EINVAL);
	CHECK_EQ(iommu_fwspec_init(bare, NULL), -EINVAL);
	CHECK_EQ(iommu_fwspec_add_ids(bare, (u32[]){ 1 }, 1), -EINVAL);
	CHECK_EQ(iommu_fwspec_add_ids(NULL, (u32[]){ 1 }, 1), -EINVAL);
	CHECK_EQ(iommu_fwspec_init(bare, dev_fwnode(dev)), 0);
	CHECK_EQ(iommu_fwspec_init(bare, dev_fwnode(dev)), 0);
	CHECK_EQ(iommu_fwspec_init(bare, dev_fwnode(bare)), -EINVAL);
	CHECK_EQ(iommu_fwspec_add_ids(bare, NULL, 1), -EINVAL);
	CHECK_EQ(iommu_fwspec_add_ids(bare, (u32[]){ 1 }, -1), -EINVAL);
	CHECK_EQ(iommu_fwspec_add_ids(bare, NULL, 0), 0);
	CHECK_EQ(dev_iommu_fwspec_get(bare)->num_ids, 0);
	/* Its fwnode names no registered IOMMU: added, but no group. */
	CHECK_EQ(device_add(bare), 0);
	CHECK(bare->iommu_group == NULL);
	CHECK_EQ(iommu_probe_device(bare), -ENODEV);

	/* Ownership needs an owner and a group. */
	{
		unsigned long w = warnings(k);

		CHECK_EQ(iommu_group_claim_dma_owner(dev->iommu_group, NULL),
			 -EINVAL);
		CHECK_EQ(iommu_device_claim_dma_owner(dev, NULL), -EINVAL);
		CHECK_EQ(warnings(k), w + 2);
	}
	CHECK_EQ(iommu_group_claim_dma_owner(NULL, &owner), -ENODEV);
	CHECK_EQ(iommu_device_claim_dma_owner(bare, &owner), -ENODEV);
	CHECK_EQ(iommu_device_claim_dma_owner(NULL, &owner), -ENODEV);
	iommu_device_release_dma_owner(NULL);
	iommu_group_release_dma_owner(NULL);

	/* Reserved regions of nothing are nothing. */
	iommu_get_resv_regions(NULL, &list);
	iommu_get_resv_regions(bare, &list);
	CHECK(list_empty(&list));
	CHECK_EQ(iommu_get_group_resv_regions(NULL, &list), -EINVAL);
	CHECK_EQ(iommu_get_group_resv_regions(dev->iommu_group, NULL), -EINVAL);
	iommu_put_resv_regions(dev, NULL);

	device_destroy(bare);
}

static void test_bad_ranges(struct iommu_domain *dom)
{
	struct rec_domain *rd = to_rec(dom);
	const int rw = IOMMU_READ | IOMMU_WRITE;
	unsigned int calls = rd->nr_maps;

	/* Misaligned to the smallest page size: nothing reaches the driver. */
	CHECK_EQ(iommu_map(dom, 0x1000 + 1, 0x40000000, SZ_4K, rw), -EINVAL);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000800, SZ_4K, rw), -EINVAL);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000000, SZ_4K + 512, rw), -EINVAL);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000000, 1, rw), -EINVAL);
	/* Wrapping ranges. */
	CHECK_EQ(iommu_map(dom, ~0UL & ~0xfffUL, 0x40000000, 2 * SZ_4K, rw),
		 -EINVAL);
	CHECK_EQ(iommu_map(dom, 0x1000, ~0ULL & ~0xfffULL, 2 * SZ_4K, rw),
		 -EINVAL);
	/* Unknown prot bits. */
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000000, SZ_4K, 1 << 6), -EINVAL);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000000, SZ_4K, rw | (int)(1U << 31)),
		 -EINVAL);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000000, SZ_4K, -1), -EINVAL);
	CHECK_EQ(rd->nr_maps, calls);
	CHECK_EQ(rd->nr_map, 0);
	/* Size 0 maps nothing and succeeds, as Linux. */
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40000000, 0, rw), 0);
	CHECK_EQ(rd->nr_map, 0);

	/* Unmap: misaligned or wrapping unmaps nothing and says 0. */
	CHECK_EQ(iommu_map(dom, 0x200000, 0x40200000, SZ_2M, rw), 0);
	CHECK_EQ(iommu_unmap(dom, 0x200000 + 8, SZ_2M), 0);
	CHECK_EQ(iommu_unmap(dom, 0x200000, SZ_2M - 8), 0);
	CHECK_EQ(iommu_unmap(dom, ~0UL & ~0xfffUL, 2 * SZ_4K), 0);
	CHECK_EQ(iommu_unmap(dom, 0x400000, SZ_4K), 0);	/* nothing there */
	CHECK_EQ(iommu_unmap_fast(dom, 0x200000, SZ_2M, NULL), 0);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x200000), 0x40200000);
	CHECK_EQ(iommu_unmap(dom, 0x200000, SZ_2M), SZ_2M);

	/* NULL-ish domains and lists. */
	CHECK_EQ(iommu_map(NULL, 0, 0x40000000, SZ_4K, rw), -EINVAL);
	CHECK_EQ(iommu_map(ERR_PTR(-ENOMEM), 0, 0x40000000, SZ_4K, rw), -EINVAL);
	CHECK_EQ(iommu_unmap(NULL, 0, SZ_4K), 0);
	CHECK_EQ(iommu_iova_to_phys(NULL, 0), 0);
	iommu_flush_iotlb_all(NULL);
	CHECK_EQ(iommu_map_sg(dom, 0, NULL, 1, rw), -EINVAL);
	CHECK_EQ(iommu_map_sg(NULL, 0, NULL, 0, rw), -EINVAL);
	{
		const struct scatterlist bad[] = {
			{ .phys = 0x40000000, .length = 100 } };

		CHECK_EQ(iommu_map_sg(dom, 0, bad, 1, rw), -EINVAL);
		CHECK_EQ(rd->nr_map, 0);
	}
}

/* Domains that cannot map: identity, blocked, and a paging domain without
 * page sizes. */
static void test_unmappable(void)
{
	static const struct iommu_domain_ops nopg_ops = {
		.map_pages = rec_map_pages,
		.unmap_pages = rec_unmap_pages,
	};
	struct iommu_domain nopg = { .type = IOMMU_DOMAIN_UNMANAGED,
				     .ops = &nopg_ops };

	CHECK_EQ(iommu_map(&rec_identity, 0, 0x40000000, SZ_4K, IOMMU_READ),
		 -EINVAL);
	CHECK_EQ(iommu_map(&rec_blocked, 0, 0x40000000, SZ_4K, IOMMU_READ),
		 -EINVAL);
	CHECK_EQ(iommu_unmap(&rec_identity, 0, SZ_4K), 0);
	CHECK_EQ(iommu_unmap(&rec_blocked, 0, SZ_4K), 0);
	CHECK_EQ(iommu_iova_to_phys(&rec_identity, 0x1234000), 0x1234000);
	CHECK_EQ(iommu_iova_to_phys(&rec_blocked, 0x1234000), 0);
	CHECK_EQ(iommu_map(&nopg, 0, 0x40000000, SZ_4K, IOMMU_READ), -ENODEV);
	CHECK_EQ(iommu_unmap(&nopg, 0, SZ_4K), 0);
}

/* Frees that would be use-after-free in the kernel are refused. */
static void test_free_guards(struct kernel *k, struct device *dev)
{
	struct iommu_domain *def = iommu_get_dma_domain(dev);
	struct iommu_domain *dom = iommu_paging_domain_alloc(dev);
	unsigned long w = warnings(k);

	REQUIRE(!IS_ERR(dom));
	iommu_domain_free(NULL);
	iommu_domain_free(ERR_PTR(-ENOMEM));
	iommu_domain_free(&rec_identity);	/* static: nothing to free */
	iommu_domain_free(&rec_identity);
	iommu_domain_free(&rec_blocked);
	CHECK_EQ(warnings(k), w);
	/* The group's default domain belongs to the core. */
	iommu_domain_free(def);
	CHECK_EQ(warnings(k), w + 1);
	CHECK_EQ(iommu_map(def, 0x1000, 0x40001000, SZ_4K, IOMMU_READ), 0);
	CHECK_EQ(iommu_unmap(def, 0x1000, SZ_4K), SZ_4K);
	/* An attached domain stays until detached. */
	CHECK_EQ(iommu_attach_device(dom, dev), 0);
	iommu_domain_free(dom);
	CHECK_EQ(warnings(k), w + 2);
	CHECK(iommu_get_domain_for_dev(dev) == dom);
	CHECK_EQ(iommu_map(dom, 0x1000, 0x40001000, SZ_4K, IOMMU_READ), 0);
	iommu_detach_device(dom, dev);
	iommu_domain_free(dom);
	CHECK_EQ(warnings(k), w + 2);
	/* A device leaving does not free the caller's domain with it. */
	dom = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(dom));
	{
		struct rec_iommu *r = to_rec(dom)->r;
		struct device *d2 = rec_add_device(r, "leaver", 0x77);

		REQUIRE(d2);
		CHECK_EQ(iommu_attach_device(dom, d2), 0);
		device_destroy(d2);
		CHECK_EQ(iommu_map(dom, 0x1000, 0x40001000, SZ_4K, IOMMU_READ), 0);
		iommu_domain_free(dom);	/* no longer used: freed, no warning */
		CHECK_EQ(warnings(k), w + 2);
	}
}

/* Allocation failure at every step of probe, paging alloc and region
 * listing: clean errors, no group half made, no leak. */
static void test_fail_nth(struct kernel *k, struct rec_iommu *r)
{
	unsigned int with_group = 0, without = 0, failed = 0;
	unsigned long w = warnings(k);

	for (unsigned long n = 1; n < 64 && !with_group; n++) {
		struct iommu_domain *dom;
		struct device *dev;

		kernel_fail_nth(k, n);
		dev = rec_add_device(r, "fail", 0x300);
		kernel_fail_nth(k, 0);
		if (!dev) {
			failed++;
			continue;
		}
		if (dev->iommu_group) {
			with_group++;
			CHECK(iommu_get_domain_for_dev(dev) ==
			      iommu_get_dma_domain(dev));
			kernel_fail_nth(k, 1);
			dom = iommu_paging_domain_alloc(dev);
			kernel_fail_nth(k, 0);
			CHECK_EQ(PTR_ERR(dom), -ENOMEM);
		} else {
			without++;
			CHECK_EQ(iommu_attach_device(&rec_identity, dev), -ENODEV);
			/* Refused by its IOMMU, and it says so: no driver binds. */
			CHECK_EQ(device_iommu_probe_error(dev), -ENOMEM);
		}
		device_destroy(dev);
	}
	CHECK(failed >= 4);	/* device, dev_iommu, fwspec, ids */
	CHECK(without >= 4);	/* group, group_device, default domain, IOVA space */
	CHECK(with_group >= 1);
	CHECK(list_empty(&k->groups) || iommu_group_device_count(
		list_first_entry(&k->groups, struct iommu_group, node)) > 0);
	CHECK_EQ(warnings(k), w);
}

static void test_mock_errors(struct kernel *k)
{
	struct mock_iommu *m = mock_iommu_create(k, "smmu-err");
	struct device *dev;
	struct list_head list;

	REQUIRE(m);
	iommu_set_default_passthrough(k, true);
	/* A device with no StreamID is refused by the driver: no group. */
	dev = mock_iommu_add_device(m, "nosid", NULL, 0);
	REQUIRE(dev);
	CHECK(dev->iommu_group == NULL);
	CHECK(!dev_has_iommu(dev));
	device_destroy(dev);
	CHECK_EQ(mock_iommu_add_resv_region(m, 1, 0x1000, 0, 0,
					    IOMMU_RESV_DIRECT), -EINVAL);
	CHECK_EQ(mock_iommu_add_resv_region(m, 1, ~0ULL, 2, 0,
					    IOMMU_RESV_DIRECT), -EINVAL);
	CHECK_EQ(mock_iommu_add_resv_region(m, 1, 0x1000, 1, 0, 99), -EINVAL);
	CHECK_EQ(mock_iommu_set_def_domain_type(m, 1, IOMMU_DOMAIN_NESTED),
		 -EINVAL);
	for (int i = 0; i < 32; i++)
		mock_iommu_add_resv_region(m, 9, 0x100000 * (u64)(i + 1),
					   0x1000, 0, IOMMU_RESV_RESERVED);
	CHECK_EQ(mock_iommu_add_resv_region(m, 9, 0x1000, 0x1000, 0,
					    IOMMU_RESV_RESERVED), -ENOSPC);
	dev = mock_iommu_add_device(m, "many", (u32[]){ 9 }, 1);
	REQUIRE(dev && dev->iommu_group);
	/* Merging 33 regions fails half way under fail-nth: -ENOMEM, and
	 * what was merged so far is the caller's to put. */
	for (unsigned long n = 1; n < 40; n++) {
		int ret;

		INIT_LIST_HEAD(&list);
		kernel_fail_nth(k, n);
		ret = iommu_get_group_resv_regions(dev->iommu_group, &list);
		kernel_fail_nth(k, 0);
		CHECK(ret == 0 || ret == -ENOMEM);
		iommu_put_group_resv_regions(&list);
	}
	/* Static domains of the mock cannot map either. */
	CHECK_EQ(iommu_map(iommu_get_domain_for_dev(dev), 0, 0x40000000, SZ_4K,
			   IOMMU_READ), -EINVAL);
	CHECK_EQ(mock_iommu_translate(NULL, 0, NULL), -ENODEV);
	{
		phys_addr_t pa = 0;

		CHECK_EQ(mock_iommu_translate(dev, 0x1234, &pa), 0);
		CHECK_EQ(pa, 0x1234);
	}
	device_destroy(dev);
	mock_iommu_destroy(m);
	iommu_set_default_passthrough(k, false);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct rec_iommu *r;
	struct kernel *k;
	struct device *dev;
	struct iommu_domain *dom;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, 0x40000000, 64 << 20, "ram") == 0);
	k = kernel_create("host", mem, 0x40000000, 64 << 20);
	REQUIRE(k);
	r = rec_create(k);
	REQUIRE(r);
	dev = rec_add_device(r, "dev", 1);
	REQUIRE(dev && dev->iommu_group);
	dom = iommu_paging_domain_alloc(dev);
	REQUIRE(!IS_ERR(dom));

	test_null_inputs(k, dev, dom);
	test_bad_ranges(dom);
	test_unmappable();
	test_free_guards(k, dev);
	test_fail_nth(k, r);
	test_mock_errors(k);

	iommu_domain_free(dom);
	device_destroy(dev);
	rec_destroy(r);
	CHECK(list_empty(&k->groups) && list_empty(&k->devices));
	CHECK_EQ(atomic_load(&k->warnings), 2 + 2);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
