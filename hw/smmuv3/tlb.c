// SPDX-License-Identifier: MIT
/*
 * SMMUv3 TLB: translations cached as the hardware tags them, so that only
 * the commands that architecturally invalidate an entry remove it.
 *
 * Each entry is tagged with its translation regime (stage 1 only, combined
 * stage 1 + stage 2, stage 2 only, EL2), VMID, ASID and nG, and remembers
 * the size of the leaf it came from.  Entries are keyed by the page number
 * of the key granule (the smaller granule of the stages involved), so a
 * block is cached page by page ("splintered", as hardware may do) while an
 * invalidation of any address inside the block still removes every piece.
 *
 * The cache is set-associative, SMMU_TLB_WAYS ways, indexed by a hash of
 * (VMID, page number); ASID is compared in the ways so global entries serve
 * every ASID.  Lookups take no lock: they read an entry between two loads
 * of its sequence counter.  Fills and invalidations hold smmu->lock.
 *
 * Invalidation by address must not scan the whole array (a driver issues
 * one per unmap).  An entry whose leaf is its key granule page lives in the
 * set of (VMID, address >> granule), so such entries are found by visiting,
 * for each key granule the TLB currently holds (a count per granule), the
 * sets of the pages the command covers.  An entry cut from a larger leaf
 * (a block, or a stage-1 page larger than the key granule) can sit in the
 * set of any page of that leaf, so those entries are also marked in a
 * bitmap that address invalidation walks.  EL2 entries carry VMID 0.
 * "All"/ASID/VMID commands, and ranges longer than the TLB has sets, scan
 * everything.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/smmuv3/smmuv3-internal.h"

#define SMMU_TLB_DEFAULT_SETS	1024

static unsigned int tlb_entries(const struct smmuv3 *smmu)
{
	return SMMU_TLB_WAYS << smmu->tlb_sets_bits;
}

int smmu_tlb_init(struct smmuv3 *smmu)
{
	unsigned int sets = smmu->conf.tlb_sets ? smmu->conf.tlb_sets :
			    SMMU_TLB_DEFAULT_SETS;
	size_t n;

	smmu->tlb_sets_bits = ilog2(sets);
	if (!smmu->tlb_sets_bits)
		smmu->tlb_sets_bits = 1;
	n = tlb_entries(smmu);
	/*
	 * Straight from mmap: page-aligned and zero until touched, so a large
	 * TLB costs nothing until it fills (an SMMU built and torn down per
	 * scenario or test no longer zeroes 256K for nothing).
	 */
	smmu->tlb = mmap(NULL, sizeof(*smmu->tlb) * n, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (smmu->tlb == MAP_FAILED)
		smmu->tlb = NULL;
	smmu->tlb_big = calloc((n + 63) / 64, sizeof(u64));
	smmu->tlb_tag = calloc(n, sizeof(u32));
	smmu->tlb_valid = calloc((n + 63) / 64, sizeof(u64));
	if (!smmu->tlb || !smmu->tlb_big || !smmu->tlb_tag || !smmu->tlb_valid) {
		smmu_tlb_free(smmu);
		return -ENOMEM;
	}
	memset(smmu->tlb_pages, 0, sizeof(smmu->tlb_pages));
	memset(smmu->tlb_vmid_count, 0, sizeof(smmu->tlb_vmid_count));
	smmu->tlb_nr_valid = 0;
	return 0;
}

void smmu_tlb_free(struct smmuv3 *smmu)
{
	if (smmu->tlb)
		munmap(smmu->tlb, sizeof(*smmu->tlb) * tlb_entries(smmu));
	free(smmu->tlb_big);
	free(smmu->tlb_tag);
	free(smmu->tlb_valid);
}

/* Key granules 4K, 16K, 64K: index into tlb_pages. */
static unsigned int granule_idx(unsigned int gshift)
{
	return (gshift - 12) / 2;
}

static bool entry_is_big(const struct smmu_tlb_entry *e)
{
	return e->range_shift > e->gshift;
}

/* Accounts a valid entry in (or out of) the side structures. */
static void tlb_track(struct smmuv3 *smmu, const struct smmu_tlb_entry *e,
		      bool add)
{
	size_t i = (size_t)(e - smmu->tlb);
	u32 *count = &smmu->tlb_vmid_count[SMMU_REGIME(e->kind)]
					  [e->vmid % SMMU_TLB_VMID_BUCKETS];

	if (add) {
		smmu->tlb_nr_valid++;
		(*count)++;
		smmu->tlb_tag[i] = e->kind | (u32)e->vmid << 8;
		smmu->tlb_valid[i / 64] |= 1ULL << (i % 64);
	} else {
		smmu->tlb_nr_valid--;
		(*count)--;
		smmu->tlb_tag[i] = 0;
		smmu->tlb_valid[i / 64] &= ~(1ULL << (i % 64));
	}
	if (entry_is_big(e)) {
		if (add)
			smmu->tlb_big[i / 64] |= 1ULL << (i % 64);
		else
			smmu->tlb_big[i / 64] &= ~(1ULL << (i % 64));
	} else if (add) {
		smmu->tlb_pages[granule_idx(e->gshift)]++;
	} else {
		smmu->tlb_pages[granule_idx(e->gshift)]--;
	}
}

