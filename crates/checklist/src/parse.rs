//! Reading checks from TOML with `file:line` errors: the built-in defaults and a project's
//! override file go through the same code.

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use toml_edit::{Document, Item, Table};

use crate::{Check, Kind, PostRelease, Section, VersionTemplate};

/// A bad checklist file: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

impl ConfigError {
    pub(crate) fn semantic(file: &str, message: String, hint: &str) -> ConfigError {
        ConfigError {
            file: file.into(),
            line: None,
            message,
            hint: hint.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

const FULL_KEYS: &[&str] = &[
    "section", "title", "kind", "command", "deps", "needs", "timeout", "enabled", "reason", "seed",
];
const OVERRIDE_KEYS: &[&str] = &["title", "command", "deps", "needs", "timeout", "enabled"];
const NEW_KEYS: &[&str] = &[
    "section", "title", "command", "deps", "needs", "timeout", "enabled",
];
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// The keys of `[post-release]`: `cargo xtask post-release`'s settings.
pub(crate) const POST_RELEASE_KEYS: &[&str] = &["docs_url", "milestone"];

/// The checks in `text`: every table defines a check (the built-in defaults).
pub(crate) fn parse_checks(text: &str, file: &str) -> Result<Vec<Check>, ConfigError> {
    let doc = document(text, file)?;
    let reader = Reader { text, file };
    doc.as_table()
        .iter()
        .map(|(id, item)| reader.full_check(id, reader.table(item, id)?))
        .collect()
}

/// An override file: `[checks.ID]` tables override the checks of `base` or add command checks;
/// `[post-release]` holds the settings of `cargo xtask post-release`.
pub(crate) fn parse_overrides(
    text: &str,
    file: &str,
    base: Vec<Check>,
) -> Result<(Vec<Check>, PostRelease), ConfigError> {
    let doc = document(text, file)?;
    let reader = Reader { text, file };
    let checks = reader.overrides(doc.as_table(), base)?;
    let post_release = match doc.as_table().get("post-release") {
        Some(item) => reader.post_release(reader.table(item, "post-release")?)?,
        None => PostRelease::default(),
    };
    Ok((checks, post_release))
}

fn document<'a>(text: &'a str, file: &str) -> Result<Document<&'a str>, ConfigError> {
    Document::parse(text).map_err(|err| ConfigError {
        file: file.into(),
        line: err.span().map(|span| line_of(text, span)),
        message: err.message().trim().to_string(),
        hint: "fix the TOML syntax".into(),
    })
}

struct Reader<'a> {
    text: &'a str,
    file: &'a str,
}

