// SPDX-License-Identifier: MIT
/*
 * SMMUv3 registers as a driver sees them: IDRs from the config, the ACK
 * registers, GBPA's update protocol, writes the architecture ignores or
 * constrains, the GERROR/GERRORN toggle protocol, and garbage writes.
 */
#include "tests/smmuv3_rig.h"

static void test_idr(void)
{
	struct smmuv3_config c;
	struct rig r;
	u32 idr0, idr1, idr5;

	rig_default_conf(&c);
	rig_create(&r, &c);
	idr0 = rd32(&r, SMMU_IDR0);
	idr1 = rd32(&r, SMMU_IDR1);
	idr5 = rd32(&r, SMMU_IDR5);
	CHECK(idr0 & IDR0_S1P);
	CHECK(idr0 & IDR0_S2P);
	CHECK_EQ(FIELD_GET(IDR0_TTF, idr0), 2);
	CHECK_EQ(FIELD_GET(IDR0_ST_LVL, idr0), 1);
	CHECK(idr0 & IDR0_ASID16);
	CHECK(idr0 & IDR0_VMID16);
	CHECK(idr0 & IDR0_MSI);
	CHECK(idr0 & IDR0_HYP);
	CHECK(idr0 & IDR0_CD2L);
	CHECK_EQ(FIELD_GET(IDR1_SIDSIZE, idr1), 16);
	CHECK_EQ(FIELD_GET(IDR1_SSIDSIZE, idr1), 8);
	CHECK_EQ(FIELD_GET(IDR1_CMDQS, idr1), 12);
	CHECK_EQ(FIELD_GET(IDR1_EVTQS, idr1), 10);
	CHECK_EQ(FIELD_GET(IDR5_OAS, idr5), 5);	/* 48 bits */
	CHECK(idr5 & IDR5_GRAN4K);
	CHECK(idr5 & IDR5_GRAN16K);
	CHECK(idr5 & IDR5_GRAN64K);
	CHECK(rd32(&r, SMMU_IDR3) & IDR3_RIL);
	CHECK(rd32(&r, SMMU_IDR3) & IDR3_FWB);
	CHECK_EQ(rd32(&r, SMMU_AIDR), 2);
	/* IDRs are read-only. */
	wr32(&r, SMMU_IDR0, 0);
	CHECK_EQ(rd32(&r, SMMU_IDR0), idr0);
	rig_destroy(&r);

	/* A smaller part. */
	c.stage2 = false;
	c.gran16k = c.gran64k = false;
	c.oas_bits = 40;
	c.st_2level = false;
	c.asid16 = c.vmid16 = c.range_inv = c.msi = c.hyp = c.s2fwb = false;
	c.sid_bits = 6;
	rig_create(&r, &c);
	idr0 = rd32(&r, SMMU_IDR0);
	CHECK(idr0 & IDR0_S1P);
	CHECK(!(idr0 & IDR0_S2P));
	CHECK_EQ(FIELD_GET(IDR0_ST_LVL, idr0), 0);
	CHECK(!(idr0 & (IDR0_ASID16 | IDR0_VMID16 | IDR0_MSI | IDR0_HYP)));
	CHECK_EQ(FIELD_GET(IDR5_OAS, rd32(&r, SMMU_IDR5)), 2);
	CHECK_EQ(rd32(&r, SMMU_IDR5) & (IDR5_GRAN16K | IDR5_GRAN64K), 0);
	CHECK_EQ(rd32(&r, SMMU_IDR3), 0);
	CHECK_EQ(FIELD_GET(IDR1_SIDSIZE, rd32(&r, SMMU_IDR1)), 6);
	/* Two-level format without ST_LEVEL support reads back linear;
	 * LOG2SIZE above SIDSIZE is capped. */
	wr32(&r, SMMU_STRTAB_BASE_CFG, FIELD_PREP(STRTAB_BASE_CFG_FMT, 1) | 20);
	CHECK_EQ(rd32(&r, SMMU_STRTAB_BASE_CFG), 6);
	rig_destroy(&r);
}

/*
 * A configuration smmuv3_create() refuses is one smmuv3_config_valid()
 * calls invalid, and the other way round: the CLI's `board` asks the
 * latter before it builds anything.
 */
static void check_rejected(struct phys_mem *mem, const struct smmuv3_config *c)
{
	CHECK(!smmuv3_config_valid(c));
	CHECK(!smmuv3_create(c, mem, NULL, NULL, 0));
}

