//! The functional section: build, deploy and the `docker exec` items run as commands; the
//! services' HTTP endpoints are polled natively on the host ports docker-compose.yml publishes.

use std::time::{Duration, Instant};

use runner::{Log, Outcome};

use super::{Env, Native};

/// The services the checklist names: what to look for in docker-compose.yml, the container port,
/// the path that answers when the service is up, and the host port the checklist states.
const SERVICES: &[(&str, u16, &str, u16)] = &[
    ("ollama", 11434, "/api/tags", 11434),
    ("langflow", 7860, "/health", 7860),
    ("code-server", 8080, "/healthz", 8080),
];

const RETRY_EVERY: Duration = Duration::from_secs(2);

/// The checks of this section implemented here, by id (see `super::NATIVE`).
pub const NATIVE: &[(&str, Native)] = &[
    ("services-healthy", services_healthy),
    ("compose-config", compose_config),
];

/// The compose project as docker compose reads it: fails on what compose would refuse (a
/// required variable missing, an invalid interpolation, a bad `.env` line) and on facts that
/// cannot be read; unset variables (compose warns and uses "") are named in the reason.
fn compose_config(env: &Env, log: Log) -> Outcome {
    let compose = match &env.compose {
        Ok(compose) => compose,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let env_files = if compose.env_files.is_empty() {
        "none".to_string()
    } else {
        compose.env_files.join(", ")
    };
    writeln!(
        log,
        "files: {}
env files: {env_files}
project: {} (from {})
profiles enabled: {}",
        compose.describe_files(),
        compose.project_name,
        compose.project_name_from,
        if compose.profiles.is_empty() {
            "none".to_string()
        } else {
            compose.profiles.join(",")
        }
    )
    .ok();
    for service in &compose.services {
        let ports: Vec<String> = service
            .ports
            .iter()
            .map(|p| match &p.published {
                Some(host) => format!("{host}:{}/{}", p.target, p.protocol),
                None => format!("{}/{}", p.target, p.protocol),
            })
            .collect();
        writeln!(
            log,
            "{} ({}:{}): {}container {}, image {}, ports [{}]",
            service.name,
            service.file,
            service.line,
            if service.active { "" } else { "INACTIVE, " },
            service.container(),
            service
                .image
                .as_deref()
                .unwrap_or(if service.built { "(built)" } else { "-" }),
            ports.join(", ")
        )
        .ok();
    }
    for finding in &compose.findings {
        writeln!(log, "{finding}").ok();
    }
    let of = |severity| -> Vec<String> {
        compose
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(ToString::to_string)
            .collect()
    };
    let (errors, warnings) = (
        of(project::compose::Severity::Error),
        of(project::compose::Severity::Warning),
    );
    let active = compose.services.iter().filter(|s| s.active).count();
    let warned = match warnings.len() {
        0 => String::new(),
        n => format!("; {n} warning{}: {}", plural(n), warnings.join("; ")),
    };
    if !errors.is_empty() {
        return Outcome::fail(format!(
            "{} problem{} in {}: {}{warned}",
            errors.len(),
            plural(errors.len()),
            compose.describe_files(),
            errors.join("; ")
        ));
    }
    super::documentation::pass_because(format!(
        "{}: project {}, {active} of {} services active{warned}",
        compose.describe_files(),
        compose.project_name,
        compose.services.len()
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `OLLAMA_URL`, `LANGFLOW_URL`, `CODE_SERVER_URL`: the environment variable that points a
/// service's check at another endpoint (`http://host:port`, optionally with the path to poll).
pub fn override_var(service: &str) -> String {
    format!("{}_URL", service.to_uppercase().replace('-', "_"))
}

/// An endpoint to poll: `host:port` and the path.
struct Endpoint {
    authority: String,
    path: String,
}

impl Endpoint {
    fn url(&self) -> String {
        format!("http://{}{}", self.authority, self.path)
    }
}

/// The endpoint `$<SERVICE>_URL` names, or why it cannot be used.
fn from_override(var: &str, url: &str, default_path: &str) -> Result<Endpoint, String> {
    let rest = url
        .trim()
        .strip_prefix("http://")
        .ok_or_else(|| format!("{var}={url:?}: only http://host:port[/path] URLs can be polled"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) if rest[i..].len() > 1 => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], default_path.to_string()),
        None => (rest, default_path.to_string()),
    };
    if authority.is_empty() {
        return Err(format!("{var}={url:?} names no host"));
    }
    Ok(Endpoint {
        authority: authority.to_string(),
        path,
    })
}

/// Polls every service until it answers 2xx/3xx or the deadline passes.
fn services_healthy(env: &Env, log: Log) -> Outcome {
    match &env.compose {
        Ok(compose) => wait_healthy(compose, env.health_timeout, log),
        Err(err) => Outcome::fail(err.to_string()),
    }
}

/// `services-healthy` for any caller (`rollback` gates on it): every service the checklist
/// names, on the host port `compose` publishes, polled until it answers 2xx/3xx or `timeout`
/// passes. Each answer (the evidence) is written to `log`.
pub fn wait_healthy(
    compose: &project::compose::Compose,
    timeout: std::time::Duration,
    log: Log,
) -> Outcome {
    let mut endpoints = Vec::new();
    let mut problems = Vec::new();
    for &(name, container_port, path, stated) in SERVICES {
        let var = override_var(name);
        if let Some(url) = std::env::var(&var).ok().filter(|u| !u.trim().is_empty()) {
            match from_override(&var, &url, path) {
                Ok(endpoint) => {
                    writeln!(log, "{name}: {} (from {var})", endpoint.url()).ok();
                    endpoints.push((name, endpoint));
                }
                Err(why) => problems.push(why),
            }
            continue;
        }
        let service = match compose.running(name) {
            Ok(service) => service,
            Err(why) => {
                problems.push(why);
                continue;
            }
        };
        let Some(port) = service.host_port(container_port) else {
            let findings: Vec<String> = compose
                .findings_for(&service.name)
                .map(ToString::to_string)
                .collect();
            problems.push(if findings.is_empty() {
                format!(
                    "{} publishes no port for {name} (or set {var})",
                    compose.describe_files()
                )
            } else {
                format!("no port for {name}: {}", findings.join("; "))
            });
            continue;
        };
        if port != stated {
            writeln!(
                log,
                "drift: the checklist says localhost:{stated} for {name}; {} publishes {port}",
                compose.describe_files()
            )
            .ok();
        }
        let endpoint = Endpoint {
            authority: format!("localhost:{port}"),
            path: path.to_string(),
        };
        writeln!(
            log,
            "{name}: {} (the port {} publishes)",
            endpoint.url(),
            compose.file
        )
        .ok();
        endpoints.push((name, endpoint));
    }
    let deadline = Instant::now() + timeout;
    let seconds = timeout.as_secs();
    let mut answered = Vec::new();
    for (name, endpoint) in endpoints {
        match poll(&endpoint, deadline, log) {
            Ok(status) => {
                writeln!(log, "{name}: {} answered {status}", endpoint.url()).ok();
                answered.push(endpoint.url());
            }
            Err(why) => problems.push(format!(
                "{name} ({}): {why} (gave up after {seconds}s)",
                endpoint.url()
            )),
        };
    }
    if problems.is_empty() {
        super::documentation::pass_because(format!("answered: {}", answered.join(", ")))
    } else {
        Outcome::fail(problems.join("; "))
    }
}

/// Retries until the endpoint answers below 400 or the deadline passes; the last error otherwise.
fn poll(endpoint: &Endpoint, deadline: Instant, log: Log) -> Result<u16, String> {
    loop {
        let error = match http_status(endpoint) {
            Ok(status) if status < 400 => return Ok(status),
            Ok(status) => format!("answered HTTP {status}"),
            Err(err) => err,
        };
        if Instant::now() + RETRY_EVERY > deadline {
            return Err(error);
        }
        writeln!(log, "{}: {error}; retrying", endpoint.url()).ok();
        std::thread::sleep(RETRY_EVERY);
    }
}

/// The status code of a GET on this machine.
fn http_status(endpoint: &Endpoint) -> Result<u16, String> {
    localhttp::get(&endpoint.authority, &endpoint.path).map(|response| response.status)
}
