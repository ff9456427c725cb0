// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 driver's iommu_ops: per-device records (probe_device,
 * release_device), groups, reserved regions and capabilities.
 *
 * A device's fwspec names its StreamIDs.  Each StreamID in use has a
 * struct arm_smmu_stream (its level-2 stream table allocated on first
 * use, its CD slots); devices that share a StreamID share the stream and,
 * through device_group, one group and so one domain.  When the last
 * device of a stream goes, its STE returns to abort.
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

static struct arm_smmu_device *arm_smmu_get_by_fwnode(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct iommu_device *iommu;

	if (!fwspec)
		return NULL;
	list_for_each_entry(iommu, &dev->k->iommu_devices, list)
		if (iommu->ops == &arm_smmu_ops &&
		    iommu->fwnode == fwspec->iommu_fwnode)
			return container_of(iommu, struct arm_smmu_device, iommu);
	return NULL;
}

static bool arm_smmu_sid_in_range(struct arm_smmu_device *smmu, u32 sid)
{
	if (smmu->strtab.two_level)
		return (sid >> STRTAB_SPLIT) < smmu->strtab.num_ents;
	return sid < smmu->strtab.num_ents;
}

/* streams_mutex held. */
static struct arm_smmu_stream *arm_smmu_find_stream(struct arm_smmu_device *smmu,
						    u32 sid)
{
	struct arm_smmu_stream *stream;

	lockdep_assert_held(&smmu->streams_mutex);
	list_for_each_entry(stream, &smmu->streams, node)
		if (stream->sid == sid)
			return stream;
	return NULL;
}

static struct arm_smmu_stream *arm_smmu_get_stream(struct arm_smmu_device *smmu,
						   u32 sid, struct device *dev,
						   int *err)
{
	struct arm_smmu_stream *stream = arm_smmu_find_stream(smmu, sid);

	if (stream) {
		stream->users++;
		return stream;
	}
	*err = arm_smmu_init_l2_strtab(smmu, sid);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	stream = kzalloc(smmu->k, sizeof(*stream));
	if (!stream)
		return NULL;
	stream->cd_dma = kernel_alloc_pages(smmu->k, PAGE_SIZE);
	stream->cd = stream->cd_dma ?
		     phys_to_virt(smmu->k, stream->cd_dma, PAGE_SIZE) : NULL;
	if (!stream->cd) {
		if (stream->cd_dma)
			kernel_free_pages(smmu->k, stream->cd_dma, PAGE_SIZE);
		kfree(stream);
		return NULL;
	}
	stream->sid = sid;
	stream->users = 1;
	stream->dev = dev;
	spin_lock(&smmu->streams_lock);
	list_add_tail(&stream->node, &smmu->streams);
	spin_unlock(&smmu->streams_lock);
	*err = 0;
	return stream;
}

/* Another master that still has stream, for its events. */
static struct device *arm_smmu_other_user(struct arm_smmu_device *smmu,
					  struct arm_smmu_stream *stream,
					  struct arm_smmu_master *gone)
{
	struct arm_smmu_master *master;

	list_for_each_entry(master, &smmu->masters, node) {
		if (master == gone)
			continue;
		for (unsigned int i = 0; i < master->num_streams; i++)
			if (master->streams[i] == stream)
				return master->dev;
	}
	return NULL;
}

/* streams_mutex held; master already off smmu->masters. */
static void arm_smmu_put_stream(struct arm_smmu_device *smmu,
				struct arm_smmu_stream *stream,
				struct arm_smmu_master *master)
{
	lockdep_assert_held(&smmu->streams_mutex);
	if (--stream->users) {
		if (stream->dev == master->dev) {
			struct device *other = arm_smmu_other_user(smmu, stream, master);

			spin_lock(&smmu->streams_lock);
			stream->dev = other;
			spin_unlock(&smmu->streams_lock);
		}
		return;
	}
	/* Linux's release_domain: the stream ends blocked. */
	arm_smmu_install_stream(smmu, stream, ARM_SMMU_BLOCKED_DOMAIN);
	spin_lock(&smmu->streams_lock);
	list_del(&stream->node);
	spin_unlock(&smmu->streams_lock);
	kernel_free_pages(smmu->k, stream->cd_dma, PAGE_SIZE);
	kfree(stream);
}

static struct iommu_device *arm_smmu_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct arm_smmu_device *smmu = arm_smmu_get_by_fwnode(dev);
	struct arm_smmu_master *master;
	unsigned int i;
	int ret = 0;

	if (!smmu || !fwspec || !fwspec->num_ids)
		return ERR_PTR(-ENODEV);
	master = kzalloc(dev->k, sizeof(*master));
	if (!master)
		return ERR_PTR(-ENOMEM);
	master->streams = kzalloc(dev->k, fwspec->num_ids * sizeof(*master->streams));
	if (!master->streams) {
		kfree(master);
		return ERR_PTR(-ENOMEM);
	}
	master->smmu = smmu;
	master->dev = dev;

	mutex_lock(&smmu->streams_mutex);
	for (i = 0; i < fwspec->num_ids; i++) {
		u32 sid = fwspec->ids[i];

		if (!arm_smmu_sid_in_range(smmu, sid)) {
			ret = -ERANGE;
			break;
		}
		/* The same StreamID twice in one device is a firmware bug. */
		for (unsigned int j = 0; j < i; j++)
			if (fwspec->ids[j] == sid)
				ret = -EINVAL;
		if (ret)
			break;
		master->streams[i] = arm_smmu_get_stream(smmu, sid, dev, &ret);
		if (!master->streams[i])
			break;
		master->num_streams++;
	}
	if (ret) {
		while (master->num_streams)
			arm_smmu_put_stream(smmu, master->streams[--master->num_streams],
					    master);
		mutex_unlock(&smmu->streams_mutex);
		kfree(master->streams);
		kfree(master);
		return ERR_PTR(ret);
	}
	master->domain = ARM_SMMU_BLOCKED_DOMAIN;
	list_add_tail(&master->node, &smmu->masters);
	mutex_unlock(&smmu->streams_mutex);
	dev_iommu_priv_set(dev, master);
	return &smmu->iommu;
}

