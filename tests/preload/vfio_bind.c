// SPDX-License-Identifier: MIT
/*
 * Obtaining a device as on real hardware: open /dev/vfio/devices/vfioN,
 * VFIO_DEVICE_BIND_IOMMUFD, VFIO_DEVICE_ATTACH_IOMMUFD_PT to an IOAS and
 * then to a HWPT (a replace), DETACH, and what the kernel's vfio and
 * iommufd answer to each misuse - including the lifetimes: a bound device
 * keeps its iommufd alive, closing the device unbinds it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

static int bind_dev(int dev, int iommufd, __u32 *devid)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = iommufd,
	};
	int ret = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind);

	*devid = bind.out_devid;
	return ret;
}

static int attach(int dev, __u32 *pt_id)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = *pt_id,
	};
	int ret = ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);

	*pt_id = at.pt_id;
	return ret;
}

static int detach(int dev)
{
	struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };

	return ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de);
}

static unsigned int ioas_alloc(int fd)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	return alloc.out_ioas_id;
}

static int destroy(int fd, unsigned int id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static void test_bind_attach(void)
{
	int fd = open("/dev/iommu", O_RDWR);
	int dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	int dev2 = open("/dev/vfio/devices/vfio0", O_RDWR);
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	__u32 devid, devid2, pt, ioas;

	REQUIRE(fd >= 0 && dev >= 0 && dev2 >= 0);
	CHECK_EQ(bind_dev(dev, fd, &devid), 0);
	CHECK(devid != 0);
	/* Bound once per file, one file per device. */
	CHECK_ERRNO(bind_dev(dev, fd, &devid2), EINVAL);
	CHECK_ERRNO(bind_dev(dev2, fd, &devid2), EINVAL);

	CHECK_EQ(ioctl(dev, VFIO_DEVICE_GET_INFO, &info), 0);
	CHECK(info.flags & VFIO_DEVICE_FLAGS_PCI);
	info.argsz = 8;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, &info), EINVAL);
	CHECK_ERRNO(ioctl(dev, _IO(VFIO_TYPE, VFIO_BASE + 60)), ENOTTY);

	/* Attach to an IOAS: pt_id comes back as the automatic HWPT. */
	ioas = ioas_alloc(fd);
	pt = ioas;
	CHECK_EQ(attach(dev, &pt), 0);
	CHECK(pt != ioas && pt != 0);
	/* The IOAS is in use now; the HWPT too. */
	CHECK_ERRNO(destroy(fd, ioas), EBUSY);
	CHECK_ERRNO(destroy(fd, pt), EBUSY);

	/* Replace with a HWPT of our own. */
	hwpt.dev_id = devid;
	hwpt.pt_id = ioas;
	CHECK_EQ(ioctl(fd, IOMMU_HWPT_ALLOC, &hwpt), 0);
	pt = hwpt.out_hwpt_id;
	CHECK_EQ(attach(dev, &pt), 0);
	CHECK_EQ(pt, hwpt.out_hwpt_id);

	/* Attach to what is not there, or with flags vfio does not know. */
	pt = 0xbad;
	CHECK_ERRNO(attach(dev, &pt), ENOENT);
	{
		struct vfio_device_attach_iommufd_pt at = {
			.argsz = sizeof(at), .flags = VFIO_DEVICE_ATTACH_PASID,
			.pt_id = hwpt.out_hwpt_id, .pasid = 1,
		};

		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EOPNOTSUPP);
		at.flags = 2;
		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
		at.flags = 0;
		at.argsz = 8;
		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EINVAL);
		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, NULL), EFAULT);
	}
	{
		struct vfio_device_detach_iommufd_pt de = { .argsz = 4 };

		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), EINVAL);
		de.argsz = sizeof(de);
		de.flags = 4;
		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), EINVAL);
		de.flags = VFIO_DEVICE_DETACH_PASID;
		CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), EOPNOTSUPP);
	}

	/* Detach (twice is fine), then the HWPT and the IOAS can go. */
	CHECK_EQ(detach(dev), 0);
	CHECK_EQ(detach(dev), 0);
	CHECK_EQ(destroy(fd, hwpt.out_hwpt_id), 0);
	CHECK_EQ(destroy(fd, ioas), 0);
	/* The device object itself is not the user's to destroy. */
	CHECK_ERRNO(destroy(fd, devid), EBUSY);

	/* Closing the bound file unbinds: another file can bind now. */
	close(dev);
	CHECK_EQ(bind_dev(dev2, fd, &devid2), 0);
	close(dev2);
	close(fd);
}

/* The device file keeps the context: closing the iommufd fd is not the end. */
static void test_lifetimes(void)
{
	int fd = open("/dev/iommu", O_RDWR);
	int dev = open("/dev/vfio/devices/vfio1", O_RDWR);
	__u32 devid, pt, ioas;

	REQUIRE(fd >= 0 && dev >= 0);
	CHECK_EQ(bind_dev(dev, fd, &devid), 0);
	ioas = ioas_alloc(fd);
	pt = ioas;
	CHECK_EQ(attach(dev, &pt), 0);
	close(fd);
	/* Still bound to the (now unnamed) context: the replace still works. */
	pt = ioas;
	CHECK_EQ(attach(dev, &pt), 0);
	CHECK_EQ(detach(dev), 0);
	close(dev);

	/* A device bound in one context, then in another after the close. */
	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio1", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0);
	CHECK_EQ(bind_dev(dev, fd, &devid), 0);
	close(dev);
	close(fd);
}

int main(void)
{
	test_bind_attach();
	test_lifetimes();
	return test_done();
}
