//! The one place that knows where things are: the workspace, cargo's target directory, and the
//! out directory where logs, reports and artifacts go.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The workspace root: where `cargo xtask` sits inside the project. Found at run time, never
/// compiled in (the binary may have been built elsewhere, or the tree moved since): see
/// [`find_workspace`]; the current directory when nothing qualifies.
pub fn workspace_root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
        let exe = std::env::current_exe().ok();
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        find_workspace(manifest.as_deref(), exe.as_deref(), &cwd).unwrap_or(cwd)
    })
    .clone()
}

/// The xtask workspace: the parent of `CARGO_MANIFEST_DIR` when that is its `xtask/` package
/// (`cargo run` sets it), else the first ancestor of the binary (`target/debug/xtask` sits
/// inside it), else of the current directory, that holds `Cargo.toml` and `xtask/Cargo.toml`.
fn find_workspace(manifest: Option<&Path>, exe: Option<&Path>, cwd: &Path) -> Option<PathBuf> {
    let is_workspace = |dir: &Path| {
        dir.join("Cargo.toml").is_file() && dir.join("xtask").join("Cargo.toml").is_file()
    };
    let from_manifest = manifest
        .filter(|dir| dir.file_name() == Some("xtask".as_ref()))
        .and_then(Path::parent)
        .filter(|dir| is_workspace(dir));
    let from_exe = exe.and_then(|exe| exe.ancestors().skip(1).find(|dir| is_workspace(dir)));
    let from_cwd = || cwd.ancestors().find(|dir| is_workspace(dir));
    from_manifest
        .or(from_exe)
        .or_else(from_cwd)
        .map(Path::to_path_buf)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_in(dir: &Path) -> PathBuf {
        let root = dir.join("ws");
        std::fs::create_dir_all(root.join("xtask")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
        std::fs::write(root.join("xtask/Cargo.toml"), "[package]\n").unwrap();
        root
    }

    #[test]
    fn the_workspace_is_found_from_the_manifest_dir_then_the_binary_then_the_cwd() {
        let temp = tempfile::tempdir().unwrap();
        let root = workspace_in(temp.path());
        let other = workspace_in(&temp.path().join("other"));
        let nowhere = temp.path().join("nowhere");
        std::fs::create_dir(&nowhere).unwrap();
        let exe = root.join("target/debug/xtask");

        let found = |manifest: Option<&Path>, exe: Option<&Path>, cwd: &Path| {
            find_workspace(manifest, exe, cwd)
        };
        assert_eq!(
            found(Some(&other.join("xtask")), Some(&exe), &nowhere),
            Some(other.clone())
        );
        // A manifest dir of another package (not `xtask/`) does not count.
        assert_eq!(
            found(Some(&other.join("crates")), Some(&exe), &nowhere),
            Some(root.clone())
        );
        assert_eq!(found(None, Some(&exe), &nowhere), Some(root.clone()));
        assert_eq!(
            found(None, Some(&nowhere.join("xtask")), &other.join("xtask")),
            Some(other)
        );
        assert_eq!(found(None, None, &nowhere), None);
    }
}
