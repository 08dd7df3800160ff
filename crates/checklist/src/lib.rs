//! The release checklist as data: checks with ids, sections, kinds, dependencies and timeouts;
//! the TOML override file (its `[checks.ID]` tables and `cargo xtask post-release`'s
//! `[post-release]` settings); the coverage table.
//!
//! The built-in checks live in `defaults.toml` (the seed's Pre-Release Checklist); a project may
//! override them with its own file (see [`Checklist::apply_overrides`]). Both go through the same
//! parser, so every error names `file:line`.

mod coverage;
mod parse;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;

pub use coverage::{coverage_markdown, CoverageError, OTHER_STEPS};
pub use parse::ConfigError;

/// The name of the optional override file at the project root.
pub const OVERRIDE_FILE: &str = "release-checks.toml";

/// Where a project keeps its release checklist, in the order they are looked for.
pub const LOCATIONS: &[&str] = &["docs/RELEASE_CHECKLIST.md", "RELEASE_CHECKLIST.md"];

/// The first of [`LOCATIONS`] that `project` has.
pub fn locate(project: &std::path::Path) -> Option<&'static str> {
    LOCATIONS
        .iter()
        .copied()
        .find(|f| project.join(f).is_file())
}

/// What a check may declare in `needs`.
pub const TOOLS: &[&str] = &["docker"];

/// The five groups of the Pre-Release Checklist, in checklist order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    CodeQuality,
    Functional,
    Models,
    Documentation,
    Security,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::CodeQuality,
        Section::Functional,
        Section::Models,
        Section::Documentation,
        Section::Security,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::CodeQuality => "code-quality",
            Section::Functional => "functional",
            Section::Models => "models",
            Section::Documentation => "documentation",
            Section::Security => "security",
        }
    }

    /// The heading of the section in RELEASE_CHECKLIST.md.
    pub fn heading(self) -> &'static str {
        match self {
            Section::CodeQuality => "Code Quality",
            Section::Functional => "Functional Validation",
            Section::Models => "Model Validation",
            Section::Documentation => "Documentation",
            Section::Security => "Security",
        }
    }

    pub fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a check is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A shell command run in the project root.
    Command,
    /// Implemented in the xtask; `command` (if any) is what a person would run instead.
    Native,
    /// Only a person can judge it; never ticked by the machine.
    Manual,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Command => "command",
            Kind::Native => "native",
            Kind::Manual => "manual",
        }
    }
}

/// One item of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub id: String,
    pub section: Section,
    pub title: String,
    pub kind: Kind,
    /// A template: `{py}`, `{pip}`, `{app_container}`... are filled by [`expand`].
    pub command: Option<String>,
    pub deps: Vec<String>,
    /// Tools the check needs (one of [`TOOLS`]: `docker`): when one is missing or the engine
    /// is not reachable, the check is blocked with that reason instead of failing obscurely.
    pub needs: Vec<String>,
    pub timeout: Duration,
    pub enabled: bool,
    /// Why a manual check is manual.
    pub reason: Option<String>,
    /// The seed checklist lines this check automates.
    pub seed: Vec<String>,
    /// Settings only this check takes, from the override file (`allow_env_files` of
    /// `env-not-tracked`; see [`CHECK_OPTIONS`]): key → strings.
    pub options: BTreeMap<String, Vec<String>>,
}

/// The settings a built-in check takes besides the common keys: (check id, key), each an array
/// of strings in `[checks.ID]`.
pub const CHECK_OPTIONS: &[(&str, &str)] = &[
    // Env files a project commits on purpose (`.env.ci` with test values): they pass
    // `env-not-tracked` when the secret scan finds nothing in them.
    ("env-not-tracked", "allow_env_files"),
];

/// A setting with `{version}` in it (the only placeholder), from the override file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTemplate {
    pub text: String,
    /// Where it was written: `release-checks.toml:LINE`.
    pub at: String,
}

impl VersionTemplate {
    pub const PLACEHOLDER: &'static str = "{version}";

    /// The text with `{version}` replaced by `version` (X.Y.Z).
    pub fn fill(&self, version: &dyn fmt::Display) -> String {
        self.text.replace(Self::PLACEHOLDER, &version.to_string())
    }
}

