//! Top-level `include:` and service `extends:`, resolved as compose-go resolves them, per file
//! after interpolation and before the file merges into the project.
//!
//! - `include:` (short form: paths; long form: `path` (string or list, merged), `project_directory`
//!   (default: the first path's directory), `env_file` (default: `<project_directory>/.env`, read
//!   if present; one named must exist)). Each is read as its own project: its paths relative to
//!   the including file's directory, its env files' values under the including project's
//!   environment (the shell, then the including project's env files, win). Its services are
//!   added; one the including file also defines is merged, the including file's definition
//!   winning (compose-go's `loader/include.go`; the spec text says "warning, no merge"), and the
//!   reader warns about it. Recursive; a cycle is an error.
//! - `extends: NAME`, `extends: {service: NAME}`, `extends: {service: NAME, file: PATH}` (`PATH`
//!   relative to the extending file, interpolated with the same environment): the local
//!   definition merges over the base with the merge rules of a later file (scalars replaced,
//!   mappings and `environment` by key, `ports` and `profiles` appended without duplicates).
//!   Recursive; a cycle, a missing service or file is an error naming file, line and service.
//!   `include:` in a file read only for `extends: {file}` is not followed (a known gap).

use std::collections::BTreeMap;
use std::path::Path;

use super::yaml::{self, Node, Value};
use super::{dotenv, merge, normalize, Environment, Finding, Interpolation, Severity, Variable};
use crate::FactError;

/// Reads compose files with their includes and extends, collecting what the project reports.
pub(super) struct Loader<'a> {
    project: &'a Path,
    variables: &'a mut Vec<Variable>,
    findings: &'a mut Vec<Finding>,
    /// Files read only for `extends: {file}`, interpolated once.
    bases: BTreeMap<String, Node>,
    included: Vec<String>,
    include_env_files: Vec<String>,
    env_files: Vec<String>,
}

/// Where a service's `extends:` was found, for errors.
struct Extending<'s> {
    file: &'s str,
    service: &'s str,
    line: usize,
}

