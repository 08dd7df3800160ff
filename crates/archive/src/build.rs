//! Building the artifacts: list the tree, check the output directory, stream blobs into the
//! tarballs (while `git check-attr` answers, when that is a safe bet: see [`crate::exported`]),
//! then write models.json, manifest.json and SHA256SUMS, and rename them all into place.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use scratch::TempFile;

use crate::blobs::BlobStream;
use crate::exported::{worth_speculating, Exported, Listing};
use crate::output::{json, small_file, Pending, TarGz};
use crate::pgzip::Pool;
use crate::repo::{AttrIndex, Commit, Entry, EntryKind, Repo};
use crate::{
    models, ArchiveError, Artifact, Exception, ExceptionKind, Group, LeftOut, Manifest, Options,
    COMPRESSOR, MANIFEST, SHA256SUMS,
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
    Source::open(repo_dir, rev)?.build(out_dir, opts)
}

/// A revision of a repository, resolved to its commit: what [`Source::build`] archives.
/// Opening it apart from building lets a caller run these git calls beside its own.
pub struct Source {
    repo: Repo,
    commit: Commit,
    rev: String,
}

impl Source {
    pub fn open(repo_dir: &Path, rev: &str) -> Result<Source, ArchiveError> {
        let (repo, commit) = Repo::open_at(repo_dir, rev)?;
        Ok(Source {
            repo,
            commit,
            rev: rev.to_string(),
        })
    }

    /// Builds every artifact into `out_dir`, like [`build`].
    pub fn build(&self, out_dir: &Path, opts: &Options) -> Result<Manifest, ArchiveError> {
        build_commit(&self.repo, &self.rev, &self.commit, out_dir, opts)
    }
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
    // git starts up while the tree is listed; asked for blobs in `Tarballs::write`.
    let blobs = BlobStream::spawn(repo.dir())?;
    let Listing {
        tree,
        matches,
        attr_index,
    } = Listing::read(repo, &commit.id, &opts.groups)?;
    let stem = opts.stem();
    let models_name = format!("{stem}-models.json");
    let mut candidates = vec![
        format!("{stem}.tar.gz"),
        models_name.clone(),
        MANIFEST.into(),
        SHA256SUMS.into(),
    ];
    candidates.extend(opts.groups.iter().map(|group| group_tarball(&stem, group)));
    let extras = extra_blobs(&tree, &commit.id, &opts.extras, &candidates)?;
    candidates.extend(opts.extras.iter().map(|extra| extra.name.clone()));
    candidates.extend(previous_artifacts(out_dir));
    prepare_out_dir(out_dir, &candidates, opts.force)?;

    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    };
    let bet = worth_speculating(repo.is_top(), &tree);
    let (exported, written) = Pool::scoped(threads, |pool| {
        let tarballs = Tarballs {
            repo,
            commit,
            out_dir,
            stem: &stem,
            groups: &opts.groups,
            tree: &tree,
            matches: &matches,
            pool,
        };
        tarballs.write_exported(blobs, attr_index, bet)
    })?;
    let Written {
        tarballs: written,
        lfs_pointers,
        model_sources: [pull_script, versions_doc],
        mut left_out,
    } = written;
    let mut exceptions = exported.exceptions;
    exceptions.extend(lfs_pointers);

    let (mut pending, mut artifacts): (Vec<Pending>, Vec<_>) = written.into_iter().unzip();
    match models::collect(pull_script.as_deref(), versions_doc.as_deref()) {
        Ok(Some(models)) => {
            let (file, artifact) = small_file(out_dir, &models_name, &json(&models))?;
            pending.push(file);
            artifacts.push(artifact);
        }
        Ok(None) => {
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
        Err(why) => left_out.push(LeftOut {
            artifact: models_name,
            reason: format!("malformed registry: {why}"),
        }),
    }
    for (extra, oid) in opts.extras.iter().zip(extras) {
        let (file, artifact) = small_file(out_dir, &extra.name, &repo.blob(oid)?)?;
        pending.push(file);
        artifacts.push(artifact);
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
        extras: opts.extras.clone(),
    };
    pending.extend(manifest_and_sums(out_dir, &manifest)?);
    for file in pending {
        file.persist()?;
    }
    if opts.force {
        remove_stale(out_dir, &candidates, &manifest)?;
    }
    Ok(manifest)
}

