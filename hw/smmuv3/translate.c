// SPDX-License-Identifier: MIT
/*
 * SMMUv3 translation of one transaction: the entry point and the caches in
 * front of the walk (Arm IHI0070 3.2-3.4).
 *
 * The fast path takes no lock: the micro-TLB (utlb.h), one probe keyed by
 * StreamID, SubstreamID and page; then the configuration cache and the TLB
 * (tlb.c), read between the loads of their entries' sequence counters.
 * Anything else takes smmu->lock: fetch and decode the STE/CD (ste.c) on a
 * configuration-cache miss, look the TLB up again unless the fast path
 * has just missed it, and on a TLB miss walk (walk.c), which fills the TLB
 * or writes the event record.  With the TLB or configuration cache traced,
 * or the coherency checker on, every translation takes the locked path,
 * where those see it (smmu->fast_gate).
 */
#include "hw/smmuv3/smmuv3-internal.h"

/* A permission fault found on a TLB hit: report it from the entry. */
static int tlb_perm_fault(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			  const struct smmu_tlb_entry *e, u64 va,
			  unsigned int need, struct smmu_event *ev,
			  struct smmuv3_result *res)
{
	bool s2 = !(need & ~e->s1_allow) && cfg->s2;
	struct vmsa_fault f = {
		.type = VMSA_F_PERMISSION,
		.ipa = e->ipa_page | (va & ((1ULL << e->gshift) - 1)),
	};

	return smmu_walk_fault(smmu, ev, cfg, &f, s2, EVT_CLASS_IN, res);
}

/*
 * Looks va up; true on a hit with *out filled up to out_page (the fast
 * path's needs), or wholly when full.
 */
static bool tlb_lookup(struct smmuv3 *smmu, const struct smmu_cfg *hot,
		       u64 va, unsigned int half, struct smmu_tlb_entry *out,
		       bool full)
{
	const size_t len = full ? sizeof(*out) - SMMU_TLB_PAYLOAD :
			   offsetof(struct smmu_tlb_entry, ipa_page) - SMMU_TLB_PAYLOAD;
	unsigned int g = hot->tlb_gshift[half];
	u64 page = va >> g;
	const struct smmu_tlb_entry *set = smmu_tlb_slot(smmu, hot->vmid, page);

	for (unsigned int w = 0; w < SMMU_TLB_WAYS; w++) {
		const struct smmu_tlb_entry *e = &set[w];
		u32 seq;

		/* A filter only: the copy's own va_page decides below. */
		if (READ_ONCE(e->va_page) != page)
			continue;
		seq = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		smmu_copy_words_snapshot((u8 *)out + SMMU_TLB_PAYLOAD,
					 (const u8 *)e + SMMU_TLB_PAYLOAD, len);
		if (READ_ONCE(e->seq) != seq)
			continue;
		if (out->kind == hot->tlb_kind && out->va_page == page &&
		    out->gshift == g && out->vmid == hot->vmid &&
		    (out->global || out->asid == hot->asid))
			return true;
	}
	return false;
}

/* The slow path's TLB lookups, by regime (lock held). */
static void count_tlb(struct smmuv3 *smmu, u8 tlb_kind, bool hit)
{
	if (!tlb_kind || tlb_kind > SMMUV3_REGIMES)
		return;		/* a stream that reaches no TLB */
	if (hit)
		smmu->stats.tlb_hits[SMMU_REGIME(tlb_kind)]++;
	else
		smmu->stats.tlb_misses[SMMU_REGIME(tlb_kind)]++;
}

/*
 * Under the lock.  tlb_missed: the fast path has just missed the TLB, so
 * look no more (a fill by another thread since then only means the walk
 * below fills the same translation again).
 */
static int translate_slow(struct smmuv3 *smmu, u32 sid, u32 ssid, u64 iova,
			  unsigned int access, struct smmuv3_result *res,
			  bool tlb_missed)
{
	struct smmu_event ev = {
		.sid = sid, .ssid = ssid, .access = access, .input = iova,
	};
	const struct smmu_cfg *cfg;
	struct smmu_tlb_entry e;
	struct smmu_cfg fetched;
	unsigned int half, need;
	u64 va;
	int ret;

	smmu->stats.translations++;
	cfg = smmu_cfg_cache_get(smmu, sid, ssid);
	if (cfg) {
		smmu->stats.cfg_hits++;
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_CFG,
			 "smmuv3_config_cache_hit sid=0x%x (hits=%llu, misses=%llu)", sid,
			 (unsigned long long)smmu->stats.cfg_hits,
			 (unsigned long long)smmu->stats.cfg_misses);
		if (smmu_coherency_on(smmu))
			smmu_coherency_cfg_hit(smmu, sid, ssid, cfg);
	} else {
		smmu->stats.cfg_misses++;
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_CFG,
			 "smmuv3_config_cache_miss sid=0x%x (hits=%llu, misses=%llu)", sid,
			 (unsigned long long)smmu->stats.cfg_hits,
			 (unsigned long long)smmu->stats.cfg_misses);
		if (smmu_fetch_config(smmu, sid, ssid, &fetched, &ev))
			return smmu_record(smmu, &ev, res);
		smmu_cfg_cache_insert(smmu, sid, ssid, &fetched);
		cfg = &fetched;
		if (smmu_coherency_on(smmu))
			smmu_coherency_cfg_fill(smmu, sid, ssid);
	}
	switch (cfg->kind) {
	case CFG_ABORT:
		res->event = SMMUV3_ABORT;
		return SMMUV3_ABORT;
	case CFG_BYPASS:
		res->addr = iova;
		res->bypass = true;
		return 0;
	}

	va = smmu_s1_input(cfg, iova, &half);
	need = smmu_access_need(access);
	if (tlb_missed || !tlb_lookup(smmu, cfg, va, half, &e, true)) {
		count_tlb(smmu, cfg->tlb_kind, false);
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_TLB,
			 "smmu_iotlb_lookup_miss asid=%u vmid=%u addr=0x%llx", cfg->asid,
			 cfg->vmid, (unsigned long long)va);
	} else {
		count_tlb(smmu, cfg->tlb_kind, true);
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_TLB,
			 "smmu_iotlb_lookup_hit asid=%u vmid=%u addr=0x%llx -> 0x%llx", cfg->asid,
			 cfg->vmid, (unsigned long long)va,
			 (unsigned long long)(e.out_page | (va & ((1ULL << e.gshift) - 1))));
		/* A write to a writable-clean leaf marks it dirty: walk. */
		if ((need & ~(e.s1_allow & e.s2_allow)) && e.httu_write &&
		    (access & SMMUV3_WRITE))
			return smmu_translate_miss(smmu, cfg, iova, access, &ev, res);
		if (need & ~(e.s1_allow & e.s2_allow))
			return tlb_perm_fault(smmu, cfg, &e, va, need, &ev, res);
		if (smmu_coherency_on(smmu))
			smmu_coherency_tlb_hit(smmu, cfg, &ev, &e);
		smmu_utlb_fill_entry(smmu, &ev, &e, va);
		res->addr = e.out_page | (va & ((1ULL << e.gshift) - 1));
		res->size_shift = e.gshift;
		res->attr = e.attr;
		return 0;
	}
	if ((cfg->one_read & BIT(half)) &&
	    smmu_s1_leaf_miss(smmu, cfg, va, half, need, &ev, res))
		return 0;
	ret = smmu_translate_miss(smmu, cfg, iova, access, &ev, res);
	if (smmu_coherency_on(smmu))
		smmu_coherency_tlb_fill(smmu, cfg, &ev, va, half);
	return ret;
}

