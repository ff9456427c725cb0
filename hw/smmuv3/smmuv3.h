/* SPDX-License-Identifier: MIT */
/*
 * An Arm SMMUv3 (IHI0070) as an embeddable hardware model.
 *
 * The model knows nothing of any driver: its only contract is the
 * architecture.  A machine creates it with the features it implements, maps
 * its two 64K register pages with smmuv3_mmio_ops at some base address, and
 * passes every DMA transaction of a device behind it through
 * smmuv3_translate().  Everything else (stream table, context descriptors,
 * command and event queues, translation tables, MSIs) lives in the machine's
 * physical memory, where a driver puts it, and is read or written by the
 * model through the struct phys_mem it was given.
 *
 * Wired interrupts are callbacks; an MSI (IDR0.MSI) is a 32-bit write to
 * the machine's memory, which the machine routes (to an ITS, say).
 * Both are delivered after the model dropped its lock, before the access
 * that raised them returns, so their receivers may access the registers
 * (an MSI aimed at the SMMU itself aborts).  Event records are written
 * with the lock held: a translation one sets off on the same thread is
 * terminated.
 *
 * Nothing a driver writes to registers or memory can crash the model: it
 * answers as the hardware would, with an event record, a GERROR bit or
 * CMDQ_CONS.ERR.
 *
 * This is the header an emulator embedding the model includes (installed
 * as <iommusim/hw/smmuv3/smmuv3.h>, docs/embedding.md): <stdint.h> types
 * only, its own names prefixed smmuv3_ or SMMUV3_, nothing from lib/.
 */
#ifndef IOMMUSIM_HW_SMMUV3_H
#define IOMMUSIM_HW_SMMUV3_H

#include "hw/memory.h"
#include "hw/trace.h"
#include "include/iommusim/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size of the register window: page 0 and page 1 (EVENTQ_PROD/CONS). */
#define SMMUV3_MMIO_SIZE	0x20000

/* Features the implementation has; each is reflected in SMMU_IDR0..5. */
struct smmuv3_config {
	bool stage1;		/* IDR0.S1P */
	bool stage2;		/* IDR0.S2P */
	bool gran4k, gran16k, gran64k;	/* IDR5.GRAN* */
	unsigned int oas_bits;	/* 32, 36, 40, 42, 44, 48 or 52 (IDR5.OAS) */
	unsigned int sid_bits;	/* IDR1.SIDSIZE, 0..32 */
	unsigned int ssid_bits;	/* IDR1.SSIDSIZE, 0..20 */
	bool st_2level;		/* IDR0.ST_LEVEL: two-level stream table */
	bool cd_2level;		/* IDR0.CD2L */
	unsigned int cmdq_max_log2;	/* IDR1.CMDQS, <= 19 */
	unsigned int evtq_max_log2;	/* IDR1.EVENTQS, <= 19 */
	bool asid16, vmid16;	/* IDR0.ASID16 / VMID16 */
	bool range_inv;		/* IDR3.RIL */
	bool s2fwb;		/* IDR3.FWB: STE.S2FWB accepted (attributes only) */
	bool msi;		/* IDR0.MSI */
	bool hyp;		/* IDR0.HYP: EL2 StreamWorld and TLBI_EL2_*;
			 * EL2 contexts are stage 1: needs stage1 */
	bool sev;		/* IDR0.SEV */
	/*
	 * IDR0.HTTU: hardware translation table updates.  0 none, 1 the
	 * access flag (CD.HA, STE.S2HA), 2 the access flag and dirty state
	 * (and CD.HD, STE.S2HD with DBM descriptors).  Off by default.
	 */
	unsigned int httu;
	unsigned int tlb_sets;	/* power of two, 0 = default (1024 x 4 ways) */
	/*
	 * Walk caches (docs/smmuv3.md), in entries (4-way; 0 turns one off):
	 * stage-1 and stage-2 table descriptors, and the stage-2
	 * translations of stage-1 table addresses in nested walks (S1PTW).
	 */
	unsigned int walk_cache_s1, walk_cache_s2, walk_cache_s1ptw;
	/*
	 * The coherency checker (SMMUV3_COHERENCY_*, smmuv3_set_coherency()):
	 * a debugging aid, not hardware.  smmuv3_config_default() takes it
	 * from the environment variable IOMMUSIM_COHERENCY (off, report or
	 * fatal; off when unset), which `make test` sets to fatal.
	 */
	unsigned int coherency;
};

