//! The rule set: one regex per kind of secret, plus a check that rejects placeholders and,
//! for rules without a vendor prefix, values that do not look random.
//!
//! Each pattern captures the secret itself in the group named `secret`, else group 1; the rest of
//! the match is context (`AccountKey=`, the key name of an assignment) used to find it.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex_lite::{Captures, Regex};

use crate::anchors::{Anchor, Finder, Reach};
use crate::decode;

/// A kind of secret the scanner looks for.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, used in findings and in `.secrets-allowlist`.
    pub id: &'static str,
    pub description: &'static str,
    pattern: &'static str,
    /// Rejects matches that are not secrets (placeholders, low-entropy words).
    accept: fn(&Captures<'_>) -> bool,
    /// What every match contains (one of them), and how far around it a match can reach: the
    /// regex only reads those lines ([`crate::anchors`]).
    anchors: &'static [Anchor],
    reach: Reach,
}

/// Lines below its key a secret assignment's value may sit on (`\s*` around the `=` spans
/// line breaks: `password =\n    "..."`).
const ASSIGNMENT_LINES: usize = 2;

/// Rules in priority order: when two matches overlap, the earlier rule's finding wins
/// (an Anthropic key also matches the OpenAI pattern).
pub static RULES: &[Rule] = &[
    Rule {
        id: "private-key",
        description: "PEM/PGP private key block (`-----BEGIN ... PRIVATE KEY-----` followed by key material)",
        // Requires base64 after the header (PEM headers like `Proc-Type:` allowed, `\n` escapes
        // of JSON included), so docs that only name the header are not findings. The secret is
        // the whole body, every line of it: the first line of an OpenSSH key is the same in
        // every unencrypted ed25519 key, so a fingerprint of it would allow them all.
        pattern: r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*(?:[A-Za-z-]+:[^\n\\]*(?:\s|\\[nr])+)*([A-Za-z0-9+/=]{40,}(?:(?:\r?\n|\\r|\\n)+[ \t]*[A-Za-z0-9+/=]+)*)",
        accept: key_material,
        anchors: &[Anchor::Literal("-----begin")],
        reach: Reach::KeyBlock,
    },
    Rule {
        id: "aws-access-key-id",
        description: "AWS access key id (AKIA/ASIA/ABIA/ACCA + 16 characters)",
        pattern: r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("akia"), Anchor::Literal("asia"), Anchor::Literal("abia"), Anchor::Literal("acca")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "aws-secret-access-key",
        description: "AWS secret access key (40 base64 characters assigned to an aws...secret name)",
        pattern: r#"(?i)aws[A-Za-z0-9_.-]{0,20}?(?:secret|private)[A-Za-z0-9_.-]{0,20}?["']?\s*(?:=|:|:=|=>)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|$)"#,
        accept: random_secret,
        anchors: &[Anchor::Literal("aws")],
        reach: Reach::Lines(ASSIGNMENT_LINES),
    },
    Rule {
        id: "gcp-api-key",
        description: "Google Cloud API key (AIza + 35 characters)",
        pattern: r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("aiza")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "gcp-service-account-key",
        description: "Google Cloud service-account key file (`private_key_id`)",
        pattern: r#""private_key_id"\s*:\s*"([a-f0-9]{40})""#,
        accept: not_placeholder,
        anchors: &[Anchor::Literal("\"private_key_id\"")],
        reach: Reach::Lines(ASSIGNMENT_LINES),
    },
    Rule {
        id: "azure-storage-key",
        description: "Azure storage account key (`AccountKey=` or an azure...key assignment, 88 base64 characters)",
        pattern: r#"(?:AccountKey=|(?i:azure[A-Za-z0-9_.-]{0,30}?key)["']?\s*[=:]\s*["']?)([A-Za-z0-9+/]{86}==)"#,
        accept: random_secret,
        anchors: &[Anchor::Literal("accountkey="), Anchor::Literal("azure")],
        reach: Reach::Lines(ASSIGNMENT_LINES),
    },
    Rule {
        id: "github-token",
        description: "GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
        pattern: r"\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})\b",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("ghp_"), Anchor::Literal("gho_"), Anchor::Literal("ghu_"), Anchor::Literal("ghs_"), Anchor::Literal("ghr_"), Anchor::Literal("github_pat_")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "gitlab-token",
        description: "GitLab personal access token (glpat-)",
        pattern: r"\b(glpat-[A-Za-z0-9_-]{20,})",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("glpat-")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "slack-token",
        description: "Slack token (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-)",
        pattern: r"\b(xox[baprs]-[A-Za-z0-9-]{10,})",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("xox")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "slack-webhook",
        description: "Slack incoming webhook URL",
        pattern: r"(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("hooks.slack.com/")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "anthropic-api-key",
        description: "Anthropic API key (sk-ant-)",
        pattern: r"\b(sk-ant-[A-Za-z0-9_-]{32,})",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("sk-ant-")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "openai-api-key",
        description: "OpenAI API key (sk-, sk-proj-, sk-svcacct-, sk-admin-)",
        // `sk-` alone is a weak prefix (`sk-learn-...`): the value must also look random.
        pattern: r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})",
        accept: random_secret,
        anchors: &[Anchor::Literal("sk-")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "stripe-key",
        description: "Stripe secret/restricted key or webhook secret (sk_live_, sk_test_, rk_live_, rk_test_, whsec_)",
        pattern: r"\b((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}|whsec_[A-Za-z0-9]{24,})\b",
        accept: not_placeholder,
        anchors: &[Anchor::Literal("sk_live_"), Anchor::Literal("sk_test_"), Anchor::Literal("rk_live_"), Anchor::Literal("rk_test_"), Anchor::Literal("whsec_")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "jwt",
        description: "JSON Web Token (three base64url segments, the header a JSON object with `alg`)",
        pattern: r"\b(eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})",
        accept: jwt,
        anchors: &[Anchor::Literal("eyj")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "discord-bot-token",
        description: "Discord bot token (base64 of the bot's numeric id, a timestamp, an HMAC)",
        pattern: r"\b([MNO][A-Za-z0-9_-]{22,26}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})(?:[^A-Za-z0-9_.-]|$)",
        accept: discord_bot_token,
        anchors: &[Anchor::DottedSegment(6)],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "docker-auth",
        description: "Docker config.json `auths` entry (`\"auth\": base64 of user:password`)",
        pattern: r#""auth"\s*:\s*"([A-Za-z0-9+/=]{8,})""#,
        accept: docker_auth,
        anchors: &[Anchor::Literal("\"auth\"")],
        reach: Reach::Lines(ASSIGNMENT_LINES),
    },
    Rule {
        id: "huggingface-token",
        description: "Hugging Face access token (hf_ + 34 letters)",
        pattern: r"\b(hf_[A-Za-z]{34})\b",
        accept: huggingface_token,
        anchors: &[Anchor::Literal("hf_")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "framework-secret-key",
        description: "framework secret key with a literal default (`SECRET_KEY = os.environ.get(\"X\", \"...\")`)",
        // Django's and Flask's `SECRET_KEY` (and `JWT_SECRET`...) read from the environment with
        // a string default: whoever does not set the variable runs with that known secret, so
        // every non-empty literal counts, placeholders included (but not the `...` of docs).
        pattern: r#"(?i)secret(?:[_-]?key)?["'\]]*\s*(?::\s*[A-Za-z_][A-Za-z0-9_.\[\]]*\s*)?=\s*(?:os\.)?(?:getenv|environ\.get)\(\s*["'][A-Za-z_][A-Za-z0-9_]*["']\s*,\s*(?:default\s*=\s*)?["'](?P<secret>[^"'\r\n]+)["']"#,
        accept: literal_default,
        anchors: &[Anchor::Literal("secret")],
        reach: Reach::Lines(ASSIGNMENT_LINES),
    },
    Rule {
        id: "url-password",
        description: "password in a URL (`scheme://user:password@host`)",
        pattern: r#"\b[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<user>[^\s:/@"'<>]+):(?P<secret>[^\s/@"'<>]+)@[^\s/@"'<>]"#,
        accept: url_password,
        anchors: &[Anchor::Literal("://")],
        reach: Reach::Lines(0),
    },
    Rule {
        id: "generic-secret",
        description: "password/secret/token/api key assignment with a high-entropy value",
        // The key must END with the keyword (`db_password =`, not `password_hash =`) and the value
        // must look random, so `token = get_token()` or `password: ${DB_PASSWORD}` are not findings.
        // A value followed by `(` or `[` is a call or an index (`String::from_utf8(...)`), captured
        // as `code` so the check can tell.
        pattern: r#"(?i)(?:password|passwd|pwd|secret|secret[_-]?key|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key)["']?\s*(?:=|:|:=|=>)\s*["']?([^\s"'`,;()\[\]{}<>]{12,})(?P<code>[(\[])?"#,
        accept: generic_value,
        anchors: &[Anchor::Literal("password"), Anchor::Literal("passwd"), Anchor::Literal("pwd"), Anchor::Literal("secret"), Anchor::Literal("token"), Anchor::Literal("api_key"), Anchor::Literal("api-key"), Anchor::Literal("apikey"), Anchor::Literal("access_key"), Anchor::Literal("access-key"), Anchor::Literal("private_key"), Anchor::Literal("private-key"), Anchor::Literal("auth_key"), Anchor::Literal("auth-key"), Anchor::Literal("accesskey"), Anchor::Literal("privatekey"), Anchor::Literal("authkey")],
        reach: Reach::Lines(ASSIGNMENT_LINES),
    },
];

/// The rules compiled once per process: for each, its anchor search and its regex.
pub(crate) struct Compiled {
    pub(crate) finders: Vec<Finder>,
    pub(crate) regexes: Vec<Regex>,
}

pub(crate) fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| Compiled {
        finders: RULES
            .iter()
            .map(|rule| Finder::new(rule.anchors, rule.reach))
            .collect(),
        regexes: RULES
            .iter()
            .map(|rule| Regex::new(rule.pattern).expect("secret rule compiles"))
            .collect(),
    })
}

