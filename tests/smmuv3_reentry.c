// SPDX-License-Identifier: MIT
/*
 * What the SMMUv3 model's own writes may set off.  Its MSIs (CMD_SYNC,
 * event queue, GERROR) go to addresses software chose, so they may reach
 * a device that starts a DMA through this SMMU, or an interrupt handler
 * that reads its registers: they are sent after the model drops its lock,
 * as hardware posts them, so both work and nothing waits for itself (a
 * CMD_SYNC is consumed only once its MSI is written).  Its
 * event records are written under the lock; a translation one of them sets
 * off on the same thread cannot wait for the lock and is terminated.  A
 * driver or guest chooses those addresses, so this is hostile input the
 * model must survive: the alarm turns a hang into a failure.
 */
#include <signal.h>
#include <unistd.h>

#include "hw/endpoint-regs.h"
#include "hw/endpoint.h"
#include "tests/smmuv3_rig.h"

#define SID		0x10
#define SID_NONE	0x20	/* an STE that is not valid */
#define EP_BAR		0x0a000000ULL
#define PROBE		0x0b000000ULL	/* struct probe's window */
#define SRC		0x48000000ULL
#define DST		0x48001000ULL

/*
 * A device whose register writes look back at the SMMU, as an interrupt
 * handler would: read a register, or translate for a stream.
 */
struct probe {
	struct rig *r;
	u64 reg;		/* the SMMU register each write reads */
	bool translate;		/* each write also translates for SID */
	bool stop_cmdq;		/* the first write turns the command queue off */
	unsigned int writes;
	u32 data[4];		/* what the first writes wrote */
	u64 seen[4];		/* and the register each read then */
	int read_ret;
	u64 read_val;
	int xlate_ret;
};

static int probe_write(void *opaque, u64 off, unsigned int size, u64 val,
		       struct mem_attrs attrs)
{
	struct probe *p = opaque;
	struct smmuv3_result res;

	(void)off;
	(void)size;
	(void)attrs;
	if (p->writes < 4)
		p->data[p->writes] = (u32)val;
	p->writes++;
	p->read_ret = phys_read_val(p->r->mem, RIG_SMMU_BASE + p->reg, 4,
				    &p->read_val, MEM_ATTRS_NONE);
	if (p->writes <= 4)
		p->seen[p->writes - 1] = p->read_val;
	if (p->stop_cmdq && p->writes == 1)
		REQUIRE(phys_write_val(p->r->mem, RIG_SMMU_BASE + SMMU_CR0, 4,
				       CR0_SMMUEN | CR0_EVTQEN, MEM_ATTRS_NONE) == 0);
	if (p->translate)
		p->xlate_ret = smmuv3_translate(p->r->smmu, SID, SMMUV3_NO_SSID,
						SRC, SMMUV3_READ, &res);
	return 0;
}

static int probe_read(void *opaque, u64 off, unsigned int size, u64 *val,
		      struct mem_attrs attrs)
{
	(void)opaque;
	(void)off;
	(void)size;
	(void)attrs;
	*val = 0;
	return 0;
}

static const struct mmio_ops probe_ops = { .read = probe_read, .write = probe_write };

static void rig_with_probe(struct rig *r, struct probe *p)
{
	struct smmuv3_config conf;
	u64 ste[8] = { STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS) };

	rig_default_conf(&conf);
	rig_init(r, &conf);
	*p = (struct probe){ .r = r };
	REQUIRE(phys_mem_add_mmio(r->mem, PROBE, 0x1000, &probe_ops, p, "probe") == 0);
	ste_write(r, SID, ste);
	cmd_cfgi_ste(r, SID);
}

static u64 sync_msi(u32 data)
{
	return CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ) |
	       FIELD_PREP(CMD_SYNC_0_MSIDATA, data);
}

