/*
 * What iova.c (the tree) and iova_rcache.c (the range caches) share and
 * nobody else should call.
 */
#ifndef IOMMUSIM_KERNEL_IOVA_PRIV_H
#define IOMMUSIM_KERNEL_IOVA_PRIV_H

#include "kernel/iova.h"

void *iova_zalloc(struct iova_domain *iovad, size_t size);
unsigned long iova_clamp_limit(const struct iova_domain *iovad,
			       unsigned long limit_pfn);

/* These three need iova_rbtree_lock held. */
struct iova *private_find_iova(struct iova_domain *iovad, unsigned long pfn);
void remove_iova(struct iova_domain *iovad, struct iova *iova);
void iova_free_pfn_locked(struct iova_domain *iovad, unsigned long pfn);

bool iova_is_range_start(struct iova_domain *iovad, unsigned long pfn);
void iova_free_rcaches(struct iova_domain *iovad);
int iova_rcache_check(struct iova_domain *iovad);

#endif
