// SPDX-License-Identifier: MIT
/*
 * SMMUv3 programming interface: creation, the two 64K register pages, and
 * interrupt delivery (wired callbacks or MSIs).
 *
 * Registers follow Arm IHI0070 chapter 6.  Writes the architecture ignores
 * (a queue base while the queue is enabled, STRTAB_BASE while SMMUEN=1, an
 * IRQ_CFG while its interrupt is enabled, GBPA without UPDATE) change
 * nothing; a queue LOG2SIZE above the IDR1 maximum is capped to it and
 * reads back capped.  CR0ACK and IRQ_CTRLACK follow their registers at
 * once: the model has no transition time.  Queue PROD/CONS registers keep
 * what is written up to bit 19; the model's own (CMDQ_CONS, EVENTQ_PROD)
 * read as the index and wrap bit of the queue's current size, the bits
 * above them as zero (RAZ).  Unknown offsets read as zero and ignore
 * writes; an access that is neither 32- nor 64-bit does the same.
 *
 * The model's own MSIs are written with its lock held; one aimed at its
 * own register window aborts (MSI_*_ABT_ERR) instead of re-entering.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/smmuv3/smmuv3-internal.h"

#define CFG_CACHE_BYTES	(SMMU_CFG_CACHE_SIZE * sizeof(struct smmu_cfg_slot))

void smmuv3_config_default(struct smmuv3_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->stage1 = true;
	cfg->stage2 = true;
	cfg->gran4k = cfg->gran16k = cfg->gran64k = true;
	cfg->oas_bits = 48;
	cfg->sid_bits = 16;
	cfg->ssid_bits = 8;
	cfg->st_2level = true;
	cfg->cd_2level = true;
	cfg->cmdq_max_log2 = 12;
	cfg->evtq_max_log2 = 10;
	cfg->asid16 = true;
	cfg->vmid16 = true;
	cfg->range_inv = true;
	cfg->s2fwb = true;
	cfg->msi = true;
	cfg->hyp = true;
	cfg->sev = true;
	cfg->walk_cache_s1 = 256;
	cfg->walk_cache_s2 = 256;
	cfg->walk_cache_s1ptw = 128;
	cfg->coherency = smmu_coherency_env();
}

/* A walk cache's size: off, or a power of two of at least one set. */
static bool wc_size_ok(unsigned int entries)
{
	return !entries || (entries >= SMMU_WC_WAYS && is_power_of_2(entries));
}

static int oas_encoding(unsigned int bits)
{
	static const u8 enc_bits[] = { 32, 36, 40, 42, 44, 48, 52 };

	for (unsigned int i = 0; i < ARRAY_SIZE(enc_bits); i++)
		if (enc_bits[i] == bits)
			return (int)i;
	return -1;
}

static void build_idr(struct smmuv3 *smmu)
{
	const struct smmuv3_config *c = &smmu->conf;

	smmu->idr[0] = (c->stage2 ? IDR0_S2P : 0) | (c->stage1 ? IDR0_S1P : 0) |
		       FIELD_PREP(IDR0_TTF, IDR0_TTF_AARCH64) | IDR0_COHACC |
		       (c->hyp ? IDR0_HYP : 0) | (c->asid16 ? IDR0_ASID16 : 0) |
		       (c->msi ? IDR0_MSI : 0) | (c->sev ? IDR0_SEV : 0) |
		       (c->vmid16 ? IDR0_VMID16 : 0) |
		       (c->cd_2level ? IDR0_CD2L : 0) |
		       FIELD_PREP(IDR0_HTTU, c->httu) |
		       FIELD_PREP(GENMASK(22, 21), 2) |	/* TTENDIAN: little only */
		       FIELD_PREP(IDR0_STALL_MODEL, 1) |	/* no stalls */
		       IDR0_TERM_MODEL |
		       FIELD_PREP(IDR0_ST_LVL, c->st_2level ? 1 : 0);
	smmu->idr[1] = FIELD_PREP(IDR1_SIDSIZE, c->sid_bits) |
		       FIELD_PREP(IDR1_SSIDSIZE, c->ssid_bits) |
		       FIELD_PREP(IDR1_EVTQS, c->evtq_max_log2) |
		       FIELD_PREP(IDR1_CMDQS, c->cmdq_max_log2);
	smmu->idr[3] = (c->range_inv ? IDR3_RIL : 0) | (c->s2fwb ? IDR3_FWB : 0);
	smmu->idr[5] = FIELD_PREP(IDR5_OAS, oas_encoding(c->oas_bits)) |
		       (c->gran4k ? IDR5_GRAN4K : 0) |
		       (c->gran16k ? IDR5_GRAN16K : 0) |
		       (c->gran64k ? IDR5_GRAN64K : 0);
	smmu->iidr = 0;
	smmu->aidr = c->range_inv ? 2 : 1;	/* SMMUv3.2 brought RIL */
}

