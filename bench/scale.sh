#!/usr/bin/env bash
# Scale benchmark (release build): counties of N beneficiaries (seed 3), each run three
# ways on the same files, wall time and peak memory from /usr/bin/time -v:
#
#   csv     `fundaudit run` on the CSV files (parsed, validated, cut into parts in memory;
#           past [scale] stage_bytes of payments and allocations, staged on the way)
#   five    `fundaudit run` on the five files DuckDB reads (beneficiaries, allocations,
#           payments, deaths, officials: hard links in county-N/five), without the posted
#           lists and the land register, whose rules DuckDB does not run: the comparison
#           on the same files
#   stage   `fundaudit stage` once (parse and validate in chunks, cut, write Parquet parts)
#   staged  `fundaudit run` on the stage (one part in memory at a time)
#   duckdb  bench/sql_baseline.py --no-truth: the exact-key rules in DuckDB on the five
#           files, whole process (its own load + checks time is in duckdb.out)
#
#   bash bench/scale.sh [N ...]          (default: 200000 1000000)
#
# Every run is --no-ledger and writes every report. A county is generated once into
# $BENCH_DIR/county-N (default /tmp/fundaudit-bench); 1M is ~1 GB of CSV, 5M ~4.6 GB.
# `generate` holds a county in memory (4.7 GB per million): build 5M and 10M first with
#   python3 bench/stitch.py BIN /tmp/fundaudit-bench/county-10000000/data 10 1000000
# (add --from /tmp/fundaudit-bench/county-1000000/data to copy the 1M county instead)
# A run that does not fit in memory is reported as such (the machine's limit is
# `ulimit -v`-free: watch `free -g` at 5M and beyond). Set SKIP=csv,five,duckdb to
# leave columns out.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(200000 1000000)
SKIP="${SKIP:-}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fundaudit/target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/fundaudit"
BENCH="${BENCH_DIR:-/tmp/fundaudit-bench}"
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb || SKIP="$SKIP,duckdb"

# measure NAME CMD...: runs CMD under /usr/bin/time -v, prints "wall s, peak GiB".
measure() {
  local log="$1"
  shift
  if /usr/bin/time -v "$@" > "$log.out" 2> "$log.time"; then
    python3 bench/time_v.py "$log.time" 1
  else
    echo "failed (see $log.time)"
  fi
}

# The files bench/sql_baseline.py reads.
FIVE=(beneficiaries allocations payments deaths officials)

echo "| beneficiaries | payments | CSV | run on CSV | run on DuckDB's five files | stage | run on stage | parts | DuckDB exact keys (five files) |"
echo "|---|---|---|---|---|---|---|---|---|"
for N in "${SIZES[@]}"; do
  WORK="$BENCH/county-$N"
  if [ ! -f "$WORK/data/payments.csv" ]; then
    mkdir -p "$WORK"
    "$BIN" generate --beneficiaries "$N" --seed 3 --out "$WORK/data" > /dev/null
  fi
  payments=$(($(wc -l < "$WORK/data/payments.csv") - 1))
  size=$(du -sh "$WORK/data" | cut -f1)
  csv="-"
  if [[ "$SKIP" != *csv* ]]; then
    rm -rf "$WORK/out-csv"
    csv=$(measure "$WORK/csv" "$BIN" run --quiet --no-ledger --as-of 2026-03-31 --data "$WORK/data" --out "$WORK/out-csv")
  fi
  five="-"
  if [[ "$SKIP" != *five* ]]; then
    rm -rf "$WORK/five" "$WORK/out-five"
    mkdir -p "$WORK/five"
    for f in "${FIVE[@]}"; do ln -f "$WORK/data/$f.csv" "$WORK/five/" 2>/dev/null || cp "$WORK/data/$f.csv" "$WORK/five/"; done
    five=$(measure "$WORK/five" "$BIN" run --quiet --no-ledger --as-of 2026-03-31 --data "$WORK/five" --out "$WORK/out-five")
  fi
  rm -rf "$WORK/stage" "$WORK/out-staged"
  stage=$(measure "$WORK/stage" "$BIN" stage --data "$WORK/data" --out "$WORK/stage")
  staged=$(measure "$WORK/staged" "$BIN" run --quiet --no-ledger --as-of 2026-03-31 --data "$WORK/stage" --out "$WORK/out-staged")
  parts=$(python3 -c "import json,sys; print(json.load(open('$WORK/out-staged/summary.json'))['parts'])" 2>/dev/null || echo "-")
  duck="-"
  if [[ "$SKIP" != *duckdb* ]]; then
    from="$WORK/data"
    [ -d "$WORK/five" ] && from="$WORK/five"
    duck=$(measure "$WORK/duckdb" python3 bench/sql_baseline.py "$from" 2026-03-31 --no-truth)
  fi
  if [ -f "$WORK/out-csv/findings.csv" ] && [ -f "$WORK/out-staged/findings.csv" ]; then
    cmp -s "$WORK/out-csv/findings.csv" "$WORK/out-staged/findings.csv" || parts="$parts (findings DIFFER from the CSV run)"
  fi
  echo "| $N | $payments | $size | $csv | $five | $stage | $staged | $parts | $duck |"
done
echo
echo "stages of the last run on the stage (seconds):"
python3 bench/stages.py "$WORK/out-staged/summary.json"
