/*
 * /dev/iommu: one iommufd context per open, as the kernel's iommufd_fops
 * gives one iommufd_ctx per struct file.
 *
 * The file has an ioctl op and a release op and nothing else, like the
 * kernel's: read and write answer EINVAL, poll answers DEFAULT_POLLMASK.
 * Every ioctl goes to the in-kernel iommufd (kernel/iommufd) unchanged,
 * which copies its argument in and out as the kernel does.
 *
 * This file is also the whole of the shim's contract with kernel/iommufd:
 * the context, the ioctl dispatch and the device bind/attach calls VFIO
 * makes (vfio.c calls the preload_iommufd_* functions below).  Until that
 * layer lands, the context does not exist: ioctls answer ENOTTY and a
 * device bind EOPNOTSUPP.
 */
#include <errno.h>
#include <stdlib.h>

#include "preload/preload.h"
#include "preload/iommufd-glue.h"

struct iommufd_file {
	struct iommufd_ctx *ictx;
};

static long iommufd_file_ioctl(struct shim_file *f, unsigned long cmd,
			       unsigned long arg)
{
	struct iommufd_file *file = f->priv;

	if (!file->ictx)
		return -ENOTTY;
	(void)cmd;
	(void)arg;
	return -ENOTTY;
}

static void iommufd_file_release(struct shim_file *f)
{
	struct iommufd_file *file = f->priv;

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
	ret = shim_file_install(&iommufd_fops, file, flags, NULL);
	if (ret < 0)
		free(file);
	return ret;
}

bool iommufd_file_is(struct shim_file *f)
{
	return f->ops == &iommufd_fops;
}

/* --------------------------------------------- what VFIO asks of it */

int preload_iommufd_bind(struct shim_file *ictx_file, struct device *dev,
			 struct preload_idev **out, unsigned int *devid)
{
	struct iommufd_file *file = ictx_file->priv;

	(void)dev;
	(void)out;
	(void)devid;
	if (!file->ictx)
		return -EOPNOTSUPP;
	return -EOPNOTSUPP;
}

void preload_iommufd_unbind(struct preload_idev *idev)
{
	(void)idev;
}

int preload_iommufd_attach(struct preload_idev *idev, bool replace,
			   unsigned int *pt_id)
{
	(void)idev;
	(void)replace;
	(void)pt_id;
	return -EOPNOTSUPP;
}

void preload_iommufd_detach(struct preload_idev *idev)
{
	(void)idev;
}
