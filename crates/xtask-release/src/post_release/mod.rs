//! `cargo xtask post-release X.Y.Z`: the checklist's "Post-Release Checklist" — prove the
//! release is what was released, then tidy up (plan by default, `--execute` acts).
//!
//! One module per subsection: [`verification`] (read-only: the GitHub release, the tag, the
//! assets downloaded and rebuilt, docs, images, models), [`cleanup`] (the milestone, the next
//! one, the docs archive), [`communication`] (Monitoring and Communication: manual items with
//! `--sign-off ID`). The items are data ([`ITEMS`]); the facts they judge are gathered once
//! ([`facts::Facts`]), and every item is a pure function of them plus, for cleanup, side
//! effects recorded through the release core's [`Step::act`] — so the plan and `--execute` are
//! one code path. The results are a `runner::Report` (the pre-release shape: `merge-reports`
//! and the CI summary read it) and the Post-Release section of `trackers/releases/vX.Y.Z.md`
//! ([`record`]), committed and pushed with `--execute`.

mod cleanup;
mod communication;
mod compose_at_tag;
mod facts;
mod output;
mod record;
mod verification;

use std::time::Instant;

use runner::{CheckResult, Outcome, Report, SignOff};

use crate::release::core::{Mode, Release, Status, Step};
use xtask::exit::{self, Exit};
use xtask::Ctx;

use self::facts::Facts;
pub use xtask::cli::post_release::Args;

/// A subsection of the Post-Release Checklist: the `section` of a check in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Verification,
    Monitoring,
    Communication,
    Cleanup,
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::Verification => "verification",
            Section::Monitoring => "monitoring",
            Section::Communication => "communication",
            Section::Cleanup => "cleanup",
        }
    }
}

/// How an item is decided.
#[derive(Clone, Copy)]
pub enum How {
    /// By the machine from the facts; cleanup items act through the step (plan or execute).
    Auto(fn(&Facts, &mut Step) -> anyhow::Result<Outcome>),
    /// By a person (`--sign-off ID`); the text says what to do, and may be completed from the
    /// facts (the contributors to thank).
    Manual(&'static str, Option<fn(&Facts) -> String>),
}

/// One item of the Post-Release Checklist.
pub struct Item {
    pub id: &'static str,
    pub section: Section,
    pub title: &'static str,
    pub how: How,
}

/// Every item, in checklist order.
pub fn items() -> Vec<&'static Item> {
    verification::ITEMS
        .iter()
        .chain(communication::MONITORING)
        .chain(communication::COMMUNICATION)
        .chain(cleanup::ITEMS)
        .collect()
}

/// What the command was asked, beyond the release.
pub struct Options {
    pub execute: bool,
    pub assets: Vec<String>,
    pub milestone: Option<String>,
    pub close_open_milestone: bool,
    pub next_milestone: Option<semver::Version>,
    pub docs_url: Option<String>,
    pub sign_offs: Vec<SignOff>,
    /// `[post-release]` of release-checks.toml (below the flags, above the defaults).
    pub config: checklist::PostRelease,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let version = xtask::version::parse_release_version(&args.version)?;
    let next_milestone = args
        .next_milestone
        .as_deref()
        .map(xtask::version::parse_release_version)
        .transpose()?;
    let release = Release::new(
        ctx.project.clone(),
        &ctx.out,
        version,
        args.branch.name.clone(),
        args.remote.name.clone(),
        None,
    )?;
    if !release.repo.is_repo() {
        return Err(Exit::refused(
            format!("{} is not in a git work tree", ctx.project.display()),
            "run it in the project's git clone",
        )
        .into());
    }
    let opts = Options {
        execute: args.run.execute,
        assets: args.assets.globs.clone(),
        milestone: args.milestone.clone(),
        close_open_milestone: args.close_open_milestone,
        next_milestone,
        docs_url: args.docs_url.clone(),
        sign_offs: sign_offs(&release, &args.sign_off)?,
        config: xtask::pre_release::load_checklist(ctx)?
            .post_release()
            .clone(),
    };
    let work = ctx.out.join("post-release").join(&release.tag);
    let facts = Facts::gather(release, opts, &work)?;
    let out = output::Output::new(args.run.format, &facts.r.tag);

    // The plan: every item judged, every action listed, nothing changed.
    let planned = judge(&facts, Mode::Plan)?;
    let mut record_step = Step::new("record", Mode::Plan);
    let mut refusals = planned.refusals;
    if let Err(err) = record::step(&facts, &planned.results, &mut record_step) {
        match err.downcast::<Exit>() {
            Ok(exit) if exit.code == exit::REFUSED => refusals.push(exit),
            Ok(exit) => return Err(exit.into()),
            Err(err) => return Err(err),
        }
    }
    record_step.settle();
    let mut steps = planned.steps;
    steps.push(record_step);

    let (results, steps, failure) = if !refusals.is_empty() {
        // Nothing was changed: the plan's results, and every refusal with its fix.
        out.refused(&refusals);
        let first = refusals.into_iter().next().map(anyhow::Error::from);
        (planned.results, steps, first)
    } else if !facts.opts.execute {
        (planned.results, steps, None)
    } else {
        crate::release::confirmed(&args.run)?;
        let done = judge(&facts, Mode::Execute)?;
        let mut steps = done.steps;
        let mut record_step = Step::new("record", Mode::Execute);
        // A cleanup that failed part-way is not recorded: the re-run that finishes it records
        // the finished state, once.
        let recorded = match &done.failure {
            Some(_) => {
                let failed: Vec<&str> = steps
                    .iter()
                    .filter(|s| s.status == Status::Failed)
                    .map(|s| s.name)
                    .collect();
                record_step.skipped(format!(
                    "not recorded: `{}` failed; re-run the same command",
                    failed.join("`, `")
                ))
            }
            None => record::step(&facts, &done.results, &mut record_step),
        };
        match &recorded {
            Ok(()) => record_step.settle(),
            Err(_) => record_step.status = Status::Failed,
        }
        steps.push(record_step);
        let failure = done.failure.or(recorded.err());
        (done.results, steps, failure)
    };

