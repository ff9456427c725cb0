// SPDX-License-Identifier: MIT
/*
 * The coherency checker: on every use of cached state, compare it with
 * memory, and report what software changed live without the invalidation
 * the architecture requires (docs/smmuv3.md, "Coherency checker").
 *
 * Hardware may keep using an STE, CD or translation it cached until the
 * matching CMD_CFGI_* / CMD_TLBI_* (and CMD_SYNC) completes (Arm IHI0070,
 * "Configuration and translation cache invalidation" and the invalidation
 * commands of chapter 4), and a valid translation descriptor whose output
 * address, size or memory type changes must first be made invalid and
 * invalidated (Arm DDI0487, "Using break-before-make when updating
 * translation table entries", which the SMMU's translation follows as a
 * VMSA walker).  A driver that forgets is
 * corrupted on hardware rarely and at random; this model knows exactly what
 * it cached, so it reads memory again each time and says which command was
 * missing, deterministically.
 *
 * What is compared, and when (each under smmu->lock, from translate.c, walk.c and
 * tlb.c, only while the checker is on, which also closes the lock-free
 * fast path so that every translation comes here):
 *  - a configuration-cache hit: the STE and CD fetched again (dry run)
 *    and decoded; a different decode is a missing CMD_CFGI_STE or
 *    CMD_CFGI_CD, reported with the word that changed (the words read at
 *    fill time are kept in a checker-owned shadow, by (SID, SSID));
 *  - a TLB hit: the walk done again (smmu_translate_walk() with a trace,
 *    which fills nothing, updates nothing and counts nothing); a leaf now
 *    invalid or faulting, or allowing less than the entry, is a missing
 *    TLBI; a valid leaf with another output address, size, memory type or
 *    nG is a break-before-make violation;
 *  - a TLB entry a TLBI removes: the leaf descriptors it was filled from
 *    (kept in a shadow keyed as the TLB keys entries) read again; valid and
 *    different is a break-before-make violation: the invalidation came
 *    after the new descriptor, with no invalid one between.
 * Walk caches report their own stale entries through
 * smmu_coherency_stale_table().
 *
 * The shadows are direct-mapped and lossy (a collision replaces an entry):
 * a lost entry costs a check, never a false report.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/smmuv3/inspect.h"
#include "hw/smmuv3/smmuv3-internal.h"
#include "hw/vmsa-walk.h"

#define COH_CFG_SLOTS	2048u		/* power of two */
#define COH_SEEN_SLOTS	4096u		/* sites reported, power of two */
#define COH_TEXT_MAX	384

/* One stage's leaf of a walk: where it was read and what it held. */
struct coh_leaf {
	u64 pa, desc;
	u8 stage, gshift;
	s8 level;
	bool valid;
};

struct coh_tlb_shadow {
	bool valid;
	u8 kind, gshift;
	u16 vmid, asid;
	u32 sid;
	u64 va_page;
	struct coh_leaf leaf[2];	/* [stage - 1] */
};

struct coh_cfg_shadow {
	bool valid;
	u32 sid, ssid;
	struct smmuv3_ste_info info;
};

struct smmu_coherency {
	smmuv3_coherency_fn fn;
	void *opaque;
	unsigned int tlb_bits;
	struct coh_tlb_shadow *tlb;
	struct coh_cfg_shadow *cfg;
	u64 seen[COH_SEEN_SLOTS];	/* (kind, address) + 1 of each report */
	unsigned int nr_seen;
};

static u64 coh_hash(u64 v)
{
	return v * 0x9e3779b97f4a7c15ULL;
}

