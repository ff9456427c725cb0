/* SPDX-License-Identifier: MIT */
/*
 * A software IOMMU driver with no hardware behind it, for tests of the
 * core and of the layers above (dma-iommu, iommufd).  It behaves like a
 * small Arm SMMUv3 driver: endpoints are named by StreamIDs in their
 * fwspec, devices sharing a StreamID share a group, paging domains are Arm
 * LPAE tables written by io-pgtable (stage 1, or stage 2 for a nest
 * parent), NESTED domains hold a guest stage-1 blob over a stage-2 parent,
 * and the software MSI window sits at 0x8000000 as on SMMUv3 hosts.
 *
 * Where hardware would walk tables, mock_iommu_translate() asks the
 * domain the driver last attached for the device; where hardware would
 * be told to invalidate, the domain counts the request.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_MOCK_IOMMU_H
#define IOMMUSIM_KERNEL_DRIVERS_MOCK_IOMMU_H

#include "kernel/iommu.h"

#define MOCK_MSI_IOVA_BASE	0x8000000UL
#define MOCK_MSI_IOVA_LENGTH	0x100000UL

/* iommu_user_data.type of a mock nested domain, with its blob. */
#define IOMMU_HWPT_DATA_MOCK	0xdead
enum mock_s1_config {
	MOCK_S1_ABORT = 0,	/* guest stage 1 blocks every access */
	MOCK_S1_BYPASS = 1,	/* guest stage 1 off: stage 2 only */
	MOCK_S1_TRANSLATE = 2,	/* guest tables at s1_ttb (IPA) */
};
struct iommu_hwpt_mock_nested {
	u32 config;		/* enum mock_s1_config */
	u32 __reserved;		/* must be 0 */
	u64 s1_ttb;
};

struct mock_iommu;

struct mock_iommu *mock_iommu_create(struct kernel *k, const char *name);
/* Releases the devices it probed, then unregisters and frees. */
void mock_iommu_destroy(struct mock_iommu *m);
struct fwnode_handle *mock_iommu_fwnode(struct mock_iommu *m);

/* Firmware knobs, set before the device with that StreamID probes. */
int mock_iommu_add_resv_region(struct mock_iommu *m, u32 sid,
			       phys_addr_t start, size_t length, int prot,
			       enum iommu_resv_type type);
int mock_iommu_set_def_domain_type(struct mock_iommu *m, u32 sid, int type);
void mock_iommu_set_deferred_flush(struct mock_iommu *m, bool supported);
/*
 * Whether nested domains name their stage-2 parent as the domain for MSI
 * doorbells (get_msi_mapping_domain, used by the rfc-2023 MSI model only);
 * false plays a driver that gives no parent, the 2023 sketch's -EINVAL
 * case.  Default true.
 */
void mock_iommu_set_nested_msi_parent(struct mock_iommu *m, bool reports);
/* Whether devices get the IOMMU_RESV_SW_MSI region (0x8000000, 1 MiB), as
 * arm-smmu-v3's; false plays a driver without one.  Default true. */
void mock_iommu_set_sw_msi(struct mock_iommu *m, bool reports);
/* The next attach_dev on this IOMMU fails with err (fault injection). */
void mock_iommu_fail_next_attach(struct mock_iommu *m, int err);

/* Convenience for tests: a device with these StreamIDs, added and probed. */
struct device *mock_iommu_add_device(struct mock_iommu *m, const char *name,
				     const u32 *sids, int num_sids);

/* What the driver was asked to invalidate in a domain. */
struct mock_tlb_stats {
	unsigned long flush_all;	/* flush_iotlb_all, tlb_flush_all */
	unsigned long flush_walk;	/* io-pgtable freed tables */
	unsigned long add_page;		/* io-pgtable removed leaves */
	unsigned long iotlb_sync;	/* ranges synced after unmap */
	unsigned long sync_map;		/* iotlb_sync_map after map */
	unsigned long last_sync_start, last_sync_end;
	/* Guest invalidations (iommufd HWPT_INVALIDATE): SMMUv3 commands a
	 * nested domain, or a vIOMMU over this parent, was given. */
	unsigned long user_inv;
	u64 last_user_cmd[2];		/* as the driver rewrote it */
};
/* Paging or nested (user_inv only) domains. */
int mock_domain_tlb_stats(struct iommu_domain *domain,
			  struct mock_tlb_stats *stats);
/* ARM_64_LPAE_S1 or _S2 for a mock paging domain, -EINVAL otherwise. */
int mock_domain_fmt(struct iommu_domain *domain);
/* The stage-2 parent of a mock nested domain, NULL otherwise. */
struct iommu_domain *mock_nested_parent(struct iommu_domain *domain);
int mock_nested_config(struct iommu_domain *domain,
		       struct iommu_hwpt_mock_nested *cfg);
/* The domain the driver last attached dev to, as hardware would see it. */
struct iommu_domain *mock_iommu_attached_domain(struct device *dev);

/*
 * A DMA access of dev to iova through its attached domain:
 * 0 with *pa set, -EFAULT for a fault (blocked, aborting stage 1,
 * unmapped), -ENODEV without an IOMMU, -EOPNOTSUPP for a translating
 * guest stage 1 (the mock does not walk stage 1; the SMMU model does).
 */
int mock_iommu_translate(struct device *dev, dma_addr_t iova,
			 phys_addr_t *pa);

/*
 * What iommufd sees (mock-iommu-viommu.c): GET_HW_INFO reports type
 * IOMMU_HW_INFO_TYPE_ARM_SMMUV3 with these ID registers; IOMMU_VIOMMU_
 * ALLOC of type ARM_SMMUV3 makes a vIOMMU whose nested domains take the
 * guest's STE words (IOMMU_HWPT_DATA_ARM_SMMUV3, checked as arm-smmu-v3
 * checks them) and whose invalidations take SMMUv3 commands
 * (IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3) with virtual StreamIDs.
 */
#define MOCK_IDR0	0x0f0ff0bfU
#define MOCK_IDR1	0x00a00010U
#define MOCK_IDR3	0x00001000U
#define MOCK_IDR5	0x00000075U
#define MOCK_IIDR	0x0000043bU
#define MOCK_AIDR	0x00000002U
#define MOCK_VMID_BASE	0x100	/* VMIDs the mock hands its vIOMMUs */

/* A vIOMMU's VMID (what it writes into the TLBI commands it forwards). */
struct iommufd_viommu;
int mock_viommu_vmid(struct iommufd_viommu *viommu);
/*
 * The hardware reported an event record (four little-endian words, the
 * physical StreamID in word 0 [63:32]) for dev: as arm-smmu-v3 does for a
 * device on a vIOMMU's nested domain, hand it to the vIOMMU's vEVENTQ with
 * the virtual StreamID.  -EOPNOTSUPP when dev is not on such a domain,
 * -ENOENT without a vDEVICE, or iommufd_viommu_report_event()'s error.
 */
int mock_iommu_raise_event(struct device *dev, const u64 evt[4]);

#endif
