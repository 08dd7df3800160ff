//! What a project's own files say (version, models, ports, containers, env vars) and
//! format-preserving version edits.
//!
//! The checklist states these facts too, but it goes stale; the files are the truth.

pub mod compose;
pub mod devtools;
pub mod model_versions;
pub mod models;
pub mod python;
pub mod version;

use std::path::Path;

/// A fact could not be read from the project's files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    #[error("{file}: {why}")]
    Missing { file: String, why: String },
    #[error("{file}: {why}")]
    Invalid { file: String, why: String },
}

impl FactError {
    pub fn missing(file: &str, why: &str) -> FactError {
        FactError::Missing {
            file: file.into(),
            why: why.into(),
        }
    }
    pub fn invalid(file: &str, why: String) -> FactError {
        FactError::Invalid {
            file: file.into(),
            why,
        }
    }
}

/// Reads `project/file`; a missing file is [`FactError::Missing`].
pub fn read(project: &Path, file: &str) -> Result<String, FactError> {
    std::fs::read_to_string(project.join(file)).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => FactError::missing(file, "not found"),
        _ => FactError::invalid(file, format!("cannot be read: {err}")),
    })
}
