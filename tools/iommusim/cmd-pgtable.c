// SPDX-License-Identifier: MIT
/*
 * A whole translation table at a glance:
 *
 *   pgtable DEV|DOMAIN [dot=FILE] [svg=FILE]
 *
 * prints the table an endpoint's accesses go through (or a mock domain's)
 * as an indented tree, one line per table and one per run of leaves that
 * continue each other (same level, contiguous input and output, same
 * attributes), so 512 pages of a buffer are one line, not 512.  dot= also
 * writes the tree as Graphviz, svg= renders it with Graphviz's dot.
 *
 * The table is read the way hardware reads it, never from the kernel's
 * bookkeeping: one walk per region of the input space with the model's
 * own walker (the board's SMMU through smmuv3_inspect_walk(), the VMSA
 * walker over a mock domain's TTBR/VTTBR), skipping whatever an invalid
 * descriptor or a leaf covers.  A nested domain's stage-1 descriptors sit
 * at IPAs, each shown with the PA its stage-2 walk found.  Only the lower
 * VA range (TTB0) is shown.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/vmsa-walk.h"
#include "kernel/drivers/mock-iommu-priv.h"
#include "kernel/iommu.h"
#include "kernel/platform.h"
#include "lib/bits.h"
#include "tools/iommusim/inspect-dot.h"
#include "tools/iommusim/inspect.h"

/* Enough for any table a scenario builds; a bound for a hostile one. */
#define PT_MAX_WALKS	(1UL << 20)
#define PT_LEVELS	5	/* levels -1..3 of FEAT_LPA2 never occur here: 0..3 */

/* What walks the input space: the board's SMMU, or the walker over a mock domain. */
struct pt_src {
	struct smmuv3 *smmu;
	u32 sid;
	bool mock;
	struct vmsa_walk_cfg wc;
};

/* A run of leaves that continue each other. */
struct pt_run {
	bool open;
	u8 stage;
	s8 level;
	enum vmsa_desc_kind kind;
	u64 ia, next_ia, oa, next_oa, pa, attrs, desc, count;
};

struct pt_state {
	FILE *out;
	struct dot_graph *dot;
	u8 granule_shift;
	s8 start_level;
	u64 table[PT_LEVELS];	/* the table being shown at each level */
	struct pt_run run;
	unsigned long tables, leaves, runs;
};

static void pt_walk(struct pt_src *src, u64 ia, struct walk_log *log)
{
	log->n = 0;
	log->overflow = false;
	if (src->mock) {
		struct vmsa_walk_result res;
		struct vmsa_fault f;

		src->wc.trace = inspect_log_vmsa_step;
		src->wc.trace_opaque = log;
		vmsa_walk(&src->wc, ia, &res, &f);
	} else {
		struct smmuv3_walk_info info;

		smmuv3_inspect_walk(src->smmu, src->sid, SMMUV3_NO_SSID, ia, SMMUV3_READ,
				    inspect_log_step, log, &info);
	}
}

static int indent(const struct pt_state *st, int level)
{
	return 2 + 2 * (level - st->start_level);
}

static void pt_flush(struct pt_state *st)
{
	struct pt_run *r = &st->run;
	u64 span = r->next_ia - r->ia;
	char sz[24];

	if (!r->open)
		return;
	r->open = false;
	st->runs++;
	fprintf(st->out, "%*s0x%llx-0x%llx -> 0x%llx", indent(st, r->level), "",
		(unsigned long long)r->ia, (unsigned long long)(r->next_ia - 1),
		(unsigned long long)r->oa);
	if (r->pa != r->oa)
		fprintf(st->out, " (PA 0x%llx)", (unsigned long long)r->pa);
	fprintf(st->out, "  %llu x %s %s", (unsigned long long)r->count,
		inspect_size_name(span / r->count, sz, sizeof(sz)),
		r->kind == VMSA_DESC_PAGE ? "page" : "block");
	inspect_print_attrs(st->out, r->stage, r->kind, r->desc);
	fputc('\n', st->out);
	dot_pgtable_run(st->dot, st->table[r->level], r->ia, r->next_ia - 1, r->oa,
			r->count, span / r->count);
}

/* A new table at ls's level: its line, and its edge from the parent. */
static void pt_table(struct pt_state *st, const struct walk_log_step *ls,
		     u64 base, u64 base_pa)
{
	int lvl = ls->s.d.level;
	u64 parent = lvl > st->start_level ? st->table[lvl - 1] : 0;

	pt_flush(st);
	st->table[lvl] = base;
	for (int i = lvl + 1; i < PT_LEVELS; i++)
		st->table[i] = 0;
	st->tables++;
	fprintf(st->out, "%*sL%d table @ 0x%llx", indent(st, lvl) - 2, "", lvl,
		(unsigned long long)base);
	if (base_pa != base)
		fprintf(st->out, " (PA 0x%llx)", (unsigned long long)base_pa);
	fputc('\n', st->out);
	dot_pgtable_table(st->dot, parent, base, lvl, base_pa);
}