impl Reader<'_> {
    fn overrides(&self, root: &Table, mut checks: Vec<Check>) -> Result<Vec<Check>, ConfigError> {
        self.known_keys(
            root,
            &["checks", "post-release"],
            "the override file has only `[checks.ID]` tables and a `[post-release]` table",
        )?;
        let Some(item) = root.get("checks") else {
            return Ok(checks);
        };
        for (id, item) in self.table(item, "checks")?.iter() {
            let table = self.table(item, id)?;
            match checks.iter_mut().find(|c| c.id == id) {
                Some(check) => self.override_check(check, table)?,
                None => checks.push(self.new_check(id, table)?),
            }
        }
        Ok(checks)
    }

    fn full_check(&self, id: &str, t: &Table) -> Result<Check, ConfigError> {
        self.known_keys(
            t,
            FULL_KEYS,
            "see the keys documented in docs/pre-release.md",
        )?;
        let kind = match self.required_str(t, id, "kind")?.as_str() {
            "command" => Kind::Command,
            "native" => Kind::Native,
            "manual" => Kind::Manual,
            other => {
                return Err(self.at(
                    t.get("kind"),
                    t,
                    format!("unknown kind `{other}`"),
                    "use command, native or manual",
                ))
            }
        };
        let check = Check {
            id: id.to_string(),
            section: self.section(t, id)?,
            title: self.required_str(t, id, "title")?,
            kind,
            command: self.opt_str(t, "command")?,
            deps: self.strings(t, "deps")?,
            needs: self.needs(t)?,
            timeout: self.timeout(t)?.unwrap_or(DEFAULT_TIMEOUT),
            enabled: self.opt_bool(t, "enabled")?.unwrap_or(true),
            reason: self.opt_str(t, "reason")?,
            seed: self.strings(t, "seed")?,
            options: Default::default(),
        };
        if check.kind == Kind::Command && check.command.is_none() {
            return Err(self.at(
                None,
                t,
                format!("command check `{id}` has no `command`"),
                "add `command = \"...\"`",
            ));
        }
        if check.kind == Kind::Manual && check.reason.is_none() {
            return Err(self.at(
                None,
                t,
                format!("manual check `{id}` has no `reason`"),
                "say why only a person can judge it",
            ));
        }
        Ok(check)
    }

    fn override_check(&self, check: &mut Check, t: &Table) -> Result<(), ConfigError> {
        let options: Vec<&str> = crate::CHECK_OPTIONS
            .iter()
            .filter(|(id, _)| *id == check.id)
            .map(|(_, key)| *key)
            .collect();
        let keys = [OVERRIDE_KEYS, &options].concat();
        let hint = format!("`{}` takes only {}", check.id, keys.join(", "));
        self.known_keys(t, &keys, &hint)?;
        for key in options {
            if t.contains_key(key) {
                check.options.insert(key.to_string(), self.strings(t, key)?);
            }
        }
        if let Some(command) = self.opt_str(t, "command")? {
            if check.kind != Kind::Command {
                return Err(self.at(
                    t.get("command"),
                    t,
                    format!(
                        "`{}` is a {} check: its command cannot be replaced",
                        check.id,
                        check.kind.name()
                    ),
                    "disable it with `enabled = false` and add a command check with a new id",
                ));
            }
            check.command = Some(command);
        }
        if let Some(title) = self.opt_str(t, "title")? {
            check.title = title;
        }
        if t.contains_key("deps") {
            check.deps = self.strings(t, "deps")?;
        }
        if t.contains_key("needs") {
            check.needs = self.needs(t)?;
        }
        if let Some(timeout) = self.timeout(t)? {
            check.timeout = timeout;
        }
        if let Some(enabled) = self.opt_bool(t, "enabled")? {
            check.enabled = enabled;
        }
        Ok(())
    }

    fn new_check(&self, id: &str, t: &Table) -> Result<Check, ConfigError> {
        let hint = format!(
            "`{id}` is not a built-in check, so this adds a command check; it takes {} \
             (or fix the id: `cargo xtask pre-release --list` shows them)",
            NEW_KEYS.join(", ")
        );
        self.known_keys(t, NEW_KEYS, &hint)?;
        if !valid_id(id) {
            return Err(self.at(
                None,
                t,
                format!("`{id}` is not a valid check id"),
                "use lower-case letters, digits and `-`",
            ));
        }
        Ok(Check {
            id: id.to_string(),
            section: self.section(t, id)?,
            title: self.required_str(t, id, "title")?,
            kind: Kind::Command,
            command: Some(self.required_str(t, id, "command")?),
            deps: self.strings(t, "deps")?,
            needs: self.needs(t)?,
            timeout: self.timeout(t)?.unwrap_or(DEFAULT_TIMEOUT),
            enabled: self.opt_bool(t, "enabled")?.unwrap_or(true),
            reason: None,
            seed: Vec::new(),
            options: Default::default(),
        })
    }

    /// `[post-release]`: `docs_url` (an http(s) URL) and `milestone`, each with `{version}`
    /// as the only placeholder; the milestone's title must have it.
    fn post_release(&self, t: &Table) -> Result<PostRelease, ConfigError> {
        let hint = format!(
            "`[post-release]` takes only {} (docs/post-release.md)",
            POST_RELEASE_KEYS.join(", ")
        );
        self.known_keys(t, POST_RELEASE_KEYS, &hint)?;
        let docs_url = self.template(t, "docs_url")?;
        if let Some(url) = &docs_url {
            if !(url.text.starts_with("http://") || url.text.starts_with("https://")) {
                return Err(self.at(
                    t.get("docs_url"),
                    t,
                    format!(
                        "`docs_url` must be an http:// or https:// URL, not {:?}",
                        url.text
                    ),
                    "write it like docs_url = \"https://example.org/docs/{version}/\"",
                ));
            }
        }
        let milestone = self.template(t, "milestone")?;
        if let Some(title) = &milestone {
            if !title.text.contains(VersionTemplate::PLACEHOLDER) {
                return Err(self.at(
                    t.get("milestone"),
                    t,
                    format!(
                        "`milestone` {:?} has no `{{version}}`: every release would share it",
                        title.text
                    ),
                    "write it like milestone = \"v{version}\"",
                ));
            }
        }
        Ok(PostRelease {
            docs_url,
            milestone,
        })
    }

    /// A string whose only `{...}` is `{version}`, with where it was written.
    fn template(&self, t: &Table, key: &str) -> Result<Option<VersionTemplate>, ConfigError> {
        let Some(text) = self.opt_str(t, key)? else {
            return Ok(None);
        };
        let item = t.get(key);
        let line = item
            .and_then(Item::span)
            .map_or(0, |span| line_of(self.text, span));
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').map(|at| open + at + 1);
            let placeholder = &rest[open..close.unwrap_or(rest.len())];
            if placeholder != VersionTemplate::PLACEHOLDER {
                return Err(self.at(
                    item,
                    t,
                    format!("`{key}` has `{placeholder}`, which is not a placeholder"),
                    "`{version}` (replaced by X.Y.Z) is the only one",
                ));
            }
            rest = &rest[close.unwrap_or(rest.len())..];
        }
        if text.trim().is_empty() {
            return Err(self.at(
                item,
                t,
                format!("`{key}` is empty"),
                &format!("give `{key}` a value or leave it out"),
            ));
        }
        Ok(Some(VersionTemplate {
            text,
            at: format!("{}:{line}", self.file),
        }))
    }

    fn known_keys(&self, t: &Table, allowed: &[&str], hint: &str) -> Result<(), ConfigError> {
        for (key, item) in t.iter() {
            if !allowed.contains(&key) {
                let span = t.key(key).and_then(|k| k.span());
                return Err(self.error(
                    span.or_else(|| item.span()),
                    format!("unknown key `{key}`"),
                    hint,
                ));
            }
        }
        Ok(())
    }

    fn section(&self, t: &Table, id: &str) -> Result<Section, ConfigError> {
        let name = self.required_str(t, id, "section")?;
        Section::from_name(&name).ok_or_else(|| {
            let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
            self.at(
                t.get("section"),
                t,
                format!("unknown section `{name}`"),
                &format!("use one of {}", names.join(", ")),
            )
        })
    }

    fn required_str(&self, t: &Table, id: &str, key: &str) -> Result<String, ConfigError> {
        self.opt_str(t, key)?.ok_or_else(|| {
            self.at(
                None,
                t,
                format!("check `{id}` has no `{key}`"),
                &format!("add `{key} = \"...\"`"),
            )
        })
    }

    fn opt_str(&self, t: &Table, key: &str) -> Result<Option<String>, ConfigError> {
        let Some(item) = t.get(key) else {
            return Ok(None);
        };
        match item.as_str() {
            Some(s) => Ok(Some(s.to_string())),
            None => Err(self.wrong_type(item, key, "a string")),
        }
    }

    fn opt_bool(&self, t: &Table, key: &str) -> Result<Option<bool>, ConfigError> {
        let Some(item) = t.get(key) else {
            return Ok(None);
        };
        item.as_bool()
            .map(Some)
            .ok_or_else(|| self.wrong_type(item, key, "true or false"))
    }

    fn strings(&self, t: &Table, key: &str) -> Result<Vec<String>, ConfigError> {
        let Some(item) = t.get(key) else {
            return Ok(Vec::new());
        };
        let strings = item.as_array().and_then(|array| {
            array
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
        });
        strings.ok_or_else(|| self.wrong_type(item, key, "an array of strings"))
    }

    fn needs(&self, t: &Table) -> Result<Vec<String>, ConfigError> {
        let needs = self.strings(t, "needs")?;
        match needs.iter().find(|n| !crate::TOOLS.contains(&n.as_str())) {
            Some(unknown) => Err(self.at(
                t.get("needs"),
                t,
                format!("unknown tool `{unknown}` in `needs`"),
                &format!("use {}", crate::TOOLS.join(", ")),
            )),
            None => Ok(needs),
        }
    }

    /// Seconds as an integer, or a string with a unit: "90s", "10m", "1h".
    fn timeout(&self, t: &Table) -> Result<Option<Duration>, ConfigError> {
        let Some(item) = t.get("timeout") else {
            return Ok(None);
        };
        let seconds = match (item.as_integer(), item.as_str()) {
            (Some(n), _) if n > 0 => Some(n as u64),
            (_, Some(s)) => parse_duration(s),
            _ => None,
        };
        match seconds {
            Some(s) => Ok(Some(Duration::from_secs(s))),
            None => Err(self.wrong_type(
                item,
                "timeout",
                "a positive number of seconds or a string like \"90s\", \"10m\", \"1h\"",
            )),
        }
    }

    fn table<'t>(&self, item: &'t Item, key: &str) -> Result<&'t Table, ConfigError> {
        item.as_table()
            .ok_or_else(|| self.wrong_type(item, key, "a table like `[checks.ID]`"))
    }

    fn wrong_type(&self, item: &Item, key: &str, expected: &str) -> ConfigError {
        self.error(
            item.span(),
            format!("`{key}` must be {expected}"),
            &format!("write `{key}` as {expected}"),
        )
    }

    /// An error at `item`, else at the table's header.
    fn at(&self, item: Option<&Item>, t: &Table, message: String, hint: &str) -> ConfigError {
        self.error(
            item.and_then(Item::span).or_else(|| t.span()),
            message,
            hint,
        )
    }

    fn error(&self, span: Option<Range<usize>>, message: String, hint: &str) -> ConfigError {
        ConfigError {
            file: self.file.into(),
            line: span.map(|span| line_of(self.text, span)),
            message,
            hint: hint.into(),
        }
    }
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

fn parse_duration(s: &str) -> Option<u64> {
    let (digits, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = digits.parse().ok().filter(|&n| n > 0)?;
    match unit {
        "s" => Some(n),
        "m" => Some(n * 60),
        "h" => Some(n * 3600),
        _ => None,
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
