/* SPDX-License-Identifier: MIT */
/*
 * iommufd, the kernel side of /dev/iommu (drivers/iommu/iommufd/ of Linux
 * 6.15-6.17), one context per open of the device file.
 *
 * Callers:
 *   - user space (a VMM, the LD_PRELOAD shim serving /dev/iommu) calls
 *     iommufd_ioctl() with Linux's ioctl numbers and structs from
 *     include/uapi/linux/iommufd.h, and reads/writes event-queue fds with
 *     iommufd_fd_read()/iommufd_fd_write();
 *   - a VFIO-like device layer binds devices (iommufd_device_bind, the cdev
 *     VFIO_DEVICE_BIND_IOMMUFD) and attaches them (iommufd_device_attach_pt,
 *     VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach or replace);
 *   - emulated devices use access objects (iommufd_access_*) to read and
 *     write through an IOAS;
 *   - IOMMU drivers implement iommu_ops->hw_info / viommu_alloc and the
 *     iommufd_viommu_ops below, and report events with
 *     iommufd_viommu_report_event().
 *
 * Everything a user pointer names is memory of this process: the kernel's
 * -EFAULT for an unreadable pointer cannot be detected here, so a bad
 * pointer crashes the caller as it would crash any library.  The one -EFAULT
 * we do give is for IOAS_MAP memory that cannot be pinned when a domain
 * needs it (see docs/iommufd.md).  IOMMU_IOAS_MAP_FILE's fd is a
 * descriptor of this process.
 */
#ifndef IOMMUSIM_KERNEL_IOMMUFD_IOMMUFD_H
#define IOMMUSIM_KERNEL_IOMMUFD_IOMMUFD_H

#include "include/uapi/linux/iommufd.h"
#include "kernel/iommu.h"

struct iommufd_ctx;
struct iommufd_device;
struct iommufd_access;
struct iommufd_hwpt_paging;

enum iommufd_object_type {
	IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_ANY = IOMMUFD_OBJ_NONE,
	IOMMUFD_OBJ_DEVICE,
	IOMMUFD_OBJ_HWPT_PAGING,
	IOMMUFD_OBJ_HWPT_NESTED,
	IOMMUFD_OBJ_IOAS,
	IOMMUFD_OBJ_ACCESS,
	IOMMUFD_OBJ_FAULT,
	IOMMUFD_OBJ_VIOMMU,
	IOMMUFD_OBJ_VDEVICE,
	IOMMUFD_OBJ_VEVENTQ,
	IOMMUFD_OBJ_HW_QUEUE,
	IOMMUFD_OBJ_SELFTEST,		/* IOMMU_TEST_CMD's mock devices */
	IOMMUFD_OBJ_MAX,
};

struct iommufd_object {
	unsigned int id;		/* 0 until the object is visible */
	enum iommufd_object_type type;
	unsigned int users;		/* references held by other objects */
};

/* ------------------------------------------------------------ context */

struct iommufd_ctx *iommufd_ctx_create(struct kernel *k);
/* Destroys every object (unbinding devices still bound, with a warning). */
void iommufd_ctx_destroy(struct iommufd_ctx *ictx);
/*
 * The ioctl entry point, as iommufd_fops_ioctl: 0 (or, for the VFIO type1
 * ioctls of vfio_compat.c, a positive answer) or -errno.  -ENOTTY for a
 * command iommufd does not know (CHANGE_PROCESS and HW_QUEUE_ALLOC are
 * not implemented and answer so),
 * -EINVAL for a size below the command's minimum, -E2BIG for a non-zero
 * tail past the struct the kernel knows.
 */
long iommufd_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
		   unsigned long arg);
/*
 * The process whose memory an ioctl's user pointers name, when it is not
 * the one iommufd runs in: a fork()ed child whose shared descriptor the
 * LD_PRELOAD shim serves from its parent.  IOAS_MAP records it with the
 * area (Linux's iopt_pages.source_mm); a pin once it is gone is -EFAULT,
 * as pinning from an exited mm is.  get/put keep it while areas hold it.
 */
