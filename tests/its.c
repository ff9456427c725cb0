// SPDX-License-Identifier: MIT
/*
 * hw/its: the GICv3 ITS model programmed through MMIO and memory as a
 * driver would: registers, every command and its errors, translation of
 * MSI writes into pending LPIs, drops, caching of LPI configuration,
 * two-level tables, stalls, and random command words.
 */
#include <pthread.h>

#include "tests/its-helpers.h"

#define DEV0	0x10	/* DeviceIDs used below */
#define DEV1	0x11
#define ITT0	(ITT_PA + 0x0000)
#define ITT1	(ITT_PA + 0x1000)

static void test_registers(void)
{
	struct its_config cfg;
	struct tmach m;
	u64 typer, v;
	u32 v32;

	its_config_default(&cfg);
	cfg.devid_bits = 20;
	cfg.eventid_bits = 12;
	cfg.icid_bits = 8;
	cfg.itt_entry_size = 16;
	cfg.dte_size = 16;
	cfg.hcc = 3;
	tmach_init(&m, &cfg);

	typer = its_rd64(&m, GITS_TYPER);
	CHECK(typer & GITS_TYPER_PHYSICAL);
	CHECK_EQ(FIELD_GET(GITS_TYPER_ITT_ENTRY_SIZE, typer), 15);
	CHECK_EQ(FIELD_GET(GITS_TYPER_IDBITS, typer), 11);
	CHECK_EQ(FIELD_GET(GITS_TYPER_DEVBITS, typer), 19);
	CHECK_EQ(FIELD_GET(GITS_TYPER_HCC, typer), 3);
	CHECK(typer & GITS_TYPER_CIL);
	CHECK_EQ(FIELD_GET(GITS_TYPER_CIDBITS, typer), 7);
	CHECK(!(typer & GITS_TYPER_PTA));
	/* 32-bit halves of a 64-bit register, as readl() sees them. */
	CHECK_EQ(phys_read32(m.mem, ITS_BASE + GITS_TYPER + 4, &v32), 0);
	CHECK_EQ(v32, typer >> 32);
	CHECK_EQ(phys_read32(m.mem, ITS_BASE + GITS_IIDR, &v32), 0);
	CHECK_EQ(v32, 0x4900043b);
	CHECK_EQ(phys_read32(m.mem, ITS_BASE + GITS_PIDR2, &v32), 0);
	CHECK_EQ(v32 & 0xf0, 0x30);

	/* BASER0/1: Type and Entry_Size read-only, the rest reads back. */
	v = its_rd64(&m, GITS_BASER(0));
	CHECK_EQ(FIELD_GET(GITS_BASER_TYPE, v), GITS_BASER_TYPE_DEVICE);
	CHECK_EQ(FIELD_GET(GITS_BASER_ENTRY_SIZE, v), 15);
	v = its_rd64(&m, GITS_BASER(1));
	CHECK_EQ(FIELD_GET(GITS_BASER_TYPE, v), GITS_BASER_TYPE_COLLECTION);
	CHECK_EQ(FIELD_GET(GITS_BASER_ENTRY_SIZE, v), 7);
	CHECK_EQ(its_rd64(&m, GITS_BASER(2)), 0);

	/* Enabled: quiescent clear; CBASER and BASER ignore writes. */
	CHECK_EQ(phys_read32(m.mem, ITS_BASE + GITS_CTLR, &v32), 0);
	CHECK_EQ(v32, GITS_CTLR_ENABLED);
	v = its_rd64(&m, GITS_CBASER);
	its_wr64(&m, GITS_CBASER, 0);
	CHECK_EQ(its_rd64(&m, GITS_CBASER), v);
	v = its_rd64(&m, GITS_BASER(0));
	its_wr64(&m, GITS_BASER(0), 0);
	CHECK_EQ(its_rd64(&m, GITS_BASER(0)), v);

	/* Disabled: quiescent; the Linux probe sequence reads back what it wrote. */
	its_wr64(&m, GITS_CTLR, 0);
	CHECK_EQ(phys_read32(m.mem, ITS_BASE + GITS_CTLR, &v32), 0);
	CHECK_EQ(v32, GITS_CTLR_QUIESCENT);
	v = FIELD_PREP(GITS_BASER_TYPE, 1) | FIELD_PREP(GITS_BASER_ENTRY_SIZE, 15) |
	    GITS_BASER_VALID | GITS_BASER_INDIRECT | (5ULL << 59) | (1ULL << 10) |
	    FIELD_PREP(GITS_BASER_PAGE_SIZE, 2) | DT_PA | 3;
	its_wr64(&m, GITS_BASER(0), v);
	CHECK_EQ(its_rd64(&m, GITS_BASER(0)), v);
	/* Type and Entry_Size do not change. */
	its_wr64(&m, GITS_BASER(0), GITS_BASER_VALID | FIELD_PREP(GITS_BASER_TYPE, 4));
	CHECK_EQ(FIELD_GET(GITS_BASER_TYPE, its_rd64(&m, GITS_BASER(0))), 1);
	CHECK_EQ(FIELD_GET(GITS_BASER_ENTRY_SIZE, its_rd64(&m, GITS_BASER(0))), 15);
	its_wr64(&m, GITS_BASER(5), ~0ULL);
	CHECK_EQ(its_rd64(&m, GITS_BASER(5)), 0);
	/* CBASER write resets CREADR. */
	its_wr64(&m, GITS_CBASER, GITS_CBASER_VALID | CMDQ_PA | 15);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), 0);
	CHECK_EQ(its_rd64(&m, GITS_CBASER), GITS_CBASER_VALID | CMDQ_PA | 15);
	/* 32-bit writes to the halves of a 64-bit register. */
	CHECK_EQ(phys_write32(m.mem, ITS_BASE + GITS_CBASER, (u32)(CMDQ_PA | 7)), 0);
	CHECK_EQ(its_rd64(&m, GITS_CBASER), GITS_CBASER_VALID | CMDQ_PA | 7);

	/* Redistributors. */
	v = gicr_rd64(&m, 1, GICR_TYPER);
	CHECK(v & GICR_TYPER_PLPIS);
	CHECK_EQ(FIELD_GET(GICR_TYPER_PROC_NUM, v), 1);
	CHECK(v & GICR_TYPER_LAST);
	CHECK(!(gicr_rd64(&m, 0, GICR_TYPER) & GICR_TYPER_LAST));
	CHECK_EQ(gicr_rd64(&m, 0, GICR_PROPBASER), PROP_PA | 15);
	gicr_wr64(&m, 0, GICR_PROPBASER, 0);	/* ignored: LPIs enabled */
	CHECK_EQ(gicr_rd64(&m, 0, GICR_PROPBASER), PROP_PA | 15);
	CHECK_EQ(phys_write32(m.mem, GICR_BASE + GICR_WAKER, 0), 0);
	CHECK_EQ(phys_read32(m.mem, GICR_BASE + GICR_WAKER, &v32), 0);
	CHECK_EQ(v32 & GICR_WAKER_CHILDREN_ASLEEP, 0);
	CHECK_EQ(phys_read32(m.mem, GICR_BASE + GICR_PIDR2, &v32), 0);
	CHECK_EQ(v32 & 0xf0, 0x30);
	tmach_fini(&m);

	/* Bad configurations are refused. */
	its_config_default(&cfg);
	cfg.nr_targets = 5;
	CHECK(!its_create(&cfg, m.mem ? (struct phys_mem *)&cfg : NULL));
	its_config_default(&cfg);
	cfg.itt_entry_size = 4;
	CHECK(!its_create(&cfg, (struct phys_mem *)&cfg));
	CHECK(!its_create(NULL, NULL));
}

