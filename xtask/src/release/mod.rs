//! `cargo xtask release X.Y.Z`: "Release Process" steps 1–7 of the checklist, planned by
//! default and carried out with `--execute`, resumable after a failure at any step.
//!
//! A release is an ordered list of steps (see [`steps`]); each looks at the real state of the
//! files, git and GitHub before it acts, so a re-run does only what is missing. The mode
//! ([`Mode::Plan`] or [`Mode::Execute`]) is a value threaded through one code path: the plan is
//! the real run with its side effects switched off, and it prints the real bytes (file diffs,
//! git commands, GitHub calls). Nothing is kept between runs but git and GitHub themselves.

pub(crate) mod diff;
mod edits;
mod gate;
mod git_steps;
mod github;
mod preflight;
mod record;
mod report;
mod steps;
mod verify;

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use semver::Version;

use crate::exit::{self, Exit};
use crate::flags::Format;
use crate::Ctx;

pub use report::Mode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The version to release, X.Y.Z[-PRE] (a leading `v` is accepted).
    #[arg(value_name = "X.Y.Z")]
    pub version: String,

    /// Carry the plan out (without it, nothing is changed).
    #[arg(long)]
    pub execute: bool,

    /// Do not ask for confirmation on a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Output: `human`, or `json` (one document on stdout).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// The branch releases are cut from.
    #[arg(long, env = "XTASK_RELEASE_BRANCH", default_value = "main")]
    pub branch: String,

    /// The git remote pushed to (and whose URL names the GitHub repo).
    #[arg(long, default_value = "origin")]
    pub remote: String,

    /// Release notes (Markdown with `### Added`/`### Fixed`/… and `- ` entries) instead of the
    /// Unreleased section or notes drafted from the commits.
    #[arg(long, value_name = "FILE")]
    pub notes: Option<PathBuf>,

    /// Allow a release without notes (its section says "No notable changes").
    #[arg(long)]
    pub allow_empty: bool,

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

    /// Extra release assets: tracked files matching this glob (repeatable), e.g.
    /// `docs/langflow/examples/*.json`.
    #[arg(
        long = "asset",
        value_name = "GLOB",
        env = "XTASK_RELEASE_ASSETS",
        value_delimiter = ','
    )]
    pub assets: Vec<String>,

    /// The release date, YYYY-MM-DD (default: today, UTC; `SOURCE_DATE_EPOCH` is respected).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,

    /// Checklist step 7: build, deploy, health-check and integration-test the tag in a separate
    /// git worktree, before the GitHub release is published.
    #[arg(long)]
    pub verify_deploy: bool,

    /// Seconds `--verify-deploy` gives the services to become healthy.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub health_timeout: u64,
}

/// The fixed inputs of one release, shared by every step.
pub struct Release {
    pub project: PathBuf,
    /// `<out>/release`: the assets (`vX.Y.Z/`), the gate report and logs (`vX.Y.Z.*`); git
    /// ignores it, and everything in it can be rebuilt.
    pub out: PathBuf,
    pub repo: git::Repo,
    pub version: Version,
    pub tag: String,
    /// "Release version X.Y.Z": the commit subject and the tag message.
    pub message: String,
    pub branch: String,
    pub remote: String,
    pub date: String,
    /// When this run started (`SOURCE_DATE_EPOCH` when set), for the release record.
    pub now: SystemTime,
}

