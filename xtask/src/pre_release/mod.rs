//! `cargo xtask pre-release`: the Pre-Release Checklist, one module per section.
//!
//! The checks are data (`checklist::Checklist`: built-in defaults plus the project's
//! `release-checks.toml`); this module turns them into runner jobs, runs them, and reports.

mod code_quality;
mod documentation;
mod drift;
mod functional;
mod json;
mod models;
mod output;
mod python_env;
mod security;
mod select;
mod summaries;

pub use select::left_out_by_flag;
mod tools;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use checklist::{Check, Checklist, Kind};
use runner::{Action, Job, Outcome, Report};
use semver::Version;

use crate::exit::Exit;
use crate::flags::Format;
use crate::Ctx;

pub use functional::wait_healthy;
pub use python_env::PythonTools;
pub use select::unknown_section;

/// What native checks see. Shared across the runner's threads, so it holds no `Shell`
/// (make one with `Shell::new()` and `change_dir(&env.project)` where a check needs it).
pub struct Env {
    /// The project root (holds `pyproject.toml`).
    pub project: PathBuf,
    /// `--version X.Y.Z`: the release about to be cut, if any.
    pub target: Option<Version>,
    /// How the project's Python tools run.
    pub python: PythonTools,
    /// The project's compose file, read once for every check that needs it.
    pub compose: Result<project::compose::Compose, project::FactError>,
    /// How long `services-healthy` polls: a little under its timeout, so it can say which
    /// service never answered before the runner gives up on it.
    pub health_timeout: std::time::Duration,
    /// Env files `env-not-tracked` lets git track (its `allow_env_files` in release-checks.toml).
    pub allow_env_files: Vec<String>,
}

/// A check implemented in Rust. It writes what a person needs to read to `log`.
pub type Native = fn(&Env, runner::Log) -> runner::Outcome;

/// Every native implementation by check id, section by section: data, so a test can hold it
/// against the `kind = "native"` checks of `defaults.toml` both ways.
pub const NATIVE: [&[(&str, Native)]; 6] = [
    code_quality::NATIVE,
    functional::NATIVE,
    models::NATIVE,
    documentation::NATIVE,
    drift::NATIVE,
    security::NATIVE,
];

/// The native implementation behind a check id.
pub fn native(id: &str) -> Option<Native> {
    NATIVE
        .iter()
        .flat_map(|section| section.iter())
        .find(|(native_id, _)| *native_id == id)
        .map(|(_, native)| *native)
}

#[cfg(test)]
mod native_tests {
    use std::collections::BTreeSet;

    #[test]
    fn every_native_check_has_an_implementation_and_vice_versa() {
        let declared: BTreeSet<String> = checklist::Checklist::defaults()
            .checks()
            .iter()
            .filter(|check| check.kind == checklist::Kind::Native)
            .map(|check| check.id.clone())
            .collect();
        let implemented: Vec<&str> = super::NATIVE
            .iter()
            .flat_map(|section| section.iter().map(|(id, _)| *id))
            .collect();
        let unique: BTreeSet<String> = implemented.iter().map(|id| id.to_string()).collect();
        assert_eq!(
            unique.len(),
            implemented.len(),
            "an id implemented twice: {implemented:?}"
        );
        let missing: Vec<_> = declared.difference(&unique).collect();
        let extra: Vec<_> = unique.difference(&declared).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "kind = \"native\" without an implementation: {missing:?}; implemented but not native in defaults.toml: {extra:?}"
        );
    }
}

/// The seed's `check-health.sh 120`.
const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask pre-release                               # every check; exit 1 when not ready
  cargo xtask pre-release --list                        # the checks (--format json for a document)
  cargo xtask pre-release --dry-run                     # what would run, in order; runs nothing
  cargo xtask pre-release --section security --skip image-scan
  cargo xtask pre-release --version 0.5.0 --format json --report r.json --junit r.xml
  cargo xtask pre-release --sign-off access-controls --sign-off \"release-manager:Jane Doe\"")]
