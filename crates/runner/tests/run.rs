//! The runner end to end: real `sh` processes in temp dirs.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use runner::{run, Action, CheckResult, Job, Options, Outcome, Progress, RunError, Status};

fn shell(id: &str, script: &str, cwd: &Path) -> Job {
    Job {
        id: id.to_owned(),
        section: "code-quality".to_owned(),
        title: format!("title of {id}"),
        deps: Vec::new(),
        timeout: Duration::from_secs(30),
        command: Some(script.to_owned()),
        action: Action::Shell {
            script: script.to_owned(),
            cwd: cwd.to_owned(),
            env: Vec::new(),
        },
    }
}

fn native(id: &str, check: impl Fn(runner::Log) -> Outcome + Send + Sync + 'static) -> Job {
    Job {
        command: None,
        action: Action::Native(Box::new(check)),
        ..shell(id, "", Path::new("."))
    }
}

fn fixed(id: &str, outcome: Outcome) -> Job {
    Job {
        command: None,
        action: Action::Fixed(outcome),
        ..shell(id, "", Path::new("."))
    }
}

fn after(deps: &[&str], job: Job) -> Job {
    Job {
        deps: deps.iter().map(|dep| dep.to_string()).collect(),
        ..job
    }
}

fn options(dir: &Path, jobs: usize, progress: Progress) -> Options {
    Options {
        jobs,
        log_dir: dir.join("logs"),
        progress,
    }
}

fn run_quiet(jobs: Vec<Job>, dir: &Path) -> Vec<CheckResult> {
    run(jobs, &options(dir, 4, Progress::Quiet)).expect("a valid graph")
}

fn outcome(result: &CheckResult) -> (Status, Option<&str>) {
    (result.status, result.reason.as_deref())
}

fn log_of(result: &CheckResult) -> String {
    std::fs::read_to_string(result.log.as_ref().expect("the check has a log")).unwrap()
}

#[test]
fn a_passing_command_passes_and_logs_header_output_and_footer() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![shell("hello", "echo out; echo err >&2", dir.path())],
        dir.path(),
    );
    assert_eq!(outcome(&results[0]), (Status::Pass, None));
    assert_eq!(
        results[0].log.as_deref(),
        Some(dir.path().join("logs/hello.log").as_path())
    );
    let log = log_of(&results[0]);
    assert!(
        log.starts_with("$ echo out; echo err >&2\n# cwd: "),
        "{log}"
    );
    assert!(log.contains("# started: "), "{log}");
    assert!(
        log.contains("\nout\nerr\n"),
        "stdout and stderr both logged, in order: {log}"
    );
    assert!(log.contains("# exit status 0 after "), "{log}");
}

#[test]
fn a_failing_command_fails_with_its_exit_status_and_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let script = "echo 'ignored'; echo '  tests/test_x.py::test_y FAILED  ' >&2; echo; exit 3";
    let results = run_quiet(vec![shell("unit", script, dir.path())], dir.path());
    assert_eq!(
        outcome(&results[0]),
        (
            Status::Fail,
            Some("exit status 3: tests/test_x.py::test_y FAILED")
        )
    );
    assert!(log_of(&results[0]).contains("# exit status 3 after "));
}

#[test]
fn a_long_last_line_is_shortened_in_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![shell(
            "long",
            "printf 'x%.0s' $(seq 500); exit 1",
            dir.path(),
        )],
        dir.path(),
    );
    let reason = results[0].reason.as_deref().unwrap();
    assert_eq!(reason, format!("exit status 1: {}...", "x".repeat(200)));
}

#[test]
fn a_missing_tool_blocks_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            shell("black", "no-such-tool-xyz --check src", dir.path()),
            shell("later", "true && LANG=C also-missing-xyz", dir.path()),
        ],
        dir.path(),
    );
    assert_eq!(
        outcome(&results[0]),
        (
            Status::Blocked,
            Some("`no-such-tool-xyz` not found on PATH")
        )
    );
    // The name comes from the shell's message, not only from the script's first word.
    assert_eq!(
        outcome(&results[1]),
        (
            Status::Blocked,
            Some("`also-missing-xyz` not found on PATH")
        )
    );
}

