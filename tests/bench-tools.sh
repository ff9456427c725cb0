#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compare on two small saved runs: the metadata heads the table, a
# time that dropped is "better", a rate that dropped is "worse", and names
# only one run has are marked new or gone.  (The benchmarks themselves stay
# out of the test run.)
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/old.json" <<'EOT'
{"meta":{"commit":"aaaa","dirty":false,"compiler":"gcc 12","flags":"-O2","cpu":"X","cores":2,"date":"d"}}
{"bench":"walk","unit":"ns/op","median":20.00,"p10":19.00,"p90":21.00,"ops":100}
{"bench":"dma","unit":"GB/s","value":80.00}
{"bench":"old_only","unit":"ns/op","value":5.00}
EOT
cat > "$tmp/new.json" <<'EOT'
{"meta":{"commit":"bbbb","dirty":true,"compiler":"gcc 12","flags":"-O2","cpu":"X","cores":2,"date":"d"}}
{"bench":"walk","unit":"ns/op","median":10.00,"p10":9.00,"p90":11.00,"ops":100}
{"bench":"dma","unit":"GB/s","value":40.00}
{"bench":"new_only","unit":"ns/op","value":1.00}
EOT
out=$(bench/compare "$tmp/old.json" "$tmp/new.json")
echo "$out"
grep -q 'old.json: commit aaaa, gcc 12' <<<"$out"
grep -q 'new.json: commit bbbb+, gcc 12' <<<"$out"
grep -qE '^walk +20\.00 +10\.00 +-50\.0% +ns/op +better$' <<<"$out"
grep -qE '^dma +80\.00 +40\.00 +-50\.0% +GB/s +worse$' <<<"$out"
grep -qE '^old_only .* gone$' <<<"$out"
grep -qE '^new_only .* new$' <<<"$out"
if bench/compare "$tmp/old.json" 2>/dev/null; then
	echo "bench/compare with one file must fail"; exit 1
fi
echo "bench tools ok"
