//! Running one job: its process or thread, its timeout, its log file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::groups::{self, SIGKILL};
use crate::{format_duration, rfc3339_utc, Action, Job, Outcome};

/// The longest failure excerpt taken from a log into the reason.
const MAX_EXCERPT_CHARS: usize = 200;
/// How much of a log's end is searched for its last line.
const TAIL_BYTES: u64 = 16 * 1024;
/// `sh` exits with 127 when it cannot find the command.
const EXIT_COMMAND_NOT_FOUND: i32 = 127;

pub(crate) fn log_path(log_dir: &Path, id: &str) -> PathBuf {
    // Ids are meant to be `kebab-case`; anything else must still stay inside `log_dir`.
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    log_dir.join(format!("{stem}.log"))
}

/// Runs a shell or native job, writing its log to `log`.
pub(crate) fn execute(job: Arc<Job>, log: &Path) -> Outcome {
    if let Action::Fixed(outcome) = &job.action {
        return outcome.clone();
    }
    let file = match File::create(log) {
        Ok(file) => file,
        Err(err) => {
            return Outcome::blocked(format!(
                "cannot create the log file {}: {err}",
                log.display()
            ))
        }
    };
    let started = Instant::now();
    match &job.action {
        Action::Shell { script, cwd, env } => {
            run_shell(script, cwd, env, job.timeout, file, log, started)
        }
        Action::ShellSummarized {
            script,
            cwd,
            env,
            summarize,
        } => {
            let outcome = run_shell(script, cwd, env, job.timeout, file, log, started);
            summarized(outcome, log, *summarize)
        }
        Action::Native(_) => run_native(Arc::clone(&job), file, started),
        Action::Fixed(_) => unreachable!("handled above"),
    }
}

fn run_shell(
    script: &str,
    cwd: &Path,
    env: &[(String, String)],
    timeout: Duration,
    mut file: File,
    log: &Path,
    started: Instant,
) -> Outcome {
    let header = format!(
        "$ {script}\n# cwd: {}\n# started: {}\n\n",
        cwd.display(),
        rfc3339_utc(SystemTime::now())
    );
    let spawned = file.write_all(header.as_bytes()).and_then(|()| {
        // Both streams share the file (and its offset), so their lines interleave as written.
        let (stdout, stderr) = (file.try_clone()?, file.try_clone()?);
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .current_dir(cwd)
            .envs(env.iter().map(|(key, value)| (key, value)))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            // Its own group, so a timeout can kill everything the script started.
            .process_group(0)
            .spawn()
    });
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => {
            let outcome =
                Outcome::blocked(format!("cannot run `sh -c` in {}: {err}", cwd.display()));
            write_footer(
                &mut file,
                &format!("# {}", outcome.reason.as_deref().unwrap_or_default()),
            );
            return outcome;
        }
    };
    let group = child.id();
    let registered = groups::register(group);
    let ended = thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        scope.spawn(move || sender.send(child.wait()));
        match receiver.recv_timeout(timeout) {
            Ok(waited) => Ended::Exited(waited),
            Err(_) => {
                groups::kill_group(group, SIGKILL);
                // The wait returns now that the group is gone; its status no longer matters.
                let _ = receiver.recv();
                Ended::TimedOut
            }
        }
    });
    drop(registered);
    let elapsed = format_duration(started.elapsed().as_millis() as u64);
    let (outcome, footer) = match ended {
        Ended::Exited(Ok(status)) => {
            let outcome = outcome_of_exit(status, script, &last_line(log, header.len() as u64));
            (
                outcome,
                format!("# {} after {elapsed}", describe_exit(status)),
            )
        }
        Ended::Exited(Err(err)) => (
            Outcome::fail(format!("cannot wait for `sh`: {err}")),
            format!("# cannot wait for `sh`: {err}"),
        ),
        Ended::TimedOut => {
            let reason = format!("timed out after {}", seconds(timeout));
            (
                Outcome::fail(&reason),
                format!("# {reason}; killed process group {group}"),
            )
        }
    };
    write_footer(&mut file, &footer);
    outcome
}

/// The summarizer's reason for a command that did not pass, read from its whole log.
fn summarized(outcome: Outcome, log: &Path, summarize: crate::Summarizer) -> Outcome {
    if outcome.status == crate::Status::Pass {
        return outcome;
    }
    let text = std::fs::read(log)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default();
    match summarize(&text, &outcome) {
        Some(reason) => Outcome {
            reason: Some(reason),
            ..outcome
        },
        None => outcome,
    }
}

enum Ended {
    Exited(io::Result<ExitStatus>),
    TimedOut,
}

