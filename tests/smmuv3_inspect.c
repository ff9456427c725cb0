// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 model's inspection (hw/smmuv3/inspect.h) and the walker's
 * trace: what they report is what smmuv3_translate() does, descriptor by
 * descriptor, and looking changes nothing (no configuration cache or TLB
 * fill, no event), so it shows memory as it is, not as cached.
 */
#include "hw/smmuv3/inspect.h"
/* Stale on purpose (tests/smmuv3_rig.h): tables changed under a cached walk. */
#define RIG_STALE_ON_PURPOSE	SMMUV3_COHERENCY_REPORT
#include "tests/smmuv3_xlate.h"

struct log {
	unsigned int n;
	struct smmuv3_walk_step st[64];
	struct vmsa_walk_cfg cfg[64];	/* what each step's walk pointed to */
};

static void log_step(void *opaque, const struct smmuv3_walk_step *st)
{
	struct log *l = opaque;

	REQUIRE(l->n < 64);
	l->cfg[l->n] = *st->walk;
	l->st[l->n++] = *st;
}

static u32 look(struct rig *r, u32 sid, u64 iova, unsigned int acc,
		struct log *l, struct smmuv3_walk_info *info)
{
	memset(l, 0, sizeof(*l));
	return smmuv3_inspect_walk(r->smmu, sid, SMMUV3_NO_SSID, iova, acc,
				   log_step, l, info);
}

/* Stage 1: the STE and CD as written, the walk as pt_map built it. */
static void test_s1(void)
{
	struct smmuv3_config c;
	struct smmuv3_ste_info si;
	struct smmuv3_walk_info wi;
	struct log l;
	struct rig r;
	struct pt p;
	u64 leaf, ste[8], out;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	leaf = pt_map(&p, 0x12345000ULL, 0x50000000ULL, 3, PT_AF);

	CHECK_EQ(smmuv3_inspect_ste(r.smmu, SID, SMMUV3_NO_SSID, &si), 0);
	CHECK(si.smmuen && si.ste_read && si.cd_read && !si.l1_read);
	CHECK_EQ(si.strtab_base, RIG_STRTAB);
	CHECK_EQ(si.ste_addr, RIG_STRTAB + SID * 64);
	REQUIRE(phys_read(r.mem, si.ste_addr, ste, 64) == 0);
	CHECK(!memcmp(ste, si.ste, 64));
	CHECK_EQ(si.cd_addr, CDPTR);
	CHECK_EQ(si.cd_pa, CDPTR);
	CHECK_EQ(si.cd[1], p.root);
	CHECK_EQ(si.config, STE_CFG_S1);
	CHECK_EQ(si.asid, ASID);

	CHECK_EQ(look(&r, SID, 0x12345678ULL, SMMUV3_WRITE, &l, &wi), 0);
	CHECK_EQ(wi.addr, 0x50000678ULL);
	CHECK_EQ(wi.size_shift, 12);
	CHECK_EQ(wi.s1_allow & (SMMUV3_ALLOW_R | SMMUV3_ALLOW_W),
		 SMMUV3_ALLOW_R | SMMUV3_ALLOW_W);
	REQUIRE(l.n == 4);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(l.st[i].stage, 1);
		CHECK_EQ(l.st[i].d.level, (s8)i);
		CHECK_EQ(l.st[i].d.kind, i < 3 ? VMSA_DESC_TABLE : VMSA_DESC_PAGE);
		CHECK_EQ(l.st[i].pa, l.st[i].d.addr);
		CHECK_EQ(l.st[i].d.ia, 0x12345678ULL);
		CHECK_EQ(l.cfg[i].granule_shift, 12);
		if (i)	/* each table is where the previous descriptor points */
			CHECK_EQ(l.st[i].d.addr & ~0xfffULL, l.st[i - 1].d.out);
	}
	CHECK_EQ(l.st[0].d.addr, p.root);
	CHECK_EQ(l.st[3].d.addr, leaf);
	CHECK_EQ(l.st[3].d.out, 0x50000000ULL);

	/* Nothing was cached: change the leaf, no TLBI, the SMMU sees it. */
	phys_write64(r.mem, leaf, 0x50001000ULL | PT_AF | PT_S1_USER | 3);
	CHECK_EQ(xl(&r, SID, 0x12345678ULL, SMMUV3_READ, &out), 0);
	CHECK_EQ(out, 0x50001678ULL);
	/* ... and now it is: inspect shows memory, the SMMU its TLB. */
	phys_write64(r.mem, leaf, 0x50002000ULL | PT_AF | PT_S1_USER | 3);
	CHECK_EQ(look(&r, SID, 0x12345678ULL, SMMUV3_READ, &l, &wi), 0);
	CHECK_EQ(wi.addr, 0x50002678ULL);
	CHECK_EQ(xl_ok(&r, 0x12345678ULL), 0x50001678ULL);

	/* The same for the configuration: an STE changed without CFGI. */
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_ABORT);
	ste_write(&r, SID, ste);
	CHECK_EQ(smmuv3_inspect_ste(r.smmu, SID, SMMUV3_NO_SSID, &si), 0);
	CHECK_EQ(si.config, STE_CFG_ABORT);
	CHECK(!si.cd_read);
	CHECK_EQ(look(&r, SID, 0x12345678ULL, SMMUV3_READ, &l, &wi), SMMUV3_ABORT);
	CHECK_EQ(l.n, 0);
	CHECK_EQ(xl_ok(&r, 0x12345678ULL), 0x50001678ULL);
	rig_destroy(&r);
}

