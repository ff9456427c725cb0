// SPDX-License-Identifier: MIT
/*
 * iommusim: run a scenario file, or with no argument the default scenario
 * (examples/default.scn, embedded at build time) that tells the story of
 * ../DESIGN.md.
 *
 * Exit status: 0 when every command and expectation held, 1 when the
 * scenario failed (or FILE is no scenario: a directory), 2 for a usage
 * or I/O error.
 *
 * --fail-nth N makes the N-th kernel allocation of the run fail (any
 * kernel's, counted together), as Linux's fail-nth does for a task; when
 * the run makes fewer than N allocations it says so on stderr.  Every N
 * must end in exit 0 or 1 with the scenario's own error line: see
 * tests/fail_nth.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

extern const char default_scenario[];

#define MAX_SCENARIO_BYTES	(1 << 20)

static char *read_file(const char *path, int *status)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;
	size_t n;

	*status = 2;
	if (!f) {
		perror(path);
		return NULL;
	}
	/* fopen() opens a directory, whose read then fails: not a scenario. */
	if (fstat(fileno(f), &st)) {
		perror(path);
		fclose(f);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: a directory, not a scenario file\n", path);
		fclose(f);
		*status = 1;
		return NULL;
	}
	buf = malloc(MAX_SCENARIO_BYTES + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_SCENARIO_BYTES + 1, f);
	if (ferror(f)) {
		perror(path);
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	if (n > MAX_SCENARIO_BYTES) {
		fprintf(stderr, "%s: larger than %d bytes\n", path, MAX_SCENARIO_BYTES);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		fprintf(stderr, "%s: contains a NUL byte: not a scenario file\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: iommusim [--fail-nth N] [SCENARIO-FILE]\n"
		   "       iommusim --help-commands\n"
		   "With no file, runs the default end-to-end scenario.\n");
}

int main(int argc, char **argv)
{
	const char *name = "default.scn";
	char *text = NULL;
	struct world *w;
	struct scenario *s;
	unsigned long fail_nth = 0;
	int ret;

	if (argc >= 3 && !strcmp(argv[1], "--fail-nth")) {
		u64 n;

		if (scn_parse_u64(argv[2], &n) || !n || n > (u64)LONG_MAX) {
			fprintf(stderr, "iommusim: --fail-nth takes a positive number\n");
			return 2;
		}
		fail_nth = n;
		argv += 2;
		argc -= 2;
	}
	if (argc > 2 || (argc == 2 && !strcmp(argv[1], "--help"))) {
		usage(argc > 2 ? stderr : stdout);
		return argc > 2 ? 2 : 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--help-commands")) {
		world_print_commands(stdout);
		return 0;
	}
	if (argc == 2) {
		name = argv[1];
		text = read_file(name, &ret);
		if (!text)
			return ret;
	}
	w = world_create(stdout);
	s = w ? scenario_create(stdout, world_commands, w) : NULL;
	if (!s) {
		fprintf(stderr, "iommusim: out of memory\n");
		world_destroy(w);
		free(text);
		return 2;
	}
	world_fail_nth(w, fail_nth);
	ret = scenario_run(s, name, text ? text : default_scenario);
	if (fail_nth && !world_fail_nth_hit(w)) {
		fprintf(stderr, "iommusim: --fail-nth %lu: the run made fewer allocations, "
			"none failed\n", fail_nth);
	} else if (fail_nth) {
		/* Which allocation failed (issue 15): where to look. */
		fprintf(stderr, "iommusim: --fail-nth %lu: failed the allocation at ",
			fail_nth);
		world_fail_nth_site(w, stderr);
		fputc('\n', stderr);
	}
	scenario_destroy(s);
	world_destroy(w);
	free(text);
	return ret ? 1 : 0;
}
