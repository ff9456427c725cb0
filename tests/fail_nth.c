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
 *  - the run past the last allocation exits 0, as the scenario does;
 *  - a run whose injected failure left no trace - exit 0 and stdout byte
 *    for byte a clean run's - failed an allocation the code absorbs on
 *    purpose: its call site (iommusim names it on stderr) must be one of
 *    fallbacks[] below, each with the reason it is absorbed, or the run
 *    swallowed an error and fails the test.
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
#define MAX_STDOUT	(1 << 20)

static char iommusim[PATH_MAX];

/*
 * The allocations whose failure a run absorbs by design, by the function
 * that makes them, and why.  Each is what Linux does there too.
 */
static struct fallback {
	const char *func;
	const char *why;
	unsigned long runs;	/* absorbed runs seen */
} fallbacks[] = {
#define DEVICE_ADD_PROBE						\
	"device_add() shrugs off a failed IOMMU probe and the driver "	\
	"bind probes again (dma_configure), kernel/platform.c"
	{ "arm_smmu_probe_device", DEVICE_ADD_PROBE, 0 },
	{ "arm_smmu_get_stream", DEVICE_ADD_PROBE, 0 },
	{ "arm_smmu_init_l2_strtab", DEVICE_ADD_PROBE, 0 },
	{ "iommu_group_alloc", DEVICE_ADD_PROBE, 0 },
	{ "__iommu_probe_device", DEVICE_ADD_PROBE, 0 },
	{ "arm_smmu_domain_alloc_paging_flags", DEVICE_ADD_PROBE, 0 },
	{ "arm_lpae_alloc_pgtable", DEVICE_ADD_PROBE, 0 },
	{ "arm_lpae_alloc_pgd", DEVICE_ADD_PROBE, 0 },
	{ "cookie_alloc", DEVICE_ADD_PROBE, 0 },
	{ "iova_domain_init_rcaches", DEVICE_ADD_PROBE, 0 },
	{ "iommu_alloc_resv_region",
	  "a driver's get_resv_regions() returns void: a region it cannot "
	  "allocate is left out (Linux iommu_dma_get_resv_regions)", 0 },
	{ "alloc_iova",
	  "alloc_iova_fast() flushes the IOVA caches and retries once "
	  "(Linux drivers/iommu/iova.c)", 0 },
	{ "arm_smmu_init_one_queue",
	  "a command or event queue that cannot be allocated is halved and "
	  "tried again, down to one page (Linux arm_smmu_init_one_queue)", 0 },
	{ "iova_magazine_alloc",
	  "a range that finds no magazine goes back to the tree, and a "
	  "probe's IOVA cache set-up is retried by the driver bind "
	  "(Linux __iova_rcache_insert)", 0 },
#undef DEVICE_ADD_PROBE
};

static struct fallback *find_fallback(const char *func)
{
	for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
		if (!strcmp(fallbacks[i].func, func))
			return &fallbacks[i];
	return NULL;
}

/* What a clean run of the scenario prints. */
static char clean_out[MAX_STDOUT];
static size_t clean_len;

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
	FILE *out;	/* its stdout */
};

#define CLEAN	((unsigned long)-1)	/* start(): no --fail-nth at all */

/* Starts iommusim --fail-nth n [file], stderr on a pipe, stdout to a file. */
static struct child start(unsigned long n, const char *file)
{
	char nbuf[32];
	int fds[2];
	struct child c;

