//! Parallel gzip whose bytes do not depend on the number of threads (the pigz scheme).
//!
//! The input is cut into fixed [`BLOCK`]s. Each block is deflated on its own, primed with the
//! previous 32 KiB of input as a preset dictionary, and ends with a sync flush (an empty stored
//! block) so the next block starts on a byte boundary; the last block finishes the stream.
//! Concatenated, the blocks form one ordinary deflate stream inside one gzip member, so every
//! gunzip reads it. Block boundaries depend only on the input, so any number of threads gives
//! the same bytes; the CRC-32 of each block is computed alongside and combined in order.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// Input bytes per independently compressed block (pigz's default).
pub const BLOCK: usize = 128 * 1024;
/// The deflate level. Part of the artifact bytes: changing it changes every tarball.
pub const LEVEL: u32 = 6;
/// The deflate window: the preset dictionary is this much of the previous input.
const DICT: usize = 32 * 1024;
/// Blocks a writer may have queued or compressing before it waits for the oldest: bounds memory.
const IN_FLIGHT: usize = 8;

/// gzip header: deflate, no flags, mtime 0, no extra flags, OS = Unix (fixed, whatever the host).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];

struct Job {
    input: Vec<u8>,
    dict: Vec<u8>,
    last: bool,
    reply: SyncSender<Compressed>,
}

struct Compressed {
    deflated: Vec<u8>,
    crc: Crc,
}

/// A handle to the compression threads; cheap to clone, one per writer.
#[derive(Clone)]
pub struct Pool {
    jobs: SyncSender<Job>,
}

impl Pool {
    /// Runs `body` with a pool of `threads` compression threads, which stop when it returns.
    pub fn scoped<T>(threads: usize, body: impl FnOnce(Pool) -> T) -> T {
        let (jobs, queue) = mpsc::sync_channel::<Job>(threads.max(1) * 2);
        let queue = Arc::new(Mutex::new(queue));
        std::thread::scope(|scope| {
            for _ in 0..threads.max(1) {
                let queue = Arc::clone(&queue);
                scope.spawn(move || work(&queue));
            }
            // `body` owns the only sender: when it returns, the workers see the queue close.
            body(Pool { jobs })
        })
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock().map(|queue| queue.recv()) {
            Ok(Ok(job)) => job,
            _ => return,
        };
        let mut crc = Crc::new();
        crc.update(&job.input);
        let deflated = deflate_block(&job.input, &job.dict, job.last);
        // The writer may have gone (it failed); nothing to do then.
        let _ = job.reply.send(Compressed { deflated, crc });
    }
}

