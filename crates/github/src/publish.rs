//! `publish`: look, do the next step of the plan, look again.
//!
//! Each step is one mutating request, preceded by a fresh look at GitHub. A mutating request is
//! never re-sent as-is: after a dropped connection or a 5xx it may have taken effect, and after
//! `422 already_exists` it certainly has. Looking again turns all of these into "do what is still
//! missing", so there is never a second release for the tag nor a second asset of a name.

use http::Method;
use serde_json::json;

use crate::{
    client::{decode, encode, Body, Client},
    error::{Error, Result},
    plan::{plan, Action},
    remote::{find_release, RemoteRelease},
    request::{sha256_digest, LocalAsset, Request},
    retry::{Backoff, Failure},
};

/// What has been done so far, kept by the caller so a failure can still report it.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    pub(crate) performed: Vec<Action>,
    /// Set before the first mutating request: from then on a failure is "part-way".
    pub(crate) changing: bool,
}

enum StepError {
    /// GitHub did not accept the request (or did not answer).
    Failed(Failure),
    /// Something on our side, or an answer we cannot accept.
    Stop(Error),
}

impl From<Error> for StepError {
    fn from(err: Error) -> StepError {
        StepError::Stop(err)
    }
}

pub(crate) async fn publish(
    client: &Client,
    request: &Request,
    local: &[LocalAsset],
    backoff: &mut Backoff,
    progress: &mut Progress,
) -> Result<Option<RemoteRelease>> {
    let mut just_done: Option<Action> = None;
    loop {
        let remote = find_release(client, &request.tag, backoff).await?;
        let actions = plan(request, local, remote.as_ref())?;
        // GitHub may store fields differently from what was sent (line endings, the target of
        // an existing tag): update a draft once per run rather than loop on it.
        let updated = progress
            .performed
            .iter()
            .any(|done| matches!(done, Action::UpdateDraft { .. }));
        let is_next = |action: &Action| match action {
            Action::Skip { .. } => false,
            Action::UpdateDraft { .. } => !updated,
            _ => true,
        };
        let Some(next) = actions.into_iter().find(is_next) else {
            return Ok(remote);
        };
        if just_done.as_ref() == Some(&next) {
            return Err(Error::NoProgress {
                action: next.to_string(),
            });
        }
        eprintln!("xtask-github: {next}");
        progress.changing = true;
        match execute(client, request, local, remote.as_ref(), &next).await {
            Ok(()) => {
                backoff.succeeded();
                progress.performed.push(next.clone());
                just_done = Some(next);
            }
            Err(StepError::Failed(failure))
                if failure.already_exists() || failure.is_retryable() =>
            {
                // Possibly done after all: wait, then look before acting again.
                backoff.wait(&next.to_string(), &failure).await?;
                just_done = None;
            }
            Err(StepError::Failed(failure)) => return Err(failure.into_error(&next.to_string())),
            Err(StepError::Stop(err)) => return Err(err),
        }
    }
}

async fn execute(
    client: &Client,
    request: &Request,
    local: &[LocalAsset],
    remote: Option<&RemoteRelease>,
    action: &Action,
) -> Result<(), StepError> {
    let releases_url = format!("{}/releases", client.repo_url);
    // Every action but the first acts on the release the plan was made from.
    let release_url = |release: &RemoteRelease| format!("{releases_url}/{}", release.id);
    let release = || remote.expect("the plan acts on an existing release");
    let sent = match action {
        Action::CreateDraft { tag } => {
            let fields = json!({
                "tag_name": tag,
                "target_commitish": request.target_commitish,
                "name": request.name,
                "body": request.body,
                "draft": true,
                "prerelease": request.prerelease,
            });
            client
                .send(Method::POST, &releases_url, Body::Json(fields))
                .await
        }
        Action::UpdateDraft { .. } => {
            let fields = json!({
                "name": request.name,
                "body": request.body,
                "prerelease": request.prerelease,
                "target_commitish": request.target_commitish,
            });
            client
                .send(Method::PATCH, &release_url(release()), Body::Json(fields))
                .await
        }
        Action::Upload { name, .. } => return upload(client, local, release(), name).await,
        Action::Replace { name, .. } => {
            let existing = release()
                .asset(name)
                .expect("the plan replaces an existing asset");
            let url = format!("{releases_url}/assets/{}", existing.id);
            match client.send(Method::DELETE, &url, Body::Empty).await {
                // Already gone (an earlier ambiguous attempt): that is what we wanted.
                Err(Failure::Status(failure)) if failure.status == 404 => Ok(String::new()),
                sent => sent,
            }
        }
        Action::Publish { make_latest } => {
            let fields = json!({ "draft": false, "make_latest": make_latest.to_string() });
            client
                .send(Method::PATCH, &release_url(release()), Body::Json(fields))
                .await
        }
        Action::Skip { .. } => unreachable!("skips are never executed"),
    };
    sent.map(drop).map_err(StepError::Failed)
}

