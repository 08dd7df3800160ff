//! The code-quality section of the Pre-Release Checklist.

use super::Native;

/// The native check behind `id`, if this section has it.
pub fn native(id: &str) -> Option<Native> {
    let _ = id;
    None
}
