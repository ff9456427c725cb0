// SPDX-License-Identifier: MIT
/*
 * SMMUv3 configuration: stream table walk (linear or two-level), STE and CD
 * fetch and decode, and the configuration cache (Arm IHI0070 3.3, 5.2-5.4).
 *
 * smmu_fetch_config() turns (StreamID, SubstreamID) into a struct smmu_cfg
 * or into the event the architecture reports: C_BAD_STREAMID, F_STE_FETCH,
 * C_BAD_STE, C_BAD_SUBSTREAMID, F_CD_FETCH, C_BAD_CD, F_STREAM_DISABLED, or
 * a stage-2 fault (S2=1, CLASS=CD) when a nested stream's CD table sits at
 * an IPA that stage 2 cannot translate.  ILLEGAL STE/CD combinations are
 * reported, never guessed at.
 *
 * The cache is direct-mapped on (SID, SSID) and holds the decoded STE and
 * CD together.  Only CFGI_* commands (and eviction by a colliding stream)
 * remove an entry, so a driver that changes an STE without CMD_CFGI_STE
 * keeps getting the old one, as on hardware.  Readers copy an entry under
 * its sequence counter without a lock; writers hold smmu->lock.
 *
 * smmu_fetch_config_info() also hands what it read (L1 descriptor, STE, CD
 * and their addresses) to smmuv3_inspect_ste() (inspect.c).
 */
#include <string.h>

#include "hw/smmuv3/inspect.h"
#include "hw/smmuv3/smmuv3-internal.h"

static int bad(struct smmu_event *ev, u32 type)
{
	ev->type = type;
	return -1;
}

static int fetch_fail(struct smmu_event *ev, u32 type, u64 addr)
{
	ev->type = type;
	ev->fetch_addr = addr;
	return -1;
}

/*
 * Reads n 64-bit words of a structure (STE, CD, L1 descriptor).  Each word
 * is single-copy atomic, as the architecture makes a 64-bit aligned access:
 * RAM is loaded in place with 8-byte atomic loads (a driver on another
 * thread may be storing to it), anything else goes through phys_read.
 */
static int read_qwords(struct smmuv3 *smmu, u64 addr, u64 *buf, size_t n)
{
	const u64 *p = (addr & 7) ? NULL :
		       phys_ram_ptr(smmu->mem, addr, n * sizeof(u64));

	if (!p)
		return phys_read(smmu->mem, addr, buf, n * sizeof(u64));
	for (size_t i = 0; i < n; i++)
		buf[i] = __atomic_load_n(&p[i], __ATOMIC_ACQUIRE);
	return 0;
}

/* Address of the STE of sid, or an event; info (may be NULL) sees the L1. */
static int find_ste(struct smmuv3 *smmu, u32 sid, u64 *addr,
		    struct smmu_event *ev, struct smmuv3_ste_info *info)
{
	u32 cfg = smmu->strtab_base_cfg;
	unsigned int log2 = FIELD_GET(STRTAB_BASE_CFG_LOG2SIZE, cfg);
	u64 base = smmu->strtab_base & STRTAB_BASE_ADDR;
	unsigned int split, span;
	u64 l1, l1_addr;

	if (log2 < 32 && sid >= (1ULL << log2))
		return bad(ev, EVT_C_BAD_STREAMID);
	if (FIELD_GET(STRTAB_BASE_CFG_FMT, cfg) == 0) {
		*addr = base + (u64)sid * 64;
		return 0;
	}

