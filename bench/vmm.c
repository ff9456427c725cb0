// SPDX-License-Identifier: MIT
/*
 * The nested path's cost, once set up: a host on the board, the VMM, a
 * guest whose endpoint driver mapped a buffer and requested an MSI.
 *
 *  - vmm_msi_guest_trigger_to_pending_lpi: the guest driver signals its
 *    vector through its BAR (ep_trigger_msi: the VMM's BAR passthrough,
 *    the physical endpoint's MSI write walking guest stage 1 and host
 *    stage 2 in the SMMU model, GITS_TRANSLATER, the LPI pending), then
 *    a GICR_CLRLPIR write clears it.  The target: < 5 us.
 *  - vmm_msi_guest_trigger_to_guest_lpi_via_irqfd: the same, then the
 *    VMM's vmm_poll_irqs (host LPI consumed, the guest's IOVA translated
 *    by the vSMMU, the vITS write) and the guest LPI acknowledged.
 *  - vmm_msi_device_fire_to_pending_lpi: the device's write alone.
 *  - vmm_dma_write_4k_nested: a 4K device write at a guest IOVA.
 *  - vmm_guest_tlbi_via_viommu: one guest TLBI_NH_ALL as the VMM passes
 *    it on (IOMMU_HWPT_INVALIDATE on the vIOMMU, the driver's rewrite,
 *    the SMMU's command queue and CMD_SYNC).
 *  - vmm_guest_dma_then_tlbi_via_viommu: a 4K DMA (which leaves the
 *    guest's translation in the TLB), then that TLBI, which must find it.
 *
 * The VMM runs over the host's iommufd (vmm/backend-iommufd.c).
 */
#include <string.h>

#include "bench/bench.h"
#include "hw/its/its.h"
#include "kernel/platform.h"
#include "tests/test.h"
#include "vmm/vmm.h"

struct ctx {
	struct machine *m;
	struct endpoint *ep;
	struct ep_device *gep;
	struct vmm *vmm;
	unsigned int gcpu;
	u32 glpi;
	phys_addr_t clr;
	unsigned int cpu;
	u32 lpi;
	dma_addr_t iova;
	struct vmm_backend *be;
	u32 hwpt;
	u8 buf[4096];
};

static void clear(struct ctx *c)
{
	if (!machine_lpi_pending(c->m, c->cpu, c->lpi) ||
	    phys_write_val(machine_mem(c->m), c->clr, 8, c->lpi, MEM_ATTRS_NONE))
		abort();
}

static void guest_trigger(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (ep_trigger_msi(c->gep, 0))
		abort();
	clear(c);
}

/* ... and on to the guest: the VMM's irqfd pass pends the vITS LPI. */
static void guest_trigger_to_guest_lpi(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (ep_trigger_msi(c->gep, 0) || vmm_poll_irqs(c->vmm) != 1 ||
	    its_lpi_ack(vmm_vits(c->vmm), c->gcpu) != c->glpi)
		abort();
}

static void device_fire(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (endpoint_msi_fire(c->ep, 0))
		abort();
	clear(c);
}

static void dma_write_4k(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;

	(void)i;
	if (endpoint_dma_write(c->ep, c->iova, c->buf, sizeof(c->buf)))
		abort();
}

static void guest_tlbi(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;
	const u64 cmd[1][2] = { { 0x10 /* TLBI_NH_ALL */, 0 } };
	u32 n = 1;

	(void)i;
	if (c->be->ops->invalidate(c->be, c->hwpt, cmd, &n) || n != 1)
		abort();
}

/* The same with the guest's translation in the TLB to remove: a DMA first. */
static void guest_dma_then_tlbi(void *opaque, uint64_t i)
{
	dma_write_4k(opaque, i);
	guest_tlbi(opaque, i);
}

int main(void)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct machine_ep_config epc = { 0x10, 1, true };
	struct ctx *c = calloc(1, sizeof(*c));
	struct platform *host, *guest;
	struct machine_config mc;
	struct vmm_backend *be;
	struct ep_device *hep;
	struct bench_result r;
	struct vmm *vmm;
	phys_addr_t gpa;
	u32 dev;

	REQUIRE(c);
	machine_config_default(&mc);
	c->m = machine_create(&mc);
	REQUIRE(c->m && machine_add_endpoint(c->m, &epc) == 0);
	c->ep = machine_endpoint(c->m, 0);
	host = platform_boot(c->m, &pc);
	REQUIRE(!IS_ERR(host));
	hep = platform_add_ep(host, 0, "ep0");
	REQUIRE(!IS_ERR(hep));
	be = vmm_ibackend_create(host);
	REQUIRE(be && vmm_ibackend_bind(be, hep, &dev) == 0);
	vmm = vmm_create(be, 16 << 20);
	REQUIRE(!IS_ERR(vmm) && vmm_assign(vmm, dev, 0x8) == 0);
	guest = vmm_boot_guest(vmm);
	REQUIRE(!IS_ERR(guest));
	c->gep = platform_add_ep(guest, 0, "gep0");
	REQUIRE(!IS_ERR(c->gep));

	gpa = kernel_alloc_pages(platform_kernel(guest), 4096);
	REQUIRE(gpa);
	c->iova = ep_dma_map(c->gep, gpa, 4096, DMA_FROM_DEVICE);
	REQUIRE(c->iova != DMA_MAPPING_ERROR);
	REQUIRE(ep_request_msi(c->gep, 1) == 0);
	REQUIRE(ep_msi_lpi(hep, 0, &c->lpi, &c->cpu) == 0);
	c->clr = machine_get_config(c->m)->gicr_base +
		 c->cpu * GICR_FRAME_SIZE + GICR_CLRLPIR;
	memset(c->buf, 0x5a, sizeof(c->buf));

	r = bench_measure(guest_trigger, c, 2000);
	bench_print("vmm_msi_guest_trigger_to_pending_lpi", "ns/op", r);
	c->vmm = vmm;
	REQUIRE(ep_msi_lpi(c->gep, 0, &c->glpi, &c->gcpu) == 0);
	bench_print("vmm_msi_guest_trigger_to_guest_lpi_via_irqfd", "ns/op",
		    bench_measure(guest_trigger_to_guest_lpi, c, 2000));
	bench_print("vmm_msi_device_fire_to_pending_lpi", "ns/op",
		    bench_measure(device_fire, c, 2000));
	r = bench_measure(dma_write_4k, c, 2000);
	bench_print("vmm_dma_write_4k_nested", "ns/op", r);
	bench_print_value("vmm_dma_write_4k_nested_throughput", "GB/s", 4096.0 / r.median);

	c->be = be;
	c->hwpt = vmm_vdev_hwpt(vmm, 0x8);
	REQUIRE(c->hwpt);
	bench_print("vmm_guest_tlbi_via_viommu", "ns/op",
		    bench_measure(guest_tlbi, c, 200));
	bench_print("vmm_guest_dma_then_tlbi_via_viommu", "ns/op",
		    bench_measure(guest_dma_then_tlbi, c, 200));

	ep_free_msi(c->gep);
	ep_dma_unmap(c->gep, c->iova, 4096, DMA_FROM_DEVICE);
	kernel_free_pages(platform_kernel(guest), gpa, 4096);
	vmm_destroy(vmm);
	vmm_ibackend_destroy(be);
	platform_shutdown(host);
	machine_destroy(c->m);
	free(c);
	return 0;
}
