//! Building the artifacts: list the tree, check the output directory, stream blobs into the
//! tarballs, then write models.json, manifest.json and SHA256SUMS, and rename them all into place.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use crate::blobs::BlobStream;
use crate::pgzip::{GzWriter, Pool};
use crate::repo::{Commit, Entry, EntryKind, Repo};
use crate::ustar::{Kind, TarWriter};
use crate::{
    models, ArchiveError, Artifact, Exception, ExceptionKind, LeftOut, Manifest, Member, Options,
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
    let repo = Repo::open(repo_dir)?;
    let commit = repo.commit(rev)?;
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
    let (commit_time, commit_date, commit) = (commit.time, commit.date.clone(), commit.id.as_str());
    let (entries, mut exceptions) = exported_entries(repo, commit)?;
    let stem = opts.stem();
    let main_name = format!("{stem}.tar.gz");
    let group_name = |group: &crate::Group| format!("{stem}-{}.tar.gz", group.name);
    let models_name = format!("{stem}-models.json");

    // Which tarballs each entry goes to: 0 is the full tarball, then the groups that have files.
    let mut tarballs = vec![main_name.clone()];
    let mut left_out = Vec::new();
    let mut targets: Vec<Vec<usize>> = vec![vec![0]; entries.len()];
    for group in &opts.groups {
        let index = tarballs.len();
        let mut any = false;
        for (entry, targets) in entries.iter().zip(&mut targets) {
            if group.matches(&entry.path) {
                targets.push(index);
                any = true;
            }
        }
        if any {
            tarballs.push(group_name(group));
        } else {
            let reason = format!("no file matches {}", group.globs.join(" "));
            left_out.push(LeftOut {
                artifact: group_name(group),
                reason,
            });
        }
    }

    let text = |path| {
        repo.file(commit, path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    };
    let models = models::collect(
        text(models::PULL_SCRIPT).as_deref(),
        text(models::VERSIONS_DOC).as_deref(),
        &opts.ollama,
    );
    if models.is_none() {
        let reason = format!(
            "neither {} nor {} names a model",
            models::PULL_SCRIPT,
            models::VERSIONS_DOC
        );
        left_out.push(LeftOut {
            artifact: models_name.clone(),
            reason,
        });
    }

    let mut candidates: Vec<String> = vec![
        main_name,
        models_name.clone(),
        MANIFEST.into(),
        SHA256SUMS.into(),
    ];
    candidates.extend(opts.groups.iter().map(group_name));
    candidates.extend(previous_artifacts(out_dir));
    prepare_out_dir(out_dir, &candidates, opts.force)?;

    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        threads => threads,
    };
    let written = Pool::scoped(threads, |pool| {
        let mut writers = tarballs
            .iter()
            .map(|name| TarGz::create(out_dir, name, pool.clone(), commit_time, commit))
            .collect::<Result<Vec<_>, _>>()?;
        let mut blobs = BlobStream::start(
            repo.dir(),
            entries.iter().map(|entry| entry.oid.clone()).collect(),
        )?;
        for (entry, targets) in entries.iter().zip(&targets) {
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
                EntryKind::Submodule => unreachable!("submodules are left out by exported_entries"),
            };
            for &index in targets {
                writers[index].begin_file(&path, executable, size, &entry.oid)?;
            }
            if size < LFS_POINTER_MAX {
                let content = blobs.read_all(size)?;
                if content.starts_with(LFS_POINTER_START) {
                    let detail =
                        "a Git LFS pointer: the tarballs hold the pointer text, not the file"
                            .into();
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
        blobs.finish()?;
        writers
            .into_iter()
            .map(TarGz::finish)
            .collect::<Result<Vec<_>, _>>()
    })?;

    let (mut pending, mut artifacts): (Vec<_>, Vec<_>) = written.into_iter().unzip();
    if let Some(models) = &models {
        let (file, artifact) = small_file(out_dir, &models_name, &json(models))?;
        pending.push(file);
        artifacts.push(artifact);
    }
    exceptions.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        name: opts.name.clone(),
        label: opts.label.clone(),
        rev: rev.to_string(),
        commit: commit.to_string(),
        commit_time,
        commit_date,
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

/// The tree at `commit` as `git archive` would export it: without `export-ignore`d paths (or
/// paths below an `export-ignore`d directory) and without submodules, which are reported.
fn exported_entries(
    repo: &Repo,
    commit: &str,
) -> Result<(Vec<Entry>, Vec<Exception>), ArchiveError> {
    let tree = repo.tree(commit)?;
    let dirs: BTreeSet<String> = tree
        .iter()
        .flat_map(|entry| {
            entry
                .path
                .match_indices('/')
                .map(|(end, _)| entry.path[..=end].to_string())
        })
        .collect();
    let mut queries: Vec<String> = tree
        .iter()
        .map(|entry| match entry.kind {
            // A gitlink is a directory in the archive: `git archive` asks about `path/`.
            EntryKind::Submodule => format!("{}/", entry.path),
            _ => entry.path.clone(),
        })
        .collect();
    queries.extend(dirs.iter().cloned());
    let attrs = repo.export_attrs(commit, &queries)?;
    let ignored_dirs: BTreeSet<&str> = dirs
        .iter()
        .zip(&attrs[tree.len()..])
        .filter(|(_, attrs)| attrs.ignore)
        .map(|(dir, _)| dir.as_str())
        .collect();

    let mut entries = Vec::with_capacity(tree.len());
    let mut exceptions = Vec::new();
    for (entry, attrs) in tree.into_iter().zip(&attrs) {
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
    }
    Ok((entries, exceptions))
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
    NamedTempFile::new_in(out_dir).map_err(unwritable)?;
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

fn json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("manifest types serialize");
    bytes.push(b'\n');
    bytes
}

/// An artifact written under a temporary name in the output directory, renamed by `persist`,
/// so a killed run never leaves a partial file under a final name.
pub(crate) struct Pending {
    tmp: NamedTempFile,
    path: PathBuf,
}

impl Pending {
    fn create(out_dir: &Path, name: &str) -> Result<Pending, ArchiveError> {
        let path = out_dir.join(name);
        let tmp = NamedTempFile::new_in(out_dir).map_err(|source| ArchiveError::Io {
            doing: "creating a temporary file for",
            path: path.clone(),
            source,
        })?;
        Ok(Pending { tmp, path })
    }

    fn persist(self) -> Result<(), ArchiveError> {
        let Pending { tmp, path } = self;
        // Temporary files are created 0600; artifacts are for everyone to read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let readable = fs::Permissions::from_mode(0o644);
            if let Err(source) = tmp.as_file().set_permissions(readable) {
                return Err(ArchiveError::Io {
                    doing: "setting permissions of",
                    path,
                    source,
                });
            }
        }
        match tmp.persist(&path) {
            Ok(_) => Ok(()),
            Err(err) => Err(ArchiveError::Io {
                doing: "renaming into place",
                path,
                source: err.error,
            }),
        }
    }
}

fn small_file(
    out_dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<(Pending, Artifact), ArchiveError> {
    let mut pending = Pending::create(out_dir, name)?;
    pending
        .tmp
        .write_all(bytes)
        .map_err(|source| ArchiveError::Io {
            doing: "writing",
            path: pending.path.clone(),
            source,
        })?;
    let artifact = Artifact {
        name: name.to_string(),
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(bytes)),
        members: Vec::new(),
    };
    Ok((pending, artifact))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One tarball being written: tar → parallel gzip → SHA-256 → temporary file.
struct TarGz {
    name: String,
    path: PathBuf,
    tar: TarWriter<GzWriter<Hashing<BufWriter<NamedTempFile>>>>,
    members: Vec<Member>,
}

impl TarGz {
    fn create(
        out_dir: &Path,
        name: &str,
        pool: Pool,
        mtime: u64,
        commit: &str,
    ) -> Result<TarGz, ArchiveError> {
        let Pending { tmp, path } = Pending::create(out_dir, name)?;
        let file = Hashing {
            inner: BufWriter::with_capacity(256 * 1024, tmp),
            sha256: Sha256::new(),
            len: 0,
        };
        let gz = GzWriter::new(file, pool).map_err(|source| ArchiveError::Io {
            doing: "writing",
            path: path.clone(),
            source,
        })?;
        let mut tarball = TarGz {
            name: name.to_string(),
            path,
            tar: TarWriter::new(gz, mtime),
            members: Vec::new(),
        };
        tarball
            .tar
            .global_comment(commit)
            .map_err(|err| tarball.io_error(err))?;
        Ok(tarball)
    }

    fn begin_file(
        &mut self,
        path: &str,
        executable: bool,
        size: u64,
        blob: &str,
    ) -> Result<(), ArchiveError> {
        let kind = Kind::File { executable };
        self.tar
            .entry(path, kind, size, "")
            .map_err(|err| self.io_error(err))?;
        self.members.push(Member {
            path: path.into(),
            mode: mode(kind),
            size,
            blob: blob.into(),
            link: None,
        });
        Ok(())
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), ArchiveError> {
        self.tar
            .get_mut()
            .write_all(chunk)
            .map_err(|err| self.io_error(err))
    }

    fn end_file(&mut self, size: u64) -> Result<(), ArchiveError> {
        self.tar.end_file(size).map_err(|err| self.io_error(err))
    }

    fn symlink(&mut self, path: &str, target: &str, blob: &str) -> Result<(), ArchiveError> {
        self.tar
            .entry(path, Kind::Symlink, 0, target)
            .map_err(|err| self.io_error(err))?;
        let link = Some(target.to_string());
        self.members.push(Member {
            path: path.into(),
            mode: mode(Kind::Symlink),
            size: 0,
            blob: blob.into(),
            link,
        });
        Ok(())
    }

    fn finish(self) -> Result<(Pending, Artifact), ArchiveError> {
        let io_error = |source| ArchiveError::Io {
            doing: "writing",
            path: self.path.clone(),
            source,
        };
        let hashing = self
            .tar
            .finish()
            .and_then(GzWriter::finish)
            .map_err(io_error)?;
        let Hashing { inner, sha256, len } = hashing;
        let tmp = inner
            .into_inner()
            .map_err(|err| io_error(err.into_error()))?;
        let artifact = Artifact {
            name: self.name,
            size: len,
            sha256: hex(&sha256.finalize()),
            members: self.members,
        };
        Ok((
            Pending {
                tmp,
                path: self.path,
            },
            artifact,
        ))
    }

    fn io_error(&self, source: io::Error) -> ArchiveError {
        ArchiveError::Io {
            doing: "writing",
            path: self.path.clone(),
            source,
        }
    }
}

fn mode(kind: Kind) -> String {
    format!("{:04o}", kind.mode())
}

/// Passes writes through, hashing and counting them.
struct Hashing<W> {
    inner: W,
    sha256: Sha256,
    len: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.sha256.update(&buf[..written]);
        self.len += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
