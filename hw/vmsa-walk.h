/* SPDX-License-Identifier: MIT */
/*
 * The VMSAv8-64 translation table walker (Arm DDI0487 D8, "The AArch64
 * Virtual Memory System Architecture"), as an SMMU or MMU would run it.
 *
 * It is deliberately ignorant of who built the tables: it reads every
 * descriptor through a fetch callback and reports the architected faults,
 * so a bug in kernel/io-pgtable shows up as a wrong walk, never as a shared
 * shortcut.  The SMMUv3 model walks stage 1, stage 2, and nested walks by
 * giving stage 1 a fetch callback that itself translates the table's IPA
 * through a stage-2 vmsa_walk(); a stage-2 fault on that fetch comes back
 * out of the stage-1 walk marked s1ptw (SMMU event CLASS=TT, S2=1).
 *
 * Permissions are not checked during the walk: vmsa_walk() returns the
 * leaf's decoded permissions (what a TLB entry caches) and
 * vmsa_check_perm() applies them per access, so one cached entry serves
 * reads, writes and instruction fetches alike.
 *
 * Scope: 4K, 16K and 64K granules; 48-bit addresses, and 52-bit output
 * addresses with the 64K granule (FEAT_LPA: OA[51:48] in descriptor bits
 * [15:12], 4TB level-1 blocks).  No FEAT_LPA2, no contiguous-hint
 * merging (the hint is legal to ignore).
 *
 * Hardware management of the access flag and dirty state (DDI0487 D8.4,
 * FEAT_HAFDBS; the SMMU's HTTU): with cfg->ha a leaf with AF=0 gets AF set
 * by the walk instead of an access flag fault; with cfg->ha and cfg->hd a
 * write to a writable-clean leaf (DBM=1 with AP[2]=1 at stage 1, S2AP[1]=0
 * at stage 2) is made dirty by vmsa_dirty_update() instead of faulting.
 * Both are compare-and-swap updates of the descriptor in memory (the
 * cfg->update callback); when the descriptor changed meanwhile the walk
 * starts again on what is there now.
 * Descriptors are 64-bit little-endian.
 *
 * A walk can be traced (cfg->trace): each descriptor it reads is reported
 * with its level and what the walker made of it, for debuggers and the
 * iommusim `walk` command.  An untraced walk pays one test per call for it.
 */
#ifndef IOMMUSIM_HW_VMSA_WALK_H
#define IOMMUSIM_HW_VMSA_WALK_H

#include "lib/bits.h"
#include "lib/types.h"

struct phys_mem;

/* Descriptor fields (Arm DDI0487 D8.3). */
/* Architectural limits (Arm DDI0487 D8.1-D8.2), named once. */
#define VMSA_ADDR_BITS		48	/* input and output addresses, 4K/16K */
#define VMSA_ADDR_BITS_64K	52	/* with the 64K granule (FEAT_LVA/LPA) */
#define VMSA_TXSZ_MIN		16	/* TnSZ of the largest input (48 bits) */
#define VMSA_TXSZ_MAX		39	/* TnSZ of the smallest input (25 bits) */
#define VMSA_TTB_SELECT_BIT	55	/* VA bit choosing TTB0 (0) or TTB1 (1) */

#define DESC_VALID		BIT_ULL(0)
#define DESC_TABLE		BIT_ULL(1)	/* table (L0-2) / page (L3) */
#define DESC_ATTR		GENMASK_ULL(5, 2)	/* S1 AttrIndx[4:2] + NS[5]; S2 MemAttr */
#define DESC_ATTRINDX		GENMASK_ULL(4, 2)	/* stage 1 AttrIndx */
#define DESC_NS			BIT_ULL(5)
#define DESC_AP			GENMASK_ULL(7, 6)	/* S1 AP[2:1] / S2 S2AP[1:0] */
#define DESC_AP_RDONLY		BIT_ULL(7)	/* stage 1 AP[2] */
#define DESC_S2AP_W		BIT_ULL(7)	/* stage 2 S2AP[1] */
#define DESC_SH			GENMASK_ULL(9, 8)
#define DESC_AF			BIT_ULL(10)
#define DESC_NG			BIT_ULL(11)
#define DESC_DBM		BIT_ULL(51)	/* Dirty Bit Modifier (leaves) */
#define DESC_PXN		BIT_ULL(53)
#define DESC_XN			BIT_ULL(54)
#define DESC_PXNTABLE		BIT_ULL(59)
#define DESC_XNTABLE		BIT_ULL(60)
#define DESC_APTABLE		GENMASK_ULL(62, 61)
#define DESC_NSTABLE		BIT_ULL(63)
/* Stage 1 table descriptors: the hierarchical attributes above. */
#define DESC_TABLE_ATTRS	GENMASK_ULL(63, 59)

