//! `verify`: rebuild from the commit a manifest names and compare, file by file.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::build::build_commit;
use crate::repo::Repo;
use crate::{ArchiveError, Manifest, Options, MANIFEST};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Mismatch {
    /// The file differs from the rebuild.
    Changed {
        name: String,
        expected_sha256: String,
        found_sha256: String,
    },
    /// The rebuild has the file; the directory does not.
    Missing { name: String },
    /// The directory has a file the rebuild does not.
    Extra { name: String },
    /// The manifest's tag names another commit now.
    RevMoved {
        rev: String,
        manifest_commit: String,
        now: String,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Changed {
                name,
                expected_sha256,
                found_sha256,
            } => {
                write!(
                    f,
                    "{name}: changed (sha256 {found_sha256}, the rebuild gives {expected_sha256})"
                )
            }
            Mismatch::Missing { name } => write!(f, "{name}: missing"),
            Mismatch::Extra { name } => write!(f, "{name}: not an artifact of this release"),
            Mismatch::RevMoved {
                rev,
                manifest_commit,
                now,
            } => {
                write!(
                    f,
                    "tag {rev} names {now} now, the artifacts were built from {manifest_commit}"
                )
            }
        }
    }
}

/// Rebuilds the artifacts in `dir` from the commit and options its `manifest.json` records, and
/// lists every difference: changed, missing and extra files. An empty list means verified.
///
/// Model digests that came from Ollama cannot be rebuilt from git: they are taken from the
/// directory's models file as they are, and only the git-derived parts are checked.
pub fn verify(repo_dir: &Path, dir: &Path) -> Result<Vec<Mismatch>, ArchiveError> {
    let no_manifest = |message: String| ArchiveError::NoManifest {
        dir: dir.to_path_buf(),
        message,
    };
    let text = fs::read(dir.join(MANIFEST)).map_err(|err| no_manifest(err.to_string()))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|err| no_manifest(err.to_string()))?;

    let repo = Repo::open(repo_dir)?;
    let commit = repo.commit(&manifest.commit)?;
    let opts = Options {
        name: manifest.name.clone(),
        label: manifest.label.clone(),
        groups: manifest.groups.clone(),
        force: false,
        threads: 0,
        extras: manifest.extras.clone(),
    };
    let scratch = scratch::TempDir::new().map_err(|source| ArchiveError::Io {
        doing: "creating a scratch directory in",
        path: std::env::temp_dir(),
        source,
    })?;
    build_commit(&repo, &manifest.rev, &commit, scratch.path(), &opts)?;

    let mut mismatches = Vec::new();
    if let Some(now) = repo
        .tag_commit(&manifest.rev)
        .filter(|now| *now != commit.id)
    {
        mismatches.push(Mismatch::RevMoved {
            rev: manifest.rev.clone(),
            manifest_commit: commit.id.clone(),
            now,
        });
    }
    let expected = file_hashes(scratch.path())?;
    let found = file_hashes(dir)?;
    for (name, expected_sha256) in &expected {
        match found.get(name) {
            None => mismatches.push(Mismatch::Missing { name: name.clone() }),
            Some(found_sha256) if found_sha256 != expected_sha256 => {
                mismatches.push(Mismatch::Changed {
                    name: name.clone(),
                    expected_sha256: expected_sha256.clone(),
                    found_sha256: found_sha256.clone(),
                })
            }
            Some(_) => {}
        }
    }
    for name in found.keys().filter(|name| !expected.contains_key(*name)) {
        mismatches.push(Mismatch::Extra { name: name.clone() });
    }
    Ok(mismatches)
}

/// SHA-256 of every entry directly in `dir` (a subdirectory counts, with an empty hash).
fn file_hashes(dir: &Path) -> Result<BTreeMap<String, String>, ArchiveError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ArchiveError::Io {
            doing: "reading",
            path,
            source,
        }
    };
    let mut hashes = BTreeMap::new();
    for entry in fs::read_dir(dir).map_err(io_error(dir))? {
        let entry = entry.map_err(io_error(dir))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let hash = if path.is_file() {
            let mut sha256 = Sha256::new();
            io::copy(
                &mut fs::File::open(&path).map_err(io_error(&path))?,
                &mut sha256,
            )
            .map_err(io_error(&path))?;
            crate::output::hex(&sha256.finalize())
        } else {
            String::new()
        };
        hashes.insert(name, hash);
    }
    Ok(hashes)
}
