// SPDX-License-Identifier: MIT
/*
 * Pin counts of a host-memory window: see host-pins.h.
 *
 * One 64-bit atomic per page: pins in the low half, writable pins in the
 * high half, so a pin is one atomic add and a reachability test one load.
 */
#include "hw/host-pins.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22	/* Linux 5.14, include/uapi/asm-generic/mman-common.h */
#define MADV_POPULATE_WRITE	23
#endif

/* Linux 6.11 include/uapi/linux/fs.h: one mapping of /proc/PID/maps. */
struct procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
_Static_assert(sizeof(struct procmap_query) == 104, "procmap_query");
#define PROCMAP_QUERY			_IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_VMA_READABLE	0x01
#define PROCMAP_QUERY_VMA_WRITABLE	0x02
#define PROCMAP_QUERY_VMA_SHARED	0x08

#define LEAF_BITS	9		/* 512 pages: 2 MiB */
#define MID_BITS	9		/* 512 leaves: 1 GiB */
#define LEAF_PAGES	(1ULL << LEAF_BITS)
#define MID_PAGES	(1ULL << (LEAF_BITS + MID_BITS))
#define PIN_ONE		1ULL
#define PIN_WRITABLE	(1ULL << 32)
#define PIN_MASK	0xffffffffULL

struct pin_leaf {
	_Atomic uint64_t count[LEAF_PAGES];
	uint64_t unmapped[LEAF_PAGES / 64];	/* pinned pages the program unmapped */
};

struct pin_mid {
	struct pin_leaf *_Atomic leaf[1 << MID_BITS];
};

struct host_pins {
	/*
	 * Adding nodes, counting, and the program's munmap of pinned memory
	 * (host_pins_unmap): pinning and unmapping are ordered by it, as
	 * Linux orders pin_user_pages and munmap by mmap_lock.
	 */
	pthread_mutex_t lock;
	uintptr_t base;			/* host address of page 0 */
	uint64_t nr_pages;
	/*
	 * Page pins held, and how many there may be: the host's physical
	 * pages.  Pinning makes pages resident, so a program cannot pin more
	 * than the machine has (Linux's pin_user_pages fails with -ENOMEM
	 * first); without the bound a huge MAP_NORESERVE area would cost 4K
	 * of counts per 2M here before anything failed.
	 */
	uint64_t pinned, pin_limit;
	uint64_t nr_unmapped;		/* pages marked in the leaves' unmapped[] */
	uint64_t nr_top;
	struct pin_mid *_Atomic top[];
};

struct host_pins *host_pins_create(uintptr_t base, uint64_t nr_pages)
{
	uint64_t nr_top = (nr_pages + MID_PAGES - 1) / MID_PAGES;
	struct host_pins *t;

	if (!nr_pages)
		return NULL;
	t = calloc(1, sizeof(*t) + nr_top * sizeof(t->top[0]));
	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->base = base;
	t->nr_pages = nr_pages;
	t->pin_limit = sysconf(_SC_PHYS_PAGES) > 0 ? (uint64_t)sysconf(_SC_PHYS_PAGES) : UINT64_MAX;
	t->nr_top = nr_top;
	return t;
}

void host_pins_destroy(struct host_pins *t)
{
	if (!t)
		return;
	for (uint64_t i = 0; i < t->nr_top; i++) {
		struct pin_mid *mid = atomic_load_explicit(&t->top[i],
							   memory_order_relaxed);

		if (!mid)
			continue;
		for (unsigned int j = 0; j < (1U << MID_BITS); j++)
			free(atomic_load_explicit(&mid->leaf[j], memory_order_relaxed));
		free(mid);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* The leaf holding page pg, made when make is set (under t->lock). */
static struct pin_leaf *leaf_of(struct host_pins *t, uint64_t pg, bool make)
{
	struct pin_mid *mid;
	struct pin_leaf *leaf;
	uint64_t ti = pg / MID_PAGES;
	unsigned int mi = (pg / LEAF_PAGES) & ((1U << MID_BITS) - 1);

	mid = atomic_load_explicit(&t->top[ti], memory_order_acquire);
	if (!mid) {
		if (!make || !(mid = calloc(1, sizeof(*mid))))
			return NULL;
		atomic_store_explicit(&t->top[ti], mid, memory_order_release);
	}
	leaf = atomic_load_explicit(&mid->leaf[mi], memory_order_acquire);
	if (!leaf) {
		if (!make || !(leaf = calloc(1, sizeof(*leaf))))
			return NULL;
		atomic_store_explicit(&mid->leaf[mi], leaf, memory_order_release);
	}
	return leaf;
}

/*
 * Adds delta (two's complement to remove) to each page of the range.
 * Writers hold t->lock, so a load and a store suffice (no locked
 * read-modify-write per page); readers see each count whole.
 */
static void add_range(struct host_pins *t, uint64_t first, uint64_t n,
		      uint64_t delta)
{
	for (uint64_t pg = first; pg < first + n; ) {
		struct pin_leaf *leaf = leaf_of(t, pg, false);
		uint64_t end = (pg | (LEAF_PAGES - 1)) + 1;

		if (end > first + n)
			end = first + n;
		for (; pg < end; pg++) {
			_Atomic uint64_t *c = &leaf->count[pg % LEAF_PAGES];

			atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) +
					      delta, memory_order_release);
		}
	}
}

