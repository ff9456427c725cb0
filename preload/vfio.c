// SPDX-License-Identifier: MIT
/*
 * /dev/vfio/devices/vfioN: the VFIO device cdev, the kernel's way for a
 * program to obtain a device and bind it to an iommufd (Linux 6.6+,
 * drivers/vfio/device_cdev.c and vfio_main.c).
 *
 * Each open is a vfio_device_file.  Nothing but VFIO_DEVICE_BIND_IOMMUFD
 * is allowed before the bind (EINVAL), a device is bound through one file
 * at a time (EINVAL for the second), ATTACH replaces an attached HWPT,
 * and closing the file detaches and unbinds.  The bound file holds a
 * reference on the /dev/iommu file, so the context outlives a close of
 * the iommufd descriptor while a device is bound to it, as in the kernel.
 * Argument checks follow the kernel's order, minsz first, so a client
 * sees the same errno for the same mistake.
 *
 * Each device is an endpoint of the board (hw/endpoint.c via
 * hw/machine.c) whose DMA and MSI writes go through the IOMMU - the
 * SMMUv3 model as the arm-smmu-v3 driver programmed it for the device's
 * attached HWPT, or the mock's walk - into machine memory: the program's
 * own pages when it mapped them into an IOAS.  Its register BAR, DMA
 * engine included, is VFIO region 0, reached with pread/pwrite at
 * VFIO_PCI_INDEX_TO_OFFSET(0) as vfio-pci places BAR0; the shim makes the
 * CPU's accesses at the BAR's physical address, as a mapped BAR would.
 * Its MSIs are offered as vfio-pci offers them (vfio-irq.c).
 * read/write (file position based) answer EINVAL, any other device ioctl
 * ENOTTY, as vfio-pci does for commands it lacks.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "include/uapi/linux/vfio.h"

#include "hw/endpoint.h"
#include "kernel/platform.h"
#include "preload/iommufd-glue.h"
#include "preload/preload.h"
#include "preload/vfio-irq.h"

#define offsetofend(T, m)	(offsetof(T, m) + sizeof(((T *)0)->m))

#define VFIO_NUM_REGIONS	1	/* BAR0 */

/* A vfio_device: one per emulated endpoint. */
struct preload_vdev {
	struct device *dev;
	struct ep_device *epd;		/* the board file's device */
	struct phys_mem *mem;		/* the CPU's view of the BAR */
	struct vfio_irqs *irqs;		/* MSI, ERR and REQ (vfio-irq.c) */
	int index;
	pthread_mutex_t lock;		/* the kernel's dev_set->lock */
	int open_count;			/* files bound (0 or 1 on the cdev path) */
};

/* A vfio_device_file: one per open of the cdev. */
struct vfio_df {
	struct preload_vdev *vdev;
	bool access_granted;		/* bound; under vdev->lock */
	struct shim_file *ictx_file;	/* the iommufd it is bound to */
	struct preload_idev *idev;
	unsigned int devid;
	bool attached;
};

struct preload_vdev *preload_vdev_create(struct preload_machine *m,
					 struct platform *p,
					 struct ep_device *epd, int index)
{
	struct preload_vdev *vdev = calloc(1, sizeof(*vdev));

	if (!vdev)
		return NULL;
	vdev->irqs = vfio_irqs_create(m, epd);
	if (!vdev->irqs) {
		free(vdev);
		return NULL;
	}
	vdev->dev = &epd->dev;
	vdev->epd = epd;
	vdev->mem = platform_kernel(p)->mem;
	vdev->index = index;
	pthread_mutex_init(&vdev->lock, NULL);
	return vdev;
}

void preload_vdev_destroy(struct preload_vdev *vdev)
{
	vfio_irqs_destroy(vdev->irqs);
	pthread_mutex_destroy(&vdev->lock);
	free(vdev);
}

