// SPDX-License-Identifier: MIT
/*
 * The SMMUv3 fuzz harness (fuzz/smmuv3.c) over its seed corpus, in every
 * build: STEs, CDs, tables, commands, registers and transactions a hostile
 * driver and devices produce end in translations or architected events.
 */
#include "fuzz/smmuv3.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/smmuv3")
