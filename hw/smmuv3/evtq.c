// SPDX-License-Identifier: MIT
/*
 * SMMUv3 event queue: the model is the producer of 32-byte records in
 * memory, the driver the consumer (Arm IHI0070 3.5 and 7.3).
 *
 * A record is written only while CR0.EVTQEN is set.  When the queue is full
 * the record is lost and EVENTQ_PROD.OVFLG toggles, unless an overflow is
 * already pending (OVFLG != EVENTQ_CONS.OVACKFLG); a write that hits no
 * memory loses the record and raises GERROR.EVTQ_ABT_ERR.  Each record that
 * lands raises the event queue interrupt when IRQ_CTRL.EVENTQ_IRQEN is set:
 * an MSI when EVENTQ_IRQ_CFG0 holds an address, else the wired line.
 */
#include <string.h>

#include "hw/smmuv3/inspect.h"
#include "hw/smmuv3/smmuv3-internal.h"

static void encode_event(const struct smmu_event *ev, u64 rec[4])
{
	rec[0] = FIELD_PREP(EVT_0_TYPE, ev->type) |
		 FIELD_PREP(EVT_0_SID, ev->sid);
	if (ev->ssid != SMMUV3_NO_SSID)
		rec[0] |= EVT_0_SSV | FIELD_PREP(EVT_0_SSID, ev->ssid);
	rec[1] = rec[2] = rec[3] = 0;

	switch (ev->type) {
	case EVT_F_STE_FETCH:
	case EVT_F_CD_FETCH:
		rec[3] = ev->fetch_addr & EVT_3_FETCH_ADDR;
		break;
	case EVT_F_WALK_EABT:
	case EVT_F_TRANSLATION:
	case EVT_F_ADDR_SIZE:
	case EVT_F_ACCESS:
	case EVT_F_PERMISSION:
		rec[1] = (ev->access & SMMUV3_PRIV ? EVT_1_PNU : 0) |
			 (ev->access & SMMUV3_EXEC ? EVT_1_IND : 0) |
			 (ev->access & SMMUV3_WRITE ? 0 : EVT_1_RNW) |
			 (ev->s2 ? EVT_1_S2 : 0) |
			 FIELD_PREP(EVT_1_CLASS, ev->class) |
			 (ev->class == EVT_CLASS_TT && !ev->tt_write ?
			  EVT_1_TT_READ : 0);
		rec[2] = ev->input;
		if (ev->type == EVT_F_WALK_EABT)
			rec[3] = ev->fetch_addr & EVT_3_FETCH_ADDR;
		else if (ev->s2)
			rec[3] = ev->ipa & EVT_3_IPA;
		break;
	}
}

int smmu_write_event_record(struct smmuv3 *smmu, const u64 rec[4])
{
	unsigned int log2 = FIELD_GET(Q_BASE_LOG2SIZE, smmu->eventq_base);
	u32 idx_mask = (1u << log2) - 1, wrap = 1u << log2;
	u32 prod = smmu->eventq_prod, cons = smmu->eventq_cons;
	u64 base;

	if (!(smmu->cr0 & CR0_EVTQEN)) {
		smmu->stats.events_lost++;
		return -ENODEV;
	}

	if ((prod & idx_mask) == (cons & idx_mask) &&
	    (prod & wrap) != (cons & wrap)) {
		/* Full: the record is lost, signal overflow once. */
		smmu->stats.events_lost++;
		if (!((prod ^ cons) & EVTQ_PROD_OVFLG))
			smmu->eventq_prod = prod ^ EVTQ_PROD_OVFLG;
		return -ENOSPC;
	}

	base = smmu->eventq_base & Q_BASE_ADDR & ~((32ULL << log2) - 1);
	if (phys_write(smmu->mem, base + (u64)(prod & idx_mask) * 32, rec,
		       4 * sizeof(u64))) {
		smmu_raise_gerror(smmu, GERROR_EVTQ_ABT_ERR);
		return -EFAULT;
	}
	hw_trace(&smmu->trace, IOMMUSIM_TRACE_EVENT, "smmuv3_record_event %s sid=0x%x",
		 smmuv3_event_name((u32)FIELD_GET(EVT_0_TYPE, rec[0])) ?: "unknown",
		 (u32)FIELD_GET(EVT_0_SID, rec[0]));
	if (FIELD_GET(EVT_0_TYPE, rec[0]) < SMMUV3_STATS_EVENTS)
		smmu->stats.events[FIELD_GET(EVT_0_TYPE, rec[0])]++;
	prod = (prod & EVTQ_PROD_OVFLG) | (((prod & (idx_mask | wrap)) + 1) &
					   (idx_mask | wrap));
	smmu->eventq_prod = prod;

	if (smmu->irq_ctrl & IRQ_CTRL_EVTQ_IRQEN) {
		if (smmu->conf.msi && (smmu->eventq_irq.cfg0 & IRQ_CFG0_ADDR)) {
			smmu_msi_post(smmu, SMMU_MSI_EVTQ, smmu->eventq_irq.cfg0,
				      smmu->eventq_irq.cfg1, GERROR_MSI_EVTQ_ABT_ERR);
		} else {
			smmu->pending_irqs |= PEND_EVTQ;
		}
	}
	return 0;
}

bool smmu_record_event(struct smmuv3 *smmu, const struct smmu_event *ev)
{
	u64 rec[4];

	encode_event(ev, rec);
	return smmu_write_event_record(smmu, rec) == 0;
}

int smmuv3_inject_event(struct smmuv3 *smmu, const u64 rec[4])
{
	int ret;

	smmu_lock(smmu);
	ret = smmu_write_event_record(smmu, rec);
	smmu_unlock(smmu);
	return ret;
}
