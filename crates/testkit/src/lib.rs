//! Test helpers shared by the workspace: temp git repos with a bare remote, a fake docker on PATH,
//! local HTTP endpoints, the bundled example project.

pub mod docker;
pub mod git;
pub mod http;
pub mod ollama;

use std::path::PathBuf;

/// The bundled example project (`examples/codemate-hub`).
pub fn example_project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/codemate-hub")
        .canonicalize()
        .unwrap()
}

/// A deliberately red project (`crates/testkit/fixtures/red-project`): a module that does not
/// parse, ruff findings, compose variables unset or with a literal secret default, an unreadable
/// port, an embedding model that is not a default model.
pub fn red_project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/red-project")
        .canonicalize()
        .unwrap()
}
