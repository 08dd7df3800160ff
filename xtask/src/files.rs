//! Files a command writes into a project, planned before anything is written: each is new,
//! changed or already as it should be. The plan and the execution are one code path: [`apply`]
//! prints what it does and writes only in [`Mode::Execute`] (atomically, one file at a time, so
//! a re-run after a failure writes what is still missing).

use std::path::{Path, PathBuf};

/// Plan (look, print what would be done) or execute (look, then do it): one value for every
/// command that changes something, one code path. The release core's steps skip their effects
/// when planning; [`apply`] writes only when executing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Plan,
    Execute,
}

impl Mode {
    /// `--execute` given or not.
    pub fn from_execute(execute: bool) -> Mode {
        if execute {
            Mode::Execute
        } else {
            Mode::Plan
        }
    }
}

/// What writing a file would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    New,
    Changed,
    Same,
}

/// One file of a plan: its path relative to the root and the bytes it must hold.
#[derive(Debug, Clone)]
pub struct Planned {
    pub rel: String,
    pub bytes: Vec<u8>,
    pub old: Option<Vec<u8>>,
}

impl Planned {
    pub fn state(&self) -> State {
        match &self.old {
            None => State::New,
            Some(old) if *old == self.bytes => State::Same,
            Some(_) => State::Changed,
        }
    }
}

/// Compares each `(path, bytes)` with what `root` holds now.
pub fn plan(root: &Path, files: Vec<(String, Vec<u8>)>) -> Vec<Planned> {
    files
        .into_iter()
        .map(|(rel, bytes)| Planned {
            old: std::fs::read(root.join(&rel)).ok(),
            rel,
            bytes,
        })
        .collect()
}

/// The counts of a plan: new, changed, unchanged.
pub fn counts(planned: &[Planned]) -> (usize, usize, usize) {
    let count = |state| planned.iter().filter(|p| p.state() == state).count();
    (count(State::New), count(State::Changed), count(State::Same))
}

/// Prints each file that is new or changed (a changed text file with the lines it loses and
/// gains), and in [`Mode::Execute`] writes it. Returns how many files were (or would be) written.
pub fn apply(root: &Path, planned: &[Planned], mode: Mode) -> anyhow::Result<usize> {
    let mut written = 0;
    for file in planned {
        let verb = match (file.state(), mode) {
            (State::Same, _) => continue,
            (State::New, Mode::Plan) => "would create",
            (State::Changed, Mode::Plan) => "would update",
            (State::New, Mode::Execute) => "created",
            (State::Changed, Mode::Execute) => "updated",
        };
        if mode == Mode::Execute {
            crate::fs::write_atomic(&root.join(&file.rel), &file.bytes)?;
        }
        println!("{verb} {} ({} bytes)", file.rel, file.bytes.len());
        if let Some(old) = &file.old {
            for line in line_changes(old, &file.bytes) {
                println!("    {line}");
            }
        }
        written += 1;
    }
    Ok(written)
}

/// `-line` for each line only the old text has, `+line` for each only the new one has (the
/// files planned here change by whole lines: an entry added, a generated file rewritten).
fn line_changes(old: &[u8], new: &[u8]) -> Vec<String> {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) =
        (old.lines().collect(), new.lines().collect());
    let removed = old_lines
        .iter()
        .filter(|line| !new_lines.contains(line))
        .map(|line| format!("-{line}"));
    let added = new_lines
        .iter()
        .filter(|line| !old_lines.contains(line))
        .map(|line| format!("+{line}"));
    removed.chain(added).collect()
}

/// Every file under `dir` (recursively), sorted, as paths relative to `base`.
pub fn walk(base: &Path, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(base) {
                found.push(rel.to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_shows_the_lines_it_gains_and_loses() {
        let changes = line_changes(b"a\nb\n", b"a\nc\n");
        assert_eq!(changes, ["-b", "+c"]);
    }

    #[test]
    fn only_new_and_changed_files_are_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("same"), "x").unwrap();
        std::fs::write(dir.path().join("old"), "x").unwrap();
        let files = vec![
            ("same".to_string(), b"x".to_vec()),
            ("old".to_string(), b"y".to_vec()),
            ("sub/new".to_string(), b"z".to_vec()),
        ];
        let planned = plan(dir.path(), files.clone());
        assert_eq!(counts(&planned), (1, 1, 1));
        assert_eq!(apply(dir.path(), &planned, Mode::Plan).unwrap(), 2);
        assert!(!dir.path().join("sub/new").exists());
        assert_eq!(std::fs::read(dir.path().join("old")).unwrap(), b"x");
        assert_eq!(apply(dir.path(), &planned, Mode::Execute).unwrap(), 2);
        assert_eq!(std::fs::read(dir.path().join("sub/new")).unwrap(), b"z");
        assert_eq!(counts(&plan(dir.path(), files)), (0, 0, 3));
    }
}
