//! The GitHub release of a hotfix, against the fake GitHub API (build `cargo build -p github
//! --bin xtask-github` first): the same release as `release` makes, `make_latest` only when the
//! hotfix is the highest stable version; a failure at a GitHub request, then a re-run, never
//! makes a second release and still deletes the branch only at the end.

use std::sync::atomic::{AtomicUsize, Ordering};

use fake_github::{FakeGithub, Fault};

use crate::setup::{moved, started_with_fix, unmoved};
use crate::support::{github_env, github_state, Fixture, Run, OWNER, REPO, TOKEN};

const FINISH: [&str; 3] = ["finish", "--skip-gate", "--execute"];

fn finish(f: &Fixture, gh: &FakeGithub) -> Run {
    let mut command = f.xtask(&["hotfix"]);
    command.args(FINISH);
    github_env(&mut command, gh);
    let run = f.run(&mut command);
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked: {run:?}"
    );
    run
}

#[test]
fn the_latest_hotfix_becomes_latest_and_names_the_merge() {
    let f = unmoved();
    started_with_fix(&f);
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let run = finish(&f, &gh);
    assert_eq!(run.code, 0, "{run:?}");
    let releases = gh.releases();
    assert_eq!(releases.len(), 1, "{releases:?}");
    let r = &releases[0];
    assert_eq!(
        (r.tag_name.as_str(), r.name.as_deref()),
        ("v0.4.1", Some("Version 0.4.1"))
    );
    assert!(!r.draft && !r.prerelease);
    assert_eq!(r.make_latest.as_deref(), Some("true"));
    assert_eq!(
        r.target_commitish,
        f.repo.git(&["rev-parse", "v0.4.1^{commit}"])
    );
    assert!(r
        .body
        .as_deref()
        .unwrap()
        .contains("the health check no longer exits early"));
    assert!(
        r.assets.iter().any(|a| a.name == "SHA256SUMS"),
        "{:?}",
        r.assets
    );
}

#[test]
fn a_hotfix_of_an_older_line_does_not_become_latest() {
    let f = moved();
    started_with_fix(&f);
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let run = finish(&f, &gh);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("v0.5.0 is newer: the GitHub release v0.4.1 does not become the latest"),
        "{run:?}"
    );
    let releases = gh.releases();
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0].make_latest.as_deref(), Some("false"));
    let release_commit = f.repo.git(&["rev-parse", "v0.4.1^{commit}"]);
    assert_eq!(
        releases[0].target_commitish, release_commit,
        "the tested commit"
    );
}

/// A fault at every GitHub request (a refusal, an effect then a 500, a dropped connection),
/// then a re-run: GitHub and git end as after a clean run, and a run that failed part-way kept
/// the hotfix branch (it is deleted only after the GitHub release).
#[test]
fn a_fault_at_every_github_request_then_a_rerun_converges() {
    let (clean_state, clean_git, total) = {
        let f = unmoved();
        started_with_fix(&f);
        let gh = FakeGithub::start(OWNER, REPO, TOKEN);
        assert_eq!(finish(&f, &gh).code, 0);
        (github_state(&gh), f.snapshot(), gh.requests().len())
    };
    assert!(total > 5, "{total} requests");
    let faults = [Fault::status(401), Fault::AfterEffect(500), Fault::Drop];
    let part_way = AtomicUsize::new(0);
    testkit::each_case_in_parallel(total, |index| {
        let fault = faults[index % faults.len()].clone();
        let f = unmoved();
        started_with_fix(&f);
        let gh = FakeGithub::start(OWNER, REPO, TOKEN);
        gh.fail_request(index, fault.clone());
        let first = finish(&f, &gh);
        assert!(
            matches!(first.code, 0 | 2 | 3),
            "request {index} {fault:?}: {first:?}"
        );
        if first.code == 3 {
            part_way.fetch_add(1, Ordering::Relaxed);
            assert_eq!(
                f.repo.git(&[
                    "branch",
                    "--list",
                    "--format=%(refname:short)",
                    "hotfix/v0.4.1"
                ]),
                "hotfix/v0.4.1",
                "request {index}: the branch is deleted only at the end"
            );
        }
        let second = finish(&f, &gh);
        assert_eq!(
            second.code, 0,
            "resume after request {index} {fault:?}: {second:?}"
        );
        assert_eq!(
            github_state(&gh),
            clean_state,
            "request {index} {fault:?}: one release, every asset once"
        );
        assert_eq!(f.snapshot(), clean_git, "request {index} {fault:?}");
    });
    assert!(
        part_way.into_inner() > 0,
        "some fault stopped a run part-way"
    );
}