/* An update callback's "the descriptor changed": walk again. */
#define VMSA_WALK_AGAIN		1

enum vmsa_fault_type {
	VMSA_FAULT_NONE = 0,
	VMSA_F_TRANSLATION,	/* invalid descriptor, input out of range */
	VMSA_F_ACCESS,		/* access flag clear and AFFD=0 */
	VMSA_F_PERMISSION,	/* from vmsa_check_perm() */
	VMSA_F_ADDR_SIZE,	/* table or output address beyond oa_bits */
	VMSA_F_EABT,		/* external abort on a descriptor fetch */
};

struct vmsa_fault {
	enum vmsa_fault_type type;
	u8 stage;		/* 1 or 2: the stage whose walk faulted */
	s8 level;		/* lookup level, 0..3 */
	/*
	 * A stage-2 fault taken while fetching a stage-1 descriptor (the
	 * fetch callback filled it in; see the top of this file).
	 */
	bool s1ptw;
	u64 ia;			/* the input address of the walk vmsa_walk() was called for */
	u64 ipa;		/* stage 2 faults: the IPA stage 2 was translating */
	phys_addr_t fetch_addr;	/* F_EABT: the descriptor address that aborted */
	unsigned int access;	/* F_PERMISSION: the refused VMSA_ACC_* mask */
	bool tt_write;		/* the table access that failed was a hardware update */
};

/*
 * Reads the 64-bit descriptor at addr.  Returns 0, or non-zero on failure:
 * leave fault->type as VMSA_FAULT_NONE for an external abort (the walker
 * fills in F_EABT), or fill *fault completely (a nested stage-2 fault).
 */
typedef int (*vmsa_fetch_fn)(void *opaque, phys_addr_t addr, u64 *desc,
			     struct vmsa_fault *fault);

/*
 * Replaces the descriptor at addr with new if it still holds old, atomically
 * (same opaque as the fetch).  0 when replaced, 1 when it held something
 * else, -1 on failure as for vmsa_fetch_fn.
 */
typedef int (*vmsa_update_fn)(void *opaque, phys_addr_t addr, u64 old, u64 new,
			      struct vmsa_fault *fault);

/* What the walker made of a descriptor it read (Arm DDI0487 D8.3). */
enum vmsa_desc_kind {
	VMSA_DESC_INVALID,	/* bit[0] = 0 */
	VMSA_DESC_TABLE,	/* next-level table */
	VMSA_DESC_BLOCK,	/* leaf above level 3 */
	VMSA_DESC_PAGE,		/* leaf at level 3 */
	VMSA_DESC_RESERVED,	/* 0b01 at level 3, or a block where the granule has none */
};

/* One descriptor read of a traced walk. */
struct vmsa_walk_step {
	s8 level;
	enum vmsa_desc_kind kind;
	u64 ia;			/* the input address being walked */
	phys_addr_t addr;	/* where it was read (the address the fetch was given) */
	u64 desc;
	phys_addr_t out;	/* table: next table; block/page: its output address */
};

/*
 * Walk caches (Arm IHI0070 16.2 "Caching", DDI0487 D8.16 "Translation
 * Lookaside Buffers": an implementation may cache table descriptors, so a
 * later walk need not read the levels above).  The walker itself caches
 * nothing; a caller that keeps a walk cache hands a cached table
 * descriptor in as the place to start (struct vmsa_walk_from), and asks
 * for the table descriptors a walk read (struct vmsa_walk_tables) to fill
 * its cache.  Stage 1's hierarchical limits travel with a cached entry,
 * packed as VMSA_HIER_*.
 */
#define VMSA_HIER_AP_TABLE	GENMASK(1, 0)	/* APTable, ORed */
#define VMSA_HIER_PXN_TABLE	BIT(2)
#define VMSA_HIER_XN_TABLE	BIT(3)

/* The lowest input address bit a lookup at level resolves (granule g). */
static inline unsigned int vmsa_level_shift(unsigned int g, int level)
{
	return g + (unsigned int)(3 - level) * (g - 3);
}

