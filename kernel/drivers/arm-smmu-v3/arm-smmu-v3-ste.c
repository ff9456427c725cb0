// SPDX-License-Identifier: MIT
/*
 * Stream table entries and context descriptors: what goes into them, and
 * how an entry the SMMU may be reading is changed.
 *
 * Updates use Linux's arm_smmu_write_entry ("hitless") algorithm.  For
 * every configuration the driver knows which bits of the 64-byte entry the
 * SMMU reads (get_used).  To go from the current entry to the target:
 *   1. write every qword's bits the current configuration ignores;
 *   2. if the used bits now differ in only one qword, write that qword in
 *      one 64-bit store (the SMMU reads qwords single-copy atomically), then
 *      clear the bits the new configuration ignores: no intermediate state
 *      is ever torn, and none faults;
 *   3. otherwise do a breaking update: V=0, the other qwords, then qword 0.
 * Each step that changed memory ends with CMD_CFGI_STE + CMD_SYNC for that
 * StreamID, so the SMMU never holds a cached entry older than the step.
 *
 * Stage-1 domains need a CD table.  Linux keeps one per master and rewrites
 * CD 0 in place, which is a breaking update when the ASID and TTB0 both
 * change.  This driver keeps two CD slots per StreamID instead: the new CD
 * goes into the slot the STE does not point at, and switching domains is
 * then a change of S1ContextPtr only, in STE qword 0: hitless.  CFGI_CD_ALL
 * after the switch drops any CD cached from the old slot.
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

#define NUM_ENTRY_QWORDS	8

/* ------------------------------------------------------------ the table */

u64 *arm_smmu_get_step_for_sid(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_strtab *st = &smmu->strtab;

	if (!st->two_level) {
		if (sid >= st->num_ents)
			return NULL;
		return st->base + (size_t)sid * STRTAB_STE_DWORDS;
	}
	if ((sid >> STRTAB_SPLIT) >= st->num_ents || !st->l2[sid >> STRTAB_SPLIT])
		return NULL;
	return st->l2[sid >> STRTAB_SPLIT] +
	       (size_t)(sid & ((1u << STRTAB_SPLIT) - 1)) * STRTAB_STE_DWORDS;
}

phys_addr_t arm_smmu_ste_address(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_strtab *st = &smmu->strtab;
	phys_addr_t pa = 0;

	mutex_lock(&smmu->streams_mutex);
	if (!st->two_level) {
		if (sid < st->num_ents)
			pa = st->base_dma + (u64)sid * STRTAB_STE_DWORDS * 8;
	} else if ((sid >> STRTAB_SPLIT) < st->num_ents &&
		   st->l2[sid >> STRTAB_SPLIT]) {
		pa = st->l2_dma[sid >> STRTAB_SPLIT] +
		     (u64)(sid & ((1u << STRTAB_SPLIT) - 1)) * STRTAB_STE_DWORDS * 8;
	}
	mutex_unlock(&smmu->streams_mutex);
	return pa;
}

/*
 * Every STE starts as abort: a device nobody attached gets nothing
 * through, silently (Linux's default, disable_bypass).
 */
void arm_smmu_init_initial_stes(u64 *strtab, unsigned int nent)
{
	const size_t ste_bytes = STRTAB_STE_DWORDS * 8;

	if (!nent)
		return;
	arm_smmu_make_abort_ste(strtab);
	/*
	 * The rest are copies of the first, made in doubling runs: a linear
	 * table of 65,536 entries is 16 memcpy()s instead of 65,536 calls,
	 * which under the fuzz build's instrumentation was most of a board's
	 * boot.  The table's bytes are mainline's (arm_smmu_init_initial_stes
	 * makes each entry an abort STE in turn); only the order of the stores
	 * differs, and nothing sees it: the table is not installed yet.
	 */
	for (size_t done = 1; done < nent; done *= 2) {
		size_t n = done < nent - done ? done : nent - done;

		memcpy(strtab + done * STRTAB_STE_DWORDS, strtab, n * ste_bytes);
	}
}

