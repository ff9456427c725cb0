// SPDX-License-Identifier: MIT
/*
 * hw/endpoint: DMA with and without a translator (page by page), faults
 * reported, MSIs that reach the ITS over the bus and pend the LPI mapped
 * for the endpoint's requester ID, masking, and the register BAR.
 */
#include "hw/endpoint.h"
#include "tests/its-helpers.h"

#define EP_BAR		0x09000000ull
#define IOVA_BASE	0x100000000ull	/* 16 pages of IOVA, mapped in reverse */
#define IOVA_MSI	0x8000000ull	/* the software MSI window */
#define RID_A		0x0100
#define RID_B		0x0208

/* A toy IOMMU: IOVA page i -> SCRATCH page 15 - i; page 12 read-only; MSI page -> ITS. */
struct toy_iommu {
	unsigned int calls;
	u32 last_rid;
	u32 blocked_rid;
};

static int toy_translate(void *opaque, u32 rid, dma_addr_t addr, size_t size,
			 bool is_write, phys_addr_t *pa)
{
	struct toy_iommu *io = opaque;
	u64 page = addr / 4096;

	io->calls++;
	io->last_rid = rid;
	if (rid == io->blocked_rid)
		return -EPERM;
	if ((addr & 4095) + size > 4096)
		return -EINVAL;		/* the endpoint must split at pages */
	if (addr >= IOVA_MSI && addr < IOVA_MSI + 0x10000) {
		*pa = ITS_BASE + 0x10000 + (addr - IOVA_MSI);
		return 0;
	}
	if (addr < IOVA_BASE || addr >= IOVA_BASE + 16 * 4096)
		return -EFAULT;
	page -= IOVA_BASE / 4096;
	if (page == 12 && is_write)
		return -EACCES;
	*pa = SCRATCH_PA + (15 - page) * 4096 + (addr & 4095);
	return 0;
}

static const struct dma_translator_ops toy_ops = { .translate = toy_translate };