/*
 * The address a table or leaf descriptor points to: bits [47:g], and with
 * the 64K granule OA[51:48] packed into bits [15:12] (FEAT_LPA).
 */
static inline u64 vmsa_desc_addr(u64 desc, unsigned int g)
{
	u64 pa = desc & GENMASK_ULL(47, g);

	if (g == 16)
		pa |= (desc & GENMASK_ULL(15, 12)) << 36;
	return pa;
}

struct vmsa_walk_from {
	s8 level;		/* the level of the cached table descriptor, 0..2 */
	u8 hier;		/* VMSA_HIER_* down to and including it */
	phys_addr_t table;	/* the next-level table it points to */
	/*
	 * That table in host memory, or NULL: the walker then reads its
	 * descriptor there instead of calling fetch.  Only for a table the
	 * caller knows fetch would read from that same memory (machine RAM).
	 */
	const u64 *host;
};

struct vmsa_walk_tables {
	u8 valid;		/* BIT(level) for each table descriptor read */
	u8 hier[3];		/* VMSA_HIER_* down to and including level */
	phys_addr_t addr[3];	/* where it was read (as given to the fetch) */
	u64 desc[3];
};

struct vmsa_walk_cfg;
typedef void (*vmsa_trace_fn)(void *opaque, const struct vmsa_walk_cfg *cfg,
			      const struct vmsa_walk_step *step);

struct vmsa_walk_cfg {
	u8 stage;		/* 1 or 2 */
	u8 granule_shift;	/* 12, 14 or 16 */
	u8 ia_bits;		/* 64 - TnSZ */
	u8 oa_bits;		/* IPS/PS: output and table address size, <= 52 */
	s8 start_level;		/* from vmsa_s1_start_level()/vmsa_s2_start_level() */
	bool affd;		/* access-flag faults disabled (SMMU CD/STE.AFFD) */
	bool hpd;		/* stage 1: hierarchical permissions disabled (HADx) */
	bool ttb1;		/* stage 1: the upper VA range, ia[63:ia_bits] all ones */
	bool ha;		/* hardware access flag (SMMU CD.HA / STE.S2HA) */
	bool hd;		/* and dirty state (CD.HD / STE.S2HD); needs ha */
	phys_addr_t ttb;	/* start table; aligned down to its size */
	vmsa_fetch_fn fetch;
	/* Hardware updates (ha/hd); NULL: pretend them, write nothing. */
	vmsa_update_fn update;
	void *opaque;
	/*
	 * Optional: called after each descriptor is read and classified,
	 * before the walk acts on it (so a faulting descriptor is reported
	 * too).  A fetch that fails is not a step: the fault says where.
	 */
	vmsa_trace_fn trace;
	void *trace_opaque;
	/* Optional: read_count[level] counts each descriptor fetch issued. */
	u64 *read_count;
	/*
	 * Optional: start below start_level, from a cached table descriptor
	 * (its level must be >= start_level and < 3; the walk checks the input
	 * size as from the TTB, then continues at from->level + 1).
	 */
	const struct vmsa_walk_from *from;
	/* Optional: filled with the table descriptors the walk read. */
	struct vmsa_walk_tables *tables;
};

/* What a TLB entry caches: everything about the leaf but the access. */
struct vmsa_walk_result {
	phys_addr_t oa;		/* output address of ia */
	u64 ia;			/* input address walked */
	u64 desc;		/* raw leaf descriptor */
	phys_addr_t desc_addr;	/* where it was read (as given to the fetch) */
	u8 stage;
	s8 level;		/* leaf level */
	u8 size_shift;		/* log2 of the page/block size */
	/* Permissions: AP[2:1] (stage 1) or S2AP (stage 2), bits [7:6]. */
	u8 ap;
	bool pxn;		/* stage 1 PXN, bit 53 */
	bool xn;		/* stage 1 UXN / stage 2 XN, bit 54 */
	/* Stage 1 hierarchical limits, ORed from the table descriptors. */
	u8 ap_table;		/* APTable: bit 0 no unprivileged, bit 1 no write */
	bool pxn_table;
	bool xn_table;		/* UXNTable */
	/* Attributes. */
	u8 attr;		/* stage 1 AttrIndx[2:0] / stage 2 MemAttr[3:0] */
	u8 sh;			/* SH[1:0] */
	bool ng;		/* stage 1 nG */
	bool ns;		/* stage 1 NS */
	/*
	 * vmsa_allowed() of the above, computed by the walk (and by
	 * vmsa_dirty_update()), where the fields are still in registers.
	 */
	u8 allowed;
};

