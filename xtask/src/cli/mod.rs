//! The command lines of the release commands: release, hotfix, rollback, post-release and
//! models. The commands themselves are the `xtask-release` binary (crates/xtask-release), built on
//! demand; their flags are declared here so that `cargo xtask` parses, checks, documents and
//! completes every command line without compiling them (docs/benchmarks.md, "cold build").

pub mod hotfix;
pub mod models;
pub mod post_release;
pub mod release;
pub mod rollback;
