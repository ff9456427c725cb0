// SPDX-License-Identifier: MIT
/*
 * The iommufd selftest's mock IOMMU driver (see iommufd-selftest.h),
 * modelled on Linux's drivers/iommu/iommufd/selftest.c (6.12 and mainline
 * read): what its iommu_ops and domain ops answer, errno for errno.
 *
 * A paging domain is a table of 2 KiB IO pages over the aperture
 * [MOCK_APERTURE_START, MOCK_APERTURE_LAST], two levels of 1024 entries
 * (Linux uses an xarray).  Each entry holds the PA's IO-page number and
 * the flags Linux keeps beside it: the first and last page of each
 * map_pages call (an unmap must cover whole maps), huge (mapped as
 * MOCK_HUGE_PAGE_SIZE) and dirty (set by IOMMU_TEST_OP_DIRTY, as a device
 * write would, read by the dirty ops).
 *
 * Deliberate differences from Linux: a mock device's default domain is the
 * driver's identity domain (Linux's is its blocking domain, which our core
 * cannot ask for through def_domain_type: IOMMU_DOMAIN_BLOCKED is 0 there
 * too); nothing reaches a mock device's DMA, so neither is observable.
 * Devices get a fwspec naming the mock IOMMU (Linux uses a bus of its own).
 */
#include <stdio.h>
#include <string.h>

#include "include/uapi/linux/iommufd_test.h"
#include "kernel/device.h"
#include "kernel/drivers/iommufd-selftest-priv.h"
#include "kernel/iommufd/iommufd.h"

#define ENT_VALID	(1ULL << 63)
#define ENT_START	(1ULL << 62)	/* first IO page of a map_pages call */
#define ENT_LAST	(1ULL << 61)	/* last one */
#define ENT_DIRTY	(1ULL << 60)
#define ENT_HUGE	(1ULL << 59)
#define ENT_PFN		((1ULL << 52) - 1)

static const struct iommu_ops selftest_ops;
static const struct iommu_domain_ops selftest_paging_ops;
static const struct iommu_dirty_ops selftest_dirty_ops;


bool selftest_is_paging_domain(struct iommu_domain *d)
{
	return !IS_ERR_OR_NULL(d) && d->ops == &selftest_paging_ops;
}

bool selftest_is_nested_domain(struct iommu_domain *d)
{
	return !IS_ERR_OR_NULL(d) && d->ops == &selftest_nested_ops;
}

/* ------------------------------------------------------------ the table */

/* The entry of iova, allocating its leaf when alloc (lock held). */
static u64 *md_entry(struct mock_domain *md, unsigned long iova, bool alloc)
{
	unsigned long idx = iova / MOCK_IO_PAGE_SIZE;
	unsigned long top = idx >> LEAF_BITS;

	if (top >= TOP_ENTRIES)
		return NULL;
	if (!md->top[top]) {
		if (!alloc)
			return NULL;
		md->top[top] = kzalloc(md->k, LEAF_ENTRIES * sizeof(u64));
		if (!md->top[top])
			return NULL;
	}
	return &md->top[top][idx & (LEAF_ENTRIES - 1)];
}

static int md_map_pages(struct iommu_domain *d, unsigned long iova,
			phys_addr_t paddr, size_t pgsize, size_t pgcount,
			int prot, size_t *mapped)
{
	struct mock_domain *md = to_md(d);
	size_t total = pgsize * pgcount, done;
	u64 flags = ENT_START;
	int ret = 0;

	(void)prot;
	if (KWARN_ON(md->k, iova % MOCK_IO_PAGE_SIZE || pgsize % MOCK_IO_PAGE_SIZE))
		return -EINVAL;
	spin_lock(&md->lock);
	for (done = 0; done < total; done += MOCK_IO_PAGE_SIZE) {
		u64 *ent = md_entry(md, iova + done, true);

		if (!ent) {
			ret = -ENOMEM;
			break;
		}
		KWARN_ON(md->k, *ent);
		if (done + MOCK_IO_PAGE_SIZE == total)
			flags |= ENT_LAST;
		if (pgsize != MOCK_IO_PAGE_SIZE)
			flags |= ENT_HUGE;
		*ent = ENT_VALID | flags | ((paddr + done) / MOCK_IO_PAGE_SIZE);
		flags = 0;
	}
	if (ret)	/* undo this call, as Linux's erase loop */
		while (done) {
			done -= MOCK_IO_PAGE_SIZE;
			*md_entry(md, iova + done, false) = 0;
		}
	else
		*mapped += total;
	spin_unlock(&md->lock);
	return ret;
}

