// SPDX-License-Identifier: MIT
/*
 * IOMMU_IOAS_MAP_FILE seen through the selftest mock's checks: the pages a
 * file area maps are the file's, so MD_CHECK_MAP, MD_CHECK_REFS and
 * ACCESS_PAGES's page check find them at whatever address the program
 * maps the same file (mainline's selftest compares struct pages; the shim
 * maps the file at an address of its own).  A different page is still a
 * mismatch, and a file too short for the range cannot be pinned (-EINVAL).
 * IOMMU_IOAS_CHANGE_PROCESS takes an IOAS of file mappings only.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/iommufd_test.h>

#include "client.h"

#define PG	4096UL

static int fd;
static uint32_t ioas, hwpt;

static int map_file(int mfd, uint64_t start, uint64_t len, uint64_t *iova)
{
	struct iommu_ioas_map_file m = {
		.size = sizeof(m), .ioas_id = ioas, .fd = mfd, .start = start,
		.length = len,
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
	};
	int rc = ioctl(fd, IOMMU_IOAS_MAP_FILE, &m);

	*iova = m.iova;
	return rc;
}

static int check_map(uint64_t iova, uint64_t len, const void *p)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MD_CHECK_MAP, .id = hwpt,
		.check_map = { .iova = iova, .length = len, .uptr = (uintptr_t)p },
	};
	return ioctl(fd, IOMMU_TEST_CMD, &c);
}

static int check_refs(const void *p, uint64_t len, uint32_t refs)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = len, .uptr = (uintptr_t)p, .refs = refs },
	};
	return ioctl(fd, IOMMU_TEST_CMD, &c);
}

int main(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_test_cmd acc = { .size = sizeof(acc), .op = IOMMU_TEST_OP_CREATE_ACCESS,
				      .create_access.flags =
					MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES };
	struct iommu_ioas_unmap um = { .size = sizeof(um) };
	uint8_t *p, *other;
	uint64_t iova;
	int mfd;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(!ioctl(fd, IOMMU_IOAS_ALLOC, &a));
	ioas = md.id = acc.id = a.out_ioas_id;
	REQUIRE(!ioctl(fd, IOMMU_TEST_CMD, &md));
	hwpt = md.mock_domain.out_hwpt_id;
	mfd = memfd_create("selftest-map-file", 0);
	REQUIRE(mfd >= 0 && !ftruncate(mfd, 4 * PG));
	p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	other = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(p != MAP_FAILED && other != MAP_FAILED);

	CHECK_EQ(check_refs(p, 4 * PG, 0), 0);
	CHECK_EQ(map_file(mfd, PG, 2 * PG, &iova), 0);
	/* IOAS_CHANGE_PROCESS: only file mappings can change hands. */
	{
		struct iommu_ioas_change_process cp = { .size = sizeof(cp) };
		struct iommu_ioas_map am = {
			.size = sizeof(am), .ioas_id = ioas, .user_va = (uintptr_t)other,
			.length = PG, .flags = IOMMU_IOAS_MAP_READABLE,
		};

		CHECK_EQ(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cp), 0);
		cp.__reserved = 1;
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cp), EOPNOTSUPP);
		cp.__reserved = 0;
		REQUIRE(!ioctl(fd, IOMMU_IOAS_MAP, &am));
		CHECK_ERRNO(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cp), EINVAL);
		um.ioas_id = ioas;
		um.iova = am.iova;
		um.length = PG;
		CHECK_EQ(ioctl(fd, IOMMU_IOAS_UNMAP, &um), 0);
		CHECK_EQ(ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cp), 0);
	}
	CHECK_EQ(check_map(iova, 2 * PG, p + PG), 0);
	CHECK_ERRNO(check_map(iova, 2 * PG, p), EINVAL);	/* other file bytes */
	CHECK_ERRNO(check_map(iova, 2 * PG, other), EINVAL);	/* not the file */
	CHECK_EQ(check_refs(p + PG, 2 * PG, 1), 0);
	CHECK_EQ(check_refs(p, PG, 0), 0);
	CHECK_ERRNO(check_refs(p + PG, PG, 2), EIO);
	/* An access pins the same pages the program has at p. */
	REQUIRE(!ioctl(fd, IOMMU_TEST_CMD, &acc));
	{
		struct iommu_test_cmd pin = {
			.size = sizeof(pin), .op = IOMMU_TEST_OP_ACCESS_PAGES,
			.id = acc.create_access.out_access_fd,
			.access_pages = { .iova = iova, .length = PG,
					  .uptr = (uintptr_t)(p + PG) },
		};

		CHECK_EQ(ioctl(fd, IOMMU_TEST_CMD, &pin), 0);
		pin.access_pages.uptr = (uintptr_t)p;
		CHECK_ERRNO(ioctl(fd, IOMMU_TEST_CMD, &pin), EBADE);
	}
	um.ioas_id = ioas;
	um.iova = iova;
	um.length = 2 * PG;
	CHECK_EQ(ioctl(fd, IOMMU_IOAS_UNMAP, &um), 0);
	CHECK_EQ(check_refs(p, 4 * PG, 0), 0);
	/* Too short a file: nothing to pin past its end. */
	CHECK_ERRNO(map_file(mfd, 0, 4 * PG + 1, &iova), EINVAL);
	REQUIRE(!ftruncate(mfd, 0));
	CHECK_ERRNO(map_file(mfd, 0, PG, &iova), EINVAL);
	CHECK_EQ(close((int)acc.create_access.out_access_fd), 0);
	CHECK_EQ(close(mfd), 0);
	CHECK_EQ(close(fd), 0);
	return test_done();
}
