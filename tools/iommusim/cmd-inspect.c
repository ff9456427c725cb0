// SPDX-License-Identifier: MIT
/*
 * Inspect commands: what the hardware sees.
 *
 *   ste DEV                          a board endpoint's STE (and L1
 *                                    descriptor, CD), raw and decoded
 *   walk DEV|DOMAIN iova=A [access=] the table walk of one access, level
 *                                    by level, and its result or fault
 *
 * They read machine memory only, the way the hardware does.  On the board
 * the SMMUv3 model itself fetches and walks (hw/smmuv3/inspect.h), starting
 * from SMMU_STRTAB_BASE; for the mock IOMMU the VMSA walker reads the
 * domain's tables from the register values io-pgtable handed the driver
 * (TTBR/TCR, VTTBR/VTCR), which is all hardware would be given.  Never a
 * kernel structure's idea of a mapping: a bug on either side shows up as a
 * wrong walk.  Formatting lives in inspect-print.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "kernel/drivers/mock-iommu-priv.h"
#include "kernel/io-pgtable.h"
#include "kernel/platform.h"
#include "lib/bits.h"
#include "tools/iommusim/inspect-dot.h"
#include "tools/iommusim/inspect.h"

/* iova=: a 64-bit number; beyond 64 bits is said so, not "not a number". */
static int parse_iova(struct scenario *s, const struct scn_line *l, u64 *iova)
{
	const char *v = scn_key(l, "iova");
	unsigned long long x;
	char *end;

	if (!v)
		return scn_error(s, l, "%s: missing iova=", l->cmd);
	if (!scn_parse_u64(v, iova))
		return 0;
	errno = 0;
	x = strtoull(v, &end, 0);
	(void)x;
	if (errno == ERANGE && end != v && !*end)
		return scn_error(s, l, "%s: iova=%s is beyond 64 bits", l->cmd, v);
	return scn_error(s, l, "%s: iova=%s is not a number", l->cmd, v);
}

static int parse_access(struct scenario *s, const struct scn_line *l,
			unsigned int *acc)
{
	const char *a = scn_key(l, "access");

	if (!a || !strcmp(a, "r"))
		*acc = SMMUV3_READ;
	else if (!strcmp(a, "w"))
		*acc = SMMUV3_WRITE;
	else if (!strcmp(a, "rw"))
		*acc = SMMUV3_READ | SMMUV3_WRITE;
	else
		return scn_error(s, l, "%s: access=%s: one of r, w, rw", l->cmd, a);
	return 0;
}

/* The board's SMMUv3 model, when the board's kernel drives it. */
struct smmuv3 *inspect_board_smmu(struct world *w)
{
	return w->platform && platform_smmu(w->platform) ?
	       machine_smmu(w->machine) : NULL;
}

bool inspect_board_endpoint(struct world *w, const struct world_obj *dev)
{
	return dev->ep && dev->ep->behind_iommu && inspect_board_smmu(w);
}

/* STE word 0 and 1 fields a guest owns (Linux's STRTAB_STE_*_NESTING_ALLOWED). */
#define VSTE_0_MASK	(BIT_ULL(0) | GENMASK_ULL(3, 1) | GENMASK_ULL(5, 4) | \
			 GENMASK_ULL(51, 6) | GENMASK_ULL(63, 59))
#define VSTE_1_MASK	(GENMASK_ULL(7, 0) | BIT_ULL(27) | GENMASK_ULL(29, 28))
#define VSTE_CFG_BYPASS	(4ULL << 1)
#define VSTE_CFG_S1	(5ULL << 1)

/*
 * A nested domain's vSTE on the board.  s1-of=G plays a guest whose RAM
 * the stage-2 parent maps at IPA == PA: its stage 1 is G's, read from the
 * stream table as a VMM reads its vSMMU's (the CD pointer and the format).
 */
