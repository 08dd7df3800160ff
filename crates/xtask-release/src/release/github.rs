//! Layer 1, the GitHub release, through the `xtask-github` binary (octocrab and tokio stay out of this
//! crate's build): `check` in the preflight, `plan` in the plan, `publish` when executing.
//! It reads one JSON request on stdin and writes one JSON result on stdout; the token reaches
//! it only through the inherited environment (`GITHUB_TOKEN` / `GH_TOKEN`), never argv.
//! Exit 0 ok, 2 refused with nothing changed, 3 failed part-way. See docs/github.md.
//! [`amend`] sends the other request kinds (look up, edit an existing release, open an issue),
//! [`call_read`] the post-release ones (read a release, download assets, milestones).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use github_protocol::reads::{ReadCommand, RepoSpec};
use github_protocol::{
    AmendCommand, AssetSpec, Command as GhCommand, ReleaseSpec, ReleaseState, Reply, Repository,
    PROTOCOL, REBUILD_HINT,
};

use super::effect::{Action, GithubCall, Step};
use super::vocab::{Check, Problem, Release};
use xtask::exit::Exit;

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
    /// The release's title: `Version X.Y.Z`, or `Version X.Y.Z - NAME` with `--title`.
    pub title: String,
}

impl Target {
    /// `owner/repo`, as GitHub names the repository (an action's `repo`).
    pub fn slug(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }
}

/// A step of publishing, as the typed call an action carries (shown as the protocol shows it).
pub fn call_of(action: &github_protocol::Action) -> GithubCall {
    use github_protocol::Action as A;
    match action {
        A::CreateDraft { tag } => GithubCall::CreateRelease {
            tag: tag.clone(),
            name: None,
            draft: true,
        },
        A::UpdateDraft { fields } => GithubCall::UpdateDraft {
            fields: fields.iter().map(|f| f.name().to_string()).collect(),
        },
        A::Upload { name, size, digest } => GithubCall::UploadAsset {
            asset: name.clone(),
            size: Some(*size),
            digest: Some(digest.clone()),
        },
        A::Skip { name, reason } => GithubCall::SkipAsset {
            asset: name.clone(),
            reason: reason.to_string(),
        },
        A::Replace { name, size, digest } => GithubCall::ReplaceAsset {
            asset: name.clone(),
            size: *size,
            digest: digest.clone(),
        },
        A::Publish { make_latest } => GithubCall::PublishRelease {
            prerelease: None,
            make_latest: *make_latest,
        },
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
}

/// The tracked files matching the `--asset` globs, each with the name GitHub keeps for it
/// (`docs/my file.txt` is uploaded as `my.file.txt`, see [`github_protocol::rules::asset_name`]):
/// checked in the preflight, before the first write, and again by the archive step. Refused:
/// a glob that is absolute, leaves the project or matches no tracked file; a name GitHub
/// would rename unpredictably (not ASCII) or to nothing; a name taken by the archive's own
/// assets (`SHA256SUMS`, `manifest.json`, `<project>-vX.Y.Z*`) or by another `--asset`.
pub fn extra_assets(r: &Release, globs: &[String]) -> Result<Vec<(PathBuf, String)>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut fail =
        |cause: String, fix: &str| problems.push(Problem::new(Check::Github, cause, fix));
    let narrow = "pass a glob of tracked files relative to the project, e.g. --asset 'docs/*.json'";
    let mut paths: Vec<String> = Vec::new();
    for glob in globs.iter().map(|g| g.trim()).filter(|g| !g.is_empty()) {
        if Path::new(glob).is_absolute() || glob.split(['/', '\\']).any(|part| part == "..") {
            fail(format!("--asset {glob:?} is outside the project"), narrow);
            continue;
        }
        match r.repo.ls_files_glob(&[glob]) {
            Ok(found) if found.is_empty() => fail(
                format!("--asset {glob:?} matches no tracked file"),
                "fix the glob (git pathspec syntax), or `git add` and commit the file first",
            ),
            Ok(found) => paths.extend(found),
            Err(err) => fail(format!("--asset {glob:?}: {err:#}"), narrow),
        }
    }
    paths.sort();
    paths.dedup();
    let stem = r
        .repo
        .show_file("HEAD", super::vocab::PYPROJECT)
        .ok()
        .flatten()
        .and_then(|text| xtask::version::parse_project_name("HEAD", &text).ok())
        .map(|name| format!("{name}-{}", r.tag));
    let mut assets: Vec<(PathBuf, String)> = Vec::new();
    for path in paths {
        let file = path.rsplit('/').next().unwrap_or(&path);
        let name = github_protocol::rules::asset_name(file);
        let rename = "rename the file to ASCII letters, digits, `.`, `-`, `_`, `+` and `@`, or narrow --asset";
        if !file.is_ascii() || name.is_empty() {
            fail(
                format!(
                    "--asset {path}: GitHub renames {file:?} in a way that cannot be predicted"
                ),
                rename,
            );
            continue;
        }
        let taken = |other: &str| other.eq_ignore_ascii_case(&name);
        if taken(archive::SHA256SUMS)
            || taken(archive::MANIFEST)
            || stem.as_deref().is_some_and(|stem| name.starts_with(stem))
        {
            fail(
                format!(
                    "--asset {path}: the name {name} is taken by the release archive's own assets"
                ),
                rename,
            );
            continue;
        }
        if let Some((other, _)) = assets.iter().find(|(_, other)| taken(other)) {
            fail(
                format!(
                    "--asset {path} and {} would both be uploaded as {name}",
                    other.strip_prefix(&r.project).unwrap_or(other).display()
                ),
                rename,
            );
            continue;
        }
        assets.push((r.project.join(&path), name));
    }
    match problems.is_empty() {
        true => Ok(assets),
        false => Err(problems),
    }
}

