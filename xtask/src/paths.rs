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

/// An out directory inside the work tree must be one git ignores: writing artifacts, logs or
/// plans there would dirty the tree (and a dirty tree blocks a release). The folder need not
/// exist yet: it is asked about as a directory (`dist/` in .gitignore matches it).
pub fn refuse_unignored_out_dir(
    repo: &git::Repo,
    toplevel: &Path,
    out: &Path,
    fix: &str,
) -> anyhow::Result<()> {
    let out = resolved(out);
    let Ok(inside) = out.strip_prefix(toplevel) else {
        return Ok(());
    };
    let shown = out.display();
    if inside.as_os_str().is_empty() {
        return Err(crate::exit::Exit::refused(
            format!("{shown} is the work tree itself, not a folder in it"),
            fix,
        )
        .into());
    }
    let path = format!("{}/", out.to_string_lossy().trim_end_matches('/'));
    if repo
        .git_opt(&["check-ignore", "--quiet", "--no-index", &path])?
        .is_none()
    {
        return Err(crate::exit::Exit::refused(
            format!("{shown} is inside the work tree and not ignored by git: files written there would dirty the tree"),
            fix,
        )
        .into());
    }
    Ok(())
}

/// `path` made absolute with symlinks resolved as far as it exists (it may not exist yet).
pub fn resolved(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (path.canonicalize(), path.parent(), path.file_name()) {
        (Ok(path), _, _) => path,
        (Err(_), Some(parent), Some(name)) => resolved(parent).join(name),
        _ => path.to_path_buf(),
    }
}
