// SPDX-License-Identifier: MIT
/*
 * Domains of the SMMUv3 driver and attaching them:
 *
 *   blocked / identity   driver-wide static domains: abort / bypass STEs
 *   paging, stage 1      the default (DMA and UNMANAGED): an io-pgtable
 *                        ARM_64_LPAE_S1 table, an ASID, a CD per stream
 *   paging, stage 2      nest parents (and every paging domain of an SMMU
 *                        without stage 1): ARM_64_LPAE_S2, a VMID, VTTBR/VTCR
 *                        in the STE
 *   nested               the guest's vSTE words over a stage-2 parent,
 *                        validated as Linux's arm_smmu_validate_vste
 *
 * A paging domain is bound to the SMMU it was allocated for (Linux's
 * smmu_domain->smmu); attaching it to a device behind another is -EINVAL.
 * Freeing a domain that devices still use points them at abort STEs
 * first, so the SMMU never walks freed tables (the core frees a group's
 * default domain before it releases the last device).
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"
#include "kernel/iommufd/iommufd.h"

/* ----------------------------------------------------------- ASID / VMID */

int arm_smmu_alloc_id(struct arm_smmu_device *smmu, unsigned long *map,
		      unsigned int bits)
{
	const unsigned int bpl = 8 * sizeof(unsigned long);
	int id = -ENOSPC;

	mutex_lock(&smmu->ids_lock);
	/* 0 stays reserved: VMID 0 tags stage-1-only streams, ASID 0 none. */
	for (unsigned int i = 1; i < (1u << bits); i++) {
		if (!(map[i / bpl] & (1UL << (i % bpl)))) {
			map[i / bpl] |= 1UL << (i % bpl);
			id = (int)i;
			break;
		}
	}
	mutex_unlock(&smmu->ids_lock);
	return id;
}

void arm_smmu_free_id(struct arm_smmu_device *smmu, unsigned long *map,
		      unsigned int id)
{
	const unsigned int bpl = 8 * sizeof(unsigned long);

	mutex_lock(&smmu->ids_lock);
	map[id / bpl] &= ~(1UL << (id % bpl));
	mutex_unlock(&smmu->ids_lock);
}

/* ---------------------------------------------------------------- attach */

static struct arm_smmu_device *domain_smmu(struct iommu_domain *domain)
{
	if (domain->ops == &arm_smmu_paging_ops)
		return to_smmu_domain(domain)->smmu;
	if (domain->ops == &arm_smmu_nested_ops)
		return to_nested_domain(domain)->s2_parent->smmu;
	return NULL;	/* static: fits every SMMU */
}

int arm_smmu_attach_dev(struct iommu_domain *domain, struct device *dev)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_device *smmu, *owner;
	struct iommufd_viommu *vsmmu = NULL;
	unsigned long vsid = 0;

	if (!master)
		return -ENODEV;
	smmu = master->smmu;
	owner = domain_smmu(domain);
	if (owner && owner != smmu)
		return -EINVAL;
	/*
	 * A nested domain of a vIOMMU needs the device's virtual StreamID
	 * (its vDEVICE) to forward events, as Linux's
	 * arm_smmu_attach_prepare_vmaster: -ENOENT without one.
	 */
	if (domain->ops == &arm_smmu_nested_ops &&
	    (vsmmu = to_nested_domain(domain)->vsmmu)) {
		int ret = iommufd_viommu_get_vdev_id(vsmmu, dev, &vsid);

		if (ret)
			return ret;
	}

	mutex_lock(&smmu->streams_mutex);
	for (unsigned int i = 0; i < master->num_streams; i++)
		arm_smmu_install_stream(smmu, master->streams[i], domain);
	master->domain = domain;
	spin_lock(&smmu->streams_lock);
	master->vsmmu = vsmmu;
	master->vsid = vsid;
	spin_unlock(&smmu->streams_lock);
	mutex_unlock(&smmu->streams_mutex);
	return 0;
}

