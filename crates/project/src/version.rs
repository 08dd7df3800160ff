//! `[project].version` in pyproject.toml and the project's own entry in uv.lock: read and edit.
//!
//! Edits splice the new version into the original text at the value's byte span, so every
//! other byte (comments, key order, whitespace, quote style) stays as it was.
//!
//! Python versions are PEP 440, releases here are semver. Reading accepts the PEP 440
//! pre-releases that map onto semver (`1.0.0rc1` → `1.0.0-rc.1`, `1.0.0a1` → `1.0.0-a.1`,
//! `1.0.0.dev3` → `1.0.0-dev.3`). Writing puts the semver text as-is (`1.0.0-rc.1`): PEP 440
//! accepts that spelling and normalises it to the same version, so pyproject.toml, uv.lock,
//! the git tag and the changelog all show one string.

use std::ops::Range;

use semver::Version;
use toml_edit::{Document, Item, Value};

const PYPROJECT: &str = "pyproject.toml";
const UV_LOCK: &str = "uv.lock";

#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    /// One line: CLI reports print errors with `to_string()`.
    #[error("parsing {file}: line {line}: {message}")]
    Toml {
        file: &'static str,
        line: usize,
        message: String,
    },
    #[error("pyproject.toml has no [project] table (only PEP 621 projects are supported)")]
    MissingProject,
    #[error("pyproject.toml has no string [project].name")]
    MissingName,
    #[error(
        "pyproject.toml declares the version dynamic (`dynamic = [\"version\"]`): \
         set a static [project].version to release with this tool"
    )]
    DynamicVersion,
    #[error("pyproject.toml has no [project].version")]
    MissingVersion,
    #[error("{file}: {what} is not a string")]
    NotAString { file: &'static str, what: String },
    #[error("{file}: {what} {found:?} is not semver (MAJOR.MINOR.PATCH[-PRE])")]
    NotSemver {
        file: &'static str,
        what: String,
        found: String,
        #[source]
        source: semver::Error,
    },
    #[error("uv.lock has no [[package]] named {name:?}: run `uv lock`")]
    LockPackageMissing { name: String },
    #[error("uv.lock: [[package]] {name:?} has no version (a dynamic version?): run `uv lock`")]
    LockVersionMissing { name: String },
}

/// A parsed pyproject.toml that remembers its original text, for byte-preserving edits.
#[derive(Debug, Clone)]
pub struct Pyproject {
    text: String,
    name: String,
    version: VersionField,
}

#[derive(Debug, Clone)]
enum VersionField {
    Static { raw: String, span: Range<usize> },
    NotAString,
    Dynamic,
    Missing,
}

impl Pyproject {
    pub fn parse(text: &str) -> Result<Pyproject, VersionError> {
        let doc = parse_toml(PYPROJECT, text)?;
        let project = doc
            .get("project")
            .and_then(Item::as_table_like)
            .ok_or(VersionError::MissingProject)?;
        let name = project
            .get("name")
            .and_then(Item::as_str)
            .ok_or(VersionError::MissingName)?;

        let is_dynamic = project
            .get("dynamic")
            .and_then(Item::as_array)
            .is_some_and(|dynamic| {
                dynamic
                    .iter()
                    .any(|field| field.as_str() == Some("version"))
            });
        let version = if is_dynamic {
            VersionField::Dynamic
        } else {
            match project.get("version") {
                None => VersionField::Missing,
                Some(item) => match string_with_span(PYPROJECT, "[project].version", item) {
                    Ok((raw, span)) => VersionField::Static { raw, span },
                    Err(_) => VersionField::NotAString,
                },
            }
        };
        Ok(Pyproject {
            text: text.to_owned(),
            name: name.to_owned(),
            version,
        })
    }

    /// `[project].name` as written (see [`normalize_name`] to compare names).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `[project].version`; refuses a dynamic, missing or non-semver version.
    pub fn version(&self) -> Result<Version, VersionError> {
        let (raw, _) = self.static_version()?;
        parse_python_version(PYPROJECT, "[project].version", raw)
    }

    /// The whole file with only the version string replaced, in its original quote style.
    pub fn with_version(&self, version: &Version) -> Result<String, VersionError> {
        let (_, span) = self.static_version()?;
        Ok(splice_string(&self.text, span, version))
    }