/*
 * A reasonable SMMUv3.1-like part: both stages, all granules, 48-bit OAS,
 * HYP.  A part without stage 1 has no EL2 contexts either: clear hyp too
 * (smmuv3_create rejects hyp without stage1).
 */
void smmuv3_config_default(struct smmuv3_config *cfg);

/*
 * Whether smmuv3_create() accepts cfg: the identity registers it asks
 * for are ones the model implements (docs/smmuv3.md).  Allocates nothing.
 */
bool smmuv3_config_valid(const struct smmuv3_config *cfg);

/*
 * Wired interrupt lines, each an edge; NULL to leave unconnected.  A
 * line's handler is not re-entered while it runs: an edge raised then is
 * delivered after it returns (docs/embedding.md).
 */
struct smmuv3_irq_ops {
	void (*eventq)(void *opaque);
	void (*gerror)(void *opaque);
	void (*cmdq_sync)(void *opaque);	/* CMD_SYNC with CS=SIG_IRQ, no MSI */
	void (*sev)(void *opaque);		/* CMD_SYNC with CS=SIG_SEV */
};

struct smmuv3;

/*
 * mem: where the model reads and writes its in-memory structures and MSIs.
 * msi_devid: the requester ID the SMMU's own MSI writes carry.
 * Returns NULL on an invalid config or no memory.
 */
struct smmuv3 *smmuv3_create(const struct smmuv3_config *cfg,
			     struct phys_mem *mem,
			     const struct smmuv3_irq_ops *irq, void *irq_opaque,
			     uint32_t msi_devid);
void smmuv3_destroy(struct smmuv3 *smmu);

/* Register the window with phys_mem_add_mmio(mem, base, SMMUV3_MMIO_SIZE,
 * &smmuv3_mmio_ops, smmu, "smmuv3"). */
extern const struct mmio_ops smmuv3_mmio_ops;

/* Access flags of a transaction. */
#define SMMUV3_READ	0x1
#define SMMUV3_WRITE	0x2
#define SMMUV3_EXEC	0x4	/* instruction fetch (InD) */
#define SMMUV3_PRIV	0x8	/* privileged (PnU) */

/* ssid value for a transaction without a SubstreamID (SSV = 0). */
#define SMMUV3_NO_SSID	0xffffffffu

/* Fault codes beyond the architected event types (which are < 0x100). */
#define SMMUV3_ABORT	0x100	/* terminated, no event: STE abort, GBPA.ABORT */

struct smmuv3_result {
	uint64_t addr;		/* output address on success */
	uint8_t size_shift;	/* the translation holds for 1 << size_shift bytes */
	uint8_t attr;		/* stage-1 AttrIndx or stage-2 MemAttr; 0 in bypass */
	bool bypass;		/* no translation applied */
	/* On a fault: */
	uint32_t event;		/* architected event type, or SMMUV3_ABORT */
	bool recorded;		/* an event record reached the event queue */
};

/*
 * Translate one transaction of StreamID sid.  Returns 0 and fills
 * res->addr, or returns the fault (res->event) after writing the event
 * record to the event queue when the architecture records one and the
 * queue is enabled.  Safe to call from several threads at once.
 */
int smmuv3_translate(struct smmuv3 *smmu, uint32_t sid, uint32_t ssid,
		     uint64_t iova, unsigned int access,
		     struct smmuv3_result *res);

/*
 * Fill t so that an endpoint (hw/endpoint.h) DMAs through this SMMU: its
 * requester ID is the StreamID, no SubstreamID, unprivileged data
 * accesses; a fault is -EFAULT to the device.
 */
struct dma_translator;
void smmuv3_dma_translator(struct smmuv3 *smmu, struct dma_translator *t);

