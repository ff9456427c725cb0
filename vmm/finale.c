// SPDX-License-Identifier: MIT
/*
 * The default scenario's finale, as one call: the whole nesting story from
 * an empty board to a pending LPI, told as a trace (one line per step, the
 * VMM's host calls among them) and checked as it goes.  The scenario tool
 * prints the lines; tests/vmm_nested runs it too.  Each step is the public
 * API a scenario could also drive piecemeal (see docs/vmm.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hw/its/its.h"
#include "kernel/platform.h"
#include "vmm/vmm.h"

#define FINALE_RID	0x10
#define FINALE_VSID	0x8

struct finale {
	vmm_trace_fn fn;
	void *opaque;
	int err;
};

static void say(struct finale *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct finale *f, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (f->fn)
		f->fn(f->opaque, line);
}

/* A failed expectation: traced, remembered, the story goes on. */
static bool expect(struct finale *f, bool ok, const char *what)
{
	if (!ok) {
		say(f, "FAILED: %s", what);
		if (!f->err)
			f->err = -EIO;
	}
	return ok;
}

static void vmm_line(void *opaque, const char *line)
{
	say(opaque, "vmm:    %s", line);
}

/* Where the physical SMMU sends sid's access to iova: PA, or ~0 (fault). */
static phys_addr_t walk(struct machine *m, u64 iova)
{
	struct smmuv3_result res;

	if (smmuv3_translate(machine_smmu(m), FINALE_RID, SMMUV3_NO_SSID, iova,
			     SMMUV3_WRITE, &res))
		return ~0ULL;
	return res.addr;
}

static void guest_story(struct finale *f, struct machine *m,
			struct ep_device *hep, struct vmm *vmm,
			struct platform *guest)
{
	struct kernel *gk = platform_kernel(guest);
	struct iommu_domain *gd;
	struct ep_device *gep;
	phys_addr_t src, dst, pa;
	struct msi_msg msg, hmsg;
	dma_addr_t s, d;
	unsigned int cpu;
	u32 lpi;

	gep = platform_add_ep(guest, 0, "gep0");
	if (!expect(f, !IS_ERR(gep), "guest endpoint probe"))
		return;
	gd = iommu_get_domain_for_dev(&gep->dev);
	say(f, "guest:  gep0 (vSID %#x) in a %s domain, stage 1 in guest RAM; "
	    "host ep0 now in HWPT_NESTED %u", FINALE_VSID,
	    iommu_is_dma_domain(gd) ? "DMA" : "non-DMA",
	    vmm_vdev_hwpt(vmm, FINALE_VSID));
	expect(f, iommu_get_domain_for_dev(&hep->dev)->type == IOMMU_DOMAIN_NESTED,
	       "host device in a nested domain");

	/* DMA. */
	src = kernel_alloc_pages(gk, 4096);
	dst = kernel_alloc_pages(gk, 4096);
	if (!expect(f, src && dst, "guest buffers"))
		goto out_free;
	memset(phys_to_virt(gk, src, 4096), 0xa5, 4096);
	memset(phys_to_virt(gk, dst, 4096), 0, 4096);
	s = ep_dma_map(gep, src, 4096, DMA_TO_DEVICE);
	d = ep_dma_map(gep, dst, 4096, DMA_FROM_DEVICE);
	if (!expect(f, s != DMA_MAPPING_ERROR && d != DMA_MAPPING_ERROR,
		    "guest dma_map"))
		goto out_unmap;
	pa = walk(m, d);
	say(f, "guest:  dma_map GPA %#llx -> IOVA %#llx; SMMU walk: IOVA %#llx "
	    "-S1-> IPA %#llx -S2-> PA %#llx", (unsigned long long)dst,
	    (unsigned long long)d, (unsigned long long)d,
	    (unsigned long long)iommu_iova_to_phys(gd, d),
	    (unsigned long long)pa);
	expect(f, ep_start_dma(gep, d, s, 4096) == 0, "device DMA");
	expect(f, phys_ram_ptr(machine_mem(m), pa, 4096) ==
		  vmm_gpa_to_hva(vmm, dst, 4096), "DMA lands in the host page");
	say(f, "device: 4K DMA copy -> host PA %#llx holds %#x: %s",
	    (unsigned long long)pa, ((u8 *)vmm_gpa_to_hva(vmm, dst, 1))[0],
	    ((u8 *)vmm_gpa_to_hva(vmm, dst, 1))[0] == 0xa5 ? "ok" : "WRONG");
	expect(f, ((u8 *)vmm_gpa_to_hva(vmm, dst, 1))[4095] == 0xa5,
	       "DMA data");

