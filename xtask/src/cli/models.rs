//! `cargo xtask models`: check (run by `cargo xtask` itself), record, update, tag, prune.

use crate::flags::Format;

use super::release::{Branch, Remote, RunFlags};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The model files agree (defaults, embedding model, protected list, docs, registry) and
    /// Ollama serves every default with its recorded digest.
    Check {
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Write docs/MODEL_VERSIONS.md's current section from Ollama's digests.
    Record {
        /// The version the section is for (default: the next release version).
        #[arg(long, value_name = "X.Y.Z")]
        version: Option<String>,
        #[command(flatten)]
        common: RunFlags,
    },
    /// The Model Update Procedure: pull, pin the old model, edit the files, validate, document,
    /// commit, tag `models-vX.Y.Z` and push.
    Update(update::Args),
    /// Commit, tag `models-vX.Y.Z` and push a model configuration changed by hand.
    Tag(tag::Args),
    /// Remove installed models that are not defaults, protected or pinned.
    Prune {
        #[command(flatten)]
        common: RunFlags,
    },
}

impl Args {
    /// The subcommand's `--format`.
    pub fn format(&self) -> Format {
        match &self.command {
            Command::Check { format } => *format,
            Command::Record { common, .. } | Command::Prune { common } => common.format,
            Command::Update(args) => args.common.format,
            Command::Tag(args) => args.common.format,
        }
    }
}

/// `models tag`.
pub mod tag {
    use super::{Branch, Remote, RunFlags};

    #[derive(Debug, clap::Args)]
    pub struct Args {
        /// The version the model configuration is for (tag `models-vX.Y.Z`).
        #[arg(value_name = "X.Y.Z")]
        pub version: String,
        #[command(flatten)]
        pub git: GitArgs,
        #[command(flatten)]
        pub common: RunFlags,
    }

    #[derive(Debug, Clone, clap::Args)]
    pub struct GitArgs {
        #[command(flatten)]
        pub remote: Remote,
        /// The branch the commit is pushed to.
        #[command(flatten)]
        pub branch: Branch,
    }
}

/// `models update`.
pub mod update {
    use super::tag::GitArgs;
    use super::RunFlags;

    #[derive(Debug, clap::Args)]
    pub struct Args {
        /// The new default model, `name:tag` (`name` means `name:latest`).
        #[arg(value_name = "NEW")]
        pub new: String,
        /// The default it replaces (without it, NEW is added to the defaults).
        #[arg(long, value_name = "OLD")]
        pub replace: Option<String>,
        /// NEW becomes the embedding model too (memory setup's configuration is edited, and
        /// `chroma_db/` is rebuilt).
        #[arg(long)]
        pub embedding: bool,
        /// The version of the model configuration (default: the next release version).
        #[arg(long, value_name = "X.Y.Z")]
        pub version: Option<String>,
        #[command(flatten)]
        pub git: GitArgs,
        #[command(flatten)]
        pub common: RunFlags,
    }
}
