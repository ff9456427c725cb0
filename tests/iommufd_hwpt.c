// SPDX-License-Identifier: MIT
/*
 * HWPTs and attachment through iommufd: HWPT_ALLOC's errnos for paging and
 * nested HWPTs, attach and replace, devices' reserved regions cut out of
 * the IOAS, the SW_MSI_START/SIZE option, and the software-MSI install: a
 * device with MSIs on a nested HWPT gets its ITS page mapped into the
 * parent's stage 2 at the VMM's window, once, kept across replace, and an
 * attach whose window collides with an IOAS mapping is refused whole.
 */
#include "kernel/io-pgtable.h"
#include "kernel/dma-iommu.h"
#include "kernel/msi-model.h"
#include "kernel/msi.h"
#include "tests/iommufd-helpers.h"

#define DB0		(0x2f020000ull + GITS_TRANSLATER)
#define RESV_START	0x70000000ull

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	struct iommu_fwspec *fw = dev_iommu_fwspec_get(dev);

	(void)data;
	*id = fw && fw->num_ids ? fw->ids[0] : 0xffff;
	return 0;
}

static const struct msi_domain_ops msi_ops = { .get_dev_id = get_dev_id };

static const struct iommu_hwpt_mock_nested s1_bypass = { .config = MOCK_S1_BYPASS };

static long nested_alloc(struct fd_env *e, u32 dev_id, u32 parent, u32 *out)
{
	struct iommu_hwpt_mock_nested s1 = s1_bypass;

	return hwpt_alloc(e, dev_id, parent, 0, IOMMU_HWPT_DATA_MOCK, &s1,
			  sizeof(s1), out);
}

static long option(struct fd_env *e, u32 id, u32 opt, u16 op, u64 *val)
{
	struct iommu_option o = { .size = sizeof(o), .option_id = opt,
				  .op = op, .object_id = id, .val64 = *val };
	long ret = IOCTL(e, IOMMU_OPTION, &o);

	*val = o.val64;
	return ret;
}

static void test_alloc_errors(void)
{
	struct iommu_hwpt_mock_nested s1 = s1_bypass;
	struct iommu_hwpt_alloc h;
	u32 dev_id, ioas, paging, parent, nested, autopt;
	struct fd_env e;

	fd_env_init(&e);
	dev_id = bind(&e, fd_env_dev(&e, "vf", 1));
	ioas = ioas_alloc(&e);

	h = (struct iommu_hwpt_alloc){ .size = sizeof(h), .dev_id = dev_id,
				       .pt_id = ioas, .__reserved = 1 };
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_ALLOC, &h), -EOPNOTSUPP);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, &s1, 8, NULL), -EINVAL);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, IOMMU_HWPT_DATA_MOCK, &s1, 0,
			    NULL), -EINVAL);
	CHECK_EQ(hwpt_alloc(&e, 77, ioas, 0, 0, NULL, 0, NULL), -ENOENT);
	CHECK_EQ(hwpt_alloc(&e, ioas, ioas, 0, 0, NULL, 0, NULL), -ENOENT);
	CHECK_EQ(hwpt_alloc(&e, dev_id, 77, 0, 0, NULL, 0, NULL), -ENOENT);
	CHECK_EQ(hwpt_alloc(&e, dev_id, dev_id, 0, 0, NULL, 0, NULL), -EINVAL);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 1 << 7, 0, NULL, 0, NULL),
		 -EOPNOTSUPP);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    0, NULL, 0, NULL), -EOPNOTSUPP);
	/* The domain is checked before the fault queue is looked up. */
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT |
			    IOMMU_HWPT_FAULT_ID_VALID, 0, NULL, 0, NULL), -EOPNOTSUPP);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_FAULT_ID_VALID, 0, NULL,
			    0, NULL), -ENOENT);
	/* Driver data for a paging domain the mock does not take. */
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, IOMMU_HWPT_DATA_MOCK, &s1,
			    sizeof(s1), NULL), -EOPNOTSUPP);

	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &paging), 0);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			    NULL, 0, &parent), 0);
	CHECK_EQ(mock_domain_fmt(iommufd_hwpt_domain(e.ictx, parent)),
		 ARM_64_LPAE_S2);
	CHECK_EQ(mock_domain_fmt(iommufd_hwpt_domain(e.ictx, paging)),
		 ARM_64_LPAE_S1);
	/* Nesting needs a NEST_PARENT parent and good driver data. */
	CHECK_EQ(nested_alloc(&e, dev_id, paging, NULL), -EINVAL);
	s1.__reserved = 1;
	CHECK_EQ(hwpt_alloc(&e, dev_id, parent, 0, IOMMU_HWPT_DATA_MOCK, &s1,
			    sizeof(s1), NULL), -EINVAL);
	s1.__reserved = 0;
	CHECK_EQ(hwpt_alloc(&e, dev_id, parent, 0, IOMMU_HWPT_DATA_ARM_SMMUV3,
			    &s1, sizeof(s1), NULL), -EOPNOTSUPP);
	CHECK_EQ(hwpt_alloc(&e, dev_id, parent, IOMMU_HWPT_ALLOC_NEST_PARENT,
			    IOMMU_HWPT_DATA_MOCK, &s1, sizeof(s1), NULL),
		 -EOPNOTSUPP);
	CHECK_EQ(nested_alloc(&e, dev_id, parent, &nested), 0);
	CHECK_EQ(iommufd_hwpt_domain(e.ictx, nested)->type, IOMMU_DOMAIN_NESTED);
	CHECK_EQ(nested_alloc(&e, dev_id, nested, NULL), -EINVAL);
	/* An automatic HWPT cannot be a parent. */
	autopt = ioas;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &autopt), 0);
	CHECK_EQ(nested_alloc(&e, dev_id, autopt, NULL), -EINVAL);

	/* Busy chain: IOAS <- parent <- nested. */
	CHECK_EQ(destroy_id(&e, parent), -EBUSY);
	CHECK_EQ(destroy_id(&e, ioas), -EBUSY);
	CHECK_EQ(destroy_id(&e, nested), 0);
	CHECK_EQ(destroy_id(&e, parent), 0);
	CHECK_EQ(destroy_id(&e, paging), 0);
	iommufd_device_unbind(e.ictx, dev_id);
	CHECK_EQ(destroy_id(&e, autopt), -ENOENT);
	CHECK_EQ(destroy_id(&e, ioas), 0);
	fd_env_fini(&e);
}

