//! What a post-release run reads and tidies: asset downloads and milestones (the "latest"
//! release and the issues are in `routes.rs`, shared with rollback).
//!
//! Downloads behave like GitHub's: `GET .../releases/assets/{id}` with
//! `Accept: application/octet-stream` answers `302 Found` with a `Location` on a storage "host"
//! (`/storage/...` here), and the storage host refuses a request that carries the token
//! (`400`, as S3 does: "Only one auth mechanism allowed"). Milestones are listed open-only by
//! default, addressed by `number`, and their titles are unique.

use serde_json::{json, Value};

use crate::routes::{find_asset, parse_query, query_value, Endpoint, Incoming, Reply};
use crate::state::{Release, State};
use crate::FakeGithub;

const TIMESTAMP: &str = "2026-01-01T00:00:00Z";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub number: u64,
    pub title: String,
    /// `open` or `closed`.
    pub state: String,
    pub description: Option<String>,
}

fn next_milestone(state: &State) -> u64 {
    state.milestones.iter().map(|m| m.number).max().unwrap_or(0) + 1
}

pub(crate) fn wants_bytes(incoming: &Incoming) -> bool {
    incoming
        .accept
        .as_deref()
        .is_some_and(|accept| accept.contains("application/octet-stream"))
}

/// `302 Found` to the storage host, like GitHub's pre-signed object URLs.
pub(crate) fn download(state: &State, id: &str) -> Reply {
    let Some((_, asset)) = find_asset(state, id) else {
        return Reply::not_found();
    };
    let location = format!(
        "{}{}/{}?X-Amz-Signature=fake",
        state.base_url(),
        crate::routes::STORAGE_PREFIX,
        asset.id
    );
    Reply {
        status: 302,
        headers: vec![("Location".into(), location)],
        body: None,
        raw: None,
    }
}

/// The storage host: the bytes, to a request without the token.
pub(crate) fn storage(state: &State, incoming: &Incoming, rest: &str) -> Reply {
    if incoming.authorization.is_some() {
        return Reply::error(
            400,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        );
    }
    let id = rest.trim_start_matches('/');
    match find_asset(state, id) {
        Some((_, asset)) => Reply {
            status: 200,
            headers: Vec::new(),
            body: None,
            raw: Some(("application/octet-stream".into(), asset.content.clone())),
        },
        None => Reply::not_found(),
    }
}

pub(crate) fn milestone_json(repo_path: &str, state: &State, milestone: &Milestone) -> Value {
    let count = |open: bool| {
        state
            .issues
            .iter()
            .filter(|issue| issue.milestone == Some(milestone.number))
            .filter(|issue| (issue.state == "open") == open)
            .count()
    };
    let number = milestone.number;
    json!({
        "url": format!("{}/repos/{}/milestones/{number}", state.base_url(), repo_path),
        "html_url": format!("{}/{}/milestone/{number}", state.base_url(), repo_path),
        "labels_url": format!("{}/repos/{}/milestones/{number}/labels", state.base_url(), repo_path),
        "id": 1000 + number,
        "node_id": format!("MI_{number}"),
        "number": number,
        "state": milestone.state,
        "title": milestone.title,
        "description": milestone.description,
        "creator": null,
        "open_issues": count(true),
        "closed_issues": count(false),
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "closed_at": if milestone.state == "closed" { json!(TIMESTAMP) } else { Value::Null },
        "due_on": null,
    })
}

pub(crate) fn list_milestones(endpoint: &Endpoint, state: &State) -> Reply {
    let query = parse_query(&endpoint.incoming.query);
    let wanted = query_value(&query, "state").unwrap_or_else(|| "open".into());
    let items = state
        .milestones
        .iter()
        .filter(|m| wanted == "all" || m.state == wanted)
        .map(|m| milestone_json(&endpoint.repo_path, state, m))
        .collect();
    endpoint.paginated(items)
}

