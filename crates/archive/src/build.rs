//! Building the artifacts: list the tree, check the output directory, stream blobs into the
//! tarballs, then write models.json, manifest.json and SHA256SUMS, and rename them all into place.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use scratch::TempFile;

use crate::blobs::BlobStream;
use crate::output::{json, small_file, Pending, TarGz};
use crate::pgzip::Pool;
use crate::repo::{AttrIndex, Commit, Entry, EntryKind, ExportAttrs, Repo};
use crate::{
    models, ArchiveError, Exception, ExceptionKind, Group, LeftOut, Manifest, Options, COMPRESSOR,
    MANIFEST, SHA256SUMS,
};

/// Git LFS pointer files are smaller than this, by the LFS spec.
const LFS_POINTER_MAX: u64 = 1024;
const LFS_POINTER_START: &[u8] = b"version https://git-lfs.github.com/spec/";

/// Builds every artifact of `rev` into `out_dir`. See `docs/archive.md` for the layout.
pub fn build(
    repo_dir: &Path,
    rev: &str,
    out_dir: &Path,
    opts: &Options,
) -> Result<Manifest, ArchiveError> {
    let (repo, commit) = Repo::open_at(repo_dir, rev)?;
    build_commit(&repo, rev, &commit, out_dir, opts)
}

/// [`build`] of a commit already resolved; `rev` is only recorded.
pub(crate) fn build_commit(
    repo: &Repo,
    rev: &str,
    commit: &Commit,
    out_dir: &Path,
    opts: &Options,
) -> Result<Manifest, ArchiveError> {
    check_names(opts)?;
    // git starts up while the tree and its attributes are read; asked for blobs in `stream`.
    let mut blobs = BlobStream::spawn(repo.dir())?;
    let (exported, previous) = std::thread::scope(|scope| {
        // An earlier run's manifest.json (for stale artifacts) needs nothing from git: read it
        // while git lists the tree.
        let previous = scope.spawn(|| previous_artifacts(out_dir));
        let exported = exported_entries(repo, &commit.id, &opts.groups);
        (exported, joined(previous))
    });
    let Exported {
        entries,
        mut exceptions,
        matches,
    } = exported?;
    let stem = opts.stem();
    let models_name = format!("{stem}-models.json");
    let Layout {
        tarballs,
        targets,
        mut left_out,
    } = Layout::new(&stem, &opts.groups, &matches, entries.len());

    let mut candidates = vec![
        tarballs[0].clone(),
        models_name.clone(),
        MANIFEST.into(),
        SHA256SUMS.into(),
    ];
    candidates.extend(opts.groups.iter().map(|group| group_tarball(&stem, group)));
    candidates.extend(previous);
    prepare_out_dir(out_dir, &candidates, opts.force)?;

    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    };
    let (written, [pull_script, versions_doc]) = Pool::scoped(threads, |pool| {
        let mut writers = tarballs
            .iter()
            .map(|name| TarGz::create(out_dir, name, pool.clone(), commit.time, &commit.id))
            .collect::<Result<Vec<_>, _>>()?;
        // The two model files come through the same stream, after the tree's blobs.
        let model_sources = [models::PULL_SCRIPT, models::VERSIONS_DOC]
            .map(|path| repo.object_name(&commit.id, path));
        let mut objects: Vec<String> = entries.iter().map(|entry| entry.oid.clone()).collect();
        objects.extend(model_sources.iter().cloned());
        blobs.request(objects);
        stream(
            &mut blobs,
            &commit.id,
            &stem,
            &entries,
            &targets,
            &mut writers,
            &mut exceptions,
        )?;
        let mut text = |name: &str| -> Result<Option<String>, ArchiveError> {
            Ok(blobs
                .named(name)?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
        };
        let model_sources = [text(&model_sources[0])?, text(&model_sources[1])?];
        blobs.finish()?;
        let written = writers
            .into_iter()
            .map(TarGz::finish)
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, ArchiveError>((written, model_sources))
    })?;

    let (mut pending, mut artifacts): (Vec<Pending>, Vec<_>) = written.into_iter().unzip();
    match models::collect(
        pull_script.as_deref(),
        versions_doc.as_deref(),
        &opts.ollama,
    ) {
        Some(models) => {
            let (file, artifact) = small_file(out_dir, &models_name, &json(&models))?;
            pending.push(file);
            artifacts.push(artifact);
        }
        None => {
            let reason = format!(
                "neither {} nor {} names a model",
                models::PULL_SCRIPT,
                models::VERSIONS_DOC
            );
            left_out.push(LeftOut {
                artifact: models_name,
                reason,
            });
        }
    }
    exceptions.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        name: opts.name.clone(),
        label: opts.label.clone(),
        rev: rev.to_string(),
        commit: commit.id.clone(),
        commit_time: commit.time,
        commit_date: commit.date.clone(),
        compressor: COMPRESSOR.to_string(),
        groups: opts.groups.clone(),
        artifacts,
        exceptions,
        left_out,
    };
    let (file, manifest_artifact) = small_file(out_dir, MANIFEST, &json(&manifest))?;
    pending.push(file);
    let mut sums: Vec<(&str, &str)> = manifest
        .artifacts
        .iter()
        .map(|a| (a.name.as_str(), a.sha256.as_str()))
        .collect();
    sums.push((MANIFEST, &manifest_artifact.sha256));
    sums.sort();
    let sums: String = sums
        .iter()
        .map(|(name, sha256)| format!("{sha256}  {name}\n"))
        .collect();
    // SHA256SUMS last: whoever sees it sees the files it lists.
    pending.push(small_file(out_dir, SHA256SUMS, sums.as_bytes())?.0);

    for file in pending {
        file.persist()?;
    }
    if opts.force {
        remove_stale(out_dir, &candidates, &manifest)?;
    }
    Ok(manifest)
}

