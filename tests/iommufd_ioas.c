// SPDX-License-Identifier: MIT
/*
 * iommufd's uAPI rules and the IOAS ioctls: the extensible-struct size
 * rules, unknown commands, every errno of IOAS_ALLOC / MAP / UNMAP / COPY /
 * IOVA_RANGES / ALLOW_IOVAS / OPTION / DESTROY, object IDs, and that a map
 * reaches an attached domain's page table.
 */
#include "tests/iommufd-helpers.h"

/* The layout a client compiled against Linux's header relies on. */
_Static_assert(IOMMU_IOAS_MAP == 0x3b85, "IOMMU_IOAS_MAP");
_Static_assert(IOMMU_OPTION == 0x3b87, "IOMMU_OPTION");
_Static_assert(IOMMU_HWPT_INVALIDATE == 0x3b8d, "IOMMU_HWPT_INVALIDATE");
_Static_assert(IOMMU_VIOMMU_ALLOC == 0x3b90, "IOMMU_VIOMMU_ALLOC");
_Static_assert(IOMMU_VDEVICE_ALLOC == 0x3b91, "IOMMU_VDEVICE_ALLOC");
_Static_assert(IOMMU_FAULT_QUEUE_ALLOC == 0x3b8e, "IOMMU_FAULT_QUEUE_ALLOC");
_Static_assert(IOMMU_GET_HW_INFO == 0x3b8a, "IOMMU_GET_HW_INFO");
_Static_assert(IOMMU_HWPT_DATA_ARM_SMMUV3 == 2, "data type");
_Static_assert(IOMMU_VIOMMU_TYPE_ARM_SMMUV3 == 1, "viommu type");
_Static_assert(IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 == 1, "inv type");
_Static_assert(IOMMU_HW_INFO_TYPE_ARM_SMMUV3 == 2, "hw info type");
_Static_assert(IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 == 1, "veventq type");
_Static_assert(IOMMU_OPTION_SW_MSI_START == 2 && IOMMU_OPTION_SW_MSI_SIZE == 3,
	       "sw_msi options");
_Static_assert(IOMMU_HWPT_FAULT_ID_VALID == 4 && IOMMU_HWPT_ALLOC_PASID == 8,
	       "hwpt flags");

static void test_size_rules(void)
{
	struct fd_env e;
	struct {
		struct iommu_ioas_alloc a;
		u32 tail[2];
	} big;
	u32 tiny[2] = { 4, 0 };

	fd_env_init(&e);
	/* Unknown commands: a number outside the table, a hole, a wrong type. */
	CHECK_EQ(IOCTL(&e, _IO(IOMMUFD_TYPE, 0x7f), &big), -ENOTTY);
	CHECK_EQ(IOCTL(&e, _IO(IOMMUFD_TYPE, 0xa0), &big), -ENOTTY);
	CHECK_EQ(IOCTL(&e, _IO('x', 0x81), &big), -ENOTTY);
	CHECK_EQ(IOCTL(&e, _IOW(IOMMUFD_TYPE, 0x81, u32), &big), -ENOTTY);
	/* Below the minimum size. */
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOC, tiny), -EINVAL);
	/* Larger with a zero tail: accepted; a non-zero tail: -E2BIG. */
	memset(&big, 0, sizeof(big));
	big.a.size = sizeof(big);
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOC, &big), 0);
	CHECK_EQ(big.a.out_ioas_id, 1);
	big.tail[1] = 1;
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOC, &big), -E2BIG);
	/* Flags that do not exist. */
	big.tail[1] = 0;
	big.a.flags = 1;
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOC, &big), -EOPNOTSUPP);
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOC, NULL), -EFAULT);
	/*
	 * HWPT_ALLOC's first version ended at __reserved (24 bytes): a 24-byte
	 * struct is fine (the rest reads as zero), 20 bytes is too short.
	 */
	{
		struct iommu_hwpt_alloc h = { .size = 20 };

		CHECK_EQ(IOCTL(&e, IOMMU_HWPT_ALLOC, &h), -EINVAL);
		h.size = 24;
		h.dev_id = 99;
		CHECK_EQ(IOCTL(&e, IOMMU_HWPT_ALLOC, &h), -ENOENT);
	}
	fd_env_fini(&e);
}