impl Rule {
    pub(crate) fn accepts(&self, captures: &Captures<'_>) -> bool {
        (self.accept)(captures)
    }
}

/// The rule with this id, if any.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// The secret a match found: the `secret` group, else group 1, else the whole match.
pub(crate) fn secret<'t>(captures: &Captures<'t>) -> regex_lite::Match<'t> {
    captures
        .name("secret")
        .or_else(|| captures.get(1))
        .unwrap_or_else(|| captures.get(0).unwrap())
}

fn not_placeholder(captures: &Captures<'_>) -> bool {
    !is_placeholder(secret(captures).as_str())
}

fn random_secret(captures: &Captures<'_>) -> bool {
    let value = secret(captures).as_str();
    !is_placeholder(value) && looks_random(value)
}

/// A literal, random-looking value: not a URL, and not code — a call or an index
/// (`get_token()`, `headers["x"]`), a path (`settings.TOKEN_V2`, `String::from_utf8`) or an
/// interpolation (`$TOKEN_2`, `%(token)s`).
fn generic_value(captures: &Captures<'_>) -> bool {
    let value = secret(captures).as_str();
    captures.name("code").is_none()
        && !value.contains("://")
        && !value.starts_with(['$', '%'])
        && !is_code_path(value)
        && random_secret(captures)
}

