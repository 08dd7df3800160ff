//! A minimal blocking HTTP client for services on this machine (Ollama, Langflow, code-server):
//! plain HTTP/1.0, short timeouts, the status and the body. Health checks and the Ollama API
//! (a GET, or a POST/DELETE with a JSON body) need nothing more, and a real HTTP client would tax
//! every `cargo xtask` build.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const READ_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// `GET path` from `authority` (`host:port`). The error says which stage failed: resolving,
/// connecting, sending, reading, or an answer that is not HTTP.
pub fn get(authority: &str, path: &str) -> Result<Response, String> {
    request(authority, "GET", path, None, READ_TIMEOUT)
}

/// `method path` with an optional JSON `body`, waiting up to `read_timeout` between reads (a
/// streamed answer, such as Ollama's pull progress, is read to its end). Errors as [`get`].
pub fn request(
    authority: &str,
    method: &str,
    path: &str,
    body: Option<&[u8]>,
    read_timeout: Duration,
) -> Result<Response, String> {
    let address = authority
        .to_socket_addrs()
        .map_err(|err| format!("cannot resolve {authority}: {err}"))?
        .next()
        .ok_or_else(|| format!("cannot resolve {authority}"))?;
    let mut stream = TcpStream::connect_timeout(&address, CONNECT_TIMEOUT)
        .map_err(|err| format!("connection failed: {err}"))?;
    stream.set_read_timeout(Some(read_timeout)).ok();
    // HTTP/1.0: the body ends when the server closes, never chunked. One write: a server may
    // answer as soon as it has read the request line.
    let mut request =
        format!("{method} {path} HTTP/1.0\r\nHost: {authority}\r\nAccept: */*\r\n").into_bytes();
    if let Some(body) = body {
        request.extend_from_slice(
            format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            )
            .as_bytes(),
        );
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body.unwrap_or_default());
    stream
        .write_all(&request)
        .map_err(|err| format!("sending the request: {err}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|err| format!("reading the answer: {err}"))?;
    parse(&response)
}

fn parse(response: &[u8]) -> Result<Response, String> {
    let end = response.windows(4).position(|w| w == b"\r\n\r\n");
    let head = String::from_utf8_lossy(&response[..end.unwrap_or(response.len())]);
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/")
        .and_then(|rest| rest.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {status_line:?}"))?;
    let body = end.map_or_else(Vec::new, |end| response[end + 4..].to_vec());
    Ok(Response { status, body })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn serve_once(answer: &'static [u8]) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let authority = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut request = [0u8; 512];
            let _ = stream.read(&mut request);
            stream.write_all(answer).unwrap();
        });
        authority
    }

    #[test]
    fn reads_the_status_and_the_body() {
        let authority =
            serve_once(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"models\":[]}");
        let response = get(&authority, "/api/tags").unwrap();
        assert_eq!(
            response,
            Response {
                status: 200,
                body: b"{\"models\":[]}".to_vec()
            }
        );
    }

    #[test]
    fn says_what_failed() {
        let authority = serve_once(b"SSH-2.0-OpenSSH\r\n");
        assert!(get(&authority, "/")
            .unwrap_err()
            .starts_with("not an HTTP answer"));
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        assert!(get(&closed, "/")
            .unwrap_err()
            .starts_with("connection failed"));
        assert_eq!(parse(b"HTTP/1.0 503 Busy\r\n\r\n").unwrap().status, 503);
    }
}
