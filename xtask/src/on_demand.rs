//! Binaries of this workspace that `cargo xtask` builds the first time a command needs them, so
//! that its own cold build compiles only what `pre-release` and `archive` run:
//! [`RELEASE`] (the release commands) and [`GITHUB`] (the GitHub client, octocrab on tokio).
//! Each can be given prebuilt through its environment variable (CI jobs and the tests do).

use std::path::PathBuf;
use std::process::Command;

use crate::exit::Exit;

/// A binary of this workspace, built with `cargo build -p PACKAGE --bin NAME`.
pub struct Binary {
    pub package: &'static str,
    pub name: &'static str,
    /// Names a prebuilt binary to use instead.
    pub env: &'static str,
    /// Said once on stderr when it is built.
    pub why: &'static str,
}

/// `release`, `hotfix`, `rollback`, `post-release` and the changing `models` commands.
pub const RELEASE: Binary = Binary {
    package: "xtask-release",
    name: "xtask-release",
    env: "XTASK_RELEASE_BIN",
    why: "the release commands: release, hotfix, rollback, post-release, models",
};

/// The GitHub steps of `release`, `hotfix`, `rollback` and `post-release`.
pub const GITHUB: Binary = Binary {
    package: "github",
    name: "xtask-github",
    env: "XTASK_GITHUB_BIN",
    why: "the GitHub client, only the commands that talk to GitHub need it",
};

impl Binary {
    /// The environment's prebuilt binary, else this workspace's, built (or found up to date)
    /// by cargo now; cargo's own output is kept quiet, a line on stderr says why it runs.
    pub fn path(&self) -> Result<PathBuf, Exit> {
        if let Some(bin) = std::env::var_os(self.env) {
            return Ok(PathBuf::from(bin));
        }
        let build = format!("cargo build -p {} --bin {}", self.package, self.name);
        let hint = format!(
            "build it by hand: {build}, then set {}=target/debug/{}",
            self.env, self.name
        );
        eprintln!("building {} ({}): {build}…", self.name, self.why);
        let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(["build", "-q", "-p", self.package, "--bin", self.name])
            .current_dir(crate::paths::workspace_root())
            .status()
            .map_err(|err| Exit::refused(format!("cannot run {build}: {err}"), &hint))?;
        if !status.success() {
            return Err(Exit::refused(format!("{build} failed ({status})"), hint));
        }
        Ok(crate::paths::target_dir().join("debug").join(format!(
            "{}{}",
            self.name,
            std::env::consts::EXE_SUFFIX
        )))
    }
}