bool smmuv3_config_valid(const struct smmuv3_config *cfg)
{
	return cfg && oas_encoding(cfg->oas_bits) >= 0 &&
	       cfg->sid_bits <= 32 && cfg->ssid_bits <= 20 &&
	       cfg->cmdq_max_log2 <= 19 && cfg->evtq_max_log2 <= 19 &&
	       (cfg->stage1 || cfg->stage2) &&
	       (!cfg->hyp || cfg->stage1) && cfg->httu <= IDR0_HTTU_ACCESS_DIRTY &&
	       (cfg->gran4k || cfg->gran16k || cfg->gran64k) &&
	       (!cfg->tlb_sets || is_power_of_2(cfg->tlb_sets)) &&
	       wc_size_ok(cfg->walk_cache_s1) && wc_size_ok(cfg->walk_cache_s2) &&
	       wc_size_ok(cfg->walk_cache_s1ptw) &&
	       cfg->coherency <= SMMUV3_COHERENCY_FATAL;
}

struct smmuv3 *smmuv3_create(const struct smmuv3_config *cfg,
			     struct phys_mem *mem,
			     const struct smmuv3_irq_ops *irq, void *irq_opaque,
			     u32 msi_devid)
{
	struct smmuv3 *smmu;

	if (!mem || !smmuv3_config_valid(cfg))
		return NULL;

	smmu = calloc(1, sizeof(*smmu));
	if (!smmu)
		return NULL;
	smmu->conf = *cfg;
	smmu->mem = mem;
	if (irq)
		smmu->irq = *irq;
	smmu->irq_opaque = irq_opaque;
	smmu->msi_devid = msi_devid;
	mutex_init(&smmu->lock);
	build_idr(smmu);
	smmu->gbpa = FIELD_PREP(GENMASK(13, 12), 1);	/* SHCFG: incoming */

	/* From mmap, as the TLB: zero pages, touched only by the slots used. */
	smmu->cfg_cache = mmap(NULL, CFG_CACHE_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (smmu->cfg_cache == MAP_FAILED)
		goto err_free;
	smmu->utlb = aligned_alloc(64, sizeof(*smmu->utlb) * SMMU_UTLB_ENTRIES);
	if (!smmu->utlb)
		goto err_cache;
	memset(smmu->utlb, 0, sizeof(*smmu->utlb) * SMMU_UTLB_ENTRIES);
	if (smmu_tlb_init(smmu))
		goto err_utlb;
	if (smmu_wcache_init(&smmu->wc_s1, cfg->stage1 ? cfg->walk_cache_s1 : 0) ||
	    smmu_wcache_init(&smmu->wc_s2, cfg->stage2 ? cfg->walk_cache_s2 : 0) ||
	    smmu_wcache_init(&smmu->wc_s1ptw, cfg->stage1 && cfg->stage2 ?
			     cfg->walk_cache_s1ptw : 0))
		goto err_wc;
	if (smmu_coherency_set(smmu, cfg->coherency))
		goto err_wc;
	return smmu;

err_wc:
	smmu_wcache_free(&smmu->wc_s1);
	smmu_wcache_free(&smmu->wc_s2);
	smmu_wcache_free(&smmu->wc_s1ptw);
	smmu_tlb_free(smmu);
err_utlb:
	free(smmu->utlb);
err_cache:
	munmap(smmu->cfg_cache, CFG_CACHE_BYTES);
err_free:
	mutex_destroy(&smmu->lock);
	free(smmu);
	return NULL;
}

void smmuv3_destroy(struct smmuv3 *smmu)
{
	if (!smmu)
		return;
	smmu_wcache_free(&smmu->wc_s1);
	smmu_wcache_free(&smmu->wc_s2);
	smmu_wcache_free(&smmu->wc_s1ptw);
	smmu_coherency_free(smmu);
	smmu_tlb_free(smmu);
	free(smmu->utlb);
	munmap(smmu->cfg_cache, CFG_CACHE_BYTES);
	mutex_destroy(&smmu->lock);
	free(smmu);
}

/* An MSI: a 32-bit write of data to addr.  False when it aborted. */
static bool smmu_msi_write(struct smmuv3 *smmu, u64 addr, u32 data)
{
	return phys_write_val(smmu->mem, addr & IRQ_CFG0_ADDR, 4, data,
			      MEM_ATTRS_RID(smmu->msi_devid)) == 0;
}

void smmu_raise_gerror(struct smmuv3 *smmu, u32 bits)
{
	u32 active = smmu->gerror ^ smmu->gerrorn;

	/* Only an inactive error toggles; an active one stays as it is. */
	bits &= ~active;
	if (!bits)
		return;
	smmu->stats.gerrors += (u64)__builtin_popcount(bits);
	WRITE_ONCE(smmu->gerror, smmu->gerror ^ bits);
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_GERROR,
		 "smmuv3_write_gerror toggled=0x%x, new GERROR=0x%x", bits, smmu->gerror);
	if (!(smmu->irq_ctrl & IRQ_CTRL_GERROR_IRQEN))
		return;
	if (smmu->conf.msi && (smmu->gerror_irq.cfg0 & IRQ_CFG0_ADDR))
		smmu_msi_post(smmu, SMMU_MSI_GERROR, smmu->gerror_irq.cfg0,
			      smmu->gerror_irq.cfg1, GERROR_MSI_GERROR_ABT_ERR);
	else
		smmu->pending_irqs |= PEND_GERROR;
}

