// SPDX-License-Identifier: MIT
/*
 * Dirty tracking end to end on the emulated board: iommufd over the
 * arm-smmu-v3 driver over the SMMUv3 model with HTTU (IDR0.HTTU = 2).  A
 * HWPT allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING is a stage-1 domain
 * with DBM leaves and CD.HA/HD; the device's DMA writes go through the
 * model, which marks the leaves dirty in the page table; GET_DIRTY_BITMAP
 * reports exactly the written pages, clears them (NO_CLEAR keeps them),
 * and reads never dirty.  Without HTTU the SMMU cannot track (-EOPNOTSUPP).
 */
#include "kernel/iommufd/iommufd.h"
#include "tests/arm-smmu-v3-machine.h"

#define SID	0x20
#define IOVA	0x100000UL
#define LEN	(2UL << 20)
#define NBITS	(LEN / PAGE_SIZE)

struct env {
	struct testbed tb;
	struct device *dev;
	struct iommufd_ctx *ictx;
	phys_addr_t pa;
	u32 dev_id, ioas, hwpt;
};

#define IOCTL(e, cmd, arg)	iommufd_ioctl((e)->ictx, (cmd), (unsigned long)(arg))

static long hwpt_alloc(struct env *e, u32 flags, u32 *id)
{
	struct iommu_hwpt_alloc h = { .size = sizeof(h), .flags = flags,
				      .dev_id = e->dev_id, .pt_id = e->ioas };
	long ret = IOCTL(e, IOMMU_HWPT_ALLOC, &h);

	*id = h.out_hwpt_id;
	return ret;
}

static void env_init(struct env *e, unsigned int httu)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_ioas_map m = {
		.size = sizeof(m), .length = LEN, .iova = IOVA,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
	};
	struct smmuv3_config c;

	smmuv3_config_default(&c);
	c.httu = httu;
	testbed_create(&e->tb, &c);
	e->dev = m_add_sid(&e->tb, "vf", SID);
	e->ictx = iommufd_ctx_create(e->tb.k);
	REQUIRE(e->ictx);
	REQUIRE(iommufd_device_bind(e->ictx, e->dev, &e->dev_id) == 0);
	REQUIRE(IOCTL(e, IOMMU_IOAS_ALLOC, &a) == 0);
	e->ioas = a.out_ioas_id;
	e->pa = kernel_alloc_pages(e->tb.k, LEN);
	REQUIRE(e->pa);
	m.ioas_id = e->ioas;
	m.user_va = (uintptr_t)phys_to_virt(e->tb.k, e->pa, LEN);
	REQUIRE(IOCTL(e, IOMMU_IOAS_MAP, &m) == 0);
}

static void env_fini(struct env *e)
{
	iommufd_device_unbind(e->ictx, e->dev_id);
	iommufd_ctx_destroy(e->ictx);
	CHECK_EQ(kernel_free_pages(e->tb.k, e->pa, LEN), 0);
	device_destroy(e->dev);
	testbed_destroy(&e->tb);
}

static long get_dirty(struct env *e, u64 *bm, u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = e->hwpt, .flags = flags,
		.iova = IOVA, .length = LEN, .page_size = PAGE_SIZE,
		.data = (uintptr_t)bm,
	};

	memset(bm, 0, NBITS / 8);
	return IOCTL(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

static bool bit(const u64 *bm, unsigned int i)
{
	return bm[i / 64] >> (i % 64) & 1;
}

/* The set bits of bm, in order, into out; how many. */
static unsigned int bits(const u64 *bm, unsigned int *out, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NBITS; i++)
		if (bit(bm, i) && n < max)
			out[n++] = i;
	return n;
}

static void dma(struct env *e, unsigned int page, bool write)
{
	u64 pa = 0;

	CHECK_EQ(m_dma(&e->tb, SID, IOVA + page * PAGE_SIZE + 8, write, &pa), 0);
	CHECK_EQ(pa, e->pa + page * PAGE_SIZE + 8);
}

