/* SPDX-License-Identifier: MIT */
/*
 * The iommufd user API: the ioctls of /dev/iommu with Linux's command
 * numbers, struct layouts, enum and flag values (include/uapi/linux/
 * iommufd.h as of Linux 6.17, plus IOMMU_OPTION_SW_MSI_START/SIZE from the
 * Oct 2025 "iommufd: Add IOMMU_OPTION_SW_MSI_START/SIZE ioctls" v2 series,
 * NOT merged upstream: see enum iommufd_option), written from those facts so a client written
 * against the kernel's header compiles against this one unchanged.  Debian's
 * linux-libc-dev (6.1) has no iommufd.h, so we carry ours.
 *
 * Every ioctl takes a struct whose first u32 is its size: the kernel reads
 * what it knows, zero-fills a shorter struct, and refuses (-E2BIG) a longer
 * one whose unknown tail is not zero.  Every size and offset a client or
 * the kernel side relies on is asserted at the end of the file.
 */
#ifndef _UAPI_IOMMUFD_H
#define _UAPI_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>
#include <stddef.h>

#define IOMMUFD_TYPE (';')

enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
};

/* IOMMU_DESTROY: destroy any object by ID. */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* IOMMU_IOAS_ALLOC: a new, empty IO address space. */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* An inclusive IOVA interval. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/*
 * IOMMU_IOAS_IOVA_RANGES: the IOVA ranges that may be mapped.  num_iovas is
 * the array's length in, the number of ranges out (-EMSGSIZE when the array
 * was too short, num_iovas still written back).
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/* IOMMU_IOAS_ALLOW_IOVAS: ranges that must stay mappable (replaces the list). */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0,
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,
	IOMMU_IOAS_MAP_READABLE = 1 << 2,
};

/* IOMMU_IOAS_MAP: user memory at user_va becomes the pages behind iova. */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/* IOAS_MAP of a memfd (or other shmem file) range: fd and its byte offset. */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/* IOMMU_IOAS_COPY: map in dst the pages src maps at src_iova. */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/* IOMMU_IOAS_UNMAP: whole mappings inside [iova, iova + length); 0/U64_MAX = all. */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0,
	IOMMU_OPTION_HUGE_PAGES = 1,
	/*
	 * NOT MERGED UPSTREAM: the posted series "iommufd: Add
	 * IOMMU_OPTION_SW_MSI_START/SIZE ioctls" (v2, 14 October 2025).
	 * Mainline has neither and answers -EOPNOTSUPP; iommusim accepts them
	 * only in a kernel running the sw-msi-v2 MSI model.  Per device
	 * (object_id = device ID), before the first attach.
	 */
	IOMMU_OPTION_SW_MSI_START = 2,	/* NOT MERGED; 1 MiB aligned */
	IOMMU_OPTION_SW_MSI_SIZE = 3,	/* NOT MERGED; MiB, 0 = driver's window */
};

enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,
	IOMMU_VFIO_IOAS_SET = 1,
	IOMMU_VFIO_IOAS_CLEAR = 2,
};

struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,
	IOMMU_VTD_S1_EAFE = 1 << 1,
	IOMMU_VTD_S1_WPE = 1 << 2,
};

struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/*
 * IOMMU_HWPT_DATA_ARM_SMMUV3: the guest's STE words 0 and 1, little-endian
 * (V, Cfg, S1Fmt, S1ContextPtr, S1CDMax; EATS, S1DSS, S1CIR/COR/CSH,
 * S1STALLD).  A driver returns -EIO for anything else set.
 */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
};

/*
 * IOMMU_HWPT_ALLOC: a paging HWPT over an IOAS (pt_id = IOAS), or a nested
 * HWPT over a NEST_PARENT paging HWPT or a vIOMMU (data_type != NONE).
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0,
};

struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/* The SMMU's ID registers, raw (Arm IHI0070 6.3.1-6.3.6). */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
};

enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,
};

enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0,
};

/* IOMMU_GET_HW_INFO: the IOMMU's description of itself, behind dev_id. */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, \
					  IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1,
};

struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, \
					IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0,
};

struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/*
 * One SMMUv3 command-queue entry, little-endian.  Accepted through a
 * vIOMMU: TLBI_NSNH_ALL, TLBI_NH_VA, TLBI_NH_VAA, TLBI_NH_ALL,
 * TLBI_NH_ASID, ATC_INV, CFGI_CD, CFGI_CD_ALL; anything else is -EIO.
 */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/*
 * IOMMU_HWPT_INVALIDATE: an array of entry_num entries of entry_len bytes
 * to a nested HWPT or a vIOMMU; entry_num out = entries handled.
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1),
};

enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/* What a read() of a fault queue's fd returns, one per fault. */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0,
	IOMMUFD_PAGE_RESP_INVALID = 1,
};

/* What a write() to a fault queue's fd carries. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
};

struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

/* IOMMU_VIOMMU_ALLOC: a slice of dev_id's IOMMU over a nest-parent HWPT. */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
};
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/* IOMMU_VDEVICE_ALLOC: virt_id (the guest's StreamID) names dev_id in the vIOMMU. */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS \
	_IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0),
};

