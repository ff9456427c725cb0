/* SPDX-License-Identifier: MIT */
/*
 * What the two halves of the Arm LPAE format share: io-pgtable-arm.c
 * (descriptors: map, unmap, lookup) and io-pgtable-arm-cfg.c (choosing
 * the geometry and the register values).  Private to them.
 */
#ifndef IOMMUSIM_KERNEL_IO_PGTABLE_ARM_H
#define IOMMUSIM_KERNEL_IO_PGTABLE_ARM_H

#include "kernel/io-pgtable.h"

#define ARM_LPAE_MAX_ADDR_BITS		52
#define ARM_LPAE_S2_MAX_CONCAT_PAGES	16
#define ARM_LPAE_MAX_LEVELS		4

typedef u64 arm_lpae_iopte;

/* Linux's MAIR layout: the stage-1 AttrIndx of each kind of memory. */
#define ARM_LPAE_MAIR_ATTR_IDX_NC	0
#define ARM_LPAE_MAIR_ATTR_IDX_CACHE	1
#define ARM_LPAE_MAIR_ATTR_IDX_DEV	2

#define SZ_4K	0x1000UL
#define SZ_16K	0x4000UL
#define SZ_64K	0x10000UL
#define SZ_2M	0x200000UL
#define SZ_32M	0x2000000UL
#define SZ_512M	0x20000000UL
#define SZ_1G	0x40000000UL

struct arm_lpae_io_pgtable {
	struct io_pgtable iop;

	int pgd_bits;
	int start_level;
	int bits_per_level;

	struct kernel *k;
	arm_lpae_iopte *pgd;
	uintptr_t lin_off;	/* host address = physical address + lin_off */
};

#define io_pgtable_to_data(x) container_of((x), struct arm_lpae_io_pgtable, iop)
#define io_pgtable_ops_to_data(x) io_pgtable_to_data(io_pgtable_ops_to_pgtable(x))

static inline size_t granule_size(const struct arm_lpae_io_pgtable *d)
{
	return 8UL << d->bits_per_level;
}

static inline size_t pgd_size(const struct arm_lpae_io_pgtable *d)
{
	return 8UL << d->pgd_bits;
}

static inline phys_addr_t table_pa(const arm_lpae_iopte *t,
				   const struct arm_lpae_io_pgtable *d)
{
	return (phys_addr_t)((uintptr_t)t - d->lin_off);
}

extern const struct io_pgtable_ops arm_lpae_ops;

/* Frees the table at lvl and every table below it. */
void arm_lpae_free_pgtable_lvl(struct arm_lpae_io_pgtable *d, int lvl,
			       arm_lpae_iopte *ptep);

#endif
