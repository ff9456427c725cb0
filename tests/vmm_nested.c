// SPDX-License-Identifier: MIT
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
 *
 * Every test runs twice: over the kernel-API backend and over the host's
 * iommufd (vIOMMU, vDEVICE, nested HWPTs over the vIOMMU, vEVENTQ).
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/platform.h"
#include "tests/test.h"
#include "vmm/vmm.h"

#define HOST_RID	0x10
#define VSID		0x8

/* Which backend the tests run over: set by main() between the two passes. */
static bool over_iommufd;

static struct vmm_backend *be_create(struct platform *host)
{
	return over_iommufd ? vmm_ibackend_create(host) : vmm_kbackend_create(host);
}

static int be_bind(struct vmm_backend *be, struct ep_device *hep, u32 *dev)
{
	return over_iommufd ? vmm_ibackend_bind(be, hep, dev) :
			      vmm_kbackend_bind(be, hep, dev);
}

static void be_destroy(struct vmm_backend *be)
{
	if (over_iommufd)
		vmm_ibackend_destroy(be);
	else
		vmm_kbackend_destroy(be);
}

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
	r->be = be_create(r->host);
	REQUIRE(r->be);
	REQUIRE(be_bind(r->be, r->hep, &r->dev) == 0);
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
	be_destroy(r->be);
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
	unsigned int cpu, gcpu;
	struct rig r;
	u32 lpi, glpi;

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
	vmm_get_stats(r.vmm, &st);
	CHECK_EQ(st.msi_enables, 1);
	/* The VMM's irqfd: the host interrupt is consumed and the guest's
	 * LPI pends in the vITS, where the guest's ITS driver routed it. */
	REQUIRE(ep_msi_lpi(r.gep, 0, &glpi, &gcpu) == 0);
	CHECK(!its_lpi_is_pending(vmm_vits(r.vmm), gcpu, glpi));
	CHECK_EQ(vmm_poll_irqs(r.vmm), 1);
	CHECK(!machine_lpi_pending(r.m, cpu, lpi));
	CHECK(its_lpi_is_pending(vmm_vits(r.vmm), gcpu, glpi));
	CHECK_EQ(its_lpi_ack(vmm_vits(r.vmm), gcpu), glpi);
	CHECK_EQ(vmm_poll_irqs(r.vmm), 0);
	vmm_get_stats(r.vmm, &st);
	CHECK_EQ(st.irqs_injected, 1);
	CHECK_EQ(st.irqs_dropped, 0);

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

