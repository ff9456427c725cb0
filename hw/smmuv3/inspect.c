// SPDX-License-Identifier: MIT
/*
 * Looking at what the SMMU sees (inspect.h): a stream's configuration and
 * one access's walk, through the model's own fetch, decode and walk code
 * (ste.c's smmu_fetch_config_info, walk.c's smmu_translate_walk) with
 * their side effects switched off, under the model's lock like a real miss.
 * Also the structures' field tables, by the names of Arm IHI0070 5.2-5.4,
 * for whoever prints them.
 */
#include <string.h>

#include "hw/smmuv3/inspect.h"
#include "hw/smmuv3/smmuv3-internal.h"

static void config_info(const struct smmu_cfg *cfg, struct smmuv3_ste_info *info)
{
	switch (cfg->kind) {
	case CFG_ABORT:
		info->config = STE_CFG_ABORT;
		break;
	case CFG_TRANSLATE:
		info->config = (u8)(STE_CFG_BYPASS | (cfg->s1 ? 1 : 0) |
				    (cfg->s2 ? 2 : 0));
		info->asid = cfg->s1 ? cfg->asid : 0;
		info->vmid = cfg->vmid;
		break;
	default:
		info->config = STE_CFG_BYPASS;
		break;
	}
}

u32 smmuv3_inspect_ste(struct smmuv3 *smmu, u32 sid, u32 ssid,
		       struct smmuv3_ste_info *info)
{
	struct smmu_event ev = { .sid = sid, .ssid = ssid };
	struct smmu_cfg cfg;

	memset(info, 0, sizeof(*info));
	smmu_lock(smmu);
	info->smmuen = smmu->cr0 & CR0_SMMUEN;
	info->gbpa_abort = smmu->gbpa & GBPA_ABORT;
	info->strtab_base = smmu->strtab_base;
	info->strtab_base_cfg = smmu->strtab_base_cfg;
	if (smmu_fetch_config_info(smmu, sid, ssid, &cfg, &ev, info)) {
		info->event = ev.type;
		info->event_s2 = ev.s2;
		info->fetch_addr = ev.fetch_addr;
	} else {
		config_info(&cfg, info);
	}
	smmu_unlock(smmu);
	return info->event;
}

static void fault_info(const struct smmu_event *ev, struct smmuv3_walk_info *info)
{
	info->event = ev->type;
	info->s2 = ev->s2;
	info->class = ev->class;
	info->level = ev->level;
	info->fault_ipa = ev->ipa;
	info->fetch_addr = ev->fetch_addr;
	info->recorded = !ev->no_record;
}

u32 smmuv3_inspect_walk(struct smmuv3 *smmu, u32 sid, u32 ssid, u64 iova,
			unsigned int access, smmuv3_walk_trace_fn fn,
			void *opaque, struct smmuv3_walk_info *info)
{
	struct smmu_event ev = {
		.sid = sid, .ssid = ssid, .access = access, .input = iova,
		.dry_run = true,
	};
	struct smmu_walk_trace t = {
		.fn = fn, .opaque = opaque, .s1_allow = PERM_ALL, .s2_allow = PERM_ALL,
	};
	struct smmuv3_result res = { 0 };
	struct smmu_cfg cfg;

	memset(info, 0, sizeof(*info));
	info->s1_allow = info->s2_allow = PERM_ALL;
	smmu_lock(smmu);
	if (!(smmu->cr0 & CR0_SMMUEN)) {
		if (smmu->gbpa & GBPA_ABORT) {
			info->event = SMMUV3_ABORT;
		} else {
			info->bypass = true;
			info->addr = iova;
		}
		goto out;
	}
	if (smmu_fetch_config(smmu, sid, ssid, &cfg, &ev)) {
		fault_info(&ev, info);
		goto out;
	}
	switch (cfg.kind) {
	case CFG_ABORT:
		info->event = SMMUV3_ABORT;
		goto out;
	case CFG_TRANSLATE:
		break;
	default:
		info->bypass = true;
		info->addr = iova;
		goto out;
	}
	if (smmu_translate_walk(smmu, &cfg, iova, access, &ev, &res, &t)) {
		fault_info(&ev, info);
	} else {
		info->addr = res.addr;
		info->ipa = t.ipa;
		info->size_shift = t.size_shift;
	}
	info->s1_allow = t.s1_allow;
	info->s2_allow = t.s2_allow;
out:
	smmu_unlock(smmu);
	return info->event;
}

