/* SPDX-License-Identifier: MIT */
/*
 * What the files of the SMMUv3 driver share, and nobody else sees:
 *
 *   arm-smmu-v3.c         probe (IDRs, queues, stream table), reset/enable
 *   arm-smmu-v3-master.c  iommu_ops: per-device records, groups, resv regions
 *   arm-smmu-v3-cmdq.c    building and issuing commands, CMD_SYNC, GERROR
 *   arm-smmu-v3-ste.c     STE and CD contents and the entry writer that
 *                         updates them without exposing a torn entry
 *   arm-smmu-v3-domain.c  paging, nested and static domains, attach
 *   arm-smmu-v3-tlb.c     TLB invalidation for io-pgtable and iotlb_sync
 *   arm-smmu-v3-evtq.c    the event queue consumer and the fault log
 *   arm-smmu-v3-iommufd.c a guest's invalidations for nested domains
 *
 * Locking, outermost first: streams_mutex (masters, streams, STEs and
 * CDs, master->domain), cmdq_lock (the command queue), gerror_lock.  The
 * event queue has its own evtq_lock and then only streams_lock, a
 * spinlock around the streams list that nothing holds across MMIO.
 */
#ifndef IOMMUSIM_KERNEL_ARM_SMMU_V3_PRIV_H
#define IOMMUSIM_KERNEL_ARM_SMMU_V3_PRIV_H

#include <stdio.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-regs.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"

/* Features found in the IDRs. */
#define ARM_SMMU_FEAT_2_LVL_STRTAB	BIT(0)
#define ARM_SMMU_FEAT_TRANS_S1		BIT(1)
#define ARM_SMMU_FEAT_TRANS_S2		BIT(2)
#define ARM_SMMU_FEAT_NESTING		BIT(3)
#define ARM_SMMU_FEAT_RANGE_INV		BIT(4)
#define ARM_SMMU_FEAT_COHERENCY		BIT(5)
#define ARM_SMMU_FEAT_MSI		BIT(6)
#define ARM_SMMU_FEAT_SEV		BIT(7)
#define ARM_SMMU_FEAT_HYP		BIT(8)
#define ARM_SMMU_FEAT_STALLS		BIT(9)
#define ARM_SMMU_FEAT_HA		BIT(10)	/* IDR0.HTTU: access flag */
#define ARM_SMMU_FEAT_HD		BIT(11)	/* IDR0.HTTU: and dirty state */

#define ARM_SMMU_SZ_4K		0x1000UL
#define ARM_SMMU_SZ_16K		0x4000UL
#define ARM_SMMU_SZ_64K		0x10000UL
#define ARM_SMMU_SZ_2M		0x200000UL
#define ARM_SMMU_SZ_32M		0x2000000UL
#define ARM_SMMU_SZ_512M	0x20000000UL
#define ARM_SMMU_SZ_1G		0x40000000UL

/* Polling bounds: the model answers at once, hardware within microseconds. */
#define ARM_SMMU_POLL_TIMEOUT		1000000

#define ARM_SMMU_EVENT_LOG		64

struct arm_smmu_queue {
	phys_addr_t base_dma;
	u64 *base;			/* the kernel's view of base_dma */
	u64 q_base;			/* what goes into the BASE register */
	unsigned int max_n_shift;	/* log2 of the number of entries */
	unsigned int ent_dwords;
	u32 prod, cons;			/* shadows, index + wrap bit */
	u32 prod_reg, cons_reg;		/* register offsets */
};

struct arm_smmu_strtab {
	bool two_level;
	phys_addr_t base_dma;		/* linear STEs or level-1 descriptors */
	u64 *base;
	u64 size;
	unsigned int num_ents;		/* STEs (linear) or L1 descriptors */
	phys_addr_t *l2_dma;		/* two-level: per L1 descriptor */
	u64 **l2;
	u64 strtab_base;
	u32 strtab_base_cfg;
};

struct arm_smmu_device {
	struct kernel *k;
	struct phys_mem *mem;
	phys_addr_t base;
	struct device hwdev;		/* the SMMU's own platform device */
	struct iommu_device iommu;
	bool registered;

	u32 features;
	unsigned int sid_bits, ssid_bits, asid_bits, vmid_bits;
	unsigned int ias, oas;
	unsigned long pgsize_bitmap;
	/* Firmware's IORT RMR node over all streams (0 size: none). */
	phys_addr_t rmr_base;
	u64 rmr_size;

	struct mutex cmdq_lock;
	struct arm_smmu_queue cmdq;
	struct mutex gerror_lock;
	struct mutex evtq_lock;
	struct arm_smmu_queue evtq;
	struct arm_smmu_strtab strtab;

	struct mutex streams_mutex;
	struct list_head streams;	/* struct arm_smmu_stream */
	struct list_head masters;	/* struct arm_smmu_master */
	/* Guards the streams list alone, for lookups from the event path
	 * (which may run inside an MMIO access made under streams_mutex). */
	spinlock_t streams_lock;