/// manifest.json, then SHA256SUMS of every artifact and the manifest, to be renamed into place
/// in this order: whoever sees SHA256SUMS sees the files it lists.
fn manifest_and_sums(out_dir: &Path, manifest: &Manifest) -> Result<[Pending; 2], ArchiveError> {
    let (manifest_file, manifest_artifact) = small_file(out_dir, MANIFEST, &json(manifest))?;
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
    let (sums_file, _) = small_file(out_dir, SHA256SUMS, sums.as_bytes())?;
    Ok([manifest_file, sums_file])
}

/// The blob of each extra file in the tree, refused before anything is written when one is
/// not a regular file there or its name is taken (by the archive's own artifacts or another).
fn extra_blobs<'t>(
    tree: &'t [Entry],
    commit: &str,
    extras: &[crate::ExtraFile],
    taken: &[String],
) -> Result<Vec<&'t str>, ArchiveError> {
    let mut names: Vec<&str> = taken.iter().map(String::as_str).collect();
    let mut blobs = Vec::new();
    for extra in extras {
        if names.contains(&extra.name.as_str()) {
            return Err(ArchiveError::NameTaken {
                name: extra.name.clone(),
            });
        }
        names.push(&extra.name);
        match tree.iter().find(|entry| entry.path == extra.path) {
            Some(entry) if matches!(entry.kind, EntryKind::File { .. }) => {
                blobs.push(entry.oid.as_str())
            }
            _ => {
                return Err(ArchiveError::NotAFile {
                    commit: commit.to_string(),
                    path: extra.path.clone(),
                })
            }
        }
    }
    Ok(blobs)
}

/// Name, label and group names become file names: no separators, no hidden or empty names.
fn check_names(opts: &Options) -> Result<(), ArchiveError> {
    let names = [("project name", &opts.name), ("label", &opts.label)];
    let groups = opts.groups.iter().map(|group| ("group name", &group.name));
    let extras = opts.extras.iter().map(|extra| ("file name", &extra.name));
    for (what, value) in names.into_iter().chain(groups).chain(extras) {
        if value.is_empty() || value.starts_with('.') || value.contains(['/', '\\', '\0']) {
            return Err(ArchiveError::BadName {
                what,
                value: value.clone(),
            });
        }
    }
    Ok(())
}

/// Which tarballs exist and which of them each exported entry goes to.
struct Layout {
    /// The full tarball first, then one per group that has files.
    tarballs: Vec<String>,
    /// For each exported entry, indexes into `tarballs`.
    targets: Vec<Vec<usize>>,
    left_out: Vec<LeftOut>,
}

