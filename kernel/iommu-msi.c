// SPDX-License-Identifier: MIT
/*
 * iommu_dma_prepare_msi() as mainline Linux has it (drivers/iommu/iommu.c,
 * read in v6.15 and unchanged through v6.18): with the group mutex held, so
 * the domain can neither change nor be freed meanwhile, it lets the owner of
 * the group's domain install the doorbell, chosen by domain->cookie_type:
 * dma-iommu for DMA and MSI cookies, iommufd for its hwpts, -EOPNOTSUPP for
 * any other non-IDENTITY domain.  A device without a group, a group without
 * a domain and an IDENTITY domain keep the physical doorbell.
 *
 * The kernel's MSI model (kernel/msi-model.h) is the one indirection: the
 * default model is this file's; rfc-2023 and sw-msi-v2 live in their own.
 * What each kind of domain does is in docs/msi-doorbell.md.
 */
#include "kernel/iommu-msi.h"

#include <string.h>

#include "kernel/dma-iommu.h"
#include "kernel/iommu-priv.h"
#include "kernel/msi-model.h"
#include "kernel/sw-msi.h"

int iommu_dma_prepare_msi(struct msi_desc *desc, phys_addr_t msi_addr)
{
	struct iommu_group *group = msi_desc_to_dev(desc)->iommu_group;

	/* No group, nothing translates the write: 0 in every model (a device
	 * outside any kernel instance has no model to ask). */
	if (!group)
		return 0;
	return group->k->msi_model->prepare(desc, msi_addr);
}

int iommu_dma_prepare_msi_mainline(struct msi_desc *desc, phys_addr_t msi_addr)
{
	struct device *dev = msi_desc_to_dev(desc);
	struct iommu_group *group = dev->iommu_group;
	struct iommu_domain *domain;
	int ret = 0;

	if (!group)
		return 0;
	mutex_lock(&group->mutex);
	domain = group->domain;
	/* An IDENTITY domain must pass through. */
	if (domain && domain->type != IOMMU_DOMAIN_IDENTITY) {
		switch (domain->cookie_type) {
		case IOMMU_COOKIE_DMA_MSI:
		case IOMMU_COOKIE_DMA_IOVA:
			ret = iommu_dma_sw_msi(domain, desc, msi_addr);
			break;
		case IOMMU_COOKIE_IOMMUFD:
			ret = iommufd_sw_msi(domain, desc, msi_addr);
			break;
		default:
			ret = -EOPNOTSUPP;
			break;
		}
	}
	mutex_unlock(&group->mutex);
	return ret;
}

const struct msi_model msi_model_mainline = {
	.name = "mainline",
	.prepare = iommu_dma_prepare_msi_mainline,
	.iommufd_cookie = IOMMU_COOKIE_IOMMUFD,
	.iommufd_setup_msi = iommufd_group_setup_msi,
};

static const struct msi_model *const models[] = {
	&msi_model_mainline, &msi_model_rfc_2023, &msi_model_sw_msi_v2,
};

const char *const msi_model_names[] = { "mainline", "rfc-2023", "sw-msi-v2", NULL };

int kernel_set_msi_model(struct kernel *k, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
		if (name && !strcmp(name, models[i]->name)) {
			k->msi_model = models[i];
			return 0;
		}
	}
	return -EINVAL;
}

const char *kernel_msi_model_name(const struct kernel *k)
{
	return k->msi_model->name;
}
