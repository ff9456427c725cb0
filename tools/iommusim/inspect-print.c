// SPDX-License-Identifier: MIT
/*
 * The inspect commands' printer: STEs and CDs as raw words and decoded
 * fields (Arm IHI0070's names, from the model's field tables), walks as
 * one line per descriptor read, the stage-2 walk of each nested stage-1
 * table fetch indented under the descriptor it located, then the result or
 * the fault the SMMU records.  Also the values `expect` checks.
 */
#include <string.h>

#include "lib/bits.h"
#include "tools/iommusim/inspect.h"

#define WRAP	100

static const char *const config_names[8] = {
	[0] = "abort", [4] = "bypass", [5] = "s1-trans", [6] = "s2-trans",
	[7] = "nested",
};

static const char *config_name(unsigned int config)
{
	return config < 8 && config_names[config] ? config_names[config] : "reserved";
}

/* "4K", "2M", "1G": buf holds 24 bytes. */
const char *inspect_size_name(u64 size, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	unsigned int u = 0;

	size >>= 10;
	while (size >= 1024 && !(size & 1023) && u < 3) {
		size >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
	return buf;
}

unsigned int inspect_level_shift(unsigned int g, int level)
{
	return g + (unsigned int)(3 - level) * (g - 3);
}

void inspect_log_step(void *opaque, const struct smmuv3_walk_step *st)
{
	struct walk_log *log = opaque;
	struct walk_log_step *ls;

	if (log->n == WALK_LOG_MAX) {
		log->overflow = true;
		return;
	}
	ls = &log->steps[log->n++];
	ls->s = *st;
	ls->s.walk = NULL;
	ls->granule_shift = st->walk->granule_shift;
	ls->ia_bits = st->walk->ia_bits;
	ls->start_level = st->walk->start_level;
	ls->ttb1 = st->walk->ttb1;
	ls->ttb = st->walk->ttb;
}

/* ---------------------------------------------------------------- STE, CD */

static void print_words(FILE *out, const u64 *w, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%s0x%016llx%s", i % 4 ? " " : "    ",
			(unsigned long long)w[i], i % 4 == 3 || i == n - 1 ? "\n" : "");
}

static bool listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

/*
 * Fields of the groups in `groups`: those named in `always`, and any other
 * that is not zero.  Wrapped at WRAP columns after `indent`; col is where
 * the line already is.
 */
static void print_fields(FILE *out, const struct smmuv3_field *t,
			 const u64 *words, unsigned int groups,
			 const char *const *always, const char *indent,
			 unsigned int col)
{
	bool any = false;

	for (; t->name; t++) {
		u64 v = smmuv3_field_get(t, words);
		unsigned int g = t->flags & (SMMUV3_FIELD_S1 | SMMUV3_FIELD_S2);
		char item[96];

		if (g && !(g & groups))
			continue;
		if (!v && !listed(always, t->name))
			continue;
		if (t->names && v < (1ULL << t->width) && t->names[v])
			snprintf(item, sizeof(item), "%s=%s", t->name, t->names[v]);
		else if ((t->flags & SMMUV3_FIELD_ADDR) || t->width > 16)
			snprintf(item, sizeof(item), "%s=0x%llx", t->name,
				 (unsigned long long)v);
		else
			snprintf(item, sizeof(item), "%s=%llu", t->name,
				 (unsigned long long)v);
		if (any && col + 1 + strlen(item) > WRAP) {
			fprintf(out, "\n%s", indent);
			col = (unsigned int)strlen(indent);
		} else if (any || col > strlen(indent)) {
			fputc(' ', out);
			col++;
		}
		fputs(item, out);
		col += (unsigned int)strlen(item);
		any = true;
	}
	fputc('\n', out);
}

static const char *const ste_always[] = {
	"V", "Config", "S1Fmt", "S1ContextPtr", "S1CDMax", "S1DSS", "EATS",
	"STRW", "S2VMID", "S2T0SZ", "S2SL0", "S2TG", "S2PS", "S2AA64", "S2R",
	"S2TTB", NULL,
};
static const char *const cd_always[] = {
	"V", "T0SZ", "TG0", "EPD0", "EPD1", "IPS", "AA64", "ASID", "R", "A",
	"TTB0", "MAIR", NULL,
};
static const char *const ste_off[] = { "V", "Config", NULL };

