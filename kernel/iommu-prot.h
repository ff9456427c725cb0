/* SPDX-License-Identifier: MIT */
/*
 * Mapping permissions and attributes passed to iommu_map() and io-pgtable,
 * with the values of include/linux/iommu.h.
 */
#ifndef IOMMUSIM_KERNEL_IOMMU_PROT_H
#define IOMMUSIM_KERNEL_IOMMU_PROT_H

#define IOMMU_READ	(1 << 0)
#define IOMMU_WRITE	(1 << 1)
#define IOMMU_CACHE	(1 << 2)	/* DMA cache coherency */
#define IOMMU_NOEXEC	(1 << 3)
#define IOMMU_MMIO	(1 << 4)	/* e.g. an MSI doorbell: Device memory */
#define IOMMU_PRIV	(1 << 5)	/* privileged accesses only */

#define IOMMU_PROT_MASK	(IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | \
			 IOMMU_NOEXEC | IOMMU_MMIO | IOMMU_PRIV)

#endif
