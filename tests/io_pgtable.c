// SPDX-License-Identifier: MIT
/*
 * kernel/io-pgtable-arm: configurations and register values, every error
 * path, the prot -> descriptor mapping of each stage (read back through
 * the independent hw walker), blocks at every legal level, block
 * splitting, table freeing, TLB callbacks, and -ENOMEM without leaks.
 */
#include <pthread.h>
#include <string.h>

#include "hw/vmsa-walk.h"
#include "kernel/io-pgtable.h"
#include "tests/test.h"

#define RAM_BASE	0x40000000ULL
#define SZ_4K		0x1000UL
#define SZ_16K		0x4000UL
#define SZ_64K		0x10000UL
#define SZ_2M		0x200000UL
#define SZ_32M		0x2000000UL
#define SZ_512M		0x20000000UL
#define SZ_1G		0x40000000UL

static struct kernel *k;

/* TLB callbacks record into the cookie. */
struct tlb_rec {
	char what;		/* 'w' flush_walk, 'p' add_page */
	unsigned long iova;
	size_t size, granule;
};

struct tlb_log {
	int n;
	struct tlb_rec rec[64];
};

static void tlb_flush_all(void *cookie)
{
	(void)cookie;
}

static void tlb_flush_walk(unsigned long iova, size_t size, size_t granule,
			   void *cookie)
{
	struct tlb_log *log = cookie;

	if (log->n < 64)
		log->rec[log->n] = (struct tlb_rec){ 'w', iova, size, granule };
	log->n++;
}

static void tlb_add_page(struct iommu_iotlb_gather *gather, unsigned long iova,
			 size_t granule, void *cookie)
{
	struct tlb_log *log = cookie;

	(void)gather;
	if (log->n < 64)
		log->rec[log->n] = (struct tlb_rec){ 'p', iova, granule, 0 };
	log->n++;
}

static const struct iommu_flush_ops tlb_ops = {
	.tlb_flush_all = tlb_flush_all,
	.tlb_flush_walk = tlb_flush_walk,
	.tlb_add_page = tlb_add_page,
};

static struct tlb_log tlog;

static struct io_pgtable_ops *make(enum io_pgtable_fmt fmt, unsigned long pgsizes,
				   unsigned int ias, unsigned int oas,
				   struct io_pgtable_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pgsize_bitmap = pgsizes;
	cfg->ias = ias;
	cfg->oas = oas;
	cfg->coherent_walk = true;
	cfg->tlb = &tlb_ops;
	cfg->k = k;
	return alloc_io_pgtable_ops(fmt, cfg, &tlog);
}

static unsigned int ps_bits(unsigned int ps)
{
	static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	return ps < 7 ? bits[ps] : 0;
}

static unsigned int tg_shift(unsigned int tg)
{
	return tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0;
}

/*
 * The walker's view of a table, decoded from the register values alone,
 * as an SMMU would from a CD or STE.
 */
static struct vmsa_walk_cfg hw_cfg(enum io_pgtable_fmt fmt,
				   const struct io_pgtable_cfg *cfg)
{
	struct vmsa_walk_cfg w = { .fetch = vmsa_fetch_ram, .opaque = k->mem };

	if (fmt == ARM_64_LPAE_S1) {
		w.stage = 1;
		w.granule_shift = (u8)tg_shift(cfg->arm_lpae_s1_cfg.tcr.tg);
		w.ia_bits = (u8)(64 - cfg->arm_lpae_s1_cfg.tcr.tsz);
		w.oa_bits = (u8)ps_bits(cfg->arm_lpae_s1_cfg.tcr.ips);
		w.start_level = (s8)vmsa_s1_start_level(w.granule_shift, w.ia_bits);
		w.ttb = cfg->arm_lpae_s1_cfg.ttbr;
	} else {
		unsigned int n;

		w.stage = 2;
		w.granule_shift = (u8)tg_shift(cfg->arm_lpae_s2_cfg.vtcr.tg);
		w.ia_bits = (u8)(64 - cfg->arm_lpae_s2_cfg.vtcr.tsz);
		w.oa_bits = (u8)ps_bits(cfg->arm_lpae_s2_cfg.vtcr.ps);
		w.start_level = (s8)vmsa_s2_start_level(w.granule_shift,
				cfg->arm_lpae_s2_cfg.vtcr.sl, w.ia_bits,
				w.oa_bits, &n);
		w.ttb = cfg->arm_lpae_s2_cfg.vttbr;
	}
	CHECK(w.start_level >= 0);
	return w;
}

static u64 used(void)
{
	return page_alloc_used_bytes(k->pages);
}

static int map1(struct io_pgtable_ops *ops, unsigned long iova, phys_addr_t pa,
		size_t pgsize, size_t count, int prot)
{
	size_t mapped = 0;
	int ret = ops->map_pages(ops, iova, pa, pgsize, count, prot, &mapped);

	if (!ret && (prot & (IOMMU_READ | IOMMU_WRITE)))
		CHECK_EQ(mapped, pgsize * count);
	return ret;
}

