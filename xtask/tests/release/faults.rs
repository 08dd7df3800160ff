//! The fault matrix of the file and git steps: a failure injected at each step (a real one
//! where git can make it: a write that fails, a hook that rejects, a ref that cannot be
//! locked; the test hook `XTASK_RELEASE_ABORT_AFTER` for a killed process), then a re-run of
//! the same command: the final files and refs equal those of an uninterrupted run.

use std::fs;

use crate::support::{args, write_hook, Fixture, Snapshot};

const RUN: [&str; 4] = ["0.5.0", "--skip-gate", "--no-github", "--execute"];

fn clean_run() -> Snapshot {
    let f = Fixture::new();
    let run = f.release(&RUN);
    assert_eq!(run.code, 0, "{run:?}");
    f.snapshot()
}

/// Injects a fault, expects the first run to fail with `code`, checks `after_failure`,
/// removes the fault, re-runs and compares with a clean run.
fn fault(
    inject: impl FnOnce(&Fixture),
    code: i32,
    after_failure: impl FnOnce(&Fixture, &Snapshot),
    remove: impl FnOnce(&Fixture),
) {
    let f = Fixture::new();
    inject(&f);
    let before = f.snapshot();
    let failed = f.release(&RUN);
    assert_eq!(failed.code, code, "{failed:?}");
    after_failure(&f, &before);
    remove(&f);
    let resumed = f.release(&RUN);
    assert_eq!(resumed.code, 0, "{resumed:?}");
    assert_eq!(
        f.snapshot(),
        clean_run(),
        "the resumed release equals a clean one"
    );
}

fn hook(dir: &std::path::Path, name: &str) {
    write_hook(
        dir,
        name,
        "#!/bin/sh\necho rejected by the test >&2\nexit 1\n",
    );
}

fn unchanged(f: &Fixture, before: &Snapshot) {
    assert_eq!(
        &f.snapshot(),
        before,
        "the files were restored, nothing committed"
    );
}

#[test]
fn file_write_fails_and_everything_is_restored() {
    // The temp file of CHANGELOG.md (written after pyproject.toml and uv.lock) cannot be created.
    let blocker = |f: &Fixture| f.path().join(".CHANGELOG.md.release-tmp");
    fault(
        |f| fs::create_dir(blocker(f)).unwrap(),
        3,
        unchanged,
        |f| fs::remove_dir(blocker(f)).unwrap(),
    );
}

#[test]
fn commit_rejected_by_a_hook_restores_the_files() {
    fault(
        |f| hook(&f.path().join(".git"), "commit-msg"),
        3,
        unchanged,
        |f| fs::remove_file(f.path().join(".git/hooks/commit-msg")).unwrap(),
    );
}

#[test]
fn tag_fails_after_the_commit() {
    // git's reference-transaction hook refuses to create the tag's ref.
    let refuse_tag = "#!/bin/sh\n[ \"$1\" = prepared ] || exit 0\n\
        while read old new ref; do [ \"$ref\" = refs/tags/v0.5.0 ] && exit 1; done\nexit 0\n";
    fault(
        |f| write_hook(&f.path().join(".git"), "reference-transaction", refuse_tag),
        3,
        |f, _| {
            assert_eq!(
                f.repo.git(&["log", "-1", "--format=%s"]),
                "Release version 0.5.0"
            );
            assert_eq!(f.repo.git(&["tag", "-l", "v0.5.0"]), "");
        },
        |f| fs::remove_file(f.path().join(".git/hooks/reference-transaction")).unwrap(),
    );
}

#[test]
fn push_rejected_by_origin() {
    fault(
        |f| hook(f.repo.origin(), "pre-receive"),
        3,
        |f, before| {
            assert_eq!(
                f.snapshot().refs.1,
                before.refs.1,
                "origin unchanged: the push is atomic"
            );
            assert!(f.repo.git(&["tag", "-l", "v0.5.0"]) == "v0.5.0");
        },
        |f| fs::remove_file(f.repo.origin().join("hooks/pre-receive")).unwrap(),
    );
}

#[test]
fn killed_after_each_step() {
    let clean = clean_run();
    for step in ["files", "commit", "tag", "push"] {
        let f = Fixture::new();
        let killed = f.run(f.command().args(RUN).env("XTASK_RELEASE_ABORT_AFTER", step));
        assert_ne!(killed.code, 0, "killed after {step}: {killed:?}");
        let resumed = f.release(&RUN);
        assert_eq!(resumed.code, 0, "resumed after {step}: {resumed:?}");
        assert_eq!(f.snapshot(), clean, "killed after {step}, then resumed");
    }
}

#[test]
fn plan_after_a_partial_run_shows_only_what_is_missing() {
    let f = Fixture::new();
    let killed = f.run(
        f.command()
            .args(RUN)
            .env("XTASK_RELEASE_ABORT_AFTER", "tag"),
    );
    assert_ne!(killed.code, 0);
    let before = f.snapshot();
    let plan = f.release(&args("0.5.0", &[]));
    assert_eq!(plan.code, 0, "{plan:?}");
    assert_eq!(f.snapshot(), before);
    let status = |step: &str| {
        plan.stdout
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(step))
            .and_then(|l| l.split_whitespace().nth(2))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        ["files", "commit", "tag", "push"].map(status),
        ["done", "done", "done", "planned"],
        "{plan:?}"
    );
}

/// A "Release version X.Y.Z" commit that touches other files is not this command's.
#[test]
fn a_hand_made_release_commit_is_not_resumed() {
    let f = Fixture::new();
    f.repo
        .write("src/extra.py", "\"\"\"Changed by hand.\"\"\"\n");
    f.repo.commit_all("Release version 0.5.0");
    f.repo.push();
    let run = f.release(&args("0.5.0", &["--format", "json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["steps"][1]["name"], "commit");
    assert_eq!(
        doc["steps"][1]["status"], "planned",
        "a new release commit is planned"
    );
}

#[test]
fn a_failure_as_json() {
    let f = Fixture::new();
    hook(f.repo.origin(), "pre-receive");
    let run = f.release(&args("0.5.0", &["--execute", "--format", "json"]));
    assert_eq!(run.code, 3, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(doc["exit_code"], 3);
    assert_eq!(doc["mode"], "execute");
    assert!(
        doc["error"]["cause"]
            .as_str()
            .unwrap()
            .contains("pushing the release"),
        "{doc}"
    );
    assert!(
        doc["error"]["fix"]
            .as_str()
            .unwrap()
            .contains("re-run the same command"),
        "{doc}"
    );
    let push = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "push")
        .unwrap();
    assert_eq!(push["status"], "failed");
}