static unsigned int ranges(struct fd_env *e, u32 ioas,
			   struct iommu_iova_range *r, unsigned int n)
{
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q), .ioas_id = ioas,
		.num_iovas = n, .allowed_iovas = (uintptr_t)r };

	REQUIRE(IOCTL(e, IOMMU_IOAS_IOVA_RANGES, &q) == 0);
	return q.num_iovas;
}

static void test_attach_replace_resv(void)
{
	struct iommu_iova_range r[8];
	u32 dev_id, dev2_id, ioas, a, b, pt;
	struct device *dev, *dev2;
	phys_addr_t pa;
	struct fd_env e;
	void *buf;
	u64 iova;

	fd_env_init(&e);
	REQUIRE(!mock_iommu_add_resv_region(e.m, 1, RESV_START, 0x100000,
					    0, IOMMU_RESV_RESERVED));
	REQUIRE(!mock_iommu_add_resv_region(e.m, 2, 0x30000000, 0x1000,
					    0, IOMMU_RESV_RESERVED));
	dev = fd_env_dev(&e, "vf", 1);
	dev2 = fd_env_dev(&e, "vf2", 2);
	dev_id = bind(&e, dev);
	dev2_id = bind(&e, dev2);
	CHECK_EQ(iommufd_device_bind(e.ictx, dev, &pt), -EEXIST);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 1 << 20, &pa);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &a), 0);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, 0, 0, NULL, 0, &b), 0);

	/* Before any attach the whole space is usable. */
	CHECK_EQ(ranges(&e, ioas, r, 8), 1);	/* the aperture ends at 2^48 */
	CHECK_EQ(r[0].last, (1ull << 48) - 1);

	pt = a;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK(iommufd_device_domain(e.ictx, dev_id) ==
	      iommufd_hwpt_domain(e.ictx, a));
	/* SW_MSI [0x8000000, +1M) and the device's reserved region are cut out. */
	CHECK_EQ(ranges(&e, ioas, r, 8), 3);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].last, 0x7ffffff);
	CHECK_EQ(r[1].start, 0x8100000);
	CHECK_EQ(r[1].last, RESV_START - 1);
	CHECK_EQ(r[2].start, RESV_START + 0x100000);
	iova = RESV_START + 0x1000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);
	iova = 0x8000000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);
	iova = 1ull << 48;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);
	/* Automatic IOVAs avoid them. */
	iova = 0;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_RW), 0);
	CHECK_EQ(iova, 0x1000);

	/* A mapping where the next device has a reserved region: refused. */
	iova = 0x30000000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), 0);
	pt = a;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), -EADDRINUSE);
	CHECK(iommufd_device_domain(e.ictx, dev2_id) == NULL);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x30000000, 0x1000, NULL), 0);
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), 0);

	/* Allowed ranges and reserved regions exclude each other. */
	{
		struct iommu_iova_range allow = { RESV_START - 0x1000,
						  RESV_START + 0x1000 };
		struct iommu_ioas_allow_iovas al = { .size = sizeof(al),
			.ioas_id = ioas, .num_iovas = 1,
			.allowed_iovas = (uintptr_t)&allow };

		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &al), -EADDRINUSE);
		allow = (struct iommu_iova_range){ 0x30000000, 0x30001fff };
		CHECK_EQ(iommufd_device_detach_pt(e.ictx, dev2_id), 0);
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &al), 0);
		CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), -EADDRINUSE);
		al.num_iovas = 0;
		CHECK_EQ(IOCTL(&e, IOMMU_IOAS_ALLOW_IOVAS, &al), 0);
		CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), 0);
	}

	/* Replace: a second call moves the device to b. */
	pt = b;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK(iommufd_device_domain(e.ictx, dev_id) ==
	      iommufd_hwpt_domain(e.ictx, b));
	CHECK_EQ(iommu_iova_to_phys(iommufd_hwpt_domain(e.ictx, b), 0x1010),
		 pa + 0x10);
	CHECK_EQ(destroy_id(&e, b), -EBUSY);
	CHECK_EQ(destroy_id(&e, a), -EBUSY);	/* dev2 */
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, dev2_id), 0);
	CHECK_EQ(destroy_id(&e, a), 0);
	/* The reserved regions leave with the devices. */
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, dev_id), 0);
	CHECK_EQ(ranges(&e, ioas, r, 8), 1);
	pt = 99;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), -ENOENT);
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, 99, &pt), -ENOENT);
	pt = dev2_id;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), -EINVAL);
	iommufd_device_unbind(e.ictx, dev_id);
	iommufd_device_unbind(e.ictx, dev2_id);
	fd_env_fini(&e);
}