static void test_alloc_and_registers(void)
{
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops;

	/* Refused configurations. */
	CHECK(make(IO_PGTABLE_NUM_FMTS, SZ_4K, 48, 48, &cfg) == NULL);
	CHECK(make(ARM_64_LPAE_S1, 0x800, 48, 48, &cfg) == NULL);
	CHECK(make(ARM_64_LPAE_S1, SZ_2M, 48, 48, &cfg) == NULL);
	CHECK(make(ARM_64_LPAE_S1, SZ_4K, 48, 39, &cfg) == NULL);
	CHECK(make(ARM_64_LPAE_S1, SZ_4K, 12, 48, &cfg) == NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.pgsize_bitmap = SZ_4K;
	cfg.ias = cfg.oas = 48;
	CHECK(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL) == NULL); /* no k */
	cfg.k = k;
	cfg.quirks = 1UL << 5;
	CHECK(alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL) == NULL);
	cfg.quirks = IO_PGTABLE_QUIRK_ARM_NS;
	CHECK(alloc_io_pgtable_ops(ARM_64_LPAE_S2, &cfg, NULL) == NULL);
	CHECK_EQ(used(), 0);

	/* S1 4K: granule trims the bitmap; TCR/MAIR as Linux writes them. */
	ops = make(ARM_64_LPAE_S1, SZ_4K | SZ_16K | SZ_64K | SZ_2M | SZ_32M | SZ_1G,
		   48, 48, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.pgsize_bitmap, SZ_4K | SZ_2M | SZ_1G);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.tg, 0);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.sh, 3);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.irgn, 1);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.orgn, 1);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.ips, 5);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.tsz, 16);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.mair, 0xf404ff44ULL);
	CHECK(cfg.arm_lpae_s1_cfg.ttbr && !(cfg.arm_lpae_s1_cfg.ttbr & 0xfff));
	CHECK_EQ(io_pgtable_ops_to_pgtable(ops)->cfg.arm_lpae_s1_cfg.ttbr,
		 cfg.arm_lpae_s1_cfg.ttbr);
	CHECK_EQ(io_pgtable_ops_to_pgtable(ops)->fmt, ARM_64_LPAE_S1);
	CHECK_EQ(used(), SZ_4K);
	free_io_pgtable_ops(ops);
	CHECK_EQ(used(), 0);

	/* Granule choice: 4K absent -> the smallest larger size. */
	ops = make(ARM_64_LPAE_S1, SZ_16K | SZ_64K | SZ_32M | SZ_512M, 52, 52, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.pgsize_bitmap, SZ_16K | SZ_32M);
	CHECK_EQ(cfg.ias, 48);		/* clamped */
	CHECK_EQ(cfg.oas, 48);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.tg, 2);
	free_io_pgtable_ops(ops);
	cfg.coherent_walk = false;
	ops = make(ARM_64_LPAE_S1, SZ_64K | SZ_512M | (1UL << 42), 52, 52, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.pgsize_bitmap, SZ_64K | SZ_512M | (1UL << 42));
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.tg, 1);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.ips, 6);
	free_io_pgtable_ops(ops);
	memset(&cfg, 0, sizeof(cfg));
	cfg.pgsize_bitmap = SZ_64K | SZ_512M | (1UL << 42);
	cfg.ias = 48;
	cfg.oas = 48;
	cfg.k = k;
	ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL);
	REQUIRE(ops);
	CHECK_EQ(cfg.pgsize_bitmap, SZ_64K | SZ_512M);	/* no 4TB below 52 bits */
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.sh, 2);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.irgn, 0);
	CHECK_EQ(cfg.arm_lpae_s1_cfg.tcr.orgn, 0);
	free_io_pgtable_ops(ops);

	/* S2 4K, 40 bits: two concatenated L1 tables, SL0 = 1. */
	ops = make(ARM_64_LPAE_S2, SZ_4K | SZ_2M | SZ_1G, 40, 40, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 1);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.tsz, 24);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.ps, 2);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.tg, 0);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sh, 3);
	CHECK(!(cfg.arm_lpae_s2_cfg.vttbr & 0x1fff));
	CHECK_EQ(used(), 2 * SZ_4K);
	free_io_pgtable_ops(ops);
	/* S2 4K, 48 bits: a full L0 table, no concatenation. */
	ops = make(ARM_64_LPAE_S2, SZ_4K, 48, 48, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 2);
	free_io_pgtable_ops(ops);
	/* 4K with a 40-bit PA cannot start at level 0: 16 tables at most. */
	CHECK(make(ARM_64_LPAE_S2, SZ_4K, 44, 40, &cfg) == NULL);
	CHECK_EQ(used(), 0);
	/*
	 * Concatenation only where it is mandatory, as Linux since 6.14: a
	 * 48-bit PA lets a 40-bit IPA start at level 0 (a 2-entry pgd), a
	 * 44-bit one too (level 0 needs PA >= 44 bits with 4K).
	 */
	ops = make(ARM_64_LPAE_S2, SZ_4K | SZ_2M | SZ_1G, 40, 48, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 2);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.tsz, 24);
	CHECK_EQ(used(), SZ_4K);
	free_io_pgtable_ops(ops);
	ops = make(ARM_64_LPAE_S2, SZ_4K, 43, 44, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 2);
	free_io_pgtable_ops(ops);
	/* ... and below a 44-bit PA level 0 is out: 8 tables at level 1. */
	ops = make(ARM_64_LPAE_S2, SZ_4K, 42, 42, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 1);
	CHECK_EQ(used(), 8 * SZ_4K);
	free_io_pgtable_ops(ops);
	/* 16K at level 0 needs LPA2: 2 tables at level 1 (48-bit IPA). */
	ops = make(ARM_64_LPAE_S2, SZ_16K, 48, 48, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 2);
	CHECK_EQ(used(), 2 * SZ_16K);
	free_io_pgtable_ops(ops);
	/* 16K below a 42-bit PA cannot start at level 1: 16 tables at 2. */
	ops = make(ARM_64_LPAE_S2, SZ_16K, 40, 40, &cfg);
	REQUIRE(ops);
	CHECK_EQ(cfg.arm_lpae_s2_cfg.vtcr.sl, 1);
	CHECK_EQ(used(), 16 * SZ_16K);
	free_io_pgtable_ops(ops);
	/* Where one level down is forbidden too, or needs > 16 tables: none. */
	CHECK(make(ARM_64_LPAE_S2, SZ_16K, 48, 40, &cfg) == NULL);
	CHECK(make(ARM_64_LPAE_S2, SZ_16K, 41, 40, &cfg) == NULL);
	CHECK_EQ(used(), 0);
}

