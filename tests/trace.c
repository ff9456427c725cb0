// SPDX-License-Identifier: MIT
/*
 * Tracing (hw/trace.h) as a user relies on it: the categories asked for,
 * and only those, arrive as one line per event with QEMU's event names; a
 * TLB hit is seen when TLB tracing is on (the fast path steps aside) and
 * costs no line when it is off; turning tracing off stops the lines; the
 * category list parses as the CLI and the shim take it, and a wrong name
 * is pointed at.
 */
#include "tests/smmuv3_xlate.h"

struct lines {
	int n;
	unsigned int cats;
	char buf[16384];
};

static void record_line(void *opaque, unsigned int category, const char *line)
{
	struct lines *l = opaque;
	size_t len = strlen(l->buf);

	l->n++;
	l->cats |= category;
	snprintf(l->buf + len, sizeof(l->buf) - len, "%s\n", line);
}

static bool has(const struct lines *l, const char *text)
{
	bool ok = strstr(l->buf, text) != NULL;

	if (!ok)
		fprintf(stderr, "trace lacks '%s'; it has:\n%s", text, l->buf);
	return ok;
}

static void test_smmu(void)
{
	struct smmuv3_config c;
	struct lines l = { 0 };
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	pt_map(&p, 0x10000, 0x50000000, 3, PT_AF | PT_S1_USER | PT_NG);
	smmuv3_set_trace(r.smmu, IOMMUSIM_TRACE_TLB | IOMMUSIM_TRACE_WALK |
			 IOMMUSIM_TRACE_EVENT | IOMMUSIM_TRACE_CMDQ | IOMMUSIM_TRACE_CFG,
			 record_line, &l);
	xl_ok(&r, 0x10000);		/* miss: config fetch, walk, fill */
	xl_ok(&r, 0x10008);		/* hit, seen on the slow path */
	CHECK(has(&l, "smmuv3_config_cache_miss sid=0x4"));
	CHECK(has(&l, "smmuv3_get_ste sid=0x4 STE addr: 0x"));
	CHECK(has(&l, "smmuv3_get_cd CD addr: 0x40100000"));
	CHECK(has(&l, "smmu_iotlb_lookup_miss asid=7 vmid=3 addr=0x10000\n"));
	CHECK(has(&l, "smmu_ptw_page_pte stage=1 level=3 iova=0x10000 "));
	CHECK(has(&l, "address=0x50000000\n"));
	CHECK(has(&l, "smmu_iotlb_insert asid=7 vmid=3 addr=0x10000 "));
	CHECK(has(&l, "smmu_iotlb_lookup_hit asid=7 vmid=3 addr=0x10008 -> 0x50000008"));

	CHECK_EQ(xl(&r, SID, 0x40000000ULL, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
	CHECK(has(&l, "smmu_ptw_fault sid=0x4 iova=0x40000000 stage=1 level=1 class=2 F_TRANSLATION"));
	CHECK(has(&l, "smmuv3_record_event F_TRANSLATION sid=0x4"));
	cmd(&r, FIELD_PREP(CMD_0_OP, CMD_TLBI_NH_ASID) | FIELD_PREP(CMD_0_ASID, ASID) |
		FIELD_PREP(CMD_0_VMID, VMID), 0);
	CHECK(has(&l, "smmuv3_cmdq_opcode <--- CMD_TLBI_NH_ASID"));
	CHECK(has(&l, "smmu_iotlb_inv vmid asid all removed=1"));
	CHECK(!(l.cats & ~(IOMMUSIM_TRACE_TLB | IOMMUSIM_TRACE_WALK | IOMMUSIM_TRACE_EVENT |
			   IOMMUSIM_TRACE_CMDQ | IOMMUSIM_TRACE_CFG)));

	/* Only what was asked: events alone, then nothing at all. */
	smmuv3_set_trace(r.smmu, IOMMUSIM_TRACE_EVENT, record_line, &l);
	l.n = 0;
	l.buf[0] = '\0';
	xl_ok(&r, 0x10000);
	xl_ok(&r, 0x10000);
	CHECK_EQ(l.n, 0);
	xl(&r, SID, 0x40000000ULL, SMMUV3_READ, NULL);
	CHECK_EQ(l.n, 1);
	CHECK(has(&l, "smmuv3_record_event F_TRANSLATION"));
	smmuv3_set_trace(r.smmu, 0, NULL, NULL);
	xl(&r, SID, 0x40000000ULL, SMMUV3_READ, NULL);
	CHECK_EQ(l.n, 1);
	rig_destroy(&r);
}

static void test_parse(void)
{
	const char *bad = NULL;
	unsigned int len = 99;

	CHECK_EQ(iommusim_trace_parse("cmdq,tlb", &bad, &len),
		 IOMMUSIM_TRACE_CMDQ | IOMMUSIM_TRACE_TLB);
	CHECK_EQ(iommusim_trace_parse("all", &bad, &len), IOMMUSIM_TRACE_ALL);
	CHECK_EQ(iommusim_trace_parse("walk,tbl,its", &bad, &len), 0);
	CHECK(!strncmp(bad, "tbl", 3) && len == 3);
	CHECK_EQ(iommusim_trace_parse("", &bad, &len), 0);
	CHECK(!strcmp(iommusim_trace_name(IOMMUSIM_TRACE_GERROR), "gerror"));
	CHECK(iommusim_trace_name(3) == NULL);
}

int main(void)
{
	test_smmu();
	test_parse();
	return test_done();
}