static size_t md_unmap_pages(struct iommu_domain *d, unsigned long iova,
			     size_t pgsize, size_t pgcount,
			     struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_md(d);
	size_t total = pgsize * pgcount, done;
	/* With huge pages the core may split one map into several unmaps. */
	bool check = !(d->pgsize_bitmap & MOCK_HUGE_PAGE_SIZE);

	(void)gather;
	KWARN_ON(md->k, iova % MOCK_IO_PAGE_SIZE || pgsize % MOCK_IO_PAGE_SIZE);
	spin_lock(&md->lock);
	for (done = 0; done < total; done += MOCK_IO_PAGE_SIZE) {
		u64 *ent = md_entry(md, iova + done, false);
		u64 v = ent ? *ent : 0;

		/* iommufd unmaps exactly what it mapped, never a piece of it. */
		if (check && v && !done)
			KWARN_ON(md->k, !(v & ENT_START));
		if (check && v && done + MOCK_IO_PAGE_SIZE == total)
			KWARN_ON(md->k, !(v & ENT_LAST));
		if (ent)
			*ent = 0;
	}
	spin_unlock(&md->lock);
	return total;
}

int selftest_domain_lookup(struct iommu_domain *d, unsigned long iova,
			   phys_addr_t *pa)
{
	struct mock_domain *md = to_md(d);
	int ret = -ENOENT;
	u64 *ent;

	spin_lock(&md->lock);
	ent = md_entry(md, iova, false);
	if (ent && *ent) {
		*pa = (*ent & ENT_PFN) * MOCK_IO_PAGE_SIZE;
		ret = 0;
	}
	spin_unlock(&md->lock);
	return ret;
}

static phys_addr_t md_iova_to_phys(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = 0;

	if (selftest_domain_lookup(d, iova & ~(MOCK_IO_PAGE_SIZE - 1), &pa))
		return 0;
	return pa + (iova & (MOCK_IO_PAGE_SIZE - 1));
}

static void md_free(struct iommu_domain *d)
{
	struct mock_domain *md = to_md(d);
	bool empty = true;

	for (unsigned long t = 0; t < TOP_ENTRIES; t++) {
		if (!md->top[t])
			continue;
		for (unsigned int i = 0; i < LEAF_ENTRIES; i++)
			empty &= !md->top[t][i];
		kfree(md->top[t]);
	}
	KWARN_ON(md->k, !empty);	/* iommufd unmaps before it frees */
	kfree(md);
}

/* ------------------------------------------------------------ dirty */

bool selftest_domain_tracking(struct iommu_domain *d)
{
	struct mock_domain *md = to_md(d);
	bool on;

	spin_lock(&md->lock);
	on = md->tracking;
	spin_unlock(&md->lock);
	return on;
}

int selftest_domain_mark_dirty(struct iommu_domain *d, unsigned long iova)
{
	struct mock_domain *md = to_md(d);
	u64 *ent;
	int ret = 0;

	spin_lock(&md->lock);
	ent = md_entry(md, iova, false);
	if (ent && *ent) {
		*ent |= ENT_DIRTY;
		ret = 1;
	}
	spin_unlock(&md->lock);
	return ret;
}

static int md_set_dirty_tracking(struct iommu_domain *d, bool enable)
{
	struct mock_domain *md = to_md(d);

	if (enable && !d->dirty_ops)
		return -EINVAL;
	spin_lock(&md->lock);
	md->tracking = enable;
	spin_unlock(&md->lock);
	return 0;
}

/* Whether any IO page of [head, head + size) is dirty; clears unless no_clear. */
static bool md_test_and_clear_dirty(struct mock_domain *md, unsigned long head,
				    size_t size, bool no_clear)
{
	bool dirty = false;

	for (unsigned long cur = head; cur < head + size; cur += MOCK_IO_PAGE_SIZE) {
		u64 *ent = md_entry(md, cur, false);

		if (!ent || !(*ent & ENT_DIRTY))
			continue;
		dirty = true;
		if (!no_clear)
			*ent &= ~ENT_DIRTY;
	}
	return dirty;
}

/* mock_domain_read_and_clear_dirty(): huge entries report the whole huge page. */
static int md_read_and_clear_dirty(struct iommu_domain *d, unsigned long iova,
				   size_t size, unsigned long flags,
				   struct iommu_dirty_bitmap *dirty)
{
	struct mock_domain *md = to_md(d);
	unsigned long end = iova + size;