/* The MSI capability as each side sees it (VFIO's emulation). */
static void test_msi_capability(void)
{
	const struct vmm_backend_ops *ops;
	struct msi_msg gmsg, hmsg;
	phys_addr_t gbar, hbar;
	u64 v;
	struct rig r;

	rig_up(&r);
	ops = r.be->ops;
	REQUIRE(ep_request_msi(r.gep, 2) == 0);
	REQUIRE(ep_msi_msg(r.gep, 0, &gmsg) == 0);
	REQUIRE(ep_msi_msg(r.hep, 0, &hmsg) == 0);
	gbar = r.gep->bar;
	hbar = r.hep->bar;
	/* The guest reads back what it wrote. */
	CHECK_EQ(phys_read_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_DATA, 4, &v,
			       MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, gmsg.data);
	CHECK_EQ(phys_read_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_ADDR, 4, &v,
			       MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, gmsg.address_lo);
	/* 64-bit accesses to the capability are the same two halves. */
	CHECK_EQ(phys_read_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_ADDR, 8, &v,
			       MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, msi_msg_addr(&gmsg));
	CHECK_EQ(phys_write_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_ADDR, 8,
				msi_msg_addr(&gmsg), MEM_ATTRS_NONE), 0);
	CHECK_EQ(phys_read_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_DATA, 8, &v,
			       MEM_ATTRS_NONE), 0);
	CHECK_EQ((u32)v, gmsg.data);
	CHECK_EQ(v >> 32, EP_MSI_CTRL_ENABLE);
	/*
	 * The device holds the host's message: its EventIDs at the IOVA the
	 * host's iommufd gave the doorbell in the SW_MSI window, which the
	 * guest's stage 1 maps 1:1 (the VMM's RMR).  The guest's doorbell IPA
	 * is elsewhere.
	 */
	CHECK_EQ(phys_read_val(machine_mem(r.m), hbar + EP_MSI_ADDR, 4, &v,
			       MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, hmsg.address_lo);
	CHECK_EQ(phys_read_val(machine_mem(r.m), hbar + EP_MSI_DATA, 4, &v,
			       MEM_ATTRS_NONE), 0);
	CHECK_EQ(v, hmsg.data);
	CHECK_EQ(msi_msg_addr(&hmsg) & ~0xfffull, VMM_MSI_WINDOW);
	CHECK(VMM_GUEST_DOORBELL != machine_get_config(r.m)->its_base + 0x10040);
	CHECK_EQ(iommu_iova_to_phys(iommu_get_domain_for_dev(&r.gep->dev),
				    VMM_MSI_WINDOW), VMM_MSI_WINDOW);
	/* Vector 1 pends the host's second LPI. */
	{
		unsigned int cpu;
		u32 lpi;

		REQUIRE(ep_msi_lpi(r.hep, 1, &lpi, &cpu) == 0);
		CHECK_EQ(ep_trigger_msi(r.gep, 1), 0);
		CHECK(machine_lpi_pending(r.m, cpu, lpi));
	}
	/*
	 * A guest that points its MSI at an IOVA it never mapped: the device
	 * never sees that address (it keeps the host's message), so the host
	 * LPI still pends; the VMM cannot route it to a vITS doorbell and
	 * drops it, as a KVM route that does not translate.
	 */
	{
		struct vmm_stats st;
		unsigned int cpu;
		u32 lpi;

		REQUIRE(ep_msi_lpi(r.hep, 0, &lpi, &cpu) == 0);
		CHECK_EQ(phys_write_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_ADDR, 4,
					0xdead000, MEM_ATTRS_NONE), 0);
		CHECK_EQ(phys_write_val(vmm_guest_mem(r.vmm), gbar + EP_MSI_ADDR + 4,
					4, 0, MEM_ATTRS_NONE), 0);
		CHECK_EQ(phys_read_val(machine_mem(r.m), hbar + EP_MSI_ADDR, 4, &v,
				       MEM_ATTRS_NONE), 0);
		CHECK_EQ(v, hmsg.address_lo);
		CHECK_EQ(ep_trigger_msi(r.gep, 0), 0);
		CHECK(machine_lpi_pending(r.m, cpu, lpi));
		CHECK_EQ(vmm_poll_irqs(r.vmm), 0);
		vmm_get_stats(r.vmm, &st);
		CHECK(st.irqs_dropped >= 1);
	}
	/* Disabling MSI in the guest gives the host vectors back. */
	ep_free_msi(r.gep);
	CHECK_EQ(r.hep->nvec, 0);
	/* BAR access the device does not decode. */
	CHECK_EQ(ops->bar_read(r.be, r.dev, ENDPOINT_MMIO_SIZE, 4, &v), -EINVAL);
	CHECK_EQ(ops->bar_read(r.be, r.dev, 2, 4, &v), -EINVAL);
	CHECK_EQ(ops->bar_write(r.be, r.dev, 0, 2, 0), -EINVAL);
	/* A device ID the backend never bound: every VFIO op says so. */
	CHECK_EQ(ops->bar_read(r.be, 99, 0, 4, &v), -ENOENT);
	CHECK_EQ(ops->bar_write(r.be, 99, 0, 4, 0), -ENOENT);
	CHECK_EQ(ops->set_msi(r.be, 99, 1), -ENOENT);
	CHECK_EQ(ops->msi_fired(r.be, 99, 0), -ENOENT);
	rig_down(&r);
}