static long vfio_bind(struct vfio_df *df, struct vfio_device_bind_iommufd *uarg)
{
	const size_t minsz = offsetofend(struct vfio_device_bind_iommufd, out_devid);
	struct preload_vdev *vdev = df->vdev;
	struct vfio_device_bind_iommufd bind;
	struct shim_file *ictx_file;
	long ret;

	if (shim_copy_from_user(&bind, uarg, minsz))
		return -EFAULT;
	if (bind.argsz < minsz || bind.flags || bind.iommufd < 0)
		return -EINVAL;

	pthread_mutex_lock(&vdev->lock);
	if (df->access_granted) {
		ret = -EINVAL;		/* one file cannot be bound twice */
		goto out_unlock;
	}
	/* iommufd_ctx_from_fd(): not a descriptor, or not an iommufd. */
	ictx_file = shim_fget(bind.iommufd);
	if (!ictx_file || !iommufd_file_is(ictx_file)) {
		ret = ictx_file || shim_fd_is_open(bind.iommufd) ? -EBADFD : -EBADF;
		shim_fput(ictx_file);
		goto out_unlock;
	}
	/* vfio_df_open(): the cdev path cannot open a device twice. */
	if (vdev->open_count) {
		ret = -EINVAL;
		goto out_put;
	}
	ret = preload_iommufd_bind(ictx_file, vdev->dev, &df->idev, &df->devid);
	if (ret)
		goto out_put;
	if (shim_copy_to_user(SHIM_UFIELD(uarg, struct vfio_device_bind_iommufd,
					  out_devid), &df->devid, sizeof(df->devid))) {
		ret = -EFAULT;
		goto out_unbind;
	}
	vdev->open_count++;
	df->ictx_file = ictx_file;
	df->access_granted = true;
	pthread_mutex_unlock(&vdev->lock);
	return 0;

out_unbind:
	preload_iommufd_unbind(df->idev);
	df->idev = NULL;
out_put:
	shim_fput(ictx_file);
out_unlock:
	pthread_mutex_unlock(&vdev->lock);
	return ret;
}

static long vfio_attach(struct vfio_df *df,
			struct vfio_device_attach_iommufd_pt *uarg)
{
	const size_t minsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	struct vfio_device_attach_iommufd_pt attach;
	long ret;

	if (shim_copy_from_user(&attach, uarg, minsz))
		return -EFAULT;
	if (attach.argsz < minsz || (attach.flags & ~VFIO_DEVICE_ATTACH_PASID))
		return -EINVAL;
	if (attach.flags & VFIO_DEVICE_ATTACH_PASID)
		return -EOPNOTSUPP;	/* no pasid_attach_ioas op */

	pthread_mutex_lock(&df->vdev->lock);
	ret = preload_iommufd_attach(df->idev, df->attached, &attach.pt_id);
	if (ret)
		goto out_unlock;
	if (shim_copy_to_user(SHIM_UFIELD(uarg, struct vfio_device_attach_iommufd_pt,
					  pt_id), &attach.pt_id, sizeof(attach.pt_id))) {
		preload_iommufd_detach(df->idev);
		df->attached = false;
		ret = -EFAULT;
		goto out_unlock;
	}
	df->attached = true;
out_unlock:
	pthread_mutex_unlock(&df->vdev->lock);
	return ret;
}

static long vfio_detach(struct vfio_df *df,
			struct vfio_device_detach_iommufd_pt *uarg)
{
	const size_t minsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	struct vfio_device_detach_iommufd_pt detach;

	if (shim_copy_from_user(&detach, uarg, minsz))
		return -EFAULT;
	if (detach.argsz < minsz || (detach.flags & ~VFIO_DEVICE_DETACH_PASID))
		return -EINVAL;
	if (detach.flags & VFIO_DEVICE_DETACH_PASID)
		return -EOPNOTSUPP;

	pthread_mutex_lock(&df->vdev->lock);
	if (df->attached) {
		preload_iommufd_detach(df->idev);
		df->attached = false;
	}
	pthread_mutex_unlock(&df->vdev->lock);
	return 0;
}