/*
 * Command trap, for a VMM presenting this model to a guest as a virtual
 * SMMU (what QEMU's accelerated vSMMU does): after the model executed a
 * CFGI_* or TLBI_* command from the queue, cmd() sees its two words and
 * may mirror it onto the real IOMMU (a nested STE, a guest TLB
 * invalidation).  It returns 0, or a CMDQ_CONS.ERR code (1: CERROR_ILL)
 * that stops the queue at that command as if the model had refused it.
 * It runs in the thread that wrote CMDQ_PROD with the model's lock held:
 * it must not access this SMMU's registers nor inject events into it, and
 * reads the guest's STE with smmuv3_trap_read_ste().  NULL ops removes it.
 */
struct smmuv3_cmd_trap_ops {
	uint32_t (*cmd)(void *opaque, struct smmuv3 *smmu,
			const uint64_t cmd[2]);
};
void smmuv3_set_cmd_trap(struct smmuv3 *smmu,
			 const struct smmuv3_cmd_trap_ops *ops, void *opaque);

/*
 * From the trap only: the eight words of sid's STE, found through the
 * stream table registers as the model's own fetch does.  0, -ERANGE (sid
 * beyond the table, or an invalid level-1 descriptor) or -EFAULT (a fetch
 * that hit no memory).
 */
int smmuv3_trap_read_ste(struct smmuv3 *smmu, uint32_t sid, uint64_t ste[8]);

/*
 * Produce a ready-made 32-byte event record into the event queue exactly as
 * the model's own events are (queue full and overflow, EVTQ_ABT_ERR, the
 * interrupt): how a VMM forwards the host's event records to its guest.
 * 0, -ENODEV (CR0.EVTQEN clear), -ENOSPC (full: lost), -EFAULT (the queue
 * hits no memory).  Not from a trap (the lock is held there).
 */
int smmuv3_inject_event(struct smmuv3 *smmu, const uint64_t rec[4]);

/*
 * What the model did, counted (gem5's SMMUv3 statistics, by Arm's names).
 * The TLB's counts are by translation regime: SMMUV3_REGIME_S1 (stage 1
 * only), _S12 (nested, stage 1 + 2), _S2 (stage 2 only), _EL2.  Descriptor
 * reads are by stage and lookup level, a nested walk's stage-2 reads of
 * stage-1 table addresses included.  Counters live beside the state they
 * count; the translation fast path's (TLB and configuration-cache hits)
 * are spread over per-thread lines and never lock: with several threads
 * translating at once, one of those may very rarely miss an increment.
 */
enum {
	SMMUV3_REGIME_S1,
	SMMUV3_REGIME_S12,
	SMMUV3_REGIME_S2,
	SMMUV3_REGIME_EL2,
	SMMUV3_REGIMES
};
enum {
	SMMUV3_WALK_CACHE_S1,
	SMMUV3_WALK_CACHE_S2,
	SMMUV3_WALK_CACHE_S1PTW,
};
#define SMMUV3_STATS_OPCODES	0x50	/* command opcodes 0x00..0x4f */
#define SMMUV3_STATS_EVENTS	0x30	/* event types 0x00..0x2f */

struct smmuv3_stats {
	uint64_t translations;		/* with SMMUEN set: bypass, hit or walk */
	uint64_t tlb_hits[SMMUV3_REGIMES];
	uint64_t tlb_misses[SMMUV3_REGIMES];
	uint64_t tlb_fills;
	uint64_t tlb_evictions;		/* a valid entry replaced by a fill */
	uint64_t tlb_invalidated;	/* entries removed by TLBI commands */
	uint64_t cfg_hits, cfg_misses;	/* configuration cache (STE + CD) */
	uint64_t cfg_evictions;		/* a valid slot taken by another stream */
	uint64_t cfg_invalidated;	/* slots removed by CFGI commands */
	uint64_t walk_reads[2][4];	/* [stage - 1][level]: descriptors read */
	/*
	 * Walk caches, [SMMUV3_WALK_CACHE_*]: lookups that found an entry
	 * (a walk started below a cached table, or an S1PTW translation
	 * reused) and that found none, entries filled, and entries removed
	 * by TLBI commands.
	 */
	uint64_t walk_cache_hits[3], walk_cache_misses[3];
	uint64_t walk_cache_fills[3], walk_cache_invalidated[3];
	uint64_t commands[SMMUV3_STATS_OPCODES];	/* executed, by opcode */
	uint64_t cmd_errors;		/* CMDQ_CONS.ERR set */
	uint64_t events[SMMUV3_STATS_EVENTS];	/* written to the event queue */
	uint64_t events_lost;		/* queue full or disabled */
	uint64_t gerrors;		/* GERROR bits raised */
	/* The coherency checker: comparisons with memory, sites reported. */
	uint64_t coherency_checks, coherency_reports;
};

