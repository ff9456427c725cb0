// SPDX-License-Identifier: MIT
/*
 * IOMMU_IOAS_MAP takes any memory of the program Linux would pin, and the
 * device's DMA then reads and writes the program's own bytes, where the
 * program sees them: private and shared anonymous memory, a memfd, a
 * shared file mapping, the heap, the stack, a MAP_HUGETLB mapping (which
 * the shim serves 2 MiB aligned on any machine), and a memfd through
 * IOMMU_IOAS_MAP_FILE.  What cannot be pinned is EFAULT when a domain
 * needs it - at the map with one, at the attach without - and read-only
 * memory maps read-only only.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"
#include "endpoint.h"

#define PG	4096UL
#define RW	(IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)
#define FIXED	IOMMU_IOAS_MAP_FIXED_IOVA

static int fd, dev;
static __u32 ioas;
static __u64 bar0, next_iova = 0x100000000ULL;	/* clear of the MSI window */

static __u32 dma_copy(__u64 dst, __u64 src, __u32 len)
{
	struct ep ep = { dev, bar0 };

	return ep_dma_copy(&ep, dst, src, len);
}

static int map(__u32 id, void *p, __u64 len, __u32 flags, __u64 *iova)
{
	struct iommu_ioas_map m = { .size = sizeof(m), .flags = flags,
		.ioas_id = id, .user_va = (uintptr_t)p, .length = len,
		.iova = *iova };
	int ret = ioctl(fd, IOMMU_IOAS_MAP, &m);

	*iova = m.iova;
	return ret;
}

static int unmap(__u32 id, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = id,
		.iova = iova, .length = len };

	return ioctl(fd, IOMMU_IOAS_UNMAP, &u);
}

/*
 * p: len bytes (two pages or more) of some kind of memory, mapped at a
 * fresh IOVA.  The device copies the program's first 64 bytes to its
 * last 64: it read the program's bytes and wrote where the program sees.
 */
static void check_dma(unsigned char *p, size_t len, const char *what)
{
	__u64 iova = next_iova;

	next_iova += 0x1000000;
	for (int i = 0; i < 64; i++)
		p[i] = (unsigned char)(i * 3 + 1);
	memset(p + len - 64, 0, 64);
	if (map(ioas, p, len, RW | FIXED, &iova)) {
		fprintf(stderr, "%s: IOAS_MAP: %s\n", what, strerror(errno));
		CHECK(0);
		return;
	}
	CHECK_EQ(dma_copy(iova + len - 64, iova, 64), 0);
	if (memcmp(p, p + len - 64, 64)) {
		fprintf(stderr, "%s: the device's copy is not in the program's bytes\n",
			what);
		CHECK(0);
	}
	/* And the device sees what the program writes after the map. */
	p[1] = 0xee;
	CHECK_EQ(dma_copy(iova + len - 63, iova + 1, 1), 0);
	CHECK_EQ(p[len - 63], 0xee);
	CHECK_EQ(unmap(ioas, iova, len), 0);
}

static void test_kinds(void)
{
	static unsigned char stat[2 * PG] __attribute__((aligned(4096)));
	unsigned char stack[2 * PG] __attribute__((aligned(4096)));
	char path[] = "/tmp/iommusim-um-XXXXXX";
	unsigned char *p;
	void *heap;
	int mfd, tfd;

	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	check_dma(p, 2 * PG, "private anonymous");
	munmap(p, 2 * PG);

	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	check_dma(p, 2 * PG, "shared anonymous");
	munmap(p, 2 * PG);

	mfd = memfd_create("um", 0);
	REQUIRE(mfd >= 0 && ftruncate(mfd, 4 * PG) == 0);
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	REQUIRE(p != MAP_FAILED);
	check_dma(p + PG, 2 * PG, "memfd");
	munmap(p, 4 * PG);
	close(mfd);

	tfd = mkstemp(path);
	REQUIRE(tfd >= 0 && ftruncate(tfd, 2 * PG) == 0);
	unlink(path);
	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	REQUIRE(p != MAP_FAILED);
	check_dma(p, 2 * PG, "shared file");
	munmap(p, 2 * PG);
	close(tfd);

	REQUIRE(posix_memalign(&heap, PG, 3 * PG) == 0);
	check_dma(heap, 3 * PG, "heap");
	free(heap);

	check_dma(stack, sizeof(stack), "stack");
	check_dma(stat, sizeof(stat), "static");
}

