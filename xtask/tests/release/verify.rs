//! `--verify-deploy`: the checklist's step 7 runs on the tag in a separate worktree; the
//! user's checkout is never switched, and a failure stops the release before GitHub.

use std::fs;

use crate::support::{args, Fixture};

/// Replaces every deploy script with one that logs its name, arguments and folder.
fn recording_scripts(f: &Fixture, failing: Option<&str>) {
    for script in [
        "teardown.sh",
        "build.sh",
        "deploy.sh",
        "check-health.sh",
        "test-integration.sh",
    ] {
        let exit = if failing == Some(script) { 1 } else { 0 };
        let body = format!(
            "#!/bin/sh\necho \"$(basename \"$0\") $* in $(pwd)\" >> \"$VERIFY_LOG\"\nexit {exit}\n"
        );
        let path = f.path().join("scripts").join(script);
        fs::write(&path, body).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    f.repo.commit_all("test: recording scripts");
    f.repo.push();
}

#[test]
fn runs_step_7_on_the_tag_in_a_worktree() {
    let f = Fixture::new();
    recording_scripts(&f, None);
    let log = f.repo.root().join("verify.log");
    let run = f.run(
        f.command()
            .args(args("0.5.0", &["--verify-deploy", "--execute"]))
            .env("VERIFY_LOG", &log),
    );
    assert_eq!(run.code, 0, "{run:?}");
    let worktree = f.out.join("release/v0.5.0.worktree");
    let wt = worktree.display();
    assert_eq!(
        fs::read_to_string(&log).unwrap(),
        format!(
            "teardown.sh --force in {wt}\nbuild.sh  in {wt}\ndeploy.sh  in {wt}\n\
             check-health.sh 180 in {wt}\ntest-integration.sh full in {wt}\n"
        )
    );
    assert!(!worktree.exists(), "the worktree is removed");
    assert_eq!(
        f.repo
            .git(&["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        1
    );
    assert_eq!(
        f.repo.git(&["symbolic-ref", "--short", "HEAD"]),
        "main",
        "the checkout was not switched"
    );
}

#[test]
fn a_failed_deploy_stops_the_release_and_a_rerun_verifies_again() {
    let f = Fixture::new();
    recording_scripts(&f, Some("check-health.sh"));
    let log = f.repo.root().join("verify.log");
    let run = f.run(
        f.command()
            .args(args("0.5.0", &["--verify-deploy", "--execute"]))
            .env("VERIFY_LOG", &log),
    );
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr
            .contains("verify-deploy: ./scripts/check-health.sh failed"),
        "{run:?}"
    );
    assert!(
        !fs::read_to_string(&log)
            .unwrap()
            .contains("test-integration.sh"),
        "stopped at the failure"
    );
    assert!(
        !f.out.join("release/v0.5.0.worktree").exists(),
        "the worktree is removed after a failure too"
    );
    assert_eq!(f.repo.git(&["status", "--porcelain"]), "");
}
