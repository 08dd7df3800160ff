//! octocrab, used as a bare authenticated HTTP client: we build every URL ourselves and read
//! status and headers directly.
//!
//! Why not octocrab's typed release API: its upload does not percent-encode names or labels,
//! its errors drop the `retry-after`/rate-limit headers we need, and its base-URI layer prepends
//! the API path (`/api/v3`) to any request path that lacks it — uploads (`/api/uploads`) on
//! GitHub Enterprise included. So octocrab's base URI is only the API *origin*, and every request
//! carries an absolute URL. octocrab's `retry` feature stays off: it re-sends POSTs blindly.

use std::{error::Error as _, time::Duration};

use http::{header, Method};
use octocrab::{OctoBody, Octocrab};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;

use github_protocol::Repository;

use crate::{
    error::{Error, Result},
    request::{Settings, Token},
    retry::{Backoff, Failure, RateHeaders, StatusFailure},
};

/// Everything but RFC 3986's unreserved characters; notably `+`, which GitHub reads as a space
/// in a query (`1.0.0+build.tar.gz` must be sent as `1.0.0%2Bbuild.tar.gz`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, QUERY_VALUE).to_string()
}

pub(crate) struct Client {
    octocrab: Octocrab,
    /// Without the token: for the storage host an asset download is redirected to, which must
    /// never see it (and refuses a request that carries one).
    bare: Octocrab,
    /// `{api_url}/repos/{owner}/{repo}`
    pub(crate) repo_url: String,
    /// `{GITHUB_UPLOADS_URL}/repos/{owner}/{repo}`: the override of each release's own
    /// `upload_url`.
    pub(crate) uploads_override: Option<String>,
    /// `{uploads URL derived from the API URL}/repos/{owner}/{repo}`: only for a release object
    /// that lacks `upload_url`.
    pub(crate) uploads_derived: Option<String>,
    page_size: u32,
}

/// An answer whose body is read as it arrives (an asset download).
pub(crate) type Response =
    http::Response<http_body_util::combinators::BoxBody<bytes::Bytes, octocrab::Error>>;

pub(crate) enum Body {
    Empty,
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

impl Client {
    pub(crate) fn new(
        api_url: &str,
        uploads_override: Option<&str>,
        repo_path: &str,
        token: &Token,
        page_size: u32,
    ) -> Result<Client> {
        let api_origin = origin(api_url)?;
        let uploads_origin = origin(uploads_override.unwrap_or(api_url))?;
        let octocrab = Octocrab::builder()
            .set_connect_timeout(Some(Duration::from_secs(30)))
            // Generous: GitHub answers an upload only once it has stored the whole body.
            .set_read_timeout(Some(Duration::from_secs(300)))
            .set_write_timeout(Some(Duration::from_secs(300)))
            .personal_token(token.expose().to_string())
            .base_uri(api_origin)
            .and_then(|builder| builder.upload_uri(uploads_origin))
            .and_then(|builder| builder.build())
            .map_err(|err| Error::Client(describe(&err)))?;
        let bare = Octocrab::builder()
            .set_connect_timeout(Some(Duration::from_secs(30)))
            .set_read_timeout(Some(Duration::from_secs(300)))
            .build()
            .map_err(|err| Error::Client(describe(&err)))?;
        let (owner, repo) = repo_path.split_once('/').unwrap_or((repo_path, ""));
        let repo_suffix = format!("repos/{}/{}", encode(owner), encode(repo));
        Ok(Client {
            octocrab,
            bare,
            repo_url: format!("{api_url}/{repo_suffix}"),
            uploads_override: uploads_override.map(|url| format!("{url}/{repo_suffix}")),
            uploads_derived: crate::request::uploads_url_for(api_url)
                .map(|url| format!("{url}/{repo_suffix}")),
            page_size,
        })
    }

    /// The client for a request about `repository` (post-release, rollback): its protocol is
    /// checked, `owner` and `repo` must be given; the API URL defaults to `GITHUB_API_URL`,
    /// then `https://api.github.com`. Sends nothing.
    pub(crate) fn for_repository(repository: &Repository, settings: &Settings) -> Result<Client> {
        repository.check_protocol().map_err(Error::Protocol)?;
        if repository.owner.trim().is_empty() || repository.repo.trim().is_empty() {
            return Err(Error::InvalidRequest("`owner` or `repo` is empty".into()));
        }
        let token = settings.token.as_ref().ok_or(Error::MissingToken)?;
        let api_url = repository
            .api_url
            .as_deref()
            .or(settings.env_api_url.as_deref())
            .unwrap_or(crate::request::GITHUB_API)
            .trim_end_matches('/')
            .to_string();
        let repo_path = format!("{}/{}", repository.owner, repository.repo);
        Client::new(&api_url, None, &repo_path, token, settings.page_size)
    }

