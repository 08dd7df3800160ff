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

/// Polls every service until it answers 2xx/3xx or the deadline passes.
fn services_healthy(env: &Env, log: Log) -> Outcome {
    let compose = match &env.compose {
        Ok(compose) => compose,
        Err(err) => return Outcome::fail(err.to_string()),
    };
    let mut endpoints = Vec::new();
    let mut problems = Vec::new();
    for &(name, container_port, path, stated) in SERVICES {
        let Some(port) = compose
            .service(name)
            .and_then(|s| s.host_port(container_port))
        else {
            problems.push(format!("{} publishes no port for {name}", compose.file));
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
        endpoints.push((name, port, path));
    }
    let deadline = Instant::now() + env.health_timeout;
    let seconds = env.health_timeout.as_secs();
    for (name, port, path) in endpoints {
        match poll(port, path, deadline, log) {
            Ok(status) => writeln!(
                log,
                "{name}: http://localhost:{port}{path} answered {status}"
            )
            .ok(),
            Err(why) => {
                problems.push(format!(
                    "{name} (http://localhost:{port}{path}): {why} (gave up after {seconds}s)"
                ));
                None
            }
        };
    }
    if problems.is_empty() {
        Outcome::pass()
    } else {
        Outcome::fail(problems.join("; "))
    }
}

/// Retries until the endpoint answers below 400 or the deadline passes; the last error otherwise.
fn poll(port: u16, path: &str, deadline: Instant, log: Log) -> Result<u16, String> {
    loop {
        let error = match http_status(port, path) {
            Ok(status) if status < 400 => return Ok(status),
            Ok(status) => format!("answered HTTP {status}"),
            Err(err) => err,
        };
        if Instant::now() + RETRY_EVERY > deadline {
            return Err(error);
        }
        writeln!(log, "localhost:{port}{path}: {error}; retrying").ok();
        std::thread::sleep(RETRY_EVERY);
    }
}

/// The status code of a GET on this machine.
fn http_status(port: u16, path: &str) -> Result<u16, String> {
    localhttp::get(&format!("localhost:{port}"), path).map(|response| response.status)
}
