// SPDX-License-Identifier: MIT
/*
 * SMMUv3: the walk of a TLB miss (Arm IHI0070 3.2-3.4, 3.13), from a
 * decoded configuration to a TLB fill or an event record.
 *
 * Nested walks give stage 1 a fetch callback that translates each table
 * address through stage 2 (and checks stage-2 read permission), so a
 * stage-2 fault on a stage-1 table fetch is reported with S2=1, CLASS=TT;
 * the stage-1 output then goes through stage 2 (S2=1, CLASS=IN).  The
 * order of checks is the architecture's: stage-1 walk faults, stage-1
 * permission, then stage 2.  Translation-class faults (F_TRANSLATION,
 * F_ADDR_SIZE, F_ACCESS, F_PERMISSION) are recorded only when the faulting
 * stage's R bit (CD.R, STE.S2R) is set; the transaction is terminated
 * either way (no stalls in this implementation).
 *
 * Each stage's walk starts below the deepest table its walk cache holds
 * (walkcache.c), and a nested walk reuses the stage-2 translations of
 * stage-1 table addresses (S1PTW); with the coherency checker on, an entry
 * about to be used is compared with memory first.
 *
 * smmuv3_inspect_walk() (inspect.c) runs the same walk with a trace and
 * without side effects, from memory rather than the walk caches;
 * translate_walk() is instantiated twice, with "no trace" a constant in
 * smmu_translate_miss(), so that costs real walks nothing.  translate.c
 * is the translation's entry point, the caches in front of all this.
 */
#include <string.h>

#include "hw/smmuv3/inspect.h"
#include "hw/smmuv3/smmuv3-internal.h"
#include "hw/vmsa-walk.h"

static u32 fault_event(enum vmsa_fault_type t)
{
	switch (t) {
	case VMSA_F_ACCESS:	return EVT_F_ACCESS;
	case VMSA_F_PERMISSION:	return EVT_F_PERMISSION;
	case VMSA_F_ADDR_SIZE:	return EVT_F_ADDR_SIZE;
	case VMSA_F_EABT:	return EVT_F_WALK_EABT;
	default:		return EVT_F_TRANSLATION;
	}
}

/*
 * Walk configurations are built field by field, every field: a compound
 * literal or memset() costs a "rep stos" on every TLB miss.
 */
static __attribute__((always_inline)) inline void
walk_cfg_common(struct vmsa_walk_cfg *w)
{
	w->hpd = false;
	w->ttb1 = false;
	w->trace = NULL;
	w->trace_opaque = NULL;
	w->from = NULL;
	w->tables = NULL;
}

static void s2_walk_cfg(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			struct vmsa_walk_cfg *w)
{
	walk_cfg_common(w);
	w->stage = 2;
	w->granule_shift = cfg->s2_gshift;
	w->ia_bits = 64 - cfg->s2_tsz;
	w->oa_bits = cfg->s2_oas;
	w->start_level = cfg->s2_start_level;
	w->affd = cfg->s2_affd;
	w->ha = cfg->s2_ha;
	w->hd = cfg->s2_hd;
	w->ttb = cfg->s2ttb;
	w->fetch = vmsa_fetch_ram;
	w->update = vmsa_update_ram;
	w->opaque = smmu->mem;
	w->read_count = smmu->stats.walk_reads[1];	/* lock held */
}

bool smmu_s2_params_valid(const struct smmuv3 *smmu, struct smmu_cfg *cfg)
{
	unsigned int max_ia = cfg->s2_gshift == 16 ? VMSA_ADDR_BITS_64K : VMSA_ADDR_BITS;
	unsigned int concat;
	unsigned int ia_bits = 64 - cfg->s2_tsz;
	int level;

	if (cfg->s2_tsz > VMSA_TXSZ_MAX || ia_bits > min(max_ia, smmu->conf.oas_bits))
		return false;
	level = vmsa_s2_start_level(cfg->s2_gshift, cfg->s2_sl0, ia_bits,
				    smmu->conf.oas_bits, &concat);
	cfg->s2_start_level = (s8)level;
	return level >= 0;
}