static void test_dma(struct tmach *m)
{
	struct toy_iommu io = { .blocked_rid = 0xffff };
	struct dma_translator xlat = { &toy_ops, &io };
	struct endpoint *ep = endpoint_create(m->mem, RID_A, 1);
	struct endpoint_stats st;
	static u8 buf[3 * 4096], back[3 * 4096];
	u8 b;

	REQUIRE(ep);
	CHECK_EQ(endpoint_requester_id(ep), RID_A);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 3);

	/* No translator: bus address = physical address. */
	CHECK_EQ(endpoint_dma_write(ep, SCRATCH_PA + 100, buf, sizeof(buf)), 0);
	REQUIRE(phys_read(m->mem, SCRATCH_PA + 100, back, sizeof(back)) == 0);
	CHECK(!memcmp(buf, back, sizeof(buf)));
	memset(back, 0, sizeof(back));
	CHECK_EQ(endpoint_dma_read(ep, SCRATCH_PA + 100, back, sizeof(back)), 0);
	CHECK(!memcmp(buf, back, sizeof(buf)));
	/* Running off the end of RAM: -EFAULT at the first page outside, earlier pages written. */
	CHECK_EQ(endpoint_dma_write(ep, RAM_BASE + RAM_SIZE - 4096, buf, 8192), -EFAULT);
	REQUIRE(phys_read(m->mem, RAM_BASE + RAM_SIZE - 1, &b, 1) == 0);
	CHECK_EQ(b, buf[4095]);
	endpoint_get_stats(ep, &st);
	CHECK_EQ(st.dma_faults, 1);
	CHECK_EQ(st.last_fault, -EFAULT);
	CHECK_EQ(st.last_fault_addr, RAM_BASE + RAM_SIZE);
	CHECK_EQ(endpoint_dma_read(ep, ~0ull - 10, back, 100), -EINVAL);	/* wraps */

	/* With a translator: page by page, each page landing where the IOMMU says. */
	endpoint_set_translator(ep, &xlat);
	CHECK_EQ(endpoint_dma_write(ep, IOVA_BASE + 4096 + 2000, buf, 3 * 4096), 0);
	CHECK_EQ(io.calls, 4);		/* 2096 + 4096 + 4096 + 2000 bytes */
	CHECK_EQ(io.last_rid, RID_A);
	REQUIRE(phys_read(m->mem, SCRATCH_PA + 14 * 4096 + 2000, back, 2096) == 0);
	CHECK(!memcmp(back, buf, 2096));
	REQUIRE(phys_read(m->mem, SCRATCH_PA + 13 * 4096, back, 4096) == 0);
	CHECK(!memcmp(back, buf + 2096, 4096));
	memset(back, 0, sizeof(back));
	CHECK_EQ(endpoint_dma_read(ep, IOVA_BASE + 4096 + 2000, back, 3 * 4096), 0);
	CHECK(!memcmp(buf, back, sizeof(buf)));
	/* Faults: unmapped, read-only, blocked requester; each reported and counted. */
	CHECK_EQ(endpoint_dma_read(ep, IOVA_BASE + 16 * 4096, back, 4), -EFAULT);
	CHECK_EQ(endpoint_dma_write(ep, IOVA_BASE + 12 * 4096 - 8, buf, 16), -EACCES);
	endpoint_get_stats(ep, &st);
	CHECK_EQ(st.dma_faults, 4);
	CHECK_EQ(st.last_fault_addr, IOVA_BASE + 12 * 4096);
	CHECK_EQ(st.last_fault, -EACCES);
	io.blocked_rid = RID_A;
	CHECK_EQ(endpoint_dma_read(ep, IOVA_BASE, back, 4), -EPERM);
	io.blocked_rid = 0xffff;
	/* Copy engine: IOVA to IOVA. */
	CHECK_EQ(endpoint_dma_copy(ep, IOVA_BASE + 8 * 4096 + 5, IOVA_BASE + 4096 + 2000,
				   3 * 4096), 0);
	memset(back, 0, sizeof(back));
	CHECK_EQ(endpoint_dma_read(ep, IOVA_BASE + 8 * 4096 + 5, back, sizeof(back)), 0);
	CHECK(!memcmp(buf, back, sizeof(buf)));
	endpoint_set_translator(ep, NULL);
	endpoint_destroy(ep);

	CHECK(!endpoint_create(m->mem, 1, 3));
	CHECK(!endpoint_create(m->mem, 1, 64));
	CHECK(!endpoint_create(NULL, 1, 1));
}

