// SPDX-License-Identifier: MIT
/*
 * The coherency checker's proof: each classic driver bug - unmap without
 * TLBI, STE or CD rewritten without CFGI, a valid leaf's output changed
 * without break-before-make (seen at the next use, or at the TLBI that
 * came too late), a block made a table in place, stage-2 unmaps of a
 * nested or stage-2 stream - is caught once, with the right kind, address,
 * old and new values and the missing command; the correct sequences report
 * nothing; fatal mode aborts with the message.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/smmuv3_xlate.h"

struct seen {
	unsigned int n;
	struct smmuv3_coherency_report last;
	char text[512];
};

static void on_report(void *opaque, const struct smmuv3_coherency_report *r)
{
	struct seen *s = opaque;

	s->n++;
	s->last = *r;
	snprintf(s->text, sizeof(s->text), "%s", r->text);
	s->last.text = s->text;
}

/* A stage-1 stream with the checker reporting to s. */
static void coh_init(struct rig *r, struct pt *p, struct seen *s)
{
	struct smmuv3_config c;

	memset(s, 0, sizeof(*s));
	rig_default_conf(&c);
	c.coherency = SMMUV3_COHERENCY_REPORT;
	rig_init_s1(r, &c, p);
	REQUIRE(smmuv3_set_coherency(r->smmu, SMMUV3_COHERENCY_REPORT, on_report, s) == 0);
}

static void tlbi_va(struct rig *r, u64 va)
{
	cmd(r, CMD_TLBI_NH_VA | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID), va);
}

static void set_desc(struct rig *r, u64 addr, u64 desc)
{
	__atomic_store_n((u64 *)phys_ram_ptr(r->mem, addr, 8), desc, __ATOMIC_RELAXED);
}

static u64 get_desc(struct rig *r, u64 addr)
{
	u64 v;

	REQUIRE(phys_read64(r->mem, addr, &v) == 0);
	return v;
}

/* coh_init, and IOVA 0x10000 -> 0x50000000 in the TLB: the leaf's value. */
static u64 coh_init_cached(struct rig *r, struct pt *p, struct seen *s, u64 *leaf)
{
	coh_init(r, p, s);
	*leaf = pt_map(p, 0x10000, 0x50000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(r, 0x10000), 0x50000000ULL);
	return get_desc(r, *leaf);
}

static bool has(const struct seen *s, const char *needle)
{
	if (!strstr(s->text, needle)) {
		fprintf(stderr, "report lacks \"%s\": %s\n", needle, s->text);
		return false;
	}
	return true;
}