/* Allocates the level-2 table covering sid; streams_mutex held. */
int arm_smmu_init_l2_strtab(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_strtab *st = &smmu->strtab;
	u32 l1 = sid >> STRTAB_SPLIT;
	u64 size = (1ULL << STRTAB_SPLIT) * STRTAB_STE_DWORDS * 8;
	phys_addr_t dma;
	u64 *l2;

	if (!st->two_level || st->l2[l1])
		return 0;
	dma = kernel_alloc_pages(smmu->k, size);
	if (!dma)
		return -ENOMEM;
	l2 = phys_to_virt(smmu->k, dma, size);
	if (!l2) {
		kernel_free_pages(smmu->k, dma, size);
		return -ENOMEM;
	}
	arm_smmu_init_initial_stes(l2, 1u << STRTAB_SPLIT);
	st->l2[l1] = l2;
	st->l2_dma[l1] = dma;
	/* The STEs are in place before the descriptor makes them reachable;
	 * an invalid descriptor is never cached, so no CFGI is needed. */
	__atomic_store_n(&st->base[l1],
			 FIELD_PREP(STRTAB_L1_DESC_SPAN, STRTAB_SPLIT + 1) |
			 (dma & STRTAB_L1_DESC_L2PTR_MASK), __ATOMIC_RELEASE);
	return 0;
}

/* ------------------------------------------------------------- contents */

void arm_smmu_make_abort_ste(u64 *ste)
{
	memset(ste, 0, STRTAB_STE_DWORDS * 8);
	ste[0] = STRTAB_STE_0_V |
		 FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
}

void arm_smmu_make_bypass_ste(u64 *ste)
{
	memset(ste, 0, STRTAB_STE_DWORDS * 8);
	ste[0] = STRTAB_STE_0_V |
		 FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	ste[1] = FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
}

/* Stage 1 through the stream's CD slot, one CD (no SubstreamIDs). */
void arm_smmu_make_cdtable_ste(u64 *ste, struct arm_smmu_stream *stream,
			       unsigned int slot)
{
	phys_addr_t cd = stream->cd_dma + (u64)slot * CTXDESC_CD_DWORDS * 8;

	memset(ste, 0, STRTAB_STE_DWORDS * 8);
	ste[0] = STRTAB_STE_0_V |
		 FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		 FIELD_PREP(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_LINEAR) |
		 (cd & STRTAB_STE_0_S1CTXPTR_MASK) |
		 FIELD_PREP(STRTAB_STE_0_S1CDMAX, 0);
	ste[1] = FIELD_PREP(STRTAB_STE_1_S1DSS, STRTAB_STE_1_S1DSS_SSID0) |
		 FIELD_PREP(STRTAB_STE_1_S1CIR, STRTAB_STE_1_S1C_CACHE_WBRA) |
		 FIELD_PREP(STRTAB_STE_1_S1COR, STRTAB_STE_1_S1C_CACHE_WBRA) |
		 FIELD_PREP(STRTAB_STE_1_S1CSH, CR1_SH_ISH) |
		 FIELD_PREP(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_NSEL1);
	/* Stage-1 TLB entries are tagged with VMID 0 when S2 exists. */
	ste[2] = FIELD_PREP(STRTAB_STE_2_S2VMID, 0);
}

void arm_smmu_make_s2_domain_ste(u64 *ste, struct arm_smmu_domain *d)
{
	const struct io_pgtable_cfg *cfg =
		&io_pgtable_ops_to_pgtable(d->pgtbl_ops)->cfg;
	typeof(&cfg->arm_lpae_s2_cfg.vtcr) vtcr = &cfg->arm_lpae_s2_cfg.vtcr;

	memset(ste, 0, STRTAB_STE_DWORDS * 8);
	ste[0] = STRTAB_STE_0_V |
		 FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	ste[1] = FIELD_PREP(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_ABT) |
		 FIELD_PREP(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
	ste[2] = FIELD_PREP(STRTAB_STE_2_S2VMID, d->vmid) |
		 FIELD_PREP(STRTAB_STE_2_VTCR,
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2T0SZ, vtcr->tsz) |
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2SL0, vtcr->sl) |
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2IR0, vtcr->irgn) |
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2OR0, vtcr->orgn) |
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2SH0, vtcr->sh) |
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2TG, vtcr->tg) |
			    FIELD_PREP(STRTAB_STE_2_VTCR_S2PS, vtcr->ps)) |
		 STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2R;
	ste[3] = cfg->arm_lpae_s2_cfg.vttbr & STRTAB_STE_3_S2TTB_MASK;
}

