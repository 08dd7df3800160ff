//! What the post-release items judge, gathered once: the release commit and the tag on origin
//! (after `git fetch`), the GitHub release with its assets and the repository's latest, the
//! assets downloaded (streamed by `xtask-github download`), and the milestones.
//!
//! A fact that cannot be had is an `Err(cause)`: the first item that needs it is blocked with
//! that cause, the others name that item (one reason per root cause).

use std::path::{Path, PathBuf};

use git::RemoteTag;
use github_protocol::reads::{
    AssetRef, DownloadQuery, Downloaded, MilestoneInfo, NoQuery, ReadCommand, RepoSpec, TagQuery,
};
use github_protocol::{ReleaseState, RemoteRelease, Reply, PROTOCOL};
use semver::Version;

use super::Options;
use crate::release::core::{call_read, github, Release};

pub struct Facts {
    pub r: Release,
    pub opts: Options,
    /// The commit "Release version X.Y.Z" on `<remote>/<branch>`.
    pub release_commit: Result<String, String>,
    /// The tag as origin has it (`None`: absent), and every release tag origin has.
    pub origin_tag: Result<Option<RemoteTag>, String>,
    pub origin_versions: Vec<Version>,
    pub github: Result<Github, String>,
    /// The assets, downloaded: `Err` when there is no release to download from.
    pub assets: Result<Assets, String>,
}

pub struct Github {
    pub owner: String,
    pub repo: String,
    pub api_url: Option<String>,
    /// The release of the tag, drafts included.
    pub release: Option<RemoteRelease>,
    pub latest_tag: Option<String>,
    pub milestones: Result<Vec<MilestoneInfo>, String>,
}

impl Github {
    pub fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// The request for `command` about this repository.
    pub fn spec<T>(&self, request: T) -> RepoSpec<T> {
        RepoSpec {
            protocol: Some(PROTOCOL),
            api_url: self.api_url.clone(),
            owner: self.owner.clone(),
            repo: self.repo.clone(),
            request,
        }
    }

    /// `xtask-github <command>`: the reply, or the cause and fix it gave.
    pub fn call<T: serde::Serialize>(
        &self,
        command: ReadCommand,
        request: T,
    ) -> anyhow::Result<Result<Reply, String>> {
        let (code, reply) = call_read(command, &self.spec(request))?;
        Ok(match code {
            0 => Ok(reply),
            _ => Err(format!(
                "xtask-github {command}: {} ({})",
                github::cause(&reply),
                github::fix(&reply)
            )),
        })
    }
}

/// The downloaded assets: those SHA256SUMS lists (and SHA256SUMS) in `archive/`, the others
/// in `extra/`.
pub struct Assets {
    pub archive_dir: PathBuf,
    pub extra_dir: PathBuf,
    pub files: Vec<Downloaded>,
    /// SHA256SUMS as downloaded: `(hex, name)` lines; `None` when the release has none.
    pub sums: Option<Vec<(String, String)>>,
}

impl Facts {
    pub fn gather(r: Release, opts: Options, work: &Path) -> anyhow::Result<Facts> {
        let fetched = r
            .repo
            .fetch(&r.remote)
            .map_err(|err| format!("git fetch {}: {err}", r.remote));
        let release_commit = fetched.clone().and_then(|()| release_commit(&r));
        let origin_tags = fetched.and_then(|()| {
            r.repo
                .remote_tags(&r.remote)
                .map_err(|err| format!("git ls-remote --tags {}: {err}", r.remote))
        });
        let origin_tag = origin_tags
            .as_ref()
            .map(|tags| tags.iter().find(|tag| tag.name == r.tag).cloned())
            .map_err(Clone::clone);
        let origin_versions = origin_tags
            .iter()
            .flatten()
            .filter_map(|tag| Version::parse(tag.name.strip_prefix('v')?).ok())
            .collect();
        let github = read_github(&r)?;
        let assets = match &github {
            Err(_) => Err("the GitHub release could not be read".to_string()),
            Ok(gh) => match &gh.release {
                None => Err(format!("there is no GitHub release for {}", r.tag)),
                Some(release) => download(gh, release, work)?,
            },
        };
        Ok(Facts {
            r,
            opts,
            release_commit,
            origin_tag,
            origin_versions,
            github,
            assets,
        })
    }

    /// The commit origin's tag names (for the report's `commit`).
    pub fn tag_commit(&self) -> Option<&str> {
        match &self.origin_tag {
            Ok(Some(tag)) => Some(tag.commit.as_str()),
            _ => None,
        }
    }

