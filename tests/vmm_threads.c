// SPDX-License-Identifier: MIT
/*
 * The VMM under concurrency: while one thread has the device signal the
 * MSI the guest programmed and another has it fault at an unmapped guest IOVA, the VMM's
 * irqfd and event passes run in a third and the guest maps and unmaps DMA
 * (guest TLBIs through the vSMMU trap) in the main thread.  Nothing is
 * lost that the hardware would keep (a pending LPI coalesces, as on a
 * GIC), every event reaches the guest with its vSID, no deadlock (the
 * trap's vSMMU -> VMM lock order against the irqfd pass's).  Run over
 * both backends: the kernel API and the host's iommufd (whose vEVENTQ and
 * fault paths take their own locks).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "hw/its/its.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/platform.h"
#include "tests/test.h"
#include "vmm/vmm.h"

#define VSID	0x8
#define ROUNDS	300

struct ctx {
	struct machine *m;
	struct vmm *vmm;
	struct platform *guest;
	struct ep_device *gep;
	atomic_bool stop;
	atomic_ulong msis, faults, injected, events;
};

static void *msi_thread(void *opaque)
{
	struct ctx *c = opaque;

	/* The device raising its interrupt on its own (not through the BAR,
	 * whose one engine the main thread's DMA commands use). */
	for (int i = 0; i < ROUNDS; i++)
		if (endpoint_msi_fire(machine_endpoint(c->m, 0), 0) == 0)
			atomic_fetch_add(&c->msis, 1);
	return NULL;
}

static void *fault_thread(void *opaque)
{
	struct ctx *c = opaque;
	u8 b[8] = { 0 };

	/* Straight at the device: no guest driver lock taken. */
	for (int i = 0; i < ROUNDS / 3; i++)
		if (endpoint_dma_write(machine_endpoint(c->m, 0), 0x7000, b, 8))
			atomic_fetch_add(&c->faults, 1);
	return NULL;
}

static void *vmm_thread(void *opaque)
{
	struct ctx *c = opaque;

	while (!atomic_load(&c->stop)) {
		atomic_fetch_add(&c->injected, (unsigned long)vmm_poll_irqs(c->vmm));
		atomic_fetch_add(&c->events, (unsigned long)vmm_poll_events(c->vmm));
	}
	return NULL;
}

static struct vmm_backend *be_create(struct platform *host, bool iommufd)
{
	return iommufd ? vmm_ibackend_create(host) : vmm_kbackend_create(host);
}

static int be_bind(struct vmm_backend *be, bool iommufd, struct ep_device *hep,
		   u32 *dev)
{
	return iommufd ? vmm_ibackend_bind(be, hep, dev) :
			 vmm_kbackend_bind(be, hep, dev);
}

static void be_destroy(struct vmm_backend *be, bool iommufd)
{
	if (iommufd)
		vmm_ibackend_destroy(be);
	else
		vmm_kbackend_destroy(be);
}

