//! The security section of the Pre-Release Checklist.
//!
//! - `secrets`: no secret in a tracked file (the `secrets` crate, `.secrets-allowlist`);
//! - `env-example`: every environment variable docker-compose*.yml and src/ read is in .env.example;
//! - `env-not-tracked`: no `.env` file is tracked by git;
//! - `image-scan`: the compose images have no HIGH or CRITICAL vulnerability (trivy or grype).
//!
//! docs/secrets.md documents all four.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use project::compose::Compose;
use project::FactError;
use regex::Regex;
use runner::{Log, Outcome};

use super::documentation::{display, files_under, pass_because};
use super::{Env, Native};

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, Native)] = &[
    ("secrets", secrets),
    ("env-example", env_example),
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
    let findings: Vec<String> = scan
        .findings
        .iter()
        .map(|f| format!("{}:{}: {} {}", f.path, f.line, f.rule, f.redacted))
        .collect();
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
    check_env_example(&env.project, log)
}

fn check_env_example(project: &Path, log: Log) -> Outcome {
    let Ok(example) = fs::read_to_string(project.join(ENV_EXAMPLE)) else {
        return Outcome::fail(format!(
            "{ENV_EXAMPLE} is missing: create it with every variable docker-compose*.yml and src/ read"
        ));
    };
    let documented = documented_vars(&example);
    let compose = compose_files(project);
    let python = files_under(project, "src", "py");

    // Variable → every `file:line` that reads it.
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut referenced = BTreeSet::new();
    for source in compose.iter().chain(&python) {
        let Ok(text) = fs::read_to_string(project.join(source)) else {
            return Outcome::blocked(format!("reading {}", display(source)));
        };
        let is_python = source.extension().is_some_and(|ext| ext == "py");
        let refs = if is_python {
            python_env_refs(&text)
        } else {
            compose_env_refs(&text)
        };
        for (var, line) in refs {
            let place = format!("{}:{line}", display(source));
            let ok = documented.contains(&var);
            writeln!(
                log,
                "{} {var} ({place})",
                if ok { "ok     " } else { "MISSING" }
            )
            .ok();
            if !ok {
                missing.entry(var.clone()).or_default().push(place);
            }
            referenced.insert(var);
        }
    }
    if missing.is_empty() {
        return pass_because(format!(
            "all {} variables read by {} are in {ENV_EXAMPLE}",
            referenced.len(),
            describe_sources(&compose, python.len())
        ));
    }
    let items: Vec<String> = missing
        .iter()
        .map(|(var, places)| format!("{var} ({})", places.join(", ")))
        .collect();
    Outcome::fail(format!(
        "{} variables missing from {ENV_EXAMPLE}: {}",
        items.len(),
        listed(&items)
    ))
}

/// "docker-compose.yml and 6 Python files in src/".
fn describe_sources(compose: &[PathBuf], python: usize) -> String {
    let mut parts: Vec<String> = compose.iter().map(|file| display(file)).collect();
    if python > 0 {
        parts.push(format!("{python} Python files in src/"));
    }
    match parts.as_slice() {
        [] => "nothing (no compose file, no src/**/*.py)".into(),
        [one] => one.clone(),
        [first @ .., last] => format!("{} and {last}", first.join(", ")),
    }
}

/// docker-compose*.yml / *.yaml and compose.yml / .yaml at the project root, sorted.
fn compose_files(project: &Path) -> Vec<PathBuf> {
    let is_compose = |name: &str| {
        (name.starts_with("docker-compose") || name.starts_with("compose"))
            && (name.ends_with(".yml") || name.ends_with(".yaml"))
    };
    let mut files: Vec<PathBuf> = fs::read_dir(project)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| is_compose(name))
        .map(PathBuf::from)
        .collect();
    files.sort();
    files
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

/// Variables a compose file takes from the host, with their 1-based line: `${VAR}`,
/// `${VAR:-default}`, `$VAR` (not `$$VAR`, compose's escaped dollar), and `environment:` entries
/// without a value (`- VAR`, `VAR:`), which compose passes through from the host.
fn compose_env_refs(text: &str) -> Vec<(String, usize)> {
    static INTERPOLATION: OnceLock<Regex> = OnceLock::new();
    static PASS_THROUGH: OnceLock<Regex> = OnceLock::new();
    let interpolation = INTERPOLATION.get_or_init(|| {
        Regex::new(r"(\$+)(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))").unwrap()
    });
    let pass_through = PASS_THROUGH.get_or_init(|| {
        Regex::new(r#"^\s*(?:-\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?|["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:\s*(?:null|~)?)\s*$"#)
            .unwrap()
    });

    let mut refs = Vec::new();
    let mut environment_indent: Option<usize> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = strip_yaml_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if environment_indent.is_some_and(|block| indent <= block) {
            environment_indent = None;
        }
        if environment_indent.is_some() {
            if let Some(captures) = pass_through.captures(line) {
                let var = captures.get(1).or_else(|| captures.get(2)).unwrap();
                refs.push((var.as_str().to_string(), index + 1));
            }
        }
        if line.trim_start().trim_start_matches("- ").trim_end() == "environment:" {
            environment_indent = Some(indent);
        }
        for captures in interpolation.captures_iter(line) {
            let escaped = captures[1].len() % 2 == 0;
            if !escaped {
                let var = captures.get(2).or_else(|| captures.get(3)).unwrap();
                refs.push((var.as_str().to_string(), index + 1));
            }
        }
    }
    refs
}

