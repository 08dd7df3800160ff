//! Layer 1, the GitHub release, through the `xtask-github` binary (octocrab and tokio stay out of this
//! crate's build): `check` in the preflight, `plan` in the plan, `publish` when executing.
//! It reads one JSON request on stdin and writes one JSON result on stdout; the token reaches
//! it only through the inherited environment (`GITHUB_TOKEN` / `GH_TOKEN`), never argv.
//! Exit 0 ok, 2 refused with nothing changed, 3 failed part-way. See docs/github.md.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::Context;
use serde_json::{json, Value};

use super::effect::{Action, ActionKind, Step};
use super::vocab::{Check, Problem, Release};
use crate::exit::Exit;

/// Where the release goes. The token is not here: it stays in the environment.
#[derive(Debug, Clone)]
pub struct Target {
    pub owner: String,
    pub repo: String,
    /// `GITHUB_API_URL` (GitHub Enterprise) when set; else xtask-github's default.
    pub api_url: Option<String>,
    /// `GITHUB_UPLOADS_URL` when set; else derived from the API URL by xtask-github.
    pub uploads_url: Option<String>,
    /// Marked as a pre-release on GitHub (a `-PRE` version).
    pub prerelease: bool,
    /// Becomes the repository's latest release: explicit, since a hotfix of an older line
    /// must not (default: unless a pre-release).
    pub make_latest: bool,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// Token present, owner/repo known, the token can see the repo, no published release for the
/// tag that lacks something (`xtask-github check`).
/// `fresh`: this release has no release commit yet, so any published release is someone else's.
pub fn preflight(
    r: &Release,
    fresh: bool,
    make_latest: Option<bool>,
) -> Result<Target, Vec<Problem>> {
    let mut problems = Vec::new();
    if env("GITHUB_TOKEN").is_none() && env("GH_TOKEN").is_none() {
        problems.push(Problem::new(
            Check::Github,
            "no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset",
            "export GITHUB_TOKEN (a token with contents:write on the repo), or pass --no-github",
        ));
    }
    let slug = match env("GITHUB_REPOSITORY") {
        Some(slug) => slug
            .split_once('/')
            .map(|(o, r)| (o.to_string(), r.to_string())),
        None => r
            .repo
            .remote_url(&r.remote)
            .ok()
            .flatten()
            .and_then(|url| git::parse_remote_url(&url)),
    };
    let Some((owner, repo)) = slug else {
        problems.push(Problem::new(
            Check::Github,
            format!("cannot tell the GitHub repository: GITHUB_REPOSITORY is unset and the {} URL names none", r.remote),
            "set GITHUB_REPOSITORY=owner/repo",
        ));
        return Err(problems);
    };
    let target = Target {
        owner,
        repo,
        api_url: env("GITHUB_API_URL"),
        uploads_url: env("GITHUB_UPLOADS_URL"),
        prerelease: r.is_prerelease(),
        make_latest: make_latest.unwrap_or(!r.is_prerelease()),
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let request = request(r, &target, "", "", &[]);
    match call("check", &request) {
        Ok((0, result)) if result["release"]["state"] == "published" && fresh => {
            Err(vec![Problem::new(
                Check::Github,
                format!(
                    "{}/{} already has a published release for {}",
                    target.owner, target.repo, r.tag
                ),
                "release another version",
            )])
        }
        Ok((0, _)) => Ok(target),
        Ok((_, result)) => Err(vec![Problem::new(
            Check::Github,
            format!("xtask-github check: {}", cause(&result)),
            fix(&result),
        )]),
        Err(err) => Err(vec![Problem::new(
            Check::Github,
            format!("{err:#}"),
            "see the error above",
        )]),
    }
}

/// `xtask-github plan` (what publishing would do now) or `publish` (do it).
pub fn step(
    r: &Release,
    target: &Target,
    body: &str,
    assets: &[(PathBuf, String)],
    s: &mut Step,
) -> anyhow::Result<()> {
    // Only a tag that exists has its own assets built (see the archive step).
    let tagged = r.repo.tag_target(&r.tag)?;
    let Some(commit) = tagged.filter(|_| assets.iter().all(|(path, _)| path.is_file())) else {
        // Planning a release whose tag does not exist yet: the calls a fresh release makes.
        s.summary(format!(
            "{}/{}: release {} (draft, then publish)",
            target.owner, target.repo, r.tag
        ));
        for what in std::iter::once(format!("look up the release for {} (none expected)", r.tag))
            .chain(std::iter::once(format!(
                "create draft release {} \"Version {}\"",
                r.tag, r.version
            )))
            .chain(assets.iter().map(|(_, name)| format!("upload {name}")))
            .chain(std::iter::once(format!(
                "publish (prerelease={}, make_latest={})",
                target.prerelease, target.make_latest
            )))
        {
            s.act(Action::new(ActionKind::Github, what), || Ok(()))?;
        }
        return Ok(());
    };
    let request = request(r, target, body, &commit, assets);
    let (code, planned) = call("plan", &request)?;
    if code != 0 {
        // Exit 1 when planning, 3 (resume) when executing: see `Output::failed`.
        anyhow::bail!("xtask-github plan: {} ({})", cause(&planned), fix(&planned));
    }
    let actions = actions(&planned);
    if planned["up_to_date"] == true {
        s.done(format!(
            "{}/{}: release {} is published with all {} asset(s)",
            target.owner,
            target.repo,
            r.tag,
            assets.len()
        ));
        return Ok(());
    }
    s.summary(format!(
        "{}/{}: release {}",
        target.owner, target.repo, r.tag
    ));
    for action in &actions {
        s.act(Action::new(ActionKind::Github, action.clone()), || Ok(()))?;
    }
    s.act(
        Action::new(ActionKind::Github, "xtask-github publish"),
        || {
            let (code, result) = call("publish", &request)?;
            match code {
                0 => Ok(()),
                2 => Err(Exit::interrupted(format!(
                    "github refused: {} ({})",
                    cause(&result),
                    fix(&result)
                ))
                .into()),
                _ => Err(Exit::interrupted(format!("github: {}", cause(&result))).into()),
            }
        },
    )?;
    Ok(())
}

fn request(
    r: &Release,
    target: &Target,
    body: &str,
    commit: &str,
    assets: &[(PathBuf, String)],
) -> Value {
    json!({
        "api_url": target.api_url,
        "uploads_url": target.uploads_url,
        "owner": target.owner,
        "repo": target.repo,
        "tag": r.tag,
        "name": format!("Version {}", r.version),
        "body": body,
        "target_commitish": if commit.is_empty() { r.branch.as_str() } else { commit },
        "prerelease": target.prerelease,
        "make_latest": target.make_latest,
        "assets": assets.iter().map(|(path, name)| json!({"path": path, "name": name})).collect::<Vec<_>>(),
    })
}

/// Runs `xtask-github <command>` with `request` on stdin; returns its exit code and result.
fn call(command: &str, request: &Value) -> anyhow::Result<(i32, Value)> {
    let bin = binary()?;
    let mut child = Command::new(&bin)
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(request.to_string().as_bytes())
        .context("writing the request")?;
    let out = child
        .wait_with_output()
        .context("waiting for xtask-github")?;
    let code = out.status.code().unwrap_or(3);
    let result = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        json!({"error": format!("no JSON result (exit {code}): {}", String::from_utf8_lossy(&out.stdout).trim())})
    });
    Ok((code, result))
}

