// SPDX-License-Identifier: MIT
/*
 * The IOMMU core: devices, IOMMU registration and deferred probe, two
 * kernel instances side by side, groups and aliasing, default domains per
 * policy, attach/detach/replace with Linux's errnos, DMA ownership,
 * iommu_map()/iommu_unmap() splitting (through a recording driver that
 * logs every call, tests/rec-iommu.h), geometry and reserved regions.
 */
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-priv.h"
#include "tests/rec-iommu.h"
#include "tests/test.h"

#define SZ_4K	0x1000UL
#define SZ_2M	0x200000UL
#define SZ_1G	0x40000000UL

static unsigned long warnings(struct kernel *k)
{
	return atomic_load(&k->warnings);
}

static void test_two_instances(struct kernel *k1, struct kernel *k2)
{
	struct rec_iommu *r1 = rec_create(k1), *r2 = rec_create(k2);
	struct device *d1, *d2, *cross, *plain;
	struct iommu_domain *dom;

	REQUIRE(r1 && r2);
	d1 = rec_add_device(r1, "nic", 0x10);
	d2 = rec_add_device(r2, "nic", 0x10);
	REQUIRE(d1 && d2);
	/* Same name, same StreamID, different worlds. */
	CHECK(d1->iommu_group && d2->iommu_group);
	CHECK(d1->iommu_group != d2->iommu_group);
	CHECK_EQ(iommu_group_id(d1->iommu_group), 0);
	CHECK_EQ(iommu_group_id(d2->iommu_group), 0);
	CHECK(d1->iommu_group->k == k1 && d2->iommu_group->k == k2);
	CHECK(iommu_get_dma_domain(d1)->k == k1);
	CHECK(iommu_get_dma_domain(d2)->k == k2);
	CHECK(iommu_get_dma_domain(d1) != iommu_get_dma_domain(d2));

	/* A fwspec naming an IOMMU of another kernel finds nothing here. */
	cross = device_create(k1, "cross");
	REQUIRE(cross);
	CHECK_EQ(iommu_fwspec_init(cross, dev_fwnode(&r2->hwdev)), 0);
	CHECK_EQ(iommu_fwspec_add_ids(cross, (u32[]){ 1 }, 1), 0);
	CHECK_EQ(device_add(cross), 0);
	CHECK(cross->iommu_group == NULL);
	CHECK(iommu_get_domain_for_dev(cross) == NULL);
	dom = iommu_paging_domain_alloc(d1);
	REQUIRE(!IS_ERR(dom));
	CHECK_EQ(iommu_attach_device(dom, cross), -ENODEV);
	CHECK_EQ(PTR_ERR(iommu_paging_domain_alloc(cross)), -ENODEV);
	CHECK_EQ(iommu_map(iommu_get_dma_domain(d2), 0, 0x40000000, SZ_4K,
			   IOMMU_READ), 0);
	CHECK_EQ(iommu_iova_to_phys(iommu_get_dma_domain(d1), 0), 0);
	CHECK_EQ(iommu_iova_to_phys(iommu_get_dma_domain(d2), 0), 0x40000000);

	/* No fwspec at all: no group either. */
	plain = device_create(k1, "plain");
	CHECK_EQ(device_add(plain), 0);
	CHECK(plain->iommu_group == NULL);
	CHECK_EQ(iommu_attach_device(dom, plain), -ENODEV);
	CHECK(iommu_group_get(plain) == NULL);

	iommu_domain_free(dom);
	device_destroy(plain);
	device_destroy(cross);
	device_destroy(d1);
	device_destroy(d2);
	rec_destroy(r1);
	rec_destroy(r2);
	CHECK(list_empty(&k1->groups) && list_empty(&k2->groups));
	CHECK_EQ(warnings(k1) + warnings(k2), 0);
}

