/* SPDX-License-Identifier: MIT */
/*
 * SMMUv3 walk caches (walkcache.c has why and how): the entry, the cache,
 * and the lookup, inline because a TLB miss makes up to three of them and
 * the walk they save is a few nanoseconds.  Used with smmu->lock held.
 */
#ifndef IOMMUSIM_HW_SMMUV3_WALKCACHE_H
#define IOMMUSIM_HW_SMMUV3_WALKCACHE_H

#include "lib/bits.h"
#include "lib/types.h"

/*
 * One entry: the table descriptor at level that resolves the input
 * addresses of one aligned 1 << span range, or for the S1PTW cache the
 * stage-2 translation of one IPA page (of a leaf that may be larger: span).
 */
struct smmu_wc_entry {
	u8 kind;		/* enum smmu_tlb_kind tag; 0 = free */
	s8 level;		/* of the descriptor (S1PTW: 3, whatever the leaf's) */
	u8 gshift;		/* granule of its tables */
	u8 key_shift;		/* key = input address >> key_shift */
	u8 span;		/* log2 of the input range it covers */
	u8 hier;		/* stage 1: VMSA_HIER_* down to and including it */
	u8 leaf_level;		/* S1PTW: the stage-2 leaf's level; 0 for tables */
	u8 pad;
	u16 vmid, asid;
	u64 key;
	u64 out;		/* next table (or, leaf, the output page) */
	u64 desc_addr, desc;	/* where it was read, and what (the checker) */
	/*
	 * The page at out when it is machine RAM (phys_ram_ptr_fixed), else
	 * NULL (a nested stage 1's tables are IPAs: always NULL there): a
	 * walk starting below the entry, or a stage-1 table fetch through an
	 * S1PTW entry, reads its descriptor there without finding the region.
	 */
	const u64 *table;
};

#define SMMU_WC_WAYS		4u

struct smmu_wcache {
	struct smmu_wc_entry *e;	/* NULL: this cache is off */
	u64 *valid;			/* bitmap: what invalidation visits */
	unsigned int sets_bits;
	u32 victim;
	u64 hits, misses, fills, invalidated;
};

/* What an entry is looked up by (the key aside): its regime's tags. */
struct smmu_wc_tag {
	u8 kind;
	u8 gshift;
	u16 vmid, asid;
};

static inline struct smmu_wc_entry *
smmu_wcache_set(const struct smmu_wcache *c, const struct smmu_wc_tag *t,
		int level, u64 key)
{
	/*
	 * The byte tags sit low, where bits above them count: shifted to the
	 * top, gcc read a spilled u8 back with an 8-byte load, which the CPU
	 * cannot forward from the byte store (a stall on every miss).
	 */
	u64 h = (key ^ ((u64)t->vmid << 40) ^ ((u64)t->asid << 24) ^
		 ((u64)(u8)level << 16) ^ ((u64)t->kind << 8)) *
		0x9e3779b97f4a7c15ULL;
	unsigned int set = c->sets_bits ? (unsigned int)(h >> (64 - c->sets_bits)) : 0;

	return &c->e[set * SMMU_WC_WAYS];
}

/*
 * The entry of tag at level for key (input address >> key_shift), or NULL;
 * uncounted (smmu_wcache_lookup() counts a hit).
 */
static inline const struct smmu_wc_entry *
smmu_wcache_peek(const struct smmu_wcache *c, const struct smmu_wc_tag *t,
		 int level, unsigned int key_shift, u64 key)
{
	const struct smmu_wc_entry *set = smmu_wcache_set(c, t, level, key);

	for (unsigned int w = 0; w < SMMU_WC_WAYS; w++) {
		const struct smmu_wc_entry *e = &set[w];

		if (e->key == key && e->kind == t->kind && e->level == level &&
		    e->vmid == t->vmid && e->asid == t->asid &&
		    e->gshift == t->gshift && e->key_shift == key_shift)
			return e;
	}
	return NULL;
}

static inline const struct smmu_wc_entry *
smmu_wcache_lookup(struct smmu_wcache *c, const struct smmu_wc_tag *t,
		   int level, unsigned int key_shift, u64 key)
{
	const struct smmu_wc_entry *e = smmu_wcache_peek(c, t, level, key_shift, key);

	if (e)
		c->hits++;
	return e;
}

#endif