impl<'a> Loader<'a> {
    pub(super) fn new(
        project: &'a Path,
        variables: &'a mut Vec<Variable>,
        findings: &'a mut Vec<Finding>,
    ) -> Loader<'a> {
        Loader {
            project,
            variables,
            findings,
            bases: BTreeMap::new(),
            included: Vec::new(),
            include_env_files: Vec::new(),
            env_files: Vec::new(),
        }
    }

    /// The included/extended compose files, the included projects' env files looked for, and
    /// those read.
    pub(super) fn finish(self) -> (Vec<String>, Vec<String>, Vec<String>) {
        (self.included, self.include_env_files, self.env_files)
    }

    /// One compose file as it merges into the project: interpolated, its includes added, its
    /// extends resolved. `base` is the directory its relative paths start from; `including` the
    /// chain of files that include it; `declared` where each service is first declared.
    pub(super) fn load_file(
        &mut self,
        file: &str,
        env: &Environment<'_>,
        base: &str,
        including: &[String],
        declared: &mut BTreeMap<String, (String, usize)>,
    ) -> Result<Node, FactError> {
        let mut root = self.parse_file(file, env)?;
        if let Some(Value::Map(services)) = root.get("services").map(|s| &s.value) {
            for (name, service) in services {
                declared
                    .entry(name.clone())
                    .or_insert((file.to_string(), service.line));
            }
        }
        if let Some(include) = take(&mut root, "include") {
            let mut chain = including.to_vec();
            chain.push(file.to_string());
            self.include(file, &mut root, include, env, base, &chain, declared)?;
        }
        self.resolve_extends(file, &mut root, env)?;
        Ok(root)
    }

    /// Reads, parses, interpolates and normalises one file.
    fn parse_file(&mut self, file: &str, env: &Environment<'_>) -> Result<Node, FactError> {
        let text = crate::read(self.project, file)?;
        let mut root = yaml::parse(&text).map_err(|why| FactError::invalid(file, why))?;
        if !matches!(root.value, Value::Map(_)) {
            return Err(FactError::invalid(
                file,
                "not a mapping of compose keys".into(),
            ));
        }
        let mut reader = Interpolation {
            file,
            env,
            variables: self.variables,
            findings: self.findings,
        };
        reader.node(&mut root, "", None);
        normalize(&mut root);
        Ok(root)
    }

    /// Adds the services of every project `include` names to `root`.
    #[allow(clippy::too_many_arguments)]
    fn include(
        &mut self,
        file: &str,
        root: &mut Node,
        include: Node,
        env: &Environment<'_>,
        base: &str,
        chain: &[String],
        declared: &mut BTreeMap<String, (String, usize)>,
    ) -> Result<(), FactError> {
        let Value::Seq(entries) = include.value else {
            return Err(invalid_at(file, include.line, "`include:` is not a list"));
        };
        for entry in entries {
            let spec = IncludeSpec::read(file, &entry, base)?;
            let included_env = self.include_environment(file, &entry, &spec, env)?;
            let mut model: Option<Node> = None;
            for path in &spec.paths {
                if let Some(at) = chain.iter().position(|f| f == path) {
                    let cycle = [&chain[at..], std::slice::from_ref(path)].concat();
                    return Err(invalid_at(
                        file,
                        entry.line,
                        &format!("an include cycle: {}", cycle.join(" includes ")),
                    ));
                }
                let node = self
                    .load_file(path, &included_env, &spec.directory, chain, declared)
                    .map_err(|err| {
                        referenced(err, &format!("included by {file}:{}", entry.line))
                    })?;
                self.note(path);
                model = Some(match model {
                    None => node,
                    Some(earlier) => merge(earlier, node, ""),
                });
            }
            if let Some(model) = model {
                self.import_services(file, entry.line, root, model, &spec.paths);
            }
        }
        Ok(())
    }

    /// The included project's environment: the shell, the including project's env files, then
    /// its own env files (each value under the ones before).
    fn include_environment<'e>(
        &mut self,
        file: &str,
        entry: &Node,
        spec: &IncludeSpec,
        env: &Environment<'e>,
    ) -> Result<Environment<'e>, FactError> {
        let mut own = BTreeMap::new();
        for name in &spec.env_files {
            if !spec.env_files_named && !self.include_env_files.contains(name) {
                self.include_env_files.push(name.clone());
            }
            let text = match crate::read(self.project, name) {
                Ok(text) => text,
                Err(FactError::Missing { .. }) if !spec.env_files_named => continue,
                Err(err) => {
                    return Err(referenced(
                        err,
                        &format!("env file of the include at {file}:{}", entry.line),
                    ))
                }
            };
            let lookup = |key: &str| env.get(key).or_else(|| own.get(key).cloned());
            let (entries, errors) = dotenv::parse(&text, &lookup);
            for (line, why) in errors {
                self.findings.push(Finding {
                    file: name.clone(),
                    line,
                    severity: Severity::Error,
                    service: None,
                    message: format!("{why} (compose refuses this line)"),
                });
            }
            for entry in entries {
                own.insert(entry.key, entry.value);
            }
            if !self.env_files.contains(name) {
                self.env_files.push(name.clone());
            }
        }
        own.extend(env.files.clone());
        Ok(Environment {
            shell: env.shell,
            files: own,
        })
    }

    /// Copies the included services into `root`; one `root` defines too is merged, `root`'s
    /// definition winning, with a warning.
    fn import_services(
        &mut self,
        file: &str,
        line: usize,
        root: &mut Node,
        model: Node,
        paths: &[String],
    ) {
        let Some(Value::Map(imported)) = model.get("services").map(|s| s.value.clone()) else {
            return;
        };
        let services = services_of(root);
        for (name, service) in imported {
            match services.iter().position(|(k, _)| *k == name) {
                Some(at) => {
                    self.findings.push(Finding {
                        file: file.into(),
                        line,
                        severity: Severity::Warning,
                        service: Some(name.clone()),
                        message: format!(
                            "service `{name}` is defined here and by the included {}: compose merges them, this file's definition winning",
                            paths.join(" + ")
                        ),
                    });
                    let (_, local) = services.remove(at);
                    let path = format!("services.{name}");
                    services.insert(at, (name, merge(service, local, &path)));
                }
                None => services.push((name, service)),
            }
        }
    }

    /// Replaces every service of `root` that has `extends:` by its base merged with it.
    fn resolve_extends(
        &mut self,
        file: &str,
        root: &mut Node,
        env: &Environment<'_>,
    ) -> Result<(), FactError> {
        let Some(Value::Map(services)) = root.get("services").map(|s| s.value.clone()) else {
            return Ok(());
        };
        let mut resolved = Vec::with_capacity(services.len());
        for (name, _) in &services {
            let service = self.resolved(file, &services, name, env, &mut Vec::new())?;
            resolved.push((name.clone(), service));
        }
        *services_of(root) = resolved;
        Ok(())
    }

    /// The service `name` of `services` (read from `file`) with its `extends:` chain applied;
    /// `chain` holds the `(file, service)` pairs being extended, to refuse a cycle.
    fn resolved(
        &mut self,
        file: &str,
        services: &[(String, Node)],
        name: &str,
        env: &Environment<'_>,
        chain: &mut Vec<(String, String)>,
    ) -> Result<Node, FactError> {
        let Some(node) = lookup(services, name) else {
            return Err(invalid_at(file, 1, &format!("no service `{name}`")));
        };
        let Some(extends) = node.get("extends") else {
            return Ok(node.clone());
        };
        let at = Extending {
            file,
            service: name,
            line: extends.line,
        };
        let here = (file.to_string(), name.to_string());
        if chain.contains(&here) {
            let cycle: Vec<String> = chain
                .iter()
                .chain(std::iter::once(&here))
                .map(|(f, s)| format!("{f}:{s}"))
                .collect();
            return Err(at.error(&format!(
                "is in an extends cycle: {}",
                cycle.join(" extends ")
            )));
        }
        let (base_name, base_file) = extends_target(extends, &at)?;
        chain.push(here);
        // `file:` naming the extending file itself is the same-file case (read once).
        let base_path = base_file
            .map(|other| join(dir_of(file), &other))
            .filter(|path| path != file);
        let base = match base_path {
            None => self.base_service(file, services, &base_name, env, chain, &at)?,
            Some(path) => {
                let services = self.base_file(&path, env, &at)?;
                self.base_service(&path, &services, &base_name, env, chain, &at)?
            }
        };
        chain.pop();
        let mut local = node.clone();
        take(&mut local, "extends");
        let line = local.line;
        let merged = merge(base, local, &format!("services.{name}"));
        Ok(Node { line, ..merged })
    }

    /// The resolved service `name` of `file`'s `services`, or the error naming who wants it.
    fn base_service(
        &mut self,
        file: &str,
        services: &[(String, Node)],
        name: &str,
        env: &Environment<'_>,
        chain: &mut Vec<(String, String)>,
        at: &Extending<'_>,
    ) -> Result<Node, FactError> {
        if lookup(services, name).is_none() {
            return Err(at.error(&format!(
                "extends service `{name}`, which {file} does not define"
            )));
        }
        self.resolved(file, services, name, env, chain)
    }

    /// The services of a file named by `extends: {file}`, read once.
    fn base_file(
        &mut self,
        path: &str,
        env: &Environment<'_>,
        at: &Extending<'_>,
    ) -> Result<Vec<(String, Node)>, FactError> {
        if !self.bases.contains_key(path) {
            let node = self.parse_file(path, env).map_err(|err| {
                let by = format!(
                    "extended by service `{}` at {}:{}",
                    at.service, at.file, at.line
                );
                referenced(err, &by)
            })?;
            self.note(path);
            self.bases.insert(path.to_string(), node);
        }
        Ok(match self.bases[path].get("services").map(|s| &s.value) {
            Some(Value::Map(services)) => services.clone(),
            _ => Vec::new(),
        })
    }

    fn note(&mut self, path: &str) {
        if !self.included.iter().any(|f| f == path) {
            self.included.push(path.to_string());
        }
    }
}

