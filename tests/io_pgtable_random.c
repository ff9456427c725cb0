// SPDX-License-Identifier: MIT
/*
 * Randomized differential test of kernel/io-pgtable-arm: thousands of
 * map/unmap operations of mixed sizes and counts for every format and
 * granule (and a concatenated stage-2 start), checked against a reference
 * model, with every probe address looked up both by iova_to_phys and by
 * the independent hardware walker decoding the table from the registers.
 *
 * The model is deliberately naive: a sorted list of leaves (iova, size,
 * pa, prot) and a sorted list of the regions covered by next-level tables,
 * updated one page-sized unit at a time by the rules io-pgtable promises:
 * a map refuses anything live in its range (checked per table page before
 * writing); an unmap takes what covers each unit, splitting a larger block
 * and dropping a table wholesale, and stops at the first unit with nothing
 * behind it (an empty table still counts, as in Linux).
 *
 * The seed is printed; IOPGTABLE_SEED=<n> replays a run.
 */
#include <string.h>

#include "hw/vmsa-walk.h"
#include "kernel/io-pgtable.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	(512ULL << 20)

struct leaf {
	u64 iova, size, pa;
	int prot;
};

struct region {
	u64 iova, span;
};

struct model {
	struct leaf *leaves;
	size_t nr_leaves, cap_leaves;
	struct region *tables;
	size_t nr_tables, cap_tables;
	/* Geometry: block size at each level from the start level down. */
	int start_level;
	u64 level_size[4];
	unsigned long splits;
};

struct rcfg {
	const char *name;
	enum io_pgtable_fmt fmt;
	unsigned long pgsizes;
	unsigned int ias, oas;
	unsigned int concat;	/* start tables the architecture requires */
};

static const struct rcfg configs[] = {
	{ "s1-4k", ARM_64_LPAE_S1, 0x40201000UL, 48, 48, 1 },
	{ "s1-16k", ARM_64_LPAE_S1, 0x2004000UL, 47, 48, 1 },
	{ "s1-64k", ARM_64_LPAE_S1, 0x20010000UL, 48, 48, 1 },
	{ "s2-4k", ARM_64_LPAE_S2, 0x40201000UL, 48, 48, 1 },
	/* 16K level 0 needs LPA2: two level-1 tables. */
	{ "s2-16k-concat", ARM_64_LPAE_S2, 0x2004000UL, 48, 48, 2 },
	{ "s2-64k", ARM_64_LPAE_S2, 0x20010000UL, 42, 44, 1 },
	/* 4K level 0 needs a 44-bit PA: two level-1 tables. */
	{ "s2-4k-concat", ARM_64_LPAE_S2, 0x40201000UL, 40, 40, 2 },
	/* The same IPA over a 48-bit PA may start at level 0: no concat. */
	{ "s2-4k-l0", ARM_64_LPAE_S2, 0x40201000UL, 40, 48, 1 },
};

static u64 rng_state;

