/* SPDX-License-Identifier: MIT */
/*
 * Register accesses of a test, as a debugger or a hand-written driver
 * makes them: one naturally aligned MMIO access on the machine's bus that
 * must not abort (REQUIRE).  Shared by the SMMU model's rig and the
 * driver tests' testbed.
 */
#ifndef IOMMUSIM_TESTS_MMIO_H
#define IOMMUSIM_TESTS_MMIO_H

#include "hw/memory.h"
#include "tests/test.h"

static inline u64 mmio_read(struct phys_mem *mem, u64 addr, unsigned int size)
{
	u64 v = 0xdeadbeef;

	REQUIRE(phys_read_val(mem, addr, size, &v, MEM_ATTRS_NONE) == 0);
	return v;
}

static inline void mmio_write(struct phys_mem *mem, u64 addr, unsigned int size,
			      u64 v)
{
	REQUIRE(phys_write_val(mem, addr, size, v, MEM_ATTRS_NONE) == 0);
}

#endif
