#!/usr/bin/env bash
# --engine ballista against the local engine on one stage, on this machine: a
# fundaudit-scheduler and two fundaudit-executors started as processes on localhost (one
# task slot each), the client under /usr/bin/time -v; then `run` locally on the same
# stage. Prints wall time and peak RSS of each process, the identity plan's time and
# pairs, the shuffle each stage of each job wrote (the executors' work folders, read
# before Ballista's cleanup removes them), the bytes that came back and whether the
# findings are identical.
#   cargo build --release --features distributed
#   bash bench/ballista.sh STAGE WORK [PARTITIONS]   (STAGE from `fundaudit stage`;
#   PARTITIONS, `[scale] cluster_partitions`, 4 by default: twice the two slots)
# The cluster listens on ports 50050-50063; BALLISTA_PORTS=NNN moves them to NNN50-NNN63
# (where something else already holds 50050).
set -euo pipefail
P="${BALLISTA_PORTS:-500}"
STAGE=$(realpath "$1")
WORK=$(realpath -m "$2")
PARTITIONS="${3:-4}"
B="${CARGO_TARGET_DIR:-target}/release"
mkdir -p "$WORK"
rm -rf "$WORK/cluster" "$WORK/local"
printf '[scale]\npartition_rows = 1000000\ncluster_partitions = %s\n' "$PARTITIONS" > "$WORK/config.toml"
"$B/fundaudit-scheduler" --bind-port "${P}50" > "$WORK/scheduler.log" 2>&1 &
pids=($!)
sleep 1
for k in 1 2; do
  "$B/fundaudit-executor" --scheduler-port "${P}50" --bind-port "${P}${k}1" --bind-grpc-port "${P}${k}2" \
    --bind-health-port "${P}${k}3" --vcores 1 --work-dir "$WORK" > "$WORK/executor-$k.log" 2>&1 &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
sleep 2
hwm() { awk '/VmHWM/ {printf "%.2f GiB", $2/1048576}' "/proc/$1/status"; }
# Ballista removes a stage's shuffle files once the stages reading them are done: the
# sizes are sampled while the jobs run (every 0.2 s) and each stage's largest kept.
( while true; do
    for d in "$WORK"/*/*/; do
      [ -d "$d" ] && du -sb "$d" 2>/dev/null
    done
    sleep 0.2
  done > "$WORK/shuffle.samples" ) &
pids+=($!)
/usr/bin/time -v "$B/fundaudit" run --no-ledger --as-of 2026-03-31 --engine ballista \
  --config "$WORK/config.toml" --scheduler "df://localhost:${P}50" --data "$STAGE" --out "$WORK/cluster" > "$WORK/cluster.out" 2> "$WORK/cluster.time"
echo "scheduler peak $(hwm "${pids[0]}"), executors $(hwm "${pids[1]}") and $(hwm "${pids[2]}")"
# Shuffle written per job and stage (largest size seen), in the order the jobs were
# queued (identity: block sizes[, oversized blocks], pairs; then the units).
for job in $(grep -o "Job queued: \[[0-9A-Z]*\]" "$WORK/scheduler.log" | grep -o "[0-9A-Z]\{10,\}"); do
  awk -v job="$job" '$2 ~ "/" job "/" {
      n = split($2, p, "/"); stage = p[n-1]; if ($1 > max[stage]) max[stage] = $1 }
    END { for (s in max) printf "job %s stage %s: %.1f MB\n", job, s, max[s]/1e6 }' \
    "$WORK/shuffle.samples" | sort -t' ' -k4 -n
done
grep -ho "identity resolution on the cluster: .*match" "$WORK/cluster.time" || true
grep -ho 'stage="identity resolution" seconds=[0-9.]*' "$WORK/cluster.time" || true
kill "${pids[@]}" 2>/dev/null || true
/usr/bin/time -v "$B/fundaudit" run --quiet --no-ledger --as-of 2026-03-31 \
  --config "$WORK/config.toml" --data "$STAGE" --out "$WORK/local" 2> "$WORK/local.time"
for run in cluster local; do
  wall=$(grep 'Elapsed' "$WORK/$run.time" | awk '{print $NF}')
  rss=$(awk '/Maximum resident/ {printf "%.2f GiB", $NF/1048576}' "$WORK/$run.time")
  echo "$run: $wall, client peak $rss"
done
grep -ho "[0-9]* units audited on the cluster, [0-9.]* MB of results" "$WORK/cluster.time" || true
grep -h "Finished task" "$WORK"/executor-*.log | sed "s/.* in //" | paste -sd" " | sed "s/^/task times: /"
grep -hc "Finished task" "$WORK"/executor-*.log | paste -sd' ' | sed 's/^/tasks per executor: /'
cmp -s "$WORK/cluster/findings.csv" "$WORK/local/findings.csv" && echo "findings identical" || echo "FINDINGS DIFFER"