    /// One attempt; a non-2xx answer is a [`Failure::Status`]. Returns the body of a 2xx.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        body: Body,
    ) -> Result<String, Failure> {
        let builder = http::Request::builder().method(method).uri(url);
        let request = match body {
            Body::Empty => self
                .octocrab
                .build_request(builder, None::<&()>)
                .map_err(|err| describe(&err)),
            Body::Json(json) => self
                .octocrab
                .build_request(builder, Some(&json))
                .map_err(|err| describe(&err)),
            Body::Bytes(bytes) => builder
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .header(header::CONTENT_LENGTH, bytes.len())
                .header("X-GitHub-Api-Version", "2022-11-28")
                .body(OctoBody::from(bytes))
                .map_err(|err| err.to_string()),
        }
        .map_err(Failure::Transport)?;
        let response = self
            .octocrab
            .execute(request)
            .await
            .map_err(|err| Failure::Transport(describe(&err)))?;
        if !response.status().is_success() {
            return Err(self.failure(response).await);
        }
        self.octocrab
            .body_to_string(response)
            .await
            .map_err(|err| Failure::Transport(describe(&err)))
    }

    /// One GET asking for `accept`, its answer unread when it is a 2xx or a redirect (3xx).
    /// `bare`: without the token, for a host that is not GitHub's API.
    pub(crate) async fn get_response(
        &self,
        url: &str,
        accept: &str,
        bare: bool,
    ) -> Result<Response, Failure> {
        let octocrab = if bare { &self.bare } else { &self.octocrab };
        let builder = http::Request::builder()
            .method(Method::GET)
            .uri(url)
            .header(header::ACCEPT, accept);
        let request = octocrab
            .build_request(builder, None::<&()>)
            .map_err(|err| Failure::Transport(describe(&err)))?;
        let response = octocrab
            .execute(request)
            .await
            .map_err(|err| Failure::Transport(describe(&err)))?;
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            return Ok(response);
        }
        Err(self.failure(response).await)
    }

    /// A non-2xx answer as a [`Failure`]: its status, message and rate-limit headers.
    async fn failure(&self, response: Response) -> Failure {
        let status = response.status().as_u16();
        let header_text = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string)
        };
        let (retry_after, remaining, reset) = (
            header_text("retry-after"),
            header_text("x-ratelimit-remaining"),
            header_text("x-ratelimit-reset"),
        );
        let body = match self.octocrab.body_to_string(response).await {
            Ok(body) => body,
            Err(err) => return Failure::Transport(describe(&err)),
        };
        let headers = RateHeaders {
            retry_after: retry_after.as_deref(),
            remaining: remaining.as_deref(),
            reset: reset.as_deref(),
        };
        Failure::Status(StatusFailure::new(status, &body, headers))
    }

    /// A GET, retried while GitHub fails transiently, decoded as `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        what: &str,
        backoff: &mut Backoff,
    ) -> Result<T> {
        let body = loop {
            match self.send(Method::GET, url, Body::Empty).await {
                Ok(body) => break body,
                Err(failure) if failure.is_retryable() => backoff.wait(what, &failure).await?,
                Err(failure) => return Err(failure.into_error(what)),
            }
        };
        backoff.succeeded();
        decode(&body, what)
    }

    /// Every page of a list endpoint. Pages are walked by number until a short one: that needs
    /// no `Link` parsing and works the same on GitHub Enterprise.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &self,
        url: &str,
        what: &str,
        backoff: &mut Backoff,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        for page in 1.. {
            let join = if url.contains('?') { '&' } else { '?' };
            let page_url = format!("{url}{join}per_page={}&page={page}", self.page_size);
            let batch: Vec<T> = self.get(&page_url, what, backoff).await?;
            let full = batch.len() >= self.page_size as usize;
            items.extend(batch);
            if !full {
                break;
            }
        }
        Ok(items)
    }
}

pub(crate) fn decode<T: DeserializeOwned>(body: &str, what: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|err| Error::Unexpected {
        what: what.to_string(),
        detail: err.to_string(),
    })
}

/// `https://host:port/api/v3` → `https://host:port`.
fn origin(url: &str) -> Result<String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|err| Error::Client(format!("{url}: {err}")))?;
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => Ok(format!("{scheme}://{authority}")),
        _ => Err(Error::Client(format!("{url} is not an absolute URL"))),
    }
}

/// An octocrab error with its causes, e.g. `Service Error: client error (SendRequest): connection
/// closed before message completed`. Never contains headers, so never the token.
pub(crate) fn describe(err: &octocrab::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}