/*
 * Payload stores are release stores after an odd counter: a lookup that
 * sees any new word (with an acquire load) then sees the odd counter on its
 * second read and retries.  No standalone fence is needed.
 */
static void entry_write_begin(struct smmu_tlb_entry *e)
{
	WRITE_ONCE(e->seq, READ_ONCE(e->seq) + 1);
}

static void entry_write_end(struct smmu_tlb_entry *e)
{
	__atomic_store_n(&e->seq, READ_ONCE(e->seq) + 1, __ATOMIC_RELEASE);
}

void smmu_tlb_insert(struct smmuv3 *smmu, const struct smmu_tlb_entry *n)
{
	struct smmu_tlb_entry *set = (struct smmu_tlb_entry *)
		smmu_tlb_slot(smmu, n->vmid, n->va_page);
	struct smmu_tlb_entry *e = NULL, *free_way = NULL;
	bool same;

	/* Replace the same translation, else a free way, else round-robin. */
	for (unsigned int w = 0; w < SMMU_TLB_WAYS; w++) {
		if (smmu_tlb_same_key(&set[w], n)) {
			e = &set[w];
			break;
		}
		if (!set[w].kind && !free_way)
			free_way = &set[w];
	}
	if (!e)
		e = free_way ? free_way : &set[smmu->tlb_victim++ % SMMU_TLB_WAYS];

	smmu->stats.tlb_fills++;
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_TLB,
		 "smmu_iotlb_insert asid=%u vmid=%u addr=0x%llx tg=%u range=%u -> 0x%llx",
		 n->asid, n->vmid, (unsigned long long)(n->va_page << n->gshift), n->gshift,
		 n->range_shift, (unsigned long long)n->out_page);
	/* An entry of the same regime, VMID and shape keeps its bookkeeping. */
	same = e->kind == n->kind && e->vmid == n->vmid && e->gshift == n->gshift &&
	       entry_is_big(e) == entry_is_big(n);
	if (e->kind) {
		if (!same)
			tlb_track(smmu, e, false);
		if (!smmu_tlb_same_key(e, n))
			smmu->stats.tlb_evictions++;
	}
	entry_write_begin(e);
	smmu_copy_words_publish((u8 *)e + SMMU_TLB_PAYLOAD,
				(const u8 *)n + SMMU_TLB_PAYLOAD,
				sizeof(*e) - SMMU_TLB_PAYLOAD);
	entry_write_end(e);
	if (!same)
		tlb_track(smmu, e, true);
}

static bool inv_matches(const struct smmu_tlb_entry *e,
			const struct smmu_tlb_inv *inv)
{
	u64 start, end;

	if (!smmu_inv_covers_tag(inv, e->kind, e->vmid, e->asid, e->global))
		return false;
	if (!inv->match_range)
		return true;
	if (inv->ttl && e->level != inv->ttl)
		return false;	/* the TTL hint names another level: kept */
	/* The whole leaf the entry came from. */
	start = (e->va_page << e->gshift) & ~((1ULL << e->range_shift) - 1);
	end = start + (1ULL << e->range_shift) - 1;
	return start <= inv->end && inv->start <= end;
}

static void inv_entry(struct smmuv3 *smmu, struct smmu_tlb_entry *e,
		      const struct smmu_tlb_inv *inv)
{
	if (!e->kind || !inv_matches(e, inv))
		return;
	if (smmu_coherency_on(smmu))
		smmu_coherency_tlb_inv(smmu, e);
	smmu->stats.tlb_invalidated++;
	tlb_track(smmu, e, false);
	entry_write_begin(e);
	__atomic_store_n(&e->tag, 0, __ATOMIC_RELEASE);	/* kind = 0 */
	entry_write_end(e);
}

/* Whether the TLB may hold an entry inv covers (by regime and VMID). */
static bool inv_may_match(const struct smmuv3 *smmu, const struct smmu_tlb_inv *inv)
{
	for (unsigned int kind = TLB_S1; kind <= TLB_EL2; kind++) {
		const u32 *c = smmu->tlb_vmid_count[SMMU_REGIME(kind)];

		if (!(inv->kinds & BIT(kind)))
			continue;
		if (inv->match_vmid && kind != TLB_EL2) {
			if (c[inv->vmid % SMMU_TLB_VMID_BUCKETS])
				return true;
			continue;
		}
		for (unsigned int b = 0; b < SMMU_TLB_VMID_BUCKETS; b++)
			if (c[b])
				return true;
	}
	return false;
}