/* Stage-2 translation for a read of a configuration structure (CLASS=CD). */
int smmu_s2_translate_fetch(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			    u64 ipa, u64 *pa, struct smmu_event *ev)
{
	struct vmsa_walk_cfg w;
	struct vmsa_walk_result r;
	struct vmsa_fault f;

	s2_walk_cfg(smmu, cfg, &w);
	if (ev->dry_run)
		w.read_count = NULL;	/* inspection counts nothing */
	if (vmsa_walk(&w, ipa, &r, &f) ||
	    vmsa_check_perm(&r, VMSA_ACC_READ, &f)) {
		ev->type = fault_event(f.type);
		ev->s2 = true;
		ev->class = EVT_CLASS_CD;
		ev->level = f.level;
		ev->ipa = ipa;
		ev->fetch_addr = f.fetch_addr;
		ev->no_record = f.type != VMSA_F_EABT && !cfg->record_s2;
		return -1;
	}
	*pa = r.oa;
	return 0;
}

/*
 * Walk caches (walkcache.c).  A lookup tries the deepest table level
 * first; a hit hands the walker the next table (struct vmsa_walk_from).
 */
static __attribute__((always_inline)) inline const struct smmu_wc_entry *
wc_find(struct smmu_wcache *c, const struct smmu_wc_tag *tag,
	const struct vmsa_walk_cfg *w, u64 ia, struct vmsa_walk_from *from)
{
	for (int level = 2; level >= w->start_level; level--) {
		unsigned int shift = vmsa_level_shift(w->granule_shift, level);
		const struct smmu_wc_entry *e =
			smmu_wcache_lookup(c, tag, level, shift, ia >> shift);

		if (e) {
			from->level = (s8)level;
			from->hier = e->hier;
			from->table = e->out;
			from->host = e->table;
			return e;
		}
	}
	c->misses++;
	return NULL;
}

/*
 * The coherency checker's look at a walk-cache entry about to be used:
 * the descriptor it was made from, read again through fetch (an IPA for a
 * nested stage 1).  A difference is a table changed or freed without the
 * Leaf=0 invalidation that would have removed the entry.
 */
static __attribute__((noinline, cold)) void
wc_check(struct smmuv3 *smmu, const struct smmu_cfg *cfg, u32 sid,
	 unsigned int stage, const struct smmu_wc_entry *e, u64 ia,
	 vmsa_fetch_fn fetch, void *opaque)
{
	struct vmsa_fault f = { .type = VMSA_FAULT_NONE };
	u64 now;

	if (fetch(opaque, e->desc_addr, &now, &f) || now == e->desc)
		return;
	smmu_coherency_stale_table(smmu, cfg, sid, stage,
				   e->leaf_level ? e->leaf_level : e->level, ia,
				   e->desc_addr, e->desc, now);
}

/* Keeps the table descriptors a walk read (even one that then faulted). */
static void wc_fill(struct smmu_wcache *c, const struct smmu_wc_tag *tag,
		    const struct vmsa_walk_cfg *w, u64 ia,
		    const struct vmsa_walk_tables *t)
{
	struct smmu_wc_entry e = {
		.kind = tag->kind, .gshift = tag->gshift,
		.vmid = tag->vmid, .asid = tag->asid,
	};

	for (int level = 0; level < 3; level++) {
		if (!(t->valid & BIT(level)))
			continue;
		e.level = (s8)level;
		e.key_shift = e.span = (u8)vmsa_level_shift(w->granule_shift, level);
		e.key = ia >> e.key_shift;
		e.hier = t->hier[level];
		e.out = vmsa_desc_addr(t->desc[level], w->granule_shift);
		e.desc_addr = t->addr[level];
		e.desc = t->desc[level];
		e.table = w->fetch == vmsa_fetch_ram ?
			  phys_ram_ptr_fixed(w->opaque, e.out, 1ULL << w->granule_shift) :
			  NULL;
		smmu_wcache_insert(c, &e);
	}
}

/* Whose walk it is: for the coherency checker's reports. */
struct walk_owner {
	struct smmuv3 *smmu;
	const struct smmu_cfg *cfg;
	u32 sid;
};

/* A walk through walk cache c (off: c->e NULL) under tag. */
static __attribute__((always_inline)) inline int
cached_walk(const struct walk_owner *o, struct smmu_wcache *c,
	    const struct smmu_wc_tag *tag, struct vmsa_walk_cfg *w, u64 ia,
	    struct vmsa_walk_result *r, struct vmsa_fault *f)
{
	const struct smmu_wc_entry *hit;
	struct vmsa_walk_from from;
	struct vmsa_walk_tables tabs;
	int rc;

