// SPDX-License-Identifier: MIT
/*
 * User memory that devices can reach: anonymous mmap()s served from a RAM
 * region of the emulated machine.
 *
 * The kernel's IOMMU_IOAS_MAP pins the pages behind a user address and
 * maps their physical addresses; a device's DMA then lands in the very
 * pages the program reads.  In-process, "physical" means RAM of the
 * emulated machine, so the shim makes the program's anonymous mappings
 * machine RAM: a 4G window at USER_RAM_BASE (preload.c) is added to the
 * machine, and each mmap(MAP_ANONYMOUS, PROT_READ|PROT_WRITE) without
 * MAP_FIXED takes pages from it.  iommufd then finds the physical address
 * of a mapped buffer (phys_ram_virt_to_phys) and DMA through the IOMMU
 * reaches the program's bytes.
 *
 * A bitmap of pages, first fit from a moving hint, under one mutex.
 * munmap gives pages back as fresh zero pages, mremap moves within the
 * window.  Any protection is served (a PROT_NONE reservation later filled
 * with MAP_FIXED, as QEMU maps guest RAM, stays in the window: MAP_FIXED
 * replaces pages but not the addresses the machine reaches them by).  File
 * mappings, MAP_FIXED outside the window, huge pages and a full window are
 * libc's mmap, as before.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hw/memory.h"
#include "preload/preload.h"

#define PG_SHIFT	12
#define PG_SIZE		(1UL << PG_SHIFT)
#define BITS		64

struct usermem {
	pthread_mutex_t lock;
	uint8_t *base;			/* host address of the window */
	unsigned long nr_pages;
	unsigned long hint;		/* where the next search starts */
	uint64_t *used;			/* one bit per page */
};

static bool page_used(struct usermem *u, unsigned long pg)
{
	return u->used[pg / BITS] & (1ULL << (pg % BITS));
}

static void mark(struct usermem *u, unsigned long pg, unsigned long n, bool used)
{
	for (unsigned long i = pg; i < pg + n; i++) {
		if (used)
			u->used[i / BITS] |= 1ULL << (i % BITS);
		else
			u->used[i / BITS] &= ~(1ULL << (i % BITS));
	}
}

/* First fit of n free pages from start; nr_pages when none. */
static unsigned long find_free(struct usermem *u, unsigned long start,
			       unsigned long end, unsigned long n)
{
	unsigned long run = 0;

	for (unsigned long pg = start; pg < end; pg++) {
		if (!(pg % BITS) && u->used[pg / BITS] == ~0ULL) {
			run = 0;
			pg += BITS - 1;
			continue;
		}
		run = page_used(u, pg) ? 0 : run + 1;
		if (run == n)
			return pg + 1 - n;
	}
	return u->nr_pages;
}

struct usermem *usermem_create(struct phys_mem *mem, unsigned long long base,
			       unsigned long long size)
{
	struct usermem *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->nr_pages = size >> PG_SHIFT;
	u->used = calloc((u->nr_pages + BITS - 1) / BITS, sizeof(*u->used));
	if (!u->used || phys_mem_add_ram(mem, base, size, "user"))
		goto err;
	u->base = phys_ram_ptr(mem, base, size);
	if (!u->base)
		goto err;
	pthread_mutex_init(&u->lock, NULL);
	return u;
err:
	free(u->used);
	free(u);
	return NULL;
}

/* The window itself goes with the machine's phys_mem. */
void usermem_destroy(struct usermem *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u->used);
	free(u);
}

bool usermem_contains(struct usermem *u, const void *p)
{
	const uint8_t *b = p;

	return u && b >= u->base && b < u->base + (u->nr_pages << PG_SHIFT);
}

void *usermem_alloc(struct usermem *u, size_t len)
{
	unsigned long n = (len + PG_SIZE - 1) >> PG_SHIFT, pg;

	if (!n || n > u->nr_pages)
		return NULL;
	pthread_mutex_lock(&u->lock);
	pg = find_free(u, u->hint, u->nr_pages, n);
	if (pg == u->nr_pages)
		pg = find_free(u, 0, u->nr_pages, n);
	if (pg != u->nr_pages) {
		mark(u, pg, n, true);
		u->hint = pg + n;
	}
	pthread_mutex_unlock(&u->lock);
	return pg == u->nr_pages ? NULL : u->base + (pg << PG_SHIFT);
}

/* munmap of [p, p + len) inside the window: 0 or -EINVAL, as munmap. */
int usermem_free(struct usermem *u, void *p, size_t len)
{
	unsigned long pg = ((uint8_t *)p - u->base) >> PG_SHIFT;
	unsigned long n = (len + PG_SIZE - 1) >> PG_SHIFT;

	if (((uintptr_t)p & (PG_SIZE - 1)) || !len || pg + n > u->nr_pages)
		return -EINVAL;
	/*
	 * Fresh zero pages, writable for the machine, whatever the program
	 * did to the range meanwhile (mprotect, a MAP_FIXED file mapping).
	 */
	if (libc()->mmap(p, n << PG_SHIFT, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
			 -1, 0) == MAP_FAILED)
		return -ENOMEM;
	pthread_mutex_lock(&u->lock);
	mark(u, pg, n, false);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

/*
 * mremap of a mapping inside the window: shrink in place, grow in place
 * when the pages after it are free, else move (MREMAP_MAYMOVE) to a new
 * range of the window.  NULL with *err as mremap would fail.
 */
void *usermem_remap(struct usermem *u, void *p, size_t old_len, size_t new_len,
		    bool may_move, int *err)
{
	unsigned long pg = ((uint8_t *)p - u->base) >> PG_SHIFT;
	unsigned long o = (old_len + PG_SIZE - 1) >> PG_SHIFT;
	unsigned long n = (new_len + PG_SIZE - 1) >> PG_SHIFT;
	void *np;

	*err = -EINVAL;
	if (((uintptr_t)p & (PG_SIZE - 1)) || !n || pg + o > u->nr_pages)
		return NULL;
	if (n <= o) {
		if (n < o)
			usermem_free(u, (uint8_t *)p + (n << PG_SHIFT), (o - n) << PG_SHIFT);
		return p;
	}
	pthread_mutex_lock(&u->lock);
	if (pg + n <= u->nr_pages && find_free(u, pg + o, pg + n, n - o) == pg + o) {
		mark(u, pg + o, n - o, true);
		pthread_mutex_unlock(&u->lock);
		return p;
	}
	pthread_mutex_unlock(&u->lock);
	*err = -ENOMEM;
	if (!may_move || !(np = usermem_alloc(u, new_len)))
		return NULL;
	memcpy(np, p, o << PG_SHIFT);
	usermem_free(u, p, o << PG_SHIFT);
	return np;
}
