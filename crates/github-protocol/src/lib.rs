//! The messages between `cargo xtask` and its `xtask-github` binary, typed and versioned.
//!
//! `xtask` runs `xtask-github <command>` with one JSON [`ReleaseSpec`] on stdin and reads one
//! JSON [`Reply`] from stdout. Both binaries build on this crate (serde only, so `xtask` stays
//! free of the GitHub stack), and each message carries [`PROTOCOL`]: a binary built from
//! another checkout is refused with a hint to rebuild, never half-understood.
//!
//! Room to grow: [`Request`] is an enum. Today it is the release steps (`check`, `plan`,
//! `publish`); reading releases, assets and milestones (post-release) and editing an existing
//! release or moving "latest" (rollback) are further variants with their own specs.

mod amend;
pub mod reads;
pub mod rules;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use amend::{
    AmendCommand, AmendReply, EditSpec, IssueRef, IssueSpec, LookupSpec, Repository, TagRelease,
};

/// The version of these messages. Bump it whenever a message changes shape or meaning.
/// 2: the post-release requests ([`reads`]), the rollback ones ([`AmendCommand`]) and their
/// reply fields.
pub const PROTOCOL: u32 = 2;

/// Exit code and `exit_code` of a refusal: nothing was changed on GitHub.
pub const EXIT_REFUSED: i32 = 2;
/// Exit code of a failure part-way (or GitHub kept failing): re-running resumes.
pub const EXIT_FAILED: i32 = 3;

/// The hint for any protocol mismatch.
pub const REBUILD_HINT: &str = "rebuild xtask-github from this checkout: cargo build -p github --bin xtask-github (or unset XTASK_GITHUB_BIN)";

/// What `xtask-github` is asked to do: the command on its argv, the spec on stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Token, repository, and the release state for the tag. Changes nothing.
    Check(ReleaseSpec),
    /// The actions `publish` would take now. Changes nothing.
    Plan(ReleaseSpec),
    /// Carry out the plan, resuming whatever a previous run left.
    Publish(ReleaseSpec),
}

/// The argv word of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Check,
    Plan,
    Publish,
}

impl Command {
    pub const ALL: [Command; 3] = [Command::Check, Command::Plan, Command::Publish];

    pub fn parse(name: &str) -> Option<Command> {
        Command::ALL
            .into_iter()
            .find(|command| command.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Plan => "plan",
            Command::Publish => "publish",
        }
    }

    /// Only `publish` changes anything on GitHub.
    pub fn changes_github(self) -> bool {
        self == Command::Publish
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Request {
    /// The request for `command` with `spec` (what the binary reads from argv and stdin).
    pub fn new(command: Command, spec: ReleaseSpec) -> Request {
        match command {
            Command::Check => Request::Check(spec),
            Command::Plan => Request::Plan(spec),
            Command::Publish => Request::Publish(spec),
        }
    }

    pub fn command(&self) -> Command {
        match self {
            Request::Check(_) => Command::Check,
            Request::Plan(_) => Command::Plan,
            Request::Publish(_) => Command::Publish,
        }
    }

    pub fn spec(&self) -> &ReleaseSpec {
        match self {
            Request::Check(spec) | Request::Plan(spec) | Request::Publish(spec) => spec,
        }
    }
}

/// The release for a tag, as `xtask` wants it on GitHub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    /// [`PROTOCOL`] of the sender; absent from hand-written requests (accepted as current).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u32>,
    /// Defaults to `GITHUB_API_URL`, then `https://api.github.com`.
    #[serde(default)]
    pub api_url: Option<String>,
    /// An override only: uploads go to the `upload_url` of the release object GitHub returns.
    #[serde(default)]
    pub uploads_url: Option<String>,
    pub owner: String,
    pub repo: String,
    pub tag: String,
    pub name: String,
    #[serde(default)]
    pub body: String,
    pub target_commitish: String,
    #[serde(default)]
    pub prerelease: bool,
    /// Whether publishing makes it the repository's latest release: explicit, because a
    /// hotfix of an older line must not become latest.
    pub make_latest: bool,
    #[serde(default)]
    pub assets: Vec<AssetSpec>,
}

impl ReleaseSpec {
    /// Refuses a spec from another protocol version (`None`: a hand-written request).
    pub fn check_protocol(&self) -> Result<(), Mismatch> {
        check_sender(self.protocol)
    }
}

/// Refuses a request naming another protocol version (`None`: a hand-written request).
pub(crate) fn check_sender(theirs: Option<u32>) -> Result<(), Mismatch> {
    match theirs {
        Some(theirs) if theirs != PROTOCOL => Err(Mismatch {
            theirs: Some(theirs),
        }),
        _ => Ok(()),
    }
}

/// A file to upload as a release asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    pub path: PathBuf,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// The other side speaks another protocol version (`None`: one from before versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mismatch {
    pub theirs: Option<u32>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.theirs {
            Some(theirs) => write!(
                f,
                "xtask-github protocol mismatch: the other side speaks version {theirs}, this one {PROTOCOL}"
            ),
            None => write!(
                f,
                "xtask-github protocol mismatch: the other side names no protocol version (built before versions), this one speaks {PROTOCOL}"
            ),
        }
    }
}