static void arm_smmu_release_device(struct device *dev)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct arm_smmu_device *smmu;

	if (!master)
		return;
	smmu = master->smmu;
	mutex_lock(&smmu->streams_mutex);
	list_del(&master->node);
	while (master->num_streams)
		arm_smmu_put_stream(smmu, master->streams[--master->num_streams],
				    master);
	mutex_unlock(&smmu->streams_mutex);
	kfree(master->streams);
	kfree(master);
	dev_iommu_priv_set(dev, NULL);
}

static bool arm_smmu_shares_sid(struct arm_smmu_master *a,
				struct arm_smmu_master *b)
{
	for (unsigned int i = 0; i < a->num_streams; i++)
		for (unsigned int j = 0; j < b->num_streams; j++)
			if (a->streams[i] == b->streams[j])
				return true;
	return false;
}

/*
 * Devices the SMMU cannot tell apart (a shared StreamID) are isolated
 * together.  Called with the probe lock held: the device list is stable.
 */
static struct iommu_group *arm_smmu_device_group(struct device *dev)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct device *other;

	list_for_each_entry(other, &dev->k->devices, node) {
		struct arm_smmu_master *om;

		if (other == dev || !other->iommu_group || !dev_has_iommu(other) ||
		    dev_iommu_ops(other) != &arm_smmu_ops)
			continue;
		om = dev_iommu_priv_get(other);
		if (om && om->smmu == master->smmu && arm_smmu_shares_sid(master, om))
			return iommu_group_ref_get(other->iommu_group);
	}
	return generic_device_group(dev);
}

static void arm_smmu_get_resv_regions(struct device *dev, struct list_head *head)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);
	struct iommu_resv_region *region;

	region = iommu_alloc_resv_region(dev->k, ARM_SMMU_MSI_IOVA_BASE,
					 ARM_SMMU_MSI_IOVA_LENGTH,
					 IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO,
					 IOMMU_RESV_SW_MSI);
	if (region)
		list_add_tail(&region->list, head);
	/*
	 * iommu_dma_get_resv_regions -> iort_iommu_get_resv_regions: an IORT
	 * RMR is a 1:1 region the IOMMU must keep mapped (a VMM declares its
	 * host's SW_MSI window so, as QEMU's virt board does for nesting).
	 */
	if (master && master->smmu->rmr_size) {
		region = iommu_alloc_resv_region(dev->k, master->smmu->rmr_base,
						 master->smmu->rmr_size,
						 IOMMU_READ | IOMMU_WRITE |
						 IOMMU_NOEXEC | IOMMU_MMIO,
						 IOMMU_RESV_DIRECT);
		if (region)
			list_add_tail(&region->list, head);
	}
}

void arm_smmu_set_rmr(struct arm_smmu_device *smmu, phys_addr_t base, u64 size)
{
	smmu->rmr_base = base;
	smmu->rmr_size = size;
}

static bool arm_smmu_capable(struct device *dev, enum iommu_cap cap)
{
	struct arm_smmu_master *master = dev_iommu_priv_get(dev);

	switch (cap) {
	case IOMMU_CAP_CACHE_COHERENCY:
		return master && (master->smmu->features & ARM_SMMU_FEAT_COHERENCY);
	case IOMMU_CAP_NOEXEC:
	case IOMMU_CAP_DEFERRED_FLUSH:
		return true;
	case IOMMU_CAP_DIRTY_TRACKING:
		return master && arm_smmu_dbm_capable(master->smmu);
	default:
		return false;
	}
}

const struct iommu_ops arm_smmu_ops = {
	.capable = arm_smmu_capable,
	.domain_alloc_paging_flags = arm_smmu_domain_alloc_paging_flags,
	.domain_alloc_nested = arm_smmu_domain_alloc_nested,
	.hw_info = arm_smmu_hw_info,
	.viommu_alloc = arm_vsmmu_alloc,
	.probe_device = arm_smmu_probe_device,
	.release_device = arm_smmu_release_device,
	.device_group = arm_smmu_device_group,
	.get_resv_regions = arm_smmu_get_resv_regions,
	.default_domain_ops = &arm_smmu_paging_ops,
	/* Each domain narrows this to its SMMU's granule (io-pgtable). */
	.pgsize_bitmap = ARM_SMMU_SZ_4K | ARM_SMMU_SZ_2M | ARM_SMMU_SZ_1G,
	.identity_domain = ARM_SMMU_IDENTITY_DOMAIN,
	.blocked_domain = ARM_SMMU_BLOCKED_DOMAIN,
};
