// SPDX-License-Identifier: MIT
/*
 * Trace lines and category names (hw/trace.h).  A line is formatted on the
 * stack and handed to the callback; nothing allocates, so a trace point
 * may sit on any path, allocation-failure paths included.
 */
#include "hw/trace-priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TRACE_LINE_MAX	256

static const char *const names[] = {
	"cmdq", "cfg", "tlb", "walk", "event", "gerror", "its", "iommufd", "dma",
	"coherency",
};

void hw_trace_emit(const struct hw_trace *t, unsigned int category,
		   const char *fmt, ...)
{
	char line[TRACE_LINE_MAX];
	va_list ap;

	if (!t->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	t->fn(t->opaque, category, line);
}

const char *iommusim_trace_name(unsigned int category)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
		if (category == 1u << i)
			return names[i];
	return NULL;
}

unsigned int iommusim_trace_parse(const char *list, const char **bad,
				  unsigned int *bad_len)
{
	unsigned int mask = 0;
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned int i;

		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (strlen(names[i]) == len && !strncmp(p, names[i], len))
				break;
		if (i < ARRAY_SIZE(names))
			mask |= 1u << i;
		else if (len == 3 && !strncmp(p, "all", 3))
			mask |= IOMMUSIM_TRACE_ALL;
		else {
			*bad = p;
			*bad_len = (unsigned int)len;
			return 0;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (!mask) {
		*bad = list;
		*bad_len = 0;
	}
	return mask;
}
