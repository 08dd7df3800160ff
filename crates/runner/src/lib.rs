//! Runs a set of checks in parallel, dependencies first, with timeouts and one log per check,
//! and produces the JSON report.

mod outcome;

pub use outcome::{Outcome, Status};

/// Where a native check writes its output: the check's log file.
pub type Log<'a> = &'a mut dyn std::io::Write;
