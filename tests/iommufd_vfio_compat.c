// SPDX-License-Identifier: MIT
/*
 * VFIO type1 ioctls on an iommufd context (kernel/iommufd/vfio_compat.c):
 * the compat IOAS and IOMMU_VFIO_IOAS, each errno of the container ioctls
 * in Linux's order, MAP_DMA reaching an attached domain, UNMAP_DMA with
 * FLAG_ALL and TYPE1's unmap of a piece of a mapping, and the GET_INFO
 * capability chain byte by byte at every argsz a caller may pass.
 */
#include "include/uapi/linux/vfio.h"
#include "tests/iommufd-helpers.h"

static long vfio_ioas(struct fd_env *e, u16 op, u32 *id)
{
	struct iommu_vfio_ioas v = { .size = sizeof(v), .op = op,
				     .ioas_id = id ? *id : 0 };
	long ret = IOCTL(e, IOMMU_VFIO_IOAS, &v);

	if (id)
		*id = v.ioas_id;
	return ret;
}

static long map_dma(struct fd_env *e, void *va, u64 iova, u64 size, u32 flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)va,
		.iova = iova, .size = size,
	};

	return IOCTL(e, VFIO_IOMMU_MAP_DMA, &m);
}

static long unmap_dma(struct fd_env *e, u64 iova, u64 size, u32 flags,
		      u64 *unmapped)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	long ret = IOCTL(e, VFIO_IOMMU_UNMAP_DMA, &u);

	if (unmapped)
		*unmapped = u.size;
	return ret;
}

#define RW	(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static void test_no_compat_ioas(void)
{
	struct vfio_iommu_type1_info info = { .argsz = sizeof(info) };
	struct fd_env e;
	u32 id = 0;

	fd_env_init(&e);
	CHECK_EQ(IOCTL(&e, VFIO_GET_API_VERSION, 0), VFIO_API_VERSION);
	/* Extensions that need no IOAS answer without one. */
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU), 1);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU), 1);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_UNMAP_ALL), 1);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR), 0);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_NOIOMMU_IOMMU), 0);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION,
		       __VFIO_RESERVED_TYPE1_NESTING_IOMMU), 0);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, 1234), 0);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), -ENODEV);
	/* The type is checked before the IOAS. */
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_SPAPR_TCE_IOMMU), -EINVAL);
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -ENODEV);
	CHECK_EQ(IOCTL(&e, VFIO_IOMMU_GET_INFO, &info), -ENODEV);
	CHECK_EQ(map_dma(&e, NULL, 0, 4096, RW), -ENODEV);
	CHECK_EQ(unmap_dma(&e, 0, 4096, 0, NULL), -ENODEV);
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_GET, &id), -ENODEV);
	/* Not served: the obsolete dirty-pages ioctl and ENABLE/DISABLE. */
	CHECK_EQ(IOCTL(&e, VFIO_IOMMU_DIRTY_PAGES, &info), -ENOTTY);
	CHECK_EQ(IOCTL(&e, VFIO_IOMMU_ENABLE, 0), -ENOTTY);
	CHECK_EQ(IOCTL(&e, VFIO_IOMMU_GET_INFO, NULL), -EFAULT);
	fd_env_fini(&e);
}

static void test_vfio_ioas_cmd(void)
{
	struct iommu_vfio_ioas v = { .size = sizeof(v) };
	struct fd_env e;
	u32 ioas, id;

	fd_env_init(&e);
	ioas = ioas_alloc(&e);
	v.__reserved = 1;
	CHECK_EQ(IOCTL(&e, IOMMU_VFIO_IOAS, &v), -EOPNOTSUPP);
	v.__reserved = 0;
	v.op = 3;
	CHECK_EQ(IOCTL(&e, IOMMU_VFIO_IOAS, &v), -EOPNOTSUPP);
	v.size = 10;	/* below offsetofend(__reserved) */
	CHECK_EQ(IOCTL(&e, IOMMU_VFIO_IOAS, &v), -EINVAL);
	id = 99;
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_SET, &id), -ENOENT);
	id = ioas;
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_SET, &id), 0);
	id = 0;
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_GET, &id), 0);
	CHECK_EQ(id, ioas);
	CHECK_EQ(IOCTL(&e, VFIO_CHECK_EXTENSION, VFIO_DMA_CC_IOMMU), 1);
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_CLEAR, NULL), 0);
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_GET, &id), -ENODEV);
	/* Destroying the compat IOAS leaves none. */
	id = ioas;
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_SET, &id), 0);
	CHECK_EQ(destroy_id(&e, ioas), 0);
	CHECK_EQ(vfio_ioas(&e, IOMMU_VFIO_IOAS_GET, &id), -ENODEV);
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), -ENODEV);
	fd_env_fini(&e);
}