/* The CMDQ_CONS index of the command before PROD. */
static u64 last_cons(const struct rig *r, unsigned int back)
{
	return (r->cmdq_prod - back) & ((2u << RIG_CMDQ_LOG2) - 1);
}

/*
 * A handler of each MSI reads the SMMU's registers: it is not refused, and
 * CMDQ_CONS has not yet passed the CMD_SYNC whose completion it signals
 * (software may reuse a slot CONS has passed; a late MSI must not land in
 * it), but does right after.
 */
static void test_msi_handlers_see_registers(void)
{
	struct probe p;
	struct rig r;

	rig_with_probe(&r, &p);
	p.reg = SMMU_CMDQ_CONS;
	cmd(&r, sync_msi(0x5a), PROBE & CMD_SYNC_1_MSIADDR);
	CHECK_EQ(p.writes, 1);
	CHECK_EQ(p.data[0], 0x5a);
	CHECK_EQ(p.read_ret, 0);
	CHECK_EQ(p.seen[0], last_cons(&r, 1));
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);

	/* Two in one batch: both, in order, each before CONS passes it. */
	cmd_push(&r, sync_msi(1), PROBE & CMD_SYNC_1_MSIADDR);
	cmd_push(&r, CMD_CFGI_STE | FIELD_PREP(CMD_0_SID, SID), CMD_1_LEAF);
	cmd_push(&r, sync_msi(2), PROBE & CMD_SYNC_1_MSIADDR);
	cmd_kick(&r);
	CHECK_EQ(p.writes, 3);
	CHECK_EQ(p.data[1], 1);
	CHECK_EQ(p.seen[1], last_cons(&r, 3));
	CHECK_EQ(p.data[2], 2);
	CHECK_EQ(p.seen[2], last_cons(&r, 1));
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);
	CHECK(!cmdq_stopped(&r));

	/* GERROR's MSI: its handler sees the error it signals. */
	p.reg = SMMU_GERROR;
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	wr64(&r, SMMU_GERROR_IRQ_CFG0, PROBE);
	wr32(&r, SMMU_GERROR_IRQ_CFG1, 0x77);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	cmd(&r, 0xfd, 0);			/* no such command */
	CHECK_EQ(p.writes, 4);
	CHECK_EQ(p.data[3], 0x77);
	CHECK_EQ(p.read_ret, 0);
	CHECK(p.read_val & GERROR_CMDQ_ERR);
	rig_destroy(&r);

	/* The event queue's MSI: its handler sees the record's PROD. */
	rig_with_probe(&r, &p);
	p.reg = SMMU_EVENTQ_PROD;
	wr32(&r, SMMU_IRQ_CTRL, 0);
	wr64(&r, SMMU_EVENTQ_IRQ_CFG0, PROBE);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	{
		struct smmuv3_result res;

		CHECK(smmuv3_translate(r.smmu, SID_NONE, SMMUV3_NO_SSID, SRC,
				       SMMUV3_READ, &res) != 0);	/* C_BAD_STE */
	}
	CHECK_EQ(p.writes, 1);
	CHECK_EQ(p.read_ret, 0);
	CHECK_EQ(p.read_val, 1);
	rig_destroy(&r);
}

/*
 * The CMD_SYNC's MSI handler turns the queue off: the CMD_SYNC stays
 * unconsumed, and the queue turned on again runs it (and sends its MSI)
 * once more, then goes on; nothing is skipped.
 */
static void test_sync_msi_handler_stops_queue(void)
{
	struct probe p;
	struct rig r;

	rig_with_probe(&r, &p);
	p.reg = SMMU_CMDQ_CONS;
	p.stop_cmdq = true;
	cmd_push(&r, sync_msi(7), PROBE & CMD_SYNC_1_MSIADDR);
	cmd_push(&r, sync_msi(8), PROBE & CMD_SYNC_1_MSIADDR);
	cmd_kick(&r);
	CHECK_EQ(p.writes, 1);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), last_cons(&r, 2));	/* still at it */
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	CHECK_EQ(p.writes, 3);
	CHECK_EQ(p.data[1], 7);
	CHECK_EQ(p.data[2], 8);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);
	CHECK(!cmdq_stopped(&r));
	rig_destroy(&r);
}

