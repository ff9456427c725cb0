/* SPDX-License-Identifier: MIT */
/*
 * A PCI-like endpoint: a requester ID, a DMA engine and an MSI capability,
 * whose every upstream transaction goes through an abstract translator (an
 * IOMMU, or nothing) and then onto the machine's bus tagged with the
 * requester ID, so that an ITS behind it sees the right DeviceID.
 *
 * The upstream path is struct dma_translator: the endpoint neither knows
 * nor cares whether an SMMU sits there.  With no translator, bus addresses
 * are physical addresses.  DMA is translated page by page (4K: the smallest
 * granule, so any IOMMU page size works); an MSI is one translated 32-bit
 * write of the message data to the message address.  A translation fault
 * or a bus error ends the operation with a negative errno (what the
 * translator returned, or -EFAULT), counted in the fault statistics; bytes
 * before the faulting page have been transferred, as on a real bus.
 *
 * The machine may also map the endpoint's register BAR (endpoint_mmio_ops,
 * ENDPOINT_MMIO_SIZE) so that a driver programs MSI and DMA as it would a
 * device; the layout is in hw/endpoint-regs.h (ours, like any device's
 * BAR, and public).
 */
#ifndef IOMMUSIM_HW_ENDPOINT_H
#define IOMMUSIM_HW_ENDPOINT_H

#include "hw/endpoint-regs.h"
#include "hw/memory.h"
#include "lib/bits.h"

struct dma_translator_ops {
	/*
	 * Translate [addr, addr + size) (within one 4K page) for a read or a
	 * write by requester_id: 0 and *pa, or a negative errno (a fault).
	 */
	int (*translate)(void *opaque, u32 requester_id, dma_addr_t addr,
			 size_t size, bool is_write, phys_addr_t *pa);
};

struct dma_translator {
	const struct dma_translator_ops *ops;
	void *opaque;
};

#define ENDPOINT_MAX_VECTORS	32
#define ENDPOINT_DMA_PAGE	4096

struct endpoint_stats {
	u64 dma_ops;		/* transfers attempted */
	u64 dma_bytes;		/* bytes moved */
	u64 dma_faults;
	u64 msis_sent;
	u64 msi_faults;
	int last_fault;		/* negative errno of the last fault */
	dma_addr_t last_fault_addr;
};

/* nr_vectors: 1..32, a power of two (PCI Multiple Message Capable). */
struct endpoint *endpoint_create(struct phys_mem *mem, u32 requester_id,
				 unsigned int nr_vectors);
void endpoint_destroy(struct endpoint *ep);
/* NULL: no IOMMU.  The translator is copied; its opaque must outlive ep. */
void endpoint_set_translator(struct endpoint *ep, const struct dma_translator *t);
u32 endpoint_requester_id(const struct endpoint *ep);

int endpoint_dma_read(struct endpoint *ep, dma_addr_t addr, void *buf, size_t len);
int endpoint_dma_write(struct endpoint *ep, dma_addr_t addr, const void *buf,
		       size_t len);
/* Device-internal copy from src to dst, both bus addresses. */
int endpoint_dma_copy(struct endpoint *ep, dma_addr_t dst, dma_addr_t src, size_t len);

/*
 * MSI capability.  Vector v sends data with its low log2(nr_vectors) bits
 * replaced by v, as PCI multiple-message MSI does.
 */
void endpoint_msi_configure(struct endpoint *ep, u64 addr, u32 data);
void endpoint_msi_enable(struct endpoint *ep, bool enable);
/* Unmasking a vector with its pending bit set sends it: returns that status. */
int endpoint_msi_mask(struct endpoint *ep, unsigned int vec, bool masked);
/*
 * Signal vector vec: 0 when the write reached the bus, -EAGAIN when masked
 * (pending bit set, sent on unmask), -ENODEV when MSI is disabled, -EINVAL
 * for a bad vector, or the fault (negative errno) of the write.
 */
int endpoint_msi_fire(struct endpoint *ep, unsigned int vec);
bool endpoint_msi_pending(struct endpoint *ep, unsigned int vec);

void endpoint_get_stats(struct endpoint *ep, struct endpoint_stats *st);

/* The register BAR's layout: hw/endpoint-regs.h. */
extern const struct mmio_ops endpoint_mmio_ops;

#endif
