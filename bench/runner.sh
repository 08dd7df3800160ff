#!/bin/sh
# The runner's own overhead: 200 trivial `true` checks with one job per core, timed wall-clock
# over whole process runs (start-up included). Target: under 1 s. Figures go to
# docs/benchmarks.md, section `## runner`.
#
# Usage: bench/runner.sh [RUNS]   (default 10)
set -eu
cd "$(dirname "$0")/.."
runs="${1:-10}"

# The dev profile, as `cargo xtask` builds the runner.
cargo build --quiet -p runner --example bench_trivial
bin=target/debug/examples/bench_trivial

if command -v hyperfine >/dev/null 2>&1; then
    exec hyperfine --warmup 1 --runs "$runs" "$bin"
fi

"$bin" >/dev/null # warm-up: page cache, dynamic loader
times=""
i=0
while [ "$i" -lt "$runs" ]; do
    start=$(date +%s%N)
    "$bin" >/dev/null
    end=$(date +%s%N)
    times="$times $(( (end - start) / 1000000 ))"
    i=$((i + 1))
done
echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk -v cores="$(nproc)" '
    { ms[NR] = $1; sum += $1 }
    END {
        printf "200 trivial checks, jobs = %d, %d runs: min %d ms, median %d ms, mean %d ms, max %d ms\n",
            cores, NR, ms[1], ms[int((NR + 1) / 2)], sum / NR, ms[NR]
    }'