	if (!c->e)
		return vmsa_walk(w, ia, r, f);
	hit = wc_find(c, tag, w, ia, &from);
	if (unlikely(hit && smmu_coherency_on(o->smmu)))
		wc_check(o->smmu, o->cfg, o->sid, w->stage, hit, ia, w->fetch, w->opaque);
	w->from = hit ? &from : NULL;
	tabs.valid = 0;
	w->tables = &tabs;
	rc = vmsa_walk(w, ia, r, f);
	w->from = NULL;
	w->tables = NULL;
	if (tabs.valid)
		wc_fill(c, tag, w, ia, &tabs);
	return rc;
}

/* Nested stage-1 table fetches: each table address is an IPA. */
struct nested_fetch {
	struct smmuv3 *smmu;
	struct walk_owner owner;
	struct smmu_wc_tag s2_tag;	/* stage-2 walk caches' tag (VMID) */
	struct vmsa_walk_cfg s2;
	bool s2_fault;		/* the fault came from stage 2 */
	struct smmu_walk_trace *t;	/* inspecting: nested_fetch_traced */
};

/* A stage-2 walk for the nest: through the stage-2 walk cache unless inspecting. */
static __attribute__((always_inline)) inline int
nested_s2_walk(struct nested_fetch *nf, u64 ipa, struct vmsa_walk_result *r,
	       struct vmsa_fault *f)
{
	if (nf->t)
		return vmsa_walk(&nf->s2, ipa, r, f);
	return cached_walk(&nf->owner, &nf->smmu->wc_s2, &nf->s2_tag, &nf->s2, ipa, r, f);
}

/*
 * The PA of a stage-1 table's IPA: from the S1PTW cache, else a stage-2
 * walk (read permission checked) whose result the cache keeps.  *host is
 * the descriptor's host address when the cache entry knows its page is
 * machine RAM, else NULL.
 */
static __attribute__((always_inline)) inline int
nested_table_pa(struct nested_fetch *nf, phys_addr_t ipa,
		struct vmsa_fault *fault, u64 *pa, const u64 **host)
{
	struct smmu_wcache *c = &nf->smmu->wc_s1ptw;
	unsigned int g = nf->s2.granule_shift;
	const bool cached = c->e && !nf->t;
	const struct smmu_wc_entry *hit;
	struct vmsa_walk_result r;

	if (cached) {
		hit = smmu_wcache_lookup(c, &nf->s2_tag, 3, g, ipa >> g);
		if (unlikely(hit && smmu_coherency_on(nf->smmu)))
			wc_check(nf->smmu, nf->owner.cfg, nf->owner.sid, 2, hit, ipa,
				 vmsa_fetch_ram, nf->smmu->mem);
		if (hit) {
			*pa = hit->out | (ipa & ((1ULL << g) - 1));
			*host = hit->table ? hit->table + ((ipa & ((1ULL << g) - 1)) >> 3) :
					     NULL;
			return 0;
		}
		c->misses++;
	}
	*host = NULL;
	if (nested_s2_walk(nf, ipa, &r, fault) ||
	    vmsa_check_perm(&r, VMSA_ACC_READ, fault)) {
		nf->s2_fault = true;
		fault->ipa = ipa;
		return -1;
	}
	*pa = r.oa;
	if (cached)
		smmu_wcache_insert(c, &(struct smmu_wc_entry){
			.kind = nf->s2_tag.kind, .level = 3, .gshift = (u8)g,
			.key_shift = (u8)g, .span = r.size_shift,
			.leaf_level = (u8)r.level, .vmid = nf->s2_tag.vmid,
			.key = ipa >> g, .out = r.oa & ~((1ULL << g) - 1),
			.desc_addr = r.desc_addr, .desc = r.desc,
			.table = phys_ram_ptr_fixed(nf->smmu->mem,
						    r.oa & ~((1ULL << g) - 1), 1ULL << g),
		});
	return 0;
}

static __attribute__((always_inline)) inline int
nested_fetch_pa(struct nested_fetch *nf, phys_addr_t ipa, u64 *desc,
		struct vmsa_fault *fault, u64 *pa)
{
	const u64 *host;

	if (nested_table_pa(nf, ipa, fault, pa, &host))
		return -1;
	if (host) {
		*desc = __atomic_load_n(host, __ATOMIC_ACQUIRE);
		return 0;
	}
	fault->type = VMSA_FAULT_NONE;
	if (vmsa_fetch_ram(nf->smmu->mem, *pa, desc, fault)) {
		/* Report the physical address that aborted. */
		fault->type = VMSA_F_EABT;
		fault->stage = 1;
		fault->fetch_addr = *pa;
		fault->tt_write = false;
		return -1;
	}
	return 0;
}