	snprintf(nbuf, sizeof(nbuf), "%lu", n);
	REQUIRE(pipe(fds) == 0);
	c.out = tmpfile();
	REQUIRE(c.out);
	fflush(stdout);		/* or the child writes it again */
	c.pid = fork();
	REQUIRE(c.pid >= 0);
	if (c.pid == 0) {
		dup2(fileno(c.out), 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		if (n == CLEAN)
			execl(iommusim, iommusim, file, (char *)NULL);
		else
			execl(iommusim, iommusim, "--fail-nth", nbuf, file, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	c.fd = fds[0];
	return c;
}

/* Whether the child's stdout is byte for byte the clean run's. */
static bool same_as_clean(FILE *out)
{
	static char buf[MAX_STDOUT];
	size_t len;

	rewind(out);
	len = fread(buf, 1, sizeof(buf), out);
	return len == clean_len && !memcmp(buf, clean_out, len);
}

/*
 * Collects a child's stderr into err; returns its wait status, and in
 * *clean whether its stdout was a clean run's.
 */
static int finish_out(struct child c, char *err, size_t errsz, bool *clean)
{
	size_t len = 0;
	int status;
	ssize_t r;

	while ((r = read(c.fd, err + len, errsz - 1 - len)) > 0)
		len += (size_t)r;
	err[len] = '\0';
	close(c.fd);
	REQUIRE(waitpid(c.pid, &status, 0) == c.pid);
	if (clean)
		*clean = same_as_clean(c.out);
	fclose(c.out);
	return status;
}

static int finish(struct child c, char *err, size_t errsz)
{
	return finish_out(c, err, errsz, NULL);
}

static int run(unsigned long n, const char *file, char *err, size_t errsz)
{
	return finish(start(n, file), err, errsz);
}

/* Runs the scenario without failures, keeping its stdout. */
static void run_clean(const char *file)
{
	static char err[MAX_STDERR];
	struct child c = start(CLEAN, file);
	int status;

	while (read(c.fd, err, sizeof(err)) > 0)
		;
	close(c.fd);
	REQUIRE(waitpid(c.pid, &status, 0) == c.pid);
	REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	rewind(c.out);
	clean_len = fread(clean_out, 1, sizeof(clean_out), c.out);
	REQUIRE(clean_len < sizeof(clean_out));
	fclose(c.out);
}

/* "... failed the allocation at FILE:LINE (FUNC)": FUNC into func. */
static bool failed_site(const char *line, char *func, size_t size)
{
	const char *p = strstr(line, ": failed the allocation at ");
	const char *open, *close;

	if (strncmp(line, "iommusim: --fail-nth ", 21) || !p)
		return false;
	open = strrchr(p, '(');
	close = open ? strchr(open, ')') : NULL;
	if (!open || !close || (size_t)(close - open - 1) >= size)
		return false;
	memcpy(func, open + 1, (size_t)(close - open - 1));
	func[close - open - 1] = '\0';
	return true;
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
static bool check_run(unsigned long n, const char *file, int status, char *err,
		      bool clean)
{
	const char *name = file ? file : "default.scn";
	bool done = false, ok = true, absorbed;
	unsigned long errline = 0, l;
	char func[128] = "";
	int errors = 0;

	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		ok = false;
	} else {
		for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n")) {
			if (strstr(line, "none failed") && !strncmp(line, "iommusim: --fail-nth", 20))
				done = true;
			else if (failed_site(line, func, sizeof(func)))
				;	/* which allocation failed: see below */
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
	absorbed = ok && !done && WIFEXITED(status) && !WEXITSTATUS(status) && clean;
	if (absorbed) {
		struct fallback *fb = find_fallback(func);

		if (fb) {
			fb->runs++;
		} else {
			fprintf(stderr, "iommusim --fail-nth %lu %s: the failed allocation "
				"in %s left no trace (exit 0, a clean run's output): a "
				"swallowed error, or a fallback to name in fallbacks[]\n",
				n, name, *func ? func : "(no site named)");
			test_failures++;
		}
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

	run_clean(file);
	for (n = 1; n <= MAX_N && !stop; n += JOBS) {
		for (unsigned int j = 0; j < JOBS; j++)
			c[j] = start(n + j, file);
		for (unsigned int j = 0; j < JOBS; j++) {
			bool clean;
			int status = finish_out(c[j], err, sizeof(err), &clean);

			/* Runs past the end must pass too: check them all. */
			if (check_run(n + j, file, status, err, clean) && !stop) {
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
	for (size_t i = 0; i < sizeof(fallbacks) / sizeof(fallbacks[0]); i++)
		if (fallbacks[i].runs)
			printf("absorbed by design, %lu runs: %s: %s\n", fallbacks[i].runs,
			       fallbacks[i].func, fallbacks[i].why);
	return test_done();
}
