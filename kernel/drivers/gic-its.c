// SPDX-License-Identifier: MIT
/*
 * GICv3 ITS driver: probe and removal, the ITS tables, the redistributors'
 * LPI tables, the LPI allocator and the per-DeviceID ITT.  See gic-its.h.
 *
 * The sequence is Linux's (drivers/irqchip/irq-gic-v3-its.c), read through
 * MMIO at the addresses the machine gives: its_map_one() (PIDR2, force
 * quiescent), allocate_lpi_tables(), its_probe_one() (command queue,
 * its_alloc_tables() probing each GITS_BASER<n>'s page size and
 * indirection, GITS_CBASER, GITS_CWRITER, GITS_CTLR.Enable), then per CPU
 * its_cpu_init_lpis() and its_cpu_init_collection() (MAPC, INVALL).  What
 * Linux keeps in globals for the whole GIC (gic_rdists, the LPI ranges)
 * lives in the its_node, which suits machines with one ITS per GIC.
 *
 * Every table is allocated with kernel_alloc_pages() and written through
 * the kernel's linear map, so the ITS model finds it in machine memory.
 * Every error unwinds: the ITS and LPIs are disabled and each page freed.
 */
#include "kernel/drivers/gic-its-priv.h"

#include <string.h>

#include "kernel/kernel.h"

#define GIC_MAX_RDISTS	256

static unsigned int device_ids(const struct its_node *its)
{
	return FIELD_GET(GITS_TYPER_DEVBITS, its->typer) + 1;
}

static unsigned int event_ids(const struct its_node *its)
{
	return FIELD_GET(GITS_TYPER_IDBITS, its->typer) + 1;
}

static u64 roundup_pow_of_two(u64 n)
{
	return n <= 1 ? 1 : 1ULL << (ilog2(n - 1) + 1);
}

/* ---- GITS_BASER<n>: the device, collection (and vPE) tables ---- */

static phys_addr_t baser_reg(const struct its_node *its, unsigned int n)
{
	return its->phys_base + GITS_BASER + 8 * n;
}

static void its_write_baser(struct its_node *its, unsigned int n, u64 val)
{
	its_writeq(its, val, baser_reg(its, n));
	its->tables[n].val = its_readq(its, baser_reg(its, n));
}

/* The largest page size, of 64K, 16K, 4K, that the register keeps. */
static int its_probe_baser_psz(struct its_node *its, unsigned int n)
{
	static const struct { u32 psz; u64 code; } sizes[] = {
		{ 0x10000, GITS_BASER_PAGE_SIZE_64K },
		{ 0x4000, GITS_BASER_PAGE_SIZE_16K },
		{ 0x1000, GITS_BASER_PAGE_SIZE_4K },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		u64 val = its_readq(its, baser_reg(its, n)) & ~GITS_BASER_PAGE_SIZE_MASK;

		its_write_baser(its, n, val | FIELD_PREP(GITS_BASER_PAGE_SIZE_MASK,
							  sizes[i].code));
		if (FIELD_GET(GITS_BASER_PAGE_SIZE_MASK, its->tables[n].val) == sizes[i].code) {
			its->tables[n].psz = sizes[i].psz;
			return 0;
		}
	}
	return -ENXIO;
}

/*
 * Bytes needed for ids bits of IDs; two levels when a flat table would
 * take more than two ITS pages and the register keeps Indirect.
 */
static u64 its_parse_indirect_baser(struct its_node *its, unsigned int n,
				    unsigned int ids, bool *indirect)
{
	u64 esz = FIELD_GET(GITS_BASER_ENTRY_SIZE_MASK, its->tables[n].val) + 1;
	u32 psz = its->tables[n].psz;
	u64 max = (u64)PAGE_SIZE << PAGE_ALLOC_MAX_ORDER;

	*indirect = false;
	if ((esz << ids) > (u64)psz * 2) {
		its_write_baser(its, n, GITS_BASER_InnerShareable | GITS_BASER_RaWaWb |
				GITS_BASER_INDIRECT);
		*indirect = its->tables[n].val & GITS_BASER_INDIRECT;
		if (*indirect) {
			ids -= min_t(unsigned int, ids, ilog2(psz / esz));
			esz = GITS_LVL1_ENTRY_SIZE;
		}
	}
	/* Capped at the allocator's largest block, as Linux caps at MAX_PAGE_ORDER. */
	return min(max(esz << ids, (u64)psz), max);
}

