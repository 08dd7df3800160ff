//! The "Cleanup" subsection (and the two verification items about deployments): the release
//! milestone closed (`--execute`; refused while issues in it are open unless
//! `--close-open-milestone`), the next milestone opened (`--next-milestone X.Y.Z`), the docs
//! tarball archived with the release; documentation deployed and Docker images pushed, where the
//! project has a docs site or a registry. Every GitHub change goes through [`Step::act`]: the
//! plan lists it, `--execute` does it.

use github_protocol::reads::{
    MilestoneInfo, MilestoneRef, MilestoneState, NewMilestone, ReadCommand,
};
use runner::Outcome;

use super::facts::Facts;
use super::{How, Item, Section};
use crate::release::core::{Action, GithubCall, Mode, Step};
use xtask::exit::Exit;

pub const ITEMS: &[Item] = &[
    Item {
        id: "milestone-closed",
        section: Section::Cleanup,
        title: "Close release milestone in GitHub",
        how: How::Auto(milestone_closed),
    },
    Item {
        id: "docs-archived",
        section: Section::Cleanup,
        title: "Documentation of this version archived with the release",
        how: How::Auto(docs_archived),
    },
    Item {
        id: "related-repos",
        section: Section::Cleanup,
        title: "Update related repositories",
        how: How::Manual(
            "update the repositories that depend on this one (if any)",
            None,
        ),
    },
    Item {
        id: "next-milestone",
        section: Section::Cleanup,
        title: "Plan next release cycle",
        how: How::Auto(next_milestone),
    },
];

/// The milestones, or why they cannot be read (the GitHub cause is `github-release`'s).
fn milestones(f: &Facts) -> Result<(&super::facts::Github, &[MilestoneInfo]), Outcome> {
    let gh = f
        .github
        .as_ref()
        .map_err(|_| Outcome::blocked("GitHub cannot be read (see `github-release`)"))?;
    match &gh.milestones {
        Ok(list) => Ok((gh, list)),
        Err(cause) => Err(Outcome::blocked(cause.clone())),
    }
}

/// The titles the release's milestone may have: `--milestone TITLE`, else release-checks.toml's
/// `[post-release] milestone`, else `vX.Y.Z` or `X.Y.Z`.
fn milestone_names(f: &Facts) -> Vec<String> {
    match (&f.opts.milestone, &f.opts.config.milestone) {
        (Some(title), _) => vec![title.clone()],
        (None, Some(template)) => vec![template.fill(&f.r.version)],
        (None, None) => vec![f.r.tag.clone(), f.r.version.to_string()],
    }
}

fn release_milestone<'a>(f: &Facts, list: &'a [MilestoneInfo]) -> Option<&'a MilestoneInfo> {
    milestone_names(f)
        .iter()
        .find_map(|name| list.iter().find(|m| &m.title == name))
}

