/* SPDX-License-Identifier: MIT */
/*
 * What the board-file halves (platform.c: bring-up and devices,
 * platform-ep.c: the endpoint driver) share.
 */
#ifndef IOMMUSIM_KERNEL_PLATFORM_PRIV_H
#define IOMMUSIM_KERNEL_PLATFORM_PRIV_H

#include "kernel/platform.h"

struct platform {
	struct kernel *k;
	struct machine *m;		/* NULL on a platform_boot_board() board */
	struct platform_board board;	/* m's, or the one booted */
	struct platform_config cfg;
	struct its_node *its;
	struct irq_domain *msi;		/* PCI-like MSI domain over the ITS */
	struct mock_iommu *mock;	/* PLATFORM_IOMMU_MOCK */
	struct arm_smmu_device *smmu;	/* PLATFORM_IOMMU_SMMUV3 */
	struct fwnode_handle *iommu_fwnode;	/* what endpoint fwspecs name */

	struct mutex lock;		/* eps */
	struct list_head eps;		/* struct ep_device */
};

/* The MSI domain's write_msg: programs the endpoint's MSI capability. */
void platform_ep_write_msg(struct msi_desc *desc, const struct msi_msg *msg,
			   void *data);

#endif
