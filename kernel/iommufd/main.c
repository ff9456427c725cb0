// SPDX-License-Identifier: MIT
/*
 * iommufd's context, object table and ioctl dispatch (drivers/iommu/
 * iommufd/main.c).
 *
 * Object IDs are handed out as the kernel's xarray with XA_FLAGS_ALLOC1
 * does: the lowest free ID from 1 up, 31 bits at most, reused after a
 * destroy.  An object is visible (has its ID) only once it is complete.
 * "Busy" is users != 0: other objects (or a bound driver, or an open fd)
 * hold it, so IOMMU_DESTROY answers -EBUSY.
 *
 * The dispatch table gives each command its struct size and the minimum
 * size (offsetofend of the last field the first version had) exactly as
 * the kernel's IOCTL_OP table; the size rules are copy_struct_from_user's.
 */
#include <string.h>
#include <unistd.h>

#include "include/uapi/linux/iommufd_test.h"
#include "kernel/iommufd/iommufd-priv.h"

/* ------------------------------------------------------------ objects */

int iommufd_object_add(struct iommufd_ctx *ictx, struct iommufd_object *obj,
		       enum iommufd_object_type type)
{
	unsigned int id;

	for (id = 1; id < ictx->nr_slots && ictx->objs[id]; id++)
		;
	if (id >= ictx->nr_slots) {
		unsigned int n = ictx->nr_slots ? ictx->nr_slots * 2 : 64;
		struct iommufd_object **objs;

		if (id > IOMMUFD_ID_MAX)
			return -ENOSPC;
		objs = kzalloc(ictx->k, n * sizeof(*objs));
		if (!objs)
			return -ENOMEM;
		if (ictx->objs)
			memcpy(objs, ictx->objs, ictx->nr_slots * sizeof(*objs));
		kfree(ictx->objs);
		ictx->objs = objs;
		ictx->nr_slots = n;
	}
	obj->id = id;
	obj->type = type;
	ictx->objs[id] = obj;
	return 0;
}

void iommufd_object_remove(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	if (obj->id && obj->id < ictx->nr_slots && ictx->objs[obj->id] == obj)
		ictx->objs[obj->id] = NULL;
	obj->id = 0;
	/* A destroyed compat IOAS leaves the VFIO ioctls without one. */
	if (ictx->vfio_ioas && &ictx->vfio_ioas->obj == obj)
		ictx->vfio_ioas = NULL;
}

struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;

	if (!id || id >= ictx->nr_slots || !(obj = ictx->objs[id]))
		return ERR_PTR(-ENOENT);
	if (type != IOMMUFD_OBJ_ANY && obj->type != type)
		return ERR_PTR(-ENOENT);
	return obj;
}

static void (*const object_destroy[IOMMUFD_OBJ_MAX])(struct iommufd_object *) = {
	[IOMMUFD_OBJ_DEVICE] = iommufd_device_destroy,
	[IOMMUFD_OBJ_HWPT_PAGING] = iommufd_hwpt_destroy,
	[IOMMUFD_OBJ_HWPT_NESTED] = iommufd_hwpt_destroy,
	[IOMMUFD_OBJ_IOAS] = iommufd_ioas_destroy,
	[IOMMUFD_OBJ_ACCESS] = iommufd_access_destroy_object,
	[IOMMUFD_OBJ_FAULT] = iommufd_eventq_destroy,
	[IOMMUFD_OBJ_VIOMMU] = iommufd_viommu_destroy,
	[IOMMUFD_OBJ_VDEVICE] = iommufd_vdevice_destroy,
	[IOMMUFD_OBJ_VEVENTQ] = iommufd_eventq_destroy,
	[IOMMUFD_OBJ_HW_QUEUE] = iommufd_hw_queue_destroy,
	[IOMMUFD_OBJ_SELFTEST] = iommufd_selftest_destroy,
};

int iommufd_destroy_object(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	if (obj->users)
		return -EBUSY;
	iommufd_object_remove(ictx, obj);
	object_destroy[obj->type](obj);
	return 0;
}

/*
 * A new object whose ID could not be told to the program: gone again, the
 * fd of an event queue with it, so the ID is free for the next one.
 */
