// SPDX-License-Identifier: MIT
/*
 * Scenario commands on the emulated board (hw/machine + kernel/platform):
 * a host kernel booted with the arm-smmu-v3 and gic-its drivers, endpoints
 * whose DMA and MSI writes really travel through the SMMUv3 model's tables
 * to RAM and to GITS_TRANSLATER.  Where the mock world can only say where a
 * write would land, the board makes the device write it: a DMA lands in RAM
 * or faults with an event the driver decodes, an MSI pends an LPI or not.
 */
#include <string.h>

#include "hw/machine.h"
#include "hw/smmuv3/inspect.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/drivers/mock-iommu.h"
#include "kernel/iommu.h"
#include "kernel/platform.h"
#include "tools/iommusim/world-priv.h"
#include "vmm/vmm.h"

static const char *event_name(u8 id)
{
	return smmuv3_event_name(id) ?: "unknown";
}

/*
 * board KERNEL [ram=SIZE] [iommu=smmuv3|mock|none] [strict=] [passthrough=]
 * [strtab=2-level|linear]: build the machine (RAM at 0x40000000, SMMUv3 at
 * 0x09050000, ITS at 0x08080000) and boot kernel KERNEL on it, owning the
 * lower half of RAM.  strtab=linear: an SMMU without IDR0.ST_LEVEL, so the
 * driver makes a linear stream table.
 * Reports buffers= (the first address of the upper half, free for DMA).
 * The ITS becomes object "its".
 */
int cmd_board(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "ram", "iommu", "strict", "passthrough",
					    "strtab", NULL };
	struct world *w = scenario_world(s);
	struct machine_config mc;
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct world_obj *ko, *its;
	const char *iommu = scn_key(l, "iommu"), *strtab = scn_key(l, "strtab");
	u64 ram = 1ULL << 30, strict = 1, pt = 0;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "ram", false, &ram) ||
	    scn_u64(s, l, "strict", false, &strict) ||
	    scn_u64(s, l, "passthrough", false, &pt))
		return -1;
	if (w->machine)
		return scn_error(s, l, "board: the board is already built");
	if (!ram || !IS_ALIGNED(ram, 1ULL << 21) || ram > (64ULL << 30))
		return scn_error(s, l, "board: ram= must be a multiple of 2M, at most 64G");
	if (iommu && !strcmp(iommu, "mock"))
		pc.iommu = PLATFORM_IOMMU_MOCK;
	else if (iommu && !strcmp(iommu, "none"))
		pc.iommu = PLATFORM_IOMMU_NONE;
	else if (iommu && strcmp(iommu, "smmuv3"))
		return scn_error(s, l, "board: iommu=%s: one of smmuv3, mock, none", iommu);
	if (strtab && strcmp(strtab, "linear") && strcmp(strtab, "2-level"))
		return scn_error(s, l, "board: strtab=%s: 2-level or linear", strtab);
	if (!(ko = world_new_obj(s, l, OBJ_KERNEL)))
		return -1;
	machine_config_default(&mc);
	mc.ram_size = ram;
	if (strtab && !strcmp(strtab, "linear"))
		mc.smmu.st_2level = false;
	w->machine = machine_create(&mc);
	if (!w->machine) {
		r->rc = -ENOMEM;
		return 0;
	}
	/*
	 * The kernel owns the lower half for its page tables, queues and ITS
	 * tables; the upper half is where scenarios put DMA buffers, so a
	 * device write can never corrupt what the kernel's allocator handed out.
	 */
	pc.ram_base = MACHINE_RAM_BASE;
	pc.ram_size = ram / 2;
	pc.name = ko->name;
	pc.lazy = !strict;
	pc.passthrough = pt != 0;
	pc.fail_count = &w->fail_nth;
	pc.fail_site = &w->fail_site;
	w->platform = platform_boot(w->machine, &pc);
	if (IS_ERR(w->platform)) {
		r->rc = (int)PTR_ERR(w->platform);
		w->platform = NULL;
		return 0;
	}
	ko->k = platform_kernel(w->platform);
	ko->platform = true;
	scn_set_hex(r, "buffers", MACHINE_RAM_BASE + ram / 2);
	world_commit_obj(w);
	if (world_find(w, "its"))
		return 0;
	its = &w->objs[w->nr_objs];
	memset(its, 0, sizeof(*its));
	snprintf(its->name, sizeof(its->name), "its");
	its->kind = OBJ_ITS;
	its->k = ko->k;
	its->platform = true;
	its->its.msi = platform_msi_domain(w->platform);
	its->its.doorbell = MACHINE_ITS_BASE + 0x10040;
	world_commit_obj(w);
	fprintf(w->out, "board: %llu MiB RAM at 0x%llx, SMMUv3 at 0x%llx, ITS at 0x%llx; kernel %s booted with %s\n",
		(unsigned long long)(ram >> 20), MACHINE_RAM_BASE, MACHINE_SMMU_BASE,
		MACHINE_ITS_BASE, ko->name, pc.iommu == PLATFORM_IOMMU_SMMUV3 ?
		"arm-smmu-v3 + gic-its" : pc.iommu == PLATFORM_IOMMU_MOCK ?
		"the mock IOMMU + gic-its" : "gic-its only");
	return 0;
}

