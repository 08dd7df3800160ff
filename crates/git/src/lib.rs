//! Typed queries and plumbing over the git command line (tags, status, commits, remotes).
//!
//! Every function takes the repository directory and runs `git -C <dir> ...` through xshell,
//! so callers never depend on a shell's current directory. Errors carry git's own stderr.

mod remote;

use std::path::{Path, PathBuf};

use semver::Version;
use xshell::{cmd, Shell};

pub use remote::{parse_remote_url, RemoteTag};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("running `{command}` in {dir}: {message}")]
    Command {
        command: String,
        dir: PathBuf,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// A commit id cut to 12 hex digits, the way every report shows a commit.
pub fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// A git operation left half-done in the work tree (it makes the tree dirty for a release).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InProgress {
    Merge,
    Rebase,
    CherryPick,
    Revert,
    Bisect,
}

impl InProgress {
    pub fn as_str(self) -> &'static str {
        match self {
            InProgress::Merge => "merge",
            InProgress::Rebase => "rebase",
            InProgress::CherryPick => "cherry-pick",
            InProgress::Revert => "revert",
            InProgress::Bisect => "bisect",
        }
    }
}

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

    /// Runs `git -C dir <args>` and returns its trimmed stdout; a failure carries git's stderr.
    pub fn git(&self, args: &[&str]) -> Result<String> {
        let out = self.checked_output(args)?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Like [`Repo::git`] but `Ok(None)` when git exits non-zero (a ref that does not exist).
    pub fn git_opt(&self, args: &[&str]) -> Result<Option<String>> {
        let out = self.output(args)?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string()))
    }

    fn output(&self, args: &[&str]) -> Result<std::process::Output> {
        let sh = Shell::new().map_err(|err| self.error(args, err))?;
        let dir = &self.dir;
        cmd!(sh, "git -C {dir} {args...}")
            .quiet()
            .ignore_status()
            .output()
            .map_err(|err| self.error(args, err))
    }

    /// The raw output of a git command that must succeed.
    fn checked_output(&self, args: &[&str]) -> Result<std::process::Output> {
        let out = self.output(args)?;
        if out.status.success() {
            return Ok(out);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message = match stderr.trim() {
            "" => format!("exited with {}", out.status),
            stderr => stderr.lines().collect::<Vec<_>>().join("; "),
        };
        Err(self.error(args, message))
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
        self.git(&["rev-parse", "--show-toplevel"])
            .map(PathBuf::from)
    }

    /// The full commit id a revision names, or `None` when it names nothing.
    pub fn resolve(&self, rev: &str) -> Result<Option<String>> {
        self.git_opt(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ])
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
            .filter_map(|tag| {
                Some((
                    Version::parse(tag.strip_prefix('v')?).ok()?,
                    tag.to_string(),
                ))
            })
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

    /// Whole messages (subject, blank line, body) of the commits in `since..HEAD`, oldest first.
    pub fn commit_messages_since(&self, since: Option<&str>) -> Result<Vec<String>> {
        if self.head()?.is_none() {
            return Ok(Vec::new());
        }
        let range = since.map_or_else(|| "HEAD".to_string(), |tag| format!("{tag}..HEAD"));
        let out = self.git(&["log", "--reverse", "--format=%B%x00", &range])?;
        Ok(out
            .split('\0')
            .map(str::trim)
            .filter(|message| !message.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// Tracked files matching git pathspec globs (`docs/*.json`), relative to `dir`, sorted.
    pub fn ls_files_glob(&self, patterns: &[&str]) -> Result<Vec<String>> {
        if patterns.is_empty() {
            return Ok(Vec::new());
        }
        let specs: Vec<String> = patterns.iter().map(|p| format!(":(glob){p}")).collect();
        let mut args = vec!["ls-files", "-z", "--"];
        args.extend(specs.iter().map(String::as_str));
        let out = self.git(&args)?;
        let mut files: Vec<String> = out
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        files.sort();
        Ok(files)
    }

    /// Tracked files below `dir`, relative to `dir`.
    pub fn tracked_files(&self) -> Result<Vec<PathBuf>> {
        let out = self.git(&["ls-files", "-z", "--full-name", "--", "."])?;
        let prefix = self.prefix()?;
        Ok(out
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(|path| PathBuf::from(path.strip_prefix(prefix.as_str()).unwrap_or(path)))
            .collect())
    }

    /// `git status --porcelain` lines (untracked files included); empty when clean.
    pub fn status_lines(&self) -> Result<Vec<String>> {
        // Untrimmed: the first line's leading space is part of its status code (` M file`).
        let out = self.checked_output(&["status", "--porcelain", "--untracked-files=normal"])?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect())
    }

    /// Paths (relative to the top of the work tree) that `git status` reports, untracked
    /// files included, each with its two-letter porcelain code.
    pub fn status_paths(&self) -> Result<Vec<(String, String)>> {
        let out = self.checked_output(&["status", "--porcelain", "-z", "--untracked-files=all"])?;
        let out = String::from_utf8_lossy(&out.stdout);
        let mut entries = Vec::new();
        let mut fields = out.split('\0').filter(|s| !s.is_empty());
        while let Some(entry) = fields.next() {
            let (code, path) = entry.split_at(entry.len().min(3));
            let code = code.trim().to_string();
            if code.starts_with('R') || code.starts_with('C') {
                fields.next(); // the rename's source
            }
            entries.push((code, path.to_string()));
        }
        Ok(entries)
    }

    /// `dir` relative to the top of the work tree, with a trailing `/` (empty at the top).
    pub fn prefix(&self) -> Result<String> {
        self.git(&["rev-parse", "--show-prefix"])
    }

    /// The branch HEAD is on; `None` for a detached HEAD.
    pub fn current_branch(&self) -> Result<Option<String>> {
        self.git_opt(&["symbolic-ref", "--quiet", "--short", "HEAD"])
    }

    /// A merge, rebase, cherry-pick, revert or bisect left in progress, if any.
    pub fn in_progress(&self) -> Result<Option<InProgress>> {
        let markers = [
            ("MERGE_HEAD", InProgress::Merge),
            ("rebase-merge", InProgress::Rebase),
            ("rebase-apply", InProgress::Rebase),
            ("CHERRY_PICK_HEAD", InProgress::CherryPick),
            ("REVERT_HEAD", InProgress::Revert),
            ("BISECT_LOG", InProgress::Bisect),
        ];
        for (marker, op) in markers {
            let path = PathBuf::from(self.git(&[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                marker,
            ])?);
            if path.exists() {
                return Ok(Some(op));
            }
        }
        Ok(None)
    }

    /// `git fetch --no-tags <remote>`: refreshes the remote-tracking branches only (tags are
    /// looked up with [`Repo::remote_tags`], so a differing remote tag never clobbers a local one).
    pub fn fetch(&self, remote: &str) -> Result<()> {
        self.git(&["fetch", "--quiet", "--no-tags", remote])
            .map(drop)
    }

    /// Commits only in `local` and only in `upstream`: `(ahead, behind)`.
    pub fn ahead_behind(&self, local: &str, upstream: &str) -> Result<(usize, usize)> {
        let out = self.git(&[
            "rev-list",
            "--left-right",
            "--count",
            &format!("{local}...{upstream}"),
        ])?;
        let mut counts = out
            .split_whitespace()
            .map(|n| n.parse::<usize>().unwrap_or(0));
        Ok((counts.next().unwrap_or(0), counts.next().unwrap_or(0)))
    }

    /// True when `ancestor` is reachable from `rev` (or is `rev`).
    pub fn is_ancestor(&self, ancestor: &str, rev: &str) -> Result<bool> {
        Ok(self
            .git_opt(&["merge-base", "--is-ancestor", ancestor, rev])?
            .is_some())
    }

    /// The URL of a remote, `None` when there is no such remote.
    pub fn remote_url(&self, remote: &str) -> Result<Option<String>> {
        self.git_opt(&["remote", "get-url", remote])
    }

    /// A config value, `None` when unset.
    pub fn config(&self, key: &str) -> Result<Option<String>> {
        self.git_opt(&["config", "--get", key])
    }

    /// Who is at the keyboard, as git knows them: `Name <email>`, or `Name` without an email;
    /// `None` when `user.name` is not set.
    pub fn user(&self) -> Result<Option<String>> {
        let Some(name) = self.config("user.name")?.filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        Ok(Some(
            match self.config("user.email")?.filter(|e| !e.is_empty()) {
                Some(email) => format!("{name} <{email}>"),
                None => name,
            },
        ))
    }

    /// The object a local tag ref points at (the tag object for an annotated tag).
    pub fn tag_object(&self, tag: &str) -> Result<Option<String>> {
        self.git_opt(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("refs/tags/{tag}"),
        ])
    }

    /// The commit a local tag points at, `None` when the tag does not exist.
    pub fn tag_target(&self, tag: &str) -> Result<Option<String>> {
        self.resolve(&format!("refs/tags/{tag}"))
    }

    /// True when the local tag is an annotated tag object (not a lightweight tag).
    pub fn is_annotated_tag(&self, tag: &str) -> Result<bool> {
        let kind = self.git_opt(&["cat-file", "-t", &format!("refs/tags/{tag}")])?;
        Ok(kind.as_deref() == Some("tag"))
    }

    /// The subject line of a commit.
    pub fn subject(&self, rev: &str) -> Result<String> {
        self.git(&["log", "-1", "--format=%s", rev])
    }

    /// Paths (relative to the top) a commit changed compared with its first parent.
    pub fn changed_files(&self, rev: &str) -> Result<Vec<String>> {
        let out = self.git(&[
            "diff-tree",
            "--no-commit-id",
            "--name-only",
            "-r",
            "-z",
            "--root",
            rev,
        ])?;
        Ok(out
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }

    /// The contents of `path` (relative to `dir`) at `rev`, byte for byte; `None` when it
    /// does not exist there.
    pub fn show_file(&self, rev: &str, path: &str) -> Result<Option<String>> {
        let out = self.output(&["show", &format!("{rev}:./{path}")])?;
        Ok(out
            .status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned()))
    }

    /// Stages `paths` (relative to `dir`) and commits exactly them with `message` (hooks run).
    /// Returns the new commit id.
    pub fn commit_paths(&self, message: &str, paths: &[&str]) -> Result<String> {
        let mut add = vec!["add", "--"];
        add.extend_from_slice(paths);
        self.git(&add)?;
        let mut commit = vec!["commit", "--quiet", "-m", message, "--"];
        commit.extend_from_slice(paths);
        self.git(&commit)?;
        self.head()?
            .ok_or_else(|| self.error(&["commit"], "no HEAD after commit"))
    }

    /// `git reset -- paths`: takes `paths` out of the index again (after a failed commit).
    pub fn unstage(&self, paths: &[&str]) -> Result<()> {
        let mut args = vec!["reset", "--quiet", "--"];
        args.extend_from_slice(paths);
        self.git(&args).map(drop)
    }

    /// Creates the annotated tag `name` at `rev` (signed when `tag.gpgSign` says so).
    pub fn annotated_tag(&self, name: &str, message: &str, rev: &str) -> Result<()> {
        self.git(&["tag", "--annotate", "--message", message, name, rev])
            .map(drop)
    }

    /// `git push --atomic --porcelain <remote> <refspecs...>`: all refs update or none does.
    pub fn push_atomic(&self, remote: &str, refspecs: &[&str]) -> Result<()> {
        let mut args = vec!["push", "--atomic", "--quiet", remote];
        args.extend_from_slice(refspecs);
        self.git(&args).map(drop)
    }

    /// `git ls-remote --tags <remote>`: every tag on the remote with the commit it peels to.
    pub fn remote_tags(&self, remote: &str) -> Result<Vec<RemoteTag>> {
        let out = self.git(&["ls-remote", "--tags", remote])?;
        Ok(remote::parse_ls_remote_tags(&out))
    }

    /// One tag on the remote, `None` when absent.
    pub fn remote_tag(&self, remote: &str, tag: &str) -> Result<Option<RemoteTag>> {
        Ok(self
            .remote_tags(remote)?
            .into_iter()
            .find(|t| t.name == tag))
    }

    /// The commit a branch points at on the remote (`git ls-remote --heads`), `None` when absent.
    pub fn remote_branch(&self, remote: &str, branch: &str) -> Result<Option<String>> {
        let out = self.git(&[
            "ls-remote",
            "--heads",
            remote,
            &format!("refs/heads/{branch}"),
        ])?;
        Ok(out.split_whitespace().next().map(str::to_string))
    }

    /// The parents of a commit, first parent first.
    pub fn parents(&self, rev: &str) -> Result<Vec<String>> {
        let out = self.git(&["rev-list", "--parents", "-n", "1", rev])?;
        Ok(out.split_whitespace().skip(1).map(str::to_string).collect())
    }

    /// The tree a commit (or tree-ish) points at.
    pub fn tree(&self, rev: &str) -> Result<String> {
        self.git(&["rev-parse", &format!("{rev}^{{tree}}")])
    }

    /// The best common ancestor of two commits, `None` when they share no history.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<String>> {
        self.git_opt(&["merge-base", a, b])
    }

    /// Local branches matching a pattern (`hotfix/*`), short names, sorted.
    pub fn branches(&self, pattern: &str) -> Result<Vec<String>> {
        let out = self.git(&[
            "for-each-ref",
            "--format=%(refname:short)",
            &format!("refs/heads/{pattern}"),
        ])?;
        Ok(out.lines().map(str::to_string).collect())
    }

    /// `git merge-tree --write-tree <ours> <theirs>`: the merge computed without a work tree or
    /// index (nothing but objects is written). `Ok(Ok(tree))` when clean, `Ok(Err(paths))` with
    /// the conflicting paths (relative to the top) otherwise.
    pub fn merge_tree(
        &self,
        ours: &str,
        theirs: &str,
    ) -> Result<std::result::Result<String, Vec<String>>> {
        let args = [
            "merge-tree",
            "--write-tree",
            "--name-only",
            "-z",
            ours,
            theirs,
        ];
        let out = self.output(&args)?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let mut fields = text.split('\0');
        let tree = fields.next().unwrap_or_default().trim().to_string();
        match out.status.code() {
            Some(0) => Ok(Ok(tree)),
            Some(1) => {
                let mut paths: Vec<String> = fields
                    .take_while(|field| !field.is_empty())
                    .map(str::to_string)
                    .collect();
                paths.dedup();
                Ok(Err(paths))
            }
            _ => Err(self.error(&args, String::from_utf8_lossy(&out.stderr).trim())),
        }
    }

    /// Writes `contents` as a blob object; returns its id.
    pub fn write_blob(&self, contents: &str) -> Result<String> {
        let sh = Shell::new().map_err(|err| self.error(&["hash-object"], err))?;
        let dir = &self.dir;
        let out = cmd!(sh, "git -C {dir} hash-object -w --stdin")
            .quiet()
            .ignore_status()
            .stdin(contents)
            .output()
            .map_err(|err| self.error(&["hash-object"], err))?;
        if !out.status.success() {
            let message = String::from_utf8_lossy(&out.stderr).trim().to_string();
            return Err(self.error(&["hash-object", "-w", "--stdin"], message));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// A new tree: `tree` with the files at `paths` (relative to the top) replaced by these
    /// contents (mode kept, `100644` for a new file). Built in a temporary index; no ref, index
    /// or work tree of the repository changes.
    pub fn tree_with(&self, tree: &str, files: &[(String, String)]) -> Result<String> {
        let index = PathBuf::from(self.git(&[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "xtask-tree.index",
        ])?);
        let sh = Shell::new().map_err(|err| self.error(&["read-tree"], err))?;
        let _env = sh.push_env("GIT_INDEX_FILE", &index);
        let dir = &self.dir;
        let run = |args: &[&str]| -> Result<String> {
            let out = cmd!(sh, "git -C {dir} {args...}")
                .quiet()
                .ignore_status()
                .output()
                .map_err(|err| self.error(args, err))?;
            if !out.status.success() {
                let message = String::from_utf8_lossy(&out.stderr).trim().to_string();
                return Err(self.error(args, message));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let result = (|| {
            run(&["read-tree", tree])?;
            for (path, contents) in files {
                let mode = self
                    .git(&["ls-tree", tree, "--", path])?
                    .split_whitespace()
                    .next()
                    .unwrap_or("100644")
                    .to_string();
                let blob = self.write_blob(contents)?;
                run(&[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("{mode},{blob},{path}"),
                ])?;
            }
            run(&["write-tree"])
        })();
        let _ = std::fs::remove_file(&index);
        result
    }

    /// `git commit-tree <tree> -p <parent>... -m <message>`: a commit object, no ref moved.
    pub fn commit_tree(&self, tree: &str, parents: &[&str], message: &str) -> Result<String> {
        let mut args = vec!["commit-tree", tree];
        for parent in parents {
            args.extend(["-p", parent]);
        }
        args.extend(["-m", message]);
        self.git(&args)
    }

    /// `git update-ref -m <why> <ref> <new> <old>`: moves a ref only if it still is at `old`.
    pub fn update_ref(&self, name: &str, new: &str, old: &str, why: &str) -> Result<()> {
        self.git(&["update-ref", "-m", why, name, new, old])
            .map(drop)
    }

    /// `git branch <name> <rev>`: a new branch; fails when it exists.
    pub fn create_branch(&self, name: &str, rev: &str) -> Result<()> {
        self.git(&["branch", "--no-track", name, rev]).map(drop)
    }

    /// `git switch [--detach] <rev>` in this work tree.
    pub fn switch(&self, rev: &str, detach: bool) -> Result<()> {
        let mut args = vec!["switch", "--quiet"];
        if detach {
            args.push("--detach");
        }
        args.push(rev);
        self.git(&args).map(drop)
    }

    /// `git branch -d <name>`: deletes a local branch that is merged (git refuses otherwise).
    pub fn delete_branch(&self, name: &str) -> Result<()> {
        self.git(&["branch", "--quiet", "-d", name]).map(drop)
    }

    /// `git push <remote> --delete refs/heads/<branch>`.
    pub fn push_delete(&self, remote: &str, branch: &str) -> Result<()> {
        let refname = format!("refs/heads/{branch}");
        self.git(&["push", "--quiet", remote, "--delete", &refname])
            .map(drop)
    }

    /// `git merge --ff-only <rev>` in this work tree (moves its branch, index and files along).
    pub fn merge_ff_only(&self, rev: &str) -> Result<()> {
        self.git(&["merge", "--quiet", "--ff-only", rev]).map(drop)
    }

    /// `git worktree add <path> <branch>`: a separate checkout of an existing branch.
    pub fn worktree_add_branch(&self, path: &Path, branch: &str) -> Result<()> {
        let path = path.to_string_lossy();
        self.git(&["worktree", "add", "--quiet", &path, branch])
            .map(drop)
    }

    /// The work trees with the branch each has checked out: `(path, Some(branch))`.
    pub fn worktrees(&self) -> Result<Vec<(PathBuf, Option<String>)>> {
        let out = self.git(&["worktree", "list", "--porcelain"])?;
        let mut found = Vec::new();
        for block in out.split("\n\n") {
            let mut path = None;
            let mut branch = None;
            for line in block.lines() {
                if let Some(rest) = line.strip_prefix("worktree ") {
                    path = Some(PathBuf::from(rest));
                } else if let Some(rest) = line.strip_prefix("branch refs/heads/") {
                    branch = Some(rest.to_string());
                }
            }
            if let Some(path) = path {
                found.push((path, branch));
            }
        }
        Ok(found)
    }

    /// `git worktree add --detach <path> <rev>`: a separate checkout, the user's one untouched.
    pub fn worktree_add(&self, path: &Path, rev: &str) -> Result<()> {
        let path = path.to_string_lossy();
        self.git(&["worktree", "add", "--quiet", "--detach", &path, rev])
            .map(drop)
    }

    /// `git worktree remove --force <path>`.
    pub fn worktree_remove(&self, path: &Path) -> Result<()> {
        let path = path.to_string_lossy();
        self.git(&["worktree", "remove", "--force", &path])
            .map(drop)
    }
}