int iommufd_ucmd_respond_new(struct iommufd_ucmd *ucmd, size_t len,
			     struct iommufd_object *obj)
{
	struct iommufd_ctx *ictx = ucmd->ictx;
	int rc = iommufd_ucmd_respond(ucmd, len);

	if (!rc)
		return 0;
	if (obj->type == IOMMUFD_OBJ_FAULT || obj->type == IOMMUFD_OBJ_VEVENTQ) {
		struct iommufd_eventq *q =
			container_of(obj, struct iommufd_eventq, obj);

		mutex_lock(&ictx->events_lock);
		list_del(&q->fd_node);
		mutex_unlock(&ictx->events_lock);
		close(q->fd);
		q->fd = -1;
		obj->users--;
	}
	KWARN_ON(ictx->k, iommufd_destroy_object(ictx, obj));
	return rc;
}

static int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;
	struct iommufd_object *obj = iommufd_get_object(ucmd->ictx, cmd->id,
							IOMMUFD_OBJ_ANY);

	if (IS_ERR(obj))
		return PTR_ERR(obj);
	return iommufd_destroy_object(ucmd->ictx, obj);
}

/* ------------------------------------------------------------ context */

static int copy_out_memcpy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	return 0;
}

void iommufd_ctx_set_copy_out(struct iommufd_ctx *ictx,
			      iommufd_copy_out_fn copy_out)
{
	ictx->copy_out = copy_out ? copy_out : copy_out_memcpy;
}

struct iommufd_ctx *iommufd_ctx_create(struct kernel *k)
{
	struct iommufd_ctx *ictx = kzalloc(k, sizeof(*ictx));

	if (!ictx)
		return NULL;
	ictx->k = k;
	ictx->copy_out = copy_out_memcpy;
	ictx->sw_msi = sw_msi_ctx_create(k);
	if (!ictx->sw_msi) {
		kfree(ictx);
		return NULL;
	}
	mutex_init(&ictx->lock);
	mutex_init(&ictx->events_lock);
	INIT_LIST_HEAD(&ictx->groups);
	INIT_LIST_HEAD(&ictx->eventqs);
	INIT_LIST_HEAD(&ictx->test_accesses);
	ictx->test_memory_limit = 65536;
	return ictx;
}

void iommufd_ctx_destroy(struct iommufd_ctx *ictx)
{
	struct iommufd_eventq *q, *qn;
	bool progress = true;

	if (!ictx)
		return;
	/* The selftest's devices and access fds, as their files' release. */
	mutex_lock(&ictx->lock);
	iommufd_test_ctx_destroy(ictx);
	mutex_unlock(&ictx->lock);
	/* A driver that did not unbind: do it for it, and say so. */
	for (unsigned int id = 1; id < ictx->nr_slots; id++) {
		struct iommufd_object *obj = ictx->objs[id];

		if (obj && obj->type == IOMMUFD_OBJ_DEVICE) {
			kernel_warn(ictx->k, __FILE__, __LINE__,
				    "device still bound at close");
			iommufd_device_unbind(ictx, id);
		}
	}
	/* Open event fds hold their queues: close them as process exit would. */
	list_for_each_entry_safe(q, qn, &ictx->eventqs, fd_node)
		iommufd_fd_close(ictx, q->fd);
	mutex_lock(&ictx->lock);
	while (progress) {
		progress = false;
		for (unsigned int id = 1; id < ictx->nr_slots; id++) {
			struct iommufd_object *obj = ictx->objs[id];

			if (obj && !iommufd_destroy_object(ictx, obj))
				progress = true;
		}
	}
	for (unsigned int id = 1; id < ictx->nr_slots; id++)
		KWARN_ON(ictx->k, ictx->objs[id]);
	mutex_unlock(&ictx->lock);
	KWARN_ON(ictx->k, sw_msi_ctx_destroy(ictx->sw_msi));
	KWARN_ON(ictx->k, !list_empty(&ictx->groups));
	mutex_destroy(&ictx->events_lock);
	mutex_destroy(&ictx->lock);
	kfree(ictx->objs);
	kfree(ictx);
}

/* ------------------------------------------------------------ options */

