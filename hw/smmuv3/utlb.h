/* SPDX-License-Identifier: MIT */
/*
 * The micro-TLB: the translation fast path's one-probe cache, as a TBU
 * keeps one in front of the shared TLB (Arm's MMU-600 and MMU-700 TBUs
 * hold a small per-stream micro-TLB, the TCU the main TLB and walk
 * caches).  It is keyed by what arrives with a transaction -- StreamID,
 * SubstreamID and the 4K page of the input address -- so a hit needs no
 * configuration lookup and no TLB set scan: one cache line, read between
 * two loads of its sequence counter, like the TLB's entries.
 *
 * It holds only what the main TLB held when the entry was made, and every
 * invalidation of the TLB or the configuration cache (any TLBI, any
 * CFGI), and any change of SMMUEN or tracing, empties it at once by
 * bumping a generation number the entries must match.  So it makes
 * nothing stale that the TLB would not, and the architecture's rules stay
 * the TLB's alone (an entry the TLB has since evicted may still hit here,
 * which is legal: a cached translation lives until invalidated).
 * Fills happen on the locked slow path.
 */
#ifndef IOMMUSIM_HW_SMMUV3_UTLB_H
#define IOMMUSIM_HW_SMMUV3_UTLB_H

#include "lib/bits.h"
#include "lib/types.h"

#define SMMU_UTLB_ENTRIES	64	/* direct-mapped */

#define UTLB_META_GEN		GENMASK_ULL(31, 0)
#define UTLB_META_ALLOW		GENMASK_ULL(37, 32)	/* PERM_*, both stages */
#define UTLB_META_ATTR		GENMASK_ULL(47, 40)
#define UTLB_META_SIZE		GENMASK_ULL(55, 48)	/* the result's size_shift */
#define UTLB_META_REGIME	GENMASK_ULL(63, 56)	/* SMMUV3_REGIME_* */

struct smmu_utlb_entry {
	u32 seq;		/* odd while being written */
	u32 pad;
	u64 stream;		/* SID | SSID << 32 */
	u64 page;		/* input address >> 12 */
	u64 out;		/* output address of that 4K page */
	u64 meta;		/* UTLB_META_* */
	u64 pad2[3];
} __attribute__((aligned(64)));

static inline unsigned int smmu_utlb_index(u32 sid, u32 ssid, u64 page)
{
	u64 h = (page ^ ((u64)sid << 24) ^ ((u64)ssid << 44)) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h >> 56) & (SMMU_UTLB_ENTRIES - 1);
}

/*
 * A hit for (sid, ssid, page) of generation gen: its output page and
 * metadata.  Lock-free.
 */
static inline bool smmu_utlb_lookup(const struct smmu_utlb_entry *u, u32 gen,
				    u64 stream, u64 page, u64 *out, u64 *meta)
{
	u32 seq = __atomic_load_n(&u->seq, __ATOMIC_ACQUIRE);

	if (seq & 1)
		return false;
	if (READ_ONCE(u->page) != page || READ_ONCE(u->stream) != stream)
		return false;
	*meta = READ_ONCE(u->meta);
	*out = READ_ONCE(u->out);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (u32)FIELD_GET(UTLB_META_GEN, *meta) == gen &&
	       READ_ONCE(u->seq) == seq;
}

/* Under smmu->lock: the only writer. */
static inline void smmu_utlb_fill(struct smmu_utlb_entry *u, u64 stream,
				  u64 page, u64 out, u64 meta)
{
	u32 seq = READ_ONCE(u->seq);

	__atomic_store_n(&u->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	WRITE_ONCE(u->stream, stream);
	WRITE_ONCE(u->page, page);
	WRITE_ONCE(u->out, out);
	WRITE_ONCE(u->meta, meta);
	__atomic_store_n(&u->seq, seq + 2, __ATOMIC_RELEASE);
}

#endif
