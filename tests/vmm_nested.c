/*
 * Nesting for real: a host kernel on the board, a VMM whose guest RAM is
 * host memory mapped as stage 2 of a nest parent, and a guest kernel (the
 * same code, a second instance) whose arm-smmu-v3 driver programs a
 * virtual SMMU and whose endpoint driver maps DMA and requests an MSI.
 * The physical endpoint's writes walk the guest's stage 1 (tables in guest
 * RAM, at IPAs) and the host's stage 2 in the physical SMMU model:
 *
 *  - the guest's CFGI_STE became a nested HWPT carrying its STE;
 *  - the DMA lands in the host page behind the guest's buffer;
 *  - the MSI, composed against the vITS doorbell 0x08090040, reaches the
 *    physical ITS through the doorbell the host put in stage 2 at that
 *    IPA, and pends the LPI the host mapped for (DeviceID, EventID);
 *  - a guest unmap is a guest TLBI the host runs: the device faults, the
 *    event reaches the guest's driver with the guest's StreamID;
 *  - what the host refuses, or a guest gets wrong, is an error, not a crash.
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/platform.h"
#include "tests/test.h"
#include "vmm/vmm.h"

#define HOST_RID	0x10
#define VSID		0x8

struct rig {
	struct machine *m;
	struct platform *host;
	struct ep_device *hep;
	struct vmm_backend *be;
	struct vmm *vmm;
	struct platform *guest;
	struct ep_device *gep;
	u32 dev;
};

static void rig_host(struct rig *r)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct machine_config mc;
	struct machine_ep_config ep = { HOST_RID, 4, true };

	memset(r, 0, sizeof(*r));
	machine_config_default(&mc);
	r->m = machine_create(&mc);
	REQUIRE(r->m);
	REQUIRE(machine_add_endpoint(r->m, &ep) == 0);
	r->host = platform_boot(r->m, &pc);
	REQUIRE(!IS_ERR(r->host));
	r->hep = platform_add_ep(r->host, 0, "ep0");
	REQUIRE(!IS_ERR(r->hep));
	r->be = vmm_kbackend_create(r->host);
	REQUIRE(r->be);
	REQUIRE(vmm_kbackend_bind(r->be, r->hep, &r->dev) == 0);
}

static void print_line(void *opaque, const char *line)
{
	(void)opaque;
	printf("vmm: %s\n", line);
}

static void rig_up(struct rig *r)
{
	rig_host(r);
	r->vmm = vmm_create(r->be, 16 << 20);
	REQUIRE(!IS_ERR(r->vmm));
	if (getenv("VMM_TRACE"))
		vmm_set_trace(r->vmm, print_line, NULL);
	REQUIRE(vmm_assign(r->vmm, r->dev, VSID) == 0);
	r->guest = vmm_boot_guest(r->vmm);
	REQUIRE(!IS_ERR(r->guest));
	r->gep = platform_add_ep(r->guest, 0, "gep0");
	REQUIRE(!IS_ERR(r->gep));
}

static void rig_down(struct rig *r)
{
	if (r->vmm)
		vmm_destroy(r->vmm);
	vmm_kbackend_destroy(r->be);
	platform_shutdown(r->host);
	machine_destroy(r->m);
}

/* Guest RAM for a buffer, filled with seed. */
static phys_addr_t guest_buf(struct rig *r, u8 seed)
{
	struct kernel *gk = platform_kernel(r->guest);
	phys_addr_t gpa = kernel_alloc_pages(gk, 4096);

	REQUIRE(gpa);
	memset(phys_to_virt(gk, gpa, 4096), seed, 4096);
	return gpa;
}

/* Where the physical SMMU sends the device's access to iova. */
static void *host_page_of(struct rig *r, dma_addr_t iova)
{
	struct smmuv3_result res;

	if (smmuv3_translate(machine_smmu(r->m), HOST_RID, SMMUV3_NO_SSID, iova,
			     SMMUV3_READ, &res))
		return NULL;
	return phys_ram_ptr(machine_mem(r->m), res.addr, 1);
}