static void run(bool iommufd)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct machine_ep_config epc = { 0x10, 1, true };
	struct ctx c = { 0 };
	struct platform *host;
	struct machine_config mc;
	struct vmm_backend *be;
	struct ep_device *hep;
	struct arm_smmu_event evt;
	struct vmm_stats st;
	struct arm_smmu_stats gst;
	pthread_t th[3];
	phys_addr_t buf;
	unsigned int gcpu, guest_events = 0, stray = 0;
	u32 dev, glpi;
	u8 last[8] = { 0 };

	machine_config_default(&mc);
	c.m = machine_create(&mc);
	REQUIRE(c.m && machine_add_endpoint(c.m, &epc) == 0);
	host = platform_boot(c.m, &pc);
	REQUIRE(!IS_ERR(host));
	hep = platform_add_ep(host, 0, "ep0");
	REQUIRE(!IS_ERR(hep));
	be = be_create(host, iommufd);
	REQUIRE(be && be_bind(be, iommufd, hep, &dev) == 0);
	c.vmm = vmm_create(be, 16 << 20);
	REQUIRE(!IS_ERR(c.vmm) && vmm_assign(c.vmm, dev, VSID) == 0);
	c.guest = vmm_boot_guest(c.vmm);
	REQUIRE(!IS_ERR(c.guest));
	c.gep = platform_add_ep(c.guest, 0, "gep0");
	REQUIRE(!IS_ERR(c.gep));
	REQUIRE(ep_request_msi(c.gep, 1) == 0);
	REQUIRE(ep_msi_lpi(c.gep, 0, &glpi, &gcpu) == 0);
	buf = kernel_alloc_pages(platform_kernel(c.guest), 4096);
	REQUIRE(buf);

	REQUIRE(pthread_create(&th[0], NULL, msi_thread, &c) == 0);
	REQUIRE(pthread_create(&th[1], NULL, fault_thread, &c) == 0);
	REQUIRE(pthread_create(&th[2], NULL, vmm_thread, &c) == 0);
	/* The guest maps and unmaps meanwhile: CFGI/TLBI through the trap. */
	for (int i = 0; i < ROUNDS / 3; i++) {
		dma_addr_t d = ep_dma_map(c.gep, buf, 4096, DMA_BIDIRECTIONAL);

		CHECK(d != DMA_MAPPING_ERROR);
		CHECK_EQ(ep_start_dma(c.gep, d + 64, d, 64), 0);
		ep_dma_unmap(c.gep, d, 4096, DMA_BIDIRECTIONAL);
		while (its_lpi_ack(vmm_vits(c.vmm), gcpu) != GIC_INTID_SPURIOUS)
			;
	}
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	atomic_store(&c.stop, true);
	pthread_join(th[2], NULL);
	atomic_fetch_add(&c.injected, (unsigned long)vmm_poll_irqs(c.vmm));
	atomic_fetch_add(&c.events, (unsigned long)vmm_poll_events(c.vmm));
	/*
	 * One more fault, with room in the queue: over iommufd a full
	 * vEVENTQ says only that it lost records (LOST_EVENTS); how many is
	 * the gap before the next record's sequence number.
	 */
	CHECK(endpoint_dma_write(machine_endpoint(c.m, 0), 0x7000, last, 8) != 0);
	atomic_fetch_add(&c.events, (unsigned long)vmm_poll_events(c.vmm));

	CHECK_EQ(atomic_load(&c.msis), ROUNDS);
	CHECK(atomic_load(&c.injected) >= 1);
	CHECK(atomic_load(&c.injected) <= ROUNDS);
	CHECK_EQ(atomic_load(&c.faults), ROUNDS / 3);
	/* The guest's driver heard of every fault, under its own StreamID. */
	while (platform_pop_event(c.guest, &evt) == 0) {
		if (evt.sid == VSID && evt.dev == &c.gep->dev && evt.iova == 0x7000)
			guest_events++;
		else
			stray++;
	}
	/* ... or was told it was lost (a full vEVENTQ, as iommufd's). */
	vmm_get_stats(c.vmm, &st);
	CHECK_EQ(atomic_load(&c.events) + st.events_lost, ROUNDS / 3 + 1);
	/* The guest driver consumed every record forwarded; its log keeps
	 * the newest it has room for. */
	arm_smmu_get_stats(platform_smmu(c.guest), &gst);
	CHECK_EQ(gst.events, atomic_load(&c.events));
	CHECK_EQ(guest_events + gst.events_dropped, gst.events);
	CHECK(guest_events > 0);
	CHECK_EQ(stray, 0);

	kernel_free_pages(platform_kernel(c.guest), buf, 4096);
	vmm_destroy(c.vmm);
	be_destroy(be, iommufd);
	platform_shutdown(host);
	machine_destroy(c.m);
}

int main(void)
{
	run(false);
	run(true);
	return test_done();
}