fn outcome_of_exit(status: ExitStatus, script: &str, last_line: &str) -> Outcome {
    match status.code() {
        Some(0) => Outcome::pass(),
        Some(EXIT_COMMAND_NOT_FOUND) => {
            let tool = missing_command(last_line).unwrap_or_else(|| first_word(script));
            // A path was not found where it was named; a bare name was not found on PATH.
            if tool.contains('/') {
                Outcome::blocked(format!("`{tool}` not found"))
            } else {
                Outcome::blocked(format!("`{tool}` not found on PATH"))
            }
        }
        _ if last_line.is_empty() => Outcome::fail(describe_exit(status)),
        _ => Outcome::fail(format!("{}: {last_line}", describe_exit(status))),
    }
}

fn describe_exit(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("killed by signal {signal}"),
        (None, None) => status.to_string(),
    }
}

/// The command `sh` complained about: `sh: 1: foo: not found` (dash, busybox) or
/// `sh: line 1: foo: command not found` (bash).
fn missing_command(last_line: &str) -> Option<String> {
    let rest = last_line
        .strip_suffix(": command not found")
        .or_else(|| last_line.strip_suffix(": not found"))?;
    let command = rest.rsplit(": ").next()?.trim();
    (!command.is_empty()).then(|| command.to_owned())
}

/// The command a script starts with, past any `NAME=value` assignments.
fn first_word(script: &str) -> String {
    let word = script.split_whitespace().find(|word| !word.contains('='));
    word.unwrap_or(script.trim()).to_owned()
}

/// The last non-blank line the command wrote (after the header), trimmed and shortened.
fn last_line(log: &Path, header_len: u64) -> String {
    let read_tail = || -> io::Result<String> {
        let mut file = File::open(log)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(
            header_len.max(len.saturating_sub(TAIL_BYTES)),
        ))?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail)?;
        Ok(String::from_utf8_lossy(&tail).into_owned())
    };
    let tail = read_tail().unwrap_or_default();
    // `\r` too: progress bars redraw a line many times; the last drawing is what counts.
    let line = tail
        .rsplit(['\n', '\r'])
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    shorten(line, MAX_EXCERPT_CHARS)
}

fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

fn run_native(job: Arc<Job>, mut file: File, started: Instant) -> Outcome {
    let header = format!(
        "# native check: {}\n# started: {}\n\n",
        job.title,
        rfc3339_utc(SystemTime::now())
    );
    let writer = file
        .write_all(header.as_bytes())
        .and_then(|()| file.try_clone());
    let mut writer = match writer {
        Ok(writer) => io::BufWriter::new(writer),
        Err(err) => return Outcome::blocked(format!("cannot write the log file: {err}")),
    };
    let timeout = job.timeout;
    let (sender, receiver) = mpsc::channel();
    // Not scoped: a check that outlives its timeout is abandoned, the run goes on.
    thread::spawn(move || {
        let Action::Native(check) = &job.action else {
            unreachable!("run_native is only called for native jobs")
        };
        let result = catch_unwind(AssertUnwindSafe(|| check(&mut writer)));
        let _ = writer.flush();
        let _ = sender.send(result);
    });
    let outcome = match receiver.recv_timeout(timeout) {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(panic)) => Outcome::fail(format!("panicked: {}", panic_message(&*panic))),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Outcome::fail(format!("timed out after {}", seconds(timeout)))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Outcome::fail("the check's thread ended without a result")
        }
    };
    let elapsed = format_duration(started.elapsed().as_millis() as u64);
    let reason = outcome
        .reason
        .as_deref()
        .map(|reason| format!(": {reason}"))
        .unwrap_or_default();
    write_footer(
        &mut file,
        &format!("# {} after {elapsed}{reason}", outcome.status),
    );
    outcome
}

pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "(no message)".to_owned()
    }
}

fn write_footer(file: &mut File, footer: &str) {
    // The log is a convenience; the outcome stands even if it cannot be completed.
    let _ = writeln!(file, "\n{footer}");
}

/// `30s`, or `1.5s` for a fractional timeout.
fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_missing_command_in_shell_messages() {
        assert_eq!(
            missing_command("sh: 1: black: not found").as_deref(),
            Some("black")
        );
        assert_eq!(
            missing_command("sh: line 1: ruff: command not found").as_deref(),
            Some("ruff")
        );
        assert_eq!(
            missing_command("sh: ./scripts/x.sh: not found").as_deref(),
            Some("./scripts/x.sh")
        );
        assert_eq!(missing_command("error: something else"), None);
    }

    #[test]
    fn first_word_skips_assignments() {
        assert_eq!(first_word("PYTHONPATH=src LANG=C pytest -q"), "pytest");
        assert_eq!(first_word("  ruff check src"), "ruff");
    }

    #[test]
    fn shortens_on_char_boundaries() {
        assert_eq!(shorten("ééééé", 3), "ééé...");
        assert_eq!(shorten("abc", 3), "abc");
    }

    #[test]
    fn log_paths_stay_inside_the_log_dir() {
        assert_eq!(
            log_path(Path::new("logs"), "unit-tests"),
            Path::new("logs/unit-tests.log")
        );
        assert_eq!(
            log_path(Path::new("logs"), "../x/y"),
            Path::new("logs/.._x_y.log")
        );
    }
}