/* A structure read at addr, which is an IPA when it differs from pa. */
static int print_where(FILE *out, const char *what, u64 addr, u64 pa)
{
	if (addr == pa)
		return fprintf(out, "  %s @ 0x%llx", what, (unsigned long long)addr);
	return fprintf(out, "  %s @ IPA 0x%llx (PA 0x%llx)", what,
		       (unsigned long long)addr, (unsigned long long)pa);
}

static void print_verdict(FILE *out, const struct smmuv3_ste_info *in)
{
	const char *name = smmuv3_event_name(in->event);

	if (!in->event) {
		fprintf(out, "  -> the SMMU accepts it: %s", config_name(in->config));
		if ((in->config & 5) == 5)
			fprintf(out, ", ASID %u", in->asid);
		if ((in->config & 6) == 6)
			fprintf(out, ", VMID %u", in->vmid);
		if (in->config == 0)
			fprintf(out, " (terminates every transaction, records nothing)");
		if (in->config == 4)
			fprintf(out, " (addresses pass untranslated)");
		fprintf(out, "%s\n", in->smmuen ? "" :
			" (but SMMU_CR0.SMMUEN=0: nothing is translated)");
		return;
	}
	fprintf(out, "  -> %s: ", name ? name : "unknown event");
	if (in->event_s2)
		fprintf(out, "stage 2 does not give the CD's IPA a readable page\n");
	else if (in->fetch_addr)
		fprintf(out, "the read at 0x%llx hits no memory\n",
			(unsigned long long)in->fetch_addr);
	else if (!strcmp(name, "C_BAD_STREAMID"))
		fprintf(out, "the StreamID is beyond the stream table or its L1 descriptor\n");
	else if (!strcmp(name, "F_STREAM_DISABLED"))
		fprintf(out, "S1DSS=terminate: no transaction without a SubstreamID passes\n");
	else
		fprintf(out, "the SMMU rejects this configuration, records the event "
			"and terminates the stream's transactions\n");
}

void inspect_print_ste(FILE *out, const char *name, u32 sid,
		       const struct smmuv3_ste_info *in, struct scn_result *r)
{
	const u64 cfg = in->strtab_base_cfg;
	bool two = smmuv3_field_named(smmuv3_strtab_cfg_fields, &cfg, "FMT") == 1;
	unsigned int config = 0;

	fprintf(out, "ste %s: StreamID 0x%x; SMMU_STRTAB_BASE 0x%llx (ADDR 0x%llx), STRTAB_BASE_CFG 0x%x: ",
		name, sid, (unsigned long long)in->strtab_base,
		(unsigned long long)smmuv3_field_named(smmuv3_strtab_base_fields,
						       &in->strtab_base, "ADDR"), (u32)cfg);
	if (two)
		fprintf(out, "2-level, SPLIT %u, ", (unsigned int)
			smmuv3_field_named(smmuv3_strtab_cfg_fields, &cfg, "SPLIT"));
	else
		fprintf(out, "linear, ");
	fprintf(out, "LOG2SIZE %u\n", (unsigned int)
		smmuv3_field_named(smmuv3_strtab_cfg_fields, &cfg, "LOG2SIZE"));
	scn_set(r, "fmt", "%s", two ? "2-level" : "linear");
	if (in->l1_read) {
		int n = fprintf(out, "  L1STD @ 0x%llx = 0x%016llx:",
				(unsigned long long)in->l1_addr,
				(unsigned long long)in->l1);

		print_fields(out, smmuv3_l1std_fields, &in->l1, 0, NULL, "    ",
			     (unsigned int)n);
		scn_set_hex(r, "l1", in->l1_addr);
	}
	if (in->ste_read) {
		unsigned int groups = 0;

		config = (unsigned int)smmuv3_field_named(smmuv3_ste_fields, in->ste, "Config");
		if (config >= 4 && (config & 1))
			groups |= SMMUV3_FIELD_S1;
		if (config >= 4 && (config & 2))
			groups |= SMMUV3_FIELD_S2;
		fprintf(out, "  STE @ 0x%llx:\n", (unsigned long long)in->ste_addr);
		print_words(out, in->ste, 8);
		fputs("    ", out);
		print_fields(out, smmuv3_ste_fields, in->ste, groups,
			     config > 4 ? ste_always : ste_off, "    ", 4);
		scn_set_hex(r, "ste", in->ste_addr);
		scn_set(r, "v", "%u", (unsigned int)smmuv3_field_named(smmuv3_ste_fields,
								     in->ste, "V"));
		scn_set(r, "config", "%s", config_name(config));
		scn_set(r, "vmid", "%u", (unsigned int)smmuv3_field_named(smmuv3_ste_fields,
									in->ste, "S2VMID"));
		if (groups & SMMUV3_FIELD_S2)
			scn_set_hex(r, "s2ttb", smmuv3_field_named(smmuv3_ste_fields, in->ste,
								   "S2TTB"));
	}
	if (in->cd_l1_read) {
		int n = print_where(out, "L1CD", in->cd_l1_addr, in->cd_l1_pa);

		n += fprintf(out, " = 0x%016llx:", (unsigned long long)in->cd_l1);
		print_fields(out, smmuv3_l1cd_fields, &in->cd_l1, 0, ste_off,
			     "    ", (unsigned int)n);
	}
	if (in->cd_read) {
		print_where(out, "CD", in->cd_addr, in->cd_pa);
		fprintf(out, ":\n");
		print_words(out, in->cd, 8);
		fputs("    ", out);
		print_fields(out, smmuv3_cd_fields, in->cd, 0, cd_always, "    ", 4);
		scn_set_hex(r, "cd", in->cd_addr);
		scn_set(r, "asid", "%u", (unsigned int)smmuv3_field_named(smmuv3_cd_fields,
									in->cd, "ASID"));
		scn_set_hex(r, "ttb0", smmuv3_field_named(smmuv3_cd_fields, in->cd, "TTB0"));
	}
	print_verdict(out, in);
	scn_set(r, "event", "%s", in->event ? smmuv3_event_name(in->event) ?: "unknown" :
		"none");
}

