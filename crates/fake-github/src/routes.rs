//! Request handling: authentication, fault injection, routing and the endpoint handlers.

use std::io::Write;

use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use crate::{
    state::{Asset, Release, State},
    Fault, RecordedRequest, Shared,
};

pub(crate) const API_PREFIX: &str = "/api/v3";
pub(crate) const UPLOADS_PREFIX: &str = "/api/uploads";
/// Where asset downloads are redirected: another "host" that must not get the token.
pub(crate) const STORAGE_PREFIX: &str = "/storage";

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
    /// Bytes instead of JSON (an asset download), with their content type.
    pub(crate) raw: Option<(String, Vec<u8>)>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
            raw: None,
        }
    }

    pub(crate) fn error(status: u16, message: &str) -> Reply {
        Reply::json(
            status,
            json!({ "message": message, "documentation_url": "https://docs.github.com/rest" }),
        )
    }

    pub(crate) fn not_found() -> Reply {
        Reply::error(404, "Not Found")
    }

    fn no_content() -> Reply {
        Reply {
            status: 204,
            headers: Vec::new(),
            body: None,
            raw: None,
        }
    }
}

pub(crate) fn already_exists(resource: &str, field: &str) -> Value {
    json!({
        "message": "Validation Failed",
        "errors": [{ "resource": resource, "code": "already_exists", "field": field }],
        "documentation_url": "https://docs.github.com/rest",
    })
}

/// The parts of a request the handlers look at.
pub(crate) struct Incoming {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) authorization: Option<String>,
    pub(crate) content_type: String,
    /// The `Accept` header (`application/octet-stream` asks an asset for its bytes).
    pub(crate) accept: Option<String>,
    pub(crate) body: Vec<u8>,
}

pub(crate) fn serve(shared: &Shared, mut request: tiny_http::Request) {
    let incoming = read_incoming(&mut request);
    let (reply, fault) = {
        let mut inner = shared.lock();
        let index = inner.requests.len();
        let fault = inner
            .faults
            .iter()
            .position(|(at, _)| *at == index)
            .map(|position| inner.faults.remove(position).1);
        inner.requests.push(RecordedRequest {
            method: incoming.method.clone(),
            path: incoming.path.clone(),
            query: incoming.query.clone(),
            body: incoming.body.clone(),
            fault: fault.as_ref().map(|fault| format!("{fault:?}")),
        });
        let reply = match &fault {
            Some(Fault::Status { .. } | Fault::Drop) => None,
            _ => Some(handle(shared, &mut inner.state, &incoming)),
        };
        (reply, fault)
    };
    match (fault, reply) {
        (
            Some(Fault::Status {
                status,
                headers,
                body,
            }),
            _,
        ) => respond(
            request,
            Reply {
                status,
                headers,
                body: Some(body),
                raw: None,
            },
        ),
        (Some(Fault::Drop | Fault::DropAfterEffect), _) => break_connection(request),
        (Some(Fault::AfterEffect(status)), _) => {
            respond(request, Reply::error(status, "Server Error"))
        }
        (Some(Fault::HoldAfterEffect), _) => shared.lock().held.push(request),
        (None, Some(reply)) => respond(request, reply),
        (None, None) => unreachable!("a request without a fault is always handled"),
    }
}

fn read_incoming(request: &mut tiny_http::Request) -> Incoming {
    let header = |name: &str| {
        request
            .headers()
            .iter()
            .find(|header| header.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|header| header.value.as_str().to_string())
    };
    let authorization = header("Authorization");
    let accept = header("Accept");
    let content_type = header("Content-Type").unwrap_or_else(|| "application/octet-stream".into());
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (request.url().to_string(), String::new()),
    };
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    Incoming {
        method: request.method().as_str().to_string(),
        path,
        query,
        authorization,
        content_type,
        accept,
        body,
    }
}

