// SPDX-License-Identifier: MIT
/*
 * The Arm LPAE (VMSAv8-64) page-table formats ARM_64_LPAE_S1 and _S2, with
 * the behaviour of Linux's drivers/iommu/io-pgtable-arm.c: 4K, 16K and
 * 64K granules, blocks at every level the granule has them, stage-2 start
 * tables concatenated where the architecture requires it, lock-free table
 * installation, and the register values (TCR/MAIR/TTBR, VTCR/VTTBR) the
 * SMMU needs (those in io-pgtable-arm-cfg.c).
 *
 * Tables live in the kernel instance's machine memory: the SMMU model walks
 * them there with hw/vmsa-walk, never through this code.  All of a
 * kernel's pages come from one RAM region, so a table's host address is
 * its physical address plus one constant (the "linear map" offset) and a
 * walk costs no region lookup.
 *
 * Deliberate differences from Linux, each what the iommu core would see:
 * map/unmap_pages cover all of pgcount rather than stopping at a table
 * boundary; a block mapped over a table that still holds leaves is
 * -EEXIST (Linux silently discards them; an empty table is replaced and
 * freed as Linux does); misaligned iova/paddr is -EINVAL and prot bits
 * outside IOMMU_PROT_MASK are -EINVAL (Linux leaves both to its callers).
 */
#include "kernel/io-pgtable-arm.h"
#include "kernel/iommu.h"

/* Descriptor bits (Arm DDI0487 D8.3; names as Linux's). */
#define ARM_LPAE_PTE_TYPE_MASK		0x3ULL
#define ARM_LPAE_PTE_TYPE_BLOCK		1
#define ARM_LPAE_PTE_TYPE_TABLE		3
#define ARM_LPAE_PTE_TYPE_PAGE		3
#define ARM_LPAE_PTE_ADDR_MASK		GENMASK_ULL(47, 12)
#define ARM_LPAE_PTE_NSTABLE		BIT_ULL(63)
#define ARM_LPAE_PTE_XN			(3ULL << 53)	/* UXN|PXN, XN[1:0] */
#define ARM_LPAE_PTE_AF			BIT_ULL(10)
#define ARM_LPAE_PTE_DBM		BIT_ULL(51)	/* Dirty Bit Modifier */
#define ARM_LPAE_PTE_SH_OS		(2ULL << 8)
#define ARM_LPAE_PTE_SH_IS		(3ULL << 8)
#define ARM_LPAE_PTE_NS			BIT_ULL(5)
/* Stage 1 */
#define ARM_LPAE_PTE_nG			BIT_ULL(11)
#define ARM_LPAE_PTE_AP_UNPRIV		BIT_ULL(6)
#define ARM_LPAE_PTE_AP_RDONLY		BIT_ULL(7)
#define ARM_LPAE_PTE_ATTRINDX_SHIFT	2
/* Stage 2 */
#define ARM_LPAE_PTE_HAP_READ		BIT_ULL(6)
#define ARM_LPAE_PTE_HAP_WRITE		BIT_ULL(7)
#define ARM_LPAE_PTE_MEMATTR_OIWB	(0xfULL << 2)
#define ARM_LPAE_PTE_MEMATTR_NC		(0x5ULL << 2)
#define ARM_LPAE_PTE_MEMATTR_DEV	(0x1ULL << 2)

/* Shift of the input bits a level-l lookup resolves. */
static inline unsigned int lvl_shift(int l, const struct arm_lpae_io_pgtable *d)
{
	return (unsigned int)((ARM_LPAE_MAX_LEVELS - l) * d->bits_per_level + 3);
}

static inline u64 block_size(int l, const struct arm_lpae_io_pgtable *d)
{
	return 1ULL << lvl_shift(l, d);
}

static inline unsigned long lvl_idx(u64 iova, int l,
				    const struct arm_lpae_io_pgtable *d)
{
	int bits = l == d->start_level ? d->pgd_bits : d->bits_per_level;

	return (unsigned long)((iova >> lvl_shift(l, d)) & ((1ULL << bits) - 1));
}

/* Entries left in the granule-sized table page holding index i. */
static inline int max_entries(unsigned long i, const struct arm_lpae_io_pgtable *d)
{
	unsigned long per_table = 1UL << d->bits_per_level;

	return (int)(per_table - (i & (per_table - 1)));
}

