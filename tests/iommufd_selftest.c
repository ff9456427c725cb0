// SPDX-License-Identifier: MIT
/*
 * IOMMU_TEST_CMD over the selftest mock driver (kernel/iommufd/selftest.c,
 * kernel/drivers/iommufd-selftest.c): each op behaves as Linux's
 * drivers/iommu/iommufd/selftest.c, errno for errno, so that the kernel's
 * own tools/testing/selftests/iommu/iommufd can trust what it reads back.
 */
#include "include/uapi/linux/iommufd_test.h"
#include "kernel/drivers/iommufd-selftest.h"
#include "tests/iommufd-helpers.h"

#define PG	4096UL

static struct selftest_iommu *st_init(struct fd_env *e)
{
	struct selftest_iommu *st;

	fd_env_init(e);
	st = selftest_iommu_create(e->k);
	REQUIRE(st);
	return st;
}

/* The context goes first (its mock devices with it), then the driver. */
static void st_fini(struct fd_env *e, struct selftest_iommu *st)
{
	iommufd_ctx_destroy(e->ictx);
	e->ictx = NULL;
	selftest_iommu_destroy(st);
	fd_env_fini(e);
}

static long test_cmd(struct fd_env *e, struct iommu_test_cmd *c)
{
	c->size = sizeof(*c);
	return IOCTL(e, IOMMU_TEST_CMD, c);
}

static long mock_domain(struct fd_env *e, u32 pt_id, u32 flags, u32 *stdev,
			u32 *hwpt, u32 *idev)
{
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
				    .id = pt_id,
				    .mock_domain_flags.dev_flags = flags };
	long ret = test_cmd(e, &c);

	*stdev = c.mock_domain_flags.out_stdev_id;
	*hwpt = c.mock_domain_flags.out_hwpt_id;
	if (idev)
		*idev = c.mock_domain_flags.out_idev_id;
	return ret;
}

static long check_map(struct fd_env *e, u32 hwpt, u64 iova, u64 len, void *p)
{
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_MD_CHECK_MAP, .id = hwpt,
				    .check_map = { iova, len, (uintptr_t)p } };

	return test_cmd(e, &c);
}

static long check_refs(struct fd_env *e, void *p, u64 len, u32 refs)
{
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_MD_CHECK_REFS,
				    .check_refs = { len, (uintptr_t)p, refs } };

	return test_cmd(e, &c);
}

