// SPDX-License-Identifier: MIT
/*
 * SMMUv3 translation cost: a TLB hit (the DMA fast path: a micro-TLB hit;
 * and a main-TLB hit past the micro-TLB's reach), a stage-1
 * 4-level walk on a TLB miss, and a nested 4+4-level walk on a miss
 * (24 descriptor reads), each also with the coherency checker on.
 * Misses are forced by cycling over many more
 * pages than the TLB holds.  The machine is built as the tests build it
 * (tests/smmuv3_rig.h): through MMIO and tables in RAM.
 */
#include <pthread.h>

#include "bench/bench.h"
#include "tests/smmuv3_rig.h"

#define SID		4
#define CDPTR		0x40100000ULL
#define NR_PAGES	16384	/* 4x the default TLB's 4096 entries */
#define VA_BASE		0x0000123400000000ULL
#define IPA_BASE	0x100000000ULL
#define PA_BASE		0x50000000ULL

struct ctx {
	struct rig r;
	u64 sink;
	unsigned int stride;
	unsigned int pages;	/* the working set: a power of two, <= NR_PAGES */
};

static void write_cd(struct rig *r, u64 ttb0)
{
	u64 cd[8] = { 0 };

	cd[0] = FIELD_PREP(CD_0_T0SZ, 16) | CD_0_EPD1 | CD_0_V |
		FIELD_PREP(CD_0_IPS, 5) | CD_0_AA64 | CD_0_R |
		FIELD_PREP(CD_0_ASID, 1);
	cd[1] = ttb0;
	REQUIRE(phys_write(r->mem, CDPTR, cd, 64) == 0);
}

static void write_ste(struct rig *r, unsigned int config, u64 s2ttb)
{
	u64 ste[8] = { 0 };

	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, config) | CDPTR;
	ste[2] = FIELD_PREP(STE_2_S2VMID, 1) | STE_2_S2AA64 | STE_2_S2R |
		 FIELD_PREP(STE_2_S2PS, 5) | FIELD_PREP(STE_2_S2T0SZ, 16) |
		 FIELD_PREP(STE_2_S2SL0, 2);
	ste[3] = s2ttb;
	ste_write(r, SID, ste);
	cmd_cfgi_ste(r, SID);
}

static void translate_one(void *opaque, uint64_t i)
{
	struct ctx *c = opaque;
	struct smmuv3_result res;
	u64 page = (i * c->stride) & (c->pages - 1);	/* pages: a power of two */

	if (smmuv3_translate(c->r.smmu, SID, SMMUV3_NO_SSID,
			     VA_BASE + page * 4096 + 8, SMMUV3_READ, &res))
		abort();
	c->sink += res.addr;
}

/*
 * Hits from two threads at once: the fast path takes no lock and writes
 * nothing shared.  Each thread reports its own CPU time per hit, so other
 * load on the machine does not count.
 */
#define MT_OPS	5000000

struct hit_thread {
	struct ctx *c;
	double ns_per_op;
};

static u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static void *hit_thread(void *opaque)
{
	struct hit_thread *h = opaque;
	struct smmuv3_result res;
	u64 sum = 0, t0 = thread_cpu_ns();

	for (u64 i = 0; i < MT_OPS; i++) {
		smmuv3_translate(h->c->r.smmu, SID, SMMUV3_NO_SSID,
				 VA_BASE + (i & 15) * 4096, SMMUV3_READ, &res);
		sum += res.addr;
	}
	h->ns_per_op = (double)(thread_cpu_ns() - t0) / MT_OPS;
	__atomic_fetch_add(&h->c->sink, sum & 1, __ATOMIC_RELAXED);
	return NULL;
}

static double hits_two_threads(struct ctx *c)
{
	struct hit_thread h[2] = { { c, 0 }, { c, 0 } };
	pthread_t t[2];

	for (u64 i = 0; i < 16; i++)
		translate_one(c, i);	/* warm the TLB: stride 1 */
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, hit_thread, &h[i]))
			abort();
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return (h[0].ns_per_op + h[1].ns_per_op) / 2;
}

static void setup_s1(struct ctx *c)
{
	struct smmuv3_config conf;
	struct pt p;

	smmuv3_config_default(&conf);
	conf.coherency = SMMUV3_COHERENCY_OFF;	/* coherency_cost() turns it on */
	rig_init(&c->r, &conf);
	pt_init(&p, &c->r, false, 12, 48, 0, 1);
	for (u64 i = 0; i < NR_PAGES; i++)
		pt_map(&p, VA_BASE + i * 4096, PA_BASE + i * 4096, 3, PT_AF);
	write_cd(&c->r, p.root);
	write_ste(&c->r, STE_CFG_S1, 0);
}

/* Nested: every S1 table page and every output IPA is a 4K S2 page. */
static void setup_nested(struct ctx *c)
{
	struct smmuv3_config conf;
	struct pt s1, s2;
	u64 lo, hi;

	smmuv3_config_default(&conf);
	conf.coherency = SMMUV3_COHERENCY_OFF;	/* coherency_cost() turns it on */
	rig_init(&c->r, &conf);
	lo = c->r.next_alloc;
	pt_init(&s1, &c->r, false, 12, 48, 0, 1);
	for (u64 i = 0; i < NR_PAGES; i++)
		pt_map(&s1, VA_BASE + i * 4096, IPA_BASE + i * 4096, 3, PT_AF);
	hi = c->r.next_alloc;
	pt_init(&s2, &c->r, true, 12, 48, 0, 1);
	for (u64 a = ALIGN_DOWN(lo, 4096); a < hi; a += 4096)
		pt_map(&s2, a, a, 3, PT_AF | PT_S2_RW);
	pt_map(&s2, CDPTR, CDPTR, 3, PT_AF | PT_S2_RW);
	for (u64 i = 0; i < NR_PAGES; i++)
		pt_map(&s2, IPA_BASE + i * 4096, PA_BASE + i * 4096, 3,
		       PT_AF | PT_S2_RW);
	write_cd(&c->r, s1.root);
	write_ste(&c->r, STE_CFG_NESTED, s2.root);
}

