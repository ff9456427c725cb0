// SPDX-License-Identifier: MIT
/*
 * The geometry and registers of an Arm LPAE table, as Linux's
 * arm_64_lpae_alloc_pgtable_s1/_s2: the granule and page sizes from the
 * driver's bitmap, the start level (concatenating stage-2 start tables
 * only where the architecture requires it, as Linux since 6.14), the pgd
 * in the kernel's memory, and TCR/MAIR/TTBR or VTCR/VTTBR for the SMMU.
 */
#include "kernel/io-pgtable-arm.h"

/* Register fields. */
#define ARM_LPAE_TCR_TG0_4K		0
#define ARM_LPAE_TCR_TG0_64K		1
#define ARM_LPAE_TCR_TG0_16K		2
#define ARM_LPAE_TCR_SH_OS		2
#define ARM_LPAE_TCR_SH_IS		3
#define ARM_LPAE_TCR_RGN_NC		0
#define ARM_LPAE_TCR_RGN_WBWA		1
#define ARM_LPAE_VTCR_SL0_MASK		0x3

#define ARM_LPAE_MAIR_ATTR_SHIFT(n)	((n) << 3)
#define ARM_LPAE_MAIR_ATTR_DEVICE	0x04ULL
#define ARM_LPAE_MAIR_ATTR_NC		0x44ULL
#define ARM_LPAE_MAIR_ATTR_INC_OWBRWA	0xf4ULL
#define ARM_LPAE_MAIR_ATTR_WBRWA	0xffULL
#define ARM_LPAE_MAIR_ATTR_IDX_INC_OCACHE 3

/*
 * Picks the granule as Linux's arm_lpae_restrict_pgsizes does (the CPU's
 * page size if offered, else the largest smaller one, else the smallest
 * larger one) and trims the bitmap to it.
 */
static void arm_lpae_restrict_pgsizes(struct io_pgtable_cfg *cfg)
{
	unsigned long granule, page_sizes;
	unsigned int max_addr_bits = 48;

	if (cfg->pgsize_bitmap & PAGE_SIZE)
		granule = PAGE_SIZE;
	else if (cfg->pgsize_bitmap & (PAGE_SIZE - 1))
		granule = 1UL << __fls64(cfg->pgsize_bitmap & (PAGE_SIZE - 1));
	else if (cfg->pgsize_bitmap & ~(PAGE_SIZE - 1))
		granule = 1UL << __ffs64(cfg->pgsize_bitmap & ~(PAGE_SIZE - 1));
	else
		granule = 0;

	switch (granule) {
	case SZ_4K:
		page_sizes = SZ_4K | SZ_2M | SZ_1G;
		break;
	case SZ_16K:
		page_sizes = SZ_16K | SZ_32M;
		break;
	case SZ_64K:
		max_addr_bits = 52;
		page_sizes = SZ_64K | SZ_512M;
		if (cfg->oas > 48)
			page_sizes |= 1UL << 42;	/* 4TB */
		break;
	default:
		page_sizes = 0;
	}
	cfg->pgsize_bitmap &= page_sizes;
	cfg->ias = min(cfg->ias, max_addr_bits);
	cfg->oas = min(cfg->oas, max_addr_bits);
}


static struct arm_lpae_io_pgtable *arm_lpae_alloc_pgtable(struct io_pgtable_cfg *cfg)
{
	struct arm_lpae_io_pgtable *d;
	int levels, va_bits, pg_shift;

	arm_lpae_restrict_pgsizes(cfg);
	if (!(cfg->pgsize_bitmap & (SZ_4K | SZ_16K | SZ_64K)))
		return NULL;
	if (cfg->ias > ARM_LPAE_MAX_ADDR_BITS || cfg->oas > ARM_LPAE_MAX_ADDR_BITS)
		return NULL;
	pg_shift = (int)__ffs64(cfg->pgsize_bitmap);
	/* Linux does not check; nothing to translate at all is not a table. */
	if ((int)cfg->ias <= pg_shift)
		return NULL;

