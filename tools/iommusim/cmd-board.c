// SPDX-License-Identifier: MIT
/*
 * Scenario commands on the emulated board (hw/machine + kernel/platform):
 * a host kernel booted with the arm-smmu-v3 and gic-its drivers, endpoints
 * whose DMA and MSI writes really travel through the SMMUv3 model's tables
 * to RAM and to GITS_TRANSLATER.  Where the mock world can only say where a
 * write would land, the board makes the device write it: a DMA lands in RAM
 * or faults with an event the driver decodes, an MSI pends an LPI or not.
 */
#include <stddef.h>
#include <stdlib.h>
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

/* The board SMMU's smmuv3_config fields a scenario may set, as 0/1 switches. */
static const struct {
	const char *key;
	size_t off;
} smmu_switches[] = {
	{ "ril",       offsetof(struct smmuv3_config, range_inv) },
	{ "hyp",       offsetof(struct smmuv3_config, hyp) },
	{ "msi",       offsetof(struct smmuv3_config, msi) },
	{ "cd-2level", offsetof(struct smmuv3_config, cd_2level) },
	{ "asid16",    offsetof(struct smmuv3_config, asid16) },
	{ "vmid16",    offsetof(struct smmuv3_config, vmid16) },
	{ "s2fwb",     offsetof(struct smmuv3_config, s2fwb) },
};

/* The walk caches' sizes in entries (docs/smmuv3.md); 0 turns one off. */
static const struct {
	const char *key;
	size_t off;
} smmu_walk_caches[] = {
	{ "walk-cache-s1",    offsetof(struct smmuv3_config, walk_cache_s1) },
	{ "walk-cache-s2",    offsetof(struct smmuv3_config, walk_cache_s2) },
	{ "walk-cache-s1ptw", offsetof(struct smmuv3_config, walk_cache_s1ptw) },
};

/*
 * The SMMU's identity from board's keys, over smmuv3_config_default():
 * stages=s1|s2|s1+s2, granules=4K,16K,64K, oas=BITS, sid-bits=, ssid-bits=,
 * tlb-sets=, walk-cache-s1= -s2= -s1ptw= (entries, 0 off),
 * strtab=linear|2-level, coherency=off|report|fatal (the
 * coherency checker; the default from $IOMMUSIM_COHERENCY) and the 0/1
 * switches above.  Values
 * the model would refuse are refused here, by smmuv3_create() itself.
 */
static int board_smmu_config(struct scenario *s, const struct scn_line *l,
			     struct smmuv3_config *cfg)
{
	const char *stages = scn_key(l, "stages"), *grans = scn_key(l, "granules");
	const char *strtab = scn_key(l, "strtab");
	u64 v;

