/* SPDX-License-Identifier: MIT */
/*
 * The emulated machine: RAM, an Arm SMMUv3, a GICv3 ITS with its
 * redistributors and PCI-like endpoints, wired as on an Arm server.
 *
 * It is the board, not a device: it owns the physical address space
 * (struct phys_mem), maps each device's MMIO window, routes every endpoint
 * transaction through the SMMU (smmuv3_dma_translator) or straight onto
 * the bus, and records what the interrupt side delivers.  An MSI is an
 * ordinary 32-bit write: from an endpoint behind the SMMU it is translated
 * like DMA, then reaches GITS_TRANSLATER carrying the requester ID, which
 * the ITS takes as DeviceID; with RID = StreamID = DeviceID (IORT's
 * identity ID mappings) an MSI pends the LPI the driver mapped for that
 * StreamID.  The SMMU's own MSIs (IDR0.MSI) carry smmu_msi_devid.
 *
 * Default layout (machine_config_default), modelled on QEMU's "virt":
 *
 *	0x08080000  GITS        128K  control + translation frames
 *	0x080a0000  GICR        128K per redistributor (RD_base + SGI_base)
 *	0x09050000  SMMUv3      128K  register pages 0 and 1
 *	0x10000000  endpoint BARs, 4K each, endpoint i at + i * 0x1000
 *	0x40000000  RAM         (ram_size, touched on demand)
 *
 * The machine knows nothing of any kernel: a kernel instance boots on it
 * through machine_mem() and the addresses of machine_get_config(), and
 * connects the SMMU's wired interrupts with machine_set_smmu_irq().
 */
#ifndef IOMMUSIM_HW_MACHINE_H
#define IOMMUSIM_HW_MACHINE_H

#include "hw/endpoint.h"
#include "hw/its/its.h"
#include "hw/smmuv3/smmuv3.h"

#define MACHINE_MAX_ENDPOINTS	64

#define MACHINE_RAM_BASE	0x40000000ULL
#define MACHINE_ITS_BASE	0x08080000ULL
#define MACHINE_GICR_BASE	0x080a0000ULL
#define MACHINE_SMMU_BASE	0x09050000ULL
#define MACHINE_EP_BAR_BASE	0x10000000ULL
#define MACHINE_EP_BAR_STRIDE	0x1000ULL

struct machine_ep_config {
	u32 rid;		/* requester ID = StreamID = ITS DeviceID */
	unsigned int nr_vectors;	/* MSI vectors: 1..32, power of two */
	bool behind_smmu;	/* else DMA addresses are physical */
};

struct machine_config {
	phys_addr_t ram_base;
	u64 ram_size;

	bool has_smmu;
	phys_addr_t smmu_base;
	struct smmuv3_config smmu;
	u32 smmu_msi_devid;	/* DeviceID of the SMMU's own MSIs */

	phys_addr_t its_base;
	phys_addr_t gicr_base;
	struct its_config its;	/* lpi_pending / cb_opaque are the machine's */

	phys_addr_t ep_bar_base;	/* endpoint i's BAR at + i * STRIDE */
	unsigned int nr_endpoints;
	struct machine_ep_config ep[MACHINE_MAX_ENDPOINTS];
};

/* The layout above, 256M of RAM, default SMMU and ITS, no endpoints. */
void machine_config_default(struct machine_config *cfg);

struct machine;

/* NULL on an invalid configuration (overlapping windows, bad device
 * config, duplicate RIDs) or no memory. */
struct machine *machine_create(const struct machine_config *cfg);
/*
 * The same board built into an address space the caller made and keeps
 * (regions it already holds, such as RAM it gives a process, stay and
 * must not overlap the board's).  phys_mem cannot remove regions: after
 * machine_destroy the board's MMIO windows still decode to the freed
 * devices, so the caller destroys mem next and makes no access in
 * between.  A failed create leaves mem in that state too.
 */
struct machine *machine_create_on(struct phys_mem *mem,
				  const struct machine_config *cfg);
void machine_destroy(struct machine *m);