/* MAP_HUGETLB: served 2 MiB aligned and sized, without host huge pages. */
static void test_hugetlb(void)
{
	size_t len = 2UL << 20;
	unsigned char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	REQUIRE(p != MAP_FAILED);
	CHECK_EQ((uintptr_t)p % len, 0);
	p[len - 1] = 1;			/* rounded up to the huge page */
	check_dma(p, len, "MAP_HUGETLB");
	CHECK_EQ(munmap(p, len), 0);
	p = mmap(NULL, 3 * len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
	REQUIRE(p != MAP_FAILED);
	CHECK_EQ((uintptr_t)p % len, 0);
	check_dma(p + len, len, "MAP_HUGETLB shared");
	CHECK_EQ(munmap(p, 3 * len), 0);
	/* A fixed address must be huge-page aligned. */
	CHECK(mmap((void *)0x10000001000UL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_FIXED, -1, 0) ==
	      MAP_FAILED);
	CHECK_EQ(errno, EINVAL);
}

static int map_file(__u32 id, int mfd, __u64 start, __u64 len, __u32 flags,
		    __u64 *iova)
{
	struct iommu_ioas_map_file m = { .size = sizeof(m), .flags = flags,
		.ioas_id = id, .fd = mfd, .start = start, .length = len,
		.iova = *iova };
	int ret = ioctl(fd, IOMMU_IOAS_MAP_FILE, &m);

	*iova = m.iova;
	return ret;
}

/* IOMMU_IOAS_MAP_FILE: the file's pages, whatever the program maps. */
static void test_map_file(void)
{
	int mfd = memfd_create("mf", 0), ro, pfd[2];
	__u64 iova = 0x70000000;
	unsigned char *p;
	char path[64];

	REQUIRE(mfd >= 0 && ftruncate(mfd, 4 * PG) == 0);
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	REQUIRE(p != MAP_FAILED);
	p[PG + 5] = 0x42;
	CHECK_EQ(map_file(ioas, mfd, PG, 2 * PG, RW | FIXED, &iova), 0);
	/* The device copies file byte PG + 5 to PG + 2 * PG - 1. */
	CHECK_EQ(dma_copy(iova + 2 * PG - 1, iova + 5, 1), 0);
	CHECK_EQ(p[3 * PG - 1], 0x42);
	/* The file outlives its descriptor while mapped. */
	close(mfd);
	p[PG + 6] = 0x43;
	CHECK_EQ(dma_copy(iova + 2 * PG - 2, iova + 6, 1), 0);
	CHECK_EQ(p[3 * PG - 2], 0x43);
	/* A copy of the area holds the file's pages after the original goes. */
	{
		struct iommu_ioas_copy c = { .size = sizeof(c),
			.flags = RW | FIXED, .dst_ioas_id = ioas,
			.src_ioas_id = ioas, .length = 2 * PG,
			.dst_iova = 0x78000000, .src_iova = iova };

		CHECK_EQ(ioctl(fd, IOMMU_IOAS_COPY, &c), 0);
		CHECK_EQ(unmap(ioas, iova, 2 * PG), 0);
		p[PG + 7] = 0x44;
		CHECK_EQ(dma_copy(0x78000000 + 2 * PG - 3, 0x78000000 + 7, 1), 0);
		CHECK_EQ(p[3 * PG - 3], 0x44);
		CHECK_EQ(unmap(ioas, 0x78000000, 2 * PG), 0);
	}

	/* Errors: a closed fd, a read-only fd mapped writable, not shmem. */
	CHECK_ERRNO(map_file(ioas, mfd, 0, PG, RW | FIXED, &iova), EBADF);
	mfd = memfd_create("mf2", 0);
	REQUIRE(mfd >= 0 && ftruncate(mfd, PG) == 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	ro = open(path, O_RDONLY);
	REQUIRE(ro >= 0);
	CHECK_ERRNO(map_file(ioas, ro, 0, PG, RW | FIXED, &iova), EPERM);
	CHECK_EQ(map_file(ioas, ro, 0, PG, IOMMU_IOAS_MAP_READABLE | FIXED, &iova), 0);
	CHECK_EQ(unmap(ioas, iova, PG), 0);
	CHECK_ERRNO(map_file(ioas, mfd, 0, 0, RW | FIXED, &iova), EINVAL);
	/* Past the file's end: memfd_pin_folios' -EINVAL, at the map's pin. */
	CHECK_ERRNO(map_file(ioas, mfd, 0, 2 * PG, RW | FIXED, &iova), EINVAL);
	CHECK_ERRNO(map_file(ioas, mfd, ~0ULL - 10, PG, RW | FIXED, &iova), EOVERFLOW);
	REQUIRE(pipe(pfd) == 0);
	CHECK_ERRNO(map_file(ioas, pfd[0], 0, PG, RW | FIXED, &iova), EPERM);
	CHECK_ERRNO(map_file(ioas, pfd[1], 0, PG, RW | FIXED, &iova), EINVAL);
	close(pfd[0]);
	close(pfd[1]);
	close(ro);
	close(mfd);
	munmap(p, 4 * PG);
}

/* With a domain, pinning happens at the map, after the IOVA checks. */
static void test_unpinnable(void)
{
	unsigned char *p = mmap(NULL, 2 * PG, PROT_READ,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u64 iova = 0x60000000;

	REQUIRE(p != MAP_FAILED);
	/* Read-only memory: never writable for the device... */
	CHECK_ERRNO(map(ioas, p, PG, RW | FIXED, &iova), EFAULT);
	/* ...but readable. */
	CHECK_EQ(map(ioas, p, PG, IOMMU_IOAS_MAP_READABLE | FIXED, &iova), 0);
	CHECK(dma_copy(iova, iova, 8) != 0);	/* a write faults */
	CHECK_EQ(unmap(ioas, iova, PG), 0);
	CHECK_EQ(mprotect(p, 2 * PG, PROT_NONE), 0);
	CHECK_ERRNO(map(ioas, p, PG, IOMMU_IOAS_MAP_READABLE | FIXED, &iova), EFAULT);
	munmap(p, 2 * PG);
	/* Gone memory. */
	CHECK_ERRNO(map(ioas, p, PG, RW | FIXED, &iova), EFAULT);
	CHECK_ERRNO(map(ioas, p, PG, RW | FIXED, &(__u64){ 0x60000123 }), EINVAL);
}

/*
 * Without a domain nothing is pinned: any byte alignment and even gone
 * memory map, and the attach that needs the pages fails with EFAULT.
 */
static void test_lazy(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	unsigned char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	__u64 iova = 0x123;

	REQUIRE(p != MAP_FAILED);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	CHECK_EQ(map(alloc.out_ioas_id, p + 0x123, 0x456, RW | FIXED, &iova), 0);
	CHECK_EQ(unmap(alloc.out_ioas_id, 0x123, 0x456), 0);
	iova = 0x100000;
	CHECK_EQ(map(alloc.out_ioas_id, p, 2 * PG, RW | FIXED, &iova), 0);
	munmap(p, 2 * PG);
	at.pt_id = alloc.out_ioas_id;
	CHECK_ERRNO(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), EFAULT);
	/* The device stays where it was: on ioas, which works. */
	p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED);
	check_dma(p, 2 * PG, "after a failed attach");
	munmap(p, 2 * PG);
}

/*
 * A program that unmaps memory a device still has mapped: Linux keeps the
 * pinned pages for the device, so its DMA goes on reaching them (not a
 * crash, not whatever the program maps next), the program cannot map the
 * address again (EFAULT: nothing is there for it), and the pages go with
 * their IOAS_UNMAP, unless the program has mapped something over them
 * since.  Pages of the range nothing pinned go at once.
 */
static bool gone(const void *p)
{
	return msync((void *)p, PG, MS_ASYNC) == -1 && errno == ENOMEM;
}

static void test_unmap_pinned(void)
{
	unsigned char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *q;
	__u64 iova = next_iova, qiova = next_iova + 0x100000;

	next_iova += 0x1000000;
	REQUIRE(p != MAP_FAILED);
	memset(p, 0x5a, 3 * PG);
	CHECK_EQ(map(ioas, p, 2 * PG, RW | FIXED, &iova), 0);
	CHECK_EQ(munmap(p, 3 * PG), 0);
	CHECK_EQ(munmap(p, 3 * PG), 0);	/* nothing there: a no-op, as in Linux */
	CHECK(gone(p + 2 * PG));
	CHECK_ERRNO(map(ioas, p, PG, RW | FIXED, &(__u64){ qiova }), EFAULT);

	q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(q != MAP_FAILED);
	memset(q, 0x11, 2 * PG);
	CHECK_EQ(map(ioas, q, 2 * PG, RW | FIXED, &qiova), 0);
	/* The device writes the old pages and reads back what it wrote. */
	CHECK_EQ(dma_copy(iova + PG, qiova, 64), 0);
	CHECK_EQ(dma_copy(qiova + PG, iova, 64), 0);
	CHECK_EQ(q[PG], 0x5a);
	CHECK_EQ(q[PG + 63], 0x5a);
	CHECK_EQ(dma_copy(qiova + PG, iova + PG, 64), 0);
	CHECK_EQ(q[PG], 0x11);
	CHECK_EQ(q[0], 0x11);			/* nothing landed in q itself */

	/*
	 * A MAP_FIXED mapping over the first page makes it the program's
	 * again: the unpin leaves it mapped, and the second page goes.
	 */
	CHECK(mmap(p, PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == p);
	p[0] = 0x77;
	CHECK_EQ(unmap(ioas, iova, 2 * PG), 0);
	CHECK(!gone(p));
	CHECK_EQ(p[0], 0x77);
	CHECK(gone(p + PG));
	CHECK_EQ(munmap(p, PG), 0);
	CHECK_EQ(unmap(ioas, qiova, 2 * PG), 0);
	CHECK_EQ(munmap(q, 2 * PG), 0);
	CHECK(gone(q));
	CHECK_ERRNO(munmap(q + 1, PG), EINVAL);
}

/* The same for a served huge page mapping: MAP_FIXED covers its 2 MiB. */
static void test_unmap_pinned_hugetlb(void)
{
	unsigned char *raw = mmap(NULL, 6 << 20, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *p;
	__u64 iova = next_iova;

	next_iova += 0x1000000;
	REQUIRE(raw != MAP_FAILED);
	p = (unsigned char *)(((uintptr_t)raw + (2 << 20) - 1) & ~((2UL << 20) - 1));
	CHECK_EQ(map(ioas, p + (1 << 20), PG, RW | FIXED, &iova), 0);
	CHECK_EQ(munmap(p, 2 << 20), 0);
	CHECK(mmap(p, PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_HUGETLB, -1, 0) == p);
	p[1 << 20] = 0x77;
	CHECK_EQ(unmap(ioas, iova, PG), 0);
	CHECK(!gone(p + (1 << 20)));
	CHECK_EQ(p[1 << 20], 0x77);
	munmap(raw, 6 << 20);
}

/*
 * munmap on one thread, IOAS_MAP of the same page on another: either the
 * map fails (EFAULT) or the page stays for the device.  Never a pinned
 * page gone: a device's next DMA there would crash the process.
 */
static unsigned char *_Atomic race_p;
static atomic_int race_go, race_done;

static void *race_unmapper(void *arg)
{
	int go;

	(void)arg;
	for (;;) {
		while (!(go = atomic_load(&race_go)))
			;
		if (go < 0)
			return NULL;
		munmap(atomic_load(&race_p), PG);
		atomic_store(&race_go, 0);
		atomic_fetch_add(&race_done, 1);
	}
}

static void test_unmap_races_map(void)
{
	pthread_t th;
	int lost = 0;
	__u64 iova = next_iova;

	next_iova += 0x1000000;
	REQUIRE(pthread_create(&th, NULL, race_unmapper, NULL) == 0);
	for (int i = 0; i < 1000 && !lost; i++) {
		int done = atomic_load(&race_done);
		unsigned char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		REQUIRE(p != MAP_FAILED);
		p[0] = 1;
		atomic_store(&race_p, p);
		atomic_store(&race_go, 1);
		for (volatile int k = 0; k < (i % 64) * 20; k++)
			;
		if (!map(ioas, p, PG, RW | FIXED, &(__u64){ iova })) {
			while (atomic_load(&race_done) == done)
				;
			lost += gone(p);
			CHECK_EQ(unmap(ioas, iova, PG), 0);
		} else {
			while (atomic_load(&race_done) == done)
				;
		}
	}
	atomic_store(&race_go, -1);
	pthread_join(th, NULL);
	CHECK_EQ(lost, 0);
}

int main(void)
{
	client_attached_vfio0(&fd, &dev, &ioas, &bar0);

	test_kinds();
	test_hugetlb();
	test_map_file();
	test_unpinnable();
	test_lazy();
	test_unmap_pinned();
	test_unmap_pinned_hugetlb();
	test_unmap_races_map();
	close(dev);
	close(fd);
	return test_done();
}
