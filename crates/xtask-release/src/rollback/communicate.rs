//! Checklist step 3, "Communicate Issue", on GitHub through `xtask-github`'s amend requests:
//! `--from`'s release gets "ROLLED BACK" in front of its title and a notice on top of its body;
//! "latest" moves to `--to`'s release; an incident issue is opened. Each looks first and acts
//! only when its effect is missing, so a re-run never doubles the notice nor the issue. Tags and
//! releases are never deleted (docs/rollback.md says why).

use github_protocol::{
    AmendCommand, AmendReply, EditSpec, IssueSpec, LookupSpec, ReleaseState, RemoteRelease,
};

use super::Rollback;
use crate::release::core::{github, Action, Check, GithubCall, Problem, Step, Target};
use xtask::exit::{self, Exit};

/// What a rolled-back release's title starts with (and how earlier rollbacks are recognised).
pub const MARK: &str = "ROLLED BACK";
/// Ends the notice in a release body: a re-run finds it and adds nothing.
const NOTICE_END: &str = "<!-- xtask rollback notice -->";

/// The release tags whose GitHub release is marked rolled back (they are never a default `--to`).
pub fn rolled_back_tags(target: &Target, repo: &git::Repo) -> Result<Vec<String>, Problem> {
    let tags: Vec<String> = repo
        .release_tags()
        .map_err(|err| Problem::new(Check::Repo, err.to_string(), "check the repository"))?
        .into_iter()
        .map(|(_, tag)| tag)
        .collect();
    let answer = lookup(target, tags, None).map_err(|err| {
        Problem::new(
            Check::Github,
            format!("looking up the releases: {err:#}"),
            "check the token and the repository, then re-run",
        )
    })?;
    Ok(answer
        .releases
        .into_iter()
        .filter(|found| release(&found.release).is_some_and(is_marked))
        .map(|found| found.tag)
        .collect())
}

pub fn notice_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let Some(target) = &r.github else {
        return s.skipped("--no-github");
    };
    let answer = lookup(target, vec![r.from.tag.clone()], None)?;
    let Some(found) = answer.releases.first().and_then(|t| release(&t.release)) else {
        return s.skipped(format!(
            "{}/{} has no release for {}: no notice to add",
            target.owner, target.repo, r.from.tag
        ));
    };
    let title = found.name.clone().unwrap_or_else(|| r.from.tag.clone());
    let body = found.body.clone().unwrap_or_default();
    let new_title = (!is_marked(found)).then(|| format!("{MARK}: {title}"));
    let new_body = (!body.contains(NOTICE_END)).then(|| format!("{}{body}", notice(r)));
    if new_title.is_none() && new_body.is_none() {
        s.done(format!(
            "release {} is marked {MARK} already: {title}",
            r.from.tag
        ));
        return Ok(());
    }
    s.summary(format!(
        "{}/{}: release {}",
        target.owner, target.repo, r.from.tag
    ));
    let call = |title: Option<String>, notice: Option<String>| GithubCall::EditRelease {
        tag: r.from.tag.clone(),
        title,
        notice,
    };
    if let Some(new_title) = &new_title {
        let shown = format!("title {title:?} -> {new_title:?}");
        let action = Action::github(target.slug(), call(Some(new_title.clone()), None));
        s.act(action.shown(shown), || Ok(()))?;
    }
    let (notice, shown) = match &new_body {
        Some(_) => (
            Some(notice_line(r)),
            format!("notice on top of the body: {}", notice_line(r)),
        ),
        None => (None, "the body has the notice already".into()),
    };
    let action = Action::github(target.slug(), call(None, notice)).shown(shown);
    s.act(action, || {
        edit(
            target,
            EditSpec {
                repository: github::repository(target),
                tag: r.from.tag.clone(),
                name: new_title.clone(),
                body: new_body.clone(),
                make_latest: false,
            },
        )
    })?;
    Ok(())
}

pub fn latest_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let Some(target) = &r.github else {
        return s.skipped("--no-github");
    };
    let answer = lookup(target, vec![r.to.tag.clone()], None)?;
    let now = answer.latest.clone().unwrap_or_else(|| "none".into());
    let Some(found) = answer.releases.first().and_then(|t| release(&t.release)) else {
        return s.skipped(format!(
            "{} has no GitHub release: \"latest\" is left as it is ({now})",
            r.to.tag
        ));
    };
    if answer.latest.as_deref() == Some(r.to.tag.as_str()) {
        s.done(format!("{} is the latest release", r.to.tag));
        return Ok(());
    }
    if found.draft || found.prerelease {
        return s.skipped(format!(
            "{}'s release is a {}: it cannot be latest; \"latest\" is left as it is ({now})",
            r.to.tag,
            if found.draft { "draft" } else { "pre-release" }
        ));
    }
    let call = GithubCall::MakeLatest {
        tag: r.to.tag.clone(),
        previous: now,
    };
    s.act(Action::github(target.slug(), call), || {
        edit(
            target,
            EditSpec {
                repository: github::repository(target),
                tag: r.to.tag.clone(),
                name: None,
                body: None,
                make_latest: true,
            },
        )
    })?;
    Ok(())
}