/* Access types for vmsa_check_perm(), ORed. */
#define VMSA_ACC_READ	(1u << 0)
#define VMSA_ACC_WRITE	(1u << 1)
#define VMSA_ACC_EXEC	(1u << 2)
#define VMSA_ACC_PRIV	(1u << 3)	/* privileged (else unprivileged, EL0) */

/*
 * Walks ia.  Returns 0 with *res filled, or -1 with *fault filled, checking
 * in the order of the Arm ARM pseudocode: input beyond ia_bits and a start
 * table beyond oa_bits fault at level 0 (translation, address size); then
 * per level an invalid descriptor, a level-3 descriptor with bit[1]=0 or a
 * block at a level that has none is a translation fault; a table or output
 * address beyond oa_bits an address size fault; then AF=0 (unless affd) an
 * access flag fault.
 */
int vmsa_walk(const struct vmsa_walk_cfg *cfg, u64 ia,
	      struct vmsa_walk_result *res, struct vmsa_fault *fault);

/*
 * Everything a walk result allows, as VMSA_ALLOW_* bits: read, write and
 * execute unprivileged (EL0), and the same shifted by
 * VMSA_ALLOW_PRIV_SHIFT privileged (EL1); stage 2 makes no difference.
 * vmsa_check_perm() is this mask applied to one access.  Stage 1 follows
 * the EL1&0 regime: AP[1] grants unprivileged data access, AP[2] and
 * APTable[1] make read-only, PXN/UXN and the table limits forbid
 * execution, and memory writable unprivileged is never privileged-
 * executable.  Stage 2: S2AP[0] read, S2AP[1] write, XN execute.
 */
#define VMSA_ALLOW_R		BIT(0)
#define VMSA_ALLOW_W		BIT(1)
#define VMSA_ALLOW_X		BIT(2)
#define VMSA_ALLOW_PRIV_SHIFT	3

static inline unsigned int vmsa_allowed_bits(unsigned int stage, unsigned int ap,
					     unsigned int ap_table, bool xn, bool pxn)
{
	unsigned int user, priv;
	bool user_ok, ro;

	if (stage == 2) {
		user = (ap & 1 ? VMSA_ALLOW_R : 0) | (ap & 2 ? VMSA_ALLOW_W : 0) |
		       (xn ? 0 : VMSA_ALLOW_X);
		return user | user << VMSA_ALLOW_PRIV_SHIFT;
	}
	user_ok = (ap & 1) && !(ap_table & 1);
	ro = (ap & 2) || (ap_table & 2);
	user = (user_ok ? VMSA_ALLOW_R | (ro ? 0 : VMSA_ALLOW_W) : 0) |
	       (xn ? 0 : VMSA_ALLOW_X);
	priv = VMSA_ALLOW_R | (ro ? 0 : VMSA_ALLOW_W) |
	       (pxn || (user_ok && !ro) ? 0 : VMSA_ALLOW_X);
	return user | priv << VMSA_ALLOW_PRIV_SHIFT;
}

/*
 * A leaf the walk accepted (valid, AF set or made so, output within
 * range), decoded into res: everything a TLB entry keeps.  The walker's
 * own, and the SMMU model's for its one-read miss (hw/smmuv3/walk.c).
 */
