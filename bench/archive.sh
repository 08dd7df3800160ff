#!/bin/sh
# `cargo xtask archive` against `git archive --format=tar.gz` of the same rev, in the same run:
#  1. wall time on a cargo-sized tree (about 3,000 files, 21 MB of tar), 2 cores and 1 core;
#  2. the bytes are the same on 1 and 2 cores;
#  3. what hashing adds (an upper bound: `openssl sha256` of every artifact, process start included);
#  4. peak memory (RSS) on a tree with one 1 GiB file.
# Figures go to docs/benchmarks.md, section `## archive`.
#
# Usage: bench/archive.sh [RUNS]   (default 10)
# The fixture repositories are built once under target/bench-archive (git-ignored) and reused;
# their text is real Rust and Markdown copied, in sorted path order, from ~/.cargo/registry/src.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
runs="${1:-10}"
work="$root/target/bench-archive"
out="$work/out"
mkdir -p "$out"

# The dev profile, as `cargo xtask` builds it.
cargo build --quiet -p xtask
xtask="$root/target/debug/xtask"

commit_all() { # DIR: one commit at a fixed date, tagged v1.0.0
    git -C "$1" add --all
    GIT_AUTHOR_DATE="@1700000000 +0000" GIT_COMMITTER_DATE="@1700000000 +0000" \
        git -C "$1" -c user.name=bench -c user.email=bench@example.com -c core.compression=1 \
        commit --quiet --message fixture
    git -C "$1" tag v1.0.0
}

project_files() { # DIR: the files the groups and the models artifact look for
    printf '[project]\nname = "codemate-hub"\nversion = "1.0.0"\n' >"$1/pyproject.toml"
    printf '# codemate-hub\n' >"$1/README.md"
    printf '## Version 1.0.0\n' >"$1/CHANGELOG.md"
    printf 'services: {}\n' >"$1/docker-compose.yml"
    printf 'OLLAMA_HOST=\n' >"$1/.env.example"
    mkdir -p "$1/scripts" "$1/docs/langflow/examples"
    printf 'DEFAULT_MODELS=("qwen2.5-coder:7b-q4_0" "mistral:latest")\n' >"$1/scripts/model-pull.sh"
    printf '{"flow": 1}\n' >"$1/docs/langflow/examples/chat.json"
}

