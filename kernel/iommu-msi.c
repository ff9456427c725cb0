// SPDX-License-Identifier: MIT
/*
 * iommu_dma_prepare_msi(): the generic entry of Linux 6.15
 * (drivers/iommu/iommu.c).  It finds the domain the device's group is
 * attached to now and lets the domain's owner install the doorbell through
 * domain->sw_msi, with the group mutex held so the domain can neither
 * change nor be freed meanwhile (the use-after-free that made upstream
 * move this here from dma-iommu.c).  What each kind of domain does is in
 * docs/msi-doorbell.md.
 */
#include "kernel/iommu-msi.h"

#include "kernel/iommu-priv.h"

int iommu_dma_prepare_msi(struct msi_desc *desc, phys_addr_t msi_addr)
{
	struct device *dev = msi_desc_to_dev(desc);
	struct iommu_group *group = dev ? dev->iommu_group : NULL;
	struct iommu_domain *domain;
	int ret = 0;

	/* Until a domain says otherwise, the doorbell goes out untranslated. */
	msi_desc_set_iommu_msi_iova(desc, 0, 0);
	if (!group)	/* no IOMMU translates it, unless one refused the device */
		return dev ? device_iommu_probe_error(dev) : 0;
	mutex_lock(&group->mutex);
	domain = group->domain;
	/* No domain yet, or an IDENTITY domain: the physical address works. */
	if (domain && domain->type != IOMMU_DOMAIN_IDENTITY) {
		if (domain->sw_msi)
			ret = domain->sw_msi(domain, desc, msi_addr);
		else
			ret = -EOPNOTSUPP;	/* nobody owns a doorbell here */
	}
	mutex_unlock(&group->mutex);
	return ret;
}