static int nested_fetch(void *opaque, phys_addr_t ipa, u64 *desc,
			struct vmsa_fault *fault)
{
	u64 pa;

	return nested_fetch_pa(opaque, ipa, desc, fault, &pa);
}

/*
 * A hardware update of a stage-1 descriptor (AF, dirty state) is a write
 * to the table at its IPA: stage 2 must allow the write (marking its own
 * leaf dirty first when that is how it would), else a stage-2 permission
 * fault on the table walk (S2=1, CLASS=TT).
 */
static int nested_update(void *opaque, phys_addr_t ipa, u64 old, u64 new,
			 struct vmsa_fault *fault)
{
	struct nested_fetch *nf = opaque;
	struct vmsa_walk_result r;
	int rc;

	do {
		if (vmsa_walk(&nf->s2, ipa, &r, fault))
			goto s2_fault;
		rc = 0;
		if (vmsa_check_perm(&r, VMSA_ACC_WRITE, fault)) {
			if (!vmsa_dirty_update_allowed(&nf->s2, &r, VMSA_ACC_WRITE))
				goto s2_fault;
			rc = vmsa_dirty_update(&nf->s2, &r, fault);
			if (rc < 0)
				goto s2_fault;
		}
	} while (rc == VMSA_WALK_AGAIN);
	fault->type = VMSA_FAULT_NONE;
	rc = vmsa_update_ram(nf->smmu->mem, r.oa, old, new, fault);
	if (rc < 0) {
		fault->type = VMSA_F_EABT;
		fault->stage = 1;
		fault->fetch_addr = r.oa;
		fault->tt_write = true;		/* the hardware update's write */
	}
	return rc;
s2_fault:
	nf->s2_fault = true;
	fault->ipa = ipa;
	return -1;
}

/* Inspecting: the stage-2 steps are marked as this fetch's, its PA kept. */
static int nested_fetch_traced(void *opaque, phys_addr_t ipa, u64 *desc,
			       struct vmsa_fault *fault)
{
	struct nested_fetch *nf = opaque;
	int ret;

	nf->t->in_s1_fetch = true;
	ret = nested_fetch_pa(nf, ipa, desc, fault, &nf->t->s1_pa);
	nf->t->in_s1_fetch = false;
	return ret;
}

static void trace_step(struct smmu_walk_trace *t, const struct vmsa_walk_cfg *w,
		       const struct vmsa_walk_step *d, u64 pa, bool s1_fetch)
{
	struct smmuv3_walk_step st = {
		.stage = w->stage, .s1_fetch = s1_fetch, .walk = w, .d = *d,
		.pa = pa,
	};

	if (t->fn)
		t->fn(t->opaque, &st);
}

static void trace_s1(void *opaque, const struct vmsa_walk_cfg *w,
		     const struct vmsa_walk_step *d)
{
	struct smmu_walk_trace *t = opaque;

	trace_step(t, w, d, t->nested ? t->s1_pa : d->addr, false);
}

static void trace_s2(void *opaque, const struct vmsa_walk_cfg *w,
		     const struct vmsa_walk_step *d)
{
	struct smmu_walk_trace *t = opaque;

	trace_step(t, w, d, d->addr, t->in_s1_fetch);
}

/*
 * The allowed-access mask of a walk result, for the TLB (PERM_* is
 * VMSA_ALLOW_*): with WXN, writable memory is not executable.
 */
static inline u8 allow_mask(const struct vmsa_walk_result *r, bool wxn)
{
	unsigned int m = r->allowed;

	if (wxn) {
		if (m & PERM_W)
			m &= ~PERM_X;
		if (m & (PERM_W << PERM_PRIV_SHIFT))
			m &= ~(PERM_X << PERM_PRIV_SHIFT);
	}
	return (u8)m;
}

/* The walker's access bits of a transaction at one stage. */
static unsigned int vmsa_access(unsigned int access, bool stage1)
{
	unsigned int a = access & SMMUV3_WRITE ? VMSA_ACC_WRITE : 0;

	if (access & SMMUV3_EXEC)
		a |= VMSA_ACC_EXEC;
	if (!a || (access & SMMUV3_READ))
		a |= VMSA_ACC_READ;
	if (stage1 && (access & SMMUV3_PRIV))
		a |= VMSA_ACC_PRIV;
	return a;
}

