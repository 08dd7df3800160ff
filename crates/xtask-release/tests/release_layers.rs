//! The release core is layered: every module of `crates/xtask-release/src/release/` imports only from modules
//! of a lower layer (the table in `crates/xtask-release/src/release/mod.rs`), so there is no import circle.

use std::collections::BTreeMap;
use std::path::Path;

/// Module → layer. A module may use `super::X` only when X's layer is lower than its own.
const LAYERS: &[(&str, u8)] = &[
    ("vocab", 0),
    ("effect", 0),
    ("diff", 0),
    ("edits", 1),
    ("gate", 1),
    ("git_steps", 2),
    ("github", 1),
    ("verify", 1),
    ("record", 2),
    ("preflight", 3),
    ("report", 4),
    ("steps", 5),
    ("core", 6),
    ("mod", 7),
];

/// `super::name` (and `self::name` in mod.rs) references in a module's source, grouped ones
/// (`super::{a, b::c}`) included.
fn imports(source: &str, prefix: &str) -> Vec<String> {
    let ident = |text: &str| -> String {
        text.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (at, _) in source.match_indices(prefix) {
        let rest = &source[at + prefix.len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                found.extend(group.split(',').map(ident));
            }
            None => found.push(ident(rest)),
        }
    }
    found.retain(|name| !name.is_empty());
    found
}

#[test]
fn release_modules_import_only_downward() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/release");
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let mut seen = 0;
    let mut upward = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let module = path.file_stem().unwrap().to_str().unwrap().to_string();
        let layer = *layers.get(module.as_str()).unwrap_or_else(|| {
            panic!("{module}.rs has no layer: add it to LAYERS and to the table in mod.rs")
        });
        seen += 1;
        let source = std::fs::read_to_string(&path).unwrap();
        let prefix = if module == "mod" { "self::" } else { "super::" };
        for name in imports(&source, prefix) {
            let Some(&theirs) = layers.get(name.as_str()) else {
                continue; // an item of mod.rs itself (none but Args) is checked by the compiler
            };
            if theirs >= layer {
                upward.push(format!(
                    "{module} (layer {layer}) uses {name} (layer {theirs})"
                ));
            }
        }
        if module != "mod" {
            // Items of mod.rs (the command) are above every module.
            for line in source.lines() {
                let line = line.trim();
                if line.starts_with("use super::{") || line.starts_with("use super::Args") {
                    let names = line.trim_start_matches("use super::");
                    for name in ["Args", "run", "Release"] {
                        if names.contains(name) {
                            upward.push(format!("{module} uses the command's {name}"));
                        }
                    }
                }
            }
        }
    }
    assert_eq!(seen, LAYERS.len(), "a module in LAYERS has no file");
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn an_upward_import_is_found() {
    // The check itself can fail: a leaf that names an orchestrator is reported.
    assert_eq!(
        imports("use super::preflight::Problem;", "super::"),
        ["preflight"]
    );
    assert_eq!(
        imports("use super::{git_steps, github::Target, verify};", "super::"),
        ["git_steps", "github", "verify"]
    );
}