static long vfio_get_info(struct vfio_df *df, struct vfio_device_info *uarg)
{
	const size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	(void)df;
	if (shim_copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = VFIO_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return shim_copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static long vfio_get_region_info(struct vfio_df *df, struct vfio_region_info *uarg)
{
	const size_t minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;

	(void)df;
	if (shim_copy_from_user(&info, uarg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_NUM_REGIONS)
		return -EINVAL;
	info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	info.cap_offset = 0;
	info.size = ENDPOINT_MMIO_SIZE;
	info.offset = VFIO_PCI_INDEX_TO_OFFSET(info.index);
	return shim_copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

/*
 * BAR0 accesses, split into naturally aligned 4- or 8-byte register
 * accesses as the endpoint decodes them; -EINVAL outside the region (as
 * vfio-pci's region checks), and before the bind.
 */
static ssize_t vfio_df_rw(struct shim_file *f, void *buf, size_t count,
			  off_t off, bool write)
{
	struct vfio_df *df = f->priv;
	u64 pos = (u64)off, index = pos >> VFIO_PCI_OFFSET_SHIFT;
	phys_addr_t bar = df->vdev->epd->bar;
	size_t done = 0;

	pos &= (1ULL << VFIO_PCI_OFFSET_SHIFT) - 1;
	pthread_mutex_lock(&df->vdev->lock);
	if (!df->access_granted) {
		pthread_mutex_unlock(&df->vdev->lock);
		return -EINVAL;
	}
	pthread_mutex_unlock(&df->vdev->lock);
	if (index >= VFIO_NUM_REGIONS || pos >= ENDPOINT_MMIO_SIZE ||
	    count > ENDPOINT_MMIO_SIZE - pos)
		return -EINVAL;
	while (done < count) {
		unsigned int size = (!((pos + done) & 7) && count - done >= 8) ? 8 : 4;
		u64 val = 0;

		if (((pos + done) & 3) || count - done < 4)
			return done ? (ssize_t)done : -EINVAL;
		if (write) {
			if (shim_copy_from_user(&val, (void *)((uintptr_t)buf + done), size))
				return done ? (ssize_t)done : -EFAULT;
			phys_write_val(df->vdev->mem, bar + pos + done, size, val,
				       MEM_ATTRS_NONE);
		} else {
			phys_read_val(df->vdev->mem, bar + pos + done, size, &val,
				      MEM_ATTRS_NONE);
			if (shim_copy_to_user((void *)((uintptr_t)buf + done), &val, size))
				return done ? (ssize_t)done : -EFAULT;
		}
		done += size;
	}
	return (ssize_t)done;
}

static ssize_t vfio_df_pread(struct shim_file *f, void *buf, size_t count,
			     off_t off)
{
	return vfio_df_rw(f, buf, count, off, false);
}

static ssize_t vfio_df_pwrite(struct shim_file *f, const void *buf,
			      size_t count, off_t off)
{
	return vfio_df_rw(f, (void *)buf, count, off, true);
}

static long vfio_df_ioctl(struct shim_file *f, unsigned long cmd,
			  unsigned long arg)
{
	struct vfio_df *df = f->priv;
	void *uarg = (void *)arg;
	bool granted;

	if (cmd == VFIO_DEVICE_BIND_IOMMUFD)
		return vfio_bind(df, uarg);

	pthread_mutex_lock(&df->vdev->lock);
	granted = df->access_granted;
	pthread_mutex_unlock(&df->vdev->lock);
	if (!granted)
		return -EINVAL;

	switch (cmd) {
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		return vfio_attach(df, uarg);
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		return vfio_detach(df, uarg);
	case VFIO_DEVICE_GET_INFO:
		return vfio_get_info(df, uarg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return vfio_get_region_info(df, uarg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vfio_irqs_get_info(df->vdev->irqs, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vfio_irqs_set(df->vdev->irqs, uarg);
	default:
		return -ENOTTY;
	}
}

/* vfio_device_fops_release: detach and unbind if bound. */
static void vfio_df_release(struct shim_file *f)
{
	struct vfio_df *df = f->priv;
	struct preload_vdev *vdev = df->vdev;

	pthread_mutex_lock(&vdev->lock);
	if (df->access_granted) {
		vfio_irqs_release(vdev->irqs);
		if (df->attached)
			preload_iommufd_detach(df->idev);
		preload_iommufd_unbind(df->idev);
		vdev->open_count--;
	}
	pthread_mutex_unlock(&vdev->lock);
	shim_fput(df->ictx_file);
	free(df);
}

static const struct shim_file_ops vfio_df_fops = {
	.name = "vfio-device",
	.ioctl = vfio_df_ioctl,
	.pread = vfio_df_pread,
	.pwrite = vfio_df_pwrite,
	.release = vfio_df_release,
};

int vfio_cdev_open(int index, int flags)
{
	struct preload_machine *m;
	struct preload_vdev *vdev;
	struct vfio_df *df;
	int ret;

	ret = preload_machine_get(&m);
	if (ret)
		return ret;
	vdev = preload_machine_vdev(m, index);
	if (!vdev)
		return -ENOENT;		/* no such node */
	df = calloc(1, sizeof(*df));
	if (!df)
		return -ENOMEM;
	df->vdev = vdev;
	ret = shim_file_install(&vfio_df_fops, df, flags, NULL);
	if (ret < 0)
		free(df);
	return ret;
}
