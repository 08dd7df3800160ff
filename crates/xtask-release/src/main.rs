//! `xtask-release`: the release commands of `cargo xtask`, the checklist's Release Process,
//! Post-Release Checklist, Hotfix Process, Rollback Procedure and Model Versioning, on one
//! release core ([`release::core`]).
//!
//! `cargo xtask` builds this binary the first time one of these commands runs and hands it its
//! command line, which it parses with the same [`xtask::Cli`]: flags, help, exit codes and
//! output are the same whichever binary runs. Keeping these 11,000 lines out of `cargo xtask`'s
//! own build is what keeps its cold build (every CI pre-release job pays it) within budget.

mod hotfix;
mod models;
mod post_release;
mod release;
mod rollback;

use xtask::{Command, Ctx};

fn main() -> std::process::ExitCode {
    xtask::main(Some(run))
}

fn run(ctx: &Ctx, command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Release(args) => release::run(ctx, args),
        Command::PostRelease(args) => post_release::run(ctx, args),
        Command::Hotfix(args) => hotfix::run(ctx, args),
        Command::Rollback(args) => rollback::run(ctx, args),
        Command::Models(args) => models::run(ctx, args),
        _ => unreachable!("xtask::main refuses the other commands"),
    }
}
