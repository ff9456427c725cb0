// SPDX-License-Identifier: MIT
/*
 * Graphviz output for the inspect commands (inspect-dot.h): DOT text kept
 * in a memory stream until the picture is complete, so a failed command
 * leaves no half file, then written and optionally rendered by running
 * Graphviz's own `dot`.  Node names are derived from addresses and step
 * numbers, labels are our text; nothing from the scenario reaches DOT
 * unquoted but object names, which are escaped.
 */
#include "tools/iommusim/inspect-dot.h"

#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/iommusim/inspect.h"

/* A picture a person can still read; beyond it the graph says it stopped. */
#define DOT_MAX_NODES	400

struct dot_graph {
	FILE *body;
	char *text;
	size_t len;
	unsigned int nodes;
	bool truncated;
	char error[160];
};

extern char **environ;

struct dot_graph *dot_graph_new(const char *name, const char *rankdir)
{
	struct dot_graph *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->body = open_memstream(&g->text, &g->len);
	if (!g->body) {
		free(g);
		return NULL;
	}
	fprintf(g->body, "digraph %s {\n  rankdir=%s;\n"
		"  node [shape=box, fontname=\"monospace\", fontsize=10];\n"
		"  edge [fontname=\"monospace\", fontsize=9];\n", name, rankdir);
	return g;
}

void dot_graph_free(struct dot_graph *g)
{
	if (!g)
		return;
	if (g->body)
		fclose(g->body);
	free(g->text);
	free(g);
}

const char *dot_graph_error(const struct dot_graph *g)
{
	return g->error;
}

/* Room for one more node?  Past the bound, one note says so. */
static bool dot_room(struct dot_graph *g)
{
	if (g->nodes < DOT_MAX_NODES) {
		g->nodes++;
		return true;
	}
	if (!g->truncated)
		fprintf(g->body, "  more [shape=plaintext, label=\"(more than %d nodes: "
			"the rest is in the text output)\"];\n", DOT_MAX_NODES);
	g->truncated = true;
	return false;
}

static int dot_render(struct dot_graph *g, const char *dot_path, const char *svg_path)
{
	char *argv[] = { "dot", "-Tsvg", "-o", (char *)svg_path, (char *)dot_path, NULL };
	int status, err;
	pid_t pid;

	err = posix_spawnp(&pid, "dot", NULL, NULL, argv, environ);
	if (err == ENOENT) {
		snprintf(g->error, sizeof(g->error),
			 "svg= needs Graphviz's dot, which is not installed (apt-get install graphviz)");
		return -1;
	}
	if (err || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		snprintf(g->error, sizeof(g->error), "dot could not render %s", svg_path);
		return -1;
	}
	return 0;
}