/* MOCK_DOMAIN: a device bound and attached; its stdev owns both. */
static void test_mock_domain(void)
{
	struct fd_env e;
	struct selftest_iommu *st;
	u32 ioas, stdev, hwpt, idev, hwpt2, stdev2;
	struct iommu_test_cmd c = { 0 };
	struct iommu_ioas_iova_ranges r = { .size = sizeof(r) };
	struct iommu_iova_range range[4];

	st = st_init(&e);
	ioas = ioas_alloc(&e);
	CHECK_EQ(mock_domain(&e, ioas, 1U << 7, &stdev, &hwpt, &idev), -EINVAL);
	CHECK_EQ(mock_domain(&e, 999, 0, &stdev, &hwpt, &idev), -ENOENT);
	CHECK_EQ(mock_domain(&e, ioas, 0, &stdev, &hwpt, &idev), 0);
	CHECK(stdev && hwpt && idev && stdev != hwpt && idev != hwpt);
	/* The aperture of the mock domain bounds the IOAS. */
	r.ioas_id = ioas;
	r.num_iovas = 4;
	r.allowed_iovas = (uintptr_t)range;
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &r), 0);
	CHECK_EQ(r.num_iovas, 1);
	CHECK_EQ(range[0].start, MOCK_APERTURE_START);
	CHECK_EQ(range[0].last, MOCK_APERTURE_LAST);
	/* Linux: the domain's 2K (helper branch usermem); at most a CPU page. */
	CHECK(r.out_iova_alignment >= MOCK_IO_PAGE_SIZE && r.out_iova_alignment <= PG);
	/* The device object belongs to its stdev; the auto HWPT is shared. */
	CHECK_EQ(destroy_id(&e, idev), -EBUSY);
	CHECK_EQ(destroy_id(&e, hwpt), -EBUSY);
	CHECK_EQ(mock_domain(&e, ioas, 0, &stdev2, &hwpt2, NULL), 0);
	CHECK_EQ(hwpt2, hwpt);
	/* REPLACE onto a HWPT of its own, then back. */
	CHECK_EQ(hwpt_alloc(&e, idev, ioas, 0, 0, NULL, 0, &hwpt2), 0);
	c.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	c.id = stdev;
	c.mock_domain_replace.pt_id = hwpt2;
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(c.mock_domain_replace.pt_id, hwpt2);
	c.id = idev;		/* not a selftest object */
	CHECK_EQ(test_cmd(&e, &c), -ENOENT);
	CHECK_EQ(destroy_id(&e, stdev), 0);
	CHECK_EQ(destroy_id(&e, hwpt2), 0);
	CHECK_EQ(destroy_id(&e, stdev2), 0);
	CHECK_EQ(destroy_id(&e, hwpt), -ENOENT);	/* auto domain went */
	/* GET_HW_INFO: the mock's type and register; PASID width when capable. */
	CHECK_EQ(mock_domain(&e, ioas, MOCK_FLAGS_DEVICE_PASID, &stdev, &hwpt, &idev), 0);
	{
		struct iommu_test_hw_info info = { 0 };
		struct iommu_hw_info hi = { .size = sizeof(hi), .dev_id = idev,
					    .data_len = sizeof(info),
					    .data_uptr = (uintptr_t)&info };

		CHECK_EQ(IOCTL(&e, IOMMU_GET_HW_INFO, &hi), 0);
		CHECK_EQ(hi.out_data_type, IOMMU_HW_INFO_TYPE_SELFTEST);
		CHECK_EQ(info.test_reg, IOMMU_HW_INFO_SELFTEST_REGVAL);
		CHECK_EQ(hi.out_max_pasid_log2, MOCK_PASID_WIDTH);
		CHECK_EQ(hi.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING,
			 IOMMU_HW_CAP_DIRTY_TRACKING);
		hi.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
		hi.in_data_type = IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
		CHECK_EQ(IOCTL(&e, IOMMU_GET_HW_INFO, &hi), -EOPNOTSUPP);
	}
	CHECK_EQ(destroy_id(&e, stdev), 0);
	CHECK_EQ(destroy_id(&e, ioas), 0);
	/* Unknown ops answer EOPNOTSUPP. */
	c.op = 0x7777;
	CHECK_EQ(test_cmd(&e, &c), -EOPNOTSUPP);
	/* Left for iommufd_ctx_destroy to release, without a warning. */
	ioas = ioas_alloc(&e);
	CHECK_EQ(mock_domain(&e, ioas, MOCK_FLAGS_DEVICE_HUGE_IOVA, &stdev, &hwpt,
			     NULL), 0);
	st_fini(&e, st);
}

/* MD_CHECK_MAP / MD_CHECK_REFS / ADD_RESERVED over mapped user memory. */
static void test_md_checks(void)
{
	struct fd_env e;
	struct selftest_iommu *st;
	u32 ioas, stdev, hwpt;
	u8 *buf;
	u64 iova = MOCK_APERTURE_START;
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_ADD_RESERVED };

	st = st_init(&e);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 4 * PG, NULL);
	CHECK_EQ(mock_domain(&e, ioas, 0, &stdev, &hwpt, NULL), 0);
	CHECK_EQ(check_refs(&e, buf, 4 * PG, 0), 0);
	CHECK_EQ(ioas_map(&e, ioas, buf, 4 * PG, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(check_map(&e, hwpt, iova, 4 * PG, buf), 0);
	CHECK_EQ(check_map(&e, hwpt, iova + MOCK_IO_PAGE_SIZE, MOCK_IO_PAGE_SIZE,
			   buf + MOCK_IO_PAGE_SIZE), 0);
	CHECK_EQ(check_map(&e, hwpt, iova, PG, buf + PG), -EINVAL);	/* other page */
	CHECK_EQ(check_map(&e, hwpt, iova + 4 * PG, PG, buf), -EINVAL);	/* hole */
	CHECK_EQ(check_map(&e, hwpt, iova + 1, PG, buf), -EINVAL);		/* alignment */
	CHECK_EQ(check_map(&e, ioas, iova, PG, buf), -ENOENT);		/* not a HWPT */
	CHECK_EQ(check_refs(&e, buf, 4 * PG, 1), 0);
	CHECK_EQ(check_refs(&e, buf, 4 * PG, 2), -EIO);
	CHECK_EQ(check_refs(&e, buf + 1, PG, 1), -EINVAL);
	CHECK_EQ(ioas_unmap(&e, ioas, iova, 4 * PG, NULL), 0);
	CHECK_EQ(check_refs(&e, buf, 4 * PG, 0), 0);
	CHECK_EQ(check_map(&e, hwpt, iova, PG, buf), -EINVAL);
	/* ADD_RESERVED: the range can no longer be mapped. */
	c.id = ioas;
	c.add_reserved.start = iova;
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);			/* length 0 */
	c.add_reserved.length = PG;
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(ioas_map(&e, ioas, buf, PG, &iova, MAP_FIXED_RW), -EINVAL);
	c.add_reserved.start = ~0ULL;
	c.add_reserved.length = 2;
	CHECK_EQ(test_cmd(&e, &c), -EOVERFLOW);
	c.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT;
	c.memory_limit.limit = 4;
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	c.memory_limit.limit = 65536;
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(destroy_id(&e, stdev), 0);
	st_fini(&e, st);
}