/* A compat IOAS with a device attached to it; returns the device's domain. */
static struct iommu_domain *compat_env(struct fd_env *e, u32 *ioas, u32 *dev_id)
{
	struct device *dev;
	u32 pt;

	fd_env_init(e);
	dev = fd_env_dev(e, "nic", 0x10);
	*dev_id = bind(e, dev);
	*ioas = ioas_alloc(e);
	pt = *ioas;
	REQUIRE(vfio_ioas(e, IOMMU_VFIO_IOAS_SET, &pt) == 0);
	REQUIRE(iommufd_device_attach_pt(e->ictx, *dev_id, &pt) == 0);
	return iommufd_device_domain(e->ictx, *dev_id);
}

static void compat_fini(struct fd_env *e, u32 dev_id)
{
	iommufd_device_detach_pt(e->ictx, dev_id);
	iommufd_device_unbind(e->ictx, dev_id);
	fd_env_fini(e);
}

static void test_map_unmap_dma(void)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = 31, .flags = RW };
	struct iommu_domain *d;
	struct fd_env e;
	u32 ioas, dev_id;
	phys_addr_t pa;
	u64 unmapped;
	void *buf;

	d = compat_env(&e, &ioas, &dev_id);
	REQUIRE(d);
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU), 0);
	buf = user_mem(&e, 4 << 20, &pa);
	/* argsz, then flags, before the IOAS. */
	CHECK_EQ(IOCTL(&e, VFIO_IOMMU_MAP_DMA, &m), -EINVAL);
	CHECK_EQ(map_dma(&e, buf, 0x100000, 4096, RW | VFIO_DMA_MAP_FLAG_VADDR),
		 -EINVAL);
	CHECK_EQ(map_dma(&e, buf, 0x100000, 0, RW), -EINVAL);
	CHECK_EQ(map_dma(&e, (u8 *)buf + 1, 0x100000, 4096, RW), -EINVAL);
	CHECK_EQ(map_dma(&e, buf, 0x100001, 4096, RW), -EINVAL);
	/* The IOVA is the caller's: it is fixed. */
	CHECK_EQ(map_dma(&e, buf, 0x100000, 2 << 20, RW), 0);
	CHECK_EQ(iommu_iova_to_phys(d, 0x100000 + 0x1234), pa + 0x1234);
	CHECK_EQ(map_dma(&e, buf, 0x100000, 4096, RW), -EEXIST);
	CHECK_EQ(map_dma(&e, (u8 *)buf + (2 << 20), 0x400000, 4096,
			 VFIO_DMA_MAP_FLAG_READ), 0);
	/* Unmap: argsz, flags (no dirty bitmap, no VADDR), then FLAG_ALL's zeros. */
	{
		struct vfio_iommu_type1_dma_unmap u = { .argsz = 23 };

		CHECK_EQ(IOCTL(&e, VFIO_IOMMU_UNMAP_DMA, &u), -EINVAL);
	}
	CHECK_EQ(unmap_dma(&e, 0x100000, 4096,
			   VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, NULL), -EINVAL);
	CHECK_EQ(unmap_dma(&e, 0x100000, 4096, VFIO_DMA_UNMAP_FLAG_VADDR, NULL),
		 -EINVAL);
	CHECK_EQ(unmap_dma(&e, 0x100000, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL),
		 -EINVAL);
	CHECK_EQ(unmap_dma(&e, 0, 4096, VFIO_DMA_UNMAP_FLAG_ALL, NULL), -EINVAL);
	/* TYPE1v2: a piece of a mapping cannot be unmapped; size says 0. */
	unmapped = 1;
	CHECK_EQ(unmap_dma(&e, 0x101000, 4096, 0, &unmapped), -ENOENT);
	CHECK_EQ(unmapped, 0);
	CHECK_EQ(unmap_dma(&e, 0x100000, 2 << 20, 0, &unmapped), 0);
	CHECK_EQ(unmapped, 2 << 20);
	CHECK_EQ(iommu_iova_to_phys(d, 0x100000), 0);
	/* Unmap of nothing is success, size 0 (IOAS_UNMAP says -ENOENT). */
	CHECK_EQ(unmap_dma(&e, 0x100000, 2 << 20, 0, &unmapped), 0);
	CHECK_EQ(unmapped, 0);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x100000, 2 << 20, &unmapped), -ENOENT);
	/* FLAG_ALL: everything left, its size back. */
	CHECK_EQ(unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &unmapped), 0);
	CHECK_EQ(unmapped, 4096);
	CHECK_EQ(iommu_iova_to_phys(d, 0x400000), 0);
	CHECK_EQ(unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, &unmapped), 0);
	CHECK_EQ(unmapped, 0);
	/* Mapped by the VFIO call, seen by iommufd's own unmap. */
	CHECK_EQ(map_dma(&e, buf, 0x100000, 8192, RW), 0);
	CHECK_EQ(ioas_unmap(&e, ioas, 0x100000, 8192, &unmapped), 0);
	CHECK_EQ(unmapped, 8192);
	compat_fini(&e, dev_id);
}

