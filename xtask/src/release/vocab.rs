//! Layer 0, the shared vocabulary of a release: the release being cut ([`Release`]: version,
//! tag, kind, branch, remote, date), what the preflight checked ([`Check`]) and what it found
//! ([`Problem`]), the files a release edits, and the options of one run ([`Options`]).
//!
//! It imports nothing from the other release modules; every one of them may import it.

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use changelog::history::ReleaseKind;
use semver::Version;
use serde::Serialize;

use crate::exit::Exit;

pub const PYPROJECT: &str = "pyproject.toml";
pub const UV_LOCK: &str = "uv.lock";
pub const CHANGELOG: &str = "CHANGELOG.md";
/// Where a project keeps the checklist with its Version History table, first found wins.
pub const HISTORY_FILES: [&str; 3] = [
    "docs/RELEASE_CHECKLIST.md",
    "RELEASE_CHECKLIST.md",
    "docs/release-checklist.md",
];

/// What a preflight check looked at; the `check` field of a problem in the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Check {
    /// The project is a git work tree with commits.
    Repo,
    /// On the release branch (not detached).
    Branch,
    /// A clean work tree, no merge/rebase in progress.
    Tree,
    /// The remote exists, can be fetched, and the branch is not behind it.
    Remote,
    /// The tag is absent (or is this command's own, at the release commit).
    Tag,
    /// The version is greater than the latest release and not below pyproject.toml's.
    Version,
    /// pyproject.toml, uv.lock and the Version History table can be edited.
    Files,
    /// CHANGELOG.md has (or can get) this version's section.
    Changelog,
    /// The pre-release gate passed for HEAD and this version.
    Gate,
    /// The GitHub token, repository and existing release.
    Github,
}

/// One failed preflight check: what was checked, the cause, and the next action.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub check: Check,
    pub cause: String,
    pub fix: String,
}

impl Problem {
    pub fn new(check: Check, cause: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem {
            check,
            cause: cause.into(),
            fix: fix.into(),
        }
    }
}

/// How the pre-release gate is satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateChoice {
    /// Run `pre-release` as a child process.
    Run,
    /// Read this `pre-release --format json` report.
    Report(PathBuf),
    /// `--skip-gate`: release without it (the release record says so).
    Skip,
}

/// What a run of the release steps is asked to do, beyond the release itself.
#[derive(Debug, Clone)]
pub struct Options {
    /// Release notes instead of the Unreleased section or notes drafted from commits.
    pub notes: Option<PathBuf>,
    /// Allow a release without notes.
    pub allow_empty: bool,
    pub gate: GateChoice,
    /// Publish a GitHub release (false: stop after the push).
    pub github: bool,
    /// Extra release assets: globs of tracked files.
    pub assets: Vec<String>,
    /// Checklist step 7 before publishing, with the seconds given to become healthy.
    pub verify_deploy: Option<u64>,
    /// The run will execute (the preflight notes how to reuse a gate run otherwise).
    pub execute: bool,
    /// Whether the GitHub release becomes the repository's latest; `None`: unless a pre-release.
    pub make_latest: Option<bool>,
}

/// The fixed inputs of one release, shared by every step.
pub struct Release {
    pub project: PathBuf,
    /// `<out>/release`: the assets (`vX.Y.Z/`), the gate report and logs (`vX.Y.Z.*`); git
    /// ignores it, and everything in it can be rebuilt.
    pub out: PathBuf,
    pub repo: git::Repo,
    pub version: Version,
    pub tag: String,
    /// "Release version X.Y.Z": the commit subject and the tag message.
    pub message: String,
    pub branch: String,
    pub remote: String,
    pub date: String,
    /// When this run started (`SOURCE_DATE_EPOCH` when set), for the release record.
    pub now: SystemTime,
}

impl Release {
    /// The release of `version` from `branch`, pushed to `remote`; `out` is the command's out
    /// dir (`<out>/release` is used), `date` defaults to today (UTC, `SOURCE_DATE_EPOCH`).
    pub fn new(
        project: PathBuf,
        out: &std::path::Path,
        version: Version,
        branch: String,
        remote: String,
        date: Option<String>,
    ) -> anyhow::Result<Release> {
        let now = match std::env::var("SOURCE_DATE_EPOCH") {
            Ok(secs) => {
                let secs: u64 = secs.trim().parse().map_err(|_| {
                    Exit::refused(
                        format!("SOURCE_DATE_EPOCH={secs:?} is not a number of seconds"),
                        "unset it or set it to seconds since 1970",
                    )
                })?;
                UNIX_EPOCH + Duration::from_secs(secs)
            }
            Err(_) => SystemTime::now(),
        };
        let date = date.unwrap_or_else(|| runner::rfc3339_utc(now)[..10].to_string());
        let tag = format!("v{version}");
        Ok(Release {
            repo: git::Repo::new(&project),
            project,
            out: out.join("release"),
            message: format!("Release version {version}"),
            version,
            tag,
            branch,
            remote,
            date,
            now,
        })
    }

    /// The latest release tag of the repository and its version, if any (unreadable: none).
    pub fn latest_release(&self) -> Option<(Version, String)> {
        self.repo.latest_release_tag().ok().flatten()
    }

    /// Major, Minor, Patch or Pre-release, measured from the latest release tag.
    pub fn kind(&self) -> ReleaseKind {
        let latest = self.latest_release().map(|(version, _)| version);
        changelog::history::release_kind(latest.as_ref(), &self.version)
    }

    /// A pre-release version (`X.Y.Z-rc.1`): its GitHub release is marked so.
    pub fn is_prerelease(&self) -> bool {
        !self.version.pre.is_empty()
    }

    /// Where the archive puts the release assets.
    pub fn assets_dir(&self) -> PathBuf {
        self.out.join(&self.tag)
    }

    /// `<out>/release/vX.Y.Z.<what>`: the gate report, logs, the verify worktree.
    pub fn out_file(&self, what: &str) -> PathBuf {
        self.out.join(format!("{}.{what}", self.tag))
    }

    /// `trackers/releases/vX.Y.Z.md`: the release record, part of the release commit.
    pub fn record_path(&self) -> String {
        format!("trackers/releases/{}.md", self.tag)
    }

    /// Every file a release commit may change, relative to the project root.
    pub fn release_files(&self) -> Vec<String> {
        [PYPROJECT, UV_LOCK, CHANGELOG]
            .into_iter()
            .chain(HISTORY_FILES)
            .map(str::to_string)
            .chain(std::iter::once(self.record_path()))
            .collect()
    }

    /// The commit this command made for this version, if it exists: the tag's commit when the
    /// tag exists, else HEAD — when it is "Release version X.Y.Z" and changed only the files a
    /// release edits.
    pub fn release_commit(&self) -> anyhow::Result<Option<String>> {
        let candidate = match self.repo.tag_target(&self.tag)? {
            Some(commit) => commit,
            None => match self.repo.head()? {
                Some(head) => head,
                None => return Ok(None),
            },
        };
        if self.repo.subject(&candidate)? != self.message {
            return Ok(None);
        }
        let prefix = self.repo.prefix()?;
        let files = self.release_files();
        let ours = |path: &str| {
            path.strip_prefix(prefix.as_str())
                .is_some_and(|path| files.iter().any(|file| file == path))
        };
        let changed = self.repo.changed_files(&candidate)?;
        Ok(changed.iter().all(|path| ours(path)).then_some(candidate))
    }
}
