// SPDX-License-Identifier: MIT
/*
 * The iommusim command line as a newcomer meets it: --help and -h print the
 * usage on stdout and exit 0, --version names the version, '-' reads the
 * scenario from standard input, options may come before or after the file,
 * and every mistake (unknown option, missing argument, a second file, a
 * directory, a missing file) exits 2 with a reason on stderr, not a bare
 * usage text.
 */
#include "include/iommusim/version.h"
#include "tests/test.h"
#include "tests/tool.h"

static struct tool_run r;

#define RUN(stdin_text, ...)						\
	do {								\
		const char *argv[] = { NULL, __VA_ARGS__, NULL };	\
		tool_run(&r, argv, stdin_text);				\
	} while (0)

static void check_usage_error(const char *want)
{
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, want) != NULL);
	CHECK(strstr(r.err, "Try 'iommusim --help'") != NULL);
	if (!strstr(r.err, want))
		fprintf(stderr, "stderr lacks '%s':\n%s\n", want, r.err);
}

int main(void)
{
	char dir[] = "/tmp/iommusim-cli-XXXXXX";

	RUN(NULL, "--help");
	CHECK_EQ(r.status, 0);
	CHECK(!strncmp(r.out, "usage: iommusim", 15));
	CHECK(strstr(r.out, "--fail-nth") && strstr(r.out, "--version"));
	RUN(NULL, "-h");
	CHECK_EQ(r.status, 0);
	CHECK(!strncmp(r.out, "usage: iommusim", 15));

	RUN(NULL, "--version");
	CHECK_EQ(r.status, 0);
	CHECK(!strcmp(r.out, "iommusim " IOMMUSIM_VERSION_STRING "\n"));
	RUN(NULL, "-V");
	CHECK(!strcmp(r.out, "iommusim " IOMMUSIM_VERSION_STRING "\n"));

	/* A scenario on standard input, its failures named <stdin>. */
	RUN("print hello from stdin\n", "-");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "hello from stdin") != NULL);
	RUN("no-such-command\n", "-");
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.err, "<stdin>:1:") != NULL);

	/* --fail-nth after the file works as before it. */
	RUN("kernel host ram=64M\n", "-", "--fail-nth", "1");
	CHECK_EQ(r.status, 1);
	RUN("kernel host ram=64M\n", "--fail-nth=1", "-");
	CHECK_EQ(r.status, 1);

	RUN(NULL, "--no-such-option");
	check_usage_error("unknown option '--no-such-option'");
	RUN(NULL, "--fail-nth");
	check_usage_error("--fail-nth needs an argument");
	RUN(NULL, "--fail-nth", "0");
	check_usage_error("--fail-nth takes a positive number, not '0'");
	RUN(NULL, "a.scn", "b.scn");
	check_usage_error("'b.scn' is a second one");

	RUN(NULL, "/nonexistent/x.scn");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "/nonexistent/x.scn: No such file or directory") != NULL);
	REQUIRE(mkdtemp(dir));
	RUN(NULL, dir);
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "is a directory") != NULL);
	rmdir(dir);
	return test_done();
}
