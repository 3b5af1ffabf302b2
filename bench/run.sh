#!/usr/bin/env bash
# Benchmark of the whole audit (release build): generate a county of N beneficiaries
# (default 200,000, about a million payments), run the audit RUNS times, and report wall
# time and peak memory from /usr/bin/time -v, plus the stage timings of the last run.
#
#   bash bench/run.sh [BENEFICIARIES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"
RUNS="${2:-3}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fundaudit/target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/fundaudit"
WORK="${BENCH_DIR:-/tmp/fundaudit-bench}/$N"
if [ ! -f "$WORK/data/payments.csv" ]; then
  mkdir -p "$WORK"
  "$BIN" generate --beneficiaries "$N" --seed 1 --out "$WORK/data"
fi
echo "input: $N beneficiaries"
wc -l "$WORK"/data/*.csv | sed 's/^/  /'
du -sh "$WORK/data" | sed 's/^/  /'
echo "cores: $(nproc)"
for i in $(seq "$RUNS"); do
  /usr/bin/time -v "$BIN" run --quiet --as-of 2026-03-31 --data "$WORK/data" --out "$WORK/out" 2> "$WORK/time.txt"
  wall=$(grep 'Elapsed (wall clock)' "$WORK/time.txt" | awk '{print $NF}')
  peak=$(grep 'Maximum resident set size' "$WORK/time.txt" | awk '{print $NF}')
  echo "run $i: wall ${wall}  peak RSS $((peak / 1024)) MiB"
done
echo "stages of the last run (seconds):"
python3 bench/stages.py "$WORK/out/summary.json"
