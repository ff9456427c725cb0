/* SPDX-License-Identifier: MIT */
/*
 * What the SMMUv3 model's files share: register and structure layouts from
 * Arm IHI0070 (field names as there and in Linux's arm-smmu-v3.h), the
 * device state, and the seams between registers, command queue, event
 * queue, configuration decode, TLB and translation.
 *
 * Locking: smmu->lock (a mutex) serialises register accesses, command
 * processing, configuration fetches, walks and event writes.  The
 * translation hot path takes no lock: it reads the configuration cache and
 * the TLB through per-entry sequence counters, which only writers holding
 * smmu->lock bump.  Interrupts raised under the lock, wired or MSI, are
 * delivered by smmu_unlock() after it drops the lock.
 */
#ifndef IOMMUSIM_HW_SMMUV3_INTERNAL_H
#define IOMMUSIM_HW_SMMUV3_INTERNAL_H

#include "hw/smmuv3/smmuv3.h"
#include "hw/smmuv3/walkcache.h"
#include "hw/vmsa-walk.h"
#include "hw/trace-priv.h"
#include "lib/bits.h"
#include "lib/lock.h"

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#include "hw/smmuv3/utlb.h"

/*
 * Sequence-counted entries (configuration cache, TLB) are written under
 * smmu->lock and read without it.  A writer makes the counter odd, then
 * stores the payload with release stores, then makes the counter even with
 * a release store; a reader loads the counter (acquire), the payload with
 * acquire loads, then the counter again.  A reader that sees any word of a
 * newer payload therefore sees the odd counter on its second load and
 * retries.  Only atomic operations, no standalone fences (which
 * ThreadSanitizer does not model).  len is a multiple of 8, both 8-aligned.
 */
static inline void smmu_copy_words_publish(void *dst, const void *src,
					   size_t len)
{
	u64 *d = dst;
	const u64 *s = src;

#pragma GCC unroll 9
	for (size_t i = 0; i < len / 8; i++)
		__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
				 __ATOMIC_RELEASE);
}

static inline void smmu_copy_words_snapshot(void *dst, const void *src,
					    size_t len)
{
	u64 *d = dst;
	const u64 *s = src;

#pragma GCC unroll 9
	for (size_t i = 0; i < len / 8; i++)
		__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_ACQUIRE),
				 __ATOMIC_RELAXED);
}

/* Register offsets (page 0 unless noted). */
#define SMMU_IDR0		0x00
#define SMMU_IDR1		0x04
#define SMMU_IDR2		0x08
#define SMMU_IDR3		0x0c
#define SMMU_IDR4		0x10
#define SMMU_IDR5		0x14
#define SMMU_IIDR		0x18
#define SMMU_AIDR		0x1c
#define SMMU_CR0		0x20
#define SMMU_CR0ACK		0x24
#define SMMU_CR1		0x28
#define SMMU_CR2		0x2c
#define SMMU_STATUSR		0x40
#define SMMU_GBPA		0x44
#define SMMU_IRQ_CTRL		0x50
#define SMMU_IRQ_CTRLACK	0x54
#define SMMU_GERROR		0x60
#define SMMU_GERRORN		0x64
#define SMMU_GERROR_IRQ_CFG0	0x68
#define SMMU_GERROR_IRQ_CFG1	0x70
#define SMMU_GERROR_IRQ_CFG2	0x74
#define SMMU_STRTAB_BASE	0x80
#define SMMU_STRTAB_BASE_CFG	0x88
#define SMMU_CMDQ_BASE		0x90
#define SMMU_CMDQ_PROD		0x98
#define SMMU_CMDQ_CONS		0x9c
#define SMMU_EVENTQ_BASE	0xa0
#define SMMU_EVENTQ_IRQ_CFG0	0xb0
#define SMMU_EVENTQ_IRQ_CFG1	0xb8
#define SMMU_EVENTQ_IRQ_CFG2	0xbc
#define SMMU_EVENTQ_PROD	0x100a8
#define SMMU_EVENTQ_CONS	0x100ac

/* IDR fields. */
#define IDR0_S2P		BIT(0)
#define IDR0_S1P		BIT(1)
#define IDR0_TTF		GENMASK(3, 2)
#define IDR0_TTF_AARCH64	2
#define IDR0_COHACC		BIT(4)
#define IDR0_HTTU		GENMASK(7, 6)
#define IDR0_HTTU_ACCESS	1
#define IDR0_HTTU_ACCESS_DIRTY	2
#define IDR0_HYP		BIT(9)
#define IDR0_ASID16		BIT(12)
#define IDR0_MSI		BIT(13)
#define IDR0_SEV		BIT(14)
#define IDR0_VMID16		BIT(18)
#define IDR0_CD2L		BIT(19)
#define IDR0_STALL_MODEL	GENMASK(25, 24)
#define IDR0_TERM_MODEL		BIT(26)
#define IDR0_ST_LVL		GENMASK(28, 27)
#define IDR1_SIDSIZE		GENMASK(5, 0)
#define IDR1_SSIDSIZE		GENMASK(10, 6)
#define IDR1_EVTQS		GENMASK(20, 16)
#define IDR1_CMDQS		GENMASK(25, 21)
#define IDR3_FWB		BIT(8)
#define IDR3_RIL		BIT(10)
#define IDR5_OAS		GENMASK(2, 0)
#define IDR5_GRAN4K		BIT(4)
#define IDR5_GRAN16K		BIT(5)
#define IDR5_GRAN64K		BIT(6)

