//! A fake Ollama: its HTTP API (`/api/tags`, `/api/show`, `/api/pull` streamed, `/api/copy`,
//! `/api/delete`) on a loopback port, and the same models behind the fake docker's
//! `docker exec <container> ollama list|cp|rm|pull` (both read and write one state folder).
//!
//! The state is two files of `name digest size quantization` lines: `installed` (what the
//! server has) and `registry` (what a pull of a name would fetch today). A test moves a tag in
//! the registry to make a model change under its name. [`FakeOllama::fail_request`] makes the
//! Nth HTTP request answer 500.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One model line of the state files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeModel {
    pub name: String,
    /// 64 lowercase hex.
    pub digest: String,
    pub size: u64,
    pub quantization: String,
}

impl FakeModel {
    pub fn new(name: &str, digest: &str, size: u64, quantization: &str) -> FakeModel {
        FakeModel {
            name: full(name),
            digest: digest.to_string(),
            size,
            quantization: quantization.to_string(),
        }
    }
}

/// A 64-hex digest made of `seed` repeated (e.g. `digest("6577803aa9a0")`).
pub fn digest(seed: &str) -> String {
    seed.repeat(64 / seed.len() + 1)[..64].to_string()
}

pub struct FakeOllama {
    dir: tempfile::TempDir,
    port: u16,
    requests: Arc<AtomicUsize>,
    fail_at: Arc<AtomicUsize>,
}

impl FakeOllama {
    /// A fake serving on a free loopback port, with nothing installed and an empty registry.
    pub fn start() -> FakeOllama {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("installed"), "").unwrap();
        std::fs::write(dir.path().join("registry"), "").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let fail_at = Arc::new(AtomicUsize::new(0));
        let state = dir.path().to_path_buf();
        let (count, fail) = (requests.clone(), fail_at.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                let failing = fail.load(Ordering::SeqCst) == n;
                serve(stream, &state, failing);
            }
        });
        FakeOllama {
            dir,
            port,
            requests,
            fail_at,
        }
    }

    /// `127.0.0.1:<port>`, a value for `OLLAMA_HOST`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The state folder (`FAKE_OLLAMA_STATE` for the fake docker).
    pub fn state_dir(&self) -> &Path {
        self.dir.path()
    }

    /// HTTP requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// The `n`th HTTP request from now (1 = the next one) answers 500.
    pub fn fail_request(&self, n: usize) {
        self.fail_at.store(self.requests() + n, Ordering::SeqCst);
    }

    pub fn install(&self, model: FakeModel) {
        put(&self.dir.path().join("installed"), model);
    }

    /// What a pull of `model.name` fetches from now on.
    pub fn publish(&self, model: FakeModel) {
        put(&self.dir.path().join("registry"), model);
    }

    pub fn installed(&self) -> Vec<FakeModel> {
        read(&self.dir.path().join("installed"))
    }

    pub fn installed_names(&self) -> Vec<String> {
        self.installed().into_iter().map(|m| m.name).collect()
    }
}

fn full(name: &str) -> String {
    if name.contains(':') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

fn read(file: &Path) -> Vec<FakeModel> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some(FakeModel {
                name: words.next()?.to_string(),
                digest: words.next()?.to_string(),
                size: words.next()?.parse().ok()?,
                quantization: words.next().unwrap_or("Q4_0").to_string(),
            })
        })
        .collect()
}

fn write(file: &Path, models: &[FakeModel]) {
    let text: String = models
        .iter()
        .map(|m| format!("{} {} {} {}\n", m.name, m.digest, m.size, m.quantization))
        .collect();
    let tmp = file.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(tmp, file).unwrap();
}

fn put(file: &Path, model: FakeModel) {
    let mut models = read(file);
    models.retain(|m| m.name != model.name);
    models.insert(0, model);
    write(file, &models);
}

fn find(models: &[FakeModel], name: &str) -> Option<FakeModel> {
    let name = full(name);
    models
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(&name))
        .cloned()
}

fn serve(mut stream: TcpStream, state: &Path, failing: bool) {
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while request.len() < head_end + length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    let body: serde_json::Value =
        serde_json::from_slice(&request[head_end..]).unwrap_or(serde_json::Value::Null);
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let (status, content) = if failing {
        (500, error("fake ollama: failing this request on purpose"))
    } else {
        answer(method, path, &body, state)
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{content}",
        content.len()
    );
}

