//! Drafting release notes from commit messages (Conventional Commits).

use std::sync::LazyLock;

use regex_lite::Regex;

use crate::notes::{Category, Notes};

impl Notes {
    /// Drafts notes from whole commit messages (subject, blank line, body), in the given order.
    ///
    /// `feat` → Added; `fix` → Fixed; `perf`/`refactor`/`build`/`deps` → Changed;
    /// `deprecate` → Deprecated; `remove`/`revert` → Removed; `security`/`sec` → Security.
    /// `chore`/`ci`/`test`/`style`/`docs`, merge commits and "Release version …" commits are
    /// skipped, unless breaking. Any other subject is Changed, as written. A `!` after the
    /// type or a `BREAKING CHANGE:` footer marks the entry "**Breaking:** …". Types are
    /// case-insensitive (the checklist's hotfix commits read "Fix: …"). Duplicates are dropped.
    pub fn from_commits(messages: &[String]) -> Notes {
        let mut notes = Notes::default();
        for message in messages {
            let Some((category, entry)) = entry_of_commit(message) else {
                continue;
            };
            let items = notes.items_mut(category);
            if !items.contains(&entry) {
                items.push(entry);
            }
        }
        notes
    }
}

fn entry_of_commit(message: &str) -> Option<(Category, String)> {
    static CONVENTIONAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?P<type>[A-Za-z]+)(?:\((?P<scope>[^)]*)\))?(?P<bang>!)?:\s*(?P<description>\S.*)$",
        )
        .unwrap()
    });
    static BREAKING_FOOTER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^BREAKING[ -]CHANGE:").unwrap());
    static SKIPPED_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:Merge (?:pull request|branch|remote-tracking branch|tag|commit) |Release version )")
            .unwrap()
    });

    let subject = message.lines().next()?.trim();
    if subject.is_empty() || SKIPPED_SUBJECT.is_match(subject) {
        return None;
    }
    let Some(captures) = CONVENTIONAL.captures(subject) else {
        return Some((Category::Changed, subject.to_owned()));
    };
    let breaking = captures.name("bang").is_some() || BREAKING_FOOTER.is_match(message);
    let category = match captures["type"].to_ascii_lowercase().as_str() {
        "feat" | "feature" => Category::Added,
        "fix" => Category::Fixed,
        "perf" | "refactor" | "build" | "deps" => Category::Changed,
        "deprecate" => Category::Deprecated,
        "remove" | "revert" => Category::Removed,
        "security" | "sec" => Category::Security,
        "chore" | "ci" | "test" | "tests" | "style" | "docs" if !breaking => return None,
        "chore" | "ci" | "test" | "tests" | "style" | "docs" => Category::Changed,
        // `Note: something` is prose, not a type we know: keep the subject whole.
        _ => return Some((Category::Changed, subject.to_owned())),
    };

    let mut entry = String::new();
    if breaking {
        entry.push_str("**Breaking:** ");
    }
    if let Some(scope) = captures
        .name("scope")
        .filter(|scope| !scope.as_str().trim().is_empty())
    {
        entry.push_str(scope.as_str().trim());
        entry.push_str(": ");
    }
    entry.push_str(captures["description"].trim());
    Some((category, entry))
}