struct iommufd_source {
	bool (*alive)(struct iommufd_source *src);
	void (*get)(struct iommufd_source *src);
	void (*put)(struct iommufd_source *src);
};
/* iommufd_ioctl on behalf of src (NULL: this process). */
long iommufd_ioctl_source(struct iommufd_ctx *ictx, unsigned int cmd,
			  unsigned long arg, struct iommufd_source *src);

/*
 * Event-queue fds (vEVENTQ, fault queue): real eventfds, so they can be
 * polled, closed and are unique numbers; their read()/write() semantics
 * are served here.  -EBADF for an fd of no queue of this context.
 */
ssize_t iommufd_fd_read(struct iommufd_ctx *ictx, int fd, void *buf,
			size_t count);
/*
 * The same into a buffer of the program's, copied piece by piece as the
 * kernel's fops do with copy_to_user: copy_out(udst, src, len) answers 0
 * or -EFAULT, and what it cannot place stays queued (-EFAULT when nothing
 * was read, else the bytes copied).  iommufd_fd_read is this with memcpy.
 */
typedef int (*iommufd_copy_out_fn)(void *udst, const void *src, size_t len);
ssize_t iommufd_fd_read_user(struct iommufd_ctx *ictx, int fd, void *ubuf,
			     size_t count, iommufd_copy_out_fn copy_out);
/*
 * How the context's ioctls write the program's memory back (the command
 * struct, IOVA_RANGES' array, GET_HW_INFO's data): the kernel's
 * copy_to_user.  A copy that fails is EFAULT after the work was done, as
 * in Linux: a new object is destroyed again, a map or unmap stays done.
 * The default is memcpy (a caller in this process passing its own
 * memory); the LD_PRELOAD shim sets its checked copy.
 */
void iommufd_ctx_set_copy_out(struct iommufd_ctx *ictx,
			      iommufd_copy_out_fn copy_out);
ssize_t iommufd_fd_write(struct iommufd_ctx *ictx, int fd, const void *buf,
			 size_t count);
/* close(): drops the fd's hold on its queue object. */
int iommufd_fd_close(struct iommufd_ctx *ictx, int fd);

/*
 * What stands for pin_user_pages(FOLL_WRITE) / access_ok where iommufd
 * holds on to user memory across a longer operation (the dirty bitmap):
 * 0 when [uptr, uptr + len) can be accessed (written when write), else
 * -EFAULT.  The shim installs its uaccess probe; without one (NULL, the
 * default) all memory of the process counts as accessible.
 */
typedef int (*iommufd_uaccess_fn)(void *uptr, size_t len, bool write);
void iommufd_ctx_set_uaccess(struct iommufd_ctx *ictx, iommufd_uaccess_fn fn);

/* ------------------------------------------------------------ devices */

/*
 * Bind dev (VFIO's cdev bind): claims DMA ownership of its group for the
 * context; *id is the device's object ID.  -ENODEV without IOMMU, the
 * core's -EPERM (another DMA owner) or -EBUSY (a caller's domain on the
 * group), -ENOMEM.  A device is bound once per context (-EEXIST).
 */
int iommufd_device_bind(struct iommufd_ctx *ictx, struct device *dev,
			u32 *id);
/* Detaches (back to blocking), releases ownership and the ID. */
void iommufd_device_unbind(struct iommufd_ctx *ictx, u32 dev_id);
/*
 * VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach dev_id to *pt_id, or replace its
 * current HWPT when attached.  *pt_id may be an IOAS (an automatic paging
 * HWPT is found or made; *pt_id becomes its ID), a paging or a nested
 * HWPT.  The device's reserved regions are excluded from the IOAS (attach
 * fails with -EADDRINUSE if a mapping is there), and its software-MSI
 * doorbells are installed in the (parent's) stage 2 first.
 */
int iommufd_device_attach_pt(struct iommufd_ctx *ictx, u32 dev_id,
			     u32 *pt_id);
