/*
 * End-to-end cost on the machine (hw/machine.h): an endpoint's 4K DMA
 * through the SMMUv3 with TLB hits (the target: >= 2 GB/s), the
 * same with the SMMU bypassing, and an MSI from the endpoint through the
 * SMMU to GITS_TRANSLATER up to a pending LPI (acknowledged each time).
 * The SMMU is programmed as tests/machine.c programs it, the ITS by the
 * kernel's gic-its driver through the board file.
 */
#include "bench/bench.h"
#include "kernel/platform.h"
#include "tests/machine-board.h"

#define IOVA		0x100000ULL
#define DMA_PA		0x48200000ULL
#define KERNEL_RAM	0x60000000ULL

struct ctx {
	struct board b;
	struct endpoint *ep;
	dma_addr_t addr;
	u8 buf[4096];
	struct ep_device *epd;
	unsigned int cpu;
	u32 lpi;
};

static void dma_write_4k(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (endpoint_dma_write(c->ep, c->addr, c->buf, sizeof(c->buf)))
		abort();
}

static void dma_read_4k(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (endpoint_dma_read(c->ep, c->addr, c->buf, sizeof(c->buf)))
		abort();
}

static void msi_to_lpi(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (endpoint_msi_fire(c->ep, 0) ||
	    machine_lpi_ack(c->b.m, c->cpu) != c->lpi)
		abort();
}

static void msi_bar_to_lpi(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (ep_trigger_msi(c->epd, 0) ||
	    machine_lpi_ack(c->b.m, c->cpu) != c->lpi)
		abort();
}

static void print_gbps(const char *name, struct bench_result r)
{
	bench_print(name, "ns/op", r);
	bench_print_value(name, "GB/s", 4096.0 / r.median);
}

int main(void)
{
	struct platform_config pc = {
		.iommu = PLATFORM_IOMMU_NONE,
		.ram_base = KERNEL_RAM, .ram_size = 64ULL << 20,
	};
	struct platform *p;
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt pt;

	REQUIRE(c);
	board_create(&c->b);
	p = platform_boot(c->b.m, &pc);
	REQUIRE(!IS_ERR(p));
	board_enable_smmu(&c->b);
	board_s1(&c->b, &pt);
	board_ste(&c->b, SID_BYPASS, STE_CFG_BYPASS, true);
	pt_map(&pt, IOVA, DMA_PA, 3, PT_AF | PT_S1_RW);
	memset(c->buf, 0x5a, sizeof(c->buf));

	c->ep = machine_endpoint(c->b.m, EP_S1);
	c->addr = IOVA;
	print_gbps("e2e_dma_write_4k_smmu_s1_tlb_hit", bench_measure(dma_write_4k, c, 2000));
	print_gbps("e2e_dma_read_4k_smmu_s1_tlb_hit", bench_measure(dma_read_4k, c, 2000));
	c->ep = machine_endpoint(c->b.m, EP_BYPASS);
	c->addr = DMA_PA;
	print_gbps("e2e_dma_write_4k_smmu_bypass", bench_measure(dma_write_4k, c, 2000));
	c->ep = machine_endpoint(c->b.m, EP_DIRECT);
	print_gbps("e2e_dma_write_4k_no_smmu", bench_measure(dma_write_4k, c, 2000));

	/* MSI: the ITS page at an IOVA in SID_S1's stage 1, as dma-iommu maps it. */
	c->epd = platform_add_ep(p, EP_S1, NULL);
	REQUIRE(!IS_ERR(c->epd) && !ep_request_msi(c->epd, 1));
	pt_map(&pt, 0x8000000, MACHINE_ITS_BASE + 0x10000, 3, PT_AF | PT_S1_RW);
	REQUIRE(!phys_write_val(c->b.r.mem, c->epd->bar + EP_MSI_ADDR, 4,
				0x8000000 | (GITS_TRANSLATER & 0xfff), MEM_ATTRS_NONE));
	REQUIRE(!ep_msi_lpi(c->epd, 0, &c->lpi, &c->cpu));
	c->ep = machine_endpoint(c->b.m, EP_S1);
	bench_print("e2e_msi_smmu_s1_to_lpi", "ns/op", bench_measure(msi_to_lpi, c, 2000));
	bench_print("e2e_msi_bar_trigger_smmu_s1_to_lpi", "ns/op",
		    bench_measure(msi_bar_to_lpi, c, 2000));

	platform_shutdown(p);
	machine_destroy(c->b.m);
	free(c);
	return 0;
}
