//! The hostile-input suite (issue 10, docs/hostile-input.md): one table of inputs and repository
//! states a careful user might try, by kind. Every case must be refused by the contract: exit 2,
//! an `error:` line naming the cause followed by a `hint:` line, no `panicked at`, and nothing
//! changed — the files (bytes), the index, the ignored paths (tool caches), the refs of the
//! clone (remote-tracking ones included) and of origin, and the fake GitHub (no release, no
//! request that writes). Under `--format json` the refusal is one JSON document on stdout.

use std::process::Command;

use fake_github::FakeGithub;

use crate::support::{github_env as point_at, github_state, Fixture, Run, OWNER, REPO, TOKEN};

/// One hostile input. `args` follow `--project <fixture>`; `{root}` is the fixture's temp dir
/// (outside the work tree), `{head}` HEAD's commit.
struct Case {
    kind: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    setup: fn(&Fixture),
    /// A part of the `error:` line.
    cause: &'static str,
    /// A part of the `hint:` line after it.
    hint: &'static str,
}

const NOTHING: fn(&Fixture) = |_| {};

macro_rules! release {
    ($($arg:expr),*) => { &["release", $($arg),*] };
}

const CASES: &[Case] = &[
    // ---- versions and flags
    Case {
        kind: "version",
        args: release!("0.5", "--skip-gate", "--no-github"),
        env: &[],
        setup: NOTHING,
        cause: "\"0.5\" is not a semver version",
        hint: "",
    },
    Case {
        kind: "version",
        args: release!("0.5.0-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "--skip-gate", "--no-github"),
        env: &[],
        setup: NOTHING,
        cause: "the release's file names would exceed 255 bytes",
        hint: "at most 128 bytes",
    },
    Case {
        kind: "flag",
        args: release!("0.5.0", "--date", "2026-02-30", "--skip-gate", "--no-github", "--execute"),
        env: &[],
        setup: NOTHING,
        cause: "--date \"2026-02-30\" has no such day",
        hint: "YYYY-MM-DD",
    },
    Case {
        kind: "flag",
        args: &["pre-release", "--jobs", "0", "--dry-run"],
        env: &[],
        setup: NOTHING,
        cause: "invalid value '0' for '--jobs <N>'",
        hint: "--help",
    },
    Case {
        kind: "flag",
        args: release!("0.5.0", "--bogus"),
        env: &[],
        setup: NOTHING,
        cause: "unexpected argument '--bogus'",
        hint: "usage: ",
    },
    Case {
        kind: "flag",
        args: &["release"],
        env: &[],
        setup: NOTHING,
        cause: "required arguments were not provided: <X.Y.Z>",
        hint: "usage: ",
    },
    // ---- repository states
    Case {
        kind: "repo state",
        args: release!("0.5.0", "--skip-gate", "--no-github", "--execute"),
        env: &[],
        setup: |f| {
            // Hand-made: the release's subject and an annotated tag, but README.md changed
            // too and no release record: not this command's release commit.
            f.repo.write("README.md", "changed by hand\n");
            f.repo.commit_all("Release version 0.5.0");
            f.repo
                .git(&["tag", "-a", "-m", "Release version 0.5.0", "v0.5.0"]);
        },
        cause: "tag v0.5.0 already exists at",
        hint: "release another version",
    },
    // ---- configs
    Case {
        kind: "config",
        args: &["pre-release", "--dry-run"],
        env: &[],
        setup: |f| std::fs::create_dir(f.path().join("release-checks.toml")).unwrap(),
        cause: "release-checks.toml is a directory",
        hint: "UTF-8 TOML file",
    },
    Case {
        kind: "config",
        args: &["pre-release", "--dry-run"],
        env: &[],
        setup: |f| {
            std::os::unix::fs::symlink("missing.toml", f.path().join("release-checks.toml"))
                .unwrap()
        },
        cause: "release-checks.toml is a symlink to a file that does not exist",
        hint: "UTF-8 TOML file",
    },
    Case {
        kind: "config",
        args: &["pre-release", "--dry-run"],
        env: &[],
        setup: |f| std::fs::write(f.path().join("release-checks.toml"), b"[x]\n\xff\xfe\n").unwrap(),
        cause: "release-checks.toml is not UTF-8 text",
        hint: "UTF-8 TOML file",
    },
    Case {
        kind: "config",
        args: release!("0.5.0", "--no-github", "--execute"),
        env: &[],
        setup: |f| {
            // Committed, so the tree is clean and the gate runs, and refuses.
            f.repo.write("release-checks.toml", "[checks.unit-tests]\ntimeout = \"soon\"\n");
            f.repo.commit_all("chore: a broken release-checks.toml");
            f.repo.push();
        },
        cause: "release-checks.toml",
        hint: "",
    },
    // ---- environment
    Case {
        kind: "environment",
        args: release!("0.5.0", "--skip-gate", "--execute"),
        env: &[("GITHUB_TOKEN", "ghs_token_with_newline\n")],
        setup: NOTHING,
        cause: "GITHUB_TOKEN contains a line break",
        hint: "without spaces or a newline",
    },
    Case {
        kind: "environment",
        args: release!("0.5.0", "--skip-gate", "--execute"),
        env: &[("GITHUB_REPOSITORY", "notaslug")],
        setup: NOTHING,
        cause: "GITHUB_REPOSITORY=\"notaslug\" is not owner/repo",
        hint: "GITHUB_REPOSITORY=owner/repo",
    },
    Case {
        kind: "environment",
        args: release!("0.5.0", "--skip-gate", "--execute"),
        env: &[("GITHUB_API_URL", "ftp://api.example")],
        setup: NOTHING,
        cause: "GITHUB_API_URL=\"ftp://api.example\" is not an http(s) URL",
        hint: "set GITHUB_API_URL",
    },
    Case {
        kind: "environment",
        args: release!("0.5.0", "--skip-gate", "--no-github"),
        env: &[("SOURCE_DATE_EPOCH", "yesterday")],
        setup: NOTHING,
        cause: "SOURCE_DATE_EPOCH=\"yesterday\" is not a number of seconds",
        hint: "",
    },
    Case {
        kind: "environment",
        args: release!("0.5.0", "--skip-gate", "--no-github"),
        env: &[("XTASK_OUT", "{work}/plans")],
        setup: NOTHING,
        cause: "is inside the work tree and not ignored by git",
        hint: "XTASK_OUT",
    },
    // ---- paths
    Case {
        kind: "path",
        args: &["pre-release", "--report", "{root}", "--dry-run"],
        env: &[],
        setup: NOTHING,
        cause: "is a directory",
        hint: "pass a file path",
    },
    Case {
        kind: "path",
        args: &["pre-release", "--report", "/proc/xtask/report.json", "--dry-run"],
        env: &[],
        setup: NOTHING,
        cause: "cannot be written",
        hint: "a folder you can write to",
    },
    // ---- assets
    Case {
        kind: "asset",
        args: release!("0.5.0", "--skip-gate", "--asset", "/etc/passwd", "--execute"),
        env: &[],
        setup: NOTHING,
        cause: "--asset \"/etc/passwd\" is outside the project",
        hint: "glob of tracked files",
    },
    Case {
        kind: "asset",
        args: release!("0.5.0", "--skip-gate", "--asset", "docs/nothing-here/*.json", "--execute"),
        env: &[],
        setup: NOTHING,
        cause: "matches no tracked file",
        hint: "fix the glob",
    },
    Case {
        kind: "asset",
        args: release!("0.5.0", "--skip-gate", "--asset", "docs/SHA256SUMS", "--execute"),
        env: &[],
        setup: |f| {
            f.repo.write("docs/SHA256SUMS", "not the archive's\n");
            f.repo.commit_all("docs: a file named like an asset");
            f.repo.push();
        },
        cause: "the name SHA256SUMS is taken by the release archive's own assets",
        hint: "rename the file",
    },
    Case {
        kind: "asset",
        args: release!("0.5.0", "--skip-gate", "--asset", "docs/fa\u{e7}ade.txt", "--execute"),
        env: &[],
        setup: |f| {
            f.repo.write("docs/fa\u{e7}ade.txt", "x\n");
            f.repo.commit_all("docs: a non-ASCII name");
            f.repo.push();
        },
        cause: "cannot be predicted",
        hint: "rename the file",
    },
    Case {
        kind: "asset",
        args: release!("0.5.0", "--skip-gate", "--asset", "docs/a b.txt,docs/a.b.txt", "--execute"),
        env: &[],
        setup: |f| {
            f.repo.write("docs/a b.txt", "1\n");
            f.repo.write("docs/a.b.txt", "2\n");
            f.repo.commit_all("docs: two names GitHub stores alike");
            f.repo.push();
        },
        cause: "would both be uploaded as a.b.txt",
        hint: "rename the file",
    },
    // ---- reports
    Case {
        kind: "report",
        args: release!("0.5.0", "--no-github", "--gate-report", "{root}/partial.json", "--execute"),
        env: &[],
        setup: |f| {
            let head = f.repo.git(&["rev-parse", "HEAD"]).trim().to_string();
            let report = serde_json::json!({
                "tool": "xtask pre-release 0.1.0", "project": "codemate-hub", "commit": head,
                "target_version": "0.5.0", "started_at": "2026-01-02T03:00:00Z", "duration_ms": 1,
                "summary": {"pass": 1, "fail": 0, "blocked": 0, "skipped": 1, "manual": 0},
                "checks": [
                    {"id": "version-check", "section": "code-quality", "title": "version", "status": "pass",
                     "duration_ms": 1, "command": null, "log": null, "reason": null},
                    {"id": "unit-tests", "section": "code-quality", "title": "unit tests", "status": "skipped",
                     "duration_ms": 0, "command": null, "log": null, "reason": "not selected by --only"}
                ],
                "sign_offs": []
            });
            std::fs::write(f.repo.root().join("partial.json"), report.to_string()).unwrap();
        },
        cause: "is of a partial run: 1 check(s) left out by --only/--section/--skip (unit-tests)",
        hint: "pre-release --version 0.5.0",
    },
    Case {
        kind: "report",
        args: release!("0.5.0", "--no-github", "--gate-report", "{root}", "--execute"),
        env: &[],
        setup: NOTHING,
        cause: "cannot read the gate report",
        hint: "",
    },
];

fn expand(text: &str, f: &Fixture) -> String {
    text.replace("{root}", &f.repo.root().to_string_lossy())
        .replace("{work}", &f.path().to_string_lossy())
}

/// Runs one case against a fresh fixture and fake GitHub; returns the run and whether GitHub
/// was left as it was.
fn run_case(case: &Case, json: bool) -> (Run, bool, Fixture) {
    let f = Fixture::new();
    (case.setup)(&f);
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let before = f.snapshot();
    let github_before = github_state(&gh);
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("--project").arg(f.path());
    command.args(case.args.iter().map(|arg| expand(arg, &f)));
    if json {
        command.args(["--format", "json"]);
    }
    f.env(&mut command);
    point_at(&mut command, &gh);
    command.env("XTASK_GITHUB_READ_DEADLINE_S", "5");
    for (key, value) in case.env {
        command.env(key, expand(value, &f));
    }
    let run = f.run(&mut command);
    let label = format!("[{}] {:?}: {run:?}", case.kind, case.args);
    assert!(!run.stderr.contains("panicked at"), "a panic: {label}");
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked: {label}"
    );
    assert_eq!(
        f.snapshot(),
        before,
        "nothing changed in git or the files: {label}"
    );
    let writes: Vec<String> = gh
        .requests()
        .iter()
        .filter(|request| request.method != "GET")
        .map(|request| request.line())
        .collect();
    let unchanged = github_state(&gh) == github_before && writes.is_empty();
    (run, unchanged, f)
}

