//! `checklist-drift`: the facts the project's RELEASE_CHECKLIST.md states (ports, container
//! names, model names, line numbers) compared with the files that are the truth.

use std::path::Path;
use std::sync::OnceLock;

use project::compose::Compose;
use regex_lite::Regex;
use runner::{Log, Outcome};

use super::Env;

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, super::Native)] = &[("checklist-drift", checklist_drift)];

/// Compares every fact the checklist states with the project's files; each difference is a
/// finding `checklist:line: says X; file says Y`.
fn checklist_drift(env: &Env, log: Log) -> Outcome {
    let Some(file) = checklist::locate(&env.project) else {
        return Outcome::skipped(format!(
            "the project has no {}: nothing to compare",
            checklist::LOCATIONS.join(" or ")
        ));
    };
    let text = match std::fs::read_to_string(env.project.join(file)) {
        Ok(text) => text,
        Err(err) => return Outcome::fail(format!("reading {file}: {err}")),
    };
    let facts = Facts::read(env);
    let mut findings = Vec::new();
    // Why a fact could not be compared → the checklist lines stating such facts.
    let mut unknown: Vec<(String, Vec<usize>)> = Vec::new();
    let mut compared = 0;
    for (index, line) in text.lines().enumerate() {
        for claim in claims(line) {
            compared += 1;
            match facts.contradicts(&claim) {
                Verdict::Agrees => {}
                Verdict::Differs(truth) => {
                    findings.push(format!("{file}:{}: {}; {truth}", index + 1, claim.says()))
                }
                Verdict::Unknown(why) => match unknown.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, lines)) => lines.push(index + 1),
                    None => unknown.push((why, vec![index + 1])),
                },
            }
        }
    }
    for finding in &findings {
        writeln!(log, "{finding}").ok();
    }
    let uncompared: usize = unknown.iter().map(|(_, lines)| lines.len()).sum();
    // One line per root cause, with the checklist lines it leaves uncompared.
    let unknown: Vec<String> = unknown
        .iter()
        .map(|(why, lines)| {
            let lines: Vec<String> = lines.iter().map(ToString::to_string).collect();
            format!("{} (lines {})", why, lines.join(", "))
        })
        .collect();
    for why in &unknown {
        writeln!(log, "cannot compare: {why}").ok();
    }
    writeln!(
        log,
        "{compared} facts: {} drifted, {uncompared} could not be compared",
        findings.len()
    )
    .ok();
    let not_compared = match uncompared {
        0 => String::new(),
        n => format!("; {n} could not be compared: {}", unknown.join("; ")),
    };
    match findings.len() {
        0 if uncompared == 0 => Outcome::pass(),
        0 => Outcome::blocked(format!(
            "{uncompared} of {compared} facts of {file} could not be compared: {}",
            unknown.join("; ")
        )),
        n => Outcome::fail(format!(
            "{file} is stale: {n} of {compared} facts differ from the files: {}{not_compared}",
            findings.join("; ")
        )),
    }
}

/// How a claim compares with the files.
enum Verdict {
    Agrees,
    /// What the files say instead.
    Differs(String),
    /// The files could not be read for it: why.
    Unknown(String),
}

/// A fact a checklist line states.
#[derive(Debug, PartialEq)]
enum Claim {
    Port { service: &'static str, port: u16 },
    Container(String),
    Model(String),
    VersionLine(usize),
    EmbeddingLine(usize),
}

impl Claim {
    fn says(&self) -> String {
        match self {
            Claim::Port { service, port } => format!("says {service} is on localhost:{port}"),
            Claim::Container(name) => format!("says `docker exec {name}`"),
            Claim::Model(name) => format!("names default model {name}"),
            Claim::VersionLine(line) => {
                format!("says the version is on pyproject.toml line {line}")
            }
            Claim::EmbeddingLine(line) => {
                format!("says the embedding model is set on src/memory_setup.py line {line}")
            }
        }
    }
}

/// Compiled once: `claims` runs on every line of the checklist.
fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap())
}

fn claims(line: &str) -> Vec<Claim> {
    static PORT: OnceLock<Regex> = OnceLock::new();
    static EXEC: OnceLock<Regex> = OnceLock::new();
    static MODEL: OnceLock<Regex> = OnceLock::new();
    static LINE: OnceLock<Regex> = OnceLock::new();
    let lower = line.to_lowercase();
    let mut claims = Vec::new();
    for c in regex(&PORT, r"localhost:(\d+)").captures_iter(line) {
        let service = ["ollama", "langflow", "code-server"]
            .into_iter()
            .find(|s| lower.contains(s));
        if let (Some(service), Ok(port)) = (service, c[1].parse()) {
            claims.push(Claim::Port { service, port });
        }
    }
    let exec = regex(&EXEC, r"docker exec ([A-Za-z0-9_.-]+)");
    claims.extend(
        exec.captures_iter(line)
            .map(|c| Claim::Container(c[1].to_string())),
    );
    let model = regex(&MODEL, r"^- Name: `([^`]+)`");
    claims.extend(model.captures(line).map(|c| Claim::Model(c[1].to_string())));
    let numbered = regex(&LINE, r"line (\d+)");
    if let Some(n) = numbered.captures(line).and_then(|c| c[1].parse().ok()) {
        if lower.contains("pyproject.toml") || lower.contains("version =") {
            claims.push(Claim::VersionLine(n));
        } else if lower.contains("memory_setup.py") {
            claims.push(Claim::EmbeddingLine(n));
        }
    }
    claims
}

