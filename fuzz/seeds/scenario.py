#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed corpus of fuzz/scenario.c: every example under allocation failures.

Run from the repository root after a build: python3 fuzz/seeds/scenario.py
[build/release/iommusim] writes fuzz/corpus/scenario/seed-fail-NAME-N for
each examples/*.scn: the file behind the harness's fail-nth prefix (0x0e,
then N as two little-endian bytes), for N spread over all the allocations
the example makes (counted with iommusim --fail-nth), so libFuzzer starts
next to every allocation and reaches each by mutating N.
"""
import glob
import os
import subprocess
import sys

SPREAD = 8


def allocations(iommusim, scn):
    """How many allocations the example makes: the first N none fails."""
    lo, hi = 1, 1 << 15
    while lo < hi:
        mid = (lo + hi) // 2
        err = subprocess.run([iommusim, "--fail-nth", str(mid), scn],
                             capture_output=True, text=True).stderr
        if "none failed" in err:
            hi = mid
        else:
            lo = mid + 1
    return lo - 1


def main():
    iommusim = sys.argv[1] if len(sys.argv) > 1 else "build/release/iommusim"
    out = "fuzz/corpus/scenario"
    os.makedirs(out, exist_ok=True)
    for scn in sorted(glob.glob("examples/*.scn")):
        name = os.path.basename(scn)[:-4]
        text = open(scn, "rb").read()
        n = allocations(iommusim, scn)
        for i in range(SPREAD):
            nth = 1 + i * max(n - 1, 0) // max(SPREAD - 1, 1)
            with open(os.path.join(out, "seed-fail-%s-%d" % (name, nth)), "wb") as f:
                f.write(bytes([0x0e, nth & 0xff, nth >> 8]) + text)
        print("%s: %d allocations" % (scn, n))


if __name__ == "__main__":
    main()
