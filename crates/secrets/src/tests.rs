//! Table tests for the rules. Every secret is assembled at run time from a prefix and
//! pseudo-random characters, so this file itself holds no secret-shaped literal.

use super::*;

/// The scan under test, checked against the reference on every text a test gives it: running
/// each rule's regex only around its anchors must find exactly what running it over the whole
/// text finds.
fn scan(path: &str, text: &str, allow: &Allowlist) -> Vec<Finding> {
    let anchored = super::scan(path, text, allow);
    let whole = super::scan_whole_text(path, text, allow);
    assert_eq!(
        anchored, whole,
        "anchored and whole-text scans differ on {text:?}"
    );
    anchored
}

/// Deterministic pseudo-random characters from `alphabet` (an LCG: no dependency, same every run).
fn random_chars(seed: u64, len: usize, alphabet: &str) -> String {
    let alphabet = alphabet.as_bytes();
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            alphabet[(state >> 33) as usize % alphabet.len()] as char
        })
        .collect()
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &str = "0123456789abcdef";

fn alnum(seed: u64, len: usize) -> String {
    random_chars(seed, len, ALNUM)
}

/// (rule id, the file's text with the secret on line 2, the secret).
fn positive_cases() -> Vec<(&'static str, String, String)> {
    let case = |rule, line: &dyn Fn(&str) -> String, secret: String| {
        (
            rule,
            format!("# config\n{}\n# end\n", line(&secret)),
            secret,
        )
    };
    let pem_body = random_chars(1, 64, BASE64);
    vec![
        (
            "private-key",
            format!("x = 1\n-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----\n"),
            pem_body.clone(),
        ),
        case("aws-access-key-id", &|s| format!("aws_access_key_id = {s}"), format!("AKIA{}", random_chars(2, 16, UPPER_DIGITS))),
        case("aws-secret-access-key", &|s| format!("AWS_SECRET_ACCESS_KEY={s}"), random_chars(3, 40, BASE64)),
        case("gcp-api-key", &|s| format!("key: {s}"), format!("AIza{}", alnum(4, 35))),
        case("gcp-service-account-key", &|s| format!("  \"private_key_id\": \"{s}\","), random_chars(5, 40, HEX)),
        case(
            "azure-storage-key",
            &|s| format!("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={s};"),
            format!("{}==", random_chars(6, 86, BASE64)),
        ),
        case("github-token", &|s| format!("GITHUB_TOKEN={s}"), format!("ghp_{}", alnum(7, 36))),
        case("github-token", &|s| format!("token: {s}"), format!("github_pat_{}_{}", alnum(8, 22), alnum(9, 59))),
        case("gitlab-token", &|s| format!("GITLAB={s}"), format!("glpat-{}", alnum(10, 20))),
        case("slack-token", &|s| format!("slack = \"{s}\""), format!("xoxb-{}-{}", random_chars(11, 12, "0123456789"), alnum(12, 24))),
        case(
            "slack-webhook",
            &|s| format!("url: {s}"),
            format!("https://hooks.slack.com/services/T{}/B{}/{}", random_chars(13, 8, UPPER_DIGITS), random_chars(14, 8, UPPER_DIGITS), alnum(15, 24)),
        ),
        case("anthropic-api-key", &|s| format!("ANTHROPIC_API_KEY={s}"), format!("sk-ant-api03-{}", alnum(16, 90))),
        case("openai-api-key", &|s| format!("client = OpenAI(api_key=\"{s}\")"), format!("sk-proj-{}", alnum(17, 48))),
        case("openai-api-key", &|s| format!("openai.api_key = '{s}'"), format!("sk-{}", alnum(18, 48))),
        case("stripe-key", &|s| format!("stripe.api_key = \"{s}\""), format!("sk_live_{}", alnum(19, 24))),
        case("url-password", &|s| format!("DATABASE_URL=postgres://app:{s}@db:5432/app"), alnum(20, 14)),
        case("generic-secret", &|s| format!("db_password = \"{s}\""), alnum(21, 20)),
        case("generic-secret", &|s| format!("  \"client_secret\": \"{s}\","), alnum(22, 32)),
        case("generic-secret", &|s| format!("SECRET_KEY={s}"), alnum(23, 24)),
        case("jwt", &|s| format!("token = {s}"), jwt_of(r#"{"alg":"HS256"}"#, r#"{"sub":"7"}"#, &alnum(24, 43))),
        case("discord-bot-token", &|s| format!("DISCORD_BOT_TOKEN={s}"), discord_token(25, "445566778899001122")),
        case("docker-auth", &|s| format!("  \"auth\": \"{s}\""), encode_base64(format!("ci:{}", alnum(26, 20)).as_bytes(), false)),
        case("huggingface-token", &|s| format!("HF_TOKEN={s}"), format!("hf_{}", random_chars(27, 34, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))),
        case("framework-secret-key", &|s| format!("SECRET_KEY = os.getenv(\"SECRET_KEY\", \"{s}\")"), alnum(28, 30)),
    ]
}

#[test]
fn each_rule_finds_its_secret_on_the_right_line_and_redacts_it() {
    for (rule, text, secret) in positive_cases() {
        let findings = scan("conf/app.env", &text, &Allowlist::default());
        assert_eq!(findings.len(), 1, "{rule}: {text}: {findings:?}");
        let finding = &findings[0];
        assert_eq!(
            (finding.rule, finding.path.as_str(), finding.line),
            (rule, "conf/app.env", 2),
            "{finding}"
        );
        assert!(
            finding.redacted.ends_with('…') && finding.redacted.chars().count() <= 5,
            "{finding}"
        );
        assert!(secret.starts_with(finding.redacted.trim_end_matches('…')));
        assert_never_shows(&secret, finding);
    }
}

fn assert_never_shows(secret: &str, finding: &Finding) {
    // Any 8 consecutive characters of the secret would already be too much.
    let shown = [format!("{finding}"), format!("{finding:?}")];
    for window in secret.as_bytes().windows(8) {
        let window = std::str::from_utf8(window).unwrap();
        for text in &shown {
            assert!(!text.contains(window), "{text} shows part of the secret");
        }
    }
}

#[test]
fn the_rule_set_covers_every_kind_the_checklist_names() {
    let covered: Vec<&str> = positive_cases().iter().map(|(rule, ..)| *rule).collect();
    for rule in RULES {
        assert!(
            covered.contains(&rule.id),
            "{} has no positive test",
            rule.id
        );
    }
}

#[test]
fn placeholders_and_ordinary_code_are_not_findings() {
    let texts = [
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE".to_string(),
        "-----BEGIN OPENSSH PRIVATE KEY----- is the header to look for".to_string(),
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_string(),
        "url: postgres://user:${DB_PASSWORD}@db/app".to_string(),
        "url: postgres://user:changeme@db/app".to_string(),
        "url: postgres://postgres:postgres@db/app".to_string(),
        "url: http://user:password@localhost:8080".to_string(),
        "url: https://admin:example123@host".to_string(),
        "url: https://user:xxx@host".to_string(),
        "token = get_token()".to_string(),
        "password: ${DB_PASSWORD}".to_string(),
        "password = os.environ[\"DB_PASSWORD\"]".to_string(),
        "token = settings.GITHUB_TOKEN_VALUE".to_string(),
        "password_hash_algorithm = \"pbkdf2_sha256_iterations\"".to_string(),
        "max_tokens: 4096".to_string(),
        "TOKEN_URL = \"https://auth.internal/oauth2/token\"".to_string(),
        "pip install scikit-learn  # sk-learn-compatible-estimator-names".to_string(),
        "SECRET_KEY=your-secret-key-here-12345".to_string(),
        "OPENAI_API_KEY=sk-your-openai-api-key-goes-here".to_string(),
        "ANTHROPIC_API_KEY=sk-ant-...".to_string(),
    ];
    for text in texts {
        let findings = scan("a.txt", &text, &Allowlist::default());
        assert!(findings.is_empty(), "{text}: {findings:?}");
    }
}

#[test]
fn an_anthropic_key_is_reported_once() {
    let key = format!("sk-ant-api03-{}", alnum(30, 90));
    let findings = scan("a.env", &format!("KEY={key}\n"), &Allowlist::default());
    let rules: Vec<_> = findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["anthropic-api-key"]);
}

#[test]
fn inline_comment_allows_a_line() {
    let token = format!("ghp_{}", alnum(31, 36));
    let text = format!("a = \"{token}\"  # secrets:allow\nb = \"{token}\"\n");
    let findings = scan("x.py", &text, &Allowlist::default());
    assert_eq!(findings.iter().map(|f| f.line).collect::<Vec<_>>(), [2]);
}

#[test]
fn allowlist_entries_suppress_findings() {
    let token = format!("ghp_{}", alnum(32, 36));
    let text = format!("a = \"{token}\"\n");
    let finding = scan("tests/fixtures/t.py", &text, &Allowlist::default()).remove(0);
    let by_fingerprint = Allowlist::parse(&finding.fingerprint).unwrap();
    for allow in [
        by_fingerprint,
        Allowlist::parse("tests/fixtures/").unwrap(),
        Allowlist::parse("tests/fixtures/t.py:1").unwrap(),
        Allowlist::parse("github-token tests/**").unwrap(),
    ] {
        assert!(
            scan("tests/fixtures/t.py", &text, &allow).is_empty(),
            "{allow:?}"
        );
    }
    let other_rule = Allowlist::parse("slack-token tests/**").unwrap();
    assert_eq!(scan("tests/fixtures/t.py", &text, &other_rule).len(), 1);
}

#[test]
fn redaction_keeps_at_most_four_characters_and_less_of_short_secrets() {
    assert_eq!(redact("ghp_abcdefghijklmnop"), "ghp_…");
    assert_eq!(redact("s3cr3tP4ss"), "s3c…");
    assert_eq!(redact("ab"), "…");
}

#[test]
fn scan_files_skips_binary_and_large_files_and_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("glpat-{}", alnum(40, 24));
    std::fs::write(dir.path().join("a.txt"), format!("one\nGITLAB={token}\n")).unwrap();
    std::fs::write(
        dir.path().join("b.bin"),
        [b"GITLAB=".as_slice(), token.as_bytes(), &[0, 1, 2]].concat(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("c.txt"),
        format!("{token}\n").repeat(MAX_FILE_SIZE as usize / 20 + 1),
    )
    .unwrap();
    let files: Vec<PathBuf> = ["a.txt", "b.bin", "c.txt", "gone.txt"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let result = scan_files(dir.path(), &files, &Allowlist::default()).unwrap();
    assert_eq!(result.findings.len(), 1);
    assert_eq!(
        (result.findings[0].path.as_str(), result.findings[0].line),
        ("a.txt", 2)
    );
    assert_eq!(result.scanned, 1);
    assert_eq!(result.skipped_binary, [PathBuf::from("b.bin")]);
    assert_eq!(result.skipped_large, [PathBuf::from("c.txt")]);
    assert_eq!(result.skipped_missing, [PathBuf::from("gone.txt")]);
}

#[test]
fn load_allowlist_reads_the_root_file_or_defaults_to_empty() {
    let dir = tempfile::tempdir().unwrap();
    assert!(load_allowlist(dir.path()).unwrap().is_empty());
    std::fs::write(dir.path().join(ALLOWLIST_FILE), "docs/\n").unwrap();
    assert_eq!(load_allowlist(dir.path()).unwrap().len(), 1);
    std::fs::write(dir.path().join(ALLOWLIST_FILE), "bogus-rule docs/\n").unwrap();
    assert!(matches!(
        load_allowlist(dir.path()),
        Err(Error::Allowlist(_))
    ));
}

use std::path::PathBuf;

// --- one table per rule: true samples (each found once, by that rule) and look-alike decoys ---

/// base64 of `bytes`, URL-safe without padding when `url` (JWT), else standard with padding.
fn encode_base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        BASE64.as_bytes()
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(alphabet[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        if !url {
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
    }
    out
}

/// Asserts each sample line holds exactly one finding, by `rule`, and no decoy line holds any.
fn assert_rule_table(rule: &str, samples: &[String], decoys: &[String]) {
    assert!(super::rule(rule).is_some(), "{rule} is not a rule");
    for sample in samples {
        let findings = scan("t.txt", sample, &Allowlist::default());
        let rules: Vec<&str> = findings.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [rule], "sample {sample:?}");
    }
    for decoy in decoys {
        let findings = scan("t.txt", decoy, &Allowlist::default());
        assert!(findings.is_empty(), "decoy {decoy:?}: {findings:?}");
    }
}

fn jwt_of(header: &str, payload: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        encode_base64(header.as_bytes(), true),
        encode_base64(payload.as_bytes(), true)
    )
}

#[test]
fn jwt_table() {
    let signature = random_chars(50, 43, ALNUM);
    let hs256 = jwt_of(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"42","exp":1767225600}"#,
        &signature,
    );
    let rs256 = jwt_of(
        r#"{"typ":"JWT","alg":"RS256","kid":"k1"}"#,
        r#"{"iss":"hub"}"#,
        &random_chars(51, 342, ALNUM),
    );
    let samples = [
        format!("Authorization: Bearer {hs256}"),
        format!("ACCESS_JWT={rs256}"),
        format!("  \"id_token\": \"{hs256}\","),
    ];
    let decoys = [
        // A header that is JSON without `alg`, or not JSON at all.
        jwt_of(r#"{"typ":"JWT","kid":"k1"}"#, r#"{"sub":"42"}"#, &signature),
        format!(
            "{}.{}.{signature}",
            "eyJ0aGlzIGlzIG5vdCBqc29u",
            encode_base64(b"{}", true)
        ),
        // The payload is not a JSON object.
        jwt_of(r#"{"alg":"HS256"}"#, "plain words", &signature),
        // No signature: an unsigned token proves nothing.
        format!(
            "{}.",
            jwt_of(r#"{"alg":"none"}"#, r#"{"sub":"42"}"#, "").trim_end_matches('.')
        ),
        "header.payload.signature".to_string(),
        "version = eyJhbGciOi.x.y".to_string(),
    ];
    assert_rule_table("jwt", &samples, &decoys);
}

fn discord_token(seed: u64, id: &str) -> String {
    format!(
        "{}.{}.{}",
        encode_base64(id.as_bytes(), true),
        random_chars(seed, 6, ALNUM),
        random_chars(seed + 1, 38, ALNUM)
    )
}

#[test]
fn discord_bot_token_table() {
    let samples = [
        format!("DISCORD_TOKEN={}", discord_token(60, "112233445566778899")),
        format!("bot.run(\"{}\")", discord_token(62, "98765432109876543210")),
        format!("token: {}", discord_token(64, "80351110224678912")),
    ];
    let decoys = [
        // The first segment is base64, but not of a numeric id.
        format!("x = {}", discord_token(66, "abcdefghijklmnopqr")),
        // A dotted identifier of the same length.
        "Module.Submodule.Attribute".to_string(),
        format!("MTEyMjMzNDQ1NTY2Nzc4ODk5.abcdef.{}", "x".repeat(38)),
        "NotARealTokenAtAllHonest.abcdef.ThisIsJustTextThatLooksLikeOne".to_string(),
    ];
    assert_rule_table("discord-bot-token", &samples, &decoys);
}

#[test]
fn docker_auth_table() {
    let auth = |credentials: &str| encode_base64(credentials.as_bytes(), false);
    let password = alnum(70, 24);
    let samples = [
        format!(
            "{{\n  \"auths\": {{\n    \"ghcr.io\": {{\n      \"auth\": \"{}\"\n    }}\n  }}\n}}",
            auth(&format!("octocat:{password}"))
        ),
        format!(
            "{{\"auths\":{{\"https://index.docker.io/v1/\":{{\"auth\":\"{}\"}}}}}}",
            auth("deploy:hunter22")
        ),
    ];
    let decoys = [
        // Not base64 of `user:secret`.
        format!("{{\"auth\": \"{}\"}}", auth("no colon here at all")),
        format!("{{\"auth\": \"{}\"}}", auth(":password-without-user")),
        format!("{{\"auth\": \"{}\"}}", auth("user:")),
        // A placeholder password.
        format!("{{\"auth\": \"{}\"}}", auth("user:changeme")),
        format!("{{\"auth\": \"{}\"}}", auth("username:<password>")),
        "{\"auth\": \"bearer\"}".to_string(),
        "{\"auth\": \"oauth2-client-credentials\"}".to_string(),
        "{\"credsStore\": \"desktop\"}".to_string(),
    ];
    assert_rule_table("docker-auth", &samples, &decoys);
}

#[test]
fn huggingface_token_table() {
    let letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let token = |seed| format!("hf_{}", random_chars(seed, 34, letters));
    let samples = [
        format!("HF_TOKEN={}", token(80)),
        format!("login(token=\"{}\")", token(81)),
        format!("huggingface-cli login --token {}", token(82)),
    ];
    let decoys = [
        // Letters only, one case: an identifier, not a token.
        "hf_transformersmodelloaderconfigurat = 1".to_string(),
        "HF_TRANSFORMERSMODELLOADERCONFIGURAT = 1".to_string(),
        // Words with underscores, or the wrong length.
        "from huggingface_hub import hf_hub_download_with_retries_and_cache".to_string(),
        format!("hf_{}", random_chars(83, 20, letters)),
        "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".to_string(),
        "HF_TOKEN=hf_YourHuggingFaceTokenGoesRightHereOk".to_string(),
    ];
    assert_rule_table("huggingface-token", &samples, &decoys);
}

#[test]
fn framework_secret_key_table() {
    let key = format!("django-insecure-{}", random_chars(90, 50, ALNUM));
    // Assembled at run time, so this file holds no finding of its own.
    let samples = [
        [
            "SECRET_KEY = os.environ.get(\"DJANGO_SECRET_KEY\", \"",
            &key,
            "\")",
        ]
        .concat(),
        ["SECRET_KEY = os.getenv('SECRET_KEY', '", "dev", "')"].concat(),
        [
            "app.config[\"SECRET_KEY\"] = os.environ.get(\"FLASK_SECRET\", \"",
            "changeme",
            "\")",
        ]
        .concat(),
        [
            "app.secret_key = getenv(\"APP_SECRET\", default=\"",
            "s3cr3t-for-dev",
            "\")",
        ]
        .concat(),
        [
            "JWT_SECRET: str = os.getenv(\"JWT_SECRET\", \"",
            "supersecret",
            "\")",
        ]
        .concat(),
    ];
    let decoys = [
        // No default, an empty one, or one that is not a literal.
        "SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]".to_string(),
        "SECRET_KEY = os.environ.get(\"DJANGO_SECRET_KEY\")".to_string(),
        "SECRET_KEY = os.getenv(\"SECRET_KEY\", \"\")".to_string(),
        "SECRET_KEY = os.getenv(\"SECRET_KEY\", None)".to_string(),
        "SECRET_KEY = os.getenv(\"SECRET_KEY\", get_random_secret_key())".to_string(),
        // An elision in docs.
        "SECRET_KEY = os.getenv(\"SECRET_KEY\", \"...\")".to_string(),
        // Not a secret key.
        "LOG_LEVEL = os.getenv(\"LOG_LEVEL\", \"INFO\")".to_string(),
        "OLLAMA_URL = os.getenv(\"OLLAMA_URL\", \"http://ollama:11434\")".to_string(),
    ];
    assert_rule_table("framework-secret-key", &samples, &decoys);
}

#[test]
fn values_that_are_code_are_never_secrets() {
    let decoys = [
        "let token = String::from_utf8(bytes)?;",
        "let token = String::from_utf8_lossy(&out.stdout);",
        "token = self.client.session_token_v2",
        "password = settings.DATABASE_PASSWORD_2",
        "api_key = config->api_key_v2;",
        "secret = load_secret_from_vault2(path)",
        "secret = vault_response_v1[\"data\"]",
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "password: $(cat /run/secrets/db_password_2)",
        "token=$GITHUB_TOKEN_FOR_CI_2",
        "password = '%(db_password_2)s'",
    ];
    for decoy in decoys {
        let findings = scan("code.rs", decoy, &Allowlist::default());
        assert!(findings.is_empty(), "{decoy}: {findings:?}");
    }
    // Still a literal: found.
    let literal = format!("token = \"{}\"", alnum(91, 24));
    assert_eq!(scan("code.rs", &literal, &Allowlist::default()).len(), 1);
}

#[test]
fn random_tokens_are_never_placeholders() {
    // `xxx` in any case used to be a placeholder marker: about one random token in 900 holds it.
    for seed in 0..20_000 {
        let token = random_chars(seed, 40, BASE64);
        assert!(!rules::is_placeholder(&token), "{token}");
    }
}

#[test]
fn private_key_placeholders_in_docs_are_not_findings() {
    let decoys = [
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----"
            .to_string(),
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
            "A".repeat(64)
        ),
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{}\n-----END OPENSSH PRIVATE KEY-----",
            "xxxx".repeat(16)
        ),
        format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----",
            "abc123".repeat(12)
        ),
    ];
    for decoy in decoys {
        let findings = scan("docs/keys.md", &decoy, &Allowlist::default());
        assert!(findings.is_empty(), "{decoy}: {findings:?}");
    }
}