	for (size_t i = 0; i < ARRAY_SIZE(smmu_switches); i++) {
		if (!scn_key(l, smmu_switches[i].key))
			continue;
		if (scn_u64(s, l, smmu_switches[i].key, true, &v))
			return -1;
		if (v > 1)
			return scn_error(s, l, "board: %s= is 0 or 1", smmu_switches[i].key);
		*(bool *)((char *)cfg + smmu_switches[i].off) = v;
	}
	if (stages) {
		cfg->stage1 = !strcmp(stages, "s1") || !strcmp(stages, "s1+s2");
		cfg->stage2 = !strcmp(stages, "s2") || !strcmp(stages, "s1+s2");
		if (!cfg->stage1 && !cfg->stage2)
			return scn_error(s, l, "board: stages=%s: s1, s2 or s1+s2", stages);
		if (!cfg->stage1)
			cfg->hyp = false;	/* EL2 contexts are stage 1 */
	}
	if (grans) {
		char list[SCN_MAX_WORD], *save, *g;

		snprintf(list, sizeof(list), "%s", grans);
		cfg->gran4k = cfg->gran16k = cfg->gran64k = false;
		for (g = strtok_r(list, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
			if (!strcmp(g, "4K"))
				cfg->gran4k = true;
			else if (!strcmp(g, "16K"))
				cfg->gran16k = true;
			else if (!strcmp(g, "64K"))
				cfg->gran64k = true;
			else
				return scn_error(s, l, "board: granules=%s: a list of 4K, 16K, 64K",
						 grans);
		}
	}
	if (scn_key(l, "oas")) {
		if (scn_u64(s, l, "oas", true, &v))
			return -1;
		cfg->oas_bits = (unsigned int)min_t(u64, v, 64);
	}
	if (scn_key(l, "sid-bits")) {
		if (scn_u64(s, l, "sid-bits", true, &v))
			return -1;
		cfg->sid_bits = (unsigned int)min_t(u64, v, 64);
	}
	if (scn_key(l, "ssid-bits")) {
		if (scn_u64(s, l, "ssid-bits", true, &v))
			return -1;
		cfg->ssid_bits = (unsigned int)min_t(u64, v, 64);
	}
	if (scn_key(l, "tlb-sets")) {
		if (scn_u64(s, l, "tlb-sets", true, &v))
			return -1;
		if (!v || v > (1u << 20) || (v & (v - 1)))
			return scn_error(s, l, "board: tlb-sets= is a power of two, at most 1M");
		cfg->tlb_sets = (unsigned int)v;
	}
	for (size_t i = 0; i < ARRAY_SIZE(smmu_walk_caches); i++) {
		const char *key = smmu_walk_caches[i].key;

		if (!scn_key(l, key))
			continue;
		if (scn_u64(s, l, key, true, &v))
			return -1;
		if (v && (v < 4 || v > (1u << 20) || (v & (v - 1))))
			return scn_error(s, l, "board: %s= is 0 (off) or a power of two from 4 to 1M",
					 key);
		*(unsigned int *)((char *)cfg + smmu_walk_caches[i].off) = (unsigned int)v;
	}
	if (scn_key(l, "coherency")) {
		int mode = smmuv3_coherency_parse(scn_key(l, "coherency"));

		if (mode < 0)
			return scn_error(s, l, "board: coherency=%s: off, report or fatal",
					 scn_key(l, "coherency"));
		cfg->coherency = (unsigned int)mode;
	}
	if (strtab && strcmp(strtab, "linear") && strcmp(strtab, "2-level"))
		return scn_error(s, l, "board: strtab=%s: 2-level or linear", strtab);
	if (strtab)
		cfg->st_2level = !strcmp(strtab, "2-level");
	return 0;
}

/* coherency=report (or fatal, before it aborts): each report on stderr. */
static void coherency_line(void *opaque, const struct smmuv3_coherency_report *r)
{
	(void)opaque;
	fprintf(stderr, "iommusim: coherency: %s\n", r->text);
}

/*
 * board KERNEL [ram=SIZE] [iommu=smmuv3|mock|none] [strict=] [passthrough=]
 * [strtab=2-level|linear] [SMMU identity, board_smmu_config()]: build the machine (RAM at 0x40000000, SMMUv3 at
 * 0x09050000, ITS at 0x08080000) and boot kernel KERNEL on it, owning the
 * lower half of RAM.  strtab=linear: an SMMU without IDR0.ST_LEVEL, so the
 * driver makes a linear stream table.
 * Reports buffers= (the first address of the upper half, free for DMA).
 * The ITS becomes object "its".
 */
int cmd_board(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "ram", "iommu", "strict", "passthrough",
					    "strtab", "stages", "granules", "oas", "sid-bits",
					    "ssid-bits", "tlb-sets", "walk-cache-s1",
					    "walk-cache-s2", "walk-cache-s1ptw", "ril", "hyp", "msi",
					    "cd-2level", "asid16", "vmid16", "s2fwb", "coherency", NULL };
	struct world *w = scenario_world(s);
	struct machine_config mc;
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct world_obj *ko, *its;
	const char *iommu = scn_key(l, "iommu");
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
	machine_config_default(&mc);
	mc.ram_size = ram;
	if (board_smmu_config(s, l, &mc.smmu))
		return -1;
	if (!smmuv3_config_valid(&mc.smmu))
		return scn_error(s, l, "board: the SMMUv3 model refuses this configuration "
				 "(docs/smmuv3.md lists what it supports)");
	if (!(ko = world_new_obj(s, l, OBJ_KERNEL)))
		return -1;
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
	world_trace_machine(w, w->machine);
	if (machine_smmu(w->machine) && mc.smmu.coherency)
		smmuv3_set_coherency(machine_smmu(w->machine), mc.smmu.coherency,
				     coherency_line, NULL);
	pc.fail_site = &w->fail_site;
	w->platform = platform_boot(w->machine, &pc);
	if (IS_ERR(w->platform)) {
		r->rc = (int)PTR_ERR(w->platform);
		w->platform = NULL;
		return 0;
	}
	ko->k = platform_kernel(w->platform);
	world_trace_kernel(w, ko->k);
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

/* Where iova goes for dev on the board, as the hardware that carries it sees it. */
static int board_translate(struct world *w, struct world_obj *dev, u64 iova,
			   bool is_write, phys_addr_t *pa)
{
	struct smmuv3_result res = { 0 };

	*pa = iova;
	if (!dev->ep->behind_iommu)
		return 0;
	if (platform_smmu(w->platform)) {
		if (smmuv3_translate(machine_smmu(w->machine), dev->ep->rid, SMMUV3_NO_SSID,
				     iova, is_write ? SMMUV3_WRITE : SMMUV3_READ, &res))
			return -EFAULT;
		*pa = res.addr;
		return 0;
	}
	return mock_iommu_translate(dev->dev, iova, pa);
}

/* Why a device access failed, in words, for the trace line. */
static const char *board_dma_why(struct world *w, struct world_obj *dev, u64 iova,
				 bool is_write, char *buf, size_t len)
{
	struct smmuv3_walk_info info;
	phys_addr_t pa = iova;
	u64 probe;

	/* Side-effect free: the diagnosis must not record a second event. */
	if (dev->ep->behind_iommu && platform_smmu(w->platform)) {
		if (smmuv3_inspect_walk(machine_smmu(w->machine), dev->ep->rid, SMMUV3_NO_SSID,
					iova, is_write ? SMMUV3_WRITE : SMMUV3_READ,
					NULL, NULL, &info))
			return "the SMMU faulted: 'events' shows the record, 'walk' the walk";
		pa = info.bypass ? iova : info.addr;
	} else if (dev->ep->behind_iommu && mock_iommu_translate(dev->dev, iova, &pa)) {
		return "the IOMMU has no translation for it";
	}
	if (phys_read64(machine_mem(w->machine), pa, &probe)) {
		snprintf(buf, len, "no RAM or device at pa 0x%llx%s", (unsigned long long)pa,
			 dev->ep->behind_iommu ? ", where the IOMMU sent it" : "");
		return buf;
	}
	snprintf(buf, len, "what reads back at pa 0x%llx is not what was written: not plain RAM",
		 (unsigned long long)pa);
	return buf;
}

/*
 * The device reads or writes size bytes at iova through the IOMMU; where a
 * write landed is found by reading RAM back, not by asking any page table.
 * Reports pa= (of the first byte) and, for a read, data= (its first 8 bytes).
 */
int board_dma(struct scenario *s, struct world_obj *dev, u64 iova, bool is_write,
	      size_t size, struct scn_result *r)
{
	struct world *w = scenario_world(s);
	struct endpoint *ep = machine_endpoint(w->machine, dev->ep->index);
	u8 *buf = calloc(1, size), *back = NULL;
	size_t first = min_t(size_t, size, 4096 - (iova & 4095));
	phys_addr_t pa = 0;
	char why[96];

	if (!buf) {
		r->rc = -ENOMEM;
		return 0;
	}
	for (size_t i = 0; i < size; i++)
		buf[i] = (u8)(0xa5 ^ (iova + i) ^ ((iova + i) >> 8));
	r->rc = is_write ? endpoint_dma_write(ep, iova, buf, size) :
			   endpoint_dma_read(ep, iova, buf, size);
	/* Where did it go?  Ask the hardware that carried it (a TLB hit now). */
	if (!r->rc && board_translate(w, dev, iova, is_write, &pa))
		r->rc = -EIO;
	if (!r->rc && is_write) {
		back = malloc(first);
		if (!back || phys_read(machine_mem(w->machine), pa, back, first) ||
		    memcmp(back, buf, first))
			r->rc = -EIO;	/* the write went somewhere we did not expect */
	}
	if (!r->rc) {
		u64 head = 0;

		scn_set_hex(r, "pa", pa);
		if (!is_write) {
			memcpy(&head, buf, min_t(size_t, size, sizeof(head)));
			scn_set_hex(r, "data", head);
		}
		fprintf(w->out, "dma %s: %s %zu bytes at iova 0x%llx, %s pa 0x%llx\n",
			dev->name, is_write ? "wrote" : "read", size,
			(unsigned long long)iova, is_write ? "they landed at" : "from",
			(unsigned long long)pa);
	} else {
		fprintf(w->out, "dma %s: %s at iova 0x%llx failed (-%s): %s\n", dev->name,
			is_write ? "write" : "read", (unsigned long long)iova,
			scn_errno_name(-r->rc),
			board_dma_why(w, dev, iova, is_write, why, sizeof(why)));
	}
	free(back);
	free(buf);
	return 0;
}

/* dma-unmap DEV iova=A size=S: the DMA API unmaps what dma-map mapped. */
int cmd_dma_unmap(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "iova", "size", NULL };
	struct world_obj *dev;
	u64 iova, size;

