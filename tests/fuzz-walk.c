// SPDX-License-Identifier: MIT
/*
 * The walker fuzz harness (fuzz/walk.c) over its seed corpus, in every
 * build: each input's walks must agree with the harness's reference walker
 * and permission table, and illegal configurations must only fault.  The
 * corpus keeps the inputs that once crashed hw/vmsa-walk.
 */
#include "fuzz/walk.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/walk")
