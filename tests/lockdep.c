// SPDX-License-Identifier: MIT
/*
 * lockdep_assert_held() (lib/lock.h): in the LOCKDEP builds (sanitizer and
 * TSan) it aborts, naming the lock and the place, when the calling thread
 * does not hold the lock: not held at all, held by another thread, or
 * released; it is silent when the caller holds it.  Release builds compile
 * it away, so there it must never abort.  Each case runs in a child so an
 * abort is observed, not suffered.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/lock.h"
#include "tests/test.h"

static struct mutex m;
static spinlock_t sl;

/* 0: the body ran to its end; SIGABRT: an assertion fired. */
static int in_child(void (*body)(void))
{
	int status;
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		/* The abort's message is expected: keep the test's output clean. */
		freopen("/dev/null", "w", stderr);
		body();
		_exit(0);
	}
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
}

static void held(void)
{
	mutex_lock(&m);
	lockdep_assert_held(&m);
	mutex_unlock(&m);
	spin_lock(&sl);
	lockdep_assert_held(&sl);
	spin_unlock(&sl);
}

static void never_taken(void)
{
	lockdep_assert_held(&m);
}

static void released(void)
{
	spin_lock(&sl);
	spin_unlock(&sl);
	lockdep_assert_held(&sl);
}

static void *hold_forever(void *arg)
{
	(void)arg;
	mutex_lock(&m);
	for (;;)
		pause();
	return NULL;
}

static void other_thread(void)
{
	pthread_t t;

	pthread_create(&t, NULL, hold_forever, NULL);
	while (mutex_trylock(&m))	/* until the other thread has it */
		mutex_unlock(&m);
	lockdep_assert_held(&m);
}

int main(void)
{
#ifdef IOMMUSIM_LOCKDEP
	int fired = SIGABRT;
#else
	int fired = 0;
#endif

	mutex_init(&m);
	spin_lock_init(&sl);
	CHECK_EQ(in_child(held), 0);
	CHECK_EQ(in_child(never_taken), fired);
	CHECK_EQ(in_child(released), fired);
	CHECK_EQ(in_child(other_thread), fired);
	mutex_destroy(&m);
	return test_done();
}
