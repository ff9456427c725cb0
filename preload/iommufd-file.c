// SPDX-License-Identifier: MIT
/*
 * /dev/iommu: one iommufd context per open, as the kernel's iommufd_fops
 * gives one iommufd_ctx per struct file.
 *
 * The file has an ioctl op and a release op and nothing else, like the
 * kernel's: read and write answer EINVAL, poll answers DEFAULT_POLLMASK.
 * Every ioctl goes to the in-kernel iommufd (kernel/iommufd) unchanged,
 * after the one check it cannot make in-process: that the argument struct
 * is readable (the kernel's get_user/copy_struct_from_user -EFAULT).
 * That includes the VFIO type1 container ioctls iommufd answers on the
 * same file (VFIO_SET_IOMMU, VFIO_IOMMU_MAP_DMA, ...).
 * What iommufd writes back (the struct, output arrays) goes through the
 * shim's copy_to_user, which the context is given at open, so a read-only
 * struct is EFAULT after the work, in Linux's order.
 *
 * The event queues iommufd hands out (IOMMU_FAULT_QUEUE_ALLOC,
 * IOMMU_VEVENTQ_ALLOC) are eventfds iommufd creates and keeps readable
 * while events wait.  The client gets its own descriptor of that eventfd,
 * served by iommufd_fd_read/write; closing the client's last descriptor
 * returns the queue to iommufd, which closes its own.
 *
 * This file is the whole of the shim's contract with kernel/iommufd: the
 * context, the ioctl dispatch, the queue descriptors, and the device
 * bind/attach calls VFIO makes (the preload_iommufd_* functions below).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

#include "include/uapi/linux/iommufd_test.h"
#include "kernel/iommufd/iommufd.h"
#include "preload/iommufd-glue.h"
#include "preload/preload.h"

struct iommufd_file {
	struct iommufd_ctx *ictx;	/* in a forked child: a stale copy ... */
	struct fork_share *remote;	/* ... when the parent serves it here */
};

/* An event queue's descriptor: iommufd knows it by iommufd_fd. */
struct eventq_file {
	struct shim_file *ictx_file;	/* holds the context */
	int iommufd_fd;
	bool fault;			/* a fault queue also takes responses */
};

struct preload_idev {
	struct iommufd_ctx *ictx;
	u32 dev_id;
};

static struct iommufd_ctx *file_ictx(struct shim_file *f)
{
	return ((struct iommufd_file *)f->priv)->ictx;
}

/* ------------------------------------------------------ event queues */

/*
 * Reads copy each record out through the shim's uaccess, as the kernel's
 * copy_to_user: a buffer the process cannot write is EFAULT rather than a
 * crash inside iommufd, and the record stays queued.  Writes go through a
 * bounce buffer so that an unreadable one is EFAULT before iommufd sees
 * it.  (An empty queue reads 0 without touching the buffer, as in the
 * kernel.)
 */
#define EVENTQ_BOUNCE_MAX	(1UL << 20)

static ssize_t eventq_read(struct shim_file *f, void *buf, size_t count)
{
	struct eventq_file *q = f->priv;

	return iommufd_fd_read_user(file_ictx(q->ictx_file), q->iommufd_fd, buf,
				    count, shim_copy_to_user);
}

static ssize_t eventq_write(struct shim_file *f, const void *buf, size_t count)
{
	struct eventq_file *q = f->priv;
	ssize_t n;
	void *tmp;

	count = count > EVENTQ_BOUNCE_MAX ? EVENTQ_BOUNCE_MAX : count;
	tmp = malloc(count ? count : 1);
	if (!tmp)
		return -ENOMEM;
	n = shim_copy_from_user(tmp, buf, count);
	if (!n)
		n = iommufd_fd_write(file_ictx(q->ictx_file), q->iommufd_fd, tmp,
				     count);
	free(tmp);
	return n;
}