async fn upload(
    client: &Client,
    local: &[LocalAsset],
    release: &RemoteRelease,
    name: &str,
) -> Result<(), StepError> {
    let asset = local
        .iter()
        .find(|asset| asset.name == name)
        .expect("the plan uploads a local asset");
    let bytes = asset.read()?;
    // The plan compared GitHub's digest with this one: upload exactly those bytes.
    if bytes.len() as u64 != asset.size || sha256_digest(&bytes) != asset.digest {
        return Err(Error::AssetChanged {
            name: name.to_string(),
        }
        .into());
    }
    let base = upload_url(
        client.uploads_override.as_deref(),
        client.uploads_derived.as_deref(),
        release,
    )?;
    let mut url = format!("{base}?name={}", encode(name));
    if let Some(label) = &asset.label {
        url.push_str(&format!("&label={}", encode(label)));
    }
    let body = client
        .send(Method::POST, &url, Body::Bytes(bytes))
        .await
        .map_err(StepError::Failed)?;
    let uploaded: serde_json::Value = decode(&body, "uploading")?;
    // GitHub renames names it dislikes; a renamed asset would be "missing" on every re-run.
    match uploaded["name"].as_str() {
        Some(renamed) if renamed != name => Err(Error::Renamed {
            name: name.to_string(),
            renamed: renamed.to_string(),
        }
        .into()),
        _ => Ok(()),
    }
}

/// Where `release`'s assets go: `GITHUB_UPLOADS_URL` when set (an override), else the
/// `upload_url` GitHub returned with the release (as octocrab's own upload uses), else the
/// uploads URL derived from the API URL.
/// `overridden` and `derived` are `{uploads}/repos/{owner}/{repo}`.
fn upload_url(
    overridden: Option<&str>,
    derived: Option<&str>,
    release: &RemoteRelease,
) -> Result<String> {
    let from_repo = |repo_url: &str| format!("{repo_url}/releases/{}/assets", release.id);
    if let Some(repo_url) = overridden {
        return Ok(from_repo(repo_url));
    }
    if !release.upload_url.is_empty() {
        return Ok(release.upload_url.clone());
    }
    match derived {
        Some(repo_url) => Ok(from_repo(repo_url)),
        None => Err(Error::Unexpected {
            what: "uploading".into(),
            detail: format!(
                "release {} has no upload_url and none can be derived from the API URL",
                release.tag
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(upload_url: &str) -> RemoteRelease {
        RemoteRelease {
            id: 7,
            tag: "v1.2.3".into(),
            name: None,
            body: None,
            draft: true,
            prerelease: false,
            target_commitish: "abc".into(),
            immutable: false,
            html_url: String::new(),
            upload_url: upload_url.into(),
            assets: Vec::new(),
        }
    }

    #[test]
    fn uploads_go_to_the_release_objects_upload_url_unless_overridden() {
        let own = "https://uploads.example/repos/o/r/releases/7/assets";
        let derived = Some("https://derived.example/repos/o/r");
        assert_eq!(upload_url(None, derived, &release(own)).unwrap(), own);
        // Even when nothing can be derived from the API URL.
        assert_eq!(upload_url(None, None, &release(own)).unwrap(), own);
        assert_eq!(
            upload_url(
                Some("https://override.example/repos/o/r"),
                derived,
                &release(own)
            )
            .unwrap(),
            "https://override.example/repos/o/r/releases/7/assets"
        );
        assert_eq!(
            upload_url(None, derived, &release("")).unwrap(),
            "https://derived.example/repos/o/r/releases/7/assets"
        );
        assert!(upload_url(None, None, &release("")).is_err());
    }

    #[test]
    fn the_upload_url_template_is_stripped() {
        assert_eq!(
            crate::remote::strip_template(
                "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}"
            ),
            "https://uploads.github.com/repos/o/r/releases/1/assets"
        );
    }
}
