//! `xtask-github <check|plan|publish>`: one JSON request on stdin, one JSON result on stdout,
//! progress and the one-line error on stderr. The token comes only from `GITHUB_TOKEN` or
//! `GH_TOKEN`. Exit codes: 0 done, 2 refused before changing anything, 3 failed part-way.

use std::io::Read;

use github::{Command, Settings, EXIT_REFUSED};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.as_slice() {
        [name] => Command::parse(name),
        _ => None,
    };
    let mut request = String::new();
    let read = std::io::stdin().read_to_string(&mut request);
    let (Some(command), Ok(_)) = (command, read) else {
        let cause = "usage: xtask-github <check|plan|publish> < request.json";
        let fix = "see docs/github.md for the request format";
        let json = serde_json::json!({ "ok": false, "exit_code": EXIT_REFUSED, "error": cause, "fix": fix });
        println!("{json}");
        eprintln!("xtask-github: error: {cause}; fix: {fix}");
        std::process::exit(EXIT_REFUSED);
    };
    let settings = Settings::from_env(|name| std::env::var(name).ok());
    let outcome = github::run(command, &request, &settings);
    println!("{}", outcome.json);
    if let Some(err) = &outcome.error {
        eprintln!("xtask-github: error: {err}; fix: {}", err.fix());
    }
    std::process::exit(outcome.exit_code);
}
