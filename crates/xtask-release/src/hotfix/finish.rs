//! `cargo xtask hotfix finish [--branch hotfix/vX.Y.Z]`: checklist steps 3 and 4 ("Bump Patch
//! Version", "Merge and Release") as a list of steps, planned by default, resumable after a
//! failure at any of them:
//!
//! files → commit (release core, on the hotfix branch) → merge (into `main`, [`super::merge`])
//! → tag → push → archive → github (release core; `make_latest` only for the highest stable
//! version) → switch ([`super::leave`]) → delete-branch (release core; last, after the push).
//!
//! The preflight is the release core's, with hotfix's own branch and version rules in front:
//! on a `hotfix/vX.Y.Z` branch, X.Y.Z the next patch of the release in its history, commits
//! beyond its base, a merge into `main` without conflicts in the fix's own changes.

use std::path::PathBuf;

use anyhow::Context;
use git::short;
use semver::Version;

use super::base::{self, Base};
use super::{leave, merge};
use crate::release::core::{
    check_in_progress, check_not_behind, check_repo, check_tag_absent, git_steps, prepare,
    run_steps, Check, Checks, Mode, Options, Output, Prepared, Previous, Problem, Release, StepId,
};
pub use xtask::cli::hotfix::finish::Args;
use xtask::exit::{self, Exit};
use xtask::Ctx;

/// One part of the step list: release core steps, or hotfix's own.
enum Part {
    Core(&'static [StepId]),
    Merge,
    Leave,
    DeleteBranch,
}

/// The step list of `hotfix finish`, as data.
const FINISH: [Part; 5] = [
    Part::Core(&[StepId::Files, StepId::Commit]),
    Part::Merge,
    Part::Core(&[StepId::Tag, StepId::Push, StepId::Archive, StepId::Github]),
    Part::Leave,
    Part::DeleteBranch,
];

/// The hotfix being finished.
struct Hotfix {
    branch: String,
    version: Version,
    /// The project directory in the worktree that has the branch checked out.
    project: PathBuf,
    notes: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let hotfix = find(ctx, &args)?;
    let mut r = Release::new(
        hotfix.project.clone(),
        &ctx.out,
        hotfix.version.clone(),
        args.into.clone(),
        args.remote.name.clone(),
        args.steps.date.clone(),
    )?;
    r.command = "hotfix finish";
    let mut opts = crate::release::step_options(&args.steps, &args.run, false, None);
    let mut out = Output::new(args.run.format, &r);
    let prepared = match preflight(&mut r, &hotfix, &mut opts)? {
        Ok(prepared) => prepared,
        Err(problems) => {
            out.refused(&problems);
            return Ok(exit::REFUSED);
        }
    };
    out.preflight_passed(&prepared);
    super::plan_then_execute(&args.run, |mode, last| {
        out.begin(mode);
        match steps(mode, &r, &opts, &prepared, &hotfix.branch, &mut out) {
            Ok(()) => {
                if last {
                    out.finish(mode);
                }
                Ok(())
            }
            Err(err) => Err(out.failed(mode, &err)),
        }
    })
}

fn steps(
    mode: Mode,
    r: &Release,
    opts: &Options,
    p: &Prepared,
    branch: &str,
    out: &mut Output,
) -> anyhow::Result<()> {
    for part in &FINISH {
        match part {
            Part::Core(list) => run_steps(list, mode, r, opts, p, out)?,
            Part::Merge => out.step("merge", mode, |s| merge::step(r, branch, &p.edits, s))?,
            Part::Leave => out.step("switch", mode, |s| leave::step(r, branch, s))?,
            Part::DeleteBranch => out.step("delete-branch", mode, |s| {
                git_steps::delete_branch(r, branch, s)
            })?,
        }
    }
    Ok(())
}

/// The hotfix branch: `--branch`, else the current one, else (a re-run after the checkout left
/// it) the one hotfix branch that is merged and tagged. It is worked on where it is checked out.
fn find(ctx: &Ctx, args: &Args) -> anyhow::Result<Hotfix> {
    let repo = git::Repo::new(&ctx.project);
    if !repo.is_repo() {
        return Err(Exit::refused(
            format!("{} is not in a git work tree", ctx.project.display()),
            "run it in the project's git clone",
        )
        .into());
    }
    let current = repo.current_branch()?;
    let mut notes = Vec::new();
    let branch = match (&args.branch, &current) {
        (Some(branch), _) => branch.clone(),
        (None, Some(current)) if current.starts_with("hotfix/") => current.clone(),
        (None, _) => {
            let resumable = resumable(&repo, &args.into)?;
            match (resumable.as_slice(), finished(&repo)?) {
                ([only], _) => {
                    notes.push(format!(
                        "resuming {only}: it is merged into {} and tagged; the rest is done now",
                        args.into
                    ));
                    only.clone()
                }
                ([], Some(branch)) => {
                    notes.push(format!(
                        "{branch} is finished: HEAD is its merge, and its tag exists"
                    ));
                    branch
                }
                _ => {
                    let on = current
                        .as_deref()
                        .map_or_else(|| "a detached HEAD".to_string(), |b| format!("branch {b}"));
                    return Err(Exit::refused(
                        format!("not on a hotfix branch (on {on})"),
                        "switch to it (git switch hotfix/vX.Y.Z), or pass --branch hotfix/vX.Y.Z",
                    )
                    .into());
                }
            }
        }
    };
    let Some(version) = super::branch_version(&branch) else {
        return Err(Exit::refused(
            format!("{branch} is not a hotfix branch: its name is not hotfix/vX.Y.Z"),
            "start one with `cargo xtask hotfix start X.Y.Z`",
        )
        .into());
    };
    let top = repo.toplevel()?;
    let checked_out = repo
        .worktrees()?
        .into_iter()
        .find(|(_, b)| b.as_deref() == Some(branch.as_str()))
        .map(|(path, _)| path);
    let project = match &checked_out {
        Some(path) if *path != top => path.join(repo.prefix()?),
        _ => ctx.project.clone(),
    };
    if checked_out.is_none() && repo.tag_target(&format!("v{version}"))?.is_none() {
        let (cause, fix) = match repo.resolve(&format!("refs/heads/{branch}"))? {
            Some(_) => (
                format!("{branch} is not checked out: the release commit is made on it"),
                format!("git switch {branch}, then re-run"),
            ),
            None => (
                format!("there is no branch {branch}"),
                format!("start it: cargo xtask hotfix start {version}"),
            ),
        };
        return Err(Exit::refused(cause, fix).into());
    }
    Ok(Hotfix {
        branch,
        version,
        project,
        notes,
    })
}

/// Local hotfix branches that are merged into `into` and whose tag exists: a finish that was
/// stopped after the checkout left the branch.
fn resumable(repo: &git::Repo, into: &str) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for branch in repo.branches("hotfix/v*")? {
        let Some(version) = super::branch_version(&branch) else {
            continue;
        };
        if repo.tag_target(&format!("v{version}"))?.is_some()
            && repo.is_ancestor(
                &format!("refs/heads/{branch}"),
                &format!("refs/heads/{into}"),
            )?
        {
            found.push(branch);
        }
    }
    Ok(found)
}

