/* SPDX-License-Identifier: MIT */
/*
 * GICv3 ITS and redistributor LPI registers, command encodings and command
 * error codes, with Arm's names (see Arm IHI0069, chapters 5, 6 and 12, and
 * Linux's include/linux/irqchip/arm-gic-v3.h for the same constants).
 *
 * Only what the model and a driver programming it need; no kernel/ include
 * may pull this in (kernel/ keeps its own copy of the architecture).
 */
#ifndef IOMMUSIM_HW_ITS_REGS_H
#define IOMMUSIM_HW_ITS_REGS_H

#include "lib/bits.h"

/* ITS control frame (first 64K) and translation frame (second 64K). */
#define GITS_CTLR		0x0000
#define GITS_IIDR		0x0004
#define GITS_TYPER		0x0008
#define GITS_CBASER		0x0080
#define GITS_CWRITER		0x0088
#define GITS_CREADR		0x0090
#define GITS_BASER(n)		(0x0100 + 8 * (n))
#define GITS_BASER_NR_REGS	8
#define GITS_PIDR2		0xffe8
#define GITS_TRANSLATER		0x10040
#define GITS_MMIO_SIZE		0x20000

#define GITS_CTLR_ENABLED	BIT(0)
#define GITS_CTLR_QUIESCENT	BIT(31)

#define GITS_TYPER_PHYSICAL	BIT_ULL(0)
#define GITS_TYPER_ITT_ENTRY_SIZE GENMASK_ULL(7, 4)	/* bytes - 1 */
#define GITS_TYPER_IDBITS	GENMASK_ULL(12, 8)	/* EventID bits - 1 */
#define GITS_TYPER_DEVBITS	GENMASK_ULL(17, 13)	/* DeviceID bits - 1 */
#define GITS_TYPER_SEIS		BIT_ULL(18)
#define GITS_TYPER_PTA		BIT_ULL(19)
#define GITS_TYPER_HCC		GENMASK_ULL(31, 24)
#define GITS_TYPER_CIDBITS	GENMASK_ULL(35, 32)	/* ICID bits - 1 when CIL */
#define GITS_TYPER_CIL		BIT_ULL(36)

#define GITS_CBASER_VALID	BIT_ULL(63)
#define GITS_CBASER_ADDR	GENMASK_ULL(51, 12)
#define GITS_CBASER_SIZE	GENMASK_ULL(7, 0)	/* 4K pages - 1 */
/* Writable attribute fields: InnerCache, OuterCache, Shareability. */
#define GITS_CBASER_ATTRS	(GENMASK_ULL(61, 59) | GENMASK_ULL(55, 53) | \
				 GENMASK_ULL(11, 10))

#define GITS_CWRITER_RETRY	BIT_ULL(0)
#define GITS_CREADR_STALLED	BIT_ULL(0)
#define GITS_CQ_OFFSET		GENMASK_ULL(19, 5)

#define GITS_BASER_VALID	BIT_ULL(63)
#define GITS_BASER_INDIRECT	BIT_ULL(62)
#define GITS_BASER_TYPE		GENMASK_ULL(58, 56)
#define GITS_BASER_ENTRY_SIZE	GENMASK_ULL(52, 48)	/* bytes - 1 */
#define GITS_BASER_ADDR		GENMASK_ULL(47, 12)	/* 64K pages: [15:12] = PA[51:48] */
#define GITS_BASER_PAGE_SIZE	GENMASK_ULL(9, 8)	/* 0 4K, 1 16K, 2/3 64K */
#define GITS_BASER_SIZE		GENMASK_ULL(7, 0)	/* pages - 1 */
#define GITS_BASER_ATTRS	(GENMASK_ULL(61, 59) | GENMASK_ULL(55, 53) | \
				 GENMASK_ULL(11, 10))
#define GITS_BASER_TYPE_NONE		0
#define GITS_BASER_TYPE_DEVICE		1
#define GITS_BASER_TYPE_COLLECTION	4
/* A level-1 entry of a two-level table: Valid and the level-2 page. */
#define GITS_L1E_VALID		BIT_ULL(63)
#define GITS_L1E_ADDR		GENMASK_ULL(51, 12)

/* Redistributor: RD_base frame then SGI_base frame, 64K each. */
#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008
#define GICR_WAKER		0x0014
#define GICR_SETLPIR		0x0040
#define GICR_CLRLPIR		0x0048
#define GICR_PROPBASER		0x0070
#define GICR_PENDBASER		0x0078
#define GICR_INVLPIR		0x00a0
#define GICR_INVALLR		0x00b0
#define GICR_SYNCR		0x00c0
#define GICR_PIDR2		0xffe8
#define GICR_FRAME_SIZE		0x20000

#define GICR_CTLR_ENABLE_LPIS	BIT(0)
#define GICR_TYPER_PLPIS	BIT_ULL(0)
#define GICR_TYPER_DIRECTLPIS	BIT_ULL(3)
#define GICR_TYPER_LAST		BIT_ULL(4)
#define GICR_TYPER_PROC_NUM	GENMASK_ULL(23, 8)
#define GICR_TYPER_AFFINITY	GENMASK_ULL(63, 32)
#define GICR_WAKER_PROCESSOR_SLEEP BIT(1)
#define GICR_WAKER_CHILDREN_ASLEEP BIT(2)
#define GICR_PROPBASER_IDBITS	GENMASK_ULL(4, 0)	/* INTID bits - 1 */
#define GICR_PROPBASER_ADDR	GENMASK_ULL(51, 12)
#define GICR_PENDBASER_ADDR	GENMASK_ULL(51, 16)
#define GICR_PENDBASER_PTZ	BIT_ULL(62)

