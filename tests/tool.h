/* SPDX-License-Identifier: MIT */
/*
 * Running this build's iommusim command from a test, as a user runs it: the
 * binary beside the test's build folder (build/VARIANT/tests/NAME ->
 * build/VARIANT/iommusim), arguments, optional standard input, and what it
 * printed on stdout and stderr with its exit status.  Header-only, like
 * tests/test.h.
 */
#ifndef IOMMUSIM_TESTS_TOOL_H
#define IOMMUSIM_TESTS_TOOL_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"

struct tool_run {
	int status;		/* exit status, or 128 + signal */
	char out[1 << 16];	/* stdout, NUL-terminated, truncated */
	char err[1 << 16];	/* stderr, likewise */
};

static inline const char *tool_path(void)
{
	static char path[PATH_MAX];
	ssize_t n;
	char *slash;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	REQUIRE(n > 0);
	path[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(path, '/');
		REQUIRE(slash);
		*slash = '\0';
	}
	strcat(path, "/iommusim");
	REQUIRE(access(path, X_OK) == 0);
	return path;
}

/* Reads fd to its end into buf (size bytes with the NUL). */
static inline void tool_slurp(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;
	char sink[4096];

	while ((n = read(fd, len + 1 < size ? buf + len : sink,
			 len + 1 < size ? size - 1 - len : sizeof(sink))) > 0)
		if (len + 1 < size)
			len += n;
	buf[len] = '\0';
}

/*
 * argv[0] is filled in; argv ends with NULL.  stdin_text NULL: /dev/null.
 * stdout and stderr go to temporary files so neither pipe can fill.
 */
static inline void tool_run(struct tool_run *r, const char **argv,
			    const char *stdin_text)
{
	FILE *in = tmpfile(), *out = tmpfile(), *err = tmpfile();
	int wstatus;
	pid_t pid;

	REQUIRE(in && out && err);
	if (stdin_text)
		fputs(stdin_text, in);
	fflush(in);
	rewind(in);
	argv[0] = tool_path();
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		dup2(fileno(in), 0);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	REQUIRE(waitpid(pid, &wstatus, 0) == pid);
	r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	rewind(out);
	rewind(err);
	tool_slurp(fileno(out), r->out, sizeof(r->out));
	tool_slurp(fileno(err), r->err, sizeof(r->err));
	fclose(in);
	fclose(out);
	fclose(err);
}

#endif