static void pt_leaf(struct pt_state *st, const struct walk_log_step *ls, u64 base,
		    u64 span, u64 pa)
{
	const struct vmsa_walk_step *d = &ls->s.d;
	struct pt_run *r = &st->run;
	u64 attrs = d->desc & ~GENMASK_ULL(47, st->granule_shift);

	st->leaves++;
	if (r->open && r->level == d->level && r->stage == ls->s.stage &&
	    r->next_ia == base && r->next_oa == d->out && r->attrs == attrs) {
		r->count++;
		r->next_ia += span;
		r->next_oa += span;
		return;
	}
	pt_flush(st);
	*r = (struct pt_run){
		.open = true, .stage = ls->s.stage, .level = d->level, .kind = d->kind,
		.ia = base, .next_ia = base + span, .oa = d->out,
		.next_oa = d->out + span, .pa = pa, .attrs = attrs, .desc = d->desc,
		.count = 1,
	};
}

/*
 * The PA of what the last input-stage step maps: for nesting, the final
 * stage-2 walk (after the stage-1 leaf) says where the IPA went.
 */
static u64 pt_final_pa(const struct walk_log *log, unsigned int last)
{
	for (unsigned int i = log->n; i-- > last + 1;) {
		const struct walk_log_step *ls = &log->steps[i];

		if (ls->s.stage == 2 && !ls->s.s1_fetch &&
		    (ls->s.d.kind == VMSA_DESC_PAGE || ls->s.d.kind == VMSA_DESC_BLOCK))
			return ls->s.d.out + (log->steps[last].s.d.out &
				((1ULL << inspect_level_shift(ls->granule_shift,
							      ls->s.d.level)) - 1));
	}
	return log->steps[last].s.d.out;
}

/*
 * One walk's input-stage steps into the tree; returns the address after
 * what the last one covers (0 past the top), or 1 when it had no steps.
 */
static u64 pt_account(struct pt_state *st, const struct walk_log *log, u64 ia)
{
	int top = -1, last = -1;
	u64 span, base;

	for (unsigned int i = 0; i < log->n; i++) {
		const struct walk_log_step *ls = &log->steps[i];
		u64 tbytes = ls->s.d.level == ls->start_level ? 0 : 1ULL << ls->granule_shift;
		u64 tbase, tpa;

		if (ls->s.s1_fetch || (top >= 0 && ls->s.stage != top))
			continue;
		top = ls->s.stage;
		last = (int)i;
		tbase = tbytes ? ls->s.d.addr & ~(tbytes - 1) : ls->ttb;
		tpa = tbytes ? ls->s.pa & ~(tbytes - 1) : ls->s.pa - (ls->s.d.addr - ls->ttb);
		if (st->table[ls->s.d.level] != tbase)
			pt_table(st, ls, tbase, tpa);
	}
	if (last < 0)
		return 1;
	span = 1ULL << inspect_level_shift(st->granule_shift, log->steps[last].s.d.level);
	base = ia & ~(span - 1);
	switch (log->steps[last].s.d.kind) {
	case VMSA_DESC_PAGE:
	case VMSA_DESC_BLOCK:
		pt_leaf(st, &log->steps[last], base, span,
			pt_final_pa(log, (unsigned int)last));
		break;
	case VMSA_DESC_RESERVED:
		pt_flush(st);
		fprintf(st->out, "%*s0x%llx: reserved descriptor 0x%016llx at level %d\n",
			indent(st, log->steps[last].s.d.level), "", (unsigned long long)base,
			(unsigned long long)log->steps[last].s.d.desc,
			log->steps[last].s.d.level);
		break;
	default:
		pt_flush(st);	/* a hole ends a run */
		break;
	}
	return base + span;
}

