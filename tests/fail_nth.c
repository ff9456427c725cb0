// SPDX-License-Identifier: MIT
/*
 * Allocation-failure injection over whole scenarios, as the kernel's
 * iommufd fail-nth selftest does over ioctl sequences: for the default
 * scenario and every .scn file in examples/, run `iommusim --fail-nth N` for
 * N = 1, 2, ... until a run makes fewer than N allocations, and require of
 * every run:
 *
 *  - it exits 0 or 1: no signal, no sanitizer exit code (the iommusim of
 *    the ASan build runs LeakSanitizer at exit, so a leak fails here);
 *  - stderr holds nothing but the scenario's own error ("FILE:LINE: ...",
 *    one line per mismatched key, all of one scenario line) when it exits
 *    1, and nothing when it exits 0: no sanitizer report, no kernel
 *    WARNING (a half-built object or leaked machine memory at teardown);
 *  - the run past the last allocation exits 0, as the scenario does.
 *
 * The iommusim used is the one of this test's build (build/VARIANT/).
 */
#include <glob.h>
#include <stdbool.h>
#include <limits.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"

#define MAX_N		20000	/* a scenario with more allocations is a load test */
#define MAX_STDERR	8192
#define JOBS		4	/* runs at once: most of a run is process start-up */

static char iommusim[PATH_MAX];

/* build/VARIANT/tests/fail_nth -> build/VARIANT/iommusim */
static void find_iommusim(void)
{
	ssize_t n = readlink("/proc/self/exe", iommusim, sizeof(iommusim) - 16);
	char *slash;

	REQUIRE(n > 0);
	iommusim[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(iommusim, '/');
		REQUIRE(slash);
		*slash = '\0';
	}
	strcat(iommusim, "/iommusim");
	REQUIRE(access(iommusim, X_OK) == 0);
}

struct child {
	pid_t pid;
	int fd;		/* its stderr */
};

/* Starts iommusim --fail-nth n [file] with stderr on a pipe. */
static struct child start(unsigned long n, const char *file)
{
	char nbuf[32];
	int fds[2];
	struct child c;

	snprintf(nbuf, sizeof(nbuf), "%lu", n);
	REQUIRE(pipe(fds) == 0);
	fflush(stdout);		/* or the child's freopen() writes it again */
	c.pid = fork();
	REQUIRE(c.pid >= 0);
	if (c.pid == 0) {
		FILE *null = freopen("/dev/null", "w", stdout);

		(void)null;
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (file)
			execl(iommusim, iommusim, "--fail-nth", nbuf, file, (char *)NULL);
		else
			execl(iommusim, iommusim, "--fail-nth", nbuf, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	c.fd = fds[0];
	return c;
}

/* Collects a child's stderr into err; returns its wait status. */
static int finish(struct child c, char *err, size_t errsz)
{
	size_t len = 0;
	int status;
	ssize_t r;

	while ((r = read(c.fd, err + len, errsz - 1 - len)) > 0)
		len += (size_t)r;
	err[len] = '\0';
	close(c.fd);
	REQUIRE(waitpid(c.pid, &status, 0) == c.pid);
	return status;
}

static int run(unsigned long n, const char *file, char *err, size_t errsz)
{
	return finish(start(n, file), err, errsz);
}

/*
 * "NAME:LINE: message": the scenario's own error, or one of a file it
 * includes from examples/lib/; returns LINE, or 0.
 */
static unsigned long scenario_error_line(const char *line, const char *name)
{
	size_t nl = strlen(name);
	const char *p;
	unsigned long n = 0;

	if (!strncmp(line, "examples/lib/", 13) && strchr(line, ':'))
		nl = (size_t)(strchr(line, ':') - line), name = line;
	p = line + nl;
	if (strncmp(line, name, nl) || *p++ != ':' || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		n = n * 10 + (unsigned long)(*p++ - '0');
	return p[0] == ':' && p[1] == ' ' ? n : 0;
}

/* Checks one finished run; returns true when it made fewer than n allocations. */
static bool check_run(unsigned long n, const char *file, int status, char *err)
{
	const char *name = file ? file : "default.scn";
	bool done = false, ok = true;
	unsigned long errline = 0, l;
	int errors = 0;

	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		ok = false;
	} else {
		for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n")) {
			if (strstr(line, "none failed") && !strncmp(line, "iommusim: --fail-nth", 20))
				done = true;
			else if ((l = scenario_error_line(line, name)) &&
				 (!errline || l == errline))
				errline = l, errors++;	/* expect reports each mismatch */
			else
				ok = false;
		}
		if (WEXITSTATUS(status) != (errors ? 1 : 0))
			ok = false;
		if (done && WEXITSTATUS(status) != 0)
			ok = false;
	}
	if (!ok) {
		/* err was cut into lines: run again for the report. */
		status = run(n, file, err, MAX_STDERR);
		fprintf(stderr, "iommusim --fail-nth %lu %s: status 0x%x, stderr:\n%s\n",
			n, file ? file : "(default)", status, err);
		test_failures++;
	}
	test_checks++;
	return done || !ok;
}

/* N = 1, 2, ... in batches of JOBS concurrent runs, until one needs no failure. */
static void fail_every_allocation(const char *file)
{
	static char err[MAX_STDERR];
	struct child c[JOBS];
	unsigned long n, last = 0;
	bool stop = false;

	for (n = 1; n <= MAX_N && !stop; n += JOBS) {
		for (unsigned int j = 0; j < JOBS; j++)
			c[j] = start(n + j, file);
		for (unsigned int j = 0; j < JOBS; j++) {
			int status = finish(c[j], err, sizeof(err));

			/* Runs past the end must pass too: check them all. */
			if (check_run(n + j, file, status, err) && !stop) {
				stop = true;
				last = n + j;
			}
		}
	}
	CHECK(stop);
	printf("%s: %lu allocations, each failed once\n", file ? file : "default scenario",
	       last - 1);
}

int main(void)
{
	glob_t g;

	static char err[MAX_STDERR];
	int status;

	find_iommusim();
	/* A usage error, not a scenario: exit 2 and say why. */
	status = run(0, NULL, err, sizeof(err));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2);
	CHECK(strstr(err, "--fail-nth takes a positive number"));

	fail_every_allocation(NULL);
	if (glob("examples/*.scn", 0, NULL, &g) == 0) {
		/* examples/default.scn is the built-in default: run once, above. */
		for (size_t i = 0; i < g.gl_pathc; i++)
			if (strcmp(g.gl_pathv[i], "examples/default.scn"))
				fail_every_allocation(g.gl_pathv[i]);
		globfree(&g);
	}
	return test_done();
}
