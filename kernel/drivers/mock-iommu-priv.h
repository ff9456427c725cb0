/* SPDX-License-Identifier: MIT */
/*
 * The mock IOMMU driver's insides, shared by mock-iommu.c (domains, devices)
 * and mock-iommu-viommu.c (what iommufd asks of a driver: hw_info, the
 * vIOMMU, nested invalidation), as arm-smmu-v3.c and arm-smmu-v3-iommufd.c
 * share arm-smmu-v3.h.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_MOCK_IOMMU_PRIV_H
#define IOMMUSIM_KERNEL_DRIVERS_MOCK_IOMMU_PRIV_H

#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommufd/iommufd.h"

#define MOCK_MAX_FW	32	/* firmware table entries per instance */
#define MOCK_IAS	48	/* input (VA or IPA) bits of its tables */
#define MOCK_OAS	48	/* output address bits */

struct mock_fw_resv {
	u32 sid;
	phys_addr_t start;
	size_t length;
	int prot;
	enum iommu_resv_type type;
};

struct mock_iommu {
	struct kernel *k;
	struct device hwdev;		/* the IOMMU's own platform device */
	struct iommu_device iommu;
	struct mutex lock;		/* the knobs below */
	struct mock_fw_resv resv[MOCK_MAX_FW];
	unsigned int nr_resv;
	struct { u32 sid; int type; } def_type[MOCK_MAX_FW];
	unsigned int nr_def_type;
	bool no_deferred_flush;
	bool nested_hides_msi_parent;
	bool no_sw_msi;			/* report no IOMMU_RESV_SW_MSI region */
	int fail_attach;
};

struct mock_master {
	struct mock_iommu *m;
	struct device *dev;
	struct iommu_domain *domain;	/* what "the hardware" uses now */
};

/* Paging and nested domains. */
struct mock_domain {
	struct iommu_domain domain;
	struct mock_iommu *m;
	struct kernel *k;
	/* paging */
	enum io_pgtable_fmt fmt;
	bool nest_parent;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *pgtbl_ops;
	spinlock_t stats_lock;		/* map/unmap run concurrently */
	struct mock_tlb_stats stats;
	unsigned int nested_users;	/* nested domains over this parent */
	/* nested */
	struct mock_domain *parent;
	struct iommu_hwpt_mock_nested s1;
	struct iommufd_viommu *viommu;	/* made through a vIOMMU */
};

bool mock_is_domain(struct iommu_domain *domain);

static inline struct mock_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

static inline bool is_mock_domain(struct iommu_domain *domain)
{
	return mock_is_domain(domain);
}

/* A nested domain over pd with stage-1 configuration s1 (counts a user of pd). */
struct iommu_domain *mock_nested_create(struct mock_iommu *m, struct kernel *k,
					struct mock_domain *pd,
					const struct iommu_hwpt_mock_nested *s1);

/* mock-iommu-viommu.c */
void *mock_hw_info(struct device *dev, u32 *length, u32 *type);
struct iommufd_viommu *mock_viommu_alloc(struct device *dev,
					 struct iommu_domain *parent,
					 struct iommufd_ctx *ictx,
					 unsigned int viommu_type,
					 const struct iommu_user_data *user_data);
int mock_nested_cache_invalidate_user(struct iommu_domain *domain,
				      struct iommu_user_data_array *array);

#endif
