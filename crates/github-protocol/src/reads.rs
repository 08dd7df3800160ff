//! The requests of `cargo xtask post-release`: read a release and the repository's latest,
//! download assets (streamed to files), list milestones and the open issues of one, close or
//! create a milestone.
//!
//! Each is `xtask-github <word>` ([`ReadCommand::name`]) with one [`RepoSpec`] on stdin, whose
//! `request` is the kind's own payload, and a [`crate::Reply`] on stdout with the kind's
//! fields filled in (see each variant).

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{Mismatch, Repository};

/// The argv word of a post-release request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadCommand {
    /// [`TagQuery`] → `release` (drafts included, assets listed) and `latest_tag`.
    Release,
    /// [`DownloadQuery`] → `downloaded`: each asset streamed into `dir/<name>`.
    Download,
    /// [`NoQuery`] → `milestones`: every milestone, open and closed.
    Milestones,
    /// [`MilestoneRef`] → `issues`: the milestone's open issues and pull requests.
    MilestoneIssues,
    /// [`MilestoneRef`] → `milestone`, closed (already closed: unchanged).
    CloseMilestone,
    /// [`NewMilestone`] → `milestone`, open (one of that title already there: that one).
    CreateMilestone,
}

impl ReadCommand {
    pub const ALL: [ReadCommand; 6] = [
        ReadCommand::Release,
        ReadCommand::Download,
        ReadCommand::Milestones,
        ReadCommand::MilestoneIssues,
        ReadCommand::CloseMilestone,
        ReadCommand::CreateMilestone,
    ];

    pub fn parse(name: &str) -> Option<ReadCommand> {
        ReadCommand::ALL
            .into_iter()
            .find(|command| command.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            ReadCommand::Release => "release",
            ReadCommand::Download => "download",
            ReadCommand::Milestones => "milestones",
            ReadCommand::MilestoneIssues => "milestone-issues",
            ReadCommand::CloseMilestone => "close-milestone",
            ReadCommand::CreateMilestone => "create-milestone",
        }
    }

    /// Only closing and creating milestones change anything on GitHub.
    pub fn changes_github(self) -> bool {
        matches!(
            self,
            ReadCommand::CloseMilestone | ReadCommand::CreateMilestone
        )
    }
}

impl fmt::Display for ReadCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The repository a request is about, and the kind's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoSpec<T> {
    /// [`PROTOCOL`] of the sender; absent from hand-written requests (accepted as current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
    /// Defaults to `GITHUB_API_URL`, then `https://api.github.com`.
    #[serde(default)]
    pub api_url: Option<String>,
    pub owner: String,
    pub repo: String,
    pub request: T,
}

impl<T> RepoSpec<T> {
    /// Refuses a spec from another protocol version (`None`: a hand-written request).
    pub fn check_protocol(&self) -> Result<(), Mismatch> {
        crate::check_sender(self.protocol)
    }

    /// The repository part, as the amend specs carry it.
    pub fn repository(&self) -> Repository {
        Repository {
            protocol: self.protocol,
            api_url: self.api_url.clone(),
            owner: self.owner.clone(),
            repo: self.repo.clone(),
        }
    }
}

/// The release of one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagQuery {
    pub tag: String,
}

/// Assets to download, by id, into `dir` under their names. Each is streamed to a temporary
/// file beside its final name and renamed into place once whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadQuery {
    pub dir: PathBuf,
    pub assets: Vec<AssetRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetRef {
    pub id: u64,
    /// A file name (no `/`).
    pub name: String,
}

/// No payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

/// A milestone by its `number` (GitHub's paths use the number, not the id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRef {
    pub number: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMilestone {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One downloaded asset: what was written, measured while streaming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Downloaded {
    pub id: u64,
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>` of the bytes written.
    pub digest: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MilestoneState {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneInfo {
    pub number: u64,
    pub title: String,
    pub state: MilestoneState,
    pub open_issues: u64,
    pub closed_issues: u64,
    pub html_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueInfo {
    pub number: u64,
    pub title: String,
    pub html_url: String,
    /// A pull request (GitHub lists them among the issues).
    pub pull_request: bool,
}