/* Whether a later write through this leaf could mark it dirty. */
static bool dirty_possible(const struct vmsa_walk_cfg *w,
			   const struct vmsa_walk_result *r)
{
	return vmsa_dirty_update_allowed(w, r, VMSA_ACC_WRITE) ||
	       vmsa_dirty_update_allowed(w, r, VMSA_ACC_WRITE | VMSA_ACC_PRIV);
}

/*
 * HTTU dirty state (Arm IHI0070 3.13.4) at one stage with HD: a write the
 * leaf refuses marks it dirty when that would allow the write (a
 * compare-and-swap in the table); *allow is then recomputed and
 * *httu_write notes whether a later write could do the same.  0,
 * VMSA_WALK_AGAIN, or -1 with *f.
 */
static int httu_leaf(const struct vmsa_walk_cfg *w, struct vmsa_walk_result *r,
		     unsigned int access, unsigned int need, bool wxn, u8 *allow,
		     u8 *httu_write, struct vmsa_fault *f)
{
	unsigned int acc = vmsa_access(access, w->stage == 1);

	if ((need & ~*allow) && vmsa_dirty_update_allowed(w, r, acc)) {
		int rc = vmsa_dirty_update(w, r, f);

		if (rc)
			return rc;
		*allow = allow_mask(r, wxn);
	}
	*httu_write |= dirty_possible(w, r);
	return 0;
}

/* The leaf a walk found, as QEMU's smmu_ptw_{page,block}_pte say it. */
static void trace_leaf(struct smmuv3 *smmu, const struct vmsa_walk_result *r)
{
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_WALK,
		 "smmu_ptw_%s_pte stage=%u level=%d iova=0x%llx pte@=0x%llx pte=0x%llx address=0x%llx",
		 r->level == 3 ? "page" : "block", r->stage, r->level,
		 (unsigned long long)r->ia, (unsigned long long)r->desc_addr,
		 (unsigned long long)r->desc, (unsigned long long)r->oa);
}

int smmu_walk_fault(struct smmuv3 *smmu, struct smmu_event *ev,
		    const struct smmu_cfg *cfg, const struct vmsa_fault *f,
		    bool s2, u8 class, struct smmuv3_result *res)
{
	if (!ev->dry_run)
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_WALK,
			 "smmu_ptw_fault sid=0x%x iova=0x%llx stage=%d level=%d class=%u %s",
			 ev->sid, (unsigned long long)ev->input, s2 ? 2 : 1, f->level, class,
			 smmuv3_event_name(fault_event(f->type)) ?: "?");
	ev->type = fault_event(f->type);
	ev->s2 = s2;
	ev->class = class;
	ev->level = f->level;
	ev->ipa = f->ipa;
	ev->fetch_addr = f->fetch_addr;
	ev->tt_write = f->tt_write;
	ev->no_record = f->type != VMSA_F_EABT &&
			!(s2 ? cfg->record_s2 : cfg->record_s1);
	return smmu_record(smmu, ev, res);
}

/*
 * After a translation that succeeded from the TLB entry e (lock held):
 * the micro-TLB remembers it for the fast path.
 */
void smmu_utlb_fill_entry(struct smmuv3 *smmu, const struct smmu_event *ev,
			  const struct smmu_tlb_entry *e, u64 va)
{
	u64 page = ev->input >> 12;

	smmu_utlb_fill(&smmu->utlb[smmu_utlb_index(ev->sid, ev->ssid, page)],
		       ev->sid | (u64)ev->ssid << 32, page,
		       e->out_page | (va & ((1ULL << e->gshift) - 1) & ~0xfffULL),
		       FIELD_PREP(UTLB_META_GEN, smmu->utlb_gen) |
		       FIELD_PREP(UTLB_META_ALLOW, e->s1_allow & e->s2_allow) |
		       FIELD_PREP(UTLB_META_ATTR, e->attr) |
		       FIELD_PREP(UTLB_META_SIZE, e->gshift) |
		       FIELD_PREP(UTLB_META_REGIME, SMMU_REGIME(e->kind)));
}

