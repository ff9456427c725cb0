// SPDX-License-Identifier: MIT
/*
 * The program's address space, as the shim interposes it: mmap and munmap.
 *
 * Two things differ from libc.  MAP_HUGETLB of anonymous memory is served
 * with ordinary pages whatever the host's hugetlbfs pool holds (below).
 * And memory a device has pinned outlives the program's munmap, as Linux's
 * pins keep pages alive: the device reaches a program's pages through
 * their host address (the machine's host window, hw/memory.h), so the
 * machine keeps such pages mapped until their last unpin
 * (phys_mem_unmap_host), and a MAP_FIXED mapping over them makes them the
 * program's again (phys_mem_map_over_host).  What the shim does not see -
 * glibc's internal munmap, raw system calls, mremap - is not covered
 * (docs/preload.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "hw/memory.h"
#include "preload/preload.h"

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);

/*
 * MAP_HUGETLB of anonymous memory (the default huge page size, or
 * MAP_HUGE_2MB) is served whatever the host's hugetlbfs pool holds: an
 * ordinary anonymous mapping, 2 MiB aligned and rounded up to 2 MiB as a
 * huge page mapping is, with MADV_HUGEPAGE as a hint.  iommufd then sees
 * what it would see of a huge page: 2 MiB-aligned, contiguous physical
 * memory (the host window keeps host contiguity), mapped with block
 * IOPTEs unless IOMMU_OPTION_HUGE_PAGES is off.  Other sizes go to libc.
 */
#define HPAGE_SIZE	(2UL << 20)
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22	/* Linux 5.14 */
#define MADV_POPULATE_WRITE	23
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif
#define MAP_HUGE_SIZE_MASK	(0x3fU << MAP_HUGE_SHIFT)

static bool served_hugetlb(int flags)
{
	unsigned int shift = ((unsigned int)flags & MAP_HUGE_SIZE_MASK) >> MAP_HUGE_SHIFT;

	return (flags & MAP_HUGETLB) && (flags & MAP_ANONYMOUS) &&
	       (shift == 0 || shift == 21);
}

static void *hugetlb_mmap(void *addr, size_t len, int prot, int flags)
{
	size_t size = (len + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
	bool populate = flags & MAP_POPULATE;
	uintptr_t p, start;

	/* Populated after MADV_HUGEPAGE, so that THP can back it. */
	flags &= ~(MAP_HUGETLB | (int)MAP_HUGE_SIZE_MASK | MAP_POPULATE);
	if (!len || size < len) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		/* A huge page mapping starts on a huge page. */
		if ((uintptr_t)addr & (HPAGE_SIZE - 1)) {
			errno = EINVAL;
			return MAP_FAILED;
		}
		p = (uintptr_t)libc()->mmap(addr, size, prot, flags, -1, 0);
		start = p;
		goto out;
	}
	/* Over-allocate, keep the aligned middle. */
	p = (uintptr_t)libc()->mmap(NULL, size + HPAGE_SIZE, prot, flags, -1, 0);
	if ((void *)p == MAP_FAILED)
		return MAP_FAILED;
	start = (p + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
	if (start > p)
		libc()->munmap((void *)p, start - p);
	if (start + size < p + size + HPAGE_SIZE)
		libc()->munmap((void *)(start + size), p + size + HPAGE_SIZE - start - size);
out:
	if ((void *)p == MAP_FAILED)
		return MAP_FAILED;
	madvise((void *)start, size, MADV_HUGEPAGE);
	if (populate && (prot & PROT_WRITE))
		madvise((void *)start, size, MADV_POPULATE_WRITE);
	else if (populate)
		madvise((void *)start, size, MADV_POPULATE_READ);
	return (void *)start;
}

struct mmap_args {
	void *addr;
	size_t len;
	int prot, flags, fd;
	off_t off;
};

static void *do_mmap(void *arg)
{
	struct mmap_args *a = arg;

	if (served_hugetlb(a->flags))
		return hugetlb_mmap(a->addr, a->len, a->prot, a->flags);
	return libc()->mmap(a->addr, a->len, a->prot, a->flags, a->fd, a->off);
}

/*
 * MAP_FIXED over pages munmap() kept for a device (below) makes them the
 * program's again: their last unpin must not unmap the new mapping.
 */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct mmap_args a = { addr, len, prot, flags, fd, off };
	struct phys_mem *mem;
	size_t size = len;
	void *p;

	if (!(flags & MAP_FIXED) || !(mem = preload_host_mem()))
		return do_mmap(&a);
	/* A served huge page mapping covers whole 2 MiB pages. */
	if (served_hugetlb(flags) && len <= SIZE_MAX - HPAGE_SIZE)
		size = (len + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
	shim_call_begin();
	p = phys_mem_map_over_host(mem, addr, size, do_mmap, &a);
	shim_call_end();
	return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

/*
 * Linux keeps pages pinned for a device alive after the program unmaps
 * them, and the device reaches them here through their address: so the
 * machine keeps pinned pages mapped until their last unpin
 * (phys_mem_unmap_host).  A call for fork(): the child never inherits the
 * pin table's lock held.  Before the machine exists nothing is pinned.
 */
int munmap(void *addr, size_t len)
{
	struct phys_mem *mem = preload_host_mem();
	int ret;

	if (!mem)
		return libc()->munmap(addr, len);
	shim_call_begin();
	ret = phys_mem_unmap_host(mem, addr, len);
	shim_call_end();
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
}
