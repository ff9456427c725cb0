/* SPDX-License-Identifier: MIT */
/*
 * Benchmark helpers: each bench/ program measures hot paths and prints one
 * JSON object per line, so numbers can be diffed across commits:
 *
 *	{"bench":"iova_fast_pair","unit":"ns/op","median":21.4,"p10":20.9,"p90":23.0,"ops":2000000}
 *
 * A measurement runs the body in batches and reports the median, 10th and
 * 90th percentile of per-operation time across batches: the median is what
 * the issue targets are stated in, the spread shows noise.
 */
#ifndef IOMMUSIM_BENCH_BENCH_H
#define IOMMUSIM_BENCH_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_BATCHES	101

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct bench_result {
	double median, p10, p90;
	uint64_t ops;
};

/* Runs fn(ctx, i) for i in [0, per_batch) BENCH_BATCHES times after one warm-up batch. */
static inline struct bench_result bench_measure(void (*fn)(void *ctx, uint64_t i),
						void *ctx, uint64_t per_batch)
{
	double t[BENCH_BATCHES];
	struct bench_result r;
	uint64_t i;

	for (i = 0; i < per_batch; i++)
		fn(ctx, i);
	for (int b = 0; b < BENCH_BATCHES; b++) {
		uint64_t t0 = bench_now_ns();

		for (i = 0; i < per_batch; i++)
			fn(ctx, i);
		t[b] = (double)(bench_now_ns() - t0) / (double)per_batch;
	}
	qsort(t, BENCH_BATCHES, sizeof(t[0]), bench_cmp_double);
	r.median = t[BENCH_BATCHES / 2];
	r.p10 = t[BENCH_BATCHES / 10];
	r.p90 = t[BENCH_BATCHES * 9 / 10];
	r.ops = per_batch * BENCH_BATCHES;
	return r;
}

static inline void bench_print(const char *name, const char *unit,
			       struct bench_result r)
{
	printf("{\"bench\":\"%s\",\"unit\":\"%s\",\"median\":%.2f,\"p10\":%.2f,"
	       "\"p90\":%.2f,\"ops\":%llu}\n", name, unit, r.median, r.p10,
	       r.p90, (unsigned long long)r.ops);
	fflush(stdout);
}

/* Prints a single measured value (a throughput, a one-shot duration). */
static inline void bench_print_value(const char *name, const char *unit,
				     double value)
{
	printf("{\"bench\":\"%s\",\"unit\":\"%s\",\"value\":%.2f}\n", name,
	       unit, value);
	fflush(stdout);
}

/*
 * One point of a scaling series (bench/plot draws each series): the
 * name is series/x, so every line's name stays unique.
 */
static inline void bench_print_point(const char *series, double x, const char *x_unit,
				     const char *unit, double value)
{
	printf("{\"bench\":\"%s/%.0f\",\"series\":\"%s\",\"x\":%.0f,\"x_unit\":\"%s\","
	       "\"unit\":\"%s\",\"value\":%.2f}\n", series, x, series, x, x_unit, unit, value);
	fflush(stdout);
}

#endif
