/* Placeholder until the IOMMU core lands: no device is translated yet. */
#include "kernel/iommu-msi.h"

int iommu_dma_prepare_msi(struct msi_desc *desc, phys_addr_t msi_addr)
{
	(void)msi_addr;
	msi_desc_set_iommu_msi_iova(desc, 0, 0);
	return 0;
}