/* Points every master still using domain at abort; streams_mutex held. */
static void arm_smmu_detach_all(struct arm_smmu_device *smmu,
				struct iommu_domain *domain)
{
	struct arm_smmu_master *master;

	lockdep_assert_held(&smmu->streams_mutex);
	list_for_each_entry(master, &smmu->masters, node) {
		if (master->domain != domain)
			continue;
		for (unsigned int i = 0; i < master->num_streams; i++)
			arm_smmu_install_stream(smmu, master->streams[i],
						ARM_SMMU_BLOCKED_DOMAIN);
		master->domain = ARM_SMMU_BLOCKED_DOMAIN;
		spin_lock(&smmu->streams_lock);
		master->vsmmu = NULL;
		spin_unlock(&smmu->streams_lock);
	}
}

/* -------------------------------------------------------- static domains */

static const struct iommu_domain_ops arm_smmu_static_ops = {
	.attach_dev = arm_smmu_attach_dev,
};

/* Constants (see arm-smmu-v3-priv.h): safe to share between instances. */
const struct iommu_domain arm_smmu_identity_domain = {
	.type = IOMMU_DOMAIN_IDENTITY,
	.ops = &arm_smmu_static_ops,
	.owner = &arm_smmu_ops,
};

const struct iommu_domain arm_smmu_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &arm_smmu_static_ops,
	.owner = &arm_smmu_ops,
};

/* -------------------------------------------------------- paging domains */

bool arm_smmu_is_paging_domain(struct iommu_domain *domain)
{
	return !IS_ERR_OR_NULL(domain) && domain->ops == &arm_smmu_paging_ops;
}

static int arm_smmu_map_pages(struct iommu_domain *domain, unsigned long iova,
			      phys_addr_t paddr, size_t pgsize, size_t pgcount,
			      int prot, size_t *mapped)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl_ops;

	return ops->map_pages(ops, iova, paddr, pgsize, pgcount, prot, mapped);
}

static size_t arm_smmu_unmap_pages(struct iommu_domain *domain,
				   unsigned long iova, size_t pgsize,
				   size_t pgcount,
				   struct iommu_iotlb_gather *gather)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl_ops;

	return ops->unmap_pages(ops, iova, pgsize, pgcount, gather);
}

static phys_addr_t arm_smmu_iova_to_phys(struct iommu_domain *domain,
					 dma_addr_t iova)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl_ops;

	return ops->iova_to_phys(ops, iova);
}

static void arm_smmu_domain_free_paging(struct iommu_domain *domain)
{
	struct arm_smmu_domain *d = to_smmu_domain(domain);
	struct arm_smmu_device *smmu = d->smmu;

	mutex_lock(&smmu->streams_mutex);
	/* iommufd keeps a parent alive while nested domains use it. */
	if (KWARN_ON(smmu->k, d->nested_users)) {
		mutex_unlock(&smmu->streams_mutex);
		return;
	}
	arm_smmu_detach_all(smmu, domain);
	mutex_unlock(&smmu->streams_mutex);

	/* Nothing may stay cached under the tag the next domain reuses. */
	arm_smmu_tlb_inv_context(d);
	free_io_pgtable_ops(d->pgtbl_ops);
	if (d->stage == ARM_SMMU_DOMAIN_S1)
		arm_smmu_free_id(smmu, smmu->asid_map, d->asid);
	else
		arm_smmu_free_id(smmu, smmu->vmid_map, d->vmid);
	kfree(d);
}

const struct iommu_domain_ops arm_smmu_paging_ops = {
	.attach_dev = arm_smmu_attach_dev,
	.map_pages = arm_smmu_map_pages,
	.unmap_pages = arm_smmu_unmap_pages,
	.flush_iotlb_all = arm_smmu_flush_iotlb_all,
	.iotlb_sync = arm_smmu_iotlb_sync,
	.iova_to_phys = arm_smmu_iova_to_phys,
	.free = arm_smmu_domain_free_paging,
};

