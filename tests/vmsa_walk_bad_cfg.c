// SPDX-License-Identifier: MIT
/*
 * hw/vmsa-walk given configurations no legal STE/CD/TCR produces (a guest
 * writes those fields): every one must end in a translation fault at level
 * 0, with no undefined behaviour on the way (this file runs under UBSan).
 * Found by fuzz/walk.c: oa_bits beyond 63 was used as a shift count before
 * it was checked.
 */
#include <string.h>

#include "hw/vmsa-walk.h"
#include "tests/test.h"

static int fetch_zero(void *opaque, phys_addr_t addr, u64 *desc, struct vmsa_fault *f)
{
	(void)opaque;
	(void)addr;
	(void)f;
	*desc = 0;
	return 0;
}

static void expect_level0_fault(u8 g, s8 level, u8 ia_bits, u8 oa_bits)
{
	struct vmsa_walk_cfg c = {
		.stage = 1, .granule_shift = g, .start_level = level,
		.ia_bits = ia_bits, .oa_bits = oa_bits, .fetch = fetch_zero,
	};
	struct vmsa_walk_result r;
	struct vmsa_fault f;

	memset(&f, 0, sizeof(f));
	CHECK_EQ(vmsa_walk(&c, 0x1000, &r, &f), -1);
	CHECK_EQ(f.type, VMSA_F_TRANSLATION);
	CHECK_EQ(f.level, 0);
}

int main(void)
{
	expect_level0_fault(12, 0, 48, 255);	/* the fuzzer's input: shift by 255 */
	expect_level0_fault(12, 0, 48, 64);
	expect_level0_fault(12, 0, 48, 53);
	expect_level0_fault(13, 0, 48, 48);	/* no such granule */
	expect_level0_fault(12, 4, 48, 48);	/* no such level */
	expect_level0_fault(12, -1, 48, 48);
	expect_level0_fault(16, 0, 255, 48);	/* input size beyond 52 */
	expect_level0_fault(12, 0, 30, 48);	/* nothing left to resolve at level 0 */
	return test_done();
}
