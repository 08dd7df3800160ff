//! The post-release requests ([`github_protocol::reads`]): the release of a tag and the
//! repository's latest, streamed asset downloads, milestones and their open issues, closing and
//! creating a milestone. Every call goes through the same client, retries and deadline as
//! publishing.
//!
//! Closing is idempotent (`PATCH state=closed`), so it is simply retried. Creating is not: after
//! an ambiguous failure (no answer, 5xx, `422 already_exists`) the milestones are listed again
//! and an existing one of that title is the result — never a second one.

use github_protocol::reads::{
    DownloadQuery, IssueInfo, MilestoneInfo, MilestoneRef, MilestoneState, NewMilestone, NoQuery,
    ReadCommand, RepoSpec, TagQuery,
};
use http::Method;
use serde::{de::DeserializeOwned, Deserialize};
use serde_json::json;

use crate::{
    client::{decode, Body, Client},
    error::{Error, Result},
    remote::{self, ReleaseState},
    retry::Backoff,
    Outcome, Reply, Settings,
};

/// Runs a post-release request; never panics on bad input, never prints the token.
pub fn run(command: ReadCommand, request: &str, settings: &Settings) -> Outcome {
    let mut changing = false;
    let result = crate::block_on(run_async(command, request, settings, &mut changing));
    crate::outcome(command.name(), result, changing, None)
}

/// The spec, refused early when it is from another protocol version.
fn parse<T: DeserializeOwned>(request: &str) -> Result<RepoSpec<T>> {
    let spec: RepoSpec<T> =
        serde_json::from_str(request).map_err(|err| Error::InvalidRequest(err.to_string()))?;
    spec.check_protocol().map_err(Error::Protocol)?;
    Ok(spec)
}

/// The client for `spec`'s repository, after checking the token can see it.
async fn connect<T>(
    spec: &RepoSpec<T>,
    settings: &Settings,
    backoff: &mut Backoff,
) -> Result<Client> {
    let client = Client::for_repository(&spec.repository(), settings)?;
    remote::check_repository(&client, backoff).await?;
    Ok(client)
}

async fn run_async(
    command: ReadCommand,
    request: &str,
    settings: &Settings,
    changing: &mut bool,
) -> Result<Reply> {
    let mut backoff = Backoff::new(settings.retry);
    let backoff = &mut backoff;
    match command {
        ReadCommand::Release => {
            let spec = parse::<TagQuery>(request)?;
            let client = connect(&spec, settings, backoff).await?;
            let release = remote::find_release(&client, &spec.request.tag, backoff).await?;
            let latest_tag = remote::latest_tag(&client, backoff).await?;
            Ok(Reply {
                release: Some(ReleaseState::of(release.as_ref())),
                latest_tag,
                ..Reply::default()
            })
        }
        ReadCommand::Download => {
            let spec = parse::<DownloadQuery>(request)?;
            if let Some(bad) = spec
                .request
                .assets
                .iter()
                .find(|asset| asset.name.is_empty() || asset.name.contains('/'))
            {
                return Err(Error::InvalidRequest(format!(
                    "asset name {:?} is not a file name",
                    bad.name
                )));
            }
            let client = connect(&spec, settings, backoff).await?;
            let mut downloaded = Vec::new();
            for asset in &spec.request.assets {
                eprintln!("xtask-github: download {}", asset.name);
                downloaded.push(
                    crate::download::download(&client, asset, &spec.request.dir, backoff).await?,
                );
            }
            Ok(Reply {
                downloaded: Some(downloaded),
                ..Reply::default()
            })
        }
        ReadCommand::Milestones => {
            let spec = parse::<NoQuery>(request)?;
            let client = connect(&spec, settings, backoff).await?;
            Ok(Reply {
                milestones: Some(milestones(&client, backoff).await?),
                ..Reply::default()
            })
        }
        ReadCommand::MilestoneIssues => {
            let spec = parse::<MilestoneRef>(request)?;
            let client = connect(&spec, settings, backoff).await?;
            let url = format!(
                "{}/issues?milestone={}&state=open&sort=created&direction=asc",
                client.repo_url, spec.request.number
            );
            let issues: Vec<IssueWire> = client
                .get_all(&url, "listing the milestone's open issues", backoff)
                .await?;
            Ok(Reply {
                issues: Some(issues.into_iter().map(IssueWire::info).collect()),
                ..Reply::default()
            })
        }
        ReadCommand::CloseMilestone => {
            let spec = parse::<MilestoneRef>(request)?;
            let client = connect(&spec, settings, backoff).await?;
            let url = format!("{}/milestones/{}", client.repo_url, spec.request.number);
            let what = format!("closing milestone {}", spec.request.number);
            *changing = true;
            let body = loop {
                let patch = Body::Json(json!({ "state": "closed" }));
                match client.send(Method::PATCH, &url, patch).await {
                    Ok(body) => break body,
                    // Idempotent: sending it again cannot do anything twice.
                    Err(failure) if failure.is_retryable() => backoff.wait(&what, &failure).await?,
                    Err(failure) => return Err(failure.into_error(&what)),
                }
            };
            backoff.succeeded();
            let milestone: MilestoneWire = decode(&body, &what)?;
            Ok(Reply {
                milestone: Some(milestone.info()),
                ..Reply::default()
            })
        }
        ReadCommand::CreateMilestone => {
            let spec = parse::<NewMilestone>(request)?;
            let client = connect(&spec, settings, backoff).await?;
            let milestone = create_milestone(&client, &spec.request, backoff, changing).await?;
            Ok(Reply {
                milestone: Some(milestone),
                ..Reply::default()
            })
        }
    }
}