static void test_create_rejects(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct smmuv3_config c;
	struct smmuv3 *smmu;

	rig_default_conf(&c);
	CHECK(smmuv3_config_valid(&c));
	smmu = smmuv3_create(&c, mem, NULL, NULL, 0);
	CHECK(smmu);
	smmuv3_destroy(smmu);
	c.oas_bits = 47;
	check_rejected(mem, &c);
	rig_default_conf(&c);
	c.sid_bits = 33;
	check_rejected(mem, &c);
	rig_default_conf(&c);
	c.stage1 = c.stage2 = false;
	check_rejected(mem, &c);
	/* HYP (EL2 stage-1 contexts, TLBI_EL2_*) without stage 1. */
	rig_default_conf(&c);
	c.stage1 = false;
	check_rejected(mem, &c);
	rig_default_conf(&c);
	c.cmdq_max_log2 = 20;
	check_rejected(mem, &c);
	rig_default_conf(&c);
	c.tlb_sets = 100;
	check_rejected(mem, &c);
	rig_default_conf(&c);
	c.walk_cache_s1 = 3;		/* not whole sets of ways */
	check_rejected(mem, &c);
	check_rejected(mem, NULL);
	rig_default_conf(&c);
	CHECK(!smmuv3_create(&c, NULL, NULL, NULL, 0));
	phys_mem_destroy(mem);
}

static void test_control(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;

	rig_default_conf(&c);
	rig_create(&r, &c);

	/* CR0ACK mirrors the enabled bits; unimplemented PRIQEN/ATSCHK stay 0. */
	wr32(&r, SMMU_CR0, 0xffffffff);
	CHECK_EQ(rd32(&r, SMMU_CR0), CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);
	CHECK_EQ(rd32(&r, SMMU_CR0ACK), CR0_SMMUEN | CR0_EVTQEN | CR0_CMDQEN);
	wr32(&r, SMMU_CR0, CR0_CMDQEN);
	CHECK_EQ(rd32(&r, SMMU_CR0ACK), CR0_CMDQEN);
	wr32(&r, SMMU_CR0, 0);
	CHECK_EQ(rd32(&r, SMMU_CR0ACK), 0);

	/* IRQ_CTRLACK mirrors IRQ_CTRL; PRI_IRQEN is not implemented. */
	wr32(&r, SMMU_IRQ_CTRL, 7);
	CHECK_EQ(rd32(&r, SMMU_IRQ_CTRL), 5);
	CHECK_EQ(rd32(&r, SMMU_IRQ_CTRLACK), 5);
	wr32(&r, SMMU_IRQ_CTRL, 0);
	CHECK_EQ(rd32(&r, SMMU_IRQ_CTRLACK), 0);

	/* GBPA: reset bypasses; a write without UPDATE changes nothing. */
	CHECK_EQ(rd32(&r, SMMU_GBPA) & (GBPA_ABORT | GBPA_UPDATE), 0);
	CHECK_EQ(smmuv3_translate(r.smmu, 1, SMMUV3_NO_SSID, 0x1234, SMMUV3_READ, &res), 0);
	CHECK(res.bypass);
	CHECK_EQ(res.addr, 0x1234);
	wr32(&r, SMMU_GBPA, GBPA_ABORT);
	CHECK_EQ(rd32(&r, SMMU_GBPA) & GBPA_ABORT, 0);
	wr32(&r, SMMU_GBPA, GBPA_ABORT | GBPA_UPDATE);
	CHECK_EQ(rd32(&r, SMMU_GBPA) & (GBPA_ABORT | GBPA_UPDATE), GBPA_ABORT);
	CHECK_EQ(smmuv3_translate(r.smmu, 1, SMMUV3_NO_SSID, 0x1234, SMMUV3_READ, &res),
		 SMMUV3_ABORT);
	CHECK(!res.recorded);
	wr32(&r, SMMU_GBPA, GBPA_UPDATE);
	CHECK_EQ(smmuv3_translate(r.smmu, 1, SMMUV3_NO_SSID, 0x1234, SMMUV3_READ, &res), 0);

	/* CR2 and CR1 writable while disabled. */
	wr32(&r, SMMU_CR1, 0xfff);
	CHECK_EQ(rd32(&r, SMMU_CR1), 0xfff);
	wr32(&r, SMMU_CR2, 0xffffffff);
	CHECK_EQ(rd32(&r, SMMU_CR2), 7);
	rig_destroy(&r);
}

