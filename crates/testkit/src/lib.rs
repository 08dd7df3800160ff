//! Test helpers shared by the workspace: temp git repos with a bare remote, a fake docker on PATH,
//! local HTTP endpoints, the bundled example project.

pub mod docker;
pub mod git;
pub mod http;
pub mod ollama;

use std::path::{Path, PathBuf};

/// The bundled example project (`examples/codemate-hub`).
pub fn example_project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/codemate-hub")
        .canonicalize()
        .unwrap()
}

/// A deliberately red project (`crates/testkit/fixtures/red-project`): a module that does not
/// parse, ruff findings, compose variables unset or with a literal secret default, an unreadable
/// port, an embedding model that is not a default model.
pub fn red_project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/red-project")
        .canonicalize()
        .unwrap()
}

/// A binary of this workspace that a test runs but cannot name with `CARGO_BIN_EXE_*` (it is
/// another package's): `target/debug/NAME` beside the test's own executable, which
/// `cargo test --workspace` builds. Panics, saying how to build it, when it is missing or older
/// than a source file it was built from (the dep-info cargo wrote for it lists them).
pub fn workspace_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's executable");
    let debug = exe
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|n| n == "debug"))
        .expect("tests run from target/debug/deps");
    let bin = debug.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let build = format!("run `cargo build --bin {name}` first");
    let built =
        std::fs::metadata(&bin).unwrap_or_else(|_| panic!("{} is missing: {build}", bin.display()));
    let dep_info = dep_info_of(debug, name, &built)
        .unwrap_or_else(|| panic!("no dep-info for {}: {build}", bin.display()));
    let listed = std::fs::read_to_string(&dep_info)
        .unwrap_or_else(|err| panic!("{}: {err}: {build}", dep_info.display()));
    let built = built.modified().expect("the binary's mtime");
    // cargo writes the workspace's own sources relative to the workspace root.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for source in dep_sources(&listed) {
        let changed = std::fs::metadata(root.join(&source)).and_then(|meta| meta.modified());
        let fresh = changed.is_ok_and(|changed| changed <= built);
        assert!(fresh, "{} is older than {source}: {build}", bin.display());
    }
    bin
}

/// The dep-info of the binary `debug/NAME`: cargo's `debug/NAME.d` when `cargo build` wrote it
/// (every workspace source the binary was built from); else, as `cargo test` writes only those,
/// rustc's `deps/NAME-HASH.d` of the artifact it is linked from (same size and mtime), which
/// lists the package's own sources, not those of the workspace crates it depends on.
fn dep_info_of(debug: &Path, name: &str, bin: &std::fs::Metadata) -> Option<PathBuf> {
    let beside = debug.join(format!("{name}.d"));
    if beside.is_file() {
        return Some(beside);
    }
    let stem = format!("{}-", name.replace('-', "_"));
    let same = |meta: &std::fs::Metadata| {
        meta.len() == bin.len() && meta.modified().ok() == bin.modified().ok()
    };
    let deps = debug.join("deps");
    std::fs::read_dir(&deps).ok()?.flatten().find_map(|entry| {
        let file = entry.file_name().into_string().ok()?;
        let hash = file
            .strip_prefix(&stem)?
            .strip_suffix(std::env::consts::EXE_SUFFIX)?;
        let is_artifact = !hash.contains('.') && entry.metadata().is_ok_and(|meta| same(&meta));
        is_artifact.then(|| deps.join(format!("{stem}{hash}.d")))
    })
}

/// The sources of a make-style dep-info file (`target: a.rs b\ c.rs`).
fn dep_sources(dep_info: &str) -> Vec<String> {
    let line = dep_info.lines().next().unwrap_or_default();
    let list = line.split_once(": ").map_or("", |(_, list)| list);
    let mut sources = Vec::new();
    let mut current = String::new();
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' if !current.is_empty() => sources.push(std::mem::take(&mut current)),
            ' ' => {}
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        sources.push(current);
    }
    sources
}

/// `xtask-release`, the release commands, for `XTASK_RELEASE_BIN`.
pub fn release_bin() -> PathBuf {
    workspace_binary("xtask-release")
}

/// `xtask-github`, the GitHub client, for `XTASK_GITHUB_BIN`.
pub fn github_bin() -> PathBuf {
    workspace_binary("xtask-github")
}

/// Runs `case(0..count)` on a few threads: for fault matrices whose cases are independent (each
/// its own repos and fake servers) and mostly wait on child processes, so one long test does not
/// hold the test binary while the other core idles. `XTASK_TEST_FANOUT` sets the thread count
/// (default 3); a case's panic fails the test once every case has run.
pub fn each_case_in_parallel(count: usize, case: impl Fn(usize) + Sync) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::env::var("XTASK_TEST_FANOUT")
        .ok()
        .and_then(|value| value.parse::<usize>().ok())
        .filter(|&threads| threads > 0)
        .unwrap_or(3)
        .min(count.max(1));
    let next = AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                let outcome =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(index)));
                if outcome.is_err() {
                    failed.lock().unwrap().push(index);
                }
            });
        }
    });
    let mut failed = failed.into_inner().unwrap();
    failed.sort_unstable();
    assert!(
        failed.is_empty(),
        "cases {failed:?} of {count} failed (their panics are above)"
    );
}

#[cfg(test)]
mod tests {
    use super::{dep_sources, each_case_in_parallel};
    use std::sync::Mutex;

    #[test]
    fn dep_info_sources_keep_escaped_spaces() {
        let listed = "/t/debug/x: /w/a.rs /w/my\\ dir/b.rs\n\n/w/a.rs:\n";
        assert_eq!(dep_sources(listed), ["/w/a.rs", "/w/my dir/b.rs"]);
    }

    #[test]
    fn every_case_runs_once_and_a_failing_case_fails_the_whole() {
        let seen = Mutex::new(Vec::new());
        each_case_in_parallel(7, |index| seen.lock().unwrap().push(index));
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());

        let outcome = std::panic::catch_unwind(|| {
            each_case_in_parallel(4, |index| assert_ne!(index, 2, "case two fails"))
        });
        let message = *outcome.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("cases [2] of 4 failed"), "{message}");
    }
}
