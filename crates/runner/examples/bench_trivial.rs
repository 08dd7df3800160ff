//! The runner's own overhead: 200 trivial shell checks (`true`), one job per core.
//! `bench/runner.sh` builds and times it; the target is under 1 s wall.

use std::time::{Duration, Instant};

use runner::{run, Action, Job, Options, Progress, Status};

const CHECKS: usize = 200;

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir for the logs");
    let jobs = (0..CHECKS)
        .map(|i| Job {
            id: format!("trivial-{i}"),
            section: "bench".to_owned(),
            title: format!("trivial check {i}"),
            deps: Vec::new(),
            timeout: Duration::from_secs(30),
            command: Some("true".to_owned()),
            action: Action::Shell {
                script: "true".to_owned(),
                cwd: dir.path().to_owned(),
                env: Vec::new(),
            },
        })
        .collect();
    let opts = Options {
        jobs: 0,
        log_dir: dir.path().join("logs"),
        progress: Progress::Quiet,
    };
    let started = Instant::now();
    let results = run(jobs, &opts).expect("a valid graph");
    let elapsed = started.elapsed();
    let passed = results
        .iter()
        .filter(|result| result.status == Status::Pass)
        .count();
    assert_eq!(passed, CHECKS, "every trivial check passes");
    println!("{CHECKS} checks in {} ms", elapsed.as_millis());
}
