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

use xtask::exit::Exit;

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
    /// `--title NAME`: the GitHub release is titled `Version X.Y.Z - NAME`.
    pub title: Option<String>,
    /// `--sign-off ROLE:NAME|ID` (repeatable), passed to the gate it runs.
    pub sign_offs: Vec<String>,
    /// Show the gate's progress (a line per finished check) on stderr: human output.
    pub progress: bool,
}

/// The release a release follows when that is not simply the latest tag (a hotfix of an older
/// line follows the release it patches).
#[derive(Debug, Clone)]
pub struct Previous {
    /// Its version: the release kind (Patch, …) is measured from it.
    pub version: Version,
    /// Where the release's own commits start: notes are drafted from `rev..HEAD`.
    pub rev: String,
}

/// The longest `--title` name, in characters: GitHub shows release titles on one line.
pub const MAX_TITLE_NAME: usize = 100;

/// The GitHub release's title, as the checklist writes it: `Version X.Y.Z`, or
/// `Version X.Y.Z - Release Name` with `--title "Release Name"`.
pub fn release_title(version: &Version, name: Option<&str>) -> String {
    match name.map(str::trim).filter(|name| !name.is_empty()) {
        Some(name) => format!("Version {version} - {name}"),
        None => format!("Version {version}"),
    }
}

/// `--title NAME`: one line of printable text, not empty, at most [`MAX_TITLE_NAME`]
/// characters. The cause when it is not.
pub fn check_title_name(name: &str) -> Result<(), String> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("--title is empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "--title {name:?} is not one line of text (it holds a newline or control character)"
        ));
    }
    let count = trimmed.chars().count();
    if count > MAX_TITLE_NAME {
        return Err(format!(
            "--title is {count} characters long, more than {MAX_TITLE_NAME}"
        ));
    }
    Ok(())
}

/// The name part of a title [`release_title`] makes for `version`: `Some(None)` for
/// `Version X.Y.Z`, `Some(Some(name))` for `Version X.Y.Z - name` with a valid name, `None`
/// for any other title.
pub fn title_name<'a>(version: &Version, title: &'a str) -> Option<Option<&'a str>> {
    let plain = format!("Version {version}");
    let rest = title.strip_prefix(&plain)?;
    if rest.is_empty() {
        return Some(None);
    }
    let name = rest.strip_prefix(" - ")?;
    (check_title_name(name).is_ok() && name == name.trim()).then_some(Some(name))
}

/// The longest tag a release accepts (see [`Release::new`]).
pub const MAX_TAG_LEN: usize = 128;

