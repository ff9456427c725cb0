// SPDX-License-Identifier: MIT
/*
 * The test framework's own promise: test_done() passes a program only when
 * at least one check ran and every check held.  A test that reached its
 * end having checked nothing (a loop over an empty list, a branch never
 * taken) proves nothing, so it fails.  Each case runs in a child, whose
 * counters start from the parent's (zero, at the fork).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "tests/test.h"

/* The exit status of a child that runs `checks` passing checks, then test_done(). */
static int child_status(int checks, int failures)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	REQUIRE(pid >= 0);
	if (!pid) {
		for (int i = 0; i < checks; i++)
			CHECK(i >= failures);
		_exit(test_done());
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(void)
{
	int none = child_status(0, 0), one = child_status(1, 0);
	int failing = child_status(2, 1);

	CHECK_EQ(none, 1);	/* checked nothing: fails */
	CHECK_EQ(one, 0);
	CHECK_EQ(failing, 1);
	return test_done();
}
