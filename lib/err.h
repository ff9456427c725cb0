/* SPDX-License-Identifier: MIT */
/*
 * Error values carried in pointers, as include/linux/err.h: the top 4095
 * addresses are never valid objects, so an allocator can return either an
 * object or -errno through one pointer.
 */
#ifndef IOMMUSIM_LIB_ERR_H
#define IOMMUSIM_LIB_ERR_H

#include "lib/bits.h"

#define MAX_ERRNO	4095

#define IS_ERR_VALUE(x)	unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return unlikely(!ptr) || IS_ERR_VALUE((unsigned long)ptr);
}

static inline void *ERR_CAST(const void *ptr)
{
	return (void *)ptr;
}

#endif
