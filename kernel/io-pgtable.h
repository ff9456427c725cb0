/* SPDX-License-Identifier: MIT */
/*
 * Generic page-table interface, the shape of include/linux/io-pgtable.h:
 * an IOMMU driver fills an io_pgtable_cfg (page sizes, address sizes, TLB
 * callbacks), asks for a format and gets ops to map, unmap and look up.
 * The format code writes descriptors into the kernel's machine memory and
 * hands back, in cfg, the register values (TTBR/TCR/MAIR or VTTBR/VTCR)
 * the hardware needs to walk them.
 */
#ifndef IOMMUSIM_KERNEL_IO_PGTABLE_H
#define IOMMUSIM_KERNEL_IO_PGTABLE_H

#include "kernel/iommu-prot.h"
#include "kernel/kernel.h"
#include "lib/bits.h"

enum io_pgtable_fmt {
	ARM_64_LPAE_S1,
	ARM_64_LPAE_S2,
	IO_PGTABLE_NUM_FMTS,
};

/*
 * What unmap collected for the driver to invalidate (include/linux/iommu.h's
 * iommu_iotlb_gather): the range, the page size of its leaves, and whether a
 * flush queue has taken the responsibility.
 */
struct iommu_iotlb_gather {
	unsigned long start;
	unsigned long end;	/* inclusive */
	size_t pgsize;
	bool queued;
};

static inline void iommu_iotlb_gather_init(struct iommu_iotlb_gather *g)
{
	g->start = ~0UL;
	g->end = 0;
	g->pgsize = 0;
	g->queued = false;
}

/* Widens the gather to cover [iova, iova + size) (dirty-bit harvesting). */
static inline void iommu_iotlb_gather_add_range(struct iommu_iotlb_gather *g,
						unsigned long iova, size_t size)
{
	unsigned long end = iova + size - 1;

	if (g->start > iova)
		g->start = iova;
	if (g->end < end)
		g->end = end;
}

struct iommu_dirty_bitmap;

/* TLB maintenance the format asks of its driver. */
struct iommu_flush_ops {
	void (*tlb_flush_all)(void *cookie);
	/* Table entries in [iova, iova + size) were freed or replaced. */
	void (*tlb_flush_walk)(unsigned long iova, size_t size, size_t granule,
			       void *cookie);
	/* A leaf of size granule at iova was removed: batch it in gather. */
	void (*tlb_add_page)(struct iommu_iotlb_gather *gather,
			     unsigned long iova, size_t granule, void *cookie);
};

/* Quirks, as in Linux. */
#define IO_PGTABLE_QUIRK_ARM_NS		(1UL << 0)
/*
 * Stage 1 with hardware dirty state (the SMMU's CD.HD): writable leaves
 * get DBM; a writable-clean leaf is AP read-only + DBM, which the SMMU
 * makes writable (dirty) on the first write.  read_and_clear_dirty then
 * works.
 */
#define IO_PGTABLE_QUIRK_ARM_HD		(1UL << 7)

struct io_pgtable_cfg {
	unsigned long quirks;
	/* Page and block sizes offered; the format trims it to the granule
	 * it picks (the smallest page size present picks the granule). */
	unsigned long pgsize_bitmap;
	unsigned int ias;	/* input address bits */
	unsigned int oas;	/* output address bits */
	bool coherent_walk;
	const struct iommu_flush_ops *tlb;
	struct kernel *k;	/* whose memory holds the tables */

	/* Filled in by alloc_io_pgtable_ops(). */
	union {
		struct {
			u64 ttbr;
			struct {
				u32 ips:3;
				u32 tg:2;
				u32 sh:2;
				u32 orgn:2;
				u32 irgn:2;
				u32 tsz:6;
			} tcr;
			u64 mair;
		} arm_lpae_s1_cfg;
		struct {
			u64 vttbr;
			struct {
				u32 ps:3;
				u32 tg:2;
				u32 sh:2;
				u32 orgn:2;
				u32 irgn:2;
				u32 sl:2;
				u32 tsz:6;
			} vtcr;
		} arm_lpae_s2_cfg;
	};
};

struct io_pgtable_ops {
	/*
	 * Map pgcount pages of pgsize (one of pgsize_bitmap) at iova -> paddr.
	 * *mapped accumulates what was mapped even on failure.  0, -EINVAL
	 * (bad pgsize, alignment or prot), -ERANGE (iova or paddr beyond
	 * ias/oas), -EEXIST (something already mapped), -ENOMEM.
	 * prot without IOMMU_READ or IOMMU_WRITE maps nothing and returns 0.
	 * Unlike Linux, which stops at the end of a table and leaves the
	 * rest to iommu_map()'s loop, all pgcount pages are mapped.
	 */
	int (*map_pages)(struct io_pgtable_ops *ops, unsigned long iova,
			 phys_addr_t paddr, size_t pgsize, size_t pgcount,
			 int prot, size_t *mapped);
	/*
	 * Bytes unmapped; 0 when nothing was mapped there or on bad input.
	 * Stops at the first page with nothing behind it, as iommu_unmap()'s
	 * loop does; unmapping part of a block splits the block.
	 */
	size_t (*unmap_pages)(struct io_pgtable_ops *ops, unsigned long iova,
			      size_t pgsize, size_t pgcount,
			      struct iommu_iotlb_gather *gather);
	/* 0 when iova is not mapped. */
	phys_addr_t (*iova_to_phys)(struct io_pgtable_ops *ops,
				    unsigned long iova);
	/*
	 * Dirty tracking (formats with hardware dirty state, as Linux's
	 * io-pgtable-arm with IO_PGTABLE_QUIRK_ARM_HD): record each dirty
	 * leaf of [iova, iova + size) in dirty and, unless flags has
	 * IOMMU_DIRTY_NO_CLEAR, make it clean again.  NULL: not supported.
	 */
	int (*read_and_clear_dirty)(struct io_pgtable_ops *ops,
				    unsigned long iova, size_t size,
				    unsigned long flags,
				    struct iommu_dirty_bitmap *dirty);
};

/*
 * The instance behind the ops (include/linux/io-pgtable.h's io_pgtable):
 * drivers reach the cfg it was built with through
 * io_pgtable_ops_to_pgtable(ops)->cfg.
 */
struct io_pgtable {
	enum io_pgtable_fmt fmt;
	void *cookie;
	struct io_pgtable_cfg cfg;
	struct io_pgtable_ops ops;
};

#define io_pgtable_ops_to_pgtable(x) container_of((x), struct io_pgtable, ops)

/* What a format provides to alloc_io_pgtable_ops(). */
struct io_pgtable_init_fns {
	struct io_pgtable *(*alloc)(struct io_pgtable_cfg *cfg, void *cookie);
	void (*free)(struct io_pgtable *iop);
};

/* NULL on a cfg the format cannot honour, or on allocation failure. */
struct io_pgtable_ops *alloc_io_pgtable_ops(enum io_pgtable_fmt fmt,
					    struct io_pgtable_cfg *cfg,
					    void *cookie);
/* Frees every table page; the caller invalidated the TLBs already. */
void free_io_pgtable_ops(struct io_pgtable_ops *ops);

#endif
