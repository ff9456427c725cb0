// SPDX-License-Identifier: MIT
/*
 * The model's counters (smmuv3_get_stats()): what a performance engineer
 * asks of an SMMU model before trusting a figure (gem5 reports the same:
 * hits and misses per cache, descriptor reads, commands, events).  They
 * are kept where the work happens, under the lock that work already holds,
 * except the translation fast path's, which has no lock: its per-thread
 * shards (smmu_fast_stats()) are summed here.  Reading them takes the lock
 * so the slow-path counts are one consistent picture.
 */
#include <string.h>

#include "hw/smmuv3/smmuv3-internal.h"

static struct smmu_wcache *walk_cache(struct smmuv3 *smmu, unsigned int i)
{
	switch (i) {
	case SMMUV3_WALK_CACHE_S1:	return &smmu->wc_s1;
	case SMMUV3_WALK_CACHE_S2:	return &smmu->wc_s2;
	default:			return &smmu->wc_s1ptw;
	}
}

void smmuv3_get_stats(struct smmuv3 *smmu, struct smmuv3_stats *st)
{
	smmu_lock(smmu);
	*st = smmu->stats;
	for (unsigned int i = 0; i < ARRAY_SIZE(st->walk_cache_hits); i++) {
		const struct smmu_wcache *c = walk_cache(smmu, i);

		st->walk_cache_hits[i] = c->hits;
		st->walk_cache_misses[i] = c->misses;
		st->walk_cache_fills[i] = c->fills;
		st->walk_cache_invalidated[i] = c->invalidated;
	}
	for (unsigned int i = 0; i < SMMU_STAT_SHARDS; i++) {
		const struct smmu_fast_stats *f = &smmu->fast[i];
		u64 fast = atomic_load_explicit(&f->bypasses, memory_order_relaxed);

		for (unsigned int r = 0; r < SMMUV3_REGIMES; r++) {
			u64 hits = atomic_load_explicit(&f->tlb_hits[r],
							memory_order_relaxed);

			st->tlb_hits[r] += hits;
			fast += hits;
		}
		/* Every fast-path answer was a translation and a cache hit. */
		st->translations += fast;
		st->cfg_hits += fast;
	}
	smmu_unlock(smmu);
}

void smmuv3_reset_stats(struct smmuv3 *smmu)
{
	smmu_lock(smmu);
	memset(&smmu->stats, 0, sizeof(smmu->stats));
	for (unsigned int i = 0; i < ARRAY_SIZE(smmu->stats.walk_cache_hits); i++) {
		struct smmu_wcache *c = walk_cache(smmu, i);

		c->hits = c->misses = c->fills = c->invalidated = 0;
	}
	for (unsigned int i = 0; i < SMMU_STAT_SHARDS; i++) {
		struct smmu_fast_stats *f = &smmu->fast[i];

		for (unsigned int r = 0; r < SMMUV3_REGIMES; r++)
			atomic_store_explicit(&f->tlb_hits[r], 0, memory_order_relaxed);
		atomic_store_explicit(&f->bypasses, 0, memory_order_relaxed);
	}
	smmu_unlock(smmu);
}

const char *smmuv3_cmd_name(unsigned int opcode)
{
	static const char *const names[SMMUV3_STATS_OPCODES] = {
		[CMD_PREFETCH_CONFIG] = "CMD_PREFETCH_CONFIG",
		[CMD_PREFETCH_ADDR] = "CMD_PREFETCH_ADDR",
		[CMD_CFGI_STE] = "CMD_CFGI_STE",
		[CMD_CFGI_STE_RANGE] = "CMD_CFGI_STE_RANGE",
		[CMD_CFGI_CD] = "CMD_CFGI_CD",
		[CMD_CFGI_CD_ALL] = "CMD_CFGI_CD_ALL",
		[CMD_TLBI_NH_ALL] = "CMD_TLBI_NH_ALL",
		[CMD_TLBI_NH_ASID] = "CMD_TLBI_NH_ASID",
		[CMD_TLBI_NH_VA] = "CMD_TLBI_NH_VA",
		[CMD_TLBI_NH_VAA] = "CMD_TLBI_NH_VAA",
		[CMD_TLBI_EL2_ALL] = "CMD_TLBI_EL2_ALL",
		[CMD_TLBI_EL2_ASID] = "CMD_TLBI_EL2_ASID",
		[CMD_TLBI_EL2_VA] = "CMD_TLBI_EL2_VA",
		[CMD_TLBI_EL2_VAA] = "CMD_TLBI_EL2_VAA",
		[CMD_TLBI_S12_VMALL] = "CMD_TLBI_S12_VMALL",
		[CMD_TLBI_S2_IPA] = "CMD_TLBI_S2_IPA",
		[CMD_TLBI_NSNH_ALL] = "CMD_TLBI_NSNH_ALL",
		[CMD_SYNC] = "CMD_SYNC",
	};

	return opcode < SMMUV3_STATS_OPCODES ? names[opcode] : NULL;
}
