//! The security section of the Pre-Release Checklist.
//!
//! - `secrets`: no secret in a tracked file (the `secrets` crate, `.secrets-allowlist`);
//! - `env-example`: every environment variable the compose files and src/ read is in .env.example;
//! - `compose-defaults`: no secret-named compose variable defaults to a literal;
//! - `env-not-tracked`: no `.env` file is tracked by git;
//! - `image-scan`: the compose images have no HIGH or CRITICAL vulnerability (trivy or grype).
//!
//! docs/secrets.md documents each.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use project::compose::Compose;
use project::FactError;
use regex_lite::Regex;
use runner::{Log, Outcome};

use super::documentation::{display, files_under, pass_because};
use super::{Env, Native};

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, Native)] = &[
    ("secrets", secrets),
    ("env-example", env_example),
    ("compose-defaults", compose_defaults),
    ("env-not-tracked", env_not_tracked),
    ("image-scan", image_scan),
];

/// How many items an outcome's reason lists before pointing at the log.
const REASON_ITEMS: usize = 10;

/// `items` joined with `; `, the first [`REASON_ITEMS`] of them and a count of the rest.
fn listed(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(REASON_ITEMS)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if items.len() > REASON_ITEMS {
        text.push_str(&format!(
            "; and {} more (see the log)",
            items.len() - REASON_ITEMS
        ));
    }
    text
}

fn tracked_files(project: &Path) -> Result<Vec<PathBuf>, Outcome> {
    let repo = git::Repo::new(project);
    if !repo.is_repo() {
        return Err(Outcome::blocked(format!(
            "{} is not a git repository, so there are no tracked files to check: run from a clone",
            project.display()
        )));
    }
    repo.tracked_files()
        .map_err(|err| Outcome::blocked(format!("listing tracked files: {err}")))
}

// ---------------------------------------------------------------------------------------------
// secrets

fn secrets(env: &Env, log: Log) -> Outcome {
    check_secrets(&env.project, log)
}

fn check_secrets(project: &Path, log: Log) -> Outcome {
    let files = match tracked_files(project) {
        Ok(files) => files,
        Err(outcome) => return outcome,
    };
    let allow = match secrets::load_allowlist(project) {
        Ok(allow) => allow,
        Err(err) => return Outcome::fail(format!("{err} (format: docs/secrets.md)")),
    };
    let scan = match secrets::scan_files(project, &files, &allow) {
        Ok(scan) => scan,
        Err(err) => return Outcome::blocked(err.to_string()),
    };
    let skipped = format!(
        "skipped {} binary, {} over {} KiB, {} deleted",
        scan.skipped_binary.len(),
        scan.skipped_large.len(),
        secrets::MAX_FILE_SIZE / 1024,
        scan.skipped_missing.len()
    );
    writeln!(
        log,
        "scanned {} of {} tracked files ({skipped})",
        scan.scanned,
        files.len()
    )
    .ok();
    writeln!(log, "{}: {} entries", secrets::ALLOWLIST_FILE, allow.len()).ok();
    for path in scan.skipped_binary.iter().chain(&scan.skipped_large) {
        writeln!(log, "skipped {}", display(path)).ok();
    }
    if scan.findings.is_empty() {
        return pass_because(format!(
            "no secrets in {} tracked files ({skipped})",
            scan.scanned
        ));
    }
    for finding in &scan.findings {
        writeln!(log, "{finding}").ok();
    }
    writeln!(
        log,
        "\nA false positive? Add `path:line`, `rule-id path-glob` or the finding's `sha256:...` \
         fingerprint to {}, or a `secrets:allow` comment on the line (docs/secrets.md).",
        secrets::ALLOWLIST_FILE
    )
    .ok();
    let findings: Vec<String> = scan.findings.iter().map(short_finding).collect();
    Outcome::fail(format!(
        "{} possible secrets in tracked files: {}",
        findings.len(),
        listed(&findings)
    ))
}

// ---------------------------------------------------------------------------------------------
// env-example

const ENV_EXAMPLE: &str = ".env.example";

fn env_example(env: &Env, log: Log) -> Outcome {
    check_env_example(&env.project, &env.compose, log)
}

