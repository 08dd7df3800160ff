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
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            // Read the whole request head before answering, so closing never resets it.
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// A loopback port nothing listens on.
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
