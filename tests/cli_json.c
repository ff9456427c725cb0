// SPDX-License-Identifier: MIT
/*
 * iommusim --json as a program consumes it: every example scenario, run with
 * --json, prints nothing on stdout but JSON objects, one per line, each a
 * command's result, an expect that held, or an error; the narrative goes to
 * stderr.  The JSON checker itself is checked first, so a checker that
 * accepts anything cannot make this test pass.
 */
#include <glob.h>

#include "tests/json-check.h"
#include "tests/test.h"
#include "tests/tool.h"

static struct tool_run r;

/* Checks every line of r.out; returns how many there were. */
static int check_lines(const char *what)
{
	int n = 0;

	for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n"), n++) {
		bool ok = json_valid(line) && line[0] == '{' &&
			  strstr(line, "\"file\":") && strstr(line, "\"line\":") &&
			  strstr(line, "\"command\":");

		CHECK(ok);
		if (!ok)
			fprintf(stderr, "%s: not a result object: %s\n", what, line);
	}
	return n;
}

int main(void)
{
	glob_t g;

	CHECK(json_valid("{\"a\":[1,-2.5e3,true,null,\"x\\u00e9\\n\"],\"b\":{}}"));
	CHECK(!json_valid("{\"a\":1,}"));
	CHECK(!json_valid("{\"a\":01}"));
	CHECK(!json_valid("{\"a\":\"tab\there\"}"));
	CHECK(!json_valid("{\"a\":1} {\"b\":2}"));
	CHECK(!json_valid("machine: 1024 MiB of RAM"));

	REQUIRE(glob("examples/*.scn", 0, NULL, &g) == 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *argv[] = { NULL, "--json", g.gl_pathv[i], NULL };

		tool_run(&r, argv, NULL);
		CHECK_EQ(r.status, 0);
		CHECK(check_lines(g.gl_pathv[i]) > 0);
	}
	globfree(&g);

	/* Values, rc names and errors, as a consumer reads them. */
	{
		const char *argv[] = { NULL, "--json", "-", NULL };

		tool_run(&r, argv, "machine ram=1G\nexpect ram_size=1G\nkernel k ram=2G\n"
			 "expect rc=-ENOMEM\nbogus\n");
		CHECK_EQ(r.status, 1);
		CHECK(strstr(r.out, "{\"file\":\"<stdin>\",\"line\":1,\"command\":\"machine\","
				    "\"rc\":0,\"rc_name\":\"0\",\"values\":{\"ram_base\":"
				    "\"0x40000000\",\"ram_size\":\"0x40000000\"}}\n") != NULL);
		CHECK(strstr(r.out, "\"line\":2,\"command\":\"expect\",\"ok\":true}") != NULL);
		CHECK(strstr(r.out, "\"command\":\"kernel\",\"rc\":-12,\"rc_name\":\"-ENOMEM\"") != NULL);
		CHECK(strstr(r.out, "\"line\":5,\"command\":\"bogus\",\"error\":\"unknown command 'bogus'") != NULL);
		CHECK(strstr(r.err, "machine: 1024 MiB of RAM") != NULL);
		CHECK_EQ(check_lines("stdin"), 5);
	}
	return test_done();
}