fn milestone_closed(f: &Facts, s: &mut Step) -> anyhow::Result<Outcome> {
    let (gh, list) = match milestones(f) {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some(milestone) = release_milestone(f, list) else {
        return Ok(Outcome::skipped(format!(
            "{} has no milestone named {} (pass --milestone TITLE, or set `milestone` in \
             release-checks.toml's [post-release], if it has another name)",
            gh.slug(),
            milestone_names(f).join(" or ")
        )));
    };
    let title = &milestone.title;
    if milestone.state == MilestoneState::Closed {
        return Ok(Outcome::pass_because(format!(
            "milestone {title} is closed"
        )));
    }
    let number = milestone.number;
    let issues = match gh.call(ReadCommand::MilestoneIssues, MilestoneRef { number })? {
        Ok(reply) => reply.issues.unwrap_or_default(),
        Err(cause) => return Ok(Outcome::blocked(cause)),
    };
    let listed: Vec<String> = issues
        .iter()
        .map(|issue| {
            let kind = if issue.pull_request {
                " (pull request)"
            } else {
                ""
            };
            format!("#{} {}{kind}", issue.number, issue.title)
        })
        .collect();
    if !issues.is_empty() && !f.opts.close_open_milestone {
        let cause = format!(
            "milestone {title} has {} open issue(s): {}",
            issues.len(),
            listed.join(", ")
        );
        if f.opts.execute {
            return Err(
                Exit::refused(cause, "close or move them, or pass --close-open-milestone").into(),
            );
        }
        return Ok(Outcome::skipped(format!(
            "planned: {cause}; --execute refuses to close it unless --close-open-milestone"
        )));
    }
    let call = GithubCall::CloseMilestone {
        title: title.to_string(),
        number,
        open_issues: listed,
    };
    let shown = call.to_string();
    s.act(Action::github(gh.slug(), call), || {
        match gh.call(ReadCommand::CloseMilestone, MilestoneRef { number })? {
            Ok(_) => Ok(()),
            Err(cause) => Err(Exit::interrupted(cause).into()),
        }
    })?;
    Ok(match s.mode() {
        Mode::Plan => Outcome::skipped(format!("planned: {shown} (--execute closes it)")),
        // The same words as a re-run's, so the record does not change.
        Mode::Execute => Outcome::pass_because(format!("milestone {title} is closed")),
    })
}

fn next_milestone(f: &Facts, s: &mut Step) -> anyhow::Result<Outcome> {
    let (gh, list) = match milestones(f) {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some(next) = &f.opts.next_milestone else {
        let open_later = list.iter().find(|m| {
            m.state == MilestoneState::Open
                && semver::Version::parse(m.title.trim_start_matches('v'))
                    .is_ok_and(|v| v > f.r.version)
        });
        return Ok(match open_later {
            Some(m) => {
                Outcome::pass_because(format!("the next cycle has an open milestone: {}", m.title))
            }
            None => Outcome::manual(
                "plan the next release cycle: pass --next-milestone X.Y.Z to open its milestone",
            ),
        });
    };
    if *next <= f.r.version {
        return Err(Exit::refused(
            format!("--next-milestone {next} is not after {}", f.r.version),
            "give the version of the next release",
        )
        .into());
    }
    // Named like this release's milestone: the configured title, else `vX.Y.Z` unless this
    // one is `X.Y.Z`.
    let bare = release_milestone(f, list).is_some_and(|m| !m.title.starts_with('v'));
    let title = match (&f.opts.config.milestone, bare) {
        (Some(template), _) => template.fill(next),
        (None, true) => next.to_string(),
        (None, false) => format!("v{next}"),
    };
    if list.iter().any(|m| m.title == title) {
        return Ok(Outcome::pass_because(format!("milestone {title} exists")));
    }
    let call = GithubCall::CreateMilestone {
        title: title.clone(),
    };
    let shown = call.to_string();
    s.act(Action::github(gh.slug(), call), || {
        let new = NewMilestone {
            title: title.clone(),
            description: Some(format!("The release after {}", f.r.tag)),
        };
        match gh.call(ReadCommand::CreateMilestone, new)? {
            Ok(_) => Ok(()),
            Err(cause) => Err(Exit::interrupted(cause).into()),
        }
    })?;
    Ok(match s.mode() {
        Mode::Plan => Outcome::skipped(format!("planned: {shown} (--execute opens it)")),
        Mode::Execute => Outcome::pass_because(format!("milestone {title} exists")),
    })
}

fn docs_archived(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Ok(assets) = &f.assets else {
        return Ok(Outcome::blocked(
            "no release assets to look at (see `github-release`)",
        ));
    };
    let manifest: Option<archive::Manifest> =
        std::fs::read(assets.archive_dir.join(archive::MANIFEST))
            .ok()
            .and_then(|text| serde_json::from_slice(&text).ok());
    let Some(manifest) = manifest else {
        return Ok(Outcome::blocked(
            "the release has no readable manifest.json (see `assets-reproducible`)",
        ));
    };
    let docs = format!("{}-docs.tar.gz", manifest.label);
    let docs = format!("{}-{docs}", manifest.name);
    if let Some(left_out) = manifest.left_out.iter().find(|l| l.artifact == docs) {
        return Ok(Outcome::skipped(format!(
            "{docs} was not built: {}",
            left_out.reason
        )));
    }
    let listed = assets.sums.iter().flatten().any(|(_, name)| *name == docs);
    let downloaded = assets.files.iter().any(|d| d.name == docs);
    Ok(match (listed, downloaded) {
        (true, true) => Outcome::pass_because(format!(
            "{docs} is an asset of the release, listed in SHA256SUMS"
        )),
        _ => Outcome::fail(format!(
            "the release lacks {docs}, the documentation of this version"
        )),
    })
}

/// The versioned docs page: `--docs-url`, else release-checks.toml's `[post-release]
/// docs_url` (`{version}` replaced in both), else mkdocs.yml's `site_url` at the tag plus
/// `X.Y.Z/` (mike's layout). The reason names the source. It must answer 200, asked with curl
/// (no TLS stack in the build: see docs/benchmarks.md "cold build").
pub fn docs_deployed(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let version = f.r.version.to_string();
    let from_mkdocs = || -> anyhow::Result<Option<(String, String)>> {
        let Some(commit) = f.tag_commit() else {
            return Ok(None);
        };
        let text =
            f.r.repo
                .show_file(commit, "mkdocs.yml")?
                .unwrap_or_default();
        Ok(text.lines().find_map(|line| {
            let value = line
                .strip_prefix("site_url:")?
                .trim()
                .trim_matches(['"', '\'']);
            let url = format!("{}/{version}/", value.trim_end_matches('/'));
            let source = format!("mkdocs.yml's site_url at {} plus {version}/", f.r.tag);
            (!value.is_empty()).then_some((url, source))
        }))
    };
    let found = match (&f.opts.docs_url, &f.opts.config.docs_url) {
        (Some(url), _) => Some((url.replace("{version}", &version), "--docs-url".to_string())),
        (None, Some(template)) => Some((
            template.fill(&version),
            format!("docs_url of [post-release] at {}", template.at),
        )),
        (None, None) => from_mkdocs()?,
    };
    let Some((url, source)) = found else {
        return Ok(Outcome::skipped(format!(
            "the project publishes no docs site: no mkdocs.yml with a site_url at {}, no docs_url \
             in release-checks.toml's [post-release] and no --docs-url",
            f.r.tag
        )));
    };
    Ok(docs_page(&url, &source))
}

/// How long curl may take for the page, redirects included.
const CURL_MAX_TIME_S: &str = "20";

/// What a GET of the docs page came to.
enum Answer {
    /// The final status, and the final URL when redirects were followed.
    Status(u16, Option<String>),
    /// No status: the client's one-line error (DNS, connection, TLS, timeout).
    Failed(String),
}

/// `GET url` with curl where it runs (http and https alike, redirects followed), else with the
/// xtask's own client, which speaks plain http and follows no redirect.
fn docs_page(url: &str, source: &str) -> Outcome {
    let asked = format!("GET {url} (from {source})");
    let scheme = url
        .split_once("://")
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Outcome::blocked(format!("{asked}: not an http(s) URL"));
    }
    let answer = match curl_get(url) {
        Ok(answer) => answer,
        Err(no_curl) => match plain_http_get(url) {
            Some(Answer::Status(status @ 300..=399, _)) => {
                return Outcome::blocked(format!(
                    "{asked} answered {status}, a redirect the xtask's own HTTP client does not \
                     follow ({no_curl}); install curl"
                ))
            }
            Some(answer) => answer,
            None => {
                return Outcome::blocked(format!(
                    "{asked}: {no_curl}, and the xtask's own HTTP client speaks plain http only; \
                     install curl"
                ))
            }
        },
    };
    match answer {
        Answer::Status(200, redirected) => {
            Outcome::pass_because(format!("{asked}: 200{}", redirect_note(redirected)))
        }
        Answer::Status(status, redirected) => Outcome::fail(format!(
            "{asked} answered {status}{}",
            redirect_note(redirected)
        )),
        Answer::Failed(said) => Outcome::fail(format!("{asked}: {said}")),
    }
}

fn redirect_note(redirected: Option<String>) -> String {
    redirected.map_or_else(String::new, |to| format!(" (redirected to {to})"))
}

/// `GET url` with curl, following redirects; `Err` with why when curl cannot be run. curl gets
/// the URL and nothing else: no ~/.curlrc (`--disable`), no token in its environment.
fn curl_get(url: &str) -> Result<Answer, String> {
    let out = std::process::Command::new("curl")
        .args(["--disable", "--silent", "--show-error", "--location"])
        .args(["--proto", "=http,https", "--proto-redir", "=http,https"])
        .args(["--max-time", CURL_MAX_TIME_S, "--output", "/dev/null"])
        .args([
            "--write-out",
            "%{http_code} %{num_redirects} %{url_effective}",
        ])
        .args(["--url", url])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .stdin(std::process::Stdio::null())
        .output();
    let out = match out {
        Ok(out) => out,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err("curl is not on PATH".to_string())
        }
        Err(err) => return Err(format!("curl cannot be run: {err}")),
    };
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = stderr.lines().map(str::trim).find(|line| !line.is_empty());
        return Ok(Answer::Failed(said.map_or_else(
            || format!("curl failed ({})", out.status),
            str::to_string,
        )));
    }
    Ok(curl_written_out(&String::from_utf8_lossy(&out.stdout)))
}