/* ---------------------------------------------------------------- walks */

/* Stage 1 leaf: AttrIndx, AP[2:1], AF, nG, PXN, UXN (Arm DDI0487 D8.3). */
static const char *const s1_ap[4] = { "rw,el1", "rw,el0", "ro,el1", "ro,el0" };
static const char *const s2_ap[4] = { "none", "r", "w", "rw" };

void inspect_print_attrs(FILE *out, unsigned int stage, enum vmsa_desc_kind kind,
			u64 d)
{
	if (kind == VMSA_DESC_TABLE) {
		if (stage == 1 && (d & DESC_TABLE_ATTRS))
			fprintf(out, "  PXNTable=%u UXNTable=%u APTable=%u NSTable=%u",
				!!(d & DESC_PXNTABLE), !!(d & DESC_XNTABLE),
				(unsigned int)FIELD_GET(DESC_APTABLE, d), !!(d & DESC_NSTABLE));
		return;
	}
	if (stage == 1)
		fprintf(out, "  AttrIndx=%u AP=%s AF=%u%s%s%s%s%s",
			(unsigned int)FIELD_GET(DESC_ATTRINDX, d), s1_ap[FIELD_GET(DESC_AP, d)],
			!!(d & DESC_AF), d & DESC_NS ? " NS" : "", d & DESC_NG ? " nG" : "",
			d & DESC_PXN ? " PXN" : "", d & DESC_XN ? " UXN" : "",
			d & DESC_DBM ? " DBM" : "");
	else
		fprintf(out, "  MemAttr=0x%x S2AP=%s AF=%u%s%s",
			(unsigned int)FIELD_GET(DESC_ATTR, d), s2_ap[FIELD_GET(DESC_AP, d)],
			!!(d & DESC_AF), d & DESC_XN ? " XN" : "", d & DESC_DBM ? " DBM" : "");
}

static void print_step(FILE *out, const char *indent,
		       const struct walk_log_step *ls, bool at_ipa)
{
	const struct vmsa_walk_step *d = &ls->s.d;
	char sz[24];

	fprintf(out, "%sS%u L%d @ ", indent, ls->s.stage, d->level);
	if (at_ipa)
		fprintf(out, "IPA 0x%llx (PA 0x%llx)", (unsigned long long)d->addr,
			(unsigned long long)ls->s.pa);
	else
		fprintf(out, "0x%llx", (unsigned long long)d->addr);
	fprintf(out, " = 0x%016llx  ", (unsigned long long)d->desc);
	switch (d->kind) {
	case VMSA_DESC_INVALID:
		fprintf(out, "invalid");
		break;
	case VMSA_DESC_RESERVED:
		if (d->level == 3)
			fprintf(out, "reserved (0b01 at level 3)");
		else
			fprintf(out, "reserved (no block at level %d)", d->level);
		break;
	case VMSA_DESC_TABLE:
		fprintf(out, "table -> 0x%llx", (unsigned long long)d->out);
		break;
	case VMSA_DESC_BLOCK:
		fprintf(out, "block -> 0x%llx (%s)", (unsigned long long)d->out,
			inspect_size_name(1ULL << inspect_level_shift(ls->granule_shift, d->level),
				  sz, sizeof(sz)));
		break;
	case VMSA_DESC_PAGE:
		fprintf(out, "page -> 0x%llx", (unsigned long long)d->out);
		break;
	}
	if (d->kind == VMSA_DESC_TABLE || d->kind == VMSA_DESC_BLOCK ||
	    d->kind == VMSA_DESC_PAGE)
		inspect_print_attrs(out, ls->s.stage, d->kind, d->desc);
	fputc('\n', out);
}