static int its_setup_baser(struct its_node *its, unsigned int n, u64 cache,
			   u64 shr, u64 size, bool indirect)
{
	struct its_baser *baser = &its->tables[n];
	u64 val = its_readq(its, baser_reg(its, n)), tmp;
	u64 esz = FIELD_GET(GITS_BASER_ENTRY_SIZE_MASK, val) + 1;
	u64 type = FIELD_GET(GITS_BASER_TYPE_MASK, val);
	u64 pages = size / baser->psz;
	u64 psz_code = baser->psz == 0x10000 ? GITS_BASER_PAGE_SIZE_64K :
		       baser->psz == 0x4000 ? GITS_BASER_PAGE_SIZE_16K :
					      GITS_BASER_PAGE_SIZE_4K;
	phys_addr_t pa;

	if (pages > GITS_BASER_PAGES_MAX) {
		pages = GITS_BASER_PAGES_MAX;
		size = pages * baser->psz;
	}
	pa = kernel_alloc_pages(its->k, size);
	if (!pa)
		return -ENOMEM;
	if (pa >> 48) {		/* would need the 52-bit encoding of 64K pages */
		kernel_free_pages(its->k, pa, size);
		return -ENXIO;
	}
	for (int tries = 0; ; tries++) {
		val = pa | FIELD_PREP(GITS_BASER_TYPE_MASK, type) |
		      FIELD_PREP(GITS_BASER_ENTRY_SIZE_MASK, esz - 1) |
		      FIELD_PREP(GITS_BASER_PAGES_MASK, pages - 1) |
		      FIELD_PREP(GITS_BASER_PAGE_SIZE_MASK, psz_code) |
		      cache | shr | GITS_BASER_VALID |
		      (indirect ? GITS_BASER_INDIRECT : 0);
		its_write_baser(its, n, val);
		tmp = baser->val;
		/* Shareability did not stick: take what the ITS reports. */
		if (((val ^ tmp) & GITS_BASER_SHAREABILITY_MASK) && tries < 2) {
			shr = tmp & GITS_BASER_SHAREABILITY_MASK;
			if (!shr)
				cache = GITS_BASER_nC;
			continue;
		}
		break;
	}
	if (val != tmp) {	/* "doesn't stick" */
		its_write_baser(its, n, 0);
		kernel_free_pages(its->k, pa, size);
		return -ENXIO;
	}
	baser->base = pa;
	baser->size = size;
	return 0;
}

/*
 * Level-2 pages of a two-level table, freed with the table.  The walk
 * stops at the last page the driver allocated: an L1 table sized for the
 * ITS's every DeviceID is mostly never touched, and reading all of it
 * faulted in pages nobody wrote.
 */
static void its_free_l2_pages(struct its_node *its, struct its_baser *baser)
{
	u32 freed = 0;
	u64 *l1;

	if (!(baser->val & GITS_BASER_INDIRECT))
		return;
	l1 = phys_to_virt(its->k, baser->base, baser->size);
	for (u64 i = 0; l1 && freed < baser->nr_l2 &&
	     i < baser->size / GITS_LVL1_ENTRY_SIZE; i++)
		if (l1[i] && !kernel_free_pages(its->k, l1[i] & GENMASK_ULL(51, 12),
						 baser->psz))
			freed++;
}

static void its_free_tables(struct its_node *its)
{
	for (unsigned int n = 0; n < GITS_BASER_NR_REGS; n++) {
		struct its_baser *baser = &its->tables[n];

		if (!baser->base)
			continue;
		its_free_l2_pages(its, baser);
		its_write_baser(its, n, 0);
		kernel_free_pages(its->k, baser->base, baser->size);
		memset(baser, 0, sizeof(*baser));
	}
}

