// SPDX-License-Identifier: MIT
/*
 * The event queue consumer (Linux's arm_smmu_evtq_thread): drain records
 * from EVTQ_CONS to EVTQ_PROD, decode each into a struct arm_smmu_event,
 * name the device that owns its StreamID, log it and hand it to the
 * fault handler; then publish CONS, acknowledging an overflow
 * (PROD.OVFLG copied into CONS.OVACKFLG) as Linux does.
 *
 * The log keeps the last ARM_SMMU_EVENT_LOG events; tests pop them.  The
 * handler runs under evtq_lock, so it must not re-enter the driver's
 * event paths.
 */
#include <string.h>

#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3-priv.h"

void arm_smmu_decode_event(const u64 *raw, struct arm_smmu_event *evt)
{
	memset(evt, 0, sizeof(*evt));
	memcpy(evt->raw, raw, sizeof(evt->raw));
	evt->id = FIELD_GET(EVTQ_0_ID, raw[0]);
	evt->ssv = !!(raw[0] & EVTQ_0_SSV);
	evt->ssid = evt->ssv ? FIELD_GET(EVTQ_0_SSID, raw[0]) : 0;
	evt->sid = FIELD_GET(EVTQ_0_SID, raw[0]);
	evt->stall = !!(raw[1] & EVTQ_1_STALL);
	evt->privileged = !!(raw[1] & EVTQ_1_PnU);
	evt->instruction = !!(raw[1] & EVTQ_1_InD);
	evt->read = !!(raw[1] & EVTQ_1_RnW);
	evt->s2 = !!(raw[1] & EVTQ_1_S2);
	evt->class = FIELD_GET(EVTQ_1_CLASS, raw[1]);
	evt->iova = raw[2];
	evt->ipa = raw[3] & GENMASK_ULL(51, 0);
}

/* Which device a StreamID belongs to; NULL for a stray one. */
static struct device *arm_smmu_sid_dev(struct arm_smmu_device *smmu, u32 sid)
{
	struct arm_smmu_stream *stream;
	struct device *dev = NULL;

	spin_lock(&smmu->streams_lock);
	list_for_each_entry(stream, &smmu->streams, node) {
		if (stream->sid == sid) {
			dev = stream->dev;
			break;
		}
	}
	spin_unlock(&smmu->streams_lock);
	return dev;
}

static void arm_smmu_log_event(struct arm_smmu_device *smmu,
			       const struct arm_smmu_event *evt)
{
	unsigned int slot;

	if (smmu->log_count == ARM_SMMU_EVENT_LOG) {
		/* Drop the oldest. */
		smmu->log_head = (smmu->log_head + 1) % ARM_SMMU_EVENT_LOG;
		smmu->log_count--;
		smmu->stats.events_dropped++;
	}
	slot = (smmu->log_head + smmu->log_count) % ARM_SMMU_EVENT_LOG;
	smmu->log[slot] = *evt;
	smmu->log_count++;
}

/*
 * Linux's arm_smmu_dump_event, for the translation faults it decodes, in
 * its words; here a trace line (IOMMUSIM_TRACE_EVENT) rather than the
 * console, so a scenario's expected faults do not flood stderr.
 */