int smmuv3_coherency_parse(const char *name)
{
	static const char *const names[] = { "off", "report", "fatal" };

	for (unsigned int i = 0; name && i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

/* The default for smmuv3_config_default(): read-only process state, so no
 * global of ours; a value it does not know is off. */
unsigned int smmu_coherency_env(void)
{
	int mode = smmuv3_coherency_parse(getenv("IOMMUSIM_COHERENCY"));

	return mode < 0 ? SMMUV3_COHERENCY_OFF : (unsigned int)mode;
}

int smmu_coherency_set(struct smmuv3 *smmu, unsigned int mode)
{
	struct smmu_coherency *c = smmu->coh;

	if (mode > SMMUV3_COHERENCY_FATAL)
		return -EINVAL;
	if (mode == SMMUV3_COHERENCY_OFF) {
		smmu_coherency_free(smmu);
		smmu->coherency = mode;
		return 0;
	}
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		/* Twice the TLB's entries: few collisions. */
		c->tlb_bits = smmu->tlb_sets_bits + 3;
		c->tlb = calloc(1ULL << c->tlb_bits, sizeof(*c->tlb));
		c->cfg = calloc(COH_CFG_SLOTS, sizeof(*c->cfg));
		if (!c->tlb || !c->cfg) {
			free(c->tlb);
			free(c->cfg);
			free(c);
			return -ENOMEM;
		}
		smmu->coh = c;
	}
	smmu->coherency = mode;
	return 0;
}

void smmu_coherency_free(struct smmuv3 *smmu)
{
	struct smmu_coherency *c = smmu->coh;

	if (!c)
		return;
	free(c->tlb);
	free(c->cfg);
	free(c);
	smmu->coh = NULL;
	smmu->coherency = SMMUV3_COHERENCY_OFF;
}

int smmuv3_set_coherency(struct smmuv3 *smmu, unsigned int mode,
			 smmuv3_coherency_fn fn, void *opaque)
{
	int ret;

	smmu_lock(smmu);
	ret = smmu_coherency_set(smmu, mode);
	if (!ret && smmu->coh) {
		smmu->coh->fn = fn;
		smmu->coh->opaque = opaque;
	}
	smmu_update_fast_gate(smmu);
	smmu_unlock(smmu);
	return ret;
}

/* True the first time a site is seen (and while the set has room). */
static bool coh_first(struct smmu_coherency *c, unsigned int kind, u64 addr)
{
	u64 key = ((u64)kind << 56 ^ addr) + 1;
	unsigned int i = (unsigned int)(coh_hash(key) >> 52) & (COH_SEEN_SLOTS - 1);

	for (;; i = (i + 1) & (COH_SEEN_SLOTS - 1)) {
		if (c->seen[i] == key)
			return false;
		if (!c->seen[i])
			break;
	}
	if (c->nr_seen >= COH_SEEN_SLOTS * 3 / 4)
		return false;		/* enough said */
	c->seen[i] = key;
	c->nr_seen++;
	return true;
}

static const char *const kind_names[] = {
	[SMMUV3_COH_CFGI_STE] = "stale STE in the configuration cache",
	[SMMUV3_COH_CFGI_CD] = "stale CD in the configuration cache",
	[SMMUV3_COH_TLBI] = "stale TLB entry",
	[SMMUV3_COH_BBM] = "break-before-make violation",
	[SMMUV3_COH_WALK] = "stale walk-cache entry",
};

/*
 * One report: r says where, fmt what (after the common head).  Trace,
 * counter, callback, then abort in fatal mode.
 */
static void __attribute__((format(printf, 3, 4)))
coh_report(struct smmuv3 *smmu, struct smmuv3_coherency_report *r,
	   const char *fmt, ...)
{
	struct smmu_coherency *c = smmu->coh;
	char text[COH_TEXT_MAX];
	int n;
	va_list ap;

	if (!coh_first(c, r->kind, r->desc_addr))
		return;
	n = snprintf(text, sizeof(text), "%s: sid 0x%x", kind_names[r->kind], r->sid);
	if (r->ssid != SMMUV3_NO_SSID)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " ssid 0x%x", r->ssid);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	r->text = text;
	smmu->stats.coherency_reports++;
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_COHERENCY, "smmuv3_coherency %s", text);
	if (c->fn)
		c->fn(c->opaque, r);
	if (smmu->coherency == SMMUV3_COHERENCY_FATAL) {
		fprintf(stderr, "iommusim: SMMUv3 coherency checker (fatal): %s\n", text);
		abort();
	}
}

/* Configuration cache. */

static struct coh_cfg_shadow *cfg_shadow(struct smmu_coherency *c, u32 sid,
					 u32 ssid)
{
	u64 h = coh_hash((u64)sid << 32 | ssid);

	return &c->cfg[(h >> 40) & (COH_CFG_SLOTS - 1)];
}

