// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the scenario language.  Any bytes are a scenario file;
 * the run may fail, but must never crash, hang, leak or trip a sanitizer.
 *
 * Allocation failures: an input whose first byte is 0x0e (SO) takes the
 * next two bytes (little-endian) as --fail-nth N, so the fuzzer reaches
 * every allocation of every example (the seeds put each example behind a
 * spread of N, fuzz/seeds/scenario.py); a first byte 1..8 is --fail-nth of
 * that value, as older corpus inputs say.  Error unwinding is fuzzed along
 * every path the fuzzer finds, not only the examples'.
 *
 * The scenario's output goes to /dev/null, opened once.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

#define FAIL_NTH_U16	0x0e

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char *text = malloc(size + 1);
	struct world *w;
	struct scenario *s;
	unsigned long nth = 0;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	w = world_create(devnull);
	s = w ? scenario_create(devnull, world_commands, w) : NULL;
	if (size >= 3 && data[0] == FAIL_NTH_U16) {
		nth = data[1] | (unsigned long)data[2] << 8;
		data += 3;
		size -= 3;
	} else if (size && data[0] >= 1 && data[0] <= 8) {
		nth = data[0];
		data++;
		size--;
	}
	if (w && nth)
		world_fail_nth(w, nth);
	if (s && text) {
		memcpy(text, data, size);
		text[size] = '\0';
		scenario_run(s, "fuzz.scn", text);
	}
	scenario_destroy(s);
	world_destroy(w);
	free(text);
	return 0;
}