    fn static_version(&self) -> Result<(&str, &Range<usize>), VersionError> {
        match &self.version {
            VersionField::Static { raw, span } => Ok((raw, span)),
            VersionField::NotAString => Err(VersionError::NotAString {
                file: PYPROJECT,
                what: "[project].version".to_owned(),
            }),
            VersionField::Dynamic => Err(VersionError::DynamicVersion),
            VersionField::Missing => Err(VersionError::MissingVersion),
        }
    }
}

/// PEP 503 name normalisation, as uv applies it: lowercase, runs of `-`, `_`, `.` become `-`.
pub fn normalize_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_separator_run {
                normalized.push('-');
            }
            in_separator_run = true;
        } else {
            normalized.extend(c.to_lowercase());
            in_separator_run = false;
        }
    }
    normalized
}

/// The version uv.lock records for the project `name`; `None` when the lock has no such package.
pub fn uv_lock_version(lock: &str, name: &str) -> Result<Option<Version>, VersionError> {
    let doc = parse_toml(UV_LOCK, lock)?;
    let Some((raw, _)) = find_lock_version(&doc, name)? else {
        return Ok(None);
    };
    parse_python_version(UV_LOCK, &format!("version of [[package]] {name:?}"), &raw).map(Some)
}

/// uv.lock with only the project's own `version` replaced; every other byte is unchanged.
pub fn uv_lock_with_version(
    lock: &str,
    name: &str,
    version: &Version,
) -> Result<String, VersionError> {
    let doc = parse_toml(UV_LOCK, lock)?;
    let (_, span) =
        find_lock_version(&doc, name)?.ok_or_else(|| VersionError::LockPackageMissing {
            name: name.to_owned(),
        })?;
    Ok(splice_string(lock, &span, version))
}

/// The version string and span of the `[[package]]` named `name`; `None` when there is no such
/// package (an entry without a version is an error: uv writes none for dynamic versions).
fn find_lock_version(
    doc: &Document<&str>,
    name: &str,
) -> Result<Option<(String, Range<usize>)>, VersionError> {
    let wanted = normalize_name(name);
    let Some(packages) = doc.get("package").and_then(Item::as_array_of_tables) else {
        return Ok(None);
    };
    for package in packages.iter() {
        let is_wanted = package
            .get("name")
            .and_then(Item::as_str)
            .is_some_and(|n| normalize_name(n) == wanted);
        if !is_wanted {
            continue;
        }
        let item = package
            .get("version")
            .ok_or_else(|| VersionError::LockVersionMissing {
                name: name.to_owned(),
            })?;
        let what = format!("version of [[package]] {name:?}");
        return string_with_span(UV_LOCK, &what, item).map(Some);
    }
    Ok(None)
}

fn parse_toml<'a>(file: &'static str, text: &'a str) -> Result<Document<&'a str>, VersionError> {
    Document::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        VersionError::Toml {
            file,
            line,
            message: error.message().trim().to_owned(),
        }
    })
}

fn string_with_span(
    file: &'static str,
    what: &str,
    item: &Item,
) -> Result<(String, Range<usize>), VersionError> {
    let not_a_string = || VersionError::NotAString {
        file,
        what: what.to_owned(),
    };
    let value = item.as_value().ok_or_else(not_a_string)?;
    let Value::String(string) = value else {
        return Err(not_a_string());
    };
    // A parsed `Document` always carries spans.
    let span = value.span().expect("parsed TOML values have spans");
    Ok((string.value().clone(), span))
}

/// Replaces the string literal at `span`, reusing its quotes (`"`, `'`, `"""` or `'''`).
/// Semver text never needs escaping, so any quote style can hold it.
fn splice_string(text: &str, span: &Range<usize>, version: &Version) -> String {
    let literal = &text[span.clone()];
    let quote_len = if literal.starts_with("\"\"\"") || literal.starts_with("'''") {
        3
    } else {
        1
    };
    let quotes = &literal[..quote_len];
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..span.start]);
    out.push_str(quotes);
    out.push_str(&version.to_string());
    out.push_str(quotes);
    out.push_str(&text[span.end..]);
    out
}