/*
 * An event record aimed at a device whose write translates through this
 * SMMU: that translation comes under the lock the record is written with,
 * misses the configuration cache, and is terminated instead of waiting.
 */
static void test_event_record_sets_off_translation(void)
{
	struct smmuv3_result res;
	struct probe p;
	struct rig r;

	rig_with_probe(&r, &p);
	p.translate = true;
	p.reg = SMMU_IDR0;
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN);
	wr64(&r, SMMU_EVENTQ_BASE, PROBE | 0);	/* one-record queue */
	wr32(&r, SMMU_CR0, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
	CHECK(smmuv3_translate(r.smmu, SID_NONE, SMMUV3_NO_SSID, SRC,
			       SMMUV3_READ, &res) != 0);
	CHECK(p.writes > 0);
	CHECK_EQ(p.read_ret, -EFAULT);		/* under the lock: refused */
	CHECK_EQ(p.xlate_ret, SMMUV3_ABORT);
	/* From outside, the same translation goes through. */
	CHECK_EQ(smmuv3_translate(r.smmu, SID, SMMUV3_NO_SSID, SRC, SMMUV3_READ,
				  &res), 0);
	CHECK_EQ(res.addr, SRC);
	rig_destroy(&r);
}

static void ep_wr32(struct rig *r, u64 off, u32 v)
{
	REQUIRE(phys_write_val(r->mem, EP_BAR + off, 4, v, MEM_ATTRS_NONE) == 0);
}

static u32 ep_rd32(struct rig *r, u64 off)
{
	u64 v = 0;

	REQUIRE(phys_read_val(r->mem, EP_BAR + off, 4, &v, MEM_ATTRS_NONE) == 0);
	return (u32)v;
}

/* CMD_SYNC's MSI aimed at a device's DMA doorbell: the DMA runs. */
static void test_sync_msi_starts_dma(void)
{
	struct dma_translator t;
	struct endpoint *ep;
	struct probe p;
	struct rig r;
	u64 v = 0;

	rig_with_probe(&r, &p);
	ep = endpoint_create(r.mem, SID, 1);
	REQUIRE(ep);
	smmuv3_dma_translator(r.smmu, &t);
	endpoint_set_translator(ep, &t);
	REQUIRE(phys_mem_add_mmio(r.mem, EP_BAR, ENDPOINT_MMIO_SIZE,
				  &endpoint_mmio_ops, ep, "ep") == 0);
	phys_write64(r.mem, SRC, 0x1122334455667788ULL);
	ep_wr32(&r, EP_DMA_SRC, (u32)SRC);
	ep_wr32(&r, EP_DMA_DST, (u32)DST);
	ep_wr32(&r, EP_DMA_LEN, 8);
	cmd_cfgi_ste(&r, SID);		/* the DMA's config is fetched afresh */
	cmd(&r, sync_msi(EP_DMA_CMD_GO), (EP_BAR + EP_DMA_CMD) & CMD_SYNC_1_MSIADDR);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);
	CHECK(!cmdq_stopped(&r));
	CHECK_EQ(ep_rd32(&r, EP_DMA_STATUS), 0);
	REQUIRE(phys_read_val(r.mem, DST, 8, &v, MEM_ATTRS_NONE) == 0);
	CHECK_EQ(v, 0x1122334455667788ULL);
	endpoint_destroy(ep);
	rig_destroy(&r);
}

int main(void)
{
	alarm(20);	/* a self-deadlock fails the test instead of hanging it */
	test_msi_handlers_see_registers();
	test_sync_msi_handler_stops_queue();
	test_event_record_sets_off_translation();
	test_sync_msi_starts_dma();
	return test_done();
}
