//! The JSON report, its merge rules and the exit code; the dry run's order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use runner::{
    dry_run_lines, Action, CheckResult, Job, MergeError, Outcome, Report, SignOff, Status,
};

fn check(id: &str, status: Status) -> CheckResult {
    CheckResult {
        id: id.to_owned(),
        section: "security".to_owned(),
        title: format!("title of {id}"),
        status,
        duration_ms: 12,
        command: None,
        log: None,
        reason: None,
        blocked_by: None,
    }
}

fn report(commit: &str, checks: Vec<CheckResult>) -> Report {
    Report {
        commit: Some(commit.to_owned()),
        ..Report::new(checks)
    }
}

fn statuses(report: &Report) -> Vec<(&str, Status)> {
    report
        .checks
        .iter()
        .map(|check| (check.id.as_str(), check.status))
        .collect()
}

#[test]
fn json_has_every_required_key_and_round_trips() {
    let mut report = Report::new(vec![
        CheckResult {
            command: Some("ruff check src tests".to_owned()),
            log: Some(PathBuf::from("target/xtask/logs/ruff.log")),
            reason: Some("exit status 1: E501".to_owned()),
            ..check("ruff", Status::Fail)
        },
        check("guide", Status::Manual),
    ]);
    report.tool = "xtask pre-release 0.1.0".to_owned();
    report.project = "codemate-hub".to_owned();
    report.started_at = "2026-11-27T12:00:00Z".to_owned();
    report.sign_offs.push(SignOff {
        id: "guide".to_owned(),
        by: "Jane".to_owned(),
        at: "2026-11-27T12:01:00Z".to_owned(),
        role: None,
    });
    let json = report.to_json();

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ruff = &value["checks"][0];
    assert_eq!(ruff["id"], "ruff");
    assert_eq!(ruff["section"], "security");
    assert_eq!(ruff["title"], "title of ruff");
    assert_eq!(ruff["status"], "fail");
    assert_eq!(ruff["duration_ms"], 12);
    assert_eq!(ruff["command"], "ruff check src tests");
    assert_eq!(ruff["log"], "target/xtask/logs/ruff.log");
    assert_eq!(ruff["reason"], "exit status 1: E501");
    let guide = value["checks"][1].as_object().unwrap();
    for key in ["command", "log", "reason"] {
        assert!(guide[key].is_null(), "`{key}` is present and null");
    }
    assert_eq!(
        value["summary"],
        serde_json::json!({ "pass": 0, "fail": 1, "blocked": 0, "skipped": 0, "manual": 1 })
    );
    for key in [
        "tool",
        "project",
        "commit",
        "target_version",
        "started_at",
        "duration_ms",
        "sign_offs",
    ] {
        assert!(value.get(key).is_some(), "`{key}` is present");
    }
    assert_eq!(Report::from_json(&json).unwrap(), report);
}

#[test]
fn from_json_rejects_an_unknown_status() {
    let json = Report::new(vec![check("x", Status::Pass)])
        .to_json()
        .replace("\"pass\"", "\"passed\"");
    assert!(Report::from_json(&json).is_err());
}

#[test]
fn exit_code_is_one_only_for_failed_or_blocked_checks() {
    let code = |statuses: &[Status]| {
        let checks = statuses
            .iter()
            .enumerate()
            .map(|(i, &s)| check(&i.to_string(), s))
            .collect();
        Report::new(checks).exit_code()
    };
    assert_eq!(code(&[]), 0);
    assert_eq!(code(&[Status::Pass, Status::Skipped, Status::Manual]), 0);
    assert_eq!(code(&[Status::Pass, Status::Blocked]), 1);
    assert_eq!(code(&[Status::Fail, Status::Pass]), 1);
}

#[test]
fn merge_keeps_the_worst_result_and_prefers_a_run_over_a_skip() {
    let quality = report(
        "abc123",
        vec![
            check("unit", Status::Pass),
            check("deploy", Status::Skipped),
            check("secrets", Status::Pass),
        ],
    );
    let functional = report(
        "abc123",
        vec![
            check("unit", Status::Skipped),
            check("deploy", Status::Fail),
            check("secrets", Status::Blocked),
            check("guide", Status::Manual),
        ],
    );
    let merged = Report::merge(vec![quality, functional]).unwrap();
    assert_eq!(
        statuses(&merged),
        [
            ("unit", Status::Pass),
            ("deploy", Status::Fail),
            ("secrets", Status::Blocked),
            ("guide", Status::Manual)
        ]
    );
    assert_eq!(
        (
            merged.summary.pass,
            merged.summary.fail,
            merged.summary.blocked
        ),
        (1, 1, 1)
    );
    assert_eq!((merged.summary.skipped, merged.summary.manual), (0, 1));
    assert_eq!(merged.exit_code(), 1);
}

