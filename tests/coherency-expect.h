/* SPDX-License-Identifier: MIT */
/*
 * For tests that leave an SMMU cache stale on purpose (to show that the
 * model's caches behave like hardware's): while `make test` runs the
 * coherency checker in fatal mode, such a test switches its SMMU to report
 * mode with a counter and then checks that each deliberate bug was
 * reported, with the missing command (tests/smmuv3_coherency.c is the
 * checker's own proof).
 */
#ifndef IOMMUSIM_TESTS_COHERENCY_EXPECT_H
#define IOMMUSIM_TESTS_COHERENCY_EXPECT_H

#include <stdio.h>
#include <string.h>

#include "hw/smmuv3/smmuv3.h"
#include "tests/test.h"

struct coh_expect {
	unsigned int n;			/* reports seen */
	char last[512];			/* the last one's text */
};

static inline void coh_expect_fn(void *opaque, const struct smmuv3_coherency_report *r)
{
	struct coh_expect *e = opaque;

	e->n++;
	snprintf(e->last, sizeof(e->last), "%s", r->text);
}

/* From now on smmu reports to e instead of aborting. */
static inline void coh_expect_begin(struct smmuv3 *smmu, struct coh_expect *e)
{
	memset(e, 0, sizeof(*e));
	REQUIRE(smmuv3_set_coherency(smmu, SMMUV3_COHERENCY_REPORT, coh_expect_fn, e) == 0);
}

/* n reports so far, the last one naming text. */
#define CHECK_COH_REPORTED(e, count, text)				\
	do {								\
		CHECK_EQ((e)->n, (count));				\
		if (!strstr((e)->last, (text))) {			\
			CHECK(!"coherency report names " text);		\
			fprintf(stderr, "    last report: %s\n", (e)->last); \
		}							\
	} while (0)

#endif
