//! Path globs: `*` and `?` within one path segment, `**` across segments (including none), and
//! a trailing `/` for "everything below this folder". Patterns match whole `/`-separated paths
//! from the root. Used by the archive groups and the secrets allowlist; hand-written because
//! these tokens are all they need.

/// True when `path` (with `/` separators) matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pattern = match pattern.strip_suffix('/') {
        Some(dir) => format!("{dir}/**"),
        None => pattern.to_string(),
    };
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    match_segments(&pattern, &path)
}

fn match_segments(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| match_segments(rest, &path[skip..])),
        Some((first, rest)) => path.split_first().is_some_and(|(segment, path)| {
            match_segment(first.as_bytes(), segment.as_bytes()) && match_segments(rest, path)
        }),
    }
}

fn match_segment(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| match_segment(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && match_segment(rest, &text[1..]),
        Some((c, rest)) => text.first() == Some(c) && match_segment(rest, &text[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        let cases = [
            ("docker-compose*.yml", "docker-compose.yml", true),
            ("docker-compose*.yml", "docker-compose.gpu.yml", true),
            ("docker-compose*.yml", "deploy/docker-compose.yml", false),
            (".env.example", ".env.example", true),
            (".env.example", ".env", false),
            ("docs/", "docs/a.md", true),
            ("docs/", "docs/deep/b.md", true),
            ("docs/", "docsx/a.md", false),
            ("docs/**", "docs/deep/b.md", true),
            (
                "docs/langflow/examples/*.json",
                "docs/langflow/examples/chat.json",
                true,
            ),
            (
                "docs/langflow/examples/*.json",
                "docs/langflow/examples/old/chat.json",
                false,
            ),
            (
                "docs/langflow/examples/*.json",
                "docs/langflow/examples/README.md",
                false,
            ),
            ("**/*.md", "README.md", true),
            ("**/*.md", "a/b/c.md", true),
            ("file?.txt", "file1.txt", true),
            ("file?.txt", "file10.txt", false),
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
