// SPDX-License-Identifier: MIT
/*
 * Dirty tracking from an unmodified program (iommu=smmuv3, whose SMMU has
 * HTTU by default): a HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
 * tracking enabled, the device copies page 0 onto page 1 of the program's
 * buffer, and IOMMU_HWPT_GET_DIRTY_BITMAP reports page 1 only (the device
 * read page 0).  A bitmap the program cannot write is not a crash: as in
 * Linux (the window cannot be pinned) the call returns 0 and reports, and
 * clears, nothing.  With httu=0 the SMMU cannot track: EOPNOTSUPP.
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
#define NPG	16

static int fd, dev;
static struct ep ep;
static __u32 dev_id, ioas, hwpt;

static int get_bitmap(void *data, __u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = hwpt, .flags = flags,
		.iova = IOVA, .length = NPG * PG, .page_size = PG,
		.data = (uintptr_t)data,
	};

	return ioctl(fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

static void setup(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.length = NPG * PG, .iova = IOVA,
	};
	void *buf;

	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0);
	bind.iommufd = fd;
	REQUIRE(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	dev_id = bind.out_devid;
	ep_init(&ep, dev);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	ioas = alloc.out_ioas_id;
	buf = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);
	map.ioas_id = ioas;
	map.user_va = (uintptr_t)buf;
	REQUIRE(ioctl(fd, IOMMU_IOAS_MAP, &map) == 0);
}

static void test_no_httu(void)
{
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};

	setup();
	h.dev_id = dev_id;
	h.pt_id = ioas;
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_ALLOC, &h), EOPNOTSUPP);
	close(dev);
	close(fd);
}

int main(void)
{
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
	};
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	__u64 bm[1];
	void *ro;

	client_require_iommu("smmuv3", "dirty tracking is arm-smmu-v3's HTTU");
	if (getenv("DIRTY_NO_HTTU")) {
		test_no_httu();
		return test_done();
	}
	setup();
	info.dev_id = dev_id;
	CHECK_EQ(ioctl(fd, IOMMU_GET_HW_INFO, &info), 0);
	CHECK(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	h.dev_id = dev_id;
	h.pt_id = ioas;
	REQUIRE(ioctl(fd, IOMMU_HWPT_ALLOC, &h) == 0);
	hwpt = set.hwpt_id = at.pt_id = h.out_hwpt_id;
	REQUIRE(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) == 0);
	CHECK_EQ(ioctl(fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &set), 0);

	bm[0] = 0;
	CHECK_EQ(get_bitmap(bm, 0), 0);
	CHECK_EQ(bm[0], 0);
	CHECK_EQ(ep_dma_copy(&ep, IOVA + PG, IOVA, PG), 0);
	CHECK_EQ(ep_dma_copy(&ep, IOVA + 7 * PG, IOVA + 3 * PG, 64), 0);

	/* A bitmap the program cannot write: 0, nothing reported or cleared. */
	ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ro != MAP_FAILED);
	CHECK_EQ(get_bitmap(ro, 0), 0);
	CHECK_EQ(*(volatile __u64 *)ro, 0);
	munmap(ro, PG);

	bm[0] = 0;
	CHECK_EQ(get_bitmap(bm, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), 0);
	CHECK_EQ(bm[0], (1ULL << 1) | (1ULL << 7));
	bm[0] = 0;
	CHECK_EQ(get_bitmap(bm, 0), 0);
	CHECK_EQ(bm[0], (1ULL << 1) | (1ULL << 7));
	bm[0] = 0;
	CHECK_EQ(get_bitmap(bm, 0), 0);
	CHECK_EQ(bm[0], 0);

	close(dev);
	close(fd);
	if (test_failures)
		return test_done();
	/* The same without HTTU: this program again, with httu=0. */
	client_config("httu=0");
	setenv("DIRTY_NO_HTTU", "1", 1);
	execv("/proc/self/exe", (char *[]){ "dirty", NULL });
	return 1;
}