const char *smmuv3_event_name(u32 event)
{
	static const char *const names[] = {
		[0x01] = "F_UUT", [0x02] = "C_BAD_STREAMID", [0x03] = "F_STE_FETCH",
		[0x04] = "C_BAD_STE", [0x05] = "F_BAD_ATS_TREQ",
		[0x06] = "F_STREAM_DISABLED", [0x07] = "F_TRANSL_FORBIDDEN",
		[0x08] = "C_BAD_SUBSTREAMID", [0x09] = "F_CD_FETCH",
		[0x0a] = "C_BAD_CD", [0x0b] = "F_WALK_EABT",
		[0x10] = "F_TRANSLATION", [0x11] = "F_ADDR_SIZE",
		[0x12] = "F_ACCESS", [0x13] = "F_PERMISSION",
		[0x20] = "F_TLB_CONFLICT", [0x21] = "F_CFG_CONFLICT",
		[0x24] = "E_PAGE_REQUEST", [0x25] = "F_VMS_FETCH",
	};

	return event < ARRAY_SIZE(names) ? names[event] : NULL;
}

u32 smmuv3_walk_fault_event(enum vmsa_fault_type type)
{
	switch (type) {
	case VMSA_FAULT_NONE:	return 0;
	case VMSA_F_ACCESS:	return EVT_F_ACCESS;
	case VMSA_F_PERMISSION:	return EVT_F_PERMISSION;
	case VMSA_F_ADDR_SIZE:	return EVT_F_ADDR_SIZE;
	case VMSA_F_EABT:	return EVT_F_WALK_EABT;
	default:		return EVT_F_TRANSLATION;
	}
}

/* Field tables.  Positions as in smmuv3-internal.h and Arm IHI0070 5.2-5.4. */

static const char *const config_names[8] = {
	[0] = "abort", [4] = "bypass", [5] = "s1-trans", [6] = "s2-trans",
	[7] = "nested",
};
static const char *const s1fmt_names[4] = { "linear", "2-level 4K", "2-level 64K" };
static const char *const s1dss_names[4] = { "terminate", "bypass", "substream0" };
static const char *const eats_names[4] = { "abort", "trans", "s1chk" };
static const char *const strw_names[4] = { [0] = "EL1", [2] = "EL2" };
static const char *const tg0_names[4] = { "4K", "64K", "16K" };
static const char *const tg1_names[4] = { [1] = "16K", [2] = "4K", [3] = "64K" };
static const char *const ps_names[8] = {
	"32-bit", "36-bit", "40-bit", "42-bit", "44-bit", "48-bit", "52-bit",
};

/*
 * A field of word w is named by its mask in smmuv3-internal.h, the one
 * place each field is declared; its position and width follow from it.
 */
#define FLD(n, w, mask, fl, nm)						\
	{ .name = n, .word = w, .lsb = __builtin_ctzll(mask),		\
	  .width = __builtin_popcountll(mask), .flags = fl, .names = nm }
#define F(n, w, mask)		FLD(n, w, mask, 0, NULL)
#define FN(n, w, mask, nm)	FLD(n, w, mask, 0, nm)
#define FA(n, w, mask, fl)	FLD(n, w, mask, (fl) | SMMUV3_FIELD_ADDR, NULL)
#define S1			SMMUV3_FIELD_S1
#define S2			SMMUV3_FIELD_S2

const struct smmuv3_field smmuv3_strtab_base_fields[] = {
	FA("ADDR", 0, STRTAB_BASE_ADDR, 0),
	{ 0 },
};

const struct smmuv3_field smmuv3_strtab_cfg_fields[] = {
	F("FMT", 0, STRTAB_BASE_CFG_FMT),
	F("SPLIT", 0, STRTAB_BASE_CFG_SPLIT),
	F("LOG2SIZE", 0, STRTAB_BASE_CFG_LOG2SIZE),
	{ 0 },
};

const struct smmuv3_field smmuv3_l1std_fields[] = {
	F("Span", 0, STRTAB_L1_DESC_SPAN),
	FA("L2Ptr", 0, STRTAB_L1_DESC_L2PTR, 0),
	{ 0 },
};

