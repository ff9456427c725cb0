// SPDX-License-Identifier: MIT
/*
 * One iommufd shared by threads, as a multi-threaded VMM shares it: maps
 * and unmaps of disjoint IOVAs on one IOAS, binds and closes of devices,
 * and a close() of the iommufd racing ioctls on a dup of it; a device
 * firing MSIs while another thread swaps its eventfds and turns MSI off
 * and on; two devices firing from two threads, each signal there before
 * its pwrite returns.  Each thread sees exactly its own results; nothing leaks or
 * crashes.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
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

static int msi_dev;
static __u64 msi_bar;
static atomic_int msi_done;

/* The device signals vector 0 as fast as it can. */
static void *msi_firer(void *arg)
{
	__u32 vec = 0;
	int n = 0;

	(void)arg;
	while (!atomic_load(&msi_done) || n < ROUNDS) {
		CHECK_EQ(pwrite(msi_dev, &vec, 4, (off_t)(msi_bar + 0x28)), 4);
		n++;
	}
	return NULL;
}

static int msi_set(int efd)
{
	__u32 buf[(sizeof(struct vfio_irq_set) + 4) / 4] = { 0 };
	struct vfio_irq_set *s = (void *)buf;

	*s = (struct vfio_irq_set){ .argsz = sizeof(*s) + 4,
		.index = VFIO_PCI_MSI_IRQ_INDEX, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	memcpy(s->data, &efd, 4);
	return ioctl(msi_dev, VFIO_DEVICE_SET_IRQS, s);
}

/* Meanwhile: eventfds swapped, MSI off and on; every signal is counted once. */
static void msi_race(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = fd };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };
	struct vfio_region_info reg = { .argsz = sizeof(reg) };
	struct vfio_irq_set off = { .argsz = sizeof(off), .index = VFIO_PCI_MSI_IRQ_INDEX,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };
	int efd[2] = { eventfd(0, EFD_NONBLOCK), eventfd(0, EFD_NONBLOCK) };
	__u64 got = 0, v;
	pthread_t t;

	msi_dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(msi_dev >= 0 && efd[0] >= 0 && efd[1] >= 0);
	REQUIRE(ioctl(msi_dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
	REQUIRE(ioctl(msi_dev, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0);
	REQUIRE(ioctl(msi_dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) == 0);
	msi_bar = reg.offset;
	REQUIRE(msi_set(efd[0]) == 0);
	REQUIRE(!pthread_create(&t, NULL, msi_firer, NULL));
	for (int i = 0; i < ROUNDS / 4; i++) {
		CHECK_EQ(msi_set(efd[i & 1]), 0);
		if (i % 8 == 7) {
			CHECK_EQ(ioctl(msi_dev, VFIO_DEVICE_SET_IRQS, &off), 0);
			CHECK_EQ(msi_set(efd[0]), 0);
		}
	}
	atomic_store(&msi_done, 1);
	pthread_join(t, NULL);
	/* Signals landed only while an eventfd was set: any number of them. */
	for (int i = 0; i < 2; i++)
		if (read(efd[i], &v, sizeof(v)) == sizeof(v))
			got += v;
	/* Settled: vector 0 has efd[0], and one MSI is one signal. */
	{
		__u32 vec = 0;

		CHECK_EQ(pwrite(msi_dev, &vec, 4, (off_t)(msi_bar + 0x28)), 4);
		v = 0;
		CHECK_EQ(read(efd[0], &v, sizeof(v)), sizeof(v));
		CHECK_EQ(v, 1);
		if (v != 1) {
			__u32 faults = 0, ctrl = 0;

			(void)!pread(msi_dev, &faults, 4, (off_t)(msi_bar + 0x5c));
			(void)!pread(msi_dev, &ctrl, 4, (off_t)(msi_bar + 0x1c));
			fprintf(stderr, "msi race: %llu signals, faults %u, ctrl %u\n",
				(unsigned long long)got, faults, ctrl);
		}
	}
	close(msi_dev);		/* MSI goes off with the file */
	close(efd[0]);
	close(efd[1]);
}

/* A device per thread, each firing and at once reading its own eventfd. */
struct msi_own {
	int dev, efd;
	__u64 bar;
	int late;		/* reads that found nothing yet */
};

#define OWN_ROUNDS	20000

static void *msi_own_loop(void *arg)
{
	struct msi_own *o = arg;
	__u32 vec = 0;
	__u64 v;

	for (int i = 0; i < OWN_ROUNDS; i++) {
		CHECK_EQ(pwrite(o->dev, &vec, 4, (off_t)(o->bar + 0x28)), 4);
		v = 0;
		if (read(o->efd, &v, sizeof(v)) != sizeof(v)) {
			o->late++;
			/* It still comes, from whichever thread took it. */
			while (read(o->efd, &v, sizeof(v)) != sizeof(v))
				;
		}
	}
	return NULL;
}

/*
 * Two threads, two devices: the MSI a pwrite raises is signalled on the
 * eventfd before that pwrite returns, whatever the other thread's device
 * is doing meanwhile - so a non-blocking read right after finds it.
 */
static void msi_own_eventfds(void)
{
	struct msi_own o[2];
	pthread_t t[2];

	for (int i = 0; i < 2; i++) {
		char path[32];
		struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind), .iommufd = fd };
		struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = ioas };
		struct vfio_region_info reg = { .argsz = sizeof(reg) };

		snprintf(path, sizeof(path), "/dev/vfio/devices/vfio%d", i);
		o[i] = (struct msi_own){ .dev = open(path, O_RDWR),
					 .efd = eventfd(0, EFD_NONBLOCK) };
		REQUIRE(o[i].dev >= 0 && o[i].efd >= 0);
		REQUIRE(ioctl(o[i].dev, VFIO_DEVICE_BIND_IOMMUFD, &bind) == 0);
		REQUIRE(ioctl(o[i].dev, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0);
		REQUIRE(ioctl(o[i].dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at) == 0);
		o[i].bar = reg.offset;
		msi_dev = o[i].dev;
		REQUIRE(msi_set(o[i].efd) == 0);
	}
	for (int i = 0; i < 2; i++)
		REQUIRE(!pthread_create(&t[i], NULL, msi_own_loop, &o[i]));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(o[i].late, 0);
		close(o[i].dev);
		close(o[i].efd);
	}
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
	msi_race();
	msi_own_eventfds();
	munmap(buf, NR_THREADS * PG);
	close(fd);
	return test_done();
}