/*
 * Every (granule, ias, oas) stage-2 configuration the format accepts must
 * be one the walker calls legal, with the same start level and pgd size.
 */
static void test_s2_configs_are_legal(void)
{
	static const unsigned long granules[] = { SZ_4K, SZ_16K, SZ_64K };
	static const unsigned int oases[] = { 32, 36, 40, 42, 44, 48 };
	int accepted = 0;

	for (unsigned int gi = 0; gi < 3; gi++) {
		for (unsigned int oi = 0; oi < ARRAY_SIZE(oases); oi++) {
			for (unsigned int ias = 25; ias <= 48; ias++) {
				struct io_pgtable_cfg cfg;
				struct io_pgtable_ops *ops;
				struct vmsa_walk_cfg w;
				unsigned int n = 0, g;
				int lvl;
				u64 before = used();

				ops = make(ARM_64_LPAE_S2, granules[gi], ias,
					   oases[oi], &cfg);
				if (!ops)
					continue;
				accepted++;
				w = hw_cfg(ARM_64_LPAE_S2, &cfg);
				g = w.granule_shift;
				lvl = vmsa_s2_start_level(g, cfg.arm_lpae_s2_cfg.vtcr.sl,
							  ias, oases[oi], &n);
				if (lvl < 0)
					fprintf(stderr, "illegal S2: g %u ias %u oas %u sl %u\n",
						g, ias, oases[oi],
						cfg.arm_lpae_s2_cfg.vtcr.sl);
				CHECK(lvl >= 0);
				/* The pgd occupies what the walker will index. */
				CHECK_EQ(used() - before,
					 max_t(u64, vmsa_start_table_size(g, ias, lvl),
					       SZ_4K));
				free_io_pgtable_ops(ops);
			}
		}
	}
	CHECK(accepted > 300);
}

