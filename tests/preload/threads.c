/*
 * One iommufd shared by threads, as a multi-threaded VMM shares it: maps
 * and unmaps of disjoint IOVAs on one IOAS, binds and closes of devices,
 * and a close() of the iommufd racing ioctls on a dup of it.  Each
 * thread sees exactly its own results; nothing leaks or crashes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

#define NR_THREADS	4
#define ROUNDS		300
#define PG		4096UL

static int fd;
static __u32 ioas;
static char *buf;

static void *mapper(void *arg)
{
	uintptr_t t = (uintptr_t)arg;

	for (int i = 0; i < ROUNDS; i++) {
		__u64 iova = (t + 1) << 30 | (__u64)(i % 64) * PG;
		struct iommu_ioas_map m = {
			.size = sizeof(m), .ioas_id = ioas,
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
			.user_va = (uintptr_t)(buf + t * PG), .length = PG, .iova = iova,
		};
		struct iommu_ioas_unmap u = {
			.size = sizeof(u), .ioas_id = ioas, .iova = iova, .length = PG,
		};

		CHECK_EQ(ioctl(fd, IOMMU_IOAS_MAP, &m), 0);
		CHECK_EQ(ioctl(fd, IOMMU_IOAS_UNMAP, &u), 0);
		CHECK_EQ(u.length, PG);
	}
	return NULL;
}

static void *binder(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS / 4; i++) {
		int dev = open("/dev/vfio/devices/vfio1", O_RDWR);
		struct vfio_device_bind_iommufd bind = {
			.argsz = sizeof(bind), .iommufd = fd,
		};
		struct vfio_device_attach_iommufd_pt at = {
			.argsz = sizeof(at), .pt_id = ioas,
		};

		CHECK(dev >= 0);
		CHECK_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
		CHECK_EQ(ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
		close(dev);
	}
	return NULL;
}

/* ioctls on a dup while its original is closed and reopened. */
static void *dup_user(void *arg)
{
	int d = (int)(intptr_t)arg;

	for (int i = 0; i < ROUNDS; i++) {
		struct iommu_ioas_alloc a = { .size = sizeof(a) };
		struct iommu_destroy de = { .size = sizeof(de) };

		CHECK_EQ(ioctl(d, IOMMU_IOAS_ALLOC, &a), 0);
		de.id = a.out_ioas_id;
		CHECK_EQ(ioctl(d, IOMMU_DESTROY, &de), 0);
	}
	return NULL;
}

int main(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	pthread_t t[NR_THREADS + 2];
	int orig, d;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	ioas = alloc.out_ioas_id;
	buf = mmap(NULL, NR_THREADS * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);

	orig = open("/dev/iommu", O_RDWR);
	d = dup(orig);
	REQUIRE(orig >= 0 && d >= 0);
	for (uintptr_t i = 0; i < NR_THREADS; i++)
		REQUIRE(!pthread_create(&t[i], NULL, mapper, (void *)i));
	REQUIRE(!pthread_create(&t[NR_THREADS], NULL, binder, NULL));
	REQUIRE(!pthread_create(&t[NR_THREADS + 1], NULL, dup_user,
				(void *)(intptr_t)d));
	close(orig);	/* the dup keeps the context */
	for (int i = 0; i < NR_THREADS + 2; i++)
		pthread_join(t[i], NULL);
	close(d);
	munmap(buf, NR_THREADS * PG);
	close(fd);
	return test_done();
}
