/* SPDX-License-Identifier: MIT */
/*
 * Which design places MSI doorbells in a kernel instance.  The seed thread
 * (shared/seed/iommu-dma-prepare-msi-thread.txt) argues how
 * iommu_dma_prepare_msi() should find the domain that holds the ITS doorbell
 * when a device sits on a nested domain; three answers exist, and each is a
 * model here so the same cases can be run under all of them:
 *
 *  mainline   what Linux does (iommu.c, dma-iommu.c, iommufd/driver.c and
 *             device.c as of v6.15 .. v6.18): the group mutex, a switch on
 *             domain->cookie_type, iommufd's sw_msi installing the doorbell
 *             in the nested hwpt's paging parent at the group's
 *             IOMMU_RESV_SW_MSI window.  The default.  kernel/iommu-msi.c,
 *             kernel/sw-msi.c.
 *  rfc-2023   the sketch of the seed (March 2023, never merged): a static
 *             prepare lock, the driver op get_unmanged_msi_domain() for
 *             nested domains, -EINVAL for anything not UNMANAGED (DMA
 *             domains included), and the 2023 iommufd that gave its paging
 *             domain an MSI cookie at the SW_MSI window.  kernel/msi-rfc-2023.c.
 *  sw-msi-v2  mainline plus the posted, NOT merged series "iommufd: Add
 *             IOMMU_OPTION_SW_MSI_START/SIZE ioctls" (v2, 14 October 2025):
 *             a VMM may move a device's window before it attaches.
 *             kernel/msi-sw-msi-v2.c.
 *
 * A model is a table of the few points where the designs differ; the
 * default path calls through it once and has no branch for the others.
 * docs/msi-doorbell.md says where each behaviour comes from.
 */
#ifndef IOMMUSIM_KERNEL_MSI_MODEL_H
#define IOMMUSIM_KERNEL_MSI_MODEL_H

#include "kernel/iommu.h"
#include "kernel/msi.h"

struct sw_msi_ctx;

struct msi_model {
	const char *name;
	/* The body of iommu_dma_prepare_msi(). */
	int (*prepare)(struct msi_desc *desc, phys_addr_t msi_addr);
	/* The cookie iommufd puts on the domains of its hwpts. */
	enum iommu_domain_cookie_type iommufd_cookie;
	/*
	 * iommufd, before a group moves to a domain whose paging domain (the
	 * parent, for a nested one) is paging: make the group's doorbells
	 * reachable there.  Called with the sw_msi ctx lock held; start is the
	 * group's window (PHYS_ADDR_MAX: none), required its map ids.
	 */
	int (*iommufd_setup_msi)(struct sw_msi_ctx *ctx, struct iommu_domain *paging,
				 phys_addr_t start, u64 required);
	/* IOMMU_OPTION_SW_MSI_START / _SIZE exist (else -EOPNOTSUPP). */
	bool sw_msi_option;
};

extern const struct msi_model msi_model_mainline;
extern const struct msi_model msi_model_rfc_2023;
extern const struct msi_model msi_model_sw_msi_v2;

/*
 * Select the model of k by name ("mainline", "rfc-2023", "sw-msi-v2"):
 * -EINVAL for another name.  Set it before devices get domains: a domain
 * keeps the cookie its owner gave it under the model of that moment.
 */
int kernel_set_msi_model(struct kernel *k, const char *name);
const char *kernel_msi_model_name(const struct kernel *k);
/* The names, NULL-terminated, for listings. */
extern const char *const msi_model_names[];

/* mainline's prepare (kernel/iommu-msi.c), which sw-msi-v2 shares. */
int iommu_dma_prepare_msi_mainline(struct msi_desc *desc, phys_addr_t msi_addr);
/* mainline's iommufd_group_setup_msi (kernel/sw-msi.c), shared likewise. */
int iommufd_group_setup_msi(struct sw_msi_ctx *ctx, struct iommu_domain *paging,
			    phys_addr_t start, u64 required);

#endif