#define CR0_SMMUEN		BIT(0)
#define CR0_PRIQEN		BIT(1)
#define CR0_EVTQEN		BIT(2)
#define CR0_CMDQEN		BIT(3)
#define CR0_ATSCHK		BIT(4)
#define CR0_MASK		(CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN)

#define CR1_MASK		GENMASK(11, 0)
#define CR2_MASK		GENMASK(2, 0)

#define GBPA_UPDATE		BIT(31)
#define GBPA_ABORT		BIT(20)
#define GBPA_MASK		(GBPA_ABORT | GENMASK(19, 16) | GENMASK(13, 8) | GENMASK(4, 0))

#define IRQ_CTRL_GERROR_IRQEN	BIT(0)
#define IRQ_CTRL_PRIQ_IRQEN	BIT(1)
#define IRQ_CTRL_EVTQ_IRQEN	BIT(2)
#define IRQ_CTRL_MASK		(IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN)

#define GERROR_CMDQ_ERR		BIT(0)
#define GERROR_EVTQ_ABT_ERR	BIT(2)
#define GERROR_MSI_CMDQ_ABT_ERR	BIT(4)
#define GERROR_MSI_EVTQ_ABT_ERR	BIT(5)
#define GERROR_MSI_GERROR_ABT_ERR BIT(7)
#define GERROR_MASK		GENMASK(8, 0)

#define IRQ_CFG0_ADDR		GENMASK_ULL(51, 2)

#define STRTAB_BASE_RA		BIT_ULL(62)
#define STRTAB_BASE_ADDR	GENMASK_ULL(51, 6)
#define STRTAB_BASE_CFG_FMT	GENMASK(17, 16)
#define STRTAB_BASE_CFG_SPLIT	GENMASK(10, 6)
#define STRTAB_BASE_CFG_LOG2SIZE GENMASK(5, 0)
#define STRTAB_L1_DESC_SPAN	GENMASK_ULL(4, 0)
#define STRTAB_L1_DESC_L2PTR	GENMASK_ULL(51, 6)

#define Q_BASE_RWA		BIT_ULL(62)
#define Q_BASE_ADDR		GENMASK_ULL(51, 5)
#define Q_BASE_LOG2SIZE		GENMASK_ULL(4, 0)
#define CMDQ_CONS_ERR		GENMASK(30, 24)
#define EVTQ_PROD_OVFLG		BIT(31)
#define EVTQ_CONS_OVACKFLG	BIT(31)
#define Q_IDX_WRAP_MAX		GENMASK(19, 0)	/* index + wrap of a 2^19 queue */

/*
 * The index and wrap bit of a PROD/CONS register for a queue of base
 * register value base: bits [LOG2SIZE:0].  Bits above them up to 19 are
 * RAZ in the registers the SMMU writes (CMDQ_CONS, EVENTQ_PROD) and
 * without effect in those software writes (IHI0070 6.3.27, 6.3.28).
 */
static inline u32 smmu_q_idx_wrap(u64 base)
{
	return (2u << FIELD_GET(Q_BASE_LOG2SIZE, base)) - 1;
}

#define CERROR_NONE		0
#define CERROR_ILL		1
#define CERROR_ABT		2

/* STE. */
#define STE_0_V			BIT_ULL(0)
#define STE_0_CFG		GENMASK_ULL(3, 1)
#define STE_0_S1FMT		GENMASK_ULL(5, 4)
#define STE_0_S1CTXPTR		GENMASK_ULL(51, 6)
#define STE_0_S1CDMAX		GENMASK_ULL(63, 59)
#define STE_1_S1DSS		GENMASK_ULL(1, 0)
#define STE_1_S1CIR		GENMASK_ULL(3, 2)
#define STE_1_S1COR		GENMASK_ULL(5, 4)
#define STE_1_S1CSH		GENMASK_ULL(7, 6)
#define STE_1_S2FWB		BIT_ULL(25)
#define STE_1_S1STALLD		BIT_ULL(27)
#define STE_1_EATS		GENMASK_ULL(29, 28)
#define STE_1_STRW		GENMASK_ULL(31, 30)
#define STE_1_SHCFG		GENMASK_ULL(45, 44)
#define STE_2_S2VMID		GENMASK_ULL(15, 0)
#define STE_2_S2T0SZ		GENMASK_ULL(37, 32)
#define STE_2_S2SL0		GENMASK_ULL(39, 38)
#define STE_2_S2IR0		GENMASK_ULL(41, 40)
#define STE_2_S2OR0		GENMASK_ULL(43, 42)
#define STE_2_S2SH0		GENMASK_ULL(45, 44)
#define STE_2_S2TG		GENMASK_ULL(47, 46)
#define STE_2_S2PS		GENMASK_ULL(50, 48)
#define STE_2_S2AA64		BIT_ULL(51)
#define STE_2_S2ENDI		BIT_ULL(52)
#define STE_2_S2AFFD		BIT_ULL(53)
#define STE_2_S2PTW		BIT_ULL(54)
#define STE_2_S2HD		BIT_ULL(55)
#define STE_2_S2HA		BIT_ULL(56)
#define STE_2_S2S		BIT_ULL(57)
#define STE_2_S2R		BIT_ULL(58)
#define STE_3_S2TTB		GENMASK_ULL(51, 4)