/* The common setup: DEV0 (4 events) and DEV1 (2) mapped, collections 0 -> 0, 1 -> 1. */
static void map_basic(struct tmach *m)
{
	cmd_mapc(m, 0, 0, true);
	cmd_mapc(m, 1, 1, true);
	cmd_mapd(m, DEV0, ITT0, 2, true);
	cmd_mapd(m, DEV1, ITT1, 1, true);
	cmd_mapti(m, DEV0, 0, 8192, 0);
	cmd_mapti(m, DEV0, 1, 8193, 1);
	cmd_mapti(m, DEV0, 2, 8194, 0);
	cmd_mapti(m, DEV1, 0, 9000, 1);
	for (u32 i = 8192; i < 8200; i++)
		lpi_conf(m, i, 0xa0, true);
	lpi_conf(m, 9000, 0x80, true);
	cmd_ev(m, GITS_CMD_SYNC, 0, 0, 0);
	REQUIRE(stats(m).cmd_errors == 0);
}

static void test_translation(void)
{
	struct tmach m;
	struct its_stats st;

	tmach_init(&m, NULL);
	map_basic(&m);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), m.cwriter);

	CHECK_EQ(msi(&m, DEV0, 0), 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8192));
	CHECK(!its_lpi_is_pending(m.its, 1, 8192));
	CHECK_EQ(m.log.count, 1);
	CHECK_EQ(m.log.target, 0);
	CHECK_EQ(m.log.intid, 8192);
	/* Already pending: no second report. */
	CHECK_EQ(msi(&m, DEV0, 0), 0);
	CHECK_EQ(m.log.count, 1);
	/* Event 1 goes through collection 1 to target 1. */
	CHECK_EQ(msi(&m, DEV0, 1), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 8193));
	CHECK_EQ(m.log.target, 1);
	/* A 16-bit write is a translation too (bits [31:16] zero). */
	CHECK_EQ(phys_write_val(m.mem, ITS_BASE + GITS_TRANSLATER, 2, 2,
				MEM_ATTRS_RID(DEV0)), 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8194));
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 9000));

	/* Acknowledge by priority: 9000 (0x80) before 8193 (0xa0). */
	CHECK_EQ(its_lpi_ack(m.its, 1), 9000);
	CHECK_EQ(its_lpi_ack(m.its, 1), 8193);
	CHECK_EQ(its_lpi_ack(m.its, 1), GIC_INTID_SPURIOUS);
	CHECK_EQ(its_lpi_count_pending(m.its, 0), 2);
	CHECK_EQ(its_lpi_ack(m.its, 0), 8192);	/* tie: lower INTID first */

	st = stats(&m);
	CHECK_EQ(st.translations, 5);
	CHECK_EQ(st.lpis_pended, 5);

	/* Drops, each counted by reason, none pending anything. */
	m.log.count = 0;
	CHECK_EQ(msi(&m, 0x99, 0), 0);			/* unmapped device */
	CHECK_EQ(msi(&m, 0x10000, 0), 0);		/* beyond 16 DeviceID bits */
	CHECK_EQ(msi(&m, DEV0, 4), 0);			/* beyond 2 EventID bits */
	CHECK_EQ(msi(&m, DEV0, 3), 0);			/* no ITE */
	CHECK_EQ(phys_write_val(m.mem, ITS_BASE + GITS_TRANSLATER, 4, 0,
				MEM_ATTRS_NONE), 0);	/* no requester */
	CHECK_EQ(phys_write_val(m.mem, ITS_BASE + GITS_TRANSLATER, 1, 0,
				MEM_ATTRS_RID(DEV0)), 0);
	CHECK_EQ(phys_write_val(m.mem, ITS_BASE + GITS_TRANSLATER, 8, 0,
				MEM_ATTRS_RID(DEV0)), 0);
	st = stats(&m);
	CHECK_EQ(st.drops[ITS_DROP_UNMAPPED_DEVICE], 1);
	CHECK_EQ(st.drops[ITS_DROP_DEVICE_OOR], 1);
	CHECK_EQ(st.drops[ITS_DROP_ID_OOR], 1);
	CHECK_EQ(st.drops[ITS_DROP_UNMAPPED_INTERRUPT], 1);
	CHECK_EQ(st.drops[ITS_DROP_NO_REQUESTER], 1);
	CHECK_EQ(st.drops[ITS_DROP_BAD_SIZE], 2);
	CHECK_EQ(m.log.count, 0);
	CHECK_EQ(its_lpi_count_pending(m.its, 0) + its_lpi_count_pending(m.its, 1), 1);

	/* Collection unmapped: dropped. */
	cmd_mapc(&m, 1, 0, false);
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_UNMAPPED_COLLECTION], 1);
	cmd_mapc(&m, 1, 1, true);

	/* Redistributor with LPIs off: dropped. */
	gicr_wr64(&m, 1, GICR_CTLR, 0);
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_LPIS_OFF], 1);
	gicr_wr64(&m, 1, GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 9000));

	/* ITS disabled: translations ignored. */
	its_wr64(&m, GITS_CTLR, 0);
	CHECK_EQ(msi(&m, DEV0, 1), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_DISABLED], 1);
	CHECK(!its_lpi_is_pending(m.its, 1, 8193));
	/* Reads of the translation frame are zero; other offsets ignore writes. */
	{
		u64 v = 1;

		CHECK_EQ(phys_read_val(m.mem, ITS_BASE + GITS_TRANSLATER, 4, &v,
				       MEM_ATTRS_RID(DEV0)), 0);
		CHECK_EQ(v, 0);
	}
	tmach_fini(&m);
}

