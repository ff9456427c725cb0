// SPDX-License-Identifier: MIT
/*
 * The ITS command queue and the in-memory tables it maintains (formats in
 * the comment at the top of its.c).  Each command is checked in the order
 * GIC-600 reports its errors (range, then mapping), and a failed check
 * returns the architected error code with nothing changed.
 */
#include "hw/its/its-internal.h"

/* GITS_BASER<n> after reset: Type and Entry_Size are read-only. */
u64 its_baser_init(const struct its *its, unsigned int n)
{
	switch (n) {
	case 0:
		return FIELD_PREP(GITS_BASER_TYPE, GITS_BASER_TYPE_DEVICE) |
		       FIELD_PREP(GITS_BASER_ENTRY_SIZE, its->cfg.dte_size - 1);
	case 1:
		return FIELD_PREP(GITS_BASER_TYPE, GITS_BASER_TYPE_COLLECTION) |
		       FIELD_PREP(GITS_BASER_ENTRY_SIZE, its->cfg.cte_size - 1);
	default:
		return 0;	/* unimplemented: RAZ/WI */
	}
}

u64 its_baser_write(const struct its *its, unsigned int n, u64 val)
{
	u64 ro = its_baser_init(its, n);
	u64 rw = GITS_BASER_VALID | GITS_BASER_ATTRS | GITS_BASER_ADDR |
		 GITS_BASER_PAGE_SIZE | GITS_BASER_SIZE;

	if (!ro)
		return 0;
	if (its->cfg.indirect)
		rw |= GITS_BASER_INDIRECT;
	val &= rw;
	if (FIELD_GET(GITS_BASER_PAGE_SIZE, val) == 3)	/* reserved: 64K */
		val = (val & ~GITS_BASER_PAGE_SIZE) | FIELD_PREP(GITS_BASER_PAGE_SIZE, 2);
	return ro | val;
}

static u64 baser_page_size(u64 baser)
{
	static const u64 sizes[] = { 1 << 12, 1 << 14, 1 << 16, 1 << 16 };

	return sizes[FIELD_GET(GITS_BASER_PAGE_SIZE, baser)];
}

static phys_addr_t baser_addr(u64 baser, u64 psz)
{
	u64 pa = baser & GITS_BASER_ADDR;

	if (psz == 1 << 16)	/* PA[51:48] sit in bits [15:12] */
		pa = (pa & GENMASK_ULL(47, 16)) | (FIELD_GET(GENMASK_ULL(15, 12), baser) << 48);
	return pa & ~(psz - 1);
}

/*
 * Address of entry id of the table GITS_BASER<n> describes: 0, -ERANGE
 * (no such entry: not valid, too small, level-1 entry invalid) or -EFAULT
 * (level-1 entry outside RAM).
 */
static int its_table_entry(struct its *its, unsigned int n, u64 id, phys_addr_t *pa)
{
	u64 baser = its->baser[n];
	u64 psz = baser_page_size(baser);
	u64 esz = FIELD_GET(GITS_BASER_ENTRY_SIZE, baser) + 1;
	u64 span = (FIELD_GET(GITS_BASER_SIZE, baser) + 1) * psz;
	phys_addr_t base = baser_addr(baser, psz);
	u64 per_page, l1;

	if (!(baser & GITS_BASER_VALID))
		return -ERANGE;
	if (!(baser & GITS_BASER_INDIRECT)) {
		if (id >= span / esz)
			return -ERANGE;
		*pa = base + id * esz;
		return 0;
	}
	per_page = psz / esz;
	if (id / per_page >= span / 8)
		return -ERANGE;
	if (its_ram_read(its, base + id / per_page * 8, &l1, 8))
		return -EFAULT;
	if (!(l1 & GITS_L1E_VALID))
		return -ERANGE;
	*pa = (l1 & GITS_L1E_ADDR & ~(psz - 1)) + id % per_page * esz;
	return 0;
}