/* SMMUEN clear: GBPA decides, untranslated. */
static int translate_disabled(struct smmuv3 *smmu, u64 iova, struct smmuv3_result *res)
{
	if (READ_ONCE(smmu->gbpa) & GBPA_ABORT) {
		res->event = SMMUV3_ABORT;
		return SMMUV3_ABORT;
	}
	res->addr = iova;
	res->bypass = true;
	return 0;
}

int smmuv3_translate(struct smmuv3 *smmu, u32 sid, u32 ssid, u64 iova,
		     unsigned int access, struct smmuv3_result *res)
{
	struct smmu_cfg hot;
	struct smmu_tlb_entry e;
	unsigned int half;
	bool tlb_missed = false;
	u64 va, page, stream, out, meta;
	int ret;

	res->event = 0;
	res->recorded = false;
	res->bypass = false;
	res->attr = 0;
	res->size_shift = 12;

	/* The gate folds SMMUEN and "tracing the caches" into one load. */
	if (unlikely(READ_ONCE(smmu->fast_gate) != SMMU_FAST_GO)) {
		if (!(READ_ONCE(smmu->cr0) & CR0_SMMUEN))
			return translate_disabled(smmu, iova, res);
		goto slow;
	}

	/* The micro-TLB: one probe. */
	page = iova >> 12;
	stream = sid | (u64)ssid << 32;
	if (likely(smmu_utlb_lookup(&smmu->utlb[smmu_utlb_index(sid, ssid, page)],
				    __atomic_load_n(&smmu->utlb_gen, __ATOMIC_ACQUIRE),
				    stream, page, &out, &meta)) &&
	    likely(!(smmu_access_need(access) & ~FIELD_GET(UTLB_META_ALLOW, meta)))) {
		smmu_fast_inc(&smmu_fast_stats(smmu)->
			      tlb_hits[FIELD_GET(UTLB_META_REGIME, meta)]);
		res->addr = out | (iova & 0xfff);
		res->size_shift = FIELD_GET(UTLB_META_SIZE, meta);
		res->attr = FIELD_GET(UTLB_META_ATTR, meta);
		return 0;
	}

	if (likely(smmu_cfg_cache_peek(smmu, sid, ssid, &hot))) {
		if (likely(hot.kind == CFG_TRANSLATE)) {
			va = smmu_s1_input(&hot, iova, &half);
			tlb_missed = !tlb_lookup(smmu, &hot, va, half, &e, false);
			if (likely(!tlb_missed) &&
			    likely(!(smmu_access_need(access) & ~(e.s1_allow & e.s2_allow)))) {
				smmu_fast_inc(&smmu_fast_stats(smmu)->
					      tlb_hits[SMMU_REGIME(hot.tlb_kind)]);
				res->addr = e.out_page |
					    (va & ((1ULL << e.gshift) - 1));
				res->size_shift = e.gshift;
				res->attr = e.attr;
				return 0;
			}
		} else if (hot.kind == CFG_BYPASS) {
			smmu_fast_inc(&smmu_fast_stats(smmu)->bypasses);
			res->addr = iova;
			res->bypass = true;
			return 0;
		}
	}

slow:
	/*
	 * A DMA the model's own write started (a CMD_SYNC or event-queue MSI,
	 * or an event record, landing on a device register), on this thread
	 * while it holds the lock: terminated, as it cannot wait for it.
	 */
	if (unlikely(smmu_reentered(smmu))) {
		res->event = SMMUV3_ABORT;
		return SMMUV3_ABORT;
	}
	smmu_lock(smmu);
	/* SMMUEN may have gone while we were unlocked. */
	ret = smmu->cr0 & CR0_SMMUEN ?
		translate_slow(smmu, sid, ssid, iova, access, res, tlb_missed) :
		translate_disabled(smmu, iova, res);
	smmu_unlock(smmu);
	return ret;
}