/// Parses a semver version, also accepting the PEP 440 pre-release spellings that map onto it.
fn parse_python_version(
    file: &'static str,
    what: &str,
    raw: &str,
) -> Result<Version, VersionError> {
    let trimmed = raw.trim();
    Version::parse(trimmed)
        .or_else(|err| pep440_as_semver(trimmed).ok_or(err))
        .map_err(|source| VersionError::NotSemver {
            file,
            what: what.to_owned(),
            found: raw.to_owned(),
            source,
        })
}

/// `1.0.0rc1`, `1.0.0a1`, `1.0.0b2`, `1.0.0.dev3` → `1.0.0-rc.1`, `-a.1`, `-b.2`, `-dev.3`.
fn pep440_as_semver(raw: &str) -> Option<Version> {
    let release_end = raw
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(raw.len());
    let (release, rest) = raw.split_at(release_end);
    let (release, label, number) = if let Some(number) = rest.strip_prefix("dev") {
        (release.strip_suffix('.')?, "dev", number)
    } else if let Some(number) = rest.strip_prefix("rc") {
        (release, "rc", number)
    } else if let Some(number) = rest.strip_prefix('a') {
        (release, "a", number)
    } else if let Some(number) = rest.strip_prefix('b') {
        (release, "b", number)
    } else {
        return None;
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Version::parse(&format!("{release}-{label}.{number}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    type IsExpected = fn(&VersionError) -> bool;

    const PYPROJECT_SAMPLE: &str = r#"# codemate-hub
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "Codemate_Hub"
version = "0.4.0"   # bumped by `cargo xtask release`
description = "version = \"9.9.9\" is not the version"
dependencies = ["requests>=2", "version-tool==1.2.3"]

[tool.black]
target-version = ["py311"]
version = "not-the-project"
"#;

    const UV_LOCK_SAMPLE: &str = r#"version = 1
revision = 2
requires-python = ">=3.11"

[[package]]
name = "certifi"
version = "2024.8.30"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/certifi-2024.8.30.tar.gz", hash = "sha256:bec941d2aa8195e248a60b31ff9f0558284cf01a52591ceda73ea9afffd69fd9", size = 168507, upload-time = "2024-08-30T01:55:04.365Z" }
wheels = [
    { url = "https://files.pythonhosted.org/packages/certifi-2024.8.30-py3-none-any.whl", hash = "sha256:922820b53db7a7257ffbda3f597266d435245903d80737e34f8a45ff3e3230d8", size = 167321 },
]

[[package]]
name = "codemate-hub"
version = "0.4.0"
source = { editable = "." }
dependencies = [
    { name = "requests" },
]

[package.optional-dependencies]
dev = [
    { name = "black" },
]

[package.metadata]
requires-dist = [{ name = "requests", specifier = ">=2" }]

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [
    { name = "certifi" },
]
sdist = { url = "https://files.pythonhosted.org/packages/requests-2.32.3.tar.gz", hash = "sha256:55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760", size = 131218 }
wheels = [
    { url = "https://files.pythonhosted.org/packages/requests-2.32.3-py3-none-any.whl", hash = "sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6", size = 64928 },
]
"#;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    #[test]
    fn reads_name_and_version() {
        let pyproject = Pyproject::parse(PYPROJECT_SAMPLE).unwrap();
        assert_eq!(pyproject.name(), "Codemate_Hub");
        assert_eq!(pyproject.version().unwrap(), v("0.4.0"));
    }

    #[test]
    fn with_version_changes_only_the_project_version() {
        let pyproject = Pyproject::parse(PYPROJECT_SAMPLE).unwrap();
        let new = pyproject.with_version(&v("0.5.0")).unwrap();
        assert_eq!(
            new,
            PYPROJECT_SAMPLE.replacen("version = \"0.4.0\"", "version = \"0.5.0\"", 1)
        );
        assert_eq!(
            Pyproject::parse(&new).unwrap().version().unwrap(),
            v("0.5.0")
        );
    }

    #[test]
    fn with_version_keeps_the_quote_style() {
        let cases = [
            ("version = '0.4.0'", "version = '1.0.0-rc.1'"),
            ("version = \"0.4.0\"", "version = \"1.0.0-rc.1\""),
            ("version = '''0.4.0'''", "version = '''1.0.0-rc.1'''"),
            (
                "version = \"\"\"0.4.0\"\"\"",
                "version = \"\"\"1.0.0-rc.1\"\"\"",
            ),
            ("version=\"0.4.0\"", "version=\"1.0.0-rc.1\""),
        ];
        for (line, expected) in cases {
            let text = format!("[project]\nname = \"x\"\n{line}\n");
            let new = Pyproject::parse(&text)
                .unwrap()
                .with_version(&v("1.0.0-rc.1"))
                .unwrap();
            assert_eq!(
                new,
                format!("[project]\nname = \"x\"\n{expected}\n"),
                "{line}"
            );
        }
    }

    #[test]
    fn keeps_crlf_and_missing_trailing_newline() {
        let text = "[project]\r\nname = \"x\"\r\nversion = \"0.1.0\"";
        let new = Pyproject::parse(text)
            .unwrap()
            .with_version(&v("0.2.0"))
            .unwrap();
        assert_eq!(new, "[project]\r\nname = \"x\"\r\nversion = \"0.2.0\"");
    }

    #[test]
    fn inline_project_table() {
        let text = "project = { name = \"x\", version = \"0.1.0\" }\n";
        let pyproject = Pyproject::parse(text).unwrap();
        assert_eq!(pyproject.version().unwrap(), v("0.1.0"));
        assert_eq!(
            pyproject.with_version(&v("0.2.0")).unwrap(),
            text.replace("0.1.0", "0.2.0")
        );
    }

    #[test]
    fn refusals() {
        let cases: &[(&str, IsExpected)] = &[
            ("[project]\nname = \"x\"\ndynamic = [\"version\"]\n", |e| matches!(e, VersionError::DynamicVersion)),
            ("[project]\nname = \"x\"\nversion = \"1.0.0\"\ndynamic = [\"readme\", \"version\"]\n", |e| {
                matches!(e, VersionError::DynamicVersion)
            }),
            ("[project]\nname = \"x\"\n", |e| matches!(e, VersionError::MissingVersion)),
            ("[project]\nname = \"x\"\nversion = 1\n", |e| matches!(e, VersionError::NotAString { .. })),
            ("[project]\nname = \"x\"\nversion = \"1.0\"\n", |e| matches!(e, VersionError::NotSemver { .. })),
            ("[project]\nname = \"x\"\nversion = \"1.0.0.post1\"\n", |e| matches!(e, VersionError::NotSemver { .. })),
        ];
        for (text, is_expected) in cases {
            let pyproject = Pyproject::parse(text).unwrap();
            let err = pyproject.version().unwrap_err();
            assert!(is_expected(&err), "{text:?}: {err}");
            // A non-semver string can be overwritten; anything else cannot.
            let can_overwrite = matches!(err, VersionError::NotSemver { .. });
            assert_eq!(
                pyproject.with_version(&v("2.0.0")).is_ok(),
                can_overwrite,
                "{text:?}"
            );
        }
    }

    #[test]
    fn parse_refusals() {
        let cases: &[(&str, IsExpected)] = &[
            ("[tool.poetry]\nversion = \"1.0.0\"\n", |e| {
                matches!(e, VersionError::MissingProject)
            }),
            ("", |e| matches!(e, VersionError::MissingProject)),
            ("[project]\nversion = \"1.0.0\"\n", |e| {
                matches!(e, VersionError::MissingName)
            }),
            ("[project]\nname = \"x\"\nversion = \n", |e| {
                matches!(
                    e,
                    VersionError::Toml {
                        file: "pyproject.toml",
                        line: 3,
                        ..
                    }
                )
            }),
        ];
        for (text, is_expected) in cases {
            let err = Pyproject::parse(text).unwrap_err();
            assert!(is_expected(&err), "{text:?}: {err}");
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        let err = Pyproject::parse("[project]\nname = \"x\"\nversion = \"1.0\"\n")
            .unwrap()
            .version()
            .unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("pyproject.toml") && message.contains("\"1.0\""),
            "{message}"
        );
        let err = Pyproject::parse("[project]\nname = \"x\"\ndynamic = [\"version\"]\n")
            .unwrap()
            .version()
            .unwrap_err();
        assert!(err.to_string().contains("dynamic"), "{err}");
        let err = uv_lock_version("version = 1\n[[package]\n", "x").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("parsing uv.lock: line 2: "),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn pep440_prereleases_read_as_semver() {
        let cases = [
            ("1.0.0rc1", Some("1.0.0-rc.1")),
            ("1.0.0a2", Some("1.0.0-a.2")),
            ("1.0.0b10", Some("1.0.0-b.10")),
            ("1.0.0.dev3", Some("1.0.0-dev.3")),
            ("1.0.0-rc.1", Some("1.0.0-rc.1")),
            ("1.0.0", Some("1.0.0")),
            ("1.0.0rc", None),
            ("1.0.0.post1", None),
            ("1.0rc1", None),
            ("1.0.0c1", None),
        ];
        for (raw, expected) in cases {
            let parsed = parse_python_version(PYPROJECT, "test", raw).ok();
            assert_eq!(parsed, expected.map(v), "{raw}");
        }
    }

    #[test]
    fn normalizes_names_like_uv() {
        let cases = [
            ("codemate-hub", "codemate-hub"),
            ("Codemate_Hub", "codemate-hub"),
            ("codemate.hub", "codemate-hub"),
            ("codemate__-.hub", "codemate-hub"),
            ("CodeMateHub", "codematehub"),
        ];
        for (name, expected) in cases {
            assert_eq!(normalize_name(name), expected, "{name}");
        }
    }

    #[test]
    fn reads_the_lock_entry_by_normalized_name() {
        for name in ["codemate-hub", "Codemate_Hub", "codemate.hub"] {
            assert_eq!(
                uv_lock_version(UV_LOCK_SAMPLE, name).unwrap(),
                Some(v("0.4.0")),
                "{name}"
            );
        }
        assert_eq!(
            uv_lock_version(UV_LOCK_SAMPLE, "requests").unwrap(),
            Some(v("2.32.3"))
        );
        assert_eq!(uv_lock_version(UV_LOCK_SAMPLE, "codemate").unwrap(), None);
        assert_eq!(
            uv_lock_version("version = 1\n", "codemate-hub").unwrap(),
            None
        );
    }

    #[test]
    fn lock_edit_changes_only_the_project_entry() {
        let new = uv_lock_with_version(UV_LOCK_SAMPLE, "Codemate_Hub", &v("1.0.0-rc.1")).unwrap();
        let expected = UV_LOCK_SAMPLE.replacen(
            "name = \"codemate-hub\"\nversion = \"0.4.0\"",
            "name = \"codemate-hub\"\nversion = \"1.0.0-rc.1\"",
            1,
        );
        assert_ne!(expected, UV_LOCK_SAMPLE);
        assert_eq!(new, expected);
        assert_eq!(
            uv_lock_version(&new, "codemate-hub").unwrap(),
            Some(v("1.0.0-rc.1"))
        );
        assert_eq!(
            uv_lock_version(&new, "requests").unwrap(),
            Some(v("2.32.3"))
        );
    }

    #[test]
    fn lock_reads_pep440_written_by_uv() {
        let lock = "version = 1\n\n[[package]]\nname = \"x\"\nversion = \"1.0.0rc1\"\nsource = { editable = \".\" }\n";
        assert_eq!(uv_lock_version(lock, "x").unwrap(), Some(v("1.0.0-rc.1")));
    }

    #[test]
    fn lock_refusals() {
        let no_version =
            "version = 1\n\n[[package]]\nname = \"x\"\nsource = { editable = \".\" }\n";
        let cases: &[(&str, IsExpected)] = &[
            (
                UV_LOCK_SAMPLE
                    .split("[[package]]\nname = \"codemate-hub\"")
                    .next()
                    .unwrap(),
                |e| matches!(e, VersionError::LockPackageMissing { .. }),
            ),
            (no_version, |e| {
                matches!(e, VersionError::LockVersionMissing { .. })
            }),
            ("[[package]\n", |e| {
                matches!(
                    e,
                    VersionError::Toml {
                        file: "uv.lock",
                        ..
                    }
                )
            }),
        ];
        for (lock, is_expected) in cases {
            let name = if *lock == no_version {
                "x"
            } else {
                "codemate-hub"
            };
            let err = uv_lock_with_version(lock, name, &v("1.0.0")).unwrap_err();
            assert!(is_expected(&err), "{lock:?}: {err}");
        }
        assert!(matches!(
            uv_lock_version(no_version, "x"),
            Err(VersionError::LockVersionMissing { .. })
        ));
    }
}
