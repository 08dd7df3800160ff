//! `cargo xtask`: the codemate-hub release checklist as commands.
//!
//! `main` parses flags, finds the project root, and hands over to one module per command.

mod archive;
mod ci;
mod coverage;
mod exit;
mod flags;
mod fs;
mod merge_reports;
mod models;
mod pre_release;
mod release;
mod version;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use xshell::Shell;

use crate::exit::Exit;
use crate::flags::{Cli, Command};

/// What every command works on.
pub struct Ctx {
    /// A shell whose current directory is the project root.
    pub sh: Shell,
    /// The Python project being released (holds `pyproject.toml`).
    pub project: PathBuf,
    /// Where logs, reports and artifacts go: a folder git ignores, so a run never dirties the tree.
    pub out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => ExitCode::from(exit::report(&err)),
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let project = project_root(cli.project.as_deref())?;
    let sh = Shell::new().context("creating the shell")?;
    sh.change_dir(&project);
    let ctx = Ctx {
        sh,
        project,
        out: out_dir(),
    };
    match cli.command {
        Command::PreRelease(args) => pre_release::run(&ctx, args),
        Command::Archive(args) => archive::run(&ctx, args),
        Command::Release(args) => release::run(&ctx, args),
        Command::MergeReports(args) => merge_reports::run(&ctx, args),
        Command::Coverage(args) => coverage::run(&ctx, args),
        Command::Models(args) => models::run(&ctx, args),
    }
}

/// The workspace root: where `cargo xtask` sits inside codemate-hub.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `--project DIR`, else `XTASK_PROJECT` (clap reads both), else the workspace root.
fn project_root(flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = flag.map(Path::to_path_buf).unwrap_or_else(workspace_root);
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

/// `XTASK_OUT`, else `target/xtask` of this workspace (`CARGO_TARGET_DIR` respected).
fn out_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XTASK_OUT") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("xtask")
}