pub struct Args {
    /// Run only this section (repeatable): code-quality, functional, models, documentation, security.
    #[arg(long, value_name = "NAME")]
    pub section: Vec<String>,
    /// Run only this check (repeatable); the checks it depends on run first.
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Leave this check out (repeatable); checks that depend on it are blocked.
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// Print the commands in the order they would run; run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// List the checks (id, section, kind, dependencies, command) and exit.
    #[arg(long)]
    pub list: bool,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Also write the JSON report to PATH.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Also write JUnit XML (one testcase per check, the log as system-out) to PATH.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Checks run at once (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// The release about to be cut: it must be greater than the latest tag.
    #[arg(long, value_name = "X.Y.Z")]
    pub version: Option<String>,
    /// Record a sign-off (repeatable): a manual check's id (your git user and the time go into
    /// the report), or ROLE:NAME for the checklist's Release Manager and Tech Lead sign-offs
    /// (`release-manager:Jane Doe`, `tech-lead:Sam Roe`).
    #[arg(long, value_name = "ID|ROLE:NAME")]
    pub sign_off: Vec<String>,
    /// How Python tools run: `uv` (uv run, when the project has uv.lock), `venv` (a virtualenv
    /// provisioned from the dev dependencies) or `path` (as found on PATH).
    #[arg(long, value_enum, env = "XTASK_PYTHON", value_name = "HOW")]
    pub python: Option<python_env::Runner>,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let checklist = load_checklist(ctx)?;
    if let Some(path) = &args.report {
        check_report_path(path)?;
    }
    if args.list {
        match args.format {
            Format::Json => println!("{:#}", json::list(&checklist)),
            Format::Human => print!("{}", output::list(&checklist)),
        }
        return Ok(crate::exit::OK);
    }
    let target = args
        .version
        .as_deref()
        .map(crate::version::parse_release_version)
        .transpose()?;
    let selection = select::Selection::new(&checklist, &args.section, &args.only, &args.skip)?;
    let run_dir = ctx.out.join("pre-release").join(run_id());
    let env = Arc::new(Env {
        project: ctx.project.clone(),
        target,
        python: PythonTools::choose(&ctx.project, &ctx.out, args.python),
        compose: project::compose::Compose::load(&ctx.project),
        health_timeout: checklist
            .get("services-healthy")
            .map_or(HEALTH_TIMEOUT, |c| c.timeout.mul_f32(0.9)),
        allow_env_files: checklist
            .get("env-not-tracked")
            .and_then(|c| c.options.get("allow_env_files").cloned())
            .unwrap_or_default(),
    });
    let vars = env
        .python
        .vars()
        .into_iter()
        .chain(tools::container_vars(&env.compose))
        .collect();
    let sign_offs = sign_offs(ctx, &checklist, &args.sign_off)?;
    let probe = tools::Probe::new(args.dry_run);
    let jobs = jobs(&checklist, &selection, &env, &vars, &probe, &args.sign_off);

    if args.dry_run {
        match args.format {
            Format::Json => println!("{:#}", json::dry_run(&jobs)?),
            Format::Human => {
                for line in runner::dry_run_lines(&jobs)? {
                    println!("{line}");
                }
            }
        }
        return Ok(crate::exit::OK);
    }

    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let options = runner::Options {
        jobs: args.jobs.map_or_else(cores, usize::from),
        log_dir: run_dir.join("logs"),
        progress: match args.format {
            Format::Json => runner::Progress::Quiet,
            Format::Human => runner::Progress::stderr(),
        },
    };
    let results = runner::run(jobs, &options)?;

    let mut report = Report::new(results);
    report.tool = format!("xtask pre-release {}", env!("CARGO_PKG_VERSION"));
    report.project = ctx.project.display().to_string();
    report.commit = git::Repo::new(&ctx.project).head().ok().flatten();
    report.target_version = env.target.as_ref().map(Version::to_string);
    report.started_at = runner::rfc3339_utc(started);
    report.duration_ms = clock.elapsed().as_millis() as u64;
    report.sign_offs = sign_offs;
    report.sections = Some(selection.sections(&checklist));
    report.not_selected = Some(
        (checklist.checks().iter())
            .filter(|check| selection.not_selected(check))
            .map(|check| check.id.clone())
            .collect(),
    );

    let json = report.to_json();
    crate::fs::write_atomic(&run_dir.join("report.json"), json.as_bytes())?;
    if let Some(path) = &args.report {
        crate::fs::write_atomic(path, json.as_bytes())?;
    }
    if let Some(path) = &args.junit {
        crate::fs::write_atomic(path, crate::ci::junit(&report).as_bytes())?;
    }
    match args.format {
        Format::Json => println!("{json}"),
        Format::Human => print!(
            "{}",
            output::human_summary(&report, &run_dir, selection.narrowed())
        ),
    }
    crate::ci::annotate(&report);
    let written = args
        .report
        .clone()
        .unwrap_or_else(|| run_dir.join("report.json"));
    crate::ci::set_outputs(&[
        ("verdict", report.verdict().into()),
        ("report", written.display().to_string()),
    ]);
    Ok(report.exit_code())
}

/// The built-in checks with the project's overrides applied (and its `[post-release]` settings);
/// a broken override file is refused with its `file:line`.
pub fn load_checklist(ctx: &Ctx) -> anyhow::Result<Checklist> {
    let path = ctx.project.join(checklist::OVERRIDE_FILE);
    let defaults = Checklist::defaults();
    let Some(text) = read_override(&path)? else {
        return Ok(defaults);
    };
    defaults
        .apply_overrides(&text, checklist::OVERRIDE_FILE)
        .map_err(|err| {
            let fix = err.hint.clone();
            Exit::refused(err.to_string(), fix).into()
        })
}

/// The text of `release-checks.toml`; `None` only when there is no such file. A file that is
/// there but cannot be read as text (a directory, a dangling symlink, not UTF-8) is refused:
/// ignoring it would silently drop the user's overrides.
fn read_override(path: &Path) -> anyhow::Result<Option<String>> {
    let name = checklist::OVERRIDE_FILE;
    let refused = |why: String| {
        Exit::refused(
            format!("{name} {why}"),
            format!("make {name} a UTF-8 TOML file (or remove it to use the built-in checks)"),
        )
    };
    match std::fs::symlink_metadata(path) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(refused(format!("cannot be read: {err}")).into()),
        Ok(_) => {}
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(_) if path.is_dir() => return Err(refused("is a directory".into()).into()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(refused("is a symlink to a file that does not exist".into()).into())
        }
        Err(err) => return Err(refused(format!("cannot be read: {err}")).into()),
    };
    String::from_utf8(bytes).map(Some).map_err(|err| {
        refused(format!(
            "is not UTF-8 text (invalid byte at offset {})",
            err.utf8_error().valid_up_to()
        ))
        .into()
    })
}

