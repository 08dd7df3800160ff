//! Runs a set of checks in parallel, dependencies first, with timeouts and one log per check,
//! and produces the JSON report.
//!
//! The caller (the checklist layer) turns each check into a [`Job`]: a shell command, a native
//! Rust function or an outcome decided up front (manual, skipped). [`run`] validates the
//! dependency graph before anything runs, then starts every job whose dependencies passed, up to
//! [`Options::jobs`] at a time, and returns one [`CheckResult`] per job in the input order.
//! [`Report`] wraps the results with the run's metadata, serialises to JSON and merges the
//! reports of CI jobs that each ran part of the checklist.
//!
//! Unix only: shell checks run as `sh -c` in their own process group, killed whole at their
//! timeout, and sent SIGTERM if the run itself is interrupted (see `groups.rs`).

mod dry_run;
mod exec;
mod graph;
mod groups;
mod job;
mod outcome;
mod progress;
mod report;
mod scheduler;
mod table;
mod time;

pub use dry_run::{dry_run_lines, dry_run_order};
pub use graph::{find_cycle, GraphError};
pub use job::{Action, Job, NativeCheck, Summarizer};
pub use outcome::{Outcome, Status};
pub use progress::Progress;
pub use report::{CheckResult, MergeError, Report, SignOff, Summary, SCHEMA};
pub use scheduler::{run, Options, RunError};
pub use table::{format_duration, render_table};
pub use time::rfc3339_utc;

/// Where a native check writes its output: the check's log file.
pub type Log<'a> = &'a mut dyn std::io::Write;
