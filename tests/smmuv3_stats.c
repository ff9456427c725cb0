// SPDX-License-Identifier: MIT
/*
 * smmuv3_get_stats(): the counts a user reads to explain a figure are the
 * model's own, exactly, for one thread: a miss then hits; a 4-level walk
 * reads one descriptor per level; a nested 4+4 walk reads 4 stage-1 and
 * 4 x 4 + 4 stage-2 descriptors; commands by opcode, errors, events by
 * type, events lost when the queue is off, configuration-cache misses and
 * invalidations, TLB fills, evictions and invalidations.  With two threads
 * hitting at once nothing blocks and no hit is counted twice; reset zeroes
 * everything.
 */
#include <pthread.h>

#include "tests/smmuv3_xlate.h"

static struct smmuv3_stats st;

static void stats(struct rig *r)
{
	smmuv3_get_stats(r->smmu, &st);
}

static void test_s1(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	pt_map(&p, 0x10000, 0x50000000, 3, PT_AF | PT_S1_USER);
	smmuv3_reset_stats(r.smmu);

	CHECK_EQ(xl_ok(&r, 0x10008), 0x50000008);	/* miss: config + walk */
	for (int i = 0; i < 9; i++)
		xl_ok(&r, 0x10010);			/* fast-path hits */
	stats(&r);
	CHECK_EQ(st.translations, 10);
	CHECK_EQ(st.cfg_misses, 1);
	CHECK_EQ(st.cfg_hits, 9);
	CHECK_EQ(st.tlb_misses[SMMUV3_REGIME_S1], 1);
	CHECK_EQ(st.tlb_hits[SMMUV3_REGIME_S1], 9);
	CHECK_EQ(st.tlb_fills, 1);
	for (int l = 0; l < 4; l++)
		CHECK_EQ(st.walk_reads[0][l], 1);	/* 4 levels, 1 read each */
	CHECK_EQ(st.walk_reads[1][0], 0);

	/* The walk kept its three table descriptors. */
	CHECK_EQ(st.walk_cache_misses[SMMUV3_WALK_CACHE_S1], 1);
	CHECK_EQ(st.walk_cache_fills[SMMUV3_WALK_CACHE_S1], 3);

	/* A fault: a walk to the invalid level-1 entry, one event.  The
	 * level-0 descriptor comes from the walk cache: no read. */
	CHECK_EQ(xl(&r, SID, 0x40000000ULL, SMMUV3_READ, NULL), EVT_F_TRANSLATION);
	stats(&r);
	CHECK_EQ(st.events[EVT_F_TRANSLATION], 1);
	CHECK_EQ(st.walk_cache_hits[SMMUV3_WALK_CACHE_S1], 1);
	CHECK_EQ(st.walk_reads[0][0], 1);
	CHECK_EQ(st.walk_reads[0][1], 2);
	CHECK_EQ(st.walk_reads[0][2], 1);
	/* Another page of the same level-3 table: one read. */
	pt_map(&p, 0x11000, 0x50001000, 3, PT_AF | PT_S1_USER);
	CHECK_EQ(xl_ok(&r, 0x11000), 0x50001000);
	stats(&r);
	CHECK_EQ(st.walk_reads[0][2], 1);
	CHECK_EQ(st.walk_reads[0][3], 2);

	/* Commands by opcode; TLBI removes the entry; CFGI the config. */
	/* (Stage-1 entries carry STE.S2VMID as their VMID: the command's.) */
	cmd(&r, FIELD_PREP(CMD_0_OP, CMD_TLBI_NH_ALL) | FIELD_PREP(CMD_0_VMID, VMID), 0);
	cmd_cfgi_ste(&r, SID);
	stats(&r);
	CHECK_EQ(st.commands[CMD_TLBI_NH_ALL], 1);
	CHECK(st.commands[CMD_CFGI_STE] >= 1);
	CHECK_EQ(st.tlb_invalidated, 2);	/* 0x10000 and 0x11000 */
	CHECK_EQ(st.walk_cache_invalidated[SMMUV3_WALK_CACHE_S1], 3);
	CHECK_EQ(st.cfg_invalidated, 1);
	CHECK(!strcmp(smmuv3_cmd_name(CMD_TLBI_NH_VA), "CMD_TLBI_NH_VA"));
	CHECK(smmuv3_cmd_name(0x4f) == NULL && smmuv3_cmd_name(1000) == NULL);

	/* An unknown opcode: an error, not an executed command. */
	cmd_push(&r, 0x7f, 0);
	cmd_kick(&r);
	stats(&r);
	CHECK_EQ(st.cmd_errors, 1);
	CHECK(st.gerrors >= 1);

	smmuv3_reset_stats(r.smmu);
	stats(&r);
	CHECK_EQ(st.translations + st.cmd_errors + st.tlb_fills + st.walk_reads[0][3], 0);
	rig_destroy(&r);
}

