//! Reproducible release archives from git objects: tarballs, SHA256SUMS, manifest, verify.
//!
//! [`build`] reads the tree of one commit straight from git objects (never the working tree),
//! streams every blob once through `git cat-file --batch` into all the tarballs that want it,
//! and gzips them in parallel with bytes that depend only on the commit and the [`Options`].
//! [`verify`] rebuilds from the commit a manifest names and compares. See `docs/archive.md`.

mod blobs;
mod build;
mod exported;
pub mod models;
mod output;
mod pgzip;
mod repo;
mod ustar;
mod verify;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use build::{build, Source};
pub use verify::{verify, Mismatch};

/// The compressor the artifact bytes depend on; recorded in the manifest. The zlib-rs version
/// is pinned in the workspace `Cargo.toml`: changing it, the level or the block size changes
/// the bytes of every tarball.
pub const COMPRESSOR: &str =
    "zlib-rs 0.6.8 (via flate2) raw deflate level 6, 128 KiB blocks with 32 KiB dictionaries";

pub const SHA256SUMS: &str = "SHA256SUMS";
pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, Clone)]
pub struct Options {
    /// The project name: the first part of every file name and of the tarballs' directory.
    pub name: String,
    /// The release tag (or other label) in the file names: `<name>-<label>.tar.gz`.
    pub label: String,
    /// Extra tarballs, each with the files matching its globs.
    pub groups: Vec<Group>,
    /// Replace artifacts already in the output directory (and remove stale ones).
    pub force: bool,
    /// Compression threads; 0 for one per core. The bytes do not depend on it.
    pub threads: usize,
    /// Tracked files released as they are, each its own artifact (listed in SHA256SUMS).
    pub extras: Vec<ExtraFile>,
}

/// A tracked file released as it is: the blob at `path` in the commit, written as `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraFile {
    /// Relative to the project directory, `/`-separated, as git lists it.
    pub path: String,
    /// The artifact's file name.
    pub name: String,
}

impl Options {
    pub fn new(name: impl Into<String>, label: impl Into<String>) -> Options {
        Options {
            name: name.into(),
            label: label.into(),
            groups: Group::defaults(),
            force: false,
            threads: 0,
            extras: Vec::new(),
        }
    }

    /// `<name>-<label>`: the stem of every file name and the directory inside every tarball.
    pub fn stem(&self) -> String {
        format!("{}-{}", self.name, self.label)
    }
}

/// A named set of path globs (see `docs/archive.md` for the syntax), one tarball.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub globs: Vec<String>,
}

impl Group {
    /// The "Release Artifacts" list of RELEASE_CHECKLIST.md.
    pub fn defaults() -> Vec<Group> {
        let group = |name: &str, globs: &[&str]| Group {
            name: name.to_string(),
            globs: globs.iter().map(|glob| glob.to_string()).collect(),
        };
        vec![
            group(
                "config",
                &["docker-compose*.yml", ".env.example", "pyproject.toml"],
            ),
            group("docs", &["README.md", "CHANGELOG.md", "docs/"]),
            group("flows", &["docs/langflow/examples/*.json"]),
        ]
    }

    /// For each path, whether one of the group's globs matches it.
    pub fn matches(&self, paths: impl Iterator<Item = impl AsRef<str>>) -> Vec<bool> {
        let globs: Vec<pathglob::Glob> = self
            .globs
            .iter()
            .map(|glob| pathglob::Glob::new(glob))
            .collect();
        paths
            .map(|path| globs.iter().any(|glob| glob.matches(path.as_ref())))
            .collect()
    }
}

/// What was built, written as `manifest.json`. Everything in it follows from the commit and the
/// options, so a rebuild gives the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub label: String,
    /// The revision as asked for (a tag, usually) and the commit it named.
    pub rev: String,
    pub commit: String,
    /// Committer time, seconds since the epoch: the mtime of every tarball entry.
    pub commit_time: u64,
    pub commit_date: String,
    pub compressor: String,
    pub groups: Vec<Group>,
    pub artifacts: Vec<Artifact>,
    /// Paths archived differently from their content, or not at all, and why.
    pub exceptions: Vec<Exception>,
    /// Artifacts not built because they would be empty, and why.
    pub left_out: Vec<LeftOut>,
    /// The tracked files released as they are (absent when there are none, so the manifests
    /// of archives without them keep their bytes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<ExtraFile>,
}

impl Manifest {
    /// Every file the build wrote, sorted: the artifacts, `manifest.json` and `SHA256SUMS` —
    /// what a release uploads.
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .artifacts
            .iter()
            .map(|artifact| artifact.name.clone())
            .collect();
        files.extend([MANIFEST.to_string(), SHA256SUMS.to_string()]);
        files.sort();
        files
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    /// The tarball's entries, in order; empty for JSON artifacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The path inside the tarball, `<name>-<label>/` included.
    pub path: String,
    /// `0644`, `0755`, or `0777` for a symlink.
    pub mode: String,
    pub size: u64,
    /// The git blob id of the content.
    pub blob: String,
    /// The target of a symlink.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    pub path: String,
    pub kind: ExceptionKind,
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExceptionKind {
    /// A gitlink: its content lives in another repository and is not in any tarball.
    Submodule,
    /// A Git LFS pointer: archived as the pointer text, not the large file.
    LfsPointer,
    /// Marked `export-subst`: archived without the placeholder expansion `git archive` does.
    ExportSubst,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub artifact: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{dir} is not inside a git work tree")]
    NotARepo { dir: PathBuf },
    #[error("revision {rev:?} names no commit in {dir}")]
    UnknownRev { rev: String, dir: PathBuf },
    #[error("output directory {dir} is not writable: {source}")]
    OutDirUnwritable {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{dir} already holds artifacts: {}", names.join(", "))]
    ArtifactsPresent { dir: PathBuf, names: Vec<String> },
    #[error("{path:?} at {commit} cannot be stored in a tar archive: {why}")]
    UnrepresentablePath {
        commit: String,
        path: String,
        why: String,
    },
    #[error("{what} {value:?} cannot be part of a file name")]
    BadName { what: &'static str, value: String },
    #[error("{path:?} is not a regular file at {commit}")]
    NotAFile { commit: String, path: String },
    #[error("two artifacts would be named {name}")]
    NameTaken { name: String },
    #[error("{dir} has no readable manifest.json: {message}")]
    NoManifest { dir: PathBuf, message: String },
    #[error("running `{command}` in {dir}: {message}")]
    Git {
        command: String,
        dir: PathBuf,
        message: String,
    },
    #[error("reading {what} from `git cat-file --batch`: {message}")]
    BlobStream { what: String, message: String },
    #[error("{doing} {path}: {source}")]
    Io {
        doing: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ArchiveError {
    /// True for errors found before anything was written: the caller's input is wrong
    /// (exit code 2 in `cargo xtask archive`).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            ArchiveError::NotARepo { .. }
                | ArchiveError::UnknownRev { .. }
                | ArchiveError::OutDirUnwritable { .. }
                | ArchiveError::ArtifactsPresent { .. }
                | ArchiveError::UnrepresentablePath { .. }
                | ArchiveError::BadName { .. }
                | ArchiveError::NotAFile { .. }
                | ArchiveError::NameTaken { .. }
                | ArchiveError::NoManifest { .. }
        )
    }
}
