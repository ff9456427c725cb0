// SPDX-License-Identifier: MIT
/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP on arm-smmu-v3 over the SMMUv3 model with
 * HTTU, as a VMM's migration loop issues it: 2 MiB and 1 GiB of IOVA
 * mapped with 4K leaves (HUGE_PAGES off, the worst case: one leaf per
 * bit), read and cleared with nothing dirty, and read with NO_CLEAR while
 * 1/8 of the pages are dirty.  Also the cost of the first DMA write to a
 * clean page (the model's compare-and-swap of the leaf) against a write
 * that hits the TLB.
 */
#include "bench/bench.h"
#include "kernel/iommufd/iommufd.h"
#include "tests/arm-smmu-v3-machine.h"

#define SID	0x20
#define BUF	(2UL << 20)
#define IOVA	0x40000000UL

struct ctx {
	struct testbed tb;
	struct iommufd_ctx *ictx;
	u32 dev_id, ioas, hwpt;
	u64 length, flags;
	u64 *bm;
};

#define IOCTL(c, cmd, arg)	iommufd_ioctl((c)->ictx, (cmd), (unsigned long)(arg))

static void get_bitmap(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = c->hwpt, .flags = (u32)c->flags,
		.iova = IOVA, .length = c->length, .page_size = PAGE_SIZE,
		.data = (uintptr_t)c->bm,
	};

	(void)i;
	if (IOCTL(c, IOMMU_HWPT_GET_DIRTY_BITMAP, &g))
		abort();
}

static void dma_write(struct ctx *c, u64 iova)
{
	struct smmuv3_result res;

	if (smmuv3_translate(c->tb.hw, SID, SMMUV3_NO_SSID, iova, SMMUV3_WRITE,
			     &res))
		abort();
}

static void hit_write(void *p, uint64_t i)
{
	dma_write(p, IOVA + (i % 8) * PAGE_SIZE);
}

static void setup(struct ctx *c, u64 length)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_option opt = { .size = sizeof(opt),
		.option_id = IOMMU_OPTION_HUGE_PAGES, .op = IOMMU_OPTION_OP_SET };
	struct iommu_hwpt_set_dirty_tracking set = { .size = sizeof(set),
		.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE };
	struct iommu_hwpt_alloc h = { .size = sizeof(h),
		.flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING };
	struct smmuv3_config conf;
	struct device *dev;
	phys_addr_t pa;
	void *buf;
	u32 pt;

	smmuv3_config_default(&conf);
	conf.httu = 2;
	testbed_create(&c->tb, &conf);
	dev = m_add_sid(&c->tb, "vf", SID);
	c->ictx = iommufd_ctx_create(c->tb.k);
	if (!c->ictx || iommufd_device_bind(c->ictx, dev, &c->dev_id) ||
	    IOCTL(c, IOMMU_IOAS_ALLOC, &a))
		abort();
	c->ioas = opt.object_id = a.out_ioas_id;
	if (IOCTL(c, IOMMU_OPTION, &opt))
		abort();
	pa = kernel_alloc_pages(c->tb.k, BUF);
	buf = phys_to_virt(c->tb.k, pa, BUF);
	/* The same 2 MiB of memory at consecutive IOVAs: length mapped. */
	for (u64 off = 0; off < length; off += BUF) {
		struct iommu_ioas_map m = { .size = sizeof(m),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = c->ioas, .user_va = (uintptr_t)buf,
			.length = BUF, .iova = IOVA + off };

		if (IOCTL(c, IOMMU_IOAS_MAP, &m))
			abort();
	}
	h.dev_id = c->dev_id;
	h.pt_id = c->ioas;
	if (IOCTL(c, IOMMU_HWPT_ALLOC, &h))
		abort();
	c->hwpt = set.hwpt_id = pt = h.out_hwpt_id;
	if (iommufd_device_attach_pt(c->ictx, c->dev_id, &pt) ||
	    IOCTL(c, IOMMU_HWPT_SET_DIRTY_TRACKING, &set))
		abort();
	c->length = length;
	c->bm = calloc(length / PAGE_SIZE / 8 + 8, 1);
	if (!c->bm)
		abort();
}

int main(void)
{
	static const struct { u64 length; const char *clean, *dirty; unsigned n; } cases[] = {
		{ 2UL << 20, "iommufd_get_dirty_bitmap_2M_clean",
		  "iommufd_get_dirty_bitmap_2M_1of8_no_clear", 2000 },
		{ 1UL << 30, "iommufd_get_dirty_bitmap_1G_clean",
		  "iommufd_get_dirty_bitmap_1G_1of8_no_clear", 4 },
	};

	for (unsigned int k = 0; k < ARRAY_SIZE(cases); k++) {
		struct ctx c = { 0 };

		setup(&c, cases[k].length);
		c.flags = 0;
		bench_print(cases[k].clean, "ns/op",
			    bench_measure(get_bitmap, &c, cases[k].n));
		for (u64 off = 0; off < cases[k].length; off += 8 * PAGE_SIZE)
			dma_write(&c, IOVA + off);
		c.flags = IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
		bench_print(cases[k].dirty, "ns/op",
			    bench_measure(get_bitmap, &c, cases[k].n));
		if (k == 0) {
			c.flags = 0;
			/* Clean leaves, flushed TLB: each write walks and updates. */
			for (int rep = 0; rep < 3; rep++) {
				u64 t0;

				get_bitmap(&c, 0);
				iommu_flush_iotlb_all(iommufd_hwpt_domain(c.ictx, c.hwpt));
				t0 = bench_now_ns();
				for (u64 pg = 0; pg < BUF / PAGE_SIZE; pg++)
					dma_write(&c, IOVA + pg * PAGE_SIZE);
				if (rep == 2)
					bench_print_value("smmuv3_httu_first_write_walk",
							  "ns/op",
							  (double)(bench_now_ns() - t0) /
							  (double)(BUF / PAGE_SIZE));
			}
			bench_print("smmuv3_httu_write_tlb_hit", "ns/op",
				    bench_measure(hit_write, &c, 100000));
		}
		free(c.bm);
		iommufd_device_detach_pt(c.ictx, c.dev_id);
		iommufd_device_unbind(c.ictx, c.dev_id);
		iommufd_ctx_destroy(c.ictx);
	}
	return 0;
}