static inline bool iopte_leaf(arm_lpae_iopte pte, int lvl)
{
	if (lvl == ARM_LPAE_MAX_LEVELS - 1)
		return (pte & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_PAGE;
	return (pte & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_BLOCK;
}

static inline bool iopte_table(arm_lpae_iopte pte, int lvl)
{
	return lvl != ARM_LPAE_MAX_LEVELS - 1 &&
	       (pte & ARM_LPAE_PTE_TYPE_MASK) == ARM_LPAE_PTE_TYPE_TABLE;
}

/* With 64K pages, PA[51:48] sits in bits [15:12]; else those are zero. */
static inline arm_lpae_iopte paddr_to_iopte(phys_addr_t pa)
{
	return (pa | (pa >> 36)) & ARM_LPAE_PTE_ADDR_MASK;
}

static inline phys_addr_t iopte_to_paddr(arm_lpae_iopte pte,
					 const struct arm_lpae_io_pgtable *d)
{
	u64 pa = pte & ARM_LPAE_PTE_ADDR_MASK;

	if (d->bits_per_level < 13)
		return pa;
	return (pa | (pa << 36)) & GENMASK_ULL(51, 16);
}

static inline arm_lpae_iopte *iopte_deref(arm_lpae_iopte pte,
					  const struct arm_lpae_io_pgtable *d)
{
	return (arm_lpae_iopte *)(uintptr_t)(iopte_to_paddr(pte, d) + d->lin_off);
}

/*
 * The SMMU model, and other mappers, may walk concurrently: descriptors
 * are single-copy atomic, and a load that may be followed through pairs
 * with install_table()'s release (Linux leans on address dependency; C11
 * has no such thing, and acquire costs nothing on x86).
 */
static inline arm_lpae_iopte pte_read(const arm_lpae_iopte *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Release: what a leaf maps is visible before the leaf (Linux's wmb()). */
static inline void pte_write(arm_lpae_iopte *p, arm_lpae_iopte v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void tlb_flush_walk(struct arm_lpae_io_pgtable *d, unsigned long iova,
			   size_t size, size_t granule)
{
	const struct iommu_flush_ops *tlb = d->iop.cfg.tlb;

	if (tlb && tlb->tlb_flush_walk)
		tlb->tlb_flush_walk(iova, size, granule, d->iop.cookie);
}

static void tlb_add_page(struct arm_lpae_io_pgtable *d,
			 struct iommu_iotlb_gather *gather, unsigned long iova,
			 size_t granule)
{
	const struct iommu_flush_ops *tlb = d->iop.cfg.tlb;

	if (tlb && tlb->tlb_add_page)
		tlb->tlb_add_page(gather, iova, granule, d->iop.cookie);
}

/* A zeroed table of size bytes in the kernel's memory, or NULL. */
static arm_lpae_iopte *alloc_table(struct arm_lpae_io_pgtable *d, size_t size)
{
	phys_addr_t pa = kernel_alloc_pages(d->k, size);
	arm_lpae_iopte *t;

	if (!pa)
		return NULL;
	t = (arm_lpae_iopte *)(uintptr_t)(pa + d->lin_off);
	/* Cannot fail while the page allocator owns a single RAM region. */
	if (phys_to_virt(d->k, pa, size) != t) {
		kernel_free_pages(d->k, pa, size);
		return NULL;
	}
	return t;
}

static void free_table(struct arm_lpae_io_pgtable *d, arm_lpae_iopte *t,
		       size_t size)
{
	kernel_free_pages(d->k, table_pa(t, d), size);
}

/* Frees the table at lvl and every table below it. */
void arm_lpae_free_pgtable_lvl(struct arm_lpae_io_pgtable *d, int lvl,
				arm_lpae_iopte *ptep)
{
	size_t size = lvl == d->start_level ? pgd_size(d) : granule_size(d);

	if (lvl < ARM_LPAE_MAX_LEVELS - 1) {
		for (size_t i = 0; i < size / sizeof(*ptep); i++) {
			arm_lpae_iopte pte = pte_read(&ptep[i]);

			if (iopte_table(pte, lvl))
				arm_lpae_free_pgtable_lvl(d, lvl + 1, iopte_deref(pte, d));
		}
	}
	free_table(d, ptep, size);
}

/* Whether the table at lvl (not the pgd) maps anything. */
static bool table_has_leaves(struct arm_lpae_io_pgtable *d, int lvl,
			     arm_lpae_iopte *ptep)
{
	for (unsigned long i = 0; i < (1UL << d->bits_per_level); i++) {
		arm_lpae_iopte pte = pte_read(&ptep[i]);

		if (iopte_leaf(pte, lvl))
			return true;
		if (iopte_table(pte, lvl) &&
		    table_has_leaves(d, lvl + 1, iopte_deref(pte, d)))
			return true;
	}
	return false;
}

static void __arm_lpae_init_pte(struct arm_lpae_io_pgtable *d,
				phys_addr_t paddr, arm_lpae_iopte prot,
				int lvl, int num, arm_lpae_iopte *ptep)
{
	arm_lpae_iopte pte = prot;
	u64 sz = block_size(lvl, d);

	pte |= lvl == ARM_LPAE_MAX_LEVELS - 1 ? ARM_LPAE_PTE_TYPE_PAGE :
						ARM_LPAE_PTE_TYPE_BLOCK;
	for (int i = 0; i < num; i++)
		pte_write(&ptep[i], pte | paddr_to_iopte(paddr + i * sz));
}

static int arm_lpae_init_pte(struct arm_lpae_io_pgtable *d, unsigned long iova,
			     phys_addr_t paddr, arm_lpae_iopte prot, int lvl,
			     int num, arm_lpae_iopte *ptep)
{
	u64 sz = block_size(lvl, d);
	int i;

	/* Refuse before changing anything: a live leaf anywhere below. */
	for (i = 0; i < num; i++) {
		arm_lpae_iopte pte = pte_read(&ptep[i]);

		if (iopte_leaf(pte, lvl))
			return -EEXIST;
		if (iopte_table(pte, lvl) &&
		    table_has_leaves(d, lvl + 1, iopte_deref(pte, d)))
			return -EEXIST;
	}
	/* Tables left empty by earlier unmaps make way for the block. */
	for (i = 0; i < num; i++) {
		arm_lpae_iopte pte = pte_read(&ptep[i]);

		if (iopte_table(pte, lvl)) {
			pte_write(&ptep[i], 0);
			tlb_flush_walk(d, iova + i * sz, sz, granule_size(d));
			arm_lpae_free_pgtable_lvl(d, lvl + 1, iopte_deref(pte, d));
		}
	}
	__arm_lpae_init_pte(d, paddr, prot, lvl, num, ptep);
	return 0;
}

/*
 * Publishes table at *ptep if it still holds curr; returns what it held.
 * Release ordering: a walker that sees the pointer sees the contents.
 */
static arm_lpae_iopte install_table(struct arm_lpae_io_pgtable *d,
				    arm_lpae_iopte *table, arm_lpae_iopte *ptep,
				    arm_lpae_iopte curr)
{
	arm_lpae_iopte new = paddr_to_iopte(table_pa(table, d)) |
			     ARM_LPAE_PTE_TYPE_TABLE;

	if (d->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_NS)
		new |= ARM_LPAE_PTE_NSTABLE;
	__atomic_compare_exchange_n(ptep, &curr, new, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	return curr;
}

/* Maps up to the end of one table page; *count gets the pages mapped. */
static int __arm_lpae_map(struct arm_lpae_io_pgtable *d, unsigned long iova,
			  phys_addr_t paddr, size_t size, size_t pgcount,
			  arm_lpae_iopte prot, size_t *count)
{
	arm_lpae_iopte *table = d->pgd;
	int lvl = d->start_level;

	for (;;) {
		unsigned long idx = lvl_idx(iova, lvl, d);
		arm_lpae_iopte *ptep = table + idx, pte;

		if (size == block_size(lvl, d)) {
			int num = (int)min_t(size_t, pgcount,
					     (size_t)max_entries(idx, d));
			int ret = arm_lpae_init_pte(d, iova, paddr, prot, lvl,
						    num, ptep);

			if (!ret)
				*count = (size_t)num;
			return ret;
		}
		if (lvl >= ARM_LPAE_MAX_LEVELS - 1)
			return -EINVAL;

		pte = pte_read(ptep);
		if (!pte) {
			arm_lpae_iopte *cptep = alloc_table(d, granule_size(d));

			if (!cptep)
				return -ENOMEM;
			pte = install_table(d, cptep, ptep, 0);
			if (pte)	/* another mapper won the race */
				free_table(d, cptep, granule_size(d));
			else
				table = cptep;
		}
		if (pte) {
			if (!iopte_table(pte, lvl))
				return -EEXIST;
			table = iopte_deref(pte, d);
		}
		lvl++;
	}
}

static arm_lpae_iopte prot_to_pte(const struct arm_lpae_io_pgtable *d, int prot)
{
	arm_lpae_iopte pte;

	if (d->iop.fmt == ARM_64_LPAE_S1) {
		pte = ARM_LPAE_PTE_nG;
		if (!(prot & IOMMU_WRITE) && (prot & IOMMU_READ))
			pte |= ARM_LPAE_PTE_AP_RDONLY;
		else if (d->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_HD)
			pte |= ARM_LPAE_PTE_DBM;	/* writable-dirty */
		if (!(prot & IOMMU_PRIV))
			pte |= ARM_LPAE_PTE_AP_UNPRIV;
		if (prot & IOMMU_MMIO)
			pte |= (u64)ARM_LPAE_MAIR_ATTR_IDX_DEV
			       << ARM_LPAE_PTE_ATTRINDX_SHIFT;
		else if (prot & IOMMU_CACHE)
			pte |= (u64)ARM_LPAE_MAIR_ATTR_IDX_CACHE
			       << ARM_LPAE_PTE_ATTRINDX_SHIFT;
		if (d->iop.cfg.quirks & IO_PGTABLE_QUIRK_ARM_NS)
			pte |= ARM_LPAE_PTE_NS;
	} else {
		pte = 0;
		if (prot & IOMMU_READ)
			pte |= ARM_LPAE_PTE_HAP_READ;
		if (prot & IOMMU_WRITE)
			pte |= ARM_LPAE_PTE_HAP_WRITE;
		if (prot & IOMMU_MMIO)
			pte |= ARM_LPAE_PTE_MEMATTR_DEV;
		else if (prot & IOMMU_CACHE)
			pte |= ARM_LPAE_PTE_MEMATTR_OIWB;
		else
			pte |= ARM_LPAE_PTE_MEMATTR_NC;
	}
	pte |= (prot & IOMMU_CACHE) ? ARM_LPAE_PTE_SH_IS : ARM_LPAE_PTE_SH_OS;
	if (prot & IOMMU_NOEXEC)
		pte |= ARM_LPAE_PTE_XN;
	return pte | ARM_LPAE_PTE_AF;
}

static int arm_lpae_map_pages(struct io_pgtable_ops *ops, unsigned long iova,
			      phys_addr_t paddr, size_t pgsize, size_t pgcount,
			      int iommu_prot, size_t *mapped)
{
	struct arm_lpae_io_pgtable *d = io_pgtable_ops_to_data(ops);
	const struct io_pgtable_cfg *cfg = &d->iop.cfg;
	u64 ia_end = 1ULL << cfg->ias, oa_end = 1ULL << cfg->oas;
	arm_lpae_iopte prot;
	int ret = 0;

	if (!pgsize || !is_power_of_2(pgsize) ||
	    (pgsize & cfg->pgsize_bitmap) != pgsize ||
	    (iommu_prot & ~IOMMU_PROT_MASK))
		return -EINVAL;
	if (iova >= ia_end || paddr >= oa_end ||
	    pgcount > (ia_end - iova) / pgsize ||
	    pgcount > (oa_end - paddr) / pgsize)
		return -ERANGE;
	if (!IS_ALIGNED(iova | paddr, pgsize))
		return -EINVAL;
	/* No access: nothing to do, as Linux says. */
	if (!(iommu_prot & (IOMMU_READ | IOMMU_WRITE)))
		return 0;

	prot = prot_to_pte(d, iommu_prot);
	while (pgcount) {
		size_t n = 0;

		ret = __arm_lpae_map(d, iova, paddr, pgsize, pgcount, prot, &n);
		if (mapped)
			*mapped += n * pgsize;
		if (ret)
			break;
		iova += n * pgsize;
		paddr += n * pgsize;
		pgcount -= n;
	}
	return ret;
}

static size_t __arm_lpae_unmap(struct arm_lpae_io_pgtable *d,
			       struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size, size_t pgcount,
			       int lvl, arm_lpae_iopte *table);

/*
 * Replace the block blk_pte at *ptep (level lvl - 1) by a table at lvl
 * that maps the same range minus what is being unmapped, as Linux's
 * arm_lpae_split_blk_unmap does.  Recurses when size is smaller still.
 */
static size_t split_blk_unmap(struct arm_lpae_io_pgtable *d,
			      struct iommu_iotlb_gather *gather,
			      unsigned long iova, size_t size,
			      arm_lpae_iopte blk_pte, int lvl,
			      arm_lpae_iopte *ptep, size_t pgcount)
{
	size_t tablesz = granule_size(d);
	u64 split_sz = block_size(lvl, d);
	int per_table = 1 << d->bits_per_level;
	int i, unmap_idx = -1, num = 0;
	arm_lpae_iopte *tablep, pte, prot;
	phys_addr_t blk_paddr;

	if (lvl == ARM_LPAE_MAX_LEVELS)
		return 0;
	tablep = alloc_table(d, tablesz);
	if (!tablep)
		return 0;

	if (size == split_sz) {
		unmap_idx = (int)lvl_idx(iova, lvl, d);
		num = (int)min_t(size_t, pgcount, (size_t)(per_table - unmap_idx));
	}
	blk_paddr = iopte_to_paddr(blk_pte, d);
	prot = blk_pte & ~(ARM_LPAE_PTE_ADDR_MASK | ARM_LPAE_PTE_TYPE_MASK);
	for (i = 0; i < per_table; i++) {
		if (i >= unmap_idx && i < unmap_idx + num)
			continue;
		__arm_lpae_init_pte(d, blk_paddr + i * split_sz, prot, lvl, 1,
				    &tablep[i]);
	}

	pte = install_table(d, tablep, ptep, blk_pte);
	if (pte != blk_pte) {
		/* Someone else split or unmapped it first. */
		free_table(d, tablep, tablesz);
		if (!iopte_table(pte, lvl - 1))
			return 0;
		tablep = iopte_deref(pte, d);
	} else if (unmap_idx >= 0) {
		if (gather && !gather->queued)
			for (i = 0; i < num; i++)
				tlb_add_page(d, gather, iova + i * size, size);
		return (size_t)num * size;
	}
	return __arm_lpae_unmap(d, gather, iova, size, pgcount, lvl, tablep);
}

/* Unmaps up to the end of one table page, as Linux's __arm_lpae_unmap. */
static size_t __arm_lpae_unmap(struct arm_lpae_io_pgtable *d,
			       struct iommu_iotlb_gather *gather,
			       unsigned long iova, size_t size, size_t pgcount,
			       int lvl, arm_lpae_iopte *table)
{
	for (; lvl < ARM_LPAE_MAX_LEVELS; lvl++) {
		unsigned long idx = lvl_idx(iova, lvl, d);
		arm_lpae_iopte *ptep = table + idx;
		arm_lpae_iopte pte = pte_read(ptep);
		int i, num;

		if (!pte)
			return 0;
		if (size == block_size(lvl, d)) {
			num = (int)min_t(size_t, pgcount,
					 (size_t)max_entries(idx, d));
			for (i = 0; i < num; i++) {
				pte = pte_read(&ptep[i]);
				if (!pte)
					break;
				if (iopte_table(pte, lvl)) {
					pte_write(&ptep[i], 0);
					/* Also flush any partial walks. */
					tlb_flush_walk(d, iova + i * size, size,
						       granule_size(d));
					arm_lpae_free_pgtable_lvl(d, lvl + 1,
						     iopte_deref(pte, d));
				}
			}
			for (int j = 0; j < i; j++)
				pte_write(&ptep[j], 0);
			if (gather && !gather->queued)
				for (int j = 0; j < i; j++)
					tlb_add_page(d, gather, iova + j * size,
						     size);
			return (size_t)i * size;
		}
		if (iopte_leaf(pte, lvl))
			return split_blk_unmap(d, gather, iova, size, pte,
					       lvl + 1, ptep, pgcount);
		if (!iopte_table(pte, lvl))
			return 0;
		table = iopte_deref(pte, d);
	}
	return 0;
}

static size_t arm_lpae_unmap_pages(struct io_pgtable_ops *ops,
				   unsigned long iova, size_t pgsize,
				   size_t pgcount,
				   struct iommu_iotlb_gather *gather)
{
	struct arm_lpae_io_pgtable *d = io_pgtable_ops_to_data(ops);
	const struct io_pgtable_cfg *cfg = &d->iop.cfg;
	u64 ia_end = 1ULL << cfg->ias;
	size_t unmapped = 0;

	if (!pgsize || !is_power_of_2(pgsize) ||
	    (pgsize & cfg->pgsize_bitmap) != pgsize || !pgcount)
		return 0;
	if (iova >= ia_end || pgcount > (ia_end - iova) / pgsize ||
	    !IS_ALIGNED(iova, pgsize))
		return 0;

	while (pgcount) {
		size_t n = __arm_lpae_unmap(d, gather, iova, pgsize, pgcount,
					    d->start_level, d->pgd);

		if (!n)
			break;
		unmapped += n;
		iova += n;
		pgcount -= n / pgsize;
	}
	return unmapped;
}

static phys_addr_t arm_lpae_iova_to_phys(struct io_pgtable_ops *ops,
					 unsigned long iova)
{
	struct arm_lpae_io_pgtable *d = io_pgtable_ops_to_data(ops);
	arm_lpae_iopte *ptep = d->pgd;
	int lvl = d->start_level;

	if ((u64)iova >> d->iop.cfg.ias)
		return 0;
	for (;;) {
		arm_lpae_iopte pte = pte_read(ptep + lvl_idx(iova, lvl, d));

		if (iopte_leaf(pte, lvl))
			return iopte_to_paddr(pte, d) |
			       (iova & (block_size(lvl, d) - 1));
		if (!iopte_table(pte, lvl))
			return 0;
		ptep = iopte_deref(pte, d);
		lvl++;
	}
}

/* ------------------------------------------------------ dirty state */

/* DBM set and writable: the SMMU (or the mapping) made it dirty. */
static inline bool iopte_writeable_dirty(arm_lpae_iopte pte)
{
	return (pte & (ARM_LPAE_PTE_AP_RDONLY | ARM_LPAE_PTE_DBM)) ==
	       ARM_LPAE_PTE_DBM;
}

struct dirty_walk {
	u64 addr, end;
	unsigned long flags;
	struct iommu_dirty_bitmap *dirty;
};

/*
 * Linux's __arm_lpae_iopte_walk with visit_dirty: every leaf from addr to
 * end is visited (a leaf counts from addr, wherever addr falls in it); an
 * entry that is neither leaf nor table is -EINVAL.  Cleaning sets AP[2]
 * with an atomic OR, so a concurrent hardware update (a compare-and-swap
 * clearing it) is never lost.
 */
static int dirty_walk_lvl(struct arm_lpae_io_pgtable *d, struct dirty_walk *w,
			  arm_lpae_iopte *table, int lvl)
{
	unsigned long idx = lvl_idx(w->addr, lvl, d);
	unsigned long n = lvl == d->start_level ?
			  1UL << d->pgd_bits : 1UL << d->bits_per_level;

	for (; idx < n && w->addr < w->end; idx++) {
		arm_lpae_iopte *ptep = table + idx;
		arm_lpae_iopte pte = pte_read(ptep);
		u64 size = block_size(lvl, d);
		int ret;

		if (iopte_leaf(pte, lvl)) {
			if (iopte_writeable_dirty(pte)) {
				iommu_dirty_bitmap_record(w->dirty, w->addr, size);
				if (!(w->flags & IOMMU_DIRTY_NO_CLEAR))
					__atomic_fetch_or(ptep, ARM_LPAE_PTE_AP_RDONLY,
							  __ATOMIC_RELAXED);
			}
			w->addr += size;
			continue;
		}
		if (!iopte_table(pte, lvl))
			return -EINVAL;
		ret = dirty_walk_lvl(d, w, iopte_deref(pte, d), lvl + 1);
		if (ret)
			return ret;
	}
	return 0;
}

static int arm_lpae_read_and_clear_dirty(struct io_pgtable_ops *ops,
					 unsigned long iova, size_t size,
					 unsigned long flags,
					 struct iommu_dirty_bitmap *dirty)
{
	struct arm_lpae_io_pgtable *d = io_pgtable_ops_to_data(ops);
	struct dirty_walk w = {
		.addr = iova, .end = (u64)iova + size, .flags = flags,
		.dirty = dirty,
	};

	if (KWARN_ON(d->k, !size))
		return -EINVAL;
	if (KWARN_ON(d->k, ((u64)iova + size - 1) >> d->iop.cfg.ias))
		return -EINVAL;
	if (d->iop.fmt != ARM_64_LPAE_S1)
		return -EINVAL;
	return dirty_walk_lvl(d, &w, d->pgd, d->start_level);
}

const struct io_pgtable_ops arm_lpae_ops = {
	.map_pages	= arm_lpae_map_pages,
	.unmap_pages	= arm_lpae_unmap_pages,
	.iova_to_phys	= arm_lpae_iova_to_phys,
	.read_and_clear_dirty = arm_lpae_read_and_clear_dirty,
};