/* Precedes each event read from a vEVENTQ fd; sequence wraps at INT_MAX. */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* An SMMUv3 event record with the virtual StreamID, little-endian. */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1,
};

struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/* ------------------------------------------------------------------ layout */

#define __IOMMUFD_OFF(s, f, o) \
	_Static_assert(offsetof(struct s, f) == (o), #s "." #f " offset")
#define __IOMMUFD_SIZE(s, n) \
	_Static_assert(sizeof(struct s) == (n), "sizeof " #s)

_Static_assert(IOMMU_DESTROY == 0x3b80, "IOMMU_DESTROY number");
_Static_assert(IOMMU_HWPT_ALLOC == 0x3b89, "IOMMU_HWPT_ALLOC number");
_Static_assert(IOMMU_VEVENTQ_ALLOC == 0x3b93, "IOMMU_VEVENTQ_ALLOC number");

__IOMMUFD_SIZE(iommu_destroy, 8);
__IOMMUFD_OFF(iommu_destroy, id, 4);
__IOMMUFD_SIZE(iommu_ioas_alloc, 12);
__IOMMUFD_OFF(iommu_ioas_alloc, out_ioas_id, 8);
__IOMMUFD_SIZE(iommu_iova_range, 16);
__IOMMUFD_OFF(iommu_iova_range, last, 8);
__IOMMUFD_SIZE(iommu_ioas_iova_ranges, 32);
__IOMMUFD_OFF(iommu_ioas_iova_ranges, num_iovas, 8);
__IOMMUFD_OFF(iommu_ioas_iova_ranges, __reserved, 12);
__IOMMUFD_OFF(iommu_ioas_iova_ranges, allowed_iovas, 16);
__IOMMUFD_OFF(iommu_ioas_iova_ranges, out_iova_alignment, 24);
__IOMMUFD_SIZE(iommu_ioas_allow_iovas, 24);
__IOMMUFD_OFF(iommu_ioas_allow_iovas, allowed_iovas, 16);
__IOMMUFD_SIZE(iommu_ioas_map, 40);
__IOMMUFD_OFF(iommu_ioas_map, flags, 4);
__IOMMUFD_OFF(iommu_ioas_map, ioas_id, 8);
__IOMMUFD_OFF(iommu_ioas_map, __reserved, 12);
__IOMMUFD_OFF(iommu_ioas_map, user_va, 16);
__IOMMUFD_OFF(iommu_ioas_map, length, 24);
__IOMMUFD_OFF(iommu_ioas_map, iova, 32);
__IOMMUFD_SIZE(iommu_ioas_map_file, 40);
__IOMMUFD_OFF(iommu_ioas_map_file, fd, 12);
__IOMMUFD_OFF(iommu_ioas_map_file, start, 16);
__IOMMUFD_OFF(iommu_ioas_map_file, length, 24);
__IOMMUFD_OFF(iommu_ioas_map_file, iova, 32);
__IOMMUFD_SIZE(iommu_ioas_copy, 40);
__IOMMUFD_OFF(iommu_ioas_copy, dst_ioas_id, 8);
__IOMMUFD_OFF(iommu_ioas_copy, src_ioas_id, 12);
__IOMMUFD_OFF(iommu_ioas_copy, length, 16);
__IOMMUFD_OFF(iommu_ioas_copy, dst_iova, 24);
__IOMMUFD_OFF(iommu_ioas_copy, src_iova, 32);
__IOMMUFD_SIZE(iommu_ioas_unmap, 24);
__IOMMUFD_OFF(iommu_ioas_unmap, iova, 8);
__IOMMUFD_OFF(iommu_ioas_unmap, length, 16);
__IOMMUFD_SIZE(iommu_option, 24);
__IOMMUFD_OFF(iommu_option, op, 8);
__IOMMUFD_OFF(iommu_option, __reserved, 10);
__IOMMUFD_OFF(iommu_option, object_id, 12);
__IOMMUFD_OFF(iommu_option, val64, 16);
__IOMMUFD_SIZE(iommu_vfio_ioas, 12);
__IOMMUFD_SIZE(iommu_hwpt_arm_smmuv3, 16);
__IOMMUFD_SIZE(iommu_hwpt_vtd_s1, 24);
__IOMMUFD_SIZE(iommu_hwpt_alloc, 48);
__IOMMUFD_OFF(iommu_hwpt_alloc, dev_id, 8);
__IOMMUFD_OFF(iommu_hwpt_alloc, pt_id, 12);
__IOMMUFD_OFF(iommu_hwpt_alloc, out_hwpt_id, 16);
__IOMMUFD_OFF(iommu_hwpt_alloc, __reserved, 20);
__IOMMUFD_OFF(iommu_hwpt_alloc, data_type, 24);
__IOMMUFD_OFF(iommu_hwpt_alloc, data_len, 28);
__IOMMUFD_OFF(iommu_hwpt_alloc, data_uptr, 32);
__IOMMUFD_OFF(iommu_hwpt_alloc, fault_id, 40);
__IOMMUFD_OFF(iommu_hwpt_alloc, __reserved2, 44);
__IOMMUFD_SIZE(iommu_hw_info_arm_smmuv3, 40);
__IOMMUFD_OFF(iommu_hw_info_arm_smmuv3, idr, 8);
__IOMMUFD_OFF(iommu_hw_info_arm_smmuv3, iidr, 32);
__IOMMUFD_OFF(iommu_hw_info_arm_smmuv3, aidr, 36);
__IOMMUFD_SIZE(iommu_hw_info, 40);
__IOMMUFD_OFF(iommu_hw_info, dev_id, 8);
__IOMMUFD_OFF(iommu_hw_info, data_len, 12);
__IOMMUFD_OFF(iommu_hw_info, data_uptr, 16);
__IOMMUFD_OFF(iommu_hw_info, out_data_type, 24);
__IOMMUFD_OFF(iommu_hw_info, out_max_pasid_log2, 28);
__IOMMUFD_OFF(iommu_hw_info, __reserved, 29);
__IOMMUFD_OFF(iommu_hw_info, out_capabilities, 32);
__IOMMUFD_SIZE(iommu_hwpt_set_dirty_tracking, 16);
__IOMMUFD_SIZE(iommu_hwpt_get_dirty_bitmap, 48);
__IOMMUFD_SIZE(iommu_viommu_arm_smmuv3_invalidate, 16);
__IOMMUFD_SIZE(iommu_hwpt_invalidate, 32);
__IOMMUFD_OFF(iommu_hwpt_invalidate, hwpt_id, 4);
__IOMMUFD_OFF(iommu_hwpt_invalidate, data_uptr, 8);
__IOMMUFD_OFF(iommu_hwpt_invalidate, data_type, 16);
__IOMMUFD_OFF(iommu_hwpt_invalidate, entry_len, 20);
__IOMMUFD_OFF(iommu_hwpt_invalidate, entry_num, 24);
__IOMMUFD_OFF(iommu_hwpt_invalidate, __reserved, 28);
__IOMMUFD_SIZE(iommu_hwpt_pgfault, 40);
__IOMMUFD_OFF(iommu_hwpt_pgfault, addr, 24);
__IOMMUFD_OFF(iommu_hwpt_pgfault, cookie, 36);
__IOMMUFD_SIZE(iommu_hwpt_page_response, 8);
__IOMMUFD_SIZE(iommu_fault_alloc, 16);
__IOMMUFD_OFF(iommu_fault_alloc, out_fault_fd, 12);
__IOMMUFD_SIZE(iommu_viommu_alloc, 40);
__IOMMUFD_OFF(iommu_viommu_alloc, type, 8);
__IOMMUFD_OFF(iommu_viommu_alloc, dev_id, 12);
__IOMMUFD_OFF(iommu_viommu_alloc, hwpt_id, 16);
__IOMMUFD_OFF(iommu_viommu_alloc, out_viommu_id, 20);
__IOMMUFD_OFF(iommu_viommu_alloc, data_len, 24);
__IOMMUFD_OFF(iommu_viommu_alloc, data_uptr, 32);
__IOMMUFD_SIZE(iommu_vdevice_alloc, 24);
__IOMMUFD_OFF(iommu_vdevice_alloc, dev_id, 8);
__IOMMUFD_OFF(iommu_vdevice_alloc, out_vdevice_id, 12);
__IOMMUFD_OFF(iommu_vdevice_alloc, virt_id, 16);
__IOMMUFD_SIZE(iommu_ioas_change_process, 8);
__IOMMUFD_SIZE(iommufd_vevent_header, 8);
__IOMMUFD_SIZE(iommu_vevent_arm_smmuv3, 32);
__IOMMUFD_SIZE(iommu_veventq_alloc, 32);
__IOMMUFD_OFF(iommu_veventq_alloc, veventq_depth, 16);
__IOMMUFD_OFF(iommu_veventq_alloc, out_veventq_id, 20);
__IOMMUFD_OFF(iommu_veventq_alloc, out_veventq_fd, 24);
__IOMMUFD_SIZE(iommu_hw_queue_alloc, 40);
__IOMMUFD_OFF(iommu_hw_queue_alloc, viommu_id, 8);
__IOMMUFD_OFF(iommu_hw_queue_alloc, type, 12);
__IOMMUFD_OFF(iommu_hw_queue_alloc, index, 16);
__IOMMUFD_OFF(iommu_hw_queue_alloc, out_hw_queue_id, 20);
__IOMMUFD_OFF(iommu_hw_queue_alloc, nesting_parent_iova, 24);
__IOMMUFD_OFF(iommu_hw_queue_alloc, length, 32);
__IOMMUFD_OFF(iommufd_vevent_header, sequence, 4);
__IOMMUFD_OFF(iommu_ioas_change_process, __reserved, 4);
_Static_assert(IOMMU_HW_QUEUE_ALLOC == 0x3b94, "IOMMU_HW_QUEUE_ALLOC number");
_Static_assert(IOMMU_IOAS_CHANGE_PROCESS == 0x3b92, "IOMMU_IOAS_CHANGE_PROCESS number");

#undef __IOMMUFD_OFF
#undef __IOMMUFD_SIZE

#endif