/* A dry-run fetch of (sid, ssid): 0 or -1, like smmu_fetch_config(). */
static int cfg_refetch(struct smmuv3 *smmu, u32 sid, u32 ssid,
		       struct smmu_cfg *cfg, struct smmuv3_ste_info *info)
{
	struct smmu_event ev = { .sid = sid, .ssid = ssid, .dry_run = true };

	memset(info, 0, sizeof(*info));
	if (!smmu_fetch_config_info(smmu, sid, ssid, cfg, &ev, info))
		return 0;
	info->event = ev.type;
	return -1;
}

void smmu_coherency_cfg_fill(struct smmuv3 *smmu, u32 sid, u32 ssid)
{
	struct coh_cfg_shadow *s = cfg_shadow(smmu->coh, sid, ssid);
	struct smmu_cfg cfg;

	s->valid = !cfg_refetch(smmu, sid, ssid, &cfg, &s->info);
	s->sid = sid;
	s->ssid = ssid;
}

/* The first of n words that differs, or -1. */
static int word_diff(const u64 *a, const u64 *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a[i] != b[i])
			return (int)i;
	return -1;
}

/*
 * Which word of the configuration changed since the fill (old = the shadow
 * s, may be NULL): fills r (kind, desc_addr, old, new) and names it.
 */
static const char *cfg_changed_word(const struct coh_cfg_shadow *s,
				    const struct smmuv3_ste_info *now,
				    struct smmuv3_coherency_report *r, int *word)
{
	const struct smmuv3_ste_info *was = s ? &s->info : NULL;
	int i;

	r->kind = SMMUV3_COH_CFGI_STE;
	if (was && was->l1_read && now->l1_read && was->l1 != now->l1) {
		r->desc_addr = now->l1_addr;
		r->old_val = was->l1;
		r->new_val = now->l1;
		return "level-1 stream table descriptor";
	}
	i = was && was->ste_read && now->ste_read ? word_diff(was->ste, now->ste, 8) : -1;
	if (i >= 0 || !was || !now->ste_read) {
		i = i < 0 ? 0 : i;
		r->desc_addr = now->ste_addr + 8 * (u64)i;
		r->old_val = was ? was->ste[i] : 0;
		r->new_val = now->ste[i];
		*word = i;
		return "STE";
	}
	r->kind = SMMUV3_COH_CFGI_CD;
	if (was->cd_l1_read && now->cd_l1_read && was->cd_l1 != now->cd_l1) {
		r->desc_addr = now->cd_l1_pa;
		r->old_val = was->cd_l1;
		r->new_val = now->cd_l1;
		return "level-1 CD descriptor";
	}
	i = was->cd_read && now->cd_read ? word_diff(was->cd, now->cd, 8) : -1;
	if (i >= 0) {
		r->desc_addr = now->cd_pa + 8 * (u64)i;
		r->old_val = was->cd[i];
		r->new_val = now->cd[i];
		*word = i;
		return "CD";
	}
	/* Same words, another decode (registers, or a CD behind stage 2). */
	r->kind = SMMUV3_COH_CFGI_STE;
	r->desc_addr = now->ste_addr;
	r->old_val = r->new_val = now->ste[0];
	return "configuration (same words, decoded differently)";
}