static int host_pins_check(uintptr_t start, size_t len, bool writable);

static bool page_unmapped(const struct pin_leaf *leaf, uint64_t pg)
{
	unsigned int i = pg % LEAF_PAGES;

	return leaf && (leaf->unmapped[i / 64] >> (i % 64) & 1);
}

/* Whether any page of the range is one the program unmapped (lock held). */
static bool any_unmapped(struct host_pins *t, uint64_t first, uint64_t n)
{
	if (!t->nr_unmapped)
		return false;
	for (uint64_t pg = first; pg < first + n; pg++)
		if (page_unmapped(leaf_of(t, pg, false), pg))
			return true;
	return false;
}

int host_pins_get(struct host_pins *t, uint64_t first, uint64_t n,
		  bool writable)
{
	uintptr_t start = t->base + first * 4096;
	int ret;

	if (first > t->nr_pages || n > t->nr_pages - first)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	/* What the program unmapped is gone to it, though still pinned. */
	ret = any_unmapped(t, first, n) ? -EFAULT :
	      host_pins_check(start, n * 4096, writable);
	if (!ret && n > t->pin_limit - t->pinned)
		ret = -ENOMEM;
	/* Every leaf first, so a failure leaves no pin behind. */
	for (uint64_t pg = first; !ret && pg < first + n;
	     pg = (pg | (LEAF_PAGES - 1)) + 1)
		if (!leaf_of(t, pg, true))
			ret = -ENOMEM;
	if (!ret) {
		add_range(t, first, n, PIN_ONE | (writable ? PIN_WRITABLE : 0));
		t->pinned += n;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* munmap without the LD_PRELOAD shim's interposer (which calls us). */
static void unmap_pages(struct host_pins *t, uint64_t first, uint64_t n)
{
	if (n)
		syscall(SYS_munmap, (void *)(t->base + first * 4096), n * 4096);
}

void host_pins_put(struct host_pins *t, uint64_t first, uint64_t n,
		   bool writable)
{
	uint64_t run = 0, pg;

	pthread_mutex_lock(&t->lock);
	add_range(t, first, n, -(PIN_ONE | (writable ? PIN_WRITABLE : 0)));
	t->pinned -= n;
	/* The last pin of a page the program unmapped: unmap it now. */
	for (pg = first; t->nr_unmapped && pg < first + n; pg++) {
		struct pin_leaf *leaf = leaf_of(t, pg, false);
		unsigned int i = pg % LEAF_PAGES;

		if (page_unmapped(leaf, pg) &&
		    !(atomic_load_explicit(&leaf->count[i], memory_order_relaxed) & PIN_MASK)) {
			leaf->unmapped[i / 64] &= ~(1ULL << (i % 64));
			t->nr_unmapped--;
			run++;
			continue;
		}
		unmap_pages(t, pg - run, run);
		run = 0;
	}
	unmap_pages(t, pg - run, run);
	pthread_mutex_unlock(&t->lock);
}

void *host_pins_map_over(struct host_pins *t, uint64_t first, uint64_t n,
			 void *(*map)(void *arg), void *arg)
{
	void *p;

	if (first > t->nr_pages || n > t->nr_pages - first)
		return map(arg);
	pthread_mutex_lock(&t->lock);
	p = map(arg);
	if (p != MAP_FAILED) {
		for (uint64_t pg = first; pg < first + n; pg++) {
			struct pin_leaf *leaf = leaf_of(t, pg, false);
			unsigned int i = pg % LEAF_PAGES;

			if (!leaf) {
				pg |= LEAF_PAGES - 1;
			} else if (page_unmapped(leaf, pg)) {
				leaf->unmapped[i / 64] &= ~(1ULL << (i % 64));
				t->nr_unmapped--;
			}
		}
	}
	pthread_mutex_unlock(&t->lock);
	return p;
}

int host_pins_unmap(struct host_pins *t, uint64_t first, uint64_t n)
{
	uint64_t run = 0;
	bool pinned = false;

	if (first > t->nr_pages || n > t->nr_pages - first)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	for (uint64_t pg = first; pg < first + n && !pinned; pg++) {
		struct pin_leaf *leaf;

		/* Nothing of a GiB, or of 2 MiB, without counts is pinned. */
		if (!atomic_load_explicit(&t->top[pg / MID_PAGES], memory_order_relaxed))
			pg |= MID_PAGES - 1;
		else if (!(leaf = leaf_of(t, pg, false)))
			pg |= LEAF_PAGES - 1;
		else
			pinned = atomic_load_explicit(&leaf->count[pg % LEAF_PAGES],
						      memory_order_relaxed) & PIN_MASK;
	}
	if (!pinned) {
		/* Under the lock: a pin must not come between check and munmap. */
		int ret = syscall(SYS_munmap, (void *)(t->base + first * 4096),
				  n * 4096) ? -errno : 0;

		pthread_mutex_unlock(&t->lock);
		return ret;
	}
	/* Pinned pages stay mapped, marked; the rest go now. */
	for (uint64_t pg = first; pg < first + n; pg++) {
		struct pin_leaf *leaf = leaf_of(t, pg, false);
		unsigned int i = pg % LEAF_PAGES;

		if (leaf && (atomic_load_explicit(&leaf->count[i], memory_order_relaxed) &
			     PIN_MASK)) {
			if (!page_unmapped(leaf, pg)) {
				leaf->unmapped[i / 64] |= 1ULL << (i % 64);
				t->nr_unmapped++;
			}
			unmap_pages(t, pg - run, run);
			run = 0;
		} else {
			run++;
		}
	}
	unmap_pages(t, first + n - run, run);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int populate(uintptr_t start, size_t len, bool writable)
{
	return madvise((void *)start, len, writable ? MADV_POPULATE_WRITE :
			MADV_POPULATE_READ) ? -EFAULT : 0;
}

/*
 * pin_user_pages' checks on host memory [start, start + len) (page
 * aligned): 0 when every page is mapped, readable and (if writable)
 * writable, else -EFAULT.  Anonymous memory is checked on the mappings
 * (PROCMAP_QUERY, one ioctl per mapping); file-backed memory, and any
 * memory where that ioctl is missing (Linux before 6.11), is faulted in
 * with MADV_POPULATE_READ/WRITE, which also catches pages past a file's
 * end that a device's access would take a SIGBUS on.
 */
static int host_pins_check(uintptr_t start, size_t len, bool writable)
{
	uint64_t need = PROCMAP_QUERY_VMA_READABLE |
			(writable ? PROCMAP_QUERY_VMA_WRITABLE : 0);
	uintptr_t end = start + len;
	int fd, ret = 0;

	/*
	 * Opened per check: a descriptor kept open would be one the program
	 * sees appear (and a fork()ed child would share the parent's maps).
	 * Raw system calls: a library interposing open/close/ioctl (the
	 * LD_PRELOAD shim) must not see its own machine's calls.
	 */
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return populate(start, len, writable);
	while (start < end && !ret) {
		struct procmap_query q = { .size = sizeof(q), .query_addr = start };
		uintptr_t stop;

		if (syscall(SYS_ioctl, fd, PROCMAP_QUERY, &q)) {
			/* ENOENT: a hole; else no PROCMAP_QUERY (before 6.11). */
			ret = errno == ENOENT ? -EFAULT :
			      populate(start, end - start, writable);
			break;
		}
		if ((q.vma_flags & need) != need) {
			ret = -EFAULT;
			break;
		}
		stop = q.vma_end < end ? q.vma_end : end;
		if (q.inode)
			ret = populate(start, stop - start, writable);
		start = stop;
	}
	syscall(SYS_close, fd);
	return ret;
}

void host_pins_page_id(uintptr_t p, uint64_t *dev, uint64_t *ino, uint64_t *off)
{
	struct procmap_query q = { .size = sizeof(q), .query_addr = p };
	int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps",
			      O_RDONLY | O_CLOEXEC);

	*dev = *ino = 0;
	*off = p;
	if (fd < 0)
		return;
	if (!syscall(SYS_ioctl, fd, PROCMAP_QUERY, &q) &&
	    (q.vma_flags & PROCMAP_QUERY_VMA_SHARED) && q.inode) {
		*dev = ((uint64_t)q.dev_major << 32) | q.dev_minor;
		*ino = q.inode;
		*off = q.vma_offset + (p - q.vma_start);
	}
	syscall(SYS_close, fd);
}

bool host_pins_reachable(struct host_pins *t, uint64_t first, uint64_t n,
			 bool write)
{
	if (first > t->nr_pages || n > t->nr_pages - first)
		return false;
	for (uint64_t pg = first; pg < first + n; pg++) {
		struct pin_leaf *leaf = leaf_of(t, pg, false);
		uint64_t v;

		if (!leaf)
			return false;
		v = atomic_load_explicit(&leaf->count[pg % LEAF_PAGES],
					 memory_order_acquire);
		if (write ? !(v >> 32) : !(v & PIN_MASK))
			return false;
	}
	return true;
}