/* Devices sharing a StreamID share a group, hence a HWPT. */
static void test_group(void)
{
	u32 d1, d2, ioas, ioas2, a, b, c, pt;
	struct iommu_iova_range r[4];
	struct device *dev1, *dev2;
	struct fd_env e;

	fd_env_init(&e);
	REQUIRE(!mock_iommu_add_resv_region(e.m, 5, RESV_START, 0x100000, 0,
					    IOMMU_RESV_RESERVED));
	{
		u32 sids[2] = { 4, 5 };

		dev1 = mock_iommu_add_device(e.m, "fn0", &sids[0], 1);
		dev2 = mock_iommu_add_device(e.m, "fn1", sids, 2);
		REQUIRE(dev1 && dev2 && dev1->iommu_group == dev2->iommu_group);
		e.devs[e.ndevs++] = dev1;
		e.devs[e.ndevs++] = dev2;
	}
	d1 = bind(&e, dev1);
	d2 = bind(&e, dev2);
	ioas = ioas_alloc(&e);
	ioas2 = ioas_alloc(&e);
	CHECK_EQ(hwpt_alloc(&e, d1, ioas, 0, 0, NULL, 0, &a), 0);
	CHECK_EQ(hwpt_alloc(&e, d1, ioas, 0, 0, NULL, 0, &b), 0);
	CHECK_EQ(hwpt_alloc(&e, d1, ioas2, 0, 0, NULL, 0, &c), 0);
	pt = a;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, d1, &pt), 0);
	pt = b;		/* the group is on a: joining elsewhere is refused */
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, d2, &pt), -EINVAL);
	pt = a;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, d2, &pt), 0);
	CHECK_EQ(ranges(&e, ioas, r, 4), 3);	/* dev2's region is cut out */
	/* Replacing one device's HWPT moves the group, regions and all. */
	pt = c;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, d1, &pt), 0);
	CHECK(iommufd_device_domain(e.ictx, d2) == iommufd_hwpt_domain(e.ictx, c));
	CHECK_EQ(ranges(&e, ioas, r, 4), 1);
	CHECK_EQ(ranges(&e, ioas2, r, 4), 3);
	CHECK_EQ(destroy_id(&e, a), 0);
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, d1), 0);
	CHECK_EQ(destroy_id(&e, c), -EBUSY);	/* dev2 still on it */
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, d2), 0);
	CHECK_EQ(destroy_id(&e, c), 0);
	CHECK_EQ(ranges(&e, ioas2, r, 4), 1);
	iommufd_device_unbind(e.ictx, d1);
	iommufd_device_unbind(e.ictx, d2);
	fd_env_fini(&e);
}

