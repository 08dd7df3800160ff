//! The compose project as `docker compose` reads it (the Compose Specification): which files
//! (`COMPOSE_FILE`, else the default file and its override, merged), the project environment
//! (the shell, then `.env`), interpolation, ports in short and long syntax, profiles
//! (`COMPOSE_PROFILES`), the project name and the default container names; `include:` and
//! service `extends:` are resolved as compose-go resolves them (see `extend`).
//!
//! A fact that cannot be read is a [`Finding`] at its `file:line`; the other facts are still read.

pub mod dotenv;
mod extend;
pub mod interpolate;
pub mod ports;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

pub use interpolate::Op;
pub use ports::Port;
use yaml::{Node, Value};

use crate::FactError;

/// One service of the compose project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub container_name: Option<String>,
    /// `container_name`, else compose's default `<project>-<service>-1`.
    container: String,
    pub image: Option<String>,
    /// True when the service is built from a Dockerfile of the project.
    pub built: bool,
    /// Ports the service publishes (a range stands for one entry per port).
    pub ports: Vec<Port>,
    pub profiles: Vec<String>,
    /// False when the service has profiles none of which is enabled.
    pub active: bool,
    /// `environment:` after interpolation and merging; `None` passes the shell's value through.
    pub environment: Vec<(String, Option<String>)>,
    /// Where the service is declared (the first file that declares it).
    pub file: String,
    pub line: usize,
}

impl Service {
    /// The name `docker exec` takes: `container_name`, else `<project>-<service>-1`.
    pub fn container(&self) -> &str {
        &self.container
    }

    /// The fixed host port that maps to `container_port`, else the first fixed one published.
    pub fn host_port(&self, container_port: u16) -> Option<u16> {
        let exact = self
            .ports
            .iter()
            .find(|p| p.target == container_port && p.host().is_some());
        exact
            .or_else(|| self.ports.iter().find(|p| p.host().is_some()))
            .and_then(Port::host)
    }

    /// True when the service name or image mentions `what` (e.g. "ollama").
    pub fn is(&self, what: &str) -> bool {
        self.name.contains(what)
            || self
                .image
                .as_deref()
                .is_some_and(|image| image.contains(what))
    }
}

/// A variable a compose file refers to, where, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub file: String,
    pub line: usize,
    /// `${NAME<op>operand}`; `None` for `$NAME`, `${NAME}` and pass-through.
    pub op: Option<Op>,
    pub operand: Option<String>,
    /// An `environment:` entry without a value: the shell's value goes into the container.
    pub pass_through: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Compose warns and goes on (an unset variable becomes "").
    Warning,
    /// Compose refuses the project, or the fact cannot be read.
    Error,
}

/// Something in the compose project that is not right, at its `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub severity: Severity,
    /// The service the finding is about, if any.
    pub service: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The compose project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compose {
    /// The first compose file (the one that names the project directory).
    pub file: String,
    /// Every file read, in merge order.
    pub files: Vec<String>,
    /// The compose files read through `include:` and `extends: {file}`, in reading order.
    pub included: Vec<String>,
    /// The env files of included projects compose reads if present (`<dir>/.env` by default),
    /// whether they were there or not: to put a tag's beside its files.
    pub include_env_files: Vec<String>,
    /// Env files read for interpolation (`.env` by default; then those of included projects).
    pub env_files: Vec<String>,
    pub project_name: String,
    /// Where the project name came from.
    pub project_name_from: String,
    /// The enabled profiles (`COMPOSE_PROFILES`).
    pub profiles: Vec<String>,
    pub services: Vec<Service>,
    pub variables: Vec<Variable>,
    pub findings: Vec<Finding>,
}

/// The compose file names docker compose looks for, in its order.
pub const COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override files looked for next to the default file, in compose's order.
pub const OVERRIDE_FILES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// The project environment: the shell first, then the env files.
struct Environment<'a> {
    shell: &'a dyn Fn(&str) -> Option<String>,
    files: BTreeMap<String, String>,
}

impl Environment<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.shell)(name).or_else(|| self.files.get(name).cloned())
    }
}

impl Compose {
    /// Reads the project's compose files with the process environment.
    pub fn load(project: &Path) -> Result<Compose, FactError> {
        Compose::load_with(project, &|name| std::env::var(name).ok())
    }

