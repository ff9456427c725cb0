/* SPDX-License-Identifier: MIT */
/*
 * What every libFuzzer harness in fuzz/ shares: a reader that turns the
 * fuzzer's bytes into operations, and a check that turns a broken invariant
 * into a crash libFuzzer keeps.
 *
 * Harnesses read their input as a little program: an opcode byte, then the
 * operands that opcode needs.  The reader never fails: past the end it
 * yields zeros and fuzz_more() turns false, so any prefix of an input is a
 * valid (shorter) program and libFuzzer's mutations stay meaningful.
 *
 * Operands come in two flavours: raw (any value: what a hostile guest
 * writes) and picked (one of a few values that reach deep states quickly:
 * a mapped DeviceID, the start of a table).  A harness mixes both so the
 * fuzzer finds the interesting paths and still tries everything else.
 *
 * Only .c files in fuzz/ become harnesses; this header is shared.
 */
#ifndef IOMMUSIM_FUZZ_FUZZ_H
#define IOMMUSIM_FUZZ_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "lib/bits.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

struct fuzz_in {
	const u8 *p;
	size_t left;
};

static inline struct fuzz_in fuzz_in_init(const u8 *data, size_t size)
{
	return (struct fuzz_in){ data, size };
}

static inline bool fuzz_more(const struct fuzz_in *in)
{
	return in->left != 0;
}

/* n (<= 8) bytes, little-endian; missing bytes read as zero. */
static inline u64 fuzz_bytes(struct fuzz_in *in, unsigned int n)
{
	u64 v = 0;

	for (unsigned int i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (u64)*in->p << (8 * i);
	return v;
}

static inline u8 fuzz_u8(struct fuzz_in *in)   { return (u8)fuzz_bytes(in, 1); }
static inline u16 fuzz_u16(struct fuzz_in *in) { return (u16)fuzz_bytes(in, 2); }
static inline u32 fuzz_u32(struct fuzz_in *in) { return (u32)fuzz_bytes(in, 4); }
static inline u64 fuzz_u64(struct fuzz_in *in) { return fuzz_bytes(in, 8); }
static inline bool fuzz_bool(struct fuzz_in *in) { return fuzz_u8(in) & 1; }

/* A value in [lo, hi] (one byte of input when the span fits in one). */
static inline u64 fuzz_range(struct fuzz_in *in, u64 lo, u64 hi)
{
	u64 span = hi - lo;

	if (span < 0xff)
		return lo + fuzz_u8(in) % (span + 1);
	if (span < 0xffff)
		return lo + fuzz_u16(in) % (span + 1);
	if (span == ~0ULL)
		return fuzz_u64(in);
	return lo + fuzz_u64(in) % (span + 1);
}

/* One of n choices. */
static inline u64 fuzz_pick(struct fuzz_in *in, const u64 *choices, size_t n)
{
	return choices[fuzz_u8(in) % n];
}

#define FUZZ_PICK(in, arr)	fuzz_pick(in, arr, ARRAY_SIZE(arr))

/*
 * A small value most of the time (reaches mapped state), any value otherwise
 * (reaches range checks).  Costs one byte plus, for raw, four or eight.
 */
static inline u64 fuzz_small_or_raw(struct fuzz_in *in, u64 small_limit, unsigned int raw_bytes)
{
	u8 sel = fuzz_u8(in);

	if (sel < 0xe0)
		return sel % small_limit;
	return fuzz_bytes(in, raw_bytes);
}

/* A broken invariant: print it and abort, so libFuzzer saves the input. */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#endif
