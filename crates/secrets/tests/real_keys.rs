//! Private keys made by the real tools at test time (never committed): every format
//! `ssh-keygen`, `openssl` and `gpg` write is found, once, by `private-key`. A tool that is not
//! installed skips its cases with a printed reason.

use std::path::Path;
use std::process::Command;

use secrets::{scan, Allowlist, Finding};

/// Runs `program args` in `dir`; `None` (with the reason printed) when the program is missing.
fn run(dir: &Path, program: &str, args: &[&str]) -> Option<std::process::Output> {
    match Command::new(program).args(args).current_dir(dir).output() {
        Ok(output) => {
            assert!(
                output.status.success(),
                "{program} {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(output)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: {program} is not installed (install it to run these cases)");
            None
        }
        Err(err) => panic!("running {program}: {err}"),
    }
}

fn findings(text: &str) -> Vec<Finding> {
    scan("keys/id", text, &Allowlist::default())
}

/// The key is found once, by `private-key`, on its `BEGIN` line, and never shown.
fn assert_found_once(what: &str, text: &str) {
    let found = findings(text);
    let rules: Vec<&str> = found.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["private-key"], "{what}:\n{text}");
    let begin = text
        .lines()
        .position(|line| line.contains("PRIVATE KEY"))
        .unwrap();
    assert_eq!(found[0].line, begin + 1, "{what}");
    let shown = found[0].to_string();
    for line in text
        .lines()
        .filter(|line| line.len() > 20 && !line.contains("-----"))
    {
        assert!(
            !shown.contains(&line[..12]),
            "{what}: {shown} shows the key"
        );
    }
}

fn ssh_keygen(dir: &Path, name: &str, args: &[&str]) -> Option<String> {
    let file = dir.join(name);
    let file = file.to_str().unwrap();
    let mut all = vec!["-q", "-f", file, "-C", "test@example.invalid"];
    all.extend_from_slice(args);
    run(dir, "ssh-keygen", &all)?;
    Some(std::fs::read_to_string(file).unwrap())
}

#[test]
fn ssh_keygen_keys_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 5] = [
        ("ed25519 (OpenSSH format)", &["-t", "ed25519", "-N", ""]),
        (
            "RSA (OpenSSH format)",
            &["-t", "rsa", "-b", "2048", "-N", ""],
        ),
        ("ECDSA (OpenSSH format)", &["-t", "ecdsa", "-N", ""]),
        (
            "ed25519 with a passphrase",
            &["-t", "ed25519", "-N", "correct horse"],
        ),
        (
            "RSA in PEM (PKCS#1)",
            &["-t", "rsa", "-b", "2048", "-m", "PEM", "-N", ""],
        ),
    ];
    let mut fingerprints = Vec::new();
    for (index, (what, args)) in cases.iter().enumerate() {
        let Some(key) = ssh_keygen(dir.path(), &format!("key{index}"), args) else {
            return;
        };
        assert_found_once(what, &key);
        fingerprints.push(findings(&key).remove(0).fingerprint);
    }
    // Two unencrypted ed25519 keys share their first line: the fingerprint must still differ.
    let other = ssh_keygen(dir.path(), "other", &["-t", "ed25519", "-N", ""]).unwrap();
    assert_ne!(findings(&other)[0].fingerprint, fingerprints[0]);
}

fn openssl(dir: &Path, args: &[&str]) -> Option<String> {
    let output = run(dir, "openssl", args)?;
    Some(String::from_utf8(output.stdout).unwrap())
}

#[test]
fn openssl_keys_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let rsa_pkcs8 = [
        "genpkey",
        "-algorithm",
        "RSA",
        "-pkeyopt",
        "rsa_keygen_bits:2048",
    ];
    let Some(pkcs8) = openssl(dir.path(), &rsa_pkcs8) else {
        return;
    };
    assert_found_once("RSA PKCS#8 (BEGIN PRIVATE KEY)", &pkcs8);
    let cases: [(&str, &[&str]); 5] = [
        (
            "RSA PKCS#1 (BEGIN RSA PRIVATE KEY)",
            &["genrsa", "-traditional", "2048"],
        ),
        (
            "encrypted RSA PKCS#1 (Proc-Type and DEK-Info headers)",
            &[
                "genrsa",
                "-traditional",
                "-aes128",
                "-passout",
                "pass:secret-pass",
                "2048",
            ],
        ),
        (
            "EC (BEGIN EC PRIVATE KEY, after EC PARAMETERS)",
            &["ecparam", "-name", "prime256v1", "-genkey"],
        ),
        ("ed25519 PKCS#8", &["genpkey", "-algorithm", "ed25519"]),
        (
            "encrypted PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY)",
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-aes-256-cbc",
                "-pass",
                "pass:secret-pass",
            ],
        ),
    ];
    for (what, args) in cases {
        assert_found_once(what, &openssl(dir.path(), args).unwrap());
    }

    // The same key inside a service-account JSON file (`\n` escapes) and a YAML block.
    let escaped = pkcs8.trim_end().replace('\n', "\\n");
    let json = format!("{{\n  \"type\": \"service_account\",\n  \"private_key\": \"{escaped}\\n\",\n  \"client_email\": \"a@b.iam.gserviceaccount.com\"\n}}\n");
    assert_found_once("PKCS#8 in a JSON string", &json);
    let indented: String = pkcs8.lines().map(|line| format!("    {line}\n")).collect();
    let yaml = format!("tls:\n  key: |\n{indented}  cert: none\n");
    assert_found_once("PKCS#8 in a YAML block", &yaml);
    // One key, one fingerprint, however its lines are broken: one allowlist entry covers it.
    for text in [&json, &yaml] {
        assert_eq!(
            findings(text)[0].fingerprint,
            findings(&pkcs8)[0].fingerprint
        );
    }
}

#[test]
fn gpg_secret_keys_are_found() {
    // A short folder name: gpg-agent's socket path must fit in 108 bytes.
    let home = tempfile::Builder::new()
        .prefix("gpg")
        .tempdir_in("/tmp")
        .unwrap();
    let homedir = home.path().to_str().unwrap();
    let base = [
        "--batch",
        "--homedir",
        homedir,
        "--pinentry-mode",
        "loopback",
        "--passphrase",
        "",
    ];
    let generate = [
        &base[..],
        &[
            "--quick-gen-key",
            "Test <test@example.invalid>",
            "ed25519",
            "sign",
            "never",
        ],
    ]
    .concat();
    if run(home.path(), "gpg", &generate).is_none() {
        return;
    }
    let export = [&base[..], &["--armor", "--export-secret-keys"]].concat();
    let armored = String::from_utf8(run(home.path(), "gpg", &export).unwrap().stdout).unwrap();
    let _ = Command::new("gpgconf")
        .args(["--homedir", homedir, "--kill", "all"])
        .status();
    assert!(armored.contains("BEGIN PGP PRIVATE KEY BLOCK"), "{armored}");
    assert_found_once("gpg --export-secret-keys --armor", &armored);
}
