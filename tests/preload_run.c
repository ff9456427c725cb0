// SPDX-License-Identifier: MIT
/*
 * Runs every client program of tests/preload/ under the LD_PRELOAD shim.
 *
 * The clients (build/<variant>/preload-tests/NAME) are plain programs that
 * know only libc and the uAPI headers; this driver runs each with
 * LD_PRELOAD=build/<variant>/libiommusim-preload.so and checks that it
 * exits 0.  In a sanitizer build the shim needs its runtimes loaded before
 * anything else, while the clients are not instrumented: the driver puts
 * the sanitizer runtimes it is itself linked with (found in
 * /proc/self/maps) first in LD_PRELOAD, so the shim and the kernel code in
 * it run under ASan, UBSan and LeakSanitizer in the client's process.
 * Each client runs once per IOMMU driver the shim offers (iommu=smmuv3,
 * the default, and iommu=mock, named in IOMMUSIM_PRELOAD), and each of
 * those twice: the second time the shim checks user pointers through its
 * pipe fallback (IOMMUSIM_PRELOAD_UACCESS=pipe), as where process_vm_readv
 * is forbidden.  A client that makes sense on one IOMMU only exits 77 on
 * the other, after printing why: reported as SKIP.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"

/* Appends to list the path of every mapped library whose name has key. */
static void add_runtime(char *list, size_t size, const char *key)
{
	char line[PATH_MAX + 128];
	FILE *maps = fopen("/proc/self/maps", "r");

	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		char *path = strchr(line, '/');

		if (!path || !strstr(path, key))
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (strstr(list, path))
			continue;
		snprintf(list + strlen(list), size - strlen(list), "%s%s",
			 *list ? ":" : "", path);
		break;
	}
	fclose(maps);
}

static const char *const iommus[] = { "smmuv3", "mock" };

#define CLIENT_SKIP	77

static int run_client(const char *path, const char *preload, const char *iommu,
		      bool pipe_uaccess)
{
	char config[32];
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		setenv("LD_PRELOAD", preload, 1);
		/* The IOMMU; clients add their own configuration to it. */
		snprintf(config, sizeof(config), "iommu=%s", iommu);
		setenv("IOMMUSIM_PRELOAD", config, 1);
		unsetenv("IOMMUSIM_PRELOAD_CONFIG");
		if (pipe_uaccess)
			setenv("IOMMUSIM_PRELOAD_UACCESS", "pipe", 1);
		else
			unsetenv("IOMMUSIM_PRELOAD_UACCESS");
		execl(path, path, (char *)NULL);
		perror(path);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFSIGNALED(status))
		fprintf(stderr, "%s: killed by signal %d\n", path, WTERMSIG(status));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	char self[PATH_MAX], build[PATH_MAX], dir[PATH_MAX + 32];
	char shim[PATH_MAX + 64], preload[4 * PATH_MAX] = "";
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct dirent *de;
	int ran = 0, skipped = 0;
	DIR *d;

	REQUIRE(n > 0);
	self[n] = '\0';
	/* build/<variant>/tests/preload_run -> build/<variant> */
	snprintf(build, sizeof(build), "%s", self);
	for (int i = 0; i < 2; i++)
		*strrchr(build, '/') = '\0';
	snprintf(shim, sizeof(shim), "%s/libiommusim-preload.so", build);
	snprintf(dir, sizeof(dir), "%s/preload-tests", build);
	REQUIRE(access(shim, R_OK) == 0);

	add_runtime(preload, sizeof(preload), "libasan.so");
	add_runtime(preload, sizeof(preload), "libubsan.so");
	add_runtime(preload, sizeof(preload), "libtsan.so");
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif
#ifdef UNDER_TSAN
	/*
	 * clang links its TSan runtime statically into executables: there is
	 * no libtsan.so to load ahead of the shim in an uninstrumented client,
	 * so the shim cannot run there.  The release and ASan runs cover it.
	 */
	if (!strstr(preload, "tsan")) {
		printf("skipped: no shared TSan runtime to preload (clang)\n");
		return 0;
	}
#endif
	snprintf(preload + strlen(preload), sizeof(preload) - strlen(preload),
		 "%s%s", *preload ? ":" : "", shim);

	d = opendir(dir);
	REQUIRE(d);
	while ((de = readdir(d))) {
		char path[2 * PATH_MAX];
		int rc;

		if (de->d_name[0] == '.' || strchr(de->d_name, '.'))
			continue;	/* dependency files */
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (access(path, X_OK))
			continue;
		for (unsigned int i = 0; i < sizeof(iommus) / sizeof(iommus[0]); i++) {
			/* Once as usual, once with the shim's fallback EFAULT checks. */
			for (int pipe_uaccess = 0; pipe_uaccess < 2; pipe_uaccess++) {
				fflush(stdout);
				rc = run_client(path, preload, iommus[i], pipe_uaccess);
				printf("%s %s (%s%s)\n",
				       rc == CLIENT_SKIP ? "SKIP" : rc ? "FAIL" : "PASS",
				       de->d_name, iommus[i],
				       pipe_uaccess ? ", pipe uaccess" : "");
				if (rc == CLIENT_SKIP) {
					skipped++;
					break;	/* the reason does not change */
				}
				CHECK_EQ(rc, 0);
				ran++;
			}
		}
	}
	closedir(d);
	printf("%d client runs, %d skipped\n", ran, skipped);
	CHECK(ran > 0);
	return test_done();
}