#[test]
fn a_private_key_fingerprint_covers_its_whole_body() {
    // Two keys with the same first line (every unencrypted OpenSSH ed25519 key starts alike)
    // have different fingerprints.
    let first = random_chars(95, 70, BASE64);
    let key = |seed| {
        format!(
            "-----BEGIN OPENSSH PRIVATE KEY-----\n{first}\n{}\n-----END OPENSSH PRIVATE KEY-----\n",
            random_chars(seed, 70, BASE64)
        )
    };
    let a = scan("a", &key(96), &Allowlist::default());
    let b = scan("b", &key(97), &Allowlist::default());
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_ne!(a[0].fingerprint, b[0].fingerprint);
}

/// The shapes real files put secrets in, around every positive case: the value on the line
/// below its key, CRLF line endings, no final newline, JSON-escaped, two secrets a line apart,
/// and the secret amid other text. The anchored scan must agree with the whole-text scan on all.
#[test]
fn the_anchored_scan_finds_what_the_whole_text_scan_finds() {
    let mut texts = Vec::new();
    let cases = positive_cases();
    for (rule, text, secret) in &cases {
        let line = text
            .lines()
            .find(|line| line.contains(secret.as_str()))
            .unwrap_or(text);
        texts.push(text.replace('\n', "\r\n"));
        texts.push(text.trim_end().to_string());
        texts.push(format!("{{\"config\": \"{}\"}}", text.replace('\n', "\\n")));
        texts.push(format!(
            "fn main() {{}}\n// é ü\n{line}\nlet x = 1;\n{line}\n"
        ));
        texts.push(line.replacen(['=', ':'], "=\n    ", 1));
        texts.push(line.replacen(['=', ':'], "\n\n=", 1));
        texts.push(format!("{} {line} {}", alnum(90, 40), rule));
    }
    let all: String = cases.iter().map(|(_, text, _)| text.as_str()).collect();
    texts.push(all.clone());
    texts.push(all.replace('\n', " "));
    let mut found = 0;
    for text in &texts {
        found += scan("t.txt", text, &Allowlist::default()).len();
    }
    assert!(
        found > cases.len() * 3,
        "the variants hold findings: {found}"
    );
}