	d = kzalloc(cfg->k, sizeof(*d));
	if (!d)
		return NULL;
	d->k = cfg->k;
	d->bits_per_level = pg_shift - 3;
	va_bits = (int)cfg->ias - pg_shift;
	levels = (int)DIV_ROUND_UP(va_bits, d->bits_per_level);
	d->start_level = ARM_LPAE_MAX_LEVELS - levels;
	/* The pgd's own index bits, before any concatenation. */
	d->pgd_bits = va_bits - d->bits_per_level * (levels - 1);
	d->iop.ops = arm_lpae_ops;
	return d;
}

/* Allocates the pgd and learns the linear-map offset from it. */
static int arm_lpae_alloc_pgd(struct arm_lpae_io_pgtable *d)
{
	size_t size = pgd_size(d);
	phys_addr_t pa = kernel_alloc_pages(d->k, size);
	void *va;

	if (!pa)
		return -ENOMEM;
	va = phys_to_virt(d->k, pa, size);
	if (!va) {
		kernel_free_pages(d->k, pa, size);
		return -ENOMEM;
	}
	d->pgd = va;
	d->lin_off = (uintptr_t)va - (uintptr_t)pa;
	return 0;
}

static int oas_to_ps(unsigned int oas)
{
	switch (oas) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	case 52: return 6;
	default: return -EINVAL;
	}
}

static u32 granule_to_tg0(const struct arm_lpae_io_pgtable *d)
{
	switch (granule_size(d)) {
	case SZ_16K:
		return ARM_LPAE_TCR_TG0_16K;
	case SZ_64K:
		return ARM_LPAE_TCR_TG0_64K;
	default:
		return ARM_LPAE_TCR_TG0_4K;
	}
}

static struct io_pgtable *arm_64_lpae_alloc_pgtable_s1(struct io_pgtable_cfg *cfg,
						       void *cookie)
{
	typeof(&cfg->arm_lpae_s1_cfg.tcr) tcr = &cfg->arm_lpae_s1_cfg.tcr;
	struct arm_lpae_io_pgtable *d;
	int ps;

	(void)cookie;
	if (cfg->quirks & ~(IO_PGTABLE_QUIRK_ARM_NS | IO_PGTABLE_QUIRK_ARM_HD))
		return NULL;
	d = arm_lpae_alloc_pgtable(cfg);
	if (!d)
		return NULL;

	ps = oas_to_ps(cfg->oas);
	if (ps < 0)
		goto out_free_data;
	if (cfg->coherent_walk) {
		tcr->sh = ARM_LPAE_TCR_SH_IS;
		tcr->irgn = ARM_LPAE_TCR_RGN_WBWA;
		tcr->orgn = ARM_LPAE_TCR_RGN_WBWA;
	} else {
		tcr->sh = ARM_LPAE_TCR_SH_OS;
		tcr->irgn = ARM_LPAE_TCR_RGN_NC;
		tcr->orgn = ARM_LPAE_TCR_RGN_NC;
	}
	tcr->tg = granule_to_tg0(d);
	tcr->ips = (u32)ps;
	tcr->tsz = 64 - cfg->ias;
	cfg->arm_lpae_s1_cfg.mair =
		(ARM_LPAE_MAIR_ATTR_NC
		 << ARM_LPAE_MAIR_ATTR_SHIFT(ARM_LPAE_MAIR_ATTR_IDX_NC)) |
		(ARM_LPAE_MAIR_ATTR_WBRWA
		 << ARM_LPAE_MAIR_ATTR_SHIFT(ARM_LPAE_MAIR_ATTR_IDX_CACHE)) |
		(ARM_LPAE_MAIR_ATTR_DEVICE
		 << ARM_LPAE_MAIR_ATTR_SHIFT(ARM_LPAE_MAIR_ATTR_IDX_DEV)) |
		(ARM_LPAE_MAIR_ATTR_INC_OWBRWA
		 << ARM_LPAE_MAIR_ATTR_SHIFT(ARM_LPAE_MAIR_ATTR_IDX_INC_OCACHE));

	if (arm_lpae_alloc_pgd(d))
		goto out_free_data;
	cfg->arm_lpae_s1_cfg.ttbr = table_pa(d->pgd, d);
	return &d->iop;

out_free_data:
	kfree(d);
	return NULL;
}