/* TYPE1 (v1): large pages off, so any page of a mapping can be unmapped. */
static void test_type1_cut(void)
{
	struct iommu_domain *d;
	struct fd_env e;
	u32 ioas, dev_id;
	phys_addr_t pa;
	u64 unmapped;
	void *buf;

	d = compat_env(&e, &ioas, &dev_id);
	REQUIRE(d);
	buf = user_mem(&e, 2 << 20, &pa);
	CHECK_EQ(map_dma(&e, buf, 0x200000, 2 << 20, RW), 0);
	/* A domain holds mappings that may be large: too late for TYPE1. */
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), -EINVAL);
	CHECK_EQ(unmap_dma(&e, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL, NULL), 0);
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	CHECK_EQ(IOCTL(&e, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU), 0);
	CHECK_EQ(map_dma(&e, buf, 0x200000, 2 << 20, RW), 0);
	/* A hole in the middle. */
	CHECK_EQ(unmap_dma(&e, 0x280000, 0x3000, 0, &unmapped), 0);
	CHECK_EQ(unmapped, 0x3000);
	CHECK_EQ(iommu_iova_to_phys(d, 0x27f000), pa + 0x7f000);
	CHECK_EQ(iommu_iova_to_phys(d, 0x280000), 0);
	CHECK_EQ(iommu_iova_to_phys(d, 0x282fff), 0);
	CHECK_EQ(iommu_iova_to_phys(d, 0x283000), pa + 0x83000);
	/* The first page (its cut at iova - 1 needs no split), then an unaligned cut. */
	CHECK_EQ(unmap_dma(&e, 0x200000, 0x1000, 0, &unmapped), 0);
	CHECK_EQ(unmapped, 0x1000);
	CHECK_EQ(unmap_dma(&e, 0x300000, 0x800, 0, &unmapped), -EINVAL);
	/* The rest, in two areas now. */
	CHECK_EQ(unmap_dma(&e, 0x201000, 0x1ff000, 0, &unmapped), 0);
	CHECK_EQ(unmapped, 0x1ff000 - 0x3000);
	CHECK_EQ(iommu_iova_to_phys(d, 0x3ff000), 0);
	compat_fini(&e, dev_id);
}

#define INFO_BUF	512

struct info_buf {
	union {
		struct vfio_iommu_type1_info info;
		u8 raw[INFO_BUF];
	};
};

static long get_info(struct fd_env *e, struct info_buf *b, u32 argsz)
{
	memset(b, 0xa5, sizeof(*b));
	b->info.argsz = argsz;
	return IOCTL(e, VFIO_IOMMU_GET_INFO, b);
}