/// Every file this repository tracks (Rust, Markdown, YAML, shell, the example project and the
/// test fixtures): real text, where the anchors hit often and the regexes rarely match.
#[test]
fn the_anchored_scan_agrees_with_the_whole_text_scan_on_this_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let listed = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .expect("running git ls-files");
    assert!(
        listed.status.success(),
        "git ls-files in {}",
        root.display()
    );
    let mut compared = 0;
    for path in listed.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()) {
        let path = root.join(String::from_utf8_lossy(path).as_ref());
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary, or gone from the working tree
        };
        scan(&path.display().to_string(), &text, &Allowlist::default());
        compared += 1;
    }
    assert!(compared > 200, "only {compared} files compared");
}

/// The reach is a bound, not the regex's `\s*`: a value more than two lines below its key is
/// not an assignment anyone writes, and is not looked for.
#[test]
fn an_assignment_reaches_two_lines_below_its_key_and_no_further() {
    let value = random_chars(3, 40, BASE64);
    let found = |text: String| super::scan("t.txt", &text, &Allowlist::default()).len();
    assert_eq!(found(format!("AWS_SECRET_ACCESS_KEY\n\n={value}\n")), 1);
    assert_eq!(found(format!("AWS_SECRET_ACCESS_KEY\n\n\n={value}\n")), 0);
}
