// SPDX-License-Identifier: MIT
/*
 * PASID attachment through IOMMU_TEST_CMD's PASID ops, as mainline's
 * iommufd does it (device.c with a pasid, iommu_attach_device_pasid): only
 * HWPTs allocated with IOMMU_HWPT_ALLOC_PASID serve a PASID, and only
 * while the RID's HWPT has it too; attach does not overwrite (-EBUSY),
 * replace needs something to replace (-EINVAL), detach of nothing is
 * fine, a failed replace leaves the old domain, a HWPT in use by a PASID
 * is busy, and a page request with that PASID reaches the PASID's fault
 * queue.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/iommufd_test.h>

#include "client.h"

static int fd;
static uint32_t stdev, idev, ioas;

static int pasid_op(uint32_t op, uint32_t pasid, uint32_t pt)
{
	struct iommu_test_cmd c = { .size = sizeof(c), .op = op, .id = stdev };

	c.pasid_attach.pasid = pasid;	/* same layout in all four */
	c.pasid_attach.pt_id = pt;
	return ioctl(fd, IOMMU_TEST_CMD, &c);
}

static uint32_t hwpt_alloc(uint32_t pt, uint32_t flags, uint32_t fault, bool nested)
{
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc c = {
		.size = sizeof(c), .flags = flags, .dev_id = idev, .pt_id = pt,
		.fault_id = fault,
	};

	if (nested) {
		c.data_type = IOMMU_HWPT_DATA_SELFTEST;
		c.data_len = sizeof(data);
		c.data_uptr = (uintptr_t)&data;
	}
	REQUIRE(!ioctl(fd, IOMMU_HWPT_ALLOC, &c));
	return c.out_hwpt_id;
}

static int replace_rid(uint32_t pt)
{
	struct iommu_test_cmd c = {
		.size = sizeof(c), .op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, .id = stdev,
		.mock_domain_replace.pt_id = pt,
	};
	return ioctl(fd, IOMMU_TEST_CMD, &c);
}

static int destroy(uint32_t id)
{
	struct iommu_destroy d = { .size = sizeof(d), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &d);
}

int main(void)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_test_cmd md = {
		.size = sizeof(md), .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.mock_domain_flags.dev_flags = MOCK_FLAGS_DEVICE_PASID,
	};
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd iopf = {
		.size = sizeof(iopf), .op = IOMMU_TEST_OP_TRIGGER_IOPF,
		.trigger_iopf = { .pasid = 2048, .grpid = 2, .addr = 0x1000 },
	};
	struct iommu_hwpt_pgfault pf;
	uint32_t parent, s2, nested, iopf_hwpt;

	fd = open("/dev/iommu", O_RDWR);
	REQUIRE(fd >= 0);
	REQUIRE(!ioctl(fd, IOMMU_IOAS_ALLOC, &a));
	ioas = md.id = a.out_ioas_id;
	REQUIRE(!ioctl(fd, IOMMU_TEST_CMD, &md));
	stdev = md.mock_domain_flags.out_stdev_id;
	iopf.trigger_iopf.dev_id = idev = md.mock_domain_flags.out_idev_id;
	REQUIRE(!ioctl(fd, IOMMU_FAULT_QUEUE_ALLOC, &fa));

	parent = hwpt_alloc(ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, false);
	s2 = hwpt_alloc(ioas, IOMMU_HWPT_ALLOC_PASID, 0, false);
	nested = hwpt_alloc(parent, IOMMU_HWPT_ALLOC_PASID, 0, true);
	iopf_hwpt = hwpt_alloc(parent, IOMMU_HWPT_ALLOC_PASID | IOMMU_HWPT_FAULT_ID_VALID,
			       fa.out_fault_id, true);

	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_DETACH, 100, 0), 0);	/* nothing there */
	/* The RID on a HWPT without PASID support: no PASID can attach. */
	CHECK_EQ(replace_rid(parent), 0);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 100, s2), EINVAL);
	CHECK_EQ(replace_rid(s2), 0);
	/* Nor onto a HWPT without it, nor onto an IOAS, nor the RID's PASID. */
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 100, parent), EINVAL);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 100, ioas), EINVAL);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 0, s2), EINVAL);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 1U << MOCK_PASID_WIDTH, s2), EINVAL);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, 100, 0), 0);

	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 100, nested), 0);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, 100, nested), 0);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, 100, s2), EINVAL);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, 100, 0), EINVAL);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 100, nested), EBUSY);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 100, s2), EBUSY);
	/* The RID cannot leave for a HWPT without PASID support now. */
	CHECK_ERRNO(replace_rid(parent), EINVAL);
	CHECK_ERRNO(destroy(nested), EBUSY);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_DETACH, 100, 0), 0);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, 100, 0), 0);

	/* Replace: only what is attached, only onto a PASID HWPT. */
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_REPLACE, 200, s2), EINVAL);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 200, s2), 0);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_REPLACE, 200, ioas), EINVAL);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_REPLACE, 200, nested), 0);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, 200, nested), 0);
	CHECK_EQ(destroy(s2) == -1 && errno == EBUSY, 1);	/* the RID's */
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_DETACH, 200, 0), 0);

	/* The driver refusing a replace: the old domain stays. */
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, IOMMU_TEST_PASID_RESERVED, s2), 0);
	CHECK_ERRNO(pasid_op(IOMMU_TEST_OP_PASID_REPLACE, IOMMU_TEST_PASID_RESERVED, nested),
		    ENOMEM);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_CHECK_HWPT, IOMMU_TEST_PASID_RESERVED, s2), 0);
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_DETACH, IOMMU_TEST_PASID_RESERVED, 0), 0);

	/* A page request tagged with the PASID reaches that PASID's queue. */
	CHECK_EQ(pasid_op(IOMMU_TEST_OP_PASID_ATTACH, 2048, iopf_hwpt), 0);
	CHECK_EQ(ioctl(fd, IOMMU_TEST_CMD, &iopf), 0);
	CHECK_EQ(read((int)fa.out_fault_fd, &pf, sizeof(pf)), (long)sizeof(pf));
	CHECK_EQ(pf.pasid, 2048);
	CHECK(pf.flags & IOMMU_PGFAULT_FLAGS_PASID_VALID);

	/* Destroying the device takes its PASIDs with it. */
	CHECK_EQ(destroy(stdev), 0);
	CHECK_EQ(destroy(iopf_hwpt), 0);
	CHECK_EQ(destroy(nested), 0);
	CHECK_EQ(close(fd), 0);
	return test_done();
}
