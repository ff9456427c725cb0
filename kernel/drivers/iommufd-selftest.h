/* SPDX-License-Identifier: MIT */
/*
 * The iommufd selftest's mock IOMMU (the driver half of Linux's
 * drivers/iommu/iommufd/selftest.c, CONFIG_IOMMUFD_TEST): an IOMMU with no
 * hardware whose paging domains map 2 KiB pages (half the CPU page, so
 * iommufd's sub-page alignment paths run) inside a fixed aperture, and
 * whose devices are made on demand by IOMMU_TEST_OP_MOCK_DOMAIN.
 *
 * kernel/iommufd/selftest.c serves IOMMU_TEST_CMD on top of this: it
 * creates and destroys mock devices, and inspects domains through the
 * accessors below (what the kernel's selftest reads from its xarray).
 *
 * One instance per kernel; iommufd finds it with selftest_iommu_find().
 * Its vIOMMU (IOMMU_VIOMMU_TYPE_SELFTEST) is in iommufd-selftest-viommu.c.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_IOMMUFD_SELFTEST_H
#define IOMMUSIM_KERNEL_DRIVERS_IOMMUFD_SELFTEST_H

#include "kernel/iommu.h"

#define MOCK_IO_PAGE_SIZE	2048UL		/* PAGE_SIZE / 2 */
#define MOCK_HUGE_PAGE_SIZE	(512 * MOCK_IO_PAGE_SIZE)

struct selftest_iommu;

/* Registers the mock IOMMU in k (NULL on failure). */
struct selftest_iommu *selftest_iommu_create(struct kernel *k);
void selftest_iommu_destroy(struct selftest_iommu *st);
/* k's instance, or NULL when the kernel was built without it. */
struct selftest_iommu *selftest_iommu_find(struct kernel *k);

/*
 * A new mock device behind st, probed, in a group of its own.  dev_flags
 * are MOCK_FLAGS_DEVICE_* (-EINVAL for others), ERR_PTR(-ENOMEM).
 */
struct device *selftest_dev_create(struct selftest_iommu *st, u32 dev_flags);
void selftest_dev_destroy(struct device *dev);
bool selftest_is_mock_dev(struct device *dev);

/* Domain inspection (MD_CHECK_MAP, MD_CHECK_IOTLB, DIRTY). */
bool selftest_is_paging_domain(struct iommu_domain *domain);
bool selftest_is_nested_domain(struct iommu_domain *domain);
/* The PA mapped at iova (a MOCK_IO_PAGE_SIZE multiple); -ENOENT if none. */
int selftest_domain_lookup(struct iommu_domain *domain, unsigned long iova,
			   phys_addr_t *pa);
/* Whether set_dirty_tracking turned tracking on. */
bool selftest_domain_tracking(struct iommu_domain *domain);
/* Marks the IO page at iova dirty, as a device write would: 1 if mapped. */
int selftest_domain_mark_dirty(struct iommu_domain *domain, unsigned long iova);
/* The nested domain's IOTLB entry id; -EINVAL past MOCK_NESTED_DOMAIN_IOTLB_ID_MAX. */
int selftest_nested_iotlb(struct iommu_domain *domain, unsigned int id,
			  u32 *val);

/* DEV_CHECK_CACHE: -EINVAL unless entry id of the device's cache holds val. */
int selftest_dev_check_cache(struct device *dev, unsigned int id, u32 val);
/* TRIGGER_VEVENT: a vEVENT with the device's virtual ID to its vIOMMU. */
int selftest_dev_trigger_vevent(struct device *dev);

#endif
