//! A local fake of the GitHub REST API's release endpoints, for tests that must never reach the
//! real GitHub.
//!
//! It serves one repository on `127.0.0.1:<random port>`, laid out like GitHub Enterprise: the API
//! under `/api/v3`, uploads under `/api/uploads`. It keeps releases and assets in memory, records
//! every request (method, path, query, body — never the `Authorization` header), and can fail
//! the Nth request in ways that matter for resumable clients: an error status, a dropped
//! connection, an error *after* the request took effect, or no answer at all after it did (so
//! that the client can be killed mid-request).
//!
//! Where GitHub's behaviour matters to a release tool, the fake follows it: 401 on a bad token,
//! 404 for another repository, `releases/tags/{tag}` hides drafts, the release list includes
//! drafts and is paginated with a `Link` header, several drafts may share a tag (GitHub allows
//! it), `422 already_exists` for a second published release of a tag or a second asset of a name,
//! and uploads to a published immutable release are rejected. `releases/latest` follows
//! `make_latest` (else the newest published release that is not a pre-release), and issues can
//! be listed (`state`, `milestone`, `direction`, paginated; pull requests among them) and
//! opened. Post-release reads are in `reads.rs`: asset downloads (a 302 to a storage host that
//! refuses the token) and milestones.

mod reads;
mod routes;
mod state;

use std::{
    sync::{Arc, Mutex, MutexGuard},
    thread,
};

use serde_json::{json, Value};

pub use reads::Milestone;
pub use state::{Asset, Issue, Release};

/// A failure to inject instead of (or after) the normal handling of one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status, headers and JSON body; the request has no effect.
    Status {
        status: u16,
        headers: Vec<(String, String)>,
        body: Value,
    },
    /// Break the connection without an HTTP answer; the request has no effect.
    Drop,
    /// Apply the request's effect, then answer with this (5xx) status: an ambiguous failure.
    AfterEffect(u16),
    /// Apply the request's effect, then break the connection: the most ambiguous failure.
    DropAfterEffect,
    /// Apply the request's effect, then keep the answer back until the fake is dropped, so a
    /// test can kill the client in the middle of the request.
    HoldAfterEffect,
}

impl Fault {
    /// An error status with GitHub's usual `{"message": ...}` body.
    pub fn status(status: u16) -> Fault {
        let message = match status {
            401 => "Bad credentials",
            404 => "Not Found",
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => "Error",
        };
        Fault::Status {
            status,
            headers: Vec::new(),
            body: json!({ "message": message }),
        }
    }

    /// GitHub's primary rate limit: 403 with `x-ratelimit-remaining: 0` and a reset time of now.
    pub fn rate_limited() -> Fault {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        Fault::Status {
            status: 403,
            headers: vec![
                ("x-ratelimit-limit".into(), "5000".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), now.to_string()),
            ],
            body: json!({ "message": "API rate limit exceeded for user ID 1." }),
        }
    }

    /// 429 with `retry-after: 0`, so that tests do not wait.
    pub fn too_many_requests() -> Fault {
        Fault::Status {
            status: 429,
            headers: vec![("retry-after".into(), "0".into())],
            body: json!({ "message": "Too Many Requests" }),
        }
    }

    /// `422 Validation Failed` with an `already_exists` error, as GitHub answers duplicates.
    pub fn already_exists(resource: &str, field: &str) -> Fault {
        Fault::Status {
            status: 422,
            headers: Vec::new(),
            body: routes::already_exists(resource, field),
        }
    }
}

/// One request as the server saw it. The `Authorization` header is deliberately not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path as sent, still percent-encoded, e.g. `/api/v3/repos/o/r/releases`.
    pub path: String,
    /// The raw query string without `?`, empty when there is none.
    pub query: String,
    pub body: Vec<u8>,
    /// What the fake did instead of answering normally, if anything.
    pub fault: Option<String>,
}

impl RecordedRequest {
    /// `"POST /api/v3/repos/o/r/releases"`, handy in assertion messages.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A running fake; the server thread stops when this is dropped.
pub struct FakeGithub {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    thread: Option<thread::JoinHandle<()>>,
    base_url: String,
}

struct Shared {
    owner: String,
    repo: String,
    token: String,
    inner: Mutex<Inner>,
}

struct Inner {
    state: state::State,
    requests: Vec<RecordedRequest>,
    faults: Vec<(usize, Fault)>,
    /// Requests under [`Fault::HoldAfterEffect`], never answered.
    held: Vec<tiny_http::Request>,
}

impl FakeGithub {
    /// Serves `owner/repo`, accepting only `token`.
    pub fn start(owner: &str, repo: &str, token: &str) -> FakeGithub {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let base_url = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            owner: owner.to_string(),
            repo: repo.to_string(),
            token: token.to_string(),
            inner: Mutex::new(Inner {
                state: state::State::new(base_url.clone()),
                requests: Vec::new(),
                faults: Vec::new(),
                held: Vec::new(),
            }),
        });
        let thread = {
            let (server, shared) = (server.clone(), shared.clone());
            thread::spawn(move || {
                for request in server.incoming_requests() {
                    routes::serve(&shared, request);
                }
            })
        };
        FakeGithub {
            shared,
            server,
            thread: Some(thread),
            base_url,
        }
    }

    /// The REST API base, like GitHub Enterprise's `https://HOST/api/v3`.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.base_url, routes::API_PREFIX)
    }

    /// The uploads base, like GitHub Enterprise's `https://HOST/api/uploads`.
    pub fn uploads_url(&self) -> String {
        format!("{}{}", self.base_url, routes::UPLOADS_PREFIX)
    }

    /// All releases, oldest first, with their assets.
    pub fn releases(&self) -> Vec<Release> {
        self.lock().state.releases.clone()
    }

    /// Every issue, in the order they were opened.
    pub fn issues(&self) -> Vec<Issue> {
        self.lock().state.issues.clone()
    }

    /// Adds an issue (or a pull request, [`Issue::pull_request`]) as if opened earlier; its
    /// number is assigned here and returned.
    pub fn add_issue(&self, mut issue: Issue) -> u64 {
        let inner = &mut self.lock().state;
        issue.number = inner.issues.len() as u64 + 1;
        let number = issue.number;
        inner.issues.push(issue);
        number
    }

    /// The tag of the release `GET /releases/latest` answers with.
    pub fn latest(&self) -> Option<String> {
        self.lock()
            .state
            .latest()
            .map(|release| release.tag_name.clone())
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Injects `fault` on the request whose index in [`FakeGithub::requests`] will be `index`.
    pub fn fail_request(&self, index: usize, fault: Fault) {
        self.lock().faults.push((index, fault));
    }

    /// Adds a release as if created earlier; ids are assigned here, sizes and digests computed.
    pub fn add_release(&self, release: Release) -> u64 {
        self.lock().state.add_release(release)
    }

    /// Whether publishing a release makes it immutable (GitHub's repository setting); default on.
    pub fn set_immutable_releases(&self, on: bool) {
        self.lock().state.immutable_releases = on;
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.lock()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking handler must not hide the state from the test's assertions.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
