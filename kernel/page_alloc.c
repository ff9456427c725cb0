// SPDX-License-Identifier: MIT
/*
 * Binary buddy allocator over emulated RAM: see page_alloc.h.
 *
 * Buddies are found on absolute page frame numbers, so a block of order n is
 * aligned to 2^n pages in the machine's address space whatever the range's
 * base: a 64K-granule page table or a 16-table concatenated stage-2 start
 * level gets the alignment the architecture requires without asking.
 *
 * The top-order blocks the range starts with are not put on their list one
 * by one: they are the list's "untouched tail", a run of blocks handed out
 * from the highest down, exactly the order the list would give them in
 * (they would be pushed lowest first).  Their per-page marks and links are
 * never written, so a kernel of 512M costs the pages of metadata it uses,
 * not a page of each array per 16M (the scenario fuzz harness boots one on
 * most inputs), and page_alloc_check() does not read them either.  The
 * arrays come from mmap for that reason: zero pages until touched.
 */
#include "kernel/page_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	/*
	 * The untouched tail of the top-order list: tail_count blocks from
	 * page index tail_first up, after every block on the list proper.
	 */
	u32 tail_first, tail_count;
	u8 *free_order;		/* order + 1 at the head of a free block, else 0 */
	u8 *used_order;		/* order + 1 at the head of an allocated block */
	void *meta;		/* one mapping holds the four arrays above */
	size_t meta_size;
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
	/*
	 * Straight from mmap, not calloc: zero pages that cost nothing until
	 * touched.  calloc of the same sizes memset them whenever glibc
	 * served them from its heap, which it does once its adaptive mmap
	 * threshold has risen (after the first free of a kernel).
	 */
	pa->meta_size = (size_t)pa->nr_pages * (2 * sizeof(u32) + 2);
	pa->meta = mmap(NULL, pa->meta_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pa->meta == MAP_FAILED) {
		free(pa);
		return NULL;
	}
	pa->next = pa->meta;
	pa->prev = pa->next + pa->nr_pages;
	pa->free_order = (u8 *)(pa->prev + pa->nr_pages);
	pa->used_order = pa->free_order + pa->nr_pages;
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
		if (o < PAGE_ALLOC_MAX_ORDER)
			list_push(pa, (u32)(pfn - pa->base_pfn), o);
		else if (!pa->tail_count++)	/* top-order blocks are contiguous */
			pa->tail_first = (u32)(pfn - pa->base_pfn);
		pfn += 1ULL << o;
	}
	return pa;
}