static int its_alloc_tables(struct its_node *its)
{
	u64 shr = GITS_BASER_InnerShareable, cache = GITS_BASER_RaWaWb;
	int err;

	for (unsigned int n = 0; n < GITS_BASER_NR_REGS; n++) {
		u64 type = FIELD_GET(GITS_BASER_TYPE_MASK, its_readq(its, baser_reg(its, n)));
		bool indirect = false;
		u64 size;

		if (type == GITS_BASER_TYPE_NONE)
			continue;
		err = its_probe_baser_psz(its, n);
		if (err)
			goto out_free;
		switch (type) {
		case GITS_BASER_TYPE_DEVICE:
			size = its_parse_indirect_baser(its, n, device_ids(its), &indirect);
			break;
		case GITS_BASER_TYPE_VCPU:
			size = its_parse_indirect_baser(its, n, 16, &indirect);
			break;
		default:
			size = its->tables[n].psz;
			break;
		}
		err = its_setup_baser(its, n, cache, shr, size, indirect);
		if (err)
			goto out_free;
		/* The next table inherits what this one settled on. */
		cache = its->tables[n].val & GITS_BASER_CACHEABILITY_MASK;
		shr = its->tables[n].val & GITS_BASER_SHAREABILITY_MASK;
	}
	return 0;

out_free:
	its_free_tables(its);
	return err;
}

static struct its_baser *its_get_baser(struct its_node *its, u64 type)
{
	for (unsigned int n = 0; n < GITS_BASER_NR_REGS; n++)
		if (its->tables[n].base &&
		    FIELD_GET(GITS_BASER_TYPE_MASK, its->tables[n].val) == type)
			return &its->tables[n];
	return NULL;
}

/* Make entry id of a table reachable: 0, -EINVAL (beyond it), -ENOMEM. */
static int its_alloc_table_entry(struct its_node *its, struct its_baser *baser,
				 u32 id)
{
	u64 esz = FIELD_GET(GITS_BASER_ENTRY_SIZE_MASK, baser->val) + 1;
	u64 idx, *table;
	phys_addr_t page;

	if (!(baser->val & GITS_BASER_INDIRECT))
		return id < baser->size / esz ? 0 : -EINVAL;
	idx = id >> ilog2(baser->psz / esz);
	if (idx >= baser->size / GITS_LVL1_ENTRY_SIZE)
		return -EINVAL;
	table = phys_to_virt(its->k, baser->base, baser->size);
	if (!table[idx]) {
		page = kernel_alloc_pages(its->k, baser->psz);
		if (!page)
			return -ENOMEM;
		table[idx] = page | GITS_BASER_VALID;
		baser->nr_l2++;
	}
	return 0;
}

static int its_alloc_device_table(struct its_node *its, u32 dev_id)
{
	struct its_baser *baser = its_get_baser(its, GITS_BASER_TYPE_DEVICE);

	/* No table: the ITS holds devices itself, up to Devbits. */
	if (!baser)
		return dev_id == 0 || ilog2(dev_id) < device_ids(its) ? 0 : -EINVAL;
	return its_alloc_table_entry(its, baser, dev_id);
}

/* ---- LPIs: the property table, pending tables and the allocator ---- */

static int its_lpi_alloc(struct its_node *its, unsigned int nr, u32 *base)
{
	unsigned int run = 0;

	for (unsigned int i = 0; i < its->nr_lpi_ids; i++) {
		run = its_test_bit(its->lpi_map, i) ? 0 : run + 1;
		if (run == nr) {
			for (unsigned int j = i + 1 - nr; j <= i; j++)
				its_set_bit(its->lpi_map, j);
			its->nr_lpis_used += nr;
			*base = GIC_LPI_BASE + i + 1 - nr;
			return 0;
		}
	}
	return -ENOSPC;
}

static void its_lpi_free(struct its_node *its, u32 base, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++)
		its_clear_bit(its->lpi_map, base - GIC_LPI_BASE + i);
	its->nr_lpis_used -= nr;
}

void lpi_write_config(struct its_node *its, u32 lpi, u8 clr, u8 set)
{
	u8 *cfg = its->prop_va + lpi - GIC_LPI_BASE;

	*cfg = (u8)((*cfg & ~clr) | set | LPI_PROP_GROUP1);
}

/* GICR_INVLPIR on the LPI's redistributor, then wait for GICR_SYNCR. */
int its_direct_lpi_inv(struct its_node *its, unsigned int cpu, u32 lpi)
{
	phys_addr_t rd = its->rdists[cpu].rd_base;

	its_writeq(its, lpi, rd + GICR_INVLPIR);
	for (unsigned int count = ITS_POLL_MAX; count; count--) {
		if (!(its_readl(its, rd + GICR_SYNCR) & GICR_SYNCR_BUSY))
			return 0;
		cpu_relax();
	}
	return -ETIMEDOUT;
}