static void test_no_httu(void)
{
	struct env e;
	u32 id;

	env_init(&e, 1);	/* access flag only */
	CHECK(!device_iommu_capable(e.dev, IOMMU_CAP_DIRTY_TRACKING));
	CHECK_EQ(hwpt_alloc(&e, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &id),
		 -EOPNOTSUPP);
	env_fini(&e);
}

static void test_dirty_dma(void)
{
	u64 bm[NBITS / 64];
	unsigned int got[8];
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct iommu_hwpt_set_dirty_tracking set = {
		.size = sizeof(set), .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE,
	};
	struct env e;
	u32 pt;

	env_init(&e, 2);
	info.dev_id = e.dev_id;
	CHECK_EQ(IOCTL(&e, IOMMU_GET_HW_INFO, &info), 0);
	CHECK(info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	REQUIRE(hwpt_alloc(&e, IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &e.hwpt) == 0);
	pt = e.hwpt;
	REQUIRE(iommufd_device_attach_pt(e.ictx, e.dev_id, &pt) == 0);
	set.hwpt_id = e.hwpt;
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_SET_DIRTY_TRACKING, &set), 0);

	/* Enabling starts clean (fresh leaves are writable-dirty in Linux). */
	CHECK_EQ(get_dirty(&e, bm, 0), 0);
	CHECK_EQ(bits(bm, got, 8), 0);

	/* Reads do not dirty; writes dirty exactly their pages. */
	dma(&e, 7, false);
	dma(&e, 1, true);
	dma(&e, 5, true);
	dma(&e, 5, true);
	dma(&e, 300, true);
	dma(&e, 511, false);
	CHECK_EQ(get_dirty(&e, bm, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), 0);
	REQUIRE(bits(bm, got, 8) == 3);
	CHECK_EQ(got[0], 1);
	CHECK_EQ(got[1], 5);
	CHECK_EQ(got[2], 300);
	/* NO_CLEAR kept them; this read clears them. */
	CHECK_EQ(get_dirty(&e, bm, 0), 0);
	CHECK_EQ(bits(bm, got, 8), 3);
	CHECK_EQ(get_dirty(&e, bm, 0), 0);
	CHECK_EQ(bits(bm, got, 8), 0);

	/* A page written for the first time after the clear: reported. */
	dma(&e, 9, true);
	CHECK_EQ(get_dirty(&e, bm, 0), 0);
	REQUIRE(bits(bm, got, 8) == 1);
	CHECK_EQ(got[0], 9);

	/*
	 * Page 1 written again.  Linux's arm_smmu_iotlb_sync() invalidates
	 * nothing for the gather read_and_clear_dirty builds (no pgsize), so
	 * the SMMU still holds page 1's TLB entry as writable and the write
	 * does not mark the (cleaned) leaf: it is not reported.  Once the
	 * TLB entry is gone (here a flush of the domain), the next write is.
	 * See docs/smmuv3.md, "HTTU and the TLB".
	 */
	dma(&e, 1, true);
	CHECK_EQ(get_dirty(&e, bm, IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), 0);
	CHECK(!bit(bm, 1));
	iommu_flush_iotlb_all(iommufd_hwpt_domain(e.ictx, e.hwpt));
	dma(&e, 1, true);
	CHECK_EQ(get_dirty(&e, bm, 0), 0);
	REQUIRE(bits(bm, got, 8) == 1);
	CHECK_EQ(got[0], 1);

	/* Tracking off and on again: a clean snapshot. */
	dma(&e, 2, true);
	set.flags = 0;
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_SET_DIRTY_TRACKING, &set), 0);
	set.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	CHECK_EQ(IOCTL(&e, IOMMU_HWPT_SET_DIRTY_TRACKING, &set), 0);
	CHECK_EQ(get_dirty(&e, bm, 0), 0);
	CHECK_EQ(bits(bm, got, 8), 0);
	CHECK_EQ(m_drain_events(&e.tb), 0);

	CHECK_EQ(iommufd_device_detach_pt(e.ictx, e.dev_id), 0);
	env_fini(&e);
}

int main(void)
{
	test_no_httu();
	test_dirty_dma();
	return test_done();
}
