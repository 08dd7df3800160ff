//! The Ollama that serves the project's models: its HTTP API at `OLLAMA_HOST` when that is set,
//! else `docker exec <ollama container> ollama ...` with the container from the compose file.

use std::path::Path;

use xshell::{cmd, Shell};

pub use ollama::Model;

#[derive(Debug, Clone)]
pub enum Server {
    Api(ollama::Client),
    Docker { container: String },
}

/// Why no Ollama could be asked (the checks are then `blocked`, the commands refused).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Server {
    /// `OLLAMA_HOST`, else the compose file's ollama service through `docker exec`.
    pub fn locate(project: &Path) -> Result<Server, Unreachable> {
        if let Some(host) = std::env::var("OLLAMA_HOST")
            .ok()
            .filter(|h| !h.trim().is_empty())
        {
            let authority = ollama::authority_from_host(&host).map_err(Unreachable)?;
            return Ok(Server::Api(ollama::Client::new(authority)));
        }
        let compose = project::compose::Compose::load(project)
            .map_err(|err| Unreachable(format!("no OLLAMA_HOST, and the compose file: {err}")))?;
        let service = compose.service("ollama").ok_or_else(|| {
            Unreachable(format!(
                "no OLLAMA_HOST, and {} has no ollama service",
                compose.file
            ))
        })?;
        Ok(Server::Docker {
            container: service.container().to_string(),
        })
    }

    pub fn describe(&self) -> String {
        match self {
            Server::Api(client) => format!("Ollama at {}", client.authority()),
            Server::Docker { container } => format!("`docker exec {container} ollama`"),
        }
    }

    /// Every model Ollama has. An unreachable server is [`Unreachable`].
    pub fn list(&self) -> Result<Vec<Model>, Unreachable> {
        match self {
            Server::Api(client) => client.tags().map_err(|err| Unreachable(err.message)),
            Server::Docker { container } => {
                let listed = docker(&["exec", container, "ollama", "list"]).map_err(Unreachable)?;
                Ok(ollama::parse_list(&listed))
            }
        }
    }

    pub fn pull(&self, model: &str) -> anyhow::Result<()> {
        match self {
            Server::Api(client) => client.pull(model).map_err(Into::into),
            Server::Docker { container } => docker(&["exec", container, "ollama", "pull", model])
                .map(drop)
                .map_err(anyhow::Error::msg),
        }
    }

    pub fn copy(&self, source: &str, destination: &str) -> anyhow::Result<()> {
        match self {
            Server::Api(client) => client.copy(source, destination).map_err(Into::into),
            Server::Docker { container } => {
                docker(&["exec", container, "ollama", "cp", source, destination])
                    .map(drop)
                    .map_err(anyhow::Error::msg)
            }
        }
    }

    pub fn delete(&self, model: &str) -> anyhow::Result<()> {
        match self {
            Server::Api(client) => client.delete(model).map_err(Into::into),
            Server::Docker { container } => docker(&["exec", container, "ollama", "rm", model])
                .map(drop)
                .map_err(anyhow::Error::msg),
        }
    }

    /// How a plan line names a call: `POST /api/copy a -> b` or `docker exec ollama ollama cp a b`.
    pub fn show_call(&self, api: &str, cli: &[&str]) -> String {
        match self {
            Server::Api(client) => format!("{api} (Ollama at {})", client.authority()),
            Server::Docker { container } => {
                format!("docker exec {container} ollama {}", cli.join(" "))
            }
        }
    }
}

/// The model named `name` (`:latest` implied) among `models`.
pub fn find<'a>(models: &'a [Model], name: &str) -> Option<&'a Model> {
    models.iter().find(|m| ollama::same_name(&m.name, name))
}

/// Runs `docker ARGS`; the error is the command and its last stderr line.
pub fn docker(args: &[&str]) -> Result<String, String> {
    let sh = Shell::new().map_err(|err| err.to_string())?;
    let out = cmd!(sh, "docker {args...}")
        .quiet()
        .ignore_status()
        .output()
        .map_err(|err| format!("`docker {}` cannot run: {err}", args.join(" ")))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    Err(format!(
        "`docker {}` failed: {}",
        args.join(" "),
        last.trim()
    ))
}
