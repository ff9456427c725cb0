// SPDX-License-Identifier: MIT
/*
 * tests/preload/stress.c linked with the shim's objects, its calls served
 * in-process (as tests/fuzz-preload serves the shim's harness): the same
 * four threads, random calls and forks, in every build - ThreadSanitizer
 * included, where the LD_PRELOAD client cannot run (clang links TSan's
 * runtime into executables, so no shim built with it loads into a plain
 * program; tests/preload_run skips there).
 *
 * The client's check that it runs under the shim reads LD_PRELOAD: here
 * the shim is linked in, which the constructor below says so before it.
 *
 * Under TSan, linked in, the shim's own close() and dup() reach libc
 * through dlsym(RTLD_NEXT), past TSan's interceptors (which live in this
 * executable), so TSan never sees those descriptors go; when eventfd()
 * (intercepted) hands out a number again, TSan takes the two creations
 * for a race on the descriptor.  Only that report is suppressed: a race
 * inside the eventfd interceptor's own bookkeeping.  As an LD_PRELOAD
 * shim, TSan's interceptors come first and see every call.
 */
#include <stdlib.h>

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:^__interceptor_eventfd$\nrace:^eventfd$\n";
}
#endif
#endif

__attribute__((constructor(101))) static void stress_shim_linked_in(void)
{
	setenv("LD_PRELOAD", "libiommusim-preload.so (linked in)", 1);
}

#include "tests/preload/stress.c"