	struct mutex ids_lock;
	unsigned long *asid_map;	/* 1 << asid_bits bits */
	unsigned long *vmid_map;	/* 1 << vmid_bits bits */

	/* Fault log, under evtq_lock. */
	struct arm_smmu_event log[ARM_SMMU_EVENT_LOG];
	unsigned int log_head, log_count;
	arm_smmu_fault_handler_t fault_fn;
	void *fault_opaque;

	/* ste_*: streams_mutex; cmds..cfgi: cmdq_lock; cmdq_errors..last_bad_cmd,
	 * gerrors: gerror_lock; events..evtq_overflows: evtq_lock. */
	struct arm_smmu_stats stats;
};

/*
 * One StreamID in use.  Devices that share a StreamID share its stream
 * (and, through device_group, one domain).  The stream owns a page with
 * two context-descriptor slots: a new stage-1 CD is written into the slot
 * the STE does not point at, then the STE is switched to it in one
 * hitless qword update (see arm-smmu-v3-ste.c).
 */
struct arm_smmu_stream {
	struct list_head node;		/* in smmu->streams */
	u32 sid;
	unsigned int users;		/* masters with this StreamID */
	struct device *dev;		/* a master with it, for events */
	phys_addr_t cd_dma;
	u64 *cd;			/* 2 x CTXDESC_CD_DWORDS */
	unsigned int cd_cur;		/* slot the STE points at (or did) */
};

struct arm_smmu_master {
	struct list_head node;		/* in smmu->masters */
	struct arm_smmu_device *smmu;
	struct device *dev;
	unsigned int num_streams;
	struct arm_smmu_stream **streams;
	struct iommu_domain *domain;	/* what the STEs implement now */
	/* The vIOMMU and virtual StreamID of a nested domain over a vIOMMU,
	 * for event forwarding: written under streams_mutex + streams_lock. */
	struct iommufd_viommu *vsmmu;
	unsigned long vsid;
};

enum arm_smmu_domain_stage {
	ARM_SMMU_DOMAIN_S1,
	ARM_SMMU_DOMAIN_S2,
};

struct arm_smmu_domain {
	struct iommu_domain domain;
	struct arm_smmu_device *smmu;
	enum arm_smmu_domain_stage stage;
	bool nest_parent;
	struct io_pgtable_ops *pgtbl_ops;
	u16 asid;			/* stage 1 */
	u16 vmid;			/* stage 2 */
	unsigned int nested_users;	/* under streams_mutex */
};

struct arm_smmu_nested_domain {
	struct iommu_domain domain;
	struct arm_smmu_domain *s2_parent;
	struct iommufd_viommu *vsmmu;	/* NULL: allocated over a bare parent */
	u64 ste[2];			/* validated vSTE words */
};

extern const struct iommu_ops arm_smmu_ops;
extern const struct iommu_domain_ops arm_smmu_paging_ops;
extern const struct iommu_domain_ops arm_smmu_nested_ops;
/*
 * Constants in read-only memory, shared by every SMMU of every kernel in the
 * process; handed out non-const, as Linux's iommu_ops and master->domain
 * want them, through these two.  Nothing writes a static domain.
 */
extern const struct iommu_domain arm_smmu_identity_domain;
extern const struct iommu_domain arm_smmu_blocked_domain;
#define ARM_SMMU_IDENTITY_DOMAIN ((struct iommu_domain *)&arm_smmu_identity_domain)
#define ARM_SMMU_BLOCKED_DOMAIN ((struct iommu_domain *)&arm_smmu_blocked_domain)

static inline struct arm_smmu_domain *to_smmu_domain(struct iommu_domain *d)
{
	return container_of(d, struct arm_smmu_domain, domain);
}

/* Hardware dirty state the driver can rely on: HD on a coherent SMMU. */
static inline bool arm_smmu_dbm_capable(const struct arm_smmu_device *smmu)
{
	u32 need = ARM_SMMU_FEAT_HD | ARM_SMMU_FEAT_COHERENCY;

	return (smmu->features & need) == need;
}

static inline struct arm_smmu_nested_domain *to_nested_domain(struct iommu_domain *d)
{
	return container_of(d, struct arm_smmu_nested_domain, domain);
}

/* MMIO, as readl/writel/readq/writeq: an access that aborts reads as ~0. */
u32 arm_smmu_readl(struct arm_smmu_device *smmu, u32 off);
void arm_smmu_writel(struct arm_smmu_device *smmu, u32 off, u32 val);
void arm_smmu_writeq(struct arm_smmu_device *smmu, u32 off, u64 val);
/* Writes val to reg, then polls ack_reg until it reads val: 0 or -ETIMEDOUT. */
int arm_smmu_write_reg_sync(struct arm_smmu_device *smmu, u32 val,
			    u32 reg, u32 ack_reg);

/* A command, as Linux's struct arm_smmu_cmdq_ent. */
struct arm_smmu_cmdq_ent {
	u8 opcode;
	union {
		struct {
			u32 sid;
			u32 ssid;
			bool leaf;
		} cfgi;
		struct {
			u8 num, scale;
			u16 asid, vmid;
			bool leaf;
			u8 ttl, tg;
			u64 addr;
		} tlbi;
	};
};

