/* SPDX-License-Identifier: MIT */
/*
 * A recording IOMMU driver for tests of the core: its paging domains keep
 * their mappings in a plain array and log every map_pages/unmap_pages call
 * the core makes, so a test can check how a request was split into page
 * sizes, that a failed map was unwound and which TLB syncs were asked for,
 * without depending on a page-table format.  Failures are injected with
 * rec_fail_map_after (the n-th page from now fails with -ENOMEM).
 */
#ifndef IOMMUSIM_TESTS_REC_IOMMU_H
#define IOMMUSIM_TESTS_REC_IOMMU_H

#include <string.h>

#include "kernel/iommu.h"

#define REC_MAX_MAP	4096
#define REC_MAX_LOG	64

struct rec_call {
	unsigned long iova;
	phys_addr_t paddr;
	size_t pgsize, pgcount;
	int prot;
};

struct rec_entry {
	unsigned long iova;
	phys_addr_t paddr;
	size_t size;
	int prot;
};

struct rec_iommu {
	struct device hwdev;
	struct iommu_device iommu;
	int def_type;
	bool deferred_flush;
	int fail_attach;		/* an attach fails with this ... */
	unsigned int fail_attach_skip;	/* ... after this many succeed */
	unsigned int attach_calls;
	struct iommu_domain *last_attach;	/* of the last attach call */
};

struct rec_domain {
	struct iommu_domain domain;
	struct rec_iommu *r;
	struct rec_entry map[REC_MAX_MAP];
	unsigned int nr_map;
	struct rec_call maps[REC_MAX_LOG], unmaps[REC_MAX_LOG];
	unsigned int nr_maps, nr_unmaps;
	long fail_map_after;		/* > 0: that page fails */
	int fail_sync_map;
	unsigned int syncs, sync_maps, flush_alls;
	unsigned long last_sync_start, last_sync_end;
	bool freed;
};

static struct rec_domain *to_rec(struct iommu_domain *d)
{
	return container_of(d, struct rec_domain, domain);
}

static int rec_attach(struct iommu_domain *domain, struct device *dev)
{
	struct rec_iommu *r = container_of(dev->iommu->iommu_dev,
					   struct rec_iommu, iommu);
	int err = r->fail_attach;

	r->attach_calls++;
	r->last_attach = domain;
	if (!err)
		return 0;
	if (r->fail_attach_skip) {
		r->fail_attach_skip--;
		return 0;
	}
	r->fail_attach = 0;
	return err;
}

static int rec_map_pages(struct iommu_domain *domain, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, size_t *mapped)
{
	struct rec_domain *rd = to_rec(domain);

	if (rd->nr_maps < REC_MAX_LOG)
		rd->maps[rd->nr_maps++] = (struct rec_call){ iova, paddr, pgsize,
							     pgcount, prot };
	for (size_t i = 0; i < pgcount; i++) {
		unsigned long va = iova + i * pgsize;

		if (rd->fail_map_after > 0 && --rd->fail_map_after == 0)
			return -ENOMEM;
		for (unsigned int j = 0; j < rd->nr_map; j++)
			if (va < rd->map[j].iova + rd->map[j].size &&
			    rd->map[j].iova < va + pgsize)
				return -EEXIST;
		if (rd->nr_map == REC_MAX_MAP)
			return -ENOMEM;
		rd->map[rd->nr_map++] = (struct rec_entry){
			va, paddr + i * pgsize, pgsize, prot };
		*mapped += pgsize;
	}
	return 0;
}

static size_t rec_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather)
{
	struct rec_domain *rd = to_rec(domain);
	size_t done = 0;

	if (rd->nr_unmaps < REC_MAX_LOG)
		rd->unmaps[rd->nr_unmaps++] = (struct rec_call){ iova, 0, pgsize,
								 pgcount, 0 };
	/* Like an LPAE table, a page of pgsize takes every smaller leaf under
	 * it with it; a hole or a bigger leaf around it stops the unmap. */
	for (size_t i = 0; i < pgcount; i++) {
		unsigned long va = iova + i * pgsize;
		bool found = false;

		for (unsigned int j = 0; j < rd->nr_map; j++) {
			struct rec_entry *e = &rd->map[j];

			if (e->iova + e->size <= va || e->iova >= va + pgsize)
				continue;
			if (e->iova < va || e->iova + e->size > va + pgsize)
				return done;
		}
		for (unsigned int j = 0; j < rd->nr_map;) {
			struct rec_entry *e = &rd->map[j];

			if (e->iova >= va && e->iova + e->size <= va + pgsize) {
				*e = rd->map[--rd->nr_map];
				found = true;
			} else {
				j++;
			}
		}
		if (!found)
			break;
		if (va < gather->start)
			gather->start = va;
		if (va + pgsize - 1 > gather->end)
			gather->end = va + pgsize - 1;
		done += pgsize;
	}
	return done;
}

static phys_addr_t rec_iova_to_phys(struct iommu_domain *domain,
				    dma_addr_t iova)
{
	struct rec_domain *rd = to_rec(domain);

	for (unsigned int j = 0; j < rd->nr_map; j++)
		if (iova >= rd->map[j].iova &&
		    iova - rd->map[j].iova < rd->map[j].size)
			return rd->map[j].paddr + (iova - rd->map[j].iova);
	return 0;
}