static int allocate_lpi_tables(struct its_node *its)
{
	its->prop_size = ALIGN(1ULL << its->lpi_id_bits, 0x10000);
	its->pend_size = ALIGN((1ULL << its->lpi_id_bits) / 8, 0x10000);
	its->nr_lpi_ids = (1u << its->lpi_id_bits) - GIC_LPI_BASE;
	its->lpi_map = kzalloc(its->k, DIV_ROUND_UP(its->nr_lpi_ids, BITS_PER_LONG) *
				       sizeof(long));
	if (!its->lpi_map)
		return -ENOMEM;
	its->prop_pa = kernel_alloc_pages(its->k, its->prop_size);
	if (!its->prop_pa)
		return -ENOMEM;
	its->prop_va = phys_to_virt(its->k, its->prop_pa, its->prop_size);
	/* Default priority, Group 1, disabled. */
	kernel_prefault(its->k, its->prop_va, its->prop_size);	/* written whole */
	memset(its->prop_va, LPI_PROP_DEFAULT_PRIO | LPI_PROP_GROUP1, its->prop_size);
	for (unsigned int cpu = 0; cpu < its->nr_cpus; cpu++) {
		its->rdists[cpu].pend_pa = kernel_alloc_pages(its->k, its->pend_size);
		if (!its->rdists[cpu].pend_pa)
			return -ENOMEM;
	}
	return 0;
}

static void free_lpi_tables(struct its_node *its)
{
	for (unsigned int cpu = 0; cpu < its->nr_cpus; cpu++)
		if (its->rdists[cpu].pend_pa)
			kernel_free_pages(its->k, its->rdists[cpu].pend_pa, its->pend_size);
	if (its->prop_pa)
		kernel_free_pages(its->k, its->prop_pa, its->prop_size);
	kfree(its->lpi_map);
}

/* ---- Redistributors ---- */

static bool gicr_frame_is_gic(struct its_node *its, phys_addr_t rd)
{
	u32 arch = its_readl(its, rd + GICR_PIDR2) & GIC_PIDR2_ARCH_MASK;

	return arch == GIC_PIDR2_ARCH_GICv3 || arch == GIC_PIDR2_ARCH_GICv4;
}

/* Walk the frames from gicr_base to GICR_TYPER.Last, as gic_iterate_rdists(). */
static int gic_populate_rdists(struct its_node *its, phys_addr_t gicr_base)
{
	unsigned int n = 0;
	phys_addr_t rd;
	u64 typer;

	for (int pass = 0; pass < 2; pass++) {
		rd = gicr_base;
		for (unsigned int i = 0; ; i++) {
			if (i == GIC_MAX_RDISTS || !gicr_frame_is_gic(its, rd))
				return -ENODEV;	/* "no redistributor" */
			typer = its_readq(its, rd + GICR_TYPER);
			if (pass) {
				its->rdists[i].rd_base = rd;
				its->rdists[i].typer = typer;
			}
			if (typer & GICR_TYPER_LAST) {
				n = i + 1;
				break;
			}
			rd += GICR_RD_SGI_SIZE + (typer & GICR_TYPER_VLPIS ? GICR_VLPI_SIZE : 0);
		}
		if (!pass) {
			its->rdists = kzalloc(its->k, n * sizeof(*its->rdists));
			if (!its->rdists)
				return -ENOMEM;
			its->nr_cpus = n;
		}
	}
	its->has_direct_lpi = true;
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		if (!(its->rdists[cpu].typer & GICR_TYPER_PLPIS))
			return -ENXIO;	/* "LPIs not supported" */
		if (!(its->rdists[cpu].typer & GICR_TYPER_DIRECTLPIS))
			its->has_direct_lpi = false;
	}
	return 0;
}

static void redist_disable_lpis(struct its_node *its, unsigned int cpu)
{
	phys_addr_t rd = its->rdists[cpu].rd_base;
	u32 ctlr = its_readl(its, rd + GICR_CTLR);

	if (ctlr & GICR_CTLR_ENABLE_LPIS)
		its_writel(its, ctlr & ~GICR_CTLR_ENABLE_LPIS, rd + GICR_CTLR);
}