/// The `error:` line naming `cause` and the `hint:` line after it.
fn assert_refused(case: &Case, run: &Run) {
    let label = format!("[{}] {:?}: {run:?}", case.kind, case.args);
    assert_eq!(run.code, 2, "refused: {label}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with("error: ") && line.contains(case.cause))
        .unwrap_or_else(|| panic!("no `error: …{}…` line: {label}", case.cause));
    let hint = lines.get(at + 1).copied().unwrap_or_default();
    assert!(
        hint.starts_with("hint: ") && hint.contains(case.hint),
        "`hint: …{}…` follows the cause: {label}",
        case.hint
    );
}

#[test]
fn every_hostile_input_is_refused_by_the_contract() {
    for case in CASES {
        let (run, github_unchanged, _f) = run_case(case, false);
        assert_refused(case, &run);
        assert!(
            github_unchanged,
            "GitHub unchanged: [{}] {:?}",
            case.kind, case.args
        );
    }
}

/// The same refusals under `--format json`: one JSON document on stdout with `error`, `hint`
/// and `exit`, the human lines still on stderr (cases whose `--format` clap never reads are
/// left out: a usage error and the commands without `--format`).
#[test]
fn every_refusal_is_one_json_document_under_format_json() {
    for case in CASES
        .iter()
        .filter(|case| case.args[0] == "release" && case.args.len() > 1)
        .filter(|case| !case.args.contains(&"--bogus"))
    {
        let (run, _, _f) = run_case(case, true);
        assert_refused(case, &run);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|err| panic!("one JSON document ({err}): {:?} {run:?}", case.args));
        assert_eq!(doc["exit"], 2, "{doc}");
        assert!(
            doc["error"]
                .as_str()
                .is_some_and(|e| e.contains(case.cause)),
            "{doc}"
        );
        assert!(
            doc["hint"].as_str().is_some_and(|h| h.contains(case.hint)),
            "{doc}"
        );
    }
}