static void test_errors(void)
{
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops = make(ARM_64_LPAE_S1, SZ_4K | SZ_2M | SZ_1G,
					  39, 40, &cfg);
	struct iommu_iotlb_gather gather;
	size_t mapped;
	int rw = IOMMU_READ | IOMMU_WRITE;

	REQUIRE(ops);
	iommu_iotlb_gather_init(&gather);
	/* Bad page sizes, prot bits. */
	CHECK_EQ(map1(ops, 0, RAM_BASE, 0, 1, rw), -EINVAL);
	CHECK_EQ(map1(ops, 0, RAM_BASE, 0x2000, 1, rw), -EINVAL);
	CHECK_EQ(map1(ops, 0, RAM_BASE, SZ_16K, 1, rw), -EINVAL);
	CHECK_EQ(map1(ops, 0, RAM_BASE, SZ_4K | SZ_2M, 1, rw), -EINVAL);
	CHECK_EQ(map1(ops, 0, RAM_BASE, SZ_4K, 1, rw | (1 << 6)), -EINVAL);
	/* Misaligned. */
	CHECK_EQ(map1(ops, 0x800, RAM_BASE, SZ_4K, 1, rw), -EINVAL);
	CHECK_EQ(map1(ops, 0x1000, RAM_BASE + 8, SZ_4K, 1, rw), -EINVAL);
	CHECK_EQ(map1(ops, 0x1000, RAM_BASE, SZ_2M, 1, rw), -EINVAL);
	/* Out of range: iova past ias, the end past it, paddr past oas. */
	CHECK_EQ(map1(ops, 1UL << 39, RAM_BASE, SZ_4K, 1, rw), -ERANGE);
	CHECK_EQ(map1(ops, (1UL << 39) - SZ_4K, RAM_BASE, SZ_4K, 2, rw), -ERANGE);
	CHECK_EQ(map1(ops, 0, 1ULL << 40, SZ_4K, 1, rw), -ERANGE);
	CHECK_EQ(map1(ops, 0, (1ULL << 40) - SZ_4K, SZ_4K, 2, rw), -ERANGE);
	CHECK_EQ(map1(ops, 0, RAM_BASE, SZ_4K, ~0UL / 2, rw), -ERANGE);
	CHECK_EQ(used(), SZ_4K);	/* nothing allocated by the refusals */
	/* No access: nothing mapped, success. */
	mapped = 0;
	CHECK_EQ(ops->map_pages(ops, 0, RAM_BASE, SZ_4K, 1, 0, &mapped), 0);
	CHECK_EQ(ops->map_pages(ops, 0, RAM_BASE, SZ_4K, 1,
				IOMMU_CACHE | IOMMU_NOEXEC, &mapped), 0);
	CHECK_EQ(mapped, 0);
	CHECK_EQ(ops->iova_to_phys(ops, 0), 0);
	CHECK_EQ(used(), SZ_4K);

	/* The last page of the input range maps. */
	CHECK_EQ(map1(ops, (1UL << 39) - SZ_4K, (1ULL << 40) - SZ_4K, SZ_4K, 1, rw), 0);
	CHECK_EQ(ops->iova_to_phys(ops, (1UL << 39) - 1), (1ULL << 40) - 1);
	CHECK_EQ(ops->iova_to_phys(ops, 1UL << 39), 0);
	CHECK_EQ(ops->iova_to_phys(ops, ~0UL), 0);

	/* -EEXIST: same page, a page inside a block, a block over pages. */
	CHECK_EQ(map1(ops, 0x200000, RAM_BASE, SZ_4K, 1, rw), 0);
	CHECK_EQ(map1(ops, 0x200000, RAM_BASE, SZ_4K, 1, rw), -EEXIST);
	CHECK_EQ(map1(ops, 0x200000, RAM_BASE, SZ_2M, 1, rw), -EEXIST);
	CHECK_EQ(map1(ops, 0, RAM_BASE, SZ_1G, 1, rw), -EEXIST);
	CHECK_EQ(map1(ops, 0x40000000, RAM_BASE, SZ_2M, 1, rw), 0);
	CHECK_EQ(map1(ops, 0x40001000, RAM_BASE, SZ_4K, 1, rw), -EEXIST);
	CHECK_EQ(map1(ops, 0x40000000, RAM_BASE, SZ_1G, 1, rw), -EEXIST);
	/* Nothing of a refused multi-page map is written in one table ... */
	CHECK_EQ(map1(ops, 0x202000, RAM_BASE, SZ_4K, 1, rw), 0);
	mapped = 0;
	CHECK_EQ(ops->map_pages(ops, 0x201000, RAM_BASE, SZ_4K, 3, rw, &mapped),
		 -EEXIST);
	CHECK_EQ(mapped, 0);
	CHECK_EQ(ops->iova_to_phys(ops, 0x201000), 0);
	CHECK_EQ(ops->iova_to_phys(ops, 0x203000), 0);
	/* ... but what went into the tables before it counts. */
	mapped = 0;
	CHECK_EQ(ops->map_pages(ops, 0x1ff000, RAM_BASE, SZ_4K, 2, rw, &mapped),
		 -EEXIST);
	CHECK_EQ(mapped, SZ_4K);
	CHECK_EQ(ops->iova_to_phys(ops, 0x1ff000), RAM_BASE);

	/* Unmapping nothing, or with bad arguments, returns 0. */
	CHECK_EQ(ops->unmap_pages(ops, 0x80000000, SZ_4K, 1, &gather), 0);
	CHECK_EQ(ops->unmap_pages(ops, 0x201000, SZ_4K, 1, &gather), 0);
	CHECK_EQ(ops->unmap_pages(ops, 0x200000, 0x2000, 1, &gather), 0);
	CHECK_EQ(ops->unmap_pages(ops, 0x200000, SZ_4K, 0, &gather), 0);
	CHECK_EQ(ops->unmap_pages(ops, 0x200800, SZ_4K, 1, &gather), 0);
	CHECK_EQ(ops->unmap_pages(ops, 1UL << 39, SZ_4K, 1, &gather), 0);
	CHECK_EQ(ops->iova_to_phys(ops, 0x200000), RAM_BASE);
	/* Unmap stops at the first hole. */
	CHECK_EQ(ops->unmap_pages(ops, 0x1ff000, SZ_4K, 4, &gather), 2 * SZ_4K);
	CHECK_EQ(ops->iova_to_phys(ops, 0x200000), 0);
	free_io_pgtable_ops(ops);
	CHECK_EQ(used(), 0);
}