static void test_sw_msi_option(void)
{
	u32 dev_id, ioas, pt;
	struct fd_env e;
	u64 v;

	fd_env_init(&e);
	REQUIRE(!mock_iommu_add_resv_region(e.m, 1, RESV_START, 0x100000, 0,
					    IOMMU_RESV_RESERVED));
	dev_id = bind(&e, fd_env_dev(&e, "vf", 1));
	ioas = ioas_alloc(&e);
	/* Mainline has no such option: unknown options are -EOPNOTSUPP. */
	v = 0x9000000;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), -EOPNOTSUPP);
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE, IOMMU_OPTION_OP_GET,
			&v), -EOPNOTSUPP);
	/* The posted series (v2, October 2025), as the sw-msi-v2 model. */
	REQUIRE(!kernel_set_msi_model(e.k, "sw-msi-v2"));
	v = 1;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE, IOMMU_OPTION_OP_SET,
			&v), -EINVAL);	/* START first */
	v = 0x8090000;		/* a guest's vITS doorbell page: not 1 MiB aligned */
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), -EINVAL);
	v = 0x8100000;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), 0);
	v = 0;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_GET,
			&v), 0);
	CHECK_EQ(v, 0x8100000);
	v = RESV_START;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), -EADDRINUSE);
	v = 0xfffffffffff00000ull;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), 0);
	v = 2;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE, IOMMU_OPTION_OP_SET,
			&v), -EOVERFLOW);
	v = 0x9000000;
	CHECK_EQ(option(&e, ioas, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), -ENOENT);
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_SET,
			&v), 0);
	v = 2;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE, IOMMU_OPTION_OP_SET,
			&v), 0);
	v = 0;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START, IOMMU_OPTION_OP_GET,
			&v), 0);
	CHECK_EQ(v, 0x9000000);
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE, IOMMU_OPTION_OP_GET,
			&v), 0);
	CHECK_EQ(v, 2);
	pt = ioas;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE, IOMMU_OPTION_OP_GET,
			&v), -EBUSY);
	/* The window moved: the driver's default is mappable, the new one not. */
	{
		void *buf = user_mem(&e, 0x1000, NULL);
		u64 iova = 0x8000000;

		CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), 0);
		iova = 0x9100000;
		CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW),
			 -EINVAL);
	}
	iommufd_device_unbind(e.ictx, dev_id);
	fd_env_fini(&e);
}

/*
 * Mainline: the window is the device's IOMMU_RESV_SW_MSI region (the mock's
 * 0x8000000), for a plain paging HWPT as for a nested one, whose doorbell
 * iommufd installs in the nest parent it knows.
 */
static void test_sw_msi_mainline(void)
{
	struct irq_domain *its, *msi;
	struct device *dev;
	u32 dev_id, ioas, parent, n1, pt;
	struct iommu_domain *s2, *plain;
	struct fd_env e;
	u64 iova, addr;
	void *buf;

	fd_env_init(&e);
	its = sw_its_create(e.k, "its", DB0, 64);
	msi = msi_create_irq_domain(e.k, "msi", &msi_ops, NULL, its);
	REQUIRE(its && msi);
	dev = fd_env_dev(&e, "vf", 1);
	dev_id = bind(&e, dev);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 1 << 20, NULL);
	iova = 0x40000000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 1 << 20, &iova, MAP_FIXED_RW), 0);

	/* A plain (automatic) paging HWPT of the IOAS. */
	pt = ioas;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	plain = iommufd_device_domain(e.ictx, dev_id);
	REQUIRE(plain && plain->type == IOMMU_DOMAIN_UNMANAGED);
	CHECK_EQ(plain->cookie_type, IOMMU_COOKIE_IOMMUFD);
	CHECK_EQ(iommu_get_msi_cookie(plain, 0x8000000), -EEXIST);
	CHECK_EQ(msi_domain_alloc_irqs(msi, dev, 1), 0);
	addr = msi_msg_addr(&msi_get_desc(msi, dev, 0)->msg);
	CHECK_EQ(addr, 0x8000000 | (DB0 & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(plain, addr), DB0);
	msi_domain_free_irqs(msi, dev);
	/* The window is reserved in the IOAS. */
	iova = 0x8000000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);

	/* Nested: the doorbell goes to the parent, at the same IOVA. */
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			    NULL, 0, &parent), 0);
	s2 = iommufd_hwpt_domain(e.ictx, parent);
	CHECK_EQ(nested_alloc(&e, dev_id, parent, &n1), 0);
	pt = n1;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK_EQ(iommu_iova_to_phys(s2, addr), DB0);	/* installed at replace */
	CHECK_EQ(msi_domain_alloc_irqs(msi, dev, 2), 0);
	CHECK_EQ(msi_msg_addr(&msi_get_desc(msi, dev, 1)->msg), addr);
	{
		phys_addr_t out;

		CHECK_EQ(mock_iommu_translate(dev, addr, &out), 0);
		CHECK_EQ(out, DB0);
	}
	msi_domain_free_irqs(msi, dev);
	iommufd_device_unbind(e.ictx, dev_id);
	CHECK_EQ(irq_domain_remove(msi), 0);
	sw_its_destroy(its);
	fd_env_fini(&e);
}

