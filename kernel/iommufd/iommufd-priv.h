/* SPDX-License-Identifier: MIT */
/*
 * iommufd's objects, shared by the files of kernel/iommufd/ (drivers/iommu/iommufd/
 * iommufd_private.h): the context with its object table, the io_pagetable
 * of an IOAS, HWPTs, devices, vIOMMU children and event queues.
 *
 * Locking is deliberately coarse: ictx->lock serialises every ioctl and
 * device call, so objects never change under a handler.  Event queues have
 * their own lock (ictx->events_lock) because drivers report events from
 * their own threads.  Order: ictx->lock, then a group's mutex (attach),
 * then sw-msi's lock; events_lock is innermost.
 */
#ifndef IOMMUSIM_KERNEL_IOMMUFD_PRIV_H
#define IOMMUSIM_KERNEL_IOMMUFD_PRIV_H

#include <limits.h>
#include <string.h>

#include "kernel/iommufd/iommufd.h"
#include "kernel/sw-msi.h"

#ifndef U64_MAX
#define U64_MAX		(~0ULL)
#endif
#define PHYS_ADDR_MAX	(~(phys_addr_t)0)
#define IOMMUFD_ID_MAX	0x7fffffffU	/* xa_limit_31b */

/* ------------------------------------------------------------ io_pagetable */

/*
 * Where an area's bytes live: the program's memory at user_va, or (for
 * IOMMU_IOAS_MAP_FILE) a shared mapping of the file the kernel made, held
 * by every area that maps part of it (iopt_pages' file reference).
 */
struct iopt_file {
	unsigned int refs;
	void *addr;			/* the mapping, NULL if not shmem ... */
	size_t len;			/* ... of this many bytes ... */
	unsigned long start;		/* ... from this offset in the file */
};

struct iopt_area {
	struct list_head node;		/* in iopt->areas, by iova */
	unsigned long iova, last;
	unsigned long user_va;		/* host address of iova's byte */
	struct iopt_file *file;		/* MAP_FILE's mapping, or NULL */
	struct iommufd_source *source;	/* another process's memory, or NULL */
	phys_addr_t pa;			/* of iova (reachable while pinned) */
	unsigned int pins;		/* the domains' storage, accesses */
	unsigned int num_locks;		/* HW queues reading it: no unmap */
	bool writable;			/* pages pinned for write (iopt_pages) */
	int prot;			/* IOMMU_READ / IOMMU_WRITE */
};

struct iopt_reserved {
	struct list_head node;
	unsigned long start, last;
	const void *owner;		/* a device or a domain */
};

struct iopt_domain {
	struct list_head node;
	struct iommu_domain *domain;
};

struct io_pagetable {
	struct list_head areas;
	struct list_head reserved;
	struct list_head domains;
	struct list_head accesses;	/* of iommufd_access */
	struct iommu_iova_range *allowed;
	unsigned int nr_allowed;
	bool disable_large_pages;
	/*
	 * What IOVAs, lengths and page offsets must be aligned to: 1 with no
	 * domain (any byte), else the smallest page of the domains
	 * (iopt_calculate_iova_alignment); PAGE_SIZE when large pages are off.
	 */
	unsigned long iova_alignment;
	struct kernel *k;
};

void iopt_init(struct io_pagetable *iopt, struct kernel *k);
void iopt_destroy(struct io_pagetable *iopt);
/* *iova in/out (IOVA allocated unless fixed); prot IOMMU_READ/WRITE. */
int iopt_map_pages(struct io_pagetable *iopt, unsigned long *iova,
		   unsigned long user_va, struct iopt_file *file,
		   struct iommufd_source *source, unsigned long length,
		   int prot, bool writable, bool fixed);
/*
 * Pins an area's pages (pin_user_pages on first use, as iopt_pages fills
 * its first domain): area->pa is valid while pins > 0.  0 or -EFAULT.
 */
int iopt_area_pin(struct io_pagetable *iopt, struct iopt_area *area);

void iopt_area_unpin(struct io_pagetable *iopt, struct iopt_area *area);

