//! Checklist step 4's merge: `main` gets a `--no-ff` merge commit "Merge hotfix vX.Y.Z" whose
//! parents are `main` and the hotfix's release commit. It is computed without a work tree
//! (`git merge-tree`, `git commit-tree`), then `main` moves in one step (`git update-ref` with
//! its old value, or `git merge --ff-only` in the worktree that has `main` checked out): a
//! failure or a kill at any point leaves both branches as they were.
//!
//! - `main` has not moved since the base: the merge holds exactly the hotfix's tree (and the
//!   tag goes on it, as the checklist does).
//! - `main` has moved on: the fix's commits are merged (`git merge-tree` of `main` and the
//!   release commit's parent), then the release's own edits are applied to `main`'s files the
//!   way a person would resolve them: `main`'s version lines are kept (never lowered), the
//!   CHANGELOG section and the Version History row go in version order, the release record is
//!   added. Any conflict in the fix's own changes stops the hotfix before anything changes.

use anyhow::Context;
use git::short;
use semver::Version;

use crate::release::core::{
    Action, Check, Checks, Edit, Release, Step, CHANGELOG, HISTORY_FILES, PYPROJECT, UV_LOCK,
};

/// How the merge will look, for the plan.
pub enum Shape {
    /// `main` is in the hotfix's history: the merge commit holds exactly the hotfix.
    Unmoved,
    /// `main` has this many commits the hotfix does not have.
    Moved(usize),
}

const SUBJECT: &str = "Merge hotfix v";

/// "Merge hotfix vX.Y.Z".
pub fn message(r: &Release) -> String {
    format!("{SUBJECT}{}", r.version)
}

/// The version a "Merge hotfix vX.Y.Z" subject names.
pub fn merged_version(subject: &str) -> Option<Version> {
    Version::parse(subject.strip_prefix(SUBJECT)?).ok()
}

fn main_tip(r: &Release) -> anyhow::Result<String> {
    r.repo
        .resolve(&format!("refs/heads/{}", r.branch))?
        .with_context(|| format!("there is no local branch {}", r.branch))
}

/// Before the first write: whether `main` moved, and that the fix (`fix`: the hotfix's commit
/// before its release commit) merges without a conflict. `None` when already merged.
pub fn check(
    r: &Release,
    branch: &str,
    fix: &str,
    release: Option<&str>,
    c: &mut Checks,
) -> anyhow::Result<Option<Shape>> {
    let main = main_tip(r)?;
    if let Some(release) = release {
        if r.repo.is_ancestor(release, &main)? {
            return Ok(None);
        }
    }
    if r.repo.is_ancestor(&main, fix)? {
        return Ok(Some(Shape::Unmoved));
    }
    if let Err(paths) = r.repo.merge_tree(&main, fix)? {
        c.fail(
            Check::Branch,
            conflict_cause(r, branch, &paths),
            conflict_fix(r, branch),
        );
        return Ok(None);
    }
    let (moved, _) = r.repo.ahead_behind(&main, fix)?;
    Ok(Some(Shape::Moved(moved)))
}

fn conflict_cause(r: &Release, branch: &str, paths: &[String]) -> String {
    format!(
        "merging {branch} into {} conflicts in {} file(s): {}",
        r.branch,
        paths.len(),
        paths.join(", ")
    )
}

fn conflict_fix(r: &Release, branch: &str) -> String {
    format!(
        "nothing was changed; port the fix to {main} first so the hotfix merges cleanly, or finish it by hand (git switch {main} && git merge --no-ff {branch})",
        main = r.branch
    )
}

/// The `merge` step: done when `main` contains the release commit.
/// `edits`: the release's file edits still to commit (before the release commit exists, they
/// give the plan main's resolved files).
pub fn step(r: &Release, branch: &str, edits: &[Edit], s: &mut Step) -> anyhow::Result<()> {
    let main = main_tip(r)?;
    let release = r.release_commit()?;
    if let Some(release) = &release {
        if r.repo.is_ancestor(release, &main)? {
            s.done(format!("{} contains {}", r.branch, short(release)));
            return Ok(());
        }
    }
    preview(r, &main, release.as_deref(), edits, s)?;
    let message_ = message(r);
    let merge = Action::git(&["merge", "--no-ff", "-m", &message_, branch]);
    let shown = format!(
        "git merge --no-ff {branch} into {} (\"{message_}\"), computed with git merge-tree and git commit-tree",
        r.branch,
    );
    let advance = match checked_out_in(r)? {
        Some(dir) => {
            Action::git(&["merge", "--ff-only", "<merge>"]).in_dir(dir.display().to_string())
        }
        None => {
            let refname = format!("refs/heads/{}", r.branch);
            Action::git(&["update-ref", &refname, "<merge>", &main])
        }
    };
    s.act(merge.shown(shown), || Ok(()))?;
    let made = s.act(advance, || {
        let release = r
            .release_commit()?
            .context("there is no release commit to merge")?;
        let tree = match merged_tree(r, &main, &release)? {
            Ok(tree) => tree,
            Err(paths) => anyhow::bail!(
                "{}; {}",
                conflict_cause(r, branch, &paths),
                conflict_fix(r, branch)
            ),
        };
        let merge = r.repo.commit_tree(&tree, &[&main, &release], &message(r))?;
        match checked_out_in(r)? {
            Some(dir) => git::Repo::new(&dir)
                .merge_ff_only(&merge)
                .with_context(|| format!("moving {} in {}", r.branch, dir.display()))?,
            None => r.repo.update_ref(
                &format!("refs/heads/{}", r.branch),
                &merge,
                &main,
                &message(r),
            )?,
        }
        Ok(merge)
    })?;
    if let Some(merge) = made {
        s.summary(format!("{} \"{}\"", short(&merge), message(r)));
    }
    Ok(())
}

