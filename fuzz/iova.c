// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the IOVA allocator (kernel/iova) under random
 * sequences of what dma-iommu and VFIO ask of it: tree and cached
 * allocations of any size under any limit, aligned or not, reservations of
 * any range, lookups, frees, and allocation failures injected through the
 * owning kernel's fail-nth.
 *
 * After every operation iova_domain_check() must pass, and a shadow list
 * of the ranges the harness holds must agree with the allocator: nothing
 * handed out twice, every range inside [start_pfn, limit] and aligned when
 * asked, find_iova() finding each held range and nothing where nothing was
 * ever handed out.  Ranges freed into a cache, or merged by a reservation,
 * are no longer checked exactly (the allocator may hand the first back and
 * owns the second).
 *
 * A burst allocates hundreds of ranges of one cached size and frees them
 * all: more than a CPU slot's two magazines hold (2 x IOVA_MAG_SIZE), so
 * full magazines go to the depot, and the next burst's allocations take
 * them back out - the depot the single operations never fill.  A burst's
 * ranges are checked against the shadow and each other, then leave it:
 * freed, they sit in the caches, where no reservation may go.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "kernel/iova.h"
#include "kernel/kernel.h"

#define MAX_HELD	128
#define RAM_BASE	0x40000000ull

/*
 * HELD_MAYBE: a failed reservation, which may have stretched the ranges it
 * overlapped down over part of [lo, hi] (as Linux's reserve_iova does).
 */
enum held_kind { HELD_TREE, HELD_FAST, HELD_RESERVED, HELD_CACHED, HELD_MAYBE };

struct held {
	unsigned long lo, hi;
	unsigned long fast_size;	/* what alloc_iova_fast was asked for */
	enum held_kind kind;
	bool exact;			/* the allocator's range is exactly [lo, hi] */
};

struct fz {
	struct iova_domain iovad;
	struct held held[MAX_HELD];
	unsigned int nr;
	/* Where bursts freed ranges into the caches (no reservations there). */
	unsigned long burst_lo, burst_hi;
};

static bool overlaps(const struct held *h, unsigned long lo, unsigned long hi)
{
	return h->lo <= hi && lo <= h->hi;
}

/*
 * A new range from the allocator: it must not overlap anything we hold.
 * A range we freed with free_iova_fast() may be in a cache or back in the
 * tree (size too large, no caches, cache full, a magazine allocation that
 * failed): it may come back whole or cut up, and leaves the shadow.
 */
static void check_new(struct fz *f, unsigned long lo, unsigned long hi)
{
	for (unsigned int i = 0; i < f->nr; i++) {
		struct held *h = &f->held[i];

		if (!overlaps(h, lo, hi) || h->kind == HELD_MAYBE)
			continue;
		if (h->kind == HELD_CACHED) {
			f->held[i] = f->held[--f->nr];
			i--;
			continue;
		}
		fprintf(stderr, "range [%#lx, %#lx] handed out over held [%#lx, %#lx] kind %d\n",
			lo, hi, h->lo, h->hi, h->kind);
		FUZZ_CHECK(!"overlap");
	}
}

static void hold(struct fz *f, unsigned long lo, unsigned long hi, enum held_kind kind,
		 unsigned long fast_size)
{
	if (f->nr == MAX_HELD)
		return;
	f->held[f->nr++] = (struct held){ lo, hi, fast_size, kind, true };
}

static unsigned long pick_pfn(struct fuzz_in *in)
{
	static const u64 pfns[] = {
		0, 1, 0xfff, 0x1000, 0xfffff, 0x100000, 0x100001,	/* 4 GiB at 4K */
		0x3fffffff, ~0ull >> 12, ~0ull >> 1, ~0ull,
	};
	u8 sel = fuzz_u8(in);

	if (sel < 0x80)
		return sel;
	if (sel < 0xe0)
		return (unsigned long)FUZZ_PICK(in, pfns) - (fuzz_u8(in) & 3);
	return (unsigned long)fuzz_u64(in);
}

static unsigned long pick_size(struct fuzz_in *in)
{
	u8 sel = fuzz_u8(in);

	if (sel < 0xc0)
		return sel % 40;		/* around the cached sizes */
	if (sel < 0xf0)
		return 1ul << (sel % 24);
	return (unsigned long)fuzz_u64(in);
}

