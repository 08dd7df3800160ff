#!/usr/bin/env bash
# Cold-build budget: `cargo build -p xtask` from scratch against, in the same run, an empty binary
# that depends on the card's crates minus octocrab/tokio (xshell, tar, flate2, sha2, semver,
# toml_edit, clap, serde_json) with the same versions, features and profile. Target: xtask within
# 2x of that baseline. Also times the on-demand builds that only the release commands pay for:
# `xtask-release` (release, hotfix, rollback, post-release, models), then `xtask-github`.
# Figures go to docs/benchmarks.md, section `## cold build`.
#
# Usage: bench/cold-build.sh   (takes about five minutes: five cold builds)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The baseline: a workspace member-less crate reusing this workspace's lockfile and dependency specs.
mkdir -p "$work/baseline/src"
cat > "$work/baseline/Cargo.toml" <<TOML
[package]
name = "baseline"
version = "0.0.0"
edition = "2021"

[dependencies]
$(grep -E '^(clap|flate2|semver|serde_json|sha2|tar|toml_edit|xshell) = ' Cargo.toml)

[profile.dev]
debug = 0
incremental = false
[profile.dev.package.zlib-rs]
opt-level = 3
debug-assertions = false
overflow-checks = false
[profile.dev.package.sha2]
opt-level = 3
debug-assertions = false
overflow-checks = false
TOML
echo 'fn main() {}' > "$work/baseline/src/main.rs"
cp Cargo.lock "$work/baseline/Cargo.lock"

seconds() { # command... -> wall seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

cargo fetch --quiet
(cd "$work/baseline" && cargo fetch --quiet)

# Cold builds in ABBA order (baseline, xtask, xtask, baseline): this VM's speed drifts under
# sustained load, and the order must not favour either side.
cold() { # name command... -> wall seconds of a build into a fresh target dir
  local dir="$work/t-$1"; shift
  rm -rf "$dir"
  CARGO_TARGET_DIR="$dir" seconds "$@"
}
b1=$(cd "$work/baseline" && cold b1 cargo build)
x1=$(cold x1 cargo build -p xtask)
x2=$(cold x2 cargo build -p xtask)
b2=$(cd "$work/baseline" && cold b2 cargo build)
family=$(CARGO_TARGET_DIR="$work/t-x2" seconds cargo build -p xtask-release --bin xtask-release)
github=$(CARGO_TARGET_DIR="$work/t-x2" seconds cargo build -p github --bin xtask-github)
baseline=$(echo "scale=2; ($b1 + $b2) / 2" | bc)
xtask=$(echo "scale=2; ($x1 + $x2) / 2" | bc)
ratio=$(echo "scale=2; $xtask / $baseline" | bc)

printf 'machine: %s cores, %s, load %s\n' "$(nproc)" "$(rustc --version)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'baseline (card crates minus octocrab/tokio): %6.1f s  (%s, %s)\n' "$baseline" "$b1" "$b2"
printf 'cargo build -p xtask (cold):                 %6.1f s  (%s, %s): %sx baseline; target <= 2x\n' "$xtask" "$x1" "$x2" "$ratio"
printf 'then xtask-release on demand:                %6.1f s\n' "$family"
printf 'then xtask-github on demand:                 %6.1f s\n' "$github"
echo "$ratio <= 2" | bc | grep -q 1 || { echo "over budget"; exit 1; }
