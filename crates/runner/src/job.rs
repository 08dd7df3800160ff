//! What the caller asks the runner to do.

use std::path::PathBuf;
use std::time::Duration;

use crate::{Log, Outcome};

/// Turns the output of a command that did not pass (its log) into the reason: the cause (which
/// test failed, which file cannot be parsed), not the output's last line. `None` keeps the
/// runner's reason.
pub type Summarizer = fn(output: &str, outcome: &Outcome) -> Option<String>;

/// A check written in Rust. It writes its output to the [`Log`] and returns its outcome.
pub type NativeCheck = Box<dyn Fn(Log) -> Outcome + Send + Sync>;

/// One check to run.
pub struct Job {
    /// Stable id, unique in the run; also the log file's name (`<log_dir>/<id>.log`).
    pub id: String,
    pub section: String,
    pub title: String,
    /// Ids of the jobs that must pass before this one starts.
    pub deps: Vec<String>,
    pub timeout: Duration,
    /// Shown in reports and in the dry run; for [`Action::Shell`], the command that runs.
    pub command: Option<String>,
    pub action: Action,
}

pub enum Action {
    /// Runs `sh -c script` in its own process group; at the timeout the whole group is killed.
    Shell {
        script: String,
        cwd: PathBuf,
        env: Vec<(String, String)>,
    },
    /// [`Action::Shell`] whose reason, when the command does not pass, comes from `summarize`.
    ShellSummarized {
        script: String,
        cwd: PathBuf,
        env: Vec<(String, String)>,
        summarize: Summarizer,
    },
    /// Runs on a worker thread; a panic is a `fail` with the panic message. At the timeout the
    /// check is reported as failed and its thread is abandoned (a thread cannot be killed).
    Native(NativeCheck),
    /// An outcome decided before the run (manual, skipped, blocked); nothing runs.
    Fixed(Outcome),
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Shell { script, cwd, env } => f
                .debug_struct("Shell")
                .field("script", script)
                .field("cwd", cwd)
                .field("env", env)
                .finish(),
            Action::ShellSummarized {
                script, cwd, env, ..
            } => f
                .debug_struct("ShellSummarized")
                .field("script", script)
                .field("cwd", cwd)
                .field("env", env)
                .finish_non_exhaustive(),
            Action::Native(_) => f.write_str("Native(..)"),
            Action::Fixed(outcome) => f.debug_tuple("Fixed").field(outcome).finish(),
        }
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("id", &self.id)
            .field("deps", &self.deps)
            .field("timeout", &self.timeout)
            .field("command", &self.command)
            .field("action", &self.action)
            .finish_non_exhaustive()
    }
}