#define STE_CFG_ABORT		0
#define STE_CFG_BYPASS		4
#define STE_CFG_S1		5
#define STE_CFG_S2		6
#define STE_CFG_NESTED		7

#define STE_S1FMT_LINEAR	0
#define STE_S1FMT_64K_L2	1	/* two-level, 4K leaf tables (SPLIT 6) */
#define STE_S1FMT_4K_L2		1
#define STE_S1FMT_64K_L2B	2	/* two-level, 64K leaf tables (SPLIT 10) */

#define STE_S1DSS_TERMINATE	0
#define STE_S1DSS_BYPASS	1
#define STE_S1DSS_SSID0		2

/* CD. */
#define CD_0_T0SZ		GENMASK_ULL(5, 0)
#define CD_0_TG0		GENMASK_ULL(7, 6)
#define CD_0_IR0		GENMASK_ULL(9, 8)
#define CD_0_OR0		GENMASK_ULL(11, 10)
#define CD_0_SH0		GENMASK_ULL(13, 12)
#define CD_0_EPD0		BIT_ULL(14)
#define CD_0_ENDI		BIT_ULL(15)
#define CD_0_T1SZ		GENMASK_ULL(21, 16)
#define CD_0_TG1		GENMASK_ULL(23, 22)
#define CD_0_EPD1		BIT_ULL(30)
#define CD_0_V			BIT_ULL(31)
#define CD_0_IPS		GENMASK_ULL(34, 32)
#define CD_0_AFFD		BIT_ULL(35)
#define CD_0_WXN		BIT_ULL(36)
#define CD_0_UWXN		BIT_ULL(37)
#define CD_0_TBI		GENMASK_ULL(39, 38)
#define CD_0_PAN		BIT_ULL(40)
#define CD_0_AA64		BIT_ULL(41)
#define CD_0_HD			BIT_ULL(42)
#define CD_0_HA			BIT_ULL(43)
#define CD_0_S			BIT_ULL(44)
#define CD_0_R			BIT_ULL(45)
#define CD_0_A			BIT_ULL(46)
#define CD_0_ASET		BIT_ULL(47)
#define CD_0_ASID		GENMASK_ULL(63, 48)
#define CD_TTB			GENMASK_ULL(51, 4)	/* words 1 (TTB0) and 2 (TTB1) */
#define CD_3_MAIR		GENMASK_ULL(63, 0)
#define L1CD_V			BIT_ULL(0)
#define L1CD_L2PTR		GENMASK_ULL(51, 12)

/* Commands. */
#define CMD_PREFETCH_CONFIG	0x01
#define CMD_PREFETCH_ADDR	0x02
#define CMD_CFGI_STE		0x03
#define CMD_CFGI_STE_RANGE	0x04
#define CMD_CFGI_CD		0x05
#define CMD_CFGI_CD_ALL		0x06
#define CMD_TLBI_NH_ALL		0x10
#define CMD_TLBI_NH_ASID	0x11
#define CMD_TLBI_NH_VA		0x12
#define CMD_TLBI_NH_VAA		0x13
#define CMD_TLBI_EL2_ALL	0x20
#define CMD_TLBI_EL2_ASID	0x21
#define CMD_TLBI_EL2_VA		0x22
#define CMD_TLBI_EL2_VAA	0x23
#define CMD_TLBI_S12_VMALL	0x28
#define CMD_TLBI_S2_IPA		0x2a
#define CMD_TLBI_NSNH_ALL	0x30
#define CMD_SYNC		0x46

#define CMD_0_OP		GENMASK_ULL(7, 0)
#define CMD_0_SSEC		BIT_ULL(10)
#define CMD_0_SSV		BIT_ULL(11)
#define CMD_0_SSID		GENMASK_ULL(31, 12)
#define CMD_0_SID		GENMASK_ULL(63, 32)
#define CMD_1_LEAF		BIT_ULL(0)
#define CMD_1_RANGE		GENMASK_ULL(4, 0)
#define CMD_0_NUM		GENMASK_ULL(16, 12)
#define CMD_0_SCALE		GENMASK_ULL(24, 20)
#define CMD_0_VMID		GENMASK_ULL(47, 32)
#define CMD_0_ASID		GENMASK_ULL(63, 48)
#define CMD_1_TTL		GENMASK_ULL(9, 8)
#define CMD_1_TG		GENMASK_ULL(11, 10)
#define CMD_1_VA		GENMASK_ULL(63, 12)
#define CMD_1_IPA		GENMASK_ULL(51, 12)
#define CMD_SYNC_0_CS		GENMASK_ULL(13, 12)
#define CMD_SYNC_0_MSIDATA	GENMASK_ULL(63, 32)
#define CMD_SYNC_1_MSIADDR	GENMASK_ULL(51, 2)
#define CMD_SYNC_CS_NONE	0
#define CMD_SYNC_CS_IRQ		1
#define CMD_SYNC_CS_SEV		2