static int iommufd_option_rlimit_mode(struct iommu_option *cmd,
				      struct iommufd_ctx *ictx)
{
	if (cmd->object_id)
		return -EOPNOTSUPP;
	if (cmd->op == IOMMU_OPTION_OP_GET) {
		cmd->val64 = ictx->account_mm;
		return 0;
	}
	if (cmd->op == IOMMU_OPTION_OP_SET) {
		/* No capabilities are modelled: the caller is privileged. */
		if (cmd->val64 > 1)
			return -EINVAL;
		ictx->account_mm = cmd->val64;
		return 0;
	}
	return -EOPNOTSUPP;
}

static int iommufd_option(struct iommufd_ucmd *ucmd)
{
	struct iommu_option *cmd = ucmd->cmd;
	int rc;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->option_id) {
	case IOMMU_OPTION_RLIMIT_MODE:
		rc = iommufd_option_rlimit_mode(cmd, ucmd->ictx);
		break;
	case IOMMU_OPTION_HUGE_PAGES:
		rc = iommufd_ioas_option(ucmd);
		break;
	case IOMMU_OPTION_SW_MSI_START:
	case IOMMU_OPTION_SW_MSI_SIZE:
		rc = iommufd_option_sw_msi(ucmd);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	/* Only val64 goes back, as the kernel's copy_to_user of that field. */
	return iommufd_copy_to_user(ucmd->ictx, (u8 *)ucmd->ubuffer +
				    offsetof(struct iommu_option, val64),
				    &cmd->val64, sizeof(cmd->val64));
}

/* ------------------------------------------------------------ dispatch */

union ucmd_buffer {
	struct iommu_destroy destroy;
	struct iommu_fault_alloc fault;
	struct iommu_hw_info info;
	struct iommu_hwpt_alloc hwpt;
	struct iommu_hwpt_invalidate cache;
	struct iommu_hwpt_set_dirty_tracking set_dirty;
	struct iommu_hwpt_get_dirty_bitmap get_dirty;
	struct iommu_ioas_alloc alloc;
	struct iommu_ioas_allow_iovas allow_iovas;
	struct iommu_ioas_copy ioas_copy;
	struct iommu_ioas_change_process change_process;
	struct iommu_ioas_iova_ranges iova_ranges;
	struct iommu_ioas_map_file map_file;
	struct iommu_ioas_map map;
	struct iommu_ioas_unmap unmap;
	struct iommu_option option;
	struct iommu_vdevice_alloc vdev;
	struct iommu_veventq_alloc veventq;
	struct iommu_viommu_alloc viommu;
	struct iommu_hw_queue_alloc hw_queue;
	struct iommu_test_cmd test;
	struct iommu_vfio_ioas vfio_ioas;
};

struct iommufd_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	const char *name;		/* for the iommufd trace */
	int (*execute)(struct iommufd_ucmd *ucmd);
};

#define offsetofend(t, f)	(offsetof(t, f) + sizeof(((t *)0)->f))
#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	[_IOC_NR(_ioctl) - IOMMUFD_CMD_BASE] = {			\
		.size = sizeof(_struct),				\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.name = #_ioctl,					\
		.execute = _fn,						\
	}

