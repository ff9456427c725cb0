// SPDX-License-Identifier: MIT
/*
 * The iommufd fuzz harness (fuzz/iommufd.c) over its seed corpus, in every
 * build: ioctl sequences with any command, size and contents, device
 * attach/replace/detach and event-queue fd calls answer 0 or a plausible
 * errno, and the context tears down with no leak and no kernel warning.
 */
#include "fuzz/iommufd.c"
#include "fuzz/replay.h"

FUZZ_REPLAY_MAIN("fuzz/corpus/iommufd")