/* Expected descriptor properties of each prot, decoded by the walker. */
static void check_prot(enum io_pgtable_fmt fmt, const struct vmsa_walk_result *r,
		       int prot)
{
	bool rd = prot & IOMMU_READ, wr = prot & IOMMU_WRITE;
	struct vmsa_fault f;

	CHECK_EQ(r->sh, (prot & IOMMU_CACHE) ? 3 : 2);
	CHECK_EQ(r->xn, !!(prot & IOMMU_NOEXEC));
	CHECK(r->desc & BIT_ULL(10));			/* AF */
	if (fmt == ARM_64_LPAE_S1) {
		CHECK_EQ((r->ap >> 1) & 1, rd && !wr);		/* AP[2] */
		CHECK_EQ(r->ap & 1, !(prot & IOMMU_PRIV));	/* AP[1] */
		CHECK_EQ(r->attr, (prot & IOMMU_MMIO) ? 2 :
				  (prot & IOMMU_CACHE) ? 1 : 0);
		CHECK_EQ(r->pxn, !!(prot & IOMMU_NOEXEC));
		CHECK(r->ng && !r->ns);
		/* What a device sees. */
		unsigned int p = (prot & IOMMU_PRIV) ? VMSA_ACC_PRIV : 0;

		CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_READ | p, &f), 0);
		CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_WRITE | p, &f) == 0,
			 wr || !rd);
		if (!(prot & IOMMU_PRIV))
			CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_READ, &f), 0);
		else
			CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_READ, &f), -1);
	} else {
		CHECK_EQ(r->ap, (rd ? 1 : 0) | (wr ? 2 : 0));
		CHECK_EQ(r->attr, (prot & IOMMU_MMIO) ? 0x1 :
				  (prot & IOMMU_CACHE) ? 0xf : 0x5);
		CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_READ, &f) == 0, rd);
		CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_WRITE, &f) == 0, wr);
		CHECK_EQ(vmsa_check_perm(r, VMSA_ACC_EXEC, &f) == 0,
			 !(prot & IOMMU_NOEXEC));
	}
}

static void test_prot_bits(void)
{
	for (int fmt = 0; fmt < IO_PGTABLE_NUM_FMTS; fmt++) {
		struct io_pgtable_cfg cfg;
		struct io_pgtable_ops *ops = make(fmt, SZ_4K | SZ_2M | SZ_1G,
						  40, 40, &cfg);
		struct vmsa_walk_cfg w;

		REQUIRE(ops);
		w = hw_cfg(fmt, &cfg);
		for (int prot = 0; prot <= IOMMU_PROT_MASK; prot++) {
			unsigned long iova = (unsigned long)prot * SZ_2M;
			struct vmsa_walk_result r;
			struct vmsa_fault f;

			/* A page and a block of each prot. */
			CHECK_EQ(map1(ops, iova, RAM_BASE + iova, SZ_4K, 1, prot), 0);
			CHECK_EQ(map1(ops, iova + SZ_1G, RAM_BASE, SZ_2M, 1, prot), 0);
			if (!(prot & (IOMMU_READ | IOMMU_WRITE))) {
				CHECK_EQ(vmsa_walk(&w, iova, &r, &f), -1);
				CHECK_EQ(f.type, VMSA_F_TRANSLATION);
				CHECK_EQ(vmsa_walk(&w, iova + SZ_1G, &r, &f), -1);
				continue;
			}
			REQUIRE(vmsa_walk(&w, iova + 0x123, &r, &f) == 0);
			CHECK_EQ(r.oa, RAM_BASE + iova + 0x123);
			CHECK_EQ(r.level, 3);
			check_prot(fmt, &r, prot);
			REQUIRE(vmsa_walk(&w, iova + SZ_1G + 0x1234, &r, &f) == 0);
			CHECK_EQ(r.oa, RAM_BASE + 0x1234);
			CHECK_EQ(r.level, 2);
			check_prot(fmt, &r, prot);
		}
		free_io_pgtable_ops(ops);
	}
	/* The NS quirk sets NS in leaves and NSTable in tables. */
	{
		struct io_pgtable_cfg cfg;
		struct io_pgtable_ops *ops;
		struct vmsa_walk_result r;
		struct vmsa_fault f;
		struct vmsa_walk_cfg w;

		memset(&cfg, 0, sizeof(cfg));
		cfg.pgsize_bitmap = SZ_4K;
		cfg.ias = 32;
		cfg.oas = 40;
		cfg.k = k;
		cfg.quirks = IO_PGTABLE_QUIRK_ARM_NS;
		ops = alloc_io_pgtable_ops(ARM_64_LPAE_S1, &cfg, NULL);
		REQUIRE(ops);
		w = hw_cfg(ARM_64_LPAE_S1, &cfg);
		CHECK_EQ(map1(ops, 0x5000, RAM_BASE, SZ_4K, 1, IOMMU_READ), 0);
		REQUIRE(vmsa_walk(&w, 0x5000, &r, &f) == 0);
		CHECK(r.ns);
		u64 *pgd = phys_to_virt(k, cfg.arm_lpae_s1_cfg.ttbr, 8);

		CHECK(pgd[0] & BIT_ULL(63));
		free_io_pgtable_ops(ops);
	}
	CHECK_EQ(used(), 0);
}

