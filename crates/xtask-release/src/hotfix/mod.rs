//! `cargo xtask hotfix start X.Y.Z` and `cargo xtask hotfix finish`: the checklist's "Hotfix
//! Process" — a patch release cut from a `hotfix/vX.Y.Z` branch, merged back into `main` safely.
//!
//! Built on the release core ([`crate::release::core`]): the same [`Mode`] threaded through one
//! code path (plan by default, `--execute` acts), the same preflight blocks, edits, gate, git
//! steps and GitHub step. What is hotfix's own:
//!
//! | module | what |
//! |--------|------|
//! | [`base`] | the release a hotfix patches, and "X.Y.Z is its next patch" |
//! | [`start`] | `hotfix start`: the branch from the base, switched to (or in a worktree) |
//! | [`finish`] | `hotfix finish`: the preflight and the step list |
//! | [`merge`] | the `--no-ff` merge into `main`, computed without a work tree; version lines kept |
//! | [`leave`] | the checkout leaves the hotfix branch, so it can be deleted |

mod base;
mod finish;
mod leave;
mod merge;
mod start;

use semver::Version;

use crate::release::core::Mode;
use crate::release::RunFlags;
pub use xtask::cli::hotfix::{Args, Command};
use xtask::exit::Exit;
use xtask::Ctx;

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Start(args) => start::run(ctx, args),
        Command::Finish(args) => finish::run(ctx, args),
    }
}

/// `hotfix/vX.Y.Z`.
pub fn branch_name(version: &Version) -> String {
    format!("hotfix/v{version}")
}

/// The version a `hotfix/vX.Y.Z` branch name stands for.
pub fn branch_version(branch: &str) -> Option<Version> {
    let version = Version::parse(branch.strip_prefix("hotfix/v")?).ok()?;
    (version.pre.is_empty() && version.build.is_empty()).then_some(version)
}

/// A hotfix version: X.Y.Z with Z ≥ 1, no pre-release part.
fn parse_version(text: &str) -> anyhow::Result<Version> {
    let version = xtask::version::parse_release_version(text)?;
    if !version.pre.is_empty() {
        return Err(Exit::refused(
            format!("{version} is a pre-release: a hotfix is a patch release X.Y.Z"),
            "give the patch version, e.g. 0.4.1",
        )
        .into());
    }
    Ok(version)
}

/// Plans, then (with `--execute`, after a confirmation on a terminal unless `--yes`) runs
/// `steps` again in execute mode: one code path, the mode as a value. `steps(mode, last)`:
/// `last` is true for the run whose result is the command's (the JSON document is printed once).
fn plan_then_execute(
    run: &RunFlags,
    mut steps: impl FnMut(Mode, bool) -> Result<(), u8>,
) -> anyhow::Result<u8> {
    if let Err(code) = steps(Mode::Plan, !run.execute) {
        return Ok(code);
    }
    if !run.execute {
        return Ok(xtask::exit::OK);
    }
    crate::release::confirmed(run)?;
    Ok(match steps(Mode::Execute, true) {
        Ok(()) => xtask::exit::OK,
        Err(code) => code,
    })
}