/// `XTASK_GITHUB_BIN`, else built on demand from this workspace.
fn binary() -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("XTASK_GITHUB_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let root = crate::paths::workspace_root();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "-q", "-p", "github", "--bin", "xtask-github"])
        .current_dir(&root)
        .status()
        .context("running cargo build -p github")?;
    anyhow::ensure!(
        status.success(),
        "cargo build -p github --bin xtask-github failed"
    );
    Ok(crate::paths::target_dir().join("debug").join(exe_name()))
}

fn exe_name() -> String {
    format!("xtask-github{}", std::env::consts::EXE_SUFFIX)
}

/// The tarballs, models json, SHA256SUMS and manifest.json that `archive::build` wrote.
pub fn archive_assets(dir: &Path, manifest: &archive::Manifest) -> Vec<(PathBuf, String)> {
    let mut names: Vec<String> = manifest
        .artifacts
        .iter()
        .map(|artifact| artifact.name.clone())
        .collect();
    names.push(archive::SHA256SUMS.to_string());
    names.push(archive::MANIFEST.to_string());
    names
        .into_iter()
        .map(|name| (dir.join(&name), name))
        .collect()
}

fn text_field(result: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|key| result.get(*key).and_then(Value::as_str).map(str::to_string))
}

fn cause(result: &Value) -> String {
    text_field(result, &["error", "message", "cause"]).unwrap_or_else(|| result.to_string())
}

fn fix(result: &Value) -> String {
    text_field(result, &["fix", "hint"]).unwrap_or_else(|| "see the error above".into())
}

/// The planned actions, one line each (`create draft release v1.2.0`, `upload x (12 bytes)`).
fn actions(result: &Value) -> Vec<String> {
    let list = result.get("actions").and_then(Value::as_array);
    list.into_iter().flatten().map(action_line).collect()
}

fn action_line(action: &Value) -> String {
    let field = |key: &str| match &action[key] {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    match action["action"].as_str().unwrap_or_default() {
        "create_draft" => format!("create draft release {}", field("tag")),
        "update_draft" => format!("update the draft ({})", field("fields")),
        "upload" => format!("upload {} ({} bytes)", field("name"), field("size")),
        "skip" => format!("skip {} ({})", field("name"), field("reason")),
        "replace" => format!("replace {} (the draft's copy differs)", field("name")),
        "publish" => format!("publish (make_latest={})", field("make_latest")),
        _ => action.to_string(),
    }
}