void page_alloc_destroy(struct page_alloc *pa)
{
	if (!pa)
		return;
	mutex_destroy(&pa->lock);
	munmap(pa->meta, pa->meta_size);
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

/*
 * A block is handed out zeroed.  A large one (a stream table, an ITS
 * table) is zeroed by giving its host pages back (RAM is a private
 * anonymous mapping, hw/memory.c): they read as zero and cost nothing
 * until touched, where a memset would fault every page in - most of such
 * a table is never written.
 */
#define ZERO_BY_MADVISE	(64u << 10)

static void zero_block(void *p, size_t len)
{
	if (len >= ZERO_BY_MADVISE && !((uintptr_t)p & (PAGE_SIZE - 1)) &&
	    !madvise(p, len, MADV_DONTNEED))
		return;
	memset(p, 0, len);
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
	if (o > PAGE_ALLOC_MAX_ORDER && pa->tail_count) {
		/* The list proper is empty: the tail's highest block. */
		o = PAGE_ALLOC_MAX_ORDER;
		idx = pa->tail_first + (--pa->tail_count << PAGE_ALLOC_MAX_ORDER);
	} else if (o > PAGE_ALLOC_MAX_ORDER) {
		mutex_unlock(&pa->lock);
		return 0;
	} else {
		idx = pa->free_head[o];
		list_remove(pa, idx, o);
	}
	/* Split, giving back the upper halves. */
	while (o > order) {
		o--;
		list_push(pa, idx + (1u << o), o);
	}
	pa->used_order[idx] = (u8)(order + 1);
	pa->used_bytes += PAGE_SIZE << order;
	mutex_unlock(&pa->lock);

	addr = (pa->base_pfn + idx) << PAGE_SHIFT;
	zero_block(phys_ram_ptr(pa->mem, addr, PAGE_SIZE << order),
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
/* Whether len bytes at p are all zero: a word at a time. */
static bool all_zero(const u8 *p, size_t len)
{
	u64 acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < len; i++)
		acc |= p[i];
	return !acc;
}

/*
 * The invariants, at a cost in blocks rather than pages (kernel_destroy()
 * runs this for every kernel, over all its RAM): the blocks tile the range
 * - walked head to head, each head marked free or used with an order that
 * is aligned and fits, no mark inside a block - and the free lists hold
 * exactly the free heads, each at its order, unmerged with a free buddy.
 */
int page_alloc_check(struct page_alloc *pa)
{
	u32 free_heads[PAGE_ALLOC_MAX_ORDER + 1] = { 0 };
	u64 used = 0;
	int ret = 0;

#define PA_BROKEN(...)	do { fprintf(stderr, "page_alloc_check: " __VA_ARGS__); \
			     fputc('\n', stderr); ret = -EUCLEAN; goto out; } while (0)
	mutex_lock(&pa->lock);
	for (u32 i = 0; i < pa->nr_pages;) {
		u64 pfn = pa->base_pfn + i, n;
		unsigned int o;

		if (pa->tail_count && i == pa->tail_first) {
			/* The untouched tail: free top-order blocks, never marked. */
			i += pa->tail_count << PAGE_ALLOC_MAX_ORDER;
			continue;
		}
		if (!!pa->free_order[i] == !!pa->used_order[i])
			PA_BROKEN("page %#llx in no block, or in two",
				  (unsigned long long)pfn);
		o = (pa->free_order[i] ? pa->free_order[i] : pa->used_order[i]) - 1u;
		n = 1ULL << o;
		if (o > PAGE_ALLOC_MAX_ORDER || (pfn & (n - 1)) || i + n > pa->nr_pages)
			PA_BROKEN("block %#llx order %u misaligned or past the end",
				  (unsigned long long)pfn, o);
		if (!all_zero(pa->free_order + i + 1, n - 1) ||
		    !all_zero(pa->used_order + i + 1, n - 1))
			PA_BROKEN("block %#llx order %u: a page in two blocks",
				  (unsigned long long)pfn, o);
		if (pa->free_order[i])
			free_heads[o]++;
		else
			used += PAGE_SIZE << o;
		i += (u32)n;
	}
	if (pa->tail_count && (u64)pa->tail_first +
	    ((u64)pa->tail_count << PAGE_ALLOC_MAX_ORDER) > pa->nr_pages)
		PA_BROKEN("the untouched tail runs past the end");
	for (unsigned int o = 0; o <= PAGE_ALLOC_MAX_ORDER; o++) {
		u32 prev = NONE, n = 0;

		for (u32 i = pa->free_head[o]; i != NONE; prev = i, i = pa->next[i]) {
			u64 pfn = pa->base_pfn + i;

			if (i >= pa->nr_pages || ++n > free_heads[o])
				PA_BROKEN("order %u list runs out of range, loops or holds "
					  "more than the free blocks", o);
			if (pa->prev[i] != prev || pa->free_order[i] != o + 1)
				PA_BROKEN("free block %#llx: bad links or order marks",
					  (unsigned long long)pfn);
			if (o < PAGE_ALLOC_MAX_ORDER) {
				u64 b = pfn ^ (1ULL << o);

				if (b >= pa->base_pfn && b - pa->base_pfn < pa->nr_pages &&
				    pa->free_order[b - pa->base_pfn] == o + 1)
					PA_BROKEN("free block %#llx and its buddy not merged",
						  (unsigned long long)pfn);
			}
		}
		if (n != free_heads[o])
			PA_BROKEN("order %u list holds %u of %u free blocks", o, n,
				  free_heads[o]);
	}
	if (used != pa->used_bytes)
		PA_BROKEN("used_bytes %llu, blocks hold %llu",
			  (unsigned long long)pa->used_bytes, (unsigned long long)used);
#undef PA_BROKEN
out:
	mutex_unlock(&pa->lock);
	return ret;
}