static void its_cpu_init_lpis(struct its_node *its, unsigned int cpu)
{
	phys_addr_t rd = its->rdists[cpu].rd_base;
	u64 val, tmp;

	/* Booted with LPIs on: take them down before reprogramming. */
	redist_disable_lpis(its, cpu);

	val = its->prop_pa | GICR_xBASER_InnerShareable | GICR_xBASER_RaWaWb |
	      ((its->lpi_id_bits - 1) & GICR_PROPBASER_IDBITS_MASK);
	its_writeq(its, val, rd + GICR_PROPBASER);
	tmp = its_readq(its, rd + GICR_PROPBASER);
	if (((tmp ^ val) & GICR_xBASER_SHAREABILITY_MASK) &&
	    !(tmp & GICR_xBASER_SHAREABILITY_MASK)) {
		val &= ~(GICR_xBASER_SHAREABILITY_MASK | GICR_xBASER_CACHEABILITY_MASK);
		its_writeq(its, val | GICR_xBASER_nC, rd + GICR_PROPBASER);
	}

	val = its->rdists[cpu].pend_pa | GICR_xBASER_InnerShareable | GICR_xBASER_RaWaWb;
	its_writeq(its, val, rd + GICR_PENDBASER);
	tmp = its_readq(its, rd + GICR_PENDBASER);
	if (!(tmp & GICR_xBASER_SHAREABILITY_MASK)) {
		val &= ~(GICR_xBASER_SHAREABILITY_MASK | GICR_xBASER_CACHEABILITY_MASK);
		its_writeq(its, val | GICR_xBASER_nC, rd + GICR_PENDBASER);
	}

	its_writel(its, its_readl(its, rd + GICR_CTLR) | GICR_CTLR_ENABLE_LPIS,
		   rd + GICR_CTLR);
}

/* Bind collection cpu to its redistributor: MAPC, then INVALL. */
static int its_cpu_init_collection(struct its_node *its, unsigned int cpu)
{
	struct its_collection *col = &its->collections[cpu];
	int ret;

	if (its->typer & GITS_TYPER_PTA)	/* the RD's physical address */
		col->target_address = its->rdists[cpu].rd_base;
	else					/* a linear CPU number */
		col->target_address = FIELD_GET(GICR_TYPER_CPU_NUMBER,
						its->rdists[cpu].typer) << 16;
	col->col_id = (u16)cpu;
	ret = its_send_mapc(its, col, true);
	if (!ret)
		ret = its_send_invall(its, col);
	return ret;
}

/* ---- The ITS ---- */

/* GITS_CTLR.Enable off and GITS_CTLR.Quiescent seen: 0 or -EBUSY. */
static int its_force_quiescent(struct its_node *its)
{
	phys_addr_t reg = its->phys_base + GITS_CTLR;
	u32 val = its_readl(its, reg);

	if ((val & GITS_CTLR_QUIESCENT) && !(val & GITS_CTLR_ENABLE))
		return 0;
	its_writel(its, val & ~GITS_CTLR_ENABLE, reg);
	for (unsigned int count = ITS_POLL_MAX; count; count--) {
		if (its_readl(its, reg) & GITS_CTLR_QUIESCENT)
			return 0;
		cpu_relax();
	}
	return -EBUSY;
}

static int its_setup_cmdq_regs(struct its_node *its)
{
	phys_addr_t reg = its->phys_base + GITS_CBASER;
	u64 baser, tmp;

	baser = its->cmd_pa | GITS_CBASER_RaWaWb | GITS_CBASER_InnerShareable |
		(ITS_CMD_QUEUE_SZ / 0x1000 - 1) | GITS_CBASER_VALID;
	its_writeq(its, baser, reg);
	tmp = its_readq(its, reg);
	if (((tmp ^ baser) & GITS_CBASER_SHAREABILITY_MASK) &&
	    !(tmp & GITS_CBASER_SHAREABILITY_MASK)) {
		baser &= ~(GITS_CBASER_SHAREABILITY_MASK | GITS_CBASER_CACHEABILITY_MASK);
		baser |= GITS_CBASER_nC;
		its_writeq(its, baser, reg);
		tmp = its_readq(its, reg);
	}
	if ((tmp & GITS_CBASER_ADDR) != its->cmd_pa || !(tmp & GITS_CBASER_VALID))
		return -ENXIO;
	its->cmd_write = 0;
	its_writeq(its, 0, its->phys_base + GITS_CWRITER);
	return 0;
}