/* A vSTE the host refuses: CERROR_ILL to the guest, the old HWPT kept. */
static void test_bad_vste(void)
{
	struct arm_smmu_device *gsmmu;
	struct arm_smmu_stats gst;
	struct vmm_stats st;
	phys_addr_t ste, buf;
	u64 *stev, saved, cmd[2];
	dma_addr_t d;
	u32 hwpt;
	struct rig r;

	rig_up(&r);
	gsmmu = platform_smmu(r.guest);
	ste = arm_smmu_ste_address(gsmmu, VSID);
	REQUIRE(ste);
	stev = phys_to_virt(platform_kernel(r.guest), ste, 64);
	REQUIRE(stev);
	hwpt = vmm_vdev_hwpt(r.vmm, VSID);
	saved = stev[0];
	stev[0] = 1 | (6ULL << 1);		/* Config = stage 2: not the guest's */
	cmd[0] = 0x03 | ((u64)VSID << 32);	/* CFGI_STE */
	cmd[1] = 1;				/* Leaf */
	arm_smmu_issue_raw_cmd(gsmmu, cmd);
	vmm_get_stats(r.vmm, &st);
	CHECK_EQ(st.hwpt_errors, 1);
	arm_smmu_get_stats(gsmmu, &gst);
	CHECK(gst.cmdq_errors >= 1);
	CHECK_EQ(vmm_vdev_hwpt(r.vmm, VSID), hwpt);
	/* An invalidation the host refuses (a reserved field set): also
	 * CERROR_ILL to the guest. */
	{
		const u64 tlbi[2] = { 0x11 | (1ULL << 48), 1 };	/* NH_ASID */

		arm_smmu_issue_raw_cmd(gsmmu, tlbi);
		vmm_get_stats(r.vmm, &st);
		CHECK_EQ(st.inval_errors, 1);
	}
	/* The guest puts its STE back; DMA never stopped working. */
	stev[0] = saved;
	CHECK_EQ(arm_smmu_issue_raw_cmd(gsmmu, cmd), 0);
	CHECK_EQ(vmm_vdev_hwpt(r.vmm, VSID), hwpt);
	buf = guest_buf(&r, 0);
	d = ep_dma_map(r.gep, buf, 4096, DMA_FROM_DEVICE);
	REQUIRE(d != DMA_MAPPING_ERROR);
	CHECK(host_page_of(&r, d) == vmm_gpa_to_hva(r.vmm, buf, 1));
	ep_dma_unmap(r.gep, d, 4096, DMA_FROM_DEVICE);
	kernel_free_pages(platform_kernel(r.guest), buf, 4096);
	rig_down(&r);
}

