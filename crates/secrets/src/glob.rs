//! Path globs for allowlist entries: `*` and `?` stay within one path segment, `**` crosses them.
//!
//! Hand-written rather than a dependency: the allowlist needs these three tokens and nothing else.

/// True when `path` (with `/` separators) matches `pattern`.
pub(crate) fn matches(pattern: &str, path: &str) -> bool {
    matches_bytes(pattern.as_bytes(), path.as_bytes())
}

fn matches_bytes(pattern: &[u8], path: &[u8]) -> bool {
    match pattern {
        [] => path.is_empty(),
        [b'*', b'*', rest @ ..] => {
            // `**/` may also match no folder at all (`**/x` matches `x`).
            let rest_after_slash = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=path.len()).any(|skip| {
                matches_bytes(rest, &path[skip..]) || matches_bytes(rest_after_slash, &path[skip..])
            })
        }
        [b'*', rest @ ..] => {
            let segment_end = path.iter().position(|&b| b == b'/').unwrap_or(path.len());
            (0..=segment_end).any(|skip| matches_bytes(rest, &path[skip..]))
        }
        [b'?', rest @ ..] => {
            matches!(path, [first, tail @ ..] if *first != b'/' && matches_bytes(rest, tail))
        }
        [literal, rest @ ..] => {
            matches!(path, [first, tail @ ..] if first == literal && matches_bytes(rest, tail))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        let cases = [
            ("tests/fixtures/key.pem", "tests/fixtures/key.pem", true),
            ("tests/*.py", "tests/test_a.py", true),
            ("tests/*.py", "tests/unit/test_a.py", false),
            ("tests/**", "tests/unit/test_a.py", true),
            ("**/*.pem", "a/b/c.pem", true),
            ("**/*.pem", "c.pem", true),
            ("docs/**/*.md", "docs/a.md", true),
            ("docs/**/*.md", "docs/x/y/a.md", true),
            ("docs/?.md", "docs/a.md", true),
            ("docs/?.md", "docs/ab.md", false),
            ("src/a.py", "src/a.pyc", false),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(matches(pattern, path), expected, "{pattern} vs {path}");
        }
    }
}