static void test_lpi_config(void)
{
	struct tmach m;

	tmach_init(&m, NULL);
	map_basic(&m);

	/* A disabled LPI does not pend. */
	lpi_conf(&m, 8200, 0xa0, false);
	cmd_mapti(&m, DEV0, 3, 8200, 0);
	CHECK_EQ(msi(&m, DEV0, 3), 0);
	CHECK(!its_lpi_is_pending(m.its, 0, 8200));
	CHECK_EQ(stats(&m).drops[ITS_DROP_LPI_DISABLED], 1);
	/* Enabled in memory but cached as disabled until INV. */
	lpi_conf(&m, 8200, 0xa0, true);
	CHECK_EQ(msi(&m, DEV0, 3), 0);
	CHECK(!its_lpi_is_pending(m.its, 0, 8200));
	cmd_ev(&m, GITS_CMD_INV, DEV0, 3, 0);
	CHECK_EQ(msi(&m, DEV0, 3), 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8200));
	CHECK_EQ(its_lpi_ack(m.its, 0), 8200);

	/* INVALL on the collection refreshes every byte of its target. */
	lpi_conf(&m, 8200, 0xa0, false);
	cmd_ev(&m, GITS_CMD_INVALL, 0, 0, 0);
	CHECK_EQ(msi(&m, DEV0, 3), 0);
	CHECK(!its_lpi_is_pending(m.its, 0, 8200));
	/* GICR_INVLPIR (direct LPI invalidation) too. */
	lpi_conf(&m, 8200, 0xa0, true);
	gicr_wr64(&m, 0, GICR_INVLPIR, 8200);
	CHECK_EQ(msi(&m, DEV0, 3), 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8200));
	/* A disabled pending LPI is not acknowledged. */
	lpi_conf(&m, 8200, 0xa0, false);
	gicr_wr64(&m, 0, GICR_INVALLR, 0);
	CHECK_EQ(its_lpi_ack(m.its, 0), GIC_INTID_SPURIOUS);
	CHECK(its_lpi_is_pending(m.its, 0, 8200));

	/* GICR_SETLPIR / CLRLPIR. */
	gicr_wr64(&m, 1, GICR_SETLPIR, 8197);
	CHECK(its_lpi_is_pending(m.its, 1, 8197));
	gicr_wr64(&m, 1, GICR_CLRLPIR, 8197);
	CHECK(!its_lpi_is_pending(m.its, 1, 8197));
	gicr_wr64(&m, 1, GICR_SETLPIR, 100);	/* not an LPI */
	CHECK_EQ(stats(&m).drops[ITS_DROP_LPI_OOR], 1);

	/* PROPBASER.IDbits limits the INTIDs a redistributor takes. */
	gicr_wr64(&m, 1, GICR_CTLR, 0);
	gicr_wr64(&m, 1, GICR_PROPBASER, PROP_PA | (13 - 1));	/* < 8192 LPIs: none */
	gicr_wr64(&m, 1, GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
	CHECK_EQ(msi(&m, DEV0, 1), 0);
	CHECK(!its_lpi_is_pending(m.its, 1, 8193));
	CHECK_EQ(stats(&m).drops[ITS_DROP_LPI_OOR], 2);
	/* Configuration table outside RAM: nothing pends. */
	gicr_wr64(&m, 1, GICR_CTLR, 0);
	gicr_wr64(&m, 1, GICR_PROPBASER, 0x1000 | 15);
	gicr_wr64(&m, 1, GICR_CTLR, GICR_CTLR_ENABLE_LPIS);
	CHECK_EQ(msi(&m, DEV0, 1), 0);
	CHECK(!its_lpi_is_pending(m.its, 1, 8193));
	CHECK_EQ(stats(&m).drops[ITS_DROP_TABLE_ABORT], 1);
	tmach_fini(&m);
}