/// curl's `--write-out` line: `STATUS REDIRECTS FINAL_URL`.
fn curl_written_out(line: &str) -> Answer {
    let mut words = line.trim().splitn(3, ' ');
    let status = words.next().and_then(|code| code.parse::<u16>().ok());
    let redirects: u32 = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let redirected = words.next().filter(|_| redirects > 0).map(str::to_string);
    match status {
        Some(status) if status != 0 => Answer::Status(status, redirected),
        _ => Answer::Failed(format!("curl reported no HTTP status ({:?})", line.trim())),
    }
}

/// `GET url` with the xtask's own client; `None` for a URL that is not plain http.
fn plain_http_get(url: &str) -> Option<Answer> {
    let rest = url
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case("http://"))
        .map(|_| &url[7..])?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Some(match localhttp::get(&authority, path) {
        Ok(response) => Answer::Status(response.status, None),
        Err(err) => Answer::Failed(err),
    })
}

/// Each image the project pushes has the version's tag in its registry, and its digest is
/// recorded: a compose service that builds (`build:`) an `image:` with a repository path
/// (`registry/owner/name`, or `owner/name` on Docker Hub) — what `docker compose push` pushes —
/// asked with `docker manifest inspect --verbose IMAGE:X.Y.Z`. The services are those of the
/// compose files at origin's tag (see [`super::compose_at_tag`]), the ones released. A tag the
/// registry does not have fails; a registry that cannot be asked blocks.
pub fn docker_images(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let Some(commit) = f.tag_commit() else {
        return Ok(Outcome::blocked(
            "origin has no tag to read the compose files at (see `tag-pushed`)",
        ));
    };
    let shell = |name: &str| std::env::var(name).ok();
    let at_tag = super::compose_at_tag::read(&f.r.repo, &f.r.project, commit, &f.r.tag, &shell);
    let super::compose_at_tag::AtTag { compose, source } = match at_tag {
        Ok(at_tag) => at_tag,
        Err(outcome) => return Ok(outcome),
    };
    let built: Vec<&project::compose::Service> =
        compose.services.iter().filter(|s| s.built).collect();
    let pushed: Vec<(&str, String)> = built
        .iter()
        .filter_map(|service| {
            Some((
                service.name.as_str(),
                repository(service.image.as_deref()?)?,
            ))
        })
        .collect();
    if pushed.is_empty() {
        let builds: Vec<String> = built
            .iter()
            .map(|service| match &service.image {
                Some(image) => format!("{} (image {image})", service.name),
                None => format!("{} (no image:)", service.name),
            })
            .collect();
        let builds = match builds.is_empty() {
            true => "none builds an image".to_string(),
            false => format!("built: {}", builds.join(", ")),
        };
        return Ok(Outcome::skipped(format!(
            "the project pushes no images: no service in {source} builds an image named on a \
             registry (`registry/owner/name` or `owner/name`); {builds}"
        )));
    }
    let sh = xshell::Shell::new()?;
    let version = f.r.version.to_string();
    let (mut found, mut missing, mut unasked) = (Vec::new(), Vec::new(), Vec::new());
    for (service, name) in pushed {
        let reference = format!("{name}:{version}");
        let out = xshell::cmd!(sh, "docker manifest inspect --verbose {reference}")
            .quiet()
            .ignore_status()
            .output();
        let out = match out {
            Ok(out) => out,
            Err(err) => {
                return Ok(Outcome::blocked(format!(
                    "docker manifest inspect {reference}: cannot run docker: {err}"
                )))
            }
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        let said = stderr.lines().map(str::trim).find(|l| !l.is_empty());
        let said = said.unwrap_or("no answer").to_string();
        if !out.status.success() {
            let lower = said.to_ascii_lowercase();
            match lower.contains("no such manifest") || lower.contains("manifest unknown") {
                true => missing.push(format!("{reference} (service {service}): {said}")),
                false => unasked.push(format!("{reference} (service {service}): {said}")),
            }
            continue;
        }
        match manifest_digests(&out.stdout) {
            Some(digests) => found.push(format!("{reference}{digests}")),
            None => unasked.push(format!(
                "{reference} (service {service}): `docker manifest inspect --verbose` printed no digest"
            )),
        }
    }
    let unasked_note = match unasked.is_empty() {
        true => String::new(),
        false => format!("; not asked: {}", unasked.join("; ")),
    };
    if !missing.is_empty() {
        return Ok(Outcome::fail(format!(
            "{} image(s) of {source} not in the registry for {version}: {}{unasked_note}",
            missing.len(),
            missing.join("; ")
        )));
    }
    if !unasked.is_empty() {
        return Ok(Outcome::blocked(format!(
            "the registry could not be asked about {} image(s) of {source}: {}",
            unasked.len(),
            unasked.join("; ")
        )));
    }
    Ok(Outcome::pass_because(format!(
        "{} image(s) of {source} pushed for {version}: {}",
        found.len(),
        found.join(", ")
    )))
}

/// The repository an `image:` reference names when it is one a registry holds (a path with a
/// `/`: `ghcr.io/owner/app`, `owner/app` on Docker Hub), without its tag and digest; `None`
/// for a local name (`app`, `app:dev`).
fn repository(image: &str) -> Option<String> {
    let name = image.split('@').next().unwrap_or(image);
    let name = match name.rfind(':') {
        Some(at) if !name[at..].contains('/') => &name[..at],
        _ => name,
    };
    (name.contains('/') && !name.starts_with('/') && !name.ends_with('/')).then(|| name.to_string())
}

/// The digest(s) in `docker manifest inspect --verbose`'s output, to follow the reference: one
/// object for an image (`@sha256:…`), an array, one per platform, for a manifest list
/// (` (manifest list: linux/amd64@sha256:…, …)`).
fn manifest_digests(stdout: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(stdout).ok()?;
    let digest = |entry: &serde_json::Value| -> Option<String> {
        let digest = entry["Descriptor"]["digest"].as_str()?;
        digest.starts_with("sha256:").then(|| digest.to_string())
    };
    match &value {
        serde_json::Value::Array(entries) if !entries.is_empty() => {
            let each: Option<Vec<String>> = entries
                .iter()
                .map(|entry| {
                    let platform = &entry["Descriptor"]["platform"];
                    let os = platform["os"].as_str().unwrap_or("?");
                    let arch = platform["architecture"].as_str().unwrap_or("?");
                    Some(format!("{os}/{arch}@{}", digest(entry)?))
                })
                .collect();
            Some(format!(" (manifest list: {})", each?.join(", ")))
        }
        serde_json::Value::Object(_) => Some(format!("@{}", digest(&value)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_is_pushed_when_it_names_a_repository_path() {
        for (image, repository_of) in [
            ("ghcr.io/tzervas/app:0.5.0", Some("ghcr.io/tzervas/app")),
            ("tzervas/app", Some("tzervas/app")),
            ("localhost:5000/app:1", Some("localhost:5000/app")),
            ("registry:5000/team/app", Some("registry:5000/team/app")),
            ("tzervas/app:1@sha256:abc", Some("tzervas/app")),
            ("app:dev", None),
            ("app", None),
        ] {
            assert_eq!(repository(image).as_deref(), repository_of, "{image}");
        }
    }

    #[test]
    fn the_digest_is_the_descriptor_not_the_config() {
        let one = br#"{"Ref":"r","Descriptor":{"digest":"sha256:aa","platform":{"os":"linux","architecture":"amd64"}},"OCIManifest":{"config":{"digest":"sha256:cc"}}}"#;
        assert_eq!(manifest_digests(one).as_deref(), Some("@sha256:aa"));
        assert_eq!(manifest_digests(b"not json"), None);
        assert_eq!(manifest_digests(b"[]"), None);
    }
}
