// SPDX-License-Identifier: MIT
/*
 * close_range(), closefrom() and close() over descriptors the program
 * never had.
 *
 * The shim's emulated kernel keeps a few real descriptors of its own (an
 * event queue's eventfd behind the program's copy, the uaccess pipe).  On
 * Linux those objects have no descriptor in the process, so a program
 * closing "everything it does not use" must not reach them: if it did, the
 * numbers would be reused by the program's next files, and the emulated
 * kernel would later close or write the program's files.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "client.h"

/* Closes every descriptor from 3 up except keep[0..n), in gaps. */
static void close_all_but(const int *keep, int n)
{
	unsigned int from = 3;

	for (int i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > from)
			CHECK_EQ(close_range(from, (unsigned int)keep[i] - 1, 0), 0);
		from = (unsigned int)keep[i] + 1;
	}
	CHECK_EQ(close_range(from, ~0U, 0), 0);
}

static void check_alive(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		CHECK(fcntl(fds[i], F_GETFD) >= 0);
}

int main(void)
{
	struct iommu_fault_alloc fq = { .size = sizeof(fq) };
	struct iommu_ioas_alloc *a;
	int fd, null[8], keep[2];

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fq) == 0);
	keep[0] = fd < (int)fq.out_fault_fd ? fd : (int)fq.out_fault_fd;
	keep[1] = fd < (int)fq.out_fault_fd ? (int)fq.out_fault_fd : fd;
	/* Everything else goes: only descriptors of the program's are closed. */
	close_all_but(keep, 2);
	for (int i = 0; i < 8; i++) {
		null[i] = open("/dev/null", O_WRONLY);
		REQUIRE(null[i] >= 0);
	}
	/* Closing the queue and the context must not close the program's files. */
	CHECK_EQ(close((int)fq.out_fault_fd), 0);
	check_alive(null, 8);
	CHECK_EQ(close(fd), 0);
	check_alive(null, 8);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(write(null[i], "x", 1), 1);

	/* And the shim's own checks still work (the pipe, in pipe mode). */
	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	REQUIRE(a != MAP_FAILED);
	keep[0] = fd;
	closefrom(fd + 1);
	a->size = sizeof(*a);
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_ALLOC, a), 0);
	CHECK(a->out_ioas_id != 0);
	CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_ALLOC, (void *)8), EFAULT);
	CHECK_EQ(close(fd), 0);
	return test_done();
}