/*
 * Plugs one more endpoint in (its BAR at the next slot): its index, or
 * -EINVAL (bad vectors, RID in use, behind an absent SMMU), -ENOSPC.
 * Call before anything runs on the machine from other threads.
 */
int machine_add_endpoint(struct machine *m, const struct machine_ep_config *ep);

const struct machine_config *machine_get_config(const struct machine *m);
struct phys_mem *machine_mem(struct machine *m);
struct smmuv3 *machine_smmu(struct machine *m);		/* NULL without */
struct its *machine_its(struct machine *m);
unsigned int machine_nr_endpoints(const struct machine *m);
struct endpoint *machine_endpoint(struct machine *m, unsigned int i);
/* Physical address of endpoint i's register BAR (ENDPOINT_MMIO_SIZE). */
phys_addr_t machine_endpoint_bar(const struct machine *m, unsigned int i);
/* Index of the endpoint with this RID, or -ENOENT. */
int machine_find_endpoint(const struct machine *m, u32 rid);
/*
 * Endpoint i's transactions reach the SMMU with StreamID sid instead of
 * its RID: the root complex's ID mapping (IORT) folding several functions
 * onto one stream, as for functions behind a PCIe-to-PCI bridge.  The ITS
 * still sees the RID as DeviceID.  Call before anything runs on the
 * machine.  0, or -EINVAL (no such endpoint, or not behind the SMMU).
 */
int machine_set_endpoint_sid(struct machine *m, unsigned int i, u32 sid);
/* The StreamID endpoint i's transactions carry at the SMMU. */
u32 machine_endpoint_sid(const struct machine *m, unsigned int i);
/*
 * Endpoint i's upstream as the board wires it (the SMMU with its
 * StreamID, or nothing): for whoever re-routed it and puts it back.
 */
void machine_endpoint_translator(struct machine *m, unsigned int i,
				 struct dma_translator *t);

/*
 * Connect the SMMU's wired interrupt lines (event queue, GERROR, CMD_SYNC,
 * SEV) to handlers, as a GIC SPI would; NULL disconnects.  Handlers run in
 * the thread whose access raised the interrupt, with no model lock held.
 * Returns once no handler of the previous connection is still running
 * (free_irq's synchronize_irq), so never call it from a handler.
 */
void machine_set_smmu_irq(struct machine *m, const struct smmuv3_irq_ops *ops,
			  void *opaque);

/*
 * A CPU interface taking LPIs: once connected, each LPI the ITS would set
 * pending is taken at once (acknowledged; it does not pend, so every MSI
 * is one delivery) and handed to fn(opaque, target, intid) after the
 * write that raised it has completed, in that writer's thread and before
 * the write returns to it (whatever other threads write meanwhile), with
 * no model lock held - so fn may touch the machine (the SMMU sends its
 * MSIs after dropping its lock).  An LPI fn itself raises pends until fn
 * returns, then is delivered in the same thread (a GIC's priority drop)
 * unless another thread's delivery acknowledges it first: fn is never
 * entered from inside itself.  An endpoint's MSI sent from inside a
 * write to its BAR reaches fn before that write returns: fn must not write
 * that BAR again (refused as busy).  NULL disconnects:
 * LPIs then stay pending for machine_lpi_pending/_ack.  Returns once no
 * call of the previous handler is still running, so never call it from
 * the handler.
 */
typedef void (*machine_lpi_fn)(void *opaque, unsigned int target, u32 intid);
void machine_set_lpi_handler(struct machine *m, machine_lpi_fn fn, void *opaque);

/* What reached the interrupt side. */
struct machine_stats {
	u64 lpis;		/* LPIs the ITS set pending */
	unsigned int last_target;
	u32 last_lpi;
	u64 smmu_irqs[4];	/* eventq, gerror, cmdq_sync, sev edges */
};
void machine_get_stats(struct machine *m, struct machine_stats *st);

/* Pending LPI state of the ITS model (its_lpi_is_pending, its_lpi_ack). */
bool machine_lpi_pending(struct machine *m, unsigned int target, u32 intid);
u32 machine_lpi_ack(struct machine *m, unsigned int target);

#endif
