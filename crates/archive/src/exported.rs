//! Which entries of the tree an archive exports: the tree listed and matched against the
//! groups, and `export-ignore` / `export-subst` as `git check-attr` reads them at the commit.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::repo::{AttrIndex, Entry, EntryKind, ExportAttrs, Repo};
use crate::{ArchiveError, Exception, ExceptionKind, Group};

/// The tree at the commit and which groups match each path; its attributes are still being
/// read into the scratch index.
pub(crate) struct Listing {
    pub tree: Vec<Entry>,
    /// `matches[group][entry]`: whether the group's globs match the entry's path.
    pub matches: Vec<Vec<bool>>,
    pub attr_index: AttrIndex,
}

impl Listing {
    pub fn read(repo: &Repo, commit: &str, groups: &[Group]) -> Result<Listing, ArchiveError> {
        // `read-tree` fills the scratch index while `ls-tree` lists the tree.
        let listing = repo.list_tree(commit)?;
        let attr_index = repo.attr_index(commit)?;
        let tree = repo.tree(listing, commit)?;
        let matches = groups
            .iter()
            .map(|group| group.matches(tree.iter().map(|entry| &entry.path)))
            .collect();
        Ok(Listing {
            tree,
            matches,
            attr_index,
        })
    }
}

/// Whether to write the tarballs before `git check-attr` has answered, betting that no
/// attribute drops a file: only when the tree has no `.gitattributes` (the usual place for
/// `export-ignore`) and the project is the repository's top, with none above it. A lost bet
/// costs a second pass, never a different archive.
pub(crate) fn worth_speculating(project_is_top: bool, tree: &[Entry]) -> bool {
    project_is_top
        && !tree
            .iter()
            .any(|entry| entry.path.rsplit('/').next() == Some(".gitattributes"))
}

/// The entries of the tree that are exported, as indexes into it, and the exceptions.
pub(crate) struct Exported {
    pub kept: Vec<usize>,
    pub exceptions: Vec<Exception>,
}

impl Exported {
    /// Every file and symlink of the tree, as if no attribute applied.
    pub fn everything(tree: &[Entry]) -> Exported {
        let kept = (0..tree.len())
            .filter(|&index| tree[index].kind != EntryKind::Submodule)
            .collect();
        Exported {
            kept,
            exceptions: Vec::new(),
        }
    }

    /// The tree as `git archive` would export it, by the attributes `git check-attr` reads
    /// in `attr_index`: without `export-ignore`d paths (or paths below an `export-ignore`d
    /// directory) and without submodules, which are reported.
    pub fn read(attr_index: AttrIndex, tree: &[Entry]) -> Result<Exported, ArchiveError> {
        let (attrs, ignored_dirs) = export_attrs(attr_index, tree)?;
        Ok(Exported::new(tree, &attrs, &ignored_dirs))
    }

    fn new(tree: &[Entry], attrs: &[ExportAttrs], ignored_dirs: &BTreeSet<String>) -> Exported {
        let mut kept = Vec::with_capacity(tree.len());
        let mut exceptions = Vec::new();
        for (index, (entry, attrs)) in tree.iter().zip(attrs).enumerate() {
            let below_ignored = entry
                .path
                .match_indices('/')
                .any(|(end, _)| ignored_dirs.contains(&entry.path[..=end]));
            if attrs.ignore || below_ignored {
                continue;
            }
            if entry.kind == EntryKind::Submodule {
                let detail = format!(
                    "a submodule at commit {}: not in the tarballs, archive it from its own repository",
                    entry.oid
                );
                exceptions.push(Exception {
                    path: entry.path.clone(),
                    kind: ExceptionKind::Submodule,
                    detail,
                });
                continue;
            }
            if attrs.subst {
                let detail = "marked export-subst: archived as committed, without `git archive`'s $Format$ expansion".into();
                exceptions.push(Exception {
                    path: entry.path.clone(),
                    kind: ExceptionKind::ExportSubst,
                    detail,
                });
            }
            kept.push(index);
        }
        Exported { kept, exceptions }
    }
}

/// The export attributes of every entry of `tree`, and the `export-ignore`d directories.
fn export_attrs(
    attr_index: AttrIndex,
    tree: &[Entry],
) -> Result<(Vec<ExportAttrs>, BTreeSet<String>), ArchiveError> {
    let mut queries: Vec<Cow<str>> = tree
        .iter()
        .map(|entry| match entry.kind {
            // A gitlink is a directory in the archive: `git archive` asks about `path/`.
            EntryKind::Submodule => Cow::Owned(format!("{}/", entry.path)),
            _ => Cow::Borrowed(entry.path.as_str()),
        })
        .collect();
    // Every directory once: `ls-tree -r` lists each directory's paths together, so a directory
    // is new only if the previous path was not in it (a repeat would only be asked twice).
    let mut previous = "";
    for entry in tree {
        for (end, _) in entry.path.match_indices('/') {
            let dir = &entry.path[..=end];
            if !previous.starts_with(dir) {
                queries.push(Cow::Borrowed(dir));
            }
        }
        previous = &entry.path;
    }
    let mut attrs = attr_index.export_attrs(&queries)?;
    let ignored_dirs = queries
        .drain(tree.len()..)
        .zip(&attrs[tree.len()..])
        .filter(|(_, attrs)| attrs.ignore)
        .map(|(dir, _)| dir.into_owned())
        .collect();
    attrs.truncate(tree.len());
    Ok((attrs, ignored_dirs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(paths: &[&str]) -> Vec<Entry> {
        let entry = |path: &&str| Entry {
            path: path.to_string(),
            kind: EntryKind::File { executable: false },
            oid: "0".repeat(40),
        };
        paths.iter().map(entry).collect()
    }

    #[test]
    fn speculates_only_with_no_gitattributes_in_or_above_the_tree() {
        assert!(worth_speculating(
            true,
            &tree(&["README.md", "src/a.gitattributes"])
        ));
        assert!(!worth_speculating(
            true,
            &tree(&["README.md", ".gitattributes"])
        ));
        assert!(!worth_speculating(true, &tree(&["a/b/.gitattributes"])));
        assert!(!worth_speculating(false, &tree(&["README.md"])));
    }
}
