/* SPDX-License-Identifier: MIT */
/*
 * The whole test framework: a test is a plain program (as in liburing's
 * test/), built from tests/NAME.c into build/<variant>/tests/NAME, that
 * exits 0 when every check held.  CHECK macros report file, line and the
 * values that differed, and keep going so one run shows every failure.
 *
 *	int main(void)
 *	{
 *		CHECK_EQ(iommu_map(...), 0);
 *		return test_done();
 *	}
 */
#ifndef IOMMUSIM_TESTS_TEST_H
#define IOMMUSIM_TESTS_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)							\
	do {								\
		test_checks++;						\
		if (!(cond)) {						\
			test_failures++;				\
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

/* Compares as signed 64-bit so negative errnos print as such. */
#define CHECK_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		test_checks++;						\
		if (_a != _b) {						\
			test_failures++;				\
			fprintf(stderr, "%s:%d: %s == %s failed: "	\
				"%lld (0x%llx) != %lld (0x%llx)\n",	\
				__FILE__, __LINE__, #a, #b, _a,		\
				(unsigned long long)_a, _b,		\
				(unsigned long long)_b);		\
		}							\
	} while (0)

/* Stop the program: for a precondition the rest of the test relies on. */
#define REQUIRE(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: REQUIRE(%s) failed\n",	\
				__FILE__, __LINE__, #cond);		\
			exit(1);					\
		}							\
	} while (0)

/*
 * 0 when every check held - and at least one ran: a program that reached
 * its end without checking anything (a loop that ran zero times, a skipped
 * branch) has shown nothing and fails.
 */
static inline int test_done(void)
{
	if (!test_checks) {
		fprintf(stderr, "no check ran: a test that checks nothing cannot fail\n");
		return 1;
	}
	if (test_failures)
		fprintf(stderr, "%d of %d checks failed\n", test_failures,
			test_checks);
	return test_failures ? 1 : 0;
}

#endif
