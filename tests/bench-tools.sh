#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/compare and bench/plot on small saved runs.  bench/compare: the metadata heads the table, a
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
# bench/plot: one SVG per series when gnuplot is there, else says how.
cat > "$tmp/series.json" <<'EOT'
{"meta":{"commit":"cccc","dirty":false,"compiler":"gcc 12","flags":"-O2","cpu":"X","cores":2,"date":"d"}}
{"bench":"ws/16","series":"ws","x":16,"x_unit":"pages","unit":"ns/op","value":17.00}
{"bench":"ws/4096","series":"ws","x":4096,"x_unit":"pages","unit":"ns/op","value":120.00}
{"bench":"other","unit":"ns/op","value":3.00}
EOT
if command -v gnuplot >/dev/null 2>&1; then
	bench/plot "$tmp/series.json" "$tmp/plots" | grep -qx "$tmp/plots/ws.svg"
	grep -q '<svg' "$tmp/plots/ws.svg"
	grep -q 'commit cccc' "$tmp/plots/ws.svg"
	[ "$(ls "$tmp/plots")" = ws.svg ]
else
	msg=$(bench/plot "$tmp/series.json" "$tmp/plots" 2>&1) && exit 1
	grep -q 'apt-get install gnuplot' <<<"$msg"
fi
echo "bench tools ok"