int inspect_board_vste(struct scenario *s, const struct scn_line *l, u64 vste[2])
{
	struct world *w = scenario_world(s);
	struct smmuv3_ste_info si;
	struct world_obj *g;

	vste[0] = BIT_ULL(0) | VSTE_CFG_BYPASS;
	vste[1] = 0;
	if (!scn_key(l, "s1-of"))
		return 0;
	if (!(g = world_arg_obj(s, l, "s1-of", 0, OBJ_DEVICE)))
		return -1;
	if (!inspect_board_endpoint(w, g))
		return scn_error(s, l, "%s: s1-of=%s is not behind the board's SMMU",
				 l->cmd, g->name);
	smmuv3_inspect_ste(inspect_board_smmu(w), machine_endpoint_sid(w->machine, g->ep->index),
			   SMMUV3_NO_SSID, &si);
	if (!si.ste_read || !(si.ste[0] & 1) ||
	    (si.ste[0] & GENMASK_ULL(3, 1)) != VSTE_CFG_S1)
		return scn_error(s, l, "%s: s1-of=%s: its STE is not a stage-1 configuration",
				 l->cmd, g->name);
	vste[0] = si.ste[0] & VSTE_0_MASK;
	vste[1] = si.ste[1] & VSTE_1_MASK;
	return 0;
}

/* ste DEV: the STE the SMMU fetches for a board endpoint's StreamID. */
int cmd_ste(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { NULL };
	struct world *w = scenario_world(s);
	struct smmuv3_ste_info info;
	struct world_obj *dev;
	struct smmuv3 *smmu;
	u32 sid;

	if (scn_check_keys(s, l, keys) ||
	    !(dev = world_arg_obj(s, l, NULL, 0, OBJ_DEVICE)))
		return -1;
	if (scn_pos(l, 1))
		return scn_error(s, l, "ste: '%s': one device only", scn_pos(l, 1));
	if (!dev->ep)
		return scn_error(s, l, "ste: '%s' is not a board endpoint (the mock IOMMU has no stream table; try walk)",
				 dev->name);
	if (!(smmu = inspect_board_smmu(w)))
		return scn_error(s, l, "ste: the board's kernel does not drive the SMMU (board iommu=smmuv3)");
	if (!dev->ep->behind_iommu)
		return scn_error(s, l, "ste: '%s' is not behind the SMMU", dev->name);
	sid = machine_endpoint_sid(w->machine, dev->ep->index);
	smmuv3_inspect_ste(smmu, sid, SMMUV3_NO_SSID, &info);
	inspect_print_ste(scenario_out(s), dev->name, sid, &info, r);
	return 0;
}

/* The register values a mock paging domain's io-pgtable gave the driver. */
int inspect_mock_walk_cfg(struct iommu_domain *d, struct vmsa_walk_cfg *wc)
{
	static const u8 tg_shift[4] = { 12, 16, 14, 0 };
	static const u8 ps_bits[8] = { 32, 36, 40, 42, 44, 48, 52, 0 };
	struct mock_domain *md = to_mock_domain(d);
	const struct io_pgtable_cfg *cfg = &md->cfg;
	unsigned int concat;

	memset(wc, 0, sizeof(*wc));
	wc->fetch = vmsa_fetch_ram;
	wc->opaque = md->k->mem;
	if (md->fmt == ARM_64_LPAE_S1) {
		wc->stage = 1;
		wc->granule_shift = tg_shift[cfg->arm_lpae_s1_cfg.tcr.tg];
		wc->ia_bits = (u8)(64 - cfg->arm_lpae_s1_cfg.tcr.tsz);
		wc->oa_bits = ps_bits[cfg->arm_lpae_s1_cfg.tcr.ips];
		wc->start_level = (s8)vmsa_s1_start_level(wc->granule_shift,
							  wc->ia_bits);
		wc->ttb = cfg->arm_lpae_s1_cfg.ttbr;
	} else {
		wc->stage = 2;
		wc->granule_shift = tg_shift[cfg->arm_lpae_s2_cfg.vtcr.tg];
		wc->ia_bits = (u8)(64 - cfg->arm_lpae_s2_cfg.vtcr.tsz);
		wc->oa_bits = ps_bits[cfg->arm_lpae_s2_cfg.vtcr.ps];
		wc->start_level = (s8)vmsa_s2_start_level(wc->granule_shift,
				cfg->arm_lpae_s2_cfg.vtcr.sl, wc->ia_bits,
				wc->oa_bits, &concat);
		wc->ttb = cfg->arm_lpae_s2_cfg.vttbr;
	}
	return wc->start_level < 0 ? -EINVAL : 0;
}

