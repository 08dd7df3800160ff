//! What the user sees while checks run: a redrawn status line on a terminal, plain lines in CI.

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::{format_duration, CheckResult, Status, Summary};

pub type ProgressOut = Mutex<Box<dyn Write + Send>>;

pub enum Progress {
    /// One status line (counts and running checks) redrawn with `\r`; failed and blocked checks
    /// are also printed as they finish.
    Live(ProgressOut),
    /// One line per finished check: `[pass] id (1.2s)`.
    Plain(ProgressOut),
    Quiet,
}

impl Progress {
    pub fn live(out: impl Write + Send + 'static) -> Progress {
        Progress::Live(Mutex::new(Box::new(out)))
    }

    pub fn plain(out: impl Write + Send + 'static) -> Progress {
        Progress::Plain(Mutex::new(Box::new(out)))
    }

    /// On stderr: live on a terminal, plain when stderr is redirected or `CI` is set.
    pub fn stderr() -> Progress {
        let stderr = std::io::stderr();
        if stderr.is_terminal() && std::env::var_os("CI").is_none() {
            Progress::live(stderr)
        } else {
            Progress::plain(stderr)
        }
    }
}

/// Best effort: a closed stderr must not fail the run, so write errors are ignored.
pub(crate) struct Reporter<'a> {
    out: Option<MutexGuard<'a, Box<dyn Write + Send>>>,
    live: bool,
    started: Instant,
    total: usize,
    running: Vec<String>,
    done: Summary,
    line_width: usize,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(progress: &'a Progress, total: usize) -> Reporter<'a> {
        // A panic while the lock was held only interrupted some progress output.
        let lock = |out: &'a ProgressOut| out.lock().unwrap_or_else(PoisonError::into_inner);
        let (out, live) = match progress {
            Progress::Live(out) => (Some(lock(out)), true),
            Progress::Plain(out) => (Some(lock(out)), false),
            Progress::Quiet => (None, false),
        };
        let line_width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(80);
        Reporter {
            out,
            live,
            started: Instant::now(),
            total,
            running: Vec::new(),
            done: Summary::default(),
            line_width,
        }
    }

    pub(crate) fn started(&mut self, id: &str) {
        self.running.push(id.to_owned());
        self.redraw_status(None);
    }

    pub(crate) fn finished(&mut self, result: &CheckResult) {
        self.running.retain(|id| *id != result.id);
        self.done.add(result.status);
        let line = finished_line(result);
        if self.live {
            // Manual and skipped checks are expected; only problems deserve a line of their own.
            let problem = matches!(result.status, Status::Fail | Status::Blocked);
            self.redraw_status(problem.then_some(line));
        } else if let Some(out) = &mut self.out {
            let _ = writeln!(out, "{line}");
        }
    }

    /// Called about once a second while checks run, so the live line's clock moves.
    pub(crate) fn tick(&mut self) {
        self.redraw_status(None);
    }

    /// Clears the status line so the table starts on a clean line.
    pub(crate) fn end(&mut self) {
        if let (true, Some(out)) = (self.live, &mut self.out) {
            let _ = write!(out, "\r\x1b[K");
            let _ = out.flush();
        }
    }

    fn redraw_status(&mut self, permanent: Option<String>) {
        if !self.live {
            return;
        }
        let status = self.status_line();
        let Some(out) = &mut self.out else { return };
        let _ = write!(out, "\r\x1b[K");
        if let Some(line) = permanent {
            let _ = writeln!(out, "{line}");
        }
        let _ = write!(out, "{status}");
        let _ = out.flush();
    }

    /// `0:42 [12/40] pass 10 fail 1 blocked 1 | running: deploy, unit-tests`
    fn status_line(&self) -> String {
        let elapsed = self.started.elapsed().as_secs();
        let finished: usize = Status::ALL.iter().map(|&s| self.done.count(s)).sum();
        let mut line = format!(
            "{}:{:02} [{finished}/{}]",
            elapsed / 60,
            elapsed % 60,
            self.total
        );
        for status in Status::ALL {
            let count = self.done.count(status);
            if count > 0 {
                line.push_str(&format!(" {status} {count}"));
            }
        }
        if !self.running.is_empty() {
            line.push_str(&format!(" | running: {}", self.running.join(", ")));
        }
        // A line wider than the terminal wraps, and `\r` would then redraw only its last part.
        let max = self.line_width.saturating_sub(1);
        if line.chars().count() > max {
            line = line.chars().take(max.saturating_sub(3)).collect::<String>() + "...";
        }
        line
    }
}

/// `[pass] unit-tests (1.2s)`, with the reason after a colon when there is one.
pub(crate) fn finished_line(result: &CheckResult) -> String {
    let mut line = format!(
        "[{}] {} ({})",
        result.status,
        result.id,
        format_duration(result.duration_ms)
    );
    if let Some(reason) = result.shown_reason() {
        line.push_str(": ");
        line.push_str(&reason);
    }
    line
}