static void test_correct_sequences(void)
{
	struct smmuv3_stats st;
	struct seen s;
	struct rig r;
	struct pt p, p2;
	u64 leaf, ste[8];

	coh_init(&r, &p, &s);
	leaf = pt_map(&p, 0x10000, 0x50000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);	/* a TLB hit */
	/* Unmap, invalidate: a fault, nothing stale. */
	set_desc(&r, leaf, 0);
	tlbi_va(&r, 0x10000);
	CHECK_EQ(xl(&r, SID, 0x10000, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
	/* Break-before-make done right: invalid, TLBI, new output. */
	pt_map(&p, 0x10000, 0x50000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	set_desc(&r, leaf, 0);
	tlbi_va(&r, 0x10000);
	pt_map(&p, 0x10000, 0x58000000ULL, 3, PT_AF | PT_NG);
	tlbi_va(&r, 0x10000);	/* a second TLBI after make is harmless */
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	/* Another page table in the CD with CFGI_CD and TLBI_NH_ASID, then
	 * an STE change with CFGI_STE. */
	pt_init(&p2, &r, false, 12, 48, 0, 1);
	pt_map(&p2, 0x10000, 0x58000000ULL, 3, PT_AF | PT_NG);
	write_cd(&r, CDPTR, 12, 16, p2.root, 0);
	cmd(&r, CMD_CFGI_CD | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
	cmd(&r, CMD_TLBI_NH_ASID | FIELD_PREP(CMD_0_VMID, VMID) |
	    FIELD_PREP(CMD_0_ASID, ASID), 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	REQUIRE(phys_read(r.mem, RIG_STRTAB + SID * 64, ste, sizeof(ste)) == 0);
	ste[1] ^= FIELD_PREP(STE_1_S1CIR, 1);
	ste_write(&r, SID, ste);
	cmd_cfgi_ste(&r, SID);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	CHECK_EQ(s.n, 0);
	smmuv3_get_stats(r.smmu, &st);
	CHECK_EQ(st.coherency_reports, 0);
	CHECK(st.coherency_checks >= 8);
	rig_destroy(&r);
}

static void test_unmap_without_tlbi(void)
{
	struct smmuv3_stats st;
	struct seen s;
	struct rig r;
	struct pt p;
	u64 leaf, old;

	old = coh_init_cached(&r, &p, &s, &leaf);
	set_desc(&r, leaf, 0);
	/* The TLB still answers, as hardware's may; the checker says why. */
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_TLBI);
	CHECK_EQ(s.last.sid, SID);
	CHECK_EQ(s.last.asid, ASID);
	CHECK_EQ(s.last.addr, 0x10000);
	CHECK_EQ(s.last.desc_addr, leaf);
	CHECK_EQ(s.last.old_val, old);
	CHECK_EQ(s.last.new_val, 0);
	CHECK(has(&s, "missing CMD_TLBI_NH_VA asid 7 addr 0x10000"));
	CHECK(has(&s, "is now invalid"));
	/* Once per site. */
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(s.n, 1);
	smmuv3_get_stats(r.smmu, &st);
	CHECK_EQ(st.coherency_reports, 1);

	/* Read-write made read-only in place: a write still gets through. */
	leaf = pt_map(&p, 0x20000, 0x50002000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl(&r, SID, 0x20000, SMMUV3_WRITE, NULL), 0);
	set_desc(&r, leaf, get_desc(&r, leaf) | PT_S1_RO);
	CHECK_EQ(xl(&r, SID, 0x20000, SMMUV3_WRITE, NULL), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.last.kind, SMMUV3_COH_TLBI);
	CHECK_EQ(s.last.desc_addr, leaf);
	CHECK(has(&s, "allows less than the TLB entry"));
	CHECK(has(&s, "missing CMD_TLBI_NH_VA asid 7 addr 0x20000"));
	rig_destroy(&r);
}

static void test_ste_without_cfgi(void)
{
	struct seen s;
	struct rig r;
	struct pt p;
	u64 ste[8], old;

	coh_init(&r, &p, &s);
	pt_map(&p, 0x10000, 0x50000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	/* The stream made bypass, no CFGI_STE. */
	REQUIRE(phys_read(r.mem, RIG_STRTAB + SID * 64, ste, sizeof(ste)) == 0);
	old = ste[0];
	ste[0] = (ste[0] & ~STE_0_CFG) | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS);
	ste_write(&r, SID, ste);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);	/* still cached */
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_CFGI_STE);
	CHECK_EQ(s.last.desc_addr, RIG_STRTAB + SID * 64);
	CHECK_EQ(s.last.old_val, old);
	CHECK_EQ(s.last.new_val, ste[0]);
	CHECK(has(&s, "STE word 0"));
	CHECK(has(&s, "missing CMD_CFGI_STE sid 0x4"));
	/* The CFGI ends it: the new STE is used and nothing more is said. */
	cmd_cfgi_ste(&r, SID);
	{
		struct smmuv3_result res;

		CHECK_EQ(smmuv3_translate(r.smmu, SID, SMMUV3_NO_SSID, 0x10000,
					  SMMUV3_READ, &res), 0);
		CHECK(res.bypass);
	}
	CHECK_EQ(s.n, 1);

	/* The same site again: said once.  Another stream's STE made invalid
	 * (V=0) without CFGI is new, the fetch now refusing it. */
	ste[0] = old;
	ste_write(&r, SID, ste);
	CHECK_EQ(xl(&r, SID, 0x10000, SMMUV3_READ, NULL), 0);
	CHECK_EQ(s.n, 1);
	ste_write(&r, SID + 1, ste);
	cmd_cfgi_ste(&r, SID + 1);
	CHECK_EQ(xl(&r, SID + 1, 0x10000, SMMUV3_READ, NULL), 0);
	ste[0] &= ~STE_0_V;
	ste_write(&r, SID + 1, ste);
	CHECK_EQ(xl(&r, SID + 1, 0x10000, SMMUV3_READ, NULL), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.last.desc_addr, RIG_STRTAB + (SID + 1) * 64);
	CHECK(has(&s, "(now refused: C_BAD_STE): missing CMD_CFGI_STE sid 0x5"));
	rig_destroy(&r);
}

static void test_cd_without_cfgi(void)
{
	struct seen s;
	struct rig r;
	struct pt p, p2;
	u64 cd1;

	coh_init(&r, &p, &s);
	pt_map(&p, 0x10000, 0x50000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	/* Another page table in the CD (TTB0), no CFGI_CD. */
	pt_init(&p2, &r, false, 12, 48, 0, 1);
	pt_map(&p2, 0x10000, 0x58000000ULL, 3, PT_AF | PT_NG);
	REQUIRE(phys_read64(r.mem, CDPTR + 8, &cd1) == 0);
	write_cd(&r, CDPTR, 12, 16, p2.root, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_CFGI_CD);
	CHECK_EQ(s.last.desc_addr, CDPTR + 8);
	CHECK_EQ(s.last.old_val, cd1);
	CHECK_EQ(s.last.new_val, p2.root);
	CHECK(has(&s, "CD word 1"));
	CHECK(has(&s, "missing CMD_CFGI_CD sid 0x4 ssid 0x0"));
	rig_destroy(&r);
}

/*
 * A valid leaf given another output in place: caught at the next use, or
 * (at_tlbi) at the TLBI that came too late, nothing having used it between.
 */
static void test_bbm(bool at_tlbi)
{
	struct seen s;
	struct rig r;
	struct pt p;
	u64 leaf, old;

	old = coh_init_cached(&r, &p, &s, &leaf);
	pt_map(&p, 0x10000, 0x58000000ULL, 3, PT_AF | PT_NG);	/* valid -> valid */
	if (at_tlbi)
		tlbi_va(&r, 0x10000);
	else
		CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_BBM);
	CHECK_EQ(s.last.desc_addr, leaf);
	CHECK_EQ(s.last.old_val, old);
	CHECK_EQ(s.last.new_val, get_desc(&r, leaf));
	CHECK(has(&s, "without break-before-make"));
	CHECK(has(&s, "CMD_TLBI_NH_VA asid 7 addr 0x10000"));
	CHECK(has(&s, at_tlbi ? "when the TLBI removed the entry" :
		  "0x50000000 (cached), 0x58000000 (memory)"));
	if (!at_tlbi) {
		rig_destroy(&r);
		return;
	}
	CHECK_EQ(xl_ok(&r, 0x10000), 0x58000000ULL);
	CHECK_EQ(s.n, 1);

	/* Break without the invalidation between is no break either. */
	leaf = pt_map(&p, 0x30000, 0x50003000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x30000), 0x50003000ULL);
	set_desc(&r, leaf, 0);
	pt_map(&p, 0x30000, 0x58003000ULL, 3, PT_AF | PT_NG);
	tlbi_va(&r, 0x30000);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(s.last.desc_addr, leaf);
	rig_destroy(&r);
}

/* A 2M block replaced in place by a table of pages with the same output. */
static void test_block_to_table(bool use_first)
{
	struct seen s;
	struct rig r;
	struct pt p;
	u64 blk, table;

	coh_init(&r, &p, &s);
	blk = pt_map(&p, 0x40000000ULL, 0x60000000ULL, 2, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x40001000ULL), 0x60001000ULL);
	table = rig_alloc(&r, 0x1000, 0x1000);
	for (u64 i = 0; i < 512; i++)
		set_desc(&r, table + i * 8, (0x60000000ULL + i * 0x1000) | PT_AF |
			 PT_NG | PT_S1_USER | 3);
	set_desc(&r, blk, table | 3);
	if (use_first) {
		/* Same address, smaller leaf: the size changed under the TLB. */
		CHECK_EQ(xl_ok(&r, 0x40001000ULL), 0x60001000ULL);
		CHECK(has(&s, "without break-before-make"));
	} else {
		tlbi_va(&r, 0x40000000ULL);
	}
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_BBM);
	CHECK_EQ(s.last.desc_addr, blk);
	CHECK_EQ(s.last.new_val, table | 3);
	CHECK(has(&s, "level-2 descriptor"));
	CHECK(has(&s, "(a block made a table)"));
	rig_destroy(&r);
}