/// `a.b`, `a::b`, `a->b` chains of identifiers: an attribute access or a path, not a literal.
fn is_code_path(value: &str) -> bool {
    let is_identifier = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
    };
    let parts: Vec<&str> = value
        .split("::")
        .flat_map(|part| part.split("->"))
        .flat_map(|part| part.split('.'))
        .collect();
    parts.len() > 1 && parts.iter().all(|part| is_identifier(part))
}

/// The rule whose secret spans lines (a key's body).
const MULTILINE_RULE: &str = "private-key";

/// The text a finding's fingerprint is taken of: the secret, and for a private key its base64
/// alone, so the same key has one fingerprint as a PEM file, in a JSON string (`\n` escapes) or
/// indented in YAML.
pub(crate) fn canonical<'t>(rule: &Rule, secret: &'t str) -> Cow<'t, str> {
    if rule.id != MULTILINE_RULE {
        return secret.into();
    }
    key_body(secret).into()
}

/// A key's base64 without line breaks, indentation and `\n` escapes.
fn key_body(text: &str) -> String {
    text.replace("\\n", " ")
        .replace("\\r", " ")
        .split_ascii_whitespace()
        .collect()
}

/// A private key's body: every line of base64. Real key material is never a placeholder by
/// the token rules' standards (DER is full of zero bytes, so `AAAAAAAA` runs are normal, and a
/// 1,700-character RSA body holds `xxx` by chance one time in twenty), so the only test is that
/// it is not one character or a short motif repeated.
fn key_material(captures: &Captures<'_>) -> bool {
    const MIN_DISTINCT: usize = 16;
    let mut seen = [false; 256];
    for byte in key_body(secret(captures).as_str()).bytes() {
        seen[byte as usize] = true;
    }
    seen.iter().filter(|&&seen| seen).count() >= MIN_DISTINCT
}

/// `header.payload.signature`: the header decodes to a JSON object with an `alg`, the payload
/// to a JSON object.
fn jwt(captures: &Captures<'_>) -> bool {
    let mut segments = secret(captures).as_str().split('.');
    let (Some(header), Some(payload)) = (segments.next(), segments.next()) else {
        return false;
    };
    let is_object = |text: &Option<String>| {
        text.as_deref().is_some_and(|text| {
            text.trim_start().starts_with('{') && text.trim_end().ends_with('}')
        })
    };
    let header = decode::base64_text(header);
    is_object(&header)
        && header.as_deref().is_some_and(|h| h.contains("\"alg\""))
        && is_object(&decode::base64_text(payload))
}