	/* SPLIT is 6, 8 or 10; a reserved value behaves as the next lower. */
	split = FIELD_GET(STRTAB_BASE_CFG_SPLIT, cfg);
	split = split >= 10 ? 10 : split >= 8 ? 8 : 6;
	l1_addr = base + (u64)(sid >> split) * 8;
	if (read_qwords(smmu, l1_addr, &l1, 1))
		return fetch_fail(ev, EVT_F_STE_FETCH, l1_addr);
	if (info) {
		info->l1_read = true;
		info->l1_addr = l1_addr;
		info->l1 = l1;
	}
	span = FIELD_GET(STRTAB_L1_DESC_SPAN, l1);
	/* Span 0 is an invalid descriptor; above SPLIT + 1 is ILLEGAL. */
	if (!span || span > split + 1 ||
	    (sid & ((1u << split) - 1)) >= (1u << (span - 1)))
		return bad(ev, EVT_C_BAD_STREAMID);
	*addr = (l1 & STRTAB_L1_DESC_L2PTR) + (u64)(sid & ((1u << split) - 1)) * 64;
	return 0;
}

int smmuv3_trap_read_ste(struct smmuv3 *smmu, u32 sid, u64 ste[8])
{
	struct smmu_event ev;
	u64 addr;

	if (find_ste(smmu, sid, &addr, &ev, NULL))
		return ev.type == EVT_C_BAD_STREAMID ? -ERANGE : -EFAULT;
	return phys_read(smmu->mem, addr, ste, 64) ? -EFAULT : 0;
}

static unsigned int tg0_shift(unsigned int tg)
{
	static const u8 s[4] = { 12, 16, 14, 0 };

	return s[tg & 3];
}

static unsigned int tg1_shift(unsigned int tg)
{
	static const u8 s[4] = { 0, 14, 12, 16 };

	return s[tg & 3];
}

static bool granule_ok(const struct smmuv3 *smmu, unsigned int gshift)
{
	switch (gshift) {
	case 12: return smmu->conf.gran4k;
	case 14: return smmu->conf.gran16k;
	case 16: return smmu->conf.gran64k;
	}
	return false;
}

static int decode_ste(struct smmuv3 *smmu, const u64 *ste,
		      struct smmu_cfg *cfg, struct smmu_event *ev)
{
	unsigned int config = FIELD_GET(STE_0_CFG, ste[0]);
	unsigned int strw = FIELD_GET(STE_1_STRW, ste[1]);
	bool el2 = false;

	if (!(ste[0] & STE_0_V))
		return bad(ev, EVT_C_BAD_STE);
	if (config == STE_CFG_ABORT) {
		cfg->kind = CFG_ABORT;
		return 0;
	}
	if (config < STE_CFG_BYPASS)	/* 0b001..0b011 are reserved */
		return bad(ev, EVT_C_BAD_STE);
	if (config == STE_CFG_BYPASS) {
		cfg->kind = CFG_BYPASS;
		return 0;
	}

	cfg->kind = CFG_TRANSLATE;
	cfg->s1 = config & 1;
	cfg->s2 = !!(config & 2);
	if ((cfg->s1 && !smmu->conf.stage1) || (cfg->s2 && !smmu->conf.stage2))
		return bad(ev, EVT_C_BAD_STE);

	/* StreamWorld: only meaningful without stage 2. */
	if (!cfg->s2) {
		if (strw == 2 && smmu->conf.hyp)
			el2 = true;
		else if (strw != 0)
			return bad(ev, EVT_C_BAD_STE);
	}

	if (cfg->s1) {
		unsigned int fmt = FIELD_GET(STE_0_S1FMT, ste[0]);
		unsigned int cdmax = FIELD_GET(STE_0_S1CDMAX, ste[0]);

		if (cdmax > smmu->conf.ssid_bits)
			return bad(ev, EVT_C_BAD_STE);
		if (cdmax && (fmt == 3 || (fmt && !smmu->conf.cd_2level)))
			return bad(ev, EVT_C_BAD_STE);
		/* No stall support (STALL_MODEL=1): S1STALLD is ILLEGAL. */
		if (ste[1] & STE_1_S1STALLD)
			return bad(ev, EVT_C_BAD_STE);
		if ((ste[0] & STE_0_S1CTXPTR) >> smmu->conf.oas_bits)
			return bad(ev, EVT_C_BAD_STE);
	}

