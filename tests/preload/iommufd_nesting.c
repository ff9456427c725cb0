// SPDX-License-Identifier: MIT
/*
 * What a VMM's vSMMU does through iommufd, from an unmodified program:
 * GET_HW_INFO, a nest-parent HWPT, a vIOMMU and a vDEVICE, a nested HWPT
 * from the guest's STE, attach, invalidations with SMMUv3 commands, and
 * the event descriptors (vEVENTQ, fault queue) read, written and polled -
 * with the errno of each misuse, as Linux's iommufd and arm-smmu-v3 give.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

#define STE0_V		1ULL
#define STE0_CFG(c)	((unsigned long long)(c) << 1)
#define CFG_BYPASS	4
#define CFG_S2_TRANS	6
#define OP_TLBI_NH_ALL	0x10

static int fd, dev;
static __u32 devid, ioas;

static int destroy(unsigned int id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static void setup(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0);
	bind.iommufd = fd;
	REQUIRE(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	devid = bind.out_devid;
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	ioas = alloc.out_ioas_id;
}

static void test_hw_info(void)
{
	struct iommu_hw_info_arm_smmuv3 smmu = { 0 };
	struct iommu_hw_info info = {
		.size = sizeof(info), .dev_id = devid,
		.data_len = sizeof(smmu), .data_uptr = (uintptr_t)&smmu,
	};

	CHECK_EQ(ioctl(fd, IOMMU_GET_HW_INFO, &info), 0);
	CHECK_EQ(info.out_data_type, IOMMU_HW_INFO_TYPE_ARM_SMMUV3);
	CHECK_EQ(info.data_len, sizeof(smmu));
	CHECK(smmu.idr[0] != 0);
	info.dev_id = ioas;		/* an ID, but not a device's */
	CHECK_ERRNO(ioctl(fd, IOMMU_GET_HW_INFO, &info), ENOENT);
	/* A buffer the kernel cannot write: EFAULT, not a crash. */
	{
		char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

		REQUIRE(ro != MAP_FAILED);
		info.dev_id = devid;
		info.data_uptr = (uintptr_t)ro;
		CHECK_ERRNO(ioctl(fd, IOMMU_GET_HW_INFO, &info), EFAULT);
		info.data_uptr = (uintptr_t)(ro - 16);	/* the kernel writes all data_len */
		CHECK_ERRNO(ioctl(fd, IOMMU_GET_HW_INFO, &info), EFAULT);
		munmap(ro, 4096);
	}
}

/* The guest's STE as a nested HWPT under viommu. */
static int nested_alloc(__u32 viommu, __u64 ste0, __u32 *id)
{
	struct iommu_hwpt_arm_smmuv3 ste = { .ste = { ste0, 0 } };
	struct iommu_hwpt_alloc alloc = {
		.size = sizeof(alloc), .dev_id = devid, .pt_id = viommu,
		.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
		.data_len = sizeof(ste), .data_uptr = (uintptr_t)&ste,
	};
	int ret = ioctl(fd, IOMMU_HWPT_ALLOC, &alloc);

	*id = alloc.out_hwpt_id;
	return ret;
}

static void test_events(__u32 viommu)
{
	struct iommu_veventq_alloc vq = {
		.size = sizeof(vq), .viommu_id = viommu,
		.type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 16,
	};
	struct iommu_fault_alloc fq = { .size = sizeof(fq) };
	struct iommu_hwpt_pgfault pgfault;
	struct iommu_hwpt_page_response resp = { .cookie = 1234 };
	struct pollfd p;
	char buf[256];
	void *nowhere;
	int d;

	CHECK_EQ(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &vq), 0);
	CHECK(vq.out_veventq_fd > 2 && vq.out_veventq_fd != (__u32)fd);
	CHECK_EQ(fcntl(vq.out_veventq_fd, F_GETFD), FD_CLOEXEC);
	/* Nothing has happened: no record to read, nothing to poll. */
	CHECK_EQ(read(vq.out_veventq_fd, buf, sizeof(buf)), 0);
	p = (struct pollfd){ .fd = vq.out_veventq_fd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 0), 0);
	CHECK_ERRNO(write(vq.out_veventq_fd, buf, 8), EINVAL);
	/* One queue per type per vIOMMU; a depth is required. */
	CHECK_ERRNO(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &vq), EEXIST);
	vq.veventq_depth = 0;
	CHECK_ERRNO(ioctl(fd, IOMMU_VEVENTQ_ALLOC, &vq), EINVAL);
	/* The descriptor holds the queue. */
	CHECK_ERRNO(destroy(vq.out_veventq_id), EBUSY);
	close(vq.out_veventq_fd);
	CHECK_EQ(destroy(vq.out_veventq_id), 0);

	CHECK_EQ(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fq), 0);
	/* Whole records only, in and out. */
	CHECK_ERRNO(read(fq.out_fault_fd, buf, 1), ESPIPE);
	CHECK_EQ(read(fq.out_fault_fd, &pgfault, sizeof(pgfault)), 0);
	CHECK_ERRNO(write(fq.out_fault_fd, &resp, 3), ESPIPE);
	CHECK_ERRNO(write(fq.out_fault_fd, &resp, sizeof(resp)), EINVAL);
	/* A buffer the process cannot access. */
	nowhere = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(nowhere != MAP_FAILED);
	CHECK_ERRNO(write(fq.out_fault_fd, nowhere, sizeof(resp)), EFAULT);
	/* An empty queue reads nothing, so never touches the buffer. */
	CHECK_EQ(read(fq.out_fault_fd, nowhere, sizeof(pgfault)), 0);
	munmap(nowhere, 4096);
	p = (struct pollfd){ .fd = fq.out_fault_fd, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	/* A queue has a poll op: epoll can watch it, and sees no fault. */
	{
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int ep = epoll_create1(0);

		REQUIRE(ep >= 0);
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, (int)fq.out_fault_fd, &ev), 0);
		CHECK_EQ(epoll_wait(ep, &out, 1, 0), 0);
		close(ep);
	}
	/* A dup is the same queue; the last close lets it go. */
	d = dup(fq.out_fault_fd);
	close(fq.out_fault_fd);
	CHECK_EQ(read(d, &pgfault, sizeof(pgfault)), 0);
	CHECK_ERRNO(destroy(fq.out_fault_id), EBUSY);
	close(d);
	CHECK_EQ(destroy(fq.out_fault_id), 0);
}