/*
 * What explains a figure: descriptor reads per translation and the TLB
 * hit rate over the measurement just made (smmuv3_get_stats()).
 */
static void print_counters(const char *name, struct ctx *c)
{
	struct smmuv3_stats st;
	char key[96];
	u64 reads = 0, hits = 0, lookups = 0;

	smmuv3_get_stats(c->r.smmu, &st);
	for (int s = 0; s < 2; s++)
		for (int l = 0; l < 4; l++)
			reads += st.walk_reads[s][l];
	for (int k = 0; k < SMMUV3_REGIMES; k++) {
		hits += st.tlb_hits[k];
		lookups += st.tlb_hits[k] + st.tlb_misses[k];
	}
	snprintf(key, sizeof(key), "%s_reads", name);
	bench_print_value(key, "reads/op", st.translations ?
			  (double)reads / (double)st.translations : 0);
	snprintf(key, sizeof(key), "%s_tlb_hit_rate", name);
	bench_print_value(key, "%", lookups ? 100.0 * (double)hits / (double)lookups : 0);
	smmuv3_reset_stats(c->r.smmu);
}

/*
 * Translation cost and TLB hit rate against the working set: the device
 * cycles over `pages` pages (a stride coprime to them, so every page in
 * turn); beyond the TLB's 4096 entries every access misses.
 */
static void working_set(struct ctx *c)
{
	static const unsigned int sizes[] = { 16, 256, 1024, 2048, 4096, 8192, 16384 };
	struct smmuv3_stats st;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct bench_result r;

		c->stride = 1;
		c->pages = sizes[i];
		smmuv3_reset_stats(c->r.smmu);
		r = bench_measure(translate_one, c, sizes[i] * 4);
		smmuv3_get_stats(c->r.smmu, &st);
		bench_print_point("smmuv3_working_set_ns", sizes[i], "pages", "ns/op", r.median);
		bench_print_point("smmuv3_working_set_tlb_hit_rate", sizes[i], "pages", "%",
				  100.0 * (double)st.tlb_hits[SMMUV3_REGIME_S1] /
				  (double)(st.tlb_hits[SMMUV3_REGIME_S1] +
					   st.tlb_misses[SMMUV3_REGIME_S1]));
	}
	c->pages = NR_PAGES;
}

/*
 * The coherency checker's cost (docs/smmuv3.md): every translation on the
 * locked slow path, the STE/CD fetched again and the walk done again on a
 * hit, a second (dry-run) walk on a miss.
 */
static void coherency_cost(struct ctx *c, const char *hit, const char *miss)
{
	struct bench_result r;

	REQUIRE(smmuv3_set_coherency(c->r.smmu, SMMUV3_COHERENCY_REPORT, NULL, NULL) == 0);
	c->pages = NR_PAGES;
	c->stride = 0;
	r = bench_measure(translate_one, c, 200000);
	bench_print(hit, "ns/op", r);
	c->stride = 7919;
	r = bench_measure(translate_one, c, NR_PAGES);
	bench_print(miss, "ns/op", r);
	REQUIRE(smmuv3_set_coherency(c->r.smmu, SMMUV3_COHERENCY_OFF, NULL, NULL) == 0);
}

int main(void)
{
	static struct ctx c;
	struct bench_result r;

	setup_s1(&c);
	c.pages = NR_PAGES;
	c.stride = 0;		/* the same page: always a hit */
	r = bench_measure(translate_one, &c, 200000);
	bench_print("smmuv3_translate_tlb_hit", "ns/op", r);
	c.stride = 1;
	bench_print_value("smmuv3_translate_tlb_hit_2threads", "cpu-ns/op",
			  hits_two_threads(&c));
	/* 1024 pages: beyond the 64-entry micro-TLB, within the TLB. */
	c.pages = 1024;
	r = bench_measure(translate_one, &c, 200000);
	bench_print("smmuv3_translate_main_tlb_hit", "ns/op", r);
	c.pages = NR_PAGES;
	c.stride = 7919;	/* a prime: every page in turn, all misses */
	smmuv3_reset_stats(c.r.smmu);
	r = bench_measure(translate_one, &c, NR_PAGES);
	bench_print("smmuv3_translate_s1_walk_4level_miss", "ns/op", r);
	print_counters("smmuv3_translate_s1_walk_4level_miss", &c);
	working_set(&c);
	coherency_cost(&c, "smmuv3_translate_tlb_hit_coherency",
		       "smmuv3_translate_s1_walk_4level_miss_coherency");
	rig_destroy(&c.r);

	setup_nested(&c);
	c.stride = 0;
	r = bench_measure(translate_one, &c, 200000);
	bench_print("smmuv3_translate_nested_tlb_hit", "ns/op", r);
	c.stride = 7919;
	smmuv3_reset_stats(c.r.smmu);
	r = bench_measure(translate_one, &c, NR_PAGES);
	bench_print("smmuv3_translate_nested_4+4_walk_miss", "ns/op", r);
	print_counters("smmuv3_translate_nested_4+4_walk_miss", &c);
	coherency_cost(&c, "smmuv3_translate_nested_tlb_hit_coherency",
		       "smmuv3_translate_nested_4+4_walk_miss_coherency");
	rig_destroy(&c.r);
	return c.sink == 42 ? 1 : 0;
}