/// Raw deflate of one block. A fresh compressor per block, so no state can leak between blocks
/// that different threads happen to compress.
fn deflate_block(input: &[u8], dict: &[u8], last: bool) -> Vec<u8> {
    let mut compress = Compress::new(Compression::new(LEVEL), false);
    if !dict.is_empty() {
        compress
            .set_dictionary(dict)
            .expect("a raw deflate stream accepts a dictionary before any input");
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(input.len() + input.len() / 16 + 64);
    loop {
        let consumed = compress.total_in() as usize;
        let status = compress
            .compress_vec(&input[consumed..], &mut out, flush)
            .expect("deflate of an in-memory buffer cannot fail");
        let done = match status {
            Status::StreamEnd => true,
            // Room left in `out` means the flush has been written in full.
            Status::Ok | Status::BufError => {
                !last && compress.total_in() as usize == input.len() && out.len() < out.capacity()
            }
        };
        if done {
            return out;
        }
        out.reserve(out.capacity().max(64));
    }
}

/// A `Write` that gzips through a [`Pool`], writing compressed blocks to `out` in input order.
pub struct GzWriter<W: Write> {
    out: W,
    pool: Pool,
    block: Vec<u8>,
    dict: Vec<u8>,
    in_flight: VecDeque<Receiver<Compressed>>,
    crc: Crc,
    len: u64,
}

impl<W: Write> GzWriter<W> {
    pub fn new(mut out: W, pool: Pool) -> io::Result<GzWriter<W>> {
        out.write_all(&HEADER)?;
        Ok(GzWriter {
            out,
            pool,
            block: Vec::with_capacity(BLOCK),
            dict: Vec::new(),
            in_flight: VecDeque::new(),
            crc: Crc::new(),
            len: 0,
        })
    }

    /// Compresses what is left, writes the gzip trailer and hands back the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.submit(true)?;
        while !self.in_flight.is_empty() {
            self.write_oldest()?;
        }
        self.out.write_all(&self.crc.sum().to_le_bytes())?;
        // ISIZE is the input length modulo 2^32, by definition.
        self.out.write_all(&(self.len as u32).to_le_bytes())?;
        Ok(self.out)
    }

    fn submit(&mut self, last: bool) -> io::Result<()> {
        let input = std::mem::replace(
            &mut self.block,
            Vec::with_capacity(if last { 0 } else { BLOCK }),
        );
        let dict = std::mem::replace(
            &mut self.dict,
            input[input.len().saturating_sub(DICT)..].to_vec(),
        );
        self.len += input.len() as u64;
        let (reply, receive) = mpsc::sync_channel(1);
        self.pool
            .jobs
            .send(Job {
                input,
                dict,
                last,
                reply,
            })
            .map_err(|_| pool_gone())?;
        self.in_flight.push_back(receive);
        if self.in_flight.len() > IN_FLIGHT {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> io::Result<()> {
        let Some(oldest) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let block = oldest.recv().map_err(|_| pool_gone())?;
        self.crc.combine(&block.crc);
        self.out.write_all(&block.deflated)
    }
}

fn pool_gone() -> io::Error {
    io::Error::other("a compression thread stopped")
}

impl<W: Write> Write for GzWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let take = buf.len().min(BLOCK - self.block.len());
        self.block.extend_from_slice(&buf[..take]);
        if self.block.len() == BLOCK {
            self.submit(false)?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gzip(data: &[u8], threads: usize) -> Vec<u8> {
        Pool::scoped(threads, |pool| {
            let mut gz = GzWriter::new(Vec::new(), pool).unwrap();
            // Odd-sized writes, so block cuts fall inside them.
            for chunk in data.chunks(7777) {
                gz.write_all(chunk).unwrap();
            }
            gz.finish().unwrap()
        })
    }

    fn sample(len: usize) -> Vec<u8> {
        let words = [
            "alpha ",
            "beta ",
            "gamma\n",
            "delta ",
            "fn main() {}\n",
            "épsilon ",
        ];
        let mut state = 7u64;
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            out.extend_from_slice(words[(state >> 33) as usize % words.len()].as_bytes());
        }
        out.truncate(len);
        out
    }

    #[test]
    fn one_gzip_member_that_decodes_to_the_input() {
        for len in [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 5 * BLOCK + 123] {
            let data = sample(len);
            let gz = gzip(&data, 2);
            assert_eq!(&gz[..10], &HEADER);
            // `GzDecoder` reads exactly one member: trailing bytes would be a second member.
            let mut decoder = flate2::read::GzDecoder::new(&gz[..]);
            let mut back = Vec::new();
            decoder.read_to_end(&mut back).unwrap();
            assert_eq!(back, data, "length {len}");
            assert!(
                decoder.into_inner().is_empty(),
                "length {len}: bytes after the first member"
            );
        }
    }

    #[test]
    fn bytes_do_not_depend_on_thread_count() {
        let data = sample(9 * BLOCK + 4321);
        let one = gzip(&data, 1);
        assert_eq!(one, gzip(&data, 2));
        assert_eq!(one, gzip(&data, 5));
    }

    #[test]
    fn the_dictionary_is_used() {
        // A block that repeats recent input costs almost nothing with the dictionary.
        let mut state = 1u64;
        let window: Vec<u8> = (0..DICT)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                b'a' + (state >> 59) as u8
            })
            .collect();
        let block = &window[DICT / 2..];
        let with = deflate_block(block, &window, true).len();
        let without = deflate_block(block, &[], true).len();
        assert!(
            with * 4 < without,
            "{with} bytes with the dictionary, {without} without"
        );
    }
}