/*
 * Lock held: the MSIs smmu_unlock() sent that aborted, by their GERROR
 * bits.  A GERROR MSI's own abort only toggles its bit: another GERROR
 * MSI for it would go where this one could not.
 */
static void smmu_msi_aborted(struct smmuv3 *smmu, u32 bits)
{
	if (bits & GERROR_MSI_GERROR_ABT_ERR &&
	    !((smmu->gerror ^ smmu->gerrorn) & GERROR_MSI_GERROR_ABT_ERR)) {
		smmu->stats.gerrors++;
		WRITE_ONCE(smmu->gerror, smmu->gerror ^ GERROR_MSI_GERROR_ABT_ERR);
	}
	bits &= ~GERROR_MSI_GERROR_ABT_ERR;
	if (bits)
		smmu_raise_gerror(smmu, bits);
}

void smmu_lock(struct smmuv3 *smmu)
{
	mutex_lock(&smmu->lock);
	WRITE_ONCE(smmu->lock_owner, (unsigned long)pthread_self());
}

/*
 * A wired interrupt line asserted: its handler runs now, on this thread -
 * unless it is already running (active), on this thread or another.  Then
 * the assertion only pends, as a GIC keeps an active interrupt's new
 * assertion pending until the handler's EOI, and the running handler is
 * entered again after it returns.  So a register write a handler makes
 * (GERRORN restarting the command queue, which meets the next bad
 * command) never re-enters that handler from inside the write.  The
 * re-check after dropping active catches an assertion that came after the
 * last pass but saw the line still active.
 */