/// Every milestone, open and closed (GitHub lists only open ones by default).
async fn milestones(client: &Client, backoff: &mut Backoff) -> Result<Vec<MilestoneInfo>> {
    let url = format!("{}/milestones?state=all", client.repo_url);
    let list: Vec<MilestoneWire> = client.get_all(&url, "listing milestones", backoff).await?;
    Ok(list.into_iter().map(MilestoneWire::info).collect())
}

/// Looks first; creates only when no milestone has the title; after an ambiguous failure,
/// looks again before trying again.
async fn create_milestone(
    client: &Client,
    new: &NewMilestone,
    backoff: &mut Backoff,
    changing: &mut bool,
) -> Result<MilestoneInfo> {
    let what = format!("creating milestone {}", new.title);
    loop {
        if let Some(found) = milestones(client, backoff)
            .await?
            .into_iter()
            .find(|milestone| milestone.title == new.title)
        {
            return Ok(found);
        }
        *changing = true;
        let body = Body::Json(json!({ "title": new.title, "description": new.description }));
        let url = format!("{}/milestones", client.repo_url);
        match client.send(Method::POST, &url, body).await {
            Ok(body) => {
                backoff.succeeded();
                let milestone: MilestoneWire = decode(&body, &what)?;
                return Ok(milestone.info());
            }
            Err(failure) if failure.already_exists() => {}
            Err(failure) if failure.is_retryable() => backoff.wait(&what, &failure).await?,
            Err(failure) => return Err(failure.into_error(&what)),
        }
    }
}

#[derive(Deserialize)]
struct MilestoneWire {
    number: u64,
    title: String,
    state: MilestoneState,
    #[serde(default)]
    open_issues: u64,
    #[serde(default)]
    closed_issues: u64,
    #[serde(default)]
    html_url: String,
}

impl MilestoneWire {
    fn info(self) -> MilestoneInfo {
        MilestoneInfo {
            number: self.number,
            title: self.title,
            state: self.state,
            open_issues: self.open_issues,
            closed_issues: self.closed_issues,
            html_url: self.html_url,
        }
    }
}

#[derive(Deserialize)]
struct IssueWire {
    number: u64,
    title: String,
    #[serde(default)]
    html_url: String,
    #[serde(default)]
    pull_request: Option<serde_json::Value>,
}

impl IssueWire {
    fn info(self) -> IssueInfo {
        IssueInfo {
            number: self.number,
            title: self.title,
            html_url: self.html_url,
            pull_request: self.pull_request.is_some(),
        }
    }
}