impl Layout {
    /// `matches[group][entry]`: whether the group's globs match the path of the tree's entry;
    /// `kept`: the entries exported, as indexes into the tree.
    fn new(stem: &str, groups: &[Group], matches: &[Vec<bool>], kept: &[usize]) -> Layout {
        let mut layout = Layout {
            tarballs: vec![format!("{stem}.tar.gz")],
            targets: vec![vec![0]; kept.len()],
            left_out: Vec::new(),
        };
        for (group, matches) in groups.iter().zip(matches) {
            let index = layout.tarballs.len();
            let mut any = false;
            for (&entry, targets) in kept.iter().zip(&mut layout.targets) {
                if matches[entry] {
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

/// One pass over the blob stream: the tarballs under temporary names, and what the pass found.
struct Written {
    tarballs: Vec<(Pending, Artifact)>,
    lfs_pointers: Vec<Exception>,
    /// The texts of [`models::PULL_SCRIPT`] and [`models::VERSIONS_DOC`] at the commit.
    model_sources: [Option<String>; 2],
    left_out: Vec<LeftOut>,
}

/// What writing the tarballs needs, for one pass or, when a guess was wrong, two.
struct Tarballs<'a> {
    repo: &'a Repo,
    commit: &'a Commit,
    out_dir: &'a Path,
    stem: &'a str,
    groups: &'a [Group],
    tree: &'a [Entry],
    /// `matches[group][entry]`: see [`Listing`].
    matches: &'a [Vec<bool>],
    pool: Pool,
}

impl Tarballs<'_> {
    /// The tarballs of what `git archive` would export. With `bet`, they are written while
    /// `git check-attr` answers, betting that it keeps every file; when it drops one, that pass
    /// is thrown away (its temporary files with it) and the tarballs are written again.
    fn write_exported(
        &self,
        blobs: BlobStream,
        attr_index: AttrIndex,
        bet: bool,
    ) -> Result<(Exported, Written), ArchiveError> {
        std::thread::scope(|scope| {
            let exported = scope.spawn(|| Exported::read(attr_index, self.tree));
            let mut blobs = Some(blobs);
            let guess = bet.then(|| {
                let guess = Exported::everything(self.tree);
                let written = self.write(blobs.take().expect("one stream"), &guess.kept);
                (guess, written)
            });
            let exported = joined(exported)?;
            let written = match guess {
                Some((guess, written)) if guess.kept == exported.kept => written,
                lost => {
                    drop(lost);
                    let blobs = match blobs.take() {
                        Some(blobs) => blobs,
                        None => BlobStream::spawn(self.repo.dir())?,
                    };
                    self.write(blobs, &exported.kept)
                }
            };
            Ok((exported, written?))
        })
    }

    /// Writes the tarballs of the `kept` entries of the tree, reading every blob once from
    /// `blobs` and then the models' two source files from the same stream (no extra git process).
    fn write(&self, mut blobs: BlobStream, kept: &[usize]) -> Result<Written, ArchiveError> {
        let Tarballs { commit, tree, .. } = self;
        let layout = Layout::new(self.stem, self.groups, self.matches, kept);
        let mut writers = layout
            .tarballs
            .iter()
            .map(|name| {
                TarGz::create(
                    self.out_dir,
                    name,
                    self.pool.clone(),
                    commit.time,
                    &commit.id,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let model_sources = [models::PULL_SCRIPT, models::VERSIONS_DOC]
            .map(|path| self.repo.object_name(&commit.id, path));
        let mut objects: Vec<String> = kept.iter().map(|&entry| tree[entry].oid.clone()).collect();
        objects.extend(model_sources.iter().cloned());
        blobs.request(objects);
        let lfs_pointers = stream(
            &mut blobs,
            &commit.id,
            self.stem,
            kept.iter().map(|&entry| &tree[entry]),
            &layout.targets,
            &mut writers,
        )?;
        let mut text = |name: &str| -> Result<Option<String>, ArchiveError> {
            Ok(blobs
                .named(name)?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
        };
        let model_sources = [text(&model_sources[0])?, text(&model_sources[1])?];
        blobs.finish()?;
        let tarballs = writers
            .into_iter()
            .map(TarGz::finish)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Written {
            tarballs,
            lfs_pointers,
            model_sources,
            left_out: layout.left_out,
        })
    }
}

/// Streams every entry's blob into the tarballs it belongs to; returns the LFS pointers seen.
fn stream<'a>(
    blobs: &mut BlobStream,
    commit: &str,
    stem: &str,
    entries: impl Iterator<Item = &'a Entry>,
    targets: &[Vec<usize>],
    writers: &mut [TarGz],
) -> Result<Vec<Exception>, ArchiveError> {
    let mut lfs_pointers = Vec::new();
    for (entry, targets) in entries.zip(targets) {
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
            EntryKind::Submodule => unreachable!("submodules are never exported"),
        };
        for &index in targets {
            writers[index].begin_file(&path, executable, size, &entry.oid)?;
        }
        if size < LFS_POINTER_MAX {
            let content = blobs.read_all(size)?;
            if content.starts_with(LFS_POINTER_START) {
                let detail =
                    "a Git LFS pointer: the tarballs hold the pointer text, not the file".into();
                lfs_pointers.push(Exception {
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
    Ok(lfs_pointers)
}

/// The artifacts an earlier run's SHA256SUMS lists (`<hex>  <name>` lines, manifest.json among
/// them): with `--force`, those not rebuilt are stale. SHA256SUMS rather than manifest.json,
/// which lists the same names but is a thousand times larger to parse.
fn previous_artifacts(out_dir: &Path) -> Vec<String> {
    let text = fs::read_to_string(out_dir.join(SHA256SUMS)).unwrap_or_default();
    // Plain file names only: a doctored list must not make `--force` delete elsewhere.
    let plain =
        |name: &&str| !name.is_empty() && !name.contains(['/', '\\']) && !name.starts_with('.');
    text.lines()
        .filter_map(|line| line.split_once("  ").map(|(_, name)| name))
        .filter(plain)
        .map(str::to_string)
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