/* VFIO_DEVICE_DETACH_IOMMUFD_PT; -EINVAL when not attached. */
int iommufd_device_detach_pt(struct iommufd_ctx *ictx, u32 dev_id);
/*
 * PASID pasid of the device onto a HWPT (pt_id: a paging or nested HWPT
 * allocated with IOMMU_HWPT_ALLOC_PASID; an IOAS is -EINVAL), as mainline's
 * iommufd_device_attach/replace/detach(idev, pasid, ...): attach -EBUSY on
 * a PASID the device already has, replace -EINVAL on one it has not;
 * detach of a PASID not attached does nothing.  The RID's HWPT must be
 * PASID-compatible too (-EINVAL).
 */
int iommufd_device_pasid_attach(struct iommufd_ctx *ictx, u32 dev_id,
				ioasid_t pasid, u32 *pt_id);
int iommufd_device_pasid_replace(struct iommufd_ctx *ictx, u32 dev_id,
				 ioasid_t pasid, u32 *pt_id);
int iommufd_device_pasid_detach(struct iommufd_ctx *ictx, u32 dev_id,
				ioasid_t pasid);
/* The domain a PASID of the device uses now (NULL: none). */
struct iommu_domain *iommufd_device_pasid_domain(struct iommufd_ctx *ictx,
						 u32 dev_id, ioasid_t pasid);
/* The IOMMU domain dev_id is attached to through the context, or NULL. */
struct iommu_domain *iommufd_device_domain(struct iommufd_ctx *ictx,
					   u32 dev_id);
/* The domain of a HWPT ID, or NULL (for tests and the VMM's inspection). */
struct iommu_domain *iommufd_hwpt_domain(struct iommufd_ctx *ictx, u32 hwpt_id);

/* ------------------------------------------------------------ accesses */

