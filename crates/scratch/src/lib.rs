//! Temporary files renamed into place (atomic writes) and scratch folders.
//!
//! The `tempfile` crate does this and more, but pulls rustix, getrandom and fastrand into every
//! cold `cargo xtask` build; the xtask needs only this much (tests still use `tempfile`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh name: process id, time and a counter, so concurrent writers never collide; creation
/// with `create_new` makes a collision an error rather than a shared file.
fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!(".{prefix}.{}.{nanos:x}.{count}.tmp", std::process::id())
}

/// A file under a temporary name in the folder of its destination; removed when dropped unless
/// [`TempFile::persist`] renamed it into place.
pub struct TempFile {
    path: PathBuf,
    file: File,
    persisted: bool,
}

impl TempFile {
    /// A new empty file in `dir` (readable by its owner only until it is persisted).
    pub fn new_in(dir: &Path) -> io::Result<TempFile> {
        let mut tries = 0;
        loop {
            let path = dir.join(unique_name("xtask"));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file,
                        persisted: false,
                    })
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists && tries < 8 => tries += 1,
                Err(err) => return Err(err),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn as_file(&self) -> &File {
        &self.file
    }

    /// Renames the file over `to` (same folder, so the rename is atomic).
    pub fn persist(mut self, to: &Path) -> io::Result<()> {
        fs::rename(&self.path, to)?;
        self.persisted = true;
        Ok(())
    }
}

impl Write for TempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The name of the temporary file an atomic write goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TempName {
    /// A fresh name per write: concurrent writers never collide.
    Unique,
    /// `.<file name>.<suffix>` beside the file: a re-run overwrites what a killed run left, and
    /// a test can block exactly that one write (by putting a folder there).
    Fixed(&'static str),
}

/// Writes `bytes` to `path` through a temporary file beside it and a rename, keeping the mode
/// of the file it replaces (scripts stay executable): a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, TempName::Unique)
}

/// [`write_atomic`] with the temp file named as `name` says.
pub fn write_atomic_with(path: &Path, bytes: &[u8], name: TempName) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = match name {
        TempName::Unique => TempFile::new_in(dir)?,
        TempName::Fixed(suffix) => {
            let file_name = path.file_name().ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "a file path has a name")
            })?;
            let temp = dir.join(format!(".{}.{suffix}", file_name.to_string_lossy()));
            let file = File::create(&temp)?;
            TempFile {
                path: temp,
                file,
                persisted: false,
            }
        }
    };
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    if let Ok(meta) = fs::metadata(path) {
        fs::set_permissions(temp.path(), meta.permissions())?;
    }
    temp.persist(path)
}

/// A folder under the system's temp dir, removed with its contents when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> io::Result<TempDir> {
        let path = std::env::temp_dir().join(unique_name("xtask-scratch"));
        fs::create_dir(&path)?;
        Ok(TempDir { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_dropped_temp_file_leaves_nothing_and_a_persisted_one_replaces_the_target() {
        let dir = TempDir::new().unwrap();
        let target = dir.path().join("out.txt");
        fs::write(&target, "old").unwrap();
        let mut temp = TempFile::new_in(dir.path()).unwrap();
        temp.write_all(b"half").unwrap();
        drop(temp);
        assert_eq!(entries(dir.path()), ["out.txt"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");

        let mut temp = TempFile::new_in(dir.path()).unwrap();
        temp.write_all(b"new").unwrap();
        temp.persist(&target).unwrap();
        assert_eq!(entries(dir.path()), ["out.txt"]);
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn write_atomic_keeps_the_mode_of_the_replaced_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TempDir::new().unwrap();
        let script = dir.path().join("run.sh");
        fs::write(&script, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        write_atomic(&script, b"#!/bin/sh\necho hi\n").unwrap();
        assert_eq!(
            fs::metadata(&script).unwrap().permissions().mode() & 0o777,
            0o755
        );
        assert_eq!(fs::read_to_string(&script).unwrap(), "#!/bin/sh\necho hi\n");
        assert_eq!(entries(dir.path()), ["run.sh"]);
    }

    #[test]
    fn temp_dirs_are_unique_and_removed() {
        let (a, b) = (TempDir::new().unwrap(), TempDir::new().unwrap());
        assert_ne!(a.path(), b.path());
        fs::write(a.path().join("f"), "x").unwrap();
        let path = a.path().to_path_buf();
        drop(a);
        assert!(!path.exists());
    }
}
