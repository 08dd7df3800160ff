//! Test helpers shared by the workspace: temp git repos with a bare remote, a fake docker on PATH,
//! a copy of the example project.

pub mod docker;
pub mod git;
