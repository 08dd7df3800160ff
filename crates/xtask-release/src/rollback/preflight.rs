//! Everything checked before the first change: the repository, the two versions, a clean tree,
//! where HEAD is, GitHub. Every failure is one cause and its fix; any failure refuses the
//! rollback (exit 2) with nothing changed.

use std::time::Duration;

use git::short;

use super::{communicate, deploy, identify, Rollback};
use crate::release::core::{check_clean_tree, github, Check, Checks, Problem, Release};
use xtask::Ctx;

/// A refused rollback: what it was about (version, subject) and every problem found.
pub struct Refusal {
    pub subject: (String, String),
    pub problems: Vec<Problem>,
}

/// `Ok(Err(refusal))`: refused. `Err`: git itself could not be run.
pub fn run(ctx: &Ctx, args: &super::Args) -> anyhow::Result<Result<super::Rollback, Refusal>> {
    let repo = git::Repo::new(&ctx.project);
    let refuse = |subject: String, problems: Vec<Problem>| {
        Ok(Err(Refusal {
            subject: (String::new(), subject),
            problems,
        }))
    };
    if !repo.is_repo() || repo.head()?.is_none() {
        let problem = Problem::new(
            Check::Repo,
            format!(
                "{} is not a git work tree with commits",
                ctx.project.display()
            ),
            "run it in the project's git clone",
        );
        return refuse(String::new(), vec![problem]);
    }
    // The deployment's own version label names what runs — unless HEAD is detached (a
    // rollback's checkout): then it names the old version, and a re-run must not go further.
    let deployed = match repo.current_branch()? {
        Some(_) => deploy::deployed_version(ctx),
        None => None,
    };
    let from = match identify::from(&repo, args.from.as_deref(), deployed)? {
        Ok(found) => found,
        Err(problem) => return refuse(args.from.clone().unwrap_or_default(), vec![problem]),
    };
    let (from, from_source) = from;

    // GitHub first: which earlier releases are marked rolled back decides the default --to.
    let mut c = Checks::default();
    let from_release = Release::new(
        ctx.project.clone(),
        &ctx.out,
        from.version.clone(),
        "main".into(),
        args.remote.name.clone(),
        None,
    )?;
    let github = match args.no_github {
        true => None,
        false => match github::preflight(&from_release, false, Some(false)) {
            Ok(target) => Some(target),
            Err(problems) => return refuse(from.tag.clone(), problems),
        },
    };
    let rolled_back = match &github {
        Some(target) => match communicate::rolled_back_tags(target, &repo) {
            Ok(tags) => tags,
            Err(problem) => return refuse(from.tag.clone(), vec![problem]),
        },
        None => Vec::new(),
    };
    let to = match identify::to(&repo, args.to.as_deref(), &from, &|tag| {
        rolled_back.iter().any(|known| known == tag)
    })? {
        Ok(to) => to,
        Err(problem) => return refuse(from.tag.clone(), vec![problem]),
    };

    let branch = match repo.current_branch()? {
        Some(branch) => Some(branch),
        None => {
            let head = repo.head()?.unwrap_or_default();
            if head != to.commit {
                c.fail(
                    Check::Branch,
                    format!(
                        "HEAD is detached at {}, which is not {}: the branch to return to is unknown",
                        short(&head),
                        to.tag
                    ),
                    "check out your branch first (git switch main)",
                );
            }
            None
        }
    };
    let mut release = Release::new(
        ctx.project.clone(),
        &ctx.out,
        to.version.clone(),
        branch.clone().unwrap_or_else(|| "main".into()),
        args.remote.name.clone(),
        None,
    )?;
    release.out = ctx.out.join("rollback");
    if let Some(op) = repo.in_progress()? {
        c.fail(
            Check::Tree,
            format!("a {} is in progress", op.as_str()),
            format!("finish or abort the {} first", op.as_str()),
        );
    }
    check_clean_tree(&release, &mut c, &[])?;
    if !c.problems.is_empty() {
        return refuse(format!("{} -> {}", from.tag, to.tag), c.problems);
    }
    let between = identify::between(&repo, &to, &from)?;
    let mut rollback = Rollback {
        release,
        between,
        branch,
        reason: args
            .reason
            .clone()
            .unwrap_or_else(|| "a critical issue in this release".into()),
        health_timeout: Duration::from_secs(args.health_timeout),
        github,
        evidence: Default::default(),
        from_source,
        from,
        to,
    };
    if rollback.branch.is_none() {
        // Resuming: HEAD is at --to; the branch was recorded before the checkout.
        rollback.branch = deploy::recorded_branch(&rollback);
    }
    Ok(Ok(rollback))
}

/// What a person should know before the plan: the versions, the commits between, the branch.
pub fn notes(r: &Rollback) -> Vec<String> {
    let mut notes = vec![
        format!(
            "rolling back {} ({}) to {}",
            r.from.shown(),
            r.from_source,
            r.to.shown()
        ),
        format!(
            "{} commit(s) from {} to {}{}",
            r.between.len(),
            r.to.tag,
            r.from.tag,
            match r.between.as_slice() {
                [] => String::new(),
                list => format!(
                    ": {}{}",
                    list.iter().take(10).cloned().collect::<Vec<_>>().join("; "),
                    if list.len() > 10 { "; …" } else { "" }
                ),
            }
        ),
    ];
    notes.push(match &r.branch {
        Some(branch) => {
            format!("the checkout returns to branch {branch} later: git switch {branch}")
        }
        None => "the branch to return to was not recorded: see `git reflog`".into(),
    });
    notes.extend(deploy::teardown(&r.release.project).1);
    if r.github.is_none() {
        notes.push("--no-github: no release notice, no \"latest\", no incident issue".into());
    }
    notes
}
