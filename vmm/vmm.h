/* SPDX-License-Identifier: MIT */
/*
 * A small VMM: a guest whose DMA goes through a nested SMMUv3.
 *
 * The guest's physical address space is its own struct phys_mem, laid out
 * like QEMU's "virt", with the vITS moved so that the guest's doorbell IPA
 * differs from the host's doorbell PA (the demo then shows translation):
 *
 *	0x08000000  RMR    the host's SW_MSI window, 1 MiB, declared to the
 *	                   guest as an IORT RMR: its stage 1 maps it 1:1
 *	0x09050000  vSMMU  the hw/smmuv3 model, stage 1 only, trapped
 *	0x0c080000  vITS   GITS frames; GITS_TRANSLATER at 0x0c090040
 *	0x0c0a0000  vGICR
 *	0x10000000  BARs of the assigned devices, 4K each, passed through
 *	0x40000000  RAM    host memory from the backend, aliased
 *
 * The host side is only the backend (vmm/backend.h: iommufd + VFIO calls):
 * guest RAM is mapped into an IOAS and a nest-parent HWPT carries it as
 * stage 2.  Mainline iommufd gives a VMM no say in where doorbells go: the
 * host installs the physical ITS page in stage 2 at the driver's
 * IOMMU_RESV_SW_MSI window (0x08000000 on arm-smmu-v3).  So, as QEMU's
 * accelerated vSMMU does, the VMM keeps that IPA range free and describes
 * it to the guest as an RMR; the guest's SMMU driver maps it 1:1 in stage
 * 1.  The vSMMU is a
 * second instance of the SMMUv3 model on the guest's memory; its command
 * trap turns each CFGI_STE of an assigned device into a nested HWPT with
 * the guest's STE (allocate, replace, destroy the old), CFGI_CD and
 * TLBI_NH_* into invalidations of it, and vmm_poll_events() feeds the
 * host's vEVENTQ records (virtual StreamIDs) into its event queue.
 *
 * An assigned device's BAR is the physical one except its MSI capability
 * (VFIO's emulation): the guest's address and data stay in a shadow; the
 * device keeps the host's message, the host's EventID at the IOVA the
 * host gave the doorbell in the SW_MSI window.  So a device MSI walks guest
 * stage 1 (the RMR, 1:1) and host stage 2 to the physical ITS and pends
 * the host's LPI; the VMM then raises the guest's LPI at the vITS doorbell
 * the guest programmed (QEMU's MSI route fix-up, KVM's irqfd).
 */
#ifndef IOMMUSIM_VMM_VMM_H
#define IOMMUSIM_VMM_VMM_H

#include "vmm/backend.h"

#define VMM_MSI_WINDOW		0x08000000ULL	/* host SW_MSI = guest RMR */
#define VMM_MSI_WINDOW_SIZE	0x00100000ULL
#define VMM_GUEST_ITS_BASE	0x0c080000ULL
#define VMM_GUEST_GICR_BASE	0x0c0a0000ULL
#define VMM_GUEST_DOORBELL	0x0c090040ULL	/* vITS GITS_TRANSLATER */
#define VMM_GUEST_SMMU_BASE	0x09050000ULL
#define VMM_GUEST_BAR_BASE	0x10000000ULL
#define VMM_GUEST_BAR_STRIDE	0x1000ULL
#define VMM_GUEST_RAM_BASE	0x40000000ULL
#define VMM_GUEST_RAM_MAX	(16ULL << 20)	/* one host page-allocator block */
#define VMM_MAX_DEVICES		8

struct vmm;
struct platform;
struct platform_config;
struct phys_mem;
struct smmuv3;

/*
 * Guest RAM of ram_size bytes (4K multiple, up to 16M: one host block)
 * from the backend, mapped into the IOAS at VMM_GUEST_RAM_BASE.  ERR_PTR:
 * -EINVAL, -ENOMEM, or the backend's error.
 */
struct vmm *vmm_create(struct vmm_backend *be, u64 ram_size);
/* Shuts the guest down, detaches the devices, frees the guest's objects. */
void vmm_destroy(struct vmm *vmm);