/* Event records. */
#define EVT_F_UUT		0x01
#define EVT_C_BAD_STREAMID	0x02
#define EVT_F_STE_FETCH		0x03
#define EVT_C_BAD_STE		0x04
#define EVT_F_STREAM_DISABLED	0x06
#define EVT_C_BAD_SUBSTREAMID	0x08
#define EVT_F_CD_FETCH		0x09
#define EVT_C_BAD_CD		0x0a
#define EVT_F_WALK_EABT		0x0b
#define EVT_F_TRANSLATION	0x10
#define EVT_F_ADDR_SIZE		0x11
#define EVT_F_ACCESS		0x12
#define EVT_F_PERMISSION	0x13

#define EVT_0_TYPE		GENMASK_ULL(7, 0)
#define EVT_0_SSV		BIT_ULL(11)
#define EVT_0_SSID		GENMASK_ULL(31, 12)
#define EVT_0_SID		GENMASK_ULL(63, 32)
#define EVT_1_PNU		BIT_ULL(33)
#define EVT_1_IND		BIT_ULL(34)
#define EVT_1_RNW		BIT_ULL(35)
#define EVT_1_S2		BIT_ULL(39)
#define EVT_1_CLASS		GENMASK_ULL(41, 40)
#define EVT_1_TT_READ		BIT_ULL(44)	/* the table access was a read */
#define EVT_3_IPA		GENMASK_ULL(51, 12)
#define EVT_3_FETCH_ADDR	GENMASK_ULL(51, 3)
#define EVT_CLASS_CD		0
#define EVT_CLASS_TT		1
#define EVT_CLASS_IN		2

/* A decoded STE (+ CD): what the configuration cache holds. */
enum smmu_cfg_kind {
	CFG_ABORT,		/* terminate, no event */
	CFG_BYPASS,
	CFG_TRANSLATE,
	CFG_DISABLED,		/* F_STREAM_DISABLED (S1DSS terminate) */
};

/* TLB tags: which translation regime an entry belongs to. */
enum smmu_tlb_kind {
	TLB_S1 = 1,		/* NS-EL1 stage 1 only */
	TLB_S12,		/* NS-EL1 combined stage 1 + stage 2 */
	TLB_S2,			/* NS-EL1 stage 2 only */
	TLB_EL2,		/* EL2 StreamWorld stage 1 */
};

struct smmu_tt {
	u64 ttb;
	u8 tsz;
	u8 gshift;
	s8 start_level;		/* of the walk, < 0 when tsz and gshift allow none */
	bool disabled;		/* EPDn */
};

struct smmu_cfg {
	/* Hot part, copied by the translation fast path. */
	u8 kind;
	u8 tlb_kind;
	u8 tbi;			/* CD.TBI: bit 0 for TTB0's half, bit 1 for TTB1's */
	u8 tlb_gshift[2];	/* TLB key granule for each half */
	u8 s1, s2;
	u8 pad;
	u16 vmid;
	u16 asid;
	u32 pad2;
	/* Cold part, for walks. */
	struct smmu_tt tt[2];
	u8 s1_oas;		/* effective IPS, bits */
	bool s1_affd, wxn, record_s1;
	bool s1_ha, s1_hd;	/* effective CD.HA/HD (IDR0.HTTU allows them) */
	u8 one_read;		/* halves smmu_s1_leaf_miss() may serve: BIT(half) */
	u8 s2_tsz, s2_gshift, s2_sl0, s2_oas;
	s8 s2_start_level;	/* set by smmu_s2_params_valid() */
	bool s2_affd, record_s2;
	bool s2_ha, s2_hd;	/* effective STE.S2HA/S2HD */
	u64 s2ttb;
};

#define SMMU_CFG_HOT_SIZE	offsetof(struct smmu_cfg, tt)
_Static_assert(SMMU_CFG_HOT_SIZE % 8 == 0 && sizeof(struct smmu_cfg) % 8 == 0,
	       "copied in 64-bit words");

struct smmu_cfg_slot {
	u32 seq;		/* odd while being written */
	u32 valid;
	u32 sid, ssid;
	struct smmu_cfg cfg;
};

#define SMMU_CFG_CACHE_SIZE	1024

struct smmu_tlb_entry {
	u32 seq;		/* odd while being written */
	u32 pad0;
	/* Payload, copied word by word (smmu_copy_words_*). */
	union {
		struct {
			u8 kind;	/* 0 = invalid */
			u8 global;
			u8 gshift;	/* key granule: va_page = va >> gshift */
			u8 range_shift;	/* size of the leaf the entry came from */
			u16 vmid, asid;
		};
		u64 tag;	/* the fields above as one word (smmu_tlb_same_key()) */
	};
	union {
		struct {
			u8 s1_allow, s2_allow;	/* PERM_* bits allowed by each stage */
			u8 attr;
			u8 httu_write;	/* a refused write may mark a leaf dirty: walk */
			s8 level;	/* the leaf's lookup level (stage 1's when nested) */
			u8 pad[3];
		};
		u64 use;	/* the fields above as one word */
	};
	u64 va_page;
	u64 out_page;		/* output address of the granule page */
	u64 ipa_page;		/* nested: IPA of the granule page */
	u64 pad2[2];
};