void smmu_coherency_cfg_hit(struct smmuv3 *smmu, u32 sid, u32 ssid,
			    const struct smmu_cfg *cached)
{
	struct coh_cfg_shadow *s = cfg_shadow(smmu->coh, sid, ssid);
	struct smmuv3_coherency_report r = {
		.sid = sid, .ssid = ssid, .asid = cached->asid, .vmid = cached->vmid,
	};
	struct smmuv3_ste_info now;
	struct smmu_cfg cfg;
	const char *what;
	char cmd[64], where[24] = "", refused[40] = "";
	int word = -1;

	smmu->stats.coherency_checks++;
	if (!cfg_refetch(smmu, sid, ssid, &cfg, &now) &&
	    !memcmp(&cfg, cached, sizeof(cfg)))
		return;
	if (!(s->valid && s->sid == sid && s->ssid == ssid))
		s = NULL;
	what = cfg_changed_word(s, &now, &r, &word);
	if (word >= 0)
		snprintf(where, sizeof(where), " word %d", word);
	if (now.event)
		snprintf(refused, sizeof(refused), " (now refused: %s)",
			 smmuv3_event_name(now.event) ?: "?");
	if (r.kind == SMMUV3_COH_CFGI_CD)
		snprintf(cmd, sizeof(cmd), "CMD_CFGI_CD sid 0x%x ssid 0x%x", sid,
			 ssid == SMMUV3_NO_SSID ? 0 : ssid);
	else
		snprintf(cmd, sizeof(cmd), "CMD_CFGI_STE sid 0x%x", sid);
	coh_report(smmu, &r, ": %s%s at 0x%llx was 0x%016llx, now 0x%016llx%s: missing %s",
		   what, where, (unsigned long long)r.desc_addr,
		   (unsigned long long)r.old_val, (unsigned long long)r.new_val,
		   refused, cmd);
}

/* TLB. */

/* The leaves a dry-run walk met (not the stage-2 walks of table fetches). */
struct coh_walk {
	struct coh_leaf leaf[2];	/* [stage - 1] */
	struct coh_leaf last;		/* the last descriptor read */
	struct smmu_walk_trace t;
	struct smmu_event ev;
	struct smmuv3_result res;
	int rc;
};

static void coh_step(void *opaque, const struct smmuv3_walk_step *st)
{
	struct coh_walk *w = opaque;
	struct coh_leaf l = {
		.pa = st->pa, .desc = st->d.desc, .stage = st->stage,
		.gshift = st->walk->granule_shift, .level = st->d.level,
		.valid = true,
	};

	if (st->s1_fetch)
		return;
	w->last = l;
	if (st->d.kind == VMSA_DESC_BLOCK || st->d.kind == VMSA_DESC_PAGE)
		w->leaf[(st->stage - 1) & 1] = l;
}

static void coh_rewalk(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
		       const struct smmu_event *tx, struct coh_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->t.fn = coh_step;
	w->t.opaque = w;
	w->t.s1_allow = w->t.s2_allow = PERM_ALL;
	w->ev = (struct smmu_event){
		.sid = tx->sid, .ssid = tx->ssid, .access = tx->access,
		.input = tx->input, .dry_run = true,
	};
	w->rc = smmu_translate_walk(smmu, cfg, tx->input, tx->access, &w->ev,
				    &w->res, &w->t);
}

static struct coh_tlb_shadow *tlb_shadow(struct smmu_coherency *c, u8 kind,
					 u16 vmid, u16 asid, u8 gshift,
					 u64 va_page)
{
	u64 h = coh_hash(va_page ^ (u64)vmid << 40 ^ (u64)asid << 24 ^
			 (u64)kind << 56 ^ (u64)gshift << 60);

	return &c->tlb[h >> (64 - c->tlb_bits)];
}

static bool shadow_is(const struct coh_tlb_shadow *s, u8 kind, u16 vmid,
		      u16 asid, u8 gshift, u64 va_page)
{
	return s->valid && s->kind == kind && s->vmid == vmid &&
	       s->asid == asid && s->gshift == gshift && s->va_page == va_page;
}

void smmu_coherency_tlb_fill(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			     const struct smmu_event *ev, u64 va,
			     unsigned int half)
{
	u8 g = cfg->tlb_gshift[half];
	struct coh_tlb_shadow *s = tlb_shadow(smmu->coh, cfg->tlb_kind, cfg->vmid,
					      cfg->asid, g, va >> g);
	struct coh_walk w;

	coh_rewalk(smmu, cfg, ev, &w);
	/* Filled only when every stage reached its leaf. */
	if ((cfg->s1 && !w.leaf[0].valid) || (cfg->s2 && !w.leaf[1].valid))
		return;
	*s = (struct coh_tlb_shadow){
		.valid = true, .kind = cfg->tlb_kind, .gshift = g,
		.vmid = cfg->vmid, .asid = cfg->asid, .sid = ev->sid,
		.va_page = va >> g, .leaf = { w.leaf[0], w.leaf[1] },
	};
}

