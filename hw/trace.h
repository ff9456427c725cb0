/* SPDX-License-Identifier: MIT */
/*
 * Tracing the emulated hardware: a user turns on categories and gets one
 * line per event, named as QEMU names the same event (smmuv3_cmdq_opcode,
 * smmu_iotlb_lookup_hit, smmu_ptw_page_pte, smmuv3_record_event, ...) so a
 * QEMU user recognises them.  Each model keeps its own mask and callback
 * (smmuv3_set_trace(), its_set_trace()); nothing is global.
 *
 * Off costs nothing where it matters: the SMMU's translation fast path
 * never looks at the mask (tracing the TLB or the configuration cache
 * sends translations down the slow path instead), and every other trace
 * point is one load and a branch beside work that takes a lock anyway.
 * The callback runs with the model's lock held: it must only record the
 * line, never access the model.  This header is public (embedders trace
 * the SMMUv3 model too): <stdint.h> types and IOMMUSIM_ names only.
 */
#ifndef IOMMUSIM_HW_TRACE_H
#define IOMMUSIM_HW_TRACE_H

#ifdef __cplusplus
extern "C" {
#endif

#define IOMMUSIM_TRACE_CMDQ	(1u << 0)	/* SMMU commands as executed */
#define IOMMUSIM_TRACE_CFG	(1u << 1)	/* STE/CD fetches, configuration cache */
#define IOMMUSIM_TRACE_TLB	(1u << 2)	/* TLB lookups, fills, invalidations */
#define IOMMUSIM_TRACE_WALK	(1u << 3)	/* table walks: the leaf or the fault */
#define IOMMUSIM_TRACE_EVENT	(1u << 4)	/* event records written */
#define IOMMUSIM_TRACE_GERROR	(1u << 5)	/* GERROR raised and acknowledged */
#define IOMMUSIM_TRACE_ITS	(1u << 6)	/* ITS commands and translations */
#define IOMMUSIM_TRACE_IOMMUFD	(1u << 7)	/* kernel: iommufd ioctls */
#define IOMMUSIM_TRACE_DMA	(1u << 8)	/* kernel: iommu_map/unmap, the DMA API */
#define IOMMUSIM_TRACE_COHERENCY (1u << 9)	/* coherency checker reports */
#define IOMMUSIM_TRACE_ALL	0x3ffu

/* One trace line, without its newline; category is one IOMMUSIM_TRACE_*. */
typedef void (*iommusim_trace_fn)(void *opaque, unsigned int category,
				  const char *line);

/*
 * "cmdq,tlb,walk" (or "all") -> a mask; 0 with *bad pointing at the first
 * unknown name (and its length in *bad_len) when the list is wrong.
 */
unsigned int iommusim_trace_parse(const char *list, const char **bad,
				  unsigned int *bad_len);
/* The name of one category ("cmdq"), or NULL. */
const char *iommusim_trace_name(unsigned int category);

#ifdef __cplusplus
}
#endif

#endif