static long access_cmd(struct fd_env *e, struct iommu_test_cmd *c, u32 op, int fd)
{
	c->op = op;
	c->id = (u32)fd;
	return test_cmd(e, c);
}

/* CREATE_ACCESS and what an access fd does. */
static void test_access(void)
{
	struct fd_env e;
	struct selftest_iommu *st;
	struct iommu_test_cmd c = { 0 };
	u32 ioas, ioas2;
	u64 iova = MOCK_APERTURE_START;
	char out[64] = { 0 };
	u8 *buf;
	int fd, fd_pin;

	st = st_init(&e);
	ioas = ioas_alloc(&e);
	ioas2 = ioas_alloc(&e);
	buf = user_mem(&e, 2 * PG, NULL);
	memset(buf, 0xab, 2 * PG);
	CHECK_EQ(ioas_map(&e, ioas, buf, 2 * PG, &iova, MAP_FIXED_RW), 0);
	c.create_access.flags = 2;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_CREATE_ACCESS, ioas), -EOPNOTSUPP);
	c.create_access.flags = 0;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_CREATE_ACCESS, 999), -ENOENT);
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_CREATE_ACCESS, ioas), 0);
	fd = (int)c.create_access.out_access_fd;
	CHECK(fd >= 0);
	CHECK_EQ(destroy_id(&e, ioas), -EBUSY);		/* the access holds it */
	/* ACCESS_RW reads and writes the mapped bytes. */
	memset(&c, 0, sizeof(c));
	c.access_rw = (typeof(c.access_rw)){ iova + PG - 8, 16, (uintptr_t)out, 0 };
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, fd), 0);
	CHECK_EQ(out[0] & 0xff, 0xab);
	CHECK_EQ(out[15] & 0xff, 0xab);
	memset(out, 0x11, sizeof(out));
	c.access_rw.flags = MOCK_ACCESS_RW_WRITE;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, fd), 0);
	CHECK_EQ(buf[PG - 8], 0x11);
	CHECK_EQ(buf[PG + 7], 0x11);
	CHECK_EQ(buf[PG + 8], 0xab);
	c.access_rw.iova = iova + 2 * PG;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, fd), -ENOENT);
	c.access_rw.flags = 1U << 5;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, fd), -EOPNOTSUPP);
	c.access_rw.flags = 0;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, 12345), -EBADFD);
	/* ACCESS_PAGES needs an access made with NEEDS_PIN_PAGES. */
	memset(&c, 0, sizeof(c));
	c.access_pages = (typeof(c.access_pages)){ 0, 0, iova, PG, (uintptr_t)buf };
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_PAGES, fd), -EOPNOTSUPP);
	memset(&c, 0, sizeof(c));
	c.create_access.flags = MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_CREATE_ACCESS, ioas), 0);
	fd_pin = (int)c.create_access.out_access_fd;
	memset(&c, 0, sizeof(c));
	c.access_pages = (typeof(c.access_pages)){ 0, 0, iova, 2 * PG, (uintptr_t)buf };
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_PAGES, fd_pin), 0);
	c.access_pages.uptr = (uintptr_t)(buf + PG);	/* the wrong pages */
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_PAGES, fd_pin), -EBADE);
	c.access_pages.uptr = (uintptr_t)buf;
	c.access_pages.length = 3 * PG;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_PAGES, fd_pin), -ENOENT);
	/* The pin counts once with no domain; unmap makes the access let go. */
	CHECK_EQ(check_refs(&e, buf, 2 * PG, 1), 0);
	CHECK_EQ(ioas_unmap(&e, ioas, iova, 2 * PG, NULL), 0);
	CHECK_EQ(check_refs(&e, buf, 2 * PG, 0), 0);
	memset(&c, 0, sizeof(c));
	c.destroy_access_pages.access_pages_id = 0;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, fd_pin), -ENOENT);
	/* A pin that is destroyed by hand. */
	CHECK_EQ(ioas_map(&e, ioas, buf, 2 * PG, &iova, MAP_FIXED_RW), 0);
	c.access_pages = (typeof(c.access_pages)){ MOCK_FLAGS_ACCESS_WRITE, 0, iova,
						   PG, (uintptr_t)buf };
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_PAGES, fd_pin), 0);
	c.destroy_access_pages.access_pages_id = c.access_pages.out_access_pages_id;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, fd_pin), 0);
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_DESTROY_ACCESS_PAGES, fd_pin), -ENOENT);
	/* ACCESS_REPLACE_IOAS moves the access; the old IOAS is free again. */
	memset(&c, 0, sizeof(c));
	c.access_replace_ioas.ioas_id = 999;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, fd), -ENOENT);
	c.access_replace_ioas.ioas_id = ioas2;
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_REPLACE_IOAS, fd), 0);
	c.access_rw = (typeof(c.access_rw)){ iova, 8, (uintptr_t)out, 0 };
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, fd), -ENOENT);
	/* Closing the fds destroys the accesses. */
	CHECK_EQ(iommufd_fd_close(e.ictx, fd), 0);
	CHECK_EQ(access_cmd(&e, &c, IOMMU_TEST_OP_ACCESS_RW, fd), -EBADFD);
	CHECK_EQ(destroy_id(&e, ioas2), 0);
	CHECK_EQ(destroy_id(&e, ioas), -EBUSY);		/* fd_pin still open */
	st_fini(&e, st);			/* closes it */
}