static const struct iommufd_ioctl_op iommufd_ioctl_ops[] = {
	IOCTL_OP(IOMMU_DESTROY, iommufd_destroy, struct iommu_destroy, id),
	IOCTL_OP(IOMMU_FAULT_QUEUE_ALLOC, iommufd_fault_alloc,
		 struct iommu_fault_alloc, out_fault_fd),
	IOCTL_OP(IOMMU_GET_HW_INFO, iommufd_get_hw_info, struct iommu_hw_info,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_ALLOC, iommufd_hwpt_alloc, struct iommu_hwpt_alloc,
		 __reserved),
	IOCTL_OP(IOMMU_HWPT_GET_DIRTY_BITMAP, iommufd_hwpt_get_dirty_bitmap,
		 struct iommu_hwpt_get_dirty_bitmap, data),
	IOCTL_OP(IOMMU_HWPT_INVALIDATE, iommufd_hwpt_invalidate,
		 struct iommu_hwpt_invalidate, __reserved),
	IOCTL_OP(IOMMU_HWPT_SET_DIRTY_TRACKING, iommufd_hwpt_set_dirty_tracking,
		 struct iommu_hwpt_set_dirty_tracking, __reserved),
	IOCTL_OP(IOMMU_IOAS_ALLOC, iommufd_ioas_alloc_ioctl,
		 struct iommu_ioas_alloc, out_ioas_id),
	IOCTL_OP(IOMMU_IOAS_ALLOW_IOVAS, iommufd_ioas_allow_iovas,
		 struct iommu_ioas_allow_iovas, allowed_iovas),
	IOCTL_OP(IOMMU_IOAS_CHANGE_PROCESS, iommufd_ioas_change_process,
		 struct iommu_ioas_change_process, __reserved),
	IOCTL_OP(IOMMU_IOAS_COPY, iommufd_ioas_copy, struct iommu_ioas_copy,
		 src_iova),
	IOCTL_OP(IOMMU_IOAS_IOVA_RANGES, iommufd_ioas_iova_ranges,
		 struct iommu_ioas_iova_ranges, out_iova_alignment),
	IOCTL_OP(IOMMU_IOAS_MAP, iommufd_ioas_map, struct iommu_ioas_map, iova),
	IOCTL_OP(IOMMU_IOAS_MAP_FILE, iommufd_ioas_map_file,
		 struct iommu_ioas_map_file, iova),
	IOCTL_OP(IOMMU_IOAS_UNMAP, iommufd_ioas_unmap, struct iommu_ioas_unmap,
		 length),
	IOCTL_OP(IOMMU_OPTION, iommufd_option, struct iommu_option, val64),
	IOCTL_OP(IOMMU_VFIO_IOAS, iommufd_vfio_ioas, struct iommu_vfio_ioas,
		 __reserved),
	IOCTL_OP(IOMMU_VDEVICE_ALLOC, iommufd_vdevice_alloc_ioctl,
		 struct iommu_vdevice_alloc, virt_id),
	IOCTL_OP(IOMMU_VEVENTQ_ALLOC, iommufd_veventq_alloc,
		 struct iommu_veventq_alloc, out_veventq_fd),
	IOCTL_OP(IOMMU_VIOMMU_ALLOC, iommufd_viommu_alloc_ioctl,
		 struct iommu_viommu_alloc, out_viommu_id),
	IOCTL_OP(IOMMU_HW_QUEUE_ALLOC, iommufd_hw_queue_alloc_ioctl,
		 struct iommu_hw_queue_alloc, length),
	IOCTL_OP(IOMMU_TEST_CMD, iommufd_test, struct iommu_test_cmd, last),
};

#if defined(__SANITIZE_ADDRESS__)
#define IOMMUFD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IOMMUFD_ASAN 1
#endif
#endif

/*
 * Reads of the program's ioctl struct, copy_from_user's part: the caller
 * (the shim) has checked that the bytes are the program's to read, and
 * they may run past the program's object into whatever else it has mapped
 * (a size field larger than its buffer), which the kernel reads all the
 * same.  Under AddressSanitizer they are byte by byte and uninstrumented:
 * the program's memory is not ASan's business (its redzones and free
 * chunks are still mapped), and a memcpy would be intercepted.
 */
__attribute__((no_sanitize("address")))
static void user_read(void *dst, const void *src, size_t len)
{
#ifdef IOMMUFD_ASAN
	volatile u8 *d = dst;
	const volatile u8 *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
#else
	memcpy(dst, src, len);
#endif
}

/* Whether len bytes of the program's memory at src are all zero. */
__attribute__((no_sanitize("address")))
static bool user_is_zero(const void *src, size_t len)
{
	const volatile u8 *s = src;

	for (size_t i = 0; i < len; i++)
		if (s[i])
			return false;
	return true;
}

/*
 * copy_struct_from_user(): a shorter user struct is zero-extended, a
 * longer one must have a zero tail (-E2BIG).
 */
static int copy_struct_from_user(void *dst, size_t ksize, const void *src,
				 size_t usize)
{
	size_t size = min(ksize, usize);

	if (usize > ksize && !user_is_zero((const u8 *)src + ksize, usize - ksize))
		return -E2BIG;
	user_read(dst, src, size);
	if (size < ksize)
		memset((u8 *)dst + size, 0, ksize - size);
	return 0;
}

long iommufd_ioctl(struct iommufd_ctx *ictx, unsigned int cmd,
		   unsigned long arg)
{
	return iommufd_ioctl_source(ictx, cmd, arg, NULL);
}

