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
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hw/trace.h"
#include "include/iommusim/version.h"
#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

extern const char default_scenario[];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommusim [OPTION]... [SCENARIO-FILE | -]\n"
		"Run a scenario (- reads standard input); with no file, the default\n"
		"end-to-end scenario (examples/default.scn).\n"
		"\n"
		"  --fail-nth=N      fail the N-th kernel allocation of the run\n"
		"  --help-commands   list the scenario commands and their arguments\n"
		"  --json            one JSON object per command on stdout (file, line,\n"
		"                    command, rc, values); the narrative goes to stderr\n"
		"  --trace=LIST      trace events on stderr, QEMU's names: LIST of cmdq, cfg,\n"
		"                    tlb, walk, event, gerror, its, iommufd, dma, coherency,\n"
		"                    or all\n"
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

enum { OPT_FAIL_NTH = 256, OPT_HELP_COMMANDS, OPT_JSON, OPT_TRACE };

static const struct option options[] = {
	{ "fail-nth",      required_argument, NULL, OPT_FAIL_NTH },
	{ "help-commands", no_argument,       NULL, OPT_HELP_COMMANDS },
	{ "json",          no_argument,       NULL, OPT_JSON },
	{ "trace",         required_argument, NULL, OPT_TRACE },
	{ "help",          no_argument,       NULL, 'h' },
	{ "version",       no_argument,       NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

/* What the command line asked for. */
struct opts {
	unsigned long fail_nth;
	bool json;
	unsigned int trace;
};

/*
 * Parses the options into o; -1 to go on with argv[optind..], else the exit
 * status (0 after --help and friends, 2 after a mistake, said on stderr).
 */
static int parse_options(int argc, char **argv, struct opts *o)
{
	const char *bad;
	unsigned int bad_len;
	int opt;
	u64 n;

	opterr = 0;	/* our own messages, with the reason */
	while ((opt = getopt_long(argc, argv, ":hV", options, NULL)) != -1) {
		switch (opt) {
		case OPT_FAIL_NTH:
			if (scn_parse_u64(optarg, &n) || !n || n > (u64)LONG_MAX)
				return usage_error("--fail-nth takes a positive number, not '%s'",
						   optarg);
			o->fail_nth = n;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_TRACE:
			o->trace = iommusim_trace_parse(optarg, &bad, &bad_len);
			if (!o->trace) {
				fprintf(stderr, "iommusim: --trace: unknown category '%.*s'; the categories are "
					"cmdq, cfg, tlb, walk, event, gerror, its, iommufd, dma, coherency, all\n",
					(int)bad_len, bad);
				return 2;
			}
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
	return -1;
}

int main(int argc, char **argv)
{
	const char *name = "default.scn";
	struct opts o = { 0 };
	char *text = NULL;
	struct world *w;
	struct scenario *s;
	FILE *narrative;
	int ret;

	/* Results and errors keep their order when both go to one pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = parse_options(argc, argv, &o);
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		char why[128];

		name = strcmp(argv[optind], "-") ? argv[optind] : "<stdin>";
		text = scn_read_file(argv[optind], why, sizeof(why));
		if (!text) {
			fprintf(stderr, "iommusim: %s: %s\n", name, why);
			return 2;
		}
	}
	/* With --json, stdout carries only JSON; the narrative goes to stderr. */
	narrative = o.json ? stderr : stdout;
	w = world_create(narrative);
	s = w ? scenario_create(narrative, world_commands, w) : NULL;
	if (!s) {
		fprintf(stderr, "iommusim: out of memory\n");
		world_destroy(w);
		free(text);
		return 2;
	}
	if (o.json)
		scenario_set_json(s, stdout);
	world_set_trace(w, o.trace, stderr);
	world_fail_nth(w, o.fail_nth);
	ret = scenario_run(s, name, text ? text : default_scenario);
	if (o.fail_nth && !world_fail_nth_hit(w)) {
		fprintf(stderr, "iommusim: --fail-nth %lu: the run made fewer allocations, "
			"none failed\n", o.fail_nth);
	} else if (o.fail_nth) {
		/* Which allocation failed: where to look. */
		fprintf(stderr, "iommusim: --fail-nth %lu: failed the allocation at ",
			o.fail_nth);
		world_fail_nth_site(w, stderr);
		fputc('\n', stderr);
	}
	scenario_destroy(s);
	world_destroy(w);
	free(text);
	return ret ? 1 : 0;
}