static void test_bases(void)
{
	struct smmuv3_config c;
	struct rig r;

	rig_default_conf(&c);
	rig_create(&r, &c);

	/* LOG2SIZE above IDR1.CMDQS/EVENTQS is capped; RES0 bits drop. */
	wr64(&r, SMMU_CMDQ_BASE, Q_BASE_RWA | 0x40010000ULL | 31 | BIT_ULL(63));
	CHECK_EQ(rd64(&r, SMMU_CMDQ_BASE), Q_BASE_RWA | 0x40010000ULL | 12);
	wr64(&r, SMMU_EVENTQ_BASE, 0x40020000ULL | 19);
	CHECK_EQ(rd64(&r, SMMU_EVENTQ_BASE), 0x40020000ULL | 10);

	/* 32-bit halves of a 64-bit register. */
	wr32(&r, SMMU_CMDQ_BASE, 0x40030005);
	wr32(&r, SMMU_CMDQ_BASE + 4, 0x1);
	CHECK_EQ(rd64(&r, SMMU_CMDQ_BASE), 0x140030005ULL);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_BASE + 4), 1);

	/* Ignored while the queue is enabled. */
	wr64(&r, SMMU_CMDQ_BASE, RIG_CMDQ | 4);
	wr32(&r, SMMU_CR0, CR0_CMDQEN);
	wr64(&r, SMMU_CMDQ_BASE, 0x50000000ULL | 4);
	CHECK_EQ(rd64(&r, SMMU_CMDQ_BASE), RIG_CMDQ | 4);
	/* CMDQ_CONS is the SMMU's while enabled. */
	wr32(&r, SMMU_CMDQ_CONS, 3);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), 0);
	wr32(&r, SMMU_CR0, 0);
	wr32(&r, SMMU_CMDQ_CONS, 3);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), 3);
	wr32(&r, SMMU_CMDQ_CONS, 0);

	wr64(&r, SMMU_EVENTQ_BASE, RIG_EVTQ | 4);
	wr32(&r, SMMU_EVENTQ_PROD, 5);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), 5);
	wr32(&r, SMMU_EVENTQ_PROD, 0);
	wr32(&r, SMMU_CR0, CR0_EVTQEN);
	wr64(&r, SMMU_EVENTQ_BASE, 0x50000000ULL | 4);
	CHECK_EQ(rd64(&r, SMMU_EVENTQ_BASE), RIG_EVTQ | 4);
	wr32(&r, SMMU_EVENTQ_PROD, 5);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), 0);
	wr32(&r, SMMU_EVENTQ_CONS, 0x80000000u | 0xfffff);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_CONS), 0x80000000u | 0xfffff);
	wr32(&r, SMMU_EVENTQ_CONS, 0);
	/* EVENTQ_PROD/CONS live in page 1 only. */
	CHECK_EQ(rd32(&r, 0xa8), 0);

	/* STRTAB_BASE and _CFG are ignored while SMMUEN=1. */
	wr64(&r, SMMU_STRTAB_BASE, RIG_STRTAB | 0x3f | BIT_ULL(63));
	CHECK_EQ(rd64(&r, SMMU_STRTAB_BASE), RIG_STRTAB);
	wr32(&r, SMMU_STRTAB_BASE_CFG, 8);
	wr32(&r, SMMU_CR0, CR0_SMMUEN);
	wr64(&r, SMMU_STRTAB_BASE, 0x50000000ULL);
	wr32(&r, SMMU_STRTAB_BASE_CFG, 4);
	CHECK_EQ(rd64(&r, SMMU_STRTAB_BASE), RIG_STRTAB);
	CHECK_EQ(rd32(&r, SMMU_STRTAB_BASE_CFG), 8);
	wr32(&r, SMMU_CR0, 0);
	wr32(&r, SMMU_STRTAB_BASE_CFG, FIELD_PREP(STRTAB_BASE_CFG_FMT, 1) |
	     FIELD_PREP(STRTAB_BASE_CFG_SPLIT, 8) | 16);
	CHECK_EQ(rd32(&r, SMMU_STRTAB_BASE_CFG), FIELD_PREP(STRTAB_BASE_CFG_FMT, 1) |
		 FIELD_PREP(STRTAB_BASE_CFG_SPLIT, 8) | 16);

	/* IRQ_CFG registers: ignored while their interrupt is enabled. */
	wr64(&r, SMMU_GERROR_IRQ_CFG0, 0x40050003ULL);
	CHECK_EQ(rd64(&r, SMMU_GERROR_IRQ_CFG0), 0x40050000ULL);
	wr32(&r, SMMU_GERROR_IRQ_CFG1, 0x77);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN);
	wr64(&r, SMMU_GERROR_IRQ_CFG0, 0x40060000ULL);
	wr32(&r, SMMU_GERROR_IRQ_CFG1, 0x88);
	wr64(&r, SMMU_EVENTQ_IRQ_CFG0, 0x40060000ULL);
	CHECK_EQ(rd64(&r, SMMU_GERROR_IRQ_CFG0), 0x40050000ULL);
	CHECK_EQ(rd32(&r, SMMU_GERROR_IRQ_CFG1), 0x77);
	CHECK_EQ(rd64(&r, SMMU_EVENTQ_IRQ_CFG0), 0);
	/* Each interrupt's registers follow its own enable; CFG2 is 6 bits. */
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_GERROR_IRQEN);
	wr64(&r, SMMU_EVENTQ_IRQ_CFG0, 0xff0040070003ULL);
	wr32(&r, SMMU_EVENTQ_IRQ_CFG1, 0x99);
	wr32(&r, SMMU_EVENTQ_IRQ_CFG2, 0xfff);
	wr32(&r, SMMU_GERROR_IRQ_CFG2, 0x3);
	CHECK_EQ(rd64(&r, SMMU_EVENTQ_IRQ_CFG0), 0xff0040070000ULL);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_IRQ_CFG1), 0x99);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_IRQ_CFG2), 0x3f);
	CHECK_EQ(rd32(&r, SMMU_GERROR_IRQ_CFG2), 0);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	wr32(&r, SMMU_EVENTQ_IRQ_CFG1, 0xaa);
	wr32(&r, SMMU_GERROR_IRQ_CFG2, 0x41);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_IRQ_CFG1), 0x99);
	CHECK_EQ(rd32(&r, SMMU_GERROR_IRQ_CFG2), 0x1);

	/* Unknown offsets and odd sizes: RAZ/WI, no crash. */
	wr32(&r, 0x200, 0x1234);
	CHECK_EQ(rd32(&r, 0x200), 0);
	CHECK_EQ(rd32(&r, 0x1fffc), 0);
	{
		u64 v = 1;

		CHECK_EQ(phys_read_val(r.mem, RIG_SMMU_BASE + SMMU_CR0, 1, &v,
				       MEM_ATTRS_NONE), 0);
		CHECK_EQ(v, 0);
		CHECK_EQ(phys_write_val(r.mem, RIG_SMMU_BASE + SMMU_CR0, 2, 0xff,
					MEM_ATTRS_NONE), 0);
		CHECK_EQ(rd32(&r, SMMU_CR0), 0);
	}
	rig_destroy(&r);
}