/*
 * Start levels the architecture forbids for the PA size (Arm DDI0487
 * R_DXBSH, R_SRKBC; the pseudocode's S2InvalidSL), where the walk must
 * start one level down over concatenated tables.  Linux's
 * arm_lpae_concat_mandatory lists the cases an SMMU meets with ias == oas
 * (4K at level 0 for a 40- or 42-bit PA, 16K at level 0 or, for a 40-bit
 * PA, level 1), which are exactly ours for ias == oas, as the arm-smmu-v3
 * driver asks for stage 2; for ias > oas the rule below also covers 32-
 * and 36-bit PAs and 64K's level 1, which Linux would leave illegal.
 */
static bool concat_mandatory(const struct io_pgtable_cfg *cfg,
			     const struct arm_lpae_io_pgtable *d)
{
	switch (granule_size(d)) {
	case SZ_4K:
		return d->start_level == 0 && cfg->oas < 44;
	case SZ_16K:
		/* Level 0 needs FEAT_LPA2, level 1 a 42-bit PA. */
		return d->start_level == 0 ||
		       (d->start_level == 1 && cfg->oas < 42);
	default:
		return d->start_level == 1 && cfg->oas < 44;
	}
}

static struct io_pgtable *arm_64_lpae_alloc_pgtable_s2(struct io_pgtable_cfg *cfg,
						       void *cookie)
{
	typeof(&cfg->arm_lpae_s2_cfg.vtcr) vtcr = &cfg->arm_lpae_s2_cfg.vtcr;
	struct arm_lpae_io_pgtable *d;
	int ps, sl;

	(void)cookie;
	if (cfg->quirks)
		return NULL;
	d = arm_lpae_alloc_pgtable(cfg);
	if (!d)
		return NULL;

	/*
	 * Start a level lower over up to 16 concatenated tables only where
	 * the start level is not allowed, as Linux since 6.14 (before, it
	 * also did so at level 0 whenever it could, to save a level of
	 * walk).  Too many tables, or a level down still not allowed (16K
	 * below a 42-bit PA at level 0): no such table.
	 */
	if (concat_mandatory(cfg, d)) {
		if (pgd_size(d) / sizeof(arm_lpae_iopte) >
		    ARM_LPAE_S2_MAX_CONCAT_PAGES)
			goto out_free_data;
		d->pgd_bits += d->bits_per_level;
		d->start_level++;
		if (concat_mandatory(cfg, d))
			goto out_free_data;
	}

	ps = oas_to_ps(cfg->oas);
	if (ps < 0)
		goto out_free_data;
	if (cfg->coherent_walk) {
		vtcr->sh = ARM_LPAE_TCR_SH_IS;
		vtcr->irgn = ARM_LPAE_TCR_RGN_WBWA;
		vtcr->orgn = ARM_LPAE_TCR_RGN_WBWA;
	} else {
		vtcr->sh = ARM_LPAE_TCR_SH_OS;
		vtcr->irgn = ARM_LPAE_TCR_RGN_NC;
		vtcr->orgn = ARM_LPAE_TCR_RGN_NC;
	}
	vtcr->tg = granule_to_tg0(d);
	/* SL0 counts levels from the bottom, one further for 4K. */
	sl = d->start_level + (granule_size(d) == SZ_4K ? 1 : 0);
	vtcr->sl = (u32)(~sl & ARM_LPAE_VTCR_SL0_MASK);
	vtcr->ps = (u32)ps;
	vtcr->tsz = 64 - cfg->ias;

	if (arm_lpae_alloc_pgd(d))
		goto out_free_data;
	cfg->arm_lpae_s2_cfg.vttbr = table_pa(d->pgd, d);
	return &d->iop;

out_free_data:
	kfree(d);
	return NULL;
}

static void arm_lpae_free_pgtable(struct io_pgtable *iop)
{
	struct arm_lpae_io_pgtable *d = io_pgtable_to_data(iop);

	arm_lpae_free_pgtable_lvl(d, d->start_level, d->pgd);
	kfree(d);
}

const struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s1_init_fns = {
	.alloc	= arm_64_lpae_alloc_pgtable_s1,
	.free	= arm_lpae_free_pgtable,
};

const struct io_pgtable_init_fns io_pgtable_arm_64_lpae_s2_init_fns = {
	.alloc	= arm_64_lpae_alloc_pgtable_s2,
	.free	= arm_lpae_free_pgtable,
};
