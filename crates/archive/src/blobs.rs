//! Blob contents from one `git cat-file --batch` process, streamed in tree order.
//!
//! One process for the whole tree instead of one per file; contents are handed out in chunks,
//! so a 1 GiB file never sits in memory. This uses `std::process` rather than `xshell`, which
//! cannot stream a child's stdout.

use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use crate::ArchiveError;

struct Header {
    oid: String,
    kind: String,
    size: u64,
}

pub struct BlobStream {
    child: Child,
    /// Until [`BlobStream::request`] hands it to the feeder thread.
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
    feeder: Option<JoinHandle<io::Result<()>>>,
    /// The path being read, for error messages.
    current: String,
}

impl BlobStream {
    /// Starts `git cat-file --batch` without asking for anything yet: git starts up while the
    /// caller works out what to ask for with [`BlobStream::request`]; read the objects back
    /// with [`BlobStream::next`] and [`BlobStream::named`] in the order asked.
    pub fn spawn(dir: &Path) -> Result<BlobStream, ArchiveError> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(dir)
            // git maps packs in windows of up to 1 GiB and keeps them: a 1 GiB file would cost
            // as much resident memory as its compressed size. Small windows bound that.
            .args([
                "-c",
                "core.packedGitWindowSize=16m",
                "-c",
                "core.packedGitLimit=32m",
            ])
            .args(["cat-file", "--batch", "--buffer"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| stream_error("starting `git cat-file --batch`", err))?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        widen(&stdout);
        let out = BufReader::with_capacity(256 * 1024, stdout);
        Ok(BlobStream {
            child,
            stdin: Some(stdin),
            out,
            feeder: None,
            current: String::new(),
        })
    }

    /// Asks for `objects` (blob ids, then `<commit>:<path>` names), in order; once per stream.
    pub fn request(&mut self, objects: Vec<String>) {
        let mut stdin = self.stdin.take().expect("objects are requested once");
        // A thread writes the requests so that neither side's pipe buffer can deadlock the other.
        self.feeder = Some(std::thread::spawn(move || {
            let mut requests = io::BufWriter::new(&mut stdin);
            for object in objects {
                writeln!(requests, "{object}")?;
            }
            requests.flush()
        }));
    }

    /// Reads the header of the next blob, which must be `oid` (the content of `path`), and returns
    /// its size. The content must then be consumed with [`BlobStream::content`] or
    /// [`BlobStream::read_all`].
    pub fn next(&mut self, oid: &str, path: &str) -> Result<u64, ArchiveError> {
        self.current = format!("{path} (blob {oid})");
        match self.header()? {
            Some(header) if header.oid == oid && header.kind == "blob" => Ok(header.size),
            _ => Err(self.error("expected that blob, got another object")),
        }
    }

    /// The content of `name` (`<commit>:<path>`, asked for after the blobs), or `None` when it
    /// names no file.
    pub fn named(&mut self, name: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        self.current = name.to_string();
        let Some(header) = self.header()? else {
            return Ok(None);
        };
        let content = self.read_all(header.size)?;
        Ok((header.kind == "blob").then_some(content))
    }

    /// `<oid> <type> <size>`, or `None` for `<name> missing`.
    fn header(&mut self) -> Result<Option<Header>, ArchiveError> {
        let mut line = String::new();
        self.out
            .read_line(&mut line)
            .map_err(|err| self.error(err))?;
        let line = line.trim_end();
        if line.ends_with(" missing") {
            return Ok(None);
        }
        match line.split(' ').collect::<Vec<_>>()[..] {
            [oid, kind, size] => match size.parse() {
                Ok(size) => Ok(Some(Header {
                    oid: oid.to_string(),
                    kind: kind.to_string(),
                    size,
                })),
                Err(_) => Err(self.error(format!("bad header {line:?}"))),
            },
            _ => Err(self.error(format!("bad header {line:?}"))),
        }
    }

    /// Streams `size` bytes of content to `sink` in chunks, then the record's closing newline.
    pub fn content(
        &mut self,
        size: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), ArchiveError>,
    ) -> Result<(), ArchiveError> {
        let mut left = size;
        while left > 0 {
            let chunk = match self.out.fill_buf() {
                Ok([]) => return Err(self.error("the stream ended inside the blob")),
                Ok(chunk) => chunk,
                Err(err) => return Err(self.error(err)),
            };
            let take = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            sink(&chunk[..take])?;
            self.out.consume(take);
            left -= take as u64;
        }
        let mut newline = [0u8; 1];
        io::Read::read_exact(&mut self.out, &mut newline).map_err(|err| self.error(err))?;
        Ok(())
    }

    /// The whole content of a small blob (a symlink target, a possible LFS pointer).
    pub fn read_all(&mut self, size: u64) -> Result<Vec<u8>, ArchiveError> {
        let mut content = Vec::with_capacity(size as usize);
        self.content(size, |chunk| {
            content.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(content)
    }

    /// Waits for git to exit.
    pub fn finish(mut self) -> Result<(), ArchiveError> {
        self.stdin = None;
        let fed = self.feeder.take().map(|feeder| feeder.join());
        let status = self
            .child
            .wait()
            .map_err(|err| stream_error("waiting for `git cat-file`", err))?;
        match fed {
            Some(Ok(Ok(()))) | None if status.success() => Ok(()),
            _ => Err(stream_error(
                "`git cat-file --batch`",
                format!("exited with {status}"),
            )),
        }
    }

    fn error(&self, message: impl ToString) -> ArchiveError {
        stream_error(&self.current, message)
    }
}

impl Drop for BlobStream {
    /// On an early return, stop git rather than leave it blocked on a full pipe.
    fn drop(&mut self) {
        if self.feeder.is_some() || self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Asks the kernel for a 1 MiB pipe from git (the default is 64 KiB): fewer, larger reads and
/// writes, and fewer switches between git and this process. Best effort: the size is capped
/// by `/proc/sys/fs/pipe-max-size`, and a refusal only costs speed.
#[cfg(target_os = "linux")]
fn widen(pipe: &ChildStdout) {
    use std::os::fd::AsRawFd;
    // SAFETY: F_SETPIPE_SZ takes an int and touches nothing but the pipe's buffer size.
    unsafe {
        libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen(_: &ChildStdout) {}

fn stream_error(what: &str, message: impl ToString) -> ArchiveError {
    ArchiveError::BlobStream {
        what: what.to_string(),
        message: message.to_string(),
    }
}