struct arm_smmu_cmdq_batch {
	u64 cmds[CMDQ_BATCH_ENTRIES * CMDQ_ENT_DWORDS];
	unsigned int num;
};

int arm_smmu_cmdq_build_cmd(u64 *cmd, const struct arm_smmu_cmdq_ent *ent);
int arm_smmu_cmdq_issue_cmdlist(struct arm_smmu_device *smmu, const u64 *cmds,
				unsigned int n, bool sync);
int arm_smmu_cmdq_issue_cmd_with_sync(struct arm_smmu_device *smmu,
				      const struct arm_smmu_cmdq_ent *ent);
void arm_smmu_cmdq_batch_init(struct arm_smmu_cmdq_batch *b);
void arm_smmu_cmdq_batch_add(struct arm_smmu_device *smmu,
			     struct arm_smmu_cmdq_batch *b,
			     const struct arm_smmu_cmdq_ent *ent);
int arm_smmu_cmdq_batch_submit(struct arm_smmu_device *smmu,
			       struct arm_smmu_cmdq_batch *b);
void arm_smmu_handle_gerror(struct arm_smmu_device *smmu);

/* Stream table and entries (arm-smmu-v3-ste.c). */
u64 *arm_smmu_get_step_for_sid(struct arm_smmu_device *smmu, u32 sid);
int arm_smmu_init_l2_strtab(struct arm_smmu_device *smmu, u32 sid);
void arm_smmu_init_initial_stes(u64 *strtab, unsigned int nent);
void arm_smmu_make_abort_ste(u64 *ste);
void arm_smmu_make_bypass_ste(u64 *ste);
void arm_smmu_make_cdtable_ste(u64 *ste, struct arm_smmu_stream *stream,
			       unsigned int slot);
void arm_smmu_make_s2_domain_ste(u64 *ste, struct arm_smmu_domain *d);
void arm_smmu_make_nested_domain_ste(u64 *ste,
				     struct arm_smmu_nested_domain *nd);
void arm_smmu_make_s1_cd(u64 *cd, struct arm_smmu_domain *d);
void arm_smmu_write_ste(struct arm_smmu_device *smmu, u32 sid, u64 *step,
			const u64 *target);
/* Install a domain's configuration for one stream; streams_mutex held. */
void arm_smmu_install_stream(struct arm_smmu_device *smmu,
			     struct arm_smmu_stream *stream,
			     struct iommu_domain *domain);

/* Domains (arm-smmu-v3-domain.c). */
struct iommu_domain *arm_smmu_domain_alloc_paging_flags(
	struct device *dev, u32 flags, const struct iommu_user_data *user_data);
/* The nested domain of a validated vSTE blob over a nest parent. */
struct arm_smmu_nested_domain *
arm_smmu_nested_domain_create(struct kernel *k, struct arm_smmu_domain *pd,
			      const struct iommu_user_data *user_data);
/* arm-smmu-v3-iommufd.c: iommu_ops hooks and event forwarding. */
void *arm_smmu_hw_info(struct device *dev, u32 *length, u32 *type);
struct iommufd_viommu *arm_vsmmu_alloc(struct device *dev,
				       struct iommu_domain *parent,
				       struct iommufd_ctx *ictx,
				       unsigned int viommu_type,
				       const struct iommu_user_data *user_data);
/* Forwards a stage-1 event of a nested master to its vEVENTQ; true if so. */
bool arm_smmu_report_vevent(struct arm_smmu_device *smmu, const u64 *raw,
			    const struct arm_smmu_event *evt);
struct iommu_domain *arm_smmu_domain_alloc_nested(
	struct device *dev, struct iommu_domain *parent, u32 flags,
	const struct iommu_user_data *user_data);
bool arm_smmu_is_paging_domain(struct iommu_domain *domain);
int arm_smmu_attach_dev(struct iommu_domain *domain, struct device *dev);

/* TLB (arm-smmu-v3-tlb.c). */
extern const struct iommu_flush_ops arm_smmu_flush_ops;
void arm_smmu_tlb_inv_context(struct arm_smmu_domain *d);
void arm_smmu_flush_iotlb_all(struct iommu_domain *domain);
void arm_smmu_iotlb_sync(struct iommu_domain *domain,
			 struct iommu_iotlb_gather *gather);

/* Event queue (arm-smmu-v3-evtq.c). */
void arm_smmu_decode_event(const u64 *raw, struct arm_smmu_event *evt);

/* ASID/VMID allocation (arm-smmu-v3-domain.c). */
int arm_smmu_alloc_id(struct arm_smmu_device *smmu, unsigned long *map,
		      unsigned int bits);
void arm_smmu_free_id(struct arm_smmu_device *smmu, unsigned long *map,
		      unsigned int id);

struct arm_smmu_domain *arm_smmu_nest_parent(struct arm_smmu_master *master,
					     struct iommu_domain *parent);

#endif
