/* SPDX-License-Identifier: MIT */
/*
 * The models' side of hw/trace.h: a per-model trace state and the macro a
 * trace point uses.  The test of the mask is inline and cheap; formatting
 * the line is out of line and cold, so a trace point off costs a load and
 * a branch, and on costs what the callback costs.
 */
#ifndef IOMMUSIM_HW_TRACE_PRIV_H
#define IOMMUSIM_HW_TRACE_PRIV_H

#include <stdatomic.h>

#include "hw/trace.h"
#include "lib/bits.h"

struct hw_trace {
	_Atomic unsigned int mask;
	iommusim_trace_fn fn;		/* changed with the model's lock held */
	void *opaque;
};

void hw_trace_emit(const struct hw_trace *t, unsigned int category,
		   const char *fmt, ...)
	__attribute__((format(printf, 3, 4), cold, noinline));

static inline bool hw_trace_on(const struct hw_trace *t, unsigned int category)
{
	return unlikely(atomic_load_explicit(&t->mask, memory_order_relaxed) & category);
}

#define hw_trace(t, category, ...)					\
	do {								\
		if (hw_trace_on((t), (category)))			\
			hw_trace_emit((t), (category), __VA_ARGS__);	\
	} while (0)

/* Sets mask and callback; the caller holds the model's lock. */
static inline void hw_trace_set(struct hw_trace *t, unsigned int mask,
				iommusim_trace_fn fn, void *opaque)
{
	t->fn = fn;
	t->opaque = opaque;
	atomic_store_explicit(&t->mask, fn ? mask : 0, memory_order_relaxed);
}

#endif
