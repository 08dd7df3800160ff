//! What `publish` would do now, as a pure function of the request, the local files and GitHub's
//! state. `plan` prints it; `publish` recomputes it before every step and does the first
//! action that is not a skip, so the two cannot drift apart.

pub use github_protocol::{Action, DraftField, SkipReason};

use crate::{
    error::{Error, Result},
    remote::{RemoteAsset, RemoteRelease},
    request::{LocalAsset, Request},
};

/// The actions in order, or a refusal when the release is published and cannot be made right.
pub fn plan(
    request: &Request,
    local: &[LocalAsset],
    remote: Option<&RemoteRelease>,
) -> Result<Vec<Action>> {
    let Some(release) = remote else {
        let mut actions = vec![Action::CreateDraft {
            tag: request.tag.clone(),
        }];
        actions.extend(local.iter().map(upload));
        actions.push(Action::Publish {
            make_latest: request.make_latest,
        });
        return Ok(actions);
    };
    let mut actions = Vec::new();
    if release.draft {
        let fields = differing_fields(request, release);
        if !fields.is_empty() {
            actions.push(Action::UpdateDraft { fields });
        }
    }
    for asset in local {
        actions.push(match release.asset(&asset.name) {
            None if release.draft || !release.immutable => upload(asset),
            None => {
                return Err(Error::PublishedMissingAsset {
                    tag: release.tag.clone(),
                    name: asset.name.clone(),
                })
            }
            Some(existing) => match same_content(existing, asset) {
                Some(reason) => Action::Skip {
                    name: asset.name.clone(),
                    reason,
                },
                None if release.draft => Action::Replace {
                    name: asset.name.clone(),
                    size: asset.size,
                    digest: asset.digest.clone(),
                },
                None => {
                    return Err(Error::PublishedAssetDiffers {
                        tag: release.tag.clone(),
                        name: asset.name.clone(),
                    })
                }
            },
        });
    }
    if release.draft {
        actions.push(Action::Publish {
            make_latest: request.make_latest,
        });
    }
    Ok(actions)
}

fn upload(asset: &LocalAsset) -> Action {
    Action::Upload {
        name: asset.name.clone(),
        size: asset.size,
        digest: asset.digest.clone(),
    }
}

/// Why an existing asset counts as the local file, or `None` when it differs.
fn same_content(existing: &RemoteAsset, local: &LocalAsset) -> Option<SkipReason> {
    match &existing.digest {
        _ if existing.size != local.size => None,
        Some(digest) if *digest == local.digest => Some(SkipReason::SameDigest),
        Some(_) => None,
        // Older GitHub Enterprise servers report no digest: the size is all there is.
        None => Some(SkipReason::SameSizeNoDigest),
    }
}

fn differing_fields(request: &Request, release: &RemoteRelease) -> Vec<DraftField> {
    let checks = [
        (
            DraftField::Name,
            release.name.as_deref() != Some(request.name.as_str()),
        ),
        (
            DraftField::Body,
            release.body.as_deref().unwrap_or("") != request.body,
        ),
        (
            DraftField::Prerelease,
            release.prerelease != request.prerelease,
        ),
        (
            DraftField::TargetCommitish,
            release.target_commitish != request.target_commitish,
        ),
    ];
    checks
        .into_iter()
        .filter(|(_, differs)| *differs)
        .map(|(field, _)| field)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request::parse(
            r#"{"owner":"o","repo":"r","tag":"v1.2.3","name":"Version 1.2.3","body":"notes",
                "target_commitish":"abc","prerelease":false,"make_latest":true}"#,
        )
        .unwrap()
    }

    fn local(name: &str, content: &str) -> LocalAsset {
        LocalAsset {
            name: name.into(),
            path: name.into(),
            label: None,
            size: content.len() as u64,
            digest: crate::request::sha256_digest(content.as_bytes()),
        }
    }

    fn release(draft: bool, immutable: bool, assets: &[(&str, &str)]) -> RemoteRelease {
        RemoteRelease {
            id: 7,
            tag: "v1.2.3".into(),
            name: Some("Version 1.2.3".into()),
            body: Some("notes".into()),
            draft,
            prerelease: false,
            target_commitish: "abc".into(),
            immutable,
            html_url: String::new(),
            upload_url: String::new(),
            assets: assets
                .iter()
                .enumerate()
                .map(|(id, (name, content))| RemoteAsset {
                    id: id as u64,
                    name: name.to_string(),
                    size: content.len() as u64,
                    digest: Some(crate::request::sha256_digest(content.as_bytes())),
                })
                .collect(),
        }
    }

    fn lines(actions: &[Action]) -> Vec<String> {
        actions.iter().map(Action::to_string).collect()
    }

    #[test]
    fn nothing_there_creates_uploads_then_publishes() {
        let actions = plan(&request(), &[local("a", "1"), local("b", "22")], None).unwrap();
        assert_eq!(
            lines(&actions),
            [
                "create draft release v1.2.3",
                "upload a (1 bytes)",
                "upload b (2 bytes)",
                "publish (make_latest=true)"
            ]
        );
    }

    #[test]
    fn a_draft_is_completed_updated_and_its_differing_assets_replaced() {
        let mut draft = release(true, false, &[("a", "1"), ("b", "old")]);
        draft.body = Some("stale".into());
        let actions = plan(
            &request(),
            &[local("a", "1"), local("b", "new"), local("c", "3")],
            Some(&draft),
        );
        assert_eq!(
            lines(&actions.unwrap()),
            [
                "update draft (body)",
                "skip a (same size and sha256 digest)",
                "replace b (delete the differing asset)",
                "upload c (1 bytes)",
                "publish (make_latest=true)"
            ]
        );
    }

    #[test]
    fn a_published_release_with_identical_assets_needs_nothing() {
        let published = release(false, true, &[("a", "1")]);
        let actions = plan(&request(), &[local("a", "1")], Some(&published)).unwrap();
        assert!(actions.iter().all(Action::is_skip), "{actions:?}");
    }

    #[test]
    fn a_published_release_is_never_changed_where_it_differs() {
        let published = release(false, true, &[("a", "same-size")]);
        let differs = plan(&request(), &[local("a", "SAME-SIZE")], Some(&published));
        assert!(matches!(differs, Err(Error::PublishedAssetDiffers { name, .. }) if name == "a"));
        let missing = plan(
            &request(),
            &[local("a", "same-size"), local("b", "2")],
            Some(&published),
        );
        assert!(matches!(missing, Err(Error::PublishedMissingAsset { name, .. }) if name == "b"));
        // A mutable published release can still receive a missing asset.
        let mutable = release(false, false, &[]);
        let actions = plan(&request(), &[local("b", "2")], Some(&mutable)).unwrap();
        assert_eq!(lines(&actions), ["upload b (1 bytes)"]);
    }

    #[test]
    fn without_a_digest_the_size_decides() {
        let mut draft = release(true, false, &[("a", "1")]);
        draft.assets[0].digest = None;
        let actions = plan(&request(), &[local("a", "2")], Some(&draft)).unwrap();
        assert_eq!(
            lines(&actions)[0],
            "skip a (same size; GitHub reports no digest)"
        );
    }
}
