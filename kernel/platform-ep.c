// SPDX-License-Identifier: MIT
/*
 * A tiny driver for the machine's PCI-like endpoints (hw/endpoint.h): the
 * DMA API for its buffers, MSI vectors from the platform's MSI domain, and
 * the device programmed only through its register BAR, with the 32-bit
 * MMIO accesses a CPU would make.  So whatever the device then does (a DMA
 * copy, an MSI write) starts from what the kernel really programmed, and
 * travels the machine's path: the SMMU, then memory or the ITS.
 *
 * The endpoint has one MSI capability (PCI multiple-message MSI): vector v
 * writes the message data with its low bits replaced by v, so the vectors'
 * EventIDs must be data0 + v.  The ITS driver hands a new device EventIDs
 * from 0 in order; ep_request_msi checks the composed messages agree.
 */
#include "kernel/drivers/gic-its.h"
#include "kernel/iommu.h"
#include "kernel/platform-priv.h"

static u32 ep_readl(struct ep_device *epd, u64 off)
{
	u64 val = ~0ULL;

	if (phys_read_val(epd->p->k->mem, epd->bar + off, 4, &val, MEM_ATTRS_NONE))
		return ~0U;	/* an aborted read returns all ones */
	return (u32)val;
}

static void ep_writel(struct ep_device *epd, u64 off, u32 val)
{
	phys_write_val(epd->p->k->mem, epd->bar + off, 4, val, MEM_ATTRS_NONE);
}

static void ep_writeq(struct ep_device *epd, u64 off, u64 val)
{
	ep_writel(epd, off, (u32)val);
	ep_writel(epd, off + 4, (u32)(val >> 32));
}

/*
 * DMA domains go through dma-iommu; IDENTITY and no IOMMU are dma-direct
 * (bus address = physical).  Any other domain (UNMANAGED, NESTED, BLOCKED)
 * belongs to someone else: the DMA API cannot map into it.
 */
enum ep_dma_path { EP_DMA_IOMMU, EP_DMA_DIRECT, EP_DMA_NONE };

static enum ep_dma_path ep_dma_path(struct ep_device *epd)
{
	struct iommu_domain *domain;

	if (!dev_has_iommu(&epd->dev))
		return EP_DMA_DIRECT;
	domain = iommu_get_domain_for_dev(&epd->dev);
	if (domain && iommu_is_dma_domain(domain))
		return EP_DMA_IOMMU;
	if (domain && domain->type == IOMMU_DOMAIN_IDENTITY)
		return EP_DMA_DIRECT;
	return EP_DMA_NONE;
}

dma_addr_t ep_dma_map(struct ep_device *epd, phys_addr_t phys, size_t size,
		      enum dma_data_direction dir)
{
	if (!size || dir == DMA_NONE)
		return DMA_MAPPING_ERROR;
	switch (ep_dma_path(epd)) {
	case EP_DMA_IOMMU:
		return iommu_dma_map_page(&epd->dev, phys, size, dir, 0);
	case EP_DMA_DIRECT:
		return phys;
	default:
		return DMA_MAPPING_ERROR;
	}
}

void ep_dma_unmap(struct ep_device *epd, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir)
{
	if (ep_dma_path(epd) == EP_DMA_IOMMU)
		iommu_dma_unmap_page(&epd->dev, addr, size, dir, 0);
}

int ep_dma_map_sg(struct ep_device *epd, struct scatterlist *sg, int nents,
		  enum dma_data_direction dir)
{
	if (!sg || nents <= 0 || dir == DMA_NONE)
		return -EINVAL;
	switch (ep_dma_path(epd)) {
	case EP_DMA_IOMMU:
		return iommu_dma_map_sg(&epd->dev, sg, nents, dir, 0);
	case EP_DMA_NONE:
		return -EIO;
	default:
		break;
	}
	for (int i = 0; i < nents; i++) {
		if (!sg[i].length)
			return -EINVAL;
		sg[i].dma_address = sg[i].phys;
		sg[i].dma_length = sg[i].length;
	}
	return nents;
}

