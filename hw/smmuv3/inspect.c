// SPDX-License-Identifier: MIT
/*
 * Looking at what the SMMU sees (inspect.h): a stream's configuration and
 * one access's walk, through the model's own fetch, decode and walk code
 * (ste.c's smmu_fetch_config_info, translate.c's smmu_translate_walk) with
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
		.fn = fn, .opaque = opaque, .s1_allow = 0x3f, .s2_allow = 0x3f,
	};
	struct smmuv3_result res = { 0 };
	struct smmu_cfg cfg;

	memset(info, 0, sizeof(*info));
	info->s1_allow = info->s2_allow = 0x3f;
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

#define F(n, w, l, wd)		{ .name = n, .word = w, .lsb = l, .width = wd }
#define FN(n, w, l, wd, nm)	{ .name = n, .word = w, .lsb = l, .width = wd, .names = nm }
#define FA(n, w, l, wd)		{ .name = n, .word = w, .lsb = l, .width = wd, \
				  .flags = SMMUV3_FIELD_ADDR }
#define S1			SMMUV3_FIELD_S1
#define S2			SMMUV3_FIELD_S2

const struct smmuv3_field smmuv3_l1std_fields[] = {
	F("Span", 0, 0, 5),
	FA("L2Ptr", 0, 6, 46),
	{ 0 },
};

const struct smmuv3_field smmuv3_ste_fields[] = {
	F("V", 0, 0, 1),
	FN("Config", 0, 1, 3, config_names),
	{ "S1Fmt", 0, 4, 2, S1, s1fmt_names },
	{ "S1ContextPtr", 0, 6, 46, S1 | SMMUV3_FIELD_ADDR, NULL },
	{ "S1CDMax", 0, 59, 5, S1, NULL },
	{ "S1DSS", 1, 0, 2, S1, s1dss_names },
	{ "S1CIR", 1, 2, 2, S1, NULL },
	{ "S1COR", 1, 4, 2, S1, NULL },
	{ "S1CSH", 1, 6, 2, S1, NULL },
	{ "S2FWB", 1, 25, 1, S2, NULL },
	{ "S1STALLD", 1, 27, 1, S1, NULL },
	FN("EATS", 1, 28, 2, eats_names),
	FN("STRW", 1, 30, 2, strw_names),
	F("SHCFG", 1, 44, 2),
	F("S2VMID", 2, 0, 16),
	{ "S2T0SZ", 2, 32, 6, S2, NULL },
	{ "S2SL0", 2, 38, 2, S2, NULL },
	{ "S2IR0", 2, 40, 2, S2, NULL },
	{ "S2OR0", 2, 42, 2, S2, NULL },
	{ "S2SH0", 2, 44, 2, S2, NULL },
	{ "S2TG", 2, 46, 2, S2, tg0_names },
	{ "S2PS", 2, 48, 3, S2, ps_names },
	{ "S2AA64", 2, 51, 1, S2, NULL },
	{ "S2ENDI", 2, 52, 1, S2, NULL },
	{ "S2AFFD", 2, 53, 1, S2, NULL },
	{ "S2PTW", 2, 54, 1, S2, NULL },
	{ "S2S", 2, 57, 1, S2, NULL },
	{ "S2R", 2, 58, 1, S2, NULL },
	{ "S2TTB", 3, 4, 48, S2 | SMMUV3_FIELD_ADDR, NULL },
	{ 0 },
};

const struct smmuv3_field smmuv3_l1cd_fields[] = {
	F("V", 0, 0, 1),
	FA("L2Ptr", 0, 12, 40),
	{ 0 },
};

const struct smmuv3_field smmuv3_cd_fields[] = {
	F("V", 0, 31, 1),
	F("T0SZ", 0, 0, 6),
	FN("TG0", 0, 6, 2, tg0_names),
	F("IR0", 0, 8, 2),
	F("OR0", 0, 10, 2),
	F("SH0", 0, 12, 2),
	F("EPD0", 0, 14, 1),
	F("ENDI", 0, 15, 1),
	F("T1SZ", 0, 16, 6),
	FN("TG1", 0, 22, 2, tg1_names),
	F("EPD1", 0, 30, 1),
	FN("IPS", 0, 32, 3, ps_names),
	F("AFFD", 0, 35, 1),
	F("WXN", 0, 36, 1),
	F("UWXN", 0, 37, 1),
	F("TBI", 0, 38, 2),
	F("PAN", 0, 40, 1),
	F("AA64", 0, 41, 1),
	F("HD", 0, 42, 1),
	F("HA", 0, 43, 1),
	F("S", 0, 44, 1),
	F("R", 0, 45, 1),
	F("A", 0, 46, 1),
	F("ASET", 0, 47, 1),
	F("ASID", 0, 48, 16),
	FA("TTB0", 1, 4, 48),
	FA("TTB1", 2, 4, 48),
	F("MAIR", 3, 0, 64),
	{ 0 },
};

/* The tables agree with the decoder's own masks. */
_Static_assert(STE_0_S1CTXPTR == GENMASK_ULL(51, 6) && STE_2_S2PS == GENMASK_ULL(50, 48) &&
	       STE_3_S2TTB == GENMASK_ULL(51, 4) && CD_0_ASID == GENMASK_ULL(63, 48) &&
	       CD_0_IPS == GENMASK_ULL(34, 32) && CD_TTB == GENMASK_ULL(51, 4) &&
	       STRTAB_L1_DESC_L2PTR == GENMASK_ULL(51, 6) && L1CD_L2PTR == GENMASK_ULL(51, 12),
	       "field tables follow the layouts");
