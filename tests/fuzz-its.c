// SPDX-License-Identifier: MIT
/*
 * The ITS fuzz harness (fuzz/its.c) over its seed corpus, in every build:
 * each input must run without a crash, a sanitizer report or a broken
 * invariant.  Inputs that once crashed the model live in the corpus too.
 */
#include "fuzz/its.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/its")
