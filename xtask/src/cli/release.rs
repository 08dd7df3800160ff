//! `cargo xtask release X.Y.Z`, and the flag groups every changing command shares.

use std::path::PathBuf;

use crate::flags::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The version to release, X.Y.Z[-PRE] (a leading `v` is accepted).
    #[arg(value_name = "X.Y.Z")]
    pub version: String,

    #[command(flatten)]
    pub run: RunFlags,

    #[command(flatten)]
    pub remote: Remote,

    #[command(flatten)]
    pub branch: Branch,

    #[command(flatten)]
    pub steps: StepFlags,

    /// Allow a release without notes (its section says "No notable changes").
    #[arg(long)]
    pub allow_empty: bool,

    /// Checklist step 7: build, deploy, health-check and integration-test the tag in a separate
    /// git worktree, before the GitHub release is published.
    #[arg(long)]
    pub verify_deploy: bool,

    /// Seconds `--verify-deploy` gives the services to become healthy.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub health_timeout: u64,
}

/// The flags of every command that plans and, with `--execute`, acts: release, hotfix,
/// rollback, post-release and the changing `models` commands.
#[derive(Debug, Clone, clap::Args)]
pub struct RunFlags {
    /// Carry the plan out (without it, nothing is changed).
    #[arg(long)]
    pub execute: bool,

    /// Do not ask for confirmation on a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Output: `human`, or `json` (one document on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// `--remote`, for every command that pushes or finds the GitHub repository from a remote.
#[derive(Debug, Clone, clap::Args)]
pub struct Remote {
    /// The git remote pushed to (and whose URL names the GitHub repository).
    #[arg(long = "remote", value_name = "NAME", default_value = "origin")]
    pub name: String,
}

/// `--branch`, for every command that reads or pushes the branch releases are cut from.
#[derive(Debug, Clone, clap::Args)]
pub struct Branch {
    /// The branch releases are cut from (and pushed to).
    #[arg(
        id = "branch",
        long = "branch",
        value_name = "NAME",
        env = "XTASK_RELEASE_BRANCH",
        default_value = "main"
    )]
    pub name: String,
}

/// `--asset`: the extra release assets `release` uploads and `post-release` checks.
#[derive(Debug, Clone, clap::Args)]
pub struct Assets {
    /// Extra release assets: tracked files matching this glob (repeatable), e.g.
    /// `docs/langflow/examples/*.json`; each must equal its file at the tag.
    #[arg(
        long = "asset",
        value_name = "GLOB",
        env = "XTASK_RELEASE_ASSETS",
        value_delimiter = ','
    )]
    pub globs: Vec<String>,
}

/// The flags of the release steps, for every command that runs them (release, hotfix finish).
#[derive(Debug, clap::Args)]
pub struct StepFlags {
    /// Release notes (Markdown with `### Added`/`### Fixed`/… and `- ` entries) instead of the
    /// Unreleased section or notes drafted from the commits.
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,

    /// Use this `pre-release --format json` report instead of running the gate (it must be for
    /// HEAD's commit and this version).
    #[arg(long, value_name = "PATH", conflicts_with = "skip_gate")]
    pub gate_report: Option<PathBuf>,

    /// Release without the pre-release gate (recorded in the release record).
    #[arg(long)]
    pub skip_gate: bool,

    /// Stop after the push: no archive, no GitHub release.
    #[arg(long)]
    pub no_github: bool,

    #[command(flatten)]
    pub assets: Assets,

    /// The release date, YYYY-MM-DD (default: today, UTC; `SOURCE_DATE_EPOCH` is respected).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,

    /// The "Release Name" of the GitHub release's title: `Version X.Y.Z - Release Name`
    /// (default: `Version X.Y.Z`). One line, at most 100 characters.
    #[arg(long, value_name = "NAME")]
    pub title: Option<String>,

    /// A sign-off for the gate this run starts (repeatable), as `pre-release --sign-off`
    /// takes it: `release-manager:NAME`, `tech-lead:NAME`, or a manual check's id. Recorded in
    /// the gate's report and the release record.
    #[arg(
        long = "sign-off",
        value_name = "ROLE:NAME|ID",
        conflicts_with_all = ["gate_report", "skip_gate"]
    )]
    pub sign_offs: Vec<String>,
}
