//! Requests about what already exists on GitHub (rollback): look releases, "latest" and an
//! issue up; edit an existing release's title, body or "latest"; open an issue once. Their
//! own argv words ([`AmendCommand`]) and specs, beside the release steps' [`crate::Request`].

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Mismatch, ReleaseState};

/// The argv word of an amend request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmendCommand {
    /// [`LookupSpec`]: releases of some tags, the latest release, an issue by title. Changes nothing.
    Lookup,
    /// [`EditSpec`]: set fields of the release of a tag (only those that differ).
    EditRelease,
    /// [`IssueSpec`]: open an issue unless one with the same title exists, in any state.
    OpenIssue,
}

impl AmendCommand {
    pub const ALL: [AmendCommand; 3] = [
        AmendCommand::Lookup,
        AmendCommand::EditRelease,
        AmendCommand::OpenIssue,
    ];

    pub fn parse(name: &str) -> Option<AmendCommand> {
        AmendCommand::ALL
            .into_iter()
            .find(|command| command.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            AmendCommand::Lookup => "lookup",
            AmendCommand::EditRelease => "edit-release",
            AmendCommand::OpenIssue => "open-issue",
        }
    }

    pub fn changes_github(self) -> bool {
        self != AmendCommand::Lookup
    }
}

impl fmt::Display for AmendCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The repository an amend request is about (every spec starts with it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repository {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
    /// Defaults to `GITHUB_API_URL`, then `https://api.github.com`.
    #[serde(default)]
    pub api_url: Option<String>,
    pub owner: String,
    pub repo: String,
}

impl Repository {
    /// Refuses a spec from another protocol version (`None`: a hand-written request).
    pub fn check_protocol(&self) -> Result<(), Mismatch> {
        crate::check_sender(self.protocol)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupSpec {
    pub repository: Repository,
    /// The tags whose releases to report (drafts included).
    #[serde(default)]
    pub tags: Vec<String>,
    /// An issue (not a pull request) with exactly this title, in any state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditSpec {
    pub repository: Repository,
    pub tag: String,
    /// The new title; `None` leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The new body; `None` leaves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// `true`: this release becomes the repository's latest (it must be published and not a
    /// pre-release); `false` is not sent (GitHub picks another only when told which).
    #[serde(default)]
    pub make_latest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueSpec {
    pub repository: Repository,
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// An issue as the reply shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRef {
    pub number: u64,
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    pub html_url: String,
}

/// The release of one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRelease {
    pub tag: String,
    pub release: ReleaseState,
}

/// What an amend request found (and, for the changing ones, left).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendReply {
    /// `lookup`: one entry per requested tag, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub releases: Vec<TagRelease>,
    /// The tag of the repository's latest release (`None`: it has none).
    #[serde(default)]
    pub latest: Option<String>,
    /// `lookup` with an `issue_title`, `open-issue`: the issue with that title.
    #[serde(default)]
    pub issue: Option<IssueRef>,
    /// `edit-release`, `open-issue`: something was changed (false: it was already so).
    #[serde(default)]
    pub changed: bool,
}