	if (cfg->s2) {
		u64 s2 = ste[2];
		unsigned int ps = smmu_oas_bits(FIELD_GET(STE_2_S2PS, s2));
		unsigned int tg = FIELD_GET(STE_2_S2TG, s2);

		if (!(s2 & STE_2_S2AA64) || (s2 & STE_2_S2ENDI) || (s2 & STE_2_S2S))
			return bad(ev, EVT_C_BAD_STE);
		cfg->s2_gshift = tg0_shift(tg);
		if (!granule_ok(smmu, cfg->s2_gshift))
			return bad(ev, EVT_C_BAD_STE);
		cfg->s2_oas = min(ps, smmu->conf.oas_bits);
		cfg->s2_tsz = FIELD_GET(STE_2_S2T0SZ, s2);
		cfg->s2_sl0 = FIELD_GET(STE_2_S2SL0, s2);
		cfg->s2ttb = ste[3] & STE_3_S2TTB;
		cfg->s2_affd = !!(s2 & STE_2_S2AFFD);
		/* HD needs HA, and both what IDR0.HTTU offers (else IGNORED). */
		cfg->s2_ha = smmu->conf.httu >= IDR0_HTTU_ACCESS &&
			     (s2 & STE_2_S2HA);
		cfg->s2_hd = cfg->s2_ha && smmu->conf.httu >= IDR0_HTTU_ACCESS_DIRTY &&
			     (s2 & STE_2_S2HD);
		cfg->record_s2 = !!(s2 & STE_2_S2R);
		if (cfg->s2ttb >> cfg->s2_oas)
			return bad(ev, EVT_C_BAD_STE);
		/* T0SZ range, SL0 and concatenation: see walk.c. */
		if (!smmu_s2_params_valid(smmu, cfg))
			return bad(ev, EVT_C_BAD_STE);
	}
	if (cfg->s2 || (cfg->s1 && smmu->conf.stage2 && !el2)) {
		cfg->vmid = FIELD_GET(STE_2_S2VMID, ste[2]);
		if (!smmu->conf.vmid16)
			cfg->vmid &= 0xff;
	}
	cfg->tlb_kind = cfg->s1 && cfg->s2 ? TLB_S12 : cfg->s2 ? TLB_S2 :
			el2 ? TLB_EL2 : TLB_S1;
	return 0;
}

/* Read a structure at an address that is an IPA when stage 2 is on. */
static int fetch_via_s2(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			u64 addr, u64 *buf, size_t len, struct smmu_event *ev,
			u64 *pa)
{
	*pa = addr;
	if (cfg->s2 && smmu_s2_translate_fetch(smmu, cfg, addr, pa, ev))
		return -1;
	if (read_qwords(smmu, *pa, buf, len / sizeof(u64)))
		return fetch_fail(ev, EVT_F_CD_FETCH, *pa);
	return 0;
}

static int decode_cd(struct smmuv3 *smmu, const u64 *cd, struct smmu_cfg *cfg,
		     struct smmu_event *ev)
{
	u64 c0 = cd[0];

