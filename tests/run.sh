#!/usr/bin/env bash
# Runs every test program and example scenario of each build folder given,
# and ends with the line CI reads: "N passed, N failed".
#   tests/run.sh build/release [build/san ...]
set -u
passed=0
failed=0
failures=()
cd "$(dirname "$0")/.."

run_one() {	# name, command...
	local name=$1 out
	shift
	if out=$(timeout 600 "$@" 2>&1); then
		passed=$((passed + 1))
		printf 'PASS %s\n' "$name"
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %s\n%s\n' "$name" "$out" | sed -e '2,$s/^/    /'
	fi
}

for build in "$@"; do
	for t in "$build"/tests/*; do
		[ -x "$t" ] || continue
		run_one "$t" "$t"
	done
	if [ -x "$build/iommusim" ]; then
		for s in examples/*.scn; do
			[ -e "$s" ] || continue
			run_one "$build/iommusim $s" "$build/iommusim" "$s"
		done
	fi
done

if [ "$failed" -ne 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
