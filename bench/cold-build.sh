#!/usr/bin/env bash
# Cold-build budget: `cargo build -p xtask` from scratch against, in the same run, an empty binary
# that depends on the card's crates minus octocrab/tokio (xshell, tar, flate2, sha2, semver,
# toml_edit, clap, serde_json) with the same versions, features and profile. Target: xtask within
# 2x of that baseline. Also times the on-demand `xtask-github` build that only `release` pays for.
# Figures go to docs/benchmarks.md, section `## cold build`.
#
# Usage: bench/cold-build.sh   (takes a few minutes: three cold builds)
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
[profile.dev.package.zlib-rs]
opt-level = 3
[profile.dev.package.sha2]
opt-level = 3
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
baseline=$(cd "$work/baseline" && CARGO_TARGET_DIR="$work/t-baseline" seconds cargo build)
xtask=$(CARGO_TARGET_DIR="$work/t-xtask" seconds cargo build -p xtask)
github=$(CARGO_TARGET_DIR="$work/t-xtask" seconds cargo build -p github --bin xtask-github)
ratio=$(echo "scale=2; $xtask / $baseline" | bc)

printf 'machine: %s cores, %s\n' "$(nproc)" "$(rustc --version)"
printf 'baseline (card crates minus octocrab/tokio): %6.1f s\n' "$baseline"
printf 'cargo build -p xtask (cold):                 %6.1f s  (%sx baseline; target <= 2x)\n' "$xtask" "$ratio"
printf 'then xtask-github on demand (release only):  %6.1f s\n' "$github"
echo "$ratio <= 2" | bc | grep -q 1 || { echo "over budget"; exit 1; }