/* The nest's stage-2 side: walk configuration, caches' tag, inspection. */
static __attribute__((always_inline)) inline void
nested_init(struct smmuv3 *smmu, const struct smmu_cfg *cfg, u32 sid,
	    struct nested_fetch *nf, struct smmu_walk_trace *t)
{
	nf->smmu = smmu;
	nf->owner = (struct walk_owner){ smmu, cfg, sid };
	nf->t = t;
	if (cfg->s2) {
		s2_walk_cfg(smmu, cfg, &nf->s2);
		nf->s2_tag = (struct smmu_wc_tag){ .kind = TLB_S2, .vmid = cfg->vmid,
						   .gshift = cfg->s2_gshift };
	}
	if (unlikely(t)) {
		nf->s2.trace = trace_s2;
		nf->s2.trace_opaque = t;
		nf->s2.update = NULL;		/* inspection writes nothing */
		nf->s2.read_count = NULL;	/* nor counts */
		t->nested = cfg->s1 && cfg->s2;
	}
}

/* Stage 1's walk of the half of the VA space that tt translates. */
static __attribute__((always_inline)) inline void
s1_walk_cfg(struct smmuv3 *smmu, const struct smmu_cfg *cfg, unsigned int half,
	    struct nested_fetch *nf, struct smmu_walk_trace *t,
	    struct vmsa_walk_cfg *w)
{
	const struct smmu_tt *tt = &cfg->tt[half];

	walk_cfg_common(w);
	w->stage = 1;
	w->granule_shift = tt->gshift;
	w->ia_bits = 64 - tt->tsz;
	w->oa_bits = cfg->s1_oas;
	w->start_level = tt->start_level;
	w->affd = cfg->s1_affd;
	w->ha = cfg->s1_ha;
	w->hd = cfg->s1_hd;
	w->ttb1 = half;
	w->ttb = tt->ttb;
	w->fetch = cfg->s2 ? nested_fetch : vmsa_fetch_ram;
	w->update = cfg->s2 ? nested_update : vmsa_update_ram;
	w->opaque = cfg->s2 ? (void *)nf : (void *)smmu->mem;
	w->read_count = smmu->stats.walk_reads[0];
	if (unlikely(t)) {
		w->update = NULL;
		w->read_count = NULL;
		if (cfg->s2)
			w->fetch = nested_fetch_traced;
		w->trace = trace_s1;
		w->trace_opaque = t;
	}
}

/*
 * The TLB entry of a walk that reached its leaves (r1: stage 1, r2: 2),
 * with the accesses each stage allows.
 */
static __attribute__((always_inline)) inline void
tlb_entry_fill(const struct smmu_cfg *cfg, unsigned int half, u64 va, u64 ipa,
	       u64 pa, const struct vmsa_walk_result *r1,
	       const struct vmsa_walk_result *r2, u8 s1_allow, u8 s2_allow,
	       bool httu_write, struct smmu_tlb_entry *e)
{
	const struct vmsa_walk_result *leaf = cfg->s1 ? r1 : r2;
	unsigned int g = cfg->tlb_gshift[half];
	u64 gmask = (1ULL << g) - 1;

	/* Whole words (SMMU_TLB_FIELD): smmu_tlb_insert() reads them so. */
	e->tag = SMMU_TLB_FIELD(kind, cfg->tlb_kind) |
		 SMMU_TLB_FIELD(global, cfg->s1 ? !r1->ng : 1) |
		 SMMU_TLB_FIELD(gshift, g) |
		 SMMU_TLB_FIELD(range_shift, leaf->size_shift) |
		 SMMU_TLB_FIELD(vmid, cfg->vmid) |
		 SMMU_TLB_FIELD(asid, cfg->asid);
	e->use = SMMU_TLB_FIELD(s1_allow, s1_allow) |
		 SMMU_TLB_FIELD(s2_allow, s2_allow) |
		 SMMU_TLB_FIELD(attr, leaf->attr) |
		 SMMU_TLB_FIELD(httu_write, httu_write) |
		 SMMU_TLB_FIELD(level, (u8)leaf->level);
	e->va_page = va >> g;
	e->out_page = pa & ~gmask;
	e->ipa_page = ipa & ~gmask;
	e->pad2[0] = e->pad2[1] = 0;	/* copied whole by smmu_tlb_insert() */
}

/*
 * The walk of a TLB miss.  Inlined with t a constant NULL into the
 * translation path, so the inspector's hooks (t) cost real translations
 * nothing; smmu_translate_walk() is the copy with them.  It stays one
 * function on purpose: the two stages share the fault reporting and the
 * HTTU retry (goto again), and every split so far cost the miss path
 * time (docs/smmuv3.md, "Speed").
 */