    /// Reads the project's compose files; `shell` is the environment compose would run in.
    pub fn load_with(
        project: &Path,
        shell: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Compose, FactError> {
        let mut findings = Vec::new();
        let (env, env_files) = environment(project, shell, &mut findings)?;
        let files = compose_files(&|file| project.join(file).is_file(), &env, &mut findings)?;
        let mut variables = Vec::new();
        let mut merged: Option<Node> = None;
        let mut declared: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut loader = extend::Loader::new(project, &mut variables, &mut findings);
        // Relative paths in every file resolve against the first file's directory.
        let base = extend::dir_of(&files[0]).to_string();
        for file in &files {
            let root = loader.load_file(file, &env, &base, &[], &mut declared)?;
            merged = Some(match merged {
                None => root,
                Some(base) => merge(base, root, ""),
            });
        }
        let (included, include_env_files, more_env_files) = loader.finish();
        let mut env_files = env_files;
        env_files.extend(more_env_files);
        let root = merged.unwrap_or(Node {
            line: 1,
            tag: None,
            value: Value::Null,
        });
        let first = files[0].clone();
        let Some(Value::Map(services)) = root.get("services").map(|s| &s.value) else {
            return Err(FactError::invalid(&first, "no `services:` mapping".into()));
        };
        let (project_name, project_name_from) =
            project_name(project, &root, &env, &first, &mut findings);
        let profiles: Vec<String> = env
            .get("COMPOSE_PROFILES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let services = services
            .iter()
            .map(|(name, node)| {
                let (file, line) = declared
                    .get(name)
                    .cloned()
                    .unwrap_or((first.clone(), node.line));
                let mut at = Place {
                    file: &file,
                    service: name,
                    findings: &mut findings,
                };
                read_service(name, node, &project_name, &profiles, &mut at, line)
            })
            .collect();
        Ok(Compose {
            file: first,
            files,
            included,
            include_env_files,
            env_files,
            project_name,
            project_name_from,
            profiles,
            services,
            variables,
            findings,
        })
    }

    /// The compose files [`Compose::load_with`] would read in `project` if the files `exists`
    /// accepts were there: to read another tree's (a tag's) with `project`'s env files.
    pub fn files_with(
        project: &Path,
        shell: &dyn Fn(&str) -> Option<String>,
        exists: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<String>, FactError> {
        let (env, _) = environment(project, shell, &mut Vec::new())?;
        compose_files(exists, &env, &mut Vec::new())
    }

    /// The file an `include:`, an `extends: {file}` or an include's `env_file:` names when `err`
    /// (from [`Compose::load_with`]) says it is not there.
    pub fn missing_reference(err: &FactError) -> Option<&str> {
        extend::missing_reference(err)
    }

    /// The files read, for a reason: `docker-compose.yml + docker-compose.override.yml`.
    pub fn describe_files(&self) -> String {
        self.files.join(" + ")
    }

    /// The first service whose name or image mentions `what`, active or not.
    pub fn service(&self, what: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.is(what))
    }

    /// The service `docker compose up` would run for `what`, or why there is none: no such
    /// service, or only in profiles that are not enabled.
    pub fn running(&self, what: &str) -> Result<&Service, String> {
        let Some(service) = self
            .services
            .iter()
            .find(|s| s.is(what) && s.active)
            .or_else(|| self.service(what))
        else {
            return Err(format!("{} has no {what} service", self.describe_files()));
        };
        if service.active {
            return Ok(service);
        }
        let enabled = if self.profiles.is_empty() {
            "none is enabled".to_string()
        } else {
            format!("COMPOSE_PROFILES enables {}", self.profiles.join(","))
        };
        Err(format!(
            "service `{}` ({}:{}) runs only with profile {} and {enabled}: it is inactive",
            service.name,
            service.file,
            service.line,
            service.profiles.join(", ")
        ))
    }

    /// The application container: the service named `app` or built from the project's
    /// Dockerfile (codemate-hub's `coding-assistant`).
    pub fn app(&self) -> Option<&Service> {
        let named = self
            .services
            .iter()
            .find(|s| s.container() == "coding-assistant" || s.name == "app");
        named.or_else(|| self.services.iter().find(|s| s.built))
    }

    /// The findings about `service`.
    pub fn findings_for<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a Finding> {
        self.findings
            .iter()
            .filter(move |f| f.service.as_deref() == Some(service))
    }
}

/// The env files compose reads for interpolation: `COMPOSE_ENV_FILES` (read from the shell
/// only), else `.env` unless `COMPOSE_DISABLE_ENV_FILE`; `true` when they are named, so required.
pub fn env_files(shell: &dyn Fn(&str) -> Option<String>) -> (Vec<String>, bool) {
    let disabled = shell("COMPOSE_DISABLE_ENV_FILE")
        .is_some_and(|v| matches!(v.to_lowercase().as_str(), "1" | "true" | "yes"));
    match shell("COMPOSE_ENV_FILES") {
        Some(list) if !list.is_empty() => (list.split(',').map(str::to_string).collect(), true),
        _ if disabled => (Vec::new(), false),
        _ => (vec![".env".to_string()], false),
    }
}

/// The shell environment, then the [`env_files`]. A malformed line is a finding; the rest is
/// read.
fn environment<'a>(
    project: &Path,
    shell: &'a dyn Fn(&str) -> Option<String>,
    findings: &mut Vec<Finding>,
) -> Result<(Environment<'a>, Vec<String>), FactError> {
    let (names, required) = env_files(shell);
    let mut env = Environment {
        shell,
        files: BTreeMap::new(),
    };
    let mut read = Vec::new();
    for name in names {
        let text = match crate::read(project, &name) {
            Ok(text) => text,
            Err(FactError::Missing { .. }) if !required => continue,
            Err(FactError::Missing { .. }) => {
                return Err(FactError::missing(
                    &name,
                    "named by COMPOSE_ENV_FILES, not found",
                ))
            }
            Err(err) => return Err(err),
        };
        let earlier = env.files.clone();
        let lookup = |key: &str| shell(key).or_else(|| earlier.get(key).cloned());
        let (entries, errors) = dotenv::parse(&text, &lookup);
        for (line, why) in errors {
            findings.push(Finding {
                file: name.clone(),
                line,
                severity: Severity::Error,
                service: None,
                message: format!("{why} (compose refuses this line)"),
            });
        }
        for entry in entries {
            env.files.insert(entry.key, entry.value);
        }
        read.push(name);
    }
    Ok((env, read))
}

/// `COMPOSE_FILE` (split on `COMPOSE_PATH_SEPARATOR`, else `:`), else the first default file
/// present plus its override file; `exists` says which files are present.
fn compose_files(
    exists: &dyn Fn(&str) -> bool,
    env: &Environment<'_>,
    findings: &mut Vec<Finding>,
) -> Result<Vec<String>, FactError> {
    if let Some(list) = env.get("COMPOSE_FILE").filter(|l| !l.is_empty()) {
        let separator = env
            .get("COMPOSE_PATH_SEPARATOR")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| ":".into());
        let files: Vec<String> = list
            .split(separator.as_str())
            .filter(|f| !f.is_empty())
            .map(|f| f.trim_start_matches("./").to_string())
            .collect();
        for file in &files {
            if !exists(file) {
                return Err(FactError::missing(
                    file,
                    &format!("named by COMPOSE_FILE={list}, not found"),
                ));
            }
        }
        if !files.is_empty() {
            return Ok(files);
        }
    }
    let present = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|name| exists(name))
            .map(|name| name.to_string())
            .collect()
    };
    let defaults = present(COMPOSE_FILES);
    let Some(first) = defaults.first().cloned() else {
        return Err(FactError::missing(
            "docker-compose.yml",
            "the project has no compose file",
        ));
    };
    if defaults.len() > 1 {
        findings.push(Finding {
            file: first.clone(),
            line: 1,
            severity: Severity::Warning,
            service: None,
            message: format!(
                "found several compose files ({}): compose uses {first}",
                defaults.join(", ")
            ),
        });
    }
    let mut files = vec![first];
    files.extend(present(OVERRIDE_FILES).into_iter().take(1));
    Ok(files)
}