static void test_event_commands(void)
{
	struct tmach m;

	tmach_init(&m, NULL);
	map_basic(&m);

	/* INT pends without a device write. */
	cmd_ev(&m, GITS_CMD_INT, DEV0, 2, 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8194));
	/* CLEAR removes it. */
	cmd_ev(&m, GITS_CMD_CLEAR, DEV0, 2, 0);
	CHECK(!its_lpi_is_pending(m.its, 0, 8194));

	/* MOVI moves the event and its pending state to collection 1's target. */
	CHECK_EQ(msi(&m, DEV0, 0), 0);
	m.log.count = 0;
	cmd_ev(&m, GITS_CMD_MOVI, DEV0, 0, 1);
	CHECK(!its_lpi_is_pending(m.its, 0, 8192));
	CHECK(its_lpi_is_pending(m.its, 1, 8192));
	CHECK_EQ(m.log.count, 1);
	CHECK_EQ(m.log.target, 1);
	CHECK_EQ(its_lpi_ack(m.its, 1), 8192);
	CHECK_EQ(msi(&m, DEV0, 0), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 8192));
	CHECK(!its_lpi_is_pending(m.its, 0, 8192));

	/* DISCARD clears the pending state and unmaps the event. */
	cmd_ev(&m, GITS_CMD_DISCARD, DEV0, 0, 0);
	CHECK(!its_lpi_is_pending(m.its, 1, 8192));
	CHECK_EQ(msi(&m, DEV0, 0), 0);
	CHECK(!its_lpi_is_pending(m.its, 1, 8192));
	CHECK_EQ(stats(&m).drops[ITS_DROP_UNMAPPED_INTERRUPT], 1);

	/* MAPI: pINTID = EventID. */
	cmd_mapd(&m, 0x20, ITT_PA + 0x8000, 14, true);
	lpi_conf(&m, 8300, 0x10, true);
	its_cmd(&m, GITS_CMD_MAPI | DEVID(0x20), 8300, 1, 0);
	CHECK_EQ(msi(&m, 0x20, 8300), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 8300));

	/* MOVALL moves every pending LPI of target 1 to target 0. */
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK_EQ(its_lpi_count_pending(m.its, 1), 2);
	its_cmd(&m, GITS_CMD_MOVALL, 0, 1ULL << 16, 0);
	CHECK_EQ(its_lpi_count_pending(m.its, 1), 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8300));
	CHECK(its_lpi_is_pending(m.its, 0, 9000));

	/* MAPD V=0 unmaps the device; remapping with a fresh ITT loses the events. */
	cmd_mapd(&m, DEV1, 0, 1, false);
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_UNMAPPED_DEVICE], 1);
	cmd_mapd(&m, DEV1, ITT_PA + 0x9000, 1, true);
	CHECK_EQ(msi(&m, DEV1, 0), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_UNMAPPED_INTERRUPT], 2);

	/* SYNC: the queue is drained when CWRITER's write returns. */
	cmd_ev(&m, GITS_CMD_SYNC, 0, 0, 1ULL << 16);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), m.cwriter);
	CHECK_EQ(stats(&m).cmd_errors, 0);
	tmach_fini(&m);
}