	spin_lock(&md->lock);
	if (!md->tracking && dirty->bitmap) {
		spin_unlock(&md->lock);
		return -EINVAL;
	}
	do {
		unsigned long pgsize = MOCK_IO_PAGE_SIZE, head;
		u64 *ent = md_entry(md, iova, false);
		bool hit;

		if (!ent || !*ent) {
			iova += pgsize;
			continue;
		}
		if (*ent & ENT_HUGE)
			pgsize = MOCK_HUGE_PAGE_SIZE;
		head = iova & ~(pgsize - 1);
		hit = md_test_and_clear_dirty(md, head, pgsize,
					      flags & IOMMU_DIRTY_NO_CLEAR);
		if (hit)
			iommu_dirty_bitmap_record(dirty, iova, pgsize);
		iova += pgsize;
	} while (iova < end);
	spin_unlock(&md->lock);
	return 0;
}

static const struct iommu_dirty_ops selftest_dirty_ops = {
	.set_dirty_tracking = md_set_dirty_tracking,
	.read_and_clear_dirty = md_read_and_clear_dirty,
};

/* ------------------------------------------------------------ domains */

/*
 * mock_domain_nop_attach(): a dirty-tracking domain needs a device that
 * can; a nested domain made through a vIOMMU needs the device's vDEVICE.
 */
static int selftest_attach(struct iommu_domain *d, struct device *dev)
{
	struct mock_dev *mdev = to_mdev(dev);

	if (d->dirty_ops && (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY))
		return -EINVAL;
	return selftest_viommu_attach(mdev, d);
}

/*
 * mock_domain_set_dev_pasid_nop: nothing to program, except the replace
 * failure the selftest provokes on purpose - the second non-blocking
 * set of IOMMU_TEST_PASID_RESERVED fails -ENOMEM (so the core's rollback
 * to the old domain is exercised) and clears the flag again.
 */
int selftest_set_dev_pasid(struct iommu_domain *domain, struct device *dev,
			   ioasid_t pasid, struct iommu_domain *old)
{
	struct mock_dev *mdev = to_mdev(dev);

	(void)old;
	if (pasid != IOMMU_TEST_PASID_RESERVED)
		return 0;
	if (domain->type == IOMMU_DOMAIN_BLOCKED) {
		mdev->pasid_1024_fake_error = false;
	} else if (mdev->pasid_1024_fake_error) {
		mdev->pasid_1024_fake_error = false;
		return -ENOMEM;
	} else {
		mdev->pasid_1024_fake_error = true;
	}
	return 0;
}

static const struct iommu_domain_ops selftest_paging_ops = {
	.set_dev_pasid = selftest_set_dev_pasid,
	.attach_dev = selftest_attach,
	.map_pages = md_map_pages,
	.unmap_pages = md_unmap_pages,
	.iova_to_phys = md_iova_to_phys,
	.free = md_free,
};

static const struct iommu_domain_ops selftest_static_ops = {
	.attach_dev = selftest_attach,
};

static const struct iommu_domain selftest_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &selftest_static_ops,
	.owner = &selftest_ops,
};

static const struct iommu_domain_ops selftest_blocked_ops = {
	.attach_dev = selftest_attach,
	.set_dev_pasid = selftest_set_dev_pasid,
};

static const struct iommu_domain selftest_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &selftest_blocked_ops,
	.owner = &selftest_ops,
};

static struct iommu_domain *
selftest_alloc_paging_flags(struct device *dev, u32 flags,
			    const struct iommu_user_data *user_data)
{
	struct mock_dev *mdev = to_mdev(dev);
	bool dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct mock_domain *md;

	if (flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
		      IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_ALLOC_PASID))
		return ERR_PTR(-EOPNOTSUPP);
	if (user_data || (dirty && (mdev->flags & MOCK_FLAGS_DEVICE_NO_DIRTY)))
		return ERR_PTR(-EOPNOTSUPP);
	md = kzalloc(dev->k, sizeof(*md));
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->k = dev->k;
	spin_lock_init(&md->lock);
	md->domain.ops = &selftest_paging_ops;
	md->domain.geometry.aperture_start = MOCK_APERTURE_START;
	md->domain.geometry.aperture_end = MOCK_APERTURE_LAST;
	md->domain.geometry.force_aperture = true;
	md->domain.pgsize_bitmap = MOCK_IO_PAGE_SIZE;
	if (mdev->flags & MOCK_FLAGS_DEVICE_HUGE_IOVA)
		md->domain.pgsize_bitmap |= MOCK_HUGE_PAGE_SIZE;
	if (dirty)
		md->domain.dirty_ops = &selftest_dirty_ops;
	return &md->domain;
}

