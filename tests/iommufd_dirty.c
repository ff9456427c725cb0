// SPDX-License-Identifier: MIT
/*
 * iommufd's dirty tracking over the mock driver (kernel/iommufd/dirty.c,
 * iova_bitmap.c): every errno of IOMMU_HWPT_SET_DIRTY_TRACKING and
 * IOMMU_HWPT_GET_DIRTY_BITMAP in Linux's order, and what reaches the
 * driver.  The mock has no dirty tracking of its own, so a small
 * test-only iommu_dirty_ops keeps a software dirty bit per 4K page and is
 * installed on a HWPT's domain; it records how it is called.  The
 * arm-smmu-v3 path with hardware dirty state is tests/iommufd_dirty_smmu.c.
 */
#include <stdlib.h>

#include "kernel/iommufd/iommufd-priv.h"
#include "tests/iommufd-helpers.h"

#define NPAGES	1024		/* fake dirty bits for IOVA [0, 4 MiB) */

struct fake_dirty {
	struct iommu_domain_ops ops;		/* the mock's, iotlb_sync counted */
	const struct iommu_domain_ops *mock_ops;
	bool enabled;
	bool dirty[NPAGES];
	unsigned int calls, syncs, sets;
	unsigned long last_flags;
	unsigned long gather_start, gather_end;
};

/* The domain under test (one at a time): a test may keep state here. */
static struct fake_dirty *fake;

static int fake_set_tracking(struct iommu_domain *domain, bool enabled)
{
	(void)domain;
	fake->enabled = enabled;
	fake->sets++;
	return 0;
}

static int fake_read_and_clear(struct iommu_domain *domain, unsigned long iova,
			       size_t size, unsigned long flags,
			       struct iommu_dirty_bitmap *dirty)
{
	(void)domain;
	fake->calls++;
	fake->last_flags = flags;
	for (unsigned long a = iova; a < iova + size; a += PAGE_SIZE) {
		unsigned long pg = a / PAGE_SIZE;

		if (pg >= NPAGES || !fake->dirty[pg])
			continue;
		iommu_dirty_bitmap_record(dirty, a, PAGE_SIZE);
		if (!(flags & IOMMU_DIRTY_NO_CLEAR))
			fake->dirty[pg] = false;
	}
	return 0;
}

static const struct iommu_dirty_ops fake_dirty_ops = {
	.set_dirty_tracking = fake_set_tracking,
	.read_and_clear_dirty = fake_read_and_clear,
};

static void fake_iotlb_sync(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather)
{
	fake->syncs++;
	fake->gather_start = gather->start;
	fake->gather_end = gather->end;
	fake->mock_ops->iotlb_sync(domain, gather);
}

static void fake_install(struct fake_dirty *f, struct iommu_domain *d)
{
	memset(f, 0, sizeof(*f));
	f->mock_ops = d->ops;
	f->ops = *d->ops;
	f->ops.iotlb_sync = fake_iotlb_sync;
	d->ops = &f->ops;
	d->dirty_ops = &fake_dirty_ops;
	fake = f;
}

static void fake_remove(struct fake_dirty *f, struct iommu_domain *d)
{
	d->ops = f->mock_ops;
	d->dirty_ops = NULL;
	fake = NULL;
}

static long set_tracking(struct fd_env *e, u32 hwpt, u32 flags)
{
	struct iommu_hwpt_set_dirty_tracking s = {
		.size = sizeof(s), .flags = flags, .hwpt_id = hwpt,
	};

	return IOCTL(e, IOMMU_HWPT_SET_DIRTY_TRACKING, &s);
}

static long get_bitmap(struct fd_env *e, u32 hwpt, u64 iova, u64 length,
		       u64 page_size, void *data, u32 flags)
{
	struct iommu_hwpt_get_dirty_bitmap g = {
		.size = sizeof(g), .hwpt_id = hwpt, .flags = flags, .iova = iova,
		.length = length, .page_size = page_size,
		.data = (uintptr_t)data,
	};

	return IOCTL(e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g);
}

#define A0	0x100000UL	/* two areas of 64K, a hole between */
#define A1	0x200000UL
#define ALEN	0x10000UL

struct dirty_env {
	struct fd_env e;
	struct fake_dirty f;
	struct iommu_domain *d;
	u32 ioas, hwpt, dev_id;
};

static void dirty_env_init(struct dirty_env *t)
{
	struct device *dev;
	void *buf;
	u64 iova;

	fd_env_init(&t->e);
	dev = fd_env_dev(&t->e, "nic", 0x10);
	t->dev_id = bind(&t->e, dev);
	t->ioas = ioas_alloc(&t->e);
	buf = user_mem(&t->e, 2 * ALEN, NULL);
	iova = A0;
	REQUIRE(ioas_map(&t->e, t->ioas, buf, ALEN, &iova, MAP_FIXED_RW) == 0);
	iova = A1;
	REQUIRE(ioas_map(&t->e, t->ioas, (u8 *)buf + ALEN, ALEN, &iova,
			 MAP_FIXED_RW) == 0);
	REQUIRE(hwpt_alloc(&t->e, t->dev_id, t->ioas, 0, 0, NULL, 0,
			   &t->hwpt) == 0);
	t->d = iommufd_hwpt_domain(t->e.ictx, t->hwpt);
	REQUIRE(t->d);
}

