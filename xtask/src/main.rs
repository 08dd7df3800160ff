//! `cargo xtask`: the codemate-hub release checklist as commands.
//!
//! `main` parses flags, finds the project root, and hands over to one module per command.

mod archive;
mod ci;
mod completions;
mod coverage;
mod exit;
mod files;
mod flags;
mod fs;
mod init;
mod merge_reports;
mod pre_release;
mod release;
mod version;
mod workflows;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::OnceLock;

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
    // Commands that work on the xtask itself, not on a Python project.
    let command = match cli.command {
        Command::Init(args) => return init::run(args),
        Command::Ci(args) => return workflows::run(args),
        Command::Completions(args) => return completions::run(args),
        Command::MergeReports(args) => return merge_reports::run(args),
        command => command,
    };
    let project = project_root(cli.project.as_deref())?;
    let sh = Shell::new().context("creating the shell")?;
    sh.change_dir(&project);
    let ctx = Ctx {
        sh,
        project,
        out: out_dir(),
    };
    match command {
        Command::PreRelease(args) => pre_release::run(&ctx, args),
        Command::Archive(args) => archive::run(&ctx, args),
        Command::Release(args) => release::run(&ctx, args),
        Command::Coverage(args) => coverage::run(&ctx, args),
        Command::Init(_) | Command::Ci(_) | Command::Completions(_) | Command::MergeReports(_) => {
            unreachable!("run above")
        }
    }
}

/// The workspace root: where `cargo xtask` sits inside the project. Found at run time, never
/// compiled in (the binary may have been built elsewhere, or the tree moved since): see
/// [`find_workspace`]; the current directory when nothing qualifies.
pub fn workspace_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        let exe = std::env::current_exe().ok();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        find_workspace(manifest.as_deref(), exe.as_deref(), &cwd).unwrap_or(cwd)
    })
    .clone()
}

/// The xtask workspace: the parent of `CARGO_MANIFEST_DIR` when that is its `xtask/` package
/// (`cargo run` sets it), else the first ancestor of the binary (`target/debug/xtask` sits
/// inside it), else of the current directory, that holds `Cargo.toml` and `xtask/Cargo.toml`.
fn find_workspace(manifest: Option<&Path>, exe: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    let is_workspace = |dir: &Path| {
        dir.join("Cargo.toml").is_file() && dir.join("xtask").join("Cargo.toml").is_file()
    };
    let from_manifest = manifest
        .filter(|dir| dir.file_name() == Some("xtask".as_ref()))
        .and_then(Path::parent)
        .filter(|dir| is_workspace(dir));
    let from_exe = exe.and_then(|exe| exe.ancestors().skip(1).find(|dir| is_workspace(dir)));
    let from_cwd = || cwd.ancestors().find(|dir| is_workspace(dir));
    from_manifest
        .or(from_exe)
        .or_else(from_cwd)
        .map(Path::to_path_buf)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_in(dir: &Path) -> PathBuf {
        let root = dir.join("ws");
        std::fs::create_dir_all(root.join("xtask")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(root.join("xtask/Cargo.toml"), "[package]\n").unwrap();
        root
    }

    #[test]
    fn the_workspace_is_found_from_the_manifest_dir_then_the_binary_then_the_cwd() {
        let temp = tempfile::tempdir().unwrap();
        let root = workspace_in(temp.path());
        let other = workspace_in(&temp.path().join("other"));
        let nowhere = temp.path().join("nowhere");
        std::fs::create_dir(&nowhere).unwrap();
        let exe = root.join("target/debug/xtask");

        let found = |manifest: Option<&Path>, exe: Option<&Path>, cwd: &Path| {
            find_workspace(manifest, exe, cwd)
        };
        assert_eq!(
            found(Some(&other.join("xtask")), Some(&exe), &nowhere),
            Some(other.clone())
        );
        // A manifest dir of another package (not `xtask/`) does not count.
        assert_eq!(
            found(Some(&other.join("crates")), Some(&exe), &nowhere),
            Some(root.clone())
        );
        assert_eq!(found(None, Some(&exe), &nowhere), Some(root.clone()));
        assert_eq!(
            found(None, Some(&nowhere.join("xtask")), &other.join("xtask")),
            Some(other)
        );
        assert_eq!(found(None, None, &nowhere), None);
    }
}
