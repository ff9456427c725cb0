/* SPDX-License-Identifier: MIT */
/*
 * Graphviz pictures of what the inspect commands show: a whole table
 * (pgtable ... dot=) as a tree of tables and runs of leaves, and one walk
 * (walk ... dot=) as a chain of descriptor reads, or for nesting as the
 * two-dimensional grid people draw: stage-1 levels across, the stage-2
 * walk of each stage-1 table address down, the fault where one happens.
 * A graph is built in memory, bounded, and written (and rendered to SVG
 * with Graphviz's dot when asked) only when complete.
 */
#ifndef IOMMUSIM_TOOLS_INSPECT_DOT_H
#define IOMMUSIM_TOOLS_INSPECT_DOT_H

#include <stdio.h>

#include "lib/types.h"

struct dot_graph;
struct walk_view;
struct walk_log;

/* rankdir: "LR" or "TB".  NULL on no memory. */
struct dot_graph *dot_graph_new(const char *name, const char *rankdir);
void dot_graph_free(struct dot_graph *g);	/* NULL is fine */

/*
 * Writes the graph to dot_path (if not NULL) and renders it to svg_path
 * with `dot -Tsvg` (if not NULL), saying so on out.  0, or -1 with the
 * reason in dot_graph_error().
 */
int dot_graph_finish(struct dot_graph *g, const char *dot_path,
		     const char *svg_path, FILE *out);
const char *dot_graph_error(const struct dot_graph *g);

/* pgtable: a table (its parent 0 at the start level), a run of leaves. */
void dot_pgtable_table(struct dot_graph *g, u64 parent, u64 table, int level, u64 pa);
void dot_pgtable_run(struct dot_graph *g, u64 table, u64 first, u64 last, u64 oa,
		     u64 count, u64 size);

/* walk: the logged reads of one walk and its outcome. */
void dot_walk(struct dot_graph *g, const struct walk_view *v, const struct walk_log *log);

#endif