static void test_ids_and_destroy(void)
{
	struct fd_env e;
	u32 a, b, c;

	fd_env_init(&e);
	a = ioas_alloc(&e);
	b = ioas_alloc(&e);
	c = ioas_alloc(&e);
	CHECK_EQ(a, 1);
	CHECK_EQ(b, 2);
	CHECK_EQ(c, 3);
	CHECK_EQ(destroy_id(&e, b), 0);
	CHECK_EQ(destroy_id(&e, b), -ENOENT);
	CHECK_EQ(destroy_id(&e, 0), -ENOENT);
	CHECK_EQ(destroy_id(&e, 1000), -ENOENT);
	CHECK_EQ(ioas_alloc(&e), 2);	/* lowest free ID is reused */
	CHECK_EQ(ioas_alloc(&e), 4);
	fd_env_fini(&e);
}

static void test_map_unmap(void)
{
	struct fd_env e;
	u64 iova, unmapped;
	void *buf;
	phys_addr_t pa;
	u32 ioas;

	fd_env_init(&e);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 8 << 20, &pa);

	/* Errnos in the kernel's order. */
	iova = 0x100000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW | (1 << 3)),
		 -EOPNOTSUPP);
	{
		struct iommu_ioas_map m = { .size = sizeof(m), .flags = MAP_RW,
			.ioas_id = ioas, .__reserved = 1, .user_va = (uintptr_t)buf,
			.length = 0x1000 };

		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_MAP, &m), -EOPNOTSUPP);
	}
	iova = ~0ull;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EOVERFLOW);
	iova = 0x100000;
	CHECK_EQ(ioas_map(&e, ioas, buf, ~0ull, &iova, MAP_FIXED_RW), -EOVERFLOW);
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova,
			  IOMMU_IOAS_MAP_FIXED_IOVA), -EINVAL);
	CHECK_EQ(ioas_map(&e, ioas + 7, buf, 0x1000, &iova, MAP_FIXED_RW), -ENOENT);
	CHECK_EQ(ioas_map(&e, ioas, buf, 0, &iova, MAP_FIXED_RW), -EINVAL);
	/* (Alignment: test_alignment.) */
	/*
	 * Memory that is not the kernel's RAM cannot be pinned (this machine
	 * has no host window), but nothing is pinned without a domain: the
	 * map succeeds, as with Linux's lazy iopt_pages (test_lazy_pin).
	 */
	{
		static u8 not_ram[2 * 4096] __attribute__((aligned(4096)));

		CHECK_EQ(ioas_map(&e, ioas, not_ram, 0x1000, &iova, MAP_FIXED_RW), 0);
		CHECK_EQ(ioas_unmap(&e, ioas, iova, 0x1000, NULL), 0);
	}
	iova = 0xfffffffffffff000ull;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x2000, &iova, MAP_FIXED_RW), -EOVERFLOW);

	/* Success, then overlaps. */
	iova = 0x200000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x200000, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(iova, 0x200000);
	iova = 0x3ff000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x2000, &iova, MAP_FIXED_RW), -EEXIST);
	iova = 0x1ff000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x2000, &iova, MAP_FIXED_RW), -EEXIST);
	iova = 0x400000;
	CHECK_EQ(ioas_map(&e, ioas, (u8 *)buf + 0x200000, 0x1000, &iova,
			  MAP_FIXED_RW), 0);
	/* Automatic IOVA: the lowest free from PAGE_SIZE up. */
	iova = 0;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_RW), 0);
	CHECK_EQ(iova, 0x1000);
	iova = 0;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_RW), 0);
	CHECK_EQ(iova, 0x2000);

	/* Unmap: nothing there, a split, bad lengths. */
	CHECK_EQ(ioas_unmap(&e, ioas, 0x10000000, 0x1000, NULL), -ENOENT);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x200000, 0x1000, NULL), -ENOENT);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x200000, 0, NULL), -EINVAL);
	CHECK_EQ(ioas_unmap(&e, ioas, ~0ull, 0x1000, NULL), -EOVERFLOW);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x200000, ~0ull - 1, NULL), -EOVERFLOW);
	CHECK_EQ(ioas_unmap(&e, ioas + 9, 0x200000, 0x1000, NULL), -ENOENT);
	/*
	 * Areas now: [4K, 8K), [8K, 12K), [2M, 4M), [4M, 4M + 4K).  A range
	 * covering the first two whole and cutting the third: the first two
	 * go (in IOVA order), then -ENOENT.
	 */
	CHECK_EQ(ioas_unmap(&e, ioas, 0x1000, 0x1ff800, &unmapped), -ENOENT);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x1000, 0x1000, NULL), -ENOENT);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x2000, 0x1000, NULL), -ENOENT);
	/* A superset of whole areas. */
	CHECK_EQ(ioas_unmap(&e, ioas, 0x1ff000, 0x201400, &unmapped), -ENOENT);
	/* ... which took [2M, 4M) with it; the superset takes the rest. */
	CHECK_EQ(ioas_unmap(&e, ioas, 0x1ff000, 0x202000, &unmapped), 0);
	CHECK_EQ(unmapped, 0x1000);
	/* 0 / U64_MAX unmaps everything, and succeeds on an empty IOAS too. */
	iova = 0x800000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x3000, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(ioas_unmap(&e, ioas, 0, ~0ull, &unmapped), 0);
	CHECK_EQ(unmapped, 0x3000);
	CHECK_EQ(ioas_unmap(&e, ioas, 0, ~0ull, &unmapped), 0);
	CHECK_EQ(unmapped, 0);
	fd_env_fini(&e);
}