/// `--report PATH` is checked before any check runs: exit 2 means nothing ran.
fn check_report_path(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    if path.is_dir() {
        return Err(Exit::refused(
            format!("--report {shown} is a directory"),
            "pass a file path, e.g. --report DIR/report.json",
        )
        .into());
    }
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => dir.to_path_buf(),
        None => PathBuf::from("."),
    };
    // The nearest folder that exists must be a writable directory: the report's folder is
    // created when missing.
    let existing = dir.ancestors().find(|d| d.exists()).unwrap_or(&dir);
    let writable = existing.is_dir() && scratch::TempFile::new_in(existing).is_ok();
    if !writable {
        return Err(Exit::refused(
            format!(
                "--report {shown} cannot be written: {} is not a writable directory",
                existing.display()
            ),
            "pass a path in a folder you can write to",
        )
        .into());
    }
    Ok(())
}

/// One runner job per check, in checklist order.
fn jobs(
    checklist: &Checklist,
    selection: &select::Selection,
    env: &Arc<Env>,
    vars: &BTreeMap<&'static str, Result<String, String>>,
    probe: &tools::Probe,
    signed: &[String],
) -> Vec<Job> {
    checklist
        .checks()
        .iter()
        .map(|check| {
            // Only command checks run a command; a native's `command` is what a person would
            // run instead, which the report must not claim was run.
            let runs = check.kind == Kind::Command;
            let command = check
                .command
                .as_deref()
                .filter(|_| runs)
                .map(|t| checklist::expand(t, vars));
            let shown = command.as_ref().map(|c| match c {
                Ok(command) => command.clone(),
                Err(_) => check.command.clone().unwrap_or_default(),
            });
            let action = match selection.left_out(check) {
                Some(why) => Action::Fixed(Outcome::skipped(why)),
                None => action(check, command, env, probe, signed),
            };
            Job {
                id: check.id.clone(),
                section: check.section.name().to_string(),
                title: check.title.clone(),
                deps: check.deps.clone(),
                timeout: check.timeout,
                command: shown,
                action,
            }
        })
        .collect()
}

fn action(
    check: &Check,
    command: Option<Result<String, checklist::MissingVar>>,
    env: &Arc<Env>,
    probe: &tools::Probe,
    signed: &[String],
) -> Action {
    if check.kind == Kind::Manual {
        let reason = check.reason.clone().unwrap_or_default();
        let reason = if signed.contains(&check.id) {
            format!("signed off (see sign_offs); {reason}")
        } else {
            reason
        };
        return Action::Fixed(Outcome::manual(reason));
    }
    if let Some(blocked) = check.needs.iter().find_map(|tool| probe.unavailable(tool)) {
        return Action::Fixed(blocked);
    }
    match check.kind {
        Kind::Native => match native(&check.id) {
            Some(native) => {
                let env = Arc::clone(env);
                Action::Native(Box::new(move |log| native(&env, log)))
            }
            None => Action::Fixed(Outcome::blocked(format!(
                "`{}` is declared native but this xtask has no implementation for it",
                check.id
            ))),
        },
        _ => match command {
            Some(Ok(script)) => match summaries::for_command(&script) {
                Some(summarize) => Action::ShellSummarized {
                    script,
                    cwd: env.project.clone(),
                    env: env.python.env_vars(),
                    summarize,
                },
                None => Action::Shell {
                    script,
                    cwd: env.project.clone(),
                    env: env.python.env_vars(),
                },
            },
            Some(Err(missing)) => Action::Fixed(Outcome::blocked(missing.to_string())),
            None => Action::Fixed(Outcome::blocked(format!("`{}` has no command", check.id))),
        },
    }
}