static void test_msi(struct tmach *m)
{
	struct toy_iommu io = { .blocked_rid = 0xffff };
	struct dma_translator xlat = { &toy_ops, &io };
	struct endpoint *a = endpoint_create(m->mem, RID_A, 4);
	struct endpoint *b = endpoint_create(m->mem, RID_B, 1);
	struct endpoint_stats st;

	REQUIRE(a && b);
	/* The driver maps both devices; the same EventID means different LPIs. */
	cmd_mapc(m, 0, 0, true);
	cmd_mapc(m, 1, 1, true);
	cmd_mapd(m, RID_A, ITT_PA, 4, true);
	cmd_mapd(m, RID_B, ITT_PA + 0x1000, 1, true);
	for (u32 ev = 0; ev < 4; ev++)
		cmd_mapti(m, RID_A, 8 + ev, 8192 + ev, 0);
	cmd_mapti(m, RID_B, 0, 8300, 1);
	for (u32 i = 8192; i < 8196; i++)
		lpi_conf(m, i, 0x40, true);
	lpi_conf(m, 8300, 0x40, true);
	REQUIRE(stats(m).cmd_errors == 0);

	/* Disabled, then enabled. */
	endpoint_msi_configure(a, ITS_BASE + GITS_TRANSLATER, 8);
	CHECK_EQ(endpoint_msi_fire(a, 0), -ENODEV);
	endpoint_msi_enable(a, true);
	CHECK_EQ(endpoint_msi_fire(a, 4), -EINVAL);
	CHECK_EQ(endpoint_msi_fire(a, 2), 0);
	CHECK(its_lpi_is_pending(m->its, 0, 8194));	/* EventID 8 | 2, DeviceID RID_A */
	CHECK_EQ(m->log.intid, 8194);

	/* B with the same data but its own requester ID: its own LPI. */
	endpoint_msi_configure(b, ITS_BASE + GITS_TRANSLATER, 0);
	endpoint_msi_enable(b, true);
	CHECK_EQ(endpoint_msi_fire(b, 0), 0);
	CHECK(its_lpi_is_pending(m->its, 1, 8300));

	/* Masked: pending in the device, sent on unmask. */
	CHECK_EQ(endpoint_msi_mask(a, 1, true), 0);
	CHECK_EQ(endpoint_msi_fire(a, 1), -EAGAIN);
	CHECK(endpoint_msi_pending(a, 1));
	CHECK(!its_lpi_is_pending(m->its, 0, 8193));
	CHECK_EQ(endpoint_msi_mask(a, 1, false), 0);
	CHECK(!endpoint_msi_pending(a, 1));
	CHECK(its_lpi_is_pending(m->its, 0, 8193));

	/* Through the IOMMU: the doorbell at an IOVA in the MSI window. */
	endpoint_set_translator(a, &xlat);
	endpoint_msi_configure(a, IOVA_MSI + 0x40, 8);
	CHECK_EQ(endpoint_msi_fire(a, 3), 0);
	CHECK(its_lpi_is_pending(m->its, 0, 8195));
	CHECK_EQ(io.last_rid, RID_A);
	/* Doorbell not mapped in the IOMMU: a fault, reported and counted. */
	endpoint_msi_configure(a, 0x7000000, 8);
	CHECK_EQ(endpoint_msi_fire(a, 0), -EFAULT);
	CHECK(!its_lpi_is_pending(m->its, 0, 8192));
	/* An address with nothing behind it, no IOMMU: a bus error. */
	endpoint_set_translator(a, NULL);
	endpoint_msi_configure(a, 0x20000000, 8);
	CHECK_EQ(endpoint_msi_fire(a, 0), -EFAULT);
	endpoint_get_stats(a, &st);
	CHECK_EQ(st.msi_faults, 2);
	CHECK_EQ(st.msis_sent, 3);
	CHECK_EQ(st.last_fault_addr, 0x20000000);
	/* An EventID the ITS has no mapping for: sent, dropped by the ITS. */
	endpoint_msi_configure(a, ITS_BASE + GITS_TRANSLATER, 16);
	CHECK_EQ(endpoint_msi_fire(a, 0), 0);
	CHECK_EQ(stats(m).drops[ITS_DROP_ID_OOR], 1);

	endpoint_destroy(a);
	endpoint_destroy(b);
}

static u32 bar_rd32(struct tmach *m, u64 off)
{
	u32 v;

	REQUIRE(phys_read32(m->mem, EP_BAR + off, &v) == 0);
	return v;
}

static void bar_wr32(struct tmach *m, u64 off, u32 v)
{
	REQUIRE(phys_write32(m->mem, EP_BAR + off, v) == 0);
}