#[test]
fn merge_ranks_every_pair_of_statuses() {
    // Worst first: the merged status of any two is the one listed earlier.
    let ranked = [
        Status::Fail,
        Status::Blocked,
        Status::Pass,
        Status::Manual,
        Status::Skipped,
    ];
    for (i, &worse) in ranked.iter().enumerate() {
        for &better in &ranked[i..] {
            for pair in [[worse, better], [better, worse]] {
                let reports = pair
                    .map(|status| report("c", vec![check("x", status)]))
                    .to_vec();
                assert_eq!(
                    Report::merge(reports).unwrap().checks[0].status,
                    worse,
                    "{pair:?}"
                );
            }
        }
    }
}

#[test]
fn merge_combines_metadata_and_sign_offs() {
    let sign_off = |by: &str| SignOff {
        id: "guide".to_owned(),
        by: by.to_owned(),
        at: "t".to_owned(),
        role: None,
    };
    let mut first = report("c", vec![]);
    (first.started_at, first.duration_ms) = ("2026-11-27T12:05:00Z".to_owned(), 1_000);
    first.sign_offs = vec![sign_off("Jane")];
    let mut second = report("c", vec![]);
    (second.started_at, second.duration_ms) = ("2026-11-27T12:00:00Z".to_owned(), 3_000);
    second.sign_offs = vec![sign_off("Jane"), sign_off("Ali")];
    let merged = Report::merge(vec![first, second]).unwrap();
    assert_eq!(
        (merged.started_at.as_str(), merged.duration_ms),
        ("2026-11-27T12:00:00Z", 3_000)
    );
    let by: Vec<&str> = merged.sign_offs.iter().map(|s| s.by.as_str()).collect();
    assert_eq!(by, ["Jane", "Ali"]);
}

#[test]
fn merge_refuses_different_commits_and_nothing() {
    let err = Report::merge(vec![report("abc", vec![]), report("def", vec![])]).unwrap_err();
    assert_eq!(
        err,
        MergeError::DifferentCommits {
            first: "abc".to_owned(),
            other: "def".to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        "the reports are of different commits: abc and def"
    );
    let versions = |v: &str| Report {
        target_version: Some(v.to_owned()),
        ..report("abc", vec![])
    };
    assert!(matches!(
        Report::merge(vec![versions("0.5.0"), versions("1.0.0")]),
        Err(MergeError::DifferentTargetVersions { .. })
    ));
    assert_eq!(Report::merge(Vec::new()).unwrap_err(), MergeError::Empty);
}

fn job(id: &str, deps: &[&str], action: Action) -> Job {
    Job {
        id: id.to_owned(),
        section: "functional".to_owned(),
        title: format!("title of {id}"),
        deps: deps.iter().map(|d| d.to_string()).collect(),
        timeout: Duration::from_secs(1),
        command: match &action {
            Action::Shell { script, .. } => Some(script.clone()),
            _ => None,
        },
        action,
    }
}

fn sh(script: &str) -> Action {
    // Would leave a marker if the dry run ran anything.
    Action::Shell {
        script: format!("touch ran; {script}"),
        cwd: PathBuf::from("/nonexistent"),
        env: Vec::new(),
    }
}

#[test]
fn dry_run_lists_commands_dependencies_first_and_runs_nothing() {
    let jobs = vec![
        job("exec", &["health"], sh("docker exec app true")),
        job(
            "health",
            &["deploy"],
            Action::Native(Box::new(|_| panic!("must not run"))),
        ),
        job("deploy", &["build"], sh("./scripts/deploy.sh")),
        job("build", &[], sh("./scripts/build.sh")),
        job(
            "guide",
            &[],
            Action::Fixed(Outcome::manual("a person reads it")),
        ),
    ];
    assert_eq!(
        dry_run_lines(&jobs).unwrap(),
        [
            "build: touch ran; ./scripts/build.sh",
            "deploy: touch ran; ./scripts/deploy.sh",
            "health: (native: title of health)",
            "exec: touch ran; docker exec app true",
            "guide: (manual: a person reads it)",
        ]
    );
    assert!(!Path::new("/nonexistent/ran").exists());
}

#[test]
fn dry_run_refuses_a_cycle() {
    let jobs = vec![job("a", &["b"], sh("true")), job("b", &["a"], sh("true"))];
    assert_eq!(
        dry_run_lines(&jobs).unwrap_err().to_string(),
        "the dependencies form a cycle: a -> b -> a"
    );
}