/* endpoint NAME sid=RID [smmu=0|1]: a PCI-like endpoint, probed by the kernel. */
int cmd_endpoint(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "sid", "smmu", NULL };
	struct world *w = scenario_world(s);
	struct machine_ep_config ec = { .nr_vectors = 32, .behind_smmu = true };
	struct world_obj *o;
	u64 sid, smmu = 1;
	int idx;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "sid", true, &sid) ||
	    scn_u64(s, l, "smmu", false, &smmu))
		return -1;
	if (!w->platform)
		return scn_error(s, l, "endpoint: no board yet (start with 'board')");
	if (sid > 0xffff)
		return scn_error(s, l, "endpoint: sid= must fit the SMMU's 16 StreamID bits");
	if (!(o = world_new_obj(s, l, OBJ_DEVICE)))
		return -1;
	ec.rid = (u32)sid;
	ec.behind_smmu = smmu != 0;
	idx = machine_add_endpoint(w->machine, &ec);
	if (idx < 0) {
		r->rc = idx;
		return 0;
	}
	o->ep = platform_add_ep(w->platform, (unsigned int)idx, o->name);
	if (IS_ERR_OR_NULL(o->ep)) {
		r->rc = o->ep ? (int)PTR_ERR(o->ep) : -ENOMEM;
		return 0;
	}
	o->dev = &o->ep->dev;
	o->k = platform_kernel(w->platform);
	o->devid = (u32)sid;
	world_commit_obj(w);
	scn_set(r, "domain", "%s", domain_type_name(iommu_get_domain_for_dev(o->dev)));
	fprintf(w->out, "endpoint %s: requester ID 0x%llx%s, domain %s\n", o->name,
		(unsigned long long)sid, smmu ? " behind the SMMU" : ", no SMMU",
		domain_type_name(iommu_get_domain_for_dev(o->dev)));
	return 0;
}

/* dma-map DEV pa=P size=S: the DMA API maps P for the device; reports iova=. */
int cmd_dma_map(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "pa", "size", NULL };
	struct world_obj *dev;
	u64 pa, size;
	dma_addr_t iova;

	if (scn_check_keys(s, l, keys) ||
	    !(dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE)) ||
	    scn_u64(s, l, "pa", true, &pa) || scn_u64(s, l, "size", true, &size))
		return -1;
	if (!dev->ep)
		return scn_error(s, l, "dma-map: %s is not a board endpoint", dev->name);
	iova = ep_dma_map(dev->ep, pa, size, DMA_BIDIRECTIONAL);
	if (iova == DMA_MAPPING_ERROR) {
		r->rc = -ENOMEM;
		return 0;
	}
	scn_set_hex(r, "iova", iova);
	fprintf(scenario_out(s), "dma-map %s: pa 0x%llx (0x%llx bytes) -> iova 0x%llx\n",
		dev->name, (unsigned long long)pa, (unsigned long long)size,
		(unsigned long long)iova);
	return 0;
}

