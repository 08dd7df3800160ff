//! `cargo xtask ci`: the GitHub Actions workflows that run this xtask, written from code so they
//! cannot drift from the commands (`--check` fails when the committed files are stale, as
//! cargo-dist does). `init` writes the same files.
//!
//! - `.github/workflows/pre-release.yml`: on pull requests and pushes, one job per checklist
//!   section (a matrix with `fail-fast: false`), each report uploaded even when the job fails,
//!   then a verdict job that merges them with `merge-reports --expect <every section>`.
//! - `.github/workflows/release.yml`: manual dispatch with a version input: the gate, then the
//!   release with `GITHUB_TOKEN` and `contents: write`; its outputs for later jobs.
//!
//! Another workflow (post-release) is one more entry in [`WORKFLOWS`].

use std::path::PathBuf;

use checklist::Section;

use crate::exit::{self, Exit};
use crate::files::{self, Mode};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask ci              # the plan: which workflow files would be written
  cargo xtask ci --execute    # write .github/workflows/pre-release.yml and release.yml
  cargo xtask ci --check      # in CI: exit 1 when the committed workflows are stale")]
pub struct Args {
    /// The repository root to write into (default: this xtask's workspace root).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Write the files (without it, only the plan is printed).
    #[arg(long, conflicts_with = "check")]
    pub execute: bool,
    /// Write nothing; exit 1 when a workflow file is missing or differs from what would be written.
    #[arg(long)]
    pub check: bool,
}

/// A generated workflow: its path in the repository and its text.
pub struct Workflow {
    pub path: &'static str,
    pub render: fn() -> String,
}

/// Every workflow `ci` writes. (post-release.yml: add `Workflow { path:
/// ".github/workflows/post-release.yml", render: post_release }` once that command exists.)
pub const WORKFLOWS: &[Workflow] = &[
    Workflow {
        path: ".github/workflows/pre-release.yml",
        render: pre_release,
    },
    Workflow {
        path: ".github/workflows/release.yml",
        render: release,
    },
];

/// The workflow files as `(path, bytes)`, for `ci` and `init`.
pub fn files() -> Vec<(String, Vec<u8>)> {
    WORKFLOWS
        .iter()
        .map(|w| (w.path.to_string(), (w.render)().into_bytes()))
        .collect()
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let dir = args.dir.unwrap_or_else(crate::paths::workspace_root);
    if !dir.is_dir() {
        return Err(Exit::refused(
            format!("{} is not a directory", dir.display()),
            "pass --dir DIR: the root of the repository the workflows belong to",
        )
        .into());
    }
    let planned = files::plan(&dir, files());
    if args.check {
        let stale: Vec<String> = planned
            .iter()
            .filter(|p| p.state() != files::State::Same)
            .map(|p| match p.state() {
                files::State::New => format!("{} is missing", p.rel),
                _ => format!("{} is stale", p.rel),
            })
            .collect();
        if stale.is_empty() {
            println!("the workflows in {} are up to date", dir.display());
            return Ok(exit::OK);
        }
        eprintln!(
            "error: {}: run `cargo xtask ci --execute` and commit the result",
            stale.join("; ")
        );
        return Ok(exit::FAILED);
    }
    let mode = Mode::from_execute(args.execute);
    let written = files::apply(&dir, &planned, mode)?;
    match (written, mode) {
        (0, _) => println!("the workflows in {} are up to date", dir.display()),
        (n, Mode::Plan) => println!("{n} file(s) to write; run again with --execute to write them"),
        (n, Mode::Execute) => println!("wrote {n} file(s) into {}", dir.display()),
    }
    Ok(exit::OK)
}

const HEADER: &str = "\
# Written by `cargo xtask ci`: change the generator (xtask/src/workflows.rs), not this file;
# `cargo xtask ci --check` fails when it is stale.
";

