//! `cargo xtask hotfix start X.Y.Z [--from REV] [--worktree DIR]`: checklist step 1, "Create
//! Hotfix Branch". Two steps, each done when its effect is there: `branch` (`git branch
//! hotfix/vX.Y.Z <base>`) and `switch` (`git switch`, clean tree required) or `worktree`
//! (`git worktree add DIR`, the current checkout left alone).

use std::path::PathBuf;

use git::short;

use super::base::{self, Base};
use crate::release::core::{
    check_clean_tree, check_in_progress, check_repo, Action, Check, Checks, Output, Release, Step,
};
pub use xtask::cli::hotfix::start::Args;
use xtask::exit;
use xtask::Ctx;

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<u8> {
    let version = super::parse_version(&args.version)?;
    let mut r = Release::new(
        ctx.project.clone(),
        &ctx.out,
        version,
        "main".into(),
        args.remote.name.clone(),
        None,
    )?;
    r.command = "hotfix start";
    let branch = super::branch_name(&r.version);
    let worktree = args.worktree.as_ref().map(|dir| absolute(ctx, dir));
    let mut out = Output::new(args.run.format, &r);

    let (base, notes) = match preflight(&r, &branch, worktree.as_ref(), args.from.as_deref())? {
        Ok(found) => found,
        Err(problems) => {
            out.refused(&problems);
            return Ok(exit::REFUSED);
        }
    };
    out.passed(&notes);

    super::plan_then_execute(&args.run, |mode, last| {
        out.begin(mode);
        let steps = out
            .step("branch", mode, |s| make_branch(&r, &branch, &base, s))
            .and_then(|()| match &worktree {
                Some(dir) => out.step("worktree", mode, |s| add_worktree(&r, &branch, dir, s)),
                None => out.step("switch", mode, |s| switch(&r, &branch, s)),
            });
        match steps {
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

fn absolute(ctx: &Ctx, dir: &std::path::Path) -> PathBuf {
    if dir.is_absolute() {
        return dir.to_path_buf();
    }
    std::env::current_dir()
        .unwrap_or_else(|_| ctx.project.clone())
        .join(dir)
}

type Found = (Base, Vec<String>);

/// Every check before the first change; all problems at once.
fn preflight(
    r: &Release,
    branch: &str,
    worktree: Option<&PathBuf>,
    from: Option<&str>,
) -> anyhow::Result<Result<Found, Vec<crate::release::core::Problem>>> {
    let mut c = Checks::default();
    if check_repo(r, &mut c)?.is_none() {
        return Ok(Err(c.problems));
    }
    let repo = &r.repo;
    let base = base::find(repo, &r.version, from, &mut c)?;

    // The tag: a hotfix that is already tagged is finished (or being finished).
    if let Some(commit) = repo.tag_target(&r.tag)? {
        c.fail(
            Check::Tag,
            format!("tag {} already exists (at {})", r.tag, short(&commit)),
            format!("choose another version; to complete an interrupted finish: cargo xtask hotfix finish --branch {branch}"),
        );
    } else {
        match repo.remote_tag(&r.remote, &r.tag) {
            Ok(Some(tag)) => c.fail(
                Check::Tag,
                format!(
                    "tag {} already exists on {} (at {})",
                    r.tag,
                    r.remote,
                    short(&tag.commit)
                ),
                "choose another version",
            ),
            Ok(None) => {}
            Err(err) => c.fail(
                Check::Remote,
                format!("cannot list the tags of {}: {err}", r.remote),
                "check the remote and your credentials",
            ),
        }
    }

    // The branch: absent, or this hotfix's own (it contains the base: a re-run).
    let local = repo.resolve(&format!("refs/heads/{branch}"))?;
    let remote = repo.remote_branch(&r.remote, branch).unwrap_or(None);
    match (&local, &base) {
        (Some(tip), Some(base)) if !repo.is_ancestor(&base.commit, tip)? => c.fail(
            Check::Branch,
            format!(
                "branch {branch} already exists and does not start from {} ({})",
                base.tag,
                short(&base.commit)
            ),
            format!(
                "finish or delete it first (git branch -D {branch}), or choose another version"
            ),
        ),
        (None, _) if remote.is_some() => c.fail(
            Check::Branch,
            format!("branch {branch} already exists on {}", r.remote),
            format!("continue it: git switch --track {}/{branch}", r.remote),
        ),
        _ => {}
    }

    check_in_progress(r, &mut c)?;
    match worktree {
        None => check_clean_tree(r, &mut c, &[])?,
        Some(dir) => {
            let checked_out = repo
                .worktrees()?
                .into_iter()
                .any(|(path, b)| b.as_deref() == Some(branch) && same_dir(&path, dir));
            if dir.exists() && !checked_out {
                c.fail(
                    Check::Tree,
                    format!("--worktree {}: it already exists", dir.display()),
                    "pass a path that does not exist yet",
                );
            }
        }
    }

    if !c.problems.is_empty() {
        return Ok(Err(c.problems));
    }
    let base = base.expect("no problem means a base");
    let mut notes = c.notes;
    notes.push(format!(
        "{branch} starts from {} ({}), patching {}",
        from.unwrap_or(&base.tag),
        short(&base.commit),
        base.tag
    ));
    notes.push(format!(
        "next: commit the fix on {branch}, test it (pytest tests/ -v; ./scripts/test-integration.sh full), then: cargo xtask hotfix finish"
    ));
    Ok(Ok((base, notes)))
}

fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn make_branch(r: &Release, branch: &str, base: &Base, s: &mut Step) -> anyhow::Result<()> {
    if let Some(tip) = r.repo.resolve(&format!("refs/heads/{branch}"))? {
        s.done(format!("{branch} exists at {}", short(&tip)));
        return Ok(());
    }
    let action = Action::git(&["branch", branch, &base.commit]);
    let shown = format!("{} ({})", action.what, base.tag);
    s.act(action.shown(shown), || {
        Ok(r.repo.create_branch(branch, &base.commit)?)
    })?;
    Ok(())
}

fn switch(r: &Release, branch: &str, s: &mut Step) -> anyhow::Result<()> {
    if r.repo.current_branch()?.as_deref() == Some(branch) {
        s.done(format!("on {branch}"));
        return Ok(());
    }
    s.act(Action::git(&["switch", branch]), || {
        Ok(r.repo.switch(branch, false)?)
    })?;
    Ok(())
}

fn add_worktree(
    r: &Release,
    branch: &str,
    dir: &std::path::Path,
    s: &mut Step,
) -> anyhow::Result<()> {
    let found = r
        .repo
        .worktrees()?
        .into_iter()
        .find(|(_, b)| b.as_deref() == Some(branch));
    if let Some((path, _)) = found {
        s.done(format!("{branch} is checked out in {}", path.display()));
        return Ok(());
    }
    let path = dir.display().to_string();
    s.act(Action::git(&["worktree", "add", &path, branch]), || {
        Ok(r.repo.worktree_add_branch(dir, branch)?)
    })?;
    Ok(())
}