/// Writes the whole answer with one write: tiny_http's own `respond` sends the head and the body
/// separately, and Nagle's algorithm against delayed ACKs then costs 40 ms per request.
fn respond(request: tiny_http::Request, reply: Reply) {
    let (content_type, body) = match reply.raw {
        Some((content_type, bytes)) => (content_type, bytes),
        None => (
            "application/json; charset=utf-8".to_string(),
            reply
                .body
                .map(|body| body.to_string())
                .unwrap_or_default()
                .into_bytes(),
        ),
    };
    let reason = tiny_http::StatusCode(reply.status).default_reason_phrase();
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        reply.status,
        body.len()
    );
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut writer = request.into_writer();
    let _ = writer.write_all([head.as_bytes(), body.as_slice()].concat().as_slice());
    let _ = writer.flush();
}

/// tiny_http cannot close a socket mid-request, so answer bytes that are not HTTP: the client
/// sees a broken connection without a status, exactly like a dropped one, and closes it.
fn break_connection(request: tiny_http::Request) {
    let mut writer = request.into_writer();
    let _ = writer.write_all(b"\0\r\n\r\n");
    let _ = writer.flush();
}

fn handle(shared: &Shared, state: &mut State, incoming: &Incoming) -> Reply {
    if let Some(rest) = incoming.path.strip_prefix(STORAGE_PREFIX) {
        return crate::reads::storage(state, incoming, rest);
    }
    let token_ok = incoming.authorization.as_deref().is_some_and(|value| {
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("token "));
        token == Some(shared.token.as_str())
    });
    if !token_ok {
        return Reply::error(401, "Bad credentials");
    }
    let (uploads, rest) = if let Some(rest) = incoming.path.strip_prefix(API_PREFIX) {
        (false, rest)
    } else if let Some(rest) = incoming.path.strip_prefix(UPLOADS_PREFIX) {
        (true, rest)
    } else {
        return Reply::not_found();
    };
    let segments: Vec<String> = rest.split('/').skip(1).map(decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ["repos", owner, repo, route @ ..] = segments.as_slice() else {
        return Reply::not_found();
    };
    if *owner != shared.owner || *repo != shared.repo {
        return Reply::not_found();
    }
    let endpoint = Endpoint {
        repo_path: format!("{owner}/{repo}"),
        incoming,
    };
    match (incoming.method.as_str(), uploads, route) {
        ("GET", false, []) => endpoint.repository(),
        ("GET", false, ["releases"]) => endpoint.list_releases(state),
        ("POST", false, ["releases"]) => endpoint.create_release(state),
        ("GET", false, ["releases", "tags", tag]) => endpoint.release_by_tag(state, tag),
        ("GET", false, ["releases", "latest"]) => endpoint.latest_release(state),
        ("GET", false, ["issues"]) => endpoint.list_issues(state),
        ("POST", false, ["issues"]) => endpoint.create_issue(state),
        ("GET", false, ["releases", "assets", id]) if crate::reads::wants_bytes(incoming) => {
            crate::reads::download(state, id)
        }
        ("GET", false, ["releases", "assets", id]) => endpoint.get_asset(state, id),
        ("DELETE", false, ["releases", "assets", id]) => endpoint.delete_asset(state, id),
        ("GET", false, ["releases", id]) => endpoint.get_release(state, id),
        ("PATCH", false, ["releases", id]) => endpoint.update_release(state, id),
        ("GET", false, ["releases", id, "assets"]) => endpoint.list_assets(state, id),
        ("POST", true, ["releases", id, "assets"]) => endpoint.upload_asset(state, id),
        ("GET", false, ["milestones"]) => crate::reads::list_milestones(&endpoint, state),
        ("POST", false, ["milestones"]) => crate::reads::create_milestone(&endpoint, state),
        ("PATCH", false, ["milestones", number]) => {
            crate::reads::update_milestone(&endpoint, state, number)
        }
        _ => Reply::not_found(),
    }
}