void inspect_log_vmsa_step(void *opaque, const struct vmsa_walk_cfg *cfg,
			  const struct vmsa_walk_step *d)
{
	struct smmuv3_walk_step st = {
		.stage = cfg->stage, .walk = cfg, .d = *d, .pa = d->addr,
	};

	inspect_log_step(opaque, &st);
}

/* The walk as text, and as a picture when dot= or svg= asks for one. */
static int walk_show(struct scenario *s, const struct scn_line *l,
		     const struct walk_view *v, const struct walk_log *log,
		     struct scn_result *r)
{
	const char *dot = scn_key(l, "dot"), *svg = scn_key(l, "svg");
	struct dot_graph *g;
	int ret = 0;

	inspect_print_walk(scenario_out(s), v, log, r);
	if (!dot && !svg)
		return 0;
	g = dot_graph_new("walk", "TB");
	if (!g)
		return scn_error(s, l, "walk: out of memory");
	dot_walk(g, v, log);
	if (dot_graph_finish(g, dot, svg, scenario_out(s)))
		ret = scn_error(s, l, "walk: %s", dot_graph_error(g));
	dot_graph_free(g);
	return ret;
}

/*
 * The mock IOMMU's "hardware": a walk of the domain the driver attached,
 * as the SMMU would make it for that configuration.
 */
static int mock_walk(struct scenario *s, const struct scn_line *l,
		     const char *name, struct iommu_domain *d, u64 iova,
		     unsigned int acc, struct scn_result *r)
{
	struct walk_view v = { .name = name, .iova = iova, .access = acc };
	struct iommu_hwpt_mock_nested nc;
	struct vmsa_walk_result res;
	struct vmsa_fault f;
	struct vmsa_walk_cfg wc;
	struct walk_log *log;
	unsigned int vacc = 0;
	int ret;

	if (!d) {
		v.config = "none";
		v.info.bypass = true;
		v.info.addr = iova;
		inspect_print_walk(scenario_out(s), &v, NULL, r);
		return 0;
	}
	v.domain = domain_type_name(d);
	switch (d->type) {
	case IOMMU_DOMAIN_BLOCKED:
		v.config = "abort";
		v.info.event = SMMUV3_ABORT;
		inspect_print_walk(scenario_out(s), &v, NULL, r);
		return 0;
	case IOMMU_DOMAIN_IDENTITY:
		v.config = "bypass";
		v.info.bypass = true;
		v.info.addr = iova;
		inspect_print_walk(scenario_out(s), &v, NULL, r);
		return 0;
	}
	if (!mock_is_domain(d))
		return scn_error(s, l, "walk: '%s' is not a mock IOMMU domain: walk a board device attached to it",
				 name);
	if (d->type == IOMMU_DOMAIN_NESTED) {
		if (mock_nested_config(d, &nc))
			return scn_error(s, l, "walk: '%s': no nested configuration", name);
		if (nc.config == MOCK_S1_ABORT) {
			v.config = "abort";
			v.info.event = SMMUV3_ABORT;
			inspect_print_walk(scenario_out(s), &v, NULL, r);
			return 0;
		}
		if (nc.config != MOCK_S1_BYPASS) {
			fprintf(scenario_out(s), "walk %s: the mock IOMMU does not walk a guest stage 1 (the board's SMMU does)\n",
				name);
			r->rc = -EOPNOTSUPP;
			return 0;
		}
		d = mock_nested_parent(d);
	}
	if (mock_domain_fmt(d) < 0 || inspect_mock_walk_cfg(d, &wc))
		return scn_error(s, l, "walk: '%s' has no page table to walk", name);
	v.config = wc.stage == 1 ? "s1-trans" : "s2-trans";
	log = calloc(1, sizeof(*log));
	if (!log)
		return scn_error(s, l, "walk: out of memory");
	wc.trace = inspect_log_vmsa_step;
	wc.trace_opaque = log;
	if (acc & SMMUV3_READ)
		vacc |= VMSA_ACC_READ;
	if (acc & SMMUV3_WRITE)
		vacc |= VMSA_ACC_WRITE;
	v.info.s1_allow = v.info.s2_allow = 0x3f;
	if (vmsa_walk(&wc, iova, &res, &f) || vmsa_check_perm(&res, vacc, &f)) {
		v.info.event = smmuv3_walk_fault_event(f.type);
		v.info.s2 = f.stage == 2;
		v.info.level = f.level;
		v.info.fault_ipa = f.ipa;
		v.info.fetch_addr = f.fetch_addr;
		v.info.class = f.type == VMSA_F_EABT ? 1 : 2;
		v.info.recorded = true;
	} else {
		v.info.addr = res.oa;
		v.info.size_shift = res.size_shift;
	}
	if (!v.info.event || f.type == VMSA_F_PERMISSION) {
		u8 *allow = wc.stage == 1 ? &v.info.s1_allow : &v.info.s2_allow;

		*allow = 0;
		if (!vmsa_check_perm(&res, VMSA_ACC_READ, &f))
			*allow |= SMMUV3_ALLOW_R;
		if (!vmsa_check_perm(&res, VMSA_ACC_WRITE, &f))
			*allow |= SMMUV3_ALLOW_W;
	}
	ret = walk_show(s, l, &v, log, r);
	free(log);
	return ret;
}