/// Interpolates one file's values (never keys), recording every variable and every problem.
struct Interpolation<'a> {
    file: &'a str,
    env: &'a Environment<'a>,
    variables: &'a mut Vec<Variable>,
    findings: &'a mut Vec<Finding>,
}

impl Interpolation<'_> {
    fn node(&mut self, node: &mut Node, path: &str, service: Option<&str>) {
        let line = node.line;
        match &mut node.value {
            Value::Scalar { text, .. } => {
                if !text.contains('$') {
                    return;
                }
                let lookup = |name: &str| self.env.get(name);
                match interpolate::interpolate(text, &lookup) {
                    Ok(done) => {
                        for reference in done.references {
                            self.variables.push(Variable {
                                name: reference.name,
                                file: self.file.into(),
                                line,
                                op: reference.op,
                                operand: reference.operand,
                                pass_through: false,
                            });
                        }
                        for name in done.unset {
                            self.finding(
                                line,
                                Severity::Warning,
                                service,
                                format!(
                                    "{name} is not set and has no default ({path}): compose uses an empty string"
                                ),
                            );
                        }
                        *text = done.value;
                    }
                    Err(err) => {
                        let message = format!("{path}: {err}");
                        self.finding(line, Severity::Error, service, message.clone());
                        node.value = Value::Invalid(message);
                    }
                }
            }
            Value::Seq(items) => {
                let environment = path.ends_with(".environment");
                for item in items {
                    if environment {
                        self.pass_through_item(item);
                    }
                    self.node(item, path, service);
                }
            }
            Value::Map(entries) => {
                let environment = path.ends_with(".environment");
                for (key, value) in entries {
                    let child = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    let service = match service {
                        None if path == "services" => Some(key.as_str()),
                        other => other,
                    };
                    if environment && value.is_null() {
                        self.pass_through(key, value.line);
                    }
                    self.node(value, &child, service);
                }
            }
            Value::Null | Value::Invalid(_) => {}
        }
    }

    /// `- VAR` in a list-form `environment:`.
    fn pass_through_item(&mut self, item: &Node) {
        if let Some(text) = item.as_str() {
            if !text.contains('=') && !text.contains('$') {
                self.pass_through(text, item.line);
            }
        }
    }

    fn pass_through(&mut self, name: &str, line: usize) {
        self.variables.push(Variable {
            name: name.into(),
            file: self.file.into(),
            line,
            op: None,
            operand: None,
            pass_through: true,
        });
    }

    fn finding(&mut self, line: usize, severity: Severity, service: Option<&str>, message: String) {
        self.findings.push(Finding {
            file: self.file.into(),
            line,
            severity,
            service: service.map(str::to_string),
            message,
        });
    }
}

