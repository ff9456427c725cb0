// SPDX-License-Identifier: MIT
/*
 * Allocation-failure injection the kernel's way, as iommufd_fail_nth
 * drives it: the debugfs knobs it sets open and take their values, and
 * /proc/self/task/TID/fail-nth makes the N-th allocation of the emulated
 * kernel fail - a sweep N = 1, 2, ... over a sequence of iommufd calls
 * sees each call fail with ENOMEM while the failure lands inside it, then
 * the whole sequence succeed with the count unspent.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>

#include "client.h"

static int writeat(int dfd, const char *fn, const char *val)
{
	int fd = openat(dfd, fn, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void test_debugfs(void)
{
	DIR *d = opendir("/sys/kernel/debug/");
	struct dirent *e;
	int seen = 0, fd;
	char buf[8] = { 0 };

	REQUIRE(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, "failslab"))
			seen |= 1;
		if (!strcmp(e->d_name, "fail_page_alloc"))
			seen |= 2;
	}
	CHECK_EQ(seen, 3);
	CHECK_EQ(writeat(dirfd(d), "failslab/ignore-gfp-wait", "N"), 0);
	CHECK_EQ(writeat(dirfd(d), "fail_page_alloc/ignore-gfp-highmem", "N"), 0);
	CHECK_EQ(writeat(dirfd(d), "fail_page_alloc/verbose", "0"), 0);
	CHECK_ERRNO(openat(dirfd(d), "failslab/no-such-knob", O_WRONLY), ENOENT);
	fd = openat(dirfd(d), "failslab/ignore-gfp-wait", O_RDWR);
	REQUIRE(fd >= 0);
	CHECK_EQ(read(fd, buf, sizeof(buf)), 2);
	CHECK(!strcmp(buf, "Y\n"));		/* a fresh open shows the default */
	CHECK_ERRNO(write(fd, "maybe", 5), EINVAL);
	CHECK_EQ(write(fd, "N\n", 2), 2);
	CHECK_EQ(pread(fd, buf, sizeof(buf), 0), 2);
	CHECK(!strcmp(buf, "N\n"));
	close(fd);
	CHECK_EQ(closedir(d), 0);
	/* Absolute paths too; other directories stay libc's. */
	CHECK_EQ(writeat(AT_FDCWD, "/sys/kernel/debug/failslab/verbose", "0"), 0);
	d = opendir("/");
	REQUIRE(d);
	CHECK(readdir(d) != NULL);
	CHECK(dirfd(d) >= 0);
	CHECK_EQ(closedir(d), 0);
}

static int nth_fd;

static unsigned long nth_read(void)
{
	char buf[32] = { 0 };

	CHECK(pread(nth_fd, buf, sizeof(buf) - 1, 0) > 1);
	return strtoul(buf, NULL, 10);
}

static void nth_write(unsigned long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%lu", n);

	CHECK_EQ(pwrite(nth_fd, buf, len, 0), len);
}

/* IOAS_ALLOC, MAP, IOVA_RANGES, UNMAP, DESTROY: 0 or the first errno. */
static int sequence(int fd, void *buf)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_ioas_map m = { .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)buf, .length = 4096 };
	struct iommu_ioas_unmap u = { .size = sizeof(u), .length = 4096 };
	struct iommu_destroy d = { .size = sizeof(d) };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &a))
		return errno;
	m.ioas_id = u.ioas_id = d.id = a.out_ioas_id;
	if (ioctl(fd, IOMMU_IOAS_MAP, &m))
		return errno;
	u.iova = m.iova;
	if (ioctl(fd, IOMMU_IOAS_UNMAP, &u))
		return errno;
	return ioctl(fd, IOMMU_DESTROY, &d) ? errno : 0;
}

static void test_sweep(void)
{
	char path[64];
	void *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int fd = open("/dev/iommu", O_RDWR), injected = 0;
	unsigned long n;

	REQUIRE(fd >= 0 && buf != MAP_FAILED);
	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", (int)getpid());
	nth_fd = open(path, O_RDWR);
	REQUIRE(nth_fd >= 0);
	CHECK_EQ(nth_read(), 0);
	CHECK_ERRNO(pwrite(nth_fd, "x", 1, 0), EINVAL);
	CHECK_ERRNO(pwrite(nth_fd, "-1", 2, 0), EINVAL);
	for (n = 1; n < 50; n++) {
		int ret;

		nth_write(n);
		ret = sequence(fd, buf);
		if (nth_read()) {
			/* Fewer than n allocations: the sequence ran whole. */
			CHECK_EQ(ret, 0);
			nth_write(0);
			break;
		}
		/* The n-th failed: someone answered ENOMEM for it. */
		CHECK_EQ(ret, ENOMEM);
		injected++;
	}
	CHECK(injected >= 2);
	CHECK(n < 50);
	/* Disabled: nothing fails. */
	CHECK_EQ(nth_read(), 0);
	CHECK_EQ(sequence(fd, buf), 0);
	/* The other spellings reach the same count. */
	{
		int t = open("/proc/thread-self/fail-nth", O_RDWR);

		REQUIRE(t >= 0);
		CHECK_EQ(write(t, "7\n", 2), 2);
		CHECK_EQ(nth_read(), 7);
		CHECK_EQ(write(t, "0", 1), 1);
		close(t);
	}
	close(nth_fd);
	close(fd);
}

int main(void)
{
	test_debugfs();
	test_sweep();
	return test_done();
}
