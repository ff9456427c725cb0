// SPDX-License-Identifier: MIT
/*
 * The shim's fuzz harness (fuzz/preload.c) over its seed corpus, in every
 * build: each input is a program's life against /dev/iommu and the VFIO
 * devices, with bad pointers of every kind, served in-process by the
 * shim's own entry points.  An input that once crashed or hung the shim
 * stays in the corpus as a regression test.
 */
#include "fuzz/preload.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/preload")