/*
 * Queue indexes (IHI0070 6.3.27/28 and the EVENTQ_PROD/CONS descriptions):
 * PROD/CONS hold an index of LOG2SIZE bits and the wrap bit above it.  In
 * the registers the SMMU owns (CMDQ_CONS, EVENTQ_PROD) bits above the wrap
 * bit read as zero, and a smaller LOG2SIZE truncates from the wrap bit
 * down; in the ones software owns (CMDQ_PROD, EVENTQ_CONS) such bits may
 * be kept but change nothing.  OVFLG and ERR sit above bit 19.
 */
static void test_queue_indexes(void)
{
	u64 rec[4] = { 0x10, 0, 0, 0 }, got[4];
	u64 sync[2] = { CMD_SYNC, 0 };
	struct smmuv3_config c;
	struct rig r;

	rig_default_conf(&c);
	rig_create(&r, &c);
	wr64(&r, SMMU_CMDQ_BASE, RIG_CMDQ | 4);
	wr64(&r, SMMU_EVENTQ_BASE, RIG_EVTQ | 4);

	/* 16 entries: index [3:0], wrap bit 4, bits [19:5] RAZ. */
	wr32(&r, SMMU_CMDQ_CONS, 0xffff3);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), 0x13);
	wr32(&r, SMMU_EVENTQ_PROD, EVTQ_PROD_OVFLG | 0xfffe5);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), EVTQ_PROD_OVFLG | 0x05);
	/* Reserved bits never read back, whatever the queue size. */
	wr32(&r, SMMU_CMDQ_CONS, 0xffffffff & ~CMDQ_CONS_ERR);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), 0x1f);
	wr32(&r, SMMU_EVENTQ_PROD, 0x7ff00000);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), 0);

	/* A smaller queue: the old field truncated from the wrap bit down. */
	wr32(&r, SMMU_CMDQ_CONS, 0xffff3);
	wr32(&r, SMMU_EVENTQ_PROD, EVTQ_PROD_OVFLG | 0xfffe5);
	wr64(&r, SMMU_CMDQ_BASE, RIG_CMDQ | 2);
	wr64(&r, SMMU_EVENTQ_BASE, RIG_EVTQ | 2);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), 0x3);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), EVTQ_PROD_OVFLG | 0x5);
	wr64(&r, SMMU_CMDQ_BASE, RIG_CMDQ | 4);
	wr64(&r, SMMU_EVENTQ_BASE, RIG_EVTQ | 4);

	/* Software's stray bits in CMDQ_PROD: two commands, at 3 and 4. */
	wr32(&r, SMMU_CMDQ_CONS, 0xffff3);
	wr32(&r, SMMU_CMDQ_PROD, 0xffff3);
	CHECK_EQ(phys_write(r.mem, RIG_CMDQ + 3 * 16, sync, 16), 0);
	CHECK_EQ(phys_write(r.mem, RIG_CMDQ + 4 * 16, sync, 16), 0);
	wr32(&r, SMMU_CR0, CR0_CMDQEN);
	wr32(&r, SMMU_CMDQ_PROD, 0xfffe5 | 0x10);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS) & ~CMDQ_CONS_ERR, 0x15);
	CHECK_EQ(rd32(&r, SMMU_GERROR), 0);
	wr32(&r, SMMU_CR0, 0);

	/* ... and in EVENTQ_CONS: the queue is empty, the record lands at 5. */
	wr32(&r, SMMU_EVENTQ_PROD, 0xfffe5);
	wr32(&r, SMMU_EVENTQ_CONS, 0x7ffe5);
	wr32(&r, SMMU_CR0, CR0_EVTQEN);
	CHECK_EQ(smmuv3_inject_event(r.smmu, rec), 0);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), 0x06);
	CHECK_EQ(phys_read(r.mem, RIG_EVTQ + 5 * 32, got, sizeof(got)), 0);
	CHECK_EQ(got[0], rec[0]);
	/* Wrapping at the end of the queue toggles bit 4, nothing above. */
	wr32(&r, SMMU_CR0, 0);
	wr32(&r, SMMU_EVENTQ_PROD, 0x0f);
	wr32(&r, SMMU_EVENTQ_CONS, 0x0f);
	wr32(&r, SMMU_CR0, CR0_EVTQEN);
	CHECK_EQ(smmuv3_inject_event(r.smmu, rec), 0);
	CHECK_EQ(rd32(&r, SMMU_EVENTQ_PROD), 0x10);
	rig_destroy(&r);
}