/*
 * Dirty tracking (arm_smmu_dirty_ops): the SMMU marks dirty leaves itself
 * (CD.HD), so tracking is always on and there is nothing to switch; the
 * io-pgtable reads and cleans the leaves.
 */
static int arm_smmu_set_dirty_tracking(struct iommu_domain *domain,
				       bool enabled)
{
	(void)domain;
	(void)enabled;
	return 0;
}

static int arm_smmu_read_and_clear_dirty(struct iommu_domain *domain,
					 unsigned long iova, size_t size,
					 unsigned long flags,
					 struct iommu_dirty_bitmap *dirty)
{
	struct io_pgtable_ops *ops = to_smmu_domain(domain)->pgtbl_ops;

	return ops->read_and_clear_dirty(ops, iova, size, flags, dirty);
}

static const struct iommu_dirty_ops arm_smmu_dirty_ops = {
	.set_dirty_tracking = arm_smmu_set_dirty_tracking,
	.read_and_clear_dirty = arm_smmu_read_and_clear_dirty,
};

/* Linux's arm_smmu_domain_finalise: tag, table format and geometry. */
static int arm_smmu_domain_finalise(struct arm_smmu_domain *d, u32 flags)
{
	bool enable_dirty = flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
	struct arm_smmu_device *smmu = d->smmu;
	struct io_pgtable_cfg cfg;
	enum io_pgtable_fmt fmt;
	unsigned int ias, oas;
	int id;

	if (d->stage == ARM_SMMU_DOMAIN_S1) {
		ias = min(48u, smmu->ias);
		oas = smmu->ias;
		fmt = ARM_64_LPAE_S1;
		id = arm_smmu_alloc_id(smmu, smmu->asid_map, smmu->asid_bits);
	} else {
		ias = smmu->ias;
		oas = smmu->oas;
		fmt = ARM_64_LPAE_S2;
		id = arm_smmu_alloc_id(smmu, smmu->vmid_map, smmu->vmid_bits);
	}
	if (id < 0)
		return id;

	cfg = (struct io_pgtable_cfg){
		.pgsize_bitmap = smmu->pgsize_bitmap,
		.ias = ias,
		.oas = oas,
		.coherent_walk = !!(smmu->features & ARM_SMMU_FEAT_COHERENCY),
		.tlb = &arm_smmu_flush_ops,
		.k = smmu->k,
	};
	if (enable_dirty)
		cfg.quirks |= IO_PGTABLE_QUIRK_ARM_HD;
	/* The TLB callbacks need the tag before the first map. */
	if (d->stage == ARM_SMMU_DOMAIN_S1)
		d->asid = (u16)id;
	else
		d->vmid = (u16)id;
	d->pgtbl_ops = alloc_io_pgtable_ops(fmt, &cfg, d);
	if (!d->pgtbl_ops) {
		arm_smmu_free_id(smmu, d->stage == ARM_SMMU_DOMAIN_S1 ?
				 smmu->asid_map : smmu->vmid_map, (unsigned int)id);
		return -ENOMEM;
	}
	cfg = io_pgtable_ops_to_pgtable(d->pgtbl_ops)->cfg;
	d->domain.pgsize_bitmap = cfg.pgsize_bitmap;
	d->domain.geometry.aperture_start = 0;
	d->domain.geometry.aperture_end = (1ULL << cfg.ias) - 1;
	d->domain.geometry.force_aperture = true;
	if (enable_dirty)
		d->domain.dirty_ops = &arm_smmu_dirty_ops;
	return 0;
}