#[test]
fn env_and_cwd_reach_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut job = shell("env", "printf '%s' \"$GREETING\" > here.txt", dir.path());
    if let Action::Shell { env, .. } = &mut job.action {
        env.push(("GREETING".to_owned(), "hi there".to_owned()));
    }
    let results = run_quiet(vec![job], dir.path());
    assert_eq!(results[0].status, Status::Pass);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("here.txt")).unwrap(),
        "hi there"
    );
}

#[test]
fn a_failed_dependency_blocks_its_dependents_without_running_them() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            shell("deploy", "exit 1", dir.path()),
            after(&["deploy"], shell("health", "touch health-ran", dir.path())),
            after(
                &["health"],
                shell("pipeline", "touch pipeline-ran", dir.path()),
            ),
        ],
        dir.path(),
    );
    assert_eq!(results[0].status, Status::Fail);
    assert_eq!(
        outcome(&results[1]),
        (Status::Blocked, Some("dependency `deploy` failed"))
    );
    assert_eq!(
        outcome(&results[2]),
        (Status::Blocked, Some("dependency `health` is blocked"))
    );
    assert_eq!((results[1].log.as_ref(), results[1].duration_ms), (None, 0));
    assert!(!dir.path().join("health-ran").exists());
    assert!(!dir.path().join("pipeline-ran").exists());
}

#[test]
fn fixed_outcomes_stand_and_gate_their_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            fixed(
                "guide",
                Outcome::manual("a person reviews the troubleshooting guide"),
            ),
            fixed("build", Outcome::skipped("--skip build")),
            fixed("given", Outcome::pass()),
            after(&["build"], shell("deploy", "true", dir.path())),
            after(&["guide"], shell("publish", "true", dir.path())),
            after(&["given"], shell("runs", "true", dir.path())),
            // Skipped by a flag stays skipped, whatever its dependency did.
            after(
                &["deploy"],
                fixed("health", Outcome::skipped("--skip health")),
            ),
        ],
        dir.path(),
    );
    let got: Vec<_> = results.iter().map(outcome).collect();
    assert_eq!(
        got,
        [
            (
                Status::Manual,
                Some("a person reviews the troubleshooting guide")
            ),
            (Status::Skipped, Some("--skip build")),
            (Status::Pass, None),
            (Status::Blocked, Some("dependency `build` was skipped")),
            (
                Status::Blocked,
                Some("dependency `guide` is a manual check")
            ),
            (Status::Pass, None),
            (Status::Skipped, Some("--skip health")),
        ]
    );
    assert!(results[0].log.is_none() && results[1].log.is_none());
}

#[test]
fn a_timeout_fails_promptly_and_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    // The script's own child must die too, not only `sh`.
    let job = Job {
        timeout: Duration::from_secs(1),
        ..shell("hang", "sleep 30 & echo $! > sleep.pid; wait", dir.path())
    };
    let started = Instant::now();
    let results = run_quiet(vec![job], dir.path());
    // Not a speed test: without the kill this would take the full 30 s.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        outcome(&results[0]),
        (Status::Fail, Some("timed out after 1s"))
    );
    assert!(log_of(&results[0]).contains("# timed out after 1s; killed process group "));
    let pid = std::fs::read_to_string(dir.path().join("sleep.pid")).unwrap();
    assert!(
        common::wait_until_gone(pid.trim()),
        "`sleep` (pid {}) outlived the timeout",
        pid.trim()
    );
}

#[test]
fn native_checks_log_and_report_their_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            native("ok", |log| {
                writeln!(log, "checked 3 links").unwrap();
                Outcome::pass()
            }),
            native("bad", |_| Outcome::fail("`docs/x.md` is missing")),
        ],
        dir.path(),
    );
    assert_eq!(outcome(&results[0]), (Status::Pass, None));
    let log = log_of(&results[0]);
    assert!(log.starts_with("# native check: title of ok\n"), "{log}");
    assert!(log.contains("checked 3 links\n"), "{log}");
    assert!(log.contains("# pass after "), "{log}");
    assert_eq!(
        outcome(&results[1]),
        (Status::Fail, Some("`docs/x.md` is missing"))
    );
}