struct gran {
	unsigned long pgsizes;
	unsigned int ias, oas;
	unsigned long sizes[3];
	int levels[3];
};

/* Blocks at each legal level for every granule, both stages. */
static void test_blocks(void)
{
	static const struct gran grans[] = {
		{ SZ_4K | SZ_2M | SZ_1G, 48, 48, { SZ_4K, SZ_2M, SZ_1G }, { 3, 2, 1 } },
		{ SZ_16K | SZ_32M, 48, 48, { SZ_16K, SZ_32M, 0 }, { 3, 2, 0 } },
		{ SZ_64K | SZ_512M, 48, 48, { SZ_64K, SZ_512M, 0 }, { 3, 2, 0 } },
		{ SZ_64K | SZ_512M | (1UL << 42), 52, 52,
		  { SZ_64K, SZ_512M, 1UL << 42 }, { 3, 2, 1 } },
	};

	for (int fmt = 0; fmt < IO_PGTABLE_NUM_FMTS; fmt++) {
		for (unsigned int gi = 0; gi < ARRAY_SIZE(grans); gi++) {
			const struct gran *g = &grans[gi];
			struct io_pgtable_cfg cfg;
			struct io_pgtable_ops *ops = make(fmt, g->pgsizes, g->ias,
							  g->oas, &cfg);
			struct vmsa_walk_cfg w;

			REQUIRE(ops);
			CHECK_EQ(cfg.pgsize_bitmap, g->pgsizes);
			w = hw_cfg(fmt, &cfg);
			for (int s = 0; s < 3 && g->sizes[s]; s++) {
				unsigned long sz = g->sizes[s];
				unsigned long iova = sz * 3;
				/* A high PA exercises 52-bit encoding with 64K. */
				phys_addr_t pa = (g->oas > 48 ? (0xaULL << 48) : 0) + sz * 5;
				struct vmsa_walk_result r;
				struct vmsa_fault f;

				CHECK_EQ(map1(ops, iova, pa, sz, 1, IOMMU_READ), 0);
				CHECK_EQ(ops->iova_to_phys(ops, iova + sz - 8), pa + sz - 8);
				REQUIRE(vmsa_walk(&w, iova + sz - 8, &r, &f) == 0);
				CHECK_EQ(r.oa, pa + sz - 8);
				CHECK_EQ(r.level, g->levels[s]);
				CHECK_EQ(1ULL << r.size_shift, sz);
				CHECK_EQ(ops->unmap_pages(ops, iova, sz, 1, NULL), sz);
				CHECK_EQ(ops->iova_to_phys(ops, iova), 0);
				CHECK_EQ(vmsa_walk(&w, iova, &r, &f), -1);
			}
			free_io_pgtable_ops(ops);
		}
	}
	CHECK_EQ(used(), 0);
}