/// Keys whose list form (`KEY=VALUE`) and map form mix and merge by key.
const KEYED: &[&str] = &["environment", "labels", "annotations", "args", "sysctls"];

/// Turns list-form `environment:` (and the other keyed lists) into mappings, so files merge by key.
fn normalize(node: &mut Node) {
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    for (key, value) in entries.iter_mut() {
        if KEYED.contains(&key.as_str()) {
            if let Value::Seq(items) = &value.value {
                let mapped = items
                    .iter()
                    .filter_map(|item| {
                        let text = item.as_str()?;
                        let (k, v) = match text.split_once('=') {
                            Some((k, v)) => (
                                k,
                                Value::Scalar {
                                    text: v.into(),
                                    plain: false,
                                },
                            ),
                            None => (text, Value::Null),
                        };
                        Some((
                            k.to_string(),
                            Node {
                                line: item.line,
                                tag: None,
                                value: v,
                            },
                        ))
                    })
                    .collect();
                value.value = Value::Map(mapped);
                continue;
            }
        }
        normalize(value);
    }
}

/// Merges `overlay` into `base` as compose merges a later file: mappings key by key, scalars
/// replaced, sequences appended without duplicates (`command`, `entrypoint` and
/// `healthcheck.test` replaced), `!reset` removes, `!override` replaces.
fn merge(base: Node, overlay: Node, path: &str) -> Node {
    if overlay.tag.as_deref() == Some("override") {
        return overlay;
    }
    match (base.value, overlay.value) {
        (Value::Map(mut entries), Value::Map(over)) => {
            for (key, value) in over {
                let child = format!("{path}.{key}");
                if value.tag.as_deref() == Some("reset") {
                    entries.retain(|(k, _)| *k != key);
                    continue;
                }
                match entries.iter().position(|(k, _)| *k == key) {
                    Some(at) => {
                        let (_, old) = entries.remove(at);
                        entries.insert(at, (key, merge(old, value, &child)));
                    }
                    None => entries.push((key, value)),
                }
            }
            Node {
                value: Value::Map(entries),
                ..base
            }
        }
        (Value::Seq(mut items), Value::Seq(over))
            if !(path.ends_with(".command")
                || path.ends_with(".entrypoint")
                || path.ends_with(".healthcheck.test")) =>
        {
            for item in over {
                if !items.iter().any(|i| i.value == item.value) {
                    items.push(item);
                }
            }
            Node {
                value: Value::Seq(items),
                ..base
            }
        }
        (_, value) => Node { value, ..overlay },
    }
}