fn check_env_example(project: &Path, compose: &Result<Compose, FactError>, log: Log) -> Outcome {
    let Ok(example) = fs::read_to_string(project.join(ENV_EXAMPLE)) else {
        return Outcome::fail(format!(
            "{ENV_EXAMPLE} is missing: create it with every variable the compose files and src/ read"
        ));
    };
    let documented = documented_vars(&example);
    // The compose files' variables, as compose reads them (crates/project's compose reader).
    let (compose_files, mut refs): (Vec<String>, Vec<(String, String)>) = match compose {
        Ok(compose) => (
            compose.files.clone(),
            compose
                .variables
                .iter()
                .map(|v| (v.name.clone(), format!("{}:{}", v.file, v.line)))
                .collect(),
        ),
        Err(FactError::Missing { .. }) => (Vec::new(), Vec::new()),
        Err(err) => return Outcome::fail(format!("the compose variables cannot be read: {err}")),
    };
    let python = files_under(project, "src", "py");
    // Python's own `ast` (one interpreter run shared with the other Python facts); without an
    // interpreter, the line reader.
    let facts = project::python::facts(project, project::python::MEMORY_SETUP);
    let mut unreadable = Vec::new();
    match &*facts {
        Ok(facts) => {
            writeln!(log, "src/ read with Python {}'s ast", facts.python).ok();
            refs.extend(
                facts
                    .env_reads
                    .iter()
                    .map(|read| (read.var.clone(), format!("{}:{}", read.file, read.line))),
            );
            unreadable.extend(facts.errors.iter().cloned());
        }
        Err(why) => {
            writeln!(log, "src/ read line by line: {why}").ok();
            for source in &python {
                let Ok(text) = fs::read_to_string(project.join(source)) else {
                    return Outcome::blocked(format!("reading {}", display(source)));
                };
                refs.extend(
                    python_env_refs(&text)
                        .into_iter()
                        .map(|(var, line)| (var, format!("{}:{line}", display(source)))),
                );
            }
        }
    }
    for error in &unreadable {
        writeln!(log, "UNREAD  {error}").ok();
    }
    let unread = match unreadable.as_slice() {
        [] => String::new(),
        files => format!("; not read (does not parse): {}", files.join("; ")),
    };

    // Variable → every `file:line` that reads it.
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut referenced = BTreeSet::new();
    for (var, place) in refs {
        let ok = documented.contains(&var);
        writeln!(
            log,
            "{} {var} ({place})",
            if ok { "ok     " } else { "MISSING" }
        )
        .ok();
        if !ok {
            let places = missing.entry(var.clone()).or_default();
            if !places.contains(&place) {
                places.push(place);
            }
        }
        referenced.insert(var);
    }
    if missing.is_empty() && unreadable.is_empty() {
        return pass_because(format!(
            "all {} variables read by {} are in {ENV_EXAMPLE}",
            referenced.len(),
            describe_sources(&compose_files, python.len())
        ));
    }
    if missing.is_empty() {
        return Outcome::fail(format!(
            "all {} variables read are in {ENV_EXAMPLE}, but {unread}",
            referenced.len(),
            unread = unread.trim_start_matches("; ")
        ));
    }
    let items: Vec<String> = missing
        .iter()
        .map(|(var, places)| format!("{var} ({})", places.join(", ")))
        .collect();
    Outcome::fail(format!(
        "{} variables missing from {ENV_EXAMPLE}: {}{unread}",
        items.len(),
        listed(&items)
    ))
}