static void op_alloc(struct fz *f, struct fuzz_in *in)
{
	unsigned long size = pick_size(in), limit = pick_pfn(in);
	bool aligned = fuzz_bool(in);
	struct iova *iova = alloc_iova(&f->iovad, size, limit, aligned);

	if (!iova)
		return;
	FUZZ_CHECK(size && iova_size(iova) == size);
	FUZZ_CHECK(iova->pfn_lo >= f->iovad.start_pfn && iova->pfn_hi <= limit);
	if (aligned) {
		unsigned long align = 1;

		while (align < size)
			align <<= 1;
		FUZZ_CHECK(iova->pfn_lo % align == 0);
	}
	check_new(f, iova->pfn_lo, iova->pfn_hi);
	hold(f, iova->pfn_lo, iova->pfn_hi, HELD_TREE, 0);
}

static void op_alloc_fast(struct fz *f, struct fuzz_in *in)
{
	unsigned long size = pick_size(in), limit = pick_pfn(in), real = size;
	unsigned long pfn = alloc_iova_fast(&f->iovad, size, limit, fuzz_bool(in));

	if (!pfn)
		return;
	if (size < 32)
		while (real & (real - 1))
			real++;
	FUZZ_CHECK(size && pfn >= f->iovad.start_pfn && pfn + real - 1 <= limit);
	check_new(f, pfn, pfn + real - 1);
	hold(f, pfn, pfn + real - 1, HELD_FAST, size);
}

static void op_reserve(struct fz *f, struct fuzz_in *in)
{
	unsigned long lo = pick_pfn(in), hi = lo + pick_size(in);
	struct iova *iova;

	if (hi < lo)
		hi = ~0ul;
	/*
	 * A reservation over a range in (or headed for) a cache is not made:
	 * Linux reserves before it allocates, and a cached pfn would come back
	 * out of the cache whatever the tree says.
	 */
	for (unsigned int i = 0; i < f->nr; i++)
		if (overlaps(&f->held[i], lo, hi) &&
		    (f->held[i].kind == HELD_FAST || f->held[i].kind == HELD_CACHED))
			return;
	if (f->burst_lo <= f->burst_hi && f->burst_lo <= hi && lo <= f->burst_hi)
		return;
	/* Ranges it overlaps are merged into it (even when it fails): no longer ours. */
	for (unsigned int i = 0; i < f->nr; i++) {
		if (overlaps(&f->held[i], lo, hi) && f->held[i].kind == HELD_TREE) {
			f->held[i].kind = HELD_RESERVED;
			f->held[i].exact = false;
		}
	}
	iova = reserve_iova(&f->iovad, lo, hi);
	hold(f, lo, hi, iova ? HELD_RESERVED : HELD_MAYBE, 0);
}

