//! The rule set: one regex per kind of secret, plus a check that rejects placeholders and,
//! for rules without a vendor prefix, values that do not look random.
//!
//! Each pattern captures the secret itself in the group named `secret`, else group 1; the rest of
//! the match is context (`AccountKey=`, the key name of an assignment) used to find it.

use std::sync::OnceLock;

use regex::{Captures, Regex, RegexSet};

/// A kind of secret the scanner looks for.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, used in findings and in `.secrets-allowlist`.
    pub id: &'static str,
    pub description: &'static str,
    pattern: &'static str,
    /// Rejects matches that are not secrets (placeholders, low-entropy words).
    accept: fn(&Captures<'_>) -> bool,
}

/// Rules in priority order: when two matches overlap, the earlier rule's finding wins
/// (an Anthropic key also matches the OpenAI pattern).
pub static RULES: &[Rule] = &[
    Rule {
        id: "private-key",
        description: "PEM/PGP private key block (`-----BEGIN ... PRIVATE KEY-----` followed by key material)",
        // Requires base64 after the header (PEM headers like `Proc-Type:` allowed, `\n` escapes
        // of JSON included), so docs that only name the header are not findings.
        pattern: r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*(?:[A-Za-z-]+:[^\n\\]*(?:\s|\\[nr])+)*([A-Za-z0-9+/=]{40,})",
        accept: not_placeholder,
    },
    Rule {
        id: "aws-access-key-id",
        description: "AWS access key id (AKIA/ASIA/ABIA/ACCA + 16 characters)",
        pattern: r"(?-u:\b)((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?-u:\b)",
        accept: not_placeholder,
    },
    Rule {
        id: "aws-secret-access-key",
        description: "AWS secret access key (40 base64 characters assigned to an aws...secret name)",
        pattern: r#"(?i)aws[A-Za-z0-9_.-]{0,20}?(?:secret|private)[A-Za-z0-9_.-]{0,20}?["']?\s*(?:=|:|:=|=>)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|$)"#,
        accept: random_secret,
    },
    Rule {
        id: "gcp-api-key",
        description: "Google Cloud API key (AIza + 35 characters)",
        pattern: r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        accept: not_placeholder,
    },
    Rule {
        id: "gcp-service-account-key",
        description: "Google Cloud service-account key file (`private_key_id`)",
        pattern: r#""private_key_id"\s*:\s*"([a-f0-9]{40})""#,
        accept: not_placeholder,
    },
    Rule {
        id: "azure-storage-key",
        description: "Azure storage account key (`AccountKey=` or an azure...key assignment, 88 base64 characters)",
        pattern: r#"(?:AccountKey=|(?i:azure[A-Za-z0-9_.-]{0,30}?key)["']?\s*[=:]\s*["']?)([A-Za-z0-9+/]{86}==)"#,
        accept: random_secret,
    },
    Rule {
        id: "github-token",
        description: "GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)",
        pattern: r"(?-u:\b)(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{50,255})(?-u:\b)",
        accept: not_placeholder,
    },
    Rule {
        id: "gitlab-token",
        description: "GitLab personal access token (glpat-)",
        pattern: r"(?-u:\b)(glpat-[A-Za-z0-9_-]{20,})",
        accept: not_placeholder,
    },
    Rule {
        id: "slack-token",
        description: "Slack token (xoxb-, xoxa-, xoxp-, xoxr-, xoxs-)",
        pattern: r"(?-u:\b)(xox[baprs]-[A-Za-z0-9-]{10,})",
        accept: not_placeholder,
    },
    Rule {
        id: "slack-webhook",
        description: "Slack incoming webhook URL",
        pattern: r"(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})",
        accept: not_placeholder,
    },
    Rule {
        id: "anthropic-api-key",
        description: "Anthropic API key (sk-ant-)",
        pattern: r"(?-u:\b)(sk-ant-[A-Za-z0-9_-]{32,})",
        accept: not_placeholder,
    },
    Rule {
        id: "openai-api-key",
        description: "OpenAI API key (sk-, sk-proj-, sk-svcacct-, sk-admin-)",
        // `sk-` alone is a weak prefix (`sk-learn-...`): the value must also look random.
        pattern: r"(?-u:\b)(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})",
        accept: random_secret,
    },
    Rule {
        id: "stripe-key",
        description: "Stripe secret/restricted key or webhook secret (sk_live_, sk_test_, rk_live_, rk_test_, whsec_)",
        pattern: r"(?-u:\b)((?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}|whsec_[A-Za-z0-9]{24,})(?-u:\b)",
        accept: not_placeholder,
    },
    Rule {
        id: "url-password",
        description: "password in a URL (`scheme://user:password@host`)",
        pattern: r#"(?-u:\b)[A-Za-z][A-Za-z0-9+.-]{1,20}://(?P<user>[^\s:/@"'<>]+):(?P<secret>[^\s/@"'<>]+)@[^\s/@"'<>]"#,
        accept: url_password,
    },
    Rule {
        id: "generic-secret",
        description: "password/secret/token/api key assignment with a high-entropy value",
        // The key must END with the keyword (`db_password =`, not `password_hash =`) and the value
        // must look random, so `token = get_token()` or `password: ${DB_PASSWORD}` are not findings.
        pattern: r#"(?i)(?:password|passwd|pwd|secret|secret[_-]?key|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key)["']?\s*(?:=|:|:=|=>)\s*["']?([^\s"'`,;()\[\]{}<>]{12,})"#,
        accept: generic_value,
    },
];

/// The rules compiled once per process: a `RegexSet` tells which rules can match a file at all,
/// so most files cost one pass.
pub(crate) struct Compiled {
    pub(crate) prefilter: RegexSet,
    pub(crate) regexes: Vec<Regex>,
}

pub(crate) fn compiled() -> &'static Compiled {
    static COMPILED: OnceLock<Compiled> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let patterns = RULES.iter().map(|rule| rule.pattern);
        Compiled {
            prefilter: RegexSet::new(patterns.clone()).expect("secret rules compile"),
            regexes: patterns
                .map(|p| Regex::new(p).expect("secret rule compiles"))
                .collect(),
        }
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
pub(crate) fn secret<'t>(captures: &Captures<'t>) -> regex::Match<'t> {
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

fn generic_value(captures: &Captures<'_>) -> bool {
    let value = secret(captures).as_str();
    !value.contains("://") && random_secret(captures)
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
        "xxx",
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
    let lower = value.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
        || FRAGMENTS.iter().any(|fragment| lower.contains(fragment))
        || has_run_of_same_char(value, 6)
}

fn has_run_of_same_char(value: &str, run: usize) -> bool {
    let bytes = value.as_bytes();
    bytes
        .windows(run)
        .any(|window| window.iter().all(|&b| b == window[0]))
}

/// Letters and digits mixed, and at least 3.5 bits of Shannon entropy per character: a random
/// 16-character token has about 4, an English identifier of the same length rarely over 3.5.
pub(crate) fn looks_random(value: &str) -> bool {
    const MIN_ENTROPY: f64 = 3.5;
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
    fn patterns_stay_ascii_so_the_fast_dfa_applies() {
        // A Unicode `\b` sends the regex engine to its slow path on any non-ASCII text.
        for rule in RULES {
            let unicode_boundaries =
                rule.pattern.matches(r"\b").count() - rule.pattern.matches(r"(?-u:\b)").count();
            assert_eq!(unicode_boundaries, 0, "{}: use (?-u:\\b)", rule.id);
            assert!(
                !rule.pattern.contains(r"\w"),
                "{}: use [A-Za-z0-9_]",
                rule.id
            );
        }
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
