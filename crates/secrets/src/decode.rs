//! Decoding what some rules must look inside: base64 (standard and URL-safe, padding optional).
//! A JWT's header, a Discord token's user id and a Docker `auth` entry are base64; decoding them
//! tells a real token from text of the same shape.

/// The bytes `text` encodes in base64 (`+/` or `-_`, `=` padding optional), or `None` when it is
/// not base64.
pub(crate) fn base64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// `text` decoded from base64 as UTF-8.
pub(crate) fn base64_text(text: &str) -> Option<String> {
    String::from_utf8(base64(text)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_standard_and_url_safe_base64_with_or_without_padding() {
        assert_eq!(base64_text("dXNlcjpwYXNz").as_deref(), Some("user:pass"));
        assert_eq!(
            base64_text("eyJhbGciOiJIUzI1NiJ9").as_deref(),
            Some(r#"{"alg":"HS256"}"#)
        );
        assert_eq!(base64_text("YQ==").as_deref(), Some("a"));
        assert_eq!(base64_text("YQ").as_deref(), Some("a"));
        assert_eq!(base64("-_-_"), Some(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(base64("+/+/"), Some(vec![0xfb, 0xff, 0xbf]));
        assert_eq!(base64("a.b"), None);
        assert_eq!(base64("abcde"), None, "one character too many");
    }
}
