//! Command-line flags.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The codemate-hub release checklist as commands",
    version,
    after_help = "Examples:
  cargo xtask pre-release                      # the Pre-Release Checklist
  cargo xtask --project ../app pre-release     # on another project
  cargo xtask archive                          # reproducible artifacts of the latest tag
  cargo xtask release 0.5.0                    # the release plan; --execute carries it out
  cargo xtask init ../app --execute            # install this xtask into a project
  cargo xtask <COMMAND> --help                 # each command's flags and examples"
)]
pub struct Cli {
    /// The Python project to work on (default: the workspace root).
    #[arg(long, global = true, env = "XTASK_PROJECT", value_name = "DIR")]
    pub project: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables and lines for a person.
    Human,
    /// One JSON document on stdout, for CI.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Pre-Release Checklist: code quality, functional, models, documentation, security.
    PreRelease(crate::pre_release::Args),
    /// Build reproducible release artifacts with checksums, or verify them.
    Archive(crate::archive::Args),
    /// Plan (and with --execute, carry out) a release to git and GitHub.
    Release(crate::release::Args),
    /// Combine the JSON reports of separate pre-release jobs into one verdict.
    MergeReports(crate::merge_reports::Args),
    /// Write trackers/checklist-coverage.md: every checklist item and what automates it.
    Coverage(crate::coverage::Args),
    /// Install this xtask into a Python project (plans; --execute writes).
    Init(crate::init::Args),
    /// Write the GitHub Actions workflows (plans; --execute writes; --check verifies).
    Ci(crate::workflows::Args),
    /// Print a shell completion script: bash, zsh or fish.
    Completions(crate::completions::Args),
}