/* What the VMM and the backend refuse from their callers. */
static void test_errors(void)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	const struct vmm_backend_ops *ops;
	struct platform_board b = { 0 };
	u64 cmd[1][2] = { { 0x10, 0 } };
	u32 dev2, hwpt, n;
	u8 *ram;
	struct rig r;

	/* A board without memory, or a mock IOMMU on one: -EINVAL. */
	CHECK_EQ(PTR_ERR(platform_boot_board(&b, &pc)), -EINVAL);

	rig_host(&r);
	ops = r.be->ops;
	CHECK_EQ(PTR_ERR(vmm_create(r.be, 0)), -EINVAL);
	CHECK_EQ(PTR_ERR(vmm_create(r.be, 0x1800)), -EINVAL);
	CHECK_EQ(PTR_ERR(vmm_create(r.be, 32 << 20)), -EINVAL);
	/* A device is bound once. */
	CHECK_EQ(be_bind(r.be, r.hep, &dev2), -EBUSY);

	/* IOAS mappings: aligned, of RAM the backend gave, not overlapping. */
	CHECK_EQ(ops->ioas_unmap(r.be, 0x1000, 0x1000), -ENOENT);
	ram = ops->ram_alloc(r.be, 0x4000);
	REQUIRE(ram);
	CHECK(ops->ram_alloc(r.be, 0x1234) == NULL);
	CHECK_EQ(ops->ioas_map(r.be, 0x1000, ram + 8, 0x1000), -EINVAL);
	CHECK_EQ(ops->ioas_map(r.be, 0x1000, ram, 0), -EINVAL);
	CHECK_EQ(ops->ioas_map(r.be, 0x1000, ram, 0x5000), -EFAULT);
	/* Not the backend's RAM, at a page offset iova 0x1000 cannot match. */
	CHECK_EQ(ops->ioas_map(r.be, 0x1000,
			       (void *)(((uintptr_t)&b & ~0xfffUL) + 8), 0x1000), -EINVAL);
	CHECK_EQ(ops->ioas_map(r.be, 0x1000, ram, 0x2000), 0);
	CHECK_EQ(ops->ioas_map(r.be, 0x2000, ram + 0x2000, 0x1000), -EEXIST);
	CHECK_EQ(ops->ioas_unmap(r.be, 0x1000, 0x1000), -ENOENT);	/* not exact */
	CHECK_EQ(ops->ioas_unmap(r.be, 0x1000, 0x2000), 0);
	CHECK_EQ(ops->ioas_map(r.be, 0x1000, ram, 0x2000), 0);

	/* Objects: wrong IDs and types, a HWPT in use. */
	CHECK_EQ(ops->hwpt_alloc_parent(r.be, 77, &hwpt), -ENOENT);
	REQUIRE(ops->hwpt_alloc_parent(r.be, r.dev, &hwpt) == 0);
	CHECK_EQ(ops->attach(r.be, r.dev, hwpt + 5), -ENOENT);
	CHECK_EQ(ops->attach(r.be, r.dev, hwpt), 0);
	CHECK_EQ(ops->destroy(r.be, hwpt), -EBUSY);
	CHECK_EQ(ops->destroy(r.be, r.dev), -ENOENT);
	n = 1;
	CHECK_EQ(ops->invalidate(r.be, hwpt, (const u64 (*)[2])cmd, &n), -ENOENT);
	CHECK_EQ(n, 0);
	{
		u32 vdev, vdev2;

		CHECK_EQ(ops->vdevice_alloc(r.be, r.dev, 3, &vdev), 0);
		CHECK_EQ(ops->vdevice_alloc(r.be, r.dev, 4, &vdev2), -EEXIST);
		CHECK_EQ(ops->vdevice_alloc(r.be, 55, 4, &vdev2), -ENOENT);
		CHECK_EQ(ops->destroy(r.be, vdev), 0);
		CHECK_EQ(ops->destroy(r.be, vdev), -ENOENT);
		CHECK_EQ(ops->vdevice_alloc(r.be, r.dev, 3, &vdev), 0);
	}
	/* Detach: the device blocks again, the HWPT can go; only once. */
	CHECK_EQ(ops->detach(r.be, 99), -ENOENT);
	CHECK_EQ(ops->detach(r.be, r.dev), 0);
	CHECK_EQ(ops->detach(r.be, r.dev), -EINVAL);
	CHECK_EQ(iommu_get_domain_for_dev(&r.hep->dev)->type, IOMMU_DOMAIN_BLOCKED);
	CHECK_EQ(ops->attach(r.be, r.dev, hwpt), 0);
	/* The host checks the guest's STE: stage-2 Config is -EIO. */
	{
		const u64 bad[2] = { 1 | (6ULL << 1), 0 };
		u32 nested;

		CHECK_EQ(ops->hwpt_alloc_nested(r.be, r.dev, hwpt, bad, &nested), -EIO);
		CHECK_EQ(ops->hwpt_alloc_nested(r.be, r.dev, r.dev, bad, &nested), -ENOENT);
	}
	rig_down(&r);

	/* The VMM: StreamIDs unique and in range, assignment before boot. */
	rig_host(&r);
	r.vmm = vmm_create(r.be, 1 << 20);
	REQUIRE(!IS_ERR(r.vmm));
	CHECK_EQ(vmm_assign(r.vmm, r.dev, 1u << 16), -EINVAL);
	CHECK_EQ(vmm_assign(r.vmm, 42, 5), -ENOENT);
	CHECK_EQ(vmm_assign(r.vmm, r.dev, 5), 0);
	CHECK_EQ(vmm_assign(r.vmm, r.dev, 6), -EINVAL);
	/* Before the guest's SMMU is up the device is on stage 2 alone; its
	 * fault has no vSMMU queue to go to: counted lost. */
	{
		struct vmm_stats st;
		u8 b[8] = { 0 };

		CHECK_EQ(endpoint_dma_write(machine_endpoint(r.m, 0), 0x1000, b, 8),
			 -EFAULT);
		CHECK_EQ(vmm_poll_events(r.vmm), 0);
		vmm_get_stats(r.vmm, &st);
		/* Over iommufd a stage-2 fault stays the host's (the driver
		 * forwards stage-1 events only, as Linux's does). */
		CHECK_EQ(st.events_lost, over_iommufd ? 0 : 1);
		CHECK_EQ(st.events, 0);
	}
	r.guest = vmm_boot_guest(r.vmm);
	REQUIRE(!IS_ERR(r.guest));
	CHECK_EQ(PTR_ERR(vmm_boot_guest(r.vmm)), -EBUSY);
	CHECK_EQ(vmm_assign(r.vmm, 7, 7), -EINVAL);
	rig_down(&r);
}