impl Extending<'_> {
    fn error(&self, why: &str) -> FactError {
        invalid_at(
            self.file,
            self.line,
            &format!("service `{}` {why}", self.service),
        )
    }
}

/// `extends: NAME` or `{service: NAME, file: PATH}`: the service and the file, if any.
fn extends_target(
    extends: &Node,
    at: &Extending<'_>,
) -> Result<(String, Option<String>), FactError> {
    if let Some(name) = extends.as_str() {
        return Ok((name.to_string(), None));
    }
    let service = extends.get("service").and_then(Node::as_str);
    let Some(service) = service.filter(|s| !s.is_empty()) else {
        return Err(at.error("has an `extends:` without `service:`"));
    };
    let file = extends.get("file").and_then(Node::as_str);
    Ok((service.to_string(), file.map(str::to_string)))
}

/// One `include:` entry, its paths relative to the project.
struct IncludeSpec {
    paths: Vec<String>,
    /// The included project's directory: its relative paths start there.
    directory: String,
    env_files: Vec<String>,
    /// True when `env_file:` names them (then they must exist).
    env_files_named: bool,
}

impl IncludeSpec {
    fn read(file: &str, entry: &Node, base: &str) -> Result<IncludeSpec, FactError> {
        let strings = |node: Option<&Node>| -> Option<Vec<String>> {
            match node.map(|n| &n.value) {
                Some(Value::Scalar { text, .. }) => Some(vec![text.clone()]),
                Some(Value::Seq(items)) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect(),
                _ => None,
            }
            .map(|paths| paths.into_iter().map(|p| join(base, &p)).collect())
        };
        let paths = match entry.value {
            Value::Scalar { .. } => strings(Some(entry)),
            _ => strings(entry.get("path")),
        };
        let Some(paths) = paths.filter(|p: &Vec<String>| !p.is_empty()) else {
            return Err(invalid_at(
                file,
                entry.line,
                "an `include:` entry names no file (a path, or `path:`)",
            ));
        };
        let directory = match entry.get("project_directory").and_then(Node::as_str) {
            Some(dir) => join(base, dir),
            None => dir_of(&paths[0]).to_string(),
        };
        let (env_files, env_files_named) = match strings(entry.get("env_file")) {
            Some(named) => (named, true),
            None => (vec![join(&directory, ".env")], false),
        };
        Ok(IncludeSpec {
            paths,
            directory,
            env_files,
            env_files_named,
        })
    }
}

