#!/usr/bin/env bash
# Issue 18's overhead figure: 2 Spark replicas x 1 thread vs 1 worker x 2 threads, char-level Tiny
# Shakespeare (--layers 4 --heads 4 --dim 128 --block 64), the same 12 rows per optimiser step.
# The replicas exchange gradients by the ring all-reduce over TCP (the default) and, as a second
# contender, by Spark's allGather through the driver. Runs the configurations interleaved
# (A B C A B C ...) so drifting machine load hits all alike, and prints one line per run plus the
# median ratios. Run it on a quiet machine, from the repo root,
# after `mvn -B -q package -DskipTests` (so examples/target/llm.jar and the Spark classpath exist):
#
#   scripts/bench_spark_overhead.sh [DATA] [ITERS] [ROUNDS]
#
# DATA defaults to ../shared/data/tinyshakespeare.txt (testdata/tinyshakespeare.txt in a clone),
# ITERS to 200 optimiser steps per run, ROUNDS to 3 pairs of runs.
set -euo pipefail
DATA=${1:-../shared/data/tinyshakespeare.txt}
[ -f "$DATA" ] || DATA=testdata/tinyshakespeare.txt
ITERS=${2:-200}
ROUNDS=${3:-3}
OUT=$(mktemp -d)
COMMON=(train --data "$DATA" --tokenizer char --layers 4 --heads 4 --dim 128 --block 64
  --iters "$ITERS" --warmup 10 --eval-iters 2 --lr 1e-3)
run() { # name, threads, extra args...
  local name=$1 threads=$2
  shift 2
  rm -rf "$OUT/$name"
  local log
  log=$(LLM_JAVA_OPTS="-Dllmkit.threads=$threads ${EXTRA_JAVA_OPTS:-}" ./llm "${COMMON[@]}" \
    --out "$OUT/$name" "$@" 2>&1)
  local tok comm wait
  tok=$(awk '$1 == "train_tok_per_s" {print $2}' <<<"$log")
  comm=$(awk '$1 == "comm_s_per_step" {print $2}' <<<"$log")
  wait=$(awk '/waited for the slowest/ {print $4}' <<<"$log")
  echo "$(date -u +%H:%M:%S) $name train_tok_per_s ${tok:-?} comm_s_per_step ${comm:--}" \
    "of_which_waiting ${wait:--}" >&2
  echo "$tok"
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ring=()
gather=()
for r in $(seq 1 "$ROUNDS"); do
  a=$(run one-worker-2-threads 2 --batch 12)
  b=$(run two-replicas-1-thread-ring 1 --batch 6 --spark 'local[2]' --workers 2)
  c=$(run two-replicas-1-thread-allgather 1 --batch 6 --spark 'local[2]' --workers 2 \
    --grad-exchange ALL_GATHER)
  ring+=("$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", b / a}')")
  gather+=("$(awk -v a="$a" -v c="$c" 'BEGIN {printf "%.3f", c / a}')")
done
echo "two_replicas_ring_over_one_worker_median $(printf '%s\n' "${ring[@]}" | median)" \
  "(of $ROUNDS rounds; goal >= 0.80)"
echo "two_replicas_allgather_over_one_worker_median $(printf '%s\n' "${gather[@]}" | median)"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$OUT"
