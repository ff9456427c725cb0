/* SPDX-License-Identifier: MIT */
/*
 * GICv3 redistributor (LPI part) and ITS registers, command encodings and
 * table formats, as the kernel's gic-its driver programs them: the
 * kernel's own copy of the architecture (Arm IHI0069, chapters 5, 6 and
 * 12; the same names as Linux's include/linux/irqchip/arm-gic-v3.h), so
 * that kernel/ never includes a hardware model's header.
 */
#ifndef IOMMUSIM_KERNEL_DRIVERS_ARM_GIC_V3_H
#define IOMMUSIM_KERNEL_DRIVERS_ARM_GIC_V3_H

#include "lib/bits.h"

/* Redistributor: RD_base frame, then SGI_base (and with VLPIS two more). */
#define GICR_CTLR			0x0000
#define GICR_TYPER			0x0008
#define GICR_PROPBASER			0x0070
#define GICR_PENDBASER			0x0078
#define GICR_INVLPIR			0x00a0
#define GICR_SYNCR			0x00c0
#define GICR_PIDR2			0xffe8
#define GICR_RD_SGI_SIZE		0x20000	/* RD_base + SGI_base */
#define GICR_VLPI_SIZE			0x20000	/* VLPI_base + reserved, when VLPIS */

#define GICR_CTLR_ENABLE_LPIS		BIT(0)
#define GICR_TYPER_PLPIS		BIT_ULL(0)
#define GICR_TYPER_VLPIS		BIT_ULL(1)
#define GICR_TYPER_DIRECTLPIS		BIT_ULL(3)
#define GICR_TYPER_LAST			BIT_ULL(4)
#define GICR_TYPER_CPU_NUMBER		GENMASK_ULL(23, 8)
#define GICR_SYNCR_BUSY			BIT(0)

#define GICR_PROPBASER_IDBITS_MASK	GENMASK_ULL(4, 0)
#define GICR_PROPBASER_ADDR		GENMASK_ULL(51, 12)
#define GICR_PENDBASER_ADDR		GENMASK_ULL(51, 16)
/* Attribute fields shared by PROPBASER and PENDBASER. */
#define GICR_xBASER_SHAREABILITY_MASK	GENMASK_ULL(11, 10)
#define GICR_xBASER_CACHEABILITY_MASK	GENMASK_ULL(9, 7)
#define GICR_xBASER_InnerShareable	FIELD_PREP(GICR_xBASER_SHAREABILITY_MASK, 1)
#define GICR_xBASER_RaWaWb		FIELD_PREP(GICR_xBASER_CACHEABILITY_MASK, 7)
#define GICR_xBASER_nC			FIELD_PREP(GICR_xBASER_CACHEABILITY_MASK, 1)

#define GIC_PIDR2_ARCH_MASK		0xf0
#define GIC_PIDR2_ARCH_GICv3		0x30
#define GIC_PIDR2_ARCH_GICv4		0x40

/* LPI configuration table: one byte per LPI, from INTID 8192. */
#define LPI_PROP_PRIORITY_MASK		GENMASK(7, 2)
#define LPI_PROP_GROUP1			BIT(1)
#define LPI_PROP_ENABLED		BIT(0)
#define LPI_PROP_DEFAULT_PRIO		0xa0	/* GICD_INT_DEF_PRI */
#define GIC_LPI_BASE			8192

/* ITS control frame (first 64K) and translation frame (second 64K). */
#define GITS_CTLR			0x0000
#define GITS_IIDR			0x0004
#define GITS_TYPER			0x0008
#define GITS_CBASER			0x0080
#define GITS_CWRITER			0x0088
#define GITS_CREADR			0x0090
#define GITS_BASER			0x0100
#define GITS_BASER_NR_REGS		8
#define GITS_PIDR2			0xffe8
#define GITS_TRANSLATER			0x10040

#define GITS_CTLR_ENABLE		BIT(0)
#define GITS_CTLR_QUIESCENT		BIT(31)

#define GITS_TYPER_PLPIS		BIT_ULL(0)
#define GITS_TYPER_ITT_ENTRY_SIZE	GENMASK_ULL(7, 4)	/* bytes - 1 */
#define GITS_TYPER_IDBITS		GENMASK_ULL(12, 8)	/* EventID bits - 1 */
#define GITS_TYPER_DEVBITS		GENMASK_ULL(17, 13)	/* DeviceID bits - 1 */
#define GITS_TYPER_PTA			BIT_ULL(19)
#define GITS_TYPER_HCC			GENMASK_ULL(31, 24)