/*
 * The device writes 8 bytes at iova through the SMMU; where they landed is
 * found by reading RAM back, not by asking any page table.
 */
int board_dma(struct scenario *s, struct world_obj *dev, u64 iova,
	      struct scn_result *r)
{
	struct world *w = scenario_world(s);
	struct endpoint *ep = machine_endpoint(w->machine, dev->ep->index);
	struct smmuv3_result res = { 0 };
	u64 pattern = 0x10a5c0de00000000ULL | (iova & 0xffffffff), got = 0;
	phys_addr_t pa = iova;

	r->rc = endpoint_dma_write(ep, iova, &pattern, sizeof(pattern));
	/* Where did it go?  Ask the hardware that carried it (a TLB hit now). */
	if (!r->rc && dev->ep->behind_iommu) {
		if (platform_smmu(w->platform))
			pa = smmuv3_translate(machine_smmu(w->machine), dev->ep->rid,
					      SMMUV3_NO_SSID, iova, SMMUV3_WRITE,
					      &res) ? 0 : res.addr;
		else if (mock_iommu_translate(dev->dev, iova, &pa))
			pa = 0;
	}
	if (!r->rc && (phys_read64(machine_mem(w->machine), pa, &got) || got != pattern))
		r->rc = -EIO;	/* the write went somewhere we did not expect */
	if (!r->rc) {
		scn_set_hex(r, "pa", pa);
		fprintf(w->out, "dma %s: wrote iova 0x%llx, the bytes landed at pa 0x%llx\n",
			dev->name, (unsigned long long)iova, (unsigned long long)pa);
	} else {
		fprintf(w->out, "dma %s: write to iova 0x%llx failed (-%s)\n", dev->name,
			(unsigned long long)iova, scn_errno_name(-r->rc));
	}
	return 0;
}

/* events: pop the SMMU events the driver decoded; count= and last=. */
int cmd_events(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	struct world *w = scenario_world(s);
	struct arm_smmu_event evt, last = { 0 };
	unsigned int n = 0;

	(void)l;
	if (!w->platform)
		return scn_error(s, l, "events: no board yet (start with 'board')");
	while (platform_pop_event(w->platform, &evt) == 0) {
		fprintf(w->out, "event: %s sid 0x%x iova 0x%llx %s%s%s\n",
			event_name(evt.id), evt.sid, (unsigned long long)evt.iova,
			evt.read ? "read" : "write", evt.s2 ? " stage 2" : "",
			evt.dev ? "" : " (no device)");
		last = evt;
		n++;
	}
	scn_set(r, "count", "%u", n);
	scn_set(r, "last", "%s", n ? event_name(last.id) : "none");
	if (n)
		scn_set_hex(r, "sid", last.sid);
	return 0;
}

/* Fire vector 0 of a board endpoint: did the ITS pend the LPI it routed? */
int board_fire_msi(struct world *w, struct world_obj *dev, struct msi_row *row)
{
	unsigned int cpu = 0;
	u32 lpi = 0;
	int ret;

	row->fired = true;
	ret = ep_trigger_msi(dev->ep, 0);
	if (ret)
		return ret;
	ret = ep_msi_lpi(dev->ep, 0, &lpi, &cpu);
	if (ret)
		return ret;
	row->lpi = lpi;
	row->lpi_pending = machine_lpi_pending(w->machine, cpu, lpi);
	if (row->lpi_pending)
		machine_lpi_ack(w->machine, cpu);
	return row->lpi_pending ? 0 : -EIO;
}

static void trace_line(void *opaque, const char *line)
{
	fprintf(opaque, "  %s\n", line);
}

/*
 * nested-vm: the whole nesting story on a board of its own (vmm/finale.c):
 * host kernel, VMM with a vSMMU, guest kernel programming stage 1 in guest
 * RAM, and the guest device's DMA and MSI through both stages to the host
 * page and the host's LPI.  rc is 0 when every step's check held.
 */
int cmd_nested_vm(struct scenario *s, const struct scn_line *l,
		  struct scn_result *r)
{
	(void)l;
	r->rc = vmm_run_finale(trace_line, scenario_out(s));
	return 0;
}
