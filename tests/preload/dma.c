// SPDX-License-Identifier: MIT
/*
 * End to end: a device's DMA lands in the program's own memory through
 * the IOMMU, exactly where the program mapped it with IOMMU_IOAS_MAP.
 *
 * The device is the emulated endpoint behind /dev/vfio/devices/vfio0; its
 * register BAR (hw/endpoint.h's layout, restated below as a driver would)
 * is VFIO region 0, programmed with pwrite/pread.  Its DMA engine copies
 * SRC to DST, two bus addresses, translated page by page by the IOMMU.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

/* The endpoint's registers. */
#include "hw/endpoint-regs.h"

#define PG	4096UL
#define IOVA	0x100000UL

static int fd, dev;
static __u64 bar0;

static __u32 rd32(__u64 reg)
{
	__u32 v = 0;

	CHECK_EQ(pread(dev, &v, 4, (off_t)(bar0 + reg)), 4);
	return v;
}

static __u64 rd64(__u64 reg)
{
	__u64 v = 0;

	CHECK_EQ(pread(dev, &v, 8, (off_t)(bar0 + reg)), 8);
	return v;
}

static void wr32(__u64 reg, __u32 v)
{
	CHECK_EQ(pwrite(dev, &v, 4, (off_t)(bar0 + reg)), 4);
}

static void wr64(__u64 reg, __u64 v)
{
	CHECK_EQ(pwrite(dev, &v, 8, (off_t)(bar0 + reg)), 8);
}

/* Device copies len bytes from bus address src to dst: its status. */
static __u32 dma_copy(__u64 dst, __u64 src, __u32 len)
{
	wr64(EP_DMA_SRC, src);
	wr64(EP_DMA_DST, dst);
	wr32(EP_DMA_LEN, len);
	wr32(EP_DMA_CMD, EP_DMA_CMD_GO);
	return rd32(EP_DMA_STATUS);
}

static int attach(__u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt at = {
		.argsz = sizeof(at), .pt_id = pt_id,
	};

	return ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

int main(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = 2 * PG, .iova = IOVA,
	};
	struct iommu_ioas_unmap unmap = {
		.size = sizeof(unmap), .iova = IOVA + PG, .length = PG,
	};
	struct vfio_device_detach_iommufd_pt det = { .argsz = sizeof(det) };
	unsigned char *buf;
	__u32 v;

	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0);
	/* No access before the bind. */
	CHECK_ERRNO(pread(dev, &v, 4, 0), EINVAL);
	bind.iommufd = fd;
	REQUIRE(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);

	/* Region 0 is the BAR; there is no region 1. */
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg), 0);
	CHECK_EQ(reg.size, 4096);
	CHECK(reg.flags & VFIO_REGION_INFO_FLAG_READ);
	CHECK(reg.flags & VFIO_REGION_INFO_FLAG_WRITE);
	bar0 = reg.offset;
	reg.index = 1;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL);
	reg.index = 0;
	reg.argsz = 16;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg), EINVAL);
	CHECK_EQ(rd32(EP_ID), ENDPOINT_ID);
	/* Past the BAR, or in a region that does not exist. */
	CHECK_ERRNO(pread(dev, &v, 4, (off_t)(bar0 + 4096)), EINVAL);
	CHECK_ERRNO(pread(dev, &v, 4, (off_t)(bar0 + 4094)), EINVAL);
	CHECK_ERRNO(pread(dev, &v, 4, (off_t)(bar0 + (1ULL << 40))), EINVAL);

	/* Two pages of the program's memory at IOVA. */
	buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	map.ioas_id = unmap.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_MAP, &map), 0);

	/* Attached to nothing yet: the device is blocked. */
	for (unsigned int i = 0; i < PG; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	CHECK(dma_copy(IOVA + PG, IOVA, PG) != 0);
	CHECK_EQ(buf[PG], 0);

	/* Through the IOAS: the device copies page 0 onto page 1. */
	CHECK_EQ(attach(alloc.out_ioas_id), 0);
	CHECK_EQ(dma_copy(IOVA + PG, IOVA, PG), 0);
	CHECK(!memcmp(buf, buf + PG, PG));

	/* An IOVA the program never mapped: the DMA faults there. */
	CHECK_EQ(dma_copy(0x900000, IOVA, 64), EFAULT);
	CHECK_EQ(rd64(EP_FAULT_ADDR), 0x900000);

	/* Half an area cannot be unmapped; the whole one can. */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), ENOENT);
	unmap.iova = IOVA;
	unmap.length = 2 * PG;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), 0);
	/* Page 0 alone again: the device can no longer reach page 1. */
	map.length = PG;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_MAP, &map), 0);
	memset(buf + PG, 0, PG);
	CHECK_EQ(dma_copy(IOVA + PG, IOVA, PG), EFAULT);
	CHECK_EQ(rd64(EP_FAULT_ADDR), IOVA + PG);
	CHECK_EQ(buf[PG], 0);
	/* And the device reads what the program writes. */
	buf[0] = 0x5a;
	CHECK_EQ(dma_copy(IOVA + 8, IOVA, 1), 0);
	CHECK_EQ(buf[8], 0x5a);

	/* Detached: blocked once more. */
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det), 0);
	CHECK(dma_copy(IOVA, IOVA, 64) != 0);

	close(dev);
	close(fd);
	munmap(buf, 2 * PG);
	return test_done();
}
