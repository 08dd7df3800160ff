//! docker-compose.yml: services with their container names, images and published host ports.

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use crate::FactError;

/// One service of a compose file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub container_name: Option<String>,
    pub image: Option<String>,
    /// True when the service is built from a Dockerfile of the project.
    pub built: bool,
    /// Host ports the service publishes, with the container port each maps to.
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    pub host: u16,
    pub container: u16,
}

impl Service {
    /// The name `docker exec` takes: `container_name`, else the service name.
    pub fn container(&self) -> &str {
        self.container_name.as_deref().unwrap_or(&self.name)
    }

    /// The host port that maps to `container_port`, else the first published one.
    pub fn host_port(&self, container_port: u16) -> Option<u16> {
        let exact = self.ports.iter().find(|p| p.container == container_port);
        exact.or(self.ports.first()).map(|p| p.host)
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

/// The services of the project's docker-compose.yml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compose {
    pub file: String,
    pub services: Vec<Service>,
}

/// The compose file names docker compose looks for, in its order.
pub const COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

impl Compose {
    /// Reads the project's compose file.
    pub fn load(project: &Path) -> Result<Compose, FactError> {
        let file = COMPOSE_FILES
            .iter()
            .find(|name| project.join(name).is_file())
            .ok_or_else(|| {
                FactError::missing("docker-compose.yml", "the project has no compose file")
            })?;
        let text = crate::read(project, file)?;
        Compose::parse(file, &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Compose, FactError> {
        let docs = YamlLoader::load_from_str(text)
            .map_err(|err| FactError::invalid(file, err.to_string()))?;
        let root = docs.into_iter().next().unwrap_or(Yaml::Null);
        let services = match &root["services"] {
            Yaml::Hash(services) => services
                .iter()
                .filter_map(|(name, service)| Some(read_service(name.as_str()?, service)))
                .collect::<Result<Vec<_>, String>>()
                .map_err(|why| FactError::invalid(file, why))?,
            _ => return Err(FactError::invalid(file, "no `services:` mapping".into())),
        };
        Ok(Compose {
            file: file.to_string(),
            services,
        })
    }

    /// The first service whose name or image mentions `what`.
    pub fn service(&self, what: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.is(what))
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
}

fn read_service(name: &str, service: &Yaml) -> Result<Service, String> {
    let ports = match &service["ports"] {
        Yaml::Array(ports) => ports
            .iter()
            .filter_map(|port| read_port(port).transpose())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| format!("service `{name}`: {why}"))?,
        _ => Vec::new(),
    };
    Ok(Service {
        name: name.to_string(),
        container_name: service["container_name"].as_str().map(str::to_string),
        image: service["image"].as_str().map(str::to_string),
        built: !service["build"].is_badvalue() && !service["build"].is_null(),
        ports,
    })
}

/// A published port: `"HOST:CONTAINER"`, `"IP:HOST:CONTAINER"`, `"HOST:CONTAINER/tcp"`, or the long
/// syntax `{ target, published }`. `"CONTAINER"` alone publishes nothing fixed: `None`.
fn read_port(port: &Yaml) -> Result<Option<Port>, String> {
    let number = |y: &Yaml| match y {
        Yaml::Integer(n) => u16::try_from(*n).ok(),
        Yaml::String(s) => s.parse().ok(),
        _ => None,
    };
    if let Yaml::Hash(_) = port {
        let (Some(container), Some(host)) = (number(&port["target"]), number(&port["published"]))
        else {
            return Ok(None);
        };
        return Ok(Some(Port { host, container }));
    }
    let text = match port {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(n) => n.to_string(),
        other => return Err(format!("cannot read port {other:?}")),
    };
    let spec = text.split('/').next().unwrap_or_default();
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    let parse = |s: &str| {
        s.parse::<u16>()
            .map_err(|_| format!("cannot read port `{text}`"))
    };
    match parts.as_slice() {
        [_container] => Ok(None),
        [container, host, ..] => Ok(Some(Port {
            host: parse(host)?,
            container: parse(container)?,
        })),
        [] => Err(format!("cannot read port `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = r#"
services:
  ollama:
    image: ollama/ollama:latest
    container_name: ollama
    ports: ["11434:11434"]
  langflow:
    image: langflowai/langflow:1.0
    ports:
      - "127.0.0.1:7861:7860/tcp"
  code-server:
    image: codercom/code-server
    ports:
      - target: 8080
        published: 8443
  app:
    build: .
    container_name: coding-assistant
    ports: ["9000"]
"#;

    #[test]
    fn reads_names_and_published_ports_in_every_syntax() {
        let compose = Compose::parse("docker-compose.yml", COMPOSE).unwrap();
        let ollama = compose.service("ollama").unwrap();
        assert_eq!(
            (ollama.container(), ollama.host_port(11434)),
            ("ollama", Some(11434))
        );
        assert_eq!(
            compose.service("langflow").unwrap().host_port(7860),
            Some(7861)
        );
        assert_eq!(
            compose.service("code-server").unwrap().host_port(8080),
            Some(8443)
        );
        let app = compose.app().unwrap();
        assert_eq!(
            (app.container(), app.built, app.ports.len()),
            ("coding-assistant", true, 0)
        );
        assert_eq!(compose.service("langflow").unwrap().container(), "langflow");
    }

    #[test]
    fn invalid_files_are_errors_naming_the_file() {
        let err = Compose::parse("compose.yml", "services: [").unwrap_err();
        assert!(err.to_string().starts_with("compose.yml"), "{err}");
        let err = Compose::parse("compose.yml", "version: '3'\n").unwrap_err();
        assert!(err.to_string().contains("no `services:`"), "{err}");
        let err = Compose::parse("c.yml", "services:\n  a:\n    ports: [\"x:80\"]\n").unwrap_err();
        assert!(err.to_string().contains("cannot read port `x:80`"), "{err}");
    }
}
