// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the scenario language.  Any bytes are a scenario file;
 * the run may fail, but must never crash, hang, leak or trip a sanitizer.
 *
 * An input whose first byte is a control character (1..8) uses it as
 * --fail-nth: that allocation of the run fails, so error unwinding is
 * fuzzed along every path the fuzzer finds, not only the example scenarios.
 */
#include <stdlib.h>
#include <string.h>

#include "tools/iommusim/scenario.h"
#include "tools/iommusim/world.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	FILE *devnull = fopen("/dev/null", "w");
	char *text = malloc(size + 1);
	struct world *w = world_create(devnull);
	struct scenario *s = w ? scenario_create(devnull, world_commands, w) : NULL;

	if (size && data[0] >= 1 && data[0] <= 8 && w) {
		world_fail_nth(w, data[0]);
		data++;
		size--;
	}
	if (s && text) {
		memcpy(text, data, size);
		text[size] = '\0';
		/* stderr carries the error messages: silence them too. */
		scenario_run(s, "fuzz.scn", text);
	}
	scenario_destroy(s);
	world_destroy(w);
	free(text);
	if (devnull)
		fclose(devnull);
	return 0;
}