static void test_sw_msi_nested(void)
{
	struct irq_domain *its, *msi;
	struct device *dev, *dev2;
	u32 dev_id, dev2_id, ioas, ioas2, parent, parent2, n1, n2, n3, pt;
	struct iommu_domain *s2;
	struct fd_env e;
	u64 v, iova, addr;
	phys_addr_t buf_pa;
	void *buf;

	fd_env_init(&e);
	its = sw_its_create(e.k, "its", DB0, 64);
	msi = msi_create_irq_domain(e.k, "msi", &msi_ops, NULL, its);
	REQUIRE(its && msi);
	dev = fd_env_dev(&e, "vf", 1);
	dev2 = fd_env_dev(&e, "vf2", 2);
	dev_id = bind(&e, dev);
	dev2_id = bind(&e, dev2);
	ioas = ioas_alloc(&e);
	buf = user_mem(&e, 1 << 20, &buf_pa);
	iova = 0x40000000;	/* guest RAM */
	CHECK_EQ(ioas_map(&e, ioas, buf, 1 << 20, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(hwpt_alloc(&e, dev_id, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			    NULL, 0, &parent), 0);
	s2 = iommufd_hwpt_domain(e.ictx, parent);
	REQUIRE(!kernel_set_msi_model(e.k, "sw-msi-v2"));
	/* The VMM moves the device's window to 0x9000000 (1 MiB aligned). */
	v = 0x9000000;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_START,
			IOMMU_OPTION_OP_SET, &v), 0);
	v = 1;
	CHECK_EQ(option(&e, dev_id, IOMMU_OPTION_SW_MSI_SIZE,
			IOMMU_OPTION_OP_SET, &v), 0);
	CHECK_EQ(nested_alloc(&e, dev_id, parent, &n1), 0);
	CHECK_EQ(nested_alloc(&e, dev_id, parent, &n2), 0);
	pt = n1;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK_EQ(iommu_iova_to_phys(s2, 0x9000000), 0);	/* no MSI yet */

	/* The device asks for MSIs: the ITS page lands in stage 2 at the window. */
	CHECK_EQ(msi_domain_alloc_irqs(msi, dev, 2), 0);
	addr = msi_msg_addr(&msi_get_desc(msi, dev, 1)->msg);
	CHECK_EQ(addr, 0x9000000 | (DB0 & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(s2, addr), DB0);
	{
		phys_addr_t out;

		CHECK_EQ(mock_iommu_translate(dev, addr, &out), 0);
		CHECK_EQ(out, DB0);
	}
	/* The window is reserved in the IOAS: no mapping can take it. */
	iova = 0x9000000;
	CHECK_EQ(ioas_map(&e, ioas, buf, 0x1000, &iova, MAP_FIXED_RW), -EINVAL);

	/* Replace onto another nested HWPT of the same parent: kept. */
	pt = n2;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev_id, &pt), 0);
	CHECK(iommufd_device_domain(e.ictx, dev_id) ==
	      iommufd_hwpt_domain(e.ictx, n2));
	CHECK_EQ(iommu_iova_to_phys(s2, addr), DB0);
	CHECK_EQ(msi_msg_addr(&msi_get_desc(msi, dev, 1)->msg), addr);
	CHECK_EQ(destroy_id(&e, n1), 0);
	CHECK_EQ(destroy_id(&e, n2), -EBUSY);
	CHECK_EQ(destroy_id(&e, parent), -EBUSY);
	/*
	 * The window is per device (the series keys doorbell maps by start):
	 * a second device on the same parent with its own window gets its
	 * doorbell there, beside the first one's.
	 */
	v = 0xa000000;
	CHECK_EQ(option(&e, dev2_id, IOMMU_OPTION_SW_MSI_START,
			IOMMU_OPTION_OP_SET, &v), 0);
	v = 1;
	CHECK_EQ(option(&e, dev2_id, IOMMU_OPTION_SW_MSI_SIZE,
			IOMMU_OPTION_OP_SET, &v), 0);
	CHECK_EQ(nested_alloc(&e, dev2_id, parent, &n1), 0);
	pt = n1;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), 0);
	CHECK_EQ(msi_domain_alloc_irqs(msi, dev2, 1), 0);
	CHECK_EQ(msi_msg_addr(&msi_get_desc(msi, dev2, 0)->msg),
		 0xa000000 | (DB0 & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(s2, 0xa000000), DB0 & ~0xfffull);
	CHECK_EQ(iommu_iova_to_phys(s2, addr), DB0);
	msi_domain_free_irqs(msi, dev2);
	CHECK_EQ(iommufd_device_detach_pt(e.ictx, dev2_id), 0);
	CHECK_EQ(destroy_id(&e, n1), 0);

	/*
	 * A second device whose window collides with an IOAS mapping of its
	 * own parent: the attach is refused whole and nothing changes.
	 */
	ioas2 = ioas_alloc(&e);
	iova = 0x20000000;
	CHECK_EQ(ioas_map(&e, ioas2, buf, 0x1000, &iova, MAP_FIXED_RW), 0);
	CHECK_EQ(hwpt_alloc(&e, dev2_id, ioas2, IOMMU_HWPT_ALLOC_NEST_PARENT, 0,
			    NULL, 0, &parent2), 0);
	CHECK_EQ(nested_alloc(&e, dev2_id, parent2, &n3), 0);
	v = 0x20000000;
	CHECK_EQ(option(&e, dev2_id, IOMMU_OPTION_SW_MSI_START,
			IOMMU_OPTION_OP_SET, &v), 0);
	v = 1;
	CHECK_EQ(option(&e, dev2_id, IOMMU_OPTION_SW_MSI_SIZE,
			IOMMU_OPTION_OP_SET, &v), 0);
	pt = n3;
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), -EADDRINUSE);
	CHECK(iommufd_device_domain(e.ictx, dev2_id) == NULL);
	CHECK_EQ(iommu_iova_to_phys(iommufd_hwpt_domain(e.ictx, parent2),
				    0x20000000), buf_pa);	/* the mapping stays */
	{
		struct iommu_iova_range r[4];

		CHECK_EQ(ranges(&e, ioas2, r, 4), 1);	/* nothing left reserved */
	}
	/* Moved out of the way, the attach works and MSIs go to 0x20000000. */
	CHECK_EQ(ioas_unmap(&e, ioas2, 0x20000000, 0x1000, NULL), 0);
	CHECK_EQ(iommufd_device_attach_pt(e.ictx, dev2_id, &pt), 0);
	CHECK_EQ(msi_domain_alloc_irqs(msi, dev2, 1), 0);
	CHECK_EQ(msi_msg_addr(&msi_get_desc(msi, dev2, 0)->msg),
		 0x20000000 | (DB0 & 0xfff));
	CHECK_EQ(iommu_iova_to_phys(iommufd_hwpt_domain(e.ictx, parent2),
				    0x20000000), DB0 & ~0xfffull);

	msi_domain_free_irqs(msi, dev);
	msi_domain_free_irqs(msi, dev2);
	iommufd_device_unbind(e.ictx, dev_id);
	iommufd_device_unbind(e.ictx, dev2_id);
	CHECK_EQ(irq_domain_remove(msi), 0);
	sw_its_destroy(its);
	fd_env_fini(&e);
}

int main(void)
{
	test_alloc_errors();
	test_attach_replace_resv();
	test_group();
	test_sw_msi_mainline();
	test_sw_msi_option();
	test_sw_msi_nested();
	return test_done();
}