static void test_ranges_allow_copy(void)
{
	struct iommu_iova_range r[4];
	struct iommu_ioas_iova_ranges q;
	struct fd_env e;
	u32 ioas, ioas2;
	void *buf;
	u64 iova;

	fd_env_init(&e);
	ioas = ioas_alloc(&e);
	ioas2 = ioas_alloc(&e);
	buf = user_mem(&e, 1 << 20, NULL);

	memset(&q, 0, sizeof(q));
	q = (struct iommu_ioas_iova_ranges){ .size = sizeof(q), .ioas_id = ioas,
		.num_iovas = 4, .allowed_iovas = (uintptr_t)r };
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), 0);
	CHECK_EQ(q.num_iovas, 1);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].last, ~0ull);
	CHECK_EQ(q.out_iova_alignment, 1);	/* no domain: any byte */
	q.__reserved = 1;
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), -EOPNOTSUPP);
	q.__reserved = 0;
	q.num_iovas = 0;
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), -EMSGSIZE);
	CHECK_EQ(q.num_iovas, 1);
	/* Room claimed for ranges, but no buffer: the copy out faults. */
	q.num_iovas = 4;
	q.allowed_iovas = 0;
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), -EFAULT);
	q.allowed_iovas = (uintptr_t)r;

	/* Allowed ranges steer automatic IOVAs. */
	{
		struct iommu_iova_range allow[2] = {
			{ 0x10000000, 0x1fffffff }, { 0x30000000, 0x3fffffff } };
		struct iommu_ioas_allow_iovas a = { .size = sizeof(a),
			.ioas_id = ioas, .num_iovas = 2,
			.allowed_iovas = (uintptr_t)allow };

		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), 0);
		iova = 0;
		CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_RW), 0);
		CHECK_EQ(iova, 0x10000000);
		allow[1].start = 0x1000000;	/* overlaps the first */
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
		allow[1].start = 0x40000000;	/* start > last */
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
		allow[1].start = allow[1].last;	/* one byte: refused too */
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EINVAL);
		a.__reserved = 1;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), -EOPNOTSUPP);
		a.__reserved = 0;
		a.num_iovas = 0;	/* clears the list */
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &a), 0);
	}

	/* Copy a mapping into another IOAS. */
	{
		struct iommu_ioas_copy c = { .size = sizeof(c),
			.flags = MAP_FIXED_RW, .dst_ioas_id = ioas2,
			.src_ioas_id = ioas, .length = 0x1000,
			.dst_iova = 0x5000, .src_iova = 0x10000000 };

		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), 0);
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), -EEXIST);
		c.src_iova = 0x20000000;
		c.dst_iova = 0x9000;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), -ENOENT);
		c.src_iova = 0x10000000;
		c.length = 0x2000;	/* runs past the mapping */
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), -ENOENT);
		c.length = 0x1000;
		c.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), -EINVAL);
		c.flags = 1 << 5;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), -EOPNOTSUPP);
		c.flags = MAP_RW;
		c.src_ioas_id = 77;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), -ENOENT);
		c.src_ioas_id = ioas;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_COPY, &c), 0);
		CHECK(c.dst_iova != 0x5000);
	}
	/* The source mapping can go; the copy keeps the pages. */
	CHECK_EQ(ioas_unmap(&e, ioas, 0, ~0ull, NULL), 0);
	CHECK_EQ(ioas_unmap(&e, ioas2, 0x5000, 0x1000, NULL), 0);
	fd_env_fini(&e);
}

