//! `cargo xtask`: the codemate-hub release checklist as commands.
//!
//! This library is the `xtask` binary's: the command line of every command ([`Cli`]), the
//! vocabulary they share (exit codes, flags, paths, files), and the commands `pre-release`,
//! `archive`, `merge-reports`, `coverage`, `models check`, `init`, `ci` and `completions`. The
//! release commands (release, hotfix, rollback, post-release and the changing `models`
//! commands) are the `xtask-release` binary, which uses this library and which `cargo xtask`
//! builds on demand and hands the command line to ([`on_demand::RELEASE`]): the cold build that
//! every CI pre-release job pays compiles none of them (docs/benchmarks.md, "cold build").

pub mod archive;
pub mod ci;
pub mod cli;
mod completions;
mod coverage;
pub mod exit;
pub mod files;
pub mod flags;
pub mod fs;
mod init;
mod merge_reports;
pub mod models;
pub mod on_demand;
pub mod paths;
pub mod pre_release;
pub mod version;
mod workflows;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::exit::Exit;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The codemate-hub release checklist as commands",
    version,
    after_help = "Examples:
  cargo xtask pre-release                      # the Pre-Release Checklist
  cargo xtask --project ../app pre-release     # on another project
  cargo xtask archive                          # reproducible artifacts of the latest tag
  cargo xtask release 0.5.0                    # the release plan; --execute carries it out
  cargo xtask init ../app --execute            # install this xtask into a project
  cargo xtask <COMMAND> --help                 # each command's flags and examples"
)]
pub struct Cli {
    #[command(flatten)]
    global: flags::Global,

    #[command(subcommand)]
    command: Command,
}

/// One variant per command; each command's module owns its `Args` (the release commands'
/// modules are in `xtask-release`: theirs are in [`cli`]).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Pre-Release Checklist: code quality, functional, models, documentation, security.
    PreRelease(pre_release::Args),
    /// Build reproducible release artifacts with checksums, or verify them.
    Archive(archive::Args),
    /// Plan (and with --execute, carry out) a release to git and GitHub.
    Release(cli::release::Args),
    /// Run the Post-Release Checklist: verify the published release, then tidy up (--execute).
    PostRelease(cli::post_release::Args),
    /// A patch release from a hotfix branch, merged back into main (start, finish).
    Hotfix(cli::hotfix::Args),
    /// Roll a release back: redeploy the previous stable version, verify it, say so on GitHub.
    Rollback(cli::rollback::Args),
    /// Combine the JSON reports of separate pre-release jobs into one verdict.
    MergeReports(merge_reports::Args),
    /// Write trackers/checklist-coverage.md: every checklist item and what automates it.
    Coverage(coverage::Args),
    /// The checklist's Model Versioning: check, record, update, tag and prune the default models.
    Models(cli::models::Args),
    /// Install this xtask into a Python project (plans; --execute writes).
    Init(init::Args),
    /// Write the GitHub Actions workflows (plans; --execute writes; --check verifies).
    Ci(workflows::Args),
    /// Print a shell completion script: bash, zsh or fish.
    Completions(completions::Args),
}

/// What every command works on.
pub struct Ctx {
    /// The Python project being released (holds `pyproject.toml`).
    pub project: PathBuf,
    /// Where logs, reports and artifacts go: a folder git ignores, so a run never dirties the tree.
    pub out: PathBuf,
}

/// Runs a release command in this process: `xtask-release`'s dispatch.
pub type ReleaseCommands = fn(&Ctx, Command) -> anyhow::Result<u8>;

/// Both binaries' `main`: parse the command line, then run the command, the release commands
/// with `release` (in `xtask-release`), or by handing the command line to `xtask-release`.
pub fn main(release: Option<ReleaseCommands>) -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return ExitCode::from(usage_error(&err)),
    };
    let json = cli.command.format() == flags::Format::Json;
    match run(cli, release) {
        Ok(code) => ExitCode::from(code),
        Err(err) if json => ExitCode::from(exit::report_json(&err)),
        Err(err) => ExitCode::from(exit::report(&err)),
    }
}

impl Command {
    /// Run by `xtask-release`: release, hotfix, rollback, post-release and the `models`
    /// subcommands but `check`.
    pub fn is_a_release_command(&self) -> bool {
        match self {
            Command::Release(_)
            | Command::PostRelease(_)
            | Command::Hotfix(_)
            | Command::Rollback(_) => true,
            Command::Models(args) => !matches!(args.command, cli::models::Command::Check { .. }),
            _ => false,
        }
    }

    /// The command's `--format` (human for commands without one).
    fn format(&self) -> flags::Format {
        match self {
            Command::PreRelease(args) => args.format,
            Command::Release(args) => args.run.format,
            Command::Hotfix(args) => args.format(),
            Command::Rollback(args) => args.run.format,
            Command::PostRelease(args) => args.run.format,
            Command::MergeReports(args) => args.format,
            Command::Archive(args) => args.format,
            Command::Models(args) => args.format(),
            Command::Coverage(_) | Command::Init(_) | Command::Ci(_) | Command::Completions(_) => {
                flags::Format::Human
            }
        }
    }
}