static __attribute__((always_inline)) inline int
translate_walk(struct smmuv3 *smmu, const struct smmu_cfg *cfg, u64 iova,
	       unsigned int access, struct smmu_event *ev,
	       struct smmuv3_result *res, struct smmu_walk_trace *t)
{
	struct vmsa_walk_result r1, r2;
	struct smmu_tlb_entry e = { 0 };
	struct nested_fetch nf;
	struct smmu_wc_tag s1_tag = { .kind = cfg->tlb_kind, .vmid = cfg->vmid,
				      .asid = cfg->asid };
	struct vmsa_walk_cfg w;
	struct vmsa_fault f;
	unsigned int half, need = smmu_access_need(access);
	u64 va = smmu_s1_input(cfg, iova, &half), ipa = va, pa;
	int rc;

	nested_init(smmu, cfg, ev->sid, &nf, t);
	if (unlikely(t))
		ev->dry_run = true;

again:
	nf.s2_fault = false;
	e.s1_allow = e.s2_allow = PERM_ALL;
	e.httu_write = 0;
	if (cfg->s1) {
		s1_walk_cfg(smmu, cfg, half, &nf, t, &w);
		if (cfg->tt[half].disabled || w.start_level < 0) {
			f = (struct vmsa_fault){ .type = VMSA_F_TRANSLATION };
			return smmu_walk_fault(smmu, ev, cfg, &f, false, EVT_CLASS_IN, res);
		}
		s1_tag.gshift = w.granule_shift;
		if (likely(!t) ? cached_walk(&nf.owner, &smmu->wc_s1, &s1_tag, &w, va, &r1, &f) :
				 vmsa_walk(&w, va, &r1, &f)) {
			if (nf.s2_fault)
				return smmu_walk_fault(smmu, ev, cfg, &f, true,
						  EVT_CLASS_TT, res);
			return smmu_walk_fault(smmu, ev, cfg, &f, false,
					  f.type == VMSA_F_EABT ? EVT_CLASS_TT :
					  EVT_CLASS_IN, res);
		}
		e.s1_allow = allow_mask(&r1, cfg->wxn);
		rc = unlikely(w.hd) ? httu_leaf(&w, &r1, access, need, cfg->wxn,
						&e.s1_allow, &e.httu_write, &f) : 0;
		if (rc == VMSA_WALK_AGAIN)
			goto again;
		if (rc)
			return smmu_walk_fault(smmu, ev, cfg, &f, nf.s2_fault,
					  EVT_CLASS_TT, res);
		if (unlikely(t))
			t->s1_allow = e.s1_allow;
		if (need & ~e.s1_allow) {
			f = (struct vmsa_fault){ .type = VMSA_F_PERMISSION,
						 .level = r1.level };
			return smmu_walk_fault(smmu, ev, cfg, &f, false, EVT_CLASS_IN, res);
		}
		ipa = r1.oa;
	}
	pa = ipa;
	if (cfg->s2) {
		if (nested_s2_walk(&nf, ipa, &r2, &f)) {
			f.ipa = ipa;
			return smmu_walk_fault(smmu, ev, cfg, &f, true,
					  f.type == VMSA_F_EABT ? EVT_CLASS_TT :
					  EVT_CLASS_IN, res);
		}
		e.s2_allow = allow_mask(&r2, false);
		rc = unlikely(nf.s2.hd) ? httu_leaf(&nf.s2, &r2, access, need,
						    false, &e.s2_allow,
						    &e.httu_write, &f) : 0;
		if (rc == VMSA_WALK_AGAIN)
			goto again;
		if (rc) {
			f.ipa = ipa;
			return smmu_walk_fault(smmu, ev, cfg, &f, true, EVT_CLASS_TT,
					  res);
		}
		pa = r2.oa;
	}

	tlb_entry_fill(cfg, half, va, ipa, pa, &r1, &r2, e.s1_allow, e.s2_allow,
		       e.httu_write, &e);
	if (likely(!t)) {
		if (hw_trace_on(&smmu->trace, IOMMUSIM_TRACE_WALK)) {
			if (cfg->s1)
				trace_leaf(smmu, &r1);
			if (cfg->s2)
				trace_leaf(smmu, &r2);
		}
		smmu_tlb_insert(smmu, &e);
	} else {
		t->ipa = ipa;
		t->size_shift = e.range_shift;
		t->s1_allow = e.s1_allow;
		t->s2_allow = e.s2_allow;
	}

