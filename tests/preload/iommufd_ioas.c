// SPDX-License-Identifier: MIT
/*
 * An IOAS from an unmodified program: allocate, map an mmap()ed buffer
 * at a fixed and at an allocated IOVA, query ranges, copy, unmap, destroy
 * - and the errno of every mistake, as the kernel's iommufd answers it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "client.h"

#define BUF_SIZE	(2UL << 20)
#define RW		(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

static int fd;
static void *buf;

static unsigned int ioas_alloc(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };

	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	CHECK(alloc.out_ioas_id != 0);
	return alloc.out_ioas_id;
}

static int map(unsigned int ioas, __u32 flags, void *va, __u64 len, __u64 *iova)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m), .flags = flags, .ioas_id = ioas,
		.user_va = (uintptr_t)va, .length = len, .iova = *iova,
	};
	int ret = ioctl(fd, IOMMU_IOAS_MAP, &m);

	*iova = m.iova;
	return ret;
}

static int unmap(unsigned int ioas, __u64 iova, __u64 len, __u64 *out)
{
	struct iommu_ioas_unmap u = {
		.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = len,
	};
	int ret = ioctl(fd, IOMMU_IOAS_UNMAP, &u);

	if (out)
		*out = u.length;
	return ret;
}

static int destroy(unsigned int id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

static void test_map_unmap(void)
{
	unsigned int ioas = ioas_alloc();
	__u64 iova = 0x100000, iova2 = 0, len;

	CHECK_EQ(map(ioas, RW | IOMMU_IOAS_MAP_FIXED_IOVA, buf, BUF_SIZE, &iova), 0);
	CHECK_EQ(iova, 0x100000);
	/* The same IOVA again: taken. */
	CHECK_ERRNO(map(ioas, RW | IOMMU_IOAS_MAP_FIXED_IOVA, buf, BUF_SIZE, &iova),
		    EEXIST);
	/* Without FIXED_IOVA the kernel picks a free, aligned IOVA. */
	CHECK_EQ(map(ioas, IOMMU_IOAS_MAP_READABLE, buf, BUF_SIZE, &iova2), 0);
	CHECK(iova2 != 0x100000);
	CHECK(iova2 + BUF_SIZE <= 0x100000 || iova2 >= 0x100000 + BUF_SIZE);
	CHECK_EQ(iova2 % 4096, 0);

	/* Unmapping a hole, a part of an area, then the areas. */
	CHECK_ERRNO(unmap(ioas, 0x100000000ULL, 4096, NULL), ENOENT);
	CHECK_EQ(unmap(ioas, 0x100000, BUF_SIZE, &len), 0);
	CHECK_EQ(len, BUF_SIZE);
	CHECK_ERRNO(unmap(ioas, 0x100000, BUF_SIZE, NULL), ENOENT);
	CHECK_EQ(unmap(ioas, iova2, BUF_SIZE, &len), 0);
	/*
	 * Nothing left: a range is ENOENT, but "everything" (0, UINT64_MAX)
	 * succeeds with length 0 (Linux iopt_unmap_all).
	 */
	CHECK_ERRNO(unmap(ioas, iova2, BUF_SIZE, NULL), ENOENT);
	len = 1;
	CHECK_EQ(unmap(ioas, 0, UINT64_MAX, &len), 0);
	CHECK_EQ(len, 0);

	/* A destroyed IOAS is gone. */
	CHECK_EQ(destroy(ioas), 0);
	CHECK_ERRNO(destroy(ioas), ENOENT);
	iova = 0;
	CHECK_ERRNO(map(ioas, RW, buf, BUF_SIZE, &iova), ENOENT);
}

