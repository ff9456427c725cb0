// SPDX-License-Identifier: MIT
/*
 * The IOVA fuzz harness (fuzz/iova.c) over its seed corpus, in every
 * build: iova_domain_check() after each operation, nothing handed out
 * twice, lookups that agree with what the harness holds.  The corpus keeps
 * the input that first showed container_of() applied to the NULL below the
 * lowest range (caught by clang's UBSan under `make fuzz`).
 */
#include "fuzz/iova.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/iova")