/* Run one command that must fail with err and leave the queue running. */
static void expect_err(struct tmach *m, u32 err, u64 c0, u64 c1, u64 c2, u64 c3)
{
	u64 before = stats(m).cmd_errors;

	its_cmd(m, c0, c1, c2, c3);
	CHECK_EQ(stats(m).cmd_errors, before + 1);
	CHECK_EQ(stats(m).last_cmd_error, err);
	CHECK_EQ(its_rd64(m, GITS_CREADR), m->cwriter);
}

static void test_command_errors(void)
{
	struct tmach m;

	tmach_init(&m, NULL);
	map_basic(&m);

	expect_err(&m, ITS_ERR_MAPD_DEVICE_OOR, GITS_CMD_MAPD | DEVID(0x10000), 0,
		   GITS_CMD2_VALID | ITT0, 0);
	/* 256 pages of 8-byte entries cover 2^18 DeviceIDs; 2^16 are in range. */
	expect_err(&m, ITS_ERR_MAPD_ITTSIZE_OOR, GITS_CMD_MAPD | DEVID(1), 16,
		   GITS_CMD2_VALID | ITT0, 0);
	expect_err(&m, ITS_ERR_MAPC_PROCNUM_OOR, GITS_CMD_MAPC, 0,
		   GITS_CMD2_VALID | (2ULL << 16) | 5, 0);
	/* Collection table of 16 pages of 8 bytes: 8192 entries; ICID 8192 has none. */
	expect_err(&m, ITS_ERR_MAPC_COLLECTION_OOR, GITS_CMD_MAPC, 0,
		   GITS_CMD2_VALID | 8192, 0);
	expect_err(&m, ITS_ERR_MAPTI_UNMAPPED_DEVICE, GITS_CMD_MAPTI | DEVID(0x77),
		   8192ULL << 32, 0, 0);
	expect_err(&m, ITS_ERR_MAPTI_ID_OOR, GITS_CMD_MAPTI | DEVID(DEV0),
		   4 | 8192ULL << 32, 0, 0);
	expect_err(&m, ITS_ERR_MAPTI_PHYSICALID_OOR, GITS_CMD_MAPTI | DEVID(DEV0),
		   1 | 8191ULL << 32, 0, 0);
	expect_err(&m, ITS_ERR_MAPTI_PHYSICALID_OOR, GITS_CMD_MAPTI | DEVID(DEV0),
		   1 | 65536ULL << 32, 0, 0);
	expect_err(&m, ITS_ERR(0x0b, 0x05), GITS_CMD_MAPI | DEVID(DEV0), 4, 0, 0);
	expect_err(&m, ITS_ERR_INT_UNMAPPED_INTERRUPT, GITS_CMD_INT | DEVID(DEV0), 3, 0, 0);
	expect_err(&m, ITS_ERR(0x03, 0x04), GITS_CMD_INT | DEVID(0x77), 0, 0, 0);
	expect_err(&m, ITS_ERR(0x03, 0x01), GITS_CMD_INT | DEVID(0x10000), 0, 0, 0);
	expect_err(&m, ITS_ERR_CLEAR_UNMAPPED_INTERRUPT, GITS_CMD_CLEAR | DEVID(DEV0), 3, 0, 0);
	expect_err(&m, ITS_ERR(0x0c, 0x07), GITS_CMD_INV | DEVID(DEV0), 3, 0, 0);
	expect_err(&m, ITS_ERR(0x0c, 0x05), GITS_CMD_INV | DEVID(DEV0), 9, 0, 0);
	expect_err(&m, ITS_ERR_DISCARD_UNMAPPED_INTERRUPT, GITS_CMD_DISCARD | DEVID(DEV0),
		   3, 0, 0);
	expect_err(&m, ITS_ERR(0x01, 0x09), GITS_CMD_MOVI | DEVID(DEV0), 0, 7, 0);
	expect_err(&m, ITS_ERR(0x01, 0x07), GITS_CMD_MOVI | DEVID(DEV0), 3, 1, 0);
	expect_err(&m, ITS_ERR_INVALL_UNMAPPED_COLLECTION, GITS_CMD_INVALL, 0, 7, 0);
	expect_err(&m, ITS_ERR_MOVALL_PROCNUM_OOR, GITS_CMD_MOVALL, 0, 0, 4ULL << 16);
	expect_err(&m, ITS_ERR_IMPDEF(0x05, ITS_CAUSE_TGT_OOR), GITS_CMD_SYNC, 0,
		   9ULL << 16, 0);
	expect_err(&m, ITS_ERR_IMPDEF(0x3f, ITS_CAUSE_UNKNOWN_CMD), 0x3f, 0, 0, 0);
	/* An ITT outside RAM: the MAPTI aborts, nothing crashes. */
	cmd_mapd(&m, 0x30, 0x1000, 4, true);
	expect_err(&m, ITS_ERR_IMPDEF(0x0a, ITS_CAUSE_TABLE_ABORT),
		   GITS_CMD_MAPTI | DEVID(0x30), 8192ULL << 32, 0, 0);
	CHECK_EQ(msi(&m, 0x30, 0), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_TABLE_ABORT], 1);

	/* The errors changed nothing: the basic mapping still translates. */
	CHECK_EQ(msi(&m, DEV0, 0), 0);
	CHECK(its_lpi_is_pending(m.its, 0, 8192));
	tmach_fini(&m);
}

