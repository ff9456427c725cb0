// SPDX-License-Identifier: MIT
/*
 * SMMUv3 TLB: entries are tagged as hardware tags them (regime, VMID,
 * ASID, nG, leaf size), so a stale entry survives every command except the
 * ones that architecturally invalidate it; permission faults come from the
 * cached entry; translations race invalidations on several threads.
 */
#include <pthread.h>

/* Stale on purpose (tests/smmuv3_rig.h): stale entries, and threads racing the lock-free fast path, which the checker would close. */
#define RIG_STALE_ON_PURPOSE	SMMUV3_COHERENCY_OFF
#include "tests/smmuv3_xlate.h"

static void tlbi_va(struct rig *r, u8 op, u16 asid, u64 va, unsigned int tg,
		    unsigned int num, unsigned int scale)
{
	cmd(r, op | FIELD_PREP(CMD_0_VMID, VMID) | FIELD_PREP(CMD_0_ASID, asid) |
	    FIELD_PREP(CMD_0_NUM, num) | FIELD_PREP(CMD_0_SCALE, scale),
	    va | FIELD_PREP(CMD_1_TG, tg));
}

static void test_tlb_s1(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;
	u64 blk = 0x60000000ULL + 0x200000ULL * 9;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	for (u64 i = 0; i < 8; i++)
		pt_map(&p, 0x10000 + i * 0x1000, 0x50000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	pt_map(&p, 0x20000, 0x51000000ULL, 3, PT_AF);		/* global */
	pt_map(&p, 0x40000000ULL, blk, 2, PT_AF | PT_NG);	/* 2M block */

	for (u64 i = 0; i < 8; i++)
		CHECK_EQ(xl_ok(&r, 0x10000 + i * 0x1000), 0x50000000ULL + i * 0x1000);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x51000000ULL);
	CHECK_EQ(xl_ok(&r, 0x40001000ULL), blk + 0x1000);
	CHECK_EQ(xl_ok(&r, 0x401ff000ULL), blk + 0x1ff000);

	/* Remap everything: the TLB keeps the old translations. */
	for (u64 i = 0; i < 8; i++)
		pt_map(&p, 0x10000 + i * 0x1000, 0x58000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	pt_map(&p, 0x20000, 0x59000000ULL, 3, PT_AF);
	pt_map(&p, 0x40000000ULL, 0x5a000000ULL, 2, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x51000000ULL);

	/* Commands that do not cover the entries leave them. */
	cmd(&r, CMD_CFGI_STE_RANGE, 31);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID + 1), 0);
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID + 1), 0);
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x10000);
	cmd(&r, CMD_TLBI_EL2_ALL, 0);
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID + 1, 0x10000, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(xl_ok(&r, 0x401ff000ULL), blk + 0x1ff000);

	/* NH_VA with the right ASID: that page only. */
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x10000, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	CHECK_EQ(xl_ok(&r, 0x11000), 0x50001000ULL);
	/* Range: TG 4K, NUM 2 -> pages 0x12000..0x14000. */
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x12000, 1, 2, 0);
	CHECK_EQ(xl_ok(&r, 0x11000), 0x50001000ULL);
	CHECK_EQ(xl_ok(&r, 0x12000), 0x58002000ULL);
	CHECK_EQ(xl_ok(&r, 0x14000), 0x58004000ULL);
	CHECK_EQ(xl_ok(&r, 0x15000), 0x50005000ULL);
	/* SCALE: (NUM+1) << SCALE pages: 0x15000 + 2 pages. */
	tlbi_va(&r, CMD_TLBI_NH_VAA, 0, 0x15000, 1, 0, 1);
	CHECK_EQ(xl_ok(&r, 0x16000), 0x58006000ULL);
	CHECK_EQ(xl_ok(&r, 0x17000), 0x50007000ULL);
	/* An address inside a block removes the whole block. */
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x40100000ULL, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x401ff000ULL), 0x5a000000ULL + 0x1ff000);

	/* A global entry survives NH_ASID, not NH_VA of any ASID. */
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID), 0);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x51000000ULL);
	CHECK_EQ(xl_ok(&r, 0x17000), 0x58007000ULL);
	tlbi_va(&r, CMD_TLBI_NH_VA, 99, 0x20000, 0, 0, 0);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x59000000ULL);

	/* A new CD with a new TTB0 but the same ASID: old entries still hit
	 * (CFGI_* never touch the TLB); NSNH_ALL removes them. */
	{
		struct pt q;

		pt_init(&q, &r, false, 12, 48, 0, 1);
		pt_map(&q, 0x20000, 0x5b000000ULL, 3, PT_AF);
		write_cd(&r, CDPTR, 12, 16, q.root, 0);
		cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
		CHECK_EQ(xl_ok(&r, 0x20000), 0x59000000ULL);
		cmd(&r, CMD_TLBI_NSNH_ALL, 0);
		CHECK_EQ(xl_ok(&r, 0x20000), 0x5b000000ULL);
		write_cd(&r, CDPTR, 12, 16, p.root, 0);
		cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
		/* The walk caches are tagged by ASID too: an address never
		 * translated before is walked from q's cached level-2 table
		 * descriptor, where nothing maps it, until a TLBI by ASID. */
		pt_map(&p, 0x31000, 0x52001000ULL, 3, PT_AF | PT_NG);
		CHECK_EQ(xl(&r, SID, 0x31000, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
		cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
		    FIELD_PREP(CMD_0_ASID, ASID), 0);
		CHECK_EQ(xl_ok(&r, 0x31000), 0x52001000ULL);
	}

	/* A permission fault from the cached entry, though the PTE is now RW. */
	pt_map(&p, 0x30000, 0x52000000ULL, 3, PT_AF | PT_S1_RO | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x30000), 0x52000000ULL);
	pt_map(&p, 0x30000, 0x52000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl(&r, SID, 0x30000, SMMUV3_WRITE, NULL), EVT_F_PERMISSION);
	tlbi_va(&r, CMD_TLBI_NH_VA, ASID, 0x30000, 0, 0, 0);
	CHECK_EQ(xl(&r, SID, 0x30000, SMMUV3_WRITE, NULL), 0);
	rig_destroy(&r);
}