/// The line without a trailing `# comment` (a `#` at the start or after a blank, outside quotes).
fn strip_yaml_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (index, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(open), _) if c == open => quote = None,
            (None, '#') if previous.is_whitespace() => return &line[..index],
            _ => {}
        }
        previous = c;
    }
    line
}

/// Variables Python code reads, with their 1-based line: `os.getenv("X")`, `os.environ["X"]`,
/// `os.environ.get("X")`, `environ.get("X")` (and `setdefault`/`pop`), `getenv("X")`.
fn python_env_refs(text: &str) -> Vec<(String, usize)> {
    static READ: OnceLock<Regex> = OnceLock::new();
    let read = READ.get_or_init(|| {
        Regex::new(
            r#"(?-u:\b)(?:getenv|environ\.(?:get|setdefault|pop))\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']|(?-u:\b)environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\]"#,
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
    check_env_not_tracked(&env.project, log)
}

fn check_env_not_tracked(project: &Path, log: Log) -> Outcome {
    let files = match tracked_files(project) {
        Ok(files) => files,
        Err(outcome) => return outcome,
    };
    let tracked: Vec<String> = files
        .iter()
        .filter(|path| is_env_file(path))
        .map(|path| display(path))
        .collect();
    writeln!(
        log,
        "{} tracked files; .env files among them: {}",
        files.len(),
        tracked.len()
    )
    .ok();
    if tracked.is_empty() {
        return pass_because(format!(
            "no .env file among {} tracked files (templates .env.{{{}}} allowed)",
            files.len(),
            ENV_TEMPLATES.join(",")
        ));
    }
    Outcome::fail(format!(
        "tracked by git: {}: untrack with `git rm --cached <file>`, add it to .gitignore, and rotate \
         what it held",
        tracked.join(", ")
    ))
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
    Vulnerable,
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
                    "--severity",
                    SEVERITY,
                    "--exit-code",
                    "5",
                    image,
                ]
            }
            // grype exits 2 when --fail-on trips, 1 on its own errors.
            ScannerKind::Grype => vec![image, "--quiet", "--fail-on", "high"],
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
        log.write_all(&output.stdout).ok();
        log.write_all(&output.stderr).ok();
        let vulnerable_code = match self.kind {
            ScannerKind::Trivy => 5,
            ScannerKind::Grype => 2,
        };
        match output.status.code() {
            Some(0) => Verdict::Clean,
            Some(code) if code == vulnerable_code => Verdict::Vulnerable,
            _ => Verdict::Error(format!("{} {}", output.status, last_line(&output.stderr))),
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
        return Outcome::blocked(
            "neither trivy nor grype is installed: install one to scan images",
        );
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

    let (mut vulnerable, mut unscanned) = (Vec::new(), Vec::new());
    for image in &images {
        match scanner.scan(machine, project, image, log) {
            Verdict::Clean => {}
            Verdict::Vulnerable => vulnerable.push(image.clone()),
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
            "{} found {SEVERITY} vulnerabilities in {}{not_scanned} (details in the log)",
            scanner.name(),
            vulnerable.join(", ")
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
        .filter(|s| s.built)
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
    let text = fs::read_to_string(project.join(&compose.file)).unwrap_or_default();
    let variables = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| dotenv_value(project, name))
    };
    let project_name = compose_project_name(&text, project);
    Ok(compose
        .services
        .iter()
        .map(|service| match &service.image {
            Some(image) => interpolate(image, &variables),
            None => format!("{project_name}-{}", service.name),
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

/// Compose's project name: top-level `name:`, else `COMPOSE_PROJECT_NAME`, else the folder's
/// name; lowercased, characters compose drops removed.
fn compose_project_name(compose_text: &str, project: &Path) -> String {
    static NAME: OnceLock<Regex> = OnceLock::new();
    let name = NAME.get_or_init(|| Regex::new(r#"(?m)^name:\s*["']?([^"'\s#]+)"#).unwrap());
    let raw = name
        .captures(compose_text)
        .map(|c| c[1].to_string())
        .or_else(|| std::env::var("COMPOSE_PROJECT_NAME").ok())
        .unwrap_or_else(|| {
            project
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    raw.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// `NAME=value` from the project's .env, which compose reads too.
fn dotenv_value(project: &Path, name: &str) -> Option<String> {
    let text = fs::read_to_string(project.join(".env")).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim() == name).then(|| value.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// Compose interpolation of `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$VAR`.
fn interpolate(text: &str, variables: &dyn Fn(&str) -> Option<String>) -> String {
    static VARIABLE: OnceLock<Regex> = OnceLock::new();
    let variable = VARIABLE.get_or_init(|| {
        Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
            .unwrap()
    });
    variable
        .replace_all(text, |c: &regex::Captures<'_>| {
            let name = c.get(1).or_else(|| c.get(4)).unwrap().as_str();
            let value = variables(name);
            let empty_counts_as_unset = c.get(2).is_some_and(|colon| colon.as_str() == ":");
            match (value, c.get(3)) {
                (Some(value), Some(_)) if value.is_empty() && empty_counts_as_unset => {
                    c[3].to_string()
                }
                (Some(value), _) => value,
                (None, Some(default)) => default.as_str().to_string(),
                (None, None) => String::new(),
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests;
