//! `cargo xtask models`: the checklist's Model Versioning section as commands.
//!
//! - `check`: the model files agree with each other and with what Ollama serves;
//! - `record`: the "Current Production Models (vX.Y.Z)" section of docs/MODEL_VERSIONS.md from
//!   Ollama's digests;
//! - `update NEW`: the Model Update Procedure, steps 1–6, resumable;
//! - `tag X.Y.Z`: step 6 alone (commit, annotated `models-vX.Y.Z`, one atomic push);
//! - `prune`: remove the installed models that are neither defaults, protected nor pinned.
//!
//! Every changing command plans by default and changes something only with `--execute`: the
//! plan is the same code path with the effects switched off: the release core's steps and
//! output ([`crate::release::core::Step`], [`crate::release::plan_then_execute`]).

pub use xtask::models::check;
mod prune;
mod record;
use xtask::models::server;
mod tag;
mod update;

use std::path::Path;

use semver::Version;

pub use xtask::cli::models::{Args, Command};
use xtask::exit::Exit;
use xtask::Ctx;

pub use xtask::models::Server;

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    match args.command {
        Command::Check { format } => check::run(&ctx.project, format),
        Command::Record { version, common } => record::run(ctx, version.as_deref(), &common),
        Command::Update(args) => update::run(ctx, &args),
        Command::Tag(args) => tag::run(ctx, &args),
        Command::Prune { common } => prune::run(ctx, &common),
    }
}

/// `--version`, else the next release version: pyproject.toml's version, or its next patch
/// when `vX.Y.Z` is already tagged.
pub fn version_or_next(project: &Path, flag: Option<&str>) -> anyhow::Result<Version> {
    if let Some(flag) = flag {
        return xtask::version::parse_release_version(flag);
    }
    let text = std::fs::read_to_string(project.join("pyproject.toml")).map_err(|err| {
        Exit::refused(
            format!("pyproject.toml cannot be read: {err}"),
            "pass --version X.Y.Z",
        )
    })?;
    let version = project::version::Pyproject::parse(&text)
        .and_then(|p| p.version())
        .map_err(|err| Exit::refused(format!("pyproject.toml: {err}"), "pass --version X.Y.Z"))?;
    let tagged = git::Repo::new(project)
        .resolve(&format!("refs/tags/v{version}"))
        .ok()
        .flatten()
        .is_some();
    Ok(if tagged {
        Version::new(version.major, version.minor, version.patch + 1)
    } else {
        version
    })
}

/// The Ollama to use, or a refusal naming why none can be.
pub fn server_or_refuse(project: &Path) -> anyhow::Result<(Server, Vec<server::Model>)> {
    let hint = "start the stack (./scripts/deploy.sh) or set OLLAMA_HOST to the port compose publishes for ollama";
    let server =
        Server::locate(project).map_err(|why| Exit::refused(format!("no Ollama: {why}"), hint))?;
    let models = server.list().map_err(|why| {
        Exit::refused(
            format!("no Ollama: {} cannot be asked: {why}", server.describe()),
            hint,
        )
    })?;
    Ok((server, models))
}

/// For `release`'s plan: a warning when docs/MODEL_VERSIONS.md's current section is not for
/// `version` (or cannot be read).
pub fn release_warning(project: &Path, version: &Version) -> Option<String> {
    let fix = format!("run `cargo xtask models record --version {version} --execute` first");
    match check::registry(project) {
        Err(finding) => Some(format!("models: {finding}; {fix}")),
        Ok(None) => Some(format!("models: no docs/MODEL_VERSIONS.md; {fix}")),
        Ok(Some(registry)) => match registry.current {
            None => Some(format!("models: docs/MODEL_VERSIONS.md has no current section; {fix}")),
            Some(current) if current.version != *version => Some(format!(
                "models: docs/MODEL_VERSIONS.md's current section is for v{}, not v{version}; {fix}",
                current.version
            )),
            Some(_) => None,
        },
    }
}

/// Now, UTC, RFC 3339 (`SOURCE_DATE_EPOCH` respected, so tests and rebuilds are reproducible).
pub fn now_utc() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map_or_else(std::time::SystemTime::now, |secs| {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs)
        });
    runner::rfc3339_utc(now)
}
