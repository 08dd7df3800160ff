//! Bad input: one line `error: cause` and `hint: fix`, exit 2, and nothing changed (files,
//! index, the refs of the work repo and of origin).

use crate::setup::{fix, hotfix, started_with_fix, unmoved, FINISH, FINISH_BRANCH};
use crate::support::{Fixture, Run};

/// Runs `args`, expects exit 2 with `cause` (and `hint`) on stderr and nothing changed.
fn refused(f: &Fixture, args: &[&str], cause: &str, hint: &str) -> Run {
    let before = f.snapshot();
    let run = hotfix(f, args);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains(&format!("error: {cause}")),
        "{cause}: {run:?}"
    );
    assert!(
        run.stderr.contains("hint: ") && run.stderr.contains(hint),
        "{hint}: {run:?}"
    );
    assert_eq!(f.snapshot(), before, "nothing changed: {args:?}");
    run
}

#[test]
fn a_version_that_is_not_the_next_patch_names_the_one_it_would_accept() {
    let f = unmoved();
    for (args, cause, hint) in [
        (
            &["start", "0.5.0"][..],
            "0.5.0 is not a patch release",
            "hotfix start 0.4.1",
        ),
        (
            &["start", "0.4.3"][..],
            "there is no release tag v0.4.2 for 0.4.3 to patch",
            "hotfix start 0.4.1",
        ),
        (
            &["start", "0.4.2", "--from", "v0.4.0"][..],
            "0.4.2 is not the next patch of v0.4.0 (that is 0.4.1)",
            "use 0.4.1",
        ),
        (
            &["start", "1.0.0-rc.1"][..],
            "1.0.0-rc.1 is a pre-release",
            "0.4.1",
        ),
        (
            &["start", "banana"][..],
            "\"banana\" is not a semver version",
            "X.Y.Z",
        ),
    ] {
        refused(&f, args, cause, hint);
    }
}

#[test]
fn a_missing_base() {
    let f = unmoved();
    refused(
        &f,
        &["start", "0.4.1", "--from", "v9.9.9"],
        "--from v9.9.9: there is no release tag or local branch v9.9.9",
        "git tag -l",
    );
}

#[test]
fn from_main_patches_the_latest_release_in_its_history() {
    let f = Fixture::new(); // main is one commit past v0.4.0
    refused(
        &f,
        &["start", "0.5.1", "--from", "main"],
        "0.5.1 is not the next patch of v0.4.0",
        "use 0.4.1",
    );
    let run = hotfix(&f, &["start", "0.4.1", "--from", "main", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(f.repo.head(), f.repo.git(&["rev-parse", "main"]));
}

#[test]
fn an_existing_tag_or_branch() {
    let f = unmoved();
    f.repo.git(&["tag", "v0.4.1"]);
    refused(
        &f,
        &["start", "0.4.1"],
        "tag v0.4.1 already exists",
        "choose another version",
    );
    f.repo.git(&["tag", "-d", "v0.4.1"]);
    // On origin only.
    let other = f.repo.clone_origin("other");
    testkit::git::git_in(&other, &["tag", "v0.4.1"]);
    testkit::git::git_in(&other, &["push", "--quiet", "origin", "v0.4.1"]);
    refused(
        &f,
        &["start", "0.4.1"],
        "tag v0.4.1 already exists on origin",
        "another version",
    );
    testkit::git::git_in(&other, &["push", "--quiet", "origin", ":refs/tags/v0.4.1"]);
    // A branch of that name that does not start from the base (another history).
    let orphan = f
        .repo
        .git(&["commit-tree", "HEAD^{tree}", "-m", "another history"]);
    f.repo.git(&["branch", "hotfix/v0.4.1", &orphan]);
    refused(
        &f,
        &["start", "0.4.1"],
        "branch hotfix/v0.4.1 already exists and does not start from v0.4.0",
        "git branch -D hotfix/v0.4.1",
    );
}

#[test]
fn a_dirty_tree() {
    let f = unmoved();
    f.repo.write("notes.txt", "mine\n");
    refused(
        &f,
        &["start", "0.4.1"],
        "the work tree is not clean: ?? notes.txt",
        "commit, stash or remove",
    );
    std::fs::remove_file(f.path().join("notes.txt")).unwrap();
    started_with_fix(&f);
    f.repo
        .write("src/health_fix.py", "\"\"\"Changed, not committed.\"\"\"\n");
    refused(
        &f,
        &FINISH,
        "the work tree is not clean: M src/health_fix.py",
        "commit, stash or remove",
    );
}

#[test]
fn not_on_a_hotfix_branch() {
    let f = unmoved();
    refused(
        &f,
        &FINISH,
        "not on a hotfix branch (on branch main)",
        "--branch hotfix/vX.Y.Z",
    );
    refused(
        &f,
        &FINISH_BRANCH,
        "there is no branch hotfix/v0.4.1",
        "cargo xtask hotfix start 0.4.1",
    );
    f.repo.git(&["switch", "--quiet", "-c", "feature/x"]);
    refused(
        &f,
        &["finish", "--branch", "feature/x"],
        "feature/x is not a hotfix branch",
        "hotfix start",
    );
}

#[test]
fn an_empty_hotfix() {
    let f = unmoved();
    let run = hotfix(&f, &["start", "0.4.1", "--execute"]);
    assert_eq!(run.code, 0, "{run:?}");
    refused(
        &f,
        &FINISH,
        "hotfix/v0.4.1 has no commits beyond its base (v0.4.0",
        "commit the fix on hotfix/v0.4.1",
    );
}

#[test]
fn a_hotfix_branch_for_a_version_that_is_not_the_next_patch() {
    let f = unmoved();
    f.repo.git(&["switch", "--quiet", "-c", "hotfix/v0.4.3"]);
    fix(&f);
    refused(
        &f,
        &FINISH,
        "0.4.3 is not the next patch of v0.4.0 (that is 0.4.1)",
        "use 0.4.1",
    );
}