/* What break-before-make protects in a leaf: validity, table-or-not,
 * output address, memory type and, at stage 1, nG. */
static u64 leaf_identity(const struct coh_leaf *l, u64 desc)
{
	unsigned int shift = l->gshift + (unsigned int)(3 - l->level) * (l->gshift - 3);
	u64 m = DESC_VALID | DESC_TABLE | GENMASK_ULL(47, shift) | DESC_ATTR;

	if (l->stage == 1)
		m |= DESC_NG;
	if (l->gshift == 16)
		m |= GENMASK_ULL(15, 12);	/* OA[51:48] of a 64K leaf */
	return desc & m;
}

/* The invalidation that was missing, as the driver would have issued it. */
static void tlbi_name(char *buf, size_t n, u8 kind, unsigned int stage,
		      u16 vmid, u16 asid, u64 va, u64 ipa, bool leaf_only)
{
	const char *lz = leaf_only ? "" : " (Leaf=0)";

	switch (kind) {
	case TLB_EL2:
		snprintf(buf, n, "CMD_TLBI_EL2_VA%s asid %u addr 0x%llx", lz, asid,
			 (unsigned long long)va);
		break;
	case TLB_S2:
		snprintf(buf, n, "CMD_TLBI_S2_IPA%s vmid %u addr 0x%llx", lz, vmid,
			 (unsigned long long)va);
		break;
	case TLB_S12:
		if (stage == 2) {
			snprintf(buf, n, "CMD_TLBI_S2_IPA%s vmid %u addr 0x%llx then "
				 "CMD_TLBI_NH_ALL vmid %u (or CMD_TLBI_S12_VMALL vmid %u)",
				 lz, vmid, (unsigned long long)ipa, vmid, vmid);
			break;
		}
		snprintf(buf, n, "CMD_TLBI_NH_VA%s vmid %u asid %u addr 0x%llx", lz,
			 vmid, asid, (unsigned long long)va);
		break;
	default:
		snprintf(buf, n, "CMD_TLBI_NH_VA%s asid %u addr 0x%llx", lz, asid,
			 (unsigned long long)va);
		break;
	}
}

/* Accesses a leaf allows in memory, a writable-clean leaf counted as
 * writable when the stage has HTTU dirty state (the SMMU may mark it). */
static u8 mem_allow(const struct smmu_cfg *cfg, const struct coh_walk *w,
		    unsigned int stage)
{
	u8 allow = stage == 1 ? w->t.s1_allow : w->t.s2_allow;
	bool hd = stage == 1 ? cfg->s1_hd : cfg->s2_hd;

	if (hd && (w->leaf[stage - 1].desc & DESC_DBM))
		allow |= PERM_W | PERM_W << PERM_PRIV_SHIFT;
	return allow;
}

/* A hit whose walk now faults or allows less: a missing TLBI. */
static void tlb_hit_stale(struct smmuv3 *smmu, const struct smmu_tlb_entry *e,
			  const struct coh_tlb_shadow *s, const struct coh_walk *w,
			  unsigned int stage, struct smmuv3_coherency_report *r)
{
	const struct coh_leaf *now = w->rc && w->rc != EVT_F_PERMISSION ?
				     &w->last : &w->leaf[stage - 1];
	u64 va = e->va_page << e->gshift;
	const char *why;
	char cmd[160];

	r->kind = SMMUV3_COH_TLBI;
	r->desc_addr = w->rc == EVT_F_WALK_EABT ? w->ev.fetch_addr : now->pa;
	r->new_val = w->rc == EVT_F_WALK_EABT ? 0 : now->desc;
	r->old_val = s && s->leaf[stage - 1].pa == r->desc_addr ?
		     s->leaf[stage - 1].desc : 0;
	why = !w->rc || w->rc == EVT_F_PERMISSION ? "allows less than the TLB entry" :
	      w->rc == EVT_F_WALK_EABT ? "is no longer readable" :
	      (now->desc & DESC_VALID) ? "now faults" : "is now invalid";
	tlbi_name(cmd, sizeof(cmd), e->kind, stage, e->vmid, e->asid, va,
		  e->ipa_page, true);
	coh_report(smmu, r, " asid %u vmid %u addr 0x%llx -> 0x%llx (cached): stage-%u "
		   "level-%d descriptor at 0x%llx was 0x%016llx, now 0x%016llx %s (%s): missing %s",
		   e->asid, e->vmid, (unsigned long long)va,
		   (unsigned long long)e->out_page, stage, now->level,
		   (unsigned long long)r->desc_addr, (unsigned long long)r->old_val,
		   (unsigned long long)r->new_val, why,
		   w->rc ? smmuv3_event_name((u32)w->rc) ?: "fault" : "permissions", cmd);
}