pub(crate) struct Endpoint<'a> {
    pub(crate) repo_path: String,
    pub(crate) incoming: &'a Incoming,
}

impl Endpoint<'_> {
    fn repository(&self) -> Reply {
        let (owner, name) = self.repo_path.split_once('/').unwrap();
        Reply::json(
            200,
            json!({
                "id": 1,
                "node_id": "R_1",
                "name": name,
                "full_name": self.repo_path,
                "private": false,
                "url": format!("https://api.github.invalid/repos/{owner}/{name}"),
                "html_url": format!("https://github.invalid/{owner}/{name}"),
                "default_branch": "main",
                "permissions": { "admin": false, "maintain": false, "push": true, "triage": true, "pull": true },
            }),
        )
    }

    fn list_releases(&self, state: &State) -> Reply {
        // GitHub lists newest first, drafts included.
        let releases: Vec<Value> = state
            .releases
            .iter()
            .rev()
            .map(|release| state.release_json(&self.repo_path, release))
            .collect();
        self.paginated(releases)
    }

    fn release_by_tag(&self, state: &State, tag: &str) -> Reply {
        // Drafts are not found by tag: that is why clients must search the full list.
        match state
            .releases
            .iter()
            .find(|release| release.tag_name == tag && !release.draft)
        {
            Some(release) => Reply::json(200, state.release_json(&self.repo_path, release)),
            None => Reply::not_found(),
        }
    }

    fn latest_release(&self, state: &State) -> Reply {
        match state.latest() {
            Some(release) => Reply::json(200, state.release_json(&self.repo_path, release)),
            None => Reply::not_found(),
        }
    }

    fn list_issues(&self, state: &State) -> Reply {
        let query = parse_query(&self.incoming.query);
        let wanted = query_value(&query, "state").unwrap_or_else(|| "open".into());
        let milestone = query_value(&query, "milestone");
        let mut issues: Vec<Value> = state
            .issues
            .iter()
            .filter(|issue| wanted == "all" || issue.state == wanted)
            .filter(|issue| match milestone.as_deref() {
                None => true,
                Some("*") => issue.milestone.is_some(),
                Some("none") => issue.milestone.is_none(),
                Some(number) => issue.milestone.map(|n| n.to_string()).as_deref() == Some(number),
            })
            .map(|issue| state.issue_json(&self.repo_path, issue))
            .collect();
        // GitHub lists newest first unless asked otherwise.
        if query_value(&query, "direction").as_deref() != Some("asc") {
            issues.reverse();
        }
        self.paginated(issues)
    }

    fn create_issue(&self, state: &mut State) -> Reply {
        let Ok(fields) = serde_json::from_slice::<Value>(&self.incoming.body) else {
            return Reply::error(400, "Problems parsing JSON");
        };
        let Some(title) = fields["title"].as_str().filter(|title| !title.is_empty()) else {
            return Reply::error(422, "Validation Failed");
        };
        let labels = fields["labels"].as_array().into_iter().flatten();
        let issue = crate::state::Issue {
            number: state.issues.len() as u64 + 1,
            body: fields["body"].as_str().unwrap_or_default().to_string(),
            labels: labels
                .filter_map(|label| label.as_str().map(str::to_string))
                .collect(),
            milestone: fields["milestone"].as_u64(),
            ..crate::state::Issue::new(title, "open")
        };
        let json = state.issue_json(&self.repo_path, &issue);
        state.issues.push(issue);
        Reply::json(201, json)
    }

    fn get_release(&self, state: &State, id: &str) -> Reply {
        match find_release(state, id) {
            Some(release) => Reply::json(200, state.release_json(&self.repo_path, release)),
            None => Reply::not_found(),
        }
    }

    fn create_release(&self, state: &mut State) -> Reply {
        let Ok(fields) = serde_json::from_slice::<Value>(&self.incoming.body) else {
            return Reply::error(400, "Problems parsing JSON");
        };
        let Some(tag_name) = fields["tag_name"].as_str().filter(|tag| !tag.is_empty()) else {
            return Reply::error(422, "Validation Failed");
        };
        let published_exists = state
            .releases
            .iter()
            .any(|release| release.tag_name == tag_name && !release.draft);
        if published_exists {
            return Reply::json(422, already_exists("Release", "tag_name"));
        }
        let mut release = Release::new(tag_name, false);
        release.name = None;
        release.body = None;
        apply_release_fields(&mut release, &fields, state.immutable_releases);
        let published = !release.draft;
        let id = state.add_release(release);
        track_latest(state, id, &fields, published);
        let release = find_release(state, &id.to_string()).unwrap();
        Reply::json(201, state.release_json(&self.repo_path, release))
    }

    fn update_release(&self, state: &mut State, id: &str) -> Reply {
        let Ok(fields) = serde_json::from_slice::<Value>(&self.incoming.body) else {
            return Reply::error(400, "Problems parsing JSON");
        };
        let Some(release) = find_release(state, id) else {
            return Reply::not_found();
        };
        let (release_id, tag) = (release.id, release.tag_name.clone());
        let tag = fields["tag_name"].as_str().unwrap_or(&tag).to_string();
        let publishing = fields["draft"] == json!(false);
        let other_published = state
            .releases
            .iter()
            .any(|other| other.id != release_id && other.tag_name == tag && !other.draft);
        if publishing && other_published {
            return Reply::json(422, already_exists("Release", "tag_name"));
        }
        let immutable_releases = state.immutable_releases;
        let release = state.release_mut(release_id).unwrap();
        let was_draft = release.draft;
        apply_release_fields(release, &fields, immutable_releases);
        let published_now = was_draft && !release.draft;
        track_latest(state, release_id, &fields, published_now);
        let release = find_release(state, id).unwrap();
        Reply::json(200, state.release_json(&self.repo_path, release))
    }

    fn list_assets(&self, state: &State, id: &str) -> Reply {
        let Some(release) = find_release(state, id) else {
            return Reply::not_found();
        };
        let assets = release
            .assets
            .iter()
            .map(|asset| state.asset_json(&self.repo_path, release, asset))
            .collect();
        self.paginated(assets)
    }

    fn get_asset(&self, state: &State, id: &str) -> Reply {
        match find_asset(state, id) {
            Some((release, asset)) => {
                Reply::json(200, state.asset_json(&self.repo_path, release, asset))
            }
            None => Reply::not_found(),
        }
    }

    fn upload_asset(&self, state: &mut State, id: &str) -> Reply {
        let Some(release) = find_release(state, id) else {
            return Reply::not_found();
        };
        let query = parse_query(&self.incoming.query);
        let Some(name) = query_value(&query, "name").filter(|name| !name.is_empty()) else {
            return Reply::error(422, "Validation Failed: name is required");
        };
        // Like GitHub: `my file.txt` is stored as `my.file.txt`.
        let name = github_protocol::rules::asset_name(&name);
        if release.immutable {
            return Reply::error(422, "Cannot upload assets to an immutable release.");
        }
        if release.assets.iter().any(|asset| asset.name == name) {
            return Reply::json(422, already_exists("ReleaseAsset", "name"));
        }
        let release_id = release.id;
        let asset_id = state.next_id();
        let asset = Asset::new(
            asset_id,
            &name,
            query_value(&query, "label"),
            &self.incoming.content_type,
            self.incoming.body.clone(),
        );
        let release = state.release_mut(release_id).unwrap();
        release.assets.push(asset);
        let (release, asset) = find_asset(state, &asset_id.to_string()).unwrap();
        Reply::json(201, state.asset_json(&self.repo_path, release, asset))
    }

    fn delete_asset(&self, state: &mut State, id: &str) -> Reply {
        let Some((release, asset)) = find_asset(state, id) else {
            return Reply::not_found();
        };
        if release.immutable {
            return Reply::error(422, "Cannot delete assets of an immutable release.");
        }
        let (release_id, asset_id) = (release.id, asset.id);
        let release = state.release_mut(release_id).unwrap();
        release.assets.retain(|asset| asset.id != asset_id);
        Reply::no_content()
    }

    /// One page of `items` per `per_page`/`page`, with GitHub's `Link` header.
    pub(crate) fn paginated(&self, items: Vec<Value>) -> Reply {
        let query = parse_query(&self.incoming.query);
        let number = |key: &str, default: usize| {
            query_value(&query, key)
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        let per_page = number("per_page", 30).clamp(1, 100);
        let page = number("page", 1).max(1);
        let last_page = items.len().div_ceil(per_page).max(1);
        let page_items: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let mut reply = Reply::json(200, Value::Array(page_items));
        if last_page > 1 {
            let link = |page: usize, rel: &str| {
                format!(
                    "<{}?per_page={per_page}&page={page}>; rel=\"{rel}\"",
                    self.incoming.path
                )
            };
            let mut links = Vec::new();
            if page < last_page {
                links.push(link(page + 1, "next"));
                links.push(link(last_page, "last"));
            }
            if page > 1 {
                links.push(link(1, "first"));
                links.push(link(page - 1, "prev"));
            }
            reply.headers.push(("Link".into(), links.join(", ")));
        }
        reply
    }
}

