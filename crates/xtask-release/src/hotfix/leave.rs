//! The checkout leaves the hotfix branch so that it can be deleted: `git switch main` (the
//! checklist ends on `main`), or `git switch --detach main` when `main` is checked out in
//! another worktree (git allows a branch in one worktree only). Done when HEAD is elsewhere.

use crate::release::core::{Action, Release, Step};

pub fn step(r: &Release, branch: &str, s: &mut Step) -> anyhow::Result<()> {
    let current = r.repo.current_branch()?;
    if current.as_deref() != Some(branch) {
        let at = current.unwrap_or_else(|| "a detached HEAD".into());
        s.done(format!("not on {branch} (on {at})"));
        return Ok(());
    }
    let top = r.repo.toplevel()?;
    let elsewhere = r.repo.worktrees()?.into_iter().any(|(path, checked_out)| {
        checked_out.as_deref() == Some(r.branch.as_str()) && path != top
    });
    let action = match elsewhere {
        true => {
            let detach = Action::git(&["switch", "--detach", &r.branch]);
            let why = format!("{} is checked out in another worktree", r.branch);
            let shown = format!("{} ({why})", detach.what);
            detach.shown(shown)
        }
        false => Action::git(&["switch", &r.branch]),
    };
    s.act(action, || Ok(r.repo.switch(&r.branch, elsewhere)?))?;
    Ok(())
}