/* Entry formats (see its.c). */
#define DTE_VALID	BIT_ULL(63)
#define DTE_ITT_ADDR	GENMASK_ULL(51, 8)
#define DTE_SIZE	GENMASK_ULL(4, 0)
#define CTE_VALID	BIT_ULL(63)
#define CTE_TARGET	GENMASK_ULL(15, 0)
#define ITE_VALID	BIT_ULL(63)
#define ITE_ICID	GENMASK_ULL(47, 32)
#define ITE_PINTID	GENMASK_ULL(31, 0)

/* Device table entry of devid: 0 or an ITS_CAUSE_*. */
static int its_find_dte(struct its *its, u32 devid, phys_addr_t *pa, u64 *dte)
{
	int ret;

	if (its->cfg.devid_bits < 32 && devid >> its->cfg.devid_bits)
		return ITS_CAUSE_DEVICE_OOR;
	ret = its_table_entry(its, 0, devid, pa);
	if (ret)
		return ret == -EFAULT ? ITS_CAUSE_TABLE_ABORT : ITS_CAUSE_DEVICE_OOR;
	if (its_ram_read(its, *pa, dte, 8))
		return ITS_CAUSE_TABLE_ABORT;
	return 0;
}

static int its_find_ite(struct its *its, u64 dte, u32 eventid, struct its_event *ev)
{
	if (!(dte & DTE_VALID))
		return ITS_CAUSE_UNMAPPED_DEVICE;
	if (FIELD_GET(DTE_SIZE, dte) < 31 && eventid >> (FIELD_GET(DTE_SIZE, dte) + 1))
		return ITS_CAUSE_ID_OOR;
	ev->ite_addr = (dte & DTE_ITT_ADDR) + (u64)eventid * its->cfg.itt_entry_size;
	if (its_ram_read(its, ev->ite_addr, &ev->ite, 8))
		return ITS_CAUSE_TABLE_ABORT;
	return 0;
}

static bool icid_in_range(const struct its *its, u32 icid)
{
	return !(icid >> its->cfg.icid_bits);
}

/* Collection icid: 0 with *target, or an ITS_CAUSE_*. */
static int its_find_collection(struct its *its, u32 icid, unsigned int *target)
{
	phys_addr_t pa;
	u64 cte;
	int ret;

	if (!icid_in_range(its, icid))
		return ITS_CAUSE_COLLECTION_OOR;
	if (icid < its->cfg.hcc) {
		if (!(its->hcc_coll[icid] & ITS_HCC_VALID))
			return ITS_CAUSE_UNMAPPED_COLLECTION;
		*target = its->hcc_coll[icid] & ~ITS_HCC_VALID;
		return 0;
	}
	ret = its_table_entry(its, 1, icid - its->cfg.hcc, &pa);
	if (ret)
		return ret == -EFAULT ? ITS_CAUSE_TABLE_ABORT : ITS_CAUSE_UNMAPPED_COLLECTION;
	if (its_ram_read(its, pa, &cte, 8))
		return ITS_CAUSE_TABLE_ABORT;
	/* A target that is not (or no longer) there is as good as unmapped. */
	if (!(cte & CTE_VALID) || FIELD_GET(CTE_TARGET, cte) >= its->cfg.nr_targets)
		return ITS_CAUSE_UNMAPPED_COLLECTION;
	*target = FIELD_GET(CTE_TARGET, cte);
	return 0;
}

int its_resolve(struct its *its, u32 devid, u32 eventid, struct its_event *ev)
{
	phys_addr_t pa;
	u64 dte;
	int ret;

	ret = its_find_dte(its, devid, &pa, &dte);
	if (!ret)
		ret = its_find_ite(its, dte, eventid, ev);
	if (ret)
		return ret;
	if (!(ev->ite & ITE_VALID))
		return ITS_CAUSE_UNMAPPED_INTERRUPT;
	ev->pintid = FIELD_GET(ITE_PINTID, ev->ite);
	ev->icid = FIELD_GET(ITE_ICID, ev->ite);
	return its_find_collection(its, ev->icid, &ev->target);
}