	if (!(c0 & CD_0_V) || !(c0 & CD_0_AA64) || (c0 & CD_0_ENDI))
		return bad(ev, EVT_C_BAD_CD);
	for (int i = 0; i < 2; i++) {
		struct smmu_tt *tt = &cfg->tt[i];

		tt->disabled = !!(c0 & (i ? CD_0_EPD1 : CD_0_EPD0));
		if (tt->disabled)
			continue;
		tt->tsz = i ? FIELD_GET(CD_0_T1SZ, c0) : FIELD_GET(CD_0_T0SZ, c0);
		tt->gshift = i ? tg1_shift(FIELD_GET(CD_0_TG1, c0)) :
				 tg0_shift(FIELD_GET(CD_0_TG0, c0));
		tt->ttb = cd[1 + i] & CD_TTB;
		tt->start_level = (s8)vmsa_s1_start_level(tt->gshift, 64 - tt->tsz);
		if (tt->tsz < VMSA_TXSZ_MIN || tt->tsz > VMSA_TXSZ_MAX ||
		    !granule_ok(smmu, tt->gshift))
			return bad(ev, EVT_C_BAD_CD);
	}
	cfg->s1_oas = min(smmu_oas_bits(FIELD_GET(CD_0_IPS, c0)),
			  smmu->conf.oas_bits);
	cfg->s1_affd = !!(c0 & CD_0_AFFD);
	cfg->s1_ha = smmu->conf.httu >= IDR0_HTTU_ACCESS && (c0 & CD_0_HA);
	cfg->s1_hd = cfg->s1_ha && smmu->conf.httu >= IDR0_HTTU_ACCESS_DIRTY &&
		     (c0 & CD_0_HD);
	cfg->wxn = !!(c0 & CD_0_WXN);
	cfg->record_s1 = !!(c0 & CD_0_R);
	cfg->tbi = FIELD_GET(CD_0_TBI, c0);
	cfg->asid = FIELD_GET(CD_0_ASID, c0);
	if (!smmu->conf.asid16)
		cfg->asid &= 0xff;
	if (cfg->tlb_kind == TLB_EL2 && !(smmu->cr2 & BIT(0)))
		cfg->asid = 0;	/* EL2 without E2H has no ASIDs */
	return 0;
}

/* Find and decode the CD for ssid; cfg holds the decoded STE. */
static int fetch_cd(struct smmuv3 *smmu, const u64 *ste, u32 ssid,
		    struct smmu_cfg *cfg, struct smmu_event *ev,
		    struct smmuv3_ste_info *info)
{
	unsigned int cdmax = FIELD_GET(STE_0_S1CDMAX, ste[0]);
	unsigned int fmt = FIELD_GET(STE_0_S1FMT, ste[0]);
	u64 ptr = ste[0] & STE_0_S1CTXPTR, cd[8], pa;
	u32 idx = 0;

	if (ssid == SMMUV3_NO_SSID) {
		if (cdmax) {
			switch (FIELD_GET(STE_1_S1DSS, ste[1])) {
			case STE_S1DSS_TERMINATE:
				return bad(ev, EVT_F_STREAM_DISABLED);
			case STE_S1DSS_BYPASS:
				cfg->s1 = 0;
				cfg->tlb_kind = TLB_S2;
				if (!cfg->s2)
					cfg->kind = CFG_BYPASS;
				return 0;
			case STE_S1DSS_SSID0:
				break;
			default:
				return bad(ev, EVT_C_BAD_STE);
			}
		}
	} else {
		if (!cdmax || ssid >= (1u << cdmax) ||
		    (ssid == 0 && FIELD_GET(STE_1_S1DSS, ste[1]) == STE_S1DSS_SSID0))
			return bad(ev, EVT_C_BAD_SUBSTREAMID);
		idx = ssid;
	}

	if (cdmax && fmt) {
		unsigned int split = fmt == 1 ? 6 : 10;
		u64 l1;

		if (fetch_via_s2(smmu, cfg, ptr + (u64)(idx >> split) * 8, &l1,
				 sizeof(l1), ev, &pa))
			return -1;
		if (info) {
			info->cd_l1_read = true;
			info->cd_l1_addr = ptr + (u64)(idx >> split) * 8;
			info->cd_l1_pa = pa;
			info->cd_l1 = l1;
		}
		if (!(l1 & L1CD_V))
			return bad(ev, EVT_C_BAD_SUBSTREAMID);
		ptr = (l1 & L1CD_L2PTR) + (u64)(idx & ((1u << split) - 1)) * 64;
	} else {
		ptr += (u64)idx * 64;
	}
	if (fetch_via_s2(smmu, cfg, ptr, cd, sizeof(cd), ev, &pa))
		return -1;
	if (!ev->dry_run)
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_CFG, "smmuv3_get_cd CD addr: 0x%llx (PA 0x%llx)",
			 (unsigned long long)ptr, (unsigned long long)pa);
	if (info) {
		info->cd_read = true;
		info->cd_addr = ptr;
		info->cd_pa = pa;
		memcpy(info->cd, cd, sizeof(cd));
	}
	return decode_cd(smmu, cd, cfg, ev);
}

