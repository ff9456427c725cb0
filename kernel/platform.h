/* SPDX-License-Identifier: MIT */
/*
 * The board file: boots a kernel instance on a struct machine (hw/machine.h)
 * the way firmware tables (IORT, DT) and board code bring up an Arm server.
 *
 *	platform_boot     kernel instance over the machine's RAM; the IOMMU
 *	                  driver for the SMMU; the GICv3 ITS driver and the
 *	                  PCI-like MSI domain over it
 *	platform_add_ep   a struct device for machine endpoint i, its fwspec
 *	                  naming the SMMU and StreamID = RID, added and probed
 *	ep_*              a tiny endpoint driver: DMA mappings through the DMA
 *	                  API, MSI vectors programmed into the endpoint's BAR,
 *	                  and the endpoint's DMA engine and MSI trigger
 *
 * DeviceID = StreamID = RID, as IORT's identity ID mappings give on QEMU's
 * virt board.  Everything a driver does to the endpoint goes through its
 * BAR with MMIO accesses, as on hardware.
 */
#ifndef IOMMUSIM_KERNEL_PLATFORM_H
#define IOMMUSIM_KERNEL_PLATFORM_H

#include "hw/machine.h"
#include "kernel/dma-iommu.h"
#include "kernel/device.h"
#include "kernel/msi.h"

/* Which driver owns the machine's SMMU. */
enum platform_iommu {
	/*
	 * kernel/drivers/arm-smmu-v3 programs the SMMU model; the SMMU's
	 * event-queue and GERROR lines are wired to its handlers, so an
	 * event is decoded into the driver's log as soon as it is recorded.
	 */
	PLATFORM_IOMMU_SMMUV3,
	/*
	 * kernel/drivers/mock-iommu: a software IOMMU.  Endpoints behind the
	 * SMMU are re-routed through mock_iommu_translate() (the SMMU model
	 * is left idle), for testing the layers above without a real driver.
	 */
	PLATFORM_IOMMU_MOCK,
	PLATFORM_IOMMU_NONE,	/* no IOMMU driver: endpoints are not probed */
};

struct platform_config {
	const char *name;		/* kernel instance name; "host" if NULL */
	enum platform_iommu iommu;
	bool passthrough;		/* iommu.passthrough=1 */
	bool lazy;			/* iommu.strict=0 */
	/* The RAM the kernel owns (mem=); 0/0: all of the machine's. */
	phys_addr_t ram_base;
	u64 ram_size;
	/* Allocation-failure injection shared from boot on (kernel_share_fail_nth). */
	atomic_ulong *fail_count;
	struct kernel_fail_site *fail_site;	/* kernel_share_fail_site */
};

struct platform;
struct its_node;
struct mock_iommu;
struct arm_smmu_device;
struct arm_smmu_event;

/* ERR_PTR: -EINVAL (bad iommu or RAM range), -ENODEV (IOMMU driver but no
 * SMMU), -ENOMEM, or what a driver probe returned. */
struct platform *platform_boot(struct machine *m, const struct platform_config *cfg);

/*
 * A board that is not a struct machine, as its firmware tables (DT, IORT)
 * describe it: a VMM's virtual board, whose address space, vSMMU, vITS and
 * assigned endpoints the VMM built.  The same drivers boot on it; only
 * PLATFORM_IOMMU_SMMUV3 and _NONE apply, and the SMMU's wired interrupts
 * are the board owner's to route (to arm_smmu_evtq_irq(platform_smmu(p))).
 */
struct platform_board_ep {
	u32 rid;		/* requester ID = StreamID = ITS DeviceID */
	phys_addr_t bar;	/* its register BAR (hw/endpoint.h layout) */
	bool behind_smmu;
};

struct platform_board {
	struct phys_mem *mem;
	phys_addr_t ram_base;	/* the RAM the kernel owns */
	u64 ram_size;
	phys_addr_t its_base, gicr_base;
	bool has_smmu;
	phys_addr_t smmu_base;
	/* An IORT RMR node over every stream of the SMMU (0 size: none). */
	phys_addr_t rmr_base;
	u64 rmr_size;
	unsigned int nr_eps;
	struct platform_board_ep ep[MACHINE_MAX_ENDPOINTS];
};

/* As platform_boot; -EINVAL also for a board without mem or too many eps. */
struct platform *platform_boot_board(const struct platform_board *b,
				     const struct platform_config *cfg);
/*
 * Removes every endpoint device left, the drivers and the kernel; returns
 * kernel_destroy()'s count of the warnings the kernel raised.
 */
unsigned long platform_shutdown(struct platform *p);