/* Error code of a command: CLEAR reports under 0x05, as the architecture lists. */
static u32 cmd_err(unsigned int op, int cause)
{
	unsigned int code = op == GITS_CMD_CLEAR ? 0x05 : op;

	if (cause == ITS_CAUSE_TABLE_ABORT)
		return ITS_ERR_IMPDEF(op, cause);
	return ITS_ERR(code, (u32)cause);
}

static int cmd_mapd(struct its *its, const u64 *cmd)
{
	u32 devid = FIELD_GET(GITS_CMD0_DEVICEID, cmd[0]);
	u64 size = FIELD_GET(GITS_CMD1_SIZE, cmd[1]);
	bool valid = cmd[2] & GITS_CMD2_VALID;
	phys_addr_t pa;
	u64 dte;
	int ret;

	ret = its_find_dte(its, devid, &pa, &dte);
	if (ret)
		return cmd_err(GITS_CMD_MAPD, ret);
	if (valid && size + 1 > its->cfg.eventid_bits)
		return ITS_ERR_MAPD_ITTSIZE_OOR;
	dte = valid ? DTE_VALID | (cmd[2] & GITS_CMD2_ITT_ADDR) | size : 0;
	if (its_ram_write(its, pa, &dte, 8))
		return cmd_err(GITS_CMD_MAPD, ITS_CAUSE_TABLE_ABORT);
	return 0;
}

static int cmd_mapc(struct its *its, const u64 *cmd)
{
	u32 icid = FIELD_GET(GITS_CMD2_ICID, cmd[2]);
	u64 target = FIELD_GET(GITS_CMD2_RDBASE, cmd[2]);
	bool valid = cmd[2] & GITS_CMD2_VALID;
	phys_addr_t pa;
	u64 cte;

	if (!icid_in_range(its, icid))
		return ITS_ERR_MAPC_COLLECTION_OOR;
	if (valid && target >= its->cfg.nr_targets)
		return ITS_ERR_MAPC_PROCNUM_OOR;
	if (icid < its->cfg.hcc) {
		its->hcc_coll[icid] = valid ? ITS_HCC_VALID | (u32)target : 0;
		return 0;
	}
	switch (its_table_entry(its, 1, icid - its->cfg.hcc, &pa)) {
	case 0:
		break;
	case -EFAULT:
		return cmd_err(GITS_CMD_MAPC, ITS_CAUSE_TABLE_ABORT);
	default:
		return ITS_ERR_MAPC_COLLECTION_OOR;
	}
	cte = valid ? CTE_VALID | target : 0;
	if (its_ram_write(its, pa, &cte, 8))
		return cmd_err(GITS_CMD_MAPC, ITS_CAUSE_TABLE_ABORT);
	return 0;
}

/* MAPTI and MAPI (pINTID = EventID). */
static int cmd_mapti(struct its *its, const u64 *cmd, unsigned int op)
{
	u32 devid = FIELD_GET(GITS_CMD0_DEVICEID, cmd[0]);
	u32 eventid = FIELD_GET(GITS_CMD1_EVENTID, cmd[1]);
	u32 pintid = op == GITS_CMD_MAPI ? eventid : FIELD_GET(GITS_CMD1_PINTID, cmd[1]);
	u32 icid = FIELD_GET(GITS_CMD2_ICID, cmd[2]);
	struct its_event ev;
	phys_addr_t pa;
	u64 dte;
	int ret;

	ret = its_find_dte(its, devid, &pa, &dte);
	if (!ret && !icid_in_range(its, icid))
		ret = ITS_CAUSE_COLLECTION_OOR;
	if (!ret)
		ret = its_find_ite(its, dte, eventid, &ev);
	if (!ret && (pintid < LPI_INTID_BASE || pintid >= its_lpi_id_limit(its)))
		ret = ITS_CAUSE_PHYSICALID_OOR;
	if (ret)
		return cmd_err(op, ret);
	ev.ite = ITE_VALID | FIELD_PREP(ITE_ICID, icid) | pintid;
	if (its_ram_write(its, ev.ite_addr, &ev.ite, 8))
		return cmd_err(op, ITS_CAUSE_TABLE_ABORT);
	return 0;
}