static void op_free(struct fz *f, struct fuzz_in *in)
{
	unsigned int i;
	struct held *h;

	if (!f->nr)
		return;
	i = fuzz_u8(in) % f->nr;
	h = &f->held[i];
	switch (h->kind) {
	case HELD_TREE:
		if (fuzz_bool(in)) {
			struct iova *iova = find_iova(&f->iovad, h->lo);

			FUZZ_CHECK(iova && iova->pfn_lo == h->lo && iova->pfn_hi == h->hi);
			__free_iova(&f->iovad, iova);
		} else {
			free_iova(&f->iovad, h->hi);
		}
		f->held[i] = f->held[--f->nr];
		break;
	case HELD_FAST:
		free_iova_fast(&f->iovad, h->lo, h->fast_size);
		h->kind = HELD_CACHED;	/* in a cache, or back in the tree */
		break;
	default:
		break;
	}
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void op_burst(struct fz *f, struct fuzz_in *in)
{
	unsigned long size = 1ul << (fuzz_u8(in) % 6);	/* cached sizes */
	unsigned int want = 2 * IOVA_MAG_SIZE + 1 + fuzz_u8(in) % 64, n = 0;
	unsigned long pfns[2 * IOVA_MAG_SIZE + 64], sorted[ARRAY_SIZE(pfns)];
	bool reverse = fuzz_bool(in);

	for (; n < want; n++) {
		unsigned long pfn = alloc_iova_fast(&f->iovad, size, 0xfffff, true);

		if (!pfn)
			break;
		FUZZ_CHECK(pfn >= f->iovad.start_pfn && pfn + size - 1 <= 0xfffff);
		check_new(f, pfn, pfn + size - 1);
		pfns[n] = pfn;
	}
	/* Nothing handed out twice within the burst either. */
	memcpy(sorted, pfns, n * sizeof(pfns[0]));
	qsort(sorted, n, sizeof(sorted[0]), cmp_ulong);
	for (unsigned int i = 1; i < n; i++)
		FUZZ_CHECK(sorted[i] >= sorted[i - 1] + size);
	for (unsigned int i = 0; i < n; i++) {
		unsigned long pfn = pfns[reverse ? n - 1 - i : i];

		free_iova_fast(&f->iovad, pfn, size);
		f->burst_lo = pfn < f->burst_lo ? pfn : f->burst_lo;
		f->burst_hi = pfn + size - 1 > f->burst_hi ? pfn + size - 1 : f->burst_hi;
	}
}

static void op_find(struct fz *f, struct fuzz_in *in)
{
	unsigned long pfn = pick_pfn(in);
	struct iova *iova;
	bool maybe = false, must = false;

	if (f->nr && fuzz_bool(in)) {
		struct held *h = &f->held[fuzz_u8(in) % f->nr];

		pfn = h->lo + (h->hi - h->lo) / 2;
	}
	iova = find_iova(&f->iovad, pfn);
	for (unsigned int i = 0; i < f->nr; i++) {
		struct held *h = &f->held[i];

		if (pfn < h->lo || pfn > h->hi)
			continue;
		maybe = true;
		if (h->kind == HELD_TREE || h->kind == HELD_FAST || h->kind == HELD_RESERVED) {
			must = true;
			if (h->exact && h->kind != HELD_RESERVED)
				FUZZ_CHECK(iova && iova->pfn_lo == h->lo && iova->pfn_hi == h->hi);
		}
	}
	if (must)
		FUZZ_CHECK(iova && iova->pfn_lo <= pfn && pfn <= iova->pfn_hi);
	/* A burst's ranges sit allocated in the caches, out of the shadow. */
	if (f->burst_lo <= pfn && pfn <= f->burst_hi)
		maybe = true;
	if (!maybe)
		FUZZ_CHECK(!iova);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const u64 granules[] = { 4096, 16384, 65536, 4096, 8192, 0, 3 << 12 };
	struct fuzz_in in = fuzz_in_init(data, size);
	struct phys_mem *mem = phys_mem_create();
	struct kernel *k = NULL;
	struct fz *f = calloc(1, sizeof(*f));
	unsigned long granule, start;
	unsigned int bursts = 0;
	int ret;

	if (!mem || !f || phys_mem_add_ram(mem, RAM_BASE, 1 << 20, "ram"))
		goto out;
	k = kernel_create("fuzz", mem, RAM_BASE, 1 << 20);
	if (!k)
		goto out;
	granule = (unsigned long)FUZZ_PICK(&in, granules);
	/* DMA domains start at pfn 1 or above: alloc_iova_fast() returns 0 for failure. */
	start = fuzz_u8(&in) < 0xf0 ? (unsigned long)fuzz_u8(&in) % 4 + 1 : pick_pfn(&in);
	if (!start)
		start = 1;
	f->burst_lo = ~0ul;		/* no burst yet: an empty interval */
	ret = init_iova_domain(&f->iovad, granule, start);
	if (granule < 4096 || granule > 65536 || (granule & (granule - 1))) {
		FUZZ_CHECK(ret == -EINVAL);
		goto out;
	}
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL);
		goto out;
	}
	iova_domain_set_kernel(&f->iovad, k);
	if (fuzz_u8(&in) & 1)
		kernel_fail_nth(k, fuzz_u8(&in));
	if (fuzz_u8(&in) < 0xe0)
		FUZZ_CHECK(iova_domain_init_rcaches(&f->iovad) == 0 ||
			   !atomic_load(k->fail_count));

	for (unsigned int steps = 0; fuzz_more(&in) && steps < 256; steps++) {
		u8 b = fuzz_u8(&in), op = b >= 0xf8 && bursts < 2 ? 8 : b % 8;

		if (f->nr == MAX_HELD && op <= 3)
			op = 4;		/* the shadow is full: free something */
		switch (op) {
		case 0:
			op_alloc(f, &in);
			break;
		case 1: case 2:
			op_alloc_fast(f, &in);
			break;
		case 3:
			op_reserve(f, &in);
			break;
		case 4: case 5:
			op_free(f, &in);
			break;
		case 6:
			op_find(f, &in);
			break;
		case 7:
			kernel_fail_nth(k, fuzz_u8(&in) % 8);
			break;
		case 8:
			op_burst(f, &in);
			bursts++;
			break;
		}
		/*
		 * The whole-domain check walks every cached range: after a
		 * burst filled the caches, on every 32nd step and the burst's.
		 */
		if (!bursts || op == 8 || steps % 32 == 0)
			FUZZ_CHECK(iova_domain_check(&f->iovad) == 0);
	}
	put_iova_domain(&f->iovad);
out:
	kernel_destroy(k);
	phys_mem_destroy(mem);
	free(f);
	return 0;
}