tree="$work/tree"
if [ ! -d "$tree/.git" ]; then
    registry=$(ls -d "$HOME"/.cargo/registry/src/*/ | LC_ALL=C sort | head -n 1)
    mkdir -p "$tree/src" "$tree/docs"
    (cd "$registry" && find . -type f \( -name '*.rs' -o -name '*.md' \) -size -40k | LC_ALL=C sort | head -n 3000) >"$work/files.txt"
    grep '\.rs$' "$work/files.txt" | tar -C "$registry" -cf - -T - | tar -C "$tree/src" -xf -
    grep '\.md$' "$work/files.txt" | tar -C "$registry" -cf - -T - | tar -C "$tree/docs" -xf -
    git -C "$tree" init --quiet
    project_files "$tree"
    commit_all "$tree"
    git -C "$tree" repack -a -d --quiet # one pack, as in a fresh clone
fi

big="$work/big"
if [ ! -d "$big/.git" ]; then
    mkdir -p "$big"
    git -C "$big" init --quiet
    project_files "$big"
    # 1 GiB of real text: the tree's sources, over and over.
    find "$tree/src" -type f | LC_ALL=C sort >"$work/sources.txt"
    while [ "$(stat -c %s "$big/model.txt" 2>/dev/null || echo 0)" -lt 1073741824 ]; do
        xargs cat <"$work/sources.txt" >>"$big/model.txt"
    done
    truncate -s 1073741824 "$big/model.txt"
    commit_all "$big"
fi

echo "## machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%Y-%m-%d)"
echo "## tree: $(git -C "$tree" ls-files | wc -l) files, $(git -C "$tree" archive --format=tar v1.0.0 | wc -c) bytes of tar"

git_tgz="git -C $tree archive --format=tar.gz --prefix=p/ -o $out/git.tar.gz v1.0.0"
xtask_all="$xtask --project $tree archive --rev v1.0.0 --out $out/two --force"

# hyperfine when installed (apt-get install hyperfine); the alternating pairs below need only sh.
if command -v hyperfine >/dev/null 2>&1; then has_hyperfine=1; else has_hyperfine=; fi

echo "## 1. wall time, cargo-sized tree"
[ -n "$has_hyperfine" ] && hyperfine --warmup 2 --runs "$runs" --export-markdown "$out/wall.md" \
    -n "git archive --format=tar" "git -C $tree archive --format=tar --prefix=p/ -o $out/git.tar v1.0.0" \
    -n "git archive --format=tar.gz" "$git_tgz" \
    -n "xtask archive (2 cores)" "$xtask_all" \
    -n "xtask archive (1 core)" "taskset -c 0 $xtask --project $tree archive --rev v1.0.0 --out $out/one --force"
[ -n "$has_hyperfine" ] && cat "$out/wall.md"

# The machine is shared: alternate the two commands so both see the same load, and compare
# each pair. Prints the median of each and the median of the per-pair ratio.
ms() { start=$(date +%s%N); "$@" >/dev/null 2>&1; end=$(date +%s%N); echo $(((end - start) / 1000000)); }
echo "## 1b. xtask archive / git archive --format=tar.gz, $runs alternating pairs (ms)"
i=0
: >"$out/pairs.txt"
while [ "$i" -lt "$runs" ]; do
    g=$(ms $git_tgz)
    x=$(ms $xtask_all)
    echo "$g $x" >>"$out/pairs.txt"
    i=$((i + 1))
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "git archive --format=tar.gz median: $(cut -d' ' -f1 "$out/pairs.txt" | median) ms"
echo "xtask archive median:                $(cut -d' ' -f2 "$out/pairs.txt" | median) ms"
echo "ratio, median of pairs:               $(awk '{ printf "%.2f\n", $2 / $1 }' "$out/pairs.txt" | median)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "## 2. same bytes on 1 and 2 cores"
taskset -c 0 "$xtask" --project "$tree" archive --rev v1.0.0 --out "$out/one" --force >/dev/null
"$xtask" --project "$tree" archive --rev v1.0.0 --out "$out/two" --force >/dev/null
(cd "$out/one" && sha256sum ./*) >"$out/one.sums"
(cd "$out/two" && sha256sum ./*) >"$out/two.sums"
if cmp -s "$out/one.sums" "$out/two.sums"; then
    echo "identical: $(wc -l <"$out/two.sums") files"
else
    echo "DIFFERENT"
    exit 1
fi

echo "## 3. hashing (upper bound)"
echo "artifact bytes: $(cat "$out/two"/* | wc -c)"
echo "openssl sha256 of every artifact: $(ms openssl sha256 "$out"/two/*) ms (one run)"
[ -n "$has_hyperfine" ] && hyperfine --warmup 2 --runs "$runs" -N -n "openssl sha256 of every artifact" "openssl sha256 $(echo "$out"/two/*)"

# Peak RSS of one process, sampled from /proc while it runs (VmHWM is the high-water mark).
peak_kib() {
    "$@" >/dev/null 2>&1 &
    pid=$!
    peak=0
    while kill -0 "$pid" 2>/dev/null; do
        hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$hwm" ] && peak=$hwm
        sleep 0.05
    done
    wait "$pid"
    echo "$peak"
}

echo "## 4. peak memory, one 1 GiB file"
/usr/bin/time -v "$xtask" --project "$big" archive --rev v1.0.0 --out "$out/big" --force 2>"$out/big-xtask.time" >/dev/null
/usr/bin/time -v git -C "$big" archive --format=tar.gz -o "$out/big-git.tar.gz" v1.0.0 2>"$out/big-git.time"
for tool in xtask git; do
    printf '%s (process tree): %s KiB peak RSS, %s wall\n' "$tool" \
        "$(grep 'Maximum resident' "$out/big-$tool.time" | awk '{print $NF}')" \
        "$(grep 'Elapsed (wall' "$out/big-$tool.time" | awk '{print $NF}')"
done
echo "xtask process alone: $(peak_kib "$xtask" --project "$big" archive --rev v1.0.0 --out "$out/big" --force) KiB peak RSS"
