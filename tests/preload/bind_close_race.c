// SPDX-License-Identifier: MIT
/*
 * VFIO_DEVICE_BIND_IOMMUFD naming, as its iommufd, a descriptor another
 * thread is closing - here another file of the same device.
 *
 * The bind looks the descriptor up (a reference) under the device's lock,
 * finds it is no iommufd (EBADFD) and drops the reference.  When the other
 * thread's close() came in between, that drop is the file's last, and the
 * file's release takes the same device lock.  Linux defers the final
 * release of a file (fput's task work, run on the way back to user space),
 * so it cannot deadlock there; neither may the shim.  Two threads race the
 * pair many times; alarm() turns a deadlock into a failure.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/vfio.h>

#include "client.h"

#define ROUNDS	20000

static atomic_int victim = -1;	/* the descriptor to close, or -1 */
static atomic_int round_done;

static void *closer(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		int fd;

		while ((fd = atomic_load(&victim)) < 0)
			sched_yield();
		/*
		 * close_range drops the file right after taking it out of the
		 * table (close() makes its system call in between, too slow
		 * to land in the bind's window but on a loaded machine).
		 */
		close_range((unsigned int)fd, (unsigned int)fd, 0);
		atomic_store(&victim, -1);
		while (atomic_load(&round_done) <= r)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int dev, iommufd, odd = 0, badfd = 0;
	pthread_t t;

	alarm(30);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	iommufd = open("/dev/iommu", O_RDWR);
	REQUIRE(dev >= 0 && iommufd >= 0);
	REQUIRE(pthread_create(&t, NULL, closer, NULL) == 0);
	for (int r = 0; r < ROUNDS; r++) {
		int other = open("/dev/vfio/devices/vfio0", O_RDWR);
		int ret;

		REQUIRE(other >= 0);
		bind.iommufd = other;
		atomic_store(&victim, other);
		/* A varying head start for the close, to sweep the window. */
		for (volatile int spin = (r * 7) % 1500; spin > 0; spin--)
			;
		ret = ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind);
		/* Not an iommufd, or no longer a descriptor at all. */
		if (ret != -1 || (errno != EBADFD && errno != EBADF))
			odd++;
		badfd += ret == -1 && errno == EBADFD;
		while (atomic_load(&victim) >= 0)
			sched_yield();
		atomic_store(&round_done, r + 1);
	}
	pthread_join(t, NULL);
	CHECK_EQ(odd, 0);
	printf("%d of %d binds saw the file before its close\n", badfd, ROUNDS);
	/* The device is still usable: a real bind works. */
	bind.iommufd = iommufd;
	CHECK_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
	close(dev);
	close(iommufd);
	return test_done();
}