static void test_nested(void)
{
	struct smmuv3_config c;
	struct nested n;
	struct rig r;

	rig_default_conf(&c);
	rig_init(&r, &c);
	nested_setup(&r, &n, 12);
	pt_map(&n.s1, 0x20000, 0x100000000ULL, 3, PT_AF | PT_S1_USER);
	/* A 4-level stage 2 of pages for the output IPA and the tables. */
	smmuv3_reset_stats(r.smmu);
	CHECK_EQ(xl_ok(&r, 0x20000), 0x50000000);
	stats(&r);
	CHECK_EQ(st.tlb_misses[SMMUV3_REGIME_S12], 1);
	for (int l = 0; l < 4; l++)
		CHECK_EQ(st.walk_reads[0][l], 1);
	/* The CD's IPA and four table IPAs hit stage-2 1G blocks (2 reads
	 * each, but level 0 only twice: the CD's fetch, which no walk cache
	 * serves, and the first table's, whose level-0 descriptor the
	 * stage-2 walk cache then keeps); the output IPA 0x100000000 goes
	 * 4 levels to a page. */
	CHECK_EQ(st.walk_reads[1][0], 2);
	CHECK_EQ(st.walk_reads[1][1], 6);
	CHECK_EQ(st.walk_reads[1][2], 1);
	CHECK_EQ(st.walk_reads[1][3], 1);
	rig_destroy(&r);
}

static void test_events_lost(void)
{
	struct smmuv3_config c;
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	wr32(&r, 0x20, rd32(&r, 0x20) & ~BIT(2));	/* CR0.EVTQEN off */
	smmuv3_reset_stats(r.smmu);
	CHECK(xl(&r, SID, 0x1000, SMMUV3_READ, NULL) != 0);
	stats(&r);
	CHECK_EQ(st.events_lost, 1);
	CHECK_EQ(st.events[EVT_F_TRANSLATION], 0);
	rig_destroy(&r);
}

struct hitter {
	struct rig *r;
	int n;
};

static void *hit_many(void *arg)
{
	struct hitter *h = arg;
	struct smmuv3_result res;

	for (int i = 0; i < h->n; i++)
		smmuv3_translate(h->r->smmu, SID, SMMUV3_NO_SSID, 0x10000,
				 SMMUV3_READ, &res);
	return NULL;
}

static void test_threads(void)
{
	struct smmuv3_config c;
	struct hitter h;
	pthread_t t[2];
	struct rig r;
	struct pt p;

	rig_default_conf(&c);
	rig_init_s1(&r, &c, &p);
	pt_map(&p, 0x10000, 0x50000000, 3, PT_AF | PT_S1_USER);
	xl_ok(&r, 0x10000);
	smmuv3_reset_stats(r.smmu);
	h = (struct hitter){ .r = &r, .n = 200000 };
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&t[i], NULL, hit_many, &h) == 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	stats(&r);
	/* Never more than happened; a shared shard may drop a few. */
	CHECK(st.tlb_hits[SMMUV3_REGIME_S1] <= 400000);
	CHECK(st.tlb_hits[SMMUV3_REGIME_S1] >= 200000);
	CHECK_EQ(st.translations, st.tlb_hits[SMMUV3_REGIME_S1]);
	rig_destroy(&r);
}

int main(void)
{
	test_s1();
	test_nested();
	test_events_lost();
	test_threads();
	return test_done();
}
