// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the SMMUv3 model (hw/smmuv3) as a hostile driver and
 * hostile devices drive it.  The input picks the implemented features,
 * optionally brings the SMMU up the way Linux does (linear or two-level
 * stream table, queues, interrupts, SMMUEN), then runs a program of:
 * STEs and CDs written with fuzzed fields (or raw words), translation-table
 * descriptors at fuzzed indices pointing at each other, commands of every
 * opcode queued and kicked through CMDQ_PROD, register reads and writes of
 * any size at any offset of both pages, raw stores anywhere in RAM (queues
 * included), device transactions with any StreamID, SubstreamID, address
 * and access, and event-queue consumption.
 *
 * Beyond "no crash, no sanitizer report", whatever was written:
 *  - a translation returns an output address inside the OAS (or the input
 *    address in bypass), or an architected event type / SMMUV3_ABORT;
 *  - every record in the event queue has an architected type and, for a
 *    transaction fault, the StreamID of a transaction that was made;
 *  - CMDQ_CONS, EVENTQ_PROD and GERROR keep their RES0 bits 0;
 *  - inspecting a transaction first (hw/smmuv3/inspect.h) answers the same
 *    way, with at most 24 descriptor reads, and records nothing.  (It reads
 *    memory, not the caches, so it may differ from the translation.)
 *
 * Random words rarely make a nested configuration, so one operation
 * writes a whole one: an STE with stage 1 over stage 2, the stage-2 tables
 * (an identity map of RAM's IPAs), a CD and three levels of stage-1 tables
 * at IPAs, the CFGI/TLBI commands, then a transaction - with one piece
 * broken on purpose or none, when it must land exactly where the tables
 * say.  And the vSMMU hooks a VMM uses: a command trap (that may refuse
 * commands, and reads STEs from inside the trap) and injected events.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "hw/smmuv3/inspect.h"
#include "hw/smmuv3/smmuv3.h"
#include "hw/smmuv3/smmuv3-internal.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(16ull << 20)
#define SMMU_BASE	0x09000000ull
#define STRTAB		(RAM_BASE + 0x000000)	/* 256 STEs, or L1 + L2 */
#define STRTAB_L2	(RAM_BASE + 0x008000)
#define CMDQ		(RAM_BASE + 0x010000)	/* 256 commands */
#define EVTQ		(RAM_BASE + 0x020000)	/* 32 events */
#define CDS		(RAM_BASE + 0x100000)	/* context descriptors, 64 bytes each */
#define TABLES		(RAM_BASE + 0x200000)	/* translation tables: 32 pages of 64K */
#define CMDQ_LOG2	8
#define EVTQ_LOG2	5

struct fz {
	struct phys_mem *mem;
	struct smmuv3 *smmu;
	struct smmuv3_config cfg;
	u32 cmdq_prod;
	u32 cmdq_log2;
	bool evtq_untrusted;	/* something but the SMMU may have written the event queue */
	bool linear;		/* bring_up() made a linear stream table */
	u32 trap_err;		/* what the command trap answers (0: accept) */
	unsigned long trapped;
};

static void irq_nop(void *opaque)
{
	(void)opaque;
}

static const struct smmuv3_irq_ops irq_ops = {
	.eventq = irq_nop, .gerror = irq_nop, .cmdq_sync = irq_nop, .sev = irq_nop,
};

static u64 rd(struct fz *f, u64 off, unsigned int size)
{
	u64 v = 0;

	phys_read_val(f->mem, SMMU_BASE + off, size, &v, MEM_ATTRS_NONE);
	return v;
}

static void wr(struct fz *f, u64 off, unsigned int size, u64 v)
{
	phys_write_val(f->mem, SMMU_BASE + off, size, v, MEM_ATTRS_NONE);
}

/* An address the driver might point the SMMU at: mostly its own structures. */
static u64 pick_addr(struct fuzz_in *in)
{
	static const u64 bases[] = {
		TABLES, TABLES, TABLES, CDS, STRTAB, CMDQ, EVTQ,
		RAM_BASE + RAM_SIZE - 0x40,	/* straddles the end of RAM */
		SMMU_BASE,			/* the SMMU's own registers */
		0, 1ull << 48,			/* nothing there */
	};
	u8 sel = fuzz_u8(in);

	if (sel >= 0xf0)
		return fuzz_u64(in);
	return bases[sel % ARRAY_SIZE(bases)] + ((u64)fuzz_u8(in) << 12) +
	       ((u64)(fuzz_u8(in) & 0x7) << 6);
}

static u32 pick_sid(struct fuzz_in *in)
{
	return (u32)fuzz_small_or_raw(in, 8, 4);
}

static void bring_up(struct fz *f, bool two_level)
{
	if (two_level && f->cfg.st_2level) {
		/* 2 L1 descriptors of 2^6 STEs each (SPLIT 6). */
		phys_write64(f->mem, STRTAB, STRTAB_L2 | 7);
		phys_write64(f->mem, STRTAB + 8, (STRTAB_L2 + 64 * 64) | 7);
		wr(f, SMMU_STRTAB_BASE, 8, STRTAB);
		wr(f, SMMU_STRTAB_BASE_CFG, 4, FIELD_PREP(STRTAB_BASE_CFG_FMT, 1) |
		   FIELD_PREP(STRTAB_BASE_CFG_SPLIT, 6) | 7);
	} else {
		wr(f, SMMU_STRTAB_BASE, 8, STRTAB);
		wr(f, SMMU_STRTAB_BASE_CFG, 4, 8);
		f->linear = true;
	}
	f->cmdq_log2 = min_t(u32, CMDQ_LOG2, f->cfg.cmdq_max_log2);
	wr(f, SMMU_CMDQ_BASE, 8, CMDQ | f->cmdq_log2);
	wr(f, SMMU_EVENTQ_BASE, 8, EVTQ | min_t(u32, EVTQ_LOG2, f->cfg.evtq_max_log2));
	wr(f, SMMU_IRQ_CTRL, 4, IRQ_CTRL_GERROR_IRQEN | IRQ_CTRL_EVTQ_IRQEN);
	wr(f, SMMU_CR0, 4, CR0_SMMUEN | CR0_CMDQEN | CR0_EVTQEN);
}

/* Where the STE of sid lives under bring_up()'s layout (or somewhere near). */
static u64 ste_addr(struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);

	return (sel & 0x80 ? STRTAB_L2 : STRTAB) + (u64)(sel & 0x7f) * 64;
}

