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
use crate::exit::Exit;
use crate::release::core::{Action, GithubCall, Mode, Step};

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

/// `--milestone TITLE`, else `vX.Y.Z`, else `X.Y.Z`.
fn release_milestone<'a>(f: &Facts, list: &'a [MilestoneInfo]) -> Option<&'a MilestoneInfo> {
    let names = match &f.opts.milestone {
        Some(title) => vec![title.clone()],
        None => vec![f.r.tag.clone(), f.r.version.to_string()],
    };
    names
        .iter()
        .find_map(|name| list.iter().find(|m| &m.title == name))
}

fn milestone_closed(f: &Facts, s: &mut Step) -> anyhow::Result<Outcome> {
    let (gh, list) = match milestones(f) {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some(milestone) = release_milestone(f, list) else {
        let names = match &f.opts.milestone {
            Some(title) => title.clone(),
            None => format!("{} or {}", f.r.tag, f.r.version),
        };
        return Ok(Outcome::skipped(format!(
            "{} has no milestone named {names} (pass --milestone TITLE if it has another name)",
            gh.slug()
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
    // Named like this release's milestone: `vX.Y.Z` unless it is `X.Y.Z`.
    let bare = release_milestone(f, list).is_some_and(|m| !m.title.starts_with('v'));
    let title = if bare {
        next.to_string()
    } else {
        format!("v{next}")
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

/// The versioned docs page: `--docs-url` (with `{version}`), else mkdocs.yml's `site_url` at the
/// tag plus `X.Y.Z/` (mike's layout).
pub fn docs_deployed(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let from_mkdocs = || -> anyhow::Result<Option<String>> {
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
            (!value.is_empty()).then(|| format!("{}/{}/", value.trim_end_matches('/'), f.r.version))
        }))
    };
    let url = match &f.opts.docs_url {
        Some(url) => Some(url.replace("{version}", &f.r.version.to_string())),
        None => from_mkdocs()?,
    };
    let Some(url) = url else {
        return Ok(Outcome::skipped(format!(
            "the project publishes no docs site: no mkdocs.yml with a site_url at {} and no --docs-url",
            f.r.tag
        )));
    };
    let Some(rest) = url.strip_prefix("http://") else {
        return Ok(Outcome::blocked(format!(
            "GET {url}: only plain http is supported by the xtask's HTTP client; open the page by hand"
        )));
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok(match localhttp::get(&authority, path) {
        Ok(response) if response.status == 200 => Outcome::pass_because(format!("GET {url}: 200")),
        Ok(response) => Outcome::fail(format!("GET {url} answered {}", response.status)),
        Err(err) => Outcome::fail(format!("GET {url}: {err}")),
    })
}

/// Each image the project builds and pushes (a compose service with `build:` and an `image:`
/// on a registry host) has the version's tag: `docker manifest inspect`, digest recorded.
pub fn docker_images(f: &Facts, _: &mut Step) -> anyhow::Result<Outcome> {
    let compose = match project::compose::Compose::load(&f.r.project) {
        Ok(compose) => compose,
        Err(err) => return Ok(Outcome::skipped(format!("no compose file to read: {err}"))),
    };
    let pushed: Vec<String> = compose
        .services
        .iter()
        .filter(|service| service.built)
        .filter_map(|service| service.image.clone())
        .filter(|image| {
            image.split('/').next().is_some_and(|host| {
                image.contains('/') && (host.contains('.') || host.contains(':'))
            })
        })
        .collect();
    if pushed.is_empty() {
        return Ok(Outcome::skipped(format!(
            "the project pushes no images: no service in {} both builds and names a registry image",
            compose.file
        )));
    }
    let mut found = Vec::new();
    for image in pushed {
        let name = match image.rfind(':') {
            Some(at) if !image[at..].contains('/') => &image[..at],
            _ => image.as_str(),
        };
        let reference = format!("{name}:{}", f.r.version);
        let out = std::process::Command::new("docker")
            .args(["manifest", "inspect", "--verbose", &reference])
            .output();
        let out = match out {
            Ok(out) => out,
            Err(err) => {
                return Ok(Outcome::blocked(format!(
                    "docker manifest inspect {reference}: cannot run docker: {err}"
                )))
            }
        };
        if !out.status.success() {
            return Ok(Outcome::fail(format!(
                "{reference} is not in the registry: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let digest = text
            .split('"')
            .find(|part| part.starts_with("sha256:") && part.len() == 71)
            .unwrap_or("digest not reported");
        found.push(format!("{reference}@{digest}"));
    }
    Ok(Outcome::pass_because(found.join(", ")))
}
