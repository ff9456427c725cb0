// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 as the upstream translator of hw/endpoint devices: the
 * endpoint's requester ID is the StreamID (as on a PCI root complex whose
 * RID maps one-to-one to StreamIDs), its transactions carry no
 * SubstreamID, and they are unprivileged data accesses.  A fault (an event
 * recorded or not) terminates the transaction: -EFAULT to the device.
 */
#include "hw/endpoint.h"
#include "hw/smmuv3/smmuv3.h"

static int smmu_dma_translate(void *opaque, u32 requester_id, dma_addr_t addr,
			      size_t size, bool is_write, phys_addr_t *pa)
{
	struct smmuv3_result res;

	(void)size;
	if (smmuv3_translate(opaque, requester_id, SMMUV3_NO_SSID, addr,
			     is_write ? SMMUV3_WRITE : SMMUV3_READ, &res))
		return -EFAULT;
	*pa = res.addr;
	return 0;
}

static const struct dma_translator_ops smmu_dma_ops = {
	.translate = smmu_dma_translate,
};

void smmuv3_dma_translator(struct smmuv3 *smmu, struct dma_translator *t)
{
	t->ops = &smmu_dma_ops;
	t->opaque = smmu;
}