static long set_tracking(struct fd_env *e, u32 hwpt)
{
	struct iommu_hwpt_set_dirty_tracking sd = {
		.size = sizeof(sd), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
		.hwpt_id = hwpt };

	return IOCTL(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &sd);
}

/* IO pages 0 and 2 of the 4 from iova are dirty: read them, then clear them. */
static void check_readback(struct fd_env *e, u32 hwpt, u64 iova)
{
	struct iommu_hwpt_get_dirty_bitmap gd = {
		.size = sizeof(gd), .hwpt_id = hwpt, .iova = iova,
		.length = 4 * MOCK_IO_PAGE_SIZE, .page_size = MOCK_IO_PAGE_SIZE };
	u64 bits = 0;

	gd.data = (uintptr_t)&bits;
	gd.flags = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
	CHECK_EQ(IOCTL(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gd), 0);
	CHECK_EQ(bits, 0x5);
	bits = 0;
	gd.flags = 0;
	CHECK_EQ(IOCTL(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gd), 0);
	CHECK_EQ(bits, 0x5);			/* still there, now cleared */
	bits = 0;
	CHECK_EQ(IOCTL(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &gd), 0);
	CHECK_EQ(bits, 0);
}

/* The nested domain's pretend IOTLB and the mock's dirty bits. */
static void test_nested_and_dirty(void)
{
	struct fd_env e;
	struct selftest_iommu *st;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_invalidate_selftest inv = { .iotlb_id = 2 };
	struct iommu_hwpt_invalidate hi = {
		.size = sizeof(hi), .data_uptr = (uintptr_t)&inv,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(inv), .entry_num = 1 };
	struct iommu_test_cmd c = { 0 };
	struct iommu_dirty_bitmap dirty = { 0 };
	struct iommu_domain *d;
	u32 ioas, stdev, hwpt, idev, parent, nested, bits = 0x5;
	u64 iova = MOCK_APERTURE_START;
	u8 *buf;

	st = st_init(&e);
	ioas = ioas_alloc(&e);
	CHECK_EQ(mock_domain(&e, ioas, 0, &stdev, &hwpt, &idev), 0);
	CHECK_EQ(hwpt_alloc(&e, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL,
			    0, &parent), 0);
	CHECK_EQ(hwpt_alloc(&e, idev, parent, 0, IOMMU_HWPT_DATA_SELFTEST, &data,
			    sizeof(data), &nested), 0);
	c.op = IOMMU_TEST_OP_MD_CHECK_IOTLB;
	c.id = nested;
	c.check_iotlb.id = 2;
	c.check_iotlb.iotlb = IOMMU_TEST_IOTLB_DEFAULT;
	CHECK_EQ(test_cmd(&e, &c), 0);
	hi.hwpt_id = nested;
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_INVALIDATE, &hi), 0);
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	c.check_iotlb.iotlb = 0;
	CHECK_EQ(test_cmd(&e, &c), 0);
	c.check_iotlb.id = MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1;
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	c.id = parent;				/* paging, not nested */
	c.check_iotlb.id = 0;
	CHECK_EQ(test_cmd(&e, &c), -ENOENT);
	CHECK_EQ(destroy_id(&e, nested), 0);
	CHECK_EQ(destroy_id(&e, parent), 0);

	/* DIRTY needs tracking on; it counts the mapped pages it marked. */
	CHECK_EQ(hwpt_alloc(&e, idev, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0,
			    NULL, 0, &parent), 0);
	buf = user_mem(&e, 2 * PG, NULL);
	CHECK_EQ(ioas_map(&e, ioas, buf, 2 * PG, &iova, MAP_FIXED_RW), 0);
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_DIRTY;
	c.id = parent;
	c.dirty.iova = iova;
	c.dirty.length = 4 * MOCK_IO_PAGE_SIZE;
	c.dirty.page_size = MOCK_IO_PAGE_SIZE;
	c.dirty.uptr = (uintptr_t)&bits;
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	d = iommufd_hwpt_domain(e.ictx, parent);
	REQUIRE(d && d->dirty_ops);
	dirty.bitmap = (struct iova_bitmap *)&bits;	/* refused before any use */
	CHECK_EQ(d->dirty_ops->read_and_clear_dirty(d, iova, 2 * PG, 0, &dirty),
		 -EINVAL);
	CHECK_EQ(set_tracking(&e, parent), 0);
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(c.dirty.out_nr_dirty, 2);		/* pages 0 and 2 */
	c.dirty.page_size = 0;
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	c.dirty.page_size = MOCK_IO_PAGE_SIZE;
	check_readback(&e, parent, iova);
	/* A device that cannot track refuses a dirty-tracking domain. */
	CHECK_EQ(mock_domain(&e, parent, MOCK_FLAGS_DEVICE_NO_DIRTY, &c.id, &hwpt,
			     NULL), -EINVAL);
	CHECK_EQ(ioas_unmap(&e, ioas, iova, 2 * PG, NULL), 0);
	CHECK_EQ(destroy_id(&e, parent), 0);
	CHECK_EQ(destroy_id(&e, stdev), 0);
	st_fini(&e, st);
}

