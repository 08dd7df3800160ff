//! The IO around [`crate::scan`]: read the allowlist and a list of files under a root.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::{allowlist, scan, Allowlist, AllowlistError, Finding};

/// Files larger than this are not scanned (generated data, lock files of huge trees, media).
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// How many leading bytes are looked at for a NUL to call a file binary (as git does).
const BINARY_SNIFF_LEN: usize = 8000;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Allowlist(#[from] AllowlistError),
}

/// What scanning a list of files found and left out.
#[derive(Debug, Default)]
pub struct TreeScan {
    pub findings: Vec<Finding>,
    pub scanned: usize,
    pub skipped_binary: Vec<PathBuf>,
    pub skipped_large: Vec<PathBuf>,
    /// Listed (tracked) but not in the work tree: deleted and not yet committed.
    pub skipped_missing: Vec<PathBuf>,
}

/// `.secrets-allowlist` at `root`, or an empty allowlist when there is none.
pub fn load_allowlist(root: &Path) -> Result<Allowlist, Error> {
    let path = root.join(allowlist::FILE_NAME);
    match fs::read_to_string(&path) {
        Ok(text) => Ok(Allowlist::parse(&text)?),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Allowlist::default()),
        Err(source) => Err(Error::Io { path, source }),
    }
}

/// Scans `files` (relative to `root`; findings use these relative paths with `/`).
pub fn scan_files(root: &Path, files: &[PathBuf], allow: &Allowlist) -> Result<TreeScan, Error> {
    let mut result = TreeScan::default();
    for relative in files {
        let path = root.join(relative);
        let text = match read_text(&path) {
            Ok(FileText::Text(text)) => text,
            Ok(FileText::Binary) => {
                result.skipped_binary.push(relative.clone());
                continue;
            }
            Ok(FileText::TooLarge) => {
                result.skipped_large.push(relative.clone());
                continue;
            }
            // Symlinks to folders and submodules are listed by git but are not files to read.
            Ok(FileText::NotAFile) => continue,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                result.skipped_missing.push(relative.clone());
                continue;
            }
            Err(source) => return Err(Error::Io { path, source }),
        };
        let report_path = relative.to_string_lossy().replace('\\', "/");
        result.findings.extend(scan(&report_path, &text, allow));
        result.scanned += 1;
    }
    Ok(result)
}

enum FileText {
    Text(String),
    Binary,
    TooLarge,
    NotAFile,
}

fn read_text(path: &Path) -> io::Result<FileText> {
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Ok(FileText::NotAFile);
    }
    if metadata.len() > MAX_FILE_SIZE {
        return Ok(FileText::TooLarge);
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    fs::File::open(path)?.read_to_end(&mut bytes)?;
    // memchr and the standard library's UTF-8 check: fast whatever this crate's opt-level.
    if memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF_LEN)]).is_some() {
        return Ok(FileText::Binary);
    }
    Ok(FileText::Text(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    }))
}
