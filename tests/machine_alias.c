// SPDX-License-Identifier: MIT
/*
 * The board in an address space someone else owns, and endpoints whose
 * StreamID is not their requester ID.
 *
 * machine_create_on() builds the same board into a phys_mem that already
 * holds RAM of its own (the LD_PRELOAD shim's window of program memory):
 * that RAM stays reachable next to the board's, a board that would
 * overlap it is refused, and destroying the machine leaves the address
 * space to its owner.  With machine_set_endpoint_sid(), two functions with their own RIDs
 * reach the SMMU as one StreamID (IORT folding functions behind a
 * PCIe-to-PCI bridge): the arm-smmu-v3 driver puts them in one group, DMA
 * of either goes through that group's domain, and their MSIs still carry
 * their own RIDs as DeviceIDs.  platform_add_ep_sids() gives a device
 * the StreamIDs its firmware names.
 */
#include <string.h>

#include "kernel/platform.h"
#include "tests/test.h"

#define USER_BASE	0x8000000000ULL
#define USER_SIZE	(1ULL << 20)

enum { EP_X, EP_Y, EP_Z, NR };

static struct machine *board_on(struct phys_mem *mem, u64 ram_base)
{
	struct machine_config mc;
	struct machine *m;

	machine_config_default(&mc);
	mc.ram_base = ram_base;
	mc.ram_size = 64ULL << 20;
	mc.nr_endpoints = NR;
	mc.ep[EP_X] = (struct machine_ep_config){ .rid = 0x40, .nr_vectors = 2,
		.behind_smmu = true };
	mc.ep[EP_Y] = (struct machine_ep_config){ .rid = 0x41, .nr_vectors = 2,
		.behind_smmu = true };
	mc.ep[EP_Z] = (struct machine_ep_config){ .rid = 0x50, .nr_vectors = 1,
		.behind_smmu = true };
	m = machine_create_on(mem, &mc);
	if (m) {
		REQUIRE(machine_set_endpoint_sid(m, EP_X, 0x20) == 0);
		REQUIRE(machine_set_endpoint_sid(m, EP_Y, 0x20) == 0);
		CHECK_EQ(machine_set_endpoint_sid(m, NR, 0x20), -EINVAL);
	}
	return m;
}

static void test_borrowed_mem(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct machine *m;
	u8 *user;

	REQUIRE(mem);
	REQUIRE(phys_mem_add_ram(mem, USER_BASE, USER_SIZE, "user") == 0);
	CHECK(machine_create_on(NULL, NULL) == NULL);
	/* RAM where the owner's already is: refused. */
	CHECK(board_on(mem, USER_BASE) == NULL);
	phys_mem_destroy(mem);

	mem = phys_mem_create();
	REQUIRE(mem && phys_mem_add_ram(mem, USER_BASE, USER_SIZE, "user") == 0);
	m = board_on(mem, MACHINE_RAM_BASE);
	REQUIRE(m);
	CHECK(machine_mem(m) == mem);
	CHECK_EQ(machine_endpoint_sid(m, EP_X), 0x20);
	CHECK_EQ(machine_endpoint_sid(m, EP_Z), 0x50);
	user = phys_ram_ptr(mem, USER_BASE, 4096);
	REQUIRE(user);
	user[0] = 0x5a;
	machine_destroy(m);
	/* The owner's RAM outlives the board. */
	CHECK_EQ(user[0], 0x5a);
	phys_mem_destroy(mem);
}

