/* SPDX-License-Identifier: MIT */
/*
 * The world a scenario builds: one emulated machine, the kernel instances
 * running on it, and the named objects (IOMMUs, devices, domains, MSIs) the
 * scenario creates.  Its command table is what the scenario language can do.
 */
#ifndef IOMMUSIM_TOOLS_WORLD_H
#define IOMMUSIM_TOOLS_WORLD_H

#include <stdio.h>

#include "tools/iommusim/scenario.h"

struct world;

struct world *world_create(FILE *out);
void world_destroy(struct world *w);

/*
 * Allocation-failure injection (--fail-nth): the n-th allocation made by
 * any kernel of the world fails.  world_fail_nth_hit() says afterwards
 * whether the run got that far.
 */
void world_fail_nth(struct world *w, unsigned long n);
bool world_fail_nth_hit(struct world *w);

/*
 * --trace: the categories (hw/trace.h) the machines and kernels the world
 * builds from now on report, one line each to trace_out.
 */
void world_set_trace(struct world *w, unsigned int categories, FILE *trace_out);

extern const struct scn_command world_commands[];
void world_print_commands(FILE *f);

#endif
