//! Release notes by category: read from a section body, rendered in the seed's format.

use crate::parse::lines;

/// The seed checklist's categories, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Added,
    Changed,
    Fixed,
    Deprecated,
    Removed,
    Security,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Added,
        Category::Changed,
        Category::Fixed,
        Category::Deprecated,
        Category::Removed,
        Category::Security,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Category::Added => "Added",
            Category::Changed => "Changed",
            Category::Fixed => "Fixed",
            Category::Deprecated => "Deprecated",
            Category::Removed => "Removed",
            Category::Security => "Security",
        }
    }

    /// Keep a Changelog titles and the usual generator synonyms (`Features`, `Bug Fixes`, …);
    /// anything else counts as Changed, so no entry is ever dropped.
    fn of_heading(heading: &str) -> Category {
        Category::parse(heading).unwrap_or(Category::Changed)
    }

    /// The category a `### heading` names, if it names one.
    pub fn parse(heading: &str) -> Option<Category> {
        let heading = heading
            .trim_start_matches(|c: char| !c.is_alphabetic())
            .to_lowercase();
        let heading = heading.trim_end_matches(|c: char| !c.is_alphabetic());
        Some(match heading {
            "added" | "add" | "new" | "feature" | "features" | "new features" => Category::Added,
            "changed" | "change" | "changes" => Category::Changed,
            "fixed" | "fix" | "fixes" | "bug fixes" | "bugfixes" | "bug fix" => Category::Fixed,
            "deprecated" | "deprecation" | "deprecations" => Category::Deprecated,
            "removed" | "removal" | "removals" => Category::Removed,
            "security" => Category::Security,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub fixed: Vec<String>,
    pub deprecated: Vec<String>,
    pub removed: Vec<String>,
    pub security: Vec<String>,
}

impl Notes {
    pub fn is_empty(&self) -> bool {
        Category::ALL
            .iter()
            .all(|&category| self.items(category).is_empty())
    }

    pub fn items(&self, category: Category) -> &[String] {
        match category {
            Category::Added => &self.added,
            Category::Changed => &self.changed,
            Category::Fixed => &self.fixed,
            Category::Deprecated => &self.deprecated,
            Category::Removed => &self.removed,
            Category::Security => &self.security,
        }
    }

    pub fn items_mut(&mut self, category: Category) -> &mut Vec<String> {
        match category {
            Category::Added => &mut self.added,
            Category::Changed => &mut self.changed,
            Category::Fixed => &mut self.fixed,
            Category::Deprecated => &mut self.deprecated,
            Category::Removed => &mut self.removed,
            Category::Security => &mut self.security,
        }
    }

    /// The bullets of a section body, by their `### Category` (bullets outside any category,
    /// or under an unknown one, are Changed). Indented lines continue the bullet above them
    /// (kept verbatim, joined with `\n`); prose between lists is not an entry.
    pub fn from_section_body(body: &str) -> Notes {
        let mut notes = Notes::default();
        let mut category = Category::Changed;
        // The open entry, if any, is the last one of `category`.
        let mut item_open = false;
        let mut was_in_fence = false;
        for line in lines(body) {
            let content = line.content;
            let is_indented = content.starts_with([' ', '\t']) && !content.trim().is_empty();
            let opens_fence = line.in_fence && !was_in_fence;
            was_in_fence = line.in_fence;
            // An indented code block belongs to the entry above it; one at column 0 ends it.
            let is_continuation = if line.in_fence {
                !opens_fence || is_indented
            } else {
                is_indented
            };
            if is_continuation {
                if item_open {
                    let item = notes
                        .items_mut(category)
                        .last_mut()
                        .expect("an open entry exists");
                    item.push('\n');
                    item.push_str(content);
                }
            } else if let Some(heading) = content.strip_prefix("###") {
                category = Category::of_heading(heading.trim_start_matches('#').trim());
                item_open = false;
            } else if let Some(text) = bullet_text(content) {
                notes.items_mut(category).push(text.to_owned());
                item_open = true;
            } else {
                item_open = false;
            }
        }
        notes
    }

    /// The `### headings` of a notes body that name no category (1-based line, heading text):
    /// [`Notes::from_section_body`] files their entries under Changed, which a hand-written
    /// notes file rarely means.
    pub fn unknown_headings(body: &str) -> Vec<(usize, String)> {
        lines(body)
            .enumerate()
            .filter(|(_, line)| !line.in_fence)
            .filter_map(|(index, line)| {
                let heading = line.content.strip_prefix("###")?;
                let heading = heading.trim_start_matches('#').trim();
                Category::parse(heading)
                    .is_none()
                    .then(|| (index + 1, heading.to_string()))
            })
            .collect()
    }

    /// The seed's format: `### Category` then `- item` lines, categories in the seed order,
    /// empty ones omitted, a blank line between categories; `""` when empty.
    pub fn render(&self) -> String {
        self.render_with_newline("\n")
    }

    pub(crate) fn render_with_newline(&self, newline: &str) -> String {
        let blocks: Vec<String> = Category::ALL
            .iter()
            .filter(|&&category| !self.items(category).is_empty())
            .map(|&category| {
                let mut block = format!("### {}{newline}", category.title());
                for item in self.items(category) {
                    block.push_str("- ");
                    block.push_str(&item.replace('\n', newline));
                    block.push_str(newline);
                }
                block
            })
            .collect();
        blocks.join(newline)
    }
}

/// `- text`, `* text` or `+ text` at the start of a line.
fn bullet_text(line: &str) -> Option<&str> {
    let text = line
        .strip_prefix(['-', '*', '+'])?
        .strip_prefix([' ', '\t'])?;
    Some(text.trim_end())
}
