//! `xtask-release` parses `cargo xtask`'s whole command line with the same parser, and runs the
//! other commands with the same code (the release gate runs `pre-release` as a child process of
//! the binary it is in).

use std::process::Command;

#[test]
fn the_other_commands_run_as_in_cargo_xtask() {
    let project = testkit::example_project();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask-release"))
        .arg("--project")
        .arg(&project)
        .args(["pre-release", "--list", "--section", "security"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("secrets"), "{stdout}");
}

#[test]
fn a_usage_error_is_reported_as_cargo_xtask_reports_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask-release"))
        .args(["release"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("<X.Y.Z>"), "{stderr}");
    assert!(
        stderr.contains("hint: usage: cargo xtask release"),
        "{stderr}"
    );
}