/* A hit whose leaf is valid with another output: break-before-make. */
static void tlb_hit_bbm(struct smmuv3 *smmu, const struct smmu_tlb_entry *e,
			const struct coh_tlb_shadow *s, const struct coh_walk *w,
			unsigned int stage, struct smmuv3_coherency_report *r)
{
	const struct coh_leaf *now = &w->leaf[stage - 1];
	const struct coh_leaf *was = s && s->leaf[stage - 1].valid ?
				     &s->leaf[stage - 1] : NULL;
	u64 va = e->va_page << e->gshift;
	struct vmsa_fault f;
	s8 level = now->level;
	char cmd[160];

	r->kind = SMMUV3_COH_BBM;
	r->desc_addr = now->pa;
	r->new_val = now->desc;
	r->old_val = was ? was->desc : 0;
	/* The walk now ends elsewhere (a block made a table): name the
	 * descriptor the entry came from, as it is now. */
	if (was && was->pa != now->pa) {
		r->desc_addr = was->pa;
		level = was->level;
		if (vmsa_fetch_ram(smmu->mem, was->pa, &r->new_val, &f))
			r->new_val = 0;
	}
	tlbi_name(cmd, sizeof(cmd), e->kind, stage, e->vmid, e->asid, va,
		  e->ipa_page, true);
	coh_report(smmu, r, " asid %u vmid %u addr 0x%llx -> 0x%llx (cached), 0x%llx "
		   "(memory): stage-%u level-%d descriptor at 0x%llx was 0x%016llx, now "
		   "0x%016llx%s: a valid descriptor's output changed without break-before-make "
		   "(invalid descriptor, then %s, then the new one)",
		   e->asid, e->vmid, (unsigned long long)va,
		   (unsigned long long)e->out_page,
		   (unsigned long long)(w->res.addr & ~((1ULL << e->gshift) - 1)),
		   stage, level, (unsigned long long)r->desc_addr,
		   (unsigned long long)r->old_val, (unsigned long long)r->new_val,
		   level < 3 && (r->new_val & DESC_TABLE) ? " (a block made a table)" : "",
		   cmd);
}

/* Which stage's leaf differs from the shadow's, for a nested entry. */
static unsigned int changed_stage(const struct smmu_cfg *cfg,
				  const struct coh_tlb_shadow *s,
				  const struct coh_walk *w)
{
	if (!cfg->s1)
		return 2;
	if (!cfg->s2 || !s)
		return 1;
	return s->leaf[0].pa != w->leaf[0].pa ||
	       leaf_identity(&s->leaf[0], s->leaf[0].desc) !=
	       leaf_identity(&w->leaf[0], w->leaf[0].desc) ? 1 : 2;
}

void smmu_coherency_tlb_hit(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			    const struct smmu_event *ev,
			    const struct smmu_tlb_entry *e)
{
	const struct coh_tlb_shadow *s = tlb_shadow(smmu->coh, e->kind, e->vmid,
						    e->asid, e->gshift, e->va_page);
	struct smmuv3_coherency_report r = {
		.sid = ev->sid, .ssid = ev->ssid, .asid = e->asid, .vmid = e->vmid,
		.addr = e->va_page << e->gshift,
	};
	struct coh_walk w;
	u64 gmask = (1ULL << e->gshift) - 1;

	smmu->stats.coherency_checks++;
	if (!shadow_is(s, e->kind, e->vmid, e->asid, e->gshift, e->va_page))
		s = NULL;
	coh_rewalk(smmu, cfg, ev, &w);
	if (w.rc) {
		tlb_hit_stale(smmu, e, s, &w, w.ev.s2 ? 2 : 1, &r);
		return;
	}
	if ((w.res.addr & ~gmask) != e->out_page || w.t.size_shift != e->range_shift ||
	    w.res.attr != e->attr ||
	    (cfg->s1 && !(w.leaf[0].desc & DESC_NG) != !!e->global)) {
		tlb_hit_bbm(smmu, e, s, &w, changed_stage(cfg, s, &w), &r);
		return;
	}
	if (e->s1_allow & ~mem_allow(cfg, &w, 1))
		tlb_hit_stale(smmu, e, s, &w, 1, &r);
	else if (e->s2_allow & ~mem_allow(cfg, &w, 2))
		tlb_hit_stale(smmu, e, s, &w, 2, &r);
}