/* Faults: the event the SMMU would record, the level, no record made. */
static void test_faults(void)
{
	struct smmuv3_config c;
	struct smmuv3_walk_info wi;
	struct smmuv3_result res;
	struct log l;
	struct rig r;
	struct pt p;
	u64 cd0;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	pt_map(&p, 0x1000, 0x50000000ULL, 3, 0);		/* AF = 0 */
	pt_map(&p, 0x2000, 0x50000000ULL, 3, PT_AF | PT_S1_RO);
	pt_map(&p, 0x8000, 0x100000000ULL, 3, PT_AF);

	CHECK_EQ(look(&r, SID, 0x1000, SMMUV3_READ, &l, &wi), EVT_F_ACCESS);
	CHECK_EQ(wi.level, 3);
	CHECK(!wi.s2 && wi.recorded);
	CHECK_EQ(wi.class, EVT_CLASS_IN);
	CHECK_EQ(l.n, 4);
	CHECK_EQ(look(&r, SID, 0x2000, SMMUV3_WRITE, &l, &wi), EVT_F_PERMISSION);
	CHECK_EQ(wi.level, 3);
	CHECK_EQ(wi.s1_allow & SMMUV3_ALLOW_W, 0);
	CHECK_EQ(look(&r, SID, 0x2000, SMMUV3_READ, &l, &wi), 0);
	/* Unmapped: the invalid descriptor is the last step. */
	CHECK_EQ(look(&r, SID, 0x400000000ULL, SMMUV3_READ, &l, &wi),
		 EVT_F_TRANSLATION);
	REQUIRE(l.n >= 1);
	CHECK_EQ(l.st[l.n - 1].d.kind, VMSA_DESC_INVALID);
	CHECK_EQ(wi.level, l.st[l.n - 1].d.level);
	/* Beyond the 48-bit input: level 0, nothing read. */
	CHECK_EQ(look(&r, SID, 1ULL << 48, SMMUV3_READ, &l, &wi), EVT_F_TRANSLATION);
	CHECK_EQ(l.n, 0);
	CHECK_EQ(wi.level, 0);
	CHECK_EQ(evt_drain(&r), 0);	/* looking records nothing */

	/* IPS = 32 bits: an output above 4G; CD.R = 0: not recorded. */
	phys_read64(r.mem, CDPTR, &cd0);
	phys_write64(r.mem, CDPTR, (cd0 & ~(CD_0_IPS | CD_0_R)) | FIELD_PREP(CD_0_IPS, 0));
	CHECK_EQ(look(&r, SID, 0x8000, SMMUV3_READ, &l, &wi), EVT_F_ADDR_SIZE);
	CHECK(!wi.recorded);
	CHECK_EQ(l.st[l.n - 1].d.kind, VMSA_DESC_PAGE);

	/* A table pointer into no memory: F_WALK_EABT at that address. */
	write_cd(&r, CDPTR, 12, 16, 0x200000000ULL, 0);
	CHECK_EQ(look(&r, SID, 0x1000, SMMUV3_READ, &l, &wi), EVT_F_WALK_EABT);
	CHECK_EQ(wi.fetch_addr, 0x200000000ULL);
	CHECK_EQ(l.n, 0);

	/* Configuration faults. */
	CHECK_EQ(look(&r, 1000, 0, SMMUV3_READ, &l, &wi), EVT_C_BAD_STREAMID);
	CHECK_EQ(look(&r, SID + 1, 0, SMMUV3_READ, &l, &wi), EVT_C_BAD_STE);
	CHECK_EQ(evt_drain(&r), 0);
	CHECK_EQ(smmuv3_translate(r.smmu, SID + 1, SMMUV3_NO_SSID, 0, SMMUV3_READ,
				  &res), EVT_C_BAD_STE);
	CHECK_EQ(evt_drain(&r), 1);	/* the real one does */

	/* SMMUEN = 0: GBPA decides. */
	wr32(&r, SMMU_CR0, CR0_CMDQEN | CR0_EVTQEN);
	CHECK_EQ(look(&r, SID, 0x1234, SMMUV3_READ, &l, &wi), 0);
	CHECK(wi.bypass);
	CHECK_EQ(wi.addr, 0x1234);
	wr32(&r, SMMU_GBPA, GBPA_UPDATE | GBPA_ABORT);
	CHECK_EQ(look(&r, SID, 0x1234, SMMUV3_READ, &l, &wi), SMMUV3_ABORT);
	rig_destroy(&r);
}