/* TRIGGER_IOPF: the page request lands in the fault queue of the device's HWPT. */
static void test_iopf(void)
{
	struct fd_env e;
	struct selftest_iommu *st;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_fault_alloc fa = { .size = sizeof(fa) };
	struct iommu_test_cmd c = { 0 };
	struct iommu_hwpt_pgfault pf[2];
	struct iommu_hwpt_page_response resp = { 0 };
	struct iommu_hwpt_alloc ha = { .size = sizeof(ha) };
	u32 ioas, stdev, hwpt, idev, parent;

	st = st_init(&e);
	ioas = ioas_alloc(&e);
	CHECK_EQ(mock_domain(&e, ioas, 0, &stdev, &hwpt, &idev), 0);
	CHECK_EQ(IOCTL(&e, IOMMU_FAULT_QUEUE_ALLOC, &fa), 0);
	CHECK_EQ(hwpt_alloc(&e, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL,
			    0, &parent), 0);
	ha.flags = IOMMU_HWPT_FAULT_ID_VALID;
	ha.dev_id = idev;
	ha.pt_id = parent;
	ha.data_type = IOMMU_HWPT_DATA_SELFTEST;
	ha.data_len = sizeof(data);
	ha.data_uptr = (uintptr_t)&data;
	ha.fault_id = fa.out_fault_id;
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_ALLOC, &ha), 0);
	/* On the IOAS's domain (no fault queue) a request goes nowhere. */
	c.op = IOMMU_TEST_OP_TRIGGER_IOPF;
	c.trigger_iopf = (typeof(c.trigger_iopf)){ idev, 1, 2,
		IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE, 0xdeadbeaf };
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(iommufd_fd_read(e.ictx, (int)fa.out_fault_fd, pf, sizeof(pf)), 0);
	c.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	c.id = stdev;
	c.mock_domain_replace.pt_id = ha.out_hwpt_id;
	CHECK_EQ(test_cmd(&e, &c), 0);
	c.op = IOMMU_TEST_OP_TRIGGER_IOPF;
	c.trigger_iopf = (typeof(c.trigger_iopf)){ idev, 1, 2,
		IOMMU_PGFAULT_PERM_READ | IOMMU_PGFAULT_PERM_WRITE, 0xdeadbeaf };
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(iommufd_fd_read(e.ictx, (int)fa.out_fault_fd, pf, sizeof(pf)),
		 sizeof(pf[0]));
	CHECK_EQ(pf[0].flags, IOMMU_PGFAULT_FLAGS_PASID_VALID |
			      IOMMU_PGFAULT_FLAGS_LAST_PAGE);
	CHECK_EQ(pf[0].dev_id, idev);
	CHECK_EQ(pf[0].pasid, 1);
	CHECK_EQ(pf[0].grpid, 2);
	CHECK_EQ(pf[0].addr, 0xdeadbeaf);
	resp.cookie = pf[0].cookie;
	CHECK_EQ(iommufd_fd_write(e.ictx, (int)fa.out_fault_fd, &resp, sizeof(resp)),
		 sizeof(resp));
	c.trigger_iopf.dev_id = ioas;			/* not a device */
	CHECK_EQ(test_cmd(&e, &c), -ENOENT);
	c.trigger_iopf.dev_id = bind(&e, fd_env_dev(&e, "not-mock", 0x10));
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);		/* not the mock's */
	iommufd_device_unbind(e.ictx, c.trigger_iopf.dev_id);
	c.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	c.id = stdev;
	c.mock_domain_replace.pt_id = ioas;
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(destroy_id(&e, ha.out_hwpt_id), 0);
	CHECK_EQ(destroy_id(&e, parent), 0);
	CHECK_EQ(destroy_id(&e, stdev), 0);
	st_fini(&e, st);
}