/// The truth, read once from the project's files; a file that cannot be read leaves its facts
/// unknown, and a claim about an unknown fact is reported as such.
struct Facts {
    compose: Result<Compose, String>,
    models: Result<Vec<String>, String>,
    version_line: Result<usize, String>,
    embedding_line: Result<usize, String>,
}

impl Facts {
    fn read(env: &Env) -> Facts {
        let project = env.project.as_path();
        let embedding = project::python::embedding_model(project, project::python::MEMORY_SETUP);
        Facts {
            compose: env.compose.clone().map_err(|e| e.to_string()),
            models: project::models::default_models(project).map_err(|e| e.to_string()),
            version_line: version_line(project),
            embedding_line: embedding.map_err(|e| e.to_string()).and_then(|r| {
                r.trail
                    .first()
                    .map(|step| step.line)
                    .ok_or_else(|| "the embedding model was found on no line".to_string())
            }),
        }
    }

    /// What the files say instead, when they disagree with `claim`.
    fn contradicts(&self, claim: &Claim) -> Verdict {
        match claim {
            Claim::Port { service, port } => {
                let compose = self.compose.as_ref().map_err(Clone::clone);
                let published = compose.as_ref().map(|c| {
                    c.service(service)
                        .map(|s| s.ports.iter().filter_map(|p| p.host()).collect::<Vec<_>>())
                });
                match published {
                    Err(why) => Verdict::Unknown(why.clone()),
                    Ok(None) => {
                        Verdict::Differs(format!("the compose file has no {service} service"))
                    }
                    Ok(Some(ports)) if !ports.contains(port) => Verdict::Differs(format!(
                        "the compose file publishes {service} on {ports:?}"
                    )),
                    Ok(Some(_)) => Verdict::Agrees,
                }
            }
            Claim::Container(name) => match &self.compose {
                Err(why) => Verdict::Unknown(why.clone()),
                Ok(c) if c.services.iter().any(|s| s.container() == name) => Verdict::Agrees,
                Ok(c) => {
                    let names: Vec<&str> = c.services.iter().map(|s| s.container()).collect();
                    Verdict::Differs(format!(
                        "{} has no container `{name}` (it has {})",
                        c.file,
                        names.join(", ")
                    ))
                }
            },
            Claim::Model(name) => match &self.models {
                Err(why) => Verdict::Unknown(why.clone()),
                Ok(models) if models.contains(name) => Verdict::Agrees,
                Ok(models) => Verdict::Differs(format!(
                    "scripts/model-pull.sh's defaults are {}",
                    models.join(", ")
                )),
            },
            Claim::VersionLine(line) => differs(
                &self.version_line,
                *line,
                "pyproject.toml has `version =` on line",
            ),
            Claim::EmbeddingLine(line) => differs(
                &self.embedding_line,
                *line,
                "src/memory_setup.py sets the embedding model on line",
            ),
        }
    }
}

fn differs(truth: &Result<usize, String>, claimed: usize, what: &str) -> Verdict {
    match truth {
        Ok(actual) if *actual == claimed => Verdict::Agrees,
        Ok(actual) => Verdict::Differs(format!("{what} {actual}")),
        Err(why) => Verdict::Unknown(why.clone()),
    }
}

fn version_line(project: &Path) -> Result<usize, String> {
    let text = project::read(project, "pyproject.toml").map_err(|e| e.to_string())?;
    let version = Regex::new(r"^version\s*=").unwrap();
    text.lines()
        .position(|l| version.is_match(l))
        .map(|i| i + 1)
        .ok_or_else(|| "pyproject.toml has no `version =` line".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_facts_checklist_lines_state() {
        assert_eq!(
            claims("- [ ] Langflow UI accessible and functional: http://localhost:7860"),
            [Claim::Port {
                service: "langflow",
                port: 7860
            }]
        );
        assert_eq!(
            claims("`docker exec coding-assistant python src/pipeline.py`"),
            [Claim::Container("coding-assistant".into())]
        );
        assert_eq!(
            claims("- Name: `mistral:latest`"),
            [Claim::Model("mistral:latest".into())]
        );
        assert_eq!(
            claims("**Current version:** Check `pyproject.toml` line 7"),
            [Claim::VersionLine(7)]
        );
        assert_eq!(
            claims("- [ ] Embedding model matches `src/memory_setup.py` configuration (line 60)"),
            [Claim::EmbeddingLine(60)]
        );
        assert_eq!(claims("Nothing to see here"), []);
    }
}
