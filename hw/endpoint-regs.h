/* SPDX-License-Identifier: MIT */
/*
 * The register BAR of iommusim's PCI-like endpoint (hw/endpoint.c): the one
 * device layout that programs outside the tree drive, through the LD_PRELOAD
 * shim's VFIO region or an embedder's MMIO window.  It is ours, like any
 * device's BAR, so it is a public header (installed as
 * <iommusim/hw/endpoint-regs.h>) with nothing but constants: a client needs
 * no other header of the tree to program a DMA or an MSI.
 *
 * 32-bit registers unless marked 64; a 64-bit register also takes two
 * 32-bit halves, low first.
 */
#ifndef IOMMUSIM_HW_ENDPOINT_REGS_H
#define IOMMUSIM_HW_ENDPOINT_REGS_H

#define EP_ID			0x00	/* RO: ENDPOINT_ID */
#define EP_RID			0x04	/* RO: requester ID */
#define EP_MSI_NVEC		0x08	/* RO: vectors */
#define EP_MSI_ADDR		0x10	/* 64 */
#define EP_MSI_DATA		0x18
#define EP_MSI_CTRL		0x1c	/* EP_MSI_CTRL_ENABLE */
#define EP_MSI_MASK		0x20	/* bit per vector */
#define EP_MSI_PENDING		0x24	/* RO */
#define EP_MSI_TRIGGER		0x28	/* WO: vector number to signal */
#define EP_DMA_SRC		0x40	/* 64: bus address */
#define EP_DMA_DST		0x48	/* 64: bus address */
#define EP_DMA_LEN		0x50
#define EP_DMA_CMD		0x54	/* WO: EP_DMA_CMD_GO copies SRC to DST */
#define EP_DMA_STATUS		0x58	/* RO: 0, or the errno of the last failure */
#define EP_FAULTS		0x5c	/* RO: DMA + MSI faults */
#define EP_FAULT_ADDR		0x60	/* RO 64: bus address of the last fault */
#define ENDPOINT_MMIO_SIZE	0x1000

#define ENDPOINT_ID		0x45505431u	/* "EPT1" */
#define EP_MSI_CTRL_ENABLE	0x1u
#define EP_DMA_CMD_GO		0x1u
#define EP_DMA_CMD_IRQ		0x2u	/* signal vector EP_DMA_CMD_VEC when done */
#define EP_DMA_CMD_VEC		0x1f00u	/* bits 12:8 */
#define EP_DMA_CMD_VEC_SHIFT	8

#endif