static void nested_free(struct iommu_domain *d)
{
	kfree(container_of(d, struct mock_nested, domain));
}

int selftest_nested_iotlb(struct iommu_domain *d, unsigned int id, u32 *val)
{
	if (id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX)
		return -EINVAL;
	*val = container_of(d, struct mock_nested, domain)->iotlb[id];
	return 0;
}

/* mock_domain_cache_invalidate_user(): zero one IOTLB entry, or all. */
static int nested_cache_invalidate(struct iommu_domain *d,
				   struct iommu_user_data_array *array)
{
	struct mock_nested *n = container_of(d, struct mock_nested, domain);
	struct iommu_hwpt_invalidate_selftest inv;
	u32 processed = 0;
	int rc = 0;

	if (array->type != IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
		rc = -EINVAL;
		goto out;
	}
	for (u32 i = 0; i < array->entry_num; i++) {
		rc = iommu_copy_struct_from_user_array(&inv, sizeof(inv),
				offsetof(struct iommu_hwpt_invalidate_selftest,
					 iotlb_id) + sizeof(inv.iotlb_id),
				array, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, i);
		if (rc)
			break;
		if (inv.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL) {
			rc = -EOPNOTSUPP;
			break;
		}
		if (inv.iotlb_id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) {
			rc = -EINVAL;
			break;
		}
		if (inv.flags & IOMMU_TEST_INVALIDATE_FLAG_ALL)
			memset(n->iotlb, 0, sizeof(n->iotlb));
		else
			n->iotlb[inv.iotlb_id] = 0;
		processed++;
	}
out:
	array->entry_num = processed;
	return rc;
}

const struct iommu_domain_ops selftest_nested_ops = {
	.attach_dev = selftest_attach,
	.set_dev_pasid = selftest_set_dev_pasid,
	.cache_invalidate_user = nested_cache_invalidate,
	.free = nested_free,
};