static void test_option(void)
{
	struct iommu_option o;
	struct fd_env e;
	u32 ioas;

	fd_env_init(&e);
	ioas = ioas_alloc(&e);
	o = (struct iommu_option){ .size = sizeof(o),
		.option_id = IOMMU_OPTION_HUGE_PAGES, .op = IOMMU_OPTION_OP_GET,
		.object_id = ioas };
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), 0);
	CHECK_EQ(o.val64, 1);
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 2;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EINVAL);
	o.val64 = 0;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), 0);
	o.op = IOMMU_OPTION_OP_GET;
	o.val64 = 7;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), 0);
	CHECK_EQ(o.val64, 0);
	o.op = 5;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	o.op = IOMMU_OPTION_OP_GET;
	o.object_id = 99;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -ENOENT);
	o.option_id = 77;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	o.option_id = IOMMU_OPTION_RLIMIT_MODE;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);	/* object_id != 0 */
	o.object_id = 0;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), 0);
	CHECK_EQ(o.val64, 0);
	o.__reserved = 1;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EOPNOTSUPP);
	fd_env_fini(&e);
}

/*
 * iova_alignment (Linux io_pagetable.c iopt_init_table,
 * iopt_calculate_iova_alignment): any byte with no domain, the domains'
 * smallest page once one is there, which areas already present must meet.
 */
static void test_alignment(void)
{
	struct iommu_ioas_iova_ranges q;
	struct iommu_iova_range r[4];
	struct iommu_option o = { .size = sizeof(o),
		.option_id = IOMMU_OPTION_HUGE_PAGES };
	struct fd_env e;
	u32 ioas, dev_id, hwpt;
	u8 *buf;
	u64 iova;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "nic", 0x10));
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 1 << 20, NULL);
	q = (struct iommu_ioas_iova_ranges){ .size = sizeof(q), .ioas_id = ioas,
		.num_iovas = 4, .allowed_iovas = (uintptr_t)r };

	/* No domain: byte-aligned user_va, iova and length all map. */
	iova = 0x100123;
	CHECK_EQ(ioas_map(&e, ioas, buf + 0x123, 0x1001, &iova, MAP_FIXED_RW), 0);
	/* An automatic IOVA keeps the buffer's offset in its page. */
	iova = 0;
	CHECK_EQ(ioas_map(&e, ioas, buf + 0x2010, 0x10, &iova, MAP_RW), 0);
	CHECK_EQ(iova & 0xfff, 0x010);
	/* A domain cannot take such areas (iopt_check_iova_alignment). */
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &hwpt), -EADDRINUSE);
	CHECK_EQ(ioas_unmap(&e, ioas, 0, ~0ull, NULL), 0);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &hwpt), 0);
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), 0);
	CHECK_EQ(q.out_iova_alignment, 4096);
	/* Now PAGE_SIZE: iova, then length, then the page offset. */
	iova = 0x100800;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);
	iova = 0x100000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1800, &iova, MAP_FIXED_RW), -EINVAL);
	CHECK_EQ(ioas_map(&e, ioas, buf + 1, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);
	iova = 0;
	CHECK_EQ(ioas_map(&e, ioas, buf + 0x10, 0x1000, &iova, MAP_RW), -EINVAL);
	/* HUGE_PAGES off with a domain holding areas: -EINVAL. */
	iova = 0x100000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), 0);
	o.object_id = ioas;
	o.op = IOMMU_OPTION_OP_SET;
	o.val64 = 0;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EINVAL);
	CHECK_EQ(ioas_unmap(&e, ioas, 0, ~0ull, NULL), 0);
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), 0);
	o.val64 = 2;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), -EINVAL);
	/* Gone with its domain: 1 again, or PAGE_SIZE with large pages off. */
	CHECK_EQ(destroy_id(&e, hwpt), 0);
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), 0);
	CHECK_EQ(q.out_iova_alignment, 4096);
	o.val64 = 1;
	CHECK_EQ(IOCTL(&e, IOMMU_OPTION, &o), 0);
	CHECK_EQ(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &q), 0);
	CHECK_EQ(q.out_iova_alignment, 1);
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

/*
 * Pages are pinned when a domain needs them (Linux iopt_pages): an IOAS
 * without one takes memory that cannot be pinned, and the first domain
 * then fails with -EFAULT (the selftest's fork_gone); with a domain the
 * map itself is -EFAULT, after the IOVA checks.
 */
