/* SPDX-License-Identifier: MIT */
/*
 * Replays a harness's seed corpus as an ordinary test program, so every
 * build (gcc, ASan, TSan) runs each harness over its corpus and an input
 * that once crashed, kept in the corpus, stays a regression test:
 *
 *	tests/fuzz-NAME.c:
 *		#include "fuzz/NAME.c"
 *		#include "fuzz/replay.h"
 *		FUZZ_REPLAY_MAIN("fuzz/corpus/NAME")
 *
 * Tests run from the repository root (tests/run.sh), where the corpus is.
 * A broken invariant aborts, as under libFuzzer; a crash is a crash.
 */
#ifndef IOMMUSIM_FUZZ_REPLAY_H
#define IOMMUSIM_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Runs every regular file of dir; returns the number run, -1 on error. */
static inline int fuzz_replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		char path[4096];
		u8 *buf;
		long len;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET)) {
			perror(path);
			n = -1;
			if (f)
				fclose(f);
			break;
		}
		buf = malloc((size_t)len + 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(path);
			free(buf);
			fclose(f);
			n = -1;
			break;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)len);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

#define FUZZ_REPLAY_MAIN(dir)						\
int main(void)								\
{									\
	int n = fuzz_replay_dir(dir);					\
									\
	if (n <= 0) {							\
		fprintf(stderr, "%s: no inputs replayed\n", dir);	\
		return 1;						\
	}								\
	printf("%s: %d inputs\n", dir, n);				\
	return 0;							\
}

#endif
