// SPDX-License-Identifier: MIT
/*
 * The IOMMU core's hot paths over the mock driver and io-pgtable: the
 * iommu_map()+iommu_unmap() pairs a DMA mapping costs (4K, 2M, and a 2M+4K
 * request the core splits), iommu_iova_to_phys(), and switching a group
 * between two domains with iommu_group_replace_domain().  Compare with
 * bench/io_pgtable to see what the core adds over the format.
 */
#include "bench/bench.h"
#include "kernel/drivers/mock-iommu.h"

#define SZ_4K	0x1000UL
#define SZ_2M	0x200000UL
#define RW	(IOMMU_READ | IOMMU_WRITE)

struct ctx {
	struct iommu_domain *dom, *other;
	struct device *dev;
	unsigned long base;
	u64 sink;
};

static void pair_4k(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 511) * SZ_4K;

	c->sink += (u64)iommu_map(c->dom, iova, 0x48000000 + (i & 511) * SZ_4K,
				  SZ_4K, RW);
	c->sink += iommu_unmap(c->dom, iova, SZ_4K);
}

static void pair_2m(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 63) * SZ_2M;

	c->sink += (u64)iommu_map(c->dom, iova, 0x48000000, SZ_2M, RW);
	c->sink += iommu_unmap(c->dom, iova, SZ_2M);
}

static void pair_split(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 31) * 2 * SZ_2M;

	c->sink += (u64)iommu_map(c->dom, iova, 0x48000000, SZ_2M + SZ_4K, RW);
	c->sink += iommu_unmap(c->dom, iova, SZ_2M + SZ_4K);
}

static void lookup(void *p, uint64_t i)
{
	struct ctx *c = p;

	c->sink += iommu_iova_to_phys(c->dom, c->base + (i & 511) * SZ_4K + 8);
}

static void replace(void *p, uint64_t i)
{
	struct ctx *c = p;

	c->sink += (u64)iommu_group_replace_domain(c->dev->iommu_group,
						   (i & 1) ? c->dom : c->other);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct mock_iommu *m;
	struct kernel *k;
	struct ctx c = { .base = 0x100000000UL };

	if (!mem || phys_mem_add_ram(mem, 0x40000000, 256 << 20, "ram"))
		return 1;
	k = kernel_create("host", mem, 0x40000000, 256 << 20);
	m = k ? mock_iommu_create(k, "smmu") : NULL;
	c.dev = m ? mock_iommu_add_device(m, "dev", (u32[]){ 1 }, 1) : NULL;
	if (!c.dev)
		return 1;
	c.dom = iommu_paging_domain_alloc(c.dev);
	c.other = iommu_paging_domain_alloc(c.dev);
	if (IS_ERR(c.dom) || IS_ERR(c.other) || iommu_attach_device(c.dom, c.dev))
		return 1;

	bench_print("iommu_map_unmap_4k", "ns/op", bench_measure(pair_4k, &c, 4096));
	bench_print("iommu_map_unmap_2m", "ns/op", bench_measure(pair_2m, &c, 1024));
	bench_print("iommu_map_unmap_2m_4k_split", "ns/op",
		    bench_measure(pair_split, &c, 1024));
	for (unsigned long i = 0; i < 512; i++)
		iommu_map(c.dom, c.base + i * SZ_4K, 0x48000000 + i * SZ_4K,
			  SZ_4K, RW);
	bench_print("iommu_iova_to_phys", "ns/op", bench_measure(lookup, &c, 1 << 16));
	bench_print("iommu_group_replace_domain", "ns/op",
		    bench_measure(replace, &c, 4096));
	if (c.sink == 0x5a5a5a5a)
		puts("");

	iommu_group_replace_domain(c.dev->iommu_group, c.dom);
	iommu_detach_device(c.dom, c.dev);
	iommu_unmap(c.dom, c.base, 512 * SZ_4K);
	iommu_domain_free(c.dom);
	iommu_domain_free(c.other);
	device_destroy(c.dev);
	mock_iommu_destroy(m);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return 0;
}
