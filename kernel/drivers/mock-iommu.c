// SPDX-License-Identifier: MIT
/*
 * The mock IOMMU driver: see mock-iommu.h.  Shaped like a small
 * arm-smmu-v3.c: probe_device keeps a per-master record, device_group
 * aliases masters sharing a StreamID, identity and blocked domains are
 * driver-wide constants, paging domains own an io-pgtable, nested domains
 * point at their stage-2 parent.  Each instance belongs to one kernel and
 * refuses domains of another instance, as SMMU drivers refuse a domain
 * made for a different SMMU.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/drivers/mock-iommu-priv.h"

static const struct iommu_ops mock_ops;

bool mock_is_domain(struct iommu_domain *domain)
{
	return !IS_ERR_OR_NULL(domain) && domain->owner == &mock_ops &&
	       (domain->type & (__IOMMU_DOMAIN_PAGING | __IOMMU_DOMAIN_NESTED));
}

/* ------------------------------------------------------ static domains */

static int mock_attach_common(struct iommu_domain *domain, struct device *dev)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct mock_iommu *m;
	int err;

	if (!master)
		return -ENODEV;
	m = master->m;
	mutex_lock(&m->lock);
	err = m->fail_attach;
	m->fail_attach = 0;
	mutex_unlock(&m->lock);
	if (err)
		return err;
	if (is_mock_domain(domain) && to_mock_domain(domain)->m != m)
		return -EINVAL;	/* made for another instance */
	master->domain = domain;
	return 0;
}

static const struct iommu_domain_ops mock_static_ops = {
	.attach_dev = mock_attach_common,
};

/*
 * Driver-wide like Linux's static identity/blocked domains, and constants:
 * every instance of every kernel in the process shares them, and nothing
 * writes them (the core neither initialises nor frees a static domain, k
 * stays NULL).  iommu_ops hands them out as Linux's does, non-const; a
 * write through that pointer would fault on read-only memory.
 */
static const struct iommu_domain mock_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &mock_static_ops,
	.owner = &mock_ops,
};

static const struct iommu_domain mock_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &mock_static_ops,
	.owner = &mock_ops,
};

/* -------------------------------------------------------- paging domains */

static void mock_stat(struct mock_domain *md, unsigned long *counter)
{
	spin_lock(&md->stats_lock);
	(*counter)++;
	spin_unlock(&md->stats_lock);
}

/* io-pgtable's TLB callbacks: count, and widen the gather as SMMUv3 does. */
static void mock_tlb_flush_all(void *cookie)
{
	struct mock_domain *md = cookie;

	mock_stat(md, &md->stats.flush_all);
}

static void mock_tlb_flush_walk(unsigned long iova, size_t size,
				size_t granule, void *cookie)
{
	struct mock_domain *md = cookie;

	(void)iova;
	(void)size;
	(void)granule;
	mock_stat(md, &md->stats.flush_walk);
}

static void mock_tlb_add_page(struct iommu_iotlb_gather *gather,
			      unsigned long iova, size_t granule, void *cookie)
{
	struct mock_domain *md = cookie;

	mock_stat(md, &md->stats.add_page);
	if (iova < gather->start)
		gather->start = iova;
	if (iova + granule - 1 > gather->end)
		gather->end = iova + granule - 1;
	gather->pgsize = granule;
}

static const struct iommu_flush_ops mock_flush_ops = {
	.tlb_flush_all = mock_tlb_flush_all,
	.tlb_flush_walk = mock_tlb_flush_walk,
	.tlb_add_page = mock_tlb_add_page,
};

static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, size_t *mapped)
{
	struct io_pgtable_ops *ops = to_mock_domain(domain)->pgtbl_ops;

	return ops->map_pages(ops, iova, paddr, pgsize, pgcount, prot, mapped);
}

static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct io_pgtable_ops *ops = to_mock_domain(domain)->pgtbl_ops;

	return ops->unmap_pages(ops, iova, pgsize, pgcount, gather);
}

static phys_addr_t mock_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct io_pgtable_ops *ops = to_mock_domain(domain)->pgtbl_ops;

	return ops->iova_to_phys(ops, iova);
}

static void mock_flush_iotlb_all(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	mock_stat(md, &md->stats.flush_all);
}