struct kernel *platform_kernel(struct platform *p);
struct machine *platform_machine(struct platform *p);	/* NULL on a board */
struct irq_domain *platform_msi_domain(struct platform *p);
struct its_node *platform_its(struct platform *p);
struct mock_iommu *platform_mock_iommu(struct platform *p);	/* MOCK only */
struct arm_smmu_device *platform_smmu(struct platform *p);	/* SMMUV3 only */
/*
 * Pops the oldest SMMU event the driver decoded (arm_smmu_pop_event):
 * 0, -ENOENT when none is left, -ENODEV without the SMMUv3 driver.
 */
int platform_pop_event(struct platform *p, struct arm_smmu_event *evt);

/* A machine endpoint as the kernel sees it. */
struct ep_device {
	struct device dev;
	struct platform *p;
	unsigned int index;	/* in the machine */
	u32 rid;
	bool behind_iommu;	/* has an fwspec naming the SMMU */
	phys_addr_t bar;
	unsigned int nvec;	/* MSI vectors allocated */
	struct list_head node;	/* in the platform's endpoint list */
};

static inline struct ep_device *to_ep_device(struct device *dev)
{
	return container_of(dev, struct ep_device, dev);
}

/*
 * A device for machine endpoint index (named name, or "epN"), added to the
 * kernel and probed by its IOMMU.  ERR_PTR: -ENODEV (no such endpoint),
 * -EBUSY (already added), -ENOMEM, or what device_add or the IOMMU probe
 * returned (a device behind the SMMU whose probe fails is not bound: its
 * stream would abort).
 */
struct ep_device *platform_add_ep(struct platform *p, unsigned int index,
				  const char *name);
/*
 * The same with the StreamIDs firmware names for the device (up to
 * PLATFORM_EP_MAX_SIDS; none: the one its transactions carry, see
 * machine_set_endpoint_sid): the IOMMU configures each of them, while
 * the endpoint's own DMA uses only its StreamID.  -EINVAL for too many.
 */
#define PLATFORM_EP_MAX_SIDS	8
struct ep_device *platform_add_ep_sids(struct platform *p, unsigned int index,
				       const char *name, const u32 *sids,
				       unsigned int nr_sids);
void platform_remove_ep(struct ep_device *epd);
struct ep_device *platform_find_ep(struct platform *p, unsigned int index);

/*
 * The DMA API for the endpoint: through dma-iommu when its domain is a DMA
 * domain, else physical addresses (dma-direct: no IOMMU, IDENTITY, or a
 * domain someone else owns).  DMA_MAPPING_ERROR on failure.
 */
dma_addr_t ep_dma_map(struct ep_device *epd, phys_addr_t phys, size_t size,
		      enum dma_data_direction dir);
void ep_dma_unmap(struct ep_device *epd, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir);

/*
 * A scatterlist: dma-iommu maps it as one IOVA range in a DMA domain (the
 * device sees scattered pages back to back); dma-direct gives each entry
 * its physical address.  Entries mapped, or -EINVAL, -ENOMEM, -EIO (a
 * domain the DMA API cannot map into).
 */
int ep_dma_map_sg(struct ep_device *epd, struct scatterlist *sg, int nents,
		  enum dma_data_direction dir);
void ep_dma_unmap_sg(struct ep_device *epd, struct scatterlist *sg, int nents,
		     enum dma_data_direction dir);

/*
 * nvec MSI vectors (power of two, up to the endpoint's capability) from the
 * platform's MSI domain; the composed message goes into the endpoint's MSI
 * capability and MSI is enabled.  0, -EINVAL, -EBUSY (has vectors), or the
 * MSI layer's error.  ep_free_msi disables MSI and frees them.
 */
int ep_request_msi(struct ep_device *epd, unsigned int nvec);
void ep_free_msi(struct ep_device *epd);
/* The LPI and target CPU vector vec is routed to: 0 or -EINVAL. */
int ep_msi_lpi(struct ep_device *epd, unsigned int vec, u32 *lpi,
	       unsigned int *cpu);
/* The message programmed for vector vec (address, data | vec). */
int ep_msi_msg(struct ep_device *epd, unsigned int vec, struct msi_msg *msg);

/*
 * Starts the endpoint's DMA engine through its BAR: copy len bytes from bus
 * address src to dst.  0, or the negative errno the engine reports in
 * EP_DMA_STATUS (-EFAULT for a translation fault or bus error).
 */
int ep_start_dma(struct ep_device *epd, dma_addr_t dst, dma_addr_t src, u32 len);
/* Signals vector vec through EP_MSI_TRIGGER: 0, or -EFAULT when the MSI
 * write faulted (EP_FAULTS moved), -EINVAL for a bad vector. */
int ep_trigger_msi(struct ep_device *epd, unsigned int vec);

#endif