/// The hotfix whose "Merge hotfix vX.Y.Z" is HEAD and whose tag exists: a finish that ran to
/// its end (a re-run then finds every step done).
fn finished(repo: &git::Repo) -> anyhow::Result<Option<String>> {
    let Some(head) = repo.head()? else {
        return Ok(None);
    };
    let subject = repo.subject(&head)?;
    let Some(version) = merge::merged_version(&subject) else {
        return Ok(None);
    };
    let branch = super::branch_name(&version);
    let tagged = repo.tag_target(&format!("v{version}"))?.is_some();
    let gone = repo.resolve(&format!("refs/heads/{branch}"))?.is_none();
    Ok((tagged && gone).then_some(branch))
}

/// Hotfix's own checks, then the release core's ([`prepare`]).
fn preflight(
    r: &mut Release,
    hotfix: &Hotfix,
    opts: &mut Options,
) -> anyhow::Result<Result<Prepared, Vec<Problem>>> {
    let mut c = Checks::default();
    c.notes.extend(hotfix.notes.iter().cloned());
    let Some(head) = check_repo(r, &mut c)? else {
        return Ok(Err(c.problems));
    };
    check_in_progress(r, &mut c)?;
    let branch = hotfix.branch.as_str();
    let repo = r.repo.clone();
    let Some(main) = repo.resolve(&format!("refs/heads/{}", r.branch))? else {
        c.fail(
            Check::Branch,
            format!("there is no local branch {}", r.branch),
            format!(
                "git fetch {0} {1}:{1} (or pass --into BRANCH)",
                r.remote, r.branch
            ),
        );
        return Ok(Err(c.problems));
    };
    let release_commit = r.release_commit()?;
    let tip = match (
        repo.resolve(&format!("refs/heads/{branch}"))?,
        &release_commit,
    ) {
        (Some(tip), _) => tip,
        (None, Some(commit)) => commit.clone(),
        (None, None) => {
            c.fail(
                Check::Tag,
                format!("there is no branch {branch}, and tag {} is not a release commit of this command", r.tag),
                "finish the hotfix by hand, or choose another version",
            );
            return Ok(Err(c.problems));
        }
    };

    // The base: the latest release in the branch's history; X.Y.Z its next patch.
    let Some((version, tag)) = base::latest_in_history(&repo, &tip, &r.tag)? else {
        c.fail(
            Check::Version,
            format!("{branch} has no release tag in its history: there is no release to patch"),
            "start hotfixes with `cargo xtask hotfix start X.Y.Z`",
        );
        return Ok(Err(c.problems));
    };
    let base = Base {
        commit: repo.tag_target(&tag)?.context("the tag has a commit")?,
        version,
        tag,
    };
    base::check_next_patch(&r.version, &base, &mut c);
    let fork = repo.merge_base(&main, &tip)?.unwrap_or(base.commit.clone());
    r.previous = Some(Previous {
        version: base.version.clone(),
        rev: fork.clone(),
    });

    // A hotfix with no fix is refused.
    let fix = match &release_commit {
        Some(commit) => repo
            .parents(commit)?
            .into_iter()
            .next()
            .context("the release commit has a parent")?,
        None => tip.clone(),
    };
    if release_commit.is_none() && repo.ahead_behind(&tip, &fork)?.0 == 0 {
        c.fail(
            Check::Branch,
            format!(
                "{branch} has no commits beyond its base ({}, {}): there is no fix to release",
                base.tag,
                short(&fork)
            ),
            format!("commit the fix on {branch} and test it first (pytest tests/ -v; ./scripts/test-integration.sh full)"),
        );
    }

    check_tag_absent(r, &mut c)?;
    // `main` (not HEAD, which is the hotfix branch) is not behind the remote.
    check_not_behind(r, &mut c, None)?;
    let tracking = format!("refs/remotes/{}/{branch}", r.remote);
    if let Some(remote) = repo.resolve(&tracking)? {
        let (_, behind) = repo.ahead_behind(&tip, &remote)?;
        if behind > 0 {
            c.fail(
                Check::Remote,
                format!(
                    "{branch} is {behind} commit(s) behind {}/{branch}",
                    r.remote
                ),
                format!("git pull --rebase {} {branch}, then re-run", r.remote),
            );
        }
    }

    match merge::check(r, branch, &fix, release_commit.as_deref(), &mut c)? {
        Some(merge::Shape::Unmoved) => c.notes.push(format!(
            "{} has not moved since {}: the merge commit holds exactly the hotfix, and {} goes on it (as the checklist does)",
            r.branch, base.tag, r.tag
        )),
        Some(merge::Shape::Moved(commits)) => c.notes.push(format!(
            "{main} has moved on since {base} ({commits} commit(s)): {tag} names the hotfix's release commit, not the merge, so that it names what was tested; {main} keeps its version lines, and the CHANGELOG section and Version History row go in version order",
            main = r.branch,
            base = base.tag,
            tag = r.tag
        )),
        None => {}
    }

    let newer = newer_release(r)?;
    opts.make_latest = Some(newer.is_none());
    if let (Some(newer), true) = (newer, opts.github) {
        c.notes.push(format!(
            "{newer} is newer: the GitHub release {} does not become the latest",
            r.tag
        ));
    }
    prepare(r, opts, c, &head, release_commit)
}

/// The highest stable release above this version (local or remote tags), if any.
fn newer_release(r: &Release) -> anyhow::Result<Option<String>> {
    let mut tags: Vec<(Version, String)> = r.repo.release_tags()?;
    let remote = r.repo.remote_tags(&r.remote).unwrap_or_default();
    tags.extend(remote.into_iter().filter_map(|tag| {
        let version = Version::parse(tag.name.strip_prefix('v')?).ok()?;
        Some((version, tag.name))
    }));
    Ok(tags
        .into_iter()
        .filter(|(version, _)| version.pre.is_empty() && *version > r.version)
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, tag)| tag))
}
