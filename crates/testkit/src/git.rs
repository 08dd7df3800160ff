//! Temp git repositories with a local bare remote.
//!
//! `TempRepo::new()` makes `<tmp>/origin.git` (bare, branch `main`) and a clone `<tmp>/work`
//! with a fixed identity, so tests run real git without touching the user's config.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A work repository cloned from a bare `origin`, both in one temp dir.
pub struct TempRepo {
    tmp: tempfile::TempDir,
    work: PathBuf,
    origin: PathBuf,
}

impl TempRepo {
    /// An empty bare `origin` on `main` and a work clone of it.
    pub fn new() -> TempRepo {
        let tmp = tempfile::tempdir().expect("temp dir");
        let origin = tmp.path().join("origin.git");
        let work = tmp.path().join("work");
        git_in(
            tmp.path(),
            &[
                "init",
                "--quiet",
                "--bare",
                "--initial-branch=main",
                "origin.git",
            ],
        );
        git_in(
            tmp.path(),
            &["init", "--quiet", "--initial-branch=main", "work"],
        );
        let repo = TempRepo { tmp, work, origin };
        for (key, value) in [
            ("user.name", "Release Tester"),
            ("user.email", "tester@example.com"),
            ("commit.gpgsign", "false"),
            ("tag.gpgsign", "false"),
            ("core.autocrlf", "false"),
        ] {
            repo.git(&["config", key, value]);
        }
        let origin = repo.origin.to_string_lossy().into_owned();
        repo.git(&["remote", "add", "origin", &origin]);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        &self.work
    }

    /// The bare remote.
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// The temp dir holding both (room for more clones or worktrees).
    pub fn root(&self) -> &Path {
        self.tmp.path()
    }

    /// Runs git in the work tree, panics on failure, returns trimmed stdout.
    pub fn git(&self, args: &[&str]) -> String {
        git_in(&self.work, args)
    }

    /// Runs git in the bare remote.
    pub fn git_origin(&self, args: &[&str]) -> String {
        git_in(&self.origin, args)
    }

    /// Writes a file below the work tree (parents created).
    pub fn write(&self, path: &str, contents: &str) {
        let path = self.work.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    /// Reads a file below the work tree.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.work.join(path)).unwrap()
    }

    /// Copies a directory tree into the work tree (`.git`, `target`, caches skipped).
    pub fn copy_fixture(&self, from: &Path) {
        copy_tree(from, &self.work);
    }

    /// `git add -A && git commit -m message`; returns the commit id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "--quiet", "--allow-empty", "-m", message]);
        self.head()
    }

    /// An annotated tag at HEAD.
    pub fn tag(&self, name: &str) {
        self.git(&["tag", "-a", name, "-m", name]);
    }

    /// `git push origin main --tags` (sets upstream).
    pub fn push(&self) {
        self.git(&[
            "push",
            "--quiet",
            "--set-upstream",
            "origin",
            "main",
            "--tags",
        ]);
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    /// Every ref of the work repo and of origin with what it points at: compare whole states.
    pub fn refs(&self) -> (String, String) {
        let list = [
            "for-each-ref",
            "--format=%(refname) %(objectname) %(*objectname)",
        ];
        (self.git(&list), self.git_origin(&list))
    }

    /// A second clone of origin (another person pushing), with the same identity.
    pub fn clone_origin(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join(name);
        let origin = self.origin.to_string_lossy().into_owned();
        git_in(self.tmp.path(), &["clone", "--quiet", &origin, name]);
        git_in(&dir, &["config", "user.name", "Other"]);
        git_in(&dir, &["config", "user.email", "other@example.com"]);
        dir
    }
}

impl Default for TempRepo {
    fn default() -> Self {
        TempRepo::new()
    }
}

/// Runs git in `dir` with a clean, fixed environment; panics with stderr on failure.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .output()
        .expect("running git");
    assert!(
        out.status.success(),
        "git {} in {}: {}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Copies a tree (`.git`, `target`, virtualenvs and caches skipped).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if matches!(
            name.to_str(),
            Some(".git" | "target" | ".venv" | "__pycache__" | ".pytest_cache" | ".ruff_cache")
        ) {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