/// "docker-compose.yml and 6 Python files in src/".
fn describe_sources(compose: &[String], python: usize) -> String {
    let mut parts: Vec<String> = compose.to_vec();
    if python > 0 {
        parts.push(format!("{python} Python files in src/"));
    }
    match parts.as_slice() {
        [] => "nothing (no compose file, no src/**/*.py)".into(),
        [one] => one.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// compose-defaults

fn compose_defaults(env: &Env, log: Log) -> Outcome {
    check_compose_defaults(&env.compose, log)
}

/// Words of a variable name that say it holds a secret.
const SECRET_WORDS: &[&str] = &[
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIALS",
];

/// `WEB_SECRET_KEY`, `DB_PASSWORD`, `API_TOKEN`: a word of the name (split on `_`) says secret.
fn is_secret_name(name: &str) -> bool {
    name.to_ascii_uppercase()
        .split('_')
        .any(|word| SECRET_WORDS.contains(&word))
}

/// A secret-named variable whose compose default (`${X:-...}`, `${X-...}`) is a literal ships
/// that secret to everyone who does not set it; an empty default or a `:?` error is fine.
fn check_compose_defaults(compose: &Result<Compose, FactError>, log: Log) -> Outcome {
    let compose = match compose {
        Ok(compose) => compose,
        Err(FactError::Missing { .. }) => {
            return pass_because("no compose file: no compose defaults to check")
        }
        Err(err) => return Outcome::fail(format!("the compose files cannot be read: {err}")),
    };
    let mut findings = Vec::new();
    let mut secret_named = 0;
    for variable in &compose.variables {
        if !is_secret_name(&variable.name) {
            continue;
        }
        secret_named += 1;
        let literal = variable.op.is_some_and(|op| op.is_default())
            && variable
                .operand
                .as_deref()
                .is_some_and(|d| !d.is_empty() && !d.contains('$'));
        let place = format!("{}:{}", variable.file, variable.line);
        writeln!(
            log,
            "{} {} ({place})",
            if literal { "LITERAL" } else { "ok     " },
            variable.name
        )
        .ok();
        if literal {
            findings.push(format!(
                "`{}` defaults to a literal in {place}: anyone who does not set it runs with a known secret",
                variable.name
            ));
        }
    }
    if findings.is_empty() {
        return pass_because(format!(
            "no literal default among {secret_named} secret-named variables of {}",
            compose.describe_files()
        ));
    }
    Outcome::fail(format!(
        "{} secret default{}: {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        listed(&findings)
    ))
}

/// `X=...` and `# X=...` (documented but commented out) lines of .env.example.
fn documented_vars(text: &str) -> BTreeSet<String> {
    static LINE: OnceLock<Regex> = OnceLock::new();
    let line = LINE.get_or_init(|| {
        Regex::new(r"^\s*#?\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=").unwrap()
    });
    text.lines()
        .filter_map(|l| line.captures(l))
        .map(|c| c[1].to_string())
        .collect()
}

/// Variables Python code reads, with their 1-based line: `os.getenv("X")`, `os.environ["X"]`,
/// `os.environ.get("X")`, `environ.get("X")` (and `setdefault`/`pop`), `getenv("X")`.
fn python_env_refs(text: &str) -> Vec<(String, usize)> {
    static READ: OnceLock<Regex> = OnceLock::new();
    let read = READ.get_or_init(|| {
        Regex::new(
            r#"\b(?:getenv|environ\.(?:get|setdefault|pop))\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']|\benviron\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"#,
        )
        .unwrap()
    });
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with('#'))
        .flat_map(|(index, line)| {
            read.captures_iter(line)
                .map(move |c| {
                    (
                        c.get(1).or_else(|| c.get(2)).unwrap().as_str().to_string(),
                        index + 1,
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// env-not-tracked

/// Env files meant to be committed: templates without values.
const ENV_TEMPLATES: &[&str] = &["example", "sample", "template"];

fn env_not_tracked(env: &Env, log: Log) -> Outcome {
    check_env_not_tracked(&env.project, &env.allow_env_files, log)
}

/// How a tracked env file is let through, for the failure's hint.
const ALLOW_ENV_FILE: &str = "[checks.env-not-tracked] allow_env_files = [\"FILE\"]";

fn check_env_not_tracked(project: &Path, allowed: &[String], log: Log) -> Outcome {
    let files = match tracked_files(project) {
        Ok(files) => files,
        Err(outcome) => return outcome,
    };
    let tracked: Vec<&PathBuf> = files.iter().filter(|path| is_env_file(path)).collect();
    writeln!(
        log,
        "{} tracked files; .env files among them: {}",
        files.len(),
        tracked.len()
    )
    .ok();
    let is_allowed = |path: &PathBuf| {
        let shown = display(path);
        allowed
            .iter()
            .any(|entry| entry.trim_start_matches("./") == shown)
    };
    let (allowed_files, refused): (Vec<&PathBuf>, Vec<&PathBuf>) =
        tracked.into_iter().partition(|path| is_allowed(path));
    for entry in allowed {
        if !allowed_files
            .iter()
            .any(|path| display(path) == entry.trim_start_matches("./"))
        {
            writeln!(
                log,
                "allowed in {}, not tracked: {entry}",
                checklist::OVERRIDE_FILE
            )
            .ok();
        }
    }
    // Allowed files pass only when the secret scan finds nothing in them.
    let leaks = match scan_allowed(project, &allowed_files, log) {
        Ok(leaks) => leaks,
        Err(outcome) => return outcome,
    };
    let refused: Vec<String> = refused.iter().map(|path| display(path)).collect();
    let mut problems = Vec::new();
    if !refused.is_empty() {
        problems.push(format!(
            "tracked by git: {}: untrack with `git rm --cached <file>`, add it to .gitignore, and rotate \
             what it held; or, if it holds no secrets (test values for CI), allow it in {} with \
             `{ALLOW_ENV_FILE}`",
            refused.join(", "),
            checklist::OVERRIDE_FILE
        ));
    }
    if !leaks.is_empty() {
        problems.push(format!(
            "allowed in {} but the secret scan finds {} possible secrets in {}: {}",
            checklist::OVERRIDE_FILE,
            leaks.len(),
            allowed_files
                .iter()
                .map(|p| display(p))
                .collect::<Vec<_>>()
                .join(", "),
            listed(&leaks)
        ));
    }
    if !problems.is_empty() {
        return Outcome::fail(problems.join("; "));
    }
    let allowed_note = if allowed_files.is_empty() {
        String::new()
    } else {
        format!(
            "; allowed in {} and free of secrets: {}",
            checklist::OVERRIDE_FILE,
            allowed_files
                .iter()
                .map(|p| display(p))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    pass_because(format!(
        "no .env file among {} tracked files (templates .env.{{{}}} allowed){allowed_note}",
        files.len(),
        ENV_TEMPLATES.join(",")
    ))
}

/// The secret scan's findings in the allowed env files, as `file:line: rule preview`.
fn scan_allowed(project: &Path, files: &[&PathBuf], log: Log) -> Result<Vec<String>, Outcome> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let allow = secrets::load_allowlist(project)
        .map_err(|err| Outcome::fail(format!("{err} (format: docs/secrets.md)")))?;
    let files: Vec<PathBuf> = files.iter().map(|path| path.to_path_buf()).collect();
    let scan = secrets::scan_files(project, &files, &allow)
        .map_err(|err| Outcome::blocked(err.to_string()))?;
    let unscanned: Vec<String> = scan
        .skipped_binary
        .iter()
        .chain(&scan.skipped_large)
        .map(|path| display(path))
        .collect();
    if !unscanned.is_empty() {
        return Err(Outcome::blocked(format!(
            "allowed in {} but the secret scan cannot read {} (binary or over {} KiB), so it cannot \
             say they hold no secret",
            checklist::OVERRIDE_FILE,
            unscanned.join(", "),
            secrets::MAX_FILE_SIZE / 1024
        )));
    }
    for finding in &scan.findings {
        writeln!(log, "{finding}").ok();
    }
    Ok(scan.findings.iter().map(short_finding).collect())
}

/// `file:line: rule preview`, as reasons show a finding (the log adds the fingerprint).
fn short_finding(finding: &secrets::Finding) -> String {
    format!(
        "{}:{}: {} {}",
        finding.path, finding.line, finding.rule, finding.redacted
    )
}

/// `.env` or `.env.<anything>` except the templates, in any folder.
fn is_env_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return false;
    };
    match name.strip_prefix(".env") {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('.')
            .is_some_and(|suffix| !ENV_TEMPLATES.contains(&suffix)),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// image-scan

/// Vulnerabilities at these severities fail the check (trivy's `--severity`; grype's
/// `--fail-on high` means the same: high and above).
const SEVERITY: &str = "HIGH,CRITICAL";

/// How to get a scanner, for the reason when neither is installed.
const INSTALL_SCANNER: &str = "trivy: `brew install trivy`, or `curl -sSfL \
    https://raw.githubusercontent.com/aquasecurity/trivy/main/contrib/install.sh | sh -s -- -b \
    /usr/local/bin`; or grype: `brew install grype`, or `curl -sSfL \
    https://raw.githubusercontent.com/anchore/grype/main/install.sh | sh -s -- -b /usr/local/bin`";

fn image_scan(env: &Env, log: Log) -> Outcome {
    check_image_scan(&env.project, &env.compose, &Machine::current(), log)
}

/// Where tools are looked up and run: the process's PATH (tests pass their own).
struct Machine {
    path: OsString,
}

impl Machine {
    fn current() -> Machine {
        Machine {
            path: std::env::var_os("PATH").unwrap_or_default(),
        }
    }

    /// The executable `tool` on PATH.
    fn find(&self, tool: &str) -> Option<PathBuf> {
        super::tools::find_executable(&self.path, tool)
    }

    fn run(&self, program: &Path, args: &[&str], dir: &Path) -> std::io::Result<Output> {
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("PATH", &self.path)
            .output()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScannerKind {
    Trivy,
    Grype,
}

struct Scanner {
    kind: ScannerKind,
    program: PathBuf,
}

enum Verdict {
    Clean,
    Vulnerable(Vec<vulns::Vulnerability>),
    /// The scanner could not scan (no network for its database, image not found, ...).
    Error(String),
}

impl Scanner {
    /// trivy first, then grype.
    fn find(machine: &Machine) -> Option<Scanner> {
        [("trivy", ScannerKind::Trivy), ("grype", ScannerKind::Grype)]
            .into_iter()
            .find_map(|(tool, kind)| machine.find(tool).map(|program| Scanner { kind, program }))
    }

    fn name(&self) -> &'static str {
        match self.kind {
            ScannerKind::Trivy => "trivy",
            ScannerKind::Grype => "grype",
        }
    }

    fn args<'a>(&self, image: &'a str) -> Vec<&'a str> {
        match self.kind {
            // A dedicated exit code tells "vulnerabilities found" from trivy's own errors (1).
            ScannerKind::Trivy => {
                vec![
                    "image",
                    "--quiet",
                    "--no-progress",
                    "--format",
                    "json",
                    "--severity",
                    SEVERITY,
                    "--exit-code",
                    "5",
                    image,
                ]
            }
            // grype exits 2 when --fail-on trips, 1 on its own errors.
            ScannerKind::Grype => vec![image, "--quiet", "--output", "json", "--fail-on", "high"],
        }
    }

    fn scan(&self, machine: &Machine, project: &Path, image: &str, log: Log) -> Verdict {
        let args = self.args(image);
        writeln!(log, "$ {} {}", self.name(), args.join(" ")).ok();
        let output = match machine.run(&self.program, &args, project) {
            Ok(output) => output,
            Err(err) => {
                return Verdict::Error(format!("running {}: {err}", self.program.display()))
            }
        };
        log.write_all(&output.stderr).ok();
        let vulnerable_code = match self.kind {
            ScannerKind::Trivy => 5,
            ScannerKind::Grype => 2,
        };
        match output.status.code() {
            Some(code) if code == 0 || code == vulnerable_code => {}
            _ => return Verdict::Error(format!("{} {}", output.status, last_line(&output.stderr))),
        }
        // The JSON report, not the exit code, says what was found: a report that cannot be
        // read is an error, never a pass.
        let json = String::from_utf8_lossy(&output.stdout);
        let found = match self.kind {
            ScannerKind::Trivy => vulns::from_trivy(&json),
            ScannerKind::Grype => vulns::from_grype(&json),
        };
        match found {
            Ok(found) if found.is_empty() => {
                writeln!(log, "{image}: no {SEVERITY} vulnerability").ok();
                Verdict::Clean
            }
            Ok(found) => {
                for vulnerability in &found {
                    writeln!(log, "{image}: {}", vulnerability.describe()).ok();
                }
                Verdict::Vulnerable(found)
            }
            Err(why) => {
                log.write_all(&output.stdout).ok();
                Verdict::Error(why)
            }
        }
    }
}

fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or("")
        .to_string()
}

fn check_image_scan(
    project: &Path,
    compose: &Result<Compose, FactError>,
    machine: &Machine,
    log: Log,
) -> Outcome {
    let Some(scanner) = Scanner::find(machine) else {
        return Outcome::blocked(format!(
            "neither trivy nor grype is installed: install one to scan images ({INSTALL_SCANNER})"
        ));
    };
    let compose = match compose {
        Ok(compose) => compose,
        Err(FactError::Missing { .. }) => {
            return pass_because("no compose file: the project has no images to scan")
        }
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let images = match compose_images(project, compose, machine, log) {
        Ok(images) => images,
        Err(outcome) => return outcome,
    };
    writeln!(
        log,
        "{} with severity {SEVERITY}: {}",
        scanner.name(),
        images.join(", ")
    )
    .ok();

    let (mut vulnerable, mut found, mut unscanned) = (Vec::new(), Vec::new(), Vec::new());
    for image in &images {
        match scanner.scan(machine, project, image, log) {
            Verdict::Clean => {}
            Verdict::Vulnerable(vulnerabilities) => {
                vulnerable.push(image.clone());
                found.extend(
                    vulnerabilities
                        .iter()
                        .map(|v| format!("{image}: {}", v.describe())),
                );
            }
            Verdict::Error(why) => unscanned.push(format!("{image} ({why})")),
        }
    }
    let not_scanned = if unscanned.is_empty() {
        String::new()
    } else {
        format!("; not scanned: {}", unscanned.join(", "))
    };
    if !vulnerable.is_empty() {
        return Outcome::fail(format!(
            "{} found {} {SEVERITY} vulnerabilities in {}{not_scanned}: {}",
            scanner.name(),
            found.len(),
            vulnerable.join(", "),
            listed(&found)
        ));
    }
    if !unscanned.is_empty() {
        return Outcome::blocked(format!(
            "{} could not scan {}",
            scanner.name(),
            unscanned.join(", ")
        ));
    }
    pass_because(format!(
        "{}: no {SEVERITY} vulnerabilities in {}",
        scanner.name(),
        images.join(", ")
    ))
}

/// The images of the compose file: `docker compose config --images` when docker is here,
/// else the `image:` values (interpolated) and `<project>-<service>` for built services.
/// Built images exist only in the local engine, so they need a reachable Docker engine.
fn compose_images(
    project: &Path,
    compose: &Compose,
    machine: &Machine,
    log: Log,
) -> Result<Vec<String>, Outcome> {
    let built: Vec<&str> = compose
        .services
        .iter()
        .filter(|s| s.built && s.active)
        .map(|s| s.name.as_str())
        .collect();
    let docker = machine.find("docker");
    if !built.is_empty() {
        let why = match &docker {
            None => Some("`docker` is not on PATH".to_string()),
            Some(docker) => docker_engine_unreachable(machine, docker, project),
        };
        if let Some(why) = why {
            return Err(Outcome::blocked(format!(
                "service {} is built locally, so its image is in the Docker engine, but {why}: start Docker \
                 (and build with scripts/build.sh) to scan it",
                built.join(", ")
            )));
        }
    }
    if let Some(docker) = &docker {
        match machine.run(docker, &["compose", "config", "--images"], project) {
            Ok(output) if output.status.success() => {
                let images: Vec<String> = String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect();
                if !images.is_empty() {
                    return Ok(images);
                }
            }
            Ok(output) => {
                writeln!(
                    log,
                    "`docker compose config --images` failed ({}): reading {} instead",
                    last_line(&output.stderr),
                    compose.file
                )
                .ok();
            }
            Err(err) => {
                writeln!(
                    log,
                    "`docker compose config --images`: {err}: reading {} instead",
                    compose.file
                )
                .ok();
            }
        }
    }
    // The reader has interpolated `image:` already; a built service without one is
    // `<project>-<service>`.
    Ok(compose
        .services
        .iter()
        .filter(|service| service.active)
        .map(|service| match &service.image {
            Some(image) => image.clone(),
            None => format!("{}-{}", compose.project_name, service.name),
        })
        .collect())
}

/// Why the Docker engine does not answer, or `None` when it does (the one probe of `tools`).
fn docker_engine_unreachable(machine: &Machine, docker: &Path, project: &Path) -> Option<String> {
    match machine.run(docker, &super::tools::DOCKER_PROBE, project) {
        Ok(output) => super::tools::docker_engine_unreachable(&output),
        Err(err) => Some(format!("`docker info` could not run: {err}")),
    }
}

mod vulns;

#[cfg(test)]
mod tests;