static void test_nesting(void)
{
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = devid, .pt_id = ioas,
	};
	struct iommu_hwpt_alloc plain = {
		.size = sizeof(plain), .dev_id = devid, .pt_id = ioas,
	};
	struct iommu_viommu_alloc va = {
		.size = sizeof(va), .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
		.dev_id = devid,
	};
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .dev_id = devid,
					  .virt_id = 0x42 };
	struct iommu_viommu_arm_smmuv3_invalidate cmds[2] = {
		{ .cmd = { OP_TLBI_NH_ALL, 0 } },
		{ .cmd = { 0xff, 0 } },		/* not a command a guest may send */
	};
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv), .data_uptr = (uintptr_t)cmds,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
		.entry_len = sizeof(cmds[0]), .entry_num = 1,
	};
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	__u32 nested, bad;

	CHECK_EQ(ioctl(fd, IOMMU_HWPT_ALLOC, &parent), 0);
	CHECK_EQ(ioctl(fd, IOMMU_HWPT_ALLOC, &plain), 0);

	/* A vIOMMU needs a nest parent. */
	va.hwpt_id = plain.out_hwpt_id;
	CHECK_ERRNO(ioctl(fd, IOMMU_VIOMMU_ALLOC, &va), EINVAL);
	va.hwpt_id = parent.out_hwpt_id;
	CHECK_EQ(ioctl(fd, IOMMU_VIOMMU_ALLOC, &va), 0);
	vd.viommu_id = va.out_viommu_id;
	CHECK_EQ(ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd), 0);

	/* The guest's STE: bypass is fine, a stage-2 config is not the guest's. */
	CHECK_EQ(nested_alloc(va.out_viommu_id, STE0_V | STE0_CFG(CFG_BYPASS), &nested), 0);
	CHECK_ERRNO(nested_alloc(va.out_viommu_id, STE0_V | STE0_CFG(CFG_S2_TRANS), &bad), EIO);
	at.pt_id = nested;
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	CHECK_EQ(at.pt_id, nested);

	/* Invalidations go to the vIOMMU; entry_num says how many were done. */
	inv.hwpt_id = va.out_viommu_id;
	CHECK_EQ(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), 0);
	CHECK_EQ(inv.entry_num, 1);
	inv.entry_num = 2;
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EIO);
	CHECK_EQ(inv.entry_num, 1);
	inv.entry_num = 1;
	inv.data_uptr = 0;
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EINVAL);
	CHECK_EQ(inv.entry_num, 0);
	/* Arrays and blobs the kernel cannot read: EFAULT, not a crash. */
	{
		char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);
		struct iommu_hwpt_alloc h = {
			.size = sizeof(h), .dev_id = devid, .pt_id = va.out_viommu_id,
			.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
			.data_len = sizeof(struct iommu_hwpt_arm_smmuv3),
			.data_uptr = (uintptr_t)none,
		};

		REQUIRE(none != MAP_FAILED);
		inv.entry_num = 1;
		inv.data_uptr = (uintptr_t)none;
		CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EFAULT);
		inv.data_uptr = (uintptr_t)cmds;
		inv.entry_num = 1 << 20;	/* runs off the array into a hole */
		inv.entry_len = 4096;
		CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EFAULT);
		inv.entry_len = sizeof(cmds[0]);
		CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_ALLOC, &h), EFAULT);
		munmap(none, 4096);
	}
	/*
	 * The array as the kernel copies it first: nothing is empty, a short
	 * entry is zero-extended, a wider one needs a zero tail.
	 */
	inv.entry_num = 0;
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EINVAL);
	inv.entry_num = 1;
	inv.entry_len = 8;
	CHECK_EQ(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), 0);
	CHECK_EQ(inv.entry_num, 1);
	{
		__u64 wide[3] = { OP_TLBI_NH_ALL, 0, 0 };

		inv.data_uptr = (uintptr_t)wide;
		inv.entry_len = sizeof(wide);
		CHECK_EQ(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), 0);
		wide[2] = 1;
		CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), E2BIG);
		CHECK_EQ(inv.entry_num, 0);
		inv.data_uptr = (uintptr_t)cmds;
		inv.entry_len = sizeof(cmds[0]);
	}
	inv.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EINVAL);
	inv.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;

	test_events(va.out_viommu_id);

	/* Teardown in the order the objects depend on each other. */
	CHECK_ERRNO(destroy(parent.out_hwpt_id), EBUSY);
	at.pt_id = ioas;
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	CHECK_EQ(destroy(nested), 0);
	CHECK_EQ(destroy(vd.out_vdevice_id), 0);
	CHECK_EQ(destroy(va.out_viommu_id), 0);
	CHECK_EQ(destroy(parent.out_hwpt_id), 0);
	CHECK_EQ(destroy(plain.out_hwpt_id), 0);
}

int main(void)
{
	setup();
	test_hw_info();
	test_nesting();
	close(dev);
	close(fd);
	return test_done();
}