/// Checkout with the tags (the version checks compare with the latest release tag), then the
/// cached cargo registry and xtask build.
const SETUP: &str = "      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - name: cache the xtask build
        uses: actions/cache@v4
        with:
          path: |
            ~/.cargo/registry
            ~/.cargo/git
            target
            !target/xtask
          key: xtask-${{ runner.os }}-${{ hashFiles('Cargo.lock', 'Cargo.toml', 'xtask/**', 'crates/**') }}
          restore-keys: xtask-${{ runner.os }}-
";

fn sections() -> Vec<&'static str> {
    Section::ALL.iter().map(|s| s.name()).collect()
}

fn pre_release() -> String {
    let sections = sections();
    format!(
        "{HEADER}name: pre-release

on:
  pull_request:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read

jobs:
  check:
    name: pre-release ${{{{ matrix.section }}}}
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        section: [{matrix}]
    steps:
{SETUP}      - name: cargo xtask pre-release --section ${{{{ matrix.section }}}}
        env:
          SECTION: ${{{{ matrix.section }}}}
        run: >-
          cargo xtask pre-release --section \"$SECTION\"
          --report \"$RUNNER_TEMP/report-$SECTION.json\"
          --junit \"$RUNNER_TEMP/junit-$SECTION.xml\"
      - name: upload the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: report-${{{{ matrix.section }}}}
          path: |
            ${{{{ runner.temp }}}}/report-${{{{ matrix.section }}}}.json
            ${{{{ runner.temp }}}}/junit-${{{{ matrix.section }}}}.xml
          if-no-files-found: warn

  verdict:
    needs: check
    if: always()
    runs-on: ubuntu-latest
    steps:
{SETUP}      - name: download the reports
        uses: actions/download-artifact@v4
        with:
          pattern: report-*
          path: ${{{{ runner.temp }}}}/reports
          merge-multiple: true
      - name: cargo xtask merge-reports
        run: >-
          cargo xtask merge-reports --expect {expect}
          --report \"$RUNNER_TEMP/report.json\"
          \"$RUNNER_TEMP\"/reports/report-*.json
",
        matrix = sections.join(", "),
        expect = sections.join(","),
    )
}

fn release() -> String {
    format!(
        "{HEADER}name: release

on:
  workflow_dispatch:
    inputs:
      version:
        description: \"The version to release: X.Y.Z\"
        required: true
        type: string

permissions:
  contents: write

concurrency:
  group: release
  cancel-in-progress: false

jobs:
  release:
    runs-on: ubuntu-latest
    outputs:
      verdict: ${{{{ steps.gate.outputs.verdict }}}}
      tag: ${{{{ steps.release.outputs.tag }}}}
      commit: ${{{{ steps.release.outputs.commit }}}}
      release_url: ${{{{ steps.release.outputs.release_url }}}}
      assets: ${{{{ steps.release.outputs.assets }}}}
    steps:
{SETUP}      - name: git identity for the release commit and tag
        run: |
          git config user.name \"github-actions[bot]\"
          git config user.email \"41898282+github-actions[bot]@users.noreply.github.com\"
      - name: cargo xtask pre-release --version
        id: gate
        env:
          VERSION: ${{{{ inputs.version }}}}
        run: cargo xtask pre-release --version \"$VERSION\" --report \"$RUNNER_TEMP/gate.json\"
      - name: cargo xtask release --execute
        id: release
        env:
          VERSION: ${{{{ inputs.version }}}}
          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
        run: cargo xtask release \"$VERSION\" --execute --yes --gate-report \"$RUNNER_TEMP/gate.json\"
      - name: upload the gate report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: gate-report
          path: ${{{{ runner.temp }}}}/gate.json
          if-no-files-found: warn
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_expects_every_section_the_matrix_runs() {
        let text = pre_release();
        assert!(
            text.contains("section: [code-quality, functional, models, documentation, security]")
        );
        assert!(text.contains("--expect code-quality,functional,models,documentation,security"));
    }
}