/* pages.c: the memory behind areas. */
static inline unsigned long iopt_area_length(const struct iopt_area *area)
{
	return area->last - area->iova + 1;
}
/*
 * iopt_alloc_file_pages: a shared mapping of [start, start + length) of
 * fd, *user_va the host address of start.  -EBADF, -EPERM (writable
 * without write access, or write-sealed), -EINVAL, -EOVERFLOW, -ENOMEM.
 */
struct iopt_file *iopt_file_get(struct kernel *k, int fd, unsigned long start,
				unsigned long length, bool writable,
				unsigned long *user_va, int *err);
void iopt_file_put(struct iopt_file *file);
/* The address iopt_alloc_iova aligns to: the user pointer, or file offset. */
unsigned long iopt_pages_hint(unsigned long user_va,
			      const struct iopt_file *file);
int iopt_unmap_iova(struct io_pagetable *iopt, unsigned long iova,
		    unsigned long length, unsigned long *unmapped);
int iopt_unmap_all(struct io_pagetable *iopt, unsigned long *unmapped);
int iopt_check_contig(struct io_pagetable *iopt, unsigned long iova,
		      unsigned long length);
int iopt_copy(struct io_pagetable *dst, struct io_pagetable *src,
	      unsigned long src_iova, unsigned long length,
	      unsigned long *dst_iova, int prot, bool fixed);
int iopt_reserve_iova(struct io_pagetable *iopt, unsigned long start,
		      unsigned long last, const void *owner);
void iopt_remove_reserved_iova(struct io_pagetable *iopt, const void *owner);
int iopt_disable_large_pages(struct io_pagetable *iopt);
void iopt_enable_large_pages(struct io_pagetable *iopt);
int iopt_set_allow_iova(struct io_pagetable *iopt,
			struct iommu_iova_range *ranges, unsigned int n);
/* The holes of the reserved list (the usable ranges) from the skip-th on. */
unsigned int iopt_for_each_allowed(struct io_pagetable *iopt, unsigned int skip,
				   struct iommu_iova_range *out,
				   unsigned int max);
int iopt_table_add_domain(struct io_pagetable *iopt,
			  struct iommu_domain *domain);
void iopt_table_remove_domain(struct io_pagetable *iopt,
			      struct iommu_domain *domain);
struct iopt_area *iopt_find_area(struct io_pagetable *iopt,
				 unsigned long iova);
/* VFIO type1 compatibility (vfio_compat.c). */
unsigned long iopt_iova_alignment(struct io_pagetable *iopt);
int iopt_cut_iova(struct io_pagetable *iopt, const unsigned long *iovas,
		  size_t num_iovas);
int iopt_map_user_pages(struct iommufd_ctx *ictx, struct io_pagetable *iopt,
			unsigned long *iova, void *uptr, unsigned long length,
			int prot, bool fixed);

/* ------------------------------------------------------------ objects */

struct iommufd_ioas {
	struct iommufd_object obj;
	struct io_pagetable iopt;
	struct list_head hwpt_list;	/* paging HWPTs over it */
};

struct iommufd_fault;

struct iommufd_hw_pagetable {
	struct iommufd_object obj;
	struct iommu_domain *domain;
	struct iommufd_fault *fault;
	bool pasid_compat;		/* IOMMU_HWPT_ALLOC_PASID */
};

struct iommufd_hwpt_paging {
	struct iommufd_hw_pagetable common;
	struct iommufd_ioas *ioas;
	struct list_head hwpt_item;	/* in ioas->hwpt_list */
	bool nest_parent;
	bool auto_domain;
	/* The domain enforces coherency (no driver here offers it yet). */
	bool enforce_cache_coherency;
};

struct iommufd_hwpt_nested {
	struct iommufd_hw_pagetable common;
	struct iommufd_hwpt_paging *parent;
	struct iommufd_viommu *viommu;
};

/* Per iommu_group: devices of a group share one HWPT. */
struct iommufd_group {
	struct list_head node;		/* in ictx->groups */
	struct iommufd_ctx *ictx;
	struct iommu_group *group;
	struct iommufd_hw_pagetable *hwpt;
	unsigned int attached;		/* devices attached */
	unsigned int bound;		/* devices bound */
	struct list_head pasid_attach;	/* of iommufd_pasid_attach */
};