static void test_stalls(void)
{
	struct its_config cfg;
	struct tmach m;
	u64 bad[4] = { GITS_CMD_MAPC, 0, GITS_CMD2_VALID | (3ULL << 16), 0 };
	u64 good[4] = { GITS_CMD_MAPC, 0, GITS_CMD2_VALID | (1ULL << 16), 0 };
	u64 at;

	its_config_default(&cfg);
	cfg.stall_on_error = true;
	tmach_init(&m, &cfg);
	cmd_mapc(&m, 0, 0, true);
	at = m.cwriter;
	its_cmd(&m, bad[0], bad[1], bad[2], bad[3]);
	cmd_mapd(&m, DEV0, ITT0, 2, true);	/* behind the stall: not run */
	CHECK_EQ(its_rd64(&m, GITS_CREADR), at | GITS_CREADR_STALLED);
	CHECK_EQ(stats(&m).last_cmd_error, ITS_ERR_MAPC_PROCNUM_OOR);
	/* A plain CWRITER write does not restart; Retry runs the command again. */
	its_wr64(&m, GITS_CWRITER, m.cwriter);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), at | GITS_CREADR_STALLED);
	its_wr64(&m, GITS_CWRITER, m.cwriter | GITS_CWRITER_RETRY);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), at | GITS_CREADR_STALLED);
	CHECK_EQ(stats(&m).cmd_errors, 2);
	/* Software fixes the command in memory, then retries. */
	REQUIRE(phys_write(m.mem, CMDQ_PA + at, good, sizeof(good)) == 0);
	its_wr64(&m, GITS_CWRITER, m.cwriter | GITS_CWRITER_RETRY);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), m.cwriter);
	cmd_mapti(&m, DEV0, 0, 8192, 0);
	lpi_conf(&m, 8192, 0, true);
	CHECK_EQ(msi(&m, DEV0, 0), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 8192));	/* the fixed MAPC: ICID 0 -> 1 */

	/* CWRITER beyond the queue stalls. */
	its_wr64(&m, GITS_CWRITER, CMDQ_SIZE + 0x20);
	CHECK(its_rd64(&m, GITS_CREADR) & GITS_CREADR_STALLED);
	CHECK_EQ(stats(&m).last_cmd_error, ITS_ERR_CWRITER_OOR);
	tmach_fini(&m);

	/* A queue outside RAM: the command read aborts and the queue stalls. */
	tmach_init(&m, NULL);
	its_wr64(&m, GITS_CTLR, 0);
	its_wr64(&m, GITS_CBASER, GITS_CBASER_VALID | 0x100000 | 0);
	its_wr64(&m, GITS_CTLR, GITS_CTLR_ENABLED);
	its_wr64(&m, GITS_CWRITER, 0x40);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), GITS_CREADR_STALLED);
	CHECK_EQ(stats(&m).last_cmd_error, ITS_ERR_CMD_ABORT);
	CHECK_EQ(stats(&m).commands, 0);
	tmach_fini(&m);
}