static void test_shared_stream(void)
{
	struct phys_mem *mem = phys_mem_create();
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_SMMUV3 };
	const u32 sids[] = { 0x50, 0x51 }, many[9] = { 0 };
	struct ep_device *x, *y, *z;
	u32 lpi_x, lpi_y;
	unsigned int cpu_x, cpu_y;
	struct machine *m;
	struct platform *p;
	phys_addr_t buf;
	dma_addr_t d;
	u8 *va;

	REQUIRE(mem && phys_mem_add_ram(mem, USER_BASE, USER_SIZE, "user") == 0);
	m = board_on(mem, MACHINE_RAM_BASE);
	REQUIRE(m);
	p = platform_boot(m, &pc);
	REQUIRE(!IS_ERR(p));
	x = platform_add_ep(p, EP_X, "x");
	y = platform_add_ep(p, EP_Y, "y");
	REQUIRE(!IS_ERR(x) && !IS_ERR(y));
	CHECK(x->dev.iommu_group && x->dev.iommu_group == y->dev.iommu_group);
	CHECK_EQ(PTR_ERR(platform_add_ep_sids(p, EP_Z, "z", many, 9)), -EINVAL);
	CHECK_EQ(PTR_ERR(platform_add_ep_sids(p, EP_Z, "z", NULL, 1)), -EINVAL);
	z = platform_add_ep_sids(p, EP_Z, "z", sids, 2);
	REQUIRE(!IS_ERR(z));
	CHECK(z->dev.iommu_group != x->dev.iommu_group);
	CHECK_EQ(dev_iommu_fwspec_get(&z->dev)->num_ids, 2);
	CHECK_EQ(dev_iommu_fwspec_get(&x->dev)->ids[0], 0x20);

	/* One domain for the stream: a mapping for x serves y too. */
	buf = kernel_alloc_pages(platform_kernel(p), 2 * 4096);
	REQUIRE(buf);
	va = phys_to_virt(platform_kernel(p), buf, 2 * 4096);
	memset(va, 0x11, 4096);
	memset(va + 4096, 0, 4096);
	d = ep_dma_map(x, buf, 2 * 4096, DMA_BIDIRECTIONAL);
	REQUIRE(d != DMA_MAPPING_ERROR);
	CHECK_EQ(ep_start_dma(y, d + 4096, d, 64), 0);
	CHECK_EQ(va[4096 + 63], 0x11);
	CHECK_EQ(ep_start_dma(z, d + 4096, d, 64), -EFAULT);	/* not its domain */
	ep_dma_unmap(x, d, 2 * 4096, DMA_BIDIRECTIONAL);

	/* Their MSIs: one DeviceID each, the RID, so distinct LPIs. */
	REQUIRE(ep_request_msi(x, 2) == 0);
	REQUIRE(ep_request_msi(y, 2) == 0);
	REQUIRE(ep_msi_lpi(x, 1, &lpi_x, &cpu_x) == 0);
	REQUIRE(ep_msi_lpi(y, 1, &lpi_y, &cpu_y) == 0);
	CHECK(lpi_x != lpi_y);
	CHECK_EQ(ep_trigger_msi(y, 1), 0);
	CHECK(machine_lpi_pending(m, cpu_y, lpi_y));
	CHECK(!machine_lpi_pending(m, cpu_x, lpi_x));
	CHECK_EQ(kernel_free_pages(platform_kernel(p), buf, 2 * 4096), 0);
	CHECK_EQ(atomic_load(&platform_kernel(p)->warnings), 0);
	platform_shutdown(p);
	machine_destroy(m);
	phys_mem_destroy(mem);
}

/* The mock driver re-routes the endpoint; removal gives the alias back. */
static void test_mock_restores_alias(void)
{
	struct platform_config pc = { .iommu = PLATFORM_IOMMU_MOCK };
	struct phys_mem *mem = phys_mem_create();
	struct dma_translator t;
	struct ep_device *x;
	struct machine *m;
	struct platform *p;

	REQUIRE(mem);
	m = board_on(mem, MACHINE_RAM_BASE);
	REQUIRE(m);
	p = platform_boot(m, &pc);
	REQUIRE(!IS_ERR(p));
	x = platform_add_ep(p, EP_X, NULL);
	REQUIRE(!IS_ERR(x));
	platform_remove_ep(x);
	machine_endpoint_translator(m, EP_X, &t);
	CHECK(t.ops != NULL);
	/* No SMMU driver: the stream's STE is not valid, DMA aborts. */
	CHECK(endpoint_dma_write(machine_endpoint(m, EP_X), 0x1000, "x", 1) < 0);
	platform_shutdown(p);
	machine_destroy(m);
	phys_mem_destroy(mem);
}

int main(void)
{
	test_borrowed_mem();
	test_shared_stream();
	test_mock_restores_alias();
	return test_done();
}