/* device-pasid.c: the HWPT a PASID of a group uses, and its devices. */
#define IOMMUFD_GROUP_MAX_DEVS	16
struct iommufd_pasid_attach {
	struct list_head node;		/* in igroup->pasid_attach */
	ioasid_t pasid;
	struct iommufd_hw_pagetable *hwpt;
	unsigned int ndevs;
	struct iommufd_device *devs[IOMMUFD_GROUP_MAX_DEVS];
};

struct iommufd_vdevice;

struct iommufd_device {
	struct iommufd_object obj;
	struct device *dev;
	struct iommufd_group *igroup;
	struct iommufd_hw_pagetable *hwpt;	/* attached to */
	struct iommufd_vdevice *vdev;
	phys_addr_t sw_msi_start;	/* IOMMU_OPTION_SW_MSI_START */
	u64 sw_msi_size;		/* bytes; 0 = driver's window */
};

struct iommufd_vdevice {
	struct iommufd_object obj;
	struct list_head node;		/* in viommu->vdevs */
	struct iommufd_viommu *viommu;
	struct iommufd_device *idev;
	u64 virt_id;
};

struct iommufd_access {
	struct iommufd_object obj;
	struct list_head node;		/* in ioas->iopt.accesses */
	struct iommufd_ioas *ioas;
	const struct iommufd_access_ops *ops;
	void *data;
};

/* An event as queued: header and payload (a fault or a vEVENT). */
struct iommufd_event {
	struct list_head node;
	struct iommufd_vevent_header header;
	size_t data_len;
	u8 data[];
};

/* What a vEVENTQ or a fault queue share: an fd and a list to deliver. */
struct iommufd_eventq {
	struct iommufd_object obj;
	struct list_head fd_node;	/* in ictx->eventqs */
	int fd;				/* -1 once closed */
	struct list_head deliver;
	unsigned int num_events;
	bool signalled;			/* the eventfd's counter is non-zero */
};

struct iommufd_fault {
	struct iommufd_eventq common;
	struct list_head response;	/* delivered, awaiting a response */
	u32 next_cookie;
};

struct iommufd_veventq {
	struct iommufd_eventq common;
	struct list_head node;		/* in viommu->veventqs */
	struct iommufd_viommu *viommu;
	unsigned int type;
	unsigned int depth;
	u32 sequence;
	struct iommufd_event *lost;	/* the LOST_EVENTS header; listed: at the tail */
};

struct iommufd_ctx {
	struct kernel *k;
	struct mutex lock;
	struct iommufd_object **objs;	/* index = ID, slot 0 unused */
	unsigned int nr_slots;
	struct list_head groups;
	struct list_head eventqs;
	struct mutex events_lock;
	struct sw_msi_ctx *sw_msi;
	bool account_mm;		/* IOMMU_OPTION_RLIMIT_MODE */
	struct iommufd_source *call_source; /* of the ioctl running, or NULL */
	struct list_head test_accesses;	/* IOMMU_TEST_CMD's access fds */
	u32 test_memory_limit;		/* SET_TEMP_MEMORY_LIMIT */
	struct iommufd_ioas *vfio_ioas;	/* what VFIO type1 ioctls act on */
	iommufd_uaccess_fn uaccess;	/* NULL: all user memory is reachable */
	iommufd_copy_out_fn copy_out;	/* copy_to_user */
};

/* A command as the handlers see it (struct iommufd_ucmd). */
struct iommufd_ucmd {
	struct iommufd_ctx *ictx;
	void *ubuffer;
	u32 user_size;
	void *cmd;
};

/* copy_to_user into the program's memory: 0 or -EFAULT (page 0 never maps). */
static inline int iommufd_copy_to_user(struct iommufd_ctx *ictx, void *udst,
				       const void *src, size_t len)
{
	if (!len)
		return 0;
	return !udst || ictx->copy_out(udst, src, len) ? -EFAULT : 0;
}

/* Copies the command back, no more than the user's size: 0 or -EFAULT. */
static inline int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t len)
{
	return iommufd_copy_to_user(ucmd->ictx, ucmd->ubuffer, ucmd->cmd,
				    min_t(size_t, ucmd->user_size, len));
}

