// SPDX-License-Identifier: MIT
/*
 * The rfc-2023 MSI model: the iommu_dma_prepare_msi() Jason Gunthorpe
 * sketched in the seed thread (Re: [PATCH v1 01/14] iommu: Add
 * iommu_get_unmanaged_domain helper, March 2023; never merged), with the
 * iommufd of that time around it.  Selected with
 * kernel_set_msi_model(k, "rfc-2023").
 *
 * What the sketch does, step by step:
 *  - the domain is read with iommu_get_domain_for_dev(), without the group
 *    mutex; a function-static msi_prepare_lock (here one per kernel
 *    instance, as no state may be global) serialises only the mapping;
 *  - no domain, or IDENTITY: 0, the physical doorbell;
 *  - any other non-UNMANAGED domain is handed to the driver's
 *    get_unmanged_msi_domain() (iommusim's ops->get_msi_mapping_domain) if
 *    it has one; whatever comes back must be UNMANAGED, else -EINVAL.  DMA
 *    domains have no such op, so every host driver's MSI behind an SMMU
 *    gets -EINVAL: the objection raised in the thread;
 *  - an UNMANAGED domain without cookie returns 0 (its "// ???"): the
 *    device then writes the physical address into a translated space;
 *  - else the doorbell page is mapped through the domain's MSI cookie.
 * The 2023 iommufd (its iommufd_group_setup_msi of the time) gave the paging
 * domain of an attached group an MSI cookie at the group's SW_MSI start,
 * so a nested domain's parent is UNMANAGED with a cookie: the sketch then
 * maps the doorbell there, at the cookie's next IOVA.
 */
#include "kernel/dma-iommu.h"
#include "kernel/iommu-priv.h"
#include "kernel/msi-model.h"
#include "kernel/sw-msi.h"

static int rfc_2023_prepare(struct msi_desc *desc, phys_addr_t msi_addr)
{
	struct device *dev = msi_desc_to_dev(desc);
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	int ret;

	msi_desc_set_iommu_msi_iova(desc, 0, 0);	/* desc->iommu_cookie = NULL */
	if (!domain)
		return 0;
	/* Caller is expected to use msi_addr for the page. */
	if (domain->type == IOMMU_DOMAIN_IDENTITY)
		return 0;
	if (domain->type != IOMMU_DOMAIN_UNMANAGED &&
	    domain->ops && domain->ops->get_msi_mapping_domain)
		domain = domain->ops->get_msi_mapping_domain(domain);
	if (!domain || domain->type != IOMMU_DOMAIN_UNMANAGED)
		return -EINVAL;
	if (domain->cookie_type != IOMMU_COOKIE_DMA_MSI)	/* !iova_cookie */
		return 0;
	mutex_lock(&dev->k->msi_prepare_lock);
	ret = iommu_dma_sw_msi(domain, desc, msi_addr);
	mutex_unlock(&dev->k->msi_prepare_lock);
	return ret;
}

/* The 2023 iommufd_group_setup_msi: an MSI cookie on the paging domain, once. */
static int rfc_2023_iommufd_setup_msi(struct sw_msi_ctx *ctx,
				      struct iommu_domain *paging,
				      phys_addr_t start, u64 required)
{
	(void)ctx;
	(void)required;
	if (start == PHYS_ADDR_MAX || paging->cookie_type == IOMMU_COOKIE_DMA_MSI)
		return 0;
	return iommu_get_msi_cookie(paging, start);
}

const struct msi_model msi_model_rfc_2023 = {
	.name = "rfc-2023",
	.prepare = rfc_2023_prepare,
	.iommufd_cookie = IOMMU_COOKIE_NONE,
	.iommufd_setup_msi = rfc_2023_iommufd_setup_msi,
};
