// SPDX-License-Identifier: MIT
/*
 * IOMMU_HW_QUEUE_ALLOC (mainline 6.17) on the selftest mock's vIOMMU: the
 * checks in mainline's order (type, length, overflow, the IOVA mapped, the
 * mock's slots), the queue's pages locked against IOAS_UNMAP (-EBUSY)
 * while the queue lives and only those pages, a queue another depends on
 * busy, and everything released by the destroys.
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
static uint32_t ioas, viommu;

static int queue(uint32_t type, uint32_t index, uint64_t iova, uint64_t len,
		 uint32_t *out)
{
	struct iommu_hw_queue_alloc c = {
		.size = sizeof(c), .viommu_id = viommu, .type = type,
		.index = index, .nesting_parent_iova = iova, .length = len,
	};
	int rc = ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &c);

	if (!rc)
		*out = c.out_hw_queue_id;
	return rc;
}

static int unmap(uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas,
				      .iova = iova, .length = len };
	return ioctl(fd, IOMMU_IOAS_UNMAP, &u);
}

static int destroy(uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

int main(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_hwpt_alloc hw = { .size = sizeof(hw), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct iommu_viommu_alloc v = { .size = sizeof(v), .type = IOMMU_VIOMMU_TYPE_SELFTEST };
	struct iommu_ioas_map m = { .size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE };
	const uint32_t T = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	uint64_t iova, iova2;
	uint32_t q0, q1, dummy;
	uint8_t *buf;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(!ioctl(fd, IOMMU_IOAS_ALLOC, &a));
	ioas = md.id = hw.pt_id = m.ioas_id = a.out_ioas_id;
	REQUIRE(!ioctl(fd, IOMMU_TEST_CMD, &md));
	v.dev_id = hw.dev_id = md.mock_domain.out_idev_id;
	REQUIRE(!ioctl(fd, IOMMU_HWPT_ALLOC, &hw));
	v.hwpt_id = hw.out_hwpt_id;
	REQUIRE(!ioctl(fd, IOMMU_VIOMMU_ALLOC, &v));
	viommu = v.out_viommu_id;
	buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	REQUIRE(buf != MAP_FAILED);

	iova = MOCK_APERTURE_START;
	CHECK_ERRNO(queue(IOMMU_HW_QUEUE_TYPE_DEFAULT, 0, iova, PG, &dummy), EOPNOTSUPP);
	CHECK_ERRNO(queue(T, 0, iova, 0, &dummy), EINVAL);
	CHECK_ERRNO(queue(T, 0, ~0ULL, PG, &dummy), EOVERFLOW);
	CHECK_ERRNO(queue(T, 0, iova, PG, &dummy), ENOENT);	/* nothing mapped */
	m.user_va = (uintptr_t)buf;
	m.length = PG;
	REQUIRE(!ioctl(fd, IOMMU_IOAS_MAP, &m));
	iova = m.iova;
	m.user_va = (uintptr_t)(buf + PG);
	REQUIRE(!ioctl(fd, IOMMU_IOAS_MAP, &m));
	iova2 = m.iova;
	CHECK_ERRNO(queue(T, 1, iova, PG, &dummy), EIO);	/* slot 0 first */
	CHECK_ERRNO(queue(T, IOMMU_TEST_HW_QUEUE_MAX, iova, PG, &dummy), EINVAL);
	CHECK_EQ(queue(T, 0, iova, PG, &q0), 0);
	CHECK_ERRNO(queue(T, 0, iova, PG, &dummy), EEXIST);
	CHECK_ERRNO(unmap(iova, PG), EBUSY);			/* the queue's page */
	CHECK_EQ(unmap(iova2, PG), 0);				/* not the queue's */
	CHECK_EQ(queue(T, 1, iova + PG / 2, PG / 2, &q1), 0);	/* unaligned */
	CHECK_ERRNO(destroy(q0), EBUSY);			/* q1 depends on it */
	CHECK_ERRNO(destroy(viommu), EBUSY);
	CHECK_EQ(destroy(q1), 0);
	CHECK_EQ(destroy(q0), 0);
	CHECK_EQ(unmap(iova, PG), 0);
	CHECK_EQ(destroy(viommu), 0);
	CHECK_EQ(close(fd), 0);
	return test_done();
}
