/* SPDX-License-Identifier: MIT */
/*
 * The selftest mock driver's insides, shared by iommufd-selftest.c (devices,
 * paging and nested domains) and iommufd-selftest-viommu.c (its vIOMMU,
 * vEVENTs and the device cache the vIOMMU invalidates), as Linux keeps
 * them in one drivers/iommu/iommufd/selftest.c.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_IOMMUFD_SELFTEST_PRIV_H
#define IOMMUSIM_KERNEL_DRIVERS_IOMMUFD_SELFTEST_PRIV_H

#include "include/uapi/linux/iommufd_test.h"
#include "kernel/drivers/iommufd-selftest.h"
#include "kernel/iommufd/iommufd.h"

#define LEAF_BITS	10
#define LEAF_ENTRIES	(1U << LEAF_BITS)
#define TOP_ENTRIES	(((MOCK_APERTURE_LAST + 1UL) / MOCK_IO_PAGE_SIZE) >> LEAF_BITS)

struct selftest_iommu {
	struct kernel *k;
	struct device hwdev;
	struct iommu_device iommu;
	struct mutex lock;
	unsigned int next_dev;
};

struct mock_dev {
	struct device *dev;
	struct selftest_iommu *st;
	u32 flags;		/* MOCK_FLAGS_DEVICE_* */
	u32 cache[MOCK_DEV_CACHE_NUM];	/* what a vIOMMU invalidation clears */
	/* The vIOMMU of the nested domain it is attached to, and its ID there. */
	struct iommufd_viommu *viommu;
	unsigned long vdev_id;
	/* The second set_dev_pasid of IOMMU_TEST_PASID_RESERVED fails. */
	bool pasid_1024_fake_error;
};
/* The mock's set_dev_pasid, for every domain it makes (selftest.c). */
int selftest_set_dev_pasid(struct iommu_domain *domain, struct device *dev,
			   ioasid_t pasid, struct iommu_domain *old);

struct mock_domain {
	struct iommu_domain domain;
	struct kernel *k;
	spinlock_t lock;	/* the table and tracking */
	bool tracking;		/* set_dirty_tracking(true) */
	u64 *top[TOP_ENTRIES];
};

struct mock_nested {
	struct iommu_domain domain;
	struct mock_domain *parent;
	struct iommufd_viommu *viommu;	/* made through one, or NULL */
	u32 iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];
};

extern const struct iommu_domain_ops selftest_nested_ops;

static inline struct mock_domain *to_md(struct iommu_domain *d)
{
	return container_of(d, struct mock_domain, domain);
}

static inline struct mock_dev *to_mdev(struct device *dev)
{
	return dev_iommu_priv_get(dev);
}

/* A nested domain over parent from an IOMMU_HWPT_DATA_SELFTEST blob. */
struct iommu_domain *selftest_nested_create(struct kernel *k,
					    struct mock_domain *parent,
					    const struct iommu_user_data *user_data);

/* iommufd-selftest-viommu.c */
struct iommufd_viommu *selftest_viommu_alloc(struct device *dev,
					     struct iommu_domain *parent,
					     struct iommufd_ctx *ictx,
					     unsigned int viommu_type,
					     const struct iommu_user_data *user_data);
/* Which vIOMMU the device now sits behind (attach of domain). */
int selftest_viommu_attach(struct mock_dev *mdev, struct iommu_domain *domain);

#endif
