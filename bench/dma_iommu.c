// SPDX-License-Identifier: MIT
/*
 * dma-iommu hot paths over the mock IOMMU (real io-pgtable tables in
 * machine memory, the mock's invalidation bookkeeping):
 *  - msi_prepare_compose: iommu_dma_prepare_msi() of a doorbell the domain
 *    has mapped already, then msi_msg_set_addr(): what every further vector
 *    of a device costs (group mutex, cookie mutex, page-list lookup);
 *  - dma_map_unmap_page_strict: iommu_dma_map_page + iommu_dma_unmap_page
 *    of one 4K buffer in a strict DMA domain (IOVA from the magazines, one
 *    leaf written and cleared, the TLB sync);
 *  - dma_map_unmap_page_lazy: the same in a DMA_FQ domain (the sync
 *    replaced by a flush-queue entry, drained by whole-domain flushes);
 *  - dma_map_unmap_sg_4: map_sg + unmap_sg of a 4-entry list, strict.
 */
#include "bench/bench.h"
#include "kernel/dma-iommu.h"
#include "kernel/drivers/irq-sw-its.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu-msi.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(256ull << 20)
#define DB		(0x2f020000ull + GITS_TRANSLATER)

struct ctx {
	struct device *dev;
	struct msi_desc *desc;
	phys_addr_t buf;
	struct scatterlist sg[4];
	u64 sink;
};

static void prepare_compose(void *arg, uint64_t i)
{
	struct ctx *c = arg;
	struct msi_msg msg;

	(void)i;
	if (iommu_dma_prepare_msi(c->desc, DB))
		abort();
	msi_msg_set_addr(c->desc, &msg, DB);
	c->sink += msg.address_lo;
}

static void map_unmap(void *arg, uint64_t i)
{
	struct ctx *c = arg;
	dma_addr_t a = iommu_dma_map_page(c->dev, c->buf, 4096, DMA_TO_DEVICE, 0);

	(void)i;
	if (a == DMA_MAPPING_ERROR)
		abort();
	iommu_dma_unmap_page(c->dev, a, 4096, DMA_TO_DEVICE, 0);
}

static void map_unmap_sg(void *arg, uint64_t i)
{
	struct ctx *c = arg;

	(void)i;
	if (iommu_dma_map_sg(c->dev, c->sg, 4, DMA_TO_DEVICE, 0) != 4)
		abort();
	iommu_dma_unmap_sg(c->dev, c->sg, 4, DMA_TO_DEVICE, 0);
}

static int get_dev_id(struct device *dev, void *data, u32 *id)
{
	(void)dev;
	(void)data;
	*id = 1;
	return 0;
}

static const struct msi_domain_ops msi_ops = { .get_dev_id = get_dev_id };

static void run(bool lazy)
{
	struct phys_mem *mem = phys_mem_create();
	struct irq_domain *its, *msi = NULL;
	struct mock_iommu *m;
	struct kernel *k;
	struct ctx c = { 0 };
	u32 sid = 1;

	if (!mem || phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram"))
		abort();
	k = kernel_create("bench", mem, RAM_BASE, RAM_SIZE);
	if (!k)
		abort();
	iommu_set_dma_strict(k, !lazy);
	m = mock_iommu_create(k, "smmu");
	mock_iommu_set_deferred_flush(m, lazy);
	c.dev = mock_iommu_add_device(m, "ep", &sid, 1);
	c.buf = kernel_alloc_pages(k, 16 * 4096);
	if (!c.dev || !c.buf)
		abort();
	if (lazy) {
		bench_print("dma_map_unmap_page_lazy", "ns/op",
			    bench_measure(map_unmap, &c, 20000));
	} else {
		its = sw_its_create(k, "its", DB, 64);
		msi = msi_create_irq_domain(k, "msi", &msi_ops, NULL, its);
		if (!msi || msi_domain_alloc_irqs(msi, c.dev, 1))
			abort();
		c.desc = msi_get_desc(msi, c.dev, 0);
		/* The doorbell really is translated (else prepare is a no-op). */
		if (!c.desc || !c.desc->iommu_msi_shift)
			abort();
		bench_print("msi_prepare_compose", "ns/op",
			    bench_measure(prepare_compose, &c, 20000));
		bench_print("dma_map_unmap_page_strict", "ns/op",
			    bench_measure(map_unmap, &c, 20000));
		for (int i = 0; i < 4; i++)
			c.sg[i] = (struct scatterlist){ .phys = c.buf + i * 0x3000 + 0x80,
							.length = 0x1800 };
		bench_print("dma_map_unmap_sg_4", "ns/op",
			    bench_measure(map_unmap_sg, &c, 5000));
		msi_domain_free_irqs(msi, c.dev);
		irq_domain_remove(msi);
		sw_its_destroy(its);
	}
	kernel_free_pages(k, c.buf, 16 * 4096);
	device_destroy(c.dev);
	mock_iommu_destroy(m);
	kernel_destroy(k);
	phys_mem_destroy(mem);
}

int main(void)
{
	run(false);
	run(true);
	return 0;
}
