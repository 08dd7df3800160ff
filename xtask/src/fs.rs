//! File writes that never leave a half-written file under its final name.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `bytes` to a temp file beside `path` and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temp file in {}", dir.display()))?;
    temp.write_all(bytes)
        .with_context(|| format!("writing {}", temp.path().display()))?;
    temp.as_file().sync_all().ok();
    if let Ok(meta) = std::fs::metadata(path) {
        // Keep the mode of the file being replaced (scripts stay executable).
        std::fs::set_permissions(temp.path(), meta.permissions()).ok();
    }
    temp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}