static void dirty_env_fini(struct dirty_env *t)
{
	if (fake)
		fake_remove(&t->f, t->d);
	CHECK_EQ(destroy_id(&t->e, t->hwpt), 0);
	iommufd_device_unbind(t->e.ictx, t->dev_id);
	fd_env_fini(&t->e);
}

static void test_alloc_and_set(void)
{
	struct dirty_env t;
	u32 id;

	dirty_env_init(&t);
	/* The mock reports no IOMMU_CAP_DIRTY_TRACKING. */
	CHECK_EQ(hwpt_alloc(&t.e, t.dev_id, t.ioas,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING, 0, NULL, 0, &id),
		 -EOPNOTSUPP);
	/* Flags, then the object, then the domain's dirty_ops. */
	CHECK_EQ(set_tracking(&t.e, t.hwpt, 2), -EOPNOTSUPP);
	CHECK_EQ(set_tracking(&t.e, t.ioas, 1), -ENOENT);
	CHECK_EQ(set_tracking(&t.e, 999, 1), -ENOENT);
	CHECK_EQ(set_tracking(&t.e, t.hwpt, 1), -EOPNOTSUPP);
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN, PAGE_SIZE, &id, 0),
		 -EOPNOTSUPP);

	fake_install(&t.f, t.d);
	t.f.dirty[A0 / PAGE_SIZE] = true;	/* from before tracking */
	CHECK_EQ(set_tracking(&t.e, t.hwpt, IOMMU_HWPT_DIRTY_TRACKING_ENABLE), 0);
	/* Enabling read and cleared every area first, then one flush. */
	CHECK(t.f.enabled);
	CHECK_EQ(t.f.calls, 2);
	CHECK_EQ(t.f.last_flags, 0);
	CHECK_EQ(t.f.syncs, 1);
	CHECK_EQ(t.f.dirty[A0 / PAGE_SIZE], false);
	/* Disabling just tells the driver. */
	CHECK_EQ(set_tracking(&t.e, t.hwpt, 0), 0);
	CHECK(!t.f.enabled);
	CHECK_EQ(t.f.calls, 2);
	CHECK_EQ(t.f.sets, 2);
	dirty_env_fini(&t);
}

static void test_get_bitmap_errors(void)
{
	u64 bm[4] = { 0 };
	struct dirty_env t;

	dirty_env_init(&t);
	fake_install(&t.f, t.d);
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN, PAGE_SIZE, bm, 2), -EOPNOTSUPP);
	{
		struct iommu_hwpt_get_dirty_bitmap g = {
			.size = sizeof(g), .hwpt_id = t.hwpt, .__reserved = 1,
			.iova = A0, .length = ALEN, .page_size = PAGE_SIZE,
			.data = (uintptr_t)bm,
		};

		CHECK_EQ(IOCTL(&t.e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EOPNOTSUPP);
		g.size = offsetof(struct iommu_hwpt_get_dirty_bitmap, data);
		g.__reserved = 0;
		CHECK_EQ(IOCTL(&t.e, IOMMU_HWPT_GET_DIRTY_BITMAP, &g), -EINVAL);
	}
	CHECK_EQ(get_bitmap(&t.e, t.ioas, A0, ALEN, PAGE_SIZE, bm, 0), -ENOENT);
	/* Range: overflow, then the IOAS's granule, then page_size. */
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, ~0ULL - 0xfff, 0x2000, PAGE_SIZE, bm, 0),
		 -EOVERFLOW);
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0 + 0x800, ALEN, PAGE_SIZE, bm, 0),
		 -EINVAL);
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN + 0x800, PAGE_SIZE, bm, 0),
		 -EINVAL);
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN, 0, bm, 0), -EINVAL);
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0 + PAGE_SIZE, ALEN, 2 * PAGE_SIZE,
			    bm, 0), -EINVAL);
	CHECK_EQ(t.f.calls, 0);
	dirty_env_fini(&t);
}