/* device-pasid.c (ictx->lock held) */
int iommufd_hwpt_pasid_compat_rid(struct iommufd_hw_pagetable *hwpt,
				  struct iommufd_group *ig);
struct iommufd_hw_pagetable *iommufd_device_pasid_hwpt(struct iommufd_device *idev,
						       ioasid_t pasid);
void iommufd_device_pasid_detach_all(struct iommufd_ctx *ictx,
				     struct iommufd_device *idev);

/* main.c */
int iommufd_object_add(struct iommufd_ctx *ictx, struct iommufd_object *obj,
		       enum iommufd_object_type type);
void iommufd_object_remove(struct iommufd_ctx *ictx, struct iommufd_object *obj);
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type);
int iommufd_destroy_object(struct iommufd_ctx *ictx, struct iommufd_object *obj);
/*
 * The answer of a command that made obj: when it cannot be written back,
 * obj is undone (iommufd_object_abort_and_destroy) and this is -EFAULT.
 */
int iommufd_ucmd_respond_new(struct iommufd_ucmd *ucmd, size_t len,
			     struct iommufd_object *obj);

static inline struct iommufd_ioas *iommufd_get_ioas(struct iommufd_ctx *ictx,
						    u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_IOAS);

	return IS_ERR(obj) ? (void *)obj :
	       container_of(obj, struct iommufd_ioas, obj);
}

static inline struct iommufd_device *iommufd_get_device(struct iommufd_ctx *ictx,
							u32 id)
{
	struct iommufd_object *obj = iommufd_get_object(ictx, id, IOMMUFD_OBJ_DEVICE);

	return IS_ERR(obj) ? (void *)obj :
	       container_of(obj, struct iommufd_device, obj);
}

static inline struct iommufd_hwpt_paging *
to_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_paging, common);
}

static inline struct iommufd_hwpt_nested *
to_hwpt_nested(struct iommufd_hw_pagetable *hwpt)
{
	return container_of(hwpt, struct iommufd_hwpt_nested, common);
}

/* The paging HWPT whose IOAS a HWPT translates through. */
static inline struct iommufd_hwpt_paging *
find_hwpt_paging(struct iommufd_hw_pagetable *hwpt)
{
	if (hwpt->obj.type == IOMMUFD_OBJ_HWPT_PAGING)
		return to_hwpt_paging(hwpt);
	return to_hwpt_nested(hwpt)->parent;
}

