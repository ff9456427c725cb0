/* SPDX-License-Identifier: MIT */
/*
 * The kernel's allocator of machine memory: a binary buddy allocator over
 * a range of emulated RAM, handing out naturally aligned, zeroed blocks of
 * 2^order 4K pages.  Page-table pages, stream tables, command queues, ITS
 * tables and coherent DMA buffers come from here, so the hardware model
 * finds them in machine memory exactly where the kernel put them.
 *
 * Block metadata lives out of band, in host arrays, so free memory is never
 * touched (and stays sparse) until it is handed out.
 */
#ifndef IOMMUSIM_KERNEL_PAGE_ALLOC_H
#define IOMMUSIM_KERNEL_PAGE_ALLOC_H

#include "hw/memory.h"
#include "lib/types.h"

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_ALLOC_MAX_ORDER	12	/* 16 MiB: a 2^16-entry linear stream table fits */

struct page_alloc;

/* base and size must be 4K aligned and lie in RAM of mem; NULL on error. */
struct page_alloc *page_alloc_create(struct phys_mem *mem, phys_addr_t base,
				     u64 size);
void page_alloc_destroy(struct page_alloc *pa);

/* A zeroed block of 2^order pages aligned to its size, or 0 when none is
 * free (RAM never starts at address 0, so 0 is never a valid block). */
phys_addr_t alloc_pages(struct page_alloc *pa, unsigned int order);
/* Returns -EINVAL, and changes nothing, for a block that was not allocated
 * with exactly this order: a double free is caught, not absorbed. */
int free_pages(struct page_alloc *pa, phys_addr_t addr, unsigned int order);

/* Smallest order whose block holds size bytes, or -EINVAL past the maximum. */
int get_order(u64 size);

u64 page_alloc_used_bytes(struct page_alloc *pa);

/* Invariant check for tests: 0, or -EUCLEAN after printing what broke. */
int page_alloc_check(struct page_alloc *pa);

#endif