    let mut report = Report::new(results);
    report.tool = format!("xtask post-release {}", env!("CARGO_PKG_VERSION"));
    report.project = facts.r.project.display().to_string();
    report.commit = facts.tag_commit().map(str::to_string);
    report.target_version = Some(facts.r.version.to_string());
    report.started_at = runner::rfc3339_utc(started);
    report.duration_ms = clock.elapsed().as_millis() as u64;
    report.sign_offs = facts.opts.sign_offs.clone();

    // Refused: only the plan ran.
    let refused = failure
        .as_ref()
        .and_then(|err| err.downcast_ref::<Exit>())
        .is_some_and(|exit| exit.code == exit::REFUSED);
    let mode = match facts.opts.execute && !refused {
        true => Mode::Execute,
        false => Mode::Plan,
    };
    let code = match &failure {
        Some(err) => err
            .downcast_ref::<Exit>()
            .map_or(exit::INTERRUPTED, |exit| exit.code),
        None => report.exit_code(),
    };
    let json = out.document(&report, mode, &steps, code, failure.as_ref());
    xtask::fs::write_atomic(&work.with_extension("json"), json.as_bytes())?;
    if let Some(path) = &args.report {
        xtask::fs::write_atomic(path, json.as_bytes())?;
    }
    out.print(&report, mode, &steps, code, failure.as_ref(), &json);
    xtask::ci::annotate(&report);
    Ok(code)
}

/// The items judged in `mode`: their results, the steps with their actions, the refusals a
/// plan found (which stop `--execute` before it changes anything) and the first failure of an
/// action.
struct Judged {
    results: Vec<CheckResult>,
    steps: Vec<Step>,
    refusals: Vec<Exit>,
    failure: Option<anyhow::Error>,
}

fn judge(facts: &Facts, mode: Mode) -> anyhow::Result<Judged> {
    let mut judged = Judged {
        results: Vec::new(),
        steps: Vec::new(),
        refusals: Vec::new(),
        failure: None,
    };
    for item in items() {
        let clock = Instant::now();
        let mut step = Step::new(item.id, mode);
        let outcome = match item.how {
            How::Manual(what, extra) => communication::manual(facts, item.id, what, extra),
            How::Auto(check) => match check(facts, &mut step) {
                Ok(outcome) => outcome,
                Err(err) => match err.downcast::<Exit>() {
                    Ok(exit) if exit.code == exit::REFUSED && mode == Mode::Plan => {
                        let outcome = Outcome::fail(format!("{}; {}", exit.cause, hint(&exit)));
                        judged.refusals.push(exit);
                        outcome
                    }
                    Ok(exit) => {
                        step.status = Status::Failed;
                        let outcome = Outcome::fail(exit.cause.clone());
                        judged.failure.get_or_insert(exit.into());
                        outcome
                    }
                    Err(err) => {
                        step.status = Status::Failed;
                        let outcome = Outcome::fail(format!("{err:#}"));
                        judged.failure.get_or_insert(err);
                        outcome
                    }
                },
            },
        };
        step.settle();
        if !step.actions.is_empty() || step.status == Status::Failed {
            judged.steps.push(step);
        }
        judged.results.push(CheckResult {
            id: item.id.to_string(),
            section: item.section.name().to_string(),
            title: item.title.to_string(),
            status: outcome.status,
            duration_ms: clock.elapsed().as_millis() as u64,
            command: None,
            log: None,
            reason: outcome.reason,
            blocked_by: outcome.blocked_by,
        });
    }
    Ok(judged)
}

fn hint(exit: &Exit) -> &str {
    exit.fix.as_deref().unwrap_or("see the cause")
}

/// `--sign-off ID`: only manual items take one; who and when come from git and the clock.
fn sign_offs(r: &Release, ids: &[String]) -> anyhow::Result<Vec<SignOff>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let manual: Vec<&str> = items()
        .into_iter()
        .filter(|item| matches!(item.how, How::Manual(..)))
        .map(|item| item.id)
        .collect();
    if let Some(id) = ids.iter().find(|id| !manual.contains(&id.as_str())) {
        let known = items().iter().any(|item| item.id == id);
        return Err(Exit::refused(
            if known {
                format!("`{id}` is checked by the machine; only manual items take a sign-off")
            } else {
                format!("unknown post-release item `{id}`")
            },
            format!("sign off one of: {}", manual.join(", ")),
        )
        .into());
    }
    let Some(by) = r.repo.user()? else {
        return Err(Exit::refused(
            "--sign-off needs your name from git, and `git config user.name` is not set",
            "run `git config --global user.name \"Your Name\"` (and user.email)",
        )
        .into());
    };
    let at = runner::rfc3339_utc(r.now);
    Ok(ids
        .iter()
        .map(|id| SignOff {
            id: id.clone(),
            by: by.clone(),
            at: at.clone(),
            role: None,
        })
        .collect())
}