static void test_get_info(void)
{
	struct iommu_iova_range ranges[8];
	struct iommu_ioas_iova_ranges r = {
		.size = sizeof(r), .num_iovas = 8,
		.allowed_iovas = (uintptr_t)ranges,
	};
	struct vfio_iommu_type1_info_cap_iova_range iova_cap;
	struct vfio_iommu_type1_info_dma_avail avail;
	struct vfio_iova_range vr;
	struct iommu_domain *d;
	struct info_buf b;
	struct fd_env e;
	u32 ioas, dev_id, total;

	/* No domain: every page size above PAGE_SIZE (PAGE_MASK). */
	fd_env_init(&e);
	ioas = ioas_alloc(&e);
	REQUIRE(vfio_ioas(&e, IOMMU_VFIO_IOAS_SET, &ioas) == 0);
	CHECK_EQ(get_info(&e, &b, 15), -EINVAL);
	CHECK_EQ(get_info(&e, &b, sizeof(b)), 0);
	CHECK_EQ(b.info.iova_pgsizes, ~(u64)(PAGE_SIZE - 1));
	fd_env_fini(&e);

	d = compat_env(&e, &ioas, &dev_id);
	REQUIRE(d);
	r.ioas_id = ioas;
	REQUIRE(IOCTL(&e, IOMMU_IOAS_IOVA_RANGES, &r) == 0);
	total = 24 + 16 + ALIGN(16 + r.num_iovas * 16, 8);

	/* The whole chain: DMA_AVAIL at 24, IOVA_RANGE at 40. */
	CHECK_EQ(get_info(&e, &b, sizeof(b)), 0);
	CHECK_EQ(b.info.argsz, total);
	CHECK_EQ(b.info.flags, VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS);
	CHECK_EQ(b.info.iova_pgsizes, d->pgsize_bitmap);
	CHECK_EQ(b.info.cap_offset, 24);
	CHECK_EQ(b.info.pad, 0);	/* written from a zeroed struct */
	memcpy(&avail, b.raw + 24, sizeof(avail));
	CHECK_EQ(avail.header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	CHECK_EQ(avail.header.version, 1);
	CHECK_EQ(avail.header.next, 40);
	CHECK_EQ(avail.avail, UINT32_MAX);
	memcpy(&iova_cap, b.raw + 40, sizeof(iova_cap));
	CHECK_EQ(iova_cap.header.id, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	CHECK_EQ(iova_cap.header.version, 1);
	CHECK_EQ(iova_cap.header.next, 0);
	CHECK_EQ(iova_cap.nr_iovas, r.num_iovas);
	for (u32 i = 0; i < r.num_iovas && i < 8; i++) {
		memcpy(&vr, b.raw + 56 + i * 16, sizeof(vr));
		CHECK_EQ(vr.start, ranges[i].start);
		CHECK_EQ(vr.end, ranges[i].last);
	}

	/* Only the fixed part: argsz comes back as what is needed. */
	CHECK_EQ(get_info(&e, &b, 16), 0);
	CHECK_EQ(b.info.argsz, total);
	CHECK_EQ(b.info.cap_offset, 0xa5a5a5a5);	/* past argsz: untouched */
	CHECK_EQ(get_info(&e, &b, 24), 0);
	CHECK_EQ(b.info.cap_offset, 0);
	CHECK_EQ(b.raw[24], 0xa5);

	/*
	 * Room for DMA_AVAIL only: it is written, and its next names where
	 * IOVA_RANGE would be (Linux links it once argsz reaches that offset).
	 */
	CHECK_EQ(get_info(&e, &b, 40), 0);
	CHECK_EQ(b.info.argsz, total);
	CHECK_EQ(b.info.cap_offset, 0);
	memcpy(&avail, b.raw + 24, sizeof(avail));
	CHECK_EQ(avail.header.id, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	CHECK_EQ(avail.header.next, 40);
	CHECK_EQ(b.raw[40], 0xa5);

	/* Room for the IOVA header and the first range only: those go out. */
	if (r.num_iovas > 1) {
		CHECK_EQ(get_info(&e, &b, 40 + 16 + 16), 0);
		CHECK_EQ(b.info.cap_offset, 0);
		memcpy(&vr, b.raw + 56, sizeof(vr));
		CHECK_EQ(vr.start, ranges[0].start);
		CHECK_EQ(b.raw[40], 0xa5);	/* the header waits for all */
	}
	/* One byte short of everything. */
	CHECK_EQ(get_info(&e, &b, total - 1), 0);
	CHECK_EQ(b.info.cap_offset, 0);
	CHECK_EQ(b.info.argsz, total);
	compat_fini(&e, dev_id);
}

int main(void)
{
	test_no_compat_ioas();
	test_vfio_ioas_cmd();
	test_map_unmap_dma();
	test_type1_cut();
	test_get_info();
	return test_done();
}