int smmu_fetch_config_info(struct smmuv3 *smmu, u32 sid, u32 ssid,
			   struct smmu_cfg *cfg, struct smmu_event *ev,
			   struct smmuv3_ste_info *info)
{
	u64 addr, ste[8];

	memset(cfg, 0, sizeof(*cfg));
	if (find_ste(smmu, sid, &addr, ev, info))
		return -1;
	if (!ev->dry_run)
		hw_trace(&smmu->trace, IOMMUSIM_TRACE_CFG, "smmuv3_get_ste sid=0x%x STE addr: 0x%llx",
			 sid, (unsigned long long)addr);
	if (read_qwords(smmu, addr, ste, ARRAY_SIZE(ste)))
		return fetch_fail(ev, EVT_F_STE_FETCH, addr);
	if (info) {
		info->ste_read = true;
		info->ste_addr = addr;
		memcpy(info->ste, ste, sizeof(ste));
	}
	if (decode_ste(smmu, ste, cfg, ev))
		return -1;
	if (cfg->kind != CFG_TRANSLATE)
		return 0;
	if (!cfg->s1) {
		/* No stage 1: a SubstreamID has nowhere to go. */
		if (ssid != SMMUV3_NO_SSID)
			return bad(ev, EVT_C_BAD_SUBSTREAMID);
	} else if (fetch_cd(smmu, ste, ssid, cfg, ev, info)) {
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		unsigned int g = cfg->s1 ? cfg->tt[i].gshift : cfg->s2_gshift;

		if (cfg->s1 && cfg->s2 && cfg->s2_gshift < g)
			g = cfg->s2_gshift;
		cfg->tlb_gshift[i] = g ? g : 12;
		/* Stage 1 alone, no hardware updates, a walk of 3+ levels. */
		if (cfg->s1 && !cfg->s2 && !cfg->s1_ha && !cfg->tt[i].disabled &&
		    cfg->tt[i].start_level >= 0 && cfg->tt[i].start_level <= 2)
			cfg->one_read |= BIT(i);
	}
	return 0;
}

/* Configuration cache. */

static unsigned int cfg_slot(u32 sid, u32 ssid)
{
	u64 h = ((u64)sid << 32 | ssid) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h >> 54) & (SMMU_CFG_CACHE_SIZE - 1);
}

/* The fast path's lookup, lock-free: copies the hot part of a hit. */
bool smmu_cfg_cache_peek(struct smmuv3 *smmu, u32 sid, u32 ssid,
			 struct smmu_cfg *hot)
{
	struct smmu_cfg_slot *s = &smmu->cfg_cache[cfg_slot(sid, ssid)];
	u32 seq;
	bool hit;

	do {
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			return false;
		hit = __atomic_load_n(&s->valid, __ATOMIC_ACQUIRE) &&
		      __atomic_load_n(&s->sid, __ATOMIC_ACQUIRE) == sid &&
		      __atomic_load_n(&s->ssid, __ATOMIC_ACQUIRE) == ssid;
		if (hit)
			smmu_copy_words_snapshot(hot, &s->cfg, SMMU_CFG_HOT_SIZE);
	} while (READ_ONCE(s->seq) != seq);
	return hit;
}

/*
 * Under the lock no slot changes (writers hold it, and the model's own
 * accesses to its registers are refused while it does), so a hit is the
 * slot itself, valid until the lock is dropped: no counter, no copy.
 */
