//! The code-quality section: the Python tools (pytest, black, ruff, pip check run as commands),
//! and native checks for the version and the changelog.

use project::version::{uv_lock_version, Pyproject};
use runner::{Log, Outcome};
use semver::Version;

use super::{Env, Native};

/// The check that provisions the project's Python tools; the Python checks depend on it.
pub const PYTHON_ENV: &str = "python-env";

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, Native)] = &[
    (PYTHON_ENV, python_env),
    ("version", version),
    ("changelog", changelog),
];

fn python_env(env: &Env, log: Log) -> Outcome {
    writeln!(
        log,
        "python tools: {:?} (environment {})",
        env.python.runner,
        env.python.venv.display()
    )
    .ok();
    env.python.provision(&env.project, log)
}

/// The pyproject version is semver, not below the latest release tag, and uv.lock agrees; a
/// `--version` target is above the latest tag.
fn version(env: &Env, log: Log) -> Outcome {
    let pyproject = match read(env, "pyproject.toml")
        .and_then(|t| Pyproject::parse(&t).map_err(|e| e.to_string()))
    {
        Ok(pyproject) => pyproject,
        Err(why) => return Outcome::fail(why),
    };
    let current = match pyproject.version() {
        Ok(version) => version,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    writeln!(log, "pyproject.toml: {} {current}", pyproject.name()).ok();
    let latest = match super::latest_tag(env, log) {
        Ok(latest) => latest,
        Err(outcome) => return outcome,
    };
    let mut problems = Vec::new();
    if let Some((tag_version, tag)) = &latest {
        if current < *tag_version {
            problems.push(format!(
                "pyproject.toml version {current} is below the latest release tag {tag}"
            ));
        }
    }
    if let Some(target) = &env.target {
        match &latest {
            Some((tag_version, tag)) if target <= tag_version => problems.push(format!(
                "--version {target} is not greater than the latest release tag {tag}"
            )),
            _ => {}
        }
        if *target < current {
            problems.push(format!(
                "--version {target} is below the pyproject.toml version {current}"
            ));
        }
    }
    if let Some(problem) = uv_lock_problem(env, &pyproject, &current, log) {
        problems.push(problem);
    }
    if problems.is_empty() {
        Outcome::pass()
    } else {
        Outcome::fail(problems.join("; "))
    }
}

fn uv_lock_problem(
    env: &Env,
    pyproject: &Pyproject,
    current: &Version,
    log: Log,
) -> Option<String> {
    let lock = match std::fs::read_to_string(env.project.join("uv.lock")) {
        Ok(lock) => lock,
        Err(_) => {
            writeln!(log, "no uv.lock: nothing to compare").ok();
            return None;
        }
    };
    match uv_lock_version(&lock, pyproject.name()) {
        Ok(Some(locked)) if locked == *current => {
            writeln!(log, "uv.lock: {} {locked}", pyproject.name()).ok();
            None
        }
        Ok(Some(locked)) => Some(format!(
            "uv.lock records {} {locked} but pyproject.toml says {current}: run `uv lock`",
            pyproject.name()
        )),
        Ok(None) => Some(format!(
            "uv.lock has no entry for {}: run `uv lock`",
            pyproject.name()
        )),
        Err(err) => Some(err.to_string()),
    }
}

/// There is something to release: Unreleased entries, a section for the target version, or
/// commits since the last release tag to draft notes from.
fn changelog(env: &Env, log: Log) -> Outcome {
    let text = match read(env, "CHANGELOG.md") {
        Ok(text) => text,
        Err(why) => return Outcome::fail(format!("{why}: the release notes come from it")),
    };
    if let Some(notes) = changelog::unreleased_notes(&text).filter(|n| !n.is_empty()) {
        writeln!(log, "Unreleased entries:\n{}", notes.render()).ok();
        return Outcome::pass();
    }
    if let Some(target) = env
        .target
        .as_ref()
        .filter(|t| changelog::has_release(&text, t))
    {
        writeln!(log, "CHANGELOG.md has a section for {target}").ok();
        return Outcome::pass();
    }
    let latest = match super::latest_tag(env, log) {
        Ok(latest) => latest,
        Err(outcome) => return outcome,
    };
    let since = latest.as_ref().map(|(_, tag)| tag.as_str());
    let commits = match git::Repo::new(&env.project).commit_subjects_since(since) {
        Ok(commits) => commits,
        Err(err) => return Outcome::blocked(err.to_string()),
    };
    let notes = changelog::Notes::from_commits(&commits);
    if !notes.is_empty() {
        writeln!(
            log,
            "no Unreleased entries; notes drafted from {} commits:\n{}",
            commits.len(),
            notes.render()
        )
        .ok();
        return Outcome::pass();
    }
    match since {
        Some(tag) => Outcome::fail(format!("nothing to release since {tag}: add entries under `## Unreleased` in CHANGELOG.md")),
        None => Outcome::fail("nothing to release: CHANGELOG.md has no Unreleased entries and there are no commits to draft notes from"),
    }
}

fn read(env: &Env, file: &str) -> Result<String, String> {
    std::fs::read_to_string(env.project.join(file)).map_err(|err| format!("reading {file}: {err}"))
}
