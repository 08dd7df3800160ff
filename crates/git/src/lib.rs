//! Typed queries and plumbing over the git command line (tags, status, commits, remotes).
//!
//! Every function takes the repository directory and runs `git -C <dir> ...` through xshell,
//! so callers never depend on a shell's current directory.

use std::path::{Path, PathBuf};

use semver::Version;
use xshell::{cmd, Shell};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("running `{command}` in {dir}: {message}")]
    Command { command: String, dir: PathBuf, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A git repository (or a directory inside one).
#[derive(Debug, Clone)]
pub struct Repo {
    dir: PathBuf,
}

impl Repo {
    pub fn new(dir: impl Into<PathBuf>) -> Repo {
        Repo { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `git -C dir <args>` and returns its trimmed stdout.
    pub fn git(&self, args: &[&str]) -> Result<String> {
        let sh = Shell::new().map_err(|err| self.error(args, err))?;
        let dir = &self.dir;
        cmd!(sh, "git -C {dir} {args...}")
            .quiet()
            .ignore_stderr()
            .read()
            .map_err(|err| self.error(args, err))
    }

    /// Like [`Repo::git`] but `Ok(None)` when git exits non-zero (a ref that does not exist).
    pub fn git_opt(&self, args: &[&str]) -> Result<Option<String>> {
        let sh = Shell::new().map_err(|err| self.error(args, err))?;
        let dir = &self.dir;
        let out = cmd!(sh, "git -C {dir} {args...}")
            .quiet()
            .ignore_status()
            .output()
            .map_err(|err| self.error(args, err))?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    fn error(&self, args: &[&str], err: impl std::fmt::Display) -> Error {
        Error::Command {
            command: format!("git {}", args.join(" ")),
            dir: self.dir.clone(),
            message: err.to_string(),
        }
    }

    /// True when `dir` is inside a git work tree.
    pub fn is_repo(&self) -> bool {
        matches!(self.git_opt(&["rev-parse", "--is-inside-work-tree"]), Ok(Some(s)) if s == "true")
    }

    /// The top of the work tree.
    pub fn toplevel(&self) -> Result<PathBuf> {
        self.git(&["rev-parse", "--show-toplevel"]).map(PathBuf::from)
    }

    /// The full commit id a revision names, or `None` when it names nothing.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>> {
        self.git_opt(&["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
    }

    /// `HEAD`'s commit id, `None` in a repository without commits.
    pub fn head(&self) -> Result<Option<String>> {
        self.resolve("HEAD")
    }

    /// Release tags `vX.Y.Z` (semver after the `v`), highest version first.
    pub fn release_tags(&self) -> Result<Vec<(Version, String)>> {
        let out = self.git(&["tag", "--list", "v*"])?;
        let mut tags: Vec<(Version, String)> = out
            .lines()
            .filter_map(|tag| Some((Version::parse(tag.strip_prefix('v')?).ok()?, tag.to_string())))
            .collect();
        tags.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(tags)
    }

    /// The highest release tag, if any.
    pub fn latest_release_tag(&self) -> Result<Option<(Version, String)>> {
        Ok(self.release_tags()?.into_iter().next())
    }

    /// Subjects of the commits in `since..HEAD` (all of HEAD when `since` is `None`), oldest first.
    pub fn commit_subjects_since(&self, since: Option<&str>) -> Result<Vec<String>> {
        if self.head()?.is_none() {
            return Ok(Vec::new());
        }
        let range = since.map_or_else(|| "HEAD".to_string(), |tag| format!("{tag}..HEAD"));
        let out = self.git(&["log", "--reverse", "--format=%s", &range])?;
        Ok(out.lines().map(str::to_string).collect())
    }

    /// Tracked files below `dir`, relative to `dir`.
    pub fn tracked_files(&self) -> Result<Vec<PathBuf>> {
        let out = self.git(&["ls-files", "-z", "--full-name", "--", "."])?;
        let prefix = self.git(&["rev-parse", "--show-prefix"])?;
        Ok(out
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(|path| PathBuf::from(path.strip_prefix(prefix.as_str()).unwrap_or(path)))
            .collect())
    }

    /// `git status --porcelain` lines (untracked files included); empty when clean.
    pub fn status_lines(&self) -> Result<Vec<String>> {
        let out = self.git(&["status", "--porcelain", "--untracked-files=normal"])?;
        Ok(out.lines().map(str::to_string).collect())
    }
}
