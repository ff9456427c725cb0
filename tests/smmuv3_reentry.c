// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 model's own writes, made while it holds its lock (a CMD_SYNC
 * or event-queue MSI, an event record), can land on a device register that
 * starts a DMA through the same SMMU, on the same thread.  That DMA cannot
 * wait for the lock: it is terminated, the device sees the failure, and
 * the model goes on (it used to wait for itself, forever).  A driver or
 * guest chooses those addresses, so this is hostile input the model must
 * survive; the alarm turns a hang into a failure.
 */
#include <signal.h>
#include <unistd.h>

#include "hw/endpoint-regs.h"
#include "hw/endpoint.h"
#include "tests/smmuv3_rig.h"

#define SID		0x10
#define EP_BAR		0x0a000000ULL
#define SRC		0x48000000ULL
#define DST		0x48001000ULL

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

static void ep_program_copy(struct rig *r)
{
	ep_wr32(r, EP_DMA_SRC, (u32)SRC);
	ep_wr32(r, EP_DMA_SRC + 4, (u32)(SRC >> 32));
	ep_wr32(r, EP_DMA_DST, (u32)DST);
	ep_wr32(r, EP_DMA_DST + 4, (u32)(DST >> 32));
	ep_wr32(r, EP_DMA_LEN, 8);
}

static void test_sync_msi_starts_dma(void)
{
	struct smmuv3_config conf;
	struct dma_translator t;
	struct endpoint *ep;
	struct rig r;
	u64 ste[8] = { STE_0_V | FIELD_PREP(STE_0_CFG, STE_CFG_BYPASS) };
	u64 v = 0;

	rig_default_conf(&conf);
	rig_init(&r, &conf);
	ep = endpoint_create(r.mem, SID, 1);
	REQUIRE(ep);
	smmuv3_dma_translator(r.smmu, &t);
	endpoint_set_translator(ep, &t);
	REQUIRE(phys_mem_add_mmio(r.mem, EP_BAR, ENDPOINT_MMIO_SIZE,
				  &endpoint_mmio_ops, ep, "ep") == 0);
	ste_write(&r, SID, ste);
	cmd_cfgi_ste(&r, SID);
	phys_write64(r.mem, SRC, 0x1122334455667788ULL);
	ep_program_copy(&r);

	/*
	 * CMD_SYNC's MSI aimed at the device's DMA doorbell: the copy starts
	 * inside the SMMU's command processing, and its first translation
	 * misses the configuration cache (the CFGI above emptied it).
	 */
	cmd(&r, CMD_SYNC | FIELD_PREP(CMD_SYNC_0_CS, CMD_SYNC_CS_IRQ) |
		FIELD_PREP(CMD_SYNC_0_MSIDATA, EP_DMA_CMD_GO),
	    (EP_BAR + EP_DMA_CMD) & CMD_SYNC_1_MSIADDR);
	CHECK_EQ(rd32(&r, SMMU_CMDQ_CONS), r.cmdq_prod);	/* the queue went on */
	CHECK(!cmdq_stopped(&r));
	CHECK(ep_rd32(&r, EP_DMA_STATUS) != 0);		/* the copy was refused */
	REQUIRE(phys_read_val(r.mem, DST, 8, &v, MEM_ATTRS_NONE) == 0);
	CHECK_EQ(v, 0);

	/* The same copy started by the CPU goes through. */
	ep_wr32(&r, EP_DMA_CMD, EP_DMA_CMD_GO);
	CHECK_EQ(ep_rd32(&r, EP_DMA_STATUS), 0);
	REQUIRE(phys_read_val(r.mem, DST, 8, &v, MEM_ATTRS_NONE) == 0);
	CHECK_EQ(v, 0x1122334455667788ULL);

	endpoint_destroy(ep);
	rig_destroy(&r);
}

int main(void)
{
	alarm(20);	/* a self-deadlock fails the test instead of hanging it */
	test_sync_msi_starts_dma();
	return test_done();
}