struct iommufd_access_ops {
	/* [iova, iova + length) is being unmapped: stop using it. */
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

#define IOMMUFD_ACCESS_RW_READ	0
#define IOMMUFD_ACCESS_RW_WRITE	(1 << 0)

/* An emulated device's window onto an IOAS (iommufd_access_create + attach). */
int iommufd_access_create(struct iommufd_ctx *ictx, u32 ioas_id,
			  const struct iommufd_access_ops *ops, void *data,
			  u32 *id);
void iommufd_access_destroy(struct iommufd_ctx *ictx, u32 access_id);
/* Copies through the IOAS's mappings: -ENOENT for a hole, -EPERM for a
 * write to a read-only mapping. */
int iommufd_access_rw(struct iommufd_ctx *ictx, u32 access_id,
		      unsigned long iova, void *data, size_t len,
		      unsigned int flags);

/* ------------------------------------------------------------ vIOMMU */

/* An array of user entries, as the kernel hands to cache_invalidate. */
struct iommu_user_data_array {
	unsigned int type;
	void *uptr;
	size_t entry_len;
	u32 entry_num;
};

/*
 * Copies entry index of array into dst (dst_size bytes) with the kernel's
 * rules: -EINVAL for another type or an entry shorter than min_size, -E2BIG
 * for a longer entry whose tail is not zero; a shorter one is zero-filled.
 */
int iommu_copy_struct_from_user_array(void *dst, size_t dst_size,
				      size_t min_size,
				      const struct iommu_user_data_array *array,
				      unsigned int data_type, unsigned int index);
/*
 * The whole array into dst (entry_num entries of entry_size), as Linux's
 * iommu_copy_struct_from_full_user_array: -EINVAL for another type or an
 * empty array; each entry as copy_struct_from_user (a short one is
 * zero-filled, a long one's tail must be zero: -E2BIG).
 */
int iommu_copy_struct_from_full_user_array(void *dst, size_t entry_size,
					   const struct iommu_user_data_array *array,
					   unsigned int data_type);
/* The same for a single blob (iommu_copy_struct_from_user). */
int iommu_copy_struct_from_user(void *dst, size_t dst_size, size_t min_size,
				const struct iommu_user_data *user_data,
				unsigned int data_type);
/*
 * A driver's answer back into the user's blob (iommu_copy_struct_to_user):
 * -EINVAL for another type, a blob shorter than min_size or longer than
 * src_size; else the blob's length of src, through the context's
 * copy_to_user (-EFAULT for memory the program cannot write).
 */
int iommu_copy_struct_to_user(struct iommufd_ctx *ictx,
			      const struct iommu_user_data *dst,
			      const void *src, size_t src_size, size_t min_size,
			      unsigned int data_type);

struct iommufd_viommu;
struct iommufd_hw_queue;

struct iommufd_viommu_ops {
	void (*destroy)(struct iommufd_viommu *viommu);
	/* A nested domain over viommu->hwpt from a user blob (vSTE). */
	struct iommu_domain *(*alloc_domain_nested)(
		struct iommufd_viommu *viommu, u32 flags,
		const struct iommu_user_data *user_data);
	/* Sets array->entry_num to the entries handled. */
	int (*cache_invalidate)(struct iommufd_viommu *viommu,
				struct iommu_user_data_array *array);
	/*
	 * IOMMU_HW_QUEUE_ALLOC (mainline 6.17): the bytes of the driver's
	 * queue struct, which starts with struct iommufd_hw_queue, for a
	 * queue type (0: not this driver's); then its set-up on the queue's
	 * guest memory, physically contiguous from base_addr_pa.
	 */
	size_t (*get_hw_queue_size)(struct iommufd_viommu *viommu,
				    unsigned int queue_type);
	int (*hw_queue_init_phys)(struct iommufd_hw_queue *hw_queue, u32 index,
				  phys_addr_t base_addr_pa);
};

/*
 * A HW queue: a vIOMMU's queue the hardware reads straight from guest
 * memory (the nesting parent's IOVA), which stays pinned and cannot be
 * unmapped while the queue lives.  The driver sets destroy.
 */
struct iommufd_hw_queue {
	struct iommufd_object obj;
	struct iommufd_viommu *viommu;
	u64 base_addr;			/* nesting_parent_iova */
	size_t length;
	unsigned int type;
	void (*destroy)(struct iommufd_hw_queue *hw_queue);
	unsigned long locked_iova, locked_len;	/* core: the pinned pages */
};
/* One queue needs another (iommufd_hw_queue_depend): that one is busy. */
int iommufd_hw_queue_depend(struct iommufd_hw_queue *dependent,
			    struct iommufd_hw_queue *depended);
void iommufd_hw_queue_undepend(struct iommufd_hw_queue *dependent,
			       struct iommufd_hw_queue *depended);

/*
 * A driver's viommu_alloc returns a kzalloc'd struct whose first member is
 * this (iommufd frees it with kfree after ops->destroy); iommufd fills in
 * everything but ops.
 */
struct iommufd_viommu {
	struct iommufd_object obj;
	struct iommufd_ctx *ictx;
	struct iommu_device *iommu_dev;
	struct iommufd_hwpt_paging *hwpt;
	struct iommu_domain *parent;	/* hwpt's domain */
	const struct iommufd_viommu_ops *ops;
	struct list_head vdevs;
	struct list_head veventqs;
	unsigned int type;
};

/* vdev_id (virtual StreamID) -> the physical device, or NULL. */
struct device *iommufd_viommu_find_dev(struct iommufd_viommu *viommu,
				       unsigned long vdev_id);
/* The reverse; -ENOENT. */
int iommufd_viommu_get_vdev_id(struct iommufd_viommu *viommu,
			       struct device *dev, unsigned long *vdev_id);
/*
 * Queue an event on the vIOMMU's vEVENTQ of this type (callable from any
 * thread): -EOPNOTSUPP without such a queue, -ENOMEM; a full queue records
 * a LOST_EVENTS header instead.
 */
int iommufd_viommu_report_event(struct iommufd_viommu *viommu,
				enum iommu_veventq_type type,
				const void *event_data, size_t data_len);

#endif