static void inv_all_entries(struct smmuv3 *smmu, const struct smmu_tlb_inv *inv)
{
	unsigned int n = tlb_entries(smmu);

	if (!inv_may_match(smmu, inv))
		return;

	/* Valid entries only, by their packed tags before their lines. */
	for (unsigned int w = 0; w < (n + 63) / 64; w++) {
		u64 bits = smmu->tlb_valid[w];

		while (bits) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(bits);
			u32 tag = smmu->tlb_tag[i];
			unsigned int kind = tag & 0xff;

			bits &= bits - 1;
			if (!(inv->kinds & BIT(kind)) ||
			    (inv->match_vmid && kind != TLB_EL2 && (tag >> 8) != inv->vmid))
				continue;
			inv_entry(smmu, &smmu->tlb[i], inv);
		}
	}
}

/*
 * Sets visited for an address invalidation, or ~0 when it is cheaper to
 * scan everything.
 */
static u64 inv_set_visits(const struct smmuv3 *smmu,
			  const struct smmu_tlb_inv *inv)
{
	u64 visits = 0, sets = 1ULL << smmu->tlb_sets_bits;

	for (unsigned int gi = 0; gi < ARRAY_SIZE(smmu->tlb_pages); gi++) {
		unsigned int g = 12 + 2 * gi;
		u64 pages = (inv->end >> g) - (inv->start >> g) + 1;

		if (!smmu->tlb_pages[gi])
			continue;
		if (!pages || pages > sets)
			return ~0ULL;
		visits += pages;
	}
	return visits > sets ? ~0ULL : visits;
}

static void tlb_invalidate(struct smmuv3 *smmu, const struct smmu_tlb_inv *inv);

/*
 * The walk caches' share of a TLBI: table entries unless it is a Leaf=1
 * command by address; S1PTW entries (leaf stage-2 translations) always.
 */
static unsigned int wc_invalidate(struct smmuv3 *smmu,
				  const struct smmu_tlb_inv *inv)
{
	unsigned int n = smmu_wcache_invalidate(&smmu->wc_s1ptw, inv);

	if (!(inv->match_range && inv->leaf)) {
		n += smmu_wcache_invalidate(&smmu->wc_s1, inv);
		n += smmu_wcache_invalidate(&smmu->wc_s2, inv);
	}
	return n;
}

void smmu_tlb_invalidate(struct smmuv3 *smmu, const struct smmu_tlb_inv *inv)
{
	u64 before = smmu->stats.tlb_invalidated;
	unsigned int wc;

	tlb_invalidate(smmu, inv);
	wc = wc_invalidate(smmu, inv);
	smmu_utlb_flush(smmu);
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_TLB,
		 "smmu_iotlb_inv%s%s%s%s removed=%llu walk_cache_removed=%u",
		 inv->match_vmid ? " vmid" : "", inv->match_asid ? " asid" : "",
		 inv->match_range ? " range" : " all",
		 inv->match_range && inv->leaf ? " leaf" : "",
		 (unsigned long long)(smmu->stats.tlb_invalidated - before), wc);
}

static void tlb_invalidate(struct smmuv3 *smmu, const struct smmu_tlb_inv *inv)
{
	u16 vmid = inv->match_vmid ? inv->vmid : 0;

	u64 visits;

	/*
	 * Only address-scoped commands of one VMID (or EL2) are indexed, and
	 * visiting their sets is worth it only while it is less work than
	 * visiting the valid entries (a 2M unmap is 512 sets; an idle TLB
	 * holds a handful of entries).
	 */
	if (!inv->match_range || inv->start > inv->end ||
	    (!inv->match_vmid && inv->kinds != BIT(TLB_EL2)) ||
	    (visits = inv_set_visits(smmu, inv)) == ~0ULL ||
	    smmu->tlb_nr_valid < visits * SMMU_TLB_WAYS) {
		inv_all_entries(smmu, inv);
		return;
	}

	/* Entries whose leaf is their key granule page. */
	for (unsigned int gi = 0; gi < ARRAY_SIZE(smmu->tlb_pages); gi++) {
		unsigned int g = 12 + 2 * gi;

		if (!smmu->tlb_pages[gi])
			continue;
		for (u64 p = inv->start >> g; p <= inv->end >> g; p++) {
			struct smmu_tlb_entry *set = (struct smmu_tlb_entry *)
				smmu_tlb_slot(smmu, vmid, p);

			for (unsigned int w = 0; w < SMMU_TLB_WAYS; w++)
				inv_entry(smmu, &set[w], inv);
		}
	}

	/* Pieces of larger leaves, wherever their page hashed. */
	for (size_t i = 0; i < (tlb_entries(smmu) + 63) / 64; i++) {
		u64 bits = smmu->tlb_big[i];

		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctzll(bits);

			bits &= bits - 1;
			inv_entry(smmu, &smmu->tlb[i * 64 + b], inv);
		}
	}
}