/// A legal name GitHub renames works: checked before the first write, uploaded under the name
/// GitHub keeps (`my file.txt` → `my.file.txt`), and a re-run finds the release complete.
#[test]
fn an_asset_github_renames_is_uploaded_under_the_kept_name() {
    let f = Fixture::new();
    f.repo.write("docs/my file.txt", "notes\n");
    f.repo.commit_all("docs: a file with a space");
    f.repo.push();
    let gh = FakeGithub::start(OWNER, REPO, TOKEN);
    let release = |args: &[&str]| {
        let mut command = f.command();
        command.args(args);
        point_at(&mut command, &gh);
        f.run(&mut command)
    };
    let args = [
        "0.5.0",
        "--skip-gate",
        "--asset",
        "docs/my file.txt",
        "--execute",
    ];
    let run = release(&args);
    assert_eq!(run.code, 0, "{run:?}");
    let names: Vec<String> = gh.releases()[0]
        .assets
        .iter()
        .map(|asset| asset.name.clone())
        .collect();
    assert!(names.contains(&"my.file.txt".to_string()), "{names:?}");
    let again = release(&args);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("is published with all"), "{again:?}");
    assert_eq!(gh.releases().len(), 1);
}

/// What the suite covers, by kind: docs/hostile-input.md lists the same kinds.
#[test]
fn the_docs_list_every_kind() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/hostile-input.md"),
    )
    .unwrap();
    for case in CASES {
        assert!(
            docs.contains(&format!("### {}", case.kind)) && docs.contains(case.cause),
            "docs/hostile-input.md lists [{}] {:?}",
            case.kind,
            case.cause
        );
    }
}