struct iommu_domain *
arm_smmu_domain_alloc_paging_flags(struct device *dev, u32 flags,
				   const struct iommu_user_data *user_data)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_device *smmu;
	struct arm_smmu_domain *d;
	int ret;

	if (!master)
		return ERR_PTR(-ENODEV);
	smmu = master->smmu;
	if (user_data || (flags & ~(IOMMU_HWPT_ALLOC_NEST_PARENT |
				    IOMMU_HWPT_ALLOC_PASID |
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING)))
		return ERR_PTR(-EOPNOTSUPP);
	/* A nest parent is NEST_PARENT alone; dirty tracking is stage 1. */
	if ((flags & IOMMU_HWPT_ALLOC_NEST_PARENT) &&
	    flags != IOMMU_HWPT_ALLOC_NEST_PARENT)
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !(smmu->features & ARM_SMMU_FEAT_TRANS_S1))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_NEST_PARENT) &&
	    !(smmu->features & ARM_SMMU_FEAT_NESTING))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_PASID) &&
	    !(smmu->features & ARM_SMMU_FEAT_TRANS_S1))
		return ERR_PTR(-EOPNOTSUPP);

	d = kzalloc(dev->k, sizeof(*d));
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->smmu = smmu;
	d->domain.ops = &arm_smmu_paging_ops;
	if (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) {
		d->stage = ARM_SMMU_DOMAIN_S2;
		d->nest_parent = true;
	} else {
		/* Prefer stage 1 where there is one. */
		d->stage = (smmu->features & ARM_SMMU_FEAT_TRANS_S1) ?
			   ARM_SMMU_DOMAIN_S1 : ARM_SMMU_DOMAIN_S2;
	}
	ret = arm_smmu_domain_finalise(d, flags);
	if (ret) {
		kfree(d);
		return ERR_PTR(ret);
	}
	return &d->domain;
}

int arm_smmu_domain_tag(struct iommu_domain *domain)
{
	struct arm_smmu_domain *d;

	if (!arm_smmu_is_paging_domain(domain))
		return -EINVAL;
	d = to_smmu_domain(domain);
	return d->stage == ARM_SMMU_DOMAIN_S1 ? d->asid : d->vmid;
}

/* -------------------------------------------------------- nested domains */

static void arm_smmu_domain_nested_free(struct iommu_domain *domain)
{
	struct arm_smmu_nested_domain *nd = to_nested_domain(domain);
	struct arm_smmu_device *smmu = nd->s2_parent->smmu;

	mutex_lock(&smmu->streams_mutex);
	arm_smmu_detach_all(smmu, domain);
	nd->s2_parent->nested_users--;
	mutex_unlock(&smmu->streams_mutex);
	kfree(nd);
}

/*
 * A software MSI doorbell of a nested domain belongs in its stage 2: the
 * 2023 sketch's get_unmanged_msi_domain, used only by the rfc-2023 MSI
 * model.  Mainline has no such op; iommufd finds the parent itself.
 */
static struct iommu_domain *arm_smmu_nested_msi_domain(struct iommu_domain *domain)
{
	return &to_nested_domain(domain)->s2_parent->domain;
}

const struct iommu_domain_ops arm_smmu_nested_ops = {
	.attach_dev = arm_smmu_attach_dev,
	.get_msi_mapping_domain = arm_smmu_nested_msi_domain,
	.free = arm_smmu_domain_nested_free,
};

/*
 * Linux's arm_smmu_validate_vste.  An invalid vSTE is accepted and
 * becomes an abort STE; otherwise only the stage-1 fields a guest owns
 * may be set, Config must be abort, bypass or stage 1, and EATS abort or
 * translate (the driver sets EATS itself).  -EIO, which iommufd reserves
 * for invalid STE data, for anything else.
 */
static int arm_smmu_validate_vste(struct iommu_hwpt_arm_smmuv3 *arg)
{
	unsigned int cfg, eats;

	if (!(arg->ste[0] & STRTAB_STE_0_V)) {
		memset(arg->ste, 0, sizeof(arg->ste));
		return 0;
	}
	if ((arg->ste[0] & ~STRTAB_STE_0_NESTING_ALLOWED) ||
	    (arg->ste[1] & ~STRTAB_STE_1_NESTING_ALLOWED))
		return -EIO;
	cfg = FIELD_GET(STRTAB_STE_0_CFG, arg->ste[0]);
	if (cfg != STRTAB_STE_0_CFG_ABORT && cfg != STRTAB_STE_0_CFG_BYPASS &&
	    cfg != STRTAB_STE_0_CFG_S1_TRANS)
		return -EIO;
	eats = FIELD_GET(STRTAB_STE_1_EATS, arg->ste[1]);
	arg->ste[1] &= ~STRTAB_STE_1_EATS;
	if (eats != STRTAB_STE_1_EATS_ABT && eats != STRTAB_STE_1_EATS_TRANS)
		return -EIO;
	return 0;
}