/*
 * Two assigned devices, one nest parent: each gets its own nested HWPT;
 * the guest's TLBI for the second is run through the first's HWPT (they
 * share the parent's VMID) and still reaches the second's cached entry.
 */
static void test_two_devices(void)
{
	struct machine_ep_config ep2 = { HOST_RID + 1, 1, true };
	struct ep_device *hep2, *gep2;
	phys_addr_t buf, buf2;
	dma_addr_t d, d2;
	u32 dev2;
	struct rig r;

	rig_host(&r);
	REQUIRE(machine_add_endpoint(r.m, &ep2) == 1);
	hep2 = platform_add_ep(r.host, 1, "ep1");
	REQUIRE(!IS_ERR(hep2));
	REQUIRE(be_bind(r.be, hep2, &dev2) == 0);
	r.vmm = vmm_create(r.be, 16 << 20);
	REQUIRE(!IS_ERR(r.vmm));
	CHECK_EQ(vmm_assign(r.vmm, r.dev, VSID), 0);
	CHECK_EQ(vmm_assign(r.vmm, dev2, VSID + 1), 1);
	CHECK_EQ(vmm_assign(r.vmm, dev2, VSID + 2), -EINVAL);	/* assigned */
	r.guest = vmm_boot_guest(r.vmm);
	REQUIRE(!IS_ERR(r.guest));
	r.gep = platform_add_ep(r.guest, 0, "gep0");
	gep2 = platform_add_ep(r.guest, 1, "gep1");
	REQUIRE(!IS_ERR(r.gep) && !IS_ERR(gep2));
	CHECK_EQ(gep2->rid, VSID + 1);
	CHECK(vmm_vdev_hwpt(r.vmm, VSID) != 0);
	CHECK(vmm_vdev_hwpt(r.vmm, VSID + 1) != 0);
	CHECK(vmm_vdev_hwpt(r.vmm, VSID) != vmm_vdev_hwpt(r.vmm, VSID + 1));

	buf = guest_buf(&r, 1);
	buf2 = guest_buf(&r, 2);
	d = ep_dma_map(r.gep, buf, 4096, DMA_BIDIRECTIONAL);
	d2 = ep_dma_map(gep2, buf2, 4096, DMA_BIDIRECTIONAL);
	REQUIRE(d != DMA_MAPPING_ERROR && d2 != DMA_MAPPING_ERROR);
	CHECK_EQ(ep_start_dma(r.gep, d + 2048, d, 64), 0);
	CHECK_EQ(ep_start_dma(gep2, d2 + 2048, d2, 64), 0);	/* cached now */
	CHECK(host_page_of(&r, d) == vmm_gpa_to_hva(r.vmm, buf, 1));
	ep_dma_unmap(gep2, d2, 4096, DMA_BIDIRECTIONAL);
	CHECK_EQ(ep_start_dma(gep2, d2 + 2048, d2, 64), -EFAULT);
	CHECK_EQ(ep_start_dma(r.gep, d + 2048, d, 64), 0);
	ep_dma_unmap(r.gep, d, 4096, DMA_BIDIRECTIONAL);
	kernel_free_pages(platform_kernel(r.guest), buf, 4096);
	kernel_free_pages(platform_kernel(r.guest), buf2, 4096);
	rig_down(&r);
}

/*
 * Every host allocation the VMM's calls make may fail: whatever fails,
 * the guest keeps running or stops cleanly, nothing leaks or crashes, and
 * once nothing fails the whole story holds.
 */