struct iommu_domain *selftest_nested_create(struct kernel *k,
					    struct mock_domain *parent,
					    const struct iommu_user_data *user_data)
{
	struct iommu_hwpt_selftest cfg;
	struct mock_nested *n;
	int rc;

	if (user_data->type != IOMMU_HWPT_DATA_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	rc = iommu_copy_struct_from_user(&cfg, sizeof(cfg), sizeof(cfg.iotlb),
					 user_data, IOMMU_HWPT_DATA_SELFTEST);
	if (rc)
		return ERR_PTR(rc);
	n = kzalloc(k, sizeof(*n));
	if (!n)
		return ERR_PTR(-ENOMEM);
	n->parent = parent;
	n->domain.ops = &selftest_nested_ops;
	n->domain.type = IOMMU_DOMAIN_NESTED;
	for (int i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		n->iotlb[i] = cfg.iotlb;
	return &n->domain;
}

static struct iommu_domain *
selftest_alloc_nested(struct device *dev, struct iommu_domain *parent,
		      u32 flags, const struct iommu_user_data *user_data)
{
	if (user_data->type != IOMMU_HWPT_DATA_SELFTEST ||
	    (flags & ~IOMMU_HWPT_ALLOC_PASID))
		return ERR_PTR(-EOPNOTSUPP);
	if (!selftest_is_paging_domain(parent))
		return ERR_PTR(-EINVAL);
	return selftest_nested_create(dev->k, to_md(parent), user_data);
}

/* ------------------------------------------------------------ device ops */

static void *selftest_hw_info(struct device *dev, u32 *length, u32 *type)
{
	struct iommu_test_hw_info *info;

	if (*type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    *type != IOMMU_HW_INFO_TYPE_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	info = kzalloc(dev->k, sizeof(*info));
	if (!info)
		return ERR_PTR(-ENOMEM);
	info->test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;
	*length = sizeof(*info);
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return info;
}

static bool selftest_capable(struct device *dev, enum iommu_cap cap)
{
	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return true;
	case IOMMU_CAP_DIRTY_TRACKING:
		return !(to_mdev(dev)->flags & MOCK_FLAGS_DEVICE_NO_DIRTY);
	default:
		return false;
	}
}

static struct selftest_iommu *st_from_dev(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct iommu_device *iommu;

	list_for_each_entry(iommu, &dev->k->iommu_devices, list)
		if (fwspec && iommu->ops == &selftest_ops &&
		    iommu->fwnode == fwspec->iommu_fwnode)
			return container_of(iommu, struct selftest_iommu, iommu);
	return NULL;
}

static struct iommu_device *selftest_probe_device(struct device *dev)
{
	struct selftest_iommu *st = st_from_dev(dev);
	struct mock_dev *mdev;

	if (!st)
		return ERR_PTR(-ENODEV);
	mdev = kzalloc(dev->k, sizeof(*mdev));
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	mdev->dev = dev;
	mdev->st = st;
	dev_iommu_priv_set(dev, mdev);
	return &st->iommu;
}

static void selftest_release_device(struct device *dev)
{
	kfree(dev_iommu_priv_get(dev));
	dev_iommu_priv_set(dev, NULL);
}

static int selftest_def_domain_type(struct device *dev)
{
	(void)dev;
	return IOMMU_DOMAIN_IDENTITY;	/* Linux: its blocking domain */
}

static const struct iommu_ops selftest_ops = {
	.capable = selftest_capable,
	.domain_alloc_paging_flags = selftest_alloc_paging_flags,
	.domain_alloc_nested = selftest_alloc_nested,
	.probe_device = selftest_probe_device,
	.release_device = selftest_release_device,
	.device_group = generic_device_group,
	.hw_info = selftest_hw_info,
	.viommu_alloc = selftest_viommu_alloc,
	.def_domain_type = selftest_def_domain_type,
	.default_domain_ops = &selftest_paging_ops,
	.pgsize_bitmap = MOCK_IO_PAGE_SIZE,
	.identity_domain = (struct iommu_domain *)&selftest_identity_domain,
	.blocked_domain = (struct iommu_domain *)&selftest_blocked_domain,
};

/* ------------------------------------------------------------ instance */

struct selftest_iommu *selftest_iommu_create(struct kernel *k)
{
	struct selftest_iommu *st;
	int ret;

	if (!k)
		return NULL;
	st = kzalloc(k, sizeof(*st));
	if (!st)
		return NULL;
	st->k = k;
	mutex_init(&st->lock);
	device_initialize(&st->hwdev, k, "iommufd_selftest_iommu");
	ret = device_add(&st->hwdev);
	if (!ret)
		ret = iommu_device_register(&st->iommu, &selftest_ops, &st->hwdev);
	if (ret) {
		device_del(&st->hwdev);
		mutex_destroy(&st->lock);
		kfree(st);
		return NULL;
	}
	return st;
}

void selftest_iommu_destroy(struct selftest_iommu *st)
{
	if (!st)
		return;
	iommu_device_unregister(&st->iommu);
	device_del(&st->hwdev);
	mutex_destroy(&st->lock);
	kfree(st);
}

struct selftest_iommu *selftest_iommu_find(struct kernel *k)
{
	struct iommu_device *iommu;

	list_for_each_entry(iommu, &k->iommu_devices, list)
		if (iommu->ops == &selftest_ops)
			return container_of(iommu, struct selftest_iommu, iommu);
	return NULL;
}

bool selftest_is_mock_dev(struct device *dev)
{
	return dev_has_iommu(dev) && dev_iommu_ops(dev) == &selftest_ops;
}

struct device *selftest_dev_create(struct selftest_iommu *st, u32 dev_flags)
{
	struct device *dev;
	u32 id;
	char name[32];

	if (dev_flags & ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_HUGE_IOVA |
			  MOCK_FLAGS_DEVICE_PASID))
		return ERR_PTR(-EINVAL);
	mutex_lock(&st->lock);
	id = st->next_dev++;
	mutex_unlock(&st->lock);
	snprintf(name, sizeof(name), "iommufd_mock%u", id);
	dev = device_create(st->k, name);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	if (iommu_fwspec_init(dev, dev_fwnode(&st->hwdev)) ||
	    iommu_fwspec_add_ids(dev, &id, 1) || device_add(dev) ||
	    !dev_has_iommu(dev)) {
		device_destroy(dev);
		return ERR_PTR(-ENOMEM);
	}
	/* Nothing looked at them yet: probing attached the identity domain. */
	to_mdev(dev)->flags = dev_flags;
	for (int i = 0; i < MOCK_DEV_CACHE_NUM; i++)
		to_mdev(dev)->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	/* Linux's mock gives a PASID device the "pasid-num-bits" property. */
	if (dev_flags & MOCK_FLAGS_DEVICE_PASID)
		dev->iommu->max_pasids = 1U << MOCK_PASID_WIDTH;
	return dev;
}

void selftest_dev_destroy(struct device *dev)
{
	device_destroy(dev);
}