/// clap's usage errors by the contract: `error:` (clap's own line), a `hint:`, exit 2 (and,
/// when `--format json` was asked for, the JSON document on stdout). `--help`/`--version`
/// print as clap does.
fn usage_error(err: &clap::Error) -> u8 {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return exit::OK;
    }
    let text = err.render().to_string();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|line| line.starts_with("error: "));
    let mut cause = at
        .map(|at| lines[at].trim_start_matches("error: ").to_string())
        .unwrap_or_else(|| "invalid arguments".into());
    if let Some(at) = at.filter(|_| cause.ends_with(':')) {
        // "the following required arguments were not provided:" and the list below it.
        let listed: Vec<&str> = lines[at + 1..]
            .iter()
            .map(|line| line.trim())
            .take_while(|line| !line.is_empty())
            .collect();
        cause = format!("{} {}", cause, listed.join(", "));
    }
    let fix = match lines.iter().find_map(|line| line.strip_prefix("Usage: ")) {
        Some(usage) => format!("usage: {usage} (see --help)"),
        None => "see --help for the flags and their values".into(),
    };
    let args: Vec<String> = std::env::args().collect();
    let json = args
        .windows(2)
        .any(|pair| pair[0] == "--format" && pair[1] == "json")
        || args.iter().any(|arg| arg == "--format=json");
    exit::print(&cause, Some(&fix));
    if json {
        exit::print_json(&cause, Some(&fix), exit::REFUSED);
    }
    exit::REFUSED
}

fn run(cli: Cli, release: Option<ReleaseCommands>) -> anyhow::Result<u8> {
    // `xtask-release` runs the other commands too, with the same code: the release gate runs
    // `pre-release` as a child process of the binary it is in.
    if release.is_none() && cli.command.is_a_release_command() {
        return hand_to_xtask_release();
    }
    // Commands that work on the xtask itself, not on a Python project.
    let command = match cli.command {
        Command::Init(args) => return init::run(args),
        Command::Ci(args) => return workflows::run(args),
        Command::Completions(args) => return completions::run(args),
        Command::MergeReports(args) => return merge_reports::run(args),
        command => command,
    };
    let project = project_root(cli.global.project.as_deref())?;
    let ctx = Ctx {
        project,
        out: paths::out_dir(),
    };
    if std::env::var_os("XTASK_OUT").is_some() {
        let repo = git::Repo::new(&ctx.project);
        if let Ok(toplevel) = repo.toplevel() {
            paths::refuse_unignored_out_dir(
                &repo,
                &toplevel,
                &ctx.out,
                "set XTASK_OUT to a folder outside the repository or one git ignores (or unset it)",
            )?;
        }
    }
    match command {
        Command::PreRelease(args) => pre_release::run(&ctx, args),
        Command::Archive(args) => archive::run(&ctx, args),
        Command::Coverage(args) => coverage::run(&ctx, args),
        Command::Models(cli::models::Args {
            command: cli::models::Command::Check { format },
        }) => models::check::run(&ctx.project, format),
        command => match release {
            Some(release) => release(&ctx, command),
            None => unreachable!("handed to xtask-release above"),
        },
    }
}

/// Becomes `xtask-release` (built on demand) with this process's command line: on Unix the
/// process is replaced (`exec`, as `cargo run` does), so signals, the terminal and the exit code
/// are the child's own; elsewhere it runs as a child and its exit code is passed on.
fn hand_to_xtask_release() -> anyhow::Result<u8> {
    let bin = on_demand::RELEASE.path()?;
    let mut command = std::process::Command::new(&bin);
    // The same workspace as this process, wherever the binary sits (`XTASK_RELEASE_BIN`): the
    // variable `cargo run` sets, which `paths::workspace_root` reads first.
    command
        .args(std::env::args_os().skip(1))
        .env("CARGO_MANIFEST_DIR", paths::workspace_root().join("xtask"));
    let cannot_run = |err: std::io::Error| {
        Exit::refused(
            format!("cannot run {}: {err}", bin.display()),
            "build it by hand: cargo build -p xtask-release, or unset XTASK_RELEASE_BIN",
        )
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        Err(cannot_run(command.exec()).into())
    }
    #[cfg(not(unix))]
    {
        let status = command.status().map_err(cannot_run)?;
        match status.code() {
            Some(code) => Ok(u8::try_from(code).unwrap_or(exit::INTERRUPTED)),
            None => {
                Err(Exit::interrupted(format!("{} was stopped ({status})", bin.display())).into())
            }
        }
    }
}

/// `--project DIR`, else `XTASK_PROJECT` (clap reads both), else the workspace root.
pub fn project_root(flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = flag
        .map(Path::to_path_buf)
        .unwrap_or_else(paths::workspace_root);
    let dir = dir.canonicalize().map_err(|err| {
        Exit::refused(
            format!(
                "project directory {} cannot be opened: {err}",
                dir.display()
            ),
            "pass --project DIR (or set XTASK_PROJECT) to the Python project's root",
        )
    })?;
    if !dir.join("pyproject.toml").is_file() {
        return Err(Exit::refused(
            format!(
                "{} has no pyproject.toml: not a Python project root",
                dir.display()
            ),
            "pass --project DIR (or set XTASK_PROJECT) to the folder that holds pyproject.toml",
        )
        .into());
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    /// clap checks a command's flags (unique ids, valid defaults) only when it builds that
    /// subcommand: this builds every one, so a clash between flattened flag groups fails here.
    #[test]
    fn every_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