static void test_gerror(void)
{
	struct smmuv3_config c;
	struct rig r;
	u32 g;

	rig_default_conf(&c);
	rig_init(&r, &c);

	/* GERROR is read-only. */
	wr32(&r, SMMU_GERROR, 0xff);
	CHECK_EQ(rd32(&r, SMMU_GERROR), 0);

	/* An illegal command toggles CMDQ_ERR and raises the wired line. */
	cmd(&r, 0xff, 0);
	g = rd32(&r, SMMU_GERROR);
	CHECK_EQ(g, GERROR_CMDQ_ERR);
	CHECK_EQ(r.nr_gerror_irq, 1);
	/* A second error while active does not toggle again. */
	cmd(&r, 0xfe, 0);
	CHECK_EQ(rd32(&r, SMMU_GERROR), g);
	CHECK_EQ(r.nr_gerror_irq, 1);
	/* Acknowledge: GERRORN = GERROR.  Then the next error toggles back. */
	phys_write64(r.mem, RIG_CMDQ, CMD_SYNC);	/* fix the entry */
	wr32(&r, SMMU_GERRORN, g);
	CHECK_EQ(rd32(&r, SMMU_GERRORN), g);
	/* The queue resumed: entry 0 (now SYNC) ran, entry 1 (0xfe) stopped it. */
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS) & 0xfffff, 1);
	CHECK(cmdq_stopped(&r));
	CHECK_EQ(rd32(&r, SMMU_GERROR), 0);
	CHECK_EQ(r.nr_gerror_irq, 2);

	/* GERROR as an MSI when GERROR_IRQ_CFG0 holds an address. */
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	wr64(&r, SMMU_GERROR_IRQ_CFG0, 0x40070000ULL);
	wr32(&r, SMMU_GERROR_IRQ_CFG1, 0xabcd);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	phys_write64(r.mem, RIG_CMDQ + 16, CMD_SYNC);
	wr32(&r, SMMU_GERRORN, rd32(&r, SMMU_GERROR));
	cmd(&r, 0xfd, 0);
	CHECK_EQ(rd32(&r, SMMU_GERROR), GERROR_CMDQ_ERR);
	CHECK_EQ(*(u32 *)phys_ram_ptr(r.mem, 0x40070000ULL, 4), 0xabcd);
	CHECK_EQ(r.nr_gerror_irq, 2);

	/* An MSI to nowhere: MSI_GERROR_ABT_ERR. */
	phys_write64(r.mem, RIG_CMDQ + 32, CMD_SYNC);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	wr64(&r, SMMU_GERROR_IRQ_CFG0, 0x10000ULL);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	wr32(&r, SMMU_GERRORN, rd32(&r, SMMU_GERROR));
	CHECK(!cmdq_stopped(&r));
	cmd(&r, 0xfc, 0);
	g = rd32(&r, SMMU_GERROR) ^ rd32(&r, SMMU_GERRORN);
	CHECK_EQ(g, GERROR_CMDQ_ERR | GERROR_MSI_GERROR_ABT_ERR);

	/* An MSI aimed at the SMMU's own registers aborts too (no deadlock). */
	phys_write64(r.mem, RIG_CMDQ + 48, CMD_SYNC);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN);
	wr64(&r, SMMU_GERROR_IRQ_CFG0, RIG_SMMU_BASE + SMMU_GERRORN);
	wr32(&r, SMMU_IRQ_CTRL, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
	wr32(&r, SMMU_GERRORN, rd32(&r, SMMU_GERROR));
	CHECK(!cmdq_stopped(&r));
	cmd(&r, 0xfb, 0);
	g = rd32(&r, SMMU_GERROR) ^ rd32(&r, SMMU_GERRORN);
	CHECK_EQ(g, GERROR_CMDQ_ERR | GERROR_MSI_GERROR_ABT_ERR);
	rig_destroy(&r);
}