static void test_tlb_s2_nested_el2(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct nested n;
	struct pt p;

	rig_default_conf(&c);
	rig_init(&r, &c);
	/* Stage 2 only on SID 5. */
	pt_init(&p, &r, true, 12, 40, 1, 2);
	pt_map(&p, 0x80000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
	write_ste(&r, 5, STE_CFG_S2, &p, 1, 0);
	CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, NULL), 0);
	pt_map(&p, 0x80000000ULL, 0x58000000ULL, 3, PT_AF | PT_S2_RW);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	{
		u64 out;

		CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x50000010ULL);
		cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x80000000ULL);
		CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x58000010ULL);
		pt_map(&p, 0x80000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
		cmd(&r, CMD_TLBI_S12_VMALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
		CHECK_EQ(xl(&r, 5, 0x80000010ULL, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x50000010ULL);
	}

	/* Nested on SID 4: a combined entry outlives TLBI_S2_IPA. */
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x7000, 0x100000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x7008), 0x50000008ULL);
	pt_map(&n.s2, 0x100000000ULL, 0x5c000000ULL, 3, PT_AF | PT_S2_RW);
	cmd(&r, CMD_TLBI_S2_IPA | FIELD_PREP(CMD_0_VMID, VMID), 0x100000000ULL);
	CHECK_EQ(xl_ok(&r, 0x7008), 0x50000008ULL);
	cmd(&r, CMD_TLBI_NH_ALL | FIELD_PREP(CMD_0_VMID, VMID), 0);
	CHECK_EQ(xl_ok(&r, 0x7008), 0x5c000008ULL);

	/* EL2 StreamWorld on SID 6: only TLBI_EL2_* remove its entries. */
	{
		u64 ste[8] = { 0 }, out;
		struct pt p1;

		pt_init(&p1, &r, false, 12, 48, 0, 1);
		pt_map(&p1, 0x3000, 0x53000000ULL, 3, PT_AF);
		write_cd(&r, CDPTR + 0x1000, 12, 16, p1.root, 0);
		ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_S1) |
			 (CDPTR + 0x1000);
		ste[1] = FIELD_PREP(STE_1_STRW, 2);
		ste_write(&r, 6, ste);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x53000000ULL);
		pt_map(&p1, 0x3000, 0x54000000ULL, 3, PT_AF);
		cmd(&r, CMD_TLBI_NSNH_ALL, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x53000000ULL);
		/* A global EL2 entry survives EL2_ASID, not EL2_VA. */
		cmd(&r, CMD_TLBI_EL2_ASID, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x53000000ULL);
		tlbi_va(&r, CMD_TLBI_EL2_VA, 5, 0x2000, 1, 1, 0);	/* 0x2000-0x3fff */
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x54000000ULL);
		pt_map(&p1, 0x3000, 0x53000000ULL, 3, PT_AF);
		tlbi_va(&r, CMD_TLBI_EL2_VAA, 0, 0x3000, 0, 0, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x53000000ULL);
		pt_map(&p1, 0x3000, 0x55000000ULL, 3, PT_AF);
		cmd(&r, CMD_TLBI_EL2_ALL, 0);
		CHECK_EQ(xl(&r, 6, 0x3000, SMMUV3_READ, &out), 0);
		CHECK_EQ(out, 0x55000000ULL);
	}
	rig_destroy(&r);
}