void smmu_coherency_tlb_inv(struct smmuv3 *smmu, const struct smmu_tlb_entry *e)
{
	struct coh_tlb_shadow *s = tlb_shadow(smmu->coh, e->kind, e->vmid,
					      e->asid, e->gshift, e->va_page);

	if (!shadow_is(s, e->kind, e->vmid, e->asid, e->gshift, e->va_page))
		return;
	s->valid = false;
	for (unsigned int i = 0; i < 2; i++) {
		const struct coh_leaf *l = &s->leaf[i];
		struct vmsa_fault f;
		u64 now, va = e->va_page << e->gshift;
		char cmd[160];
		struct smmuv3_coherency_report r = {
			.kind = SMMUV3_COH_BBM, .sid = s->sid, .ssid = SMMUV3_NO_SSID,
			.asid = e->asid, .vmid = e->vmid, .addr = va,
			.desc_addr = l->pa, .old_val = l->desc,
		};

		if (!l->valid)
			continue;
		smmu->stats.coherency_checks++;
		if (vmsa_fetch_ram(smmu->mem, l->pa, &now, &f) || !(now & DESC_VALID) ||
		    leaf_identity(l, now) == leaf_identity(l, l->desc))
			continue;
		r.new_val = now;
		tlbi_name(cmd, sizeof(cmd), e->kind, l->stage, e->vmid, e->asid, va,
			  e->ipa_page, true);
		coh_report(smmu, &r, " asid %u vmid %u addr 0x%llx: stage-%u level-%d "
			   "descriptor at 0x%llx was 0x%016llx, is 0x%016llx%s when the TLBI "
			   "removed the entry: the valid descriptor was replaced without "
			   "break-before-make (invalid descriptor, then %s, then the new one)",
			   e->asid, e->vmid, (unsigned long long)va, l->stage, l->level,
			   (unsigned long long)l->pa, (unsigned long long)l->desc,
			   (unsigned long long)now,
			   l->level < 3 && (now & DESC_TABLE) ? " (a block made a table)" : "",
			   cmd);
	}
}

void smmu_coherency_stale_table(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
				u32 sid, unsigned int stage, int level, u64 va,
				u64 desc_addr, u64 old, u64 new)
{
	struct smmuv3_coherency_report r = {
		.kind = SMMUV3_COH_WALK, .sid = sid, .ssid = SMMUV3_NO_SSID,
		.asid = cfg->asid, .vmid = cfg->vmid, .addr = va,
		.desc_addr = desc_addr, .old_val = old, .new_val = new,
	};
	u8 kind = stage == 2 && cfg->tlb_kind != TLB_S12 ? TLB_S2 : cfg->tlb_kind;
	char cmd[160];

	smmu->stats.coherency_checks++;
	tlbi_name(cmd, sizeof(cmd), kind, stage, cfg->vmid, cfg->asid, va, va, false);
	coh_report(smmu, &r, " asid %u vmid %u addr 0x%llx: stage-%u level-%d table "
		   "descriptor at 0x%llx was 0x%016llx, now 0x%016llx while a walk cache "
		   "holds it: missing %s (a leaf-only TLBI keeps walk-cache entries), or the "
		   "table page was reused while a walk cache may still point into it",
		   cfg->asid, cfg->vmid, (unsigned long long)va, stage, level,
		   (unsigned long long)desc_addr, (unsigned long long)old,
		   (unsigned long long)new, cmd);
}