/// `id.timestamp.hmac`: the first segment is the bot's numeric user id (a 17 to 20 digit
/// snowflake) in base64.
fn discord_bot_token(captures: &Captures<'_>) -> bool {
    let token = secret(captures).as_str();
    let id = token.split('.').next().and_then(decode::base64_text);
    id.is_some_and(|id| (17..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()))
        && !is_placeholder(token)
}

/// base64 of `user:password` with both parts present and the password not a placeholder.
fn docker_auth(captures: &Captures<'_>) -> bool {
    let Some(decoded) = decode::base64_text(secret(captures).as_str()) else {
        return false;
    };
    match decoded.split_once(':') {
        Some((user, password)) => {
            !user.is_empty()
                && !password.is_empty()
                && !password.chars().any(char::is_control)
                && !is_placeholder(password)
        }
        None => false,
    }
}

/// `hf_` + 34 letters, upper and lower case mixed, random-looking.
fn huggingface_token(captures: &Captures<'_>) -> bool {
    let token = secret(captures).as_str();
    let letters = &token[3..];
    !is_placeholder(token)
        && letters.bytes().any(|b| b.is_ascii_uppercase())
        && letters.bytes().any(|b| b.is_ascii_lowercase())
        && shannon_entropy(letters) >= MIN_ENTROPY
}

/// Any literal but an elision (`"..."` in docs): even `changeme` is the secret of whoever does
/// not set the variable.
fn literal_default(captures: &Captures<'_>) -> bool {
    let value = secret(captures).as_str();
    !value.contains("...") && !value.contains('…')
}

/// `user:pass@host`; a password equal to the user name is a local development default
/// (`postgres:postgres@db`), not a secret.
fn url_password(captures: &Captures<'_>) -> bool {
    let (user, password) = (&captures["user"], &captures["secret"]);
    password != user && !is_placeholder(password) && !password.starts_with(['$', '%', '{'])
}

/// Values people write in docs and templates instead of a real secret.
pub(crate) fn is_placeholder(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "password", "passwd", "pass", "pwd", "secret", "token", "test",
    ];
    const FRAGMENTS: &[&str] = &[
        "example",
        "changeme",
        "change_me",
        "change-me",
        "placeholder",
        "dummy",
        "redacted",
        "your_",
        "your-",
        "yourtoken",
        "yourkey",
        "<",
        ">",
        "${",
        "{{",
        "***",
        "...",
        "…",
    ];
    // Case-sensitive and four long: `xxx` in any case turns up by chance in one random
    // 36-character token of about 900.
    const FILLERS: &[&str] = &["xxxx", "XXXX"];
    let lower = value.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
        || FRAGMENTS.iter().any(|fragment| lower.contains(fragment))
        || FILLERS.iter().any(|filler| value.contains(filler))
        || has_run_of_same_char(value, 6)
        || (value.len() >= 3 && has_run_of_same_char(value, value.len()))
}

fn has_run_of_same_char(value: &str, run: usize) -> bool {
    let bytes = value.as_bytes();
    bytes
        .windows(run)
        .any(|window| window.iter().all(|&b| b == window[0]))
}

/// Bits of Shannon entropy per character a prefix-less value must reach to look random.
const MIN_ENTROPY: f64 = 3.5;

/// Letters and digits mixed, and at least 3.5 bits of Shannon entropy per character: a random
/// 16-character token has about 4, an English identifier of the same length rarely over 3.5.
pub(crate) fn looks_random(value: &str) -> bool {
    value.bytes().any(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b.is_ascii_alphabetic())
        && shannon_entropy(value) >= MIN_ENTROPY
}

fn shannon_entropy(value: &str) -> f64 {
    let mut counts = [0usize; 256];
    for b in value.bytes() {
        counts[b as usize] += 1;
    }
    let len = value.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = count as f64 / len;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles_and_has_a_unique_id() {
        assert_eq!(compiled().regexes.len(), RULES.len());
        let mut ids: Vec<_> = RULES.iter().map(|rule| rule.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }

    #[test]
    fn placeholders() {
        for value in [
            "changeme",
            "${DB_PASSWORD}",
            "<password>",
            "xxxxxxxx",
            "EXAMPLEKEY",
            "password",
            "aaaaaaaaaaaa",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        assert!(!is_placeholder("Zq7vN2kP9sLx4Tw8"));
    }

    #[test]
    fn randomness() {
        assert!(looks_random("Zq7vN2kP9sLx4Tw8"));
        assert!(!looks_random("settings.GITHUB_TOKEN_VALUE"), "no digit");
        assert!(!looks_random("abc123abc123abc123"), "low entropy");
    }
}
