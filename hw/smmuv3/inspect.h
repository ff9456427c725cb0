/* SPDX-License-Identifier: MIT */
/*
 * Looking at what the SMMU sees: a stream's configuration as a fetch reads
 * it (level-1 stream table descriptor, STE, level-1 CD descriptor, CD) and
 * the translation table walk of one access, descriptor by descriptor.  For
 * debuggers; the iommusim `ste` and `walk` commands print them.
 *
 * Both run the model's own fetch, decode and walk code, so they cannot tell
 * a different story from smmuv3_translate(), and neither has a side effect:
 * nothing enters the configuration cache or the TLB, no event is recorded,
 * no interrupt raised.  They start from the registers the driver programmed
 * (SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_CFG) and read machine memory, never
 * the caches: for a driver that changed an STE or a page table without the
 * CFGI or TLBI, they show what the SMMU will see once it has been issued.
 *
 * Not part of the embedding contract (docs/embedding.md): not installed.
 */
#ifndef IOMMUSIM_HW_SMMUV3_INSPECT_H
#define IOMMUSIM_HW_SMMUV3_INSPECT_H

#include "hw/smmuv3/smmuv3.h"
#include "hw/vmsa-walk.h"

/* What a configuration fetch for (sid, ssid) reads, and what it concludes. */
struct smmuv3_ste_info {
	bool smmuen;			/* SMMU_CR0.SMMUEN */
	bool gbpa_abort;		/* SMMU_GBPA.ABORT (what SMMUEN=0 does) */
	u64 strtab_base;		/* SMMU_STRTAB_BASE */
	u32 strtab_base_cfg;		/* SMMU_STRTAB_BASE_CFG */
	/* Each part below is valid only when its _read flag is set. */
	bool l1_read;			/* two-level table: the L1 descriptor */
	u64 l1_addr, l1;
	bool ste_read;
	u64 ste_addr;
	u64 ste[8];
	bool cd_l1_read;		/* two-level CD table: its L1 descriptor */
	u64 cd_l1_addr;			/* as the STE names it: an IPA with stage 2 */
	u64 cd_l1_pa;			/* where it was read */
	u64 cd_l1;
	bool cd_read;
	u64 cd_addr, cd_pa;		/* the same for the CD */
	u64 cd[8];
	/*
	 * 0 when the SMMU accepts the configuration, else the event its fetch
	 * raises (C_BAD_STREAMID, F_STE_FETCH, C_BAD_STE, C_BAD_SUBSTREAMID,
	 * F_CD_FETCH, C_BAD_CD, F_STREAM_DISABLED, or a stage-2 fault on a CD
	 * fetch, event_s2) and the address of a fetch that hit no memory.
	 */
	u32 event;
	bool event_s2;
	u64 fetch_addr;
	/* Accepted: what the SMMU does with the stream (an STE.Config value,
	 * after S1DSS for a stream without SubstreamID) and its tags. */
	u8 config;
	u16 asid, vmid;
};

/*
 * Fills *info for sid's transactions with SubstreamID ssid (SMMUV3_NO_SSID
 * for none): every sid has an answer, C_BAD_STREAMID included.  Returns
 * info->event.
 */
uint32_t smmuv3_inspect_ste(struct smmuv3 *smmu, uint32_t sid, uint32_t ssid,
		       struct smmuv3_ste_info *info);

/* One descriptor read of a walk. */
struct smmuv3_walk_step {
	uint8_t stage;			/* 1 or 2 */
	/*
	 * Stage 2 translating the IPA of a stage-1 descriptor (nesting): the
	 * steps of that stage-2 walk come just before the stage-1 step whose
	 * descriptor they located.
	 */
	bool s1_fetch;
	const struct vmsa_walk_cfg *walk;	/* the walk's parameters */
	struct vmsa_walk_step d;	/* level, kind, address, value, output */
	uint64_t pa;			/* where d.desc was read: d.addr unless a
					 * nested stage-1 descriptor at an IPA */
};

typedef void (*smmuv3_walk_trace_fn)(void *opaque,
				     const struct smmuv3_walk_step *step);