long iommufd_ioctl_source(struct iommufd_ctx *ictx, unsigned int cmd,
			  unsigned long arg, struct iommufd_source *src)
{
	const struct iommufd_ioctl_op *op;
	struct iommufd_ucmd ucmd = {};
	union ucmd_buffer buf;
	unsigned int nr = _IOC_NR(cmd);
	int ret;

	/* Numbers outside iommufd's table may be VFIO container ioctls. */
	if (nr < IOMMUFD_CMD_BASE ||
	    nr - IOMMUFD_CMD_BASE >= ARRAY_SIZE(iommufd_ioctl_ops))
		return iommufd_vfio_ioctl(ictx, cmd, arg);
	op = &iommufd_ioctl_ops[nr - IOMMUFD_CMD_BASE];
	if (!op->execute || op->ioctl_num != cmd)
		return -ENOTTY;	/* -ENOIOCTLCMD, which the VFS turns into this */
	/* Without CONFIG_IOMMUFD_TEST the command is not in the table at all. */
	if (cmd == IOMMU_TEST_CMD && !iommufd_test_present(ictx))
		return -ENOTTY;
	if (!arg)
		return -EFAULT;	/* the one unreadable pointer we can see */
	ucmd.ictx = ictx;
	ucmd.ubuffer = (void *)arg;
	user_read(&ucmd.user_size, ucmd.ubuffer, sizeof(u32));
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer,
				    ucmd.user_size);
	if (ret)
		return ret;
	mutex_lock(&ictx->lock);
	ictx->call_source = src;
	ret = op->execute(&ucmd);
	ictx->call_source = NULL;
	mutex_unlock(&ictx->lock);
	ktrace(ictx->k, IOMMUSIM_TRACE_IOMMUFD, "iommufd: %s -> %d", op->name, ret);
	return ret;
}

void iommufd_ctx_set_uaccess(struct iommufd_ctx *ictx, iommufd_uaccess_fn fn)
{
	ictx->uaccess = fn;
}

/* ------------------------------------------------------------ fds */

static struct iommufd_eventq *find_eventq(struct iommufd_ctx *ictx, int fd)
{
	struct iommufd_eventq *q;

	list_for_each_entry(q, &ictx->eventqs, fd_node)
		if (q->fd == fd && fd >= 0)
			return q;
	return NULL;
}

ssize_t iommufd_fd_read_user(struct iommufd_ctx *ictx, int fd, void *ubuf,
			     size_t count, iommufd_copy_out_fn copy_out)
{
	struct iommufd_eventq *q;
	ssize_t ret;

	mutex_lock(&ictx->lock);
	q = find_eventq(ictx, fd);
	ret = q ? iommufd_eventq_read(ictx, q, ubuf, count, copy_out) : -EBADF;
	mutex_unlock(&ictx->lock);
	return ret;
}

ssize_t iommufd_fd_read(struct iommufd_ctx *ictx, int fd, void *buf,
			size_t count)
{
	return iommufd_fd_read_user(ictx, fd, buf, count, copy_out_memcpy);
}

ssize_t iommufd_fd_write(struct iommufd_ctx *ictx, int fd, const void *buf,
			 size_t count)
{
	struct iommufd_eventq *q;
	ssize_t ret = -EBADF;

	mutex_lock(&ictx->lock);
	q = find_eventq(ictx, fd);
	if (q && q->obj.type == IOMMUFD_OBJ_FAULT)
		ret = iommufd_fault_write(ictx,
				container_of(q, struct iommufd_fault, common),
				buf, count);
	else if (q)
		ret = -EINVAL;	/* a vEVENTQ has no write */
	mutex_unlock(&ictx->lock);
	return ret;
}

int iommufd_fd_close(struct iommufd_ctx *ictx, int fd)
{
	struct iommufd_eventq *q;

	mutex_lock(&ictx->lock);
	q = find_eventq(ictx, fd);
	if (!q) {
		bool access = iommufd_test_fd_close(ictx, fd);

		mutex_unlock(&ictx->lock);
		return access ? 0 : -EBADF;
	}
	mutex_lock(&ictx->events_lock);
	list_del(&q->fd_node);
	q->fd = -1;
	mutex_unlock(&ictx->events_lock);
	q->obj.users--;
	close(fd);
	mutex_unlock(&ictx->lock);
	return 0;
}