pub fn incident_step(r: &Rollback, s: &mut Step) -> anyhow::Result<()> {
    let Some(target) = &r.github else {
        return s.skipped("--no-github");
    };
    let title = incident_title(r);
    let answer = lookup(target, Vec::new(), Some(title.clone()))?;
    if let Some(issue) = &answer.issue {
        s.done(format!(
            "#{} {:?} ({}, {})",
            issue.number, issue.title, issue.state, issue.html_url
        ));
        return Ok(());
    }
    s.summary(format!("{}/{}", target.owner, target.repo));
    let body = incident_body(r);
    s.act(
        Action::github(
            target.slug(),
            GithubCall::OpenIssue {
                title: title.clone(),
            },
        ),
        || {
            let spec = IssueSpec {
                repository: github::repository(target),
                title: title.clone(),
                body: body.clone(),
                labels: Vec::new(),
            };
            send(AmendCommand::OpenIssue, &spec, "opening the incident issue").map(drop)
        },
    )?;
    Ok(())
}

/// "Rollback of vX.Y.Z to vA.B.C": how the issue is found again.
pub fn incident_title(r: &Rollback) -> String {
    format!("Rollback of {} to {}", r.from.tag, r.to.tag)
}

fn incident_body(r: &Rollback) -> String {
    let evidence = r.evidence.borrow();
    let mut body = format!(
        "{} was rolled back to {} on {} (UTC).\n\nReason: {}\n\n### Health of {}\n\n",
        r.from.shown(),
        r.to.shown(),
        r.release.date,
        r.reason,
        r.to.tag
    );
    match evidence.is_empty() {
        true => body.push_str("- (gathered when the rollback is executed)\n"),
        false => evidence
            .iter()
            .for_each(|line| body.push_str(&format!("- {line}\n"))),
    }
    body.push_str(&format!(
        "\n### Commits rolled back ({}..{})\n\n",
        r.to.tag, r.from.tag
    ));
    for commit in r.between.iter().take(50) {
        body.push_str(&format!("- {commit}\n"));
    }
    body.push_str(&format!(
        "\n### Next\n\nFix forward with a patch release: `{}`, then `cargo xtask hotfix finish`.\n",
        super::steps::hotfix_command(r)
    ));
    body
}

/// The notice on top of the rolled-back release's body, ending with [`NOTICE_END`].
fn notice(r: &Rollback) -> String {
    format!(
        "> [!WARNING]\n> **{MARK}** on {} to {}: {}.\n> Deploy {} instead; a fix follows as a patch release.\n{NOTICE_END}\n\n",
        r.release.date, r.to.tag, r.reason, r.to.tag
    )
}

fn notice_line(r: &Rollback) -> String {
    format!("{MARK} on {} to {}: {}", r.release.date, r.to.tag, r.reason)
}

fn is_marked(release: &RemoteRelease) -> bool {
    release
        .name
        .as_deref()
        .is_some_and(|name| name.starts_with(MARK))
}

fn release(state: &ReleaseState) -> Option<&RemoteRelease> {
    match state {
        ReleaseState::None => None,
        ReleaseState::Draft(release) | ReleaseState::Published(release) => Some(release),
    }
}

fn lookup(
    target: &Target,
    tags: Vec<String>,
    issue_title: Option<String>,
) -> anyhow::Result<AmendReply> {
    let spec = LookupSpec {
        repository: github::repository(target),
        tags,
        issue_title,
    };
    send(AmendCommand::Lookup, &spec, "looking on GitHub")
}

fn edit(target: &Target, spec: EditSpec) -> anyhow::Result<()> {
    let what = format!(
        "editing release {} on {}/{}",
        spec.tag, target.owner, target.repo
    );
    send(AmendCommand::EditRelease, &spec, &what).map(drop)
}

/// One amend request. Any failure is a plain error naming its cause and fix, so that the
/// output gives it the mode's code: 1 when planning (nothing changed), 3 when executing (the
/// deployment has changed; a re-run resumes).
fn send<S: serde::Serialize>(
    command: AmendCommand,
    spec: &S,
    what: &str,
) -> anyhow::Result<AmendReply> {
    let failed = |exit: Exit| {
        let fix = exit
            .fix
            .map(|fix| format!(" (hint: {fix})"))
            .unwrap_or_default();
        anyhow::anyhow!("{}{fix}", exit.cause)
    };
    let (code, reply) = github::amend(command, spec).map_err(failed)?;
    match (code, reply.amend.clone()) {
        (0, Some(answer)) => Ok(answer),
        _ => Err(failed(github::reply_error(exit::FAILED, what, &reply))),
    }
}
