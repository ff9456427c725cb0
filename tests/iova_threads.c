// SPDX-License-Identifier: MIT
/*
 * kernel/iova under concurrency: four threads on a small domain allocate
 * and free through the range caches (with and without flush-and-retry) and
 * through the tree at once, so caches fill, spill to the depot, get flushed
 * while others allocate, and threads migrate between the "CPU" slots.
 *
 * Every pfn handed out is claimed in a shared bitmap with an atomic
 * test-and-set: a pfn claimed twice means two live ranges overlap.  Each
 * thread also checks that find_iova() still sees the ranges it holds.
 * Bounded by an operation count and a wall-clock deadline.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "kernel/iova.h"
#include "tests/test.h"

#define NTHREADS	4
#define START_PFN	1UL
#define LIMIT_PFN	2047UL
#define OPS		300000
#define MAX_LIVE	32
#define DEADLINE_NS	4000000000ull

struct range {
	unsigned long pfn, size, claimed;	/* claimed: pfns actually reserved */
	struct iova *iova;			/* tree allocations only */
};

struct shared {
	struct iova_domain iovad;
	atomic_ulong bitmap[(LIMIT_PFN + 64) / 64];
	atomic_ulong overlaps, lost, bad_range, not_found;
	atomic_ulong fast_allocs, tree_allocs, failures;
	uint64_t deadline;
};

struct worker {
	struct shared *sh;
	unsigned int seed;
	struct range live[MAX_LIVE];
	unsigned int nlive;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void claim(struct shared *sh, unsigned long pfn, unsigned long n)
{
	for (unsigned long p = pfn; p < pfn + n; p++) {
		unsigned long bit = 1UL << (p % 64);

		if (atomic_fetch_or(&sh->bitmap[p / 64], bit) & bit)
			atomic_fetch_add(&sh->overlaps, 1);
	}
}

static void release(struct shared *sh, unsigned long pfn, unsigned long n)
{
	for (unsigned long p = pfn; p < pfn + n; p++) {
		unsigned long bit = 1UL << (p % 64);

		if (!(atomic_fetch_and(&sh->bitmap[p / 64], ~bit) & bit))
			atomic_fetch_add(&sh->lost, 1);
	}
}

static unsigned long cached_size(unsigned long size)
{
	unsigned long r = 1;

	if (size >= 32)
		return size;
	while (r < size)
		r <<= 1;
	return r;
}

static void free_one(struct worker *w, unsigned int i)
{
	struct shared *sh = w->sh;
	struct range *r = &w->live[i];
	struct iova *found = find_iova(&sh->iovad, r->pfn + r->claimed - 1);

	if (!found || found->pfn_lo != r->pfn || iova_size(found) != r->claimed)
		atomic_fetch_add(&sh->not_found, 1);
	release(sh, r->pfn, r->claimed);
	if (r->iova)
		__free_iova(&sh->iovad, r->iova);
	else
		free_iova_fast(&sh->iovad, r->pfn, r->size);
	w->live[i] = w->live[--w->nlive];
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;

	for (int op = 0; op < OPS; op++) {
		unsigned int dice = (unsigned int)rand_r(&w->seed);
		unsigned long size = 1 + (dice >> 8) % 40;
		struct range r = { .size = size };

		if ((op & 1023) == 0 && now_ns() > sh->deadline)
			break;
		if (w->nlive == MAX_LIVE || (w->nlive && dice % 100 < 45)) {
			free_one(w, (dice >> 16) % w->nlive);
			continue;
		}
		if (dice % 100 < 85) {
			/* Mostly cached sizes, sometimes with flush-and-retry. */
			if (size > 32 && dice % 4)
				size = r.size = 1 + size % 8;
			r.pfn = alloc_iova_fast(&sh->iovad, size, LIMIT_PFN,
						(dice >> 12) % 4 == 0);
			r.claimed = cached_size(size);
			if (r.pfn)
				atomic_fetch_add(&sh->fast_allocs, 1);
		} else {
			r.iova = alloc_iova(&sh->iovad, size, LIMIT_PFN, dice & 2);
			if (r.iova) {
				r.pfn = r.iova->pfn_lo;
				r.claimed = size;
				atomic_fetch_add(&sh->tree_allocs, 1);
			}
		}
		if (!r.pfn) {
			atomic_fetch_add(&sh->failures, 1);
			continue;
		}
		if (r.pfn < START_PFN || r.pfn + r.claimed - 1 > LIMIT_PFN) {
			atomic_fetch_add(&sh->bad_range, 1);
			continue;	/* do not touch the bitmap out of bounds */
		}
		claim(sh, r.pfn, r.claimed);
		w->live[w->nlive++] = r;
	}
	while (w->nlive)
		free_one(w, 0);
	return NULL;
}

int main(void)
{
	static struct shared sh;
	static struct worker workers[NTHREADS];
	pthread_t tids[NTHREADS];
	uint64_t t0 = now_ns();

	REQUIRE(init_iova_domain(&sh.iovad, 4096, START_PFN) == 0);
	REQUIRE(iova_domain_init_rcaches(&sh.iovad) == 0);
	/* A hole in the middle nobody may be given. */
	REQUIRE(reserve_iova(&sh.iovad, 1000, 1050));
	claim(&sh, 1000, 51);
	sh.deadline = t0 + DEADLINE_NS;

	for (int i = 0; i < NTHREADS; i++) {
		workers[i].sh = &sh;
		workers[i].seed = 1000u + (unsigned int)i;
		REQUIRE(pthread_create(&tids[i], NULL, worker_fn, &workers[i]) == 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(tids[i], NULL);

	CHECK_EQ(atomic_load(&sh.overlaps), 0);
	CHECK_EQ(atomic_load(&sh.lost), 0);
	CHECK_EQ(atomic_load(&sh.bad_range), 0);
	CHECK_EQ(atomic_load(&sh.not_found), 0);
	/* Both paths really ran, and the space really ran out at times. */
	CHECK(atomic_load(&sh.fast_allocs) > 1000);
	CHECK(atomic_load(&sh.tree_allocs) > 100);
	CHECK(atomic_load(&sh.failures) > 0);
	CHECK_EQ(iova_domain_check(&sh.iovad), 0);

	/* Everything is back: only the reservation is claimed, and after a
	 * flush (a failing fast allocation of the whole space) the whole
	 * space minus the reservation can be had again in one piece each side. */
	release(&sh, 1000, 51);
	for (unsigned int i = 0; i < ARRAY_SIZE(sh.bitmap); i++)
		CHECK_EQ(atomic_load(&sh.bitmap[i]), 0);
	CHECK_EQ(alloc_iova_fast(&sh.iovad, LIMIT_PFN, LIMIT_PFN, true), 0);
	for (unsigned int o = 0; o < IOVA_RANGE_CACHE_MAX_SIZE; o++)
		CHECK_EQ(iova_rcache_cached(&sh.iovad, o, NULL), 0);
	CHECK(alloc_iova(&sh.iovad, LIMIT_PFN - 1050, LIMIT_PFN, false) != NULL);
	CHECK(alloc_iova(&sh.iovad, 999, LIMIT_PFN, false) != NULL);
	CHECK_EQ(iova_domain_check(&sh.iovad), 0);
	put_iova_domain(&sh.iovad);

	fprintf(stderr, "fast %lu tree %lu failed %lu in %.2f s\n",
		atomic_load(&sh.fast_allocs), atomic_load(&sh.tree_allocs),
		atomic_load(&sh.failures), (double)(now_ns() - t0) / 1e9);
	return test_done();
}