static int mock_iotlb_sync_map(struct iommu_domain *domain, unsigned long iova,
			       size_t size)
{
	struct mock_domain *md = to_mock_domain(domain);

	(void)iova;
	(void)size;
	mock_stat(md, &md->stats.sync_map);
	return 0;
}

/* Nothing gathered, nothing to invalidate (arm_smmu_iotlb_sync's rule). */
static void mock_iotlb_sync(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);

	if (!gather->pgsize)
		return;
	spin_lock(&md->stats_lock);
	md->stats.iotlb_sync++;
	md->stats.last_sync_start = gather->start;
	md->stats.last_sync_end = gather->end;
	spin_unlock(&md->stats_lock);
}

static void mock_paging_free(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	/* iommufd keeps a parent alive while nested domains use it. */
	if (KWARN_ON(md->k, md->nested_users))
		return;
	free_io_pgtable_ops(md->pgtbl_ops);
	kfree(md);
}

static const struct iommu_domain_ops mock_paging_ops = {
	.attach_dev = mock_attach_common,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.flush_iotlb_all = mock_flush_iotlb_all,
	.iotlb_sync_map = mock_iotlb_sync_map,
	.iotlb_sync = mock_iotlb_sync,
	.iova_to_phys = mock_iova_to_phys,
	.free = mock_paging_free,
};

static struct iommu_domain *
mock_domain_alloc_paging_flags(struct device *dev, u32 flags,
			       const struct iommu_user_data *user_data)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct mock_domain *md;

	if (user_data || (flags & ~IOMMU_HWPT_ALLOC_NEST_PARENT))
		return ERR_PTR(-EOPNOTSUPP);
	md = kzalloc(dev->k, sizeof(*md));
	if (!md)
		return ERR_PTR(-ENOMEM);
	md->m = master->m;
	md->k = dev->k;
	spin_lock_init(&md->stats_lock);
	md->nest_parent = flags & IOMMU_HWPT_ALLOC_NEST_PARENT;
	/* A nest parent is the stage 2 under a guest's stage 1. */
	md->fmt = md->nest_parent ? ARM_64_LPAE_S2 : ARM_64_LPAE_S1;
	md->cfg = (struct io_pgtable_cfg){
		.pgsize_bitmap = mock_ops.pgsize_bitmap,
		.ias = MOCK_IAS,
		.oas = MOCK_OAS,
		.coherent_walk = true,
		.tlb = &mock_flush_ops,
		.k = dev->k,
	};
	md->pgtbl_ops = alloc_io_pgtable_ops(md->fmt, &md->cfg, md);
	if (!md->pgtbl_ops) {
		kfree(md);
		return ERR_PTR(-ENOMEM);
	}
	md->domain.ops = &mock_paging_ops;
	md->domain.pgsize_bitmap = md->cfg.pgsize_bitmap;
	md->domain.geometry.aperture_start = 0;
	md->domain.geometry.aperture_end = (1ULL << md->cfg.ias) - 1;
	md->domain.geometry.force_aperture = true;
	return &md->domain;
}

/* -------------------------------------------------------- nested domains */

static void mock_nested_unlink(struct iommu_domain *domain)
{
	to_mock_domain(domain)->parent->nested_users--;
}

static void mock_nested_free(struct iommu_domain *domain)
{
	mock_nested_unlink(domain);
	kfree(to_mock_domain(domain));
}

/* Doorbells for a nested domain go into its stage-2 parent. */
static struct iommu_domain *mock_nested_msi_mapping_domain(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	if (md->m->nested_hides_msi_parent)
		return NULL;
	return &md->parent->domain;
}

static const struct iommu_domain_ops mock_nested_ops = {
	.attach_dev = mock_attach_common,
	.get_msi_mapping_domain = mock_nested_msi_mapping_domain,
	.cache_invalidate_user = mock_nested_cache_invalidate_user,
	.free = mock_nested_free,
};

/* Copies a user blob as iommu_copy_struct_from_user() does: the type must
 * match, it must reach the last known field, extra bytes must be zero. */
static int mock_copy_user_data(const struct iommu_user_data *user_data,
			       struct iommu_hwpt_mock_nested *out)
{
	const u8 *p;