	if (need & ~e.s2_allow) {
		f = (struct vmsa_fault){ .type = VMSA_F_PERMISSION, .ipa = ipa,
					 .level = r2.level };
		return smmu_walk_fault(smmu, ev, cfg, &f, true, EVT_CLASS_IN, res);
	}
	if (likely(!t))
		smmu_utlb_fill_entry(smmu, ev, &e, va);
	res->addr = pa;
	res->size_shift = e.gshift;
	res->attr = e.attr;
	return 0;
}

/*
 * The common miss in one read, as a TCU with a walk cache makes it: stage
 * 1 only, a walk-cache hit on the last table level, and a leaf the walk
 * would take as it is (a valid page, AF set, its output in range, the
 * access allowed).  Anything else - a fault, an AF or dirty update, a
 * nest, a walk from a higher level, tracing, the coherency checker - is
 * false, and the caller walks (smmu_translate_miss()), which reads the
 * descriptor again: every outcome but this one success is the walker's.
 * The leaf is decoded by the walker's own vmsa_leaf_decode(), and what
 * this path counts (a walk-cache hit, one level-3 read, a TLB fill) is
 * what that walk would.  The configuration says which halves qualify
 * (cfg->one_read); va, half and need are the caller's, computed once.
 */
bool smmu_s1_leaf_miss(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
		       u64 va, unsigned int half, unsigned int need,
		       const struct smmu_event *ev, struct smmuv3_result *res)
{
	const struct smmu_tt *tt = &cfg->tt[half];
	const unsigned int g = tt->gshift, ia_bits = 64 - tt->tsz;
	const unsigned int shift = vmsa_level_shift(g, 2);
	const struct smmu_wc_entry *wc;
	struct vmsa_walk_result r;
	struct smmu_tlb_entry e;
	struct smmu_wc_tag tag;
	u64 top, idx, addr, desc;
	u8 s1_allow;
	const u64 *p;

	if (!smmu->wc_s1.e || smmu_coherency_on(smmu) ||
	    hw_trace_on(&smmu->trace, IOMMUSIM_TRACE_WALK))
		return false;
	/* The walk's first check: the input within TnSZ (walk_start()). */
	top = va >> ia_bits;
	if (half)
		top = ~top & (~0ULL >> ia_bits);
	if (top)
		return false;

	tag = (struct smmu_wc_tag){ .kind = cfg->tlb_kind, .gshift = (u8)g,
				    .vmid = cfg->vmid, .asid = cfg->asid };
	wc = smmu_wcache_peek(&smmu->wc_s1, &tag, 2, shift, va >> shift);
	if (!wc)
		return false;
	idx = (va >> g) & ((1ULL << (g - 3)) - 1);
	addr = wc->out + idx * 8;
	p = likely(wc->table) ? wc->table + idx : phys_ram_ptr(smmu->mem, addr, 8);
	if (!p)
		return false;
	desc = __atomic_load_n(p, __ATOMIC_ACQUIRE);
	if ((desc & (DESC_VALID | DESC_TABLE | DESC_AF)) !=
	    (DESC_VALID | DESC_TABLE | DESC_AF) ||
	    (vmsa_desc_addr(desc, g) & (~0ULL << cfg->s1_oas)))
		return false;
	vmsa_leaf_decode(&r, 1, g, va, addr, desc, 3, g, wc->hier);
	s1_allow = allow_mask(&r, cfg->wxn);
	if (need & ~s1_allow)
		return false;

	smmu->wc_s1.hits++;
	smmu->stats.walk_reads[0][3]++;
	tlb_entry_fill(cfg, half, va, r.oa, r.oa, &r, &r, s1_allow, PERM_ALL,
		       false, &e);
	smmu_tlb_insert(smmu, &e);
	smmu_utlb_fill_entry(smmu, ev, &e, va);
	res->addr = r.oa;
	res->size_shift = e.gshift;
	res->attr = e.attr;
	return true;
}

int smmu_translate_walk(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			u64 iova, unsigned int access, struct smmu_event *ev,
			struct smmuv3_result *res, struct smmu_walk_trace *t)
{
	return translate_walk(smmu, cfg, iova, access, ev, res, t);
}

int smmu_translate_miss(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			u64 iova, unsigned int access, struct smmu_event *ev,
			struct smmuv3_result *res)
{
	return translate_walk(smmu, cfg, iova, access, ev, res, NULL);
}
