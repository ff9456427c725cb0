#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rules of the tree that no compiler checks, kept by the test run:
#  - every C source and header we wrote starts with our licence line
#    (the MIT licence in LICENSE), so embedders can ship any file alone;
#  - the layering of DESIGN.md: hw/ is the machine and knows nothing of
#    the kernel above it, lib/ knows neither; data flows down.
# Prints each breach and exits 1 if there is one.
set -u
cd "$(dirname "$0")/.."
bad=0

while IFS= read -r f; do
	if ! head -n 1 "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
		echo "$f: first line is not our SPDX-License-Identifier: MIT line"
		bad=1
	fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')

# An include that climbs into a higher layer.
check_layer() {	# folder, forbidden folders...
	local dir=$1 up hits
	shift
	for up in "$@"; do
		hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](\.\./)*$up/" \
			--include='*.[ch]' "$dir" 2>/dev/null)
		if [ -n "$hits" ]; then
			printf '%s must not include %s/:\n%s\n' "$dir" "$up" "$hits"
			bad=1
		fi
	done
}
check_layer hw kernel vmm preload tools
check_layer lib hw kernel vmm preload tools
check_layer kernel vmm preload tools

[ "$bad" -eq 0 ] && echo "tree rules hold"
exit "$bad"
