//! Layer 1, the pre-release gate: `pre-release --version X.Y.Z` must have passed for HEAD's commit,
//! run here as a child process of this same binary, or read from `--gate-report PATH`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use runner::{Report, Status};
use xshell::{cmd, Shell};

use git::short;

use super::vocab::{Check, Options, Problem, Release};

/// What the release record says about the gate.
pub enum Evidence {
    /// A passing report for HEAD and this version.
    Passed { report: Box<Report>, path: PathBuf },
    /// `--skip-gate`: released without the gate, and the record says so.
    Skipped,
    /// Resuming after the release commit: the gate passed before it, as its record shows.
    Recorded { commit: String },
}

impl Evidence {
    /// `verdict` and `report` for `GITHUB_OUTPUT`, as `pre-release` writes them: `ready` and
    /// the report's path; `skipped` (`--skip-gate`) or `recorded` (decided before the release
    /// commit), with no report.
    pub fn outputs(&self) -> [(&'static str, String); 2] {
        let (verdict, report) = match self {
            Evidence::Passed { report, path } => (report.verdict(), path.display().to_string()),
            Evidence::Skipped => ("skipped", String::new()),
            Evidence::Recorded { .. } => ("recorded", String::new()),
        };
        [("verdict", verdict.to_string()), ("report", report)]
    }

    pub fn summary(&self) -> String {
        match self {
            Evidence::Passed { report, path } => {
                let s = &report.summary;
                format!(
                    "passed for {} ({} pass, {} manual, {} skipped; {})",
                    short(report.commit.as_deref().unwrap_or("?")),
                    s.pass,
                    s.manual,
                    s.skipped,
                    path.display()
                )
            }
            Evidence::Skipped => "skipped (--skip-gate), recorded in the release record".into(),
            Evidence::Recorded { commit } => {
                format!(
                    "decided before the release commit {} (see the release record in it)",
                    short(commit)
                )
            }
        }
    }
}

/// Runs the gate (or reads `report_path`) and checks it passed for `head` and this version.
/// The gate it runs gets the `--sign-off`s of `opts`, and shows its progress when asked.
pub fn check(
    r: &Release,
    report_path: Option<&Path>,
    head: &str,
    opts: &Options,
) -> Result<Evidence, Problem> {
    let path = match report_path {
        Some(path) => path.to_path_buf(),
        None => run_gate(r, opts).map_err(|err| {
            let fix = err
                .downcast_ref::<xtask::exit::Exit>()
                .and_then(|exit| exit.fix.clone())
                .unwrap_or_else(|| "run `cargo xtask pre-release` to see why".into());
            Problem::new(
                Check::Gate,
                format!("running the pre-release gate: {err:#}"),
                fix,
            )
        })?,
    };
    let text = std::fs::read_to_string(&path).map_err(|err| {
        Problem::new(
            Check::Gate,
            format!("cannot read the gate report {}: {err}", path.display()),
            "pass the --report file of `cargo xtask pre-release --version X.Y.Z --format json`",
        )
    })?;
    let report = Report::from_json(&text).map_err(|err| {
        Problem::new(
            Check::Gate,
            format!("{} is not a pre-release report: {err}", path.display()),
            "pass the --report file of `cargo xtask pre-release --format json`",
        )
    })?;
    let rerun = format!(
        "run `cargo xtask pre-release --version {} --format json --report PATH` on HEAD",
        r.version
    );
    if report.commit.as_deref() != Some(head) {
        return Err(Problem::new(
            Check::Gate,
            format!(
                "the gate report {} is for commit {}, HEAD is {}",
                path.display(),
                report.commit.as_deref().map_or("none", short),
                short(head)
            ),
            rerun,
        ));
    }
    if report.target_version.as_deref() != Some(&r.version.to_string()) {
        return Err(Problem::new(
            Check::Gate,
            format!(
                "the gate report {} is for version {}, not {}",
                path.display(),
                report.target_version.as_deref().unwrap_or("none"),
                r.version
            ),
            rerun,
        ));
    }
    let partial: Vec<&str> = report
        .checks
        .iter()
        .filter(|check| {
            check.status == Status::Skipped
                && check
                    .reason
                    .as_deref()
                    .is_some_and(xtask::pre_release::left_out_by_flag)
        })
        .map(|check| check.id.as_str())
        .collect();
    if !partial.is_empty() {
        return Err(Problem::new(
            Check::Gate,
            format!(
                "the gate report {} is of a partial run: {} check(s) left out by --only/--section/--skip ({}{})",
                path.display(),
                partial.len(),
                partial.iter().take(3).copied().collect::<Vec<_>>().join(", "),
                if partial.len() > 3 { ", …" } else { "" }
            ),
            rerun,
        ));
    }
    if report.exit_code() != 0 {
        let failed: Vec<String> = report
            .checks
            .iter()
            .filter(|check| matches!(check.status, Status::Fail | Status::Blocked))
            .map(|check| format!("{} {}", check.id, check.status))
            .collect();
        return Err(Problem::new(
            Check::Gate,
            format!(
                "the pre-release gate did not pass: {}{}",
                failed
                    .iter()
                    .take(6)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
                match failed.len() {
                    n if n > 6 => format!(" and {} more", n - 6),
                    _ => String::new(),
                }
            ),
            format!(
                "fix what failed (report: {}), or pass --skip-gate to release anyway",
                path.display()
            ),
        ));
    }
    Ok(Evidence::Passed {
        report: Box::new(report),
        path,
    })
}

/// `<this exe> --project P pre-release --version X.Y.Z --format json --report <out>/release/vX.Y.Z.gate.json`;
/// its output goes to `<out>/release/vX.Y.Z.gate.log`. With `opts.progress` it runs with
/// human output instead, its stderr (a line per finished check, as `pre-release` prints them
/// when not on a terminal) shown as it comes, each line indented; stdout only holds the
/// release's own output either way.
fn run_gate(r: &Release, opts: &Options) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(&r.out).with_context(|| format!("creating {}", r.out.display()))?;
    let report = r.out_file("gate.json");
    let log = r.out_file("gate.log");
    let _ = std::fs::remove_file(&report);
    let exe = std::env::current_exe().context("locating this executable")?;
    let sh = Shell::new()?;
    let (project, version) = (&r.project, r.version.to_string());
    // The Python tools' caches go to the out dir, not the project: a planned release leaves
    // the work tree as it was (no .pytest_cache/, .ruff_cache/, .mypy_cache/, __pycache__/).
    let cache = r.out.join("cache");
    let addopts = match std::env::var("PYTEST_ADDOPTS") {
        Ok(own) if !own.trim().is_empty() => format!("{own} -p no:cacheprovider"),
        _ => "-p no:cacheprovider".to_string(),
    };
    let format = if opts.progress { "human" } else { "json" };
    let sign_offs = opts
        .sign_offs
        .iter()
        .flat_map(|value| ["--sign-off", value.as_str()]);
    let command = cmd!(
        sh,
        "{exe} --project {project} pre-release --version {version} --format {format} --report {report} {sign_offs...}"
    )
    .env("PYTHONDONTWRITEBYTECODE", "1")
    .env("PYTHONPYCACHEPREFIX", cache.join("pycache"))
    .env("PYTEST_ADDOPTS", addopts)
    .env("RUFF_CACHE_DIR", cache.join("ruff"))
    .env("MYPY_CACHE_DIR", cache.join("mypy"))
    .env("BLACK_CACHE_DIR", cache.join("black"))
    // The release writes the gate's verdict and report to GITHUB_OUTPUT itself, once.
    .env_remove("GITHUB_OUTPUT")
    .quiet()
    .ignore_status();
    if opts.progress {
        eprintln!(
            "running the pre-release gate for {version} (pre-release --version {version}; log: {})…",
            log.display()
        );
    }
    let out = match opts.progress {
        true => shown_output(std::process::Command::from(command), "  gate ")
            .context("starting the pre-release gate")?,
        false => command.output().context("starting the pre-release gate")?,
    };
    let mut text = out.stdout;
    text.extend_from_slice(&out.stderr);
    std::fs::write(&log, text).with_context(|| format!("writing {}", log.display()))?;
    if !report.is_file() {
        // The gate refused before running (a broken release-checks.toml, say): its own
        // `error:` line is the cause.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = |prefix: &str| stderr.lines().find_map(|line| line.strip_prefix(prefix));
        match line("error: ") {
            Some(cause) => {
                return Err(xtask::exit::Exit::refused(
                    format!("{cause} (the gate's output is in {})", log.display()),
                    line("hint: ").unwrap_or("run `cargo xtask pre-release` to see why"),
                )
                .into())
            }
            None => anyhow::bail!(
                "it wrote no report (exit {}); its output is in {}",
                out.status,
                log.display()
            ),
        }
    }
    Ok(report)
}