/* A device whose IOMMU registers later is probed at registration. */
static void test_deferred_probe(struct kernel *k)
{
	struct rec_iommu *r = kzalloc(k, sizeof(*r));
	struct device *dev = device_create(k, "early");

	REQUIRE(r && dev);
	device_initialize(&r->hwdev, k, "late-iommu");
	CHECK_EQ(device_add(&r->hwdev), 0);
	CHECK_EQ(device_add(&r->hwdev), -EINVAL);
	CHECK_EQ(iommu_fwspec_init(dev, dev_fwnode(&r->hwdev)), 0);
	CHECK_EQ(iommu_fwspec_add_ids(dev, (u32[]){ 7, 8 }, 2), 0);
	CHECK_EQ(dev_iommu_fwspec_get(dev)->num_ids, 2);
	CHECK_EQ(dev_iommu_fwspec_get(dev)->ids[1], 8);
	CHECK_EQ(device_add(dev), 0);
	CHECK(dev->iommu_group == NULL);
	CHECK_EQ(iommu_device_register(&r->iommu, &rec_ops, &r->hwdev), 0);
	CHECK(dev->iommu_group != NULL);
	CHECK(dev_has_iommu(dev));
	CHECK(iommu_get_domain_for_dev(dev) == iommu_get_dma_domain(dev));
	/* A second registration of the same firmware node is refused. */
	{
		struct iommu_device dup;

		CHECK_EQ(iommu_device_register(&dup, &rec_ops, &r->hwdev),
			 -EEXIST);
	}
	/* Unregistering releases the device back to "no IOMMU". */
	iommu_device_unregister(&r->iommu);
	CHECK(dev->iommu_group == NULL);
	CHECK(!dev_has_iommu(dev));
	CHECK(list_empty(&k->groups));
	device_destroy(dev);
	device_del(&r->hwdev);
	kfree(r);
}

static unsigned int probe_type(struct rec_iommu *r)
{
	struct device *dev = rec_add_device(r, "p", 0x99);
	unsigned int type;

	if (!dev || !iommu_get_dma_domain(dev))
		return 0xffff;
	type = iommu_get_dma_domain(dev)->type;
	CHECK(iommu_get_domain_for_dev(dev) == iommu_get_dma_domain(dev));
	device_destroy(dev);
	return type;
}

static void test_default_domain_policy(struct kernel *k)
{
	struct rec_iommu *r = rec_create(k);

	REQUIRE(r);
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_DMA);
	CHECK_EQ(iommu_def_domain_type(k), IOMMU_DOMAIN_DMA);
	/* strict=0: a flush queue where the driver defers flushes. */
	iommu_set_dma_strict(k, false);
	CHECK_EQ(iommu_def_domain_type(k), IOMMU_DOMAIN_DMA_FQ);
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_DMA);
	r->deferred_flush = true;
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_DMA_FQ);
	iommu_set_dma_strict(k, true);
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_DMA);
	/* passthrough: identity, the driver's static domain. */
	iommu_set_default_passthrough(k, true);
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_IDENTITY);
	/* The driver's def_domain_type beats the policy both ways. */
	r->def_type = IOMMU_DOMAIN_DMA;
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_DMA);
	iommu_set_default_passthrough(k, false);
	r->def_type = IOMMU_DOMAIN_IDENTITY;
	CHECK_EQ(probe_type(r), IOMMU_DOMAIN_IDENTITY);
	r->def_type = 0;
	rec_destroy(r);
	CHECK_EQ(warnings(k), 0);
}