/// `[post-release]` of the override file: the settings of `cargo xtask post-release`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostRelease {
    /// The versioned documentation page that must answer 200.
    pub docs_url: Option<VersionTemplate>,
    /// The title of a release's milestone (`v{version}` by default, else `{version}`).
    pub milestone: Option<VersionTemplate>,
}

/// The checks of a run, in checklist order, with valid ids, dependencies and no cycles; and the
/// override file's `[post-release]` settings.
#[derive(Debug, Clone)]
pub struct Checklist {
    checks: Vec<Check>,
    post_release: PostRelease,
}

impl Checklist {
    /// The built-in checks: the seed's Pre-Release Checklist.
    pub fn defaults() -> Checklist {
        let checks = parse::parse_checks(include_str!("defaults.toml"), "defaults.toml")
            .expect("built-in defaults.toml is valid");
        Checklist::validated(checks, "defaults.toml").expect("built-in checks are consistent")
    }

    /// Applies an override file's text: change `command`/`timeout`/`deps`/`title`, disable with
    /// `enabled = false`, or add a command check with a new id; and read `[post-release]`.
    pub fn apply_overrides(self, text: &str, file: &str) -> Result<Checklist, ConfigError> {
        let (checks, post_release) = parse::parse_overrides(text, file, self.checks)?;
        let mut checklist = Checklist::validated(checks, file)?;
        checklist.post_release = post_release;
        Ok(checklist)
    }

    fn validated(checks: Vec<Check>, file: &str) -> Result<Checklist, ConfigError> {
        let ids: HashMap<&str, usize> = checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        for check in &checks {
            if let Some(dep) = check.deps.iter().find(|d| !ids.contains_key(d.as_str())) {
                return Err(ConfigError::semantic(
                    file,
                    format!("check `{}` depends on unknown check `{dep}`", check.id),
                    "use one of the ids listed by `cargo xtask pre-release --list`",
                ));
            }
        }
        if let Some(cycle) = find_cycle(&checks, &ids) {
            return Err(ConfigError::semantic(
                file,
                format!("dependency cycle: {}", cycle.join(" -> ")),
                "remove one of these `deps` entries",
            ));
        }
        Ok(Checklist {
            checks,
            post_release: PostRelease::default(),
        })
    }

    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// The override file's `[post-release]` table (empty without one).
    pub fn post_release(&self) -> &PostRelease {
        &self.post_release
    }
}

/// A dependency cycle as a list of ids (first repeated at the end), if there is one: the
/// runner's cycle finder over the checks' dependency indices.
fn find_cycle(checks: &[Check], ids: &HashMap<&str, usize>) -> Option<Vec<String>> {
    let deps: Vec<Vec<usize>> = checks
        .iter()
        .map(|check| check.deps.iter().map(|dep| ids[dep.as_str()]).collect())
        .collect();
    let cycle = runner::find_cycle(&deps)?;
    Some(cycle.into_iter().map(|i| checks[i].id.clone()).collect())
}

/// A `{name}` in a command template with no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("command `{template}` uses `{{{name}}}`, which has no value: {why}")]
pub struct MissingVar {
    pub template: String,
    pub name: String,
    pub why: String,
}

/// Fills `{name}` placeholders from `vars`; a variable may be known but unavailable
/// (`Err(why)`, e.g. no docker-compose.yml to take a container name from).
pub fn expand(
    template: &str,
    vars: &BTreeMap<&str, Result<String, String>>,
) -> Result<String, MissingVar> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open + 1..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + 1 + len];
        let value = match vars.get(name) {
            Some(Ok(value)) => value.as_str(),
            Some(Err(why)) => return Err(missing(template, name, why)),
            None if is_placeholder(name) => {
                return Err(missing(template, name, "not a known placeholder"))
            }
            // `{` that is not a placeholder (shell brace, JSON): keep as is.
            None => &rest[open..=open + 1 + len],
        };
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[open + 2 + len..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_placeholder(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

fn missing(template: &str, name: &str, why: &str) -> MissingVar {
    MissingVar {
        template: template.into(),
        name: name.into(),
        why: why.into(),
    }
}

#[cfg(test)]
mod tests;
