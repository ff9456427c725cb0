// SPDX-License-Identifier: MIT
/*
 * The dirty bitmap of IOMMU_HWPT_GET_DIRTY_BITMAP (Linux's
 * drivers/iommu/iommufd/iova_bitmap.c, read at torvalds/linux
 * fba27fe5aaf1): bit i of the user's array of u64 stands for the IOVA page
 * iova + i * page_size (bit i % 64 of word i / 64, little endian).  The
 * kernel only ever sets bits; clearing the array is the caller's job.
 *
 * Linux pins the user array a window at a time (512 pages of it) and
 * walks the IOVA range that window covers: a window that cannot be pinned
 * ends the walk with -EFAULT, and a dirty range that runs past the window
 * is remembered and set once the next window is pinned ("set ahead").
 * The same windows are kept here so partial failures look the same, with
 * the context's user-access check standing in for pin_user_pages
 * (FOLL_WRITE); the bits are then written straight into the program's
 * memory, as everything iommufd writes to user space (iommufd.h).
 */
#include <string.h>

#include "kernel/iommufd/iommufd-priv.h"

/* One pin of Linux's: PAGE_SIZE / sizeof(struct page *) pages. */
#define IOVA_BITMAP_WINDOW_PAGES	512UL
#define BITS_PER_BYTE			8UL

struct iova_bitmap {
	struct iommufd_ctx *ictx;
	unsigned long iova;		/* of bit 0 */
	unsigned long length;		/* bytes of IOVA */
	unsigned int pgshift;
	u8 *data;			/* the user's array */
	unsigned long bytes;		/* of the array: whole u64s */
	/* The window: bytes [win_off, win_off + win_len) of the array. */
	unsigned long win_off;
	unsigned long win_len;
	unsigned long set_ahead_iova;
	unsigned long set_ahead_length;
};

struct iova_bitmap *iova_bitmap_alloc(struct iommufd_ctx *ictx,
				      unsigned long iova, size_t length,
				      unsigned long page_size, void *data)
{
	struct iova_bitmap *bitmap = kzalloc(ictx->k, sizeof(*bitmap));
	unsigned long bits;

	if (!bitmap)
		return ERR_PTR(-ENOMEM);
	bitmap->ictx = ictx;
	bitmap->iova = iova;
	bitmap->length = length;
	bitmap->pgshift = __ffs64(page_size);
	bitmap->data = data;
	bits = ((length - 1) >> bitmap->pgshift) + 1;
	bitmap->bytes = DIV_ROUND_UP(bits, 64) * sizeof(u64);
	return bitmap;
}

void iova_bitmap_free(struct iova_bitmap *bitmap)
{
	kfree(bitmap);
}

/* The window starting at array byte off: up to the end of its 512th page. */
static int iova_bitmap_get(struct iova_bitmap *bitmap, unsigned long off)
{
	uintptr_t start = (uintptr_t)bitmap->data + off;
	uintptr_t end = (start & ~(PAGE_SIZE - 1)) +
			IOVA_BITMAP_WINDOW_PAGES * PAGE_SIZE;
	iommufd_uaccess_fn uaccess = bitmap->ictx->uaccess;

	bitmap->win_off = off;
	bitmap->win_len = min_t(unsigned long, end - start, bitmap->bytes - off);
	if (uaccess && uaccess((void *)start, bitmap->win_len, true))
		return -EFAULT;
	return 0;
}

static unsigned long bit_iova(struct iova_bitmap *bitmap, unsigned long bit)
{
	return bitmap->iova + (bit << bitmap->pgshift);
}

/*
 * Calls fn for the IOVA range each window covers, in order; stops at the
 * first error of fn or of a window (-EFAULT).
 */
int iova_bitmap_for_each(struct iova_bitmap *bitmap, void *opaque,
			 iova_bitmap_fn_t fn)
{
	unsigned long last = bitmap->iova + bitmap->length - 1;

	for (unsigned long off = 0; off < bitmap->bytes;
	     off += bitmap->win_len) {
		unsigned long start = bit_iova(bitmap, off * BITS_PER_BYTE);
		unsigned long end_bit, win_last;
		int ret;

		if (start > last)
			break;
		ret = iova_bitmap_get(bitmap, off);
		if (ret)
			return ret;
		end_bit = (off + bitmap->win_len) * BITS_PER_BYTE;
		win_last = min(last, bit_iova(bitmap, end_bit) - 1);
		if (bitmap->set_ahead_length) {
			unsigned long len = bitmap->set_ahead_length;

			bitmap->set_ahead_length = 0;
			iova_bitmap_set(bitmap, bitmap->set_ahead_iova, len);
		}
		ret = fn(bitmap, start, win_last - start + 1, opaque);
		if (ret)
			return ret;
	}
	return 0;
}

/* Bits first..last of the byte array: whole bytes with memset. */
static void set_bits(u8 *p, unsigned long first, unsigned long last)
{
	while (first <= last && (first % BITS_PER_BYTE)) {
		p[first / BITS_PER_BYTE] |= 1U << (first % BITS_PER_BYTE);
		first++;
	}
	if (first + BITS_PER_BYTE - 1 <= last) {
		unsigned long n = (last + 1 - first) / BITS_PER_BYTE;

		memset(p + first / BITS_PER_BYTE, 0xff, n);
		first += n * BITS_PER_BYTE;
	}
	for (; first <= last; first++)
		p[first / BITS_PER_BYTE] |= 1U << (first % BITS_PER_BYTE);
}

/* Sets the bits of [iova, iova + length): those in the window now. */
void iova_bitmap_set(struct iova_bitmap *bitmap, unsigned long iova,
		     size_t length)
{
	unsigned long win_first = bitmap->win_off * BITS_PER_BYTE;
	unsigned long win_last = win_first + bitmap->win_len * BITS_PER_BYTE - 1;
	unsigned long cur, last;

	if (!length || iova + length - 1 < bitmap->iova)
		return;
	cur = (max(iova, bitmap->iova) - bitmap->iova) >> bitmap->pgshift;
	last = (iova + length - 1 - bitmap->iova) >> bitmap->pgshift;
	if (cur < win_first)
		cur = win_first;
	if (last > win_last) {
		/* The rest belongs to the next window: set it when pinned. */
		bitmap->set_ahead_iova = bit_iova(bitmap, win_last + 1);
		bitmap->set_ahead_length = (last - win_last) << bitmap->pgshift;
		last = win_last;
	}
	set_bits(bitmap->data, cur, last);
}