static void rec_iotlb_sync(struct iommu_domain *domain,
			   struct iommu_iotlb_gather *gather)
{
	struct rec_domain *rd = to_rec(domain);

	rd->syncs++;
	rd->last_sync_start = gather->start;
	rd->last_sync_end = gather->end;
}

static int rec_iotlb_sync_map(struct iommu_domain *domain, unsigned long iova,
			      size_t size)
{
	struct rec_domain *rd = to_rec(domain);
	int err = rd->fail_sync_map;

	(void)iova;
	(void)size;
	rd->sync_maps++;
	rd->fail_sync_map = 0;
	return err;
}

static void rec_flush_all(struct iommu_domain *domain)
{
	to_rec(domain)->flush_alls++;
}

static void rec_free(struct iommu_domain *domain)
{
	kfree(to_rec(domain));
}

static const struct iommu_domain_ops rec_paging_ops = {
	.attach_dev = rec_attach,
	.map_pages = rec_map_pages,
	.unmap_pages = rec_unmap_pages,
	.flush_iotlb_all = rec_flush_all,
	.iotlb_sync_map = rec_iotlb_sync_map,
	.iotlb_sync = rec_iotlb_sync,
	.iova_to_phys = rec_iova_to_phys,
	.free = rec_free,
};

static const struct iommu_domain_ops rec_static_ops = {
	.attach_dev = rec_attach,
};

static const struct iommu_ops rec_ops;
static struct iommu_domain rec_identity = {
	.type = IOMMU_DOMAIN_IDENTITY, .ops = &rec_static_ops, .owner = &rec_ops,
};
static struct iommu_domain rec_blocked = {
	.type = IOMMU_DOMAIN_BLOCKED, .ops = &rec_static_ops, .owner = &rec_ops,
};

static struct iommu_domain *rec_alloc_paging(struct device *dev, u32 flags,
					     const struct iommu_user_data *ud)
{
	struct rec_domain *rd;

	if (flags & ~IOMMU_HWPT_ALLOC_NEST_PARENT || ud)
		return ERR_PTR(-EOPNOTSUPP);
	rd = kzalloc(dev->k, sizeof(*rd));
	if (!rd)
		return ERR_PTR(-ENOMEM);
	rd->r = container_of(dev->iommu->iommu_dev, struct rec_iommu, iommu);
	rd->domain.geometry.aperture_end = (1UL << 48) - 1;
	rd->domain.geometry.force_aperture = true;
	return &rd->domain;
}

static struct iommu_device *rec_probe(struct device *dev)
{
	struct iommu_device *iommu;

	list_for_each_entry(iommu, &dev->k->iommu_devices, list)
		if (iommu->fwnode == dev->iommu->fwspec->iommu_fwnode)
			return iommu;
	return ERR_PTR(-ENODEV);
}

/* Devices whose first StreamID matches share a group. */
static struct iommu_group *rec_device_group(struct device *dev)
{
	struct device *other;

	list_for_each_entry(other, &dev->k->devices, node)
		if (other != dev && other->iommu_group &&
		    other->iommu->iommu_dev == dev->iommu->iommu_dev &&
		    other->iommu->fwspec->ids[0] == dev->iommu->fwspec->ids[0])
			return iommu_group_ref_get(other->iommu_group);
	return generic_device_group(dev);
}

static bool rec_capable(struct device *dev, enum iommu_cap cap)
{
	struct rec_iommu *r = container_of(dev->iommu->iommu_dev,
					   struct rec_iommu, iommu);

	return cap == IOMMU_CAP_DEFERRED_FLUSH && r->deferred_flush;
}

static int rec_def_domain_type(struct device *dev)
{
	return container_of(dev->iommu->iommu_dev, struct rec_iommu,
			    iommu)->def_type;
}

static const struct iommu_ops rec_ops = {
	.capable = rec_capable,
	.domain_alloc_paging_flags = rec_alloc_paging,
	.probe_device = rec_probe,
	.device_group = rec_device_group,
	.def_domain_type = rec_def_domain_type,
	.default_domain_ops = &rec_paging_ops,
	.pgsize_bitmap = (1UL << 12) | (1UL << 21) | (1UL << 30),
	.identity_domain = &rec_identity,
	.blocked_domain = &rec_blocked,
};

static struct rec_iommu *rec_create(struct kernel *k)
{
	struct rec_iommu *r = kzalloc(k, sizeof(*r));

	if (!r)
		return NULL;
	device_initialize(&r->hwdev, k, "rec-iommu");
	device_add(&r->hwdev);
	if (iommu_device_register(&r->iommu, &rec_ops, &r->hwdev)) {
		device_del(&r->hwdev);
		kfree(r);
		return NULL;
	}
	return r;
}

static void rec_destroy(struct rec_iommu *r)
{
	iommu_device_unregister(&r->iommu);
	device_del(&r->hwdev);
	kfree(r);
}

static struct device *rec_add_device(struct rec_iommu *r, const char *name,
				     u32 sid)
{
	struct device *dev = device_create(r->hwdev.k, name);

	if (!dev)
		return NULL;
	if (iommu_fwspec_init(dev, dev_fwnode(&r->hwdev)) ||
	    iommu_fwspec_add_ids(dev, &sid, 1) || device_add(dev)) {
		device_destroy(dev);
		return NULL;
	}
	return dev;
}

#endif
