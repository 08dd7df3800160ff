//! `xtask-github <check|plan|publish|lookup|edit-release|open-issue>`: one JSON request on stdin, one JSON reply on stdout
//! (both typed in `github-protocol`), progress and the one-line `error:`/`hint:` on stderr. The
//! token comes only from `GITHUB_TOKEN` or `GH_TOKEN`. Exit codes: 0 done, 2 refused before
//! changing anything, 3 failed part-way.

use std::io::Read;

use github::{AmendCommand, Command, Reply, Settings, EXIT_REFUSED, PROTOCOL};
use github_protocol::reads::ReadCommand;

/// What argv asks for: a release step, a post-release read (or milestone change), or an amend
/// request (rollback).
enum Asked {
    Release(Command),
    Read(ReadCommand),
    Amend(AmendCommand),
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.as_slice() {
        [name] => Command::parse(name)
            .map(Asked::Release)
            .or_else(|| ReadCommand::parse(name).map(Asked::Read))
            .or_else(|| AmendCommand::parse(name).map(Asked::Amend)),
        _ => None,
    };
    let mut request = String::new();
    let read = std::io::stdin().read_to_string(&mut request);
    let (Some(command), Ok(_)) = (command, read) else {
        let cause = "usage: xtask-github <check|plan|publish|release|download|milestones|milestone-issues|close-milestone|create-milestone|lookup|edit-release|open-issue> < request.json";
        let fix = "pass one of those commands and the JSON request on stdin (docs/github.md)";
        let reply = Reply {
            protocol: Some(PROTOCOL),
            ok: false,
            exit_code: Some(EXIT_REFUSED),
            error: Some(cause.into()),
            fix: Some(fix.into()),
            ..Reply::default()
        };
        print_reply(&reply);
        eprintln!("error: {cause}\nhint: {fix}");
        std::process::exit(EXIT_REFUSED);
    };
    let settings = Settings::from_env(|name| std::env::var(name).ok());
    let outcome = match command {
        Asked::Release(command) => github::run(command, &request, &settings),
        Asked::Read(command) => github::reads::run(command, &request, &settings),
        Asked::Amend(command) => github::amend(command, &request, &settings),
    };
    print_reply(&outcome.reply);
    // Run by `cargo xtask` (XTASK_GITHUB_PARENT=1), the parent prints the reply's error as
    // its own one `error:`/`hint:` block: the same cause is not printed twice.
    let parent = std::env::var_os("XTASK_GITHUB_PARENT").is_some();
    if let Some(err) = outcome.error.as_ref().filter(|_| !parent) {
        eprintln!("error: {err}\nhint: {}", err.fix());
    }
    std::process::exit(outcome.exit_code);
}

fn print_reply(reply: &Reply) {
    match serde_json::to_string(reply) {
        Ok(json) => println!("{json}"),
        // Cannot happen (plain data); still a reply, never a panic.
        Err(err) => println!("{{\"ok\":false,\"error\":\"serialising the reply: {err}\"}}"),
    }
}