static __attribute__((always_inline)) inline void
vmsa_leaf_decode(struct vmsa_walk_result *res, unsigned int stage,
		 unsigned int g, u64 ia, phys_addr_t addr, u64 desc, int level,
		 unsigned int shift, u8 hier)
{
	bool s1 = stage == 1;

	res->oa = (vmsa_desc_addr(desc, g) & ~((1ULL << shift) - 1)) |
		  (ia & ((1ULL << shift) - 1));
	res->ia = ia;
	res->desc = desc;
	res->desc_addr = addr;
	res->stage = (u8)stage;
	res->level = (s8)level;
	res->size_shift = (u8)shift;
	res->ap = (u8)FIELD_GET(DESC_AP, desc);
	res->xn = !!(desc & DESC_XN);
	res->sh = (u8)FIELD_GET(DESC_SH, desc);
	res->pxn = s1 && (desc & DESC_PXN);
	res->ap_table = s1 ? (u8)FIELD_GET(VMSA_HIER_AP_TABLE, hier) : 0;
	res->pxn_table = s1 && (hier & VMSA_HIER_PXN_TABLE);
	res->xn_table = s1 && (hier & VMSA_HIER_XN_TABLE);
	res->attr = (u8)(s1 ? FIELD_GET(DESC_ATTRINDX, desc) : FIELD_GET(DESC_ATTR, desc));
	res->ng = s1 && (desc & DESC_NG);
	res->ns = s1 && (desc & DESC_NS);
	/* From the descriptor, not res: reading res back would stall. */
	res->allowed = (u8)vmsa_allowed_bits(
		stage, (unsigned int)FIELD_GET(DESC_AP, desc),
		s1 ? (unsigned int)FIELD_GET(VMSA_HIER_AP_TABLE, hier) : 0,
		(desc & DESC_XN) || (s1 && (hier & VMSA_HIER_XN_TABLE)),
		s1 && ((desc & DESC_PXN) || (hier & VMSA_HIER_PXN_TABLE)));
}

/* xn and pxn here include the tables' UXNTable and PXNTable. */
static inline unsigned int vmsa_allowed(const struct vmsa_walk_result *r)
{
	return vmsa_allowed_bits(r->stage, r->ap, r->ap_table,
				 r->xn || r->xn_table, r->pxn || r->pxn_table);
}

/*
 * Checks an access (VMSA_ACC_*) against a walk result.  0 when allowed,
 * else -1 with a permission fault at the leaf's stage and level.  Stage 1
 * follows the EL1&0 regime: AP[1] grants unprivileged access, AP[2] makes
 * read-only, PXN/UXN and the table limits forbid execution, and memory
 * writable unprivileged is never privileged-executable.  Stage 2: S2AP[0]
 * read, S2AP[1] write, XN execute.
 */
int vmsa_check_perm(const struct vmsa_walk_result *res, unsigned int access,
		    struct vmsa_fault *fault);

/* Stage-1 start level for an input size, or -EINVAL (ia_bits < 16, or
 * beyond 48, 52 with 64K). */
int vmsa_s1_start_level(unsigned int granule_shift, unsigned int ia_bits);

/*
 * Stage-2 start level from VTCR/STE SL0, and the number of tables
 * concatenated there (1..16), or -EINVAL when the combination is illegal
 * (Arm DDI0487 "S2InvalidSL"/"S2InconsistentSL": an SL0 encoding that
 * does not exist or that pa_bits, the implemented PA size, cannot use; or
 * ia_bits too small for the start level or needing more than 16 tables).
 */
int vmsa_s2_start_level(unsigned int granule_shift, unsigned int sl0,
			unsigned int ia_bits, unsigned int pa_bits,
			unsigned int *nr_concat);

/* Bytes of the start table (all concatenated tables), for alignment checks. */
u64 vmsa_start_table_size(unsigned int granule_shift, unsigned int ia_bits,
			  int start_level);

/*
 * A fetch callback over machine memory: opaque is a struct phys_mem *.
 * RAM is read in place (phys_ram_ptr) on the fast path; MMIO through the
 * bus; anything else is an external abort.
 */
int vmsa_fetch_ram(void *opaque, phys_addr_t addr, u64 *desc,
		   struct vmsa_fault *fault);
/* Its update: a compare-and-swap in RAM; anything else aborts. */
int vmsa_update_ram(void *opaque, phys_addr_t addr, u64 old, u64 new,
		    struct vmsa_fault *fault);

/*
 * Hardware dirty state: whether access (with VMSA_ACC_WRITE) to the leaf
 * of r, refused by vmsa_check_perm(), would be allowed by marking the leaf
 * dirty -- cfg->ha and cfg->hd, DBM set, the leaf writable-clean, and
 * every other permission (AP[1], APTable, privilege) allowing it.
 */
bool vmsa_dirty_update_allowed(const struct vmsa_walk_cfg *cfg,
			       const struct vmsa_walk_result *r,
			       unsigned int access);
/*
 * Marks the leaf of r dirty in memory (clears AP[2] / sets S2AP[1]) and
 * updates r.  0 when done, VMSA_WALK_AGAIN when the descriptor had
 * changed (walk again), -1 with *f on a fault of the update.
 */
int vmsa_dirty_update(const struct vmsa_walk_cfg *cfg,
		      struct vmsa_walk_result *r, struct vmsa_fault *f);

#endif