static int smmu_walk(struct scenario *s, const struct scn_line *l,
		     struct world_obj *dev, u64 iova, unsigned int acc,
		     struct scn_result *r)
{
	struct world *w = scenario_world(s);
	struct smmuv3 *smmu = inspect_board_smmu(w);
	struct walk_view v = { .name = dev->name, .iova = iova, .access = acc };
	struct smmuv3_ste_info si;
	struct walk_log *log;
	int ret;

	v.sid = machine_endpoint_sid(w->machine, dev->ep->index);
	v.on_smmu = true;
	log = calloc(1, sizeof(*log));
	if (!log)
		return scn_error(s, l, "walk: out of memory");
	smmuv3_inspect_ste(smmu, v.sid, SMMUV3_NO_SSID, &si);
	v.ste = &si;
	/* Endpoints make unprivileged data accesses (smmuv3_dma_translator). */
	smmuv3_inspect_walk(smmu, v.sid, SMMUV3_NO_SSID, iova, acc,
			    inspect_log_step, log, &v.info);
	ret = walk_show(s, l, &v, log, r);
	free(log);
	return ret;
}

/* walk DEV|DOMAIN iova=A [access=r|w|rw]: the hardware's walk of one access. */
int cmd_walk(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "iova", "access", "dot", "svg", NULL };
	struct world *w = scenario_world(s);
	const char *name;
	struct world_obj *o;
	unsigned int acc = SMMUV3_READ;
	u64 iova;

	if (scn_check_keys(s, l, keys) ||
	    scn_need_pos(s, l, 0, "device or domain name", &name))
		return -1;
	o = world_find(w, name);
	if (!o)
		return scn_error(s, l, "walk: no object named '%s'", name);
	if (o->kind != OBJ_DEVICE && o->kind != OBJ_DOMAIN)
		return scn_error(s, l, "walk: '%s' is a %s, not a device or domain",
				 name, obj_kind_name(o->kind));
	if (scn_pos(l, 1))
		return scn_error(s, l, "walk: '%s': one device or domain only",
				 scn_pos(l, 1));
	if (parse_iova(s, l, &iova) || parse_access(s, l, &acc))
		return -1;
	if (o->kind == OBJ_DOMAIN)
		return mock_walk(s, l, o->name, o->domain, iova, acc, r);
	if (o->ep && o->ep->behind_iommu && inspect_board_smmu(w))
		return smmu_walk(s, l, o, iova, acc, r);
	/* No IOMMU at all, or the mock (its own or the board's). */
	if (!dev_has_iommu(o->dev))
		return mock_walk(s, l, o->name, NULL, iova, acc, r);
	if (!mock_iommu_attached_domain(o->dev))
		return scn_error(s, l, "walk: '%s': its IOMMU has no domain attached",
				 o->name);
	return mock_walk(s, l, o->name, mock_iommu_attached_domain(o->dev),
			 iova, acc, r);
}
