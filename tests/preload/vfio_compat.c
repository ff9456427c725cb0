// SPDX-License-Identifier: MIT
/*
 * A VFIO type1 program on /dev/iommu: the container ioctls (API version,
 * extensions, SET_IOMMU, GET_INFO's capability chain, MAP_DMA, UNMAP_DMA)
 * issued on an iommufd whose compat IOAS was set with IOMMU_VFIO_IOAS, as
 * a VMM ported from the container API does.  The device's DMA goes where
 * MAP_DMA put the program's memory; bad argument pointers are EFAULT.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "endpoint.h"


#define PG	4096UL
#define IOVA	0x100000UL

static int fd, dev;
static struct ep ep;

static void device_setup(__u32 ioas)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = fd };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };

	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(dev >= 0);
	REQUIRE(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	ep_init(&ep, dev);
	REQUIRE(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) == 0);
}

static void check_info(void)
{
	union {
		struct vfio_iommu_type1_info info;
		unsigned char raw[1024];
	} b;
	struct vfio_info_cap_header h;
	struct vfio_iommu_type1_info_dma_avail avail;
	struct vfio_iommu_type1_info_cap_iova_range iovas;
	__u32 off, seen = 0;

	memset(&b, 0, sizeof(b));
	b.info.argsz = sizeof(b.info);
	CHECK_EQ(ioctl(fd, VFIO_IOMMU_GET_INFO, &b), 0);
	CHECK(b.info.argsz > sizeof(b.info));	/* the size the caps need */
	CHECK_EQ(b.info.cap_offset, 0);
	CHECK(b.info.flags & VFIO_IOMMU_INFO_PGSIZES);
	CHECK(b.info.iova_pgsizes & PG);
	REQUIRE(b.info.argsz <= sizeof(b));
	CHECK_EQ(ioctl(fd, VFIO_IOMMU_GET_INFO, &b), 0);
	CHECK_EQ(b.info.cap_offset, sizeof(b.info));
	for (off = b.info.cap_offset; off; off = h.next) {
		REQUIRE(off + sizeof(h) <= sizeof(b));
		memcpy(&h, b.raw + off, sizeof(h));
		CHECK_EQ(h.version, 1);
		CHECK_EQ(off % 8, 0);
		if (h.id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			memcpy(&avail, b.raw + off, sizeof(avail));
			CHECK_EQ(avail.avail, 0xffffffffu);
			seen |= 1;
		} else if (h.id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iova_range r;

			memcpy(&iovas, b.raw + off, sizeof(iovas));
			CHECK(iovas.nr_iovas >= 1);
			memcpy(&r, b.raw + off + sizeof(iovas), sizeof(r));
			CHECK(r.start <= IOVA && r.end >= IOVA + 2 * PG - 1);
			seen |= 2;
		}
	}
	CHECK_EQ(seen, 3);
	/* An info struct the program cannot write: EFAULT, not a crash. */
	{
		void *ro = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		REQUIRE(ro != MAP_FAILED);
		((struct vfio_iommu_type1_info *)ro)->argsz = 512;
		REQUIRE(mprotect(ro, PG, PROT_READ) == 0);
		CHECK_ERRNO(ioctl(fd, VFIO_IOMMU_GET_INFO, ro), EFAULT);
		CHECK_ERRNO(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, ro), EFAULT);
		REQUIRE(mprotect(ro, PG, PROT_NONE) == 0);
		CHECK_ERRNO(ioctl(fd, VFIO_IOMMU_MAP_DMA, ro), EFAULT);
		munmap(ro, PG);
	}
}

int main(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_vfio_ioas vi = { .size = sizeof(vi) };
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = IOVA, .size = 2 * PG,
	};
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap), .iova = IOVA, .size = 2 * PG,
	};
	unsigned char *buf;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_EQ(ioctl(fd, VFIO_GET_API_VERSION), VFIO_API_VERSION);
	CHECK_EQ(ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 1);
	CHECK_EQ(ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR), 0);
	/* No compat IOAS yet: like a container without a group. */
	CHECK_ERRNO(ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), ENODEV);
	vi.op = IOMMU_VFIO_IOAS_GET;
	CHECK_ERRNO(ioctl(fd, IOMMU_VFIO_IOAS, &vi), ENODEV);

	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	vi.op = IOMMU_VFIO_IOAS_SET;
	vi.ioas_id = alloc.out_ioas_id;
	CHECK_EQ(ioctl(fd, IOMMU_VFIO_IOAS, &vi), 0);
	vi.op = IOMMU_VFIO_IOAS_GET;
	vi.ioas_id = 0;
	CHECK_EQ(ioctl(fd, IOMMU_VFIO_IOAS, &vi), 0);
	CHECK_EQ(vi.ioas_id, alloc.out_ioas_id);
	CHECK_ERRNO(ioctl(fd, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU), EINVAL);
	CHECK_EQ(ioctl(fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	device_setup(alloc.out_ioas_id);

	buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);
	map.vaddr = (uintptr_t)buf;
	CHECK_EQ(ioctl(fd, VFIO_IOMMU_MAP_DMA, &map), 0);
	CHECK_ERRNO(ioctl(fd, VFIO_IOMMU_MAP_DMA, &map), EEXIST);
	check_info();

	/* The device copies page 0 onto page 1 of the program's buffer. */
	for (unsigned int i = 0; i < PG; i++)
		buf[i] = (unsigned char)(i * 3 + 1);
	CHECK_EQ(ep_dma_copy(&ep, IOVA + PG, IOVA, PG), 0);
	CHECK(!memcmp(buf, buf + PG, PG));

	/* Type1v2: half a mapping cannot go; FLAG_ALL takes it all. */
	unmap.size = PG;
	CHECK_ERRNO(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap), ENOENT);
	CHECK_EQ(unmap.size, 0);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP;
	CHECK_ERRNO(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap), EINVAL);
	unmap.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	unmap.iova = unmap.size = 0;
	CHECK_EQ(ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap), 0);
	CHECK_EQ(unmap.size, 2 * PG);
	CHECK(ep_dma_copy(&ep, IOVA + PG, IOVA, 64) != 0);

	close(dev);
	close(fd);
	munmap(buf, 2 * PG);
	return test_done();
}