static void op_ste(struct fz *f, struct fuzz_in *in)
{
	static const u64 cfgs[] = {
		STE_CFG_S1, STE_CFG_S2, STE_CFG_NESTED, STE_CFG_BYPASS, STE_CFG_ABORT, 1, 2, 3,
	};
	u64 addr = ste_addr(in), ste[8] = { 0 };
	u8 flags = fuzz_u8(in);

	if (flags >= 0xe0) {
		for (int i = 0; i < 8; i++)
			ste[i] = fuzz_u64(in);
	} else {
		ste[0] = (flags & 1 ? 0 : STE_0_V) |
			 FIELD_PREP(STE_0_CFG, FUZZ_PICK(in, cfgs)) |
			 FIELD_PREP(STE_0_S1FMT, fuzz_u8(in) % 4) |
			 (pick_addr(in) & STE_0_S1CTXPTR) |
			 FIELD_PREP(STE_0_S1CDMAX, fuzz_u8(in) % 32);
		ste[1] = FIELD_PREP(STE_1_S1DSS, fuzz_u8(in) % 4) |
			 FIELD_PREP(STE_1_STRW, fuzz_u8(in) % 4) |
			 (flags & 2 ? STE_1_S1STALLD : 0);
		ste[2] = FIELD_PREP(STE_2_S2VMID, fuzz_u8(in)) |
			 FIELD_PREP(STE_2_S2T0SZ, fuzz_range(in, 12, 50)) |
			 FIELD_PREP(STE_2_S2SL0, fuzz_u8(in) % 4) |
			 FIELD_PREP(STE_2_S2TG, fuzz_u8(in) % 4) |
			 FIELD_PREP(STE_2_S2PS, fuzz_u8(in) % 8) |
			 (flags & 4 ? 0 : STE_2_S2AA64) |
			 (flags & 8 ? STE_2_S2ENDI : 0) | (flags & 16 ? STE_2_S2AFFD : 0) |
			 (flags & 32 ? STE_2_S2S : 0) | (flags & 64 ? STE_2_S2R : 0);
		ste[3] = pick_addr(in) & STE_3_S2TTB;
	}
	phys_write(f->mem, addr, ste, sizeof(ste));
	if (fuzz_bool(in)) {	/* CFGI_STE for it, as a driver would */
		u64 cmd[2] = { CMD_CFGI_STE | FIELD_PREP(CMD_0_SID, (addr - STRTAB) / 64),
			       CMD_1_LEAF };
		u64 a = CMDQ + (f->cmdq_prod & ((1u << f->cmdq_log2) - 1)) * 16;

		phys_write(f->mem, a, cmd, sizeof(cmd));
		f->cmdq_prod = (f->cmdq_prod + 1) & ((2u << f->cmdq_log2) - 1);
		wr(f, SMMU_CMDQ_PROD, 4, f->cmdq_prod);
	}
}

