// SPDX-License-Identifier: MIT
/*
 * A hostile guest scribbles its vSMMU's command queue: illegal commands
 * written straight into the ring, CMDQ_PROD moved behind its driver's
 * back.  The vSMMU must answer as the architecture says - CMDQ_CONS.ERR =
 * CERROR_ILL and GERROR.CMDQ_ERR for each, the queue stopped until
 * GERRORN acknowledges - and the VMM must not hang.
 *
 * The guest driver's GERROR handler turns each bad command into a
 * CMD_SYNC and acknowledges through GERRORN; that write restarts the
 * queue, which meets the next bad command and raises GERROR again, inside
 * the handler's own register write.  A wired line's handler is re-entered
 * only after it returns, as a GIC holds an active interrupt pending:
 * before the fix the model called the handler from inside that write and
 * it took its own lock twice.  alarm() turns such a hang into a failure.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hw/memory.h"
#include "kernel/drivers/arm-smmu-v3/arm-smmu-v3.h"
#include "kernel/platform.h"
#include "tests/test.h"
#include "vmm/vmm.h"

#define HOST_RID	0x10
#define VSID		0x8
#define BAD_CMDS	4

/* Register offsets and fields, Arm IHI0070 6.3. */
#define SMMU_GERROR		0x60
#define SMMU_GERRORN		0x64
#define SMMU_CMDQ_BASE		0x90
#define SMMU_CMDQ_PROD		0x98
#define SMMU_CMDQ_CONS		0x9c
#define GERROR_CMDQ_ERR		0x1
#define Q_BASE_ADDR		0x00fffffffffffe0ULL
#define Q_BASE_LOG2SIZE		0x1fULL
#define CMDQ_CONS_ERR_SHIFT	24
#define CERROR_ILL		1

static u32 reg32(struct phys_mem *mem, u64 off)
{
	u32 v = 0;

	CHECK_EQ(phys_read32(mem, VMM_GUEST_SMMU_BASE + off, &v), 0);
	return v;
}

static void scribble(struct vmm *vmm)
{
	struct phys_mem *mem = vmm_guest_mem(vmm);
	struct arm_smmu_device *drv = platform_smmu(vmm_guest(vmm));
	struct arm_smmu_stats before, after;
	u64 base = 0, ring;
	u32 prod, log2, mask;

	arm_smmu_get_stats(drv, &before);
	CHECK_EQ(phys_read64(mem, VMM_GUEST_SMMU_BASE + SMMU_CMDQ_BASE, &base), 0);
	log2 = (u32)(base & Q_BASE_LOG2SIZE);
	ring = base & Q_BASE_ADDR & ~((16ULL << log2) - 1);
	mask = (2u << log2) - 1;
	prod = reg32(mem, SMMU_CMDQ_PROD) & mask;
	/* Opcode 0xff is no command: CERROR_ILL, each of them. */
	for (u32 i = 0; i < BAD_CMDS; i++) {
		u32 idx = (prod + i) & (mask >> 1);

		CHECK_EQ(phys_write64(mem, ring + idx * 16ULL, 0xffULL | ((u64)i << 32)), 0);
		CHECK_EQ(phys_write64(mem, ring + idx * 16ULL + 8, 0), 0);
	}
	/* One doorbell for all: the driver's GERROR handler does the rest. */
	CHECK_EQ(phys_write32(mem, VMM_GUEST_SMMU_BASE + SMMU_CMDQ_PROD,
			      ((prod & ~(mask >> 1)) | ((prod + BAD_CMDS) & mask)) & mask), 0);

	arm_smmu_get_stats(drv, &after);
	/* Each bad command was reported once, as CERROR_ILL, and skipped. */
	CHECK_EQ(after.cmdq_errors - before.cmdq_errors, BAD_CMDS);
	CHECK_EQ(after.cmdq_skipped - before.cmdq_skipped, BAD_CMDS);
	CHECK_EQ(after.last_cmdq_err, CERROR_ILL);
	CHECK_EQ(after.last_bad_cmd[0], 0xffULL | ((u64)(BAD_CMDS - 1) << 32));
	/* And the queue drained, with no error left active. */
	CHECK_EQ(reg32(mem, SMMU_CMDQ_CONS) & mask, (prod + BAD_CMDS) & mask);
	CHECK_EQ((reg32(mem, SMMU_GERROR) ^ reg32(mem, SMMU_GERRORN)) & GERROR_CMDQ_ERR, 0);
	CHECK_EQ((reg32(mem, SMMU_CMDQ_CONS) >> CMDQ_CONS_ERR_SHIFT) & 0x7f, CERROR_ILL);
}

int main(void)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	struct machine_ep_config ep = { HOST_RID, 4, true };
	struct machine_config mc;
	struct vmm_backend *be;
	struct platform *host;
	struct ep_device *hep;
	struct machine *m;
	struct vmm *vmm;
	u32 dev;

	alarm(20);
	machine_config_default(&mc);
	m = machine_create(&mc);
	REQUIRE(m && machine_add_endpoint(m, &ep) == 0);
	host = platform_boot(m, &pc);
	REQUIRE(!IS_ERR(host));
	hep = platform_add_ep(host, 0, "ep0");
	REQUIRE(!IS_ERR(hep));
	be = vmm_kbackend_create(host);
	REQUIRE(be && vmm_kbackend_bind(be, hep, &dev) == 0);
	vmm = vmm_create(be, 16 << 20);
	REQUIRE(!IS_ERR(vmm));
	REQUIRE(vmm_assign(vmm, dev, VSID) == 0);
	REQUIRE(!IS_ERR(vmm_boot_guest(vmm)));

	scribble(vmm);
	/* Twice: the driver's queue state survived the first. */
	scribble(vmm);

	vmm_destroy(vmm);
	vmm_kbackend_destroy(be);
	platform_shutdown(host);
	machine_destroy(m);
	return test_done();
}