const struct smmu_cfg *smmu_cfg_cache_get(struct smmuv3 *smmu, u32 sid,
					  u32 ssid)
{
	const struct smmu_cfg_slot *s = &smmu->cfg_cache[cfg_slot(sid, ssid)];

	lockdep_assert_held(&smmu->lock);
	if (!s->valid || s->sid != sid || s->ssid != ssid)
		return NULL;
	return &s->cfg;
}

static void slot_write_begin(struct smmu_cfg_slot *s)
{
	WRITE_ONCE(s->seq, READ_ONCE(s->seq) + 1);
}

static void slot_write_end(struct smmu_cfg_slot *s)
{
	__atomic_store_n(&s->seq, READ_ONCE(s->seq) + 1, __ATOMIC_RELEASE);
}

void smmu_cfg_cache_insert(struct smmuv3 *smmu, u32 sid, u32 ssid,
			   const struct smmu_cfg *cfg)
{
	unsigned int i = cfg_slot(sid, ssid);
	struct smmu_cfg_slot *s = &smmu->cfg_cache[i];

	if (smmu->cfg_valid[i / 64] & (1ULL << (i % 64)) &&
	    (smmu->cfg_sid[i] != sid || s->ssid != ssid))
		smmu->stats.cfg_evictions++;
	slot_write_begin(s);
	__atomic_store_n(&s->sid, sid, __ATOMIC_RELEASE);
	__atomic_store_n(&s->ssid, ssid, __ATOMIC_RELEASE);
	smmu_copy_words_publish(&s->cfg, cfg, sizeof(*cfg));
	__atomic_store_n(&s->valid, 1u, __ATOMIC_RELEASE);
	slot_write_end(s);
	smmu->cfg_valid[i / 64] |= 1ULL << (i % 64);
	smmu->cfg_sid[i] = sid;
}

static void slot_invalidate(struct smmuv3 *smmu, unsigned int i)
{
	struct smmu_cfg_slot *s = &smmu->cfg_cache[i];

	smmu->stats.cfg_invalidated++;
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_CFG, "smmuv3_config_cache_inv sid=0x%x ssid=0x%x",
		 smmu->cfg_sid[i], s->ssid);
	slot_write_begin(s);
	__atomic_store_n(&s->valid, 0u, __ATOMIC_RELEASE);
	slot_write_end(s);
	smmu->cfg_valid[i / 64] &= ~(1ULL << (i % 64));
}

/* Valid slots with a StreamID in [first, last] whose SSID passes ok. */
static void cfg_cache_inv(struct smmuv3 *smmu, u32 first, u32 last,
			  bool (*ok)(const struct smmu_cfg_slot *s, u32 ssid),
			  u32 ssid)
{
	smmu_utlb_flush(smmu);
	for (unsigned int w = 0; w < ARRAY_SIZE(smmu->cfg_valid); w++) {
		u64 bits = smmu->cfg_valid[w];

		while (bits) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(bits);

			bits &= bits - 1;
			if (smmu->cfg_sid[i] >= first && smmu->cfg_sid[i] <= last &&
			    (!ok || ok(&smmu->cfg_cache[i], ssid)))
				slot_invalidate(smmu, i);
		}
	}
}

void smmu_cfg_cache_inv_sid(struct smmuv3 *smmu, u32 first, u32 last)
{
	cfg_cache_inv(smmu, first, last, NULL, 0);
}

/* A stream's CD 0 also serves its transactions without SSID. */
static bool cd_matches(const struct smmu_cfg_slot *s, u32 ssid)
{
	return s->ssid == ssid || (ssid == 0 && s->ssid == SMMUV3_NO_SSID);
}

void smmu_cfg_cache_inv_cd(struct smmuv3 *smmu, u32 sid, u32 ssid)
{
	cfg_cache_inv(smmu, sid, sid, cd_matches, ssid);
}
