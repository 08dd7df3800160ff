//! `cargo xtask hotfix start|finish`.

use std::path::PathBuf;

use super::release::{Remote, RunFlags, StepFlags};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create `hotfix/vX.Y.Z` from the release it patches and switch to it.
    Start(start::Args),
    /// Release the hotfix branch: bump, tag, merge into main, push, GitHub, delete the branch.
    Finish(finish::Args),
}

impl Args {
    /// The subcommand's `--format`.
    pub fn format(&self) -> crate::flags::Format {
        match &self.command {
            Command::Start(args) => args.run.format,
            Command::Finish(args) => args.run.format,
        }
    }
}

/// `hotfix start`.
pub mod start {
    use super::{PathBuf, Remote, RunFlags};

    #[derive(Debug, clap::Args)]
    pub struct Args {
        /// The hotfix's version: the next patch of its base (a leading `v` is accepted).
        #[arg(value_name = "X.Y.Z")]
        pub version: String,

        /// The base: a release tag, or a branch such as `main` (default: the tag vX.Y.(Z-1)).
        #[arg(long, value_name = "REV")]
        pub from: Option<String>,

        /// Create the branch in a new worktree at DIR; the current checkout is left alone.
        #[arg(long, value_name = "DIR")]
        pub worktree: Option<PathBuf>,

        #[command(flatten)]
        pub run: RunFlags,

        #[command(flatten)]
        pub remote: Remote,
    }
}

/// `hotfix finish`.
pub mod finish {
    use super::{Remote, RunFlags, StepFlags};

    #[derive(Debug, clap::Args)]
    pub struct Args {
        /// The hotfix branch (default: the current branch).
        #[arg(long, value_name = "hotfix/vX.Y.Z")]
        pub branch: Option<String>,

        /// The branch the hotfix is merged into (and pushed with the tag).
        #[arg(long, value_name = "BRANCH", default_value = "main")]
        pub into: String,

        #[command(flatten)]
        pub run: RunFlags,

        #[command(flatten)]
        pub remote: Remote,

        #[command(flatten)]
        pub steps: StepFlags,
    }
}
