//! The fake's in-memory releases and their JSON, shaped like GitHub's (every field that
//! octocrab's `models::repos::{Release, Asset}` requires is present).

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const TIMESTAMP: &str = "2026-01-01T00:00:00Z";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub target_commitish: String,
    /// As last sent by a client ("true", "false", "legacy"); GitHub does not echo it back.
    pub make_latest: Option<String>,
    /// Set when a release is published while immutable releases are on.
    pub immutable: bool,
    pub assets: Vec<Asset>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    pub id: u64,
    pub name: String,
    pub label: Option<String>,
    pub content_type: String,
    pub size: u64,
    /// `"sha256:<hex>"`, as GitHub reports it.
    pub digest: String,
    pub content: Vec<u8>,
    pub state: String,
}

impl Release {
    /// A release to seed with [`crate::FakeGithub::add_release`].
    pub fn new(tag_name: &str, draft: bool) -> Release {
        Release {
            id: 0,
            tag_name: tag_name.to_string(),
            name: Some(tag_name.to_string()),
            body: Some(String::new()),
            draft,
            prerelease: false,
            target_commitish: "main".to_string(),
            make_latest: None,
            immutable: false,
            assets: Vec::new(),
        }
    }

    pub fn with_asset(mut self, name: &str, content: &[u8]) -> Release {
        self.assets.push(Asset::new(
            0,
            name,
            None,
            "application/octet-stream",
            content.to_vec(),
        ));
        self
    }
}

impl Asset {
    pub(crate) fn new(
        id: u64,
        name: &str,
        label: Option<String>,
        content_type: &str,
        content: Vec<u8>,
    ) -> Asset {
        Asset {
            id,
            name: name.to_string(),
            label,
            content_type: content_type.to_string(),
            size: content.len() as u64,
            digest: sha256_digest(&content),
            content,
            state: "uploaded".to_string(),
        }
    }
}

fn sha256_digest(content: &[u8]) -> String {
    let hash = Sha256::digest(content);
    let hex: String = hash.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256:{hex}")
}

/// An issue (or a pull request: GitHub lists them among the issues) of the fake repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Assigned by [`crate::FakeGithub::add_issue`] (or when opened through the API).
    pub number: u64,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    /// `open` or `closed`.
    pub state: String,
    /// The milestone's number.
    pub milestone: Option<u64>,
    /// Listed with a `pull_request` key.
    pub pull_request: bool,
}

impl Issue {
    /// An issue to seed with [`crate::FakeGithub::add_issue`]; `state` is `open` or `closed`.
    pub fn new(title: &str, state: &str) -> Issue {
        Issue {
            number: 0,
            title: title.to_string(),
            body: String::new(),
            labels: Vec::new(),
            state: state.to_string(),
            milestone: None,
            pull_request: false,
        }
    }

    pub fn in_milestone(mut self, number: u64) -> Issue {
        self.milestone = Some(number);
        self
    }

    pub fn pull_request(mut self) -> Issue {
        self.pull_request = true;
        self
    }
}

pub(crate) struct State {
    pub(crate) releases: Vec<Release>,
    pub(crate) immutable_releases: bool,
    pub(crate) issues: Vec<Issue>,
    /// Titles are unique; see `reads.rs`.
    pub(crate) milestones: Vec<crate::reads::Milestone>,
    /// The release last made latest by a client (`make_latest`, or publishing) or by hand
    /// ([`crate::FakeGithub::set_latest`]); else GitHub's rule applies: the newest published
    /// release that is not a pre-release (nor published with `make_latest: "false"`).
    pub(crate) explicit_latest: Option<u64>,
    next_id: u64,
    base_url: String,
}

