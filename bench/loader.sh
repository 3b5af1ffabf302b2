#!/usr/bin/env bash
# Loader throughput: the payments ledger of the 200,000-beneficiary county (about a
# million rows) read and validated as UTF-8 and as GB18030, with `fundaudit check`
# (release build), three runs each.
#
#   bash bench/loader.sh [BENEFICIARIES]      (default 200000; CI runs it on 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fundaudit/target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/fundaudit"
ROOT="${BENCH_DIR:-/tmp/fundaudit-bench}"
N="${1:-200000}"
SRC="$ROOT/$N/data"
[ -f "$SRC/payments.csv" ] || "$BIN" generate --beneficiaries "$N" --seed 1 --out "$SRC"
for enc in utf8 gb18030; do
  DIR="$ROOT/loader-$N-$enc"
  mkdir -p "$DIR"
  for f in beneficiaries allocations deaths officials; do cp "$SRC/$f.csv" "$DIR/"; done
  if [ "$enc" = gb18030 ]; then
    python3 -c "import sys; open(sys.argv[2],'wb').write(open(sys.argv[1],encoding='utf-8').read().encode('gb18030'))" "$SRC/payments.csv" "$DIR/payments.csv"
  else
    cp "$SRC/payments.csv" "$DIR/payments.csv"
  fi
  size=$(du -m "$DIR/payments.csv" | cut -f1)
  for i in 1 2 3; do
    line=$("$BIN" check --data "$DIR" | grep 'payments.csv')
    echo "$enc run $i (${size} MB): $line"
  done
done
