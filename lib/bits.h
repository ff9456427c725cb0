/* SPDX-License-Identifier: MIT */
/*
 * Bit and alignment helpers named as in include/linux/bits.h, bitfield.h and
 * align.h.  Everything is a macro or static inline: these sit on hot paths
 * (descriptor encoding, TLB lookup) and must cost nothing.
 */
#ifndef IOMMUSIM_LIB_BITS_H
#define IOMMUSIM_LIB_BITS_H

#include "lib/types.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

#define BIT(n)		(1UL << (n))
#define BIT_ULL(n)	(1ULL << (n))
/* Bits h..l inclusive, h >= l. */
#define GENMASK_ULL(h, l) \
	((~0ULL << (l)) & (~0ULL >> (63 - (h))))
#define GENMASK(h, l)	((unsigned long)GENMASK_ULL(h, l))

/* Shift of the lowest set bit of a constant mask. */
#define __bf_shf(mask)	__builtin_ctzll(mask)
#define FIELD_GET(mask, reg) \
	((typeof(mask))(((reg) & (mask)) >> __bf_shf(mask)))
#define FIELD_PREP(mask, val) \
	((((typeof(mask))(val)) << __bf_shf(mask)) & (mask))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define ALIGN(x, a)		(((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

#define min(a, b)	({ typeof(a) _a = (a); typeof(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b)	({ typeof(a) _a = (a); typeof(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b)	({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b)	({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })

static inline bool is_power_of_2(u64 n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

/* Index of the lowest / highest set bit; undefined for 0, as in Linux. */
static inline unsigned int __ffs64(u64 x)
{
	return (unsigned int)__builtin_ctzll(x);
}

static inline unsigned int __fls64(u64 x)
{
	return 63u - (unsigned int)__builtin_clzll(x);
}

/* floor(log2(n)) for n > 0. */
static inline unsigned int ilog2(u64 n)
{
	return __fls64(n);
}

#endif