static void test_queue_wrap(void)
{
	struct tmach m;

	tmach_init(&m, NULL);
	map_basic(&m);
	/* 2048 slots: go round the queue twice. */
	for (unsigned int i = 0; i < 4100; i++)
		cmd_ev(&m, GITS_CMD_SYNC, 0, 0, 0);
	CHECK_EQ(its_rd64(&m, GITS_CREADR), m.cwriter);
	/* Several commands in one CWRITER write, across the wrap. */
	while (m.cwriter != CMDQ_SIZE - 64)
		cmd_ev(&m, GITS_CMD_SYNC, 0, 0, 0);
	{
		u64 cmds[4][4] = {
			{ GITS_CMD_INT | DEVID(DEV0), 0, 0, 0 },
			{ GITS_CMD_INT | DEVID(DEV0), 1, 0, 0 },
			{ GITS_CMD_INT | DEVID(DEV0), 2, 0, 0 },
			{ GITS_CMD_INT | DEVID(DEV1), 0, 0, 0 },
		};

		REQUIRE(phys_write(m.mem, CMDQ_PA + CMDQ_SIZE - 64, cmds, 64) == 0);
		REQUIRE(phys_write(m.mem, CMDQ_PA, cmds[2], 64) == 0);
		m.cwriter = 64;
		its_wr64(&m, GITS_CWRITER, m.cwriter);
	}
	CHECK_EQ(its_rd64(&m, GITS_CREADR), 64);
	CHECK_EQ(its_lpi_count_pending(m.its, 0), 2);
	CHECK_EQ(its_lpi_count_pending(m.its, 1), 2);
	CHECK_EQ(stats(&m).cmd_errors, 0);
	tmach_fini(&m);
}

static void test_two_level_and_hcc(void)
{
	struct its_config cfg;
	struct tmach m;
	u64 l1 = SCRATCH_PA, l2 = SCRATCH_PA + 0x10000, e;

	its_config_default(&cfg);
	cfg.hcc = 2;
	tmach_init(&m, &cfg);
	its_wr64(&m, GITS_CTLR, 0);
	/* Device table: one 4K level-1 page, level-2 pages of 4K (512 DTEs each). */
	its_wr64(&m, GITS_BASER(0), FIELD_PREP(GITS_BASER_TYPE, 1) | GITS_BASER_VALID |
		 GITS_BASER_INDIRECT | l1 | 0);
	/* No collection table: only the two ITS-held collections exist. */
	its_wr64(&m, GITS_BASER(1), its_rd64(&m, GITS_BASER(1)) & ~GITS_BASER_VALID);
	its_wr64(&m, GITS_CTLR, GITS_CTLR_ENABLED);
	e = GITS_L1E_VALID | l2;
	REQUIRE(phys_write(m.mem, l1 + 8 * 3, &e, 8) == 0);	/* DeviceIDs 1536..2047 */

	cmd_mapc(&m, 1, 1, true);
	cmd_mapd(&m, 1600, ITT0, 4, true);
	cmd_mapti(&m, 1600, 5, 8192, 1);
	lpi_conf(&m, 8192, 0, true);
	CHECK_EQ(stats(&m).cmd_errors, 0);
	CHECK_EQ(msi(&m, 1600, 5), 0);
	CHECK(its_lpi_is_pending(m.its, 1, 8192));
	/* The DTE sits in the level-2 page. */
	REQUIRE(phys_read64(m.mem, l2 + 8 * (1600 - 1536), &e) == 0);
	CHECK(e >> 63);
	/* No level-2 page for DeviceID 5: out of range. */
	expect_err(&m, ITS_ERR_MAPD_DEVICE_OOR, GITS_CMD_MAPD | DEVID(5), 0,
		   GITS_CMD2_VALID | ITT1, 0);
	CHECK_EQ(msi(&m, 5, 0), 0);
	CHECK_EQ(stats(&m).drops[ITS_DROP_DEVICE_OOR], 1);
	/* ICID 2 would live in memory, but there is no collection table. */
	expect_err(&m, ITS_ERR_MAPC_COLLECTION_OOR, GITS_CMD_MAPC, 0,
		   GITS_CMD2_VALID | 2, 0);
	tmach_fini(&m);
}

