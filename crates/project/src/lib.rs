//! What a project's own files say (version, models, ports, containers, env vars) and
//! format-preserving version edits.
//!
//! The checklist states these facts too, but it goes stale; the files are the truth.

pub mod version;