static void smmu_irq_line(struct smmuv3 *smmu, unsigned int line,
			  void (*handler)(void *))
{
	if (!handler)
		return;
	__atomic_fetch_or(&smmu->line_pending, line, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&smmu->line_pending, __ATOMIC_ACQUIRE) & line) {
		if (__atomic_fetch_or(&smmu->line_active, line, __ATOMIC_ACQ_REL) & line)
			return;		/* its handler runs: it takes this one */
		while (__atomic_fetch_and(&smmu->line_pending, ~line,
					  __ATOMIC_ACQ_REL) & line)
			handler(smmu->irq_opaque);
		__atomic_fetch_and(&smmu->line_active, ~line, __ATOMIC_RELEASE);
	}
}

/*
 * Drops the lock, then delivers what was raised under it: wired lines
 * (smmu_irq_line()) and MSIs, which are writes to addresses software chose
 * and so may reach anything, this model included.  An MSI that aborted is
 * reported under the lock again, and a command queue that stopped at a
 * CMD_SYNC until its MSI was written goes on; both may raise more.
 */
static void __attribute__((noinline)) smmu_unlock_deliver(struct smmuv3 *smmu)
{
	const struct smmuv3_irq_ops *irq = &smmu->irq;

	for (;;) {
		struct smmu_msi msi[SMMU_MSI_SOURCES];
		unsigned int pend = smmu->pending_irqs;
		u32 aborted = 0;

		if (pend & PEND_MSI) {
			memcpy(msi, smmu->msi, sizeof(msi));
			memset(smmu->msi, 0, sizeof(smmu->msi));
		}
		smmu->pending_irqs = 0;
		WRITE_ONCE(smmu->lock_owner, 0UL);
		mutex_unlock(&smmu->lock);
		if (pend & PEND_EVTQ)
			smmu_irq_line(smmu, PEND_EVTQ, irq->eventq);
		if (pend & PEND_GERROR)
			smmu_irq_line(smmu, PEND_GERROR, irq->gerror);
		if (pend & PEND_SYNC)
			smmu_irq_line(smmu, PEND_SYNC, irq->cmdq_sync);
		if (pend & PEND_SEV)
			smmu_irq_line(smmu, PEND_SEV, irq->sev);
		for (unsigned int i = 0; pend & PEND_MSI && i < SMMU_MSI_SOURCES; i++)
			if (msi[i].abt_err &&
			    !smmu_msi_write(smmu, msi[i].addr, msi[i].data))
				aborted |= msi[i].abt_err;
		if (!aborted && !(pend & PEND_CMDQ))
			return;
		smmu_lock(smmu);
		smmu_msi_aborted(smmu, aborted);
		if (pend & PEND_CMDQ) {
			/* Its MSI written (or aborted), the CMD_SYNC is consumed. */
			if (smmu->cmdq_sync_msi & SYNC_MSI_POSTED)
				smmu->cmdq_sync_msi ^= SYNC_MSI_POSTED | SYNC_MSI_SENT;
			smmu_cmdq_process(smmu);
		}
	}
}

/* Most holders raise nothing (every TLB miss takes the lock): one test. */
void smmu_unlock(struct smmuv3 *smmu)
{
	if (likely(!smmu->pending_irqs)) {
		WRITE_ONCE(smmu->lock_owner, 0UL);
		mutex_unlock(&smmu->lock);
		return;
	}
	smmu_unlock_deliver(smmu);
}

/* Queue base: cap LOG2SIZE to the implemented maximum. */
static u64 queue_base_value(u64 val, unsigned int max_log2)
{
	u64 log2 = FIELD_GET(Q_BASE_LOG2SIZE, val);

	if (log2 > max_log2)
		log2 = max_log2;
	return (val & (Q_BASE_RWA | Q_BASE_ADDR)) | log2;
}

