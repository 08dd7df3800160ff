//! The fault matrix: a failure injected at every request of a clean run. Whether the run rides
//! it out with retries, or gives up at once and is simply re-run, GitHub must end exactly as
//! after a clean run: one release, one asset per name, published.

mod support;

use fake_github::Fault;
use serde_json::Value;
use support::{assert_ok, comparable, Setup};

fn faults() -> Vec<Fault> {
    vec![
        Fault::status(500),
        Fault::Drop,
        Fault::AfterEffect(502),
        Fault::DropAfterEffect,
        Fault::rate_limited(),
        Fault::too_many_requests(),
    ]
}

/// The final state of a clean run, and how many requests it took.
fn clean_run() -> (Vec<Value>, usize) {
    let setup = Setup::new();
    assert_ok(&setup.run("publish"));
    (
        comparable(&setup.fake.releases()),
        setup.fake.requests().len(),
    )
}

#[test]
fn with_retries_every_fault_is_ridden_out_in_one_run() {
    let (expected, requests) = clean_run();
    assert!(
        requests >= 8,
        "a clean run makes several requests: {requests}"
    );
    for fault in faults() {
        for index in 0..requests {
            let setup = Setup::new();
            setup.fake.fail_request(index, fault.clone());
            let run = setup.run("publish");
            let context = format!("{fault:?} at request {index}");
            assert_eq!(run.code, 0, "{context}: {}\n{}", run.json, run.stderr);
            assert!(
                run.stderr.contains("retrying"),
                "{context}: the fault was hit: {}",
                run.stderr
            );
            assert_eq!(comparable(&setup.fake.releases()), expected, "{context}");
        }
    }
}

#[test]
fn without_retries_a_failed_run_exits_3_and_a_plain_rerun_finishes_the_job() {
    let (expected, requests) = clean_run();
    for fault in faults() {
        for index in 0..requests {
            let mut setup = Setup::new();
            setup.fake.fail_request(index, fault.clone());
            setup.set_env("XTASK_GITHUB_DEADLINE_S", "0");
            let context = format!("{fault:?} at request {index}");
            let failed = setup.run("publish");
            assert_eq!(
                failed.code, 3,
                "{context}: {}\n{}",
                failed.json, failed.stderr
            );
            assert_eq!(failed.json["ok"], false, "{context}");
            assert!(
                failed.stderr.contains("re-run"),
                "{context}: {}",
                failed.stderr
            );

            setup.set_env("XTASK_GITHUB_DEADLINE_S", "30");
            let rerun = setup.run("publish");
            assert_eq!(rerun.code, 0, "{context}: {}\n{}", rerun.json, rerun.stderr);
            assert_eq!(comparable(&setup.fake.releases()), expected, "{context}");
        }
    }
}
