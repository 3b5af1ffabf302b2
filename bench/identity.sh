#!/usr/bin/env bash
# Benchmark of registry self-deduplication (release build): for each size, generate a
# registry with planted duplicate registrations (--registry-only), run `fundaudit dedup`
# under /usr/bin/time -v, and print wall time, peak memory, candidate pairs, the stage
# timings and pairwise precision/recall/F1 against truth_pairs.csv. The comparison kernel
# alone is timed once, on one thread.
#
#   bash bench/identity.sh [SIZES...]        (default: 100000 1000000 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000 10000000)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fundaudit/target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/fundaudit"
ROOT="${BENCH_DIR:-/tmp/fundaudit-bench}"
for N in "${SIZES[@]}"; do
  DATA="$ROOT/registry-$N"
  # A registry from an older generator (no hard_negatives.csv) is made again.
  if [ ! -f "$DATA/beneficiaries.csv" ] || [ ! -f "$DATA/hard_negatives.csv" ]; then
    rm -f "$DATA"/beneficiaries.csv "$DATA"/truth_pairs.csv "$DATA"/hard_negatives.csv
    # Random sequence codes: the shape of the figures in docs/benchmarks/ (station codes, the
    # generator's default, are measured in its identity section).
    "$BIN" generate --registry-only --beneficiaries "$N" --seed 3 --id-codes random --out "$DATA" 2>/dev/null
  fi
  echo "== $N beneficiaries ($(du -h "$DATA/beneficiaries.csv" | cut -f1) CSV), $(nproc) cores"
  KERNEL=0
  [ "$N" = "1000000" ] && KERNEL=20000000
  /usr/bin/time -v "$BIN" dedup --data "$DATA" --kernel-pairs "$KERNEL" 2> "$DATA/time.txt"
  wall=$(grep 'Elapsed (wall clock)' "$DATA/time.txt" | awk '{print $NF}')
  peak=$(grep 'Maximum resident set size' "$DATA/time.txt" | awk '{print $NF}')
  echo "wall ${wall} (kernel timing included when shown)  peak RSS $((peak / 1024)) MiB"
done