static void test_attach(struct kernel *k)
{
	struct rec_iommu *r = rec_create(k);
	struct iommu_domain *def, *dom, *dom2, fake;
	struct iommu_group *group;
	struct device *d, *a, *b;
	unsigned long w = warnings(k);
	int owner1, owner2;

	REQUIRE(r);
	d = rec_add_device(r, "d", 1);
	REQUIRE(d);
	group = iommu_group_get(d);
	REQUIRE(group == d->iommu_group);
	CHECK_EQ(iommu_group_device_count(group), 1);
	def = iommu_get_dma_domain(d);
	CHECK(def && def->type == IOMMU_DOMAIN_DMA && def->owner == &rec_ops);
	CHECK(iommu_get_domain_for_dev(d) == def);

	dom = iommu_paging_domain_alloc(d);
	dom2 = iommu_paging_domain_alloc_flags(d, IOMMU_HWPT_ALLOC_NEST_PARENT);
	REQUIRE(!IS_ERR(dom) && !IS_ERR(dom2));
	CHECK_EQ(dom->type, IOMMU_DOMAIN_UNMANAGED);
	CHECK(dom->owner == &rec_ops && dom->ops == &rec_paging_ops);
	CHECK_EQ(dom->pgsize_bitmap, rec_ops.pgsize_bitmap);
	CHECK_EQ(PTR_ERR(iommu_paging_domain_alloc_flags(d, 1U << 7)),
		 -EOPNOTSUPP);

	/* attach, then a second attach is -EBUSY, replace is allowed. */
	r->attach_calls = 0;
	CHECK_EQ(iommu_attach_device(dom, d), 0);
	CHECK_EQ(r->attach_calls, 1);
	CHECK(iommu_get_domain_for_dev(d) == dom);
	CHECK(iommu_get_dma_domain(d) == def);
	CHECK_EQ(iommu_attach_device(dom, d), -EBUSY);
	CHECK_EQ(iommu_attach_device(dom2, d), -EBUSY);
	CHECK_EQ(iommu_attach_group(dom2, group), -EBUSY);
	CHECK_EQ(iommu_group_replace_domain(group, dom2), 0);
	CHECK(iommu_get_domain_for_dev(d) == dom2);
	CHECK_EQ(iommu_group_replace_domain(group, dom2), 0);	/* no-op */
	CHECK_EQ(iommu_group_replace_domain(group, NULL), -EINVAL);
	/* A driver refusing the new domain leaves the old one in place. */
	r->fail_attach = -EIO;
	CHECK_EQ(iommu_group_replace_domain(group, dom), -EIO);
	CHECK(iommu_get_domain_for_dev(d) == dom2);
	/* Detaching what is not attached is a caller bug: warned, ignored. */
	iommu_detach_device(dom, d);
	CHECK_EQ(warnings(k), w + 1);
	CHECK(iommu_get_domain_for_dev(d) == dom2);
	iommu_detach_device(dom2, d);
	CHECK(iommu_get_domain_for_dev(d) == def);
	/* A domain of another driver is -EINVAL. */
	fake = (struct iommu_domain){ .type = IOMMU_DOMAIN_UNMANAGED,
				      .ops = &rec_paging_ops };
	CHECK_EQ(iommu_attach_device(&fake, d), -EINVAL);
	CHECK_EQ(iommu_group_replace_domain(group, &fake), 0);
	CHECK_EQ(iommu_group_replace_domain(group, def), 0);
	/* Static domains attach like any other. */
	CHECK_EQ(iommu_attach_device(&rec_identity, d), 0);
	CHECK(iommu_get_domain_for_dev(d) == &rec_identity);
	iommu_detach_device(&rec_identity, d);
	CHECK(iommu_get_domain_for_dev(d) == def);

	/* A two-device group: per-device attach is -EINVAL, group attach works. */
	a = rec_add_device(r, "a", 0x20);
	b = rec_add_device(r, "b", 0x20);
	REQUIRE(a && b);
	CHECK(a->iommu_group == b->iommu_group);
	CHECK(a->iommu_group != d->iommu_group);
	CHECK_EQ(iommu_group_device_count(a->iommu_group), 2);
	CHECK(iommu_get_dma_domain(a) == iommu_get_dma_domain(b));
	CHECK_EQ(iommu_attach_device(dom, a), -EINVAL);
	CHECK_EQ(iommu_attach_group(dom, a->iommu_group), 0);
	CHECK(iommu_get_domain_for_dev(a) == dom && iommu_get_domain_for_dev(b) == dom);
	/* Revert: the second device fails, the first goes back. */
	r->attach_calls = 0;
	r->fail_attach = -ENOSPC;
	r->fail_attach_skip = 1;
	CHECK_EQ(iommu_group_replace_domain(a->iommu_group, dom2), -ENOSPC);
	CHECK_EQ(r->attach_calls, 3);
	CHECK(iommu_get_domain_for_dev(a) == dom && iommu_get_domain_for_dev(b) == dom);
	CHECK_EQ(iommu_group_replace_domain(a->iommu_group, dom2), 0);
	CHECK(iommu_get_domain_for_dev(a) == dom2 && iommu_get_domain_for_dev(b) == dom2);
	iommu_detach_group(dom2, a->iommu_group);
	CHECK(iommu_get_domain_for_dev(b) == iommu_get_dma_domain(b));
	/* One device leaving keeps the group and its domain for the other. */
	device_destroy(a);
	CHECK_EQ(iommu_group_device_count(b->iommu_group), 1);
	CHECK_EQ(iommu_attach_device(dom, b), 0);
	iommu_detach_device(dom, b);

	/* DMA ownership: the owner parks the group on the blocking domain. */
	CHECK_EQ(iommu_group_claim_dma_owner(group, &owner1), 0);
	CHECK(iommu_group_dma_owner_claimed(group));
	CHECK(iommu_get_domain_for_dev(d) == &rec_blocked);
	CHECK_EQ(iommu_group_claim_dma_owner(group, &owner2), -EPERM);
	CHECK_EQ(iommu_device_claim_dma_owner(d, &owner2), -EPERM);
	CHECK_EQ(iommu_device_claim_dma_owner(d, &owner1), 0);	/* count 2 */
	CHECK_EQ(iommu_attach_group(dom, group), 0);	/* over blocking: fine */
	iommu_detach_group(dom, group);
	CHECK(iommu_get_domain_for_dev(d) == &rec_blocked);	/* owned: blocked */
	iommu_device_release_dma_owner(d);
	CHECK(iommu_group_dma_owner_claimed(group));
	iommu_device_release_dma_owner(d);
	CHECK(!iommu_group_dma_owner_claimed(group));
	CHECK(iommu_get_domain_for_dev(d) == def);
	/* Claiming while a caller's domain is attached is -EBUSY. */
	CHECK_EQ(iommu_attach_device(dom, d), 0);
	CHECK_EQ(iommu_group_claim_dma_owner(group, &owner1), -EBUSY);
	iommu_detach_device(dom, d);
	CHECK_EQ(warnings(k), w + 1);
	/*
	 * A detach cannot fail: a device whose driver refuses the default
	 * domain is parked on the blocking domain, the group moves anyway.
	 */
	CHECK_EQ(iommu_attach_device(dom, d), 0);
	r->attach_calls = 0;
	r->fail_attach = -EIO;
	iommu_detach_device(dom, d);
	CHECK_EQ(r->attach_calls, 2);
	CHECK(r->last_attach == &rec_blocked);
	CHECK(iommu_get_domain_for_dev(d) == def);
	CHECK_EQ(warnings(k), w + 2);
	CHECK_EQ(iommu_attach_device(dom, d), 0);
	CHECK(r->last_attach == dom);
	iommu_detach_device(dom, d);
	CHECK(r->last_attach == def);
	CHECK_EQ(warnings(k), w + 2);

	iommu_group_put(group);
	iommu_domain_free(dom);
	iommu_domain_free(dom2);
	device_destroy(b);
	device_destroy(d);
	rec_destroy(r);
	CHECK(list_empty(&k->groups));
}

