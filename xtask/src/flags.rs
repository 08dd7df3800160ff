//! The global flags every command takes, and [`Format`]. Each command's own flags live in its
//! module (`release::Args`, `archive::Args`, …); the command list is in `main.rs`.

use std::path::PathBuf;

/// Flags that come before or after any command.
#[derive(Debug, clap::Args)]
pub struct Global {
    /// The Python project to work on (default: the workspace root).
    #[arg(long, global = true, env = "XTASK_PROJECT", value_name = "DIR")]
    pub project: Option<PathBuf>,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables and lines for a person.
    Human,
    /// One JSON document on stdout, for CI.
    Json,
}
