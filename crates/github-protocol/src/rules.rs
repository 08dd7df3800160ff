//! GitHub's rules for the values both binaries read: the token, `owner/repo`, the API URLs
//! (checked where they are read, so a bad value is refused with its cause, never a panic deep
//! in an HTTP stack), and the name GitHub keeps for an uploaded asset.
//!
//! Each check returns the cause as a lower-case phrase naming the variable, never the value of
//! a token.

/// A token must be a valid HTTP header value without spaces: visible ASCII only. A token read
/// from a file with its trailing newline is the common failure.
pub fn check_token(var: &str, value: &str) -> Result<(), String> {
    match value.chars().find(|c| !c.is_ascii_graphic()) {
        None => Ok(()),
        Some('\n' | '\r') => Err(format!(
            "{var} contains a line break (a token read from a file with its newline?)"
        )),
        Some(c) if c.is_whitespace() => Err(format!("{var} contains a space or tab")),
        Some(c) if c.is_control() => Err(format!("{var} contains a control character")),
        Some(_) => Err(format!("{var} contains a character that is not ASCII")),
    }
}

/// The hint for a [`check_token`] refusal.
pub const TOKEN_HINT: &str =
    "export the token alone, without spaces or a newline (e.g. GITHUB_TOKEN=\"$(tr -d '[:space:]' < FILE)\")";

/// `owner/repo` as GitHub allows them: an owner of letters, digits and `-` (at most 39), a
/// repository of letters, digits, `.`, `-` and `_` (at most 100, not `.` or `..`).
pub fn parse_slug(var: &str, value: &str) -> Result<(String, String), String> {
    let Some((owner, repo)) = value.split_once('/') else {
        return Err(format!("{var}={value:?} is not owner/repo"));
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let repo_ok = (1..=100).contains(&repo.len())
        && repo != "."
        && repo != ".."
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    match (owner_ok, repo_ok) {
        (true, true) => Ok((owner.to_string(), repo.to_string())),
        (false, _) => Err(format!(
            "{var}={value:?}: {owner:?} is not a GitHub owner name (letters, digits and `-`)"
        )),
        (true, false) => Err(format!(
            "{var}={value:?}: {repo:?} is not a GitHub repository name (letters, digits, `.`, `-`, `_`)"
        )),
    }
}

/// An API or uploads URL: `http://` or `https://` with a host, no spaces or control characters.
pub fn check_url(var: &str, value: &str) -> Result<(), String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Err(format!("{var}={value:?} is not an http(s) URL"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(format!("{var}={value:?} has no host"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{var}={value:?} contains a space or control character"
        ));
    }
    Ok(())
}

/// The name GitHub stores for an uploaded asset called `name` (cli/cli's `sanitizeFileName`,
/// see docs): a leading `.` gets `default` before it; every run of characters outside
/// `[A-Za-z0-9-_+@]` and `.` becomes one `.`; repeated dots collapse, leading and trailing
/// dots go; a changed name without a dot left gets `default.` before it.
/// `my file.txt` → `my.file.txt`; `.env` → `default.env`.
pub fn asset_name(name: &str) -> String {
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '@');
    let mut out = String::new();
    let start = if name.starts_with('.') { "default" } else { "" };
    out.push_str(start);
    let mut dot = false;
    for c in name.chars() {
        if keep(c) {
            if dot && !out.is_empty() {
                out.push('.');
            }
            dot = false;
            out.push(c);
        } else {
            dot = true;
        }
    }
    if out != name && !out.contains('.') && !out.is_empty() {
        out.insert_str(0, "default.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_names_as_github_keeps_them() {
        for (given, kept) in [
            ("project-v1.0.0.tar.gz", "project-v1.0.0.tar.gz"),
            ("my file.txt", "my.file.txt"),
            ("a  b..c", "a.b.c"),
            (".env", "default.env"),
            ("x.txt.", "x.txt"),
            ("x.", "default.x"),
            ("Hello, world", "Hello.world"),
            ("a+b@c_d", "a+b@c_d"),
            ("noext!", "default.noext"),
        ] {
            assert_eq!(asset_name(given), kept, "{given}");
        }
    }

    #[test]
    fn tokens_slugs_urls() {
        assert!(check_token("GITHUB_TOKEN", "ghp_abc123").is_ok());
        let err = check_token("GITHUB_TOKEN", "ghp_abc\n").unwrap_err();
        assert!(err.contains("line break") && !err.contains("ghp_"), "{err}");
        assert!(check_token("GH_TOKEN", "a b").is_err());
        assert!(check_token("GH_TOKEN", "tök").is_err());
        assert_eq!(
            parse_slug("GITHUB_REPOSITORY", "o-1/r.x_y"),
            Ok(("o-1".into(), "r.x_y".into()))
        );
        for bad in ["notaslug", "o/", "/r", "o/r/x", "o_x/r", "o/..", "o/r s"] {
            assert!(parse_slug("GITHUB_REPOSITORY", bad).is_err(), "{bad}");
        }
        assert!(check_url("GITHUB_API_URL", "https://ghe.example/api/v3").is_ok());
        assert!(check_url("GITHUB_API_URL", "http://127.0.0.1:8080").is_ok());
        for bad in ["ftp://x", "https://", "api.github.com", "https://a b"] {
            assert!(check_url("GITHUB_API_URL", bad).is_err(), "{bad}");
        }
    }
}