void ep_dma_unmap_sg(struct ep_device *epd, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir)
{
	if (ep_dma_path(epd) == EP_DMA_IOMMU)
		iommu_dma_unmap_sg(&epd->dev, sg, nents, dir, 0);
}

void platform_ep_write_msg(struct msi_desc *desc, const struct msi_msg *msg,
			   void *data)
{
	struct ep_device *epd = to_ep_device(msi_desc_to_dev(desc));

	(void)data;
	/* One capability: vector 0's message; the others follow from it. */
	if (desc->msi_index)
		return;
	ep_writeq(epd, EP_MSI_ADDR, msi_msg_addr(msg));
	ep_writel(epd, EP_MSI_DATA, msg->data);
}

int ep_msi_msg(struct ep_device *epd, unsigned int vec, struct msi_msg *msg)
{
	struct msi_desc *desc = msi_get_desc(epd->p->msi, &epd->dev, vec);

	if (!desc)
		return -EINVAL;
	*msg = desc->msg;
	return 0;
}

/* Every vector's message must be what the capability sends for it. */
static bool ep_msi_msgs_fit(struct ep_device *epd, unsigned int nvec)
{
	struct msi_msg m0, m;

	if (ep_msi_msg(epd, 0, &m0) || m0.data & (nvec - 1))
		return false;
	for (unsigned int v = 1; v < nvec; v++)
		if (ep_msi_msg(epd, v, &m) || msi_msg_addr(&m) != msi_msg_addr(&m0) ||
		    m.data != (m0.data | v))
			return false;
	return true;
}

int ep_request_msi(struct ep_device *epd, unsigned int nvec)
{
	int ret;

	if (!nvec || (nvec & (nvec - 1)) || nvec > ep_readl(epd, EP_MSI_NVEC))
		return -EINVAL;
	if (epd->nvec)
		return -EBUSY;
	ret = msi_domain_alloc_irqs(epd->p->msi, &epd->dev, nvec);
	if (ret)
		return ret;
	if (!ep_msi_msgs_fit(epd, nvec)) {
		msi_domain_free_irqs(epd->p->msi, &epd->dev);
		return -EINVAL;
	}
	epd->nvec = nvec;
	ep_writel(epd, EP_MSI_MASK, 0);
	ep_writel(epd, EP_MSI_CTRL, EP_MSI_CTRL_ENABLE);
	return 0;
}

void ep_free_msi(struct ep_device *epd)
{
	if (!epd->nvec)
		return;
	ep_writel(epd, EP_MSI_CTRL, 0);
	msi_domain_free_irqs(epd->p->msi, &epd->dev);
	epd->nvec = 0;
}

int ep_msi_lpi(struct ep_device *epd, unsigned int vec, u32 *lpi,
	       unsigned int *cpu)
{
	struct msi_desc *desc = msi_get_desc(epd->p->msi, &epd->dev, vec);

	if (!desc)
		return -EINVAL;
	return gic_its_irq_target(msi_desc_parent_data(desc), lpi, cpu);
}

int ep_start_dma(struct ep_device *epd, dma_addr_t dst, dma_addr_t src, u32 len)
{
	ep_writeq(epd, EP_DMA_SRC, src);
	ep_writeq(epd, EP_DMA_DST, dst);
	ep_writel(epd, EP_DMA_LEN, len);
	ep_writel(epd, EP_DMA_CMD, EP_DMA_CMD_GO);
	return -(int)ep_readl(epd, EP_DMA_STATUS);
}

int ep_trigger_msi(struct ep_device *epd, unsigned int vec)
{
	u32 faults;

	if (vec >= epd->nvec)
		return epd->nvec ? -EINVAL : -ENODEV;
	faults = ep_readl(epd, EP_FAULTS);
	ep_writel(epd, EP_MSI_TRIGGER, vec);
	if (ep_readl(epd, EP_FAULTS) != faults)
		return -EFAULT;
	if (ep_readl(epd, EP_MSI_PENDING) & BIT(vec))
		return -EAGAIN;
	return 0;
}