impl std::error::Error for Mismatch {}

/// One JSON document on stdout, for every command and outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// [`PROTOCOL`] of the binary that wrote it.
    #[serde(default)]
    pub protocol: Option<u32>,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The cause, one line (on failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The next action, one line (on failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_push: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseState>,
    /// `plan`: every action is a skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_date: Option<bool>,
    /// `plan`: what `publish` would do now, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<Action>>,
    /// `publish` (and any failure): what was carried out, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performed: Option<Vec<Action>>,
    /// `release` ([`reads::ReadCommand::Release`]): the tag of the repository's latest
    /// release; absent when it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_tag: Option<String>,
    /// `download`: each asset written, in the order asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downloaded: Option<Vec<reads::Downloaded>>,
    /// `milestones`: every milestone, open and closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<reads::MilestoneInfo>>,
    /// `milestone-issues`: the open issues and pull requests of the milestone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issues: Option<Vec<reads::IssueInfo>>,
    /// `close-milestone`, `create-milestone`: the milestone afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<reads::MilestoneInfo>,
    /// The [`AmendCommand`]s' answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amend: Option<AmendReply>,
}

impl Reply {
    /// Refuses a reply from another protocol version.
    pub fn check_protocol(&self) -> Result<(), Mismatch> {
        match self.protocol {
            Some(PROTOCOL) => Ok(()),
            theirs => Err(Mismatch { theirs }),
        }
    }
}

/// The release GitHub has for a tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReleaseState {
    None,
    Draft(RemoteRelease),
    Published(RemoteRelease),
}

impl ReleaseState {
    pub fn of(release: Option<&RemoteRelease>) -> ReleaseState {
        match release {
            None => ReleaseState::None,
            Some(release) if release.draft => ReleaseState::Draft(release.clone()),
            Some(release) => ReleaseState::Published(release.clone()),
        }
    }

    pub fn is_published(&self) -> bool {
        matches!(self, ReleaseState::Published(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRelease {
    pub id: u64,
    pub tag: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub target_commitish: String,
    pub immutable: bool,
    pub html_url: String,
    /// Where this release's assets are uploaded (the `{?name,label}` template stripped).
    #[serde(default)]
    pub upload_url: String,
    pub assets: Vec<RemoteAsset>,
}

impl RemoteRelease {
    pub fn asset(&self, name: &str) -> Option<&RemoteAsset> {
        self.assets.iter().find(|asset| asset.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteAsset {
    pub id: u64,
    pub name: String,
    pub size: u64,
    /// `sha256:<hex>`; older GitHub Enterprise servers do not report one.
    pub digest: Option<String>,
}

/// A field of a draft that differs from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftField {
    Name,
    Body,
    Prerelease,
    TargetCommitish,
}

impl DraftField {
    pub fn name(self) -> &'static str {
        match self {
            DraftField::Name => "name",
            DraftField::Body => "body",
            DraftField::Prerelease => "prerelease",
            DraftField::TargetCommitish => "target_commitish",
        }
    }
}

/// Why an existing asset counts as the local file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkipReason {
    #[serde(rename = "same size and sha256 digest")]
    SameDigest,
    /// Older GitHub Enterprise servers report no digest: the size is all there is.
    #[serde(rename = "same size; GitHub reports no digest")]
    SameSizeNoDigest,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::SameDigest => "same size and sha256 digest",
            SkipReason::SameSizeNoDigest => "same size; GitHub reports no digest",
        })
    }
}

/// One step of publishing; [`fmt::Display`] is the one way it is shown, in both binaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    CreateDraft {
        tag: String,
    },
    UpdateDraft {
        fields: Vec<DraftField>,
    },
    Upload {
        name: String,
        size: u64,
        digest: String,
    },
    Skip {
        name: String,
        reason: SkipReason,
    },
    /// Delete the draft's differing asset; the next plan then uploads the local file.
    Replace {
        name: String,
        size: u64,
        digest: String,
    },
    Publish {
        make_latest: bool,
    },
}

impl Action {
    pub fn is_skip(&self) -> bool {
        matches!(self, Action::Skip { .. })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::CreateDraft { tag } => write!(f, "create draft release {tag}"),
            Action::UpdateDraft { fields } => {
                let names: Vec<&str> = fields.iter().map(|field| field.name()).collect();
                write!(f, "update draft ({})", names.join(", "))
            }
            Action::Upload { name, size, .. } => write!(f, "upload {name} ({size} bytes)"),
            Action::Skip { name, reason } => write!(f, "skip {name} ({reason})"),
            Action::Replace { name, .. } => {
                write!(f, "replace {name} (delete the differing asset)")
            }
            Action::Publish { make_latest } => write!(f, "publish (make_latest={make_latest})"),
        }
    }
}