/// Token present, owner/repo known, the token can see the repo, no published release for the
/// tag that lacks something (`xtask-github check`).
/// `fresh`: this release has no release commit yet, so any published release is someone else's.
#[allow(dead_code)] // part of the core surface (core.rs): the hotfix and models commands use it
pub fn preflight(
    r: &Release,
    fresh: bool,
    make_latest: Option<bool>,
) -> Result<Target, Vec<Problem>> {
    let target = target(r, make_latest)?;
    check(r, &target, fresh).map_err(|problem| vec![problem])?;
    Ok(target)
}

/// Where the release goes, from the environment and the remote URL, each value validated
/// where it is read (a token with a newline, `owner/repo` that is not one, an API URL that is
/// not http(s)). Asks nothing of GitHub.
pub fn target(r: &Release, make_latest: Option<bool>) -> Result<Target, Vec<Problem>> {
    use github_protocol::rules;
    let mut problems = Vec::new();
    let mut fail = |cause: String, fix: &str| {
        problems.push(Problem::new(Check::Github, cause, fix));
    };
    match ["GITHUB_TOKEN", "GH_TOKEN"]
        .into_iter()
        .find_map(|var| env(var).map(|value| (var, value)))
    {
        None => fail(
            "no GitHub token: GITHUB_TOKEN and GH_TOKEN are unset".into(),
            "export GITHUB_TOKEN (a token with contents:write on the repo), or pass --no-github",
        ),
        Some((var, value)) => {
            if let Err(cause) = rules::check_token(var, &value) {
                fail(cause, rules::TOKEN_HINT);
            }
        }
    }
    let slug = match env("GITHUB_REPOSITORY") {
        Some(slug) => match rules::parse_slug("GITHUB_REPOSITORY", slug.trim()) {
            Ok(slug) => Some(slug),
            Err(cause) => {
                fail(
                    cause,
                    "set GITHUB_REPOSITORY=owner/repo (or unset it to use the remote URL)",
                );
                return Err(problems);
            }
        },
        None => r
            .repo
            .remote_url(&r.remote)
            .ok()
            .flatten()
            .and_then(|url| git::parse_remote_url(&url)),
    };
    let mut urls = Vec::new();
    for var in ["GITHUB_API_URL", "GITHUB_UPLOADS_URL"] {
        let value = env(var);
        if let Some(Err(cause)) = value.as_deref().map(|url| rules::check_url(var, url)) {
            fail(
                cause,
                &format!("set {var} to the http(s) URL of your GitHub Enterprise API (or unset it for github.com)"),
            );
        }
        urls.push(value);
    }
    let Some((owner, repo)) = slug else {
        fail(
            format!("cannot tell the GitHub repository: GITHUB_REPOSITORY is unset and the {} URL names none", r.remote),
            "set GITHUB_REPOSITORY=owner/repo",
        );
        return Err(problems);
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    let uploads_url = urls.pop().flatten();
    let api_url = urls.pop().flatten();
    Ok(Target {
        owner,
        repo,
        api_url,
        uploads_url,
        prerelease: r.is_prerelease(),
        make_latest: make_latest.unwrap_or(!r.is_prerelease()),
        title: super::vocab::release_title(&r.version, None),
    })
}

/// `xtask-github check`: the token sees the repository, and (when `fresh`) no published
/// release exists for the tag.
pub fn check(r: &Release, target: &Target, fresh: bool) -> Result<(), Problem> {
    let request = request(r, target, "", "", &[]);
    match call(GhCommand::Check, &request) {
        Ok((0, reply)) if fresh && reply.release.as_ref().is_some_and(|s| s.is_published()) => {
            Err(Problem::new(
                Check::Github,
                format!(
                    "{}/{} already has a published release for {}",
                    target.owner, target.repo, r.tag
                ),
                "release another version",
            ))
        }
        Ok((0, _)) => Ok(()),
        Ok((_, reply)) => Err(Problem::new(
            Check::Github,
            format!("xtask-github check: {}", cause(&reply)),
            fix(&reply),
        )),
        Err(err) => Err(Problem::new(
            Check::Github,
            err.cause,
            err.fix.unwrap_or_default(),
        )),
    }
}

/// `xtask-github plan` (what publishing would do now) or `publish` (do it); the release's
/// `html_url` once it is published (`None` while planning a release not yet there).
pub fn step(
    r: &Release,
    target: &Target,
    body: &str,
    assets: &[(PathBuf, String)],
    s: &mut Step,
) -> anyhow::Result<Option<String>> {
    // Only a tag that exists has its own assets built (see the archive step).
    let tagged = r.repo.tag_target(&r.tag)?;
    let Some(commit) = tagged.filter(|_| assets.iter().all(|(path, _)| path.is_file())) else {
        // Planning a release whose tag does not exist yet: the calls a fresh release makes.
        s.summary(format!(
            "{}/{}: release {} (draft, then publish)",
            target.owner, target.repo, r.tag
        ));
        let tag = r.tag.clone();
        let calls = [
            GithubCall::FindRelease { tag: tag.clone() },
            GithubCall::CreateRelease {
                tag,
                name: Some(target.title.clone()),
                draft: true,
            },
        ]
        .into_iter()
        .chain(assets.iter().map(|(_, name)| GithubCall::UploadAsset {
            asset: name.clone(),
            size: None,
            digest: None,
        }))
        .chain([GithubCall::PublishRelease {
            prerelease: Some(target.prerelease),
            make_latest: target.make_latest,
        }]);
        for call in calls {
            s.act(Action::github(target.slug(), call), || Ok(()))?;
        }
        return Ok(None);
    };
    let request = request(r, target, body, &commit, assets);
    let (code, planned) = call(GhCommand::Plan, &request)?;
    if code != 0 {
        // Exit 1 when planning, 3 (resume) when executing: see `Output::failed`.
        anyhow::bail!("xtask-github plan: {} ({})", cause(&planned), fix(&planned));
    }
    let actions = planned.actions.clone().unwrap_or_default();
    if planned.up_to_date == Some(true) {
        s.done(format!(
            "{}/{}: release {} is published with all {} asset(s)",
            target.owner,
            target.repo,
            r.tag,
            assets.len()
        ));
        return Ok(published_url(&planned));
    }
    s.summary(format!(
        "{}/{}: release {}",
        target.owner, target.repo, r.tag
    ));
    for action in &actions {
        let call = call_of(action);
        debug_assert_eq!(
            call.to_string(),
            action.to_string(),
            "shown as the protocol shows it"
        );
        s.act(Action::github(target.slug(), call), || Ok(()))?;
    }
    let published = s.act(
        Action::github(target.slug(), GithubCall::Publish { tag: r.tag.clone() }),
        || {
            let (code, result) = call(GhCommand::Publish, &request)?;
            match code {
                0 => Ok(published_url(&result)),
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
    Ok(published.flatten().or_else(|| published_url(&planned)))
}

/// The `html_url` of the release a reply found published.
fn published_url(reply: &Reply) -> Option<String> {
    match &reply.release {
        Some(ReleaseState::Published(release)) if !release.html_url.is_empty() => {
            Some(release.html_url.clone())
        }
        _ => None,
    }
}

fn request(
    r: &Release,
    target: &Target,
    body: &str,
    commit: &str,
    assets: &[(PathBuf, String)],
) -> ReleaseSpec {
    ReleaseSpec {
        protocol: Some(PROTOCOL),
        api_url: target.api_url.clone(),
        uploads_url: target.uploads_url.clone(),
        owner: target.owner.clone(),
        repo: target.repo.clone(),
        tag: r.tag.clone(),
        name: target.title.clone(),
        body: body.to_string(),
        target_commitish: if commit.is_empty() {
            r.branch.clone()
        } else {
            commit.to_string()
        },
        prerelease: target.prerelease,
        make_latest: target.make_latest,
        assets: assets
            .iter()
            .map(|(path, name)| AssetSpec {
                path: path.clone(),
                name: name.clone(),
                label: None,
            })
            .collect(),
    }
}

/// Runs `xtask-github <command>` with `spec` on stdin; returns its exit code and reply. A
/// binary that cannot be started or speaks another protocol is refused (nothing was changed).
fn call(command: GhCommand, spec: &ReleaseSpec) -> Result<(i32, Reply), Exit> {
    let json = serde_json::to_vec(spec).expect("a release spec serialises");
    call_binary(command.name(), &json, command.changes_github())
}

/// An amend request (lookup, edit-release, open-issue: see `github_protocol::AmendCommand`)
/// for `target`'s repository; the reply's `amend` holds the answer.
pub fn amend<S: serde::Serialize>(command: AmendCommand, spec: &S) -> Result<(i32, Reply), Exit> {
    let json = serde_json::to_vec(spec).expect("an amend spec serialises");
    call_binary(command.name(), &json, command.changes_github())
}

/// A post-release request, `xtask-github <word>` ([`ReadCommand`]): its exit code and reply.
pub fn call_read<T: serde::Serialize>(
    command: ReadCommand,
    spec: &RepoSpec<T>,
) -> Result<(i32, Reply), Exit> {
    let json = serde_json::to_vec(spec).expect("a request spec serialises");
    call_binary(command.name(), &json, command.changes_github())
}

/// The repository part of an amend spec.
pub fn repository(target: &Target) -> Repository {
    Repository {
        protocol: Some(PROTOCOL),
        api_url: target.api_url.clone(),
        owner: target.owner.clone(),
        repo: target.repo.clone(),
    }
}

/// The cause and fix of a failed reply, as one `Exit` with `code`.
pub fn reply_error(code: u8, what: &str, reply: &Reply) -> Exit {
    Exit {
        code,
        cause: format!("{what}: {}", cause(reply)),
        fix: Some(fix(reply)),
    }
}

/// Runs `xtask-github <command>` with `json` on stdin; `changes_github`: the command changes
/// GitHub, so an unreadable reply means "failed part-way", not "refused".
fn call_binary(command: &str, json: &[u8], changes_github: bool) -> Result<(i32, Reply), Exit> {
    let bin = binary()?;
    let refused = |cause: String| Exit::refused(cause, REBUILD_HINT);
    let mut child = Command::new(&bin)
        .arg(command)
        // Its error comes back in the reply and is printed once, by this process.
        .env("XTASK_GITHUB_PARENT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| refused(format!("cannot start {}: {err}", bin.display())))?;
    let written = child.stdin.take().expect("piped").write_all(json);
    let out = child
        .wait_with_output()
        .map_err(|err| Exit::interrupted(format!("waiting for xtask-github {command}: {err}")))?;
    let code = out.status.code().unwrap_or(3);
    let reply: Reply = match serde_json::from_slice(&out.stdout) {
        Ok(reply) => reply,
        Err(err) => {
            let text = String::from_utf8_lossy(&out.stdout);
            let cause = format!(
                "xtask-github {command} gave no reply this xtask can read (exit {code}, {err}; writing the request: {}): {}",
                written.map_or_else(|err| err.to_string(), |()| "ok".into()),
                text.trim()
            );
            return Err(match changes_github {
                true => Exit::interrupted(cause),
                false => refused(cause),
            });
        }
    };
    if let Err(mismatch) = reply.check_protocol() {
        return Err(refused(format!("{mismatch} ({})", bin.display())));
    }
    Ok((code, reply))
}

/// `XTASK_GITHUB_BIN`, else built on demand from this workspace, once per run.
fn binary() -> Result<PathBuf, Exit> {
    static BUILT: std::sync::OnceLock<Result<PathBuf, Exit>> = std::sync::OnceLock::new();
    match BUILT.get_or_init(|| xtask::on_demand::GITHUB.path()) {
        Ok(bin) => Ok(bin.clone()),
        Err(err) => Err(Exit {
            code: err.code,
            cause: err.cause.clone(),
            fix: err.fix.clone(),
        }),
    }
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

pub fn cause(reply: &Reply) -> String {
    reply
        .error
        .clone()
        .unwrap_or_else(|| format!("it failed without saying why (ok={})", reply.ok))
}

pub fn fix(reply: &Reply) -> String {
    reply.fix.clone().unwrap_or_else(|| {
        "re-run with the same arguments; if it fails again, run xtask-github by hand (docs/github.md)"
            .into()
    })
}