	if (!user_data || !user_data->uptr)
		return -EINVAL;
	if (user_data->type != IOMMU_HWPT_DATA_MOCK)
		return -EOPNOTSUPP;
	if (user_data->len < sizeof(*out))
		return -EINVAL;
	p = user_data->uptr;
	for (size_t i = sizeof(*out); i < user_data->len; i++)
		if (p[i])
			return -E2BIG;
	memcpy(out, p, sizeof(*out));
	if (out->__reserved || out->config > MOCK_S1_TRANSLATE)
		return -EINVAL;
	return 0;
}

static struct iommu_domain *
mock_domain_alloc_nested(struct device *dev, struct iommu_domain *parent,
			 u32 flags, const struct iommu_user_data *user_data)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct iommu_hwpt_mock_nested s1;
	struct mock_domain *pd;
	int ret;

	if (flags)
		return ERR_PTR(-EOPNOTSUPP);
	if (!is_mock_domain(parent) || !(parent->type & __IOMMU_DOMAIN_PAGING))
		return ERR_PTR(-EINVAL);
	pd = to_mock_domain(parent);
	if (!pd->nest_parent || pd->m != master->m)
		return ERR_PTR(-EINVAL);
	ret = mock_copy_user_data(user_data, &s1);
	if (ret)
		return ERR_PTR(ret);
	return mock_nested_create(master->m, dev->k, pd, &s1);
}

struct iommu_domain *mock_nested_create(struct mock_iommu *m, struct kernel *k,
					struct mock_domain *pd,
					const struct iommu_hwpt_mock_nested *s1)
{
	struct mock_domain *md = kzalloc(k, sizeof(*md));

	if (!md)
		return ERR_PTR(-ENOMEM);
	md->m = m;
	md->k = k;
	md->parent = pd;
	pd->nested_users++;
	spin_lock_init(&md->stats_lock);
	md->s1 = *s1;
	md->domain.type = IOMMU_DOMAIN_NESTED;
	md->domain.ops = &mock_nested_ops;
	return &md->domain;
}

/* ------------------------------------------------------------ device ops */

static struct mock_iommu *mock_from_dev(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct iommu_device *iommu;

	list_for_each_entry(iommu, &dev->k->iommu_devices, list)
		if (fwspec && iommu->ops == &mock_ops &&
		    iommu->fwnode == fwspec->iommu_fwnode)
			return container_of(iommu, struct mock_iommu, iommu);
	return NULL;
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct mock_iommu *m = mock_from_dev(dev);
	struct mock_master *master;

	if (!m || !fwspec || !fwspec->num_ids)
		return ERR_PTR(-ENODEV);
	master = kzalloc(dev->k, sizeof(*master));
	if (!master)
		return ERR_PTR(-ENOMEM);
	master->m = m;
	master->dev = dev;
	dev_iommu_priv_set(dev, master);
	return &m->iommu;
}

static void mock_release_device(struct device *dev)
{
	kfree(dev_iommu_priv_get(dev));
	dev_iommu_priv_set(dev, NULL);
}

static bool mock_shares_sid(struct iommu_fwspec *a, struct iommu_fwspec *b)
{
	for (unsigned int i = 0; i < a->num_ids; i++)
		for (unsigned int j = 0; j < b->num_ids; j++)
			if (a->ids[i] == b->ids[j])
				return true;
	return false;
}

/* Called with the probe lock (k->lock) held: the device list is stable. */
static struct iommu_group *mock_device_group(struct device *dev)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct device *other;

	lockdep_assert_held(&dev->k->lock);
	list_for_each_entry(other, &dev->k->devices, node) {
		struct mock_master *om = dev_iommu_priv_get(other);

		if (other == dev || !om || om->m != master->m ||
		    !other->iommu_group)
			continue;
		if (mock_shares_sid(dev_iommu_fwspec_get(dev),
				    dev_iommu_fwspec_get(other)))
			return iommu_group_ref_get(other->iommu_group);
	}
	return generic_device_group(dev);
}

static bool mock_capable(struct device *dev, enum iommu_cap cap)
{
	struct mock_master *master = dev_iommu_priv_get(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
	case IOMMU_CAP_NOEXEC:
		return true;
	case IOMMU_CAP_DEFERRED_FLUSH:
		return master && !master->m->no_deferred_flush;
	default:
		return false;
	}
}

static int mock_def_domain_type(struct device *dev)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct mock_iommu *m = master->m;
	int type = 0;

	mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr_def_type && !type; i++)
		for (unsigned int j = 0; j < fwspec->num_ids; j++)
			if (m->def_type[i].sid == fwspec->ids[j])
				type = m->def_type[i].type;
	mutex_unlock(&m->lock);
	return type;
}

