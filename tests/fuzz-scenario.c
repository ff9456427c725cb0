// SPDX-License-Identifier: MIT
/*
 * The scenario fuzz harness (fuzz/scenario.c) over its seed corpus, in
 * every build: each example behind a spread of --fail-nth values, the
 * must-fail scenarios, and inputs that once crashed or leaked.  Every run
 * may fail, none may crash, leak or trip a sanitizer.
 */
#include "fuzz/scenario.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/scenario")
