/* SPDX-License-Identifier: MIT */
/*
 * Software MSI for domains user space owns: iommufd's sw_msi
 * (drivers/iommu/iommufd/driver.c's iommufd_sw_msi in Linux 6.15), kept in
 * its own file so the iommufd layer can adopt it whole.
 *
 * A sw_msi_ctx stands for one iommufd context.  Every doorbell page it
 * installs gets one page offset in the software-MSI window, fixed for the
 * context, so the IOVA a device was programmed with is the same in every
 * domain of the context that uses the same window: a device can be moved
 * to another domain without rewriting its messages.  The window belongs to
 * the paging domain that holds the doorbells (the nest parent, stage 2 of a
 * nested setup), defaults to the SMMUv3 IOMMU_RESV_SW_MSI region and can be
 * moved, as the VMM does with IOMMU_OPTION_SW_MSI_START / _SIZE, to where
 * the guest believes its ITS is.
 *
 * A NESTED domain cannot map anything itself: its sw_msi asks the driver for
 * the domain the doorbell must go into (ops->get_msi_mapping_domain, the
 * op Jason Gunthorpe's 2023 sketch called get_unmanged_msi_domain), installs
 * the page there at the window, and relies on the guest's stage 1 mapping
 * the same IOVA to itself (the guest believes the window is its ITS).
 *
 * Attach and replace go through sw_msi_group_attach/replace, which install
 * every doorbell the group's devices were given into the new domain before
 * the group is switched, so no interrupt is lost in between (iommufd's
 * iommufd_group_setup_msi).  Doorbell mappings stay until their domain is
 * released: detaching one device never removes a page another still uses.
 */
#ifndef IOMMUSIM_KERNEL_SW_MSI_H
#define IOMMUSIM_KERNEL_SW_MSI_H

#include "kernel/iommu.h"
#include "kernel/msi.h"

#define SW_MSI_DEFAULT_START	0x8000000ULL
#define SW_MSI_DEFAULT_SIZE	0x100000ULL
#define SW_MSI_MAX_PAGES	64	/* doorbell pages per context, as iommufd */

struct sw_msi_ctx;

struct sw_msi_ctx *sw_msi_ctx_create(struct kernel *k);
/* -EBUSY while a domain still uses it. */
int sw_msi_ctx_destroy(struct sw_msi_ctx *ctx);

/*
 * Take ownership of a paging domain (iommufd_hwpt_paging_alloc) or a nested
 * domain (iommufd_hwpt_nested_alloc): installs iommufd_sw_msi as its sw_msi.
 * -EINVAL for another type or a domain owned already, -ENOMEM.
 */
int sw_msi_domain_init(struct sw_msi_ctx *ctx, struct iommu_domain *domain);
/* Drops ownership; unmaps the doorbells a paging domain holds.  Call
 * before iommu_domain_free(), once no group uses the domain. */
void sw_msi_domain_release(struct iommu_domain *domain);

/*
 * IOMMU_OPTION_SW_MSI_START / _SIZE on a paging domain.  start and size
 * page aligned, size non-zero, no wrap: else -EINVAL.  -EBUSY once a
 * doorbell was installed in the domain.
 */
int sw_msi_set_window(struct iommu_domain *paging, phys_addr_t start, u64 size);
int sw_msi_get_window(struct iommu_domain *paging, phys_addr_t *start,
		      u64 *size);

/* The domain's sw_msi (called by iommu_dma_prepare_msi under the group
 * mutex).  -EINVAL when a nested domain's driver names no mapping domain,
 * -ENOSPC when the window is full, -ENOMEM, or iommu_map()'s error. */
int iommufd_sw_msi(struct iommu_domain *domain, struct msi_desc *desc,
		   phys_addr_t msi_addr);

/* Attach / replace with the group's doorbells installed first. */
int sw_msi_group_attach(struct iommu_group *group, struct iommu_domain *domain);
int sw_msi_group_replace(struct iommu_group *group,
			 struct iommu_domain *domain);

#endif
