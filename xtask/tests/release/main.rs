//! `cargo xtask release`: real git with a bare `origin` in temp dirs, the example project as
//! the fixture, the real binary run as a child process.

mod faults;
mod git_release;
mod github;
mod hostile;
mod preflight;
mod support;
mod verify;