/// Runs `command` with its stdout captured and its stderr both captured and shown on this
/// process's stderr line by line, each line after `prefix` (but its `error:`/`hint:` lines).
fn shown_output(
    mut command: std::process::Command,
    prefix: &str,
) -> std::io::Result<std::process::Output> {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let mut stderr = Vec::new();
    let mut lines = BufReader::new(child.stderr.take().expect("piped"));
    let mut line = Vec::new();
    while lines.read_until(b'\n', &mut line)? > 0 {
        // Its `error:`/`hint:` become the release's own (printed once, by it); workflow
        // commands (`::error …`) keep the start of the line GitHub Actions reads them at.
        let own = line.starts_with(b"error: ") || line.starts_with(b"hint: ");
        if !own {
            let mut shown = std::io::stderr().lock();
            if !line.starts_with(b"::") {
                let _ = shown.write_all(prefix.as_bytes());
            }
            let _ = shown.write_all(&line);
            if !line.ends_with(b"\n") {
                let _ = shown.write_all(b"\n");
            }
        }
        stderr.extend_from_slice(&line);
        line.clear();
    }
    let status = child.wait()?;
    let stdout = reader
        .join()
        .map_err(|_| std::io::Error::other("reading the gate's output"))??;
    Ok(std::process::Output {
        status,
        stdout,
        stderr,
    })
}