/* Nested: each stage-1 read comes after the stage-2 walk that found it. */
static void test_nested(void)
{
	struct smmuv3_config c;
	struct smmuv3_walk_info wi;
	struct smmuv3_ste_info si;
	struct nested n;
	struct log l;
	struct rig r;
	unsigned int s1 = 0, pending = 0;
	u64 out;

	rig_default_conf(&c);
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x7000, 0x100000000ULL, 3, PT_AF);

	CHECK_EQ(smmuv3_inspect_ste(r.smmu, SID, SMMUV3_NO_SSID, &si), 0);
	CHECK_EQ(si.config, STE_CFG_NESTED);
	CHECK_EQ(si.vmid, VMID);
	CHECK_EQ(si.cd_pa, CDPTR);	/* S2 maps RAM at IPA == PA */

	CHECK_EQ(look(&r, SID, 0x7008, SMMUV3_READ, &l, &wi), 0);
	CHECK_EQ(xl(&r, SID, 0x7008, SMMUV3_READ, &out), 0);
	CHECK_EQ(wi.addr, out);
	CHECK_EQ(wi.addr, 0x50000008ULL);
	CHECK_EQ(wi.ipa, 0x100000008ULL);
	for (unsigned int i = 0; i < l.n; i++) {
		const struct smmuv3_walk_step *st = &l.st[i];

		if (st->stage == 2 && st->s1_fetch) {
			pending++;
			continue;
		}
		if (st->stage == 1) {
			CHECK(pending > 0);	/* stage 2 found it first */
			CHECK_EQ(st->d.level, (s8)s1);
			CHECK_EQ(st->pa, st->d.addr);	/* IPA == PA here */
			s1++;
			pending = 0;
			continue;
		}
		CHECK_EQ(s1, 4);	/* the output's stage 2 comes last */
		CHECK_EQ(st->d.ia, 0x100000008ULL);
	}
	CHECK_EQ(s1, 4);

	/* Stage 2 refuses a stage-1 table: S2, CLASS=TT, its steps logged. */
	{
		u64 l0;

		phys_read64(r.mem, n.s1.root, &l0);
		phys_write64(r.mem, n.s1.root, 0x180000000ULL | 3);	/* IPA S2 lacks */
		CHECK_EQ(look(&r, SID, 0x7008, SMMUV3_READ, &l, &wi), EVT_F_TRANSLATION);
		CHECK(wi.s2);
		CHECK_EQ(wi.class, EVT_CLASS_TT);
		CHECK_EQ(wi.fault_ipa, 0x180000000ULL);
		REQUIRE(l.n >= 2);
		CHECK(l.st[l.n - 1].stage == 2 && l.st[l.n - 1].s1_fetch);
		CHECK_EQ(l.st[l.n - 1].d.kind, VMSA_DESC_INVALID);
		phys_write64(r.mem, n.s1.root, l0);
	}
	/* Stage-2 permission on the output: level of the stage-2 leaf. */
	pt_map(&n.s1, 0x9000, 0x100001000ULL, 3, PT_AF);
	CHECK_EQ(look(&r, SID, 0x9000, SMMUV3_WRITE, &l, &wi), EVT_F_PERMISSION);
	CHECK(wi.s2);
	CHECK_EQ(wi.level, 3);
	CHECK_EQ(wi.s2_allow & SMMUV3_ALLOW_W, 0);
	CHECK_EQ(evt_drain(&r), 0);
	rig_destroy(&r);
}

