//! The fault matrix of release applied to `hotfix finish`: a failure at each step (a real one
//! where git can make it — a write that fails, a hook that rejects the commit, a ref that cannot
//! be moved, a push origin rejects; the test hook `XTASK_RELEASE_ABORT_AFTER` for a process
//! killed after each step), then a re-run of the same command ends as an uninterrupted run.

use std::fs;

use crate::setup::{hotfix, moved, started_with_fix, unmoved, FINISH, GIT_STEPS};
use crate::support::{write_hook, Fixture, Snapshot};

/// The two shapes: `main` unchanged since the base, and `main` ahead.
fn shapes() -> [fn() -> Fixture; 2] {
    [unmoved, moved]
}

fn ready(shape: fn() -> Fixture) -> Fixture {
    let f = shape();
    started_with_fix(&f);
    f
}

fn clean(shape: fn() -> Fixture) -> Snapshot {
    let f = ready(shape);
    let run = hotfix(&f, &FINISH);
    assert_eq!(run.code, 0, "{run:?}");
    f.snapshot()
}

const REJECT: &str = "#!/bin/sh\necho rejected by the test >&2\nexit 1\n";

/// A reference-transaction hook that refuses to move `refname`.
fn refuse_ref(refname: &str) -> String {
    format!(
        "#!/bin/sh\n[ \"$1\" = prepared ] || exit 0\n\
         while read old new ref; do [ \"$ref\" = {refname} ] && exit 1; done\nexit 0\n"
    )
}

/// Injects a fault, expects exit 3 from the first run and `after` to hold, removes the fault,
/// re-runs: the end state equals a clean run's, for both shapes.
fn fault(
    inject: impl Fn(&Fixture),
    after: impl Fn(&Fixture, &Snapshot),
    remove: impl Fn(&Fixture),
) {
    for shape in shapes() {
        let f = ready(shape);
        inject(&f);
        let before = f.snapshot();
        let failed = hotfix(&f, &FINISH);
        assert_eq!(failed.code, 3, "{failed:?}");
        assert!(
            failed.stderr.contains("re-run the same command"),
            "{failed:?}"
        );
        after(&f, &before);
        remove(&f);
        let resumed = hotfix(&f, &FINISH);
        assert_eq!(resumed.code, 0, "{resumed:?}");
        assert_eq!(f.snapshot(), clean(shape), "resumed equals a clean run");
    }
}

#[test]
fn files_a_failing_write_restores_everything() {
    let blocker = |f: &Fixture| f.path().join(".CHANGELOG.md.release-tmp");
    fault(
        |f| fs::create_dir(blocker(f)).unwrap(),
        |f, before| assert_eq!(&f.snapshot(), before),
        |f| fs::remove_dir(blocker(f)).unwrap(),
    );
}

#[test]
fn commit_rejected_by_a_hook() {
    fault(
        |f| write_hook(&f.path().join(".git"), "commit-msg", REJECT),
        |f, before| assert_eq!(&f.snapshot(), before),
        |f| fs::remove_file(f.path().join(".git/hooks/commit-msg")).unwrap(),
    );
}

#[test]
fn merge_cannot_move_main() {
    fault(
        |f| {
            write_hook(
                &f.path().join(".git"),
                "reference-transaction",
                &refuse_ref("refs/heads/main"),
            )
        },
        |f, before| {
            assert_eq!(f.snapshot().refs.1, before.refs.1, "origin unchanged");
            assert_eq!(
                f.repo.git(&["log", "-1", "--format=%s", "main"]),
                before_main_subject(f)
            );
            assert_eq!(
                f.repo.git(&["log", "-1", "--format=%s"]),
                "Release version 0.4.1"
            );
        },
        |f| fs::remove_file(f.path().join(".git/hooks/reference-transaction")).unwrap(),
    );
}

/// main's subject before the hotfix: whatever it was (it must not be the merge).
fn before_main_subject(f: &Fixture) -> String {
    let subject = f.repo.git(&["log", "-1", "--format=%s", "main"]);
    assert_ne!(subject, "Merge hotfix v0.4.1");
    subject
}

#[test]
fn tag_cannot_be_created() {
    fault(
        |f| {
            write_hook(
                &f.path().join(".git"),
                "reference-transaction",
                &refuse_ref("refs/tags/v0.4.1"),
            )
        },
        |f, _| {
            assert_eq!(
                f.repo.git(&["log", "-1", "--format=%s", "main"]),
                "Merge hotfix v0.4.1"
            );
            assert_eq!(f.repo.git(&["tag", "-l", "v0.4.1"]), "");
        },
        |f| fs::remove_file(f.path().join(".git/hooks/reference-transaction")).unwrap(),
    );
}

#[test]
fn push_rejected_by_origin_changes_nothing_there_and_keeps_the_branch() {
    fault(
        |f| write_hook(f.repo.origin(), "pre-receive", REJECT),
        |f, before| {
            assert_eq!(
                f.snapshot().refs.1,
                before.refs.1,
                "origin unchanged: the push is atomic"
            );
            assert_eq!(
                f.repo.git(&["branch", "--show-current"]),
                "hotfix/v0.4.1",
                "the branch stays"
            );
        },
        |f| fs::remove_file(f.repo.origin().join("hooks/pre-receive")).unwrap(),
    );
}

#[test]
fn delete_branch_rejected_on_origin() {
    // The branch was pushed; origin refuses its deletion (only that).
    let refuse_delete = "#!/bin/sh\nwhile read old new ref; do\n\
        [ \"$ref\" = refs/heads/hotfix/v0.4.1 ] && [ \"$new\" = 0000000000000000000000000000000000000000 ] && exit 1\n\
        done\nexit 0\n";
    for shape in shapes() {
        let f = ready(shape);
        f.repo.git(&["push", "--quiet", "origin", "hotfix/v0.4.1"]);
        write_hook(f.repo.origin(), "pre-receive", refuse_delete);
        let failed = hotfix(&f, &FINISH);
        assert_eq!(failed.code, 3, "{failed:?}");
        assert_eq!(
            f.repo.git(&["branch", "--list", "hotfix/v0.4.1"]),
            "hotfix/v0.4.1"
        );
        fs::remove_file(f.repo.origin().join("hooks/pre-receive")).unwrap();
        let resumed = hotfix(&f, &FINISH);
        assert_eq!(
            resumed.code, 0,
            "the same command resumes off the branch: {resumed:?}"
        );
        assert_eq!(f.repo.git(&["branch", "--list", "hotfix/*"]), "");
        assert_eq!(f.repo.git_origin(&["branch", "--list", "hotfix/*"]), "");
        assert_eq!(f.snapshot(), clean(shape));
    }
}

#[test]
fn killed_after_each_step_then_resumed() {
    for shape in shapes() {
        let clean = clean(shape);
        for step in GIT_STEPS {
            let f = ready(shape);
            let killed = f.run(
                f.xtask(&["hotfix"])
                    .args(FINISH)
                    .env("XTASK_RELEASE_ABORT_AFTER", step),
            );
            assert_ne!(killed.code, 0, "killed after {step}: {killed:?}");
            let resumed = hotfix(&f, &FINISH);
            assert_eq!(resumed.code, 0, "resumed after {step}: {resumed:?}");
            assert_eq!(f.snapshot(), clean, "killed after {step}, then resumed");
        }
    }
}
