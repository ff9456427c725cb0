/* SPDX-License-Identifier: MIT */
/*
 * Fixed-width types with the kernel's names, so code ported in thought from
 * drivers/iommu reads the same here.  phys_addr_t is a machine (emulated)
 * physical address; dma_addr_t is an address as a device issues it (an IOVA
 * when an IOMMU sits in between).
 */
#ifndef IOMMUSIM_LIB_TYPES_H
#define IOMMUSIM_LIB_TYPES_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 phys_addr_t;
typedef u64 dma_addr_t;

#endif