/* Random writes anywhere in the window, then a translation: no crash. */
static void test_garbage(void)
{
	struct smmuv3_config c;
	struct smmuv3_result res;
	struct rig r;
	u64 seed = 0x12345678;

	u32 idr[6], bad = 0;

	rig_default_conf(&c);
	rig_init(&r, &c);
	for (int i = 0; i < 6; i++)
		idr[i] = rd32(&r, SMMU_IDR0 + 4 * i);
	for (int i = 0; i < 20000; i++) {
		u64 off, val;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		off = (seed >> 20) % 0x140;
		if (seed & 1)
			off += 0x10000;
		val = seed * 0x9e3779b97f4a7c15ULL;
		if ((seed >> 8) & 1)
			phys_write_val(r.mem, RIG_SMMU_BASE + (off & ~7ULL), 8, val,
				       MEM_ATTRS_NONE);
		else
			phys_write_val(r.mem, RIG_SMMU_BASE + (off & ~3ULL), 4, val,
				       MEM_ATTRS_NONE);
		if (!(i % 64)) {
			int ret = smmuv3_translate(r.smmu, (u32)val, (u32)(val >> 32),
						   val, (unsigned int)seed & 15, &res);

			/* Success, an architected event type, or a silent abort. */
			if (ret < 0 || (ret >= 0x100 && ret != SMMUV3_ABORT))
				bad++;
		}
	}
	CHECK_EQ(bad, 0);
	/* The ID registers are read-only: garbage never changed them. */
	for (int i = 0; i < 6; i++)
		CHECK_EQ(rd32(&r, SMMU_IDR0 + 4 * i), idr[i]);
	rig_destroy(&r);
}

int main(void)
{
	test_idr();
	test_create_rejects();
	test_control();
	test_bases();
	test_queue_indexes();
	test_gerror();
	test_garbage();
	return test_done();
}
