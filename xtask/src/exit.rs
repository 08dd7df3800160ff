//! Exit codes and the one-line errors the binary reports.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | done: every check that ran passed / the command did what it said |
//! | 1 | a check failed or is blocked; `archive --verify` found a mismatch |
//! | 2 | refused before doing anything: usage, config, project or preflight error |
//! | 3 | failed part-way (network, GitHub, push); re-run the same command to resume |

use std::fmt;

pub const OK: u8 = 0;
pub const FAILED: u8 = 1;
pub const REFUSED: u8 = 2;
pub const INTERRUPTED: u8 = 3;

/// An error with its exit code, a one-line cause and, where there is one, the fix.
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub cause: String,
    pub fix: Option<String>,
}

impl Exit {
    /// Usage, config, project or preflight error: nothing was changed.
    pub fn refused(cause: impl Into<String>, fix: impl Into<String>) -> Exit {
        Exit {
            code: REFUSED,
            cause: cause.into(),
            fix: Some(fix.into()),
        }
    }

    /// A step failed after others had acted; the same command resumes.
    pub fn interrupted(cause: impl Into<String>) -> Exit {
        Exit {
            code: INTERRUPTED,
            cause: cause.into(),
            fix: Some("re-run the same command: it resumes from what is already done".into()),
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.cause)
    }
}

impl std::error::Error for Exit {}

/// Prints an error as `error: cause` plus `hint: fix`, and returns its exit code.
/// Errors that are not an [`Exit`] are project errors (code 2), printed with their context chain.
pub fn report(err: &anyhow::Error) -> u8 {
    if let Some(exit) = err.downcast_ref::<Exit>() {
        eprintln!("error: {}", exit.cause);
        if let Some(fix) = &exit.fix {
            eprintln!("hint: {fix}");
        }
        return exit.code;
    }
    eprintln!("error: {err:#}");
    REFUSED
}