static void test_split_and_tlb(void)
{
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops = make(ARM_64_LPAE_S1, SZ_4K | SZ_2M | SZ_1G,
					  48, 48, &cfg);
	struct vmsa_walk_cfg w = hw_cfg(ARM_64_LPAE_S1, &cfg);
	struct iommu_iotlb_gather gather;
	struct vmsa_walk_result r, blk;
	struct vmsa_fault f;
	const int prot = IOMMU_READ | IOMMU_CACHE | IOMMU_NOEXEC;
	u64 base_used;

	REQUIRE(ops);
	iommu_iotlb_gather_init(&gather);
	/* A 1G block split by unmapping one page in its middle. */
	CHECK_EQ(map1(ops, SZ_1G, 0x80000000, SZ_1G, 1, prot), 0);
	REQUIRE(vmsa_walk(&w, SZ_1G, &blk, &f) == 0);
	base_used = used();
	tlog.n = 0;
	CHECK_EQ(ops->unmap_pages(ops, SZ_1G + 0x12345000, SZ_4K, 1, &gather), SZ_4K);
	CHECK_EQ(tlog.n, 1);
	CHECK(tlog.rec[0].what == 'p' && tlog.rec[0].iova == SZ_1G + 0x12345000 &&
	      tlog.rec[0].size == SZ_4K);
	CHECK_EQ(used(), base_used + 2 * SZ_4K);	/* an L2 and an L3 table */
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 0x12345000), 0);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 0x12346abc), 0x92346abcULL);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 0x12344abc), 0x92344abcULL);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G), 0x80000000ULL);
	CHECK_EQ(ops->iova_to_phys(ops, 2 * SZ_1G - 1), 0xbfffffffULL);
	/* The pieces keep the block's attributes. */
	REQUIRE(vmsa_walk(&w, SZ_1G + 0x12346000, &r, &f) == 0);
	CHECK_EQ(r.level, 3);
	CHECK_EQ(r.desc & ~GENMASK_ULL(47, 0), blk.desc & ~GENMASK_ULL(47, 0));
	CHECK_EQ(r.desc & GENMASK_ULL(11, 2), blk.desc & GENMASK_ULL(11, 2));
	REQUIRE(vmsa_walk(&w, SZ_1G + 0x200000, &r, &f) == 0);
	CHECK_EQ(r.level, 2);
	CHECK_EQ(r.desc & GENMASK_ULL(11, 2), blk.desc & GENMASK_ULL(11, 2));
	CHECK_EQ(vmsa_walk(&w, SZ_1G + 0x12345000, &r, &f), -1);
	CHECK_EQ(f.level, 3);

	/* Unmapping a 2M piece of the split block, then several pages
	 * running across three 2M pieces (two more splits). */
	CHECK_EQ(ops->unmap_pages(ops, SZ_1G, SZ_2M, 1, &gather), SZ_2M);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + SZ_2M - 1), 0);
	CHECK_EQ(ops->unmap_pages(ops, SZ_1G + 3 * SZ_2M - SZ_4K, SZ_4K, 514,
				  &gather), 514 * SZ_4K);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 3 * SZ_2M - SZ_4K - 1),
		 0x80000000ULL + 3 * SZ_2M - SZ_4K - 1);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 4 * SZ_2M), 0);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 4 * SZ_2M + SZ_4K),
		 0x80000000ULL + 4 * SZ_2M + SZ_4K);

	/* A split that cannot allocate unmaps nothing and keeps the block. */
	kernel_fail_nth(k, 1);
	CHECK_EQ(ops->unmap_pages(ops, SZ_1G + 100 * SZ_2M, SZ_4K, 1, &gather), 0);
	kernel_fail_nth(k, 0);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 100 * SZ_2M),
		 0x80000000ULL + 100 * SZ_2M);

	/* Unmapping 1G removes the whole table tree below: flush_walk. */
	tlog.n = 0;
	CHECK_EQ(ops->unmap_pages(ops, SZ_1G, SZ_1G, 1, &gather), SZ_1G);
	CHECK_EQ(used(), base_used);
	CHECK(tlog.n == 2 && tlog.rec[0].what == 'w' && tlog.rec[0].iova == SZ_1G &&
	      tlog.rec[0].size == SZ_1G && tlog.rec[0].granule == SZ_4K);
	CHECK(tlog.rec[1].what == 'p' && tlog.rec[1].iova == SZ_1G &&
	      tlog.rec[1].size == SZ_1G);
	CHECK_EQ(ops->iova_to_phys(ops, SZ_1G + 0x12346000), 0);

	/* Pages then a 2M unmap over them: the L3 table goes. */
	CHECK_EQ(map1(ops, 0x400000, 0x80000000, SZ_4K, 3, prot), 0);
	base_used = used();
	tlog.n = 0;
	CHECK_EQ(ops->unmap_pages(ops, 0x400000, SZ_2M, 1, &gather), SZ_2M);
	CHECK_EQ(used(), base_used - SZ_4K);
	CHECK(tlog.n == 2 && tlog.rec[0].what == 'w' && tlog.rec[1].what == 'p');
	/* An emptied table gives way to a block, with a walk flush. */
	CHECK_EQ(map1(ops, 0x400000, 0x80000000, SZ_4K, 1, prot), 0);
	CHECK_EQ(ops->unmap_pages(ops, 0x400000, SZ_4K, 1, &gather), SZ_4K);
	CHECK_EQ(used(), base_used);
	tlog.n = 0;
	CHECK_EQ(map1(ops, 0x400000, 0x80000000, SZ_2M, 1, prot), 0);
	CHECK_EQ(used(), base_used - SZ_4K);
	CHECK(tlog.n == 1 && tlog.rec[0].what == 'w' &&
	      tlog.rec[0].iova == 0x400000 && tlog.rec[0].size == SZ_2M);
	REQUIRE(vmsa_walk(&w, 0x400000, &r, &f) == 0);
	CHECK_EQ(r.level, 2);
	/* Leaves removed at their own size: one add_page each. */
	CHECK_EQ(map1(ops, 0x800000, 0x80000000, SZ_4K, 4, prot), 0);
	tlog.n = 0;
	CHECK_EQ(ops->unmap_pages(ops, 0x800000, SZ_4K, 4, &gather), 4 * SZ_4K);
	CHECK_EQ(tlog.n, 4);
	for (int i = 0; i < 4 && i < tlog.n; i++)
		CHECK(tlog.rec[i].what == 'p' &&
		      tlog.rec[i].iova == 0x800000 + i * SZ_4K &&
		      tlog.rec[i].size == SZ_4K);
	/* A queued gather gets no add_page; a NULL one neither. */
	CHECK_EQ(map1(ops, 0x800000, 0x80000000, SZ_4K, 2, prot), 0);
	gather.queued = true;
	tlog.n = 0;
	CHECK_EQ(ops->unmap_pages(ops, 0x800000, SZ_4K, 1, &gather), SZ_4K);
	CHECK_EQ(ops->unmap_pages(ops, 0x801000, SZ_4K, 1, NULL), SZ_4K);
	CHECK_EQ(tlog.n, 0);
	free_io_pgtable_ops(ops);
	CHECK_EQ(used(), 0);
}

