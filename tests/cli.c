// SPDX-License-Identifier: MIT
/*
 * The iommusim command line as a newcomer meets it: --help and -h print the
 * usage on stdout and exit 0, --version names the version, '-' reads the
 * scenario from standard input, options may come before or after the file,
 * and every mistake (unknown option, missing argument, a second file, a
 * directory, a missing file) exits 2 with a reason on stderr, not a bare
 * usage text.  Then the scenario language's conveniences: variables,
 * include, and errors that name what there is instead.
 */
#include <stdbool.h>

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
	char dir2[] = "/tmp/iommusim-cli-XXXXXX";

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

	/* --help-commands: each name once, the board's commands marked. */
	RUN(NULL, "--help-commands");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "\ndma-unmap DEV iova=A size=S\n") != NULL);
	CHECK(strstr(r.out, "\nset NAME=VALUE...\n") != NULL);
	CHECK(strstr(r.out, "\ninclude FILE\n") != NULL);
	CHECK(strstr(r.out, "dma-map DEV pa=P size=S\n    the DMA API: reports iova=\n"
			    "    needs the board") != NULL);
	CHECK(strstr(r.out, "\nmap DOMAIN iova=A pa=P size=S") != NULL);

	/* Mistakes that name what there is. */
	RUN("machne\n", "-");
	CHECK_EQ(r.status, 1);
	CHECK(strstr(r.err, "did you mean 'machine'? (iommusim --help-commands") != NULL);
	RUN("board host\nendpoint nic0 sid=0x10\ncompose nic0 its=its0 index=0\n", "-");
	CHECK(strstr(r.err, "no object named 'its0' (its objects: its)") != NULL);
	RUN("machine\nexpect ram=1G\n", "-");
	CHECK(strstr(r.err, "reported no ram (it reported rc, ram_base, ram_size)") != NULL);
	RUN("board host\nendpoint legacy sid=0x30 smmu=0\ndma legacy iova=0x200000000\n", "-");
	CHECK(strstr(r.out, "no RAM or device at pa 0x200000000") != NULL);
	RUN("board host stages=s3\n", "-");
	CHECK(strstr(r.err, "stages=s3: s1, s2 or s1+s2") != NULL);

	/* Variables: set, $NAME, ${NAME}, $.KEY, $$; not in comments. */
	RUN("machine\nset base=$.ram_base n=7 # $.nothing\nprint at ${base}:$n costs $$1\n", "-");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.out, "at 0x40000000:7 costs $1\n") != NULL);
	RUN("print $nope\n", "-");
	CHECK(strstr(r.err, "$nope: no such variable") != NULL);
	RUN("machine\nprint $.nope\n", "-");
	CHECK(strstr(r.err, "$.nope: the previous command reported no nope") != NULL);
	RUN("set 9-x=1\n", "-");
	CHECK(strstr(r.err, "'9-x' is not a name") != NULL);

	/* include: beside the including file, with its own line numbers. */
	REQUIRE(mkdtemp(dir));
	{
		char a[128], b[128];
		FILE *f;

		snprintf(a, sizeof(a), "%s/a.scn", dir);
		snprintf(b, sizeof(b), "%s/b.scn", dir);
		REQUIRE((f = fopen(a, "w")));
		fputs("set who=b\ninclude b.scn\nprint back from $who\n", f);
		fclose(f);
		REQUIRE((f = fopen(b, "w")));
		fputs("print in $who\nset who=a\n", f);
		fclose(f);
		RUN(NULL, a);
		CHECK_EQ(r.status, 0);
		CHECK(strstr(r.out, "in b\nback from a\n") != NULL);
		REQUIRE((f = fopen(b, "w")));
		fputs("print fine\nbogus-command\n", f);
		fclose(f);
		RUN(NULL, a);
		CHECK_EQ(r.status, 1);
		CHECK(strstr(r.err, "/b.scn:2: unknown command 'bogus-command'") != NULL);
		REQUIRE((f = fopen(b, "w")));
		fputs("include a.scn\n", f);
		fclose(f);
		RUN(NULL, a);
		CHECK_EQ(r.status, 1);
		CHECK(strstr(r.err, "nested deeper than 8 files") != NULL);
		unlink(a);
		unlink(b);
		rmdir(dir);
	}
	memcpy(dir, "/tmp/iommusim-cli-XXXXXX", sizeof(dir));

	/* Pictures: DOT always; SVG through Graphviz when it is installed. */
	REQUIRE(mkdtemp(dir));
	{
		char scn[1024], dotf[128], svgf[128];
		bool have_dot = system("command -v dot >/dev/null 2>&1") == 0;
		FILE *f;

		snprintf(dotf, sizeof(dotf), "%s/t.dot", dir);
		snprintf(svgf, sizeof(svgf), "%s/w.svg", dir);
		snprintf(scn, sizeof(scn), "board host\nendpoint nic0 sid=0x10\n"
			 "dma-map nic0 pa=0x68000000 size=8K\npgtable nic0 dot=%s\n"
			 "expect tables=4 leaves=2 runs=1\n"
			 "walk nic0 iova=0xffffe000 svg=%s\n", dotf, svgf);
		RUN(scn, "-");
		CHECK_EQ(r.status, have_dot ? 0 : 1);
		CHECK(strstr(r.out, "0xffffe000-0xffffffff -> 0x68000000  2 x 4K page") != NULL);
		REQUIRE((f = fopen(dotf, "r")));
		CHECK(fread(scn, 1, 15, f) == 15 && !strncmp(scn, "digraph pgtable", 15));
		fclose(f);
		if (have_dot) {
			char cmd[300];

			snprintf(cmd, sizeof(cmd), "dot -Tsvg %s -o /dev/null", dotf);
			CHECK(system(cmd) == 0);	/* our DOT parses */
			CHECK(access(svgf, R_OK) == 0);
		} else {
			CHECK(strstr(r.err, "apt-get install graphviz") != NULL);
		}
		unlink(dotf);
		unlink(svgf);
		rmdir(dir);
	}
	memcpy(dir, "/tmp/iommusim-cli-XXXXXX", sizeof(dir));

	/* --trace: QEMU's event names on stderr; a wrong category is named. */
	RUN("board host\nendpoint nic0 sid=0x10\ndma-map nic0 pa=0x68000000 size=4K\n"
	    "dma nic0 iova=$.iova\n", "--trace=cmdq,tlb,dma", "-");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.err, "smmuv3_cmdq_opcode <--- CMD_SYNC") != NULL);
	CHECK(strstr(r.err, "smmu_iotlb_insert asid=1 ") != NULL);
	CHECK(strstr(r.err, "iommu:map IOMMU: iova=0x00000000fffff000") != NULL);
	CHECK(strstr(r.err, "smmuv3_record_event") == NULL);	/* not asked for */
	CHECK(strstr(r.out, "smmuv3_") == NULL);			/* not on stdout */
	/* event: the model's record and the driver's decode, in Linux's words. */
	RUN("board host\nendpoint nic0 sid=0x10\ndma nic0 iova=0x1234000\nexpect rc=-EFAULT\n",
	    "--trace=event", "-");
	CHECK_EQ(r.status, 0);
	CHECK(strstr(r.err, "smmuv3_record_event F_TRANSLATION sid=0x10") != NULL);
	CHECK(strstr(r.err, "event: F_TRANSLATION client: nic0 sid: 0x10 ssid: 0 iova: 0x1234000") != NULL);
	CHECK(strstr(r.err, "unpriv data write s1 \"IN\"") != NULL);
	RUN(NULL, "--trace=cmdq,bogus");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "unknown category 'bogus'") != NULL);

	RUN(NULL, "/nonexistent/x.scn");
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "/nonexistent/x.scn: No such file or directory") != NULL);
	REQUIRE(mkdtemp(dir2));
	RUN(NULL, dir2);
	CHECK_EQ(r.status, 2);
	CHECK(strstr(r.err, "is a directory") != NULL);
	rmdir(dir2);
	return test_done();
}
