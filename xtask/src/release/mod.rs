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
//! Each module imports only from layers below it (checked by `xtask/tests/release_layers.rs`):
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
use std::path::PathBuf;

use anyhow::Context;

use self::effect::Mode;
use self::vocab::{GateChoice, Options, Release};
use crate::exit::{self, Exit};
use crate::flags::Format;
use crate::Ctx;

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

impl StepFlags {
    /// The options of the release steps these flags ask for.
    pub fn options(
        &self,
        run: &RunFlags,
        allow_empty: bool,
        verify_deploy: Option<u64>,
    ) -> Options {
        Options {
            notes: self.notes.clone(),
            allow_empty,
            gate: match (&self.gate_report, self.skip_gate) {
                (_, true) => GateChoice::Skip,
                (Some(path), false) => GateChoice::Report(path.clone()),
                (None, false) => GateChoice::Run,
            },
            github: !self.no_github,
            assets: self.assets.globs.clone(),
            verify_deploy,
            execute: run.execute,
            make_latest: None,
            title: self.title.clone(),
            sign_offs: self.sign_offs.clone(),
            progress: run.format == Format::Human,
        }
    }
}

impl Args {
    /// The options of the release steps these flags ask for.
    fn options(&self) -> Options {
        let verify_deploy = self.verify_deploy.then_some(self.health_timeout);
        self.steps
            .options(&self.run, self.allow_empty, verify_deploy)
    }
}

/// `X.Y.Z` or `vX.Y.Z`, semver; build metadata is refused (tags must be distinct versions).
pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let version = crate::version::parse_release_version(&args.version)?;
    let release = Release::new(
        ctx.project.clone(),
        &ctx.out,
        version,
        args.branch.name.clone(),
        args.remote.name.clone(),
        args.steps.date.clone(),
    )?;
    let opts = args.options();
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
                crate::ci::set_outputs(&[("verdict", "not ready".into()), ("report", report)]);
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
    crate::ci::set_outputs(&prepared.gate.outputs());

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
    crate::ci::set_outputs(&[
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