#define SMMU_TLB_PAYLOAD	offsetof(struct smmu_tlb_entry, kind)
_Static_assert(sizeof(struct smmu_tlb_entry) == 64, "one cache line");

/*
 * A byte or halfword field of an entry placed in its word (tag or use),
 * for a fill that stores the word whole: an entry built byte by byte and
 * then copied (or compared) word by word stalls the CPU on every fill,
 * which cannot forward several small stores to one wider load.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "fields by byte offset");
#define SMMU_TLB_FIELD(field, v)					\
	((u64)(v) << (offsetof(struct smmu_tlb_entry, field) % 8 * 8))

/*
 * Whether two entries cache the same translation: regime, VMID, ASID, key
 * granule and page.  The tag's key bytes are compared as one masked word
 * (nG and the leaf size are what a refill may change).
 */
static inline bool smmu_tlb_same_key(const struct smmu_tlb_entry *a,
				     const struct smmu_tlb_entry *b)
{
	const struct smmu_tlb_entry key = {
		.kind = 0xff, .gshift = 0xff, .vmid = 0xffff, .asid = 0xffff,
	};

	return !((a->tag ^ b->tag) & key.tag) && a->va_page == b->va_page;
}

#define SMMU_TLB_WAYS		4u
#define SMMU_TLB_VMID_BUCKETS	256u

/* Allowed-access bits cached per stage (R/W/X for privileged and not). */
#define PERM_R		VMSA_ALLOW_R
#define PERM_W		VMSA_ALLOW_W
#define PERM_X		VMSA_ALLOW_X
#define PERM_PRIV_SHIFT	VMSA_ALLOW_PRIV_SHIFT
#define PERM_ALL	0x3f	/* R, W, X for both privilege levels */

/* *_IRQ_CFG0..2 of one interrupt: MSI address, data, attributes. */
struct smmu_irq_cfg {
	u64 cfg0;
	u32 cfg1, cfg2;
};

/*
 * The fast path's counters, one cache line per shard; a thread picks its
 * shard from its stack address (smmu_fast_stats()), so threads rarely
 * share a line and nothing locks.  Increments are a relaxed load and
 * store: on a shared shard one may be lost, never the path slowed.
 */
#define SMMU_STAT_SHARDS	8

struct smmu_fast_stats {
	/* Each is also a translation and a configuration-cache hit. */
	_Atomic u64 tlb_hits[SMMUV3_REGIMES];
	_Atomic u64 bypasses;
} __attribute__((aligned(64)));

/* MSI sources (smmu->msi[]). */
enum { SMMU_MSI_SYNC, SMMU_MSI_EVTQ, SMMU_MSI_GERROR, SMMU_MSI_SOURCES };

struct smmuv3 {
	struct mutex lock;
	unsigned long lock_owner;	/* pthread_self() of the holder, or 0 */
	struct phys_mem *mem;
	struct smmuv3_config conf;
	struct smmuv3_irq_ops irq;
	void *irq_opaque;
	u32 msi_devid;

	u32 idr[6], iidr, aidr;
	u32 cr0, cr0ack, cr1, cr2, gbpa;
	u32 irq_ctrl, irq_ctrlack;
	u32 gerror, gerrorn;
	struct smmu_irq_cfg gerror_irq;
	u64 strtab_base;
	u32 strtab_base_cfg;
	u64 cmdq_base;
	u32 cmdq_prod, cmdq_cons;
	u64 eventq_base;
	u32 eventq_prod, eventq_cons;
	struct smmu_irq_cfg eventq_irq;

	/* smmuv3_set_cmd_trap(); changed under the lock. */
	const struct smmuv3_cmd_trap_ops *trap;
	void *trap_opaque;

	/* Interrupts raised under the lock, delivered after it is dropped. */
	unsigned int pending_irqs;
	/*
	 * MSIs raised under the lock (PEND_MSI), sent after it is dropped, as
	 * hardware posts them: one slot per source (a second event or GERROR
	 * MSI before the send merges with the first).
	 */
	struct smmu_msi {
		u64 addr;
		u32 data;
		u32 abt_err;	/* the GERROR bit an abort raises; 0: none pending */
	} msi[SMMU_MSI_SOURCES];
	/*
	 * A CMD_SYNC whose MSI is on its way: its CMDQ_CONS index and
	 * SYNC_MSI_POSTED, then SYNC_MSI_SENT; 0 for none.  The queue stops
	 * at it, unconsumed, until its MSI is written (CONS never passes a
	 * CMD_SYNC before its completion is visible), then goes on (PEND_CMDQ).
	 */
	u32 cmdq_sync_msi;
	/*
	 * The wired lines as the interrupt controller holds them (PEND_*
	 * bits, atomics, no lock): asserted and not yet taken, and whose
	 * handler runs now (active).  See smmu_irq_line().
	 */
	unsigned int line_pending, line_active;