/*
 * Trace (hw/trace.h): categories IOMMUSIM_TRACE_CMDQ, _CFG, _TLB, _WALK,
 * _EVENT, _GERROR and _COHERENCY; one line per event to fn, called with the model's
 * lock held (record the line, never call back into the model).  0 or a
 * NULL fn turns tracing off.  Tracing the TLB or configuration cache
 * sends every translation down the locked slow path, where they are seen.
 */
void smmuv3_set_trace(struct smmuv3 *smmu, unsigned int categories,
		      iommusim_trace_fn fn, void *opaque);

/*
 * The coherency checker (docs/smmuv3.md, "Coherency checker").  On every
 * use of cached state - a configuration-cache hit, a TLB hit, a TLB entry
 * a TLBI removes - the model also reads the structures in memory, without
 * side effects, and compares.  A difference means software changed
 * something live without the invalidation the architecture requires (or,
 * for a valid descriptor whose output changed, without break-before-make):
 * it is reported once per site with the command that was missing.  It
 * sends every translation down the locked slow path and costs a walk per
 * TLB hit: for finding driver bugs, not for speed.
 *
 * Reports go to fn (called with the model's lock held: record it, never
 * call the model), to the trace (IOMMUSIM_TRACE_COHERENCY) and to the
 * counter coherency_reports.  SMMUV3_COHERENCY_FATAL then prints the report
 * on stderr and aborts the process: for test suites only, the one case
 * where the model aborts on what software wrote.
 */
#define SMMUV3_COHERENCY_OFF	0
#define SMMUV3_COHERENCY_REPORT	1
#define SMMUV3_COHERENCY_FATAL	2

/* What a report found. */
#define SMMUV3_COH_CFGI_STE	1	/* STE (or L1 descriptor) changed, cached */
#define SMMUV3_COH_CFGI_CD	2	/* CD (or L1 CD descriptor) changed, cached */
#define SMMUV3_COH_TLBI		3	/* leaf invalid or narrower, TLB entry live */
#define SMMUV3_COH_BBM		4	/* valid leaf's output/size/type changed */
#define SMMUV3_COH_WALK		5	/* table descriptor changed under a walk cache */

struct smmuv3_coherency_report {
	unsigned int kind;		/* SMMUV3_COH_* */
	uint32_t sid, ssid;		/* ssid SMMUV3_NO_SSID when none */
	uint16_t asid, vmid;
	uint64_t addr;			/* the input address (IOVA, or IPA) */
	uint64_t desc_addr;		/* physical address of the changed word */
	uint64_t old_val, new_val;	/* what was cached, what memory holds */
	const char *text;		/* the whole report, one line */
};

typedef void (*smmuv3_coherency_fn)(void *opaque,
				    const struct smmuv3_coherency_report *r);

/*
 * mode SMMUV3_COHERENCY_*; fn may be NULL.  0, or -ENOMEM (the checker's
 * tables) or -EINVAL (an unknown mode), leaving the checker as it was.
 */
int smmuv3_set_coherency(struct smmuv3 *smmu, unsigned int mode,
			 smmuv3_coherency_fn fn, void *opaque);
/* "off", "report" or "fatal" -> SMMUV3_COHERENCY_*, or -1. */
int smmuv3_coherency_parse(const char *name);

/* A consistent copy of the counters; reset sets them all to 0. */
void smmuv3_get_stats(struct smmuv3 *smmu, struct smmuv3_stats *st);
void smmuv3_reset_stats(struct smmuv3 *smmu);
/* The name of an opcode ("CMD_TLBI_NH_VA"), or NULL. */
const char *smmuv3_cmd_name(unsigned int opcode);

#ifdef __cplusplus
}
#endif

#endif