static void mock_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct mock_master *master = dev_iommu_priv_get(dev);
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct iommu_resv_region *region;
	struct mock_iommu *m = master->m;

	/* Where SMMUv3 hosts map MSI doorbells: write-only device memory. */
	region = m->no_sw_msi ? NULL :
		 iommu_alloc_resv_region(dev->k, MOCK_MSI_IOVA_BASE,
					 MOCK_MSI_IOVA_LENGTH,
					 IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
					 IOMMU_RESV_SW_MSI);
	if (region)
		list_add_tail(&region->list, head);
	else if (!m->no_sw_msi)
		return;

	/* Firmware's per-StreamID regions, like IORT RMR nodes. */
	mutex_lock(&m->lock);
	for (unsigned int i = 0; i < m->nr_resv; i++) {
		struct mock_fw_resv *r = &m->resv[i];
		bool match = false;

		for (unsigned int j = 0; j < fwspec->num_ids; j++)
			match |= fwspec->ids[j] == r->sid;
		if (!match)
			continue;
		region = iommu_alloc_resv_region(dev->k, r->start, r->length,
						 r->prot, r->type);
		if (!region)
			break;
		list_add_tail(&region->list, head);
	}
	mutex_unlock(&m->lock);
}

static const struct iommu_ops mock_ops = {
	.capable = mock_capable,
	.domain_alloc_paging_flags = mock_domain_alloc_paging_flags,
	.domain_alloc_nested = mock_domain_alloc_nested,
	.probe_device = mock_probe_device,
	.release_device = mock_release_device,
	.device_group = mock_device_group,
	.get_resv_regions = mock_get_resv_regions,
	.hw_info = mock_hw_info,
	.viommu_alloc = mock_viommu_alloc,
	.def_domain_type = mock_def_domain_type,
	.default_domain_ops = &mock_paging_ops,
	.pgsize_bitmap = (1UL << 12) | (1UL << 21) | (1UL << 30),
	.identity_domain = (struct iommu_domain *)&mock_identity_domain,
	.blocked_domain = (struct iommu_domain *)&mock_blocked_domain,
};

/* ------------------------------------------------------------- instance */

struct mock_iommu *mock_iommu_create(struct kernel *k, const char *name)
{
	struct mock_iommu *m;
	int ret;

	if (!k)
		return NULL;
	m = kzalloc(k, sizeof(*m));
	if (!m)
		return NULL;
	m->k = k;
	mutex_init(&m->lock);
	device_initialize(&m->hwdev, k, name ? name : "mock-iommu");
	ret = device_add(&m->hwdev);
	if (!ret)
		ret = iommu_device_register(&m->iommu, &mock_ops, &m->hwdev);
	if (ret) {
		device_del(&m->hwdev);
		mutex_destroy(&m->lock);
		kfree(m);
		return NULL;
	}
	return m;
}

void mock_iommu_destroy(struct mock_iommu *m)
{
	if (!m)
		return;
	iommu_device_unregister(&m->iommu);
	device_del(&m->hwdev);
	mutex_destroy(&m->lock);
	kfree(m);
}

struct fwnode_handle *mock_iommu_fwnode(struct mock_iommu *m)
{
	return dev_fwnode(&m->hwdev);
}

int mock_iommu_add_resv_region(struct mock_iommu *m, u32 sid,
			       phys_addr_t start, size_t length, int prot,
			       enum iommu_resv_type type)
{
	int ret = 0;

	if (!length || start + length - 1 < start || type > IOMMU_RESV_SW_MSI)
		return -EINVAL;
	mutex_lock(&m->lock);
	if (m->nr_resv == MOCK_MAX_FW)
		ret = -ENOSPC;
	else
		m->resv[m->nr_resv++] = (struct mock_fw_resv){
			sid, start, length, prot, type };
	mutex_unlock(&m->lock);
	return ret;
}

int mock_iommu_set_def_domain_type(struct mock_iommu *m, u32 sid, int type)
{
	int ret = 0;

	if (type != 0 && type != IOMMU_DOMAIN_IDENTITY &&
	    type != IOMMU_DOMAIN_DMA)
		return -EINVAL;
	mutex_lock(&m->lock);
	if (m->nr_def_type == MOCK_MAX_FW) {
		ret = -ENOSPC;
	} else {
		m->def_type[m->nr_def_type].sid = sid;
		m->def_type[m->nr_def_type++].type = type;
	}
	mutex_unlock(&m->lock);
	return ret;
}

