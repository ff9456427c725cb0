// SPDX-License-Identifier: MIT
/*
 * io-pgtable and walker hot paths: the 4K and 2M map+unmap pairs a DMA
 * mapping costs, iova_to_phys, a bulk 1 GiB map in 4K pages, and one
 * 4-level hardware walk (what an SMMU TLB miss costs).
 */
#include "bench/bench.h"
#include "hw/vmsa-walk.h"
#include "kernel/io-pgtable.h"

#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	(256ULL << 20)
#define SZ_4K		0x1000UL
#define SZ_2M		0x200000UL
#define SZ_1G		0x40000000UL

struct ctx {
	struct io_pgtable_ops *ops;
	struct iommu_iotlb_gather gather;
	struct vmsa_walk_cfg w;
	unsigned long base;
	u64 sink;
};

/* What a driver's add_page does at least: grow the gathered range. */
static void add_page(struct iommu_iotlb_gather *g, unsigned long iova,
		     size_t granule, void *cookie)
{
	(void)cookie;
	if (iova < g->start)
		g->start = iova;
	if (iova + granule - 1 > g->end)
		g->end = iova + granule - 1;
	g->pgsize = granule;
}

static void flush_walk(unsigned long iova, size_t size, size_t granule,
		       void *cookie)
{
	(void)iova;
	(void)size;
	(void)granule;
	(void)cookie;
}

static void flush_all(void *cookie)
{
	(void)cookie;
}

static const struct iommu_flush_ops tlb = {
	.tlb_flush_all = flush_all,
	.tlb_flush_walk = flush_walk,
	.tlb_add_page = add_page,
};

static void pair_4k(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 511) * SZ_4K;
	size_t mapped = 0;

	c->ops->map_pages(c->ops, iova, 0x80000000, SZ_4K, 1,
			  IOMMU_READ | IOMMU_WRITE, &mapped);
	c->sink += c->ops->unmap_pages(c->ops, iova, SZ_4K, 1, &c->gather);
}

static void pair_2m(void *p, uint64_t i)
{
	struct ctx *c = p;
	unsigned long iova = c->base + (i & 511) * SZ_2M;
	size_t mapped = 0;

	c->ops->map_pages(c->ops, iova, 0x80000000, SZ_2M, 1,
			  IOMMU_READ | IOMMU_WRITE, &mapped);
	c->sink += c->ops->unmap_pages(c->ops, iova, SZ_2M, 1, &c->gather);
}

static void lookup(void *p, uint64_t i)
{
	struct ctx *c = p;

	c->sink += c->ops->iova_to_phys(c->ops, c->base + ((i * 7) & 511) * SZ_4K + 8);
}

static void walk(void *p, uint64_t i)
{
	struct ctx *c = p;
	struct vmsa_walk_result r;
	struct vmsa_fault f;

	if (!vmsa_walk(&c->w, c->base + ((i * 7) & 511) * SZ_4K + 8, &r, &f))
		c->sink += r.oa;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G, .ias = 48, .oas = 48,
		.coherent_walk = true, .tlb = &tlb,
	};
	struct kernel *k;
	struct ctx c = { 0 };
	u64 t[5];
	size_t mapped;

	if (!mem || phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram"))
		return 1;
	k = kernel_create("bench", mem, RAM_BASE, RAM_SIZE);
	if (!k)
		return 1;
	cfg.k = k;
	c.ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL);
	if (!c.ops)
		return 1;
	iommu_iotlb_gather_init(&c.gather);

	/* Tables for the 4K window exist, as in a steady-state DMA domain. */
	c.base = 0x7f1234000000UL;
	mapped = 0;
	c.ops->map_pages(c.ops, c.base, 0x80000000, SZ_4K, 1, IOMMU_READ, &mapped);
	c.ops->unmap_pages(c.ops, c.base, SZ_4K, 1, &c.gather);
	bench_print("io_pgtable_map_unmap_4k_pair", "ns/op",
		    bench_measure(pair_4k, &c, 100000));

	c.base = 0x7f0000000000UL;
	bench_print("io_pgtable_map_unmap_2m_pair", "ns/op",
		    bench_measure(pair_2m, &c, 20000));

	c.base = 0x10000000UL;
	mapped = 0;
	c.ops->map_pages(c.ops, c.base, 0x80000000, SZ_4K, 512, IOMMU_READ, &mapped);
	bench_print("io_pgtable_iova_to_phys", "ns/op",
		    bench_measure(lookup, &c, 200000));

	c.w = (struct vmsa_walk_cfg){
		.stage = 1, .granule_shift = 12, .ia_bits = 48, .oa_bits = 48,
		.start_level = 0, .ttb = cfg.arm_lpae_s1_cfg.ttbr,
		.fetch = vmsa_fetch_ram, .opaque = mem,
	};
	bench_print("vmsa_walk_4level_4k", "ns/op", bench_measure(walk, &c, 200000));

	/* 1 GiB in 4K pages, one call; tables allocated and freed each time. */
	for (int rep = 0; rep < 5; rep++) {
		unsigned long iova = 0x40000000000UL;
		u64 t0;

		mapped = 0;
		t0 = bench_now_ns();
		c.ops->map_pages(c.ops, iova, 0x100000000ULL, SZ_4K, SZ_1G / SZ_4K,
				 IOMMU_READ | IOMMU_WRITE, &mapped);
		t[rep] = bench_now_ns() - t0;
		if (mapped != SZ_1G)
			return 1;
		c.ops->unmap_pages(c.ops, iova, SZ_1G, 1, &c.gather);
	}
	qsort(t, 5, sizeof(t[0]), cmp_u64);
	bench_print_value("io_pgtable_map_1g_in_4k_total", "ms", (double)t[2] / 1e6);
	bench_print_value("io_pgtable_map_1g_in_4k_per_page", "ns/page",
			  (double)t[2] / (double)(SZ_1G / SZ_4K));

	free_io_pgtable_ops(c.ops);
	kernel_destroy(k);
	phys_mem_destroy(mem);
	return c.sink == 42 ? 2 : 0;
}