/* ioctl handlers */
int iommufd_ioas_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_ioas_iova_ranges(struct iommufd_ucmd *ucmd);
int iommufd_ioas_allow_iovas(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map(struct iommufd_ucmd *ucmd);
int iommufd_ioas_map_file(struct iommufd_ucmd *ucmd);
int iommufd_ioas_change_process(struct iommufd_ucmd *ucmd);
int iommufd_ioas_copy(struct iommufd_ucmd *ucmd);
int iommufd_ioas_unmap(struct iommufd_ucmd *ucmd);
int iommufd_ioas_option(struct iommufd_ucmd *ucmd);
void iommufd_ioas_destroy(struct iommufd_object *obj);
int iommufd_option_sw_msi(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_alloc(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_invalidate(struct iommufd_ucmd *ucmd);
void iommufd_hwpt_destroy(struct iommufd_object *obj);
int iommufd_get_hw_info(struct iommufd_ucmd *ucmd);
int iommufd_viommu_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_vdevice_alloc_ioctl(struct iommufd_ucmd *ucmd);
int iommufd_veventq_alloc(struct iommufd_ucmd *ucmd);
int iommufd_fault_alloc(struct iommufd_ucmd *ucmd);
void iommufd_viommu_destroy(struct iommufd_object *obj);
void iommufd_vdevice_destroy(struct iommufd_object *obj);
void iommufd_hw_queue_destroy(struct iommufd_object *obj);
int iommufd_hw_queue_alloc_ioctl(struct iommufd_ucmd *ucmd);
void iommufd_eventq_destroy(struct iommufd_object *obj);
void iommufd_device_destroy(struct iommufd_object *obj);
void iommufd_access_destroy_object(struct iommufd_object *obj);

/* device.c: the public device and access calls with ictx->lock held */
int iommufd_device_bind_locked(struct iommufd_ctx *ictx, struct device *dev,
			       u32 *id);
int iommufd_device_attach_pt_locked(struct iommufd_ctx *ictx, u32 dev_id,
				    u32 *pt_id);
void iommufd_device_unbind_locked(struct iommufd_ctx *ictx, u32 dev_id);
int iommufd_access_create_locked(struct iommufd_ctx *ictx, u32 ioas_id,
				 const struct iommufd_access_ops *ops, void *data,
				 u32 *id);
void iommufd_access_destroy_locked(struct iommufd_ctx *ictx, u32 access_id);
/* iommufd_access_replace(): onto another IOAS, its pins dropped first. */
int iommufd_access_replace_locked(struct iommufd_ctx *ictx, u32 access_id,
				  u32 ioas_id);
int iommufd_access_rw_locked(struct iommufd_ctx *ictx, u32 access_id,
			     unsigned long iova, void *data, size_t len,
			     unsigned int flags);

/* vfio_compat.c */
int iommufd_vfio_ioas(struct iommufd_ucmd *ucmd);
long iommufd_vfio_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
			unsigned long arg);

/* iova_bitmap.c, dirty.c: dirty tracking */
typedef int (*iova_bitmap_fn_t)(struct iova_bitmap *bitmap, unsigned long iova,
				size_t length, void *opaque);
struct iova_bitmap *iova_bitmap_alloc(struct iommufd_ctx *ictx,
				      unsigned long iova, size_t length,
				      unsigned long page_size, void *data);
void iova_bitmap_free(struct iova_bitmap *bitmap);
int iova_bitmap_for_each(struct iova_bitmap *bitmap, void *opaque,
			 iova_bitmap_fn_t fn);
int iopt_set_dirty_tracking(struct io_pagetable *iopt,
			    struct iommu_domain *domain, bool enable);
int iopt_read_and_clear_dirty_data(struct iommufd_ctx *ictx,
				   struct io_pagetable *iopt,
				   struct iommu_domain *domain,
				   unsigned long flags,
				   const struct iommu_hwpt_get_dirty_bitmap *cmd);
int iommufd_hwpt_set_dirty_tracking(struct iommufd_ucmd *ucmd);
int iommufd_hwpt_get_dirty_bitmap(struct iommufd_ucmd *ucmd);

/* hw_pagetable.c */
struct iommufd_hwpt_paging *
iommufd_hwpt_paging_alloc(struct iommufd_ctx *ictx, struct iommufd_ioas *ioas,
			  struct iommufd_device *idev, u32 flags,
			  bool auto_domain,
			  const struct iommu_user_data *user_data);

/* selftest.c: IOMMU_TEST_CMD; -ENOTTY without the mock driver */
int iommufd_test(struct iommufd_ucmd *ucmd);
bool iommufd_test_present(struct iommufd_ctx *ictx);
void iommufd_selftest_destroy(struct iommufd_object *obj);
struct iommu_test_cmd;
int iommufd_test_stdev_idev(struct iommufd_ctx *ictx, u32 stdev_id, u32 *idev_id);
int iommufd_test_pasid(struct iommufd_ucmd *ucmd, struct iommu_test_cmd *cmd);
/* Closes a CREATE_ACCESS fd: false when fd is not one. */
bool iommufd_test_fd_close(struct iommufd_ctx *ictx, int fd);
/* Releases accesses and mock devices before the context's objects go. */
void iommufd_test_ctx_destroy(struct iommufd_ctx *ictx);

/* eventq.c */
ssize_t iommufd_eventq_read(struct iommufd_ctx *ictx, struct iommufd_eventq *q,
			    void *ubuf, size_t count, iommufd_copy_out_fn copy_out);
ssize_t iommufd_fault_write(struct iommufd_ctx *ictx, struct iommufd_fault *f,
			    const void *buf, size_t count);
int iommufd_eventq_init(struct iommufd_ctx *ictx, struct iommufd_eventq *q);
int iommufd_fault_report(struct iommufd_ctx *ictx, struct iommufd_fault *f,
			 const struct iommu_hwpt_pgfault *pf);

#endif