	struct smmu_cfg_slot *cfg_cache;
	/* Which slots are valid, and their StreamIDs, packed: what CFGI_*
	 * scans (under the lock) instead of every slot's cache line. */
	u64 cfg_valid[SMMU_CFG_CACHE_SIZE / 64];
	u32 cfg_sid[SMMU_CFG_CACHE_SIZE];
	struct smmu_tlb_entry *tlb;
	unsigned int tlb_sets_bits;
	u64 *tlb_big;		/* entries cut from a leaf larger than their key granule */
	u32 *tlb_tag;		/* per entry: kind | vmid << 8 (0: free), what scans read */
	u64 *tlb_valid;		/* bitmap of valid entries: scans visit only these */
	u32 tlb_nr_valid;	/* how many */
	u32 tlb_pages[3];	/* other valid entries, per key granule 4K/16K/64K */
	/* Valid entries per regime and VMID bucket (VMID % 256), so that an
	 * "all"/ASID/VMID invalidation with nothing to remove scans nothing. */
	u32 tlb_vmid_count[SMMUV3_REGIMES][SMMU_TLB_VMID_BUCKETS];
	u32 tlb_victim;
	/* Walk caches: stage-1 and stage-2 table descriptors, S1PTW. */
	struct smmu_wcache wc_s1, wc_s2, wc_s1ptw;

	struct smmuv3_stats stats;	/* under the lock */
	struct hw_trace trace;
	/*
	 * SMMU_FAST_GO when the translation fast path may answer: SMMUEN set
	 * and no TLB or configuration-cache tracing (smmu_update_fast_gate()).
	 * utlb_gen: the micro-TLB's generation, bumped (under the lock) by
	 * every invalidation; beside the gate, one line for the fast path.
	 */
	u32 fast_gate;
	u32 utlb_gen;
	struct smmu_utlb_entry *utlb;
	struct smmu_fast_stats fast[SMMU_STAT_SHARDS];

	/* The coherency checker (coherency.c): SMMUV3_COHERENCY_*, its
	 * tables (allocated while on) and report callback; under the lock. */
	unsigned int coherency;
	struct smmu_coherency *coh;
};

/* The calling thread's shard of the fast-path counters. */
static inline struct smmu_fast_stats *smmu_fast_stats(struct smmuv3 *smmu)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	return &smmu->fast[((sp >> 20) * 0x9e3779b97f4a7c15ULL) >> 61];
}