/* Every allocation of a map or alloc failing in turn: -ENOMEM, no leak. */
static void test_enomem(void)
{
	for (int fmt = 0; fmt < IO_PGTABLE_NUM_FMTS; fmt++) {
		struct io_pgtable_cfg cfg;
		struct io_pgtable_ops *ops;
		int n, ret = -1;

		/* alloc_io_pgtable_ops: the object, then the pgd. */
		for (n = 1; n <= 2; n++) {
			kernel_fail_nth(k, (unsigned long)n);
			CHECK(make(fmt, SZ_4K, 48, 48, &cfg) == NULL);
			CHECK_EQ(used(), 0);
		}
		kernel_fail_nth(k, 0);
		ops = make(fmt, SZ_4K | SZ_2M, 48, 48, &cfg);
		REQUIRE(ops);
		/* A 4K map needs three tables below a 4-level pgd. */
		for (n = 1; n < 10 && ret; n++) {
			size_t mapped = 0;

			kernel_fail_nth(k, (unsigned long)n);
			ret = ops->map_pages(ops, 0x7f0000000000UL + SZ_4K * (unsigned long)n,
					     RAM_BASE, SZ_4K, 1, IOMMU_READ, &mapped);
			if (ret) {
				CHECK_EQ(ret, -ENOMEM);
				CHECK_EQ(mapped, 0);
			}
		}
		kernel_fail_nth(k, 0);
		CHECK_EQ(ret, 0);
		/* Failed at the L1 table, then at the L2 (keeping the L1). */
		CHECK_EQ(n, 4);
		/* A multi-table map fails part way: what was mapped counts. */
		{
			size_t mapped = 0;

			kernel_fail_nth(k, 2);
			/* Two new L3 tables under the existing L2. */
			ret = ops->map_pages(ops, 0x7f0000200000UL, RAM_BASE, SZ_4K,
					     1024, IOMMU_READ, &mapped);
			kernel_fail_nth(k, 0);
			CHECK_EQ(ret, -ENOMEM);
			CHECK_EQ(mapped, 512 * SZ_4K);
			CHECK_EQ(ops->iova_to_phys(ops, 0x7f0000200000UL + 511 * SZ_4K),
				 RAM_BASE + 511 * SZ_4K);
			CHECK_EQ(ops->iova_to_phys(ops, 0x7f0000200000UL + 512 * SZ_4K), 0);
		}
		free_io_pgtable_ops(ops);
		CHECK_EQ(used(), 0);
	}
}

struct racer {
	struct io_pgtable_ops *ops;
	int parity;
	int errors;
};

/* Maps every other 4K page of 8 MiB: both threads race to install tables. */
static void *race_map(void *p)
{
	struct racer *r = p;

	for (unsigned long i = (unsigned long)r->parity; i < 2048; i += 2) {
		size_t mapped = 0;

		if (r->ops->map_pages(r->ops, 0x5500000000UL + i * SZ_4K,
				      RAM_BASE + i * SZ_4K, SZ_4K, 1, IOMMU_READ,
				      &mapped))
			r->errors++;
	}
	return NULL;
}

/* Lock-free table installation: the loser of a race frees its table. */
static void test_concurrent_map(void)
{
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops *ops = make(ARM_64_LPAE_S1, SZ_4K, 48, 48, &cfg);
	struct racer a = { ops, 0, 0 }, b = { ops, 1, 0 };
	pthread_t ta, tb;

	REQUIRE(ops);
	REQUIRE(pthread_create(&ta, NULL, race_map, &a) == 0);
	REQUIRE(pthread_create(&tb, NULL, race_map, &b) == 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_EQ(a.errors + b.errors, 0);
	for (unsigned long i = 0; i < 2048; i++)
		CHECK_EQ(ops->iova_to_phys(ops, 0x5500000000UL + i * SZ_4K),
			 RAM_BASE + i * SZ_4K);
	/* pgd, one L1, one L2, four L3: nothing left over from lost races. */
	CHECK_EQ(used(), 7 * SZ_4K);
	free_io_pgtable_ops(ops);
	CHECK_EQ(used(), 0);
}

int main(void)
{
	struct phys_mem *mem = phys_mem_create();

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, RAM_BASE, 256ULL << 20, "ram") == 0);
	k = kernel_create("host", mem, RAM_BASE, 256ULL << 20);
	REQUIRE(k);

	test_alloc_and_registers();
	test_s2_configs_are_legal();
	test_errors();
	test_prot_bits();
	test_blocks();
	test_split_and_tlb();
	test_enomem();
	test_concurrent_map();

	kernel_destroy(k);
	phys_mem_destroy(mem);
	return test_done();
}