/// When `main` has moved on: each release file of `main` as the merge will leave it, as a diff
/// (the same computation as the merge itself).
fn preview(
    r: &Release,
    main: &str,
    release: Option<&str>,
    edits: &[Edit],
    s: &mut Step,
) -> anyhow::Result<()> {
    let (fix, theirs) = match release {
        Some(release) => (fix_of(r, release)?, files_of(r, release)?),
        None => {
            let edited = edits.iter().map(|e| (e.path.clone(), e.after.clone()));
            (
                r.repo.head()?.context("HEAD has a commit")?,
                edited.collect(),
            )
        }
    };
    if r.repo.is_ancestor(main, &fix)? {
        return Ok(());
    }
    let Ok(merged) = r.repo.merge_tree(main, &fix)? else {
        return Ok(()); // the conflict is reported by the preflight and by the merge
    };
    let prefix = r.repo.prefix()?;
    for (top, after) in release_files_on(r, &merged, &theirs)? {
        let path = top
            .strip_prefix(prefix.as_str())
            .unwrap_or(&top)
            .to_string();
        let before = r.repo.show_file(main, &path)?;
        if before.as_deref() == Some(after.as_str()) {
            continue;
        }
        let what = format!("{}'s {path} after the merge", r.branch);
        let edit = Edit {
            path,
            before,
            after,
        };
        s.act(edit.action().shown(what), || Ok(()))?;
    }
    Ok(())
}

/// The release commit's parent: the hotfix with its fix, before the release edits.
fn fix_of(r: &Release, release: &str) -> anyhow::Result<String> {
    r.repo
        .parents(release)?
        .into_iter()
        .next()
        .context("the release commit has a parent")
}

/// The files the release commit changed, relative to the project, with their contents in it.
fn files_of(r: &Release, release: &str) -> anyhow::Result<Vec<(String, String)>> {
    let prefix = r.repo.prefix()?;
    let mut files = Vec::new();
    for top in r.repo.changed_files(release)? {
        let path = top
            .strip_prefix(prefix.as_str())
            .unwrap_or(&top)
            .to_string();
        let contents = r.repo.show_file(release, &path)?.unwrap_or_default();
        files.push((path, contents));
    }
    Ok(files)
}

/// The worktree (other than the project's) that has `main` checked out, if any.
fn checked_out_in(r: &Release) -> anyhow::Result<Option<std::path::PathBuf>> {
    Ok(r.repo
        .worktrees()?
        .into_iter()
        .find(|(_, branch)| branch.as_deref() == Some(r.branch.as_str()))
        .map(|(path, _)| path))
}

/// The merge's tree: the release commit's when `main` is in its history; else the fix merged
/// into `main` with the release's edits re-applied to `main`'s files. `Err(paths)`: conflicts.
fn merged_tree(
    r: &Release,
    main: &str,
    release: &str,
) -> anyhow::Result<Result<String, Vec<String>>> {
    if r.repo.is_ancestor(main, release)? {
        return Ok(Ok(r.repo.tree(release)?));
    }
    let fix = fix_of(r, release)?;
    let merged = match r.repo.merge_tree(main, &fix)? {
        Ok(tree) => tree,
        Err(paths) => return Ok(Err(paths)),
    };
    let files = release_files_on(r, &merged, &files_of(r, release)?)?;
    Ok(Ok(r.repo.tree_with(&merged, &files)?))
}

/// Each release file (`theirs`: its path relative to the project and its contents in the
/// release), as it is on `main`'s side (`tree`) with the release's edit applied; paths relative
/// to the top of the repository.
fn release_files_on(
    r: &Release,
    tree: &str,
    theirs: &[(String, String)],
) -> anyhow::Result<Vec<(String, String)>> {
    let prefix = r.repo.prefix()?;
    let text = r.repo.show_file(tree, PYPROJECT)?.unwrap_or_default();
    let pyproject = project::version::Pyproject::parse(&text)?;
    let version = pyproject.version()?.max(r.version.clone());
    let name = pyproject.name().to_string();
    let mut files = Vec::new();
    for (path, theirs) in theirs {
        let contents = match r.repo.show_file(tree, path)? {
            None => theirs.clone(),
            Some(ours) => resolve(r, path, &ours, theirs, (&name, &version))?,
        };
        files.push((format!("{prefix}{path}"), contents));
    }
    Ok(files)
}

/// `main`'s text of one release file with the release's edit applied; `version`: the project's
/// name and the higher of `main`'s version and the hotfix's.
fn resolve(
    r: &Release,
    path: &str,
    ours: &str,
    theirs: &str,
    (name, version): (&str, &Version),
) -> anyhow::Result<String> {
    Ok(match path {
        PYPROJECT => {
            let pyproject = project::version::Pyproject::parse(ours)?;
            match pyproject.version()? == *version {
                true => ours.to_string(),
                false => pyproject.with_version(version)?,
            }
        }
        UV_LOCK => project::version::uv_lock_with_version(ours, name, version)?,
        CHANGELOG => match changelog::section_text(theirs, &r.version) {
            Some(section) => changelog::insert_in_order(ours, &r.version, section),
            None => ours.to_string(),
        },
        path if HISTORY_FILES.contains(&path) => changelog::history::row(theirs, &r.version)
            .and_then(|row| changelog::history::insert_row_in_order(ours, &r.version, &row))
            .unwrap_or_else(|| ours.to_string()),
        _ => theirs.to_string(),
    })
}