/*
 * The mock's vIOMMU: nested domains through it need the device's vDEVICE;
 * its invalidations clear the device cache DEV_CHECK_CACHE reads; and
 * TRIGGER_VEVENT reports the device's virtual ID on a SELFTEST vEVENTQ.
 */
static void test_viommu(void)
{
	struct fd_env e;
	struct selftest_iommu *st;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_viommu_alloc va = { .size = sizeof(va),
					 .type = IOMMU_VIOMMU_TYPE_SELFTEST };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 0x42 };
	struct iommu_veventq_alloc vq = { .size = sizeof(vq), .veventq_depth = 4,
					  .type = IOMMU_VEVENTQ_TYPE_SELFTEST };
	struct iommu_viommu_invalidate_selftest inv[2] = {
		{ .vdev_id = 0x42, .cache_id = 1 },
		{ .vdev_id = 0x43, .cache_id = 1 } };
	struct iommu_hwpt_invalidate hi = {
		.size = sizeof(hi), .data_uptr = (uintptr_t)inv,
		.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(inv[0]), .entry_num = 2 };
	struct iommu_test_cmd c = { 0 };
	struct { struct iommufd_vevent_header h; u32 virt_id; } ev;
	u32 ioas, stdev, hwpt, idev, parent, nested;

	st = st_init(&e);
	ioas = ioas_alloc(&e);
	CHECK_EQ(mock_domain(&e, ioas, 0, &stdev, &hwpt, &idev), 0);
	CHECK_EQ(hwpt_alloc(&e, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL,
			    0, &parent), 0);
	va.dev_id = idev;
	va.hwpt_id = parent;
	CHECK_EQ(IOCTL(&e, IOMMU_VIOMMU_ALLOC, &va), 0);
	CHECK_EQ(hwpt_alloc(&e, idev, va.out_viommu_id, 0, IOMMU_HWPT_DATA_SELFTEST,
			    &data, sizeof(data), &nested), 0);
	c.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	c.id = stdev;
	c.mock_domain_replace.pt_id = nested;
	CHECK_EQ(test_cmd(&e, &c), -ENOENT);		/* no vDEVICE yet */
	vd.viommu_id = va.out_viommu_id;
	vd.dev_id = idev;
	CHECK_EQ(IOCTL(&e, IOMMU_VDEVICE_ALLOC, &vd), 0);
	CHECK_EQ(test_cmd(&e, &c), 0);
	/* The device's cache starts full; invalidation stops at the bad ID. */
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_DEV_CHECK_CACHE;
	c.id = idev;
	c.check_dev_cache.id = 1;
	c.check_dev_cache.cache = IOMMU_TEST_DEV_CACHE_DEFAULT;
	CHECK_EQ(test_cmd(&e, &c), 0);
	hi.hwpt_id = va.out_viommu_id;
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_INVALIDATE, &hi), -EINVAL);
	CHECK_EQ(hi.entry_num, 1);
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	c.check_dev_cache.cache = 0;
	CHECK_EQ(test_cmd(&e, &c), 0);
	c.check_dev_cache.id = MOCK_DEV_CACHE_ID_MAX + 1;
	CHECK_EQ(test_cmd(&e, &c), -EINVAL);
	/* vEVENTs: none without a queue, then the virtual ID. */
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_TRIGGER_VEVENT;
	c.trigger_vevent.dev_id = idev;
	CHECK_EQ(test_cmd(&e, &c), -EOPNOTSUPP);
	vq.viommu_id = va.out_viommu_id;
	CHECK_EQ(IOCTL(&e, IOMMU_VEVENTQ_ALLOC, &vq), 0);
	CHECK_EQ(test_cmd(&e, &c), 0);
	CHECK_EQ(iommufd_fd_read(e.ictx, (int)vq.out_veventq_fd, &ev, sizeof(ev)),
		 sizeof(ev));
	CHECK_EQ(ev.virt_id, 0x42);
	CHECK_EQ(ev.h.sequence, 0);
	/* Back on the parent: no vIOMMU behind the device. */
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
	c.id = stdev;
	c.mock_domain_replace.pt_id = parent;
	CHECK_EQ(test_cmd(&e, &c), 0);
	memset(&c, 0, sizeof(c));
	c.op = IOMMU_TEST_OP_TRIGGER_VEVENT;
	c.trigger_vevent.dev_id = idev;
	CHECK_EQ(test_cmd(&e, &c), -ENOENT);
	/* Another type of vIOMMU is not the mock's. */
	va.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
	CHECK_EQ(IOCTL(&e, IOMMU_VIOMMU_ALLOC, &va), -EOPNOTSUPP);
	CHECK_EQ(iommufd_fd_close(e.ictx, (int)vq.out_veventq_fd), 0);
	CHECK_EQ(destroy_id(&e, vq.out_veventq_id), 0);
	CHECK_EQ(destroy_id(&e, nested), 0);
	CHECK_EQ(destroy_id(&e, stdev), 0);		/* and its vDEVICE */
	CHECK_EQ(destroy_id(&e, va.out_viommu_id), 0);
	CHECK_EQ(destroy_id(&e, parent), 0);
	st_fini(&e, st);
}

/* A kernel without the driver: the command is unknown, as without CONFIG_IOMMUFD_TEST. */
static void test_absent(void)
{
	struct fd_env e;
	struct iommu_test_cmd c = { .op = IOMMU_TEST_OP_MOCK_DOMAIN };

	fd_env_init(&e);
	c.id = ioas_alloc(&e);
	CHECK_EQ(test_cmd(&e, &c), -ENOTTY);
	fd_env_fini(&e);
}

int main(void)
{
	test_mock_domain();
	test_md_checks();
	test_access();
	test_nested_and_dirty();
	test_iopf();
	test_viommu();
	test_absent();
	return test_done();
}