/* Everything probe set up, undone in reverse; safe on a partial probe. */
static void its_teardown(struct its_node *its)
{
	if (its->domain)
		irq_domain_remove(its->domain);
	its_force_quiescent(its);
	for (unsigned int cpu = 0; cpu < its->nr_cpus; cpu++)
		redist_disable_lpis(its, cpu);
	if (its->cmd_pa)
		its_writeq(its, 0, its->phys_base + GITS_CBASER);
	its_free_tables(its);
	its_cmdq_free(its);
	if (its->rdists)
		free_lpi_tables(its);
	kfree(its->collections);
	kfree(its->rdists);
	mutex_destroy(&its->cmd_lock);
	mutex_destroy(&its->dev_alloc_lock);
	kfree(its);
}

int gic_its_probe(struct kernel *k, const struct gic_its_config *cfg,
		  struct its_node **out)
{
	unsigned int id_bits = cfg && cfg->id_bits ? cfg->id_bits : ITS_MAX_LPI_NRBITS;
	struct its_node *its;
	u32 arch;
	int err;

	if (!k || !cfg || !out)
		return -EINVAL;
	its = kzalloc(k, sizeof(*its));
	if (!its)
		return -ENOMEM;
	its->k = k;
	its->mem = k->mem;
	its->phys_base = cfg->its_base;
	mutex_init(&its->cmd_lock);
	mutex_init(&its->dev_alloc_lock);
	INIT_LIST_HEAD(&its->devices);

	/* its_map_one(): an ITS must be there, and quiet. */
	arch = its_readl(its, its->phys_base + GITS_PIDR2) & GIC_PIDR2_ARCH_MASK;
	err = -ENODEV;
	if (arch != GIC_PIDR2_ARCH_GICv3 && arch != GIC_PIDR2_ARCH_GICv4)
		goto out;
	err = its_force_quiescent(its);
	if (err)
		goto out;
	its->typer = its_readq(its, its->phys_base + GITS_TYPER);
	err = -ENXIO;
	if (!(its->typer & GITS_TYPER_PLPIS))
		goto out;

	err = gic_populate_rdists(its, cfg->gicr_base);
	if (err)
		goto out;
	if (cfg->no_direct_lpi)
		its->has_direct_lpi = false;
	its->lpi_id_bits = min_t(unsigned int, id_bits, ITS_MAX_LPI_NRBITS);
	err = -ENXIO;
	if (its->lpi_id_bits < 14)	/* not even one LPI above 8191 */
		goto out;
	err = allocate_lpi_tables(its);
	if (err)
		goto out;

	/* its_probe_one() */
	err = its_cmdq_init(its);
	if (err)
		goto out;
	err = its_alloc_tables(its);
	if (err)
		goto out;
	err = -ENOMEM;
	its->collections = kzalloc(k, its->nr_cpus * sizeof(*its->collections));
	if (!its->collections)
		goto out;
	for (unsigned int cpu = 0; cpu < its->nr_cpus; cpu++)
		its->collections[cpu].target_address = ~0ULL;
	its->domain = its_create_irq_domain(its);
	if (!its->domain)
		goto out;
	err = its_setup_cmdq_regs(its);
	if (err)
		goto out;
	its_writel(its, its_readl(its, its->phys_base + GITS_CTLR) | GITS_CTLR_ENABLE,
		   its->phys_base + GITS_CTLR);

	/* its_cpu_init() on each CPU. */
	for (unsigned int cpu = 0; cpu < its->nr_cpus; cpu++) {
		its_cpu_init_lpis(its, cpu);
		err = its_cpu_init_collection(its, cpu);
		if (err)
			goto out;
	}
	*out = its;
	return 0;

out:
	its_teardown(its);
	return err;
}

int gic_its_remove(struct its_node *its)
{
	if (!its)
		return 0;
	mutex_lock(&its->dev_alloc_lock);
	if (!list_empty(&its->devices)) {
		mutex_unlock(&its->dev_alloc_lock);
		return -EBUSY;
	}
	mutex_unlock(&its->dev_alloc_lock);
	its_teardown(its);
	return 0;
}

struct irq_domain *gic_its_domain(struct its_node *its)
{
	return its ? its->domain : NULL;
}