/* Two-level stream table: the L1 descriptor the fetch went through. */
static void test_two_level(void)
{
	struct smmuv3_config c;
	struct smmuv3_ste_info si;
	struct rig r;
	u64 l1 = 0x40300000ULL, l2 = 0x40310000ULL, ste[8] = { 0 };

	rig_default_conf(&c);
	rig_init(&r, &c);
	wr32(&r, SMMU_CR0, CR0_CMDQEN | CR0_EVTQEN);
	wr64(&r, SMMU_STRTAB_BASE, l1);
	wr32(&r, SMMU_STRTAB_BASE_CFG, FIELD_PREP(STRTAB_BASE_CFG_FMT, 1) |
	     FIELD_PREP(STRTAB_BASE_CFG_SPLIT, 8) | 16);
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	phys_write64(r.mem, l1 + 8, l2 | 5);
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS);
	REQUIRE(phys_write(r.mem, l2 + 3 * 64, ste, 64) == 0);

	CHECK_EQ(smmuv3_inspect_ste(r.smmu, 256 + 3, SMMUV3_NO_SSID, &si), 0);
	CHECK(si.l1_read && si.ste_read);
	CHECK_EQ(si.l1_addr, l1 + 8);
	CHECK_EQ(si.l1, l2 | 5);
	CHECK_EQ(si.ste_addr, l2 + 3 * 64);
	CHECK_EQ(si.config, STE_CFG_BYPASS);
	/* Beyond the L1 descriptor's span: the L1 is shown, no STE. */
	CHECK_EQ(smmuv3_inspect_ste(r.smmu, 256 + 16, SMMUV3_NO_SSID, &si),
		 EVT_C_BAD_STREAMID);
	CHECK(si.l1_read && !si.ste_read);
	/* An L2 table in no memory. */
	phys_write64(r.mem, l1 + 24, 0x300000000ULL | 9);
	CHECK_EQ(smmuv3_inspect_ste(r.smmu, 768 + 2, SMMUV3_NO_SSID, &si),
		 EVT_F_STE_FETCH);
	CHECK_EQ(si.fetch_addr, 0x300000000ULL + 2 * 64);
	rig_destroy(&r);
}

/* The walker's trace alone: reserved encodings, blocks, and no change. */
static void vmsa_log(void *opaque, const struct vmsa_walk_cfg *cfg,
		     const struct vmsa_walk_step *d)
{
	struct log *l = opaque;

	REQUIRE(l->n < 64);
	l->st[l->n].stage = cfg->stage;
	l->st[l->n++].d = *d;
}

