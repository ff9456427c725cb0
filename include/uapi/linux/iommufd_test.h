/* SPDX-License-Identifier: MIT */
/*
 * IOMMU_TEST_CMD, the command of the iommufd selftest mock driver
 * (a kernel built with CONFIG_IOMMUFD_TEST): the numbers, flags and
 * struct layouts of Linux's drivers/iommu/iommufd/iommufd_test.h (read in
 * mainline, commit 20896914da8a, and in Debian's 6.12.118 tree), written
 * from those facts so that tools/testing/selftests/iommu/ compiles against
 * this header and talks to kernel/iommufd/selftest.c unchanged.  Every
 * offset the kernel side relies on is asserted at the end.
 *
 * The header is uapi in Linux's sense only: the kernel's selftest includes
 * the driver's header directly, and so do our clients.
 */
#ifndef _UAPI_IOMMUFD_TEST_H
#define _UAPI_IOMMUFD_TEST_H

#include <linux/types.h>

#include "iommufd.h"

enum {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,
	IOMMU_TEST_OP_CREATE_ACCESS = 5,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6,
	IOMMU_TEST_OP_ACCESS_PAGES = 7,
	IOMMU_TEST_OP_ACCESS_RW = 8,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12,
	IOMMU_TEST_OP_DIRTY = 13,
	IOMMU_TEST_OP_MD_CHECK_IOTLB = 14,
	IOMMU_TEST_OP_TRIGGER_IOPF = 15,
	IOMMU_TEST_OP_DEV_CHECK_CACHE = 16,
	IOMMU_TEST_OP_TRIGGER_VEVENT = 17,
	IOMMU_TEST_OP_PASID_ATTACH = 18,
	IOMMU_TEST_OP_PASID_REPLACE = 19,
	IOMMU_TEST_OP_PASID_DETACH = 20,
	IOMMU_TEST_OP_PASID_CHECK_HWPT = 21,
};

/* The IOVA window of every mock paging domain. */
enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

/* access_pages.flags */
enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/* access_rw.flags (the first two are iommufd_access_rw's own) */
enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/* create_access.flags */
enum {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* mock_domain_flags.dev_flags: what the mock device can do */
enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/* The nested domain's pretend IOTLB and the mock device's pretend cache. */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

enum {
	MOCK_DEV_CACHE_ID_MAX = 3,
	MOCK_DEV_CACHE_NUM = 4,
};

/* A PASID the mock refuses to replace onto (its replace-failure test). */
#define IOMMU_TEST_PASID_RESERVED 1024

struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;	/* the device's iommufd ID */
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;	/* MOCK_FLAGS_DEVICE_* */
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
		struct {
			__u32 pasid;
			__u32 pt_id;		/* id is the stdev_id */
		} pasid_attach;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;
		} pasid_check;
	};
	__u32 last;
};
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

#define MOCK_PASID_WIDTH 20

/* GET_HW_INFO of a mock device */
#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef

struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/* HWPT_ALLOC data of a mock nested domain (no enum iommu_hwpt_data_type value) */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef
#define IOMMU_TEST_DEV_CACHE_DEFAULT 0xbaddad

struct iommu_hwpt_selftest {
	__u32 iotlb;
};

#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* flags: IOMMU_TEST_INVALIDATE_FLAG_ALL ignores iotlb_id */
struct iommu_hwpt_invalidate_selftest {
#define IOMMU_TEST_INVALIDATE_FLAG_ALL	(1 << 0)
	__u32 flags;
	__u32 iotlb_id;
};

/* vIOMMU of the mock: out_data echoes in_data */
#define IOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeef

struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
};

#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

#define IOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeef

struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

#define IOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX 2

/* The layout the kernel side and Linux's selftest share. */
#define __IOMMU_TEST_ASSERT(e) _Static_assert(e, #e)
__IOMMU_TEST_ASSERT(sizeof(struct iommu_test_cmd) == 72);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, add_reserved.start) == 16);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, mock_domain_flags.dev_flags) == 28);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, check_refs.refs) == 32);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, access_pages.uptr) == 40);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, access_rw.flags) == 40);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, dirty.iova) == 24);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, dirty.out_nr_dirty) == 56);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, trigger_iopf.addr) == 32);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, last) == 64);
__IOMMU_TEST_ASSERT(sizeof(struct iommu_test_hw_info) == 8);
__IOMMU_TEST_ASSERT(sizeof(struct iommu_hwpt_invalidate_selftest) == 8);
__IOMMU_TEST_ASSERT(sizeof(struct iommu_viommu_invalidate_selftest) == 12);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, pasid_attach.pasid) == 16);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, pasid_attach.pt_id) == 20);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, pasid_check.hwpt_id) == 20);
__IOMMU_TEST_ASSERT(offsetof(struct iommu_test_cmd, trigger_vevent.dev_id) == 16);
__IOMMU_TEST_ASSERT(sizeof(struct iommu_viommu_selftest) == 8);
__IOMMU_TEST_ASSERT(sizeof(struct iommu_viommu_event_selftest) == 4);
#undef __IOMMU_TEST_ASSERT

#endif
