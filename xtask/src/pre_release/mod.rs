//! `cargo xtask pre-release`: the Pre-Release Checklist, one module per section.

mod code_quality;
mod documentation;
mod functional;
mod models;
mod security;

use std::path::PathBuf;

use semver::Version;

use crate::Ctx;

/// What native checks see. Shared across the runner's threads, so it holds no `Shell`
/// (make one with `Shell::new()` and `change_dir(&env.project)` where a check needs it).
pub struct Env {
    /// The project root (holds `pyproject.toml`).
    pub project: PathBuf,
    /// Where this run's logs and reports go (ignored by git).
    pub out: PathBuf,
    /// `--version X.Y.Z`: the release about to be cut, if any.
    pub target: Option<Version>,
}

/// A check implemented in Rust. It writes what a person needs to read to `log`.
pub type Native = fn(&Env, runner::Log) -> runner::Outcome;

/// The native implementation behind a check id, looked up section by section.
pub fn native(id: &str) -> Option<Native> {
    code_quality::native(id)
        .or_else(|| functional::native(id))
        .or_else(|| models::native(id))
        .or_else(|| documentation::native(id))
        .or_else(|| security::native(id))
}

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_ctx: &Ctx, _args: Args) -> anyhow::Result<u8> {
    let _ = native;
    anyhow::bail!("`pre-release` is not built yet")
}
