//! Scans every file below a folder (`.git` and `target` left out) and prints the findings and
//! the time taken: `cargo run -p secrets --release --example scan_tree -- DIR`.

use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let mut files = Vec::new();
    collect(&root, Path::new(""), &mut files);
    let started = Instant::now();
    // Compiling the rules is part of every run: measure it on its own.
    secrets::scan("", "", &secrets::Allowlist::default());
    let compiled = started.elapsed();
    let allow = secrets::load_allowlist(&root).expect("reading .secrets-allowlist");
    let scan = secrets::scan_files(&root, &files, &allow).expect("scanning");
    let elapsed = started.elapsed();
    for finding in &scan.findings {
        println!("{finding}");
    }
    println!(
        "{} files scanned ({} binary, {} large skipped), {} findings in {elapsed:.2?} \
         (compiling the rules: {compiled:.2?})",
        scan.scanned,
        scan.skipped_binary.len(),
        scan.skipped_large.len(),
        scan.findings.len()
    );
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name == ".git" || name == "target" {
            continue;
        }
        let relative = dir.join(&name);
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(root, &relative, files),
            Ok(kind) if kind.is_file() => files.push(relative),
            _ => {}
        }
    }
}
