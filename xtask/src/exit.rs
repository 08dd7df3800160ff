//! Exit codes and the one-line errors the binary reports.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | done: every check that ran passed / the command did what it said |
//! | 1 | a check failed or is blocked; `archive --verify` found a mismatch |
//! | 2 | refused before doing anything: usage, config, project or preflight error |
//! | 3 | failed part-way (network, GitHub, push); re-run the same command to resume |

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Set once this process changed something (a file, git, a remote, GitHub): from then on, no
/// failure may claim "refused, nothing changed".
static CHANGED: AtomicBool = AtomicBool::new(false);

/// Records that a change is about to be made; every side effect of a step calls it first.
pub fn mark_changed() {
    CHANGED.store(true, Ordering::SeqCst);
}

pub fn changed() -> bool {
    CHANGED.load(Ordering::SeqCst)
}

/// The exit code and hint an error gets: its own when it is an [`Exit`], else 2 (refused:
/// usage, config or project error) — but 3 (resume) for any failure after the first change.
pub fn classify(err: &anyhow::Error) -> (u8, String, Option<String>) {
    let (code, cause, fix) = match err.downcast_ref::<Exit>() {
        Some(exit) => (exit.code, exit.cause.clone(), exit.fix.clone()),
        None => (
            REFUSED,
            format!("{err:#}"),
            Some("fix the cause named above, then re-run the same command".into()),
        ),
    };
    if code == REFUSED && changed() {
        let resumed = Exit::interrupted(cause);
        return (resumed.code, resumed.cause, resumed.fix);
    }
    (code, cause, fix)
}

/// Prints an error as `error: cause` plus `hint: fix`, and returns its exit code.
pub fn report(err: &anyhow::Error) -> u8 {
    let (code, cause, fix) = classify(err);
    print(&cause, fix.as_deref());
    code
}

/// The one error format: `error: cause`, then `hint: fix` when there is one.
pub fn print(cause: &str, fix: Option<&str>) {
    eprintln!("error: {cause}");
    if let Some(fix) = fix {
        eprintln!("hint: {fix}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test: the flag is process-wide, and tests of one binary share the process.
    #[test]
    fn refused_only_while_nothing_changed_then_resume() {
        let untyped = anyhow::anyhow!("reading x");
        let refused: anyhow::Error = Exit::refused("bad flag", "pass --y").into();
        let failed: anyhow::Error = Exit {
            code: FAILED,
            cause: "check failed".into(),
            fix: None,
        }
        .into();
        assert_eq!(classify(&untyped).0, REFUSED);
        assert!(
            classify(&untyped).2.is_some(),
            "an untyped error still gets a hint"
        );
        assert_eq!(classify(&refused).0, REFUSED);
        assert_eq!(classify(&failed).0, FAILED);
        mark_changed();
        assert_eq!(classify(&untyped).0, INTERRUPTED);
        let (code, cause, fix) = classify(&refused);
        assert_eq!((code, cause.as_str()), (INTERRUPTED, "bad flag"));
        assert!(fix.unwrap().contains("re-run"));
        assert_eq!(classify(&failed).0, FAILED);
    }
}
