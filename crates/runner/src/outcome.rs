//! What a check ends with.

use serde::{Deserialize, Serialize};

/// The status of one check in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Could not run: a tool is missing, the Docker engine is not reachable, a dependency failed.
    Blocked,
    /// Left out by a flag (`--skip`, `--only`, `--section`) or by the config.
    Skipped,
    /// Only a person can judge it; the machine never ticks it.
    Manual,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Fail,
        Status::Blocked,
        Status::Skipped,
        Status::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Blocked => "blocked",
            Status::Skipped => "skipped",
            Status::Manual => "manual",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's status with the reason a person needs (why it failed or could not run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub reason: Option<String>,
    /// The root cause a blocked check shares with others (`docker engine`, or the id of the check
    /// that did not pass): people read it once, not once per check.
    pub blocked_by: Option<String>,
}

impl Outcome {
    pub fn pass() -> Outcome {
        Outcome {
            status: Status::Pass,
            reason: None,
            blocked_by: None,
        }
    }
    /// A pass with its evidence (what was looked at), for reports that keep it.
    pub fn pass_because(evidence: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Pass,
            reason: Some(evidence.into()),
            blocked_by: None,
        }
    }
    pub fn fail(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Fail,
            reason: Some(reason.into()),
            blocked_by: None,
        }
    }
    pub fn blocked(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Blocked,
            reason: Some(reason.into()),
            blocked_by: None,
        }
    }
    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Skipped,
            reason: Some(reason.into()),
            blocked_by: None,
        }
    }
    /// Blocked by a cause other checks share (e.g. `docker engine`); `reason` says what it is.
    pub fn blocked_by(cause: impl Into<String>, reason: impl Into<String>) -> Outcome {
        Outcome {
            blocked_by: Some(cause.into()),
            ..Outcome::blocked(reason)
        }
    }
    pub fn manual(reason: impl Into<String>) -> Outcome {
        Outcome {
            status: Status::Manual,
            reason: Some(reason.into()),
            blocked_by: None,
        }
    }
}
