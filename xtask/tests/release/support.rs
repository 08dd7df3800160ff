//! The fixture: the example project committed in a temp repo (tag v0.4.0, then one more
//! commit), pushed to a bare `origin`; and a way to run the xtask binary on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use testkit::git::TempRepo;

#[path = "../common/mod.rs"]
mod common;

/// 2026-01-02T03:04:05Z: the fixed clock of every run, so two runs make the same commits.
pub const EPOCH: &str = "1767323045";
pub const DATE: &str = "2026-01-02";

pub struct Fixture {
    pub repo: TempRepo,
    pub out: PathBuf,
}

/// The shared `Run` of `tests/common` (exit code, stdout, stderr).
pub use common::Run;

/// Everything a release can change: every file of the work tree (bytes), the index, the
/// ignored paths (tool caches), and the refs of the work repo (remote-tracking refs included:
/// the preflight reads the remote with `ls-remote`, it does not fetch) and of origin.
#[derive(PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<String, Vec<u8>>,
    pub status: String,
    pub ignored: Vec<String>,
    pub refs: (String, String),
}

impl std::fmt::Debug for Snapshot {
    /// Paths and sizes, not bytes: a failed comparison stays readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (path, bytes) in &self.files {
            writeln!(f, "{path} ({} bytes, {:016x})", bytes.len(), fnv(bytes))?;
        }
        write!(
            f,
            "status:\n{}\nignored: {:?}\nrefs:\n{}\norigin:\n{}",
            self.status, self.ignored, self.refs.0, self.refs.1
        )
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// The example project as it was when the first fixture of this test run was made: every
/// fixture starts from the same bytes even while someone edits `examples/`.
fn example() -> &'static Path {
    static COPY: OnceLock<tempfile::TempDir> = OnceLock::new();
    COPY.get_or_init(|| {
        let copy = tempfile::tempdir().unwrap();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/codemate-hub");
        testkit::git::copy_tree(&source, copy.path());
        copy
    })
    .path()
}

impl Fixture {
    pub fn new() -> Fixture {
        let repo = TempRepo::new();
        repo.copy_fixture(example());
        repo.write(".gitignore", "__pycache__/\n.venv/\n");
        repo.commit_all("Initial import");
        repo.tag("v0.4.0");
        repo.write("src/extra.py", "\"\"\"An extra module.\"\"\"\n");
        repo.commit_all("feat: an extra module");
        repo.push();
        let out = repo.root().join("out");
        Fixture { repo, out }
    }

    pub fn path(&self) -> &Path {
        self.repo.path()
    }

    /// `xtask --project <fixture> release`, with [`Fixture::env`].
    pub fn command(&self) -> Command {
        self.xtask(&["release"])
    }

    /// `xtask --project <fixture> <words>` (a command and its subcommand), with [`Fixture::env`].
    pub fn xtask(&self, words: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command.arg("--project").arg(self.path()).args(words);
        self.env(&mut command);
        command
    }

    /// A fixed clock and identity, the out dir in the temp dir, nothing from the caller's
    /// GitHub or release settings.
    pub fn env(&self, command: &mut Command) {
        for var in [
            "GITHUB_TOKEN",
            "GH_TOKEN",
            "GITHUB_REPOSITORY",
            "GITHUB_API_URL",
            "GITHUB_UPLOADS_URL",
            "XTASK_RELEASE_BRANCH",
            "XTASK_RELEASE_ASSETS",
            "XTASK_RELEASE_ABORT_AFTER",
            "XTASK_PROJECT",
        ] {
            command.env_remove(var);
        }
        command
            .env("XTASK_RELEASE_BIN", testkit::release_bin())
            .env("XTASK_OUT", &self.out)
            .env("SOURCE_DATE_EPOCH", EPOCH)
            .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
    }

    /// `cargo xtask --project <fixture> release <args>`.
    pub fn release(&self, args: &[&str]) -> Run {
        self.run(self.command().args(args))
    }

    pub fn run(&self, command: &mut Command) -> Run {
        Run::of(command)
    }

    pub fn snapshot(&self) -> Snapshot {
        // Every file git does not ignore (the gate's tools leave ignored caches behind).
        let listed = self.repo.git(&[
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ]);
        let files = listed
            .split('\0')
            .filter(|name| !name.is_empty())
            .map(|name| {
                (
                    name.to_string(),
                    std::fs::read(self.path().join(name)).unwrap_or_default(),
                )
            })
            .collect();
        Snapshot {
            files,
            status: self
                .repo
                .git(&["status", "--porcelain", "--untracked-files=all"]),
            refs: self.repo.refs(),
            ignored: self
                .repo
                .git(&[
                    "ls-files",
                    "--others",
                    "--ignored",
                    "--exclude-standard",
                    "--directory",
                ])
                .lines()
                .filter(|path| !path.contains("__pycache__"))
                .map(str::to_string)
                .collect(),
        }
    }
}

/// The standard git-only release (no gate, no GitHub).
pub const GIT_ONLY: [&str; 2] = ["--skip-gate", "--no-github"];

pub fn args<'a>(version: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![version];
    args.extend_from_slice(&GIT_ONLY);
    args.extend_from_slice(extra);
    args
}

/// The `(name, status)` of each step in a `--format json` result.
pub fn step_statuses(doc: &serde_json::Value) -> Vec<(&str, &str)> {
    doc["steps"]
        .as_array()
        .expect("a steps array")
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect()
}

/// The fake GitHub's token and repository.
pub const TOKEN: &str = "ghs_release_test_token_5f1d";
pub const OWNER: &str = "tzervas";
pub const REPO: &str = "codemate-hub";

/// Points a command at the fake GitHub (token, repository, URLs, the prebuilt xtask-github,
/// fast retries).
pub use testkit::github_bin;

pub fn github_env(command: &mut Command, gh: &fake_github::FakeGithub) {
    command
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_REPOSITORY", format!("{OWNER}/{REPO}"))
        .env("GITHUB_API_URL", gh.api_url())
        .env("GITHUB_UPLOADS_URL", gh.uploads_url())
        .env("XTASK_GITHUB_BIN", github_bin())
        .env("XTASK_GITHUB_RETRY_MS", "1")
        .env("XTASK_GITHUB_DEADLINE_S", "20");
}

/// What GitHub ends with: each release's tag, name, body, flags (`make_latest` too) and assets
/// (name, size, digest).
pub fn github_state(gh: &fake_github::FakeGithub) -> Vec<String> {
    gh.releases()
        .iter()
        .map(|r| {
            let mut assets: Vec<String> = r
                .assets
                .iter()
                .map(|a| format!("{} {} {}", a.name, a.size, a.digest))
                .collect();
            assets.sort();
            format!(
                "{} {:?} draft={} pre={} latest={:?} target={} body={:?} assets={assets:?}",
                r.tag_name,
                r.name,
                r.draft,
                r.prerelease,
                r.make_latest,
                r.target_commitish,
                r.body
            )
        })
        .collect()
}

/// Writes an executable git hook `name` into `dir/hooks` (a work repo's `.git`, or a bare repo).
pub fn write_hook(dir: &Path, name: &str, script: &str) {
    let path = dir.join("hooks").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The `key<<DELIMITER` / value / `DELIMITER` entries of a `GITHUB_OUTPUT` file, in order.
pub fn github_outputs(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines();
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        let (key, delimiter) = line
            .split_once("<<")
            .unwrap_or_else(|| panic!("not a GITHUB_OUTPUT entry: {line:?} in {text}"));
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delimiter).collect();
        out.push((key.to_string(), value.join("\n")));
    }
    out
}
