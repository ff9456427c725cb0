// SPDX-License-Identifier: MIT
/*
 * /dev/iommu and /dev/vfio/devices/vfioN as descriptors: what open, read,
 * write, poll, select, dup and close answer, as the kernel's VFS would for
 * a character device whose driver has only ioctl (iommufd, vfio) - and
 * that every other descriptor is left to libc, from several threads.
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "client.h"

/* What _FORTIFY_SOURCE builds call for open(path, flags) with variable flags. */
int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

/* An ioctl number of iommufd's type below its first command. */
#define NOT_AN_IOMMUFD_CMD	_IO(';', 0x7f)

/* Emulated files answer EINVAL to read; a bare eventfd would succeed. */
static int is_emulated(int fd)
{
	uint64_t v;

	return read(fd, &v, sizeof(v)) == -1 && errno == EINVAL;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	REQUIRE(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the DIR's own */
}

static void test_open_flags(void)
{
	int a, b, fd;

	a = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	b = open("/dev/iommu", O_RDWR);
	CHECK(a >= 0 && b >= 0 && a != b);
	CHECK_EQ(fcntl(a, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(fcntl(b, F_GETFD), 0);
	CHECK_EQ(close(a), 0);
	CHECK_EQ(close(b), 0);
	CHECK_ERRNO(close(a), EBADF);

	CHECK_ERRNO(open("/dev/iommu", O_RDWR | O_DIRECTORY), ENOTDIR);
	CHECK_ERRNO(open("/dev/iommu", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	CHECK_ERRNO(open("/dev/vfio/devices/vfio9", O_RDWR), ENOENT);
	CHECK_ERRNO(open("/dev/vfio/devices/vfio01", O_RDWR), ENOENT);
	CHECK_ERRNO(open("/dev/vfio/devices/vfio", O_RDWR), ENOENT);
	CHECK_ERRNO(open("/dev/vfio/devices/vfio1x", O_RDWR), ENOENT);

	/* Every spelling of open reaches the shim for an absolute path. */
	fd = openat(AT_FDCWD, "/dev/iommu", O_RDWR);
	CHECK(fd >= 0 && is_emulated(fd));
	close(fd);
	fd = openat(0, "/dev/vfio/devices/vfio1", O_RDWR);
	CHECK(fd >= 0 && is_emulated(fd));
	close(fd);
	fd = open64("/dev/iommu", O_RDWR);
	CHECK(fd >= 0 && is_emulated(fd));
	close(fd);
	fd = __open_2("/dev/iommu", O_RDWR);
	CHECK(fd >= 0 && is_emulated(fd));
	close(fd);
	fd = __openat_2(AT_FDCWD, "/dev/vfio/devices/vfio0", O_RDWR);
	CHECK(fd >= 0 && is_emulated(fd));
	close(fd);
	fd = __open_2("/dev/null", O_RDONLY);
	CHECK(fd >= 0 && !is_emulated(fd));
	close(fd);
	CHECK_ERRNO(__open_2("/nonexistent", O_RDONLY), ENOENT);

	/* Everything else is libc's. */
	fd = open("/dev/null", O_WRONLY);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "abc", 3), 3);
	CHECK_ERRNO(ioctl(fd, NOT_AN_IOMMUFD_CMD), ENOTTY);
	close(fd);
	CHECK_ERRNO(open("/nonexistent/iommu", O_RDWR), ENOENT);
	CHECK_ERRNO(open("/dev/iommuX", O_RDWR), ENOENT);
}

static void test_read_write(void)
{
	char buf[64];
	int fd;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(write(fd, buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(ioctl(fd, NOT_AN_IOMMUFD_CMD, 0), ENOTTY);
	CHECK_ERRNO(ioctl(fd, TCGETS, buf), ENOTTY);
	close(fd);
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EBADF);
	CHECK_ERRNO(ioctl(fd, NOT_AN_IOMMUFD_CMD, 0), EBADF);

	/* The access mode is checked before the missing read/write op. */
	fd = open("/dev/iommu", O_RDONLY);
	REQUIRE(fd >= 0);
	CHECK_ERRNO(write(fd, buf, 1), EBADF);
	CHECK_ERRNO(read(fd, buf, 1), EINVAL);
	close(fd);
	fd = open("/dev/iommu", O_WRONLY);
	REQUIRE(fd >= 0);
	CHECK_ERRNO(read(fd, buf, 1), EBADF);
	CHECK_ERRNO(write(fd, buf, 1), EINVAL);
	close(fd);

	fd = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_ERRNO(read(fd, buf, sizeof(buf)), EINVAL);
	CHECK_ERRNO(write(fd, buf, sizeof(buf)), EINVAL);
	close(fd);
}

static void test_poll_select(void)
{
	struct timespec zero = { 0, 0 };
	struct pollfd pfd[3];
	int p[2], fd, dev;
	fd_set r, w;

	fd = open("/dev/iommu", O_RDWR);
	dev = open("/dev/vfio/devices/vfio0", O_RDWR);
	REQUIRE(fd >= 0 && dev >= 0 && pipe(p) == 0);

	/* No poll op: the VFS's DEFAULT_POLLMASK, filtered by events. */
	pfd[0] = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM };
	pfd[1] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = dev, .events = POLLOUT };
	CHECK_EQ(poll(pfd, 3, -1), 2);
	CHECK_EQ(pfd[0].revents, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
	CHECK_EQ(pfd[1].revents, 0);
	CHECK_EQ(pfd[2].revents, POLLOUT);
	CHECK_EQ(pfd[0].fd, fd);	/* the caller's array is left as it was */
	CHECK_EQ(pfd[0].events, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);

	/* The pipe's readiness still comes from the real kernel. */
	CHECK_EQ(write(p[1], "x", 1), 1);
	pfd[0].events = POLLPRI;
	CHECK_EQ(ppoll(pfd, 2, &zero, NULL), 1);
	CHECK_EQ(pfd[0].revents, 0);
	CHECK_EQ(pfd[1].revents, POLLIN);

	/* A poll on nothing ready times out. */
	pfd[1].fd = p[1];
	pfd[1].events = POLLPRI;
	CHECK_EQ(poll(pfd, 2, 10), 0);

	/* select and epoll are not interposed: the eventfd answers for us. */
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	CHECK_EQ(select(fd + 1, &r, &w, NULL, &(struct timeval){ 0, 0 }), 2);
	CHECK(FD_ISSET(fd, &r) && FD_ISSET(fd, &w));
	/* A file without a poll op cannot be added to an epoll set. */
	{
		struct epoll_event ev = { .events = EPOLLIN };
		int ep = epoll_create1(EPOLL_CLOEXEC);

		REQUIRE(ep >= 0);
		CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), EPERM);
		CHECK_ERRNO(epoll_ctl(ep, EPOLL_CTL_ADD, dev, &ev), EPERM);
		CHECK_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
		close(ep);
	}

	close(p[0]);
	close(p[1]);
	close(dev);
	close(fd);
}

static void test_dup(void)
{
	int fd, d1, d2, d3, other;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	d1 = dup(fd);
	d2 = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK(d1 >= 0 && d1 != fd);
	CHECK(d2 >= 100);
	CHECK_EQ(fcntl(d2, F_GETFD), FD_CLOEXEC);
	/* Closing one descriptor leaves the file to the others. */
	close(fd);
	CHECK(is_emulated(d1) && is_emulated(d2));
	d3 = dup3(d1, 200, O_CLOEXEC);
	CHECK_EQ(d3, 200);
	CHECK(is_emulated(d3));
	CHECK_EQ(dup2(d3, d3), d3);
	CHECK(is_emulated(d3));
	CHECK_ERRNO(dup3(d3, d3, 0), EINVAL);

	/* dup2 of a real file over one of ours replaces ours there. */
	other = open("/dev/null", O_RDONLY);
	REQUIRE(other >= 0);
	CHECK_EQ(dup2(other, d3), d3);
	CHECK_EQ(read(d3, &other, 1), 0);	/* /dev/null: end of file */
	CHECK(is_emulated(d1));
	/* And dup2 of ours over a real one. */
	CHECK_EQ(dup2(d1, other), other);
	CHECK(is_emulated(other));
	close(other);
	close(d1);
	close(d2);
	close(d3);
	CHECK_ERRNO(dup(d1), EBADF);
}

/* close_range/closefrom close ours too: the numbers are then libc's again. */
static void test_close_range(void)
{
	int fd = open("/dev/iommu", O_RDWR), nul;
	char c;

	REQUIRE(fd >= 0);
	CHECK_ERRNO(close_range(fd, fd - 1, 0), EINVAL);
	CHECK_EQ(close_range(fd, fd, CLOSE_RANGE_CLOEXEC), 0);
	CHECK(is_emulated(fd));
	CHECK_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(close_range(fd, fd, 0), 0);
	CHECK_ERRNO(fcntl(fd, F_GETFD), EBADF);
	nul = open("/dev/null", O_RDONLY);
	CHECK_EQ(nul, fd);		/* the lowest free number again */
	CHECK_EQ(read(nul, &c, 1), 0);	/* /dev/null's answer, not ours */
	close(nul);

	/*
	 * closefrom (from a number above anything else the process holds)
	 * releases a bound device file: its device can be bound again.
	 */
	{
		int iommufd = open("/dev/iommu", O_RDWR);
		int dev = open("/dev/vfio/devices/vfio1", O_RDWR);
		struct vfio_device_bind_iommufd bind = {
			.argsz = sizeof(bind), .iommufd = iommufd,
		};

		REQUIRE(iommufd >= 0 && dev >= 0);
		CHECK_EQ(dup2(dev, 1000), 1000);
		close(dev);
		CHECK_EQ(ioctl(1000, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
		closefrom(1000);
		dev = open("/dev/vfio/devices/vfio1", O_RDWR);
		CHECK_EQ(ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &bind), 0);
		close(dev);
		close(iommufd);
	}
}

static void *thread_fn(void *arg)
{
	int p[2];
	char c;

	(void)arg;
	REQUIRE(pipe(p) == 0);
	for (int i = 0; i < 300; i++) {
		int fd = open(i & 1 ? "/dev/iommu" : "/dev/vfio/devices/vfio1", O_RDWR);
		int d = dup(fd);

		CHECK(fd >= 0 && d >= 0);
		CHECK(is_emulated(fd));
		CHECK_ERRNO(ioctl(d, NOT_AN_IOMMUFD_CMD, 0), i & 1 ? ENOTTY : EINVAL);
		CHECK_EQ(close(fd), 0);
		CHECK(is_emulated(d));
		CHECK_EQ(close(d), 0);
		CHECK_EQ(write(p[1], "y", 1), 1);
		CHECK_EQ(read(p[0], &c, 1), 1);
	}
	close(p[0]);
	close(p[1]);
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		REQUIRE(pthread_create(&t[i], NULL, thread_fn, NULL) == 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
}

int main(void)
{
	int before = count_fds();

	test_open_flags();
	test_read_write();
	test_poll_select();
	test_dup();
	test_close_range();
	test_threads();
	CHECK_EQ(count_fds(), before);
	return test_done();
}
