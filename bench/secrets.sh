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
xtask="$root/target/debug/xtask"
scan_dev="$root/target/debug/examples/scan_tree"
scan_release="$root/target/release/examples/scan_tree"

ms() { # command... -> wall milliseconds
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    echo $(((end - start) / 1000000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$work/xtask.txt"; : >"$work/dev.txt"; : >"$work/release.txt"; : >"$work/ds.txt"
i=0
while [ "$i" -lt "$runs" ]; do # interleaved, so load drifts hit every tool alike
    ms env XTASK_OUT="$work/out" "$xtask" --project "$tree" pre-release --only secrets >>"$work/xtask.txt"
    ms "$scan_dev" "$tree" >>"$work/dev.txt"
    ms "$scan_release" "$tree" >>"$work/release.txt"
    (cd "$tree" && ms "$venv/bin/detect-secrets" scan) >>"$work/ds.txt"
    i=$((i + 1))
done

files=$(git -C "$tree" ls-files | wc -l)
printf 'machine: %s cores, %s, load %s; tree: %s tracked files; %s runs, median (min-max) ms\n' \
    "$(nproc)" "$(rustc --version)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$files" "$runs"
for name in xtask dev release ds; do
    printf '%-8s %6s (%s-%s)\n' "$name" "$(median <"$work/$name.txt")" \
        "$(sort -n "$work/$name.txt" | head -n 1)" "$(sort -n "$work/$name.txt" | tail -n 1)"
done
echo "findings: xtask scan_tree (dev) / detect-secrets:"
"$scan_dev" "$tree" | tail -n 1
(cd "$tree" && "$venv/bin/detect-secrets" scan) | python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]; print(sum(len(v) for v in r.values()), "findings in", len(r), "files")'