/* One byte per LPI in the configuration table, from INTID 8192. */
#define LPI_PROP_PRIORITY	GENMASK(7, 2)
#define LPI_PROP_GROUP1		BIT(1)
#define LPI_PROP_ENABLED	BIT(0)
#define LPI_INTID_BASE		8192
#define GIC_INTID_SPURIOUS	1023

/* GIC architecture revision 3 in PIDR2.ArchRev, JEDEC-assigned bit set. */
#define GIC_PIDR2_GICV3		0x3b

/* Commands: 32 bytes, four little-endian doublewords; opcode in DW0[7:0]. */
#define GITS_CMD_SIZE		32
#define GITS_CMD_MOVI		0x01
#define GITS_CMD_INT		0x03
#define GITS_CMD_CLEAR		0x04
#define GITS_CMD_SYNC		0x05
#define GITS_CMD_MAPD		0x08
#define GITS_CMD_MAPC		0x09
#define GITS_CMD_MAPTI		0x0a
#define GITS_CMD_MAPI		0x0b
#define GITS_CMD_INV		0x0c
#define GITS_CMD_INVALL		0x0d
#define GITS_CMD_MOVALL		0x0e
#define GITS_CMD_DISCARD	0x0f

/* Field positions, as Linux's its_encode_*() writes them. */
#define GITS_CMD0_OPCODE	GENMASK_ULL(7, 0)
#define GITS_CMD0_DEVICEID	GENMASK_ULL(63, 32)
#define GITS_CMD1_EVENTID	GENMASK_ULL(31, 0)
#define GITS_CMD1_PINTID	GENMASK_ULL(63, 32)
#define GITS_CMD1_SIZE		GENMASK_ULL(4, 0)	/* EventID bits - 1 */
#define GITS_CMD2_ITT_ADDR	GENMASK_ULL(51, 8)
#define GITS_CMD2_VALID		BIT_ULL(63)
#define GITS_CMD2_RDBASE	GENMASK_ULL(51, 16)	/* processor number (PTA = 0) */
#define GITS_CMD2_ICID		GENMASK_ULL(15, 0)
#define GITS_CMD3_RDBASE2	GENMASK_ULL(51, 16)	/* MOVALL destination */

/*
 * Command errors: 0x01 <command> <cause>, as GIC-600 reports them and
 * Linux/KVM name them.  CLEAR's errors use 0x05 in the command byte, as
 * the architecture lists them.
 */
#define ITS_ERR(cmd, cause)		(0x010000u | ((cmd) << 8) | (cause))
#define ITS_CAUSE_DEVICE_OOR		0x01
#define ITS_CAUSE_SIZE_OOR		0x02	/* MAPD ITT size, MAPC/MOVALL processor */
#define ITS_CAUSE_COLLECTION_OOR	0x03
#define ITS_CAUSE_UNMAPPED_DEVICE	0x04
#define ITS_CAUSE_ID_OOR		0x05
#define ITS_CAUSE_PHYSICALID_OOR	0x06
#define ITS_CAUSE_UNMAPPED_INTERRUPT	0x07
#define ITS_CAUSE_UNMAPPED_COLLECTION	0x09
#define ITS_ERR_MAPD_DEVICE_OOR		ITS_ERR(0x08, 0x01)
#define ITS_ERR_MAPD_ITTSIZE_OOR	ITS_ERR(0x08, 0x02)
#define ITS_ERR_MAPC_PROCNUM_OOR	ITS_ERR(0x09, 0x02)
#define ITS_ERR_MAPC_COLLECTION_OOR	ITS_ERR(0x09, 0x03)
#define ITS_ERR_MAPTI_UNMAPPED_DEVICE	ITS_ERR(0x0a, 0x04)
#define ITS_ERR_MAPTI_ID_OOR		ITS_ERR(0x0a, 0x05)
#define ITS_ERR_MAPTI_PHYSICALID_OOR	ITS_ERR(0x0a, 0x06)
#define ITS_ERR_INT_UNMAPPED_INTERRUPT	ITS_ERR(0x03, 0x07)
#define ITS_ERR_CLEAR_UNMAPPED_INTERRUPT ITS_ERR(0x05, 0x07)
#define ITS_ERR_INVALL_UNMAPPED_COLLECTION ITS_ERR(0x0d, 0x09)
#define ITS_ERR_MOVALL_PROCNUM_OOR	ITS_ERR(0x0e, 0x01)
#define ITS_ERR_DISCARD_UNMAPPED_INTERRUPT ITS_ERR(0x0f, 0x07)
/* Ours (IMPLEMENTATION DEFINED): 0x02 <command> <cause>. */
#define ITS_ERR_IMPDEF(cmd, cause)	(0x020000u | ((cmd) << 8) | (cause))
#define ITS_CAUSE_TGT_OOR		0x20	/* SYNC to a missing redistributor */
#define ITS_CAUSE_TABLE_ABORT		0xfe	/* table entry not in RAM */
#define ITS_CAUSE_UNKNOWN_CMD		0xff
#define ITS_ERR_CMD_ABORT		0x02ffffu	/* command read not in RAM: stalls */
#define ITS_ERR_CWRITER_OOR		0x02fffeu	/* CWRITER beyond the queue: stalls */

#endif
