//! Tiny local HTTP endpoints standing in for Ollama, Langflow and code-server.

use std::io::{Read, Write};
use std::net::TcpListener;

/// Serves `HTTP/1.1 <status>` to every request on a free loopback port, in a background thread
/// that lives as long as the test process. Returns the port.
pub fn serve_status(status: u16) -> u16 {
    serve(status, "{}")
}

/// Like [`serve_status`], answering every request with `body` (JSON), e.g. Ollama's
/// `/api/tags`.
pub fn serve(status: u16, body: &str) -> u16 {
    let body = body.to_string();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            read_head(&mut stream);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// Answers each request by its path: `(path, status, location)` for the paths in `routes` (with
/// a `Location:` header when `location` is given, e.g. a 301 to another path), 404 for any other
/// path, on a free loopback port in a background thread. Returns the port.
pub fn serve_paths(routes: &[(&str, u16, Option<&str>)]) -> u16 {
    let routes: Vec<(String, u16, Option<String>)> = routes
        .iter()
        .map(|(path, status, location)| (path.to_string(), *status, location.map(str::to_string)))
        .collect();
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let head = read_head(&mut stream);
            let path = head.split_whitespace().nth(1).unwrap_or_default();
            let (status, location) = routes
                .iter()
                .find(|(route, _, _)| route == path)
                .map_or((404, None), |(_, status, location)| {
                    (*status, location.as_deref())
                });
            let location = location.map_or_else(String::new, |to| format!("Location: {to}\r\n"));
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\n{location}Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    port
}

/// The request head (up to the blank line), read before answering so closing never resets it.
fn read_head(stream: &mut impl Read) -> String {
    let mut request = Vec::new();
    let mut chunk = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&request).into_owned()
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
