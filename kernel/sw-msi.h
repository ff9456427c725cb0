/* SPDX-License-Identifier: MIT */
/*
 * iommufd's software MSI, as mainline Linux has it (drivers/iommu/iommufd/
 * driver.c iommufd_sw_msi, iommufd_sw_msi_get_map, iommufd_sw_msi_install;
 * device.c iommufd_group_setup_msi; read in v6.15 .. v6.18), kept in its
 * own file so the iommufd layer, the VMM's in-process backend and the
 * scenario tool share it.
 *
 * A sw_msi_ctx stands for one iommufd context.  Each doorbell page it is
 * asked for gets a map record keyed by (page, window start) with a page
 * offset in the window and an id, fixed for the context, so the IOVA a
 * device was programmed with is the same in every domain of the context:
 * a device can be moved to another domain without rewriting its messages.
 * At most 64 records (the 64-bit bitmaps of mainline): then -EOVERFLOW.
 *
 * The window is the group's: the start of its devices' IOMMU_RESV_SW_MSI
 * region (arm-smmu-v3 and the mock: 0x8000000, 1 MiB), recorded when the
 * group attaches (mainline: igroup->sw_msi_start, set by
 * iopt_table_enforce_dev_resv_regions).  No such region: prepare returns 0
 * and the message keeps the physical doorbell.  Only the sw-msi-v2 model
 * lets a VMM move it (sw_msi_group_set_start, IOMMU_OPTION_SW_MSI_START of
 * the posted, unmerged series).
 *
 * A NESTED hwpt maps nothing itself: iommufd knows its paging parent (the
 * parent given to sw_msi_domain_init, mainline's find_hwpt_paging) and
 * installs the doorbell there, in stage 2.  No driver op is involved.
 *
 * Attach and replace go through sw_msi_group_attach/replace, which install
 * every doorbell the group was given into the new paging domain before the
 * group is switched and record the attachment (mainline's attach handle):
 * prepare on an iommufd domain the group is not attached to through here
 * returns 0 untranslated, as mainline does without a handle.  Doorbell
 * mappings stay until their domain is released.
 */
#ifndef IOMMUSIM_KERNEL_SW_MSI_H
#define IOMMUSIM_KERNEL_SW_MSI_H

#include "kernel/iommu.h"
#include "kernel/msi.h"

#ifndef PHYS_ADDR_MAX
#define PHYS_ADDR_MAX	(~(phys_addr_t)0)
#endif

#define SW_MSI_DEFAULT_START	0x8000000ULL	/* MSI_IOVA_BASE of arm-smmu-v3 */
#define SW_MSI_DEFAULT_SIZE	0x100000ULL	/* MSI_IOVA_LENGTH */
#define SW_MSI_MAX_PAGES	64	/* map ids per context, as iommufd */

struct sw_msi_ctx;

struct sw_msi_ctx *sw_msi_ctx_create(struct kernel *k);
/* -EBUSY while a domain still uses it. */
int sw_msi_ctx_destroy(struct sw_msi_ctx *ctx);

/*
 * Take ownership of a hwpt's domain: a paging one (UNMANAGED, parent NULL:
 * iommufd_hwpt_paging_alloc) or a NESTED one over parent, a paging domain
 * this ctx owns (iommufd_hwpt_nested_alloc).  Gives it the cookie of the
 * kernel's MSI model (mainline: IOMMU_COOKIE_IOMMUFD).  -EINVAL for another
 * type, a missing or foreign parent, a domain that has an owner; -ENOMEM.
 */
int sw_msi_domain_init(struct sw_msi_ctx *ctx, struct iommu_domain *domain,
		       struct iommu_domain *parent);
/* Drops ownership; unmaps the doorbells a paging domain holds.  Call
 * before iommu_domain_free(), once no group uses the domain. */
void sw_msi_domain_release(struct iommu_domain *domain);

/* mainline's iommufd_sw_msi: called by prepare under the group mutex. */
int iommufd_sw_msi(struct iommu_domain *domain, struct msi_desc *desc,
		   phys_addr_t msi_addr);

/* Attach / replace with the group's doorbells installed first. */
int sw_msi_group_attach(struct iommu_group *group, struct iommu_domain *domain);
int sw_msi_group_replace(struct iommu_group *group,
			 struct iommu_domain *domain);

/*
 * sw-msi-v2 only: the group's window starts at start from its next attach
 * (PHYS_ADDR_MAX: the driver's region again).  -EBUSY while the group is
 * attached through ctx, -ENOMEM.
 */
int sw_msi_group_set_start(struct sw_msi_ctx *ctx, struct iommu_group *group,
			   phys_addr_t start);

/* The group leaves the context (mainline frees its iommufd_group when its
 * last device unbinds): its window, handle and required doorbells go. */
void sw_msi_group_forget(struct sw_msi_ctx *ctx, struct iommu_group *group);

/* The group is attached through ctx now (it has an attach handle). */
bool sw_msi_group_attached(struct sw_msi_ctx *ctx, struct iommu_group *group);

/* Introspection: the group's window start (PHYS_ADDR_MAX: none; -ENOENT
 * before its first attach) and the number of map records. */
int sw_msi_group_window(struct sw_msi_ctx *ctx, struct iommu_group *group,
			phys_addr_t *start);
unsigned int sw_msi_nr_maps(struct sw_msi_ctx *ctx);

#endif