static inline void smmu_fast_inc(_Atomic u64 *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* The stats' index of a TLB kind (enum smmu_tlb_kind starts at 1). */
#define SMMU_REGIME(tlb_kind)	((tlb_kind) - 1)

#define PEND_EVTQ	BIT(0)
#define PEND_GERROR	BIT(1)
#define PEND_SYNC	BIT(2)
#define PEND_SEV	BIT(3)
#define PEND_MSI	BIT(4)	/* smmu->msi[] has one to send */
#define PEND_CMDQ	BIT(5)	/* the command queue stopped at a CMD_SYNC's MSI */

#define SYNC_MSI_POSTED	BIT(30)
#define SYNC_MSI_SENT	BIT(31)

#define SMMU_FAST_GO	1

/* regs.c */
void smmu_update_fast_gate(struct smmuv3 *smmu);	/* lock held */
/* Empties the micro-TLB (utlb.h); lock held. */
static inline void smmu_utlb_flush(struct smmuv3 *smmu)
{
	__atomic_store_n(&smmu->utlb_gen, smmu->utlb_gen + 1, __ATOMIC_RELEASE);
}
void smmu_lock(struct smmuv3 *smmu);
/*
 * Whether this thread holds smmu->lock: an access the model's own write
 * set off (an MSI or event record aimed at its registers, or at a device
 * register that starts a DMA through it), which must not wait for the lock.
 */
static inline bool smmu_reentered(const struct smmuv3 *smmu)
{
	unsigned long owner = READ_ONCE(smmu->lock_owner);

	return owner && owner == (unsigned long)pthread_self();
}
void smmu_unlock(struct smmuv3 *smmu);	/* drops the lock, then fires irqs */
void smmu_raise_gerror(struct smmuv3 *smmu, u32 bits);

/* Lock held: an MSI of source src (SMMU_MSI_*) for smmu_unlock() to send. */
static inline void smmu_msi_post(struct smmuv3 *smmu, unsigned int src,
				 u64 addr, u32 data, u32 abt_err)
{
	lockdep_assert_held(&smmu->lock);
	smmu->msi[src] = (struct smmu_msi){ addr, data, abt_err };
	smmu->pending_irqs |= PEND_MSI;
}

/* cmdq.c */
void smmu_cmdq_process(struct smmuv3 *smmu);

/* evtq.c: returns true when the record reached the queue. */
struct smmu_event {
	u32 type;
	u32 sid, ssid;		/* ssid SMMUV3_NO_SSID when none */
	unsigned int access;
	bool s2;
	bool no_record;		/* a translation fault of a stage with R=0 */
	bool dry_run;		/* smmuv3_inspect_walk(): never recorded */
	s8 level;		/* walk faults: the lookup level (not in the record) */
	u8 class;
	bool tt_write;		/* CLASS=TT: a hardware update (TnD write) */
	u64 input;
	u64 ipa;
	u64 fetch_addr;
};
bool smmu_record_event(struct smmuv3 *smmu, const struct smmu_event *ev);
/* A raw record: 0, -ENODEV (EVTQEN clear), -ENOSPC (full), -EFAULT. */
int smmu_write_event_record(struct smmuv3 *smmu, const u64 rec[4]);

/* ste.c: configuration fetch and decode, and the configuration cache. */
struct smmuv3_ste_info;
/* info (hw/smmuv3/inspect.h), when given, receives what was read. */
int smmu_fetch_config_info(struct smmuv3 *smmu, u32 sid, u32 ssid,
			   struct smmu_cfg *cfg, struct smmu_event *ev,
			   struct smmuv3_ste_info *info);
static inline int smmu_fetch_config(struct smmuv3 *smmu, u32 sid, u32 ssid,
				    struct smmu_cfg *cfg, struct smmu_event *ev)
{
	return smmu_fetch_config_info(smmu, sid, ssid, cfg, ev, NULL);
}
bool smmu_cfg_cache_peek(struct smmuv3 *smmu, u32 sid, u32 ssid,
			 struct smmu_cfg *hot);		/* lock-free */
const struct smmu_cfg *smmu_cfg_cache_get(struct smmuv3 *smmu, u32 sid,
					  u32 ssid);	/* lock held */
void smmu_cfg_cache_insert(struct smmuv3 *smmu, u32 sid, u32 ssid,
			   const struct smmu_cfg *cfg);
void smmu_cfg_cache_inv_sid(struct smmuv3 *smmu, u32 first, u32 last);
void smmu_cfg_cache_inv_cd(struct smmuv3 *smmu, u32 sid, u32 ssid);

/* walk.c: stage-2 translation of an IPA for a configuration fetch. */
int smmu_s2_translate_fetch(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			    u64 ipa, u64 *pa, struct smmu_event *ev);
bool smmu_s2_params_valid(const struct smmuv3 *smmu, struct smmu_cfg *cfg);

/*
 * The walk of a TLB miss (walk.c), for smmuv3_inspect_walk(): with t,
 * each descriptor read goes to t->fn, the TLB is left alone, a fault is not
 * recorded (ev->dry_run), and what the walk found is left in t.  Real
 * translations pass no t, and pay nothing for it but a test or two per miss.
 */
struct smmuv3_walk_step;
struct smmu_walk_trace {
	void (*fn)(void *opaque, const struct smmuv3_walk_step *step);
	void *opaque;
	bool nested;		/* stage-1 descriptors are at IPAs */
	bool in_s1_fetch;	/* a stage-2 walk for a stage-1 descriptor */
	u64 s1_pa;		/* where that descriptor was then read */
	/* Out: each stage's allowed accesses once its walk succeeded, and
	 * once both did (permission faults included) the rest. */
	u8 s1_allow, s2_allow;
	u64 ipa;
	u8 size_shift;
};
int smmu_translate_walk(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			u64 iova, unsigned int access, struct smmu_event *ev,
			struct smmuv3_result *res, struct smmu_walk_trace *t);
/*
 * A stage-1 TLB miss served by one descriptor read (lock held; the
 * walk-cache hit at the last table level): true when it filled the TLB
 * and res, false when smmu_translate_miss() must walk.
 */
bool smmu_s1_leaf_miss(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
		       u64 va, unsigned int half, unsigned int need,
		       const struct smmu_event *ev, struct smmuv3_result *res);
/* The same walk for a real TLB miss (lock held): fills the TLB. */
int smmu_translate_miss(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			u64 iova, unsigned int access, struct smmu_event *ev,
			struct smmuv3_result *res);
/* A walk's fault f as the event of ev (recorded unless dry run or R=0). */
int smmu_walk_fault(struct smmuv3 *smmu, struct smmu_event *ev,
		    const struct smmu_cfg *cfg, const struct vmsa_fault *f,
		    bool s2, u8 class, struct smmuv3_result *res);
/* After a translation from TLB entry e succeeded: the micro-TLB keeps it. */
void smmu_utlb_fill_entry(struct smmuv3 *smmu, const struct smmu_event *ev,
			  const struct smmu_tlb_entry *e, u64 va);

/* ev's event as the result; recorded unless a dry run or R=0. */
static inline int smmu_record(struct smmuv3 *smmu, struct smmu_event *ev,
			      struct smmuv3_result *res)
{
	res->event = ev->type;
	res->recorded = !ev->no_record && !ev->dry_run &&
			smmu_record_event(smmu, ev);
	return (int)ev->type;
}

/* The PERM_* bits an access (SMMUV3_READ|WRITE|EXEC|PRIV) needs. */
static inline unsigned int smmu_access_need(unsigned int access)
{
	unsigned int need = 0;

	if (access & SMMUV3_WRITE)
		need |= PERM_W;
	if (access & SMMUV3_EXEC)
		need |= PERM_X;
	if (!need || (access & SMMUV3_READ))
		need |= PERM_R;
	return access & SMMUV3_PRIV ? need << PERM_PRIV_SHIFT : need;
}

/* Which half of the VA space (TTB0/1) and the address the tables see (TBI). */
static inline u64 smmu_s1_input(const struct smmu_cfg *cfg, u64 iova,
				unsigned int *half)
{
	*half = cfg->s1 ? (iova >> VMSA_TTB_SELECT_BIT) & 1 : 0;
	if (cfg->s1 && (cfg->tbi & (1u << *half)))
		iova = (iova & GENMASK_ULL(VMSA_TTB_SELECT_BIT, 0)) |
		       (*half ? GENMASK_ULL(63, VMSA_TTB_SELECT_BIT + 1) : 0);
	return iova;
}

/*
 * coherency.c: the coherency checker (smmuv3_set_coherency()).  Each hook
 * runs with smmu->lock held and only when smmu_coherency_on(); none has an
 * effect on the translation (dry-run fetches and walks, no counts but its
 * own, no event recorded).
 */
struct smmu_coherency;
static inline bool smmu_coherency_on(const struct smmuv3 *smmu)
{
	return unlikely(smmu->coherency != SMMUV3_COHERENCY_OFF);
}
int smmu_coherency_set(struct smmuv3 *smmu, unsigned int mode);	/* lock held */
unsigned int smmu_coherency_env(void);	/* IOMMUSIM_COHERENCY, off if unset */
void smmu_coherency_free(struct smmuv3 *smmu);
/* translate_slow(): a configuration filled into the cache, or a hit on it. */
void smmu_coherency_cfg_fill(struct smmuv3 *smmu, u32 sid, u32 ssid);
void smmu_coherency_cfg_hit(struct smmuv3 *smmu, u32 sid, u32 ssid,
			    const struct smmu_cfg *cached);
/* translate_slow(): after the walk of a miss (ev: the transaction; va and
 * half as the TLB keys it), and on a TLB hit that answers the transaction
 * from entry e. */
void smmu_coherency_tlb_fill(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			     const struct smmu_event *ev, u64 va,
			     unsigned int half);
void smmu_coherency_tlb_hit(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
			    const struct smmu_event *ev,
			    const struct smmu_tlb_entry *e);
/* tlb.c: a TLBI removes valid entry e (break-before-make check). */
void smmu_coherency_tlb_inv(struct smmuv3 *smmu, const struct smmu_tlb_entry *e);
/*
 * For the walk caches: a cached table descriptor of the given stage and
 * lookup level, at physical address desc_addr, used for input address va
 * (an IOVA, or an IPA for stage 2) of stream sid, was old and memory now
 * holds new.  Reported (kind SMMUV3_COH_WALK) as a missing TLBI with
 * Leaf=0 (or a table page reused while a walk cache may still point into
 * it).  Call with the lock held, only when smmu_coherency_on().
 */
void smmu_coherency_stale_table(struct smmuv3 *smmu, const struct smmu_cfg *cfg,
				u32 sid, unsigned int stage, int level, u64 va,
				u64 desc_addr, u64 old, u64 new);

/* tlb.c */
int smmu_tlb_init(struct smmuv3 *smmu);
void smmu_tlb_free(struct smmuv3 *smmu);
struct smmu_tlb_inv {
	unsigned int kinds;	/* BIT(TLB_*) */
	bool match_vmid, match_asid, match_range;
	bool global_too;	/* by VA: global entries match any ASID */
	bool leaf;		/* by address, Leaf=1: walk caches keep their entries */
	u8 ttl;			/* by range: leaf level 1..3 (TTL), 0 any */
	u16 vmid, asid;
	u64 start, end;		/* inclusive */
};
void smmu_tlb_invalidate(struct smmuv3 *smmu, const struct smmu_tlb_inv *inv);

/*
 * Whether inv covers an entry of regime kind, vmid and asid (global: a
 * leaf with nG=0, which only a by-VA command reaches) - the tag test the
 * TLB and the walk caches share; the range is each one's own.
 */
static inline bool smmu_inv_covers_tag(const struct smmu_tlb_inv *inv,
				       u8 kind, u16 vmid, u16 asid, bool global)
{
	if (!(inv->kinds & BIT(kind)))
		return false;
	if (inv->match_vmid && kind != TLB_EL2 && vmid != inv->vmid)
		return false;
	return !inv->match_asid || (global ? inv->global_too : asid == inv->asid);
}
void smmu_tlb_insert(struct smmuv3 *smmu, const struct smmu_tlb_entry *e);

/* walkcache.c (used with smmu->lock held); lookups: walkcache.h */
int smmu_wcache_init(struct smmu_wcache *c, unsigned int entries);
void smmu_wcache_free(struct smmu_wcache *c);
void smmu_wcache_insert(struct smmu_wcache *c, const struct smmu_wc_entry *e);
/* Removes what inv covers; returns how many. */
unsigned int smmu_wcache_invalidate(struct smmu_wcache *c,
				    const struct smmu_tlb_inv *inv);

static inline unsigned int smmu_tlb_set(const struct smmuv3 *smmu, u16 vmid,
					u64 va_page)
{
	u64 h = (va_page ^ ((u64)vmid << 40)) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(h >> (64 - smmu->tlb_sets_bits));
}

/* The first way of the set holding (vmid, va_page). */
static inline const struct smmu_tlb_entry *
smmu_tlb_slot(const struct smmuv3 *smmu, u16 vmid, u64 va_page)
{
	return &smmu->tlb[smmu_tlb_set(smmu, vmid, va_page) * SMMU_TLB_WAYS];
}

static inline u32 smmu_oas_bits(unsigned int enc)
{
	static const u8 bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };

	return bits[enc & 7];
}

#endif
