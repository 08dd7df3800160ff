//! A POSIX (pax) tar writer with only the knobs reproducibility needs.
//!
//! Written by hand rather than with the `tar` crate because that crate stores long paths as GNU
//! `././@LongLink` entries; the spec asks for pax records (`path`, `linkpath`, `size`), and every
//! header field here is fixed: uid/gid 0, empty user/group names, mtime = the commit time.

use std::io::{self, Write};

const BLOCK: usize = 512;
/// Largest size the 11 octal digits of a ustar header can hold.
const MAX_OCTAL_SIZE: u64 = 0o77777777777;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File { executable: bool },
    Symlink,
}

impl Kind {
    /// The mode stored in the header: files 0644/0755; symlinks 0777 as `git archive` and `ln -s` do.
    pub fn mode(self) -> u32 {
        match self {
            Kind::File { executable: false } => 0o644,
            Kind::File { executable: true } => 0o755,
            Kind::Symlink => 0o777,
        }
    }
}

pub struct TarWriter<W: Write> {
    out: W,
    mtime: u64,
}

impl<W: Write> TarWriter<W> {
    pub fn new(out: W, mtime: u64) -> TarWriter<W> {
        TarWriter { out, mtime }
    }

    /// A pax global header carrying the commit id, as `git archive` writes it
    /// (so `git get-tar-commit-id` works on our tarballs too).
    pub fn global_comment(&mut self, commit: &str) -> io::Result<()> {
        let records = pax_record("comment", commit);
        self.header(b"pax_global_header", b'g', records.len() as u64, b"")?;
        self.out.write_all(&records)?;
        self.pad(records.len() as u64)
    }

    /// Writes the header of a file (whose `size` bytes of content the caller writes next,
    /// then calls [`TarWriter::end_file`]) or of a symlink pointing at `target`.
    pub fn entry(&mut self, path: &str, kind: Kind, size: u64, target: &str) -> io::Result<()> {
        let mut records = Vec::new();
        if !fits_ustar(path) {
            records.extend(pax_record("path", path));
        }
        if !fits_ustar(target) {
            records.extend(pax_record("linkpath", target));
        }
        if size > MAX_OCTAL_SIZE {
            records.extend(pax_record("size", &size.to_string()));
        }
        if !records.is_empty() {
            self.header(b"././@PaxHeader", b'x', records.len() as u64, b"")?;
            self.out.write_all(&records)?;
            self.pad(records.len() as u64)?;
        }
        let (typeflag, size) = match kind {
            Kind::File { .. } => (b'0', size),
            Kind::Symlink => (b'2', 0),
        };
        let mut header = self.header_bytes(
            truncated(path),
            typeflag,
            size.min(MAX_OCTAL_SIZE),
            truncated(target),
        );
        put_octal(&mut header[100..108], kind.mode() as u64);
        set_checksum(&mut header);
        self.out.write_all(&header)
    }

    /// Pads a file's content to the block size.
    pub fn end_file(&mut self, size: u64) -> io::Result<()> {
        self.pad(size)
    }

    /// Writes the end-of-archive marker and hands back the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(&[0; 2 * BLOCK])?;
        Ok(self.out)
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    fn header(&mut self, name: &[u8], typeflag: u8, size: u64, link: &[u8]) -> io::Result<()> {
        let mut header = self.header_bytes(name, typeflag, size, link);
        set_checksum(&mut header);
        self.out.write_all(&header)
    }

    fn header_bytes(&self, name: &[u8], typeflag: u8, size: u64, link: &[u8]) -> [u8; BLOCK] {
        let mut h = [0u8; BLOCK];
        h[..name.len()].copy_from_slice(name);
        put_octal(&mut h[100..108], 0o644);
        put_octal(&mut h[108..116], 0); // uid
        put_octal(&mut h[116..124], 0); // gid
        put_octal(&mut h[124..136], size);
        put_octal(&mut h[136..148], self.mtime);
        h[156] = typeflag;
        h[157..157 + link.len()].copy_from_slice(link);
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        // uname and gname (265..329) stay empty; devmajor and devminor are zero.
        put_octal(&mut h[329..337], 0);
        put_octal(&mut h[337..345], 0);
        h
    }

    fn pad(&mut self, size: u64) -> io::Result<()> {
        let rest = (BLOCK - (size % BLOCK as u64) as usize) % BLOCK;
        self.out.write_all(&[0; BLOCK][..rest])
    }
}

/// Plain ASCII up to 100 bytes goes in the ustar field itself; anything else needs a pax record.
fn fits_ustar(text: &str) -> bool {
    text.len() <= 100 && text.is_ascii()
}

/// The ustar field's fallback for readers without pax: the first 100 bytes, cut at a char boundary.
fn truncated(text: &str) -> &[u8] {
    let mut end = text.len().min(100);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text.as_bytes()[..end]
}

/// `"<len> key=value\n"` where `<len>` counts the whole record, its own digits included.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = key.len() + value.len() + 3; // space, '=', newline
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    format!("{len} {key}={value}\n").into_bytes()
}

/// Zero-padded octal followed by a NUL, filling the field.
fn put_octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    field[..digits].copy_from_slice(text.as_bytes());
    field[digits] = 0;
}

fn set_checksum(header: &mut [u8; BLOCK]) {
    header[148..156].fill(b' ');
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..154].copy_from_slice(format!("{sum:06o}").as_bytes());
    header[154] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_record_length_counts_itself() {
        assert_eq!(pax_record("path", "a"), b"9 path=a\n");
        let long = "x".repeat(95);
        let record = pax_record("path", &long);
        let (len, _) = std::str::from_utf8(&record)
            .unwrap()
            .split_once(' ')
            .unwrap();
        assert_eq!(len.parse::<usize>().unwrap(), record.len());
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        let path = format!("{}é", "a".repeat(99));
        assert_eq!(truncated(&path).len(), 99);
        assert!(!fits_ustar("é.txt"));
        assert!(fits_ustar("plain/path.txt"));
    }

    #[test]
    fn header_checksum_and_fields() {
        let mut tar = TarWriter::new(Vec::new(), 1_700_000_000);
        tar.entry("a.txt", Kind::File { executable: true }, 3, "")
            .unwrap();
        let h = tar.finish().unwrap();
        assert_eq!(&h[100..108], b"0000755\0");
        assert_eq!(&h[124..136], b"00000000003\0");
        assert_eq!(&h[257..263], b"ustar\0");
        let stored = u32::from_str_radix(std::str::from_utf8(&h[148..154]).unwrap(), 8).unwrap();
        let mut copy = h[..512].to_vec();
        copy[148..156].fill(b' ');
        assert_eq!(stored, copy.iter().map(|&b| u32::from(b)).sum::<u32>());
    }
}