static void test_stage2(void)
{
	struct smmuv3_config c;
	struct nested n;
	struct seen s = { 0 };
	struct rig r;
	struct pt p;
	u64 leaf;

	/* Nested: a stage-2 page unmapped without invalidation. */
	rig_default_conf(&c);
	rig_init(&r, &c);
	REQUIRE(smmuv3_set_coherency(r.smmu, SMMUV3_COHERENCY_REPORT, on_report, &s) == 0);
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x10000, 0x100000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	leaf = pt_map(&n.s2, 0x100000000ULL, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
	set_desc(&r, leaf, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_TLBI);
	CHECK_EQ(s.last.desc_addr, leaf);
	CHECK(has(&s, "stage-2 level-3"));
	CHECK(has(&s, "missing CMD_TLBI_S2_IPA vmid 3 addr 0x100000000 then "
		  "CMD_TLBI_NH_ALL vmid 3"));
	rig_destroy(&r);

	/* Stage 2 only. */
	memset(&s, 0, sizeof(s));
	rig_init(&r, &c);
	REQUIRE(smmuv3_set_coherency(r.smmu, SMMUV3_COHERENCY_REPORT, on_report, &s) == 0);
	pt_init(&p, &r, true, 12, 48, 0, 1);
	write_ste(&r, SID, STE_CFG_S2, &p, 2, 0);
	leaf = pt_map(&p, 0x200000, 0x50000000ULL, 3, PT_AF | PT_S2_RW);
	CHECK_EQ(xl_ok(&r, 0x200000), 0x50000000ULL);
	set_desc(&r, leaf, 0);
	CHECK_EQ(xl_ok(&r, 0x200000), 0x50000000ULL);
	CHECK_EQ(s.n, 1);
	CHECK(has(&s, "missing CMD_TLBI_S2_IPA vmid 3 addr 0x200000"));
	rig_destroy(&r);
}

/* What the walk caches report through (they call it from translate.c). */
static void test_stale_table_report(void)
{
	struct smmu_cfg cfg = { .tlb_kind = TLB_S1, .asid = 5, .vmid = 0, .s1 = 1 };
	struct seen s;
	struct rig r;
	struct pt p;

	coh_init(&r, &p, &s);
	smmu_lock(r.smmu);
	smmu_coherency_stale_table(r.smmu, &cfg, 9, 1, 2, 0x200000, 0x41005008,
				   0x41006003, 0);
	smmu_coherency_stale_table(r.smmu, &cfg, 9, 1, 2, 0x200000, 0x41005008,
				   0x41006003, 0);
	smmu_unlock(r.smmu);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.last.kind, SMMUV3_COH_WALK);
	CHECK_EQ(s.last.sid, 9);
	CHECK_EQ(s.last.desc_addr, 0x41005008);
	CHECK(has(&s, "stale walk-cache entry: sid 0x9"));
	CHECK(has(&s, "missing CMD_TLBI_NH_VA (Leaf=0) asid 5 addr 0x200000"));
	rig_destroy(&r);
}

