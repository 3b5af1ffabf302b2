#!/usr/bin/env bash
# Many small files (issue 33): a county's posted lists as villages keep them, one file
# per village, program and period, beside the county's ledgers; `fundaudit check` timed
# (release build, /usr/bin/time -v: wall and peak memory) two ways:
#
#   folder   the lists in notices/ (the ledger's own folder: read, no header peeked)
#   by name  the same files in 各村公示/ (recognised by 公示 in the folder's name and
#            confirmed by each file's header)
#
#   bash bench/many_files.sh [BENEFICIARIES] [COPIES]   (default: 20000 people, 6 copies)
#
# `generate` writes a list per village and period; they are split here by program and
# the set is copied COPIES times as earlier years' lists (a county's archive),
# to reach the ten thousand files of 1-3 KB a county of 20,000 delivers.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20000}"
COPIES="${2:-6}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fundaudit/target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/fundaudit"
WORK="${BENCH_DIR:-/tmp/fundaudit-bench}/many-$N"
rm -rf "$WORK"
mkdir -p "$WORK"
"$BIN" generate --beneficiaries "$N" --seed 3 --out "$WORK/data" > /dev/null
python3 - "$WORK/data" "$COPIES" <<'PY'
import csv, os, re, sys
data, copies = sys.argv[1], int(sys.argv[2])
src = os.path.join(data, "notices")
lists = {}
for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name), encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    for r in body:
        lists.setdefault((name[:-len("公示名单.csv")], r[4]), []).append(r)
    os.remove(os.path.join(src, name))
# Copy k is the lists of k years earlier (period and posting dates moved back), so no
# row repeats another file's: a county's archive, not one list saved six times.
def earlier(text, k):
    return re.sub(r"20\d\d", lambda m: str(int(m.group(0)) - k), text)
for k in range(copies):
    for (stem, program), rows in lists.items():
        with open(os.path.join(src, earlier(f"{stem}{program}公示名单.csv", k)), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(head)
            w.writerows([[earlier(c, k) if i in (5, 7, 8) else c for i, c in enumerate(r)] for r in rows])
PY
files=$(ls "$WORK/data/notices" | wc -l)
size=$(du -sh --apparent-size "$WORK/data/notices" | cut -f1)
measure() {
  /usr/bin/time -v "$@" > /dev/null 2> "$WORK/time.txt"
  python3 bench/time_v.py "$WORK/time.txt"
}
echo "| files | size | check, folder notices/ | check, folder named 公示 | check, files fitting no ledger | check without them |"
echo "|---|---|---|---|---|---|"
folder=$(measure "$BIN" check --data "$WORK/data")
mv "$WORK/data/notices" "$WORK/data/各村公示"
named=$(measure "$BIN" check --data "$WORK/data")
mv "$WORK/data/各村公示" "$WORK/elsewhere"
# The same files in a folder of other papers, each header one no ledger knows: every
# file peeked and listed as not read (one line of the summary).
mkdir "$WORK/data/其他材料"
for f in "$WORK"/elsewhere/*.csv; do
  { echo "序号,事项,说明,经办人,日期,备注,附件,页数,份数"; tail -n +2 "$f"; } > "$WORK/data/其他材料/$(basename "$f")"
done
unread=$(measure "$BIN" check --data "$WORK/data")
rm -r "$WORK/data/其他材料"
none=$(measure "$BIN" check --data "$WORK/data")
echo "| $files | $size | $folder | $named | $unread | $none |"
