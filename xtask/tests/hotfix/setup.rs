//! The hotfix scenarios, on the release tests' fixture.

use crate::support::{Fixture, Run};

/// `hotfix finish` without the gate and GitHub, carried out.
pub const FINISH: [&str; 4] = ["finish", "--skip-gate", "--no-github", "--execute"];

/// [`FINISH`] for `hotfix/v0.4.1` named with `--branch` (from any checkout).
pub const FINISH_BRANCH: [&str; 6] = [
    "finish",
    "--branch",
    "hotfix/v0.4.1",
    "--skip-gate",
    "--no-github",
    "--execute",
];

/// The steps of `hotfix finish --no-github` that act (archive and github are skipped).
pub const GIT_STEPS: [&str; 7] = [
    "files",
    "commit",
    "merge",
    "tag",
    "push",
    "switch",
    "delete-branch",
];

/// `xtask --project <fixture> hotfix <args>`.
pub fn hotfix(f: &Fixture, args: &[&str]) -> Run {
    f.run(f.xtask(&["hotfix"]).args(args))
}

/// `main` has not moved since v0.4.0 (the checklist's seed flow).
pub fn unmoved() -> Fixture {
    let f = Fixture::new();
    f.repo.git(&["reset", "--quiet", "--hard", "v0.4.0"]);
    f.repo
        .git(&["push", "--quiet", "--force", "origin", "main"]);
    f
}

/// `main` has moved on: a commit after v0.4.0, then the release of 0.5.0.
pub fn moved() -> Fixture {
    let f = Fixture::new();
    let run = f.release(&["0.5.0", "--skip-gate", "--no-github", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    f
}

/// `hotfix start 0.4.1 --execute`, then a fix committed on the branch.
pub fn started_with_fix(f: &Fixture) {
    let run = hotfix(f, &["start", "0.4.1", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    fix(f);
}

pub fn fix(f: &Fixture) {
    f.repo.write(
        "src/health_fix.py",
        "\"\"\"Keeps the health check alive when a service answers early.\"\"\"\n",
    );
    f.repo
        .commit_all("fix: the health check no longer exits early");
}

pub fn branch(f: &Fixture) -> String {
    f.repo.git(&["branch", "--show-current"])
}

/// The commit a revision names (it must exist).
pub fn commit_of(f: &Fixture, rev: &str) -> String {
    f.repo.git(&["rev-parse", &format!("{rev}^{{commit}}")])
}

pub fn origin_has(f: &Fixture, refname: &str) -> bool {
    !f.repo.git_origin(&["for-each-ref", refname]).is_empty()
}
