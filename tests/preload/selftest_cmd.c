// SPDX-License-Identifier: MIT
/*
 * IOMMU_TEST_CMD through the shim, as Linux's tools/testing/selftests/
 * iommu/iommufd calls it: the mock driver is there by default (a kernel
 * built with CONFIG_IOMMUFD_TEST), selftest=0 removes it (ENOTTY), and an
 * access is a real file descriptor the program names and closes.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/iommufd_test.h>

#include "client.h"

static int test_cmd(int fd, struct iommu_test_cmd *c)
{
	c->size = sizeof(*c);
	return ioctl(fd, IOMMU_TEST_CMD, c);
}

/* selftest=0: a kernel without the mock driver answers ENOTTY. */
static void test_turned_off(void)
{
	int status;
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (!pid) {
		struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_MOCK_DOMAIN, .id = 1 };
		int fd;

		client_config("selftest=0");
		fd = open("/dev/iommu", O_RDWR);
		if (fd < 0)
			_exit(2);
		_exit(test_cmd(fd, &c) == -1 && errno == ENOTTY ? 0 : 3);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ(WEXITSTATUS(status), 0);
}

static void test_mock_and_access(void)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct iommu_test_cmd c = { 0 };
	uint8_t *buf, out[16];
	int fd, afd;
	uint32_t stdev, hwpt;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	c.op = IOMMU_TEST_OP_MOCK_DOMAIN;
	c.id = alloc.out_ioas_id;
	CHECK_EQ(test_cmd(fd, &c), 0);
	stdev = c.mock_domain.out_stdev_id;
	hwpt = c.mock_domain.out_hwpt_id;

	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	REQUIRE(buf != MAP_FAILED);
	memset(buf, 0x5a, 8192);
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = 8192;
	map.iova = MOCK_APERTURE_START;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_MAP, &map), 0);

	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_MD_CHECK_MAP;
	c.id = hwpt;
	c.check_map.iova = MOCK_APERTURE_START;
	c.check_map.length = 8192;
	c.check_map.uptr = (uintptr_t)buf;
	CHECK_EQ(test_cmd(fd, &c), 0);
	c.check_map.uptr = (uintptr_t)(buf + 4096);
	c.check_map.length = 4096;
	CHECK_ERRNO(test_cmd(fd, &c), EINVAL);

	/* The access fd is the program's own descriptor. */
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_CREATE_ACCESS;
	c.id = alloc.out_ioas_id;
	CHECK_EQ(test_cmd(fd, &c), 0);
	afd = (int)c.create_access.out_access_fd;
	CHECK(afd > fd);
	CHECK(fcntl(afd, F_GETFD) & FD_CLOEXEC);
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_ACCESS_RW;
	c.id = (uint32_t)afd;
	c.access_rw.iova = MOCK_APERTURE_START + 4090;
	c.access_rw.length = sizeof(out);
	c.access_rw.uptr = (uintptr_t)out;
	CHECK_EQ(test_cmd(fd, &c), 0);
	CHECK_EQ(out[0], 0x5a);
	CHECK_EQ(out[15], 0x5a);
	CHECK_EQ(c.id, (uint32_t)afd);		/* the struct is the caller's again */
	c.id = (uint32_t)fd;			/* a descriptor, but no access */
	CHECK_ERRNO(test_cmd(fd, &c), EBADFD);
	c.id = 1000;				/* no descriptor at all */
	CHECK_ERRNO(test_cmd(fd, &c), EBADFD);
	/* Memory the program cannot reach is EFAULT, not a crash. */
	{
		void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
				  -1, 0);

		REQUIRE(none != MAP_FAILED);
		c.id = (uint32_t)afd;
		c.access_rw.uptr = (uintptr_t)none;
		CHECK_ERRNO(test_cmd(fd, &c), EFAULT);	/* read into it */
		c.access_rw.flags = MOCK_ACCESS_RW_WRITE;
		CHECK_ERRNO(test_cmd(fd, &c), EFAULT);	/* write from it */
		c.access_rw.flags = 0;
		c.access_rw.uptr = (uintptr_t)out;
		CHECK_ERRNO(ioctl(fd, IOMMU_TEST_CMD, none), EFAULT);
		munmap(none, 4096);
	}
	/* The access holds the IOAS until its descriptor is closed. */
	destroy.id = alloc.out_ioas_id;
	CHECK_ERRNO(ioctl(fd, IOMMU_DESTROY, &destroy), EBUSY);
	CHECK_EQ(close(afd), 0);
	c.id = (uint32_t)afd;
	CHECK_ERRNO(test_cmd(fd, &c), EBADFD);

	unmap.ioas_id = alloc.out_ioas_id;
	unmap.iova = MOCK_APERTURE_START;
	unmap.length = 8192;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_UNMAP, &unmap), 0);
	destroy.id = stdev;
	CHECK_EQ(ioctl(fd, IOMMU_DESTROY, &destroy), 0);
	destroy.id = alloc.out_ioas_id;
	CHECK_EQ(ioctl(fd, IOMMU_DESTROY, &destroy), 0);
	/* An access left open goes with the context. */
	REQUIRE(ioctl(fd, IOMMU_IOAS_ALLOC, &alloc) == 0);
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_CREATE_ACCESS;
	c.id = alloc.out_ioas_id;
	CHECK_EQ(test_cmd(fd, &c), 0);
	CHECK_EQ(close(fd), 0);
	CHECK_EQ(close((int)c.create_access.out_access_fd), 0);
	munmap(buf, 8192);
}

int main(void)
{
	test_turned_off();
	test_mock_and_access();
	return test_done();
}