static void op_cd(struct fz *f, struct fuzz_in *in)
{
	u64 addr = CDS + (u64)(fuzz_u8(in) % 64) * 64, cd[8] = { 0 };
	u8 flags = fuzz_u8(in);

	if (flags >= 0xe0) {
		for (int i = 0; i < 8; i++)
			cd[i] = fuzz_u64(in);
	} else {
		cd[0] = FIELD_PREP(CD_0_T0SZ, fuzz_range(in, 12, 50)) |
			FIELD_PREP(CD_0_TG0, fuzz_u8(in) % 4) |
			FIELD_PREP(CD_0_T1SZ, fuzz_range(in, 12, 50)) |
			FIELD_PREP(CD_0_TG1, fuzz_u8(in) % 4) |
			(flags & 1 ? 0 : CD_0_V) | (flags & 2 ? 0 : CD_0_AA64) |
			(flags & 4 ? CD_0_EPD0 : 0) | (flags & 8 ? CD_0_EPD1 : 0) |
			(flags & 16 ? CD_0_AFFD : 0) | (flags & 32 ? CD_0_ENDI : 0) |
			(flags & 64 ? CD_0_WXN : 0) |
			FIELD_PREP(CD_0_IPS, fuzz_u8(in) % 8) |
			FIELD_PREP(CD_0_TBI, fuzz_u8(in) % 4) |
			FIELD_PREP(CD_0_ASID, fuzz_u8(in));
		cd[1] = pick_addr(in) & CD_TTB;
		cd[2] = pick_addr(in) & CD_TTB;
		cd[3] = fuzz_u64(in);	/* MAIR */
	}
	phys_write(f->mem, addr, cd, sizeof(cd));
}

/* A translation-table descriptor: table, block or page into TABLES, or raw. */
static void op_desc(struct fz *f, struct fuzz_in *in)
{
	u64 addr = TABLES + ((u64)(fuzz_u8(in) % 32) << 16) + (u64)fuzz_u8(in) * 8;
	u8 kind = fuzz_u8(in);
	u64 desc;

	if (kind >= 0xe0)
		desc = fuzz_u64(in);
	else
		desc = (pick_addr(in) & GENMASK_ULL(47, 12)) | (fuzz_u16(in) & 0xffc) |
		       ((u64)fuzz_u8(in) << 51) | (kind & 0x40 ? 0 : 1) |
		       (kind & 0x20 ? 0 : 2) | (kind & 0x10 ? 0 : BIT_ULL(10));
	phys_write64(f->mem, addr, desc);
}