/// `COMPOSE_PROJECT_NAME` (validated), else the top-level `name:`, else the directory name
/// (both normalised as compose does).
fn project_name(
    project: &Path,
    root: &Node,
    env: &Environment<'_>,
    file: &str,
    findings: &mut Vec<Finding>,
) -> (String, String) {
    if let Some(name) = env.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()) {
        if normalize_name(&name) == name {
            return (name, "COMPOSE_PROJECT_NAME".into());
        }
        findings.push(Finding {
            file: file.into(),
            line: 1,
            severity: Severity::Error,
            service: None,
            message: format!(
                "invalid project name \"{name}\" in COMPOSE_PROJECT_NAME: lowercase letters, digits, `-` and `_` only"
            ),
        });
    }
    if let Some(name) = root.get("name") {
        let normalized = name.as_str().map(normalize_name).unwrap_or_default();
        if !normalized.is_empty() {
            return (normalized, format!("`name:` in {file}:{}", name.line));
        }
    }
    let dir = project
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    (normalize_name(&dir), "the project directory's name".into())
}

/// Compose's `NormalizeProjectName`: lowercase, only `[a-z0-9_-]`, no leading `_`/`-`.
pub fn normalize_name(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    kept.trim_start_matches(['-', '_']).to_string()
}

struct Place<'a> {
    file: &'a str,
    service: &'a str,
    findings: &'a mut Vec<Finding>,
}

impl Place<'_> {
    fn error(&mut self, line: usize, message: String) {
        self.findings.push(Finding {
            file: self.file.into(),
            line,
            severity: Severity::Error,
            service: Some(self.service.into()),
            message,
        });
    }
}

fn read_service(
    name: &str,
    node: &Node,
    project: &str,
    enabled: &[String],
    at: &mut Place<'_>,
    line: usize,
) -> Service {
    let text = |key: &str| node.get(key).and_then(Node::as_str).map(str::to_string);
    let mut ports = Vec::new();
    if let Some(Value::Seq(entries)) = node.get("ports").map(|p| &p.value) {
        for entry in entries {
            // An entry interpolation could not read is already a finding.
            if matches!(entry.value, Value::Invalid(_)) {
                continue;
            }
            match ports::parse(entry) {
                Ok(more) => {
                    for port in more {
                        if !ports.contains(&port) {
                            ports.push(port);
                        }
                    }
                }
                Err(why) => at.error(entry.line, format!("service `{name}`: {why}")),
            }
        }
    }
    let profiles: Vec<String> = match node.get("profiles").map(|p| &p.value) {
        Some(Value::Seq(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let active = profiles.is_empty() || enabled.iter().any(|p| p == "*" || profiles.contains(p));
    let environment = match node.get("environment").map(|e| &e.value) {
        Some(Value::Map(entries)) => entries
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
            .collect(),
        _ => Vec::new(),
    };
    let container_name = text("container_name").filter(|n| !n.is_empty());
    let container = container_name
        .clone()
        .unwrap_or_else(|| format!("{project}-{name}-1"));
    Service {
        name: name.to_string(),
        container_name,
        container,
        image: text("image").filter(|i| !i.is_empty()),
        built: node.get("build").is_some_and(|b| !b.is_null()),
        ports,
        profiles,
        active,
        environment,
        file: at.file.to_string(),
        line,
    }
}

#[cfg(test)]
mod extend_tests;
#[cfg(test)]
mod tests;