static void test_lazy_pin(void)
{
	static u8 not_ram[4096] __attribute__((aligned(4096)));
	struct fd_env e;
	u32 ioas, dev_id, hwpt;
	u64 iova = 0x100000;
	u8 *buf;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "nic", 0x10));
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 1 << 20, NULL);
	CHECK_EQ(ioas_map(&e, ioas, not_ram, 0x1000, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &hwpt), -EFAULT);
	CHECK_EQ(ioas_unmap(&e, ioas, iova, 0x1000, NULL), 0);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &hwpt), 0);
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), 0);
	/* The IOVA checks come first, then the pin. */
	CHECK_EQ(ioas_map(&e, ioas, not_ram, 0x1000, &iova, MAP_FIXED_RW), -EEXIST);
	iova = 0x200000;
	CHECK_EQ(ioas_map(&e, ioas, not_ram, 0x1000, &iova, MAP_FIXED_RW), -EFAULT);
	CHECK_EQ(ioas_map(&e, ioas, not_ram, 0x1000, &iova,
			  IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE), -EFAULT);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x100000, 0x1000, NULL), 0);
	CHECK_EQ(destroy_id(&e, hwpt), 0);
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

/* A map lands in the page table of a domain attached to the IOAS, and goes. */
static void test_map_reaches_domain(void)
{
	struct iommu_domain *d;
	struct device *dev;
	struct fd_env e;
	u32 ioas, dev_id, pt;
	phys_addr_t pa;
	void *buf;
	u64 iova;

	fd_env_init(&e);
	dev = fd_env_dev(&e, "nic", 0x10);
	dev_id = bind(&e, dev);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 4 << 20, &pa);
	iova = 0x40000000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 2 << 20, &iova, MAP_FIXED_RW), 0);
	pt = ioas;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK(pt != ioas);	/* an automatic HWPT */
	d = iommufd_device_domain(e.ictx, dev_id);
	REQUIRE(d);
	CHECK_EQ(iommu_iova_to_phys(d, 0x40001234), pa + 0x1234);
	iova = 0x50000000;
	CHECK_EQ(ioas_map(&e, ioas, (u8 *)buf + (2 << 20), 0x1000, &iova,
			  IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE), 0);
	CHECK_EQ(iommu_iova_to_phys(d, 0x50000010), pa + (2 << 20) + 0x10);
	{
		phys_addr_t out;

		CHECK_EQ(mock_iommu_translate(dev, 0x40000040, &out), 0);
		CHECK_EQ(out, pa + 0x40);
	}
	/* The IOAS is busy under its HWPT, the HWPT under the device. */
	CHECK_EQ(destroy_id(&e, ioas), -EBUSY);
	CHECK_EQ(destroy_id(&e, pt), -EBUSY);
	CHECK_EQ(destroy_id(&e, dev_id), -EBUSY);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x40000000, 2 << 20, NULL), 0);
	CHECK_EQ(iommu_iova_to_phys(d, 0x40001234), 0);
	/* Detach drops the automatic HWPT; then the IOAS can go. */
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, dev_id), 0);
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, dev_id), -EINVAL);
	CHECK_EQ(destroy_id(&e, pt), -ENOENT);
	CHECK_EQ(destroy_id(&e, ioas), 0);
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

static void test_access(void)
{
	struct fd_env e;
	u32 ioas, acc;
	u8 *buf, out[16];
	u64 iova = 0x1000;

	fd_env_init(&e);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 0x2000, NULL);
	memcpy(buf + 0xff8, "0123456789abcdef", 16);
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x2000, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(iommufd_access_create(e.ictx, 99, NULL, NULL, &acc), -ENOENT);
	CHECK_EQ(iommufd_access_create(e.ictx, ioas, NULL, NULL, &acc), 0);
	CHECK_EQ(iommufd_access_rw(e.ictx, acc, 0x1ff8, out, 16, 0), 0);
	CHECK(!memcmp(out, "0123456789abcdef", 16));
	CHECK_EQ(iommufd_access_rw(e.ictx, acc, 0x2ff8, out, 16, 0), -ENOENT);
	CHECK_EQ(iommufd_access_rw(e.ictx, acc, 0x1000, out, 0, 0), -EINVAL);
	CHECK_EQ(destroy_id(&e, ioas), -EBUSY);
	CHECK_EQ(destroy_id(&e, acc), -EBUSY);
	iommufd_access_destroy(e.ictx, acc);
	CHECK_EQ(destroy_id(&e, ioas), 0);
	fd_env_fini(&e);
}

int main(void)
{
	test_size_rules();
	test_ids_and_destroy();
	test_map_unmap();
	test_ranges_allow_copy();
	test_option();
	test_alignment();
	test_lazy_pin();
	test_map_reaches_domain();
	test_access();
	return test_done();
}