/* The header: which registers the table hangs from, from the first walk. */
static int pt_header(struct pt_state *st, const char *name, const struct walk_log *log,
		     u64 *end)
{
	const struct walk_log_step *ls = NULL;
	char sz[24];

	for (unsigned int i = 0; i < log->n && !ls; i++)
		if (!log->steps[i].s.s1_fetch)
			ls = &log->steps[i];
	if (!ls)
		return -1;
	st->granule_shift = ls->granule_shift;
	st->start_level = ls->start_level;
	*end = ls->ia_bits >= 64 ? 0 : 1ULL << ls->ia_bits;
	fprintf(st->out, "pgtable %s: stage %u, %s 0x%llx, %s granule, %u-bit input, start level %d\n",
		name, ls->s.stage, ls->s.stage == 1 ? "TTB0" : "S2TTB",
		(unsigned long long)ls->ttb, inspect_size_name(1ULL << ls->granule_shift, sz,
							       sizeof(sz)),
		ls->ia_bits, ls->start_level);
	return 0;
}

static int pt_dump(struct pt_state *st, struct pt_src *src, const char *name,
		   struct scn_result *r)
{
	struct walk_log *log = calloc(1, sizeof(*log));
	unsigned long walks = 0;
	u64 ia = 0, end, next;

	if (!log)
		return -ENOMEM;
	pt_walk(src, 0, log);
	if (pt_header(st, name, log, &end)) {
		fprintf(st->out, "pgtable %s: no translation table (the stream bypasses, aborts or is not configured)\n",
			name);
		free(log);
		return -ENOENT;
	}
	do {
		if (walks)
			pt_walk(src, ia, log);
		next = pt_account(st, log, ia);
		if (next <= ia || ++walks == PT_MAX_WALKS)
			break;		/* the top of the space, or a bound */
		ia = next;
	} while (ia != end);
	pt_flush(st);
	if (walks == PT_MAX_WALKS)
		fprintf(st->out, "  (stopped after %lu walks)\n", walks);
	scn_set(r, "tables", "%lu", st->tables);
	scn_set(r, "leaves", "%lu", st->leaves);
	scn_set(r, "runs", "%lu", st->runs);
	free(log);
	return 0;
}

/* The walker for name's accesses, or -1 after saying why not. */
static int pt_source(struct scenario *s, const struct scn_line *l, struct world_obj *o,
		     struct pt_src *src)
{
	struct world *w = scenario_world(s);
	struct iommu_domain *d = NULL;

	memset(src, 0, sizeof(*src));
	if (o->kind == OBJ_DEVICE && inspect_board_endpoint(w, o)) {
		src->smmu = inspect_board_smmu(w);
		src->sid = machine_endpoint_sid(w->machine, o->ep->index);
		return 0;
	}
	if (o->kind == OBJ_DOMAIN)
		d = o->domain;
	else if (o->kind == OBJ_DEVICE && dev_has_iommu(o->dev))
		d = mock_iommu_attached_domain(o->dev);
	else
		return scn_error(s, l, "pgtable: '%s' is a %s, not a device or domain",
				 o->name, obj_kind_name(o->kind));
	if (d && d->type == IOMMU_DOMAIN_NESTED && mock_is_domain(d))
		return scn_error(s, l, "pgtable: '%s': the mock IOMMU does not walk a guest stage 1 (the board's SMMU does)",
				 o->name);
	if (!d || !mock_is_domain(d) || mock_domain_fmt(d) < 0 ||
	    inspect_mock_walk_cfg(d, &src->wc))
		return scn_error(s, l, "pgtable: '%s' has no page table to show", o->name);
	src->mock = true;
	return 0;
}

/* pgtable DEV|DOMAIN [dot=FILE] [svg=FILE]: the whole table, see the top. */
int cmd_pgtable(struct scenario *s, const struct scn_line *l, struct scn_result *r)
{
	static const char *const keys[] = { "dot", "svg", NULL };
	struct pt_state st = { .out = scenario_out(s) };
	const char *name, *dot = scn_key(l, "dot"), *svg = scn_key(l, "svg");
	struct world_obj *o;
	struct pt_src src;

	if (scn_check_keys(s, l, keys) ||
	    scn_need_pos(s, l, 0, "device or domain name", &name))
		return -1;
	if (scn_pos(l, 1))
		return scn_error(s, l, "pgtable: '%s': one device or domain only", scn_pos(l, 1));
	o = world_find(scenario_world(s), name);
	if (!o)
		return scn_error(s, l, "pgtable: no object named '%s'", name);
	if (pt_source(s, l, o, &src))
		return -1;
	if ((dot || svg) && !(st.dot = dot_graph_new("pgtable", "LR")))
		return scn_error(s, l, "pgtable: out of memory");
	r->rc = pt_dump(&st, &src, name, r);
	if (st.dot && !r->rc && dot_graph_finish(st.dot, dot, svg, scenario_out(s))) {
		scn_error(s, l, "pgtable: %s", dot_graph_error(st.dot));
		dot_graph_free(st.dot);
		return -1;
	}
	dot_graph_free(st.dot);
	return 0;
}