static void test_get_bitmap(void)
{
	u64 bm[4];
	struct dirty_env t;

	dirty_env_init(&t);
	fake_install(&t.f, t.d);
	REQUIRE(set_tracking(&t.e, t.hwpt, IOMMU_HWPT_DIRTY_TRACKING_ENABLE) == 0);
	t.f.syncs = t.f.calls = 0;
	t.f.dirty[A0 / PAGE_SIZE + 1] = true;
	t.f.dirty[A0 / PAGE_SIZE + 15] = true;
	t.f.dirty[A1 / PAGE_SIZE + 3] = true;

	/* NO_CLEAR: reported, kept, no flush. */
	memset(bm, 0, sizeof(bm));
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN, PAGE_SIZE, bm,
			    IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), 0);
	CHECK_EQ(bm[0], (1ULL << 1) | (1ULL << 15));
	CHECK_EQ(t.f.last_flags, IOMMU_DIRTY_NO_CLEAR);
	CHECK_EQ(t.f.syncs, 0);
	CHECK(t.f.dirty[A0 / PAGE_SIZE + 1]);
	/* The bitmap is only ever ORed into. */
	bm[0] = 1ULL << 40;
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN, PAGE_SIZE, bm, 0), 0);
	CHECK_EQ(bm[0], (1ULL << 1) | (1ULL << 15) | (1ULL << 40));
	/* Cleared, with one flush of the gathered range. */
	CHECK(!t.f.dirty[A0 / PAGE_SIZE + 1]);
	CHECK_EQ(t.f.syncs, 1);
	CHECK_EQ(t.f.gather_start, A0 + PAGE_SIZE);
	CHECK_EQ(t.f.gather_end, A0 + 16 * PAGE_SIZE - 1);
	memset(bm, 0, sizeof(bm));
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, ALEN, PAGE_SIZE, bm, 0), 0);
	CHECK_EQ(bm[0], 0);

	/* page_size 8K: a bit covers two pages. */
	t.f.dirty[A1 / PAGE_SIZE + 3] = true;
	memset(bm, 0, sizeof(bm));
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A1, ALEN, 2 * PAGE_SIZE, bm, 0), 0);
	CHECK_EQ(bm[0], 1ULL << 1);

	/*
	 * Across the hole: the first area is read, the hole ends the walk,
	 * and (as in Linux) the ioctl still succeeds.
	 */
	t.f.dirty[A0 / PAGE_SIZE + 2] = true;
	t.f.dirty[A1 / PAGE_SIZE] = true;
	t.f.calls = 0;
	memset(bm, 0, sizeof(bm));
	CHECK_EQ(get_bitmap(&t.e, t.hwpt, A0, A1 + ALEN - A0, 0x10000, bm, 0), 0);
	CHECK_EQ(bm[0], 1);	/* A0's 64K, not A1's */
	CHECK_EQ(t.f.calls, 1);
	CHECK(t.f.dirty[A1 / PAGE_SIZE]);
	dirty_env_fini(&t);
}

/* A bitmap of more than one window: set-ahead and a window that faults. */
static u8 *deny_from;

static int deny_second_window(void *uptr, size_t len, bool write)
{
	(void)len;
	(void)write;
	return (u8 *)uptr >= deny_from ? -EFAULT : 0;
}

struct walk_rec {
	unsigned int calls;
	unsigned long first[4], len[4];
};

static int mark_window(struct iova_bitmap *bitmap, unsigned long iova,
		       size_t length, void *opaque)
{
	struct walk_rec *r = opaque;

	if (r->calls < 4) {
		r->first[r->calls] = iova;
		r->len[r->calls] = length;
	}
	r->calls++;
	/* The last page of the window and the first two of the next one. */
	iova_bitmap_set(bitmap, iova + length - PAGE_SIZE, 3 * PAGE_SIZE);
	return 0;
}

static void test_windows(void)
{
	const unsigned long win_bytes = 512 * PAGE_SIZE;
	const unsigned long bytes = 2 * win_bytes;
	struct iova_bitmap *bm;
	struct walk_rec r = { 0 };
	struct fd_env e;
	u8 *data;

	fd_env_init(&e);
	REQUIRE(posix_memalign((void **)&data, win_bytes, bytes) == 0);
	memset(data, 0, bytes);
	bm = iova_bitmap_alloc(e.ictx, 0, bytes * 8 * PAGE_SIZE, PAGE_SIZE, data);
	REQUIRE(!IS_ERR(bm));
	CHECK_EQ(iova_bitmap_for_each(bm, &r, mark_window), 0);
	CHECK_EQ(r.calls, 2);
	CHECK_EQ(r.first[0], 0);
	CHECK_EQ(r.len[0], win_bytes * 8 * PAGE_SIZE);
	CHECK_EQ(r.first[1], win_bytes * 8 * PAGE_SIZE);
	/* The end of window 0 and, set ahead, the start of window 1. */
	CHECK_EQ(data[win_bytes - 1], 0x80);
	CHECK_EQ(data[win_bytes], 0x03);
	CHECK_EQ(data[bytes - 1], 0x80);
	iova_bitmap_free(bm);

	/* The second window cannot be pinned: the walk stops there. */
	memset(data, 0, bytes);
	memset(&r, 0, sizeof(r));
	deny_from = data + win_bytes;
	iommufd_ctx_set_uaccess(e.ictx, deny_second_window);
	bm = iova_bitmap_alloc(e.ictx, 0, bytes * 8 * PAGE_SIZE, PAGE_SIZE, data);
	REQUIRE(!IS_ERR(bm));
	CHECK_EQ(iova_bitmap_for_each(bm, &r, mark_window), -EFAULT);
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(data[win_bytes], 0);	/* the set-ahead never landed */
	iova_bitmap_free(bm);
	free(data);
	fd_env_fini(&e);
}

int main(void)
{
	test_alloc_and_set();
	test_get_bitmap_errors();
	test_get_bitmap();
	test_windows();
	return test_done();
}
