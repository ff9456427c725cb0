#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: build quietly (compiler lines go to stderr), then print JSON
# lines and nothing else on stdout: first one object of metadata (commit,
# compiler, flags, CPU, date) so saved runs can be told apart, then every
# benchmark's figures, each bench name once.  A benchmark that prints a
# line that is not a JSON object, or a name already printed, or a kernel
# warning (a leak at teardown is one), fails the run.
#   bench/run.sh build/release [NAME...]     (NAME: only bench/NAME)
#   bench/compare OLD.json NEW.json          side by side, in percent
set -eu
cd "$(dirname "$0")/.."
# Figures without the coherency checker (bench/smmuv3 measures it itself).
unset IOMMUSIM_COHERENCY
build=${1:?usage: bench/run.sh BUILD-DIR [NAME...]}
shift

json_str() {	# a shell string as a JSON string
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "${s//$'\t'/ }"
}

read -r -a flags < "$build/.flags"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=false
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && dirty=true
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
compiler=$("${flags[0]}" --version 2>/dev/null | head -n 1)
printf '{"meta":{"commit":%s,"dirty":%s,"compiler":%s,"flags":%s,"cpu":%s,"cores":%s,"date":%s}}\n' \
	"$(json_str "$commit")" "$dirty" "$(json_str "$compiler")" \
	"$(json_str "${flags[*]:1}")" "$(json_str "${cpu:-unknown}")" \
	"$(nproc 2>/dev/null || echo 0)" "$(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)")"

names=" "
err=$(mktemp)
trap 'rm -f "$err"' EXIT
benches=("$@")
[ ${#benches[@]} -gt 0 ] || benches=($(cd bench && ls ./*.c | sed 's|^\./||; s|\.c$||'))
for b in "${benches[@]}"; do
	while IFS= read -r line; do
		if [[ $line != '{"bench":"'* || $line != *'}' ]]; then
			echo "bench/$b: not a result line: $line" >&2
			exit 1
		fi
		name=${line#'{"bench":"'}
		name=${name%%'"'*}
		if [[ $names == *" $name "* ]]; then
			echo "bench/$b: the name $name was printed before" >&2
			exit 1
		fi
		names+="$name "
		printf '%s\n' "$line"
	done < <("$build/bench/$b" 2>"$err")
	wait $! || { cat "$err" >&2; echo "bench/$b failed" >&2; exit 1; }
	cat "$err" >&2
	if grep -q '^WARNING' "$err"; then
		echo "bench/$b: warnings" >&2
		exit 1
	fi
done