static u32 strtab_cfg_value(const struct smmuv3 *smmu, u32 val)
{
	u32 fmt = FIELD_GET(STRTAB_BASE_CFG_FMT, val);
	u32 log2 = FIELD_GET(STRTAB_BASE_CFG_LOG2SIZE, val);

	if (log2 > smmu->conf.sid_bits)
		log2 = smmu->conf.sid_bits;
	/* Two-level without ST_LEVEL support, or reserved FMT: linear. */
	if (fmt != 1 || !smmu->conf.st_2level)
		fmt = 0;
	return FIELD_PREP(STRTAB_BASE_CFG_FMT, fmt) |
	       (val & STRTAB_BASE_CFG_SPLIT) |
	       FIELD_PREP(STRTAB_BASE_CFG_LOG2SIZE, log2);
}

/* Pointer to a 64-bit register at an 8-aligned offset, NULL if none. */
static u64 *reg64(struct smmuv3 *smmu, u64 off)
{
	switch (off) {
	case SMMU_GERROR_IRQ_CFG0:	return &smmu->gerror_irq.cfg0;
	case SMMU_STRTAB_BASE:		return &smmu->strtab_base;
	case SMMU_CMDQ_BASE:		return &smmu->cmdq_base;
	case SMMU_EVENTQ_BASE:		return &smmu->eventq_base;
	case SMMU_EVENTQ_IRQ_CFG0:	return &smmu->eventq_irq.cfg0;
	}
	return NULL;
}

static u32 read32(struct smmuv3 *smmu, u64 off)
{
	switch (off) {
	case SMMU_IDR0 ... SMMU_IDR5:	return smmu->idr[off / 4];
	case SMMU_IIDR:			return smmu->iidr;
	case SMMU_AIDR:			return smmu->aidr;
	case SMMU_CR0:			return smmu->cr0;
	case SMMU_CR0ACK:		return smmu->cr0ack;
	case SMMU_CR1:			return smmu->cr1;
	case SMMU_CR2:			return smmu->cr2;
	case SMMU_STATUSR:		return 0;
	case SMMU_GBPA:			return smmu->gbpa;
	case SMMU_IRQ_CTRL:		return smmu->irq_ctrl;
	case SMMU_IRQ_CTRLACK:		return smmu->irq_ctrlack;
	case SMMU_GERROR:		return smmu->gerror;
	case SMMU_GERRORN:		return smmu->gerrorn;
	case SMMU_GERROR_IRQ_CFG1:	return smmu->gerror_irq.cfg1;
	case SMMU_GERROR_IRQ_CFG2:	return smmu->gerror_irq.cfg2;
	case SMMU_STRTAB_BASE_CFG:	return smmu->strtab_base_cfg;
	case SMMU_CMDQ_PROD:		return smmu->cmdq_prod;
	case SMMU_CMDQ_CONS:
		return smmu->cmdq_cons &
		       (CMDQ_CONS_ERR | smmu_q_idx_wrap(smmu->cmdq_base));
	case SMMU_EVENTQ_IRQ_CFG1:	return smmu->eventq_irq.cfg1;
	case SMMU_EVENTQ_IRQ_CFG2:	return smmu->eventq_irq.cfg2;
	case SMMU_EVENTQ_PROD:
		return smmu->eventq_prod &
		       (EVTQ_PROD_OVFLG | smmu_q_idx_wrap(smmu->eventq_base));
	case SMMU_EVENTQ_CONS:		return smmu->eventq_cons;
	}
	return 0;
}

void smmu_update_fast_gate(struct smmuv3 *smmu)
{
	unsigned int slow = IOMMUSIM_TRACE_TLB | IOMMUSIM_TRACE_CFG;

	lockdep_assert_held(&smmu->lock);
	smmu_utlb_flush(smmu);
	/* The coherency checker, too, sees only the slow path's hits. */
	WRITE_ONCE(smmu->fast_gate, (smmu->cr0 & CR0_SMMUEN) &&
		   !(atomic_load(&smmu->trace.mask) & slow) &&
		   !smmu_coherency_on(smmu) ? SMMU_FAST_GO : 0);
}

void smmuv3_set_trace(struct smmuv3 *smmu, unsigned int categories,
		      iommusim_trace_fn fn, void *opaque)
{
	smmu_lock(smmu);
	hw_trace_set(&smmu->trace, categories, fn, opaque);
	smmu_update_fast_gate(smmu);
	smmu_unlock(smmu);
}

