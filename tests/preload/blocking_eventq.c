// SPDX-License-Identifier: MIT
/*
 * An event queue descriptor the program made blocking.
 *
 * The program's fault-queue and vEVENTQ descriptors share their open file
 * with the eventfd the emulated iommufd signals through.  A program may
 * clear O_NONBLOCK on its descriptor (fcntl F_SETFL, FIONBIO); Linux's
 * queue read never waits (an empty queue reads 0), so the shim must not
 * either - before the fix the shim's own drain of the eventfd blocked
 * forever inside read().  alarm() turns a hang into a failure.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "client.h"

int main(void)
{
	struct iommu_fault_alloc fq = { .size = sizeof(fq) };
	struct iommu_hwpt_pgfault pf;
	struct pollfd p;
	int fd, off = 0;

	alarm(10);
	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fq) == 0);
	/* Blocking, as a program that wants to wait in read() would set it. */
	CHECK_EQ(fcntl((int)fq.out_fault_fd, F_SETFL, 0), 0);
	CHECK_EQ(read((int)fq.out_fault_fd, &pf, sizeof(pf)), 0);
	CHECK_EQ(read((int)fq.out_fault_fd, &pf, sizeof(pf)), 0);
	CHECK_EQ(ioctl((int)fq.out_fault_fd, FIONBIO, &off), 0);
	CHECK_EQ(read((int)fq.out_fault_fd, &pf, sizeof(pf)), 0);
	/* Still nothing to read: not readable, writable (responses). */
	p = (struct pollfd){ .fd = (int)fq.out_fault_fd, .events = POLLIN | POLLOUT };
	CHECK_EQ(poll(&p, 1, 0), 1);
	CHECK_EQ(p.revents, POLLOUT);
	CHECK_EQ(close((int)fq.out_fault_fd), 0);
	CHECK_EQ(close(fd), 0);
	return test_done();
}
