//! Everything that can stop a command, with the exit code and the fix to print.
//!
//! Messages name URLs, tags and asset names, never the token: the token lives only in
//! octocrab's auth header, and no variant can hold it.

use std::path::PathBuf;

pub use github_protocol::{EXIT_FAILED, EXIT_REFUSED};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset or empty")]
    MissingToken,
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A value from the environment or the request that GitHub cannot take (the token is never
    /// in `cause`, only its variable's name).
    #[error("{cause}")]
    Setting { cause: String, fix: String },
    #[error("{0}")]
    Protocol(github_protocol::Mismatch),
    #[error("reading asset {}: {source}", path.display())]
    ReadAsset {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{what}: GitHub rejected the token (401)")]
    TokenRejected { what: String },
    #[error("repository {repo} not found at {api_url}, or the token cannot see it")]
    RepoNotFound { repo: String, api_url: String },
    #[error("release {tag} is already published and its asset {name} differs from the local file")]
    PublishedAssetDiffers { tag: String, name: String },
    #[error("release {tag} is published and immutable but lacks the asset {name}")]
    PublishedMissingAsset { tag: String, name: String },
    #[error("{what}: GitHub answered {status}: {message}")]
    Api {
        what: String,
        status: u16,
        message: String,
    },
    #[error("{what}: gave up after {attempts} attempts in {seconds}s; last failure: {last}")]
    GaveUp {
        what: String,
        attempts: u32,
        seconds: u64,
        last: String,
    },
    #[error("{what}: unexpected answer from GitHub: {detail}")]
    Unexpected { what: String, detail: String },
    #[error("GitHub still shows `{action}` as needed right after it succeeded")]
    NoProgress { action: String },
    #[error("GitHub renamed the uploaded asset {name} to {renamed}")]
    Renamed { name: String, renamed: String },
    #[error("the asset {name} changed on disk while being uploaded")]
    AssetChanged { name: String },
    #[error("setting up the HTTP client: {0}")]
    Client(String),
    #[error("writing the download {}: {source}", path.display())]
    WriteDownload {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("release {tag} cannot be edited: {why}")]
    CannotEdit { tag: String, why: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::MissingToken
            | Error::InvalidRequest(_)
            | Error::Setting { .. }
            | Error::Protocol(_)
            | Error::CannotEdit { .. }
            | Error::ReadAsset { .. }
            | Error::TokenRejected { .. }
            | Error::RepoNotFound { .. }
            | Error::PublishedAssetDiffers { .. }
            | Error::PublishedMissingAsset { .. }
            | Error::Client(_) => EXIT_REFUSED,
            Error::Renamed { .. }
            | Error::Api { .. }
            | Error::GaveUp { .. }
            | Error::Unexpected { .. }
            | Error::NoProgress { .. }
            | Error::AssetChanged { .. }
            | Error::WriteDownload { .. } => EXIT_FAILED,
        }
    }

    /// What the person (or CI) should do about it, one line.
    pub fn fix(&self) -> String {
        match self {
            Error::MissingToken => {
                "export GITHUB_TOKEN (or GH_TOKEN) with a token that can write releases".into()
            }
            Error::InvalidRequest(_) => "fix the JSON request (see docs/github.md)".into(),
            Error::Setting { fix, .. } => fix.clone(),
            Error::Protocol(_) => github_protocol::REBUILD_HINT.into(),
            Error::CannotEdit { .. } => {
                "nothing was changed: publish the release first, or leave it as it is".into()
            }
            Error::ReadAsset { .. } => "build the assets first (`cargo xtask archive`)".into(),
            Error::TokenRejected { .. } => {
                "the token is invalid or expired: create a new one and export it as GITHUB_TOKEN"
                    .into()
            }
            Error::RepoNotFound { .. } => {
                "check owner/repo and GITHUB_API_URL, and that the token has access to the repository"
                    .into()
            }
            Error::PublishedAssetDiffers { .. } | Error::PublishedMissingAsset { .. } => {
                "a published release is not changed: release a new version instead".into()
            }
            Error::Renamed { .. } => {
                "rename the file to letters, digits, `.`, `-` and `_`, then delete the renamed asset"
                    .into()
            }
            Error::Client(_) => {
                "check GITHUB_API_URL (and GITHUB_UPLOADS_URL if set): each must be an http(s) URL"
                    .into()
            }
            // The cause decides the hint: waiting and re-running does not fix a permission.
            // Milestones are issues' business: that permission, not the releases' one.
            Error::Api { status: 403, message, what } if message.contains("not accessible") => {
                let scope = match what.contains("milestone") {
                    true => "issues",
                    false => "contents",
                };
                format!("the token lacks a permission: give it {scope}: write on the repository (in Actions: `permissions: {scope}: write`)")
            }
            Error::Api { status: 403, .. } => {
                "the token may lack contents: write, or a rate limit was hit: check both, then re-run".into()
            }
            Error::Api { status: 404, .. } => {
                "check owner/repo and GITHUB_API_URL, and that the token can see the repository"
                    .into()
            }
            Error::GaveUp { last, .. }
                if ["connection refused", "dns error", "failed to lookup", "Connection refused"]
                    .iter()
                    .any(|word| last.contains(word)) =>
            {
                "GitHub could not be reached: check GITHUB_API_URL, the network and any proxy, then re-run"
                    .into()
            }
            Error::WriteDownload { .. } => {
                "make the download folder writable (and free some space), then re-run".into()
            }
            Error::Api { .. }
            | Error::GaveUp { .. }
            | Error::Unexpected { .. }
            | Error::NoProgress { .. }
            | Error::AssetChanged { .. } => {
                "re-run the same command: it looks at what exists and resumes".into()
            }
        }
    }
}