const struct smmuv3_field smmuv3_ste_fields[] = {
	F("V", 0, STE_0_V),
	FN("Config", 0, STE_0_CFG, config_names),
	FLD("S1Fmt", 0, STE_0_S1FMT, S1, s1fmt_names),
	FA("S1ContextPtr", 0, STE_0_S1CTXPTR, S1),
	FLD("S1CDMax", 0, STE_0_S1CDMAX, S1, NULL),
	FLD("S1DSS", 1, STE_1_S1DSS, S1, s1dss_names),
	FLD("S1CIR", 1, STE_1_S1CIR, S1, NULL),
	FLD("S1COR", 1, STE_1_S1COR, S1, NULL),
	FLD("S1CSH", 1, STE_1_S1CSH, S1, NULL),
	FLD("S2FWB", 1, STE_1_S2FWB, S2, NULL),
	FLD("S1STALLD", 1, STE_1_S1STALLD, S1, NULL),
	FN("EATS", 1, STE_1_EATS, eats_names),
	FN("STRW", 1, STE_1_STRW, strw_names),
	F("SHCFG", 1, STE_1_SHCFG),
	F("S2VMID", 2, STE_2_S2VMID),
	FLD("S2T0SZ", 2, STE_2_S2T0SZ, S2, NULL),
	FLD("S2SL0", 2, STE_2_S2SL0, S2, NULL),
	FLD("S2IR0", 2, STE_2_S2IR0, S2, NULL),
	FLD("S2OR0", 2, STE_2_S2OR0, S2, NULL),
	FLD("S2SH0", 2, STE_2_S2SH0, S2, NULL),
	FLD("S2TG", 2, STE_2_S2TG, S2, tg0_names),
	FLD("S2PS", 2, STE_2_S2PS, S2, ps_names),
	FLD("S2AA64", 2, STE_2_S2AA64, S2, NULL),
	FLD("S2ENDI", 2, STE_2_S2ENDI, S2, NULL),
	FLD("S2AFFD", 2, STE_2_S2AFFD, S2, NULL),
	FLD("S2PTW", 2, STE_2_S2PTW, S2, NULL),
	FLD("S2HD", 2, STE_2_S2HD, S2, NULL),
	FLD("S2HA", 2, STE_2_S2HA, S2, NULL),
	FLD("S2S", 2, STE_2_S2S, S2, NULL),
	FLD("S2R", 2, STE_2_S2R, S2, NULL),
	FA("S2TTB", 3, STE_3_S2TTB, S2),
	{ 0 },
};

const struct smmuv3_field smmuv3_l1cd_fields[] = {
	F("V", 0, L1CD_V),
	FA("L2Ptr", 0, L1CD_L2PTR, 0),
	{ 0 },
};

const struct smmuv3_field smmuv3_cd_fields[] = {
	F("V", 0, CD_0_V),
	F("T0SZ", 0, CD_0_T0SZ),
	FN("TG0", 0, CD_0_TG0, tg0_names),
	F("IR0", 0, CD_0_IR0),
	F("OR0", 0, CD_0_OR0),
	F("SH0", 0, CD_0_SH0),
	F("EPD0", 0, CD_0_EPD0),
	F("ENDI", 0, CD_0_ENDI),
	F("T1SZ", 0, CD_0_T1SZ),
	FN("TG1", 0, CD_0_TG1, tg1_names),
	F("EPD1", 0, CD_0_EPD1),
	FN("IPS", 0, CD_0_IPS, ps_names),
	F("AFFD", 0, CD_0_AFFD),
	F("WXN", 0, CD_0_WXN),
	F("UWXN", 0, CD_0_UWXN),
	F("TBI", 0, CD_0_TBI),
	F("PAN", 0, CD_0_PAN),
	F("AA64", 0, CD_0_AA64),
	F("HD", 0, CD_0_HD),
	F("HA", 0, CD_0_HA),
	F("S", 0, CD_0_S),
	F("R", 0, CD_0_R),
	F("A", 0, CD_0_A),
	F("ASET", 0, CD_0_ASET),
	F("ASID", 0, CD_0_ASID),
	FA("TTB0", 1, CD_TTB, 0),
	FA("TTB1", 2, CD_TTB, 0),
	F("MAIR", 3, CD_3_MAIR),
	{ 0 },
};

const struct smmuv3_field *smmuv3_field_find(const struct smmuv3_field *table,
					     const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

uint64_t smmuv3_field_named(const struct smmuv3_field *table, const uint64_t *words,
			    const char *name)
{
	const struct smmuv3_field *f = smmuv3_field_find(table, name);

	return f ? smmuv3_field_get(f, words) : 0;
}