int dot_graph_finish(struct dot_graph *g, const char *dot_path,
		     const char *svg_path, FILE *out)
{
	char tmp[] = "/tmp/iommusim-dot-XXXXXX";
	const char *path = dot_path;
	FILE *f;
	int fd = -1, ret = 0;

	fputs("}\n", g->body);
	if (fflush(g->body)) {
		snprintf(g->error, sizeof(g->error), "out of memory for the graph");
		return -1;
	}
	if (!path) {
		fd = mkstemp(tmp);
		path = tmp;
	}
	f = fd >= 0 ? fdopen(fd, "w") : fopen(path, "w");
	if (!f || fwrite(g->text, 1, g->len, f) != g->len || fclose(f)) {
		snprintf(g->error, sizeof(g->error), "cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		ret = -1;
	} else if (dot_path) {
		fprintf(out, "  (Graphviz: %s)\n", dot_path);
	}
	if (!ret && svg_path) {
		ret = dot_render(g, path, svg_path);
		if (!ret)
			fprintf(out, "  (SVG: %s)\n", svg_path);
	}
	if (!dot_path)
		unlink(tmp);
	return ret;
}

/* ---------------------------------------------------------------- pgtable */

void dot_pgtable_table(struct dot_graph *g, u64 parent, u64 table, int level, u64 pa)
{
	if (!g || !dot_room(g))
		return;
	fprintf(g->body, "  t%llx [label=\"L%d table\\n0x%llx", (unsigned long long)table,
		level, (unsigned long long)table);
	if (pa != table)
		fprintf(g->body, "\\n(PA 0x%llx)", (unsigned long long)pa);
	fprintf(g->body, "\", style=filled, fillcolor=\"#dde8f8\"];\n");
	if (parent)
		fprintf(g->body, "  t%llx -> t%llx;\n", (unsigned long long)parent,
			(unsigned long long)table);
}

void dot_pgtable_run(struct dot_graph *g, u64 table, u64 first, u64 last, u64 oa,
		     u64 count, u64 size)
{
	char sz[24];

	if (!g || !dot_room(g))
		return;
	fprintf(g->body, "  r%u [shape=note, label=\"0x%llx-0x%llx\\n-> 0x%llx\\n%llu x %s\"];\n",
		g->nodes, (unsigned long long)first, (unsigned long long)last,
		(unsigned long long)oa, (unsigned long long)count,
		inspect_size_name(size, sz, sizeof(sz)));
	fprintf(g->body, "  t%llx -> r%u;\n", (unsigned long long)table, g->nodes);
}

/* ---------------------------------------------------------------- walks */

static const char *const kind_names[] = {
	[VMSA_DESC_INVALID] = "invalid", [VMSA_DESC_TABLE] = "table",
	[VMSA_DESC_BLOCK] = "block", [VMSA_DESC_PAGE] = "page",
	[VMSA_DESC_RESERVED] = "reserved",
};

/* Node s<i>: one descriptor read. */
static void dot_step(struct dot_graph *g, unsigned int i, const struct walk_log_step *ls)
{
	const struct vmsa_walk_step *d = &ls->s.d;
	bool leaf = d->kind == VMSA_DESC_BLOCK || d->kind == VMSA_DESC_PAGE;

	if (!dot_room(g))
		return;
	fprintf(g->body, "  s%u [label=\"S%u L%d @ 0x%llx\\n0x%016llx\\n%s",
		i, ls->s.stage, d->level, (unsigned long long)d->addr,
		(unsigned long long)d->desc, kind_names[d->kind]);
	if (d->kind == VMSA_DESC_TABLE || leaf)
		fprintf(g->body, " -> 0x%llx", (unsigned long long)d->out);
	fprintf(g->body, "\", style=filled, fillcolor=\"%s\"];\n",
		d->kind == VMSA_DESC_INVALID || d->kind == VMSA_DESC_RESERVED ? "#f8d0d0" :
		ls->s.stage == 1 ? "#dde8f8" : "#e0f0dc");
}

/*
 * Ranks of the nested grid: row k holds the k-th read of every stage-2 walk
 * (one column per stage-1 table address, and one for the output IPA);
 * the last row holds the stage-1 reads, so each column ends in the stage-1
 * descriptor its stage-2 walk located.  A plain walk is one column.
 */
#define GRID_ROWS	8

struct grid {
	char rows[GRID_ROWS + 1][512];	/* "s3; s9; " per rank; the last: stage 1 */
};

static void grid_add(struct grid *gr, unsigned int row, unsigned int node)
{
	char *r = gr->rows[row];
	size_t len = strlen(r);

	snprintf(r + len, sizeof(gr->rows[row]) - len, "s%u; ", node);
}

static void dot_outcome(struct dot_graph *g, const struct walk_view *v, int last)
{
	if (v->info.event) {
		const char *name = smmuv3_event_name(v->info.event);

		fprintf(g->body, "  fault [shape=octagon, style=filled, fillcolor=\"#f08080\", "
			"label=\"%s\\nstage %u, level %d\"];\n",
			v->info.event == SMMUV3_ABORT ? "abort" : name ? name : "fault",
			v->info.s2 ? 2 : 1, v->info.level);
		if (last >= 0)
			fprintf(g->body, "  s%d -> fault;\n", last);
		return;
	}
	fprintf(g->body, "  out [shape=oval, style=filled, fillcolor=\"#c8f0c8\", "
		"label=\"PA 0x%llx\"];\n", (unsigned long long)v->info.addr);
	if (last >= 0)
		fprintf(g->body, "  s%d -> out;\n", last);
}

void dot_walk(struct dot_graph *g, const struct walk_view *v, const struct walk_log *log)
{
	struct grid *gr = calloc(1, sizeof(*gr));
	bool nested = false;
	unsigned int row = 0;
	int prev = -1;

	if (!gr)
		return;
	for (unsigned int i = 0; i < log->n; i++)
		nested |= log->steps[i].s.s1_fetch;
	fprintf(g->body, "  label=\"walk of 0x%llx%s\";\n  labelloc=t;\n",
		(unsigned long long)v->iova, nested ?
		": stage-1 reads along the bottom, the stage-2 walk of each table address above it" : "");
	for (unsigned int i = 0; i < log->n; i++) {
		const struct walk_log_step *ls = &log->steps[i];
		bool s1 = ls->s.stage == 1;

		dot_step(g, i, ls);
		if (nested && s1) {
			grid_add(gr, GRID_ROWS, i);
			row = 0;	/* the next column's stage-2 walk starts at the top */
		} else if (nested) {
			grid_add(gr, row < GRID_ROWS ? row : GRID_ROWS - 1, i);
			row++;
		}
		/* Down a column solid; from a stage-1 read up to the next column dashed. */
		if (prev >= 0)
			fprintf(g->body, "  s%d -> s%u%s;\n", prev, i,
				nested && log->steps[prev].s.stage == 1 && !s1 ?
				" [style=dashed, constraint=false]" : "");
		prev = (int)i;
	}
	for (unsigned int r = 0; nested && r <= GRID_ROWS; r++)
		if (gr->rows[r][0])
			fprintf(g->body, "  { rank=same; %s}\n", gr->rows[r]);
	dot_outcome(g, v, prev);
	free(gr);
}
