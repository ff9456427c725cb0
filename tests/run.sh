#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs every test program and example scenario of each build folder given,
# and ends with the line CI reads: "N passed, N failed".
#   tests/run.sh build/release [build/san ...]
set -u
passed=0
failed=0
failures=()
cd "$(dirname "$0")/.."
# The SMMUv3 model's coherency checker (docs/smmuv3.md) in every SMMU the
# tests create: a missing CFGI/TLBI or a break-before-make violation by our
# drivers aborts the test with the report.  Tests that leave caches stale
# on purpose lower it themselves.  IOMMUSIM_COHERENCY=off runs without it.
export IOMMUSIM_COHERENCY=${IOMMUSIM_COHERENCY-fatal}

run_one() {	# name, command...
	local name=$1 out
	shift
	local runner=(timeout 600)
	declare -F "$1" >/dev/null && runner=()
	if out=$("${runner[@]}" "$@" 2>&1); then
		passed=$((passed + 1))
		printf 'PASS %s\n' "$name"
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %s\n%s\n' "$name" "$out" | sed -e '2,$s/^/    /'
	fi
}

# A scenario that must fail: exit status 1 and the message of its first line.
expect_failure() {	# iommusim scenario
	local want err status
	want=$(sed -n '1s/^# error: //p' "$2")
	[ -n "$want" ] || { echo "$2: first line must be '# error: TEXT'"; return 1; }
	err=$(timeout 600 "$1" "$2" 2>&1 >/dev/null)
	status=$?
	if [ "$status" -ne 1 ]; then
		printf 'exit status %s, want 1; stderr:\n%s\n' "$status" "$err"
		return 1
	fi
	if ! grep -qF -- "$want" <<<"$err"; then
		printf 'stderr lacks: %s\ngot:\n%s\n' "$want" "$err"
		return 1
	fi
	# Failing must not leak or trip the kernel: ASan exits 1 on a leak too.
	if grep -qE -- 'Sanitizer|^WARNING: ' <<<"$err"; then
		printf 'failed as expected, but not cleanly:\n%s\n' "$err"
		return 1
	fi
}

# Rules of the source tree itself, once per run (tests/tree-rules.sh).
run_one "tree rules: SPDX lines, hw/ includes no kernel/" tests/tree-rules.sh
run_one "bench/compare on saved runs" tests/bench-tools.sh

for build in "$@"; do
	for t in "$build"/tests/*; do
		[ -x "$t" ] || continue
		run_one "$t" "$t"
	done
	# make install, and examples/embed built against the installed copy.
	if [ -f "$build/libiommusim.a" ]; then
		run_one "$build: make install + examples/embed" tests/embed.sh "$build"
	fi
	if [ -x "$build/iommusim" ]; then
		run_one "$build/iommusim (default scenario)" "$build/iommusim"
		for s in examples/*.scn; do
			[ -e "$s" ] || continue
			run_one "$build/iommusim $s" "$build/iommusim" "$s"
		done
		for s in tests/scenarios/*.scn; do
			[ -e "$s" ] || continue
			run_one "$build/iommusim $s (must fail)" expect_failure "$build/iommusim" "$s"
		done
	fi
done

if [ "$failed" -ne 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
