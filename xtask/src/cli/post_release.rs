//! `cargo xtask post-release X.Y.Z`.

use std::path::PathBuf;

use super::release::{Assets, Branch, Remote, RunFlags};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The released version, X.Y.Z[-PRE] (a leading `v` is accepted).
    #[arg(value_name = "X.Y.Z")]
    pub version: String,

    // `--execute` carries out the cleanup (close the milestone, open the next, commit and push
    // the record); `--format json` prints the pre-release report shape plus the steps.
    #[command(flatten)]
    pub run: RunFlags,

    /// Also write the JSON report to PATH.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,

    /// The branch releases are cut from (the record is pushed to it).
    #[command(flatten)]
    pub branch: Branch,

    #[command(flatten)]
    pub remote: Remote,

    /// The extra assets `release --asset` uploaded.
    #[command(flatten)]
    pub assets: Assets,

    /// Record your sign-off on a manual item (repeatable): git user and time go into the report
    /// and the release record.
    #[arg(long, value_name = "ID")]
    pub sign_off: Vec<String>,

    /// The release milestone's title (default: `vX.Y.Z`, else `X.Y.Z`).
    #[arg(long, value_name = "TITLE")]
    pub milestone: Option<String>,

    /// Close the milestone even though issues in it are still open.
    #[arg(long)]
    pub close_open_milestone: bool,

    /// "Plan next release cycle": open the milestone of this version (named like this one's).
    #[arg(long, value_name = "X.Y.Z")]
    pub next_milestone: Option<String>,

    /// The versioned documentation page that must answer 200 (`{version}` is replaced); default:
    /// mkdocs.yml's `site_url` at the tag plus `X.Y.Z/`.
    #[arg(long, value_name = "URL")]
    pub docs_url: Option<String>,
}
