/* SPDX-License-Identifier: MIT */
/*
 * The Arm SMMUv3 driver of a kernel instance (Linux's
 * drivers/iommu/arm/arm-smmu-v3), over an SMMU found at a physical address
 * in the kernel's struct phys_mem.  The driver talks to the SMMU only as a
 * real driver does: 32/64-bit MMIO accesses to its registers, and the
 * stream table, context descriptors and queues it allocates in machine
 * memory (kernel_alloc_pages()).
 *
 * Endpoints name their SMMU with iommu_fwspec_init(dev,
 * arm_smmu_fwnode(smmu)) and their StreamIDs with iommu_fwspec_add_ids(),
 * as IORT or a DT "iommus" property would; device_add() then probes them.
 *
 * There are no interrupts to the kernel here unless the machine wires
 * them: arm_smmu_evtq_irq() and arm_smmu_gerror_irq() are the handlers a
 * machine calls from the SMMU's wired interrupt callbacks (or a test calls
 * directly).  Every event the driver consumes is decoded into a struct
 * arm_smmu_event, kept in a small log and passed to an optional handler.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_ARM_SMMU_V3_H
#define IOMMUSIM_KERNEL_DRIVERS_ARM_SMMU_V3_H

#include "kernel/iommu.h"

/* Where Arm SMMUv3 hosts put software-managed MSI doorbells. */
#define ARM_SMMU_MSI_IOVA_BASE		0x8000000UL
#define ARM_SMMU_MSI_IOVA_LENGTH	0x100000UL

/*
 * IOMMU_HWPT_DATA_ARM_SMMUV3 with struct iommu_hwpt_arm_smmuv3 (the guest's
 * STE words 0 and 1) and IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 with
 * struct iommu_viommu_arm_smmuv3_invalidate come from
 * include/uapi/linux/iommufd.h, through kernel/iommu.h.
 */

/*
 * Runs the guest's commands for nested domain as Linux's
 * arm_vsmmu_cache_invalidate does: TLBI_NH_{VA,VAA,ASID,ALL} with the
 * VMID forced to the stage-2 parent's, TLBI_NSNH_ALL turned into
 * TLBI_NH_ALL of that VMID, CFGI_CD/CFGI_CD_ALL aimed at the StreamIDs of
 * the devices attached to the domain (the guest's vSID is not trusted).
 * Anything else, or a reserved bit set, is -EIO.  *entry_num is the number
 * of commands given and, on return, the number executed.
 */
int arm_smmu_nested_cache_invalidate(struct iommu_domain *nested,
				     const struct iommu_viommu_arm_smmuv3_invalidate *cmds,
				     u32 *entry_num);

/* A decoded event record (Arm IHI0070 7.3). */
struct arm_smmu_event {
	u8 id;			/* EVT_ID_* / architected event type */
	bool ssv;
	u32 sid, ssid;
	bool stall, privileged, instruction, read, s2;
	u8 class;		/* 0 CD, 1 TT, 2 IN */
	u64 iova;		/* input address (DW2) */
	u64 ipa;		/* IPA or fetch address (DW3) */
	struct device *dev;	/* the master owning sid, NULL if none */
	u64 raw[4];
};

typedef void (*arm_smmu_fault_handler_t)(void *opaque,
					 const struct arm_smmu_event *evt);

struct arm_smmu_device;

/*
 * Probes the SMMU whose 128K register window sits at base in k's physical
 * address space, builds its stream table and queues, enables it and
 * registers it with the IOMMU core.  ERR_PTR: -ENODEV (nothing there),
 * -ENXIO (a feature the driver needs is missing), -ENOMEM, -ETIMEDOUT
 * (CR0ACK or GBPA never acknowledged).
 */
struct arm_smmu_device *arm_smmu_device_probe(struct kernel *k,
					      phys_addr_t base,
					      const char *name);
/* Firmware's IORT RMR node for every stream: [base, +size) stays mapped
 * 1:1 in the devices' domains (IOMMU_RESV_DIRECT).  Before devices probe. */
void arm_smmu_set_rmr(struct arm_smmu_device *smmu, phys_addr_t base, u64 size);
/* Unregisters (releasing its devices), disables the SMMU, frees everything. */
void arm_smmu_device_remove(struct arm_smmu_device *smmu);
struct fwnode_handle *arm_smmu_fwnode(struct arm_smmu_device *smmu);

/* Interrupt handlers: drain the event queue / handle GERROR. */
void arm_smmu_evtq_irq(struct arm_smmu_device *smmu);
void arm_smmu_gerror_irq(struct arm_smmu_device *smmu);

/* Called for each event after it is logged; NULL to stop. */
void arm_smmu_set_fault_handler(struct arm_smmu_device *smmu,
				arm_smmu_fault_handler_t fn, void *opaque);
/* Pops the oldest logged event: 0, or -ENOENT when the log is empty. */
int arm_smmu_pop_event(struct arm_smmu_device *smmu,
		       struct arm_smmu_event *evt);

/* What the driver saw and did, for tests and the CLI. */
struct arm_smmu_stats {
	unsigned long cmds;		/* commands written to the queue */
	unsigned long syncs;		/* CMD_SYNCs waited for */
	unsigned long tlbi;		/* TLBI commands */
	unsigned long cfgi;		/* CFGI commands */
	unsigned long cmdq_errors;	/* CMDQ_CONS.ERR seen */
	unsigned long cmdq_skipped;	/* bad commands turned into SYNC */
	u32 last_cmdq_err;		/* CERROR_* of the last error */
	u64 last_bad_cmd[2];		/* the command that caused it */
	unsigned long events;		/* event records consumed */
	unsigned long events_dropped;	/* log overflow */
	unsigned long evtq_overflows;	/* EVTQ PROD.OVFLG toggles seen */
	unsigned long gerrors;		/* GERROR bits handled */
	unsigned long ste_writes;	/* STE qword updates */
	unsigned long ste_breaking;	/* updates that had to clear V */
};
void arm_smmu_get_stats(struct arm_smmu_device *smmu,
			struct arm_smmu_stats *stats);

/* Probed geometry, for tests: 0 linear / 1 two-level, sid and ssid bits. */
struct arm_smmu_info {
	bool strtab_2lvl;
	unsigned int sid_bits, ssid_bits, asid_bits, vmid_bits;
	unsigned int ias, oas;
	unsigned int cmdq_shift, evtq_shift;
	bool stage1, stage2, nesting, range_inv;
	unsigned long pgsize_bitmap;
	phys_addr_t strtab_base;
};
void arm_smmu_get_info(struct arm_smmu_device *smmu,
		       struct arm_smmu_info *info);

/* Issues a raw 16-byte command followed by CMD_SYNC: 0 or -errno. */
int arm_smmu_issue_raw_cmd(struct arm_smmu_device *smmu, const u64 cmd[2]);

/* The ASID (stage 1) or VMID (stage 2) of a paging domain, -EINVAL else. */
int arm_smmu_domain_tag(struct iommu_domain *domain);
/* The physical address of the STE the SMMU uses for sid, 0 if none. */
phys_addr_t arm_smmu_ste_address(struct arm_smmu_device *smmu, u32 sid);

#endif
