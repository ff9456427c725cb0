// SPDX-License-Identifier: MIT
/*
 * Binary buddy allocator over emulated RAM: see page_alloc.h.
 *
 * Buddies are found on absolute page frame numbers, so a block of order n is
 * aligned to 2^n pages in the machine's address space whatever the range's
 * base: a 64K-granule page table or a 16-table concatenated stage-2 start
 * level gets the alignment the architecture requires without asking.
 */
#include "kernel/page_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bits.h"
#include "lib/lock.h"

#define NONE	UINT32_MAX

struct page_alloc {
	struct phys_mem *mem;
	u64 base_pfn;
	u32 nr_pages;
	struct mutex lock;
	u32 free_head[PAGE_ALLOC_MAX_ORDER + 1];
	u32 *next, *prev;	/* free-list links, by page index */
	u8 *free_order;		/* order + 1 at the head of a free block, else 0 */
	u8 *used_order;		/* order + 1 at the head of an allocated block */
	u64 used_bytes;
};

static void list_push(struct page_alloc *pa, u32 idx, unsigned int order)
{
	u32 head = pa->free_head[order];

	pa->next[idx] = head;
	pa->prev[idx] = NONE;
	if (head != NONE)
		pa->prev[head] = idx;
	pa->free_head[order] = idx;
	pa->free_order[idx] = (u8)(order + 1);
}

static void list_remove(struct page_alloc *pa, u32 idx, unsigned int order)
{
	if (pa->prev[idx] != NONE)
		pa->next[pa->prev[idx]] = pa->next[idx];
	else
		pa->free_head[order] = pa->next[idx];
	if (pa->next[idx] != NONE)
		pa->prev[pa->next[idx]] = pa->prev[idx];
	pa->free_order[idx] = 0;
}

struct page_alloc *page_alloc_create(struct phys_mem *mem, phys_addr_t base,
				     u64 size)
{
	struct page_alloc *pa;
	u64 pfn, end;

	if (!base || !IS_ALIGNED(base | size, PAGE_SIZE) || !size ||
	    (size >> PAGE_SHIFT) >= NONE || !phys_ram_ptr(mem, base, size))
		return NULL;
	pa = calloc(1, sizeof(*pa));
	if (!pa)
		return NULL;
	pa->mem = mem;
	pa->base_pfn = base >> PAGE_SHIFT;
	pa->nr_pages = (u32)(size >> PAGE_SHIFT);
	pa->next = malloc(pa->nr_pages * sizeof(u32));
	pa->prev = malloc(pa->nr_pages * sizeof(u32));
	pa->free_order = calloc(pa->nr_pages, 1);
	pa->used_order = calloc(pa->nr_pages, 1);
	if (!pa->next || !pa->prev || !pa->free_order || !pa->used_order) {
		page_alloc_destroy(pa);
		return NULL;
	}
	mutex_init(&pa->lock);
	for (unsigned int o = 0; o <= PAGE_ALLOC_MAX_ORDER; o++)
		pa->free_head[o] = NONE;

	/* Carve the range into the largest aligned blocks that fit. */
	pfn = pa->base_pfn;
	end = pfn + pa->nr_pages;
	while (pfn < end) {
		unsigned int o = PAGE_ALLOC_MAX_ORDER;

		while (o && ((pfn & ((1ULL << o) - 1)) || pfn + (1ULL << o) > end))
			o--;
		list_push(pa, (u32)(pfn - pa->base_pfn), o);
		pfn += 1ULL << o;
	}
	return pa;
}

void page_alloc_destroy(struct page_alloc *pa)
{
	if (!pa)
		return;
	if (pa->next)
		mutex_destroy(&pa->lock);
	free(pa->next);
	free(pa->prev);
	free(pa->free_order);
	free(pa->used_order);
	free(pa);
}

int get_order(u64 size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size) {
		if (++order > PAGE_ALLOC_MAX_ORDER)
			return -EINVAL;
	}
	return (int)order;
}

phys_addr_t alloc_pages(struct page_alloc *pa, unsigned int order)
{
	unsigned int o;
	u32 idx;
	phys_addr_t addr;

	if (order > PAGE_ALLOC_MAX_ORDER)
		return 0;
	mutex_lock(&pa->lock);
	for (o = order; o <= PAGE_ALLOC_MAX_ORDER; o++)
		if (pa->free_head[o] != NONE)
			break;
	if (o > PAGE_ALLOC_MAX_ORDER) {
		mutex_unlock(&pa->lock);
		return 0;
	}
	idx = pa->free_head[o];
	list_remove(pa, idx, o);
	/* Split, giving back the upper halves. */
	while (o > order) {
		o--;
		list_push(pa, idx + (1u << o), o);
	}
	pa->used_order[idx] = (u8)(order + 1);
	pa->used_bytes += PAGE_SIZE << order;
	mutex_unlock(&pa->lock);

	addr = (pa->base_pfn + idx) << PAGE_SHIFT;
	memset(phys_ram_ptr(pa->mem, addr, PAGE_SIZE << order), 0,
	       PAGE_SIZE << order);
	return addr;
}