/// How the error about a missing referenced file starts: `not found (included by …)`.
const NOT_FOUND_BY: &str = "not found (";

/// The reader's error about a file another one references, saying who references it. A missing
/// one is `Invalid`, not `Missing`: the project has compose files, one of them names a file that
/// is not there (a caller takes `Missing` for "no compose project").
fn referenced(err: FactError, by: &str) -> FactError {
    match err {
        FactError::Missing { file, why } if why == "not found" => {
            FactError::invalid(&file, format!("{NOT_FOUND_BY}{by})"))
        }
        other => other,
    }
}

/// The file an `include:` or `extends: {file}` names when `err` says it is not there.
pub(super) fn missing_reference(err: &FactError) -> Option<&str> {
    match err {
        FactError::Invalid { file, why } if why.starts_with(NOT_FOUND_BY) => Some(file),
        _ => None,
    }
}

fn invalid_at(file: &str, line: usize, why: &str) -> FactError {
    FactError::invalid(file, format!("line {line}: {why}"))
}

/// Removes `key` from a mapping and returns its value.
fn take(node: &mut Node, key: &str) -> Option<Node> {
    let Value::Map(entries) = &mut node.value else {
        return None;
    };
    let at = entries.iter().position(|(k, _)| k == key)?;
    Some(entries.remove(at).1)
}

fn lookup<'n>(services: &'n [(String, Node)], name: &str) -> Option<&'n Node> {
    services.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// `root`'s `services:` entries, created when absent (an include may bring all of them).
fn services_of(root: &mut Node) -> &mut Vec<(String, Node)> {
    let Value::Map(entries) = &mut root.value else {
        unreachable!("a compose file's root is a mapping (checked when parsed)");
    };
    let at = match entries.iter().position(|(k, _)| k == "services") {
        Some(at) => at,
        None => {
            let line = root_line(entries);
            entries.push((
                "services".into(),
                Node {
                    line,
                    tag: None,
                    value: Value::Map(Vec::new()),
                },
            ));
            entries.len() - 1
        }
    };
    let node = &mut entries[at].1;
    if !matches!(node.value, Value::Map(_)) {
        node.value = Value::Map(Vec::new());
    }
    match &mut node.value {
        Value::Map(services) => services,
        _ => unreachable!("set to a mapping above"),
    }
}

fn root_line(entries: &[(String, Node)]) -> usize {
    entries.first().map_or(1, |(_, n)| n.line)
}

/// The directory part of a project-relative path (`""` for the project directory).
pub(super) fn dir_of(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `path` relative to `dir` (both relative to the project), `.` and `..` resolved; an absolute
/// `path` is kept.
pub(super) fn join(dir: &str, path: &str) -> String {
    if Path::new(path).is_absolute() {
        return path.to_string();
    }
    let root = if dir.starts_with('/') { "/" } else { "" };
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(path.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() && root.is_empty() {
        ".".into()
    } else {
        format!("{root}{}", parts.join("/"))
    }
}