/*
 * The guest's stage 1 over the parent's stage 2, as Linux's
 * arm_smmu_make_nested_domain_ste: an invalid or aborting vSTE aborts, a
 * bypassing one leaves stage 2 alone, a translating one brings the guest's
 * CD table pointer (an IPA) and stage-1 attributes.
 */
void arm_smmu_make_nested_domain_ste(u64 *ste,
				     struct arm_smmu_nested_domain *nd)
{
	unsigned int cfg = FIELD_GET(STRTAB_STE_0_CFG, nd->ste[0]);

	if (!(nd->ste[0] & STRTAB_STE_0_V))
		cfg = STRTAB_STE_0_CFG_ABORT;
	switch (cfg) {
	case STRTAB_STE_0_CFG_S1_TRANS:
		arm_smmu_make_s2_domain_ste(ste, nd->s2_parent);
		ste[0] = STRTAB_STE_0_V |
			 FIELD_PREP(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED) |
			 (nd->ste[0] & ~STRTAB_STE_0_CFG);
		ste[1] |= nd->ste[1];
		/* Merge repeated events: a guest must not flood the queue. */
		ste[1] |= STRTAB_STE_1_MEV;
		break;
	case STRTAB_STE_0_CFG_BYPASS:
		arm_smmu_make_s2_domain_ste(ste, nd->s2_parent);
		break;
	default:
		arm_smmu_make_abort_ste(ste);
		break;
	}
}

void arm_smmu_make_s1_cd(u64 *cd, struct arm_smmu_domain *d)
{
	const struct io_pgtable_cfg *cfg =
		&io_pgtable_ops_to_pgtable(d->pgtbl_ops)->cfg;
	typeof(&cfg->arm_lpae_s1_cfg.tcr) tcr = &cfg->arm_lpae_s1_cfg.tcr;

	memset(cd, 0, CTXDESC_CD_DWORDS * 8);
	cd[0] = FIELD_PREP(CTXDESC_CD_0_TCR_T0SZ, tcr->tsz) |
		FIELD_PREP(CTXDESC_CD_0_TCR_TG0, tcr->tg) |
		FIELD_PREP(CTXDESC_CD_0_TCR_IRGN0, tcr->irgn) |
		FIELD_PREP(CTXDESC_CD_0_TCR_ORGN0, tcr->orgn) |
		FIELD_PREP(CTXDESC_CD_0_TCR_SH0, tcr->sh) |
		FIELD_PREP(CTXDESC_CD_0_TCR_IPS, tcr->ips) |
		CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V | CTXDESC_CD_0_AA64 |
		CTXDESC_CD_0_R | CTXDESC_CD_0_A | CTXDESC_CD_0_ASET |
		FIELD_PREP(CTXDESC_CD_0_ASID, d->asid);
	/* Dirty state needs both: the SMMU sets AF and clears AP[2]. */
	if (cfg->quirks & IO_PGTABLE_QUIRK_ARM_HD)
		cd[0] |= CTXDESC_CD_0_TCR_HA | CTXDESC_CD_0_TCR_HD;
	cd[1] = cfg->arm_lpae_s1_cfg.ttbr & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = cfg->arm_lpae_s1_cfg.mair;
}

/* ------------------------------------------------------- the entry writer */

/*
 * Copies a CD into the table with one single-copy-atomic store per qword,
 * as the SMMU fetches it qword by qword (it may be reading the slot).
 */
static void arm_smmu_write_cd(u64 *dst, const u64 *cd)
{
	for (unsigned int i = 0; i < CTXDESC_CD_DWORDS; i++)
		__atomic_store_n(&dst[i], cd[i], __ATOMIC_RELEASE);
}

