//! File writes that never leave a half-written file under its final name.

use std::path::Path;

use anyhow::Context;

/// Writes `bytes` to a temp file beside `path` and renames it over `path` (creating the folder).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    scratch::write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}