static void test_fail_nth(void)
{
	unsigned long n;

	for (n = 1; n < 2000; n++) {
		struct kernel *hk;
		unsigned int cpu;
		dma_addr_t d = DMA_MAPPING_ERROR;
		phys_addr_t buf = 0;
		bool done = false;
		u32 lpi;
		struct rig r;

		rig_host(&r);
		hk = platform_kernel(r.host);
		kernel_fail_nth(hk, n);
		r.vmm = vmm_create(r.be, 1 << 20);
		if (IS_ERR(r.vmm)) {
			r.vmm = NULL;
			goto out;
		}
		if (vmm_assign(r.vmm, r.dev, VSID) < 0)
			goto out;
		r.guest = vmm_boot_guest(r.vmm);
		if (IS_ERR(r.guest))
			goto out;
		r.gep = platform_add_ep(r.guest, 0, "gep0");
		if (IS_ERR(r.gep))
			goto out;
		buf = guest_buf(&r, 3);
		d = ep_dma_map(r.gep, buf, 4096, DMA_BIDIRECTIONAL);
		if (d == DMA_MAPPING_ERROR || ep_request_msi(r.gep, 1))
			goto out;
		done = atomic_load(&hk->kmalloc_fail_nth) != 0;
		if (done) {
			/* Nothing failed: the whole path works. */
			CHECK_EQ(ep_start_dma(r.gep, d + 64, d, 64), 0);
			REQUIRE(ep_msi_lpi(r.hep, 0, &lpi, &cpu) == 0);
			CHECK_EQ(ep_trigger_msi(r.gep, 0), 0);
			CHECK(machine_lpi_pending(r.m, cpu, lpi));
		} else {
			/* A failure may leave MSI or DMA off; never a crash. */
			ep_start_dma(r.gep, d + 64, d, 64);
			ep_trigger_msi(r.gep, 0);
		}
out:
		kernel_fail_nth(hk, 0);
		if (d != DMA_MAPPING_ERROR)
			ep_dma_unmap(r.gep, d, 4096, DMA_BIDIRECTIONAL);
		if (buf)
			kernel_free_pages(platform_kernel(r.guest), buf, 4096);
		rig_down(&r);
		if (done)
			break;
	}
	if (getenv("VMM_TRACE"))
		printf("fail-nth: clean after %lu\n", n);
	CHECK(n > 5 && n < 2000);
}

/* A VMM gone leaves the host as it found it: a second one runs. */
static void test_second_vmm(void)
{
	phys_addr_t buf;
	dma_addr_t d;
	struct rig r;

	rig_up(&r);
	vmm_destroy(r.vmm);
	CHECK_EQ(iommu_get_domain_for_dev(&r.hep->dev)->type, IOMMU_DOMAIN_BLOCKED);
	r.vmm = vmm_create(r.be, 16 << 20);
	REQUIRE(!IS_ERR(r.vmm));
	CHECK_EQ(vmm_assign(r.vmm, r.dev, VSID), 0);
	r.guest = vmm_boot_guest(r.vmm);
	REQUIRE(!IS_ERR(r.guest));
	r.gep = platform_add_ep(r.guest, 0, "gep0");
	REQUIRE(!IS_ERR(r.gep));
	buf = guest_buf(&r, 4);
	d = ep_dma_map(r.gep, buf, 4096, DMA_BIDIRECTIONAL);
	REQUIRE(d != DMA_MAPPING_ERROR);
	CHECK_EQ(ep_start_dma(r.gep, d + 128, d, 128), 0);
	CHECK(host_page_of(&r, d) == vmm_gpa_to_hva(r.vmm, buf, 1));
	ep_dma_unmap(r.gep, d, 4096, DMA_BIDIRECTIONAL);
	kernel_free_pages(platform_kernel(r.guest), buf, 4096);
	rig_down(&r);
}

/*
 * A guest booted with iommu.passthrough=1: its STE bypasses, so the nested
 * HWPT is stage 2 alone; DMA addresses are guest-physical and the MSI
 * goes to the vITS doorbell IPA untranslated, where the host's stage 2
 * has the physical ITS page.
 */
