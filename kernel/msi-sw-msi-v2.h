/* SPDX-License-Identifier: MIT */
/*
 * The posted, unmerged IOMMU_OPTION_SW_MSI_START/SIZE series (v2,
 * October 2025) as the sw-msi-v2 MSI model has it: see msi-sw-msi-v2.c.
 * Used by iommufd's IOMMU_OPTION handler and by in-process VMM backends
 * and the scenario tool, which own a sw_msi_ctx without iommufd.
 */
#ifndef IOMMUSIM_KERNEL_MSI_SW_MSI_V2_H
#define IOMMUSIM_KERNEL_MSI_SW_MSI_V2_H

#include "kernel/sw-msi.h"

/* The series' iommufd_option_sw_msi_test: -EINVAL, -EOVERFLOW, -EADDRINUSE. */
int sw_msi_v2_test(struct device *dev, phys_addr_t start, u64 size);

/*
 * The window of dev's group from its next attach: [start, +size), size a
 * multiple of 1 MiB, 0 for the driver's region.  -EOPNOTSUPP unless the
 * kernel runs the sw-msi-v2 model, -ENODEV without a group, -EBUSY while
 * attached, or sw_msi_v2_test()'s error.
 */
int sw_msi_v2_set_window(struct sw_msi_ctx *ctx, struct device *dev,
			 phys_addr_t start, u64 size);

#endif
