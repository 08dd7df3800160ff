//! The read side of the checklist's Model Versioning, shared by `pre-release` (its models
//! checks) and `cargo xtask models check`: what the project's files say about the default models,
//! and what Ollama serves. The changing `models` commands are in `xtask-release`.

pub mod check;
pub mod server;

pub use server::Server;
