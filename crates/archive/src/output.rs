//! Writing artifacts: each to a temporary file in the output directory, hashed as it is
//! written, renamed to its final name only when everything is complete.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use scratch::TempFile;
use sha2::{Digest, Sha256};

use crate::pgzip::{GzWriter, Pool};
use crate::ustar::{Kind, TarWriter};
use crate::{ArchiveError, Artifact, Member};

pub fn json(value: &impl serde::Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("manifest types serialize");
    bytes.push(b'\n');
    bytes
}

/// An artifact written under a temporary name in the output directory, renamed by `persist`,
/// so a killed run never leaves a partial file under a final name.
pub struct Pending {
    tmp: TempFile,
    path: PathBuf,
}

impl Pending {
    pub fn create(out_dir: &Path, name: &str) -> Result<Pending, ArchiveError> {
        let path = out_dir.join(name);
        let tmp = TempFile::new_in(out_dir).map_err(|source| ArchiveError::Io {
            doing: "creating a temporary file for",
            path: path.clone(),
            source,
        })?;
        Ok(Pending { tmp, path })
    }

    pub fn persist(self) -> Result<(), ArchiveError> {
        let Pending { tmp, path } = self;
        let io_error = |doing, path: &Path| {
            let path = path.to_path_buf();
            move |source| ArchiveError::Io {
                doing,
                path,
                source,
            }
        };
        // Temporary files are created 0600; artifacts are for everyone to read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let readable = fs::Permissions::from_mode(0o644);
            tmp.as_file()
                .set_permissions(readable)
                .map_err(io_error("setting permissions of", &path))?;
        }
        tmp.persist(&path)
            .map_err(io_error("renaming into place", &path))?;
        Ok(())
    }
}

pub fn small_file(
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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One tarball being written: tar → parallel gzip → SHA-256 → temporary file.
pub struct TarGz {
    name: String,
    path: PathBuf,
    tar: TarWriter<GzWriter<Hashing<BufWriter<TempFile>>>>,
    members: Vec<Member>,
}

impl TarGz {
    pub fn create(
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

    pub fn begin_file(
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

    pub fn write(&mut self, chunk: &[u8]) -> Result<(), ArchiveError> {
        self.tar
            .get_mut()
            .write_all(chunk)
            .map_err(|err| self.io_error(err))
    }

    pub fn end_file(&mut self, size: u64) -> Result<(), ArchiveError> {
        self.tar.end_file(size).map_err(|err| self.io_error(err))
    }

    pub fn symlink(&mut self, path: &str, target: &str, blob: &str) -> Result<(), ArchiveError> {
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

    pub fn finish(self) -> Result<(Pending, Artifact), ArchiveError> {
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