static void print_walk_header(FILE *out, const struct walk_log_step *ls,
			      bool nested)
{
	char sz[24];

	if (ls->s.stage == 1)
		fprintf(out, "  stage 1: %s 0x%llx", ls->ttb1 ? "TTB1" : "TTB0",
			(unsigned long long)ls->ttb);
	else if (nested)
		fprintf(out, "  stage 2 of IPA 0x%llx: S2TTB 0x%llx",
			(unsigned long long)ls->s.d.ia, (unsigned long long)ls->ttb);
	else
		fprintf(out, "  stage 2: S2TTB 0x%llx", (unsigned long long)ls->ttb);
	fprintf(out, ", %s granule, %u-bit input, start level %d\n",
		inspect_size_name(1ULL << ls->granule_shift, sz, sizeof(sz)), ls->ia_bits,
		ls->start_level);
}

static void print_steps(FILE *out, const struct walk_log *log, bool nested)
{
	int pend = -1;		/* first stage-2 step of a stage-1 fetch */
	bool s1_hdr = false, s2_hdr = false;

	for (unsigned int i = 0; i < log->n; i++) {
		const struct walk_log_step *ls = &log->steps[i];

		if (ls->s.stage == 2 && ls->s.s1_fetch) {
			if (pend < 0)
				pend = (int)i;
			continue;
		}
		if (ls->s.stage == 1) {
			if (!s1_hdr)
				print_walk_header(out, ls, nested);
			s1_hdr = true;
			print_step(out, "  ", ls, nested);
			for (int j = pend; j >= 0 && j < (int)i; j++)
				print_step(out, "      ", &log->steps[j], false);
			pend = -1;
			continue;
		}
		if (!s2_hdr)
			print_walk_header(out, ls, nested);
		s2_hdr = true;
		print_step(out, "  ", ls, false);
	}
	if (pend >= 0) {
		fprintf(out, "  S1 descriptor @ IPA 0x%llx: stage 2 faults on its read\n",
			(unsigned long long)log->steps[pend].s.d.ia);
		for (unsigned int j = (unsigned int)pend; j < log->n; j++)
			print_step(out, "      ", &log->steps[j], false);
	}
	if (log->overflow)
		fprintf(out, "  (more reads than %d: not shown)\n", WALK_LOG_MAX);
}

static const char *fault_text(u32 event)
{
	const char *n = smmuv3_event_name(event);

	if (!n)
		return "a fault";
	if (!strcmp(n, "F_TRANSLATION"))
		return "translation fault";
	if (!strcmp(n, "F_ADDR_SIZE"))
		return "address size fault";
	if (!strcmp(n, "F_ACCESS"))
		return "access flag fault";
	if (!strcmp(n, "F_PERMISSION"))
		return "permission fault";
	if (!strcmp(n, "F_WALK_EABT"))
		return "external abort on a table walk";
	return NULL;		/* a configuration event */
}

