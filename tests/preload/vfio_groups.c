// SPDX-License-Identifier: MIT
/*
 * Two devices in one IOMMU group (they share StreamID 0x20, configured
 * below before the first open): the group belongs to one iommufd at a
 * time, and its devices share one translation.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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

static int attach(int dev, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = pt_id,
	};

	return ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

static __u32 ioas_alloc(int fd)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	return alloc.out_ioas_id;
}

int main(void)
{
	int a, b, d0, d1, d2;
	__u32 id0, id1, id2, ioas1, ioas2;

	client_config("devices=0 device=0x20 device=0x20 device=0x30");
	a = open("/dev/iommu", O_RDWR);
	b = open("/dev/iommu", O_RDWR);
	d0 = open("/dev/vfio/devices/vfio0", O_RDWR);
	d1 = open("/dev/vfio/devices/vfio1", O_RDWR);
	d2 = open("/dev/vfio/devices/vfio2", O_RDWR);
	REQUIRE(a >= 0 && b >= 0 && d0 >= 0 && d1 >= 0 && d2 >= 0);
	CHECK_ERRNO(open("/dev/vfio/devices/vfio3", O_RDWR), ENOENT);

	/*
	 * vfio0 takes the group for context a: vfio1 cannot go to b
	 * (iommu_device_claim_dma_owner: another owner is EPERM).
	 */
	CHECK_EQ(bind_dev(d0, a, &id0), 0);
	CHECK_ERRNO(bind_dev(d1, b, &id1), EPERM);
	CHECK_EQ(bind_dev(d2, b, &id2), 0);	/* another group: fine */
	CHECK_EQ(bind_dev(d1, a, &id1), 0);
	CHECK(id0 != id1);

	/*
	 * One group, one translation: a device joining must take the group's
	 * HWPT.  (A replace through one device moves the whole group; not
	 * checked here until kernel/iommufd's group replace keeps the other
	 * device's attachment.)
	 */
	ioas1 = ioas_alloc(a);
	ioas2 = ioas_alloc(a);
	CHECK_EQ(attach(d0, ioas1), 0);
	CHECK_ERRNO(attach(d1, ioas2), EINVAL);
	CHECK_EQ(attach(d1, ioas1), 0);

	/* Once both are gone from a, the group is free for b. */
	close(d0);
	close(d1);
	d1 = open("/dev/vfio/devices/vfio1", O_RDWR);
	REQUIRE(d1 >= 0);
	CHECK_EQ(bind_dev(d1, b, &id1), 0);
	close(d1);
	close(d2);
	close(a);
	close(b);
	return test_done();
}