#[test]
fn a_native_panic_is_a_failure_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            native("boom", |_| panic!("no compose file in {}", "examples/")),
            after(&["boom"], shell("next", "true", dir.path())),
        ],
        dir.path(),
    );
    assert_eq!(
        outcome(&results[0]),
        (Status::Fail, Some("panicked: no compose file in examples/"))
    );
    assert_eq!(
        outcome(&results[1]),
        (Status::Blocked, Some("dependency `boom` failed"))
    );
}

#[test]
fn a_native_check_past_its_timeout_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (_keep_open, never) = std::sync::mpsc::channel::<()>();
    let never = Mutex::new(never);
    let job = Job {
        timeout: Duration::from_millis(200),
        ..native("stuck", move |_| {
            let _ = never.lock().unwrap().recv();
            Outcome::pass()
        })
    };
    let results = run_quiet(vec![job], dir.path());
    assert_eq!(
        outcome(&results[0]),
        (Status::Fail, Some("timed out after 0.2s"))
    );
}

/// Each job creates its marker, then waits (boundedly) for the other's: both pass only when
/// they run at the same time.
fn rendezvous(dir: &Path, tries: u32) -> Vec<Job> {
    let job = |mine: &str, other: &str| {
        let script = format!(
            "touch {mine}; i=0; while [ ! -e {other} ]; do i=$((i+1)); [ $i -gt {tries} ] && exit 1; sleep 0.05; done"
        );
        shell(mine, &script, dir)
    };
    vec![job("left", "right"), job("right", "left")]
}

#[test]
fn independent_jobs_run_in_parallel() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(
        rendezvous(dir.path(), 200),
        &options(dir.path(), 2, Progress::Quiet),
    )
    .unwrap();
    assert_eq!(
        [results[0].status, results[1].status],
        [Status::Pass, Status::Pass]
    );
}

#[test]
fn one_job_at_a_time_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let results = run(
        rendezvous(dir.path(), 10),
        &options(dir.path(), 1, Progress::Quiet),
    )
    .unwrap();
    // `left` waits alone and gives up; `right` then finds `left`'s marker.
    assert_eq!(
        [results[0].status, results[1].status],
        [Status::Fail, Status::Pass]
    );
}

#[test]
fn results_come_in_the_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            after(&["second"], shell("first", "true", dir.path())),
            shell("second", "sleep 0.2", dir.path()),
            shell("third", "true", dir.path()),
        ],
        dir.path(),
    );
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["first", "second", "third"]);
    assert!(results.iter().all(|r| r.status == Status::Pass));
}

#[test]
fn graph_errors_come_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let ran = |name: &str| shell(name, &format!("touch {name}-ran"), dir.path());
    let cases: Vec<(Vec<Job>, &str)> = vec![
        (
            vec![ran("a"), after(&["nope"], ran("b"))],
            "check `b` depends on `nope`, which is not a check of this run",
        ),
        (
            vec![ran("a"), after(&["c"], ran("b")), after(&["b"], ran("c"))],
            "the dependencies form a cycle: b -> c -> b",
        ),
        (
            vec![after(&["a"], ran("a"))],
            "the dependencies form a cycle: a -> a",
        ),
        (vec![ran("a"), ran("a")], "two checks have the id `a`"),
    ];
    for (jobs, message) in cases {
        let err = run(jobs, &options(dir.path(), 2, Progress::Quiet)).unwrap_err();
        assert!(matches!(err, RunError::Graph(_)));
        assert_eq!(err.to_string(), message);
        assert!(
            !dir.path().join("a-ran").exists(),
            "nothing runs on an invalid graph"
        );
    }
}

#[test]
fn the_log_dir_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("target/xtask/logs");
    let opts = Options {
        jobs: 0,
        log_dir: log_dir.clone(),
        progress: Progress::Quiet,
    };
    let results = run(vec![shell("x", "true", dir.path())], &opts).unwrap();
    assert_eq!(
        results[0].log.as_deref(),
        Some(log_dir.join("x.log").as_path())
    );
}

/// Captures progress output for assertions.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[test]
fn plain_progress_prints_one_line_per_finished_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = Captured::default();
    let jobs = vec![
        shell("good", "true", dir.path()),
        after(&["good"], shell("bad", "echo nope; exit 2", dir.path())),
    ];
    run(jobs, &options(dir.path(), 2, Progress::plain(out.clone()))).unwrap();
    let lines: Vec<String> = out
        .text()
        .lines()
        .map(|line| line.replace(|c: char| c.is_ascii_digit(), "N"))
        .collect();
    assert_eq!(
        lines,
        [
            "[pass] good (N.Ns)",
            "[fail] bad (N.Ns): exit status N: nope"
        ]
    );
}

