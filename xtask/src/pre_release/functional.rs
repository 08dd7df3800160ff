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
pub const NATIVE: &[(&str, Native)] = &[("services-healthy", services_healthy)];

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
    let compose = match &env.compose {
        Ok(compose) => compose,
        Err(err) => return Outcome::fail(err.to_string()),
    };
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
        let Some(port) = compose
            .service(name)
            .and_then(|s| s.host_port(container_port))
        else {
            problems.push(format!(
                "{} publishes no port for {name} (or set {var})",
                compose.file
            ));
            continue;
        };
        if port != stated {
            writeln!(
                log,
                "drift: the checklist says localhost:{stated} for {name}; {} publishes {port}",
                compose.file
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
    let deadline = Instant::now() + env.health_timeout;
    let seconds = env.health_timeout.as_secs();
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
        Outcome {
            status: runner::Status::Pass,
            reason: Some(format!("answered: {}", answered.join(", "))),
        }
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
