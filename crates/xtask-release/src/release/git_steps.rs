//! Layer 2, the git steps: one commit with exactly the release's files, an annotated tag, one atomic
//! push of branch and tag. Each looks at the repository first and does only what is missing.

use anyhow::Context;

use git::short;

use super::edits::{self, Edit};
use super::effect::{Action, Op, Step};
use super::vocab::Release;

/// Writes the edits (all or nothing) unless the release commit already has them.
pub fn files(r: &Release, edits: &[Edit], s: &mut Step) -> anyhow::Result<()> {
    if let Some(commit) = r.release_commit()? {
        s.done(format!("in the release commit {}", short(&commit)));
        return Ok(());
    }
    let pending: Vec<&Edit> = edits
        .iter()
        .filter(|edit| !edits::in_place(&r.project, edit))
        .collect();
    if pending.is_empty() {
        s.done(format!(
            "{} file(s) already have their new contents",
            edits.len()
        ));
        return Ok(());
    }
    s.summary(format!(
        "{} file(s): {}",
        pending.len(),
        paths(&pending).join(", ")
    ));
    for edit in &pending {
        s.act(edit.action(), || Ok(()))?;
    }
    let paths = paths(&pending).iter().map(|p| p.to_string()).collect();
    s.act(Action::new(Op::WriteFiles { paths }), || {
        edits::write_all(&r.project, &pending)
    })?;
    Ok(())
}

/// `git commit` of exactly the edited files; on failure the files are put back.
pub fn commit(r: &Release, edits: &[Edit], s: &mut Step) -> anyhow::Result<()> {
    if let Some(commit) = r.release_commit()? {
        s.done(format!("{} \"{}\"", short(&commit), r.message));
        return Ok(());
    }
    let all: Vec<&Edit> = edits.iter().collect();
    let paths = paths(&all);
    let mut args = vec!["commit", "-m", &r.message, "--"];
    args.extend(&paths);
    let made = s.act(Action::git(&args), || {
        r.repo.commit_paths(&r.message, &paths).map_err(|err| {
            let _ = r.repo.unstage(&paths);
            let restored = match edits::restore(&r.project, &all) {
                Ok(()) => "the files were restored".to_string(),
                Err(restore) => format!("restoring the files failed too: {restore:#}"),
            };
            anyhow::Error::new(err).context(format!("committing; {restored}"))
        })
    })?;
    if let Some(commit) = made {
        s.summary(format!("{} \"{}\"", short(&commit), r.message));
    }
    Ok(())
}

/// The annotated tag at the release commit (or the merge holding exactly it: [`Release::tag_commit`]).
pub fn tag(r: &Release, s: &mut Step) -> anyhow::Result<()> {
    if let Some(commit) = r.repo.tag_target(&r.tag)? {
        s.done(format!("{} at {}", r.tag, short(&commit)));
        return Ok(());
    }
    let target = r.tag_commit()?.unwrap_or_else(|| "HEAD".into());
    let args = [
        "tag",
        "--annotate",
        "--message",
        &r.message,
        &r.tag,
        &target,
    ];
    s.act(Action::git(&args), || {
        let commit = r
            .tag_commit()?
            .context("there is no release commit to tag")?;
        Ok(r.repo.annotated_tag(&r.tag, &r.message, &commit)?)
    })?;
    Ok(())
}

/// One `git push --atomic` of the release commit to the branch and of the tag, leaving out
/// whichever the remote already has.
pub fn push(r: &Release, s: &mut Step) -> anyhow::Result<()> {
    let refspecs = missing_refspecs(r)?;
    if refspecs.is_empty() {
        s.done(format!("{} has {} and {}", r.remote, r.branch, r.tag));
        return Ok(());
    }
    let mut args = vec!["push", "--atomic", &r.remote];
    args.extend(refspecs.iter().map(String::as_str));
    s.act(Action::git(&args), || {
        // Planned before the tag existed: look again.
        let refspecs = missing_refspecs(r)?;
        let refspecs: Vec<&str> = refspecs.iter().map(String::as_str).collect();
        r.repo
            .push_atomic(&r.remote, &refspecs)
            .context("pushing the release")
    })?;
    Ok(())
}

fn missing_refspecs(r: &Release) -> anyhow::Result<Vec<String>> {
    let commit = r.release_commit()?;
    let tag_ref = format!("refs/tags/{0}:refs/tags/{0}", r.tag);
    let branch_ref = |source: &str| format!("{source}:refs/heads/{}", r.branch);
    let Some(commit) = commit else {
        return Ok(vec![
            branch_ref(&format!("refs/heads/{}", r.branch)),
            tag_ref,
        ]);
    };
    let mut refspecs = Vec::new();
    let remote_branch = r.repo.remote_branch(&r.remote, &r.branch)?;
    let branch_has_it = remote_branch.is_some_and(|remote| {
        remote == commit || r.repo.is_ancestor(&commit, &remote).unwrap_or(false)
    });
    if !branch_has_it {
        // The local branch when it is the release commit or merged it (a hotfix), else the commit.
        let tip = r.repo.resolve(&format!("refs/heads/{}", r.branch))?;
        let branch_is_it = match &tip {
            Some(tip) => r.branch_has(tip, &commit)?,
            None => false,
        };
        refspecs.push(branch_ref(&if branch_is_it {
            format!("refs/heads/{}", r.branch)
        } else {
            commit.clone()
        }));
    }
    let remote_tag = r.repo.remote_tag(&r.remote, &r.tag)?;
    let local_tag = r.repo.tag_object(&r.tag)?;
    if local_tag.is_none() || remote_tag.map(|tag| tag.object) != local_tag {
        refspecs.push(tag_ref);
    }
    Ok(refspecs)
}

/// Deletes a merged branch (a hotfix's), on the remote first, then locally (`git branch -d`,
/// which refuses a branch that is not merged) — done when neither has it. Run it last, after
/// the push: a re-run that finds the local branch still resumes from it.
pub fn delete_branch(r: &Release, branch: &str, s: &mut Step) -> anyhow::Result<()> {
    let remote = r.repo.remote_branch(&r.remote, branch)?.is_some();
    let local = r.repo.resolve(&format!("refs/heads/{branch}"))?.is_some();
    if !remote && !local {
        s.done(format!("{branch} is gone locally and from {}", r.remote));
        return Ok(());
    }
    if remote {
        let refname = format!("refs/heads/{branch}");
        s.act(
            Action::git(&["push", &r.remote, "--delete", &refname]),
            || {
                r.repo
                    .push_delete(&r.remote, branch)
                    .with_context(|| format!("deleting {branch} on {}", r.remote))
            },
        )?;
    }
    if local {
        s.act(Action::git(&["branch", "-d", branch]), || {
            r.repo
                .delete_branch(branch)
                .with_context(|| format!("deleting the branch {branch}"))
        })?;
    }
    Ok(())
}

fn paths<'a>(edits: &[&'a Edit]) -> Vec<&'a str> {
    edits.iter().map(|edit| edit.path.as_str()).collect()
}