/// The checklist's closing sign-offs: (the `--sign-off ROLE:` spelling, the role's name).
const ROLES: &[(&str, &str)] = &[
    ("release-manager", "Release Manager"),
    ("tech-lead", "Tech Lead"),
];

/// `ROLE:NAME` with a known role (`release-manager`, or as the checklist writes it,
/// `Release Manager`): the role's name and who signs.
fn role_sign_off(value: &str) -> Option<(&'static str, &str)> {
    let (role, name) = value.split_once(':')?;
    let key = role.trim().to_lowercase().replace([' ', '_'], "-");
    let (_, title) = ROLES.iter().find(|(k, _)| *k == key)?;
    Some((title, name.trim()))
}

fn sign_offs(
    ctx: &Ctx,
    checklist: &Checklist,
    ids: &[String],
) -> anyhow::Result<Vec<runner::SignOff>> {
    let at = runner::rfc3339_utc(std::time::SystemTime::now());
    let mut out = Vec::new();
    let mut checks = Vec::new();
    for value in ids {
        match role_sign_off(value) {
            Some((_, "")) => {
                return Err(Exit::refused(
                    format!("--sign-off {value:?} names no one"),
                    "write --sign-off \"release-manager:Jane Doe\"",
                )
                .into())
            }
            Some((role, name)) => out.push(runner::SignOff {
                id: format!("role:{}", role.to_lowercase().replace(' ', "-")),
                by: name.to_string(),
                at: at.clone(),
                role: Some(role.to_string()),
            }),
            None => checks.push(value),
        }
    }
    if checks.is_empty() {
        return Ok(out);
    }
    let repo = git::Repo::new(&ctx.project);
    let Some(by) = repo.user()? else {
        return Err(Exit::refused(
            "--sign-off needs your name from git, and `git config user.name` is not set",
            "run `git config --global user.name \"Your Name\"` (and user.email)",
        )
        .into());
    };
    for id in checks {
        match checklist.get(id) {
            Some(check) if check.kind == Kind::Manual => out.push(runner::SignOff {
                id: id.clone(),
                by: by.clone(),
                at: at.clone(),
                role: None,
            }),
            Some(_) => {
                return Err(Exit::refused(
                    format!("`{id}` is checked by the machine; only manual checks take a sign-off"),
                    "run `cargo xtask pre-release --list` to see the manual checks, or sign off as release-manager:NAME or tech-lead:NAME",
                )
                .into())
            }
            None if id.contains(':') => {
                return Err(Exit::refused(
                    format!("--sign-off {id:?}: unknown role"),
                    "the roles are release-manager:NAME and tech-lead:NAME",
                )
                .into())
            }
            None => return Err(select::unknown_id(id)),
        }
    }
    Ok(out)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// A folder name per run, so parallel and successive runs keep their own logs.
fn run_id() -> String {
    let stamp = runner::rfc3339_utc(std::time::SystemTime::now()).replace([':', '-'], "");
    format!("{}-{}", stamp.trim_end_matches('Z'), std::process::id())
}

/// The project's highest `vX.Y.Z` tag. Tags count only when the project is its repository's
/// root: a project inside another repository (the bundled example) does not own that
/// repository's tags. Outside git the comparison cannot be made: blocked.
fn latest_tag(env: &Env, log: runner::Log) -> Result<Option<(Version, String)>, Outcome> {
    let repo = git::Repo::new(&env.project);
    if !repo.is_repo() {
        return Err(Outcome::blocked(format!(
            "{} is not a git repository: release tags cannot be compared",
            env.project.display()
        )));
    }
    let toplevel = repo
        .toplevel()
        .map_err(|err| Outcome::blocked(err.to_string()))?;
    if toplevel.canonicalize().ok() != env.project.canonicalize().ok() {
        writeln!(
            log,
            "the repository root is {}: its tags are not this project's",
            toplevel.display()
        )
        .ok();
        return Ok(None);
    }
    let latest = repo
        .latest_release_tag()
        .map_err(|err| Outcome::blocked(err.to_string()))?;
    match &latest {
        Some((_, tag)) => writeln!(log, "latest release tag: {tag}").ok(),
        None => writeln!(log, "no release tags yet").ok(),
    };
    Ok(latest)
}