#define GITS_CBASER_VALID		BIT_ULL(63)
#define GITS_CBASER_ADDR		GENMASK_ULL(51, 12)
#define GITS_CBASER_SIZE		GENMASK_ULL(7, 0)	/* 4K pages - 1 */
#define GITS_CBASER_SHAREABILITY_MASK	GENMASK_ULL(11, 10)
#define GITS_CBASER_CACHEABILITY_MASK	GENMASK_ULL(61, 59)
#define GITS_CBASER_InnerShareable	FIELD_PREP(GITS_CBASER_SHAREABILITY_MASK, 1)
#define GITS_CBASER_RaWaWb		FIELD_PREP(GITS_CBASER_CACHEABILITY_MASK, 7)
#define GITS_CBASER_nC			FIELD_PREP(GITS_CBASER_CACHEABILITY_MASK, 1)

#define GITS_CREADR_STALLED		BIT(0)
#define GITS_CQ_OFFSET			GENMASK(19, 5)

#define GITS_BASER_VALID		BIT_ULL(63)
#define GITS_BASER_INDIRECT		BIT_ULL(62)
#define GITS_BASER_CACHEABILITY_MASK	GENMASK_ULL(61, 59)
#define GITS_BASER_TYPE_MASK		GENMASK_ULL(58, 56)
#define GITS_BASER_ENTRY_SIZE_MASK	GENMASK_ULL(52, 48)	/* bytes - 1 */
#define GITS_BASER_ADDR_48		GENMASK_ULL(47, 12)
#define GITS_BASER_SHAREABILITY_MASK	GENMASK_ULL(11, 10)
#define GITS_BASER_PAGE_SIZE_MASK	GENMASK_ULL(9, 8)
#define GITS_BASER_PAGES_MASK		GENMASK_ULL(7, 0)	/* pages - 1 */
#define GITS_BASER_PAGES_MAX		256
#define GITS_BASER_InnerShareable	FIELD_PREP(GITS_BASER_SHAREABILITY_MASK, 1)
#define GITS_BASER_RaWaWb		FIELD_PREP(GITS_BASER_CACHEABILITY_MASK, 7)
#define GITS_BASER_nC			FIELD_PREP(GITS_BASER_CACHEABILITY_MASK, 1)
#define GITS_BASER_PAGE_SIZE_4K		0
#define GITS_BASER_PAGE_SIZE_16K	1
#define GITS_BASER_PAGE_SIZE_64K	2
#define GITS_BASER_TYPE_NONE		0
#define GITS_BASER_TYPE_DEVICE		1
#define GITS_BASER_TYPE_VCPU		2
#define GITS_BASER_TYPE_COLLECTION	4
#define GITS_LVL1_ENTRY_SIZE		8	/* level-1 entry: Valid | L2 page */

/* Commands: 32 bytes, four little-endian doublewords. */
#define GITS_CMD_SIZE			32
#define GITS_CMD_MOVI			0x01
#define GITS_CMD_INT			0x03
#define GITS_CMD_CLEAR			0x04
#define GITS_CMD_SYNC			0x05
#define GITS_CMD_MAPD			0x08
#define GITS_CMD_MAPC			0x09
#define GITS_CMD_MAPTI			0x0a
#define GITS_CMD_INV			0x0c
#define GITS_CMD_INVALL			0x0d
#define GITS_CMD_DISCARD		0x0f

#define GITS_CMD0_OPCODE		GENMASK_ULL(7, 0)
#define GITS_CMD0_DEVICEID		GENMASK_ULL(63, 32)
#define GITS_CMD1_EVENTID		GENMASK_ULL(31, 0)
#define GITS_CMD1_PINTID		GENMASK_ULL(63, 32)
#define GITS_CMD1_SIZE			GENMASK_ULL(4, 0)	/* EventID bits - 1 */
#define GITS_CMD2_VALID			BIT_ULL(63)
#define GITS_CMD2_ITT_ADDR		GENMASK_ULL(51, 8)
#define GITS_CMD2_RDBASE		GENMASK_ULL(51, 16)
#define GITS_CMD2_ICID			GENMASK_ULL(15, 0)

#define ITS_ITT_ALIGN			256

#endif