#define CHECK_CALL(c, i, p, sz, n) do {					\
	CHECK_EQ((c).iova, (i)); CHECK_EQ((c).paddr, (p));		\
	CHECK_EQ((c).pgsize, (sz)); CHECK_EQ((c).pgcount, (n));		\
} while (0)

static void test_map_split(struct kernel *k)
{
	struct rec_iommu *r = rec_create(k);
	struct device *d = r ? rec_add_device(r, "m", 2) : NULL;
	struct iommu_domain *dom;
	struct rec_domain *rd;
	struct iommu_iotlb_gather gather;
	size_t count;

	REQUIRE(d);
	dom = iommu_paging_domain_alloc(d);
	REQUIRE(!IS_ERR(dom));
	rd = to_rec(dom);

	/* 2M + 4K: one 2M block, then one 4K page. */
	CHECK_EQ(iommu_map(dom, 0x40000000, 0x80000000, SZ_2M + SZ_4K,
			   IOMMU_READ | IOMMU_WRITE), 0);
	CHECK_EQ(rd->nr_maps, 2);
	CHECK_CALL(rd->maps[0], 0x40000000, 0x80000000, SZ_2M, 1);
	CHECK_CALL(rd->maps[1], 0x40200000, 0x80200000, SZ_4K, 1);
	CHECK_EQ(rd->maps[0].prot, IOMMU_READ | IOMMU_WRITE);
	CHECK_EQ(rd->sync_maps, 1);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x40123456), 0x80123456);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x40200ffc), 0x80200ffc);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x40201000), 0);
	/* And back, with one sync covering the range. */
	CHECK_EQ(iommu_unmap(dom, 0x40000000, SZ_2M + SZ_4K), SZ_2M + SZ_4K);
	CHECK_EQ(rd->nr_unmaps, 2);
	CHECK_CALL(rd->unmaps[0], 0x40000000, 0, SZ_2M, 1);
	CHECK_CALL(rd->unmaps[1], 0x40200000, 0, SZ_4K, 1);
	CHECK_EQ(rd->syncs, 1);
	CHECK_EQ(rd->last_sync_start, 0x40000000);
	CHECK_EQ(rd->last_sync_end, 0x40200fff);
	CHECK_EQ(rd->nr_map, 0);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x40000000), 0);

	/* Small pages up to the 2M boundary, a block, then a tail page. */
	rd->nr_maps = rd->nr_unmaps = 0;
	CHECK_EQ(iommu_map(dom, 0x1fe000, 0x401fe000, SZ_2M + 3 * SZ_4K,
			   IOMMU_READ), 0);
	CHECK_EQ(rd->nr_maps, 3);
	CHECK_CALL(rd->maps[0], 0x1fe000, 0x401fe000, SZ_4K, 2);
	CHECK_CALL(rd->maps[1], 0x200000, 0x40200000, SZ_2M, 1);
	CHECK_CALL(rd->maps[2], 0x400000, 0x40400000, SZ_4K, 1);
	CHECK_EQ(iommu_unmap(dom, 0x1fe000, SZ_2M + 3 * SZ_4K), SZ_2M + 3 * SZ_4K);
	CHECK_EQ(rd->nr_unmaps, 3);
	/* iova and paddr at different offsets in a 2M block: 4K pages only. */
	rd->nr_maps = 0;
	CHECK_EQ(iommu_map(dom, 0x200000, 0x40201000, 4 * SZ_2M, IOMMU_READ), 0);
	CHECK_EQ(rd->nr_maps, 1);
	CHECK_CALL(rd->maps[0], 0x200000, 0x40201000, SZ_4K, 2048);
	CHECK_EQ(iommu_pgsize(dom, 0x200000, 0x40201000, 4 * SZ_2M, &count), SZ_4K);
	CHECK_EQ(count, 2048);
	CHECK_EQ(iommu_unmap(dom, 0x200000, 4 * SZ_2M), 4 * SZ_2M);
	/* 1G + 2M: a 1G block and a 2M block; pgcount batches 2M blocks. */
	rd->nr_maps = 0;
	CHECK_EQ(iommu_map(dom, SZ_1G, SZ_1G, SZ_1G + SZ_2M, IOMMU_READ), 0);
	CHECK_EQ(rd->nr_maps, 2);
	CHECK_CALL(rd->maps[0], SZ_1G, SZ_1G, SZ_1G, 1);
	CHECK_CALL(rd->maps[1], 2 * SZ_1G, 2 * SZ_1G, SZ_2M, 1);
	CHECK_EQ(iommu_unmap(dom, SZ_1G, SZ_1G + SZ_2M), SZ_1G + SZ_2M);
	rd->nr_maps = 0;
	CHECK_EQ(iommu_map(dom, 0x600000, 0x600000, 3 * SZ_2M, IOMMU_READ), 0);
	CHECK_EQ(rd->nr_maps, 1);
	CHECK_CALL(rd->maps[0], 0x600000, 0x600000, SZ_2M, 3);

	/* Mapping over a mapping is the driver's -EEXIST; nothing changes. */
	CHECK_EQ(iommu_map(dom, 0x600000, 0x900000, SZ_4K, IOMMU_READ), -EEXIST);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x600000), 0x600000);
	/* Unmap stops at the first hole and says how much it removed. */
	CHECK_EQ(iommu_unmap(dom, 0x600000, 4 * SZ_2M), 3 * SZ_2M);
	CHECK_EQ(rd->nr_map, 0);

	/* A failure in the middle is unwound: all or nothing. */
	rd->fail_map_after = 3;
	rd->nr_unmaps = 0;
	CHECK_EQ(iommu_map(dom, 0x10000, 0x50000, 4 * SZ_4K, IOMMU_WRITE), -ENOMEM);
	CHECK_EQ(rd->nr_map, 0);
	CHECK_EQ(rd->nr_unmaps, 1);
	CHECK_CALL(rd->unmaps[0], 0x10000, 0, SZ_4K, 2);
	CHECK_EQ(iommu_iova_to_phys(dom, 0x10000), 0);
	/* So is a failing iotlb_sync_map. */
	rd->fail_sync_map = -EIO;
	CHECK_EQ(iommu_map(dom, 0x10000, 0x50000, 4 * SZ_4K, IOMMU_WRITE), -EIO);
	CHECK_EQ(rd->nr_map, 0);

	/* unmap_fast leaves the sync to the caller. */
	CHECK_EQ(iommu_map(dom, 0x10000, 0x50000, 2 * SZ_4K, IOMMU_WRITE), 0);
	rd->syncs = 0;
	iommu_iotlb_gather_init(&gather);
	CHECK_EQ(iommu_unmap_fast(dom, 0x10000, 2 * SZ_4K, &gather), 2 * SZ_4K);
	CHECK_EQ(rd->syncs, 0);
	CHECK_EQ(gather.start, 0x10000);
	CHECK_EQ(gather.end, 0x11fff);
	iommu_iotlb_sync(dom, &gather);
	CHECK_EQ(rd->syncs, 1);
	CHECK_EQ(gather.start, ~0UL);	/* reset for reuse */
	rd->flush_alls = 0;
	iommu_flush_iotlb_all(dom);
	CHECK_EQ(rd->flush_alls, 1);

	/* Scatterlists: contiguous neighbours merge, the rest follow on. */
	{
		const struct scatterlist sg[] = {
			{ .phys = 0x80000000, .length = SZ_4K },
			{ .phys = 0x80001000, .length = SZ_4K },
			{ .phys = 0x90000000, .length = 2 * SZ_4K },
			{ .phys = 0xa0200000, .length = SZ_2M },
		};

		rd->nr_maps = 0;
		CHECK_EQ(iommu_map_sg(dom, 0x200000, sg, 4, IOMMU_READ),
			 4 * SZ_4K + SZ_2M);
		CHECK_EQ(rd->nr_maps, 3);
		CHECK_CALL(rd->maps[0], 0x200000, 0x80000000, SZ_4K, 2);
		CHECK_CALL(rd->maps[1], 0x202000, 0x90000000, SZ_4K, 2);
		CHECK_CALL(rd->maps[2], 0x204000, 0xa0200000, SZ_4K, 512);
		CHECK_EQ(iommu_iova_to_phys(dom, 0x203008), 0x90001008);
		CHECK_EQ(iommu_unmap(dom, 0x200000, 4 * SZ_4K + SZ_2M),
			 4 * SZ_4K + SZ_2M);
		/* A failing entry undoes the ones before it. */
		rd->fail_map_after = 4;
		CHECK_EQ(iommu_map_sg(dom, 0x200000, sg, 4, IOMMU_READ), -ENOMEM);
		CHECK_EQ(rd->nr_map, 0);
		CHECK_EQ(iommu_map_sg(dom, 0x200000, sg, 0, IOMMU_READ), 0);
	}

	/* Geometry: what the driver declared. */
	CHECK_EQ(dom->geometry.aperture_start, 0);
	CHECK_EQ(dom->geometry.aperture_end, (1UL << 48) - 1);
	CHECK(dom->geometry.force_aperture);

	iommu_domain_free(dom);
	device_destroy(d);
	rec_destroy(r);
}