/// Name, label and group names become file names: no separators, no hidden or empty names.
fn check_names(opts: &Options) -> Result<(), ArchiveError> {
    let names = [("project name", &opts.name), ("label", &opts.label)];
    let groups = opts.groups.iter().map(|group| ("group name", &group.name));
    for (what, value) in names.into_iter().chain(groups) {
        if value.is_empty() || value.starts_with('.') || value.contains(['/', '\\', '\0']) {
            return Err(ArchiveError::BadName {
                what,
                value: value.clone(),
            });
        }
    }
    Ok(())
}

/// Which tarballs exist and which of them each entry goes to.
struct Layout {
    /// The full tarball first, then one per group that has files.
    tarballs: Vec<String>,
    /// For each entry, indexes into `tarballs`.
    targets: Vec<Vec<usize>>,
    left_out: Vec<LeftOut>,
}

impl Layout {
    /// `matches[group][entry]`: whether the group's globs match the entry's path.
    fn new(stem: &str, groups: &[Group], matches: &[Vec<bool>], entries: usize) -> Layout {
        let mut layout = Layout {
            tarballs: vec![format!("{stem}.tar.gz")],
            targets: vec![vec![0]; entries],
            left_out: Vec::new(),
        };
        for (group, matches) in groups.iter().zip(matches) {
            let index = layout.tarballs.len();
            let mut any = false;
            for (&matched, targets) in matches.iter().zip(&mut layout.targets) {
                if matched {
                    targets.push(index);
                    any = true;
                }
            }
            if any {
                layout.tarballs.push(group_tarball(stem, group));
            } else {
                let reason = format!("no file matches {}", group.globs.join(" "));
                layout.left_out.push(LeftOut {
                    artifact: group_tarball(stem, group),
                    reason,
                });
            }
        }
        layout
    }
}

/// A scoped thread's result; its panic goes on in the caller.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn group_tarball(stem: &str, group: &Group) -> String {
    format!("{stem}-{}.tar.gz", group.name)
}

/// Streams every entry's blob from one `git cat-file --batch` into the tarballs it belongs to,
/// then reads the models' two source files from the same stream (no extra git process).
fn stream(
    blobs: &mut BlobStream,
    commit: &str,
    stem: &str,
    entries: &[Entry],
    targets: &[Vec<usize>],
    writers: &mut [TarGz],
    exceptions: &mut Vec<Exception>,
) -> Result<(), ArchiveError> {
    for (entry, targets) in entries.iter().zip(targets) {
        let size = blobs.next(&entry.oid, &entry.path)?;
        let path = format!("{stem}/{}", entry.path);
        let executable = match entry.kind {
            EntryKind::File { executable } => executable,
            EntryKind::Symlink => {
                let target = String::from_utf8(blobs.read_all(size)?).map_err(|_| {
                    ArchiveError::UnrepresentablePath {
                        commit: commit.to_string(),
                        path: entry.path.clone(),
                        why: "the symlink target is not UTF-8".into(),
                    }
                })?;
                for &index in targets {
                    writers[index].symlink(&path, &target, &entry.oid)?;
                }
                continue;
            }
            EntryKind::Submodule => unreachable!("exported_entries leaves submodules out"),
        };
        for &index in targets {
            writers[index].begin_file(&path, executable, size, &entry.oid)?;
        }
        if size < LFS_POINTER_MAX {
            let content = blobs.read_all(size)?;
            if content.starts_with(LFS_POINTER_START) {
                let detail =
                    "a Git LFS pointer: the tarballs hold the pointer text, not the file".into();
                exceptions.push(Exception {
                    path: entry.path.clone(),
                    kind: ExceptionKind::LfsPointer,
                    detail,
                });
            }
            for &index in targets {
                writers[index].write(&content)?;
            }
        } else {
            blobs.content(size, |chunk| {
                targets
                    .iter()
                    .try_for_each(|&index| writers[index].write(chunk))
            })?;
        }
        for &index in targets {
            writers[index].end_file(size)?;
        }
    }
    Ok(())
}

/// The entries of the tree that are exported, the exceptions, and which groups match each entry.
struct Exported {
    entries: Vec<Entry>,
    exceptions: Vec<Exception>,
    /// `matches[group][entry]`, for [`Layout::new`].
    matches: Vec<Vec<bool>>,
}

