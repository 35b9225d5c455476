#!/usr/bin/env bash
# Runs the matching benchmarks of docs/benchmarks.md ("Matching") and keeps the raw output.
#
#   bench/run_matching_bench.sh [BUILD_DIR] [REPEATS]
#
# BUILD_DIR (default build/bench) must hold a Release build of dazong-replay,
# dazong-workload-gen and matching_bench:
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C build/bench dazong-replay dazong-workload-gen matching_bench
# Each replay is run REPEATS times (default 3), each run doing 3 throughput passes and one
# latency pass; Google Benchmark runs with --benchmark_repetitions=REPEATS. The load
# average is logged before every run, since the machine is shared.
set -euo pipefail
build=${1:-build/bench}
repeats=${2:-3}
data=$build/data
out=$build/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$data" "$out"

gen=$build/bench/dazong-workload-gen
[[ -f $data/mix5k.txt ]] || $gen --seed 1 --resting 5000 --ops 5000000 --out "$data/mix5k.txt"
[[ -f $data/mix50k.txt ]] || $gen --seed 1 --resting 50000 --ops 5000000 --out "$data/mix50k.txt"
[[ -f $data/adds.txt ]] || $gen --seed 1 --mix adds --ops 2000000 --out "$data/adds.txt"

{ lscpu | grep -E 'Model name|^CPU\(s\)|L2|L3'; uname -r; } > "$out/machine.txt"
for i in $(seq "$repeats"); do
  for run in "mix5k --warmup 5000" "mix50k --warmup 50000" "adds --depth 5" "adds"; do
    set -- $run
    name=$1; shift
    tag=$name${2:+_${1#--}$2}
    { echo "# $(uptime)"; $build/tools/dazong-replay "$@" "$data/$name.txt"; } \
      > "$out/replay_${tag}_$i.txt"
  done
done
{ echo "# $(uptime)"; $build/bench/matching_bench --benchmark_repetitions="$repeats"; } \
  > "$out/matching_bench.txt" 2>&1
echo "$out"
