// SPDX-License-Identifier: MIT
/*
 * SMMUv3 walk caches: table descriptors kept from earlier walks, so that a
 * TLB miss reads one or two descriptors instead of up to 24 (Arm IHI0070
 * 16.2 lets an SMMU cache "intermediate" translation table entries; real
 * parts do, e.g. Arm's MMU-600 has stage-1 and stage-2 walk caches).
 *
 * Three caches of one shape (struct smmu_wcache), each sized by
 * smmuv3_config and off at 0 entries:
 *  - stage 1: table descriptors of stage-1 walks, tagged as the TLB tags
 *    (regime, VMID, ASID) plus granule and level;
 *  - stage 2: table descriptors of stage-2 walks, tagged by VMID;
 *  - S1PTW: the stage-2 translations of the IPAs of stage-1 tables, which
 *    a nested walk needs at every stage-1 level (tagged by VMID).
 * An entry covers the input range its descriptor resolves (the address
 * bits above its level's index), and remembers where the descriptor was
 * read and its value, for the coherency checker.
 *
 * Invalidation is the architecture's and nothing more (docs/smmuv3.md has
 * the table): a TLBI by address with Leaf=1 leaves walk-cache entries in
 * place; Leaf=0, by-ASID, by-VMID and "all" commands remove what they
 * cover; TLBI_S2_IPA removes S1PTW entries of the range whatever Leaf
 * says (they are leaf stage-2 translations).  The caches are only used
 * with smmu->lock held (TLB misses and commands), so they need no
 * sequence counters; an invalidation scans the cache it touches (they are
 * small, and Leaf=1 invalidations, one per unmapped page, touch none).
 */
#include <stdlib.h>
#include <string.h>

#include "hw/smmuv3/smmuv3-internal.h"

int smmu_wcache_init(struct smmu_wcache *c, unsigned int entries)
{
	unsigned int sets = entries / SMMU_WC_WAYS;

	memset(c, 0, sizeof(*c));
	if (!entries)
		return 0;
	c->sets_bits = sets > 1 ? ilog2(sets) : 0;
	c->e = calloc(SMMU_WC_WAYS << c->sets_bits, sizeof(*c->e));
	c->valid = calloc(((SMMU_WC_WAYS << c->sets_bits) + 63) / 64, sizeof(u64));
	if (!c->e || !c->valid) {
		smmu_wcache_free(c);
		return -ENOMEM;
	}
	return 0;
}

void smmu_wcache_free(struct smmu_wcache *c)
{
	free(c->e);
	free(c->valid);
	c->e = NULL;
	c->valid = NULL;
}

static unsigned int wc_nr(const struct smmu_wcache *c)
{
	return SMMU_WC_WAYS << c->sets_bits;
}

static bool wc_same_tag(const struct smmu_wc_entry *e, const struct smmu_wc_entry *n)
{
	return e->kind == n->kind && e->level == n->level && e->key == n->key &&
	       e->key_shift == n->key_shift && e->vmid == n->vmid &&
	       e->asid == n->asid && e->gshift == n->gshift;
}

void smmu_wcache_insert(struct smmu_wcache *c, const struct smmu_wc_entry *n)
{
	struct smmu_wc_tag t = { n->kind, n->gshift, n->vmid, n->asid };
	struct smmu_wc_entry *set = smmu_wcache_set(c, &t, n->level, n->key);
	struct smmu_wc_entry *e = NULL;

	/* The same entry, else a free way, else round-robin. */
	for (unsigned int w = 0; w < SMMU_WC_WAYS && !e; w++)
		if (set[w].kind && wc_same_tag(&set[w], n))
			e = &set[w];
	for (unsigned int w = 0; w < SMMU_WC_WAYS && !e; w++)
		if (!set[w].kind)
			e = &set[w];
	if (!e)
		e = &set[c->victim++ % SMMU_WC_WAYS];
	*e = *n;
	c->valid[(e - c->e) / 64] |= 1ULL << ((e - c->e) % 64);
	c->fills++;
}

/* Whether an invalidation covers an entry (the TLB's rules, smmu_tlb_inv). */
static bool wc_inv_matches(const struct smmu_wc_entry *e,
			   const struct smmu_tlb_inv *inv)
{
	u64 start, end;

	/* Table entries are never global. */
	if (!smmu_inv_covers_tag(inv, e->kind, e->vmid, e->asid, false))
		return false;
	if (!inv->match_range)
		return true;
	start = (e->key << e->key_shift) & ~((1ULL << e->span) - 1);
	end = start + (1ULL << e->span) - 1;
	if (e->leaf_level && inv->ttl && e->leaf_level != inv->ttl)
		return false;	/* the TTL hint names another level */
	return start <= inv->end && inv->start <= end;
}

unsigned int smmu_wcache_invalidate(struct smmu_wcache *c,
				    const struct smmu_tlb_inv *inv)
{
	unsigned int n = 0;

	if (!c->e)
		return 0;
	for (unsigned int w = 0; w < (wc_nr(c) + 63) / 64; w++) {
		u64 bits = c->valid[w];

		while (bits) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(bits);
			struct smmu_wc_entry *e = &c->e[i];

			bits &= bits - 1;
			if (wc_inv_matches(e, inv)) {
				e->kind = 0;
				c->valid[w] &= ~(1ULL << (i % 64));
				n++;
			}
		}
	}
	c->invalidated += n;
	return n;
}