static void test_guest_passthrough(void)
{
	struct platform_config gcfg = {
		.iommu = PLATFORM_IOMMU_SMMUV3, .passthrough = true,
	};
	struct platform_config bad = { .iommu = PLATFORM_IOMMU_MOCK };
	struct msi_msg msg;
	phys_addr_t src, dst;
	unsigned int cpu;
	dma_addr_t s, d;
	u32 lpi;
	struct rig r;

	rig_host(&r);
	r.vmm = vmm_create(r.be, 16 << 20);
	REQUIRE(!IS_ERR(r.vmm) && vmm_assign(r.vmm, r.dev, VSID) == 0);
	if (getenv("VMM_TRACE"))
		vmm_set_trace(r.vmm, print_line, NULL);
	CHECK_EQ(PTR_ERR(vmm_boot_guest_config(r.vmm, &bad)), -EINVAL);
	r.guest = vmm_boot_guest_config(r.vmm, &gcfg);
	REQUIRE(!IS_ERR(r.guest));
	r.gep = platform_add_ep(r.guest, 0, "gep0");
	REQUIRE(!IS_ERR(r.gep));
	CHECK_EQ(iommu_get_domain_for_dev(&r.gep->dev)->type, IOMMU_DOMAIN_IDENTITY);
	CHECK(vmm_vdev_hwpt(r.vmm, VSID) != 0);

	src = guest_buf(&r, 0x3c);
	dst = guest_buf(&r, 0);
	s = ep_dma_map(r.gep, src, 4096, DMA_TO_DEVICE);
	d = ep_dma_map(r.gep, dst, 4096, DMA_FROM_DEVICE);
	CHECK_EQ(s, src);
	CHECK_EQ(d, dst);
	CHECK_EQ(ep_start_dma(r.gep, d, s, 4096), 0);
	CHECK_EQ(((u8 *)vmm_gpa_to_hva(r.vmm, dst, 4096))[100], 0x3c);
	CHECK(host_page_of(&r, d) == vmm_gpa_to_hva(r.vmm, dst, 1));

	CHECK_EQ(ep_request_msi(r.gep, 1), 0);
	REQUIRE(ep_msi_msg(r.gep, 0, &msg) == 0);
	CHECK_EQ(msi_msg_addr(&msg), VMM_GUEST_DOORBELL);
	REQUIRE(ep_msi_lpi(r.hep, 0, &lpi, &cpu) == 0);
	CHECK_EQ(ep_trigger_msi(r.gep, 0), 0);
	CHECK(machine_lpi_pending(r.m, cpu, lpi));
	CHECK_EQ(vmm_poll_irqs(r.vmm), 1);

	ep_free_msi(r.gep);
	kernel_free_pages(platform_kernel(r.guest), src, 4096);
	kernel_free_pages(platform_kernel(r.guest), dst, 4096);
	rig_down(&r);
}

struct lines {
	unsigned int n;
	bool dma_ok, lpi_pending, nested;
};

static void finale_line(void *opaque, const char *line)
{
	struct lines *l = opaque;

	l->n++;
	if (strstr(line, "DMA copy") && strstr(line, ": ok"))
		l->dma_ok = true;
	if (strstr(line, "physical ITS") && strstr(line, " pending") &&
	    !strstr(line, "NOT"))
		l->lpi_pending = true;
	if (strstr(line, "HWPT_NESTED"))
		l->nested = true;
	if (getenv("VMM_TRACE"))
		printf("%s\n", line);
}

/* The scenario's finale tells the story and checks it. */
static void test_finale(void)
{
	struct lines l = { 0 };

	CHECK_EQ(vmm_run_finale(finale_line, &l, 0), 0);
	CHECK(l.n > 8);
	CHECK(l.dma_ok);
	CHECK(l.lpi_pending);
	CHECK(l.nested);
	CHECK_EQ(vmm_run_finale(NULL, NULL, 0), 0);
	/* A smaller guest: the same story over 8M of guest RAM; more is refused. */
	CHECK_EQ(vmm_run_finale(NULL, NULL, 8ULL << 20), 0);
	CHECK_EQ(vmm_run_finale(NULL, NULL, VMM_GUEST_RAM_MAX * 2), -EINVAL);
}

int main(void)
{
	test_finale();
	for (int pass = 0; pass < 2; pass++) {
		over_iommufd = pass;
		test_dma_and_msi();
		test_msi_capability();
		test_bad_vste();
		test_errors();
		test_two_devices();
		test_second_vmm();
		test_guest_passthrough();
		test_fail_nth();
	}
	return test_done();
}
