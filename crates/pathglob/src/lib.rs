//! Path globs: `*` and `?` within one path segment, `**` across segments (including none), and
//! a trailing `/` for "everything below this folder". Patterns match whole `/`-separated paths
//! from the root. Used by the archive groups and the secrets allowlist; hand-written because
//! these tokens are all they need.

/// True when `path` (with `/` separators) matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    Glob::new(pattern).matches(path)
}

/// A pattern split into segments once, for matching many paths without allocating.
#[derive(Debug, Clone)]
pub struct Glob {
    segments: Vec<String>,
    /// The pattern up to its first wildcard: a path that does not start with it cannot match,
    /// which rules out most paths with one comparison.
    literal: String,
}

impl Glob {
    pub fn new(pattern: &str) -> Glob {
        let mut segments: Vec<String> = match pattern.strip_suffix('/') {
            Some(dir) => dir.split('/').map(str::to_string).collect(),
            None => pattern.split('/').map(str::to_string).collect(),
        };
        if pattern.ends_with('/') {
            segments.push("**".into());
        }
        let literal = match pattern.find(['*', '?']) {
            Some(wildcard) => &pattern[..wildcard],
            None => pattern.strip_suffix('/').unwrap_or(pattern),
        };
        Glob {
            segments,
            literal: literal.to_string(),
        }
    }

    pub fn matches(&self, path: &str) -> bool {
        path.as_bytes().starts_with(self.literal.as_bytes())
            && match_segments(&self.segments, Some(path))
    }
}

/// `path` is what is left of the path, `None` once every segment is used up.
fn match_segments(pattern: &[String], path: Option<&str>) -> bool {
    let Some((first, rest)) = pattern.split_first() else {
        return path.is_none();
    };
    if first == "**" {
        // Zero or more whole segments.
        let mut path = path;
        loop {
            if match_segments(rest, path) {
                return true;
            }
            match path {
                Some(left) => path = left.split_once('/').map(|(_, after)| after),
                None => return false,
            }
        }
    }
    let Some(path) = path else {
        return false;
    };
    let (segment, after) = match path.split_once('/') {
        Some((segment, after)) => (segment, Some(after)),
        None => (path, None),
    };
    match_segment(first.as_bytes(), segment.as_bytes()) && match_segments(rest, after)
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
            ("docs/", "docs", true),
            ("**", "", true),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "a/x/y/c", false),
            ("a/*", "a/", true),
            ("a/*", "a", false),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(matches(pattern, path), expected, "{pattern} vs {path}");
        }
    }
}