/* Reserved regions through the mock driver (no paging needed: passthrough). */
static void test_resv_regions(struct kernel *k)
{
	struct mock_iommu *m = mock_iommu_create(k, "smmu-resv");
	struct iommu_resv_region *e;
	struct list_head list;
	struct device *a, *b;
	int n = 0, owner;

	REQUIRE(m);
	iommu_set_default_passthrough(k, true);
	CHECK_EQ(mock_iommu_add_resv_region(m, 5, 0x1000000, 0x10000,
					    IOMMU_READ, IOMMU_RESV_DIRECT), 0);
	CHECK_EQ(mock_iommu_add_resv_region(m, 6, 0x1008000, 0x10000,
					    IOMMU_READ, IOMMU_RESV_DIRECT), 0);
	CHECK_EQ(mock_iommu_add_resv_region(m, 6, 0x9000000, 0x1000, 0,
					    IOMMU_RESV_RESERVED), 0);
	CHECK_EQ(mock_iommu_add_resv_region(m, 5, 0x9001000, 0x1000, 0,
					    IOMMU_RESV_RESERVED), 0);
	/* A and B alias through StreamID 7. */
	a = mock_iommu_add_device(m, "a", (u32[]){ 5, 7 }, 2);
	b = mock_iommu_add_device(m, "b", (u32[]){ 6, 7 }, 2);
	REQUIRE(a && b);
	CHECK(a->iommu_group == b->iommu_group);
	CHECK(iommu_get_domain_for_dev(a)->type == IOMMU_DOMAIN_IDENTITY);
	CHECK(mock_iommu_attached_domain(b) == iommu_get_domain_for_dev(b));

	/* Per device: the driver's list as is. */
	INIT_LIST_HEAD(&list);
	iommu_get_resv_regions(a, &list);
	list_for_each_entry(e, &list, list)
		n++;
	CHECK_EQ(n, 3);
	e = list_first_entry(&list, struct iommu_resv_region, list);
	CHECK_EQ(e->type, IOMMU_RESV_SW_MSI);
	CHECK_EQ(e->start, 0x8000000);
	CHECK_EQ(e->length, 0x100000);
	CHECK(e->prot & IOMMU_MMIO);
	iommu_put_resv_regions(a, &list);
	CHECK(list_empty(&list));

	/* Per group: sorted, same-type overlaps and neighbours fused. */
	INIT_LIST_HEAD(&list);
	CHECK_EQ(iommu_get_group_resv_regions(a->iommu_group, &list), 0);
	n = 0;
	list_for_each_entry(e, &list, list) {
		switch (n++) {
		case 0:
			CHECK_EQ(e->type, IOMMU_RESV_DIRECT);
			CHECK_EQ(e->start, 0x1000000);
			CHECK_EQ(e->length, 0x18000);
			break;
		case 1:
			CHECK_EQ(e->type, IOMMU_RESV_SW_MSI);
			CHECK_EQ(e->start, 0x8000000);
			CHECK_EQ(e->length, 0x100000);
			break;
		case 2:
			CHECK_EQ(e->type, IOMMU_RESV_RESERVED);
			CHECK_EQ(e->start, 0x9000000);
			CHECK_EQ(e->length, 0x2000);
			break;
		}
	}
	CHECK_EQ(n, 3);
	iommu_put_group_resv_regions(&list);

	/* Firmware's 1:1 regions forbid blocking the device (Linux's
	 * require_direct): DMA ownership cannot be taken. */
	CHECK(a->iommu->require_direct);
	CHECK_EQ(iommu_device_claim_dma_owner(a, &owner), -EINVAL);
	CHECK(iommu_get_domain_for_dev(a)->type == IOMMU_DOMAIN_IDENTITY);
	CHECK(!iommu_group_dma_owner_claimed(a->iommu_group));

	device_destroy(a);
	device_destroy(b);
	mock_iommu_destroy(m);
	iommu_set_default_passthrough(k, false);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct kernel *k1, *k2;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, 0x40000000, 128 << 20, "ram") == 0);
	k1 = kernel_create("host", mem, 0x40000000, 64 << 20);
	k2 = kernel_create("guest", mem, 0x44000000, 64 << 20);
	REQUIRE(k1 && k2);

	test_two_instances(k1, k2);
	test_deferred_probe(k1);
	test_default_domain_policy(k2);
	test_attach(k1);
	test_map_split(k2);
	test_resv_regions(k1);

	CHECK(list_empty(&k1->devices) && list_empty(&k2->devices));
	CHECK(list_empty(&k1->groups) && list_empty(&k2->groups));
	kernel_destroy(k1);
	kernel_destroy(k2);
	phys_mem_destroy(mem);
	return test_done();
}
