// SPDX-License-Identifier: MIT
/*
 * IOMMU_VIOMMU_ALLOC's driver blob (data_uptr/data_len, mainline's
 * viommu_init(..., user_data)) through the shim, on the selftest mock's
 * IOMMU_VIOMMU_TYPE_SELFTEST: the mock copies struct iommu_viommu_selftest
 * in and writes in_data back as out_data.  A blob that is too short or too
 * long is -EINVAL, a NULL or unreadable one -EFAULT, one the program
 * cannot write -EFAULT (the answer is a copy_to_user), and no blob at all
 * is a vIOMMU as before.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/iommufd_test.h>

#include "client.h"

static int viommu_alloc(int fd, uint32_t dev, uint32_t hwpt, void *data,
			uint32_t len, uint32_t *out)
{
	struct iommu_viommu_alloc c = {
		.size = sizeof(c), .type = IOMMU_VIOMMU_TYPE_SELFTEST,
		.dev_id = dev, .hwpt_id = hwpt,
		.data_uptr = (uintptr_t)data, .data_len = len,
	};
	int rc = ioctl(fd, IOMMU_VIOMMU_ALLOC, &c);

	if (!rc && out)
		*out = c.out_viommu_id;
	return rc;
}

int main(void)
{
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	struct iommu_test_cmd md = { .size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN };
	struct iommu_hwpt_alloc hw = { .size = sizeof(hw), .flags = IOMMU_HWPT_ALLOC_NEST_PARENT };
	struct iommu_viommu_selftest data = { .in_data = 0xbeef };
	struct { struct iommu_viommu_selftest d; uint32_t tail; } big = { { 1, 0 }, 0 };
	struct iommu_viommu_selftest *ro;
	uint32_t viommu;
	int fd;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(!ioctl(fd, IOMMU_IOAS_ALLOC, &ioas));
	md.id = ioas.out_ioas_id;
	REQUIRE(!ioctl(fd, IOMMU_TEST_CMD, &md));
	hw.dev_id = md.mock_domain.out_idev_id;
	hw.pt_id = ioas.out_ioas_id;
	REQUIRE(!ioctl(fd, IOMMU_HWPT_ALLOC, &hw));

	/* The loopback. */
	CHECK_EQ(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, &data, sizeof(data),
			      &viommu), 0);
	CHECK_EQ(data.out_data, 0xbeef);
	/* No blob: a vIOMMU all the same. */
	CHECK_EQ(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, NULL, 0, NULL), 0);
	/* Sizes: shorter than out_data, longer than the struct. */
	CHECK_ERRNO(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, &data, 4, NULL), EINVAL);
	CHECK_ERRNO(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, &big, sizeof(big), NULL),
		    EINVAL);
	/* Pointers: NULL, unmapped, read-only (the answer cannot go back). */
	CHECK_ERRNO(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, NULL, sizeof(data), NULL),
		    EFAULT);
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	REQUIRE(ro != MAP_FAILED);
	ro->in_data = 7;
	REQUIRE(!mprotect(ro, 4096, PROT_READ));
	CHECK_ERRNO(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, ro, sizeof(*ro), NULL),
		    EFAULT);
	CHECK_EQ(ro->out_data, 0);
	REQUIRE(!munmap(ro, 4096));
	CHECK_ERRNO(viommu_alloc(fd, hw.dev_id, hw.out_hwpt_id, ro, sizeof(*ro), NULL),
		    EFAULT);
	CHECK_EQ(close(fd), 0);
	return test_done();
}