static void arm_smmu_trace_event(struct arm_smmu_device *smmu,
				 const struct arm_smmu_event *evt)
{
	static const char *const names[] = {
		[0x10] = "F_TRANSLATION", [0x11] = "F_ADDR_SIZE",
		[0x12] = "F_ACCESS", [0x13] = "F_PERMISSION",
	};
	static const char *const classes[] = { "CD", "TTD", "IN", "reserved" };
	const char *name = evt->id < ARRAY_SIZE(names) && names[evt->id] ? names[evt->id] : NULL;

	if (!name) {
		ktrace(smmu->k, IOMMUSIM_TRACE_EVENT, "%s: event 0x%02x received: 0x%016llx 0x%016llx",
		       dev_name(&smmu->hwdev), evt->id, (unsigned long long)evt->raw[0],
		       (unsigned long long)evt->raw[1]);
		return;
	}
	ktrace(smmu->k, IOMMUSIM_TRACE_EVENT,
	       "%s: event: %s client: %s sid: %#x ssid: %#x iova: %#llx ipa: %#llx",
	       dev_name(&smmu->hwdev), name, evt->dev ? dev_name(evt->dev) : "(unassigned sid)",
	       evt->sid, evt->ssid, (unsigned long long)evt->iova, (unsigned long long)evt->ipa);
	ktrace(smmu->k, IOMMUSIM_TRACE_EVENT, "%s: %s %s %s %s \"%s\"%s",
	       dev_name(&smmu->hwdev), evt->privileged ? "priv" : "unpriv",
	       evt->instruction ? "inst" : "data", evt->read ? "read" : "write",
	       evt->s2 ? "s2" : "s1", classes[evt->class & 3],
	       evt->stall ? " stall" : "");
}

void arm_smmu_evtq_irq(struct arm_smmu_device *smmu)
{
	struct arm_smmu_queue *q = &smmu->evtq;
	u32 mask = (2u << q->max_n_shift) - 1;
	u32 prod, idx;

	mutex_lock(&smmu->evtq_lock);
	prod = arm_smmu_readl(smmu, ARM_SMMU_EVTQ_PROD);
	if (prod == ~0u) {
		mutex_unlock(&smmu->evtq_lock);
		return;
	}
	while ((q->cons & mask) != (prod & mask)) {
		struct arm_smmu_event evt;
		u64 raw[EVTQ_ENT_DWORDS];

		idx = q->cons & ((1u << q->max_n_shift) - 1);
		/* The record was written before PROD moved, under the lock
		 * our read of PROD took (see arm_smmu_writel). */
		memcpy(raw, q->base + (size_t)idx * EVTQ_ENT_DWORDS, sizeof(raw));
		arm_smmu_decode_event(raw, &evt);
		evt.dev = arm_smmu_sid_dev(smmu, evt.sid);
		smmu->stats.events++;
		arm_smmu_trace_event(smmu, &evt);
		arm_smmu_log_event(smmu, &evt);
		arm_smmu_report_vevent(smmu, raw, &evt);
		if (smmu->fault_fn)
			smmu->fault_fn(smmu->fault_opaque, &evt);
		q->cons = (q->cons & Q_OVERFLOW_FLAG) | ((q->cons + 1) & mask);
	}
	/* An overflow lost events; acknowledge it so the SMMU reports the next. */
	if ((prod ^ q->cons) & Q_OVERFLOW_FLAG) {
		smmu->stats.evtq_overflows++;
		dev_err(&smmu->hwdev, "EVTQ overflow detected -- events lost\n");
		q->cons = (prod & Q_OVERFLOW_FLAG) | (q->cons & mask);
	}
	arm_smmu_writel(smmu, ARM_SMMU_EVTQ_CONS, q->cons);
	mutex_unlock(&smmu->evtq_lock);
}

void arm_smmu_set_fault_handler(struct arm_smmu_device *smmu,
				arm_smmu_fault_handler_t fn, void *opaque)
{
	mutex_lock(&smmu->evtq_lock);
	smmu->fault_fn = fn;
	smmu->fault_opaque = opaque;
	mutex_unlock(&smmu->evtq_lock);
}

int arm_smmu_pop_event(struct arm_smmu_device *smmu,
		       struct arm_smmu_event *evt)
{
	int ret = -ENOENT;

	mutex_lock(&smmu->evtq_lock);
	if (smmu->log_count) {
		*evt = smmu->log[smmu->log_head];
		smmu->log_head = (smmu->log_head + 1) % ARM_SMMU_EVENT_LOG;
		smmu->log_count--;
		ret = 0;
	}
	mutex_unlock(&smmu->evtq_lock);
	return ret;
}
