//! Ctrl-C during a run reaches the checks, though each runs in its own process group.
//!
//! The test runs a copy of this test binary as the interrupted process: a signal to the test
//! process itself would end the whole test run.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use runner::{run, Action, Job, Options, Progress};

/// Set only in the copy of this binary that [`an_interrupt_ends_the_running_checks`] starts.
const RUN_DIR: &str = "RUNNER_TEST_INTERRUPTED_RUN_DIR";

/// The interrupted process, not a test of its own: ignored in a normal run (so it never
/// "passes" by doing nothing), run by [`an_interrupt_ends_the_running_checks`] with `--ignored`.
#[test]
#[ignore = "the child process of an_interrupt_ends_the_running_checks"]
fn interrupted_run() {
    let dir = std::env::var_os(RUN_DIR)
        .map(PathBuf::from)
        .expect("run by an_interrupt_ends_the_running_checks, which sets the run dir");
    // `cmd &` in a script ignores SIGINT: this also checks that the runner ends it anyway.
    let script = "sleep 30 & echo $! > sleep.pid; wait";
    let job = Job {
        id: "hang".to_owned(),
        section: "functional".to_owned(),
        title: "hangs".to_owned(),
        deps: Vec::new(),
        timeout: Duration::from_secs(60),
        command: Some(script.to_owned()),
        action: Action::Shell {
            script: script.to_owned(),
            cwd: dir.clone(),
            env: Vec::new(),
        },
    };
    let opts = Options {
        jobs: 1,
        log_dir: dir.join("logs"),
        progress: Progress::Quiet,
    };
    let _ = run(vec![job], &opts);
    std::fs::write(dir.join("run-returned"), "").unwrap();
}

#[test]
fn an_interrupt_ends_the_running_checks() {
    let dir = tempfile::tempdir().unwrap();
    let mut interrupted = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "interrupted_run",
            "--ignored",
            "--test-threads=1",
        ])
        .env(RUN_DIR, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = dir.path().join("sleep.pid");
    let sleep_pid = wait_for_content(&pid_file).expect("the check started within 10 s");
    // `kill` is a shell builtin: no extra binary needed.
    let sent = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -INT {}", interrupted.id()))
        .status()
        .unwrap();
    assert!(sent.success());
    let status = interrupted.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(2),
        "the process ends of SIGINT as without the runner: {status:?}"
    );
    assert!(!dir.path().join("run-returned").exists());
    assert!(
        common::wait_until_gone(&sleep_pid),
        "`sleep` (pid {sleep_pid}) outlived the interrupt"
    );
}

fn wait_for_content(path: &Path) -> Option<String> {
    for _ in 0..200 {
        match std::fs::read_to_string(path) {
            Ok(text) if text.ends_with('\n') => return Some(text.trim().to_owned()),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    None
}