/// `--date YYYY-MM-DD`: a real day of the Gregorian calendar (no 2026-02-30).
pub fn check_date(date: &str) -> Result<String, Exit> {
    let refused = |why: &str| {
        Exit::refused(
            format!("--date {date:?} {why}"),
            "pass a real day as YYYY-MM-DD, e.g. --date 2026-02-28 (or leave it out for today)",
        )
    };
    let parts: Vec<&str> = date.split('-').collect();
    let digits = |part: &str, len: usize| {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let [y, m, d] = parts[..] else {
        return Err(refused("is not YYYY-MM-DD"));
    };
    let (Some(year), Some(month), Some(day)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else {
        return Err(refused("is not YYYY-MM-DD"));
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(refused("has no such month")),
    };
    if day == 0 || day > days {
        return Err(refused(&format!(
            "has no such day: month {month} of {year} has {days} days"
        )));
    }
    Ok(date.to_string())
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
    /// `None`: the release follows the latest release tag. `Some`: it follows this one (a
    /// hotfix); its notes are then drafted from its own commits, the Unreleased section is left
    /// for the next release, and its CHANGELOG section goes in version order.
    pub previous: Option<Previous>,
    /// The command cutting it, as its output and the release record name it (`release`,
    /// `hotfix finish`).
    pub command: &'static str,
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
        let date = match date {
            Some(date) => check_date(&date)?,
            None => runner::rfc3339_utc(now)[..10].to_string(),
        };
        let tag = format!("v{version}");
        // The longest file name made of the tag: `<project>-vX.Y.Z-<group>.tar.gz` and
        // `vX.Y.Z.verify-deploy.log` must fit in a file name (255 bytes on every common file
        // system); a project name and group take at most about 100 of them.
        if tag.len() > MAX_TAG_LEN {
            return Err(Exit::refused(
                format!(
                    "the tag {}… is {} bytes long: the release's file names would exceed 255 bytes",
                    &tag[..24],
                    tag.len()
                ),
                format!("choose a version whose tag has at most {MAX_TAG_LEN} bytes"),
            )
            .into());
        }
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
            previous: None,
            command: "release",
        })
    }

    /// The latest release tag of the repository and its version, if any (unreadable: none).
    pub fn latest_release(&self) -> Option<(Version, String)> {
        self.repo.latest_release_tag().ok().flatten()
    }

    /// Major, Minor, Patch or Pre-release, measured from the release it follows.
    pub fn kind(&self) -> ReleaseKind {
        if let Some(previous) = &self.previous {
            return changelog::history::release_kind(Some(&previous.version), &self.version);
        }
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
    /// tag exists (or the release commit a tagged merge holds, see [`Release::tag_commit`]),
    /// else HEAD — when it is one this command would have made (see
    /// [`Release::is_release_commit`]).
    pub fn release_commit(&self) -> anyhow::Result<Option<String>> {
        let candidate = match self.repo.tag_target(&self.tag)? {
            Some(commit) => self.merged_release(&commit)?.unwrap_or(commit),
            None => match self.repo.head()? {
                Some(head) => head,
                None => return Ok(None),
            },
        };
        Ok(self.is_release_commit(&candidate)?.then_some(candidate))
    }

    /// Strict recognition of this command's own release commit: the subject is "Release
    /// version X.Y.Z"; its diff is exactly the release's files (the release record included,
    /// nothing else); pyproject.toml (and uv.lock) hold what this release writes from the
    /// parent's files, byte for byte; CHANGELOG.md has the section for this version. A
    /// hand-made commit with the same subject is not taken for ours.
    pub fn is_release_commit(&self, candidate: &str) -> anyhow::Result<bool> {
        if self.repo.subject(candidate)? != self.message {
            return Ok(false);
        }
        let prefix = self.repo.prefix()?;
        let files = self.release_files();
        let changed: Vec<String> = self.repo.changed_files(candidate)?;
        let mut relative = Vec::new();
        for path in &changed {
            match path.strip_prefix(prefix.as_str()) {
                Some(path) if files.iter().any(|file| file == path) => relative.push(path),
                _ => return Ok(false),
            }
        }
        if !relative.contains(&self.record_path().as_str()) {
            return Ok(false);
        }
        let parent = format!("{candidate}^");
        let at = |rev: &str, path: &str| self.repo.show_file(rev, path).ok().flatten();
        let (Some(before), Some(after)) = (at(&parent, PYPROJECT), at(candidate, PYPROJECT)) else {
            return Ok(false);
        };
        let Ok(pyproject) = project::version::Pyproject::parse(&before) else {
            return Ok(false);
        };
        if pyproject.with_version(&self.version).ok().as_deref() != Some(after.as_str()) {
            return Ok(false);
        }
        if let (Some(before), Some(after)) = (at(&parent, UV_LOCK), at(candidate, UV_LOCK)) {
            let expected =
                project::version::uv_lock_with_version(&before, pyproject.name(), &self.version);
            if expected.ok().as_deref() != Some(after.as_str()) {
                return Ok(false);
            }
        }
        let changelog = at(candidate, CHANGELOG).unwrap_or_default();
        Ok(changelog::extract(&changelog, &self.version).is_some())
    }

    /// When `commit` merged a "Release version X.Y.Z" commit (its second parent) and holds
    /// exactly its tree, that release commit: a hotfix merged back into an unmoved branch.
    fn merged_release(&self, commit: &str) -> anyhow::Result<Option<String>> {
        let parents = self.repo.parents(commit)?;
        let [_, merged] = parents.as_slice() else {
            return Ok(None);
        };
        let exact = self.repo.subject(merged)? == self.message
            && self.repo.tree(merged)? == self.repo.tree(commit)?;
        Ok(exact.then(|| merged.clone()))
    }

    /// True when the branch `tip` is the release commit or merged it (as its second parent).
    pub fn branch_has(&self, tip: &str, release: &str) -> anyhow::Result<bool> {
        Ok(tip == release || self.repo.parents(tip)?.get(1).map(String::as_str) == Some(release))
    }

    /// The commit the tag names: the release commit, or the merge that brought it onto the
    /// branch when that merge holds exactly the release's tree (a hotfix merged into a branch
    /// that had not moved since its base: the checklist tags after merging). The tag always
    /// names the tree that was tested.
    pub fn tag_commit(&self) -> anyhow::Result<Option<String>> {
        let Some(release) = self.release_commit()? else {
            return Ok(None);
        };
        if let Some(tip) = self.repo.resolve(&format!("refs/heads/{}", self.branch))? {
            if self.merged_release(&tip)?.as_deref() == Some(release.as_str()) {
                return Ok(Some(tip));
            }
        }
        Ok(Some(release))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_release_makes_are_the_ones_it_accepts() {
        let v = Version::new(1, 2, 3);
        assert_eq!(release_title(&v, None), "Version 1.2.3");
        assert_eq!(release_title(&v, Some("  ")), "Version 1.2.3");
        assert_eq!(
            release_title(&v, Some(" Spring Cleaning ")),
            "Version 1.2.3 - Spring Cleaning"
        );
        assert_eq!(title_name(&v, "Version 1.2.3"), Some(None));
        assert_eq!(
            title_name(&v, "Version 1.2.3 - Spring Cleaning"),
            Some(Some("Spring Cleaning"))
        );
        for other in [
            "Version 1.2.30",
            "Version 1.2.3 -",
            "Version 1.2.3 - ",
            "Version 1.2.3 -  padded",
            "Version 1.2.3 - two\nlines",
            "Version 1.2.4 - Spring Cleaning",
            "v1.2.3",
        ] {
            assert_eq!(title_name(&v, other), None, "{other:?}");
        }
        assert!(check_title_name(&"x".repeat(MAX_TITLE_NAME)).is_ok());
        assert!(check_title_name(&"x".repeat(MAX_TITLE_NAME + 1)).is_err());
        assert!(check_title_name("tab\there").is_err());
    }
}
