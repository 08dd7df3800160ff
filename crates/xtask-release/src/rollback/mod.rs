//! `cargo xtask rollback [--to vA.B.C] [--from vX.Y.Z]`: the checklist's "Rollback Procedure" —
//! identify the previous stable version, redeploy it from the project directory, verify its
//! health, communicate (GitHub release notice, "latest", an incident issue), then print the
//! hotfix that fixes forward.
//!
//! Built on the release core ([`crate::release::core`]): the mode is a value threaded through
//! one code path ([`Mode`]), every side effect is an action recorded through `Step::act`, and the
//! steps are a list run once to plan and once to execute ([`steps::ROLLBACK`]). Each step looks at
//! the real state first (the checkout, `docker compose ps`, GitHub), so a re-run after a failure
//! at any point does only what is missing. Tags and releases are never deleted (docs/rollback.md).
//!
//! | module | what |
//! |--------|------|
//! | [`identify`] | `--from`/`--to`, their dates and the commits between (checklist step 1) |
//! | [`preflight`] | every check before the first change; exit 2 with nothing changed |
//! | [`deploy`] | teardown, checkout, build, deploy in the project directory (step 2) |
//! | [`health`] | `services-healthy`'s native polling: the gate for what follows (step 2's end) |
//! | [`models`] | the model digests `--to` recorded against what Ollama serves |
//! | [`communicate`] | the release notice, "latest", the incident issue (step 3) |
//! | [`steps`] | the step list as data, and "next": the hotfix that fixes forward (step 4) |

mod communicate;
mod deploy;
mod health;
mod identify;
mod models;
mod preflight;
mod steps;

use std::path::PathBuf;
use std::time::Duration;

use crate::release::core::{github::Target, Output, Release};
pub use xtask::cli::rollback::Args;
use xtask::exit;
use xtask::Ctx;

pub use identify::Point;

/// Everything the steps share: the two versions, the project, GitHub.
pub struct Rollback {
    /// The release core's view of `--to` (repo, remote, clock); its out dir is `<out>/rollback`.
    pub release: Release,
    pub from: Point,
    /// Where `--from` came from: the flag, the deployment's version label, the latest tag.
    pub from_source: &'static str,
    pub to: Point,
    /// `abc1234 subject` of each commit in `to..from`, newest first.
    pub between: Vec<String>,
    /// The branch to return to once the fix is forward (recorded before the checkout).
    pub branch: Option<String>,
    pub reason: String,
    pub health_timeout: Duration,
    /// `None` with `--no-github`.
    pub github: Option<Target>,
    /// What the health step saw, for the incident issue: one line per service.
    pub evidence: std::cell::RefCell<Vec<String>>,
}

impl Rollback {
    /// `<out>/rollback/<from>.<what>`: the recorded branch, the logs.
    pub fn out_file(&self, what: &str) -> PathBuf {
        self.release.out.join(format!("{}.{what}", self.from.tag))
    }
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let rollback = match preflight::run(ctx, &args)? {
        Ok(rollback) => rollback,
        Err(refusal) => {
            let (version, subject) = refusal.subject;
            let mut out =
                Output::titled(args.run.format, "rollback", version, subject, String::new());
            out.refused(&refusal.problems);
            return Ok(exit::REFUSED);
        }
    };
    let done = format!(
        "rolled back {} to {}; fix forward: {}",
        rollback.from.tag,
        rollback.to.tag,
        steps::hotfix_command(&rollback)
    );
    let mut out = Output::titled(
        args.run.format,
        "rollback",
        rollback.to.version.to_string(),
        format!("{} -> {}", rollback.from.tag, rollback.to.tag),
        done,
    );
    out.passed(&preflight::notes(&rollback));

    crate::release::plan_then_execute(&args.run, &mut out, |mode, out| {
        steps::run(&steps::ROLLBACK, mode, &rollback, out)
    })
}
