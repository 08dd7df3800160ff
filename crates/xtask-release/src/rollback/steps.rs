//! The rollback as an ordered list of steps (data), run once to plan and once to execute, each
//! shown as it finishes; and the last one, "next": the hotfix that fixes forward (checklist
//! step 4).

use super::{communicate, deploy, health, models, Rollback};
use crate::release::core::{Mode, Output, Step};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepId {
    /// Stop the running deployment (`scripts/teardown.sh`).
    Teardown,
    /// `git checkout --detach vA.B.C` in the project directory.
    Checkout,
    Build,
    Deploy,
    /// The gate: the old version's services answer.
    Health,
    /// The recorded model digests against Ollama's.
    Models,
    /// "ROLLED BACK" in the title and a notice on top of `--from`'s GitHub release.
    Notice,
    /// "latest" moves to `--to`'s release.
    Latest,
    /// The incident issue, opened once.
    Incident,
    /// The hotfix that fixes forward.
    Next,
}

impl StepId {
    pub fn name(self) -> &'static str {
        match self {
            StepId::Teardown => "teardown",
            StepId::Checkout => "checkout",
            StepId::Build => "build",
            StepId::Deploy => "deploy",
            StepId::Health => "health",
            StepId::Models => "models",
            StepId::Notice => "notice",
            StepId::Latest => "latest",
            StepId::Incident => "incident",
            StepId::Next => "next",
        }
    }
}

/// `cargo xtask rollback`: identify (the preflight) → redeploy → verify → communicate → next.
pub const ROLLBACK: [StepId; 10] = [
    StepId::Teardown,
    StepId::Checkout,
    StepId::Build,
    StepId::Deploy,
    StepId::Health,
    StepId::Models,
    StepId::Notice,
    StepId::Latest,
    StepId::Incident,
    StepId::Next,
];

/// Runs `list` in order in `mode`; stops at the first failure.
pub fn run(list: &[StepId], mode: Mode, r: &Rollback, out: &mut Output) -> anyhow::Result<()> {
    r.evidence.borrow_mut().clear();
    for &id in list {
        out.step(id.name(), mode, |s| match id {
            StepId::Teardown => deploy::teardown_step(r, s),
            StepId::Checkout => deploy::checkout_step(r, s),
            StepId::Build => deploy::build_step(r, s),
            StepId::Deploy => deploy::deploy_step(r, s),
            StepId::Health => health::step(r, s),
            StepId::Models => models::step(r, s),
            StepId::Notice => communicate::notice_step(r, s),
            StepId::Latest => communicate::latest_step(r, s),
            StepId::Incident => communicate::incident_step(r, s),
            StepId::Next => next(r, s),
        })?;
    }
    Ok(())
}

/// `cargo xtask hotfix start X.Y.(Z+1) --from vX.Y.Z`: the patch release that fixes forward.
pub fn hotfix_command(r: &Rollback) -> String {
    let mut next = r.from.version.clone();
    next.patch += 1;
    next.pre = semver::Prerelease::EMPTY;
    format!("cargo xtask hotfix start {next} --from {}", r.from.tag)
}

fn next(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let back = match &r.branch {
        Some(branch) => format!("git switch {branch}"),
        None => "git switch <your branch>".into(),
    };
    // Nothing to do but say it.
    s.done(format!(
        "fix forward: {}, then `cargo xtask hotfix finish`; {back} once it is released",
        hotfix_command(r)
    ));
    Ok(())
}