static u64 rnd(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random command words and register writes: errors, never a crash. */
static void test_random_commands(void)
{
	struct tmach m;
	u64 seed = 0x9e3779b97f4a7c15ull;

	for (int round = 0; round < 2; round++) {
		struct its_config cfg;

		its_config_default(&cfg);
		cfg.stall_on_error = round;
		cfg.hcc = round * 4;
		tmach_init(&m, &cfg);
		map_basic(&m);
		for (int i = 0; i < 20000; i++) {
			u64 c[4];

			for (int w = 0; w < 4; w++)
				c[w] = rnd(&seed);
			/* Bias towards decodable commands with small fields. */
			if (i % 4) {
				c[0] = (c[0] & 0xf) | DEVID(rnd(&seed) % 64);
				c[1] &= rnd(&seed) & 1 ? 0x1f : (0xffffULL << 32) | 0xff;
				c[1] |= (8192 + rnd(&seed) % 256) << 32;
				if (rnd(&seed) & 1)
					c[2] = (c[2] & (GITS_CMD2_VALID | 0xf)) | (rnd(&seed) % 3) << 16 |
					       (ITT_PA + (rnd(&seed) % 64) * 0x1000);
			}
			its_cmd(&m, c[0], c[1], c[2], c[3]);
			if (round && (its_rd64(&m, GITS_CREADR) & GITS_CREADR_STALLED))
				its_wr64(&m, GITS_CWRITER, m.cwriter | GITS_CWRITER_RETRY);
			msi(&m, rnd(&seed) % 70, rnd(&seed) % 20);
			if (i % 100 == 0) {
				its_lpi_ack(m.its, rnd(&seed) % 2);
				phys_write_val(m.mem, ITS_BASE + (rnd(&seed) & 0x1fff8), 8,
					       rnd(&seed), MEM_ATTRS_RID(1));
			}
		}
		CHECK(stats(&m).commands > 10000);
		CHECK(stats(&m).cmd_errors > 0);
		tmach_fini(&m);
	}

	/* Random whole-register traffic on the control frame. */
	tmach_init(&m, NULL);
	for (int i = 0; i < 20000; i++) {
		u64 off = rnd(&seed) % 0x140 & ~3ULL;

		phys_write_val(m.mem, ITS_BASE + off, 4, rnd(&seed), MEM_ATTRS_NONE);
		phys_write_val(m.mem, GICR_BASE + (rnd(&seed) % 0x40000 & ~3ULL), 4,
			       rnd(&seed), MEM_ATTRS_NONE);
		msi(&m, rnd(&seed) % 70, rnd(&seed) % 20);
	}
	CHECK(stats(&m).translations == 20000);
	tmach_fini(&m);
}

struct msi_thread {
	struct tmach *m;
	u32 devid;
};

static void *msi_thread_fn(void *p)
{
	struct msi_thread *t = p;

	for (int i = 0; i < 20000; i++)
		msi(t->m, t->devid, i % 2);
	return NULL;
}

/* Devices on two threads while the CPU side runs commands and acknowledges. */
static void test_concurrency(void)
{
	struct tmach m;
	struct msi_thread t[2];
	pthread_t th[2];
	unsigned int acked = 0;

	tmach_init(&m, NULL);
	map_basic(&m);
	t[0] = (struct msi_thread){ &m, DEV0 };
	t[1] = (struct msi_thread){ &m, DEV1 };
	for (int i = 0; i < 2; i++)
		REQUIRE(pthread_create(&th[i], NULL, msi_thread_fn, &t[i]) == 0);
	for (int i = 0; i < 2000; i++) {
		cmd_ev(&m, GITS_CMD_INV, DEV0, 0, 0);
		if (its_lpi_ack(m.its, 0) != GIC_INTID_SPURIOUS)
			acked++;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CHECK_EQ(stats(&m).translations, 40000);
	/* DEV1 event 1 has no ITE: the only drops. */
	CHECK_EQ(stats(&m).drops[ITS_DROP_UNMAPPED_INTERRUPT], 10000);
	CHECK_EQ(stats(&m).lpis_pended, 30000);
	CHECK_EQ(stats(&m).cmd_errors, 0);
	CHECK(its_lpi_is_pending(m.its, 1, 8193) && its_lpi_is_pending(m.its, 1, 9000));
	(void)acked;
	tmach_fini(&m);
}

int main(void)
{
	test_registers();
	test_translation();
	test_lpi_config();
	test_event_commands();
	test_command_errors();
	test_stalls();
	test_queue_wrap();
	test_two_level_and_hcc();
	test_random_commands();
	test_concurrency();
	return test_done();
}