	/* MSI. */
	if (!expect(f, ep_request_msi(gep, 1) == 0, "guest MSI request"))
		goto out_unmap;
	ep_msi_msg(gep, 0, &msg);
	say(f, "guest:  MSI composed against vITS doorbell IPA %#llx, mapped by "
	    "guest S1 at IOVA %#llx, data %#x (kept by the VMM for routing)",
	    VMM_GUEST_DOORBELL, (unsigned long long)msi_msg_addr(&msg), msg.data);
	if (!expect(f, ep_msi_lpi(hep, 0, &lpi, &cpu) == 0, "host LPI"))
		goto out_msi;
	ep_msi_msg(hep, 0, &hmsg);
	pa = walk(m, msi_msg_addr(&hmsg));
	say(f, "host:   ep0 vector 0 = LPI %u on cpu %u (DeviceID %#x), the device "
	    "programmed with the host's message: IOVA %#llx in the SW_MSI window",
	    lpi, cpu, FINALE_RID, (unsigned long long)msi_msg_addr(&hmsg));
	say(f, "walk:   IOVA %#llx -S1 (guest RMR, 1:1)-> IPA %#llx -S2 (iommufd "
	    "sw_msi)-> PA %#llx (GITS_TRANSLATER)",
	    (unsigned long long)msi_msg_addr(&hmsg),
	    (unsigned long long)iommu_iova_to_phys(gd, msi_msg_addr(&hmsg)),
	    (unsigned long long)pa);
	expect(f, msi_msg_addr(&hmsg) != msi_msg_addr(&msg) &&
		  VMM_GUEST_DOORBELL != pa, "guest doorbell IPA differs from the PA");
	expect(f, pa == machine_get_config(m)->its_base + 0x10040,
	       "MSI reaches GITS_TRANSLATER");
	expect(f, ep_trigger_msi(gep, 0) == 0, "device MSI write");
	expect(f, machine_lpi_pending(m, cpu, lpi), "LPI pending");
	say(f, "device: MSI write -> physical ITS: LPI %u %s", lpi,
	    machine_lpi_pending(m, cpu, lpi) ? "pending" : "NOT pending");
	{
		unsigned int gcpu;
		u32 glpi;
		bool ok;

		expect(f, vmm_poll_irqs(vmm) == 1, "irqfd injection");
		ok = ep_msi_lpi(gep, 0, &glpi, &gcpu) == 0 &&
		     its_lpi_is_pending(vmm_vits(vmm), gcpu, glpi);
		expect(f, ok, "guest LPI pending");
		say(f, "vmm:    irqfd: host LPI %u consumed, injected at the vITS "
		    "doorbell as (vSID %#x, EventID %u): guest LPI %u %s", lpi,
		    FINALE_VSID, msg.data, glpi, ok ? "pending" : "NOT pending");
	}
out_msi:
	ep_free_msi(gep);
out_unmap:
	if (s != DMA_MAPPING_ERROR)
		ep_dma_unmap(gep, s, 4096, DMA_TO_DEVICE);
	if (d != DMA_MAPPING_ERROR)
		ep_dma_unmap(gep, d, 4096, DMA_FROM_DEVICE);
out_free:
	if (src)
		kernel_free_pages(gk, src, 4096);
	if (dst)
		kernel_free_pages(gk, dst, 4096);
}

int vmm_run_finale(vmm_trace_fn fn, void *opaque, u64 guest_ram)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct machine_ep_config epc = { FINALE_RID, 1, true };
	struct finale f = { fn, opaque, 0 };
	struct platform *host, *guest;
	struct machine_config mc;
	struct vmm_backend *be;
	struct ep_device *hep;
	struct machine *m;
	struct vmm *vmm;
	int idx;
	u32 dev;

	machine_config_default(&mc);
	m = machine_create(&mc);
	if (!m || machine_add_endpoint(m, &epc) < 0) {
		f.err = -ENOMEM;
		goto out_machine;
	}
	host = platform_boot(m, &pc);
	if (IS_ERR(host)) {
		f.err = (int)PTR_ERR(host);
		goto out_machine;
	}
	hep = platform_add_ep(host, 0, "ep0");
	be = IS_ERR(hep) ? NULL : vmm_ibackend_create(host);
	if (!be) {
		f.err = IS_ERR(hep) ? (int)PTR_ERR(hep) : -ENOMEM;
		goto out_host;
	}
	say(&f, "host:   booted on the board; SMMUv3 at %#llx (S1+S2), ITS at "
	    "%#llx; ep0 RID %#x handed to VFIO", MACHINE_SMMU_BASE,
	    MACHINE_ITS_BASE, FINALE_RID);
	f.err = vmm_ibackend_bind(be, hep, &dev);
	if (f.err)
		goto out_be;
	vmm = vmm_create(be, guest_ram ? guest_ram : VMM_FINALE_GUEST_RAM);
	if (IS_ERR(vmm)) {
		f.err = (int)PTR_ERR(vmm);
		goto out_be;
	}
	vmm_set_trace(vmm, vmm_line, &f);
	say(&f, "vmm:    guest RAM %lluM at GPA %#llx = host memory, mapped in the IOAS",
	    (unsigned long long)((guest_ram ? guest_ram : VMM_FINALE_GUEST_RAM) >> 20),
	    VMM_GUEST_RAM_BASE);
	idx = vmm_assign(vmm, dev, FINALE_VSID);
	if (idx < 0) {
		f.err = idx;
		goto out_vmm;
	}
	guest = vmm_boot_guest(vmm);
	if (IS_ERR(guest)) {
		f.err = (int)PTR_ERR(guest);
		goto out_vmm;
	}
	say(&f, "guest:  booted: arm-smmu-v3 probed the vSMMU at %#llx (stage 1 "
	    "only), ITS driver the vITS at %#llx", VMM_GUEST_SMMU_BASE,
	    VMM_GUEST_ITS_BASE);
	guest_story(&f, m, hep, vmm, guest);
out_vmm:
	vmm_destroy(vmm);
out_be:
	vmm_ibackend_destroy(be);
out_host:
	platform_shutdown(host);
out_machine:
	if (m)
		machine_destroy(m);
	say(&f, "finale: %s", f.err ? "FAILED" : "ok");
	return f.err;
}