void gic_its_get_info(struct its_node *its, struct gic_its_info *info)
{
	memset(info, 0, sizeof(*info));
	info->nr_cpus = its->nr_cpus;
	info->id_bits = its->lpi_id_bits;
	info->device_bits = device_ids(its);
	info->event_bits = event_ids(its);
	info->direct_lpi = its->has_direct_lpi;
	mutex_lock(&its->dev_alloc_lock);
	info->nr_devices = its->nr_devices;
	info->nr_lpis = its->nr_lpis_used;
	mutex_unlock(&its->dev_alloc_lock);
	mutex_lock(&its->cmd_lock);
	info->cmds = its->nr_cmds;
	info->cmd_errors = its->nr_cmd_errors;
	info->last_error = its->last_cmd_error;
	mutex_unlock(&its->cmd_lock);
}

/* ---- Devices (dev_alloc_lock held by the callers) ---- */

struct its_device *its_find_device(struct its_node *its, u32 dev_id)
{
	struct its_device *dev;

	list_for_each_entry(dev, &its->devices, entry)
		if (dev->device_id == dev_id)
			return dev;
	return NULL;
}

static void its_device_release(struct its_device *dev)
{
	if (dev->nr_lpis)
		its_lpi_free(dev->its, dev->lpi_base, dev->nr_lpis);
	if (dev->itt_pa)
		kernel_free_pages(dev->its->k, dev->itt_pa, dev->itt_size);
	kfree(dev->event_map);
	kfree(dev->col_map);
	kfree(dev);
}

/*
 * A DeviceID's ITT, for nvecs vectors rounded up to a power of two (at
 * least two entries: MAPD's Size needs one bit), its LPI range, and MAPD.
 * NULL with *err: -EINVAL (DeviceID beyond GITS_TYPER.Devbits or the
 * device table), -ENOSPC (more EventIDs than GITS_TYPER.ID_bits, or no
 * LPIs left), -ENOMEM, or the MAPD's -ETIMEDOUT / -EIO.
 */
struct its_device *its_create_device(struct its_node *its, u32 dev_id,
				     unsigned int nvecs, int *err)
{
	unsigned int ite_size = FIELD_GET(GITS_TYPER_ITT_ENTRY_SIZE, its->typer) + 1;
	unsigned int nr_ites, nr_lpis;
	struct its_device *dev;

	*err = -EINVAL;
	if (!nvecs || (device_ids(its) < 32 && dev_id >> device_ids(its)))
		return NULL;
	*err = -ENOSPC;
	if (nvecs > 1u << 31 ||
	    ilog2(max(2ULL, roundup_pow_of_two(nvecs))) > event_ids(its))
		return NULL;
	nvecs = (unsigned int)roundup_pow_of_two(nvecs);
	nr_ites = max(2u, nvecs);
	*err = its_alloc_device_table(its, dev_id);
	if (*err)
		return NULL;

	*err = -ENOMEM;
	dev = kzalloc(its->k, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->its = its;
	dev->device_id = dev_id;
	dev->nr_ites = nr_ites;
	dev->itt_size = max((u64)nr_ites * ite_size, (u64)ITS_ITT_ALIGN);
	dev->itt_pa = kernel_alloc_pages(its->k, dev->itt_size);
	dev->event_map = kzalloc(its->k, DIV_ROUND_UP(nvecs, BITS_PER_LONG) * sizeof(long));
	dev->col_map = kzalloc(its->k, nvecs * sizeof(*dev->col_map));
	if (!dev->itt_pa || !dev->event_map || !dev->col_map)
		goto out_release;
	/* Fewer LPIs than asked, halving, as its_lpi_alloc() settles. */
	for (nr_lpis = nvecs; nr_lpis; nr_lpis /= 2)
		if (!its_lpi_alloc(its, nr_lpis, &dev->lpi_base))
			break;
	*err = -ENOSPC;
	if (!nr_lpis)
		goto out_release;
	dev->nr_lpis = nr_lpis;

	*err = its_send_mapd(dev, true);
	if (*err)
		goto out_release;
	dev->users = 1;
	list_add(&dev->entry, &its->devices);
	its->nr_devices++;
	return dev;

out_release:
	its_device_release(dev);
	return NULL;
}

/* Unmap the DeviceID and free its ITT and LPIs. */
void its_free_device(struct its_device *dev)
{
	its_send_mapd(dev, false);
	list_del(&dev->entry);
	dev->its->nr_devices--;
	its_device_release(dev);
}