#[test]
fn live_progress_redraws_one_line_and_prints_problems() {
    let dir = tempfile::tempdir().unwrap();
    let out = Captured::default();
    let jobs = vec![
        shell("good", "true", dir.path()),
        shell("bad", "exit 1", dir.path()),
    ];
    run(jobs, &options(dir.path(), 1, Progress::live(out.clone()))).unwrap();
    let text = out.text();
    // Each drawing clears the line, then starts with the run's clock (m:ss).
    assert!(text.starts_with("\r\x1b[K0:0"), "{text:?}");
    assert!(text.contains(" [0/2] | running: good"), "{text:?}");
    assert!(text.contains(" [1/2] pass 1 | running: bad"), "{text:?}");
    assert!(text.contains("[fail] bad ("), "{text:?}");
    assert!(!text.contains("[pass] good"), "passes only count: {text:?}");
    assert!(
        text.ends_with("[2/2] pass 1 fail 1\r\x1b[K"),
        "the line is cleared at the end: {text:?}"
    );
}

#[test]
fn a_shared_cause_follows_blocked_dependencies_to_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let results = run_quiet(
        vec![
            fixed("build", Outcome::blocked_by("docker engine", "engine down")),
            after(&["build"], shell("deploy", "true", dir.path())),
            after(&["deploy"], shell("health", "true", dir.path())),
            shell("lint", "exit 3", dir.path()),
            after(&["lint"], shell("report", "true", dir.path())),
        ],
        dir.path(),
    );
    let shown: Vec<(&str, Option<&str>, Option<String>)> = results
        .iter()
        .map(|r| (r.id.as_str(), r.blocked_by.as_deref(), r.shown_reason()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "build",
                Some("docker engine"),
                Some("blocked by: docker engine".into())
            ),
            (
                "deploy",
                Some("docker engine"),
                Some("blocked by: docker engine".into())
            ),
            (
                "health",
                Some("docker engine"),
                Some("blocked by: docker engine".into())
            ),
            ("lint", None, Some("exit status 3".into())),
            (
                "report",
                Some("lint"),
                Some("dependency `lint` failed".into())
            ),
        ]
    );
    assert_eq!(
        results[2].reason.as_deref(),
        Some("dependency `deploy` is blocked")
    );
}

#[test]
fn a_summarizer_names_the_cause_of_a_failed_command() {
    fn summarize(output: &str, outcome: &Outcome) -> Option<String> {
        assert_eq!(outcome.status, Status::Fail);
        let count = output.lines().filter(|l| l.starts_with("E ")).count();
        Some(format!("{count} errors"))
    }
    let dir = tempfile::tempdir().unwrap();
    let job = |id: &str, script: &str| Job {
        action: Action::ShellSummarized {
            script: script.to_owned(),
            cwd: dir.path().to_owned(),
            env: Vec::new(),
            summarize,
        },
        ..shell(id, script, dir.path())
    };
    let results = run_quiet(
        vec![
            job("bad", "echo 'E one'; echo 'E two'; echo done; exit 1"),
            job("good", "echo 'E fine'"),
        ],
        dir.path(),
    );
    assert_eq!(outcome(&results[0]), (Status::Fail, Some("2 errors")));
    assert_eq!(outcome(&results[1]), (Status::Pass, None));
}

#[test]
fn a_decided_outcome_is_printed_once_whatever_its_dependencies_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = Captured::default();
    let jobs = vec![
        fixed("build", Outcome::skipped("not in --section")),
        after(
            &["build"],
            fixed("pipeline", Outcome::skipped("not in --section")),
        ),
    ];
    let results = run(jobs, &options(dir.path(), 2, Progress::plain(out.clone()))).unwrap();
    assert_eq!(
        out.text().lines().collect::<Vec<_>>(),
        [
            "[skipped] build (0.0s): not in --section",
            "[skipped] pipeline (0.0s): not in --section"
        ]
    );
    assert_eq!(results[1].blocked_by, None);
}