/// The tree at `commit` as `git archive` would export it: without `export-ignore`d paths (or
/// paths below an `export-ignore`d directory) and without submodules, which are reported.
/// The paths are matched against the groups' globs while git reads the attributes.
fn exported_entries(repo: &Repo, commit: &str, groups: &[Group]) -> Result<Exported, ArchiveError> {
    // `read-tree` into the scratch index runs while `ls-tree` lists the tree.
    let attr_index = repo.attr_index(commit)?;
    let tree = repo.tree(commit)?;
    let (attrs, matches) = std::thread::scope(|scope| {
        let matches = scope.spawn(|| {
            groups
                .iter()
                .map(|group| {
                    tree.iter()
                        .map(|entry| group.matches(&entry.path))
                        .collect()
                })
                .collect::<Vec<Vec<bool>>>()
        });
        let attrs = export_attrs(repo, attr_index, &tree);
        (attrs, joined(matches))
    });
    let (attrs, ignored_dirs) = attrs?;

    let mut entries = Vec::with_capacity(tree.len());
    let mut kept = Vec::with_capacity(tree.len());
    let mut exceptions = Vec::new();
    for (index, (entry, attrs)) in tree.into_iter().zip(&attrs).enumerate() {
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
                path: entry.path,
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
        entries.push(entry);
        kept.push(index);
    }
    let matches = matches
        .iter()
        .map(|matches| kept.iter().map(|&index| matches[index]).collect())
        .collect();
    Ok(Exported {
        entries,
        exceptions,
        matches,
    })
}

/// The export attributes of every entry of `tree`, and the `export-ignore`d directories.
fn export_attrs(
    repo: &Repo,
    attr_index: AttrIndex,
    tree: &[Entry],
) -> Result<(Vec<ExportAttrs>, BTreeSet<String>), ArchiveError> {
    let mut queries: Vec<String> = tree
        .iter()
        .map(|entry| match entry.kind {
            // A gitlink is a directory in the archive: `git archive` asks about `path/`.
            EntryKind::Submodule => format!("{}/", entry.path),
            _ => entry.path.clone(),
        })
        .collect();
    // Every directory once: `ls-tree -r` lists each directory's paths together, so a directory
    // is new only if the previous path was not in it (a repeat would only be asked twice).
    let mut previous = "";
    for entry in tree {
        for (end, _) in entry.path.match_indices('/') {
            let dir = &entry.path[..=end];
            if !previous.starts_with(dir) {
                queries.push(dir.to_string());
            }
        }
        previous = &entry.path;
    }
    let mut attrs = repo.export_attrs(attr_index, &queries)?;
    let ignored_dirs = queries
        .drain(tree.len()..)
        .zip(&attrs[tree.len()..])
        .filter(|(_, attrs)| attrs.ignore)
        .map(|(dir, _)| dir)
        .collect();
    attrs.truncate(tree.len());
    Ok((attrs, ignored_dirs))
}

/// The artifacts an earlier run's manifest lists: with `--force`, those not rebuilt are stale.
fn previous_artifacts(out_dir: &Path) -> Vec<String> {
    let text = fs::read(out_dir.join(MANIFEST)).ok();
    let manifest = text.and_then(|text| serde_json::from_slice::<Manifest>(&text).ok());
    let artifacts = manifest.map_or_else(Vec::new, |manifest| manifest.artifacts);
    // Plain file names only: a doctored manifest must not make `--force` delete elsewhere.
    let plain = |name: &String| !name.contains(['/', '\\']) && !name.starts_with('.');
    artifacts
        .into_iter()
        .map(|artifact| artifact.name)
        .filter(plain)
        .collect()
}

/// Creates `out_dir` if needed, proves it writable, and refuses to overwrite artifacts without `force`.
fn prepare_out_dir(out_dir: &Path, candidates: &[String], force: bool) -> Result<(), ArchiveError> {
    let unwritable = |source| ArchiveError::OutDirUnwritable {
        dir: out_dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(out_dir).map_err(unwritable)?;
    TempFile::new_in(out_dir).map_err(unwritable)?;
    let present: Vec<String> = candidates
        .iter()
        .filter(|name| out_dir.join(name).exists())
        .cloned()
        .collect();
    if !force && !present.is_empty() {
        return Err(ArchiveError::ArtifactsPresent {
            dir: out_dir.to_path_buf(),
            names: present,
        });
    }
    Ok(())
}

/// With `--force`, artifacts of an earlier run that this run did not build (a group that is
/// empty now or no longer asked for) would contradict SHA256SUMS: remove them.
fn remove_stale(
    out_dir: &Path,
    candidates: &[String],
    manifest: &Manifest,
) -> Result<(), ArchiveError> {
    let built: BTreeSet<&str> = manifest
        .artifacts
        .iter()
        .map(|artifact| artifact.name.as_str())
        .collect();
    for name in candidates {
        let path = out_dir.join(name);
        if !built.contains(name.as_str())
            && ![MANIFEST, SHA256SUMS].contains(&name.as_str())
            && path.exists()
        {
            fs::remove_file(&path).map_err(|source| ArchiveError::Io {
                doing: "removing the stale",
                path,
                source,
            })?;
        }
    }
    Ok(())
}
