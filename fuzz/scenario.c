/*
 * libFuzzer harness: the scenario language.  Any bytes are a scenario file;
 * the run may fail, but must never crash, hang, leak or trip a sanitizer.
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