/* Allowed accesses of a translation: PERM bits, as in the TLB. */
#define SMMUV3_ALLOW_R		0x01	/* unprivileged read */
#define SMMUV3_ALLOW_W		0x02
#define SMMUV3_ALLOW_X		0x04
#define SMMUV3_ALLOW_PRIV_SHIFT	3	/* the same three for privileged */

struct smmuv3_walk_info {
	/* 0, the architected event type, or SMMUV3_ABORT (terminated silently) */
	uint32_t event;
	bool bypass;			/* no translation applied (STE, GBPA, S1DSS) */
	uint64_t addr;			/* event 0: the output address */
	uint64_t ipa;			/* both stages: stage 1's output */
	uint8_t size_shift;		/* the leaf's size: stage 1's, else stage 2's */
	uint8_t s1_allow, s2_allow;	/* SMMUV3_ALLOW_*, 0x3f for a stage not used */
	/* A fault, as its event record would say, plus the level: */
	bool s2;			/* stage 2's (S2 = 1) */
	uint8_t class;			/* CLASS: 0 CD, 1 TT, 2 IN */
	int8_t level;			/* lookup level of the walk that faulted */
	uint64_t fault_ipa;		/* S2 = 1: the IPA */
	uint64_t fetch_addr;		/* F_WALK_EABT, F_*_FETCH: the address */
	bool recorded;			/* would reach the event queue (R bit) */
};

/*
 * The walk a TLB miss for this access (SMMUV3_READ/WRITE/EXEC/PRIV) would
 * do, each descriptor read reported to fn (may be NULL) in the order the
 * SMMU reads them.  The configuration is fetched afresh, as after a CFGI.
 * Returns info->event.  fn runs with the model's lock held: it must only
 * record what it is given, never access this SMMU.
 */
uint32_t smmuv3_inspect_walk(struct smmuv3 *smmu, uint32_t sid, uint32_t ssid,
			     uint64_t iova, unsigned int access,
			     smmuv3_walk_trace_fn fn, void *opaque,
			     struct smmuv3_walk_info *info);

/*
 * The fields of the structures, by their names in Arm IHI0070, for
 * printing: NULL-name-terminated tables.  A field is bits
 * [lsb + width - 1 : lsb] of 64-bit word `word`; an address field is shown
 * in place (the word masked, not shifted); `names`, when set, names the
 * values (1 << width entries, NULL for a value without a name).
 */
#define SMMUV3_FIELD_ADDR	0x1
#define SMMUV3_FIELD_S1		0x2	/* STE: meaningful when Config has stage 1 */
#define SMMUV3_FIELD_S2		0x4	/* STE: ... stage 2 */

struct smmuv3_field {
	const char *name;
	uint8_t word, lsb, width, flags;
	const char *const *names;
};

extern const struct smmuv3_field smmuv3_strtab_base_fields[];	/* SMMU_STRTAB_BASE */
extern const struct smmuv3_field smmuv3_strtab_cfg_fields[];	/* SMMU_STRTAB_BASE_CFG */
extern const struct smmuv3_field smmuv3_l1std_fields[];	/* L1 stream table descriptor */
extern const struct smmuv3_field smmuv3_ste_fields[];
extern const struct smmuv3_field smmuv3_l1cd_fields[];	/* L1 CD table descriptor */
extern const struct smmuv3_field smmuv3_cd_fields[];

static inline uint64_t smmuv3_field_get(const struct smmuv3_field *f,
					const uint64_t *words)
{
	uint64_t mask = f->width >= 64 ? ~0ULL : (1ULL << f->width) - 1;

	if (f->flags & SMMUV3_FIELD_ADDR)
		return words[f->word] & (mask << f->lsb);
	return (words[f->word] >> f->lsb) & mask;
}

/* A field by its Arm name ("Config"), or NULL; its value (0 if none). */
const struct smmuv3_field *smmuv3_field_find(const struct smmuv3_field *table,
					     const char *name);
uint64_t smmuv3_field_named(const struct smmuv3_field *table, const uint64_t *words,
			    const char *name);

/* The name of an architected event type ("F_TRANSLATION"), or NULL. */
const char *smmuv3_event_name(uint32_t event);
/* The event type an SMMU reports for a walker fault (F_TRANSLATION, ...). */
uint32_t smmuv3_walk_fault_event(enum vmsa_fault_type type);

#endif