	(void)r;
	if (scn_check_keys(s, l, keys) ||
	    !(dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE)) ||
	    scn_u64(s, l, "iova", true, &iova) || scn_u64(s, l, "size", true, &size))
		return -1;
	if (!dev->ep)
		return scn_error(s, l, "dma-unmap: %s is not a board endpoint", dev->name);
	if (!size)
		return scn_error(s, l, "dma-unmap: size= must not be 0");
	ep_dma_unmap(dev->ep, iova, size, DMA_BIDIRECTIONAL);
	fprintf(scenario_out(s), "dma-unmap %s: iova 0x%llx (0x%llx bytes)\n", dev->name,
		(unsigned long long)iova, (unsigned long long)size);
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
 * nested-vm [guest-ram=SIZE] [quiet=1]: the whole nesting story on a board
 * of its own (vmm/finale.c): host kernel, VMM with a vSMMU, guest kernel
 * programming stage 1 in guest RAM, and the guest device's DMA and MSI
 * through both stages to the host page and the host's LPI.  rc is 0 when
 * every step's check held; quiet=1 keeps the checks and drops the story.
 */
int cmd_nested_vm(struct scenario *s, const struct scn_line *l,
		  struct scn_result *r)
{
	static const char *const keys[] = { "guest-ram", "quiet", NULL };
	u64 ram = VMM_FINALE_GUEST_RAM, quiet = 0;

	if (scn_check_keys(s, l, keys) || scn_u64(s, l, "guest-ram", false, &ram) ||
	    scn_u64(s, l, "quiet", false, &quiet))
		return -1;
	if (!ram || !IS_ALIGNED(ram, 2ULL << 20) || ram > VMM_GUEST_RAM_MAX)
		return scn_error(s, l, "nested-vm: guest-ram= must be a multiple of 2M, at most %lluM",
				 VMM_GUEST_RAM_MAX >> 20);
	r->rc = vmm_run_finale(quiet ? NULL : trace_line, scenario_out(s), ram);
	scn_set(r, "guest_ram", "%lluM", (unsigned long long)(ram >> 20));
	return 0;
}
