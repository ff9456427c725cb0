/* SPDX-License-Identifier: MIT */
/*
 * What iova.c (the tree) and iova_rcache.c (the range caches) share and
 * nobody else should call.
 */
#ifndef IOMMUSIM_KERNEL_IOVA_PRIV_H
#define IOMMUSIM_KERNEL_IOVA_PRIV_H

#include "kernel/iova.h"

/* The anchor sits above the top of any usable space. */
#define IOVA_ANCHOR	(~0UL)

void *iova_zalloc_at(struct iova_domain *iovad, size_t size, const char *file,
		     int line, const char *func);
/* The caller's site is what --fail-nth names. */
#define iova_zalloc(iovad, size)					\
	iova_zalloc_at((iovad), (size), __FILE__, __LINE__, __func__)

/* Highest pfn whose byte address fits 64 bits (and stays under the anchor). */
static inline unsigned long iova_max_pfn(const struct iova_domain *iovad)
{
	return min(~0UL >> iova_shift(iovad), IOVA_ANCHOR - 1);
}

/* On the fast path: keep it inline. */
static inline unsigned long iova_clamp_limit(const struct iova_domain *iovad,
					     unsigned long limit_pfn)
{
	return min(limit_pfn, iova_max_pfn(iovad));
}

/* These three need iova_rbtree_lock held. */
struct iova *iova_find_locked(struct iova_domain *iovad, unsigned long pfn);
void iova_unlink_locked(struct iova_domain *iovad, struct iova *iova);
void iova_free_pfn_locked(struct iova_domain *iovad, unsigned long pfn);

bool iova_is_range_start(struct iova_domain *iovad, unsigned long pfn);
void iova_free_rcaches(struct iova_domain *iovad);
int iova_rcache_check(struct iova_domain *iovad);

#endif