/*
 * Before boot: host device dev (a backend device ID) becomes the guest's
 * StreamID vsid, with its BAR in the next slot.  The first device gets the
 * nest parent and the software-MSI window; every device is attached to it
 * until the guest configures its STE.  Guest endpoint index, or -EINVAL
 * (booted already, vsid taken or too large), -ENOSPC, the backend's error.
 */
int vmm_assign(struct vmm *vmm, u32 dev, u32 vsid);

/*
 * Boots a guest kernel instance ("guest") on the virtual board with the
 * same board file and drivers as the host: its arm-smmu-v3 driver probes
 * the vSMMU, its ITS driver the vITS.  Add the assigned endpoints with
 * platform_add_ep(guest, index, name).  ERR_PTR as platform_boot_board.
 */
struct platform *vmm_boot_guest(struct vmm *vmm);
/* The same with the guest's command line: passthrough, lazy (the name
 * defaults to "guest"; iommu must be SMMUV3 or NONE, ram_base/size 0). */
struct platform *vmm_boot_guest_config(struct vmm *vmm,
				       const struct platform_config *cfg);
struct platform *vmm_guest(struct vmm *vmm);

/* Forwards queued vEVENTQ records into the vSMMU's event queue: how many. */
int vmm_poll_events(struct vmm *vmm);
/*
 * The VMM's irqfd loop: each host MSI of an assigned device that fired is
 * injected into the vITS as the guest programmed it (its IOVA translated
 * through the vSMMU to the doorbell, as QEMU fixes up an MSI route behind
 * a vIOMMU; DeviceID = vSID), pending the guest's LPI.  How many.
 */
int vmm_poll_irqs(struct vmm *vmm);

struct phys_mem *vmm_guest_mem(struct vmm *vmm);
struct smmuv3 *vmm_vsmmu(struct vmm *vmm);
struct its *vmm_vits(struct vmm *vmm);
/* Host pointer to guest RAM at gpa (len bytes), NULL outside it. */
void *vmm_gpa_to_hva(struct vmm *vmm, u64 gpa, u64 len);

struct vmm_stats {
	u64 ste_traps;		/* CFGI_STE* seen */
	u64 hwpt_allocs;	/* nested HWPTs installed */
	u64 hwpt_errors;	/* vSTEs the host refused (CERROR_ILL) */
	u64 invalidations;	/* CFGI_CD* / TLBI_NH_* forwarded */
	u64 inval_errors;
	u64 events;		/* vEVENTQ records forwarded */
	u64 events_lost;	/* the vEVENTQ or the vSMMU's queue was full */
	u64 msi_enables;	/* VFIO_DEVICE_SET_IRQS */
	u64 irqs_injected;	/* guest LPIs raised by vmm_poll_irqs */
	u64 irqs_dropped;	/* the guest's MSI address did not translate */
};
void vmm_get_stats(struct vmm *vmm, struct vmm_stats *st);
/* The nested HWPT guest StreamID vsid uses now (0: the nest parent). */
u32 vmm_vdev_hwpt(struct vmm *vmm, u32 vsid);

/* One line per host call the VMM makes, for the scenario trace. */
typedef void (*vmm_trace_fn)(void *opaque, const char *line);
void vmm_set_trace(struct vmm *vmm, vmm_trace_fn fn, void *opaque);

/*
 * The default scenario's finale (vmm/finale.c): board, host, VMM, guest,
 * the guest driver's DMA and MSI through both stages, each step traced to
 * fn and checked.  The VMM runs over the host's iommufd
 * (vmm_ibackend_create: nest parent, vIOMMU, vDEVICE, nested HWPT,
 * SW_MSI window at the vITS page).  0, or the first error (-EIO for a
 * failed expectation).  guest_ram: the guest's RAM in bytes, a multiple
 * of 2M up to VMM_GUEST_RAM_MAX, 0 for the default 16M.  fn NULL: no
 * narration, only the checks.
 */
#define VMM_FINALE_GUEST_RAM	(16ULL << 20)
int vmm_run_finale(vmm_trace_fn fn, void *opaque, u64 guest_ram);

#endif