void mock_iommu_set_deferred_flush(struct mock_iommu *m, bool supported)
{
	m->no_deferred_flush = !supported;
}

void mock_iommu_set_sw_msi(struct mock_iommu *m, bool reports)
{
	m->no_sw_msi = !reports;
}

void mock_iommu_set_nested_msi_parent(struct mock_iommu *m, bool reports)
{
	m->nested_hides_msi_parent = !reports;
}

void mock_iommu_fail_next_attach(struct mock_iommu *m, int err)
{
	mutex_lock(&m->lock);
	m->fail_attach = err;
	mutex_unlock(&m->lock);
}

struct device *mock_iommu_add_device(struct mock_iommu *m, const char *name,
				     const u32 *sids, int num_sids)
{
	struct device *dev = device_create(m->k, name);

	if (!dev)
		return NULL;
	if (iommu_fwspec_init(dev, mock_iommu_fwnode(m)) ||
	    iommu_fwspec_add_ids(dev, sids, num_sids) || device_add(dev)) {
		device_destroy(dev);
		return NULL;
	}
	return dev;
}

/* ------------------------------------------------------- test accessors */

int mock_domain_tlb_stats(struct iommu_domain *domain,
			  struct mock_tlb_stats *stats)
{
	struct mock_domain *md;

	if (!is_mock_domain(domain))
		return -EINVAL;
	md = to_mock_domain(domain);
	spin_lock(&md->stats_lock);
	*stats = md->stats;
	spin_unlock(&md->stats_lock);
	return 0;
}

int mock_domain_fmt(struct iommu_domain *domain)
{
	if (!is_mock_domain(domain) || !(domain->type & __IOMMU_DOMAIN_PAGING))
		return -EINVAL;
	return (int)to_mock_domain(domain)->fmt;
}

struct iommu_domain *mock_nested_parent(struct iommu_domain *domain)
{
	if (!is_mock_domain(domain) || domain->type != IOMMU_DOMAIN_NESTED)
		return NULL;
	return &to_mock_domain(domain)->parent->domain;
}

int mock_nested_config(struct iommu_domain *domain,
		       struct iommu_hwpt_mock_nested *cfg)
{
	if (!is_mock_domain(domain) || domain->type != IOMMU_DOMAIN_NESTED)
		return -EINVAL;
	*cfg = to_mock_domain(domain)->s1;
	return 0;
}

struct iommu_domain *mock_iommu_attached_domain(struct device *dev)
{
	struct mock_master *master;

	if (!dev_has_iommu(dev) || dev_iommu_ops(dev) != &mock_ops)
		return NULL;
	master = dev_iommu_priv_get(dev);
	return master ? master->domain : NULL;
}

static int mock_translate_paging(struct mock_domain *md, dma_addr_t iova,
				 phys_addr_t *pa)
{
	phys_addr_t phys;

	if (iova < md->domain.geometry.aperture_start ||
	    iova > md->domain.geometry.aperture_end)
		return -EFAULT;
	phys = iommu_iova_to_phys(&md->domain, iova);
	if (!phys)
		return -EFAULT;
	*pa = phys;
	return 0;
}

int mock_iommu_translate(struct device *dev, dma_addr_t iova, phys_addr_t *pa)
{
	struct iommu_domain *domain = mock_iommu_attached_domain(dev);
	struct mock_domain *md;

	if (!domain || !pa)
		return -ENODEV;
	switch (domain->type) {
	case IOMMU_DOMAIN_BLOCKED:
		return -EFAULT;
	case IOMMU_DOMAIN_IDENTITY:
		*pa = iova;
		return 0;
	case IOMMU_DOMAIN_NESTED:
		md = to_mock_domain(domain);
		if (md->s1.config == MOCK_S1_ABORT)
			return -EFAULT;
		if (md->s1.config == MOCK_S1_TRANSLATE)
			return -EOPNOTSUPP;
		return mock_translate_paging(md->parent, iova, pa);
	default:
		return mock_translate_paging(to_mock_domain(domain), iova, pa);
	}
}