static void write_cr0(struct smmuv3 *smmu, u32 val)
{
	u32 old = smmu->cr0;

	val &= CR0_MASK;
	WRITE_ONCE(smmu->cr0, val);
	smmu->cr0ack = val;
	smmu_update_fast_gate(smmu);
	/* A queue turned off or on is not the one a CMD_SYNC's MSI stopped. */
	if ((val ^ old) & CR0_CMDQEN)
		smmu->cmdq_sync_msi = 0;
	if ((val & CR0_CMDQEN) && !(old & CR0_CMDQEN))
		smmu_cmdq_process(smmu);
}

static void write_gerrorn(struct smmuv3 *smmu, u32 val)
{
	u32 was_active = smmu->gerror ^ smmu->gerrorn;

	smmu->gerrorn = val & GERROR_MASK;
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_GERROR,
		 "smmuv3_write_gerrorn acked=0x%x, new GERRORN=0x%x",
		 was_active & ~(smmu->gerror ^ smmu->gerrorn), smmu->gerrorn);
	/* The driver acknowledged a command error: resume at CONS. */
	if ((was_active & GERROR_CMDQ_ERR) &&
	    !((smmu->gerror ^ smmu->gerrorn) & GERROR_CMDQ_ERR))
		smmu_cmdq_process(smmu);
}

/*
 * GERROR_IRQ_CFG0..2 and EVENTQ_IRQ_CFG0..2 (at +0, +8, +0xc): writable
 * only while the interrupt's IRQ_CTRL enable is clear.
 */
static void write_irq_cfg(struct smmuv3 *smmu, u64 off, u64 val)
{
	bool gerror = off < SMMU_EVENTQ_IRQ_CFG0;
	struct smmu_irq_cfg *c = gerror ? &smmu->gerror_irq : &smmu->eventq_irq;
	u32 en = gerror ? IRQ_CTRL_GERROR_IRQEN : IRQ_CTRL_EVTQ_IRQEN;

	if (smmu->irq_ctrl & en)
		return;
	switch (off - (gerror ? SMMU_GERROR_IRQ_CFG0 : SMMU_EVENTQ_IRQ_CFG0)) {
	case 0:
		c->cfg0 = val & IRQ_CFG0_ADDR;
		break;
	case 8:
		c->cfg1 = (u32)val;
		break;
	case 0xc:
		c->cfg2 = (u32)val & GENMASK(5, 0);
		break;
	}
}

static void write32(struct smmuv3 *smmu, u64 off, u32 val)
{
	switch (off) {
	case SMMU_CR0:
		write_cr0(smmu, val);
		break;
	case SMMU_CR1:
		/* Table and queue attributes: writable while all are off. */
		if (!(smmu->cr0 & (CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN)))
			smmu->cr1 = val & CR1_MASK;
		break;
	case SMMU_CR2:
		if (!(smmu->cr0 & CR0_SMMUEN))
			smmu->cr2 = val & CR2_MASK;
		break;
	case SMMU_GBPA:
		if (val & GBPA_UPDATE)
			WRITE_ONCE(smmu->gbpa, val & GBPA_MASK);
		break;
	case SMMU_IRQ_CTRL:
		smmu->irq_ctrl = val & IRQ_CTRL_MASK;
		smmu->irq_ctrlack = smmu->irq_ctrl;
		break;
	case SMMU_GERRORN:
		write_gerrorn(smmu, val);
		break;
	case SMMU_GERROR_IRQ_CFG1:
	case SMMU_GERROR_IRQ_CFG2:
	case SMMU_EVENTQ_IRQ_CFG1:
	case SMMU_EVENTQ_IRQ_CFG2:
		write_irq_cfg(smmu, off, val);
		break;
	case SMMU_STRTAB_BASE_CFG:
		if (!(smmu->cr0 & CR0_SMMUEN))
			smmu->strtab_base_cfg = strtab_cfg_value(smmu, val);
		break;
	case SMMU_CMDQ_PROD:
		smmu->cmdq_prod = val & Q_IDX_WRAP_MAX;
		smmu_cmdq_process(smmu);
		break;
	case SMMU_CMDQ_CONS:
		if (!(smmu->cr0 & CR0_CMDQEN))
			smmu->cmdq_cons = val & (Q_IDX_WRAP_MAX | CMDQ_CONS_ERR);
		break;
	case SMMU_EVENTQ_PROD:
		if (!(smmu->cr0 & CR0_EVTQEN))
			smmu->eventq_prod = val & (Q_IDX_WRAP_MAX | EVTQ_PROD_OVFLG);
		break;
	case SMMU_EVENTQ_CONS:
		smmu->eventq_cons = val & (Q_IDX_WRAP_MAX | EVTQ_CONS_OVACKFLG);
		break;
	}
}