/* INT, CLEAR, INV, DISCARD and MOVI: commands on one mapped event. */
static int cmd_event(struct its *its, const u64 *cmd, unsigned int op)
{
	u32 devid = FIELD_GET(GITS_CMD0_DEVICEID, cmd[0]);
	u32 eventid = FIELD_GET(GITS_CMD1_EVENTID, cmd[1]);
	struct its_event ev;
	unsigned int to;
	enum its_drop drop;
	int ret;

	ret = its_resolve(its, devid, eventid, &ev);
	/* DISCARD needs no collection: the event goes away regardless. */
	if (op == GITS_CMD_DISCARD && (ret == ITS_CAUSE_UNMAPPED_COLLECTION ||
					ret == ITS_CAUSE_COLLECTION_OOR)) {
		ev.ite = 0;
		if (its_ram_write(its, ev.ite_addr, &ev.ite, 8))
			return cmd_err(op, ITS_CAUSE_TABLE_ABORT);
		return 0;
	}
	if (ret)
		return cmd_err(op, ret);

	switch (op) {
	case GITS_CMD_INT:
		drop = its_rd_pend(its, ev.target, ev.pintid);
		if (drop != ITS_DROP_NR)
			its->stats.drops[drop]++;
		return 0;
	case GITS_CMD_CLEAR:
		its_rd_clear(its, ev.target, ev.pintid);
		return 0;
	case GITS_CMD_INV:
		its_rd_inv(its, ev.target, ev.pintid);
		return 0;
	case GITS_CMD_DISCARD:
		its_rd_clear(its, ev.target, ev.pintid);
		ev.ite = 0;
		break;
	case GITS_CMD_MOVI: {
		u32 icid = FIELD_GET(GITS_CMD2_ICID, cmd[2]);

		ret = its_find_collection(its, icid, &to);
		if (ret)
			return cmd_err(op, ret);
		if (to != ev.target)
			its_rd_move(its, ev.target, to, ev.pintid);
		ev.ite = (ev.ite & ~ITE_ICID) | FIELD_PREP(ITE_ICID, icid);
		break;
	}
	}
	if (its_ram_write(its, ev.ite_addr, &ev.ite, 8))
		return cmd_err(op, ITS_CAUSE_TABLE_ABORT);
	return 0;
}

static int its_exec_cmd(struct its *its, const u64 *cmd)
{
	unsigned int op = FIELD_GET(GITS_CMD0_OPCODE, cmd[0]);
	unsigned int target;
	u64 rd1, rd2;
	int ret;

	switch (op) {
	case GITS_CMD_MAPD:
		return cmd_mapd(its, cmd);
	case GITS_CMD_MAPC:
		return cmd_mapc(its, cmd);
	case GITS_CMD_MAPTI:
	case GITS_CMD_MAPI:
		return cmd_mapti(its, cmd, op);
	case GITS_CMD_INT:
	case GITS_CMD_CLEAR:
	case GITS_CMD_INV:
	case GITS_CMD_DISCARD:
	case GITS_CMD_MOVI:
		return cmd_event(its, cmd, op);
	case GITS_CMD_INVALL:
		ret = its_find_collection(its, FIELD_GET(GITS_CMD2_ICID, cmd[2]), &target);
		if (ret)
			return cmd_err(op, ret);
		its_rd_invall(its, target);
		return 0;
	case GITS_CMD_SYNC:
		/* Commands complete as they run: only the target is checked. */
		if (FIELD_GET(GITS_CMD2_RDBASE, cmd[2]) >= its->cfg.nr_targets)
			return ITS_ERR_IMPDEF(op, ITS_CAUSE_TGT_OOR);
		return 0;
	case GITS_CMD_MOVALL:
		rd1 = FIELD_GET(GITS_CMD2_RDBASE, cmd[2]);
		rd2 = FIELD_GET(GITS_CMD3_RDBASE2, cmd[3]);
		if (rd1 >= its->cfg.nr_targets || rd2 >= its->cfg.nr_targets)
			return ITS_ERR_MOVALL_PROCNUM_OOR;
		if (rd1 != rd2)
			its_rd_move_all(its, rd1, rd2);
		return 0;
	default:
		return ITS_ERR_IMPDEF(op, ITS_CAUSE_UNKNOWN_CMD);
	}
}

