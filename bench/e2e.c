// SPDX-License-Identifier: MIT
/*
 * End-to-end cost on the machine (hw/machine.h) with a host kernel booted
 * by the board file and the arm-smmu-v3 driver programming the SMMU:
 *
 *  - an endpoint's 4K DMA write and read at an IOVA dma-iommu mapped, all
 *    TLB hits after the first (the target: >= 2 GB/s); the same
 *    with the device in IDENTITY (STE bypass) and with no SMMU at all;
 *  - the endpoint's DMA engine started through its BAR (4K copy: read +
 *    write, both translated);
 *  - an MSI from the endpoint in a DMA domain: translated by the SMMU to
 *    GITS_TRANSLATER, turned into a pending LPI, then cleared either by a
 *    GICR_CLRLPIR write or by an acknowledge (its_lpi_ack, which picks
 *    the highest priority among the pending LPIs).
 */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "kernel/platform.h"
#include "tests/test.h"

enum { EP_DMA, EP_DIRECT, NR };

struct ctx {
	struct machine *m;
	struct endpoint *ep;
	struct ep_device *epd;
	dma_addr_t addr, src;
	u8 buf[4096];
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

static void dma_bar_copy_4k(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (ep_start_dma(c->epd, c->addr, c->src, 4096))
		abort();
}

static void msi_to_lpi(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (endpoint_msi_fire(c->ep, 0) || machine_lpi_ack(c->m, c->cpu) != c->lpi)
		abort();
}

/* Pended, then cleared with GICR_CLRLPIR (a CPU's write, no priority scan). */
static void msi_to_pending(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;
	phys_addr_t clr = machine_get_config(c->m)->gicr_base +
			  c->cpu * GICR_FRAME_SIZE + GICR_CLRLPIR;

	(void)i;
	if (endpoint_msi_fire(c->ep, 0) || !machine_lpi_pending(c->m, c->cpu, c->lpi) ||
	    phys_write_val(machine_mem(c->m), clr, 8, c->lpi, MEM_ATTRS_NONE))
		abort();
}

static void msi_bar_to_lpi(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (ep_trigger_msi(c->epd, 0) || machine_lpi_ack(c->m, c->cpu) != c->lpi)
		abort();
}

/* A figure and its throughput, each under its own name (bench/run.sh). */
static void print_gbps(const char *name, struct bench_result r)
{
	char tput[128];

	bench_print(name, "ns/op", r);
	snprintf(tput, sizeof(tput), "%s_throughput", name);
	bench_print_value(tput, "GB/s", 4096.0 / r.median);
}

/* A machine with one endpoint behind the SMMU and one without, booted. */
static struct platform *boot(struct ctx *c, bool passthrough)
{
	struct platform_config pc = {
		.iommu = PLATFORM_IOMMU_SMMUV3, .passthrough = passthrough,
	};
	struct machine_config mc;
	struct platform *p;

	machine_config_default(&mc);
	mc.ram_size = 64ULL << 20;
	mc.nr_endpoints = NR;
	mc.ep[EP_DMA] = (struct machine_ep_config){ 0x10, 1, true };
	mc.ep[EP_DIRECT] = (struct machine_ep_config){ 0x20, 1, false };
	c->m = machine_create(&mc);
	REQUIRE(c->m);
	p = platform_boot(c->m, &pc);
	REQUIRE(!IS_ERR(p));
	c->epd = platform_add_ep(p, EP_DMA, NULL);
	REQUIRE(!IS_ERR(c->epd));
	c->ep = machine_endpoint(c->m, EP_DMA);
	return p;
}

static void shutdown(struct ctx *c, struct platform *p)
{
	platform_shutdown(p);
	machine_destroy(c->m);
}

int main(void)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct platform *p;
	phys_addr_t buf, src;

	REQUIRE(c);
	memset(c->buf, 0x5a, sizeof(c->buf));

	/* DMA domain (stage 1, dma-iommu's IOVAs). */
	p = boot(c, false);
	buf = kernel_alloc_pages(platform_kernel(p), 4096);
	src = kernel_alloc_pages(platform_kernel(p), 4096);
	REQUIRE(buf && src);
	c->addr = ep_dma_map(c->epd, buf, 4096, DMA_BIDIRECTIONAL);
	c->src = ep_dma_map(c->epd, src, 4096, DMA_TO_DEVICE);
	REQUIRE(c->addr != DMA_MAPPING_ERROR && c->src != DMA_MAPPING_ERROR);
	print_gbps("e2e_dma_write_4k_smmu_dma_domain", bench_measure(dma_write_4k, c, 2000));
	print_gbps("e2e_dma_read_4k_smmu_dma_domain", bench_measure(dma_read_4k, c, 2000));
	print_gbps("e2e_dma_bar_copy_4k_smmu_dma_domain",
		   bench_measure(dma_bar_copy_4k, c, 2000));
	/* MSI through the SMMU (the ITS page mapped by dma-iommu). */
	REQUIRE(!ep_request_msi(c->epd, 1));
	REQUIRE(!ep_msi_lpi(c->epd, 0, &c->lpi, &c->cpu));
	bench_print("e2e_msi_smmu_dma_domain_to_pending_lpi", "ns/op",
		    bench_measure(msi_to_pending, c, 2000));
	bench_print("e2e_msi_smmu_dma_domain_to_lpi_ack", "ns/op",
		    bench_measure(msi_to_lpi, c, 2000));
	bench_print("e2e_msi_bar_trigger_smmu_dma_domain_to_lpi", "ns/op",
		    bench_measure(msi_bar_to_lpi, c, 2000));
	/* No SMMU on the path. */
	ep_free_msi(c->epd);
	ep_dma_unmap(c->epd, c->addr, 4096, DMA_BIDIRECTIONAL);
	ep_dma_unmap(c->epd, c->src, 4096, DMA_TO_DEVICE);
	c->ep = machine_endpoint(c->m, EP_DIRECT);
	c->addr = buf;
	print_gbps("e2e_dma_write_4k_no_smmu", bench_measure(dma_write_4k, c, 2000));
	REQUIRE(!kernel_free_pages(platform_kernel(p), buf, 4096));
	REQUIRE(!kernel_free_pages(platform_kernel(p), src, 4096));
	shutdown(c, p);

	/* IDENTITY: STE bypass. */
	p = boot(c, true);
	c->addr = kernel_alloc_pages(platform_kernel(p), 4096);
	REQUIRE(c->addr);
	print_gbps("e2e_dma_write_4k_smmu_identity", bench_measure(dma_write_4k, c, 2000));
	REQUIRE(!kernel_free_pages(platform_kernel(p), c->addr, 4096));
	shutdown(c, p);
	free(c);
	return 0;
}
