// SPDX-License-Identifier: MIT
/*
 * IOVA allocator hot paths, as dma-iommu drives them:
 *  - iova_fast_pair: alloc_iova_fast + free_iova_fast of one page, the
 *    map/unmap of a streaming DMA buffer, served by the per-CPU magazines;
 *  - iova_fast_pair_16p: the same for a 16-page (64K) buffer;
 *  - iova_fast_pair_2threads: the one-page pair on two threads at once
 *    (wall time per pair per thread), and _cpu: each thread's own CPU
 *    time per pair, against iova_fast_pair_1thread_cpu, the same loop on
 *    one thread (a busy machine inflates wall time, not CPU time);
 *  - iova_tree_pair_fragmented: alloc_iova + __free_iova of one page on a
 *    tree holding 100k one-page ranges separated by 100k one-page holes;
 *  - iova_tree_fail_walk_100k: on such a tree filling the whole space below
 *    4G, a two-page request that fits nowhere: the full walk down from the
 *    cached node and back from the limit (max32_alloc_size reset each time);
 *  - iova_tree_fail_max32: the same request once max32_alloc_size remembers
 *    it failed, which is what that field is for.
 * A "free a random range, allocate again" churn is not measured: with
 * one-page holes the top-down walk from the cached node has to pass every
 * filled slot below it, which is Linux's algorithm and O(n) per call.
 */
#include <pthread.h>

#include "bench/bench.h"
#include "kernel/iova.h"

#define LIMIT32		0xfffffUL
#define NFRAG		100000

struct fast_ctx {
	struct iova_domain *iovad;
	unsigned long size;
};

static void fast_pair(void *arg, uint64_t i)
{
	struct fast_ctx *c = arg;
	unsigned long pfn = alloc_iova_fast(c->iovad, c->size, LIMIT32, true);

	(void)i;
	if (!pfn)
		abort();
	free_iova_fast(c->iovad, pfn, c->size);
}

struct tree_ctx {
	struct iova_domain *iovad;
};

static void tree_pair(void *arg, uint64_t i)
{
	struct tree_ctx *c = arg;
	struct iova *v = alloc_iova(c->iovad, 1, LIMIT32, false);

	(void)i;
	if (!v)
		abort();
	__free_iova(c->iovad, v);
}

static void tree_fail_walk(void *arg, uint64_t i)
{
	struct tree_ctx *c = arg;

	(void)i;
	c->iovad->max32_alloc_size = c->iovad->dma_32bit_pfn;
	if (alloc_iova(c->iovad, 2, LIMIT32, false))
		abort();
}

static void tree_fail_max32(void *arg, uint64_t i)
{
	struct tree_ctx *c = arg;

	(void)i;
	if (alloc_iova(c->iovad, 2, LIMIT32, false))
		abort();
}

#define MT_OPS	2000000

static u64 thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

struct mt_thread {
	struct fast_ctx *c;
	double cpu_ns_per_op;
};

/* Each thread's own CPU time: other load on the machine does not count. */
static void *mt_worker(void *arg)
{
	struct mt_thread *m = arg;
	u64 t0 = thread_cpu_ns();

	for (int i = 0; i < MT_OPS; i++)
		fast_pair(m->c, 0);
	m->cpu_ns_per_op = (double)(thread_cpu_ns() - t0) / MT_OPS;
	return NULL;
}

static void bench_fast(void)
{
	struct iova_domain iovad;
	struct fast_ctx c = { .iovad = &iovad, .size = 1 };
	struct mt_thread one = { &c, 0 }, two[2] = { { &c, 0 }, { &c, 0 } };
	pthread_t t[2];
	uint64_t t0;

	if (init_iova_domain(&iovad, 4096, 1) || iova_domain_init_rcaches(&iovad))
		abort();
	bench_print("iova_fast_pair", "ns/op", bench_measure(fast_pair, &c, 200000));
	c.size = 16;
	bench_print("iova_fast_pair_16p", "ns/op", bench_measure(fast_pair, &c, 200000));

	c.size = 1;
	mt_worker(&one);
	bench_print_value("iova_fast_pair_1thread_cpu", "cpu-ns/op", one.cpu_ns_per_op);
	t0 = bench_now_ns();
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, mt_worker, &two[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	bench_print_value("iova_fast_pair_2threads", "ns/op",
			  (double)(bench_now_ns() - t0) / MT_OPS);
	bench_print_value("iova_fast_pair_2threads_cpu", "cpu-ns/op",
			  (two[0].cpu_ns_per_op + two[1].cpu_ns_per_op) / 2);
	put_iova_domain(&iovad);
}

/* 2 * NFRAG one-page ranges below 4G, every other one freed. */
static void fragment(struct iova_domain *iovad, struct iova **all)
{
	for (int i = 0; i < 2 * NFRAG; i++)
		if (!(all[i] = alloc_iova(iovad, 1, LIMIT32, false)))
			abort();
	for (int i = 0; i < NFRAG; i++)
		__free_iova(iovad, all[2 * i]);
}

static void bench_tree(void)
{
	static struct iova *all[2 * NFRAG];
	struct iova_domain iovad;
	struct tree_ctx c = { .iovad = &iovad };

	/* Free space below the fragmented part, as in a fresh DMA domain. */
	if (init_iova_domain(&iovad, 4096, 1))
		abort();
	fragment(&iovad, all);
	bench_print("iova_tree_pair_fragmented", "ns/op",
		    bench_measure(tree_pair, &c, 20000));
	if (iova_domain_check(&iovad))
		abort();
	put_iova_domain(&iovad);

	/* The fragmented part is the whole space: nothing holds two pages. */
	if (init_iova_domain(&iovad, 4096, LIMIT32 + 1 - 2 * NFRAG))
		abort();
	fragment(&iovad, all);
	bench_print("iova_tree_fail_walk_100k", "ns/op",
		    bench_measure(tree_fail_walk, &c, 1));
	bench_print("iova_tree_fail_max32", "ns/op",
		    bench_measure(tree_fail_max32, &c, 100000));
	put_iova_domain(&iovad);
}

int main(void)
{
	bench_fast();
	bench_tree();
	return 0;
}
