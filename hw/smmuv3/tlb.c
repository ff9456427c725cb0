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
 * Invalidation scans the whole array: commands are rare next to lookups.
 */
#include <stdlib.h>
#include <string.h>

#include "hw/smmuv3/smmuv3-internal.h"

#define SMMU_TLB_DEFAULT_SETS	1024

int smmu_tlb_init(struct smmuv3 *smmu)
{
	unsigned int sets = smmu->conf.tlb_sets ? smmu->conf.tlb_sets :
			    SMMU_TLB_DEFAULT_SETS;

	smmu->tlb_sets_bits = ilog2(sets);
	if (!smmu->tlb_sets_bits)
		smmu->tlb_sets_bits = 1;
	smmu->tlb = aligned_alloc(64, sizeof(*smmu->tlb) * SMMU_TLB_WAYS *
				  (1u << smmu->tlb_sets_bits));
	if (!smmu->tlb)
		return -ENOMEM;
	memset(smmu->tlb, 0, sizeof(*smmu->tlb) * SMMU_TLB_WAYS *
	       (1u << smmu->tlb_sets_bits));
	return 0;
}

void smmu_tlb_free(struct smmuv3 *smmu)
{
	free(smmu->tlb);
}

const struct smmu_tlb_entry *smmu_tlb_slot(const struct smmuv3 *smmu,
					   u16 vmid, u64 va_page)
{
	return &smmu->tlb[smmu_tlb_set(smmu, vmid, va_page) * SMMU_TLB_WAYS];
}

static void entry_write_begin(struct smmu_tlb_entry *e)
{
	WRITE_ONCE(e->seq, READ_ONCE(e->seq) + 1);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void entry_write_end(struct smmu_tlb_entry *e)
{
	__atomic_store_n(&e->seq, READ_ONCE(e->seq) + 1, __ATOMIC_RELEASE);
}

void smmu_tlb_insert(struct smmuv3 *smmu, const struct smmu_tlb_entry *n)
{
	struct smmu_tlb_entry *set = (struct smmu_tlb_entry *)
		smmu_tlb_slot(smmu, n->vmid, n->va_page);
	struct smmu_tlb_entry *e = NULL;

	/* Replace the same translation, else a free way, else round-robin. */
	for (unsigned int w = 0; w < SMMU_TLB_WAYS && !e; w++)
		if (set[w].kind == n->kind && set[w].va_page == n->va_page &&
		    set[w].vmid == n->vmid && set[w].asid == n->asid &&
		    set[w].gshift == n->gshift)
			e = &set[w];
	for (unsigned int w = 0; w < SMMU_TLB_WAYS && !e; w++)
		if (!set[w].kind)
			e = &set[w];
	if (!e)
		e = &set[smmu->tlb_victim++ % SMMU_TLB_WAYS];

	entry_write_begin(e);
	smmu_copy_words((u8 *)e + SMMU_TLB_PAYLOAD, (const u8 *)n + SMMU_TLB_PAYLOAD,
			sizeof(*e) - SMMU_TLB_PAYLOAD);
	entry_write_end(e);
}

static bool inv_matches(const struct smmu_tlb_entry *e,
			const struct smmu_tlb_inv *inv)
{
	u64 start, end;

	if (!(inv->kinds & BIT(e->kind)))
		return false;
	if (inv->match_vmid && e->kind != TLB_EL2 && e->vmid != inv->vmid)
		return false;
	if (inv->match_asid && (e->global ? !inv->global_too :
				e->asid != inv->asid))
		return false;
	if (!inv->match_range)
		return true;
	/* The whole leaf the entry came from. */
	start = (e->va_page << e->gshift) & ~((1ULL << e->range_shift) - 1);
	end = start + (1ULL << e->range_shift) - 1;
	return start <= inv->end && inv->start <= end;
}

void smmu_tlb_invalidate(struct smmuv3 *smmu, const struct smmu_tlb_inv *inv)
{
	unsigned int n = SMMU_TLB_WAYS << smmu->tlb_sets_bits;

	for (unsigned int i = 0; i < n; i++) {
		struct smmu_tlb_entry *e = &smmu->tlb[i];

		if (e->kind && inv_matches(e, inv)) {
			entry_write_begin(e);
			WRITE_ONCE(*(u64 *)&e->kind, 0);	/* kind = 0 */
			entry_write_end(e);
		}
	}
}
