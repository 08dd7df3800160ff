//! The one place that knows where things are: the workspace, cargo's target directory, and the
//! out directory where logs, reports and artifacts go.

use std::path::{Path, PathBuf};

/// The workspace root: where `cargo xtask` sits inside codemate-hub.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

/// Cargo's target directory: `CARGO_TARGET_DIR`, else `target/` of this workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// `XTASK_OUT`, else `<target>/xtask`: a folder git ignores, so a run never dirties the tree.
pub fn out_dir() -> PathBuf {
    match std::env::var_os("XTASK_OUT") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir().join("xtask"),
    }
}