static void its_cmd_error(struct its *its, u32 err)
{
	its->stats.cmd_errors++;
	its->stats.last_cmd_error = err;
}

const char *its_cmd_name(unsigned int opcode)
{
	static const char *const names[ITS_STATS_OPCODES] = {
		[GITS_CMD_MOVI] = "MOVI", [GITS_CMD_INT] = "INT",
		[GITS_CMD_CLEAR] = "CLEAR", [GITS_CMD_SYNC] = "SYNC",
		[GITS_CMD_MAPD] = "MAPD", [GITS_CMD_MAPC] = "MAPC",
		[GITS_CMD_MAPTI] = "MAPTI", [GITS_CMD_MAPI] = "MAPI",
		[GITS_CMD_INV] = "INV", [GITS_CMD_INVALL] = "INVALL",
		[GITS_CMD_MOVALL] = "MOVALL", [GITS_CMD_DISCARD] = "DISCARD",
	};

	return opcode < ITS_STATS_OPCODES ? names[opcode] : NULL;
}

/* Run commands from GITS_CREADR up to GITS_CWRITER; lock held. */
void its_run_cmdq(struct its *its)
{
	lockdep_assert_held(&its->lock);
	u64 qsize = (FIELD_GET(GITS_CBASER_SIZE, its->cbaser) + 1) << 12;
	phys_addr_t base = its->cbaser & GITS_CBASER_ADDR;
	u64 end = its->cwriter & GITS_CQ_OFFSET;
	u64 off = its->creadr & GITS_CQ_OFFSET;
	u64 cmd[4];
	int err;

	if (!(its->ctlr & GITS_CTLR_ENABLED) || !(its->cbaser & GITS_CBASER_VALID) ||
	    (its->creadr & GITS_CREADR_STALLED))
		return;
	if (end >= qsize || off >= qsize) {
		its_cmd_error(its, ITS_ERR_CWRITER_OOR);
		its->creadr |= GITS_CREADR_STALLED;
		return;
	}
	while (off != end) {
		if (its_ram_read(its, base + off, cmd, sizeof(cmd))) {
			its_cmd_error(its, ITS_ERR_CMD_ABORT);
			its->creadr = off | GITS_CREADR_STALLED;
			return;
		}
		its->stats.commands++;
		if ((cmd[0] & 0xff) < ITS_STATS_OPCODES)
			its->stats.by_opcode[cmd[0] & 0xff]++;
		err = its_exec_cmd(its, cmd);
		hw_trace(&its->trace, IOMMUSIM_TRACE_ITS,
			 "gicv3_its_cmd %s 0x%016llx 0x%016llx 0x%016llx 0x%016llx%s",
			 its_cmd_name((unsigned int)(cmd[0] & 0xff)) ?: "(unknown)",
			 (unsigned long long)cmd[0], (unsigned long long)cmd[1],
			 (unsigned long long)cmd[2], (unsigned long long)cmd[3],
			 err ? " (error)" : "");
		if (err) {
			its_cmd_error(its, err);
			if (its->cfg.stall_on_error) {
				its->creadr = off | GITS_CREADR_STALLED;
				return;
			}
		}
		off += GITS_CMD_SIZE;
		if (off == qsize)
			off = 0;
	}
	its->creadr = off;
}