static u64 rnd(void)
{
	/* splitmix64 */
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 rnd_below(u64 n)
{
	return n ? rnd() % n : 0;
}

/* ---- the model ---- */

/* First leaf with iova + size > a (the one that could contain a). */
static size_t leaf_search(const struct model *m, u64 a)
{
	size_t lo = 0, hi = m->nr_leaves;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->leaves[mid].iova + m->leaves[mid].size <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct leaf *leaf_at(struct model *m, u64 a)
{
	size_t i = leaf_search(m, a);

	if (i < m->nr_leaves && m->leaves[i].iova <= a)
		return &m->leaves[i];
	return NULL;
}

static bool live_in(struct model *m, u64 a, u64 size)
{
	size_t i = leaf_search(m, a);

	return i < m->nr_leaves && m->leaves[i].iova < a + size;
}

/* Replace leaves [i, i + del) by the n leaves in add. */
static void leaves_splice(struct model *m, size_t i, size_t del,
			  const struct leaf *add, size_t n)
{
	if (m->nr_leaves - del + n > m->cap_leaves) {
		m->cap_leaves = (m->nr_leaves - del + n) * 2 + 64;
		m->leaves = realloc(m->leaves, m->cap_leaves * sizeof(*add));
		REQUIRE(m->leaves);
	}
	memmove(&m->leaves[i + n], &m->leaves[i + del],
		(m->nr_leaves - i - del) * sizeof(*add));
	if (n)
		memcpy(&m->leaves[i], add, n * sizeof(*add));
	m->nr_leaves = m->nr_leaves - del + n;
}

static int region_cmp(u64 ia, u64 sa, u64 ib, u64 sb)
{
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;	/* larger first */
	return 0;
}

static size_t table_search(const struct model *m, u64 iova, u64 span)
{
	size_t lo = 0, hi = m->nr_tables;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (region_cmp(m->tables[mid].iova, m->tables[mid].span,
			       iova, span) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool table_exists(const struct model *m, u64 iova, u64 span)
{
	size_t i = table_search(m, iova, span);

	return i < m->nr_tables && m->tables[i].iova == iova &&
	       m->tables[i].span == span;
}

static void table_add(struct model *m, u64 iova, u64 span)
{
	size_t i = table_search(m, iova, span);

	if (i < m->nr_tables && m->tables[i].iova == iova &&
	    m->tables[i].span == span)
		return;
	if (m->nr_tables == m->cap_tables) {
		m->cap_tables = m->cap_tables * 2 + 64;
		m->tables = realloc(m->tables, m->cap_tables * sizeof(*m->tables));
		REQUIRE(m->tables);
	}
	memmove(&m->tables[i + 1], &m->tables[i],
		(m->nr_tables - i) * sizeof(*m->tables));
	m->tables[i] = (struct region){ iova, span };
	m->nr_tables++;
}

/* Drops every table and leaf lying inside [a, a + size). */
static void drop_inside(struct model *m, u64 a, u64 size)
{
	size_t i = leaf_search(m, a), j = i, w;

	while (j < m->nr_leaves && m->leaves[j].iova < a + size)
		j++;
	leaves_splice(m, i, j - i, NULL, 0);

	for (i = w = 0; i < m->nr_tables; i++) {
		const struct region *r = &m->tables[i];

		if (r->iova >= a && r->iova < a + size && r->span <= size)
			continue;
		m->tables[w++] = *r;
	}
	m->nr_tables = w;
}

static int level_of(const struct model *m, u64 size)
{
	for (int l = m->start_level; l < 4; l++)
		if (m->level_size[l] == size)
			return l;
	REQUIRE(0);
	return -1;
}

/*
 * Expected result of map_pages.  Units are grouped by the table page that
 * holds their entry; each group is refused whole or written whole, and
 * its walk creates the tables above it either way.
 */
static int model_map(struct model *m, u64 iova, u64 pa, u64 size, u64 count,
		     int prot, size_t *mapped)
{
	int lvl = level_of(m, size);
	/* A table page holds granule / 8 entries. */
	u64 group = m->level_size[3] / 8 * size;

	*mapped = 0;
	if (!(prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;
	while (count) {
		u64 end = min(ALIGN_DOWN(iova, group) + group, iova + count * size);
		u64 n = (end - iova) / size;

		/* The walk down to lvl, stopping at a block. */
		for (int l = m->start_level; l < lvl; l++) {
			u64 base = ALIGN_DOWN(iova, m->level_size[l]);
			struct leaf *b = leaf_at(m, iova);

			if (b && b->size == m->level_size[l])
				return -EEXIST;
			table_add(m, base, m->level_size[l]);
		}
		if (live_in(m, iova, n * size))
			return -EEXIST;
		for (u64 i = 0; i < n; i++) {
			u64 u = iova + i * size;
			struct leaf l = { u, size, pa + i * size, prot };

			if (table_exists(m, u, size))
				drop_inside(m, u, size);
			leaves_splice(m, leaf_search(m, u), 0, &l, 1);
		}
		*mapped += n * size;
		iova += n * size;
		pa += n * size;
		count -= n;
	}
	return 0;
}

/* Expected bytes unmapped for one unit, updating the model; 0 stops. */
static u64 model_unmap_unit(struct model *m, u64 u, u64 size)
{
	int lvl = level_of(m, size);

	for (int l = m->start_level; l < lvl; l++) {
		u64 span = m->level_size[l], base = ALIGN_DOWN(u, span);
		struct leaf *b = leaf_at(m, u);

		if (b && b->size == span) {
			/* Split: a table of next-level leaves replaces it. */
			u64 sub = m->level_size[l + 1], n = span / sub;
			struct leaf *pieces = malloc(n * sizeof(*pieces));
			size_t i = (size_t)(b - m->leaves);

			REQUIRE(pieces);
			for (u64 j = 0; j < n; j++)
				pieces[j] = (struct leaf){ base + j * sub, sub,
							   b->pa + j * sub, b->prot };
			leaves_splice(m, i, 1, pieces, n);
			free(pieces);
			table_add(m, base, span);
			m->splits++;
			continue;
		}
		if (!table_exists(m, base, span))
			return 0;
	}
	{
		struct leaf *b = leaf_at(m, u);

		if (b && b->iova == u && b->size == size) {
			leaves_splice(m, (size_t)(b - m->leaves), 1, NULL, 0);
			return size;
		}
	}
	if (table_exists(m, u, size)) {
		drop_inside(m, u, size);
		return size;
	}
	return 0;
}

/* ---- checking ---- */

static unsigned int ps_bits(unsigned int ps)
{
	static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return ps < 7 ? bits[ps] : 0;
}

static unsigned int tg_shift(unsigned int tg)
{
	return tg == 0 ? 12 : tg == 1 ? 16 : 14;
}

/* The walker's view of the registers; *n: concatenated start tables. */
static struct vmsa_walk_cfg hw_cfg(struct kernel *k, enum io_pgtable_fmt fmt,
				   const struct io_pgtable_cfg *cfg,
				   unsigned int *n)
{
	struct vmsa_walk_cfg w = { .fetch = vmsa_fetch_ram, .opaque = k->mem };

	if (fmt == ARM_64_LPAE_S1) {
		w.stage = 1;
		w.granule_shift = (u8)tg_shift(cfg->arm_lpae_s1_cfg.tcr.tg);
		w.ia_bits = (u8)(64 - cfg->arm_lpae_s1_cfg.tcr.tsz);
		w.oa_bits = (u8)ps_bits(cfg->arm_lpae_s1_cfg.tcr.ips);
		w.start_level = (s8)vmsa_s1_start_level(w.granule_shift, w.ia_bits);
		w.ttb = cfg->arm_lpae_s1_cfg.ttbr;
		*n = 1;
	} else {
		w.stage = 2;
		w.granule_shift = (u8)tg_shift(cfg->arm_lpae_s2_cfg.vtcr.tg);
		w.ia_bits = (u8)(64 - cfg->arm_lpae_s2_cfg.vtcr.tsz);
		w.oa_bits = (u8)ps_bits(cfg->arm_lpae_s2_cfg.vtcr.ps);
		w.start_level = (s8)vmsa_s2_start_level(w.granule_shift,
				cfg->arm_lpae_s2_cfg.vtcr.sl, w.ia_bits,
				w.oa_bits, n);
		w.ttb = cfg->arm_lpae_s2_cfg.vttbr;
	}
	REQUIRE(w.start_level >= 0);
	return w;
}

struct run {
	const struct rcfg *rc;
	struct io_pgtable_ops *ops;
	struct vmsa_walk_cfg w;
	struct model m;
	unsigned long op;
	int failures_before;
	unsigned long maps, eexist, unmaps, misses, splits;
};

/* The walker's decoding of a leaf matches the prot it was mapped with. */
static bool prot_matches(enum io_pgtable_fmt fmt, const struct vmsa_walk_result *r,
			 int prot)
{
	bool rd = prot & IOMMU_READ, wr = prot & IOMMU_WRITE;

	if (r->sh != ((prot & IOMMU_CACHE) ? 3 : 2) ||
	    r->xn != !!(prot & IOMMU_NOEXEC))
		return false;
	if (fmt == ARM_64_LPAE_S1)
		return r->ap == (((rd && !wr) ? 2 : 0) | ((prot & IOMMU_PRIV) ? 0 : 1)) &&
		       r->attr == ((prot & IOMMU_MMIO) ? 2 : (prot & IOMMU_CACHE) ? 1 : 0);
	return r->ap == ((rd ? 1 : 0) | (wr ? 2 : 0)) &&
	       r->attr == ((prot & IOMMU_MMIO) ? 1 : (prot & IOMMU_CACHE) ? 0xf : 5);
}

static void probe(struct run *run, u64 a)
{
	struct leaf *l = leaf_at(&run->m, a);
	u64 want = l ? l->pa + (a - l->iova) : 0;
	u64 got = run->ops->iova_to_phys(run->ops, (unsigned long)a);
	struct vmsa_walk_result r;
	struct vmsa_fault f;
	int ret = vmsa_walk(&run->w, a, &r, &f);

	CHECK_EQ(got, want);
	if (l) {
		CHECK_EQ(ret, 0);
		if (!ret) {
			CHECK_EQ(r.oa, want);
			CHECK_EQ(1ULL << r.size_shift, l->size);
			CHECK(prot_matches(run->rc->fmt, &r, l->prot));
		}
	} else {
		CHECK_EQ(ret, -1);
		if (ret)
			CHECK_EQ(f.type, VMSA_F_TRANSLATION);
	}
	if (test_failures != run->failures_before) {
		fprintf(stderr, "  %s op %lu probe 0x%llx\n", run->rc->name,
			run->op, (unsigned long long)a);
		run->failures_before = test_failures;
	}
}

static void run_config(struct kernel *k, const struct rcfg *rc, unsigned int nr_ops)
{
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap = rc->pgsizes, .ias = rc->ias, .oas = rc->oas,
		.coherent_walk = true, .k = k,
	};
	struct iommu_iotlb_gather gather;
	struct run run = { .rc = rc, .failures_before = test_failures };
	u64 sizes[3], window, wbase, pa_limit;
	unsigned int nr_concat = 0;
	int nr_sizes = 0, g;

	run.ops = alloc_io_pgtable_ops(rc->fmt, &cfg, NULL);
	REQUIRE(run.ops);
	run.w = hw_cfg(k, rc->fmt, &cfg, &nr_concat);
	CHECK_EQ(nr_concat, rc->concat);
	g = run.w.granule_shift;
	run.m.start_level = run.w.start_level;
	for (int l = 0; l < 4; l++)
		run.m.level_size[l] = 1ULL << (g + (3 - l) * (g - 3));
	for (int b = 0; b < 64; b++)
		if (cfg.pgsize_bitmap & (1UL << b))
			sizes[nr_sizes++] = 1ULL << b;
	/* A window of four largest blocks, centred on the middle of the
	 * input space: it straddles start-level entries, and for a
	 * concatenated stage 2 the two start tables. */
	window = 4 * sizes[nr_sizes - 1];
	wbase = (1ULL << (rc->ias - 1)) - window / 2;
	pa_limit = 1ULL << min(rc->oas, 40u);
	iommu_iotlb_gather_init(&gather);

	for (run.op = 0; run.op < nr_ops; run.op++) {
		u64 w = rnd_below(100), size, count, iova, pa;
		int si = w < 65 ? 0 : w < 93 ? 1 : nr_sizes - 1;
		int prot = (int)rnd_below(IOMMU_PROT_MASK + 1);

		size = sizes[si];
		count = si == 0 ? 1 + rnd_below(rnd_below(4) ? 8 : 1100) :
			1 + rnd_below(si == 1 ? 4 : 2);
		count = min(count, window / size);
		/* Half the time, aim at something already mapped. */
		if (run.m.nr_leaves && rnd_below(2)) {
			struct leaf *l = &run.m.leaves[rnd_below(run.m.nr_leaves)];

			iova = ALIGN_DOWN(l->iova + rnd_below(l->size), size);
		} else {
			iova = wbase + rnd_below(window / size) * size;
		}
		if (iova < wbase)
			iova = wbase;
		if (iova + count * size > wbase + window)
			count = (wbase + window - iova) / size;
		if (!count)
			continue;

		if (rnd_below(100) < 55) {
			size_t mapped = 0, want_mapped;
			int ret, want;

			pa = (1ULL << 32) +
			     rnd_below((pa_limit - (1ULL << 33)) / size) * size;
			want = model_map(&run.m, iova, pa, size, count, prot,
					 &want_mapped);
			ret = run.ops->map_pages(run.ops, (unsigned long)iova, pa,
						 size, count, prot, &mapped);
			CHECK_EQ(ret, want);
			CHECK_EQ(mapped, want_mapped);
			run.maps += ret == 0 && want_mapped;
			run.eexist += ret == -EEXIST;
		} else {
			u64 want = 0, got, c;

			for (c = 0; c < count; c++) {
				u64 n = model_unmap_unit(&run.m, iova + c * size, size);

				if (!n)
					break;
				want += n;
			}
			got = run.ops->unmap_pages(run.ops, (unsigned long)iova,
						   size, count, &gather);
			CHECK_EQ(got, want);
			run.unmaps += got != 0;
			run.misses += got == 0;
		}
		if (test_failures != run.failures_before) {
			fprintf(stderr, "  %s op %lu: iova 0x%llx size 0x%llx count %llu\n",
				rc->name, run.op, (unsigned long long)iova,
				(unsigned long long)size, (unsigned long long)count);
			run.failures_before = test_failures;
		}
		/* Probes: the range's edges, just outside, and at random. */
		probe(&run, iova);
		probe(&run, iova + count * size - 1);
		if (iova > wbase)
			probe(&run, iova - 1);
		probe(&run, iova + count * size);
		for (int i = 0; i < 4; i++)
			probe(&run, wbase + rnd_below(window));
		if (run.m.nr_leaves) {
			struct leaf *l = &run.m.leaves[rnd_below(run.m.nr_leaves)];

			probe(&run, l->iova + rnd_below(l->size));
		}
		if (test_failures > 20)
			break;
	}
	/* Finally every leaf, first and last byte. */
	for (size_t i = 0; i < run.m.nr_leaves && test_failures <= 20; i++) {
		probe(&run, run.m.leaves[i].iova);
		probe(&run, run.m.leaves[i].iova + run.m.leaves[i].size - 1);
	}
	printf("%s: %u ops: %lu maps, %lu -EEXIST, %lu unmaps, %lu empty "
	       "unmaps, %lu splits; %zu leaves, %zu tables at the end\n",
	       rc->name, nr_ops, run.maps, run.eexist, run.unmaps, run.misses,
	       run.m.splits, run.m.nr_leaves, run.m.nr_tables);
	free_io_pgtable_ops(run.ops);
	CHECK_EQ(page_alloc_used_bytes(k->pages), 0);
	free(run.m.leaves);
	free(run.m.tables);
}

int main(void)
{
	const char *env = getenv("IOPGTABLE_SEED");
	unsigned int nr_ops = 3000;
	struct phys_mem *mem = phys_mem_create();
	struct kernel *k;
	u64 seed = env ? strtoull(env, NULL, 0) : 0x10a9e7ab1eULL;

	if (getenv("IOPGTABLE_OPS"))
		nr_ops = (unsigned int)strtoul(getenv("IOPGTABLE_OPS"), NULL, 0);
	printf("seed=0x%llx (IOPGTABLE_SEED to replay)\n",
	       (unsigned long long)seed);
	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, RAM_BASE, RAM_SIZE, "ram") == 0);
	k = kernel_create("host", mem, RAM_BASE, RAM_SIZE);
	REQUIRE(k);

	for (unsigned int i = 0; i < ARRAY_SIZE(configs); i++) {
		rng_state = seed + i;
		run_config(k, &configs[i], nr_ops);
	}

	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
