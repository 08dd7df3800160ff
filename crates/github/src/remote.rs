//! What GitHub has now: the repository, and the release for a tag with its assets.
//!
//! The release is looked up in the full, paginated release list, because
//! `GET /releases/tags/{tag}` does not see drafts — and a draft is exactly what a failed run
//! leaves behind.

use octocrab::models::{
    repos::{Asset, Release},
    Repository,
};
use serde::Serialize;

use crate::{
    client::Client,
    error::{Error, Result},
    retry::Backoff,
};

pub use github_protocol::{ReleaseState, RemoteAsset, RemoteRelease};

/// What `check` reports about the repository.
#[derive(Debug, Clone, Serialize)]
pub struct RepositoryAccess {
    pub full_name: String,
    /// From the repository's `permissions`; `None` when GitHub does not say (some app tokens).
    pub can_push: Option<bool>,
}

/// The token works and can see the repository.
pub(crate) async fn check_repository(
    client: &Client,
    backoff: &mut Backoff,
) -> Result<RepositoryAccess> {
    let repository: Repository = match client
        .get(&client.repo_url, "reading the repository", backoff)
        .await
    {
        Err(Error::Api { status: 404, .. }) => {
            let (api_url, repo) = client.repo_url.split_once("/repos/").unwrap_or_default();
            return Err(Error::RepoNotFound {
                repo: repo.to_string(),
                api_url: api_url.to_string(),
            });
        }
        other => other?,
    };
    Ok(RepositoryAccess {
        full_name: repository.full_name.unwrap_or(repository.name),
        // Not a refusal: for installation tokens (Actions' GITHUB_TOKEN) this describes the app's
        // access, which may not match the token's `contents: write`.
        can_push: repository.permissions.map(|permissions| permissions.push),
    })
}

/// The release for `tag`, drafts included. When a tag has several (GitHub allows several
/// drafts), the published one wins, then the oldest draft: always the same one.
pub(crate) async fn find_release(
    client: &Client,
    tag: &str,
    backoff: &mut Backoff,
) -> Result<Option<RemoteRelease>> {
    let mut found = find_releases(client, &[tag.to_string()], backoff).await?;
    Ok(found.pop().flatten())
}

/// The release of each tag, in order, chosen as [`find_release`] does, from one listing.
pub(crate) async fn find_releases(
    client: &Client,
    tags: &[String],
    backoff: &mut Backoff,
) -> Result<Vec<Option<RemoteRelease>>> {
    let releases: Vec<Release> = client
        .get_all(
            &format!("{}/releases", client.repo_url),
            "listing releases",
            backoff,
        )
        .await?;
    let mut found = Vec::new();
    for tag in tags {
        let chosen = releases
            .iter()
            .filter(|release| release.tag_name == *tag)
            .min_by_key(|release| (release.draft, release.id.0));
        found.push(match chosen {
            Some(release) => Some(with_assets(client, release.clone(), backoff).await?),
            None => None,
        });
    }
    Ok(found)
}

async fn with_assets(
    client: &Client,
    release: Release,
    backoff: &mut Backoff,
) -> Result<RemoteRelease> {
    let assets: Vec<Asset> = client
        .get_all(
            &format!("{}/releases/{}/assets", client.repo_url, release.id.0),
            "listing release assets",
            backoff,
        )
        .await?;
    Ok(RemoteRelease {
        id: release.id.0,
        tag: release.tag_name,
        name: release.name,
        body: release.body,
        draft: release.draft,
        prerelease: release.prerelease,
        target_commitish: release.target_commitish,
        immutable: release.immutable.unwrap_or(false),
        html_url: release.html_url.to_string(),
        upload_url: strip_template(release.upload_url.as_str()),
        assets: assets.into_iter().map(remote_asset).collect(),
    })
}

/// The tag of the repository's latest release (`GET /releases/latest`), `None` when it has none.
pub(crate) async fn latest_tag(client: &Client, backoff: &mut Backoff) -> Result<Option<String>> {
    let url = format!("{}/releases/latest", client.repo_url);
    match client
        .get::<Release>(&url, "reading the latest release", backoff)
        .await
    {
        Ok(release) => Ok(Some(release.tag_name)),
        Err(Error::Api { status: 404, .. }) => Ok(None),
        Err(err) => Err(err),
    }
}

/// `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` without the
/// `{?name,label}` URI template.
pub fn strip_template(upload_url: &str) -> String {
    upload_url
        .split_once('{')
        .map_or(upload_url, |(url, _)| url)
        .to_string()
}

fn remote_asset(asset: Asset) -> RemoteAsset {
    RemoteAsset {
        id: asset.id.0,
        name: asset.name,
        size: asset.size.max(0) as u64,
        digest: asset.digest,
    }
}
