//! The amend requests (rollback): `lookup` (releases of tags, the latest, an issue by title),
//! `edit-release` (title, body, "latest" of an existing release) and `open-issue` (once).
//!
//! Like `publish`, each change is look, act, look again: a request that may have taken effect
//! (a dropped connection, a 5xx) is never re-sent as-is; the next look decides whether it is
//! still needed, so a re-run never adds a second notice nor opens a second issue.

use http::Method;
use serde_json::{json, Value};

use github_protocol::{
    AmendCommand, AmendReply, EditSpec, IssueRef, IssueSpec, LookupSpec, ReleaseState, Repository,
    TagRelease,
};

use crate::{
    client::{decode, Body, Client},
    error::{Error, Result},
    remote::{find_release, find_releases, latest_tag},
    request::Settings,
    retry::Backoff,
};

/// Runs one amend request; `changing` is set before the first request that changes GitHub.
pub(crate) async fn run(
    command: AmendCommand,
    json: &str,
    settings: &Settings,
    changing: &mut bool,
) -> Result<AmendReply> {
    let parse = |err: serde_json::Error| Error::InvalidRequest(err.to_string());
    match command {
        AmendCommand::Lookup => {
            let spec: LookupSpec = serde_json::from_str(json).map_err(parse)?;
            let (client, mut backoff) = connect(&spec.repository, settings)?;
            lookup(&client, &spec, &mut backoff).await
        }
        AmendCommand::EditRelease => {
            let spec: EditSpec = serde_json::from_str(json).map_err(parse)?;
            let (client, mut backoff) = connect(&spec.repository, settings)?;
            edit_release(&client, &spec, &mut backoff, changing).await
        }
        AmendCommand::OpenIssue => {
            let spec: IssueSpec = serde_json::from_str(json).map_err(parse)?;
            if spec.title.trim().is_empty() {
                return Err(Error::InvalidRequest("`title` is empty".into()));
            }
            let (client, mut backoff) = connect(&spec.repository, settings)?;
            open_issue(&client, &spec, &mut backoff, changing).await
        }
    }
}

fn connect(repository: &Repository, settings: &Settings) -> Result<(Client, Backoff)> {
    let client = Client::for_repository(repository, settings)?;
    Ok((client, Backoff::new(settings.retry)))
}

async fn lookup(client: &Client, spec: &LookupSpec, backoff: &mut Backoff) -> Result<AmendReply> {
    let found = find_releases(client, &spec.tags, backoff).await?;
    let releases = spec
        .tags
        .iter()
        .zip(found)
        .map(|(tag, release)| TagRelease {
            tag: tag.clone(),
            release: ReleaseState::of(release.as_ref()),
        })
        .collect();
    let issue = match &spec.issue_title {
        Some(title) => find_issue(client, title, backoff).await?,
        None => None,
    };
    Ok(AmendReply {
        releases,
        latest: latest_tag(client, backoff).await?,
        issue,
        changed: false,
    })
}

async fn edit_release(
    client: &Client,
    spec: &EditSpec,
    backoff: &mut Backoff,
    changing: &mut bool,
) -> Result<AmendReply> {
    let what = format!("editing release {}", spec.tag);
    let mut changed = false;
    loop {
        let release = find_release(client, &spec.tag, backoff).await?;
        let Some(release) = release else {
            return Err(Error::CannotEdit {
                tag: spec.tag.clone(),
                why: "GitHub has no release for it".into(),
            });
        };
        let latest = latest_tag(client, backoff).await?;
        let mut fields = serde_json::Map::new();
        if let Some(name) = spec
            .name
            .as_ref()
            .filter(|name| release.name.as_ref() != Some(name))
        {
            fields.insert("name".into(), json!(name));
        }
        if let Some(body) = spec
            .body
            .as_ref()
            .filter(|body| release.body.as_deref().unwrap_or("") != body.as_str())
        {
            fields.insert("body".into(), json!(body));
        }
        if spec.make_latest && latest.as_deref() != Some(spec.tag.as_str()) {
            if release.draft || release.prerelease {
                return Err(Error::CannotEdit {
                    tag: spec.tag.clone(),
                    why: "a draft or a pre-release cannot be the latest release".into(),
                });
            }
            fields.insert("make_latest".into(), json!("true"));
        }
        if fields.is_empty() {
            return Ok(AmendReply {
                releases: vec![TagRelease {
                    tag: spec.tag.clone(),
                    release: ReleaseState::of(Some(&release)),
                }],
                latest,
                issue: None,
                changed,
            });
        }
        if changed {
            // It succeeded and GitHub still shows it as needed: do not loop on it.
            return Err(Error::NoProgress { action: what });
        }
        *changing = true;
        let url = format!("{}/releases/{}", client.repo_url, release.id);
        match client
            .send(Method::PATCH, &url, Body::Json(Value::Object(fields)))
            .await
        {
            Ok(_) => {
                backoff.succeeded();
                changed = true;
            }
            // Possibly done after all: wait, then look before acting again.
            Err(failure) if failure.is_retryable() => backoff.wait(&what, &failure).await?,
            Err(failure) => return Err(failure.into_error(&what)),
        }
    }
}

async fn open_issue(
    client: &Client,
    spec: &IssueSpec,
    backoff: &mut Backoff,
    changing: &mut bool,
) -> Result<AmendReply> {
    let what = format!("opening the issue {:?}", spec.title);
    let mut changed = false;
    loop {
        if let Some(issue) = find_issue(client, &spec.title, backoff).await? {
            return Ok(AmendReply {
                issue: Some(issue),
                changed,
                ..AmendReply::default()
            });
        }
        if changed {
            return Err(Error::NoProgress { action: what });
        }
        *changing = true;
        let fields = json!({ "title": spec.title, "body": spec.body, "labels": spec.labels });
        let url = format!("{}/issues", client.repo_url);
        changed = attempt(client, Method::POST, &url, fields, &what, backoff).await?;
    }
}

/// Sends one changing request. `Ok(true)`: GitHub accepted it. `Ok(false)`: it failed in a
/// way that may have taken effect (no answer, a 5xx): after the backoff the caller looks again
/// before acting, never re-sending blindly.
async fn attempt(
    client: &Client,
    method: Method,
    url: &str,
    fields: Value,
    what: &str,
    backoff: &mut Backoff,
) -> Result<bool> {
    match client.send(method, url, Body::Json(fields)).await {
        Ok(_) => {
            backoff.succeeded();
            Ok(true)
        }
        Err(failure) if failure.is_retryable() => {
            backoff.wait(what, &failure).await?;
            Ok(false)
        }
        Err(failure) => Err(failure.into_error(what)),
    }
}

/// The oldest issue (not pull request) with exactly `title`, open or closed.
async fn find_issue(
    client: &Client,
    title: &str,
    backoff: &mut Backoff,
) -> Result<Option<IssueRef>> {
    let url = format!(
        "{}/issues?state=all&sort=created&direction=asc",
        client.repo_url
    );
    let issues: Vec<Value> = client.get_all(&url, "listing issues", backoff).await?;
    let found = issues
        .into_iter()
        .filter(|issue| issue.get("pull_request").is_none())
        .find(|issue| issue["title"].as_str() == Some(title));
    found
        .map(|issue| decode::<IssueRef>(&issue.to_string(), "reading an issue"))
        .transpose()
}
