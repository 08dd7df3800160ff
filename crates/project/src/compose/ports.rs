//! `ports:` entries, short syntax (`[IP:][HOST:]CONTAINER[/PROTOCOL]`, ranges) and long syntax
//! (`target`, `published`, `host_ip`, `protocol`), as compose normalises them.

use super::yaml::{Node, Value};

/// One published (or exposed) container port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub host_ip: Option<String>,
    /// The host port or range (`"8080"`, `"8000-9000"`); `None` lets the engine pick one.
    pub published: Option<String>,
    pub target: u16,
    pub protocol: String,
}

impl Port {
    /// The fixed host port, when one port is published.
    pub fn host(&self) -> Option<u16> {
        self.published.as_deref()?.parse().ok()
    }
}

/// The ports one entry stands for (a range gives several), or why it cannot be read.
pub fn parse(entry: &Node) -> Result<Vec<Port>, String> {
    match &entry.value {
        Value::Scalar { text, .. } => parse_short(text),
        Value::Map(_) => parse_long(entry).map(|p| vec![p]),
        _ => Err("a port is a string or a mapping".into()),
    }
}

fn parse_long(entry: &Node) -> Result<Port, String> {
    let text = |key: &str| entry.get(key).and_then(Node::as_str).map(str::to_string);
    let target = text("target").ok_or("a long-syntax port needs `target`")?;
    let target = number(&target).ok_or_else(|| format!("`target: {target}` is not a port"))?;
    let published = text("published").filter(|p| !p.is_empty());
    if let Some(published) = &published {
        range(published).ok_or_else(|| format!("`published: {published}` is not a port"))?;
    }
    Ok(Port {
        host_ip: text("host_ip").filter(|ip| !ip.is_empty()),
        published,
        target,
        protocol: text("protocol").unwrap_or_else(|| "tcp".into()),
    })
}

fn parse_short(spec: &str) -> Result<Vec<Port>, String> {
    let bad = || format!("cannot read port `{spec}`");
    let (mapping, protocol) = match spec.rsplit_once('/') {
        Some((mapping, protocol)) if ["tcp", "udp", "sctp"].contains(&protocol) => {
            (mapping, protocol)
        }
        Some(_) => return Err(bad()),
        None => (spec, "tcp"),
    };
    // The host IP may be IPv6 (`::1:6000:6000`, `[::1]:6001:6001`): split from the right.
    let (host_ip, host, container) = match mapping.rsplit_once(':') {
        None => (None, None, mapping),
        Some((left, container)) => match left.rsplit_once(':') {
            None => (None, Some(left), container),
            Some((ip, host)) => {
                let ip = ip.trim_start_matches('[').trim_end_matches(']');
                (Some(ip.to_string()), Some(host), container)
            }
        },
    };
    let host_ip = host_ip.filter(|ip| !ip.is_empty());
    let host = host.filter(|h| !h.is_empty());
    let (first, last) = range(container).ok_or_else(bad)?;
    let ports = |published: &dyn Fn(u16) -> Option<String>| {
        (first..=last)
            .map(|target| Port {
                host_ip: host_ip.clone(),
                published: published(target - first),
                target,
                protocol: protocol.into(),
            })
            .collect()
    };
    let Some(host) = host else {
        return Ok(ports(&|_| None));
    };
    let (host_first, host_last) = range(host).ok_or_else(bad)?;
    if first == last {
        return Ok(ports(&|_| Some(host.to_string())));
    }
    if host_last - host_first != last - first {
        return Err(format!(
            "`{spec}`: invalid ranges specified for container and host ports"
        ));
    }
    Ok(ports(&|offset| Some((host_first + offset).to_string())))
}

fn number(text: &str) -> Option<u16> {
    text.trim().parse().ok()
}

fn range(text: &str) -> Option<(u16, u16)> {
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            (a <= b).then_some((a, b))
        }
        None => number(text).map(|n| (n, n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::yaml;

    /// `(host_ip, published, target, protocol)`.
    type Read = (Option<String>, Option<String>, u16, String);

    fn read(entry: &str) -> Result<Vec<Read>, String> {
        let node = yaml::parse(&format!("p: {entry}")).unwrap();
        parse(node.get("p").unwrap()).map(|ports| {
            ports
                .into_iter()
                .map(|p| (p.host_ip, p.published, p.target, p.protocol))
                .collect()
        })
    }

    fn port(ip: Option<&str>, published: Option<&str>, target: u16, proto: &str) -> Read {
        (
            ip.map(Into::into),
            published.map(Into::into),
            target,
            proto.into(),
        )
    }

    #[test]
    fn short_syntax_in_every_shape() {
        let cases = [
            ("\"3000\"", vec![port(None, None, 3000, "tcp")]),
            ("3000", vec![port(None, None, 3000, "tcp")]),
            (
                "\"3000-3002\"",
                vec![
                    port(None, None, 3000, "tcp"),
                    port(None, None, 3001, "tcp"),
                    port(None, None, 3002, "tcp"),
                ],
            ),
            ("\"8000:8000\"", vec![port(None, Some("8000"), 8000, "tcp")]),
            (
                "\"9090-9091:8080-8081\"",
                vec![
                    port(None, Some("9090"), 8080, "tcp"),
                    port(None, Some("9091"), 8081, "tcp"),
                ],
            ),
            (
                "\"8000-9000:80\"",
                vec![port(None, Some("8000-9000"), 80, "tcp")],
            ),
            (
                "\"127.0.0.1:8001:8001\"",
                vec![port(Some("127.0.0.1"), Some("8001"), 8001, "tcp")],
            ),
            (
                "\"::1:6000:6000\"",
                vec![port(Some("::1"), Some("6000"), 6000, "tcp")],
            ),
            (
                "\"[::1]:6001:6001\"",
                vec![port(Some("::1"), Some("6001"), 6001, "tcp")],
            ),
            (
                "\"6060:6060/udp\"",
                vec![port(None, Some("6060"), 6060, "udp")],
            ),
            (
                "\"127.0.0.1::80\"",
                vec![port(Some("127.0.0.1"), None, 80, "tcp")],
            ),
        ];
        for (entry, want) in cases {
            assert_eq!(read(entry).unwrap(), want, "{entry}");
        }
    }

    #[test]
    fn long_syntax() {
        assert_eq!(
            read("{target: 80, published: 8080, host_ip: 127.0.0.1, protocol: udp}").unwrap(),
            [port(Some("127.0.0.1"), Some("8080"), 80, "udp")]
        );
        assert_eq!(
            read("{target: \"80\"}").unwrap(),
            [port(None, None, 80, "tcp")]
        );
        assert_eq!(
            read("{target: 80, published: \"8000-8010\"}").unwrap(),
            [port(None, Some("8000-8010"), 80, "tcp")]
        );
    }

    #[test]
    fn unreadable_ports_say_why() {
        assert_eq!(read("\"x:80\"").unwrap_err(), "cannot read port `x:80`");
        assert_eq!(
            read("\"80/icmp\"").unwrap_err(),
            "cannot read port `80/icmp`"
        );
        assert_eq!(
            read("\"9090-9092:8080-8081\"").unwrap_err(),
            "`9090-9092:8080-8081`: invalid ranges specified for container and host ports"
        );
        assert_eq!(
            read("{published: 80}").unwrap_err(),
            "a long-syntax port needs `target`"
        );
        assert_eq!(
            read("{target: http}").unwrap_err(),
            "`target: http` is not a port"
        );
    }
}