pub(crate) fn create_milestone(endpoint: &Endpoint, state: &mut State) -> Reply {
    let Ok(fields) = serde_json::from_slice::<Value>(&endpoint.incoming.body) else {
        return Reply::error(400, "Problems parsing JSON");
    };
    let Some(title) = fields["title"].as_str().filter(|t| !t.is_empty()) else {
        return Reply::error(422, "Validation Failed");
    };
    if state.milestones.iter().any(|m| m.title == title) {
        return Reply::json(422, crate::routes::already_exists("Milestone", "title"));
    }
    let milestone = Milestone {
        number: next_milestone(state),
        title: title.to_string(),
        state: fields["state"].as_str().unwrap_or("open").to_string(),
        description: fields["description"].as_str().map(str::to_string),
    };
    state.milestones.push(milestone.clone());
    Reply::json(201, milestone_json(&endpoint.repo_path, state, &milestone))
}

pub(crate) fn update_milestone(endpoint: &Endpoint, state: &mut State, number: &str) -> Reply {
    let Ok(fields) = serde_json::from_slice::<Value>(&endpoint.incoming.body) else {
        return Reply::error(400, "Problems parsing JSON");
    };
    let number: u64 = number.parse().unwrap_or(0);
    let Some(milestone) = state.milestones.iter_mut().find(|m| m.number == number) else {
        return Reply::not_found();
    };
    if let Some(value) = fields["state"].as_str() {
        milestone.state = value.to_string();
    }
    if let Some(value) = fields["title"].as_str() {
        milestone.title = value.to_string();
    }
    if let Some(value) = fields["description"].as_str() {
        milestone.description = Some(value.to_string());
    }
    let milestone = milestone.clone();
    Reply::json(200, milestone_json(&endpoint.repo_path, state, &milestone))
}

/// Seeding and inspecting what post-release reads.
impl FakeGithub {
    /// Adds a milestone; returns its number.
    pub fn add_milestone(&self, title: &str, open: bool) -> u64 {
        let mut inner = self.lock();
        let number = next_milestone(&inner.state);
        inner.state.milestones.push(Milestone {
            number,
            title: title.to_string(),
            state: if open { "open" } else { "closed" }.to_string(),
            description: None,
        });
        number
    }

    pub fn milestones(&self) -> Vec<Milestone> {
        self.lock().state.milestones.clone()
    }

    /// Marks the published release of `tag` as the repository's latest.
    pub fn set_latest(&self, tag: &str) {
        let mut inner = self.lock();
        let id = inner
            .state
            .releases
            .iter()
            .find(|r| r.tag_name == tag && !r.draft)
            .map(|r| r.id);
        inner.state.explicit_latest = id;
    }

    /// Changes the release of `tag` in place (as someone editing it on GitHub would).
    pub fn edit_release(&self, tag: &str, edit: impl FnOnce(&mut Release)) {
        let mut inner = self.lock();
        let release = inner
            .state
            .releases
            .iter_mut()
            .find(|r| r.tag_name == tag)
            .expect("a release for the tag");
        edit(release);
    }

    /// Replaces the bytes of an asset; GitHub's digest follows them, as it would after a
    /// delete and re-upload.
    pub fn replace_asset(&self, tag: &str, name: &str, content: &[u8]) {
        self.edit_release(tag, |release| {
            let asset = release
                .assets
                .iter_mut()
                .find(|a| a.name == name)
                .expect("an asset of that name");
            *asset = crate::Asset::new(asset.id, name, None, &asset.content_type, content.to_vec());
        });
    }

    /// Adds an asset to the release of `tag`, as an upload would (immutability aside).
    pub fn add_asset(&self, tag: &str, name: &str, content: &[u8]) -> u64 {
        let id = self.lock().state.next_id();
        let asset = crate::Asset::new(id, name, None, "application/octet-stream", content.to_vec());
        self.edit_release(tag, |release| release.assets.push(asset));
        id
    }
}