impl Release {
    /// Major, Minor, Patch or Pre-release, measured from the latest release tag.
    pub fn kind(&self) -> &'static str {
        let latest = self
            .repo
            .latest_release_tag()
            .ok()
            .flatten()
            .map(|(version, _)| version);
        changelog::history::release_kind(latest.as_ref(), &self.version)
    }

    fn new(ctx: &Ctx, args: &Args) -> anyhow::Result<Release> {
        let version = crate::version::parse_release_version(&args.version)?;
        let now = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(secs) => {
                let secs: u64 = secs.trim().parse().map_err(|_| {
                    Exit::refused(
                        format!("SOURCE_DATE_EPOCH={secs:?} is not a number of seconds"),
                        "unset it or set it to seconds since 1970",
                    )
                })?;
                UNIX_EPOCH + Duration::from_secs(secs)
            }
            Err(_) => SystemTime::now(),
        };
        let date = match &args.date {
            Some(date) => date.clone(),
            None => runner::rfc3339_utc(now)[..10].to_string(),
        };
        let tag = format!("v{version}");
        Ok(Release {
            project: ctx.project.clone(),
            out: ctx.out.join("release"),
            repo: git::Repo::new(&ctx.project),
            message: format!("Release version {version}"),
            version,
            tag,
            branch: args.branch.clone(),
            remote: args.remote.clone(),
            date,
            now,
        })
    }

    /// Where the archive puts the release assets.
    pub fn assets_dir(&self) -> PathBuf {
        self.out.join(&self.tag)
    }

    /// `<out>/release/vX.Y.Z.<what>`: the gate report, logs, the verify worktree.
    pub fn out_file(&self, what: &str) -> PathBuf {
        self.out.join(format!("{}.{what}", self.tag))
    }

    /// The commit this command made for this version, if it exists: the tag's commit when the
    /// tag exists, else HEAD — when it is "Release version X.Y.Z" and changed only the files a
    /// release edits.
    pub fn release_commit(&self) -> anyhow::Result<Option<String>> {
        let candidate = match self.repo.tag_target(&self.tag)? {
            Some(commit) => commit,
            None => match self.repo.head()? {
                Some(head) => head,
                None => return Ok(None),
            },
        };
        if self.repo.subject(&candidate)? != self.message {
            return Ok(None);
        }
        let prefix = self.repo.prefix()?;
        let record = record::path(self);
        let ours = |path: &str| {
            path.strip_prefix(prefix.as_str()).is_some_and(|path| {
                [edits::PYPROJECT, edits::UV_LOCK, edits::CHANGELOG, &record]
                    .into_iter()
                    .chain(edits::HISTORY_FILES)
                    .any(|file| file == path)
            })
        };
        let changed = self.repo.changed_files(&candidate)?;
        Ok(changed.iter().all(|path| ours(path)).then_some(candidate))
    }
}

/// `X.Y.Z` or `vX.Y.Z`, semver; build metadata is refused (tags must be distinct versions).
pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let release = Release::new(ctx, &args)?;
    let mut out = report::Output::new(args.format, &release);

    let mut prepared = match preflight::run(&release, &args)? {
        Ok(prepared) => prepared,
        Err(problems) => {
            out.refused(&problems);
            return Ok(exit::REFUSED);
        }
    };
    // The models this release is tested with are recorded for it (docs/MODEL_VERSIONS.md).
    prepared.notes.extend(crate::models::release_warning(
        &release.project,
        &release.version,
    ));
    out.preflight_passed(&prepared);

    out.begin(Mode::Plan);
    if let Err(err) = steps::run(Mode::Plan, &release, &args, &prepared, &mut out) {
        return Ok(out.failed(Mode::Plan, &err));
    }
    if !args.execute {
        out.finish(Mode::Plan);
        return Ok(exit::OK);
    }
    if args.format == Format::Human && !args.yes && std::io::stdin().is_terminal() && !confirm()? {
        return Err(Exit::refused(
            "not confirmed: nothing was changed",
            "answer `y`, or pass --yes",
        )
        .into());
    }

    out.begin(Mode::Execute);
    if let Err(err) = steps::run(Mode::Execute, &release, &args, &prepared, &mut out) {
        return Ok(out.failed(Mode::Execute, &err));
    }
    out.finish(Mode::Execute);
    Ok(exit::OK)
}

pub(crate) fn confirm() -> anyhow::Result<bool> {
    eprint!("carry out this plan? [y/N] ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