int free_pages(struct page_alloc *pa, phys_addr_t addr, unsigned int order)
{
	u64 pfn = addr >> PAGE_SHIFT;
	u32 idx;

	if (order > PAGE_ALLOC_MAX_ORDER || !IS_ALIGNED(addr, PAGE_SIZE << order) ||
	    pfn < pa->base_pfn || pfn - pa->base_pfn >= pa->nr_pages)
		return -EINVAL;
	idx = (u32)(pfn - pa->base_pfn);
	mutex_lock(&pa->lock);
	if (pa->used_order[idx] != order + 1) {
		mutex_unlock(&pa->lock);
		return -EINVAL;
	}
	pa->used_order[idx] = 0;
	pa->used_bytes -= PAGE_SIZE << order;
	while (order < PAGE_ALLOC_MAX_ORDER) {
		u64 buddy_pfn = pfn ^ (1ULL << order);
		u32 b;

		if (buddy_pfn < pa->base_pfn ||
		    buddy_pfn - pa->base_pfn >= pa->nr_pages)
			break;
		b = (u32)(buddy_pfn - pa->base_pfn);
		if (pa->free_order[b] != order + 1)
			break;
		list_remove(pa, b, order);
		pfn &= ~(1ULL << order);
		order++;
	}
	list_push(pa, (u32)(pfn - pa->base_pfn), order);
	mutex_unlock(&pa->lock);
	return 0;
}

u64 page_alloc_used_bytes(struct page_alloc *pa)
{
	u64 used;

	mutex_lock(&pa->lock);
	used = pa->used_bytes;
	mutex_unlock(&pa->lock);
	return used;
}

/*
 * Every page in exactly one block, free or allocated; each free block on
 * the list of its order, aligned, with sound links and no free buddy of
 * its own order left unmerged; used_bytes the sum of the allocated blocks.
 */
int page_alloc_check(struct page_alloc *pa)
{
	u8 *seen = calloc(pa->nr_pages ? pa->nr_pages : 1, 1);
	u64 used = 0;
	int ret = 0;

#define PA_BROKEN(...)	do { fprintf(stderr, "page_alloc_check: " __VA_ARGS__); \
			     fputc('\n', stderr); ret = -EUCLEAN; goto out; } while (0)
	if (!seen)
		return -ENOMEM;
	mutex_lock(&pa->lock);
	for (unsigned int o = 0; o <= PAGE_ALLOC_MAX_ORDER; o++) {
		u32 prev = NONE;

		for (u32 i = pa->free_head[o], n = 0; i != NONE; prev = i, i = pa->next[i]) {
			u64 pfn = pa->base_pfn + i;

			if (i >= pa->nr_pages || ++n > pa->nr_pages)
				PA_BROKEN("order %u list runs out of range or loops", o);
			if (pa->prev[i] != prev || pa->free_order[i] != o + 1 || pa->used_order[i])
				PA_BROKEN("free block %#llx: bad links or order marks",
					  (unsigned long long)pfn);
			if ((pfn & ((1ULL << o) - 1)) || i + (1ULL << o) > pa->nr_pages)
				PA_BROKEN("free block %#llx order %u misaligned or past the end",
					  (unsigned long long)pfn, o);
			if (o < PAGE_ALLOC_MAX_ORDER) {
				u64 b = pfn ^ (1ULL << o);

				if (b >= pa->base_pfn && b - pa->base_pfn < pa->nr_pages &&
				    pa->free_order[b - pa->base_pfn] == o + 1)
					PA_BROKEN("free block %#llx and its buddy not merged",
						  (unsigned long long)pfn);
			}
			for (u64 p = i; p < i + (1ULL << o); p++)
				if (seen[p]++)
					PA_BROKEN("page %#llx in two blocks",
						  (unsigned long long)(pa->base_pfn + p));
		}
	}
	for (u32 i = 0; i < pa->nr_pages; i++) {
		unsigned int o;

		if (!pa->used_order[i])
			continue;
		o = pa->used_order[i] - 1u;
		if (pa->free_order[i] || i + (1ULL << o) > pa->nr_pages)
			PA_BROKEN("allocated block %#llx: bad marks",
				  (unsigned long long)(pa->base_pfn + i));
		used += PAGE_SIZE << o;
		for (u64 p = i; p < i + (1ULL << o); p++)
			if (seen[p]++)
				PA_BROKEN("page %#llx in two blocks",
					  (unsigned long long)(pa->base_pfn + p));
	}
	for (u32 i = 0; i < pa->nr_pages; i++)
		if (!seen[i])
			PA_BROKEN("page %#llx in no block", (unsigned long long)(pa->base_pfn + i));
	if (used != pa->used_bytes)
		PA_BROKEN("used_bytes %llu, blocks hold %llu",
			  (unsigned long long)pa->used_bytes, (unsigned long long)used);
#undef PA_BROKEN
out:
	mutex_unlock(&pa->lock);
	free(seen);
	return ret;
}
