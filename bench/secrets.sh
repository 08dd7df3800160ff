#!/bin/sh
# The secret scan against detect-secrets (PyPI), on the same tree, in the same run:
#  1. `xtask pre-release --only secrets` as `cargo xtask` builds it (the dev profile), start-up,
#     `git ls-files` and the report included;
#  2. the scan alone (crates/secrets/examples/scan_tree.rs), dev profile and release profile;
#  3. `detect-secrets scan` (the files git tracks, as ours), in a temporary virtualenv.
# Figures go to docs/benchmarks.md, section `## secrets`.
#
# Usage: bench/secrets.sh [RUNS]   (default 5)
# The tree is built once under target/bench-secrets (git-ignored): the first 3,000 `.rs`/`.md`
# files under 40 KiB of ~/.cargo/registry/src in sorted path order (real Rust and Markdown, as
# bench/archive.sh uses), one commit.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
runs="${1:-5}"
work="$root/target/bench-secrets"
tree="$work/tree"
mkdir -p "$work"

if [ ! -d "$tree/.git" ]; then
    registry=$(ls -d "$HOME"/.cargo/registry/src/*/ | LC_ALL=C sort | head -n 1)
    mkdir -p "$tree"
    (cd "$registry" && find . -type f \( -name '*.rs' -o -name '*.md' \) -size -40k | LC_ALL=C sort | head -n 3000) >"$work/files.txt"
    tar -C "$registry" -cf - -T "$work/files.txt" | tar -C "$tree" -xf -
    printf '[project]\nname = "bench"\nversion = "1.0.0"\n' >"$tree/pyproject.toml"
    git -C "$tree" init --quiet
    git -C "$tree" add --all
    git -C "$tree" -c user.name=bench -c user.email=bench@example.com commit --quiet --message fixture
fi

venv="$work/detect-secrets-venv"
if [ ! -x "$venv/bin/detect-secrets" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check detect-secrets
fi

cargo build --quiet -p xtask
cargo build --quiet -p secrets --example scan_tree
cargo build --quiet --release -p secrets --example scan_tree
# The dev profile without the opt-level lines of Cargo.toml for the scan's crates (as before).
unopt=""
for crate in regex-lite memchr secrets; do
    unopt="$unopt --config profile.dev.package.$crate.opt-level=0"
done
# shellcheck disable=SC2086 # one word per flag
CARGO_TARGET_DIR="$work/target-unoptimised" cargo build --quiet -p secrets --example scan_tree $unopt
xtask="$root/target/debug/xtask"
scan_dev="$root/target/debug/examples/scan_tree"
scan_release="$root/target/release/examples/scan_tree"
scan_unopt="$work/target-unoptimised/debug/examples/scan_tree"

measure() { # NAME command...: appends "wall cpu" seconds to $work/NAME.txt
    name=$1; shift
    /usr/bin/time -f '%e %U %S' -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
    # The last line: a failing command (findings) adds "Command exited with non-zero status".
    tail -n 1 "$work/time.txt" | awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' >>"$work/$name.txt"
}

tools="xtask scan-dev scan-unoptimised scan-release detect-secrets"
for name in $tools; do : >"$work/$name.txt"; done
i=0
while [ "$i" -lt "$runs" ]; do # interleaved, so load drifts hit every tool alike
    measure xtask env XTASK_OUT="$work/out" "$xtask" --project "$tree" pre-release --only secrets
    measure scan-dev "$scan_dev" "$tree"
    measure scan-unoptimised "$scan_unopt" "$tree"
    measure scan-release "$scan_release" "$tree"
    (cd "$tree" && measure detect-secrets "$venv/bin/detect-secrets" scan)
    i=$((i + 1))
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
files=$(git -C "$tree" ls-files | wc -l)
printf 'machine: %s cores, %s, load %s; tree: %s tracked files; %s runs\n' \
    "$(nproc)" "$(rustc --version)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$files" "$runs"
printf '%-18s %12s %12s\n' tool "wall median" "CPU median"
for name in $tools; do
    printf '%-18s %10s s %10s s\n' "$name" "$(cut -d' ' -f1 "$work/$name.txt" | median)" \
        "$(cut -d' ' -f2 "$work/$name.txt" | median)"
done
printf 'findings: ours: '
"$scan_dev" "$tree" | tail -n 1
printf 'detect-secrets: '
(cd "$tree" && "$venv/bin/detect-secrets" scan) | python3 -c \
    'import json, sys; r = json.load(sys.stdin)["results"]; print(sum(map(len, r.values())), "findings in", len(r), "files")'