/* Guest RAM as a VMM maps it: reserve PROT_NONE, then MAP_FIXED inside. */
static void test_map_vmm_style(void)
{
	unsigned int ioas = ioas_alloc();
	char *r = mmap(NULL, 4 * BUF_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *ram;
	__u64 iova = 0x40000000;

	REQUIRE(r != MAP_FAILED);
	ram = mmap(r + BUF_SIZE, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	REQUIRE(ram == r + BUF_SIZE);
	CHECK_EQ(map(ioas, RW | IOMMU_IOAS_MAP_FIXED_IOVA, ram, BUF_SIZE, &iova), 0);
	CHECK_EQ(unmap(ioas, iova, BUF_SIZE, NULL), 0);
	CHECK_EQ(destroy(ioas), 0);
	munmap(r, 4 * BUF_SIZE);
}

static void test_map_errors(void)
{
	unsigned int ioas = ioas_alloc();
	__u64 iova = 0x200000;

	/* Neither readable nor writeable, no length, bad flags. */
	CHECK_ERRNO(map(ioas, IOMMU_IOAS_MAP_FIXED_IOVA, buf, 4096, &iova), EINVAL);
	CHECK_ERRNO(map(ioas, RW, buf, 0, &iova), EINVAL);
	/* An unaligned VA is fine with no domain: the IOVA keeps its offset. */
	CHECK_EQ(map(ioas, RW, (char *)buf + 1, 4096, &iova), 0);
	CHECK_EQ(iova % 4096, 1);
	CHECK_EQ(unmap(ioas, iova, 4096, NULL), 0);
	CHECK_ERRNO(map(ioas, RW | (1 << 7), buf, 4096, &iova), EOPNOTSUPP);
	CHECK_ERRNO(map(0xdead, RW, buf, 4096, &iova), ENOENT);
	CHECK_EQ(destroy(ioas), 0);
}

static void test_ranges_and_copy(void)
{
	unsigned int a = ioas_alloc(), b = ioas_alloc();
	struct iommu_iova_range ranges[4];
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r), .ioas_id = a, .num_iovas = 0,
	};
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | RW,
		.dst_ioas_id = b, .src_ioas_id = a,
		.length = BUF_SIZE, .dst_iova = 0x800000, .src_iova = 0x400000,
	};
	__u64 iova = 0x400000, len;

	/* Too small a buffer: EMSGSIZE, and how many are needed. */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r), EMSGSIZE);
	CHECK(r.num_iovas >= 1);
	r.num_iovas = 4;
	r.allowed_iovas = (uintptr_t)ranges;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r), 0);
	CHECK_EQ(ranges[0].start, 0);
	/* No domain: any byte (Linux iopt_init_table). */
	CHECK_EQ(r.out_iova_alignment, 1);
	/*
	 * The arrays the struct points at: EFAULT, not a crash, where the
	 * kernel's copy would fault - only where it would copy.
	 */
	{
		char *pg = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iommu_ioas_allow_iovas allow = {
			.size = sizeof(allow), .ioas_id = a, .num_iovas = 1,
		};
		__u32 n = r.num_iovas;

		REQUIRE(pg != MAP_FAILED);
		REQUIRE(mprotect(pg + 4096, 4096, PROT_READ) == 0);
		/* n ranges fit before the read-only page; room for more is not used. */
		r.allowed_iovas = (uintptr_t)(pg + 4096 - n * sizeof(ranges[0]));
		r.num_iovas = n + 8;
		CHECK_EQ(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r), 0);
		r.allowed_iovas += 8;	/* now the last range lands on it */
		r.num_iovas = n;
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r), EFAULT);
		r.allowed_iovas = 8;
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &r), EFAULT);
		REQUIRE(mprotect(pg, 4096, PROT_NONE) == 0);
		allow.allowed_iovas = (uintptr_t)pg;
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &allow), EFAULT);
		/* Readable is enough: a zero range there is EINVAL, start >= last. */
		allow.allowed_iovas = (uintptr_t)(pg + 4096);
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &allow), EINVAL);
		munmap(pg, 8192);
	}

	CHECK_EQ(map(a, RW | IOMMU_IOAS_MAP_FIXED_IOVA, buf, BUF_SIZE, &iova), 0);
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_COPY, &copy), 0);
	CHECK_EQ(unmap(b, 0x800000, BUF_SIZE, &len), 0);
	CHECK_EQ(len, BUF_SIZE);
	copy.src_iova = 0x10000000;	/* nothing mapped there */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_COPY, &copy), ENOENT);
	CHECK_EQ(destroy(a), 0);
	CHECK_EQ(destroy(b), 0);
}

static void test_struct_rules(void)
{
	struct {
		struct iommu_ioas_alloc a;
		__u64 tail;
	} big = { .a = { .size = sizeof(big) } };
	struct iommu_ioas_alloc alloc = { .size = 4 };

	/* Below the command's minimum size. */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), EINVAL);
	/* Longer than the kernel knows: fine with a zero tail, E2BIG otherwise. */
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_ALLOC, &big), 0);
	CHECK_EQ(destroy(big.a.out_ioas_id), 0);
	big.tail = 1;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, &big), E2BIG);
	/* Unknown flags. */
	alloc.size = sizeof(alloc);
	alloc.flags = 1;
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc), EOPNOTSUPP);
	/* An argument the kernel cannot read. */
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, NULL), EFAULT);
	CHECK_ERRNO(ioctl(fd, IOMMU_DESTROY, (void *)8), EFAULT);
	/* A struct running into a page the process cannot read. */
	{
		char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct iommu_ioas_alloc *edge = (void *)(two + 4096 - 8);

		REQUIRE(two != MAP_FAILED);
		REQUIRE(mprotect(two + 4096, 4096, PROT_NONE) == 0);
		edge->size = sizeof(*edge);
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, edge), EFAULT);
		munmap(two, 8192);
	}
	/* Not an iommufd command. */
	CHECK_ERRNO(ioctl(fd, _IO(IOMMUFD_TYPE, 0xff), &alloc), ENOTTY);
	CHECK_ERRNO(ioctl(fd, _IOW('x', IOMMUFD_CMD_IOAS_ALLOC, int), &alloc), ENOTTY);
	CHECK_ERRNO(destroy(0), ENOENT);
}

/* Each open is its own context: IDs of one mean nothing in another. */
static void test_contexts(void)
{
	unsigned int ioas = ioas_alloc();
	int other = open("/dev/iommu", O_RDWR);
	struct iommu_destroy d = { .size = sizeof(d), .id = ioas };

	REQUIRE(other >= 0);
	CHECK_ERRNO(ioctl(other, IOMMU_DESTROY, &d), ENOENT);
	close(other);
	CHECK_EQ(destroy(ioas), 0);
}

int main(void)
{
	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);
	test_map_unmap();
	test_map_vmm_style();
	test_map_errors();
	test_ranges_and_copy();
	test_struct_rules();
	test_contexts();
	munmap(buf, BUF_SIZE);
	close(fd);
	return test_done();
}