fn error(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

fn answer(method: &str, path: &str, body: &serde_json::Value, state: &Path) -> (u16, String) {
    let installed_file = state.join("installed");
    let installed = read(&installed_file);
    let model = body["model"]
        .as_str()
        .or(body["name"].as_str())
        .unwrap_or("");
    match (method, path) {
        ("GET", "/") => (200, "Ollama is running".into()),
        ("GET", "/api/tags") => {
            let models: Vec<serde_json::Value> = installed
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "name": m.name, "model": m.name, "size": m.size, "digest": m.digest,
                        "modified_at": "2026-11-01T10:00:00.000000000Z",
                        "details": {"parent_model": "", "format": "gguf", "family": "llama",
                                    "families": null, "parameter_size": "7.2B",
                                    "quantization_level": m.quantization}
                    })
                })
                .collect();
            (200, serde_json::json!({ "models": models }).to_string())
        }
        ("POST", "/api/show") => match find(&installed, model) {
            Some(m) => (
                200,
                serde_json::json!({"details": {"family": "llama", "parameter_size": "7.2B",
                    "quantization_level": m.quantization}, "modelfile": "FROM x"})
                .to_string(),
            ),
            None => (404, error(&format!("model '{model}' not found"))),
        },
        ("POST", "/api/pull") => {
            let mut lines = vec![serde_json::json!({"status": "pulling manifest"}).to_string()];
            match find(&read(&state.join("registry")), model) {
                Some(m) => {
                    lines.push(
                        serde_json::json!({"status": format!("pulling {}", &m.digest[..12]),
                        "digest": format!("sha256:{}", m.digest), "total": m.size, "completed": m.size})
                        .to_string(),
                    );
                    put(&installed_file, m);
                    for status in ["verifying sha256 digest", "writing manifest", "success"] {
                        lines.push(serde_json::json!({ "status": status }).to_string());
                    }
                }
                None => lines.push(error("pull model manifest: file does not exist")),
            }
            (200, lines.join("\n") + "\n")
        }
        ("POST", "/api/copy") => {
            let source = body["source"].as_str().unwrap_or("");
            let destination = body["destination"].as_str().unwrap_or("");
            match find(&installed, source) {
                Some(m) if !destination.is_empty() && !destination.contains('@') => {
                    put(
                        &installed_file,
                        FakeModel {
                            name: full(destination),
                            ..m
                        },
                    );
                    (200, String::new())
                }
                Some(_) => (400, error("invalid destination name")),
                None => (404, error(&format!("model \"{source}\" not found"))),
            }
        }
        ("DELETE", "/api/delete") => match find(&installed, model) {
            Some(m) => {
                let rest: Vec<FakeModel> = installed.into_iter().filter(|i| *i != m).collect();
                write(&installed_file, &rest);
                (200, String::new())
            }
            None => (404, error(&format!("model '{model}' not found"))),
        },
        _ => (404, "404 page not found".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(fake: &FakeOllama, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(fake.host()).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let body = answer.split_once("\r\n\r\n").unwrap().1.to_string();
        (status, body)
    }

    #[test]
    fn api_and_docker_share_the_models() {
        let fake = FakeOllama::start();
        fake.publish(FakeModel::new(
            "mistral",
            &digest("f974"),
            4_100_000_000,
            "Q4_0",
        ));
        let (status, body) = http(&fake, "POST", "/api/pull", r#"{"model":"mistral"}"#);
        assert_eq!(status, 200);
        assert!(body.ends_with("{\"status\":\"success\"}\n"), "{body}");
        assert_eq!(fake.installed_names(), ["mistral:latest"]);
        let (_, body) = http(&fake, "POST", "/api/pull", r#"{"model":"nope:1"}"#);
        assert!(body.contains("\"error\""));
        let copy = r#"{"source":"mistral:latest","destination":"pin:f974f974f974"}"#;
        assert_eq!(http(&fake, "POST", "/api/copy", copy).0, 200);
        let (_, tags) = http(&fake, "GET", "/api/tags", "");
        assert!(tags.contains("pin:f974f974f974") && tags.contains(&digest("f974")));
        assert_eq!(
            http(&fake, "DELETE", "/api/delete", r#"{"model":"x"}"#).0,
            404
        );

        let docker = crate::docker::FakeDocker::new();
        let run = |args: &[&str]| {
            std::process::Command::new(docker.bin_dir().join("docker"))
                .args(args)
                .env("FAKE_DOCKER_LOG", docker.log())
                .env("FAKE_OLLAMA_STATE", fake.state_dir())
                .output()
                .unwrap()
        };
        assert!(run(&["exec", "ollama", "ollama", "rm", "pin:f974f974f974"])
            .status
            .success());
        let list = run(&["exec", "ollama", "ollama", "list"]);
        let list = String::from_utf8_lossy(&list.stdout);
        assert!(
            list.contains("mistral:latest    f974f974f974    4.1 GB"),
            "{list}"
        );
        assert!(!run(&["exec", "ollama", "ollama", "pull", "nope"])
            .status
            .success());
        assert_eq!(fake.installed_names(), ["mistral:latest"]);

        fake.fail_request(1);
        assert_eq!(http(&fake, "GET", "/api/tags", "").0, 500);
        assert_eq!(http(&fake, "GET", "/api/tags", "").0, 200);
    }
}
