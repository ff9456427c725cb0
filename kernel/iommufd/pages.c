// SPDX-License-Identifier: MIT
/*
 * The memory behind io_pagetable areas (drivers/iommu/iommufd/pages.c):
 * pinning it when a domain or an access needs it, and the files
 * IOMMU_IOAS_MAP_FILE maps.
 *
 * Linux's iopt_pages holds the user pointer (or the file) and pins pages
 * with pin_user_pages (memfd_pin_folios for a file) the first time a
 * domain must be filled; here an area pins its whole range through
 * phys_mem_pin_host, which faults the host pages in with the access asked
 * for and makes them reachable by the machine, one physical address per
 * host address.  A file is mapped MAP_SHARED into the process once, at
 * IOAS_MAP_FILE, and that mapping is the pages every area made from it
 * (IOAS_COPY included) reaches; it goes with the last such area, as the
 * file reference of iopt_pages does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#include "kernel/iommufd/iommufd-priv.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC		0x01021994	/* include/uapi/linux/magic.h */
#endif
#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC		0x958458f6
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS		1034
#define F_SEAL_WRITE		0x0008
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif

int iopt_area_pin(struct io_pagetable *iopt, struct iopt_area *area)
{
	int ret;

	if (area->pins++)
		return 0;
	/* memfd_pin_folios takes shmem and hugetlbfs files only. */
	if (area->file && !area->file->addr)
		ret = -EINVAL;
	/* pin_user_pages_remote of an mm that is gone. */
	else if (area->source && !area->source->alive(area->source))
		ret = -EFAULT;
	else
		ret = phys_mem_pin_host(iopt->k->mem, (const void *)area->user_va,
					iopt_area_length(area), area->writable,
					&area->pa);
	/*
	 * Our own mapping of the file faults only past its end, which
	 * memfd_pin_folios refuses with -EINVAL (end >= i_size).
	 */
	if (ret == -EFAULT && area->file)
		ret = -EINVAL;
	if (ret)
		area->pins--;
	return ret;
}

void iopt_area_unpin(struct io_pagetable *iopt, struct iopt_area *area)
{
	if (KWARN_ON(iopt->k, !area->pins) || --area->pins)
		return;
	phys_mem_unpin_host(iopt->k->mem, (const void *)area->user_va,
			    iopt_area_length(area), area->writable);
}

unsigned long iopt_pages_hint(unsigned long user_va,
			      const struct iopt_file *file)
{
	if (!file || !file->addr)
		return user_va;
	return file->start + (user_va - (uintptr_t)file->addr);
}

/* Whether fd is a file memfd_pin_folios would pin (shmem, hugetlbfs). */
static bool file_is_shmem(int fd)
{
	struct statfs st;

	return !fstatfs(fd, &st) && ((unsigned long)st.f_type == TMPFS_MAGIC ||
				     (unsigned long)st.f_type == HUGETLBFS_MAGIC);
}

struct iopt_file *iopt_file_get(struct kernel *k, int fd, unsigned long start,
				unsigned long length, bool writable,
				unsigned long *user_va, int *err)
{
	unsigned long start_byte = start % PAGE_SIZE, end;
	struct iopt_file *file;
	int mode, seals;

	/*
	 * fget, then the write checks of a posted fix to iopt_alloc_file_pages
	 * (not in mainline, which would pin a read-only file for write; a
	 * read-only descriptor cannot be mapped writable here), then
	 * iopt_alloc_pages'.
	 */
	mode = fcntl(fd, F_GETFL);
	if (mode < 0) {
		*err = -EBADF;
		return NULL;
	}
	if (writable && (mode & O_ACCMODE) == O_RDONLY) {
		*err = -EPERM;
		return NULL;
	}
	seals = fcntl(fd, F_GET_SEALS);
	if (writable && seals > 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) {
		*err = -EPERM;
		return NULL;
	}
	*err = -EINVAL;
	if (length > SIZE_MAX - PAGE_SIZE)
		return NULL;
	*err = -EOVERFLOW;
	if (__builtin_add_overflow(start_byte, length, &end))
		return NULL;
	*err = -ENOMEM;
	file = kzalloc(k, sizeof(*file));
	if (!file)
		return NULL;
	file->refs = 1;
	file->start = start - start_byte;
	file->len = ALIGN(end, PAGE_SIZE);
	*user_va = start_byte;
	if (file_is_shmem(fd)) {
		void *p = mmap(NULL, file->len,
			       PROT_READ | (writable ? PROT_WRITE : 0),
			       MAP_SHARED, fd, (off_t)file->start);

		if (p == MAP_FAILED) {
			kfree(file);
			return NULL;
		}
		file->addr = p;
		*user_va += (uintptr_t)p;
	}
	*err = 0;
	return file;
}

void iopt_file_put(struct iopt_file *file)
{
	if (!file || --file->refs)
		return;
	if (file->addr)
		munmap(file->addr, file->len);
	kfree(file);
}