static void print_result(FILE *out, const struct walk_view *v,
			 const struct walk_log *log, struct scn_result *r)
{
	const struct smmuv3_walk_info *in = &v->info;
	static const char *const class_names[4] = { "CD", "TT", "IN", "?" };
	unsigned int allow = in->s1_allow & in->s2_allow;
	char sz[24];

	if (in->event == SMMUV3_ABORT) {
		fprintf(out, "  -> abort: the transaction is terminated, no event recorded\n");
		scn_set(r, "fault", "abort");
		return;
	}
	if (in->event) {
		const char *name = smmuv3_event_name(in->event) ?: "unknown";
		const char *what = fault_text(in->event);
		bool stage_steps = false;

		scn_set(r, "fault", "%s", name);
		if (!what) {
			fprintf(out, "  -> %s: the configuration is rejected%s\n", name,
				v->on_smmu ? " (see ste)" : "");
			return;
		}
		fprintf(out, "  -> %s (%s): stage %u, level %d, CLASS=%s", name, what,
			in->s2 ? 2 : 1, in->level, class_names[in->class & 3]);
		if (in->s2)
			fprintf(out, ", IPA 0x%llx", (unsigned long long)in->fault_ipa);
		if (in->fetch_addr)
			fprintf(out, ", read at 0x%llx", (unsigned long long)in->fetch_addr);
		if (v->on_smmu)
			fprintf(out, "; %s", in->recorded ? "the SMMU records it" :
				in->s2 ? "not recorded (STE.S2R=0)" : "not recorded (CD.R=0)");
		fputc('\n', out);
		for (unsigned int i = 0; i < log->n; i++)
			if (log->steps[i].s.stage == (in->s2 ? 2 : 1))
				stage_steps = true;
		if (in->class == 0)
			fprintf(out, "     (on the read of the CD itself: see ste)\n");
		else if (!stage_steps && !strcmp(name, "F_TRANSLATION"))
			fprintf(out, "     (no descriptor read: the address is beyond the "
				"input range, or the table is disabled)\n");
		scn_set(r, "stage", "%u", in->s2 ? 2 : 1);
		scn_set(r, "level", "%d", in->level);
		scn_set(r, "class", "%s", class_names[in->class & 3]);
		return;
	}
	scn_set(r, "fault", "none");
	scn_set_hex(r, "pa", in->addr);
	if (in->bypass) {
		fprintf(out, "  -> pa 0x%llx: %s\n", (unsigned long long)in->addr,
			!v->config || strcmp(v->config, "none") ? "bypass, untranslated" :
			"no IOMMU, the address goes to the bus as it is");
		return;
	}
	fprintf(out, "  -> ");
	if (v->on_smmu && v->ste && (v->ste->config & 7) == 7) {
		fprintf(out, "ipa 0x%llx -> ", (unsigned long long)in->ipa);
		scn_set_hex(r, "ipa", in->ipa);
	}
	fprintf(out, "pa 0x%llx (%s %s, allows %s%s)\n", (unsigned long long)in->addr,
		inspect_size_name(1ULL << in->size_shift, sz, sizeof(sz)),
		in->size_shift <= 16 ? "page" : "block",
		allow & SMMUV3_ALLOW_R ? "r" : "-", allow & SMMUV3_ALLOW_W ? "w" : "-");
	scn_set_hex(r, "size", 1ULL << in->size_shift);
	scn_set(r, "perm", "%s%s", allow & SMMUV3_ALLOW_R ? "r" : "-",
		allow & SMMUV3_ALLOW_W ? "w" : "-");
}

void inspect_print_walk(FILE *out, const struct walk_view *v,
			const struct walk_log *log, struct scn_result *r)
{
	static const struct walk_log none;
	const char *config = v->config;
	bool nested = false;

	if (!log)
		log = &none;
	fprintf(out, "walk %s iova=0x%llx %s", v->name, (unsigned long long)v->iova,
		v->access == SMMUV3_READ ? "read" : v->access == SMMUV3_WRITE ?
		"write" : "read+write");
	if (v->on_smmu) {
		const struct smmuv3_ste_info *si = v->ste;

		config = si->event ? smmuv3_event_name(si->event) ?: "unknown" :
			 config_name(si->config);
		nested = !si->event && si->config == 7;
		fprintf(out, ": StreamID 0x%x, %s%s", v->sid,
			si->event ? "configuration fault " : "", config);
		if (!si->event && (si->config & 5) == 5)
			fprintf(out, ", ASID %u", si->asid);
		if (!si->event && (si->config & 6) == 6)
			fprintf(out, ", VMID %u", si->vmid);
		if (!si->smmuen)
			fprintf(out, " (SMMU disabled: GBPA %s)",
				si->gbpa_abort ? "aborts" : "bypasses");
	} else {
		if (v->domain)
			fprintf(out, ": %s, %s domain", config, v->domain);
		else
			fprintf(out, ": no IOMMU");
	}
	fputc('\n', out);
	scn_set(r, "config", "%s", config);
	print_steps(out, log, nested);
	print_result(out, v, log, r);
	scn_set(r, "reads", "%u", log->n);
}