/*
 * parent as a nest parent for master: a stage-2 paging domain of the same
 * SMMU allocated with IOMMU_HWPT_ALLOC_NEST_PARENT, else -EINVAL (Linux
 * checks the same for a nested domain and for a vIOMMU).
 */
struct arm_smmu_domain *arm_smmu_nest_parent(struct arm_smmu_master *master,
					     struct iommu_domain *parent)
{
	struct arm_smmu_domain *pd;

	if (!arm_smmu_is_paging_domain(parent))
		return ERR_PTR(-EINVAL);
	pd = to_smmu_domain(parent);
	if (pd->smmu != master->smmu || !pd->nest_parent ||
	    pd->stage != ARM_SMMU_DOMAIN_S2)
		return ERR_PTR(-EINVAL);
	return pd;
}

/* iommu_copy_struct_from_user(): type, minimum length, zeroed tail. */
static int arm_smmu_copy_vste(const struct iommu_user_data *user_data,
			      struct iommu_hwpt_arm_smmuv3 *arg)
{
	const u8 *p;

	if (!user_data || !user_data->uptr)
		return -EINVAL;
	if (user_data->type != IOMMU_HWPT_DATA_ARM_SMMUV3)
		return -EINVAL;
	if (user_data->len < sizeof(*arg))
		return -EINVAL;
	p = user_data->uptr;
	for (size_t i = sizeof(*arg); i < user_data->len; i++)
		if (p[i])
			return -E2BIG;
	memcpy(arg, p, sizeof(*arg));
	return 0;
}

struct arm_smmu_nested_domain *
arm_smmu_nested_domain_create(struct kernel *k, struct arm_smmu_domain *pd,
			      const struct iommu_user_data *user_data)
{
	struct arm_smmu_nested_domain *nd;
	struct iommu_hwpt_arm_smmuv3 arg;
	int ret;

	ret = arm_smmu_copy_vste(user_data, &arg);
	if (!ret)
		ret = arm_smmu_validate_vste(&arg);
	if (ret)
		return ERR_PTR(ret);

	nd = kzalloc(k, sizeof(*nd));
	if (!nd)
		return ERR_PTR(-ENOMEM);
	nd->domain.type = IOMMU_DOMAIN_NESTED;
	nd->domain.ops = &arm_smmu_nested_ops;
	nd->s2_parent = pd;
	nd->ste[0] = arg.ste[0];
	nd->ste[1] = arg.ste[1];
	mutex_lock(&pd->smmu->streams_mutex);
	pd->nested_users++;
	mutex_unlock(&pd->smmu->streams_mutex);
	return nd;
}

struct iommu_domain *
arm_smmu_domain_alloc_nested(struct device *dev, struct iommu_domain *parent,
			     u32 flags, const struct iommu_user_data *user_data)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_nested_domain *nd;
	struct arm_smmu_domain *pd;

	if (!master)
		return ERR_PTR(-ENODEV);
	if (flags || !(master->smmu->features & ARM_SMMU_FEAT_NESTING))
		return ERR_PTR(-EOPNOTSUPP);
	pd = arm_smmu_nest_parent(master, parent);
	if (IS_ERR(pd))
		return ERR_CAST(pd);
	nd = arm_smmu_nested_domain_create(dev->k, pd, user_data);
	return IS_ERR(nd) ? ERR_CAST(nd) : &nd->domain;
}
