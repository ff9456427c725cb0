// SPDX-License-Identifier: MIT
/*
 * A VFIO device cdev before it is bound, and every way to get
 * VFIO_DEVICE_BIND_IOMMUFD wrong: the errno of each as Linux's
 * drivers/vfio/device_cdev.c answers it, in the kernel's order of checks.
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "client.h"

static void test_unbound(int dev)
{
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};
	struct vfio_device_info info = { .argsz = sizeof(info) };

	/* Nothing but BIND before the bind grants access. */
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, &info), EINVAL);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach), EINVAL);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach), EINVAL);
	CHECK_ERRNO(ioctl(dev, _IO(';', 0x7f)), EINVAL);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, NULL), EINVAL);
}

static void test_bind_args(int dev, int iommufd)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = iommufd,
	};
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int p[2], other;
	char *guard;

	/* The argument cannot be read: EFAULT before anything else. */
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, NULL), EFAULT);
	guard = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(guard != MAP_FAILED);
	REQUIRE(mprotect(guard + pg, pg, PROT_NONE) == 0);
	/* minsz (16 bytes) straddles into the inaccessible page. */
	memcpy(guard + pg - 8, &bind, 8);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, guard + pg - 8), EFAULT);
	/* Exactly minsz readable is enough to fail on what it says. */
	bind.argsz = 8;
	memcpy(guard + pg - 16, &bind, 16);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, guard + pg - 16), EINVAL);
	munmap(guard, 2 * pg);

	bind.argsz = offsetof(struct vfio_device_bind_iommufd, out_devid);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.argsz = sizeof(bind);
	bind.flags = 2;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);
	bind.flags = 0;
	bind.iommufd = -1;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EINVAL);

	/* Not a descriptor at all: EBADF.  A descriptor, not an iommufd: EBADFD. */
	REQUIRE(pipe(p) == 0);
	other = open("/dev/vfio/devices/vfio1", O_RDWR);
	REQUIRE(other >= 0);
	bind.iommufd = p[0];
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADFD);
	bind.iommufd = other;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADFD);
	bind.iommufd = dev;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADFD);
	close(p[0]);
	close(p[1]);
	bind.iommufd = p[0];
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADF);
	bind.iommufd = 1000000;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADF);
	/* A closed iommufd is just a closed descriptor. */
	bind.iommufd = dup(iommufd);
	REQUIRE(bind.iommufd >= 0);
	close(bind.iommufd);
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), EBADF);
	close(other);
	/* None of it bound the device. */
	test_unbound(dev);
}

int main(void)
{
	int iommufd = open("/dev/iommu", O_RDWR);
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR);

	REQUIRE(iommufd >= 0 && dev >= 0);
	test_unbound(dev);
	test_bind_args(dev, iommufd);
	close(dev);
	close(iommufd);
	return test_done();
}