/* Translations on two threads while the main thread invalidates. */
struct racer {
	struct rig *r;
	int bad;
	int stop;
};

static void *race_fn(void *arg)
{
	struct racer *rc = arg;
	struct smmuv3_result res;

	while (!__atomic_load_n(&rc->stop, __ATOMIC_RELAXED)) {
		for (u64 i = 0; i < 64; i++) {
			int ret = smmuv3_translate(rc->r->smmu, SID, SMMUV3_NO_SSID,
						   0x100000 + i * 0x1000 + 8,
						   SMMUV3_READ, &res);
			u64 off = res.addr & 0xffffff;

			if (ret || off != i * 0x1000 + 8 ||
			    (res.addr >> 24 != 0x50 && res.addr >> 24 != 0x51))
				__atomic_fetch_add(&rc->bad, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void test_threads(void)
{
	struct smmuv3_config c;
	struct racer rc = { 0 };
	pthread_t t[2];
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	c.tlb_sets = 16;	/* small: force evictions too */
	rig_init_s1(&r, &c, &p);
	for (u64 i = 0; i < 64; i++)
		pt_map(&p, 0x100000 + i * 0x1000, 0x50000000ULL + i * 0x1000, 3,
		       PT_AF | PT_NG);
	rc.r = &r;
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&t[i], NULL, race_fn, &rc) == 0);
	for (int n = 0; n < 2000; n++) {
		u64 base = (n & 1) ? 0x51000000ULL : 0x50000000ULL;

		for (u64 i = 0; i < 64; i += 8)
			pt_map(&p, 0x100000 + i * 0x1000, base + i * 0x1000, 3,
			       PT_AF | PT_NG);
		cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
		    FIELD_PREP(CMD_0_ASID, ASID), 0);
		if (!(n % 16))
			cmd_cfgi_ste(&r, SID);
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(rc.bad, 0);
	rig_destroy(&r);
}

int main(void)
{
	test_tlb_s1();
	test_tlb_s2_nested_el2();
	test_threads();
	return test_done();
}