/* The bits of an STE the SMMU reads in its configuration (get_ste_used). */
static void arm_smmu_get_ste_used(const u64 *ent, u64 *used)
{
	unsigned int cfg = FIELD_GET(STRTAB_STE_0_CFG, ent[0]);

	memset(used, 0, NUM_ENTRY_QWORDS * 8);
	used[0] = STRTAB_STE_0_V;
	if (!(ent[0] & STRTAB_STE_0_V))
		return;
	used[0] |= STRTAB_STE_0_CFG;

	if (cfg & 1) {	/* stage 1 translates */
		used[0] |= STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK |
			   STRTAB_STE_0_S1CDMAX;
		used[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR |
			   STRTAB_STE_1_S1COR | STRTAB_STE_1_S1CSH |
			   STRTAB_STE_1_S1STALLD | STRTAB_STE_1_STRW |
			   STRTAB_STE_1_EATS | STRTAB_STE_1_MEV;
		used[2] |= STRTAB_STE_2_S2VMID;
		if (FIELD_GET(STRTAB_STE_1_S1DSS, ent[1]) ==
		    STRTAB_STE_1_S1DSS_BYPASS)
			used[1] |= STRTAB_STE_1_SHCFG;
	}
	if (cfg & 2) {	/* stage 2 translates */
		used[1] |= STRTAB_STE_1_S2FWB | STRTAB_STE_1_EATS |
			   STRTAB_STE_1_SHCFG | STRTAB_STE_1_MEV;
		used[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR |
			   STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2ENDI |
			   STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2S |
			   STRTAB_STE_2_S2R;
		used[3] |= STRTAB_STE_3_S2TTB_MASK;
	}
	if (cfg == STRTAB_STE_0_CFG_BYPASS)
		used[1] |= STRTAB_STE_1_SHCFG;
}

struct arm_smmu_ste_writer {
	struct arm_smmu_device *smmu;
	u32 sid;
};

static void arm_smmu_ste_writer_sync(struct arm_smmu_ste_writer *w)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMDQ_OP_CFGI_STE,
		.cfgi = { .sid = w->sid, .leaf = true },
	};

	arm_smmu_cmdq_issue_cmd_with_sync(w->smmu, &cmd);
}

/*
 * Which qwords still differ in used bits once the unused bits are written;
 * unused_update gets the entry with every currently ignored bit set to
 * its target value.
 */
static u8 arm_smmu_entry_qword_diff(struct arm_smmu_device *smmu,
				    const u64 *entry, const u64 *target,
				    u64 *unused_update)
{
	u64 cur_used[NUM_ENTRY_QWORDS], target_used[NUM_ENTRY_QWORDS];
	u8 diff = 0;

	arm_smmu_get_ste_used(entry, cur_used);
	arm_smmu_get_ste_used(target, target_used);
	for (unsigned int i = 0; i < NUM_ENTRY_QWORDS; i++) {
		/* A make function set a bit its configuration ignores. */
		KWARN_ON(smmu->k, target[i] & ~target_used[i]);
		unused_update[i] = (entry[i] & cur_used[i]) |
				   (target[i] & ~cur_used[i]);
		if ((unused_update[i] & target_used[i]) != target[i])
			diff |= 1u << i;
	}
	return diff;
}

/* Writes qwords [start, start + len) that differ; syncs if any did. */
static bool entry_set(struct arm_smmu_ste_writer *w, u64 *entry,
		      const u64 *target, unsigned int start, unsigned int len)
{
	bool changed = false;

	for (unsigned int i = start; len; len--, i++) {
		if (entry[i] != target[i]) {
			/* One single-copy-atomic store per qword. */
			__atomic_store_n(&entry[i], target[i], __ATOMIC_RELEASE);
			w->smmu->stats.ste_writes++;
			changed = true;
		}
	}
	if (changed)
		arm_smmu_ste_writer_sync(w);
	return changed;
}

