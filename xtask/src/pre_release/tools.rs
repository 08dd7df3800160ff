//! What a check needs from the machine (`needs = ["docker"]`), probed once per run, and the
//! container names its commands take from docker-compose.yml.

use std::sync::OnceLock;

use project::compose::{Compose, Service};
use project::FactError;
use xshell::{cmd, Shell};

/// Answers "can a check that needs TOOL run here?", asking the machine at most once per tool.
/// A dry run asks nothing (it runs nothing) and assumes every tool is there.
pub struct Probe {
    asks: bool,
    docker: OnceLock<Option<String>>,
}

impl Probe {
    pub fn new(dry_run: bool) -> Probe {
        Probe {
            asks: !dry_run,
            docker: OnceLock::new(),
        }
    }

    /// Why `tool` cannot be used, or `None` when it can: a blocked outcome naming the shared
    /// cause (`docker engine`, `docker`), so the reason is printed once for every check it blocks.
    pub fn unavailable(&self, tool: &str) -> Option<runner::Outcome> {
        if !self.asks {
            return None;
        }
        match tool {
            "docker" => {
                let why = self.docker.get_or_init(docker_unavailable).clone()?;
                let cause = if why.starts_with("`docker` not found") {
                    "docker"
                } else {
                    "docker engine"
                };
                Some(runner::Outcome::blocked_by(cause, why))
            }
            other => Some(runner::Outcome::blocked(format!("unknown tool `{other}`"))),
        }
    }
}

/// The arguments of the one Docker probe: the engine answers with its version.
pub const DOCKER_PROBE: [&str; 3] = ["info", "--format", "{{.ServerVersion}}"];

/// The one reading of [`DOCKER_PROBE`]'s output: why the engine does not answer, or `None`.
pub fn docker_engine_unreachable(output: &std::process::Output) -> Option<String> {
    if output.status.success() {
        return None;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let why = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no answer");
    Some(format!(
        "Docker engine not reachable (`docker info`: {why})"
    ))
}

/// The docker CLI must be on PATH and its engine must answer.
fn docker_unavailable() -> Option<String> {
    let sh = Shell::new().ok()?;
    let args = DOCKER_PROBE;
    let output = match cmd!(sh, "docker {args...}")
        .quiet()
        .ignore_status()
        .output()
    {
        Ok(output) => output,
        Err(_) => {
            return Some("`docker` not found on PATH: install Docker to run this check".into())
        }
    };
    docker_engine_unreachable(&output).map(|why| format!("{why}: start Docker and re-run"))
}

/// `{app_container}` and `{ollama_container}` from the compose file, or why they are unknown.
pub fn container_vars(
    compose: &Result<Compose, FactError>,
) -> Vec<(&'static str, Result<String, String>)> {
    fn app(compose: &Compose) -> Result<&str, String> {
        match compose.app() {
            Some(app) => compose.running(&app.name).map(Service::container),
            None => Err(format!(
                "{} has no application service (built from the project's Dockerfile)",
                compose.describe_files()
            )),
        }
    }
    fn ollama(compose: &Compose) -> Result<&str, String> {
        compose.running("ollama").map(Service::container)
    }
    let name = |pick: fn(&Compose) -> Result<&str, String>| match compose {
        Ok(compose) => pick(compose).map(str::to_string),
        Err(why) => Err(why.to_string()),
    };
    vec![
        ("app_container", name(app)),
        ("ollama_container", name(ollama)),
    ]
}

/// The first executable `tool` in the folders of `path` (a PATH value).
pub fn find_executable(path: &std::ffi::OsStr, tool: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |candidate: &std::path::Path| {
        std::fs::metadata(candidate)
            .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
    };
    std::env::split_paths(path)
        .map(|dir| dir.join(tool))
        .find(|candidate| executable(candidate))
}
