// SPDX-License-Identifier: MIT
/*
 * iommusim: run a scenario file ("-" for standard input), or with no
 * argument the default scenario (examples/default.scn, embedded at build
 * time) that tells the story of ../DESIGN.md.
 *
 * Exit status: 0 when every command and expectation held, 1 when the
 * scenario failed, 2 for a usage or I/O error (said on stderr, with the
 * reason).
 *
 * --fail-nth N makes the N-th kernel allocation of the run fail (any
 * kernel's, counted together), as Linux's fail-nth does for a task; when
 * the run makes fewer than N allocations it says so on stderr.  Every N
 * must end in exit 0 or 1 with the scenario's own error line: see
 * tests/fail_nth.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "include/iommusim/version.h"
#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

extern const char default_scenario[];

#define MAX_SCENARIO_BYTES	(1 << 20)

/* The whole of f, NUL-terminated; NULL after saying why on stderr. */
static char *read_stream(FILE *f, const char *path)
{
	char *buf = malloc(MAX_SCENARIO_BYTES + 1);
	size_t n;

	if (!buf) {
		fprintf(stderr, "iommusim: %s: out of memory\n", path);
		return NULL;
	}
	n = fread(buf, 1, MAX_SCENARIO_BYTES + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "iommusim: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (n > MAX_SCENARIO_BYTES) {
		fprintf(stderr, "iommusim: %s: larger than %d bytes\n", path,
			MAX_SCENARIO_BYTES);
		goto fail;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		fprintf(stderr, "iommusim: %s: contains a NUL byte: not a scenario file\n",
			path);
		goto fail;
	}
	return buf;
fail:
	free(buf);
	return NULL;
}

static char *read_scenario(const char *path)
{
	struct stat st;
	FILE *f;
	char *text;

	if (!strcmp(path, "-"))
		return read_stream(stdin, "<stdin>");
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "iommusim: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	/* fopen() opens a directory for reading; a scenario is a file. */
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "iommusim: %s: is a directory, not a scenario file\n", path);
		fclose(f);
		return NULL;
	}
	text = read_stream(f, path);
	fclose(f);
	return text;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommusim [OPTION]... [SCENARIO-FILE | -]\n"
		"Run a scenario (- reads standard input); with no file, the default\n"
		"end-to-end scenario (examples/default.scn).\n"
		"\n"
		"  --fail-nth=N      fail the N-th kernel allocation of the run\n"
		"  --help-commands   list the scenario commands and their arguments\n"
		"  -h, --help        this text\n"
		"  -V, --version     the version\n"
		"\n"
		"Exit status: 0 when every command and expectation held, 1 when the\n"
		"scenario failed, 2 for a usage or I/O error.\n");
}

/* A usage mistake: the reason, then where to look. */
static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "iommusim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'iommusim --help'.\n");
	return 2;
}

enum { OPT_FAIL_NTH = 256, OPT_HELP_COMMANDS };

static const struct option options[] = {
	{ "fail-nth",      required_argument, NULL, OPT_FAIL_NTH },
	{ "help-commands", no_argument,       NULL, OPT_HELP_COMMANDS },
	{ "help",          no_argument,       NULL, 'h' },
	{ "version",       no_argument,       NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	const char *name = "default.scn";
	char *text = NULL;
	struct world *w;
	struct scenario *s;
	unsigned long fail_nth = 0;
	int opt, ret;
	u64 n;

	opterr = 0;	/* our own messages, with the reason */
	while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
		switch (opt) {
		case OPT_FAIL_NTH:
			if (scn_parse_u64(optarg, &n) || !n || n > (u64)LONG_MAX)
				return usage_error("--fail-nth takes a positive number, not '%s'",
						   optarg);
			fail_nth = n;
			break;
		case OPT_HELP_COMMANDS:
			world_print_commands(stdout);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("iommusim %s\n", IOMMUSIM_VERSION_STRING);
			return 0;
		case ':':
			return usage_error("%s needs an argument", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return usage_error("one scenario file at a time; '%s' is a second one",
				   argv[optind + 1]);
	if (optind < argc) {
		name = strcmp(argv[optind], "-") ? argv[optind] : "<stdin>";
		text = read_scenario(argv[optind]);
		if (!text)
			return 2;
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
	if (fail_nth && !world_fail_nth_hit(w))
		fprintf(stderr, "iommusim: --fail-nth %lu: the run made fewer allocations, "
			"none failed\n", fail_nth);
	scenario_destroy(s);
	world_destroy(w);
	free(text);
	return ret ? 1 : 0;
}