/* iommufd_eventq_fops_poll: POLLIN while events wait; a fault queue is writable. */
static unsigned int eventq_poll(struct shim_file *f)
{
	struct eventq_file *q = f->priv;
	struct pollfd p = { .fd = q->iommufd_fd, .events = POLLIN };
	unsigned int mask = q->fault ? POLLOUT | POLLWRNORM : 0;

	if (libc()->poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		mask |= POLLIN | POLLRDNORM;
	return mask;
}

static void eventq_release(struct shim_file *f)
{
	struct eventq_file *q = f->priv;

	shim_fd_internal(q->iommufd_fd, false);
	iommufd_fd_close(file_ictx(q->ictx_file), q->iommufd_fd);
	shim_fput(q->ictx_file);
	free(q);
}

static const struct shim_file_ops eventq_fops = {
	.name = "iommufd-eventq",
	.read = eventq_read,
	.write = eventq_write,
	.poll = eventq_poll,
	.release = eventq_release,
};

/* IOMMU_TEST_CMD's access file: nothing but release (the kernel's staccess fops). */
static const struct shim_file_ops test_access_fops = {
	.name = "iommufd-test-access",
	.release = eventq_release,
};

/*
 * After a successful *_ALLOC: the client's own descriptor for the queue
 * replaces iommufd's number in the output field.  On failure the queue
 * object is destroyed again, as the kernel does when it cannot install the
 * file.
 */
static long eventq_adopt(struct shim_file *ictx_file, unsigned long arg,
			 size_t fd_off, size_t id_off, bool fault,
			 const struct shim_file_ops *fops)
{
	struct iommufd_ctx *ictx = file_ictx(ictx_file);
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct eventq_file *q;
	__u32 fd, id;
	int cfd;

	if (shim_copy_from_user(&fd, (void *)(arg + fd_off), sizeof(fd)) ||
	    shim_copy_from_user(&id, (void *)(arg + id_off), sizeof(id)))
		return -EFAULT;
	q = calloc(1, sizeof(*q));
	if (!q || shim_fd_internal((int)fd, true)) {
		free(q);
		goto err;
	}
	q->ictx_file = ictx_file;
	q->iommufd_fd = (int)fd;
	q->fault = fault;
	shim_fget_ref(ictx_file);
	cfd = shim_file_adopt((int)fd, fops, q, O_RDWR | O_CLOEXEC);
	if (cfd < 0) {
		shim_fput(ictx_file);
		shim_fd_internal((int)fd, false);
		free(q);
		goto err;
	}
	fd = (__u32)cfd;
	if (shim_copy_to_user((void *)(arg + fd_off), &fd, sizeof(fd))) {
		shim_fput(shim_fd_forget(cfd));	/* closes the queue */
		libc()->close(cfd);
		return -EFAULT;
	}
	return 0;
err:
	iommufd_fd_close(ictx, (int)fd);
	if (fops == &eventq_fops) {
		destroy.id = id;
		iommufd_ioctl(ictx, IOMMU_DESTROY, (unsigned long)&destroy);
	}
	return -ENOMEM;
}

/*
 * IOMMU_TEST_CMD names an access by its file descriptor: the client's
 * number stands for the kernel's eventfd, swapped in for the call.
 */
static bool test_cmd_names_access(__u32 op)
{
	return op == IOMMU_TEST_OP_ACCESS_RW || op == IOMMU_TEST_OP_ACCESS_PAGES ||
	       op == IOMMU_TEST_OP_DESTROY_ACCESS_PAGES ||
	       op == IOMMU_TEST_OP_ACCESS_REPLACE_IOAS;
}

static long test_cmd_ioctl(struct shim_file *f, unsigned long arg)
{
	struct iommufd_ctx *ictx = file_ictx(f);
	__u32 hdr[3], kfd = 0;		/* size, op, id */
	struct shim_file *af = NULL;
	long ret;

	if (shim_copy_from_user(hdr, (void *)arg, sizeof(hdr)))
		return -EFAULT;
	if (test_cmd_names_access(hdr[1]) && (af = shim_fget((int)hdr[2]))) {
		if (af->ops == &test_access_fops &&
		    ((struct eventq_file *)af->priv)->ictx_file == f)
			kfd = (__u32)((struct eventq_file *)af->priv)->iommufd_fd;
		else
			kfd = (__u32)-1;	/* not an access of this context */
		if (shim_copy_to_user((void *)(arg + 8), &kfd, sizeof(kfd))) {
			shim_fput(af);
			return -EFAULT;
		}
	}
	ret = iommufd_ioctl(ictx, IOMMU_TEST_CMD, arg);
	if (af) {
		shim_copy_to_user((void *)(arg + 8), &hdr[2], sizeof(hdr[2]));
		shim_fput(af);
	}
	if (!ret && hdr[1] == IOMMU_TEST_OP_CREATE_ACCESS)
		ret = eventq_adopt(f, arg, offsetof(struct iommu_test_cmd,
						    create_access.out_access_fd),
				   8, false, &test_access_fops);
	return ret;
}

/* ------------------------------------------------------------ ioctl */

static long iommufd_file_ioctl(struct shim_file *f, unsigned long cmd,
			       unsigned long arg)
{
	struct iommufd_ctx *ictx = file_ictx(f);
	unsigned int nr = _IOC_NR(cmd);
	long ret;

	/* One of iommufd's commands: its size and struct must be readable. */
	if (cmd == _IO(IOMMUFD_TYPE, nr) && nr >= IOMMUFD_CMD_BASE &&
	    (nr <= IOMMUFD_CMD_HW_QUEUE_ALLOC || cmd == IOMMU_TEST_CMD)) {
		__u32 size;

		if (shim_copy_from_user(&size, (void *)arg, sizeof(size)))
			return -EFAULT;
		/*
		 * Within the page just read, access is all or nothing; past
		 * it, a byte of each page tells (a size of 4G is 2K calls).
		 */
		if ((arg & (PAGE_SIZE - 1)) + size > PAGE_SIZE &&
		    shim_check_pages((arg & ~(PAGE_SIZE - 1)) + PAGE_SIZE,
				     ((arg + size - 1) >> PAGE_SHIFT) -
				     (arg >> PAGE_SHIFT)))
			return -EFAULT;
		/* And what the struct points at. */
		if (preload_iommufd_has_uptrs((unsigned int)cmd)) {
			ret = preload_iommufd_check_uptrs((unsigned int)cmd, arg, size);
			if (ret)
				return ret;
		}
	} else if (_IOC_TYPE(cmd) == IOMMUFD_TYPE) {
		/* VFIO type1 container ioctls (same type): vfio_compat.c. */
		ret = preload_iommufd_check_vfio(ictx, (unsigned int)cmd, arg);
		if (ret)
			return ret;
	}
	if (((struct iommufd_file *)f->priv)->remote)
		return fork_share_call(((struct iommufd_file *)f->priv)->remote, f,
				       (unsigned int)cmd, arg);
	if (cmd == IOMMU_TEST_CMD)
		return test_cmd_ioctl(f, arg);
	ret = iommufd_ioctl(ictx, (unsigned int)cmd, arg);
	if (ret)
		return ret;
	if (cmd == IOMMU_FAULT_QUEUE_ALLOC)
		ret = eventq_adopt(f, arg, offsetof(struct iommu_fault_alloc, out_fault_fd),
				   offsetof(struct iommu_fault_alloc, out_fault_id), true,
				   &eventq_fops);
	else if (cmd == IOMMU_VEVENTQ_ALLOC)
		ret = eventq_adopt(f, arg, offsetof(struct iommu_veventq_alloc, out_veventq_fd),
				   offsetof(struct iommu_veventq_alloc, out_veventq_id), false,
				   &eventq_fops);
	return ret;
}

static void iommufd_file_release(struct shim_file *f)
{
	struct iommufd_file *file = f->priv;

	iommufd_ctx_destroy(file->ictx);
	free(file);
}

static const struct shim_file_ops iommufd_fops = {
	.name = "iommufd",
	.ioctl = iommufd_file_ioctl,
	.release = iommufd_file_release,
};

int iommufd_file_open(int flags)
{
	struct preload_machine *m;
	struct iommufd_file *file;
	int ret;

	ret = preload_machine_get(&m);
	if (ret)
		return ret;
	file = calloc(1, sizeof(*file));
	if (!file)
		return -ENOMEM;
	file->ictx = iommufd_ctx_create(preload_machine_kernel(m));
	if (!file->ictx) {
		free(file);
		return -ENOMEM;
	}
	iommufd_ctx_set_uaccess(file->ictx, preload_iommufd_uaccess);
	/* What iommufd writes back to the program is copy_to_user. */
	iommufd_ctx_set_copy_out(file->ictx, shim_copy_to_user);
	ret = shim_file_install(&iommufd_fops, file, flags, NULL);
	if (ret < 0) {
		iommufd_ctx_destroy(file->ictx);
		free(file);
	}
	return ret;
}

bool iommufd_file_is(struct shim_file *f)
{
	return f->ops == &iommufd_fops;
}

struct iommufd_ctx *iommufd_file_ctx(struct shim_file *f)
{
	return file_ictx(f);
}

struct fork_share *iommufd_file_remote(struct shim_file *f)
{
	return ((struct iommufd_file *)f->priv)->remote;
}

void iommufd_file_set_remote(struct shim_file *f, struct fork_share *sh)
{
	((struct iommufd_file *)f->priv)->remote = sh;
}

/* --------------------------------------------- what VFIO asks of it */

int preload_iommufd_bind(struct shim_file *ictx_file, struct device *dev,
			 struct preload_idev **out, unsigned int *devid)
{
	struct preload_idev *idev = calloc(1, sizeof(*idev));
	int ret;

	if (!idev)
		return -ENOMEM;
	idev->ictx = file_ictx(ictx_file);
	ret = iommufd_device_bind(idev->ictx, dev, &idev->dev_id);
	if (ret) {
		free(idev);
		return ret;
	}
	*devid = idev->dev_id;
	*out = idev;
	return 0;
}

void preload_iommufd_unbind(struct preload_idev *idev)
{
	iommufd_device_unbind(idev->ictx, idev->dev_id);
	free(idev);
}

int preload_iommufd_attach(struct preload_idev *idev, bool replace,
			   unsigned int *pt_id)
{
	u32 id = *pt_id;
	int ret;

	(void)replace;		/* attach_pt replaces when attached */
	ret = iommufd_device_attach_pt(idev->ictx, idev->dev_id, &id);
	if (!ret)
		*pt_id = id;
	return ret;
}

void preload_iommufd_detach(struct preload_idev *idev)
{
	iommufd_device_detach_pt(idev->ictx, idev->dev_id);
}