static void test_vmsa_trace(void)
{
	struct smmuv3_config c;
	struct vmsa_walk_result r1, r2;
	struct vmsa_fault f1, f2;
	struct vmsa_walk_cfg w;
	struct log l;
	struct rig r;
	struct pt p;
	u64 blk, pg;

	rig_default_conf(&c);
	rig_init(&r, &c);
	pt_init(&p, &r, false, 12, 48, 0, 1);
	blk = pt_map(&p, 0x40000000ULL, 0x60000000ULL, 2, PT_AF);
	pg = pt_map(&p, 0x1000, 0x50000000ULL, 3, PT_AF);
	w = (struct vmsa_walk_cfg){
		.stage = 1, .granule_shift = 12, .ia_bits = 48, .oa_bits = 48,
		.start_level = 0, .ttb = p.root, .fetch = vmsa_fetch_ram,
		.opaque = r.mem,
	};
	for (int pass = 0; pass < 3; pass++) {
		u64 ia = 0x40123456ULL;

		memset(&l, 0, sizeof(l));
		if (pass == 1)	/* a level-3 descriptor 0b01: reserved */
			phys_write64(r.mem, pg, 0x50000000ULL | PT_AF | 1);
		if (pass == 1)
			ia = 0x1000;
		if (pass == 2) {	/* a block at level 0 does not exist */
			phys_write64(r.mem, p.root, 0x0ULL | PT_AF | 1);
			ia = 0x40000000ULL;
		}
		w.trace = NULL;
		CHECK_EQ(vmsa_walk(&w, ia, &r1, &f1) == 0, pass == 0);
		w.trace = vmsa_log;
		w.trace_opaque = &l;
		CHECK_EQ(vmsa_walk(&w, ia, &r2, &f2) == 0, pass == 0);
		REQUIRE(l.n >= 1);
		if (pass == 0) {
			CHECK_EQ(r1.oa, r2.oa);
			CHECK_EQ(r1.oa, 0x60123456ULL);
			CHECK_EQ(l.n, 3);
			CHECK_EQ(l.st[2].d.kind, VMSA_DESC_BLOCK);
			CHECK_EQ(l.st[2].d.addr, blk);
			CHECK_EQ(l.st[2].d.out, 0x60000000ULL);
		} else {
			CHECK_EQ(f1.type, f2.type);
			CHECK_EQ(f1.level, f2.level);
			CHECK_EQ(l.st[l.n - 1].d.kind, VMSA_DESC_RESERVED);
			CHECK_EQ(l.st[l.n - 1].d.level, pass == 1 ? 3 : 0);
		}
	}
	rig_destroy(&r);
}

/* The field tables read the words the way the decoder does. */
static void test_fields(void)
{
	u64 ste[8] = { 0 }, cd[8] = { 0 };
	unsigned int seen = 0;

	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_NESTED) | 0x40100040ULL |
		 FIELD_PREP(STE_0_S1CDMAX, 3);
	ste[2] = FIELD_PREP(STE_2_S2VMID, 0x1234) | FIELD_PREP(STE_2_S2T0SZ, 25);
	ste[3] = 0x40200000ULL;
	cd[0] = FIELD_PREP(CD_0_ASID, 0xbeef) | CD_0_V | FIELD_PREP(CD_0_TG0, 2);
	cd[3] = 0xf404ff44ULL;
	for (const struct smmuv3_field *f = smmuv3_ste_fields; f->name; f++) {
		u64 v = smmuv3_field_get(f, ste);

		if (!strcmp(f->name, "Config") && ++seen)
			CHECK_EQ(v, STE_CFG_NESTED);
		if (!strcmp(f->name, "S1ContextPtr") && ++seen)
			CHECK_EQ(v, 0x40100040ULL);
		if (!strcmp(f->name, "S1CDMax") && ++seen)
			CHECK_EQ(v, 3);
		if (!strcmp(f->name, "S2VMID") && ++seen)
			CHECK_EQ(v, 0x1234);
		if (!strcmp(f->name, "S2T0SZ") && ++seen)
			CHECK_EQ(v, 25);
		if (!strcmp(f->name, "S2TTB") && ++seen)
			CHECK_EQ(v, 0x40200000ULL);
	}
	for (const struct smmuv3_field *f = smmuv3_cd_fields; f->name; f++) {
		u64 v = smmuv3_field_get(f, cd);

		if (!strcmp(f->name, "ASID") && ++seen)
			CHECK_EQ(v, 0xbeef);
		if (!strcmp(f->name, "V") && ++seen)
			CHECK_EQ(v, 1);
		if (!strcmp(f->name, "TG0") && ++seen)
			CHECK(!strcmp(f->names[v], "16K"));
		if (!strcmp(f->name, "MAIR") && ++seen)
			CHECK_EQ(v, 0xf404ff44ULL);
	}
	CHECK_EQ(seen, 10);
	CHECK(!strcmp(smmuv3_event_name(EVT_F_PERMISSION), "F_PERMISSION"));
	CHECK(smmuv3_event_name(0x1234) == NULL);
}

int main(void)
{
	test_s1();
	test_faults();
	test_nested();
	test_two_level();
	test_vmsa_trace();
	test_fields();
	return test_done();
}
