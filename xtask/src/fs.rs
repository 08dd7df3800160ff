//! File writes that never leave a half-written file under its final name: the one atomic writer
//! of the xtask (over `scratch::write_atomic_with`), creating the folder, errors naming the file.

use std::path::Path;

use anyhow::Context;
pub use scratch::TempName;

/// Writes `bytes` to a temp file beside `path` (unique name) and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, bytes, TempName::Unique)
}

/// [`write_atomic`] with the temp file named as `name` says (creating the folder).
pub fn write_atomic_with(path: &Path, bytes: &[u8], name: TempName) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    scratch::write_atomic_with(path, bytes, name)
        .with_context(|| format!("writing {}", path.display()))
}
