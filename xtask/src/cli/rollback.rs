//! `cargo xtask rollback`.

use super::release::{Remote, RunFlags};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The version to go back to (default: the highest stable release tag below --from that
    /// was not rolled back).
    #[arg(long, value_name = "vA.B.C")]
    pub to: Option<String>,

    /// The release being rolled back (default: the version the running deployment reports,
    /// else the latest release tag).
    #[arg(long, value_name = "vX.Y.Z")]
    pub from: Option<String>,

    /// Why: written into the release notice and the incident issue.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    #[command(flatten)]
    pub run: RunFlags,

    #[command(flatten)]
    pub remote: Remote,

    /// Seconds the old version's services get to become healthy.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub health_timeout: u64,

    /// Redeploy only: no release notice, no "latest", no incident issue (the plan says so).
    #[arg(long)]
    pub no_github: bool,
}