static void trace_line(void *opaque, unsigned int cat, const char *line)
{
	if (cat == IOMMUSIM_TRACE_COHERENCY && !strncmp(line, "smmuv3_coherency ", 17))
		(*(unsigned int *)opaque)++;
}

/* The switch: refused values, the trace, off again, and fatal's abort. */
static void test_switch(void)
{
	struct smmuv3_config c;
	struct seen s;
	struct rig r;
	struct pt p;
	unsigned int lines = 0;
	int pipefd[2], status;
	char buf[512] = "";
	pid_t pid;
	u64 leaf;

	CHECK_EQ(smmuv3_coherency_parse("fatal"), SMMUV3_COHERENCY_FATAL);
	CHECK_EQ(smmuv3_coherency_parse("on"), -1);
	/* The default comes from the environment; what it does not know is off. */
	{
		const char *was = getenv("IOMMUSIM_COHERENCY");
		char saved[64];

		snprintf(saved, sizeof(saved), "%s", was ? was : "");
		setenv("IOMMUSIM_COHERENCY", "report", 1);
		smmuv3_config_default(&c);
		CHECK_EQ(c.coherency, SMMUV3_COHERENCY_REPORT);
		setenv("IOMMUSIM_COHERENCY", "yes", 1);
		smmuv3_config_default(&c);
		CHECK_EQ(c.coherency, SMMUV3_COHERENCY_OFF);
		if (was)
			setenv("IOMMUSIM_COHERENCY", saved, 1);
		else
			unsetenv("IOMMUSIM_COHERENCY");
	}
	rig_default_conf(&c);
	c.coherency = 3;
	{
		struct phys_mem *mem = phys_mem_create();

		REQUIRE(mem);
		CHECK(!smmuv3_create(&c, mem, NULL, NULL, 0));
		phys_mem_destroy(mem);
	}

	coh_init(&r, &p, &s);
	CHECK_EQ(smmuv3_set_coherency(r.smmu, 3, NULL, NULL), -EINVAL);
	smmuv3_set_trace(r.smmu, IOMMUSIM_TRACE_COHERENCY, trace_line, &lines);
	leaf = pt_map(&p, 0x10000, 0x50000000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	set_desc(&r, leaf, 0);
	CHECK_EQ(xl_ok(&r, 0x10000), 0x50000000ULL);
	CHECK_EQ(lines, 1);
	CHECK_EQ(s.n, 1);
	/* Off: the fast path answers, nothing is checked. */
	REQUIRE(smmuv3_set_coherency(r.smmu, SMMUV3_COHERENCY_OFF, NULL, NULL) == 0);
	leaf = pt_map(&p, 0x20000, 0x50002000ULL, 3, PT_AF | PT_NG);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x50002000ULL);
	set_desc(&r, leaf, 0);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x50002000ULL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(lines, 1);

	/* Fatal: the report on stderr, then abort. */
	REQUIRE(pipe(pipefd) == 0);
	fflush(NULL);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		dup2(pipefd[1], 2);
		smmuv3_set_coherency(r.smmu, SMMUV3_COHERENCY_FATAL, NULL, NULL);
		xl_ok(&r, 0x20000);
		_exit(0);
	}
	close(pipefd[1]);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK(read(pipefd[0], buf, sizeof(buf) - 1) > 0);
	close(pipefd[0]);
	CHECK(strstr(buf, "coherency checker (fatal): stale TLB entry: sid 0x4") != NULL);
	CHECK(strstr(buf, "missing CMD_TLBI_NH_VA asid 7 addr 0x20000") != NULL);
	rig_destroy(&r);
}

int main(void)
{
	test_correct_sequences();
	test_unmap_without_tlbi();
	test_ste_without_cfgi();
	test_cd_without_cfgi();
	test_bbm(false);
	test_bbm(true);
	test_block_to_table(true);
	test_block_to_table(false);
	test_stage2();
	test_stale_table_report();
	test_switch();
	return test_done();
}