fn apply_release_fields(release: &mut Release, fields: &Value, immutable_releases: bool) {
    let text = |key: &str| fields[key].as_str().map(str::to_string);
    if let Some(tag_name) = text("tag_name") {
        release.tag_name = tag_name;
    }
    if let Some(target) = text("target_commitish") {
        release.target_commitish = target;
    }
    if fields.get("name").is_some() {
        release.name = text("name");
    }
    if fields.get("body").is_some() {
        release.body = text("body");
    }
    if let Some(prerelease) = fields["prerelease"].as_bool() {
        release.prerelease = prerelease;
    }
    if let Some(make_latest) = text("make_latest") {
        release.make_latest = Some(make_latest);
    }
    if let Some(draft) = fields["draft"].as_bool() {
        release.draft = draft;
    }
    if !release.draft && immutable_releases {
        release.immutable = true;
    }
}

/// GitHub's `make_latest`: `"true"` (the default when publishing) makes a published release
/// that is not a pre-release the latest; `"false"` and `"legacy"` leave the choice to GitHub.
fn track_latest(state: &mut State, id: u64, fields: &Value, published_now: bool) {
    let asked = fields["make_latest"].as_str();
    let wanted = asked == Some("true") || (published_now && asked.is_none());
    let eligible = state
        .releases
        .iter()
        .any(|release| release.id == id && !release.draft && !release.prerelease);
    if wanted && eligible {
        state.explicit_latest = Some(id);
    }
}

fn find_release<'a>(state: &'a State, id: &str) -> Option<&'a Release> {
    let id: u64 = id.parse().ok()?;
    state.releases.iter().find(|release| release.id == id)
}

pub(crate) fn find_asset<'a>(state: &'a State, id: &str) -> Option<(&'a Release, &'a Asset)> {
    let id: u64 = id.parse().ok()?;
    state.releases.iter().find_map(|release| {
        release
            .assets
            .iter()
            .find(|asset| asset.id == id)
            .map(|asset| (release, asset))
    })
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// Form-style decoding, as GitHub's servers do: `+` means a space, so clients must send `%2B`.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                decode(&key.replace('+', " ")),
                decode(&value.replace('+', " ")),
            )
        })
        .collect()
}

pub(crate) fn query_value(query: &[(String, String)], key: &str) -> Option<String> {
    query
        .iter()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.clone())
}
