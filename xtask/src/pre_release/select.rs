//! `--section`, `--only`, `--skip`: which checks a run covers.

use std::collections::BTreeSet;

use checklist::{Check, Checklist, Section};

use crate::exit::Exit;

/// The checks a run covers: the chosen ones and everything they depend on, minus `--skip`.
pub struct Selection {
    chosen: Option<BTreeSet<String>>,
    pulled_in: BTreeSet<String>,
    skipped: BTreeSet<String>,
    sections: Vec<String>,
}

impl Selection {
    pub fn new(
        checklist: &Checklist,
        sections: &[String],
        only: &[String],
        skip: &[String],
    ) -> anyhow::Result<Selection> {
        for name in sections {
            if Section::from_name(name).is_none() {
                return Err(unknown_section(name));
            }
        }
        for id in only.iter().chain(skip) {
            if checklist.get(id).is_none() {
                return Err(unknown_id(id));
            }
        }
        let narrowed = !sections.is_empty() || !only.is_empty();
        let chosen: BTreeSet<String> = checklist
            .checks()
            .iter()
            .filter(|c| only.contains(&c.id) || sections.iter().any(|s| s == c.section.name()))
            .map(|c| c.id.clone())
            .collect();
        // What a skipped check needs is not pulled in for it.
        let wanted = chosen
            .iter()
            .filter(|id| !skip.contains(id))
            .cloned()
            .collect();
        let pulled_in = if narrowed {
            dependencies_of(checklist, &wanted)
        } else {
            BTreeSet::new()
        };
        Ok(Selection {
            chosen: narrowed.then_some(chosen),
            pulled_in,
            skipped: skip.iter().cloned().collect(),
            sections: sections.to_vec(),
        })
    }

    /// True when `--section` or `--only` chose part of the checklist.
    pub fn narrowed(&self) -> bool {
        self.chosen.is_some()
    }

    /// The sections the run covers: `--section`'s, else those of the `--only` checks, else all.
    /// (A dependency pulled in from another section does not cover that section.)
    pub fn sections(&self, checklist: &Checklist) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for check in checklist.checks() {
            let name = check.section.name();
            let covered = match &self.chosen {
                None => true,
                Some(_) if !self.sections.is_empty() => self.sections.iter().any(|s| s == name),
                Some(chosen) => chosen.contains(&check.id),
            };
            if covered && !found.iter().any(|f| f == name) {
                found.push(name.to_string());
            }
        }
        found
    }

    /// True when `--section`/`--only` left `check` to another run (not a `--skip`, not disabled).
    pub fn not_selected(&self, check: &Check) -> bool {
        self.chosen.as_ref().is_some_and(|chosen| {
            !chosen.contains(&check.id) && !self.pulled_in.contains(&check.id)
        })
    }

    /// Why `check` does not run, or `None` when it does.
    pub fn left_out(&self, check: &Check) -> Option<String> {
        if self.skipped.contains(&check.id) {
            return Some("left out by --skip".into());
        }
        if !check.enabled {
            return Some(format!("disabled in {}", checklist::OVERRIDE_FILE));
        }
        let chosen = self.chosen.as_ref()?;
        if chosen.contains(&check.id) || self.pulled_in.contains(&check.id) {
            return None;
        }
        Some(if self.sections.is_empty() {
            "not selected by --only".into()
        } else {
            format!("not in --section {}", self.sections.join(", "))
        })
    }
}

/// Every check the `chosen` ones depend on, transitively.
fn dependencies_of(checklist: &Checklist, chosen: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut stack: Vec<&str> = chosen.iter().map(String::as_str).collect();
    while let Some(id) = stack.pop() {
        for dep in checklist
            .get(id)
            .map(|c| c.deps.as_slice())
            .unwrap_or_default()
        {
            if found.insert(dep.clone()) {
                stack.push(dep);
            }
        }
    }
    found
}

/// The refusal of a section name that is none of the checklist's five.
pub fn unknown_section(name: &str) -> anyhow::Error {
    let names: Vec<&str> = Section::ALL.iter().map(|s| s.name()).collect();
    Exit::refused(
        format!("unknown section `{name}`"),
        format!("use one of {}", names.join(", ")),
    )
    .into()
}

pub fn unknown_id(id: &str) -> anyhow::Error {
    Exit::refused(
        format!("unknown check `{id}`"),
        "run `cargo xtask pre-release --list` to see the check ids",
    )
    .into()
}
