// SPDX-License-Identifier: MIT
/*
 * The sw-msi-v2 MSI model: mainline plus the posted series "iommufd: Add
 * IOMMU_OPTION_SW_MSI_START/SIZE ioctls" by Nicolin Chen, v2 of
 * 14 October 2025 (patch 4/7; RFC January 2025, v1 February 2025).  NOT
 * merged: mainline's include/uapi/linux/iommufd.h has no such options.
 * Selected with kernel_set_msi_model(k, "sw-msi-v2").
 *
 * The series lets a VMM move a device's software-MSI window away from the
 * driver's IOMMU_RESV_SW_MSI region (to where the guest expects its vITS
 * doorbell, so no RMR is needed in the guest), per device, before the
 * device attaches.  Its checks (iommufd_option_sw_msi_test and
 * iommufd_option_sw_msi), in order:
 *  - the device is attached: -EBUSY (for GET too);
 *  - start or size not a multiple of 1 MiB: -EINVAL; size is given in MiB,
 *    0 meaning "the driver's window", and counts as at least 1 MiB;
 *  - start + size - 1 wraps: -EOVERFLOW;
 *  - the window overlaps one of the device's other reserved regions
 *    (the SW_MSI one it replaces and DIRECT_RELAXABLE ones excepted):
 *    -EADDRINUSE.
 * Prepare and the doorbell maps are mainline's; only the window differs.
 */
#include "kernel/msi-sw-msi-v2.h"

#include "kernel/iommu-priv.h"
#include "kernel/msi-model.h"

#define SZ_1M	0x100000ULL

int sw_msi_v2_test(struct device *dev, phys_addr_t start, u64 size)
{
	struct list_head regions = LIST_HEAD_INIT(regions);
	struct iommu_resv_region *resv;
	phys_addr_t last;
	int rc = 0;

	if ((start & (SZ_1M - 1)) || (size & (SZ_1M - 1)))
		return -EINVAL;
	size = max(size, SZ_1M);
	if (__builtin_add_overflow(start, size - 1, &last))
		return -EOVERFLOW;
	iommu_get_resv_regions(dev, &regions);
	list_for_each_entry(resv, &regions, list) {
		if (resv->type == IOMMU_RESV_SW_MSI ||
		    resv->type == IOMMU_RESV_DIRECT_RELAXABLE)
			continue;
		if (resv->start <= last && resv->start + resv->length - 1 >= start) {
			rc = -EADDRINUSE;
			break;
		}
	}
	iommu_put_resv_regions(dev, &regions);
	return rc;
}

int sw_msi_v2_set_window(struct sw_msi_ctx *ctx, struct device *dev,
			 phys_addr_t start, u64 size)
{
	int rc;

	if (!dev->k->msi_model->sw_msi_option)
		return -EOPNOTSUPP;
	if (!dev->iommu_group)
		return -ENODEV;
	if (sw_msi_group_attached(ctx, dev->iommu_group))
		return -EBUSY;
	if (size) {
		rc = sw_msi_v2_test(dev, start, size);
		if (rc)
			return rc;
	}
	return sw_msi_group_set_start(ctx, dev->iommu_group,
				      size ? start : PHYS_ADDR_MAX);
}

const struct msi_model msi_model_sw_msi_v2 = {
	.name = "sw-msi-v2",
	.prepare = iommu_dma_prepare_msi_mainline,
	.iommufd_cookie = IOMMU_COOKIE_IOMMUFD,
	.iommufd_setup_msi = iommufd_group_setup_msi,
	.sw_msi_option = true,
};