void arm_smmu_write_ste(struct arm_smmu_device *smmu, u32 sid, u64 *entry,
			const u64 *target)
{
	struct arm_smmu_ste_writer w = { .smmu = smmu, .sid = sid };
	u64 unused_update[NUM_ENTRY_QWORDS];
	u8 diff = arm_smmu_entry_qword_diff(smmu, entry, target, unused_update);

	if (__builtin_popcount(diff) == 1) {
		/* Hitless: one critical qword changes what the SMMU does. */
		unsigned int critical = (unsigned int)__builtin_ctz(diff);

		unused_update[critical] = entry[critical];
		entry_set(&w, entry, unused_update, 0, NUM_ENTRY_QWORDS);
		entry_set(&w, entry, target, critical, 1);
		entry_set(&w, entry, target, 0, NUM_ENTRY_QWORDS);
	} else if (diff) {
		/* Breaking: invalidate, fill in, validate. */
		smmu->stats.ste_breaking++;
		unused_update[0] = 0;
		entry_set(&w, entry, unused_update, 0, 1);
		entry_set(&w, entry, target, 1, NUM_ENTRY_QWORDS - 1);
		entry_set(&w, entry, target, 0, 1);
	} else {
		/* Used bits agree already; only ignored bits may differ. */
		entry_set(&w, entry, target, 0, NUM_ENTRY_QWORDS);
	}
}

static void arm_smmu_cfgi_cd_all(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_cmdq_ent cmd = {
		.opcode = CMDQ_OP_CFGI_CD_ALL,
		.cfgi = { .sid = sid },
	};

	arm_smmu_cmdq_issue_cmd_with_sync(smmu, &cmd);
}

static bool ste_has_s1(const u64 *ste)
{
	return (ste[0] & STRTAB_STE_0_V) &&
	       (FIELD_GET(STRTAB_STE_0_CFG, ste[0]) & 5) == 5;
}

/* A nested STE points at the guest's CD table, not at ours. */
static bool ste_uses_stream_cd(const u64 *ste, const struct arm_smmu_stream *stream)
{
	phys_addr_t ptr = ste[0] & STRTAB_STE_0_S1CTXPTR_MASK;

	return ptr == stream->cd_dma ||
	       ptr == stream->cd_dma + CTXDESC_CD_DWORDS * 8;
}

void arm_smmu_install_stream(struct arm_smmu_device *smmu,
			     struct arm_smmu_stream *stream,
			     struct iommu_domain *domain)
{
	u64 *step = arm_smmu_get_step_for_sid(smmu, stream->sid);
	u64 target[STRTAB_STE_DWORDS], cd[CTXDESC_CD_DWORDS];
	bool s1 = false;

	if (KWARN_ON(smmu->k, !step))
		return;
	switch (domain->type) {
	case IOMMU_DOMAIN_BLOCKED:
		arm_smmu_make_abort_ste(target);
		break;
	case IOMMU_DOMAIN_IDENTITY:
		arm_smmu_make_bypass_ste(target);
		break;
	case IOMMU_DOMAIN_NESTED:
		arm_smmu_make_nested_domain_ste(target, to_nested_domain(domain));
		s1 = ste_has_s1(target);
		break;
	default: {
		struct arm_smmu_domain *d = to_smmu_domain(domain);

		if (d->stage == ARM_SMMU_DOMAIN_S2) {
			arm_smmu_make_s2_domain_ste(target, d);
			break;
		}
		/*
		 * A CD cached for this StreamID belongs to the slot the STE
		 * uses now, or, when it uses none, to some older
		 * configuration: drop that one before the new STE can meet it.
		 */
		if (!ste_has_s1(step) || !ste_uses_stream_cd(step, stream))
			arm_smmu_cfgi_cd_all(smmu, stream->sid);
		stream->cd_cur ^= 1;
		arm_smmu_make_s1_cd(cd, d);
		arm_smmu_write_cd(stream->cd + stream->cd_cur * CTXDESC_CD_DWORDS, cd);
		arm_smmu_make_cdtable_ste(target, stream, stream->cd_cur);
		s1 = true;
		break;
	}
	}
	arm_smmu_write_ste(smmu, stream->sid, step, target);
	if (s1)
		arm_smmu_cfgi_cd_all(smmu, stream->sid);
}
