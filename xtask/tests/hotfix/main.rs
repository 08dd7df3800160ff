//! `cargo xtask hotfix start|finish`: real git with a bare `origin` in temp dirs (the release
//! tests' fixture: the example project tagged v0.4.0), the real binary run as a child process,
//! the fake GitHub API for the GitHub release.

#[allow(dead_code)]
#[path = "../release/support.rs"]
mod support;

mod bad_input;
mod faults;
mod flows;
mod github;
mod setup;
