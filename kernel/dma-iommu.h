/* SPDX-License-Identifier: MIT */
/*
 * The DMA API over an IOMMU domain (drivers/iommu/dma-iommu.c's shape).
 *
 * A domain gets one cookie, which says who owns its IOVA space:
 *  - an IOVA cookie (iommu_get_dma_cookie) for DMA and DMA_FQ domains: the
 *    kernel allocates IOVAs itself with the IOVA allocator, sized from the
 *    domain's aperture and smallest page size, with the device's reserved
 *    regions carved out (iommu_dma_init_domain);
 *  - an MSI cookie (iommu_get_msi_cookie) for UNMANAGED domains whose IOVA
 *    space belongs to someone else (VFIO): only doorbell pages get IOVAs,
 *    linearly from the base the owner reserved for them.
 * Both keep the domain's list of mapped doorbell pages: one mapping per
 * doorbell page per domain, shared by every device and vector, released
 * with the cookie.  Both set domain->cookie_type (IOMMU_COOKIE_DMA_IOVA,
 * IOMMU_COOKIE_DMA_MSI), on which iommu_dma_prepare_msi() calls iommu_dma_sw_msi.
 *
 * Unmap invalidates the IOTLB before the IOVA can be reused: at once in a
 * DMA domain (strict), or in a DMA_FQ domain by queueing the IOVA in a flush
 * queue that is drained only after a whole-domain invalidation completed.
 */
#ifndef IOMMUSIM_KERNEL_DMA_IOMMU_H
#define IOMMUSIM_KERNEL_DMA_IOMMU_H

#include "kernel/iommu.h"
#include "kernel/msi.h"

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)
#define DMA_ATTR_PRIVILEGED	(1UL << 9)

int iommu_get_dma_cookie(struct iommu_domain *domain);
/* -EINVAL unless UNMANAGED, -EEXIST if the domain has a cookie. */
int iommu_get_msi_cookie(struct iommu_domain *domain, dma_addr_t base);
/* Unmaps every doorbell page and frees the cookie; safe without one. */
void iommu_put_dma_cookie(struct iommu_domain *domain);
/*
 * Sizes the IOVA space of a DMA/DMA_FQ domain for dev (once; a later device
 * must fit the same granule), reserves dev's regions and, for DMA_FQ, sets
 * up the flush queue.  0, -EINVAL, -ENODEV (no IOVA cookie), -EFAULT
 * (aperture cannot hold a page), -ENOMEM.
 */
int iommu_dma_init_domain(struct iommu_domain *domain, struct device *dev);

/*
 * Called by the core once dev has probed: a DMA default domain gets its
 * IOVA space (Linux's iommu_setup_dma_ops).  Returns iommu_dma_init_domain's
 * error; the core then undoes the probe, so a device never looks as if it
 * had a usable DMA domain without an IOVA space (Linux fails dma_configure
 * and the driver does not bind).
 */
int iommu_setup_dma_ops(struct device *dev);

/* The doorbell installer for both cookie types (mainline iommu_dma_sw_msi). */
int iommu_dma_sw_msi(struct iommu_domain *domain, struct msi_desc *desc,
		     phys_addr_t msi_addr);

dma_addr_t iommu_dma_map_page(struct device *dev, phys_addr_t phys,
			      size_t size, enum dma_data_direction dir,
			      unsigned long attrs);
void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma_handle,
			  size_t size, enum dma_data_direction dir,
			  unsigned long attrs);
/* Mapped entry count, or -EINVAL (bad list or direction), -ENOMEM, -EIO. */
int iommu_dma_map_sg(struct device *dev, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir, unsigned long attrs);
void iommu_dma_unmap_sg(struct device *dev, struct scatterlist *sg, int nents,
			enum dma_data_direction dir, unsigned long attrs);
/* Coherent memory: zeroed machine pages mapped bidirectionally. */
void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *handle,
		      unsigned long attrs);
void iommu_dma_free(struct device *dev, size_t size, void *cpu_addr,
		    dma_addr_t handle, unsigned long attrs);

/*
 * The flush-queue timer's job, done on demand: invalidate the domain's TLB
 * and release every IOVA queued before.  Unmaps also do it once the oldest
 * queued entry is IOVA_FQ_TIMEOUT_NS old or the queue is full.
 */
#define IOVA_FQ_SIZE		256
#define IOVA_FQ_TIMEOUT_NS	10000000ull	/* 10 ms, as Linux */
void iommu_dma_flush_fq(struct iommu_domain *domain);

/* Introspection for tests. */
unsigned int iommu_dma_msi_page_count(struct iommu_domain *domain);
unsigned int iommu_dma_fq_pending(struct iommu_domain *domain);
struct iova_domain *iommu_dma_iovad(struct iommu_domain *domain);

#endif
