//! `cargo xtask pre-release` and `archive` must not compile what only other commands need: the
//! GitHub client stack (the `xtask-github` binary), the release commands (the `xtask-release`
//! binary), both built on demand, or the `regex` crate's engines (docs/benchmarks.md, "cold
//! build").

use std::process::Command;

#[test]
fn the_xtask_binary_does_not_depend_on_the_github_stack() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--package",
            "xtask",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("running cargo tree");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        tree.lines().any(|l| l.starts_with("xshell ")),
        "the tree is read: {tree}"
    );
    for heavy in [
        "octocrab",
        "tokio",
        "hyper",
        "rustls",
        "reqwest",
        "xtask-release",
        "github-protocol",
        "regex-automata",
    ] {
        let found: Vec<&str> = tree
            .lines()
            .filter(|l| l.starts_with(&format!("{heavy} ")))
            .collect();
        assert!(found.is_empty(), "xtask depends on {heavy}: {found:?}");
    }
}
