//! `cargo xtask release X.Y.Z`: "Release Process" steps 1–7 of the checklist, planned by
//! default and carried out with `--execute`, resumable after a failure at any step.
//!
//! A release is an ordered list of steps (see [`steps`]); each looks at the real state of the
//! files, git and GitHub before it acts, so a re-run does only what is missing. The mode
//! ([`Mode::Plan`] or [`Mode::Execute`]) is a value threaded through one code path: the plan is
//! the real run with its side effects switched off, and it prints the real bytes (file diffs,
//! git commands, GitHub calls). Nothing is kept between runs but git and GitHub themselves.
//!
//! ## Layers
//!
//! Each module imports only from layers below it (checked by `crates/xtask-release/tests/release_layers.rs`):
//!
//! | layer | modules | what |
//! |-------|---------|------|
//! | 0 vocabulary | `vocab`, `effect`, `diff` | [`core::Release`], [`core::Problem`] / [`core::Check`], file names, [`core::Options`]; [`core::Mode`], [`core::Step::act`] |
//! | 1 leaves | `edits`, `gate`, `github`, `verify` | one concern each |
//! | 2 leaves on leaves | `git_steps`, `record` | writes and commits the edits; the release record |
//! | 3 | `preflight` | every check before the first write ([`core::Prepared`]) |
//! | 4 | `report` | the output, human or JSON ([`core::Output`]) |
//! | 5 | `steps` | the step list as data, run in a mode |
//! | 6, 7 | `core`, `mod.rs` (this) | the public surface; the command (`Args` → [`core::Options`]) |
//!
//! Other commands (post-release, hotfix, rollback, models tag) use [`core`] only.

pub mod core;
pub(crate) mod diff;
pub mod edits;
mod effect;
pub mod gate;
pub mod git_steps;
pub mod github;
pub mod preflight;
pub mod record;
mod report;
mod steps;
mod verify;
mod vocab;

use std::io::{BufRead, IsTerminal, Write};

use anyhow::Context;

use self::effect::Mode;
use self::vocab::{GateChoice, Options, Release};
pub use xtask::cli::release::{Args, RunFlags, StepFlags};
use xtask::exit::{self, Exit};
use xtask::flags::Format;
use xtask::Ctx;

/// `X.Y.Z` or `vX.Y.Z`, semver; build metadata is refused (tags must be distinct versions).
pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let version = xtask::version::parse_release_version(&args.version)?;
    let release = Release::new(
        ctx.project.clone(),
        &ctx.out,
        version,
        args.branch.name.clone(),
        args.remote.name.clone(),
        args.steps.date.clone(),
    )?;
    let opts = options(&args);
    let mut out = report::Output::new(args.run.format, &release);

    let mut prepared = match preflight::run(&release, &opts)? {
        Ok(prepared) => prepared,
        Err(problems) => {
            out.refused(&problems);
            if problems.iter().any(|p| p.check == vocab::Check::Gate) {
                let report = release.out_file("gate.json");
                let report = match report.is_file() {
                    true => report.display().to_string(),
                    false => String::new(),
                };
                xtask::ci::set_outputs(&[("verdict", "not ready".into()), ("report", report)]);
            }
            return Ok(exit::REFUSED);
        }
    };
    // The models this release is tested with are recorded for it (docs/MODEL_VERSIONS.md).
    prepared.notes.extend(crate::models::release_warning(
        &release.project,
        &release.version,
    ));
    out.preflight_passed(&prepared);
    xtask::ci::set_outputs(&prepared.gate.outputs());

    let code = plan_then_execute(&args.run, &mut out, |mode, out| {
        steps::run(&steps::RELEASE, mode, &release, &opts, &prepared, out)
    })?;
    if args.run.execute && code == exit::OK {
        set_outputs(&release, &out)?;
    }
    Ok(code)
}

/// Plans with `steps`, then (with `--execute`, after a confirmation on a terminal unless
/// `--yes`) runs the same `steps` again in [`Mode::Execute`]: one code path, the mode a value.
/// A failing step is reported through `out` and gives the exit code.
pub fn plan_then_execute(
    run: &RunFlags,
    out: &mut report::Output,
    mut steps: impl FnMut(Mode, &mut report::Output) -> anyhow::Result<()>,
) -> anyhow::Result<u8> {
    out.begin(Mode::Plan);
    if let Err(err) = steps(Mode::Plan, out) {
        return Ok(out.failed(Mode::Plan, &err));
    }
    if !run.execute {
        out.finish(Mode::Plan);
        return Ok(exit::OK);
    }
    confirmed(run)?;
    out.begin(Mode::Execute);
    if let Err(err) = steps(Mode::Execute, out) {
        return Ok(out.failed(Mode::Execute, &err));
    }
    out.finish(Mode::Execute);
    Ok(exit::OK)
}

/// `GITHUB_OUTPUT` (when set) after a release: `tag`, `commit`, `release_url` (empty with
/// `--no-github`) and `assets` (a JSON array of the asset names).
fn set_outputs(release: &Release, out: &report::Output) -> anyhow::Result<()> {
    let commit = release.repo.tag_target(&release.tag)?.unwrap_or_default();
    xtask::ci::set_outputs(&[
        ("tag", release.tag.clone()),
        ("commit", commit),
        ("release_url", out.release_url().unwrap_or_default().into()),
        ("assets", serde_json::to_string(out.assets())?),
    ]);
    Ok(())
}

/// On a terminal, without `--yes` and with human output: asks whether to carry the plan out,
/// and refuses (nothing changed) unless the answer is yes.
pub fn confirmed(run: &RunFlags) -> anyhow::Result<()> {
    let ask = run.format == Format::Human && !run.yes && std::io::stdin().is_terminal();
    if ask && !confirm()? {
        return Err(Exit::refused(
            "not confirmed: nothing was changed",
            "answer `y`, or pass --yes",
        )
        .into());
    }
    Ok(())
}

/// Asks on the terminal whether to carry the plan out (every command that plans asks this).
fn confirm() -> anyhow::Result<bool> {
    eprint!("carry out this plan? [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}

/// The options of the release steps `steps` asks for.
pub fn step_options(
    steps: &StepFlags,
    run: &RunFlags,
    allow_empty: bool,
    verify_deploy: Option<u64>,
) -> Options {
    Options {
        notes: steps.notes.clone(),
        allow_empty,
        gate: match (&steps.gate_report, steps.skip_gate) {
            (_, true) => GateChoice::Skip,
            (Some(path), false) => GateChoice::Report(path.clone()),
            (None, false) => GateChoice::Run,
        },
        github: !steps.no_github,
        assets: steps.assets.globs.clone(),
        verify_deploy,
        execute: run.execute,
        make_latest: None,
        title: steps.title.clone(),
        sign_offs: steps.sign_offs.clone(),
        progress: run.format == Format::Human,
    }
}

/// The options of the release steps `release`'s flags ask for.
fn options(args: &Args) -> Options {
    let verify_deploy = args.verify_deploy.then_some(args.health_timeout);
    step_options(&args.steps, &args.run, args.allow_empty, verify_deploy)
}