    /// The release from GitHub, or why the items about it cannot run.
    pub fn release(&self) -> Result<(&Github, Option<&RemoteRelease>), String> {
        match &self.github {
            Ok(gh) => Ok((gh, gh.release.as_ref())),
            Err(cause) => Err(cause.clone()),
        }
    }
}

/// The commit with the subject "Release version X.Y.Z" on `<remote>/<branch>`, newest first.
fn release_commit(r: &Release) -> Result<String, String> {
    let branch = format!("refs/remotes/{}/{}", r.remote, r.branch);
    let log = r
        .repo
        .git(&["log", "--format=%H %s", &branch])
        .map_err(|err| format!("{} has no branch {}: {err}", r.remote, r.branch))?;
    log.lines()
        .find_map(|line| {
            let (commit, subject) = line.split_once(' ')?;
            (subject == r.message).then(|| commit.to_string())
        })
        .ok_or_else(|| format!("{}/{} has no commit \"{}\"", r.remote, r.branch, r.message))
}

/// The release, the latest tag and the milestones, or why GitHub cannot be read.
fn read_github(r: &Release) -> anyhow::Result<Result<Github, String>> {
    // The same reading (and validation) of the token, repository and URLs as `release`.
    let target = match github::target(r, None) {
        Ok(target) => target,
        Err(problems) => {
            let causes: Vec<String> = problems.iter().map(|p| p.cause.clone()).collect();
            return Ok(Err(causes.join("; ")));
        }
    };
    let mut gh = Github {
        owner: target.owner,
        repo: target.repo,
        api_url: target.api_url,
        release: None,
        latest_tag: None,
        milestones: Err(String::new()),
    };
    let reply = match gh.call(ReadCommand::Release, TagQuery { tag: r.tag.clone() })? {
        Ok(reply) => reply,
        Err(cause) => return Ok(Err(cause)),
    };
    gh.release = match reply.release {
        Some(ReleaseState::Draft(release) | ReleaseState::Published(release)) => Some(release),
        _ => None,
    };
    gh.latest_tag = reply.latest_tag;
    gh.milestones = gh
        .call(ReadCommand::Milestones, NoQuery {})?
        .map(|reply| reply.milestones.unwrap_or_default());
    Ok(Ok(gh))
}

/// Downloads SHA256SUMS first, then the assets it lists into `archive/` (where
/// `archive::verify` rebuilds them) and every other asset into `extra/`.
fn download(
    gh: &Github,
    release: &RemoteRelease,
    work: &Path,
) -> anyhow::Result<Result<Assets, String>> {
    let (archive_dir, extra_dir) = (work.join("archive"), work.join("extra"));
    for dir in [&archive_dir, &extra_dir] {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
    }
    let get = |dir: &Path, names: Vec<&str>| -> anyhow::Result<Result<Vec<Downloaded>, String>> {
        let assets: Vec<AssetRef> = release
            .assets
            .iter()
            .filter(|asset| names.contains(&asset.name.as_str()))
            .map(|asset| AssetRef {
                id: asset.id,
                name: asset.name.clone(),
            })
            .collect();
        if assets.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let query = DownloadQuery {
            dir: dir.to_path_buf(),
            assets,
        };
        Ok(gh
            .call(ReadCommand::Download, query)?
            .map(|reply| reply.downloaded.unwrap_or_default()))
    };
    let mut files = match get(&archive_dir, vec![archive::SHA256SUMS])? {
        Ok(files) => files,
        Err(cause) => return Ok(Err(cause)),
    };
    let sums = match files.first() {
        Some(_) => {
            let text = std::fs::read_to_string(archive_dir.join(archive::SHA256SUMS))?;
            Some(parse_sums(&text))
        }
        None => None,
    };
    let listed = |name: &str| {
        sums.iter()
            .flatten()
            .any(|(_, listed)| listed.as_str() == name)
    };
    let (archived, extra): (Vec<&str>, Vec<&str>) = release
        .assets
        .iter()
        .map(|asset| asset.name.as_str())
        .filter(|name| *name != archive::SHA256SUMS)
        .partition(|name| listed(name));
    for (dir, names) in [(&archive_dir, archived), (&extra_dir, extra)] {
        match get(dir, names)? {
            Ok(more) => files.extend(more),
            Err(cause) => return Ok(Err(cause)),
        }
    }
    Ok(Ok(Assets {
        archive_dir,
        extra_dir,
        files,
        sums,
    }))
}

/// `<hex>  <name>` lines (`sha256sum`'s format; a `*` before the name marks binary mode).
pub fn parse_sums(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let (hex, name) = line.split_once(' ')?;
            let name = name.trim_start_matches(' ').trim_start_matches('*');
            Some((hex.to_string(), name.to_string()))
        })
        .collect()
}