static void test_dma_and_msi(void)
{
	struct arm_smmu_event evt;
	struct vmm_stats st;
	phys_addr_t src, dst;
	dma_addr_t s, d;
	struct msi_msg gmsg;
	unsigned int cpu;
	struct rig r;
	u32 lpi;

	rig_up(&r);
	/* The guest driver's STE is a nested HWPT on the host. */
	vmm_get_stats(r.vmm, &st);
	CHECK(st.ste_traps > 0);
	CHECK(st.hwpt_allocs > 0);
	CHECK_EQ(st.hwpt_errors, 0);
	CHECK(vmm_vdev_hwpt(r.vmm, VSID) != 0);
	CHECK_EQ(iommu_get_domain_for_dev(&r.hep->dev)->type, IOMMU_DOMAIN_NESTED);
	CHECK(iommu_is_dma_domain(iommu_get_domain_for_dev(&r.gep->dev)));

	/* DMA: guest IOVAs through guest S1 and host S2 to host pages. */
	src = guest_buf(&r, 0x5a);
	dst = guest_buf(&r, 0);
	s = ep_dma_map(r.gep, src, 4096, DMA_TO_DEVICE);
	d = ep_dma_map(r.gep, dst, 4096, DMA_FROM_DEVICE);
	REQUIRE(s != DMA_MAPPING_ERROR && d != DMA_MAPPING_ERROR);
	CHECK(s != src && d != dst);	/* IOVAs, not guest-physical */
	CHECK_EQ(ep_start_dma(r.gep, d, s, 4096), 0);
	CHECK_EQ(((u8 *)vmm_gpa_to_hva(r.vmm, dst, 4096))[4095], 0x5a);
	CHECK(host_page_of(&r, d) == vmm_gpa_to_hva(r.vmm, dst, 1));
	CHECK(host_page_of(&r, s + 100) == vmm_gpa_to_hva(r.vmm, src + 100, 1));

	/* MSI: composed against the vITS doorbell, mapped by guest S1. */
	CHECK_EQ(ep_request_msi(r.gep, 1), 0);
	REQUIRE(ep_msi_msg(r.gep, 0, &gmsg) == 0);
	CHECK(msi_msg_addr(&gmsg) != VMM_GUEST_DOORBELL);	/* a guest IOVA */
	CHECK_EQ(iommu_iova_to_phys(iommu_get_domain_for_dev(&r.gep->dev),
				    msi_msg_addr(&gmsg)), VMM_GUEST_DOORBELL);
	/* The host's vectors for the physical device. */
	REQUIRE(r.hep->nvec > 0);
	REQUIRE(ep_msi_lpi(r.hep, 0, &lpi, &cpu) == 0);
	CHECK(!machine_lpi_pending(r.m, cpu, lpi));
	CHECK_EQ(ep_trigger_msi(r.gep, 0), 0);
	CHECK(machine_lpi_pending(r.m, cpu, lpi));
	CHECK_EQ(machine_lpi_ack(r.m, cpu), lpi);
	vmm_get_stats(r.vmm, &st);
	CHECK_EQ(st.msi_enables, 1);

	/* A guest unmap is a guest TLBI the host runs: the device faults
	 * and the guest's driver hears of it under its own StreamID. */
	ep_dma_unmap(r.gep, s, 4096, DMA_TO_DEVICE);
	CHECK_EQ(ep_start_dma(r.gep, d, s, 64), -EFAULT);
	while (platform_pop_event(r.host, &evt) == 0)
		;
	CHECK_EQ(vmm_poll_events(r.vmm), 1);
	REQUIRE(platform_pop_event(r.guest, &evt) == 0);
	CHECK_EQ(evt.id, 0x10);		/* F_TRANSLATION */
	CHECK_EQ(evt.sid, VSID);
	CHECK(evt.dev == &r.gep->dev);
	CHECK_EQ(evt.iova, s);
	CHECK(!evt.s2);
	CHECK_EQ(vmm_poll_events(r.vmm), 0);

	ep_dma_unmap(r.gep, d, 4096, DMA_FROM_DEVICE);
	ep_free_msi(r.gep);
	kernel_free_pages(platform_kernel(r.guest), src, 4096);
	kernel_free_pages(platform_kernel(r.guest), dst, 4096);
	rig_down(&r);
}

int main(void)
{
	test_dma_and_msi();
	return test_done();
}