static void write64(struct smmuv3 *smmu, u64 off, u64 val)
{
	switch (off) {
	case SMMU_GERROR_IRQ_CFG0:
	case SMMU_EVENTQ_IRQ_CFG0:
		write_irq_cfg(smmu, off, val);
		break;
	case SMMU_STRTAB_BASE:
		if (!(smmu->cr0 & CR0_SMMUEN))
			smmu->strtab_base = val & (STRTAB_BASE_RA | STRTAB_BASE_ADDR);
		break;
	case SMMU_CMDQ_BASE:
		if (!(smmu->cr0 & CR0_CMDQEN))
			smmu->cmdq_base = queue_base_value(val, smmu->conf.cmdq_max_log2);
		break;
	case SMMU_EVENTQ_BASE:
		if (!(smmu->cr0 & CR0_EVTQEN))
			smmu->eventq_base = queue_base_value(val, smmu->conf.evtq_max_log2);
		break;
	}
}

/*
 * Every register access: none the model makes itself (the bus reports an
 * abort), whether under its lock (a descriptor read or event record aimed
 * here) or as its own MSI (sent after the lock, but still the SMMU writing
 * to itself, which only a software error aims); then the lock, and the
 * 64-bit register that off falls in, if it is one.
 */
static int smmu_mmio_enter(struct smmuv3 *smmu, u64 off, u64 **r,
			   struct mem_attrs attrs)
{
	if (smmu_reentered(smmu) ||
	    (smmu->conf.msi && attrs.requester_valid &&
	     attrs.requester_id == smmu->msi_devid))
		return -EFAULT;
	smmu_lock(smmu);
	*r = reg64(smmu, off & ~7ULL);
	return 0;
}

static int smmu_mmio_read(void *opaque, u64 off, unsigned int size, u64 *val,
			  struct mem_attrs attrs)
{
	struct smmuv3 *smmu = opaque;
	u64 *r;

	*val = 0;
	if (smmu_mmio_enter(smmu, off, &r, attrs))
		return -EFAULT;
	if (r && size == 8 && !(off & 7))
		*val = *r;
	else if (r && size == 4)
		*val = (u32)(*r >> ((off & 4) * 8));
	else if (size == 4)
		*val = read32(smmu, off);
	smmu_unlock(smmu);
	return 0;
}

static int smmu_mmio_write(void *opaque, u64 off, unsigned int size, u64 val,
			   struct mem_attrs attrs)
{
	struct smmuv3 *smmu = opaque;
	u64 *r;

	if (smmu_mmio_enter(smmu, off, &r, attrs))
		return -EFAULT;
	if (r && size == 8 && !(off & 7)) {
		write64(smmu, off, val);
	} else if (r && size == 4) {
		unsigned int sh = (off & 4) * 8;
		u64 v = (*r & ~(0xffffffffULL << sh)) | ((val & 0xffffffffULL) << sh);

		write64(smmu, off & ~7ULL, v);
	} else if (size == 4) {
		write32(smmu, off, (u32)val);
	}
	smmu_unlock(smmu);
	return 0;
}

const struct mmio_ops smmuv3_mmio_ops = {
	.read = smmu_mmio_read,
	.write = smmu_mmio_write,
};