static bool event_type_known(u32 t)
{
	switch (t) {
	case EVT_F_UUT: case EVT_C_BAD_STREAMID: case EVT_F_STE_FETCH:
	case EVT_C_BAD_STE: case EVT_F_STREAM_DISABLED: case EVT_C_BAD_SUBSTREAMID:
	case EVT_F_CD_FETCH: case EVT_C_BAD_CD: case EVT_F_WALK_EABT:
	case EVT_F_TRANSLATION: case EVT_F_ADDR_SIZE: case EVT_F_ACCESS:
	case EVT_F_PERMISSION:
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------- nested recipe */

#define S2_L1		(TABLES + 0x00000)	/* IPA 39 bits, 4K: level 1 first */
#define S1_L1		(TABLES + 0x10000)
#define S1_L2		(TABLES + 0x20000)
#define S1_L3		(TABLES + 0x30000)
#define NEST_OUT	(RAM_BASE + 0x400000)	/* what the pages map to */
/* Valid table or page descriptors; the fields are hw/vmsa-walk.h's. */
#define DESC_NEXT	(DESC_VALID | DESC_TABLE)
#define DESC_SH_IS	FIELD_PREP(DESC_SH, 3)
#define S1_AP_RW_EL0	(1ull << 6)
#define S1_AP_RO	(3ull << 6)
#define S2_AP_RW	(3ull << 6)
#define S2_MEMATTR_WB	(0xfull << 2)

static void queue_cmd(struct fz *f, u64 c0, u64 c1)
{
	u64 cmd[2] = { c0, c1 };
	u64 a = CMDQ + (f->cmdq_prod & ((1u << f->cmdq_log2) - 1)) * 16;

	phys_write(f->mem, a, cmd, sizeof(cmd));
	f->cmdq_prod = (f->cmdq_prod + 1) & ((2u << f->cmdq_log2) - 1);
	/* One at a time: the queue may hold a single command. */
	wr(f, SMMU_CMDQ_PROD, 4, f->cmdq_prod);
}

/* Whether the SMMU is as bring_up() left it and took every command. */
static bool smmu_sane(struct fz *f)
{
	return f->linear &&
	       (rd(f, SMMU_CR0, 4) & (CR0_SMMUEN | CR0_CMDQEN)) == (CR0_SMMUEN | CR0_CMDQEN) &&
	       rd(f, SMMU_STRTAB_BASE, 8) == STRTAB &&
	       rd(f, SMMU_STRTAB_BASE_CFG, 4) == 8 &&
	       (rd(f, SMMU_CMDQ_BASE, 8) & Q_BASE_ADDR) == CMDQ &&
	       (rd(f, SMMU_CMDQ_CONS, 4) & ~CMDQ_CONS_ERR) == f->cmdq_prod &&
	       !((rd(f, SMMU_GERROR, 4) ^ rd(f, SMMU_GERRORN, 4)) & GERROR_MASK);
}

static void op_nested(struct fz *f, struct fuzz_in *in)
{
	u32 sid = fuzz_u8(in) % 256, page = fuzz_u8(in) % 512;
	u8 broken = fuzz_u8(in) % 10;
	unsigned int access = fuzz_bool(in) ? SMMUV3_WRITE : SMMUV3_READ;
	u64 va = (u64)page << 12 | (fuzz_u16(in) & 0xff8);
	u64 ste[8] = { 0 }, cd[8] = { 0 }, pte;
	struct smmuv3_result res;
	int ret;

	/* Stage 2: IPA 1G block n -> PA 1G block n, for RAM's gigabyte. */
	for (u64 i = 0; i < 4; i++)
		phys_write64(f->mem, S2_L1 + i * 8, (i << 30) | 1 | DESC_AF | DESC_SH_IS |
			     (broken == 3 && i == 1 ? 0 : S2_AP_RW) | S2_MEMATTR_WB);
	if (broken == 5)
		phys_write64(f->mem, S2_L1 + 8, 0);	/* RAM's IPAs unmapped */
	/* Stage 1 at IPAs (the identity above): L1 -> L2 -> L3 -> page. */
	phys_write64(f->mem, S1_L1, (broken == 7 ? 1ull << 33 : S1_L2) | DESC_NEXT);
	phys_write64(f->mem, S1_L2, S1_L3 | DESC_NEXT);
	pte = (NEST_OUT + ((u64)page << 12)) | DESC_NEXT | DESC_SH_IS |
	      (broken == 1 ? 0 : DESC_AF) | (broken == 2 ? S1_AP_RO : S1_AP_RW_EL0);
	phys_write64(f->mem, S1_L3 + (u64)page * 8, broken == 4 ? 0 : pte);
	cd[0] = FIELD_PREP(CD_0_T0SZ, 25) | FIELD_PREP(CD_0_TG0, 0) | CD_0_EPD1 |
		(broken == 6 ? 0 : CD_0_V) | FIELD_PREP(CD_0_IPS, 5) | CD_0_AA64 |
		FIELD_PREP(CD_0_ASID, 1 + fuzz_u8(in));
	cd[1] = S1_L1 & CD_TTB;
	cd[3] = 0xff;	/* MAIR: attribute 0 is Normal write-back */
	phys_write(f->mem, CDS, cd, sizeof(cd));
	ste[0] = STE_0_V | FIELD_PREP(STE_0_CFG, broken == 8 ? STE_CFG_S2 : STE_CFG_NESTED) |
		 (CDS & STE_0_S1CTXPTR);
	ste[2] = FIELD_PREP(STE_2_S2VMID, 1 + fuzz_u8(in)) | FIELD_PREP(STE_2_S2T0SZ, 25) |
		 FIELD_PREP(STE_2_S2SL0, 1) | FIELD_PREP(STE_2_S2TG, 0) |
		 FIELD_PREP(STE_2_S2PS, broken == 9 ? 0 : 5) | STE_2_S2AA64 | STE_2_S2R;
	ste[3] = S2_L1 & STE_3_S2TTB;
	phys_write(f->mem, STRTAB + (u64)sid * 64, ste, sizeof(ste));
	/* What a driver issues after writing them. */
	queue_cmd(f, CMD_CFGI_STE | FIELD_PREP(CMD_0_SID, sid), CMD_1_LEAF);
	queue_cmd(f, CMD_CFGI_CD_ALL | FIELD_PREP(CMD_0_SID, sid), 0);
	queue_cmd(f, CMD_TLBI_NSNH_ALL, 0);
	queue_cmd(f, CMD_SYNC, 0);

	ret = smmuv3_translate(f->smmu, sid, SMMUV3_NO_SSID, va, access, &res);
	FUZZ_CHECK(!ret || res.event == SMMUV3_ABORT || event_type_known(res.event));
	/*
	 * Whole and supported, on an SMMU in the state bring_up() left:
	 * the transaction lands where the two stages say, and a table
	 * broken on purpose faults.  (Stage 2's 39-bit IPA needs a PA size
	 * of at least as much, or the STE is C_BAD_STE.)
	 */
	if (smmu_sane(f) && f->cfg.stage1 && f->cfg.stage2 && f->cfg.gran4k &&
	    f->cfg.oas_bits >= 40 && sid < (1ull << f->cfg.sid_bits)) {
		if (!broken) {
			FUZZ_CHECK(ret == 0 && res.addr == NEST_OUT + va);
		} else if (broken <= 7 && !(broken == 2 && access == SMMUV3_READ)) {
			FUZZ_CHECK(ret != 0);
		}
	}
}

/* ------------------------------------------------------- vSMMU hooks */

/* The trap a VMM installs: reads the STE the command names, may refuse it. */
static uint32_t trap_cmd(void *opaque, struct smmuv3 *smmu, const uint64_t cmd[2])
{
	struct fz *f = opaque;
	uint64_t ste[8];
	int ret = smmuv3_trap_read_ste(smmu, (u32)(cmd[0] >> 32), ste);

	FUZZ_CHECK(ret == 0 || ret == -ERANGE || ret == -EFAULT);
	f->trapped++;
	return f->trap_err;
}

static const struct smmuv3_cmd_trap_ops trap_ops = { .cmd = trap_cmd };

static void op_vsmmu(struct fz *f, struct fuzz_in *in)
{
	u8 what = fuzz_u8(in) % 4;
	u64 rec[4];
	int ret;

	switch (what) {
	case 0:
		smmuv3_set_cmd_trap(f->smmu, fuzz_bool(in) ? &trap_ops : NULL, f);
		break;
	case 1:
		f->trap_err = fuzz_u8(in) < 0xc0 ? 0 : fuzz_u8(in) % 4;
		break;
	default:
		/* The host's event, forwarded: any record, queued as the model's. */
		for (int i = 0; i < 4; i++)
			rec[i] = fuzz_u64(in);
		if (fuzz_bool(in))
			rec[0] = (rec[0] & ~0xffull) | EVT_F_TRANSLATION;
		ret = smmuv3_inject_event(f->smmu, rec);
		FUZZ_CHECK(ret == 0 || ret == -ENODEV || ret == -ENOSPC || ret == -EFAULT);
		f->evtq_untrusted = true;
		break;
	}
}

static void op_command(struct fz *f, struct fuzz_in *in)
{
	static const u64 ops[] = {
		CMD_CFGI_STE, CMD_CFGI_STE_RANGE, CMD_CFGI_CD, CMD_CFGI_CD_ALL,
		CMD_TLBI_NH_ALL, CMD_TLBI_NH_ASID, CMD_TLBI_NH_VA, CMD_TLBI_NH_VAA,
		CMD_TLBI_EL2_ALL, CMD_TLBI_EL2_ASID, CMD_TLBI_EL2_VA, CMD_TLBI_EL2_VAA,
		CMD_TLBI_S12_VMALL, CMD_TLBI_S2_IPA, CMD_TLBI_NSNH_ALL, CMD_SYNC,
		CMD_PREFETCH_CONFIG, CMD_PREFETCH_ADDR, 0x00, 0x47, 0xff,
	};
	u64 cmd[2];
	u32 n = (u32)fuzz_range(in, 1, 4);

	for (u32 i = 0; i < n; i++) {
		u8 sel = fuzz_u8(in);
		u64 a = CMDQ + (f->cmdq_prod & ((1u << f->cmdq_log2) - 1)) * 16;

		if (sel >= 0xf0) {
			cmd[0] = fuzz_u64(in);
			cmd[1] = fuzz_u64(in);
			f->evtq_untrusted = true;	/* a CMD_SYNC MSI may land there */
		} else {
			u64 op = ops[sel % ARRAY_SIZE(ops)];

			if (op == CMD_SYNC)
				f->evtq_untrusted = true;

			cmd[0] = op | FIELD_PREP(CMD_0_SID, pick_sid(in)) |
				 (op == CMD_SYNC ? FIELD_PREP(CMD_SYNC_0_CS, fuzz_u8(in) % 4) :
				  FIELD_PREP(CMD_0_SSID, fuzz_small_or_raw(in, 4, 4)) |
				  (fuzz_bool(in) ? CMD_0_SSV : 0)) |
				 FIELD_PREP(CMD_0_NUM, fuzz_u8(in) % 32) |
				 FIELD_PREP(CMD_0_SCALE, fuzz_u8(in) % 32);
			if (op == CMD_TLBI_NH_ASID || op == CMD_TLBI_NH_VA ||
			    op == CMD_TLBI_S12_VMALL || op == CMD_TLBI_S2_IPA)
				cmd[0] = (cmd[0] & ~GENMASK_ULL(63, 32)) |
					 FIELD_PREP(CMD_0_VMID, fuzz_u8(in)) |
					 FIELD_PREP(CMD_0_ASID, fuzz_u8(in));
			cmd[1] = op == CMD_SYNC ? pick_addr(in) & CMD_SYNC_1_MSIADDR :
				 (fuzz_u64(in) & ~0xfffull) | (fuzz_u16(in) & 0xfff);
		}
		phys_write(f->mem, a, cmd, sizeof(cmd));
		f->cmdq_prod = (f->cmdq_prod + 1) & ((2u << f->cmdq_log2) - 1);
	}
	wr(f, SMMU_CMDQ_PROD, 4, f->cmdq_prod);
}

static unsigned int pick_size(struct fuzz_in *in)
{
	static const u64 sizes[] = { 4, 8, 4, 8, 1, 2 };

	return (unsigned int)FUZZ_PICK(in, sizes);
}

static void op_reg(struct fz *f, struct fuzz_in *in, bool write)
{
	static const u64 regs[] = {
		SMMU_CR0, SMMU_CR1, SMMU_CR2, SMMU_GBPA, SMMU_IRQ_CTRL, SMMU_GERRORN,
		SMMU_GERROR_IRQ_CFG0, SMMU_STRTAB_BASE, SMMU_STRTAB_BASE_CFG,
		SMMU_CMDQ_BASE, SMMU_CMDQ_PROD, SMMU_CMDQ_CONS, SMMU_EVENTQ_BASE,
		SMMU_EVENTQ_IRQ_CFG0, SMMU_EVENTQ_PROD, SMMU_EVENTQ_CONS, SMMU_IDR0,
		SMMU_GERROR, SMMU_CR0ACK, 0x1000, 0xfdc,
	};
	u8 sel = fuzz_u8(in);
	u64 off = sel < 0xf0 ? regs[sel % ARRAY_SIZE(regs)] : fuzz_u32(in) % SMMUV3_MMIO_SIZE;
	unsigned int size = pick_size(in);
	u64 val;

	off &= ~(u64)(size - 1);	/* the bus only carries aligned accesses */
	if (!write) {
		rd(f, off, size);
		return;
	}
	switch (fuzz_u8(in) % 4) {
	case 0:		/* a structure base with fuzzed size bits */
		val = pick_addr(in) | (fuzz_u8(in) & 0x3f);
		break;
	case 1:
		val = fuzz_u8(in);
		break;
	default:
		val = fuzz_u64(in);
		break;
	}
	f->evtq_untrusted = true;	/* queue base, or an MSI address into it */
	if (off == SMMU_CMDQ_PROD && size == 4)
		f->cmdq_prod = (u32)val & ((2u << f->cmdq_log2) - 1);
	wr(f, off, size, val);
	/* What the SMMU took (it ignores CMDQ_BASE while CMDQEN is set). */
	f->cmdq_log2 = min_t(u32, FIELD_GET(Q_BASE_LOG2SIZE, rd(f, SMMU_CMDQ_BASE, 8)),
			     CMDQ_LOG2);
}

static void count_step(void *opaque, const struct smmuv3_walk_step *st)
{
	FUZZ_CHECK(st->stage == 1 || st->stage == 2);
	FUZZ_CHECK(st->d.level >= 0 && st->d.level <= 3);
	(*(unsigned int *)opaque)++;
}

static void op_translate(struct fz *f, struct fuzz_in *in)
{
	static const u64 iovas[] = {
		0, 0x1000, 0x200000, 0x40000000, 0x123456789000, 0xffff000000000000,
		0x0000fffffffff000, 1ull << 52,
	};
	u32 sid = pick_sid(in);
	u32 ssid = fuzz_u8(in) < 0x80 ? SMMUV3_NO_SSID : (u32)fuzz_small_or_raw(in, 4, 4);
	u64 iova = fuzz_u8(in) < 0xe0 ? FUZZ_PICK(in, iovas) + ((u64)fuzz_u16(in) << 12) :
					fuzz_u64(in);
	unsigned int access = fuzz_u8(in) & 0xf, reads = 0;
	u32 prod = (u32)rd(f, SMMU_EVENTQ_PROD, 4);
	struct smmuv3_walk_info wi;
	struct smmuv3_ste_info si;
	struct smmuv3_result res;
	int ret;

	ret = (int)smmuv3_inspect_walk(f->smmu, sid, ssid, iova, access,
				       count_step, &reads, &wi);
	FUZZ_CHECK((u32)ret == wi.event && reads <= 24);
	FUZZ_CHECK(!ret || ret == SMMUV3_ABORT || event_type_known((u32)ret));
	if (!ret && !wi.bypass)
		FUZZ_CHECK(wi.addr < (1ull << f->cfg.oas_bits));
	ret = (int)smmuv3_inspect_ste(f->smmu, sid, ssid, &si);
	FUZZ_CHECK(!ret || event_type_known((u32)ret));
	FUZZ_CHECK((u32)rd(f, SMMU_EVENTQ_PROD, 4) == prod);

	memset(&res, 0xa5, sizeof(res));
	ret = smmuv3_translate(f->smmu, sid, ssid, iova, access, &res);
	if (ret == 0) {
		if (res.bypass)
			FUZZ_CHECK(res.addr == iova);
		else
			FUZZ_CHECK(res.addr < (1ull << f->cfg.oas_bits) || f->cfg.oas_bits >= 64);
		FUZZ_CHECK(res.size_shift >= 12 && res.size_shift < 64);
	} else {
		FUZZ_CHECK(res.event == SMMUV3_ABORT || event_type_known(res.event));
	}
}

/* Consume the event queue, checking each record. */
static void op_drain(struct fz *f, struct fuzz_in *in)
{
	u64 base = rd(f, SMMU_EVENTQ_BASE, 8);
	u32 log2 = (u32)FIELD_GET(Q_BASE_LOG2SIZE, base), mask;
	u32 max = (u32)fuzz_range(in, 1, 64);

	if (log2 > EVTQ_LOG2 || (base & Q_BASE_ADDR) != EVTQ)
		return;		/* the guest moved it: someone else's records */
	mask = (2u << log2) - 1;
	for (u32 n = 0; n < max; n++) {
		u32 prod = (u32)rd(f, SMMU_EVENTQ_PROD, 4);
		u32 cons = (u32)rd(f, SMMU_EVENTQ_CONS, 4);
		u64 rec[4];

		/*
		 * Only RES0 bits are checked: the model keeps what software wrote
		 * above the wrap bit, where IHI0070 says RAZ (reported, harmless).
		 */
		FUZZ_CHECK(!(prod & GENMASK(30, 20)));
		if ((prod & mask) == (cons & mask))
			break;
		phys_read(f->mem, EVTQ + (cons & (mask >> 1)) * 32, rec, sizeof(rec));
		if (!f->evtq_untrusted)
			FUZZ_CHECK(event_type_known((u32)FIELD_GET(EVT_0_TYPE, rec[0])));
		wr(f, SMMU_EVENTQ_CONS, 4, (prod & EVTQ_PROD_OVFLG) | ((cons + 1) & mask));
	}
}

static void op_ram(struct fz *f, struct fuzz_in *in)
{
	u64 addr = pick_addr(in) + fuzz_range(in, 0, 7) * 8, val = fuzz_u64(in);

	if (addr + 8 > EVTQ && addr < EVTQ + (32u << EVTQ_LOG2))
		f->evtq_untrusted = true;
	phys_write(f->mem, addr, &val, sizeof(val));
}

static void check_regs(struct fz *f)
{
	u32 cons = (u32)rd(f, SMMU_CMDQ_CONS, 4);
	u32 gerror = (u32)rd(f, SMMU_GERROR, 4);

	/* RES0 bits stay 0.  ERR may hold what software wrote (IHI0070 6.3.28). */
	FUZZ_CHECK(!(cons & ~(CMDQ_CONS_ERR | ((2u << 19) - 1))));
	FUZZ_CHECK(!(gerror & ~GERROR_MASK));
}

static void pick_config(struct smmuv3_config *c, struct fuzz_in *in)
{
	static const u64 oas[] = { 48, 52, 44, 40, 42, 36, 32, 47, 64 };
	u8 mode = fuzz_u8(in);

	smmuv3_config_default(c);
	/* The input scribbles live structures: the checker, when the
	 * environment turns it on, must survive that, never abort. */
	if (c->coherency)
		c->coherency = SMMUV3_COHERENCY_REPORT;
	if (!(mode & 1))
		return;
	c->stage1 = !(mode & 2);
	c->stage2 = !(mode & 4);
	c->gran4k = fuzz_u8(in) < 0xf0;
	c->gran16k = fuzz_bool(in);
	c->gran64k = fuzz_bool(in);
	c->oas_bits = (unsigned int)FUZZ_PICK(in, oas);
	c->sid_bits = (unsigned int)fuzz_range(in, 0, 33);
	c->ssid_bits = (unsigned int)fuzz_range(in, 0, 21);
	c->st_2level = mode & 8;
	c->cd_2level = mode & 16;
	c->cmdq_max_log2 = (unsigned int)fuzz_range(in, 0, 20);
	c->evtq_max_log2 = (unsigned int)fuzz_range(in, 0, 20);
	c->asid16 = mode & 32;
	c->vmid16 = mode & 64;
	c->range_inv = mode & 128;
	c->hyp = fuzz_bool(in);
	c->tlb_sets = fuzz_bool(in) ? 1u << fuzz_range(in, 0, 12) : 0;
	c->httu = (unsigned int)fuzz_range(in, 0, 3);	/* CD.HA/HD, STE.S2HA/S2HD live */
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct fuzz_in in = fuzz_in_init(data, size);
	struct fz f;
	u8 start;

	memset(&f, 0, sizeof(f));
	pick_config(&f.cfg, &in);
	start = fuzz_u8(&in);
	f.cmdq_log2 = CMDQ_LOG2;
	f.mem = phys_mem_create();
	if (!f.mem || phys_mem_add_ram(f.mem, RAM_BASE, RAM_SIZE, "ram"))
		goto out;
	f.smmu = smmuv3_create(&f.cfg, f.mem, &irq_ops, &f, 0x1234);
	if (!f.smmu)
		goto out;	/* a configuration out of range: refused, fine */
	if (f.cfg.oas_bits > 52 || f.cfg.sid_bits > 32 || f.cfg.ssid_bits > 20)
		FUZZ_CHECK(!"smmuv3_create accepted an impossible configuration");
	if (phys_mem_add_mmio(f.mem, SMMU_BASE, SMMUV3_MMIO_SIZE, &smmuv3_mmio_ops,
			      f.smmu, "smmuv3"))
		goto out;
	f.cmdq_log2 = min_t(u32, CMDQ_LOG2, f.cfg.cmdq_max_log2);
	if (start & 1)
		bring_up(&f, start & 2);

	for (unsigned int steps = 0; fuzz_more(&in) && steps < 256; steps++) {
		u8 op = fuzz_u8(&in);

		/* 0xf0..: the recipes, past the single operations' range. */
		if (op >= 0xf0) {
			if (op < 0xfa)
				op_nested(&f, &in);
			else
				op_vsmmu(&f, &in);
			check_regs(&f);
			continue;
		}
		switch (op % 12) {
		case 0: case 1:
			op_ste(&f, &in);
			break;
		case 2:
			op_cd(&f, &in);
			break;
		case 3: case 4:
			op_desc(&f, &in);
			break;
		case 5:
			op_command(&f, &in);
			break;
		case 6:
			op_reg(&f, &in, true);
			break;
		case 7:
			op_reg(&f, &in, false);
			break;
		case 8: case 9:
			op_translate(&f, &in);
			break;
		case 10:
			op_drain(&f, &in);
			break;
		case 11:
			op_ram(&f, &in);
			break;
		}
		check_regs(&f);
	}
out:
	smmuv3_destroy(f.smmu);
	phys_mem_destroy(f.mem);
	return 0;
}