static void test_bar(struct tmach *m)
{
	struct endpoint *ep = endpoint_create(m->mem, RID_B, 1);
	u8 src[64], dst[64];
	u64 v;

	REQUIRE(ep);
	REQUIRE(phys_mem_add_mmio(m->mem, EP_BAR, ENDPOINT_MMIO_SIZE, &endpoint_mmio_ops,
				  ep, "ep") == 0);
	CHECK_EQ(bar_rd32(m, EP_ID), ENDPOINT_ID);
	CHECK_EQ(bar_rd32(m, EP_RID), RID_B);
	CHECK_EQ(bar_rd32(m, EP_MSI_NVEC), 1);

	/* A driver programs the MSI capability and rings the trigger. */
	REQUIRE(phys_write64(m->mem, EP_BAR + EP_MSI_ADDR, ITS_BASE + GITS_TRANSLATER) == 0);
	REQUIRE(phys_read64(m->mem, EP_BAR + EP_MSI_ADDR, &v) == 0);
	CHECK_EQ(v, ITS_BASE + GITS_TRANSLATER);
	bar_wr32(m, EP_MSI_DATA, 0);
	bar_wr32(m, EP_MSI_CTRL, EP_MSI_CTRL_ENABLE);
	its_lpi_ack(m->its, 1);
	CHECK(!its_lpi_is_pending(m->its, 1, 8300));
	bar_wr32(m, EP_MSI_TRIGGER, 0);
	CHECK(its_lpi_is_pending(m->its, 1, 8300));
	bar_wr32(m, EP_MSI_MASK, 1);
	its_lpi_ack(m->its, 1);
	bar_wr32(m, EP_MSI_TRIGGER, 0);
	CHECK_EQ(bar_rd32(m, EP_MSI_PENDING), 1);
	CHECK(!its_lpi_is_pending(m->its, 1, 8300));

	/* DMA engine: copy with a completion MSI. */
	for (int i = 0; i < 64; i++)
		src[i] = (u8)i;
	REQUIRE(phys_write(m->mem, SCRATCH_PA + 4090, src, 64) == 0);
	REQUIRE(phys_write64(m->mem, EP_BAR + EP_DMA_SRC, SCRATCH_PA + 4090) == 0);
	REQUIRE(phys_write64(m->mem, EP_BAR + EP_DMA_DST, SCRATCH_PA + 0x20000) == 0);
	bar_wr32(m, EP_DMA_LEN, 64);
	bar_wr32(m, EP_MSI_MASK, 0);	/* sends the pending vector */
	CHECK(its_lpi_is_pending(m->its, 1, 8300));
	its_lpi_ack(m->its, 1);
	bar_wr32(m, EP_DMA_CMD, EP_DMA_CMD_GO | EP_DMA_CMD_IRQ);
	CHECK_EQ(bar_rd32(m, EP_DMA_STATUS), 0);
	REQUIRE(phys_read(m->mem, SCRATCH_PA + 0x20000, dst, 64) == 0);
	CHECK(!memcmp(src, dst, 64));
	CHECK(its_lpi_is_pending(m->its, 1, 8300));
	/* A faulting copy: status and fault address in the BAR. */
	REQUIRE(phys_write64(m->mem, EP_BAR + EP_DMA_SRC, 0x30000000) == 0);
	bar_wr32(m, EP_DMA_CMD, EP_DMA_CMD_GO);
	CHECK_EQ(bar_rd32(m, EP_DMA_STATUS), EFAULT);
	CHECK_EQ(bar_rd32(m, EP_FAULTS), 1);
	REQUIRE(phys_read64(m->mem, EP_BAR + EP_FAULT_ADDR, &v) == 0);
	CHECK_EQ(v, 0x30000000);
	/* DMA and MSI aimed at the BAR itself: refused, never recursing. */
	{
		u32 go = EP_DMA_CMD_GO;

		REQUIRE(phys_write(m->mem, SCRATCH_PA, &go, 4) == 0);
		REQUIRE(phys_write64(m->mem, EP_BAR + EP_DMA_SRC, SCRATCH_PA) == 0);
		REQUIRE(phys_write64(m->mem, EP_BAR + EP_DMA_DST, EP_BAR + EP_DMA_CMD) == 0);
		bar_wr32(m, EP_DMA_LEN, 4);
		bar_wr32(m, EP_DMA_CMD, EP_DMA_CMD_GO);
		CHECK_EQ(bar_rd32(m, EP_DMA_STATUS), 0);
		REQUIRE(phys_write64(m->mem, EP_BAR + EP_MSI_ADDR, EP_BAR + EP_MSI_TRIGGER) == 0);
		bar_wr32(m, EP_MSI_TRIGGER, 0);
		CHECK(endpoint_msi_fire(ep, 0) == 0);
	}
	endpoint_destroy(ep);
}

int main(void)
{
	struct tmach m;

	tmach_init(&m, NULL);
	test_dma(&m);
	test_msi(&m);
	test_bar(&m);
	tmach_fini(&m);
	return test_done();
}
