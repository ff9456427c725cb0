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
 */
#include <stdlib.h>

__attribute__((constructor(101))) static void stress_shim_linked_in(void)
{
	setenv("LD_PRELOAD", "libiommusim-preload.so (linked in)", 1);
}

#include "tests/preload/stress.c"
