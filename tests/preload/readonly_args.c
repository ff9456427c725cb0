// SPDX-License-Identifier: MIT
/*
 * Argument structs the program can read but not write.
 *
 * Every iommufd and VFIO command that answers writes its struct back with
 * copy_to_user (iommufd_ucmd_respond, the VFIO ioctls' copy of the out
 * fields).  Where that copy faults, Linux answers EFAULT after doing the
 * work: an object the command created is destroyed again (its ID free for
 * the next one), while a map, copy or unmap stays done.  Here each such
 * command is given a struct on a read-only page; the program must see
 * EFAULT and the kernel's side effects, never a SIGSEGV inside the shim.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

#define PG		4096UL
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define IOVA		0x400000UL

static int fd, dev;
static __u32 devid, ioas;
static char *page;		/* PG bytes, made read-only by ro() */
static char *buf;		/* PG bytes to map */

/* A copy of the struct at p on the read-only page. */
static void *ro(const void *p, size_t len)
{
	REQUIRE(mprotect(page, PG, PROT_READ | PROT_WRITE) == 0);
	memcpy(page, p, len);
	REQUIRE(mprotect(page, PG, PROT_READ) == 0);
	return page;
}

static __u32 ioas_alloc(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };

	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &a) == 0);
	return a.out_ioas_id;
}

static int destroy(__u32 id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static void test_vfio(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = fd };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct vfio_device_detach_iommufd_pt de = { .argsz = sizeof(de) };

	/* vfio_df_ioctl_bind_iommufd: out_devid faults, the bind is undone. */
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, ro(&bind, sizeof(bind))),
		    EFAULT);
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	devid = bind.out_devid;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_GET_INFO, ro(&info, sizeof(info))), EFAULT);
	/* The attach is undone too (vfio_df_ioctl_attach_pt). */
	at.pt_id = ioas;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, ro(&at, sizeof(at))),
		    EFAULT);
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &de), 0);
}

/* An object-creating command: EFAULT, and its ID is free again. */
static void test_allocs(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_hwpt_alloc h = {
		.size = sizeof(h), .dev_id = devid, .pt_id = ioas,
	};
	struct iommu_fault_alloc fq = { .size = sizeof(fq) };
	__u32 next;

	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, ro(&a, sizeof(a))), EFAULT);
	next = ioas_alloc();
	CHECK_EQ(destroy(next), 0);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, ro(&a, sizeof(a))), EFAULT);
	CHECK_EQ(ioas_alloc(), next);		/* not leaked */
	CHECK_EQ(destroy(next), 0);

	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_ALLOC, ro(&h, sizeof(h))), EFAULT);
	CHECK_EQ(ioas_alloc(), next);
	CHECK_EQ(destroy(next), 0);

	CHECK_ERRNO(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, ro(&fq, sizeof(fq))), EFAULT);
	CHECK_EQ(ioas_alloc(), next);
	CHECK_EQ(destroy(next), 0);
	/* The ID space and the IOAS are intact: a real allocation works. */
	CHECK_EQ(ioctl(fd, IOMMU_HWPT_ALLOC, &h), 0);
	CHECK_EQ(h.out_hwpt_id, next);
	CHECK_EQ(destroy(h.out_hwpt_id), 0);
}

/* A mapping command: EFAULT, and what it did stays done (as in Linux). */
static void test_mappings(void)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.ioas_id = ioas, .user_va = (uintptr_t)buf, .length = PG,
		.iova = IOVA,
	};
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = IOVA, .length = PG,
	};
	__u32 other = ioas_alloc();
	struct iommu_ioas_copy c = {
		.size = sizeof(c), .flags = RW | IOMMU_IOAS_MAP_FIXED_IOVA,
		.dst_ioas_id = other, .src_ioas_id = ioas, .length = PG,
		.dst_iova = IOVA, .src_iova = IOVA,
	};

	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_MAP, ro(&m, sizeof(m))), EFAULT);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_MAP, &m), EEXIST);	/* it was mapped */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, ro(&c, sizeof(c))), EFAULT);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &c), EEXIST);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_UNMAP, ro(&u, sizeof(u))), EFAULT);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_UNMAP, &u), ENOENT);	/* it was unmapped */
	u.ioas_id = other;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_UNMAP, &u), 0);
	CHECK_EQ(u.length, PG);
	CHECK_EQ(destroy(other), 0);
}

/* Commands that only answer: EFAULT. */
static void test_queries(void)
{
	struct iommu_ioas_iova_ranges r = { .size = sizeof(r), .ioas_id = ioas };
	struct iommu_option o = {
		.size = sizeof(o), .option_id = IOMMU_OPTION_HUGE_PAGES,
		.op = IOMMU_OPTION_OP_GET, .object_id = ioas,
	};
	struct iommu_hw_info hw = { .size = sizeof(hw), .dev_id = devid };
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv), .hwpt_id = ioas };

	/* num_iovas 0: only the struct is written back, and EMSGSIZE is after it. */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, ro(&r, sizeof(r))), EFAULT);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r), EMSGSIZE);
	CHECK_ERRNO(ioctl(fd, IOMMU_OPTION, ro(&o, sizeof(o))), EFAULT);
	CHECK_EQ(ioctl(fd, IOMMU_OPTION, &o), 0);
	CHECK_ERRNO(ioctl(fd, IOMMU_GET_HW_INFO, ro(&hw, sizeof(hw))), EFAULT);
	CHECK_EQ(ioctl(fd, IOMMU_GET_HW_INFO, &hw), 0);
	/* A failing command writes nothing back: its own errno, not EFAULT. */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, ro(&(struct iommu_ioas_alloc){
			.size = sizeof(struct iommu_ioas_alloc), .flags = 1 },
			sizeof(struct iommu_ioas_alloc))), EOPNOTSUPP);
	/* HWPT_INVALIDATE answers entry_num even when it fails: EFAULT wins. */
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, ro(&inv, sizeof(inv))), EFAULT);
	CHECK_ERRNO(ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv), EINVAL);
	/* A region read into a read-only buffer: EFAULT (copy_to_user). */
	CHECK_ERRNO(pread(dev, page, 4, 0), EFAULT);
}

/* do_sys_poll: the array copied in (EFAULT), each revents put back (EFAULT). */
static void test_poll(void)
{
	struct pollfd p = { .fd = fd, .events = POLLIN }, *bad = (void *)8, *pp = &p;
	struct rlimit rl;

	/* Hidden from the compiler, which would warn about the sizes. */
	__asm__("" : "+r"(bad), "+r"(pp));
	CHECK_ERRNO(poll(bad, 1, 0), EFAULT);
	CHECK_ERRNO(poll(ro(&p, sizeof(p)), 1, 0), EFAULT);
	CHECK_EQ(poll(&p, 1, 0), 1);		/* DEFAULT_POLLMASK */
	CHECK_EQ(p.revents, POLLIN);
	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	CHECK_ERRNO(poll(pp, rl.rlim_cur + 1, 0), EINVAL);
}

int main(void)
{
	page = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	buf = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	REQUIRE(page != MAP_FAILED && buf != MAP_FAILED);
	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0);
	ioas = ioas_alloc();
	test_vfio();
	test_allocs();
	test_mappings();
	test_queries();
	test_poll();
	close(dev);
	close(fd);
	return test_done();
}
