/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU side of MSI doorbells (include/linux/iommu.h's
 * iommu_dma_prepare_msi): an interrupt controller behind an IOMMU calls it
 * when it allocates a vector, with the physical doorbell address; the
 * domain the device is attached to maps the doorbell page (or finds it
 * mapped) and records the IOVA in the descriptor, which msi_msg_set_addr()
 * then writes into the message.  See docs/msi-doorbell.md for what every
 * kind of domain does.
 */
#ifndef IOMMUSIM_KERNEL_IOMMU_MSI_H
#define IOMMUSIM_KERNEL_IOMMU_MSI_H

#include "kernel/msi.h"

int iommu_dma_prepare_msi(struct msi_desc *desc, phys_addr_t msi_addr);

/* The pre-6.15 name of msi_msg_set_addr() for a message that already holds
 * the physical doorbell: swaps in the IOVA prepare recorded, if any. */
static inline void iommu_dma_compose_msi_msg(struct msi_desc *desc,
					     struct msi_msg *msg)
{
	msi_msg_set_addr(desc, msg, msi_msg_addr(msg));
}

#endif