impl State {
    pub(crate) fn new(base_url: String) -> State {
        State {
            releases: Vec::new(),
            immutable_releases: true,
            issues: Vec::new(),
            milestones: Vec::new(),
            explicit_latest: None,
            next_id: 1,
            base_url,
        }
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(crate) fn add_release(&mut self, mut release: Release) -> u64 {
        release.id = self.next_id();
        for asset in &mut release.assets {
            asset.id = self.next_id();
        }
        self.releases.push(release);
        self.releases.last().unwrap().id
    }

    /// The repository's latest release, as `GET /releases/latest` answers.
    pub(crate) fn latest(&self) -> Option<&Release> {
        let eligible = |release: &&Release| !release.draft && !release.prerelease;
        self.explicit_latest
            .and_then(|id| self.releases.iter().find(|release| release.id == id))
            .filter(eligible)
            .or_else(|| {
                self.releases
                    .iter()
                    .filter(eligible)
                    .rfind(|release| release.make_latest.as_deref() != Some("false"))
            })
    }

    pub(crate) fn issue_json(&self, repo_path: &str, issue: &Issue) -> Value {
        let number = issue.number;
        let milestone = issue
            .milestone
            .and_then(|n| self.milestones.iter().find(|m| m.number == n))
            .map(|m| crate::reads::milestone_json(repo_path, self, m));
        let mut json = json!({
            "id": number + 1000,
            "node_id": format!("I_{number}"),
            "number": number,
            "title": issue.title,
            "body": issue.body,
            "state": issue.state,
            "labels": issue.labels.iter().map(|name| json!({ "name": name })).collect::<Vec<_>>(),
            "url": format!("{}{}/repos/{repo_path}/issues/{number}", self.base_url, crate::routes::API_PREFIX),
            "html_url": format!("{}/{repo_path}/issues/{number}", self.base_url),
            "user": { "login": "octocat" },
            "milestone": milestone,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
        });
        if issue.pull_request {
            json["pull_request"] = json!({ "url": "https://api.github.invalid/pulls" });
        }
        json
    }

    pub(crate) fn release_mut(&mut self, id: u64) -> Option<&mut Release> {
        self.releases.iter_mut().find(|release| release.id == id)
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn release_json(&self, repo_path: &str, release: &Release) -> Value {
        let api = format!(
            "{}{}/repos/{repo_path}",
            self.base_url,
            crate::routes::API_PREFIX
        );
        let uploads = format!(
            "{}{}/repos/{repo_path}",
            self.base_url,
            crate::routes::UPLOADS_PREFIX
        );
        let id = release.id;
        let html_tag = if release.draft {
            format!("untagged-{id}")
        } else {
            release.tag_name.clone()
        };
        json!({
            "url": format!("{api}/releases/{id}"),
            "html_url": format!("{}/{repo_path}/releases/tag/{html_tag}", self.base_url),
            "assets_url": format!("{api}/releases/{id}/assets"),
            "upload_url": format!("{uploads}/releases/{id}/assets{{?name,label}}"),
            "tarball_url": format!("{api}/tarball/{}", release.tag_name),
            "zipball_url": format!("{api}/zipball/{}", release.tag_name),
            "id": id,
            "node_id": format!("RE_{id}"),
            "tag_name": release.tag_name,
            "target_commitish": release.target_commitish,
            "name": release.name,
            "body": release.body,
            "draft": release.draft,
            "prerelease": release.prerelease,
            "immutable": release.immutable,
            "created_at": TIMESTAMP,
            "published_at": if release.draft { Value::Null } else { json!(TIMESTAMP) },
            "author": null,
            "assets": release.assets.iter()
                .map(|asset| self.asset_json(repo_path, release, asset))
                .collect::<Vec<_>>(),
        })
    }

    pub(crate) fn asset_json(&self, repo_path: &str, release: &Release, asset: &Asset) -> Value {
        let id = asset.id;
        json!({
            "url": format!("{}{}/repos/{repo_path}/releases/assets/{id}", self.base_url, crate::routes::API_PREFIX),
            "browser_download_url": format!(
                "{}/{repo_path}/releases/download/{}/{}",
                self.base_url,
                utf8_percent_encode(&release.tag_name, NON_ALPHANUMERIC),
                utf8_percent_encode(&asset.name, NON_ALPHANUMERIC),
            ),
            "id": id,
            "node_id": format!("RA_{id}"),
            "name": asset.name,
            "label": asset.label,
            "state": asset.state,
            "content_type": asset.content_type,
            "size": asset.size,
            "digest": asset.digest,
            "download_count": 0,
            "created_at": TIMESTAMP,
            "updated_at": TIMESTAMP,
            "uploader": null,
        })
    }
}
