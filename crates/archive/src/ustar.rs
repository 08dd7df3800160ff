//! The tar layer of a tarball: POSIX pax (ustar headers plus pax extended headers), written
//! with the `tar` crate, with only the knobs reproducibility needs.
//!
//! What the crate does: header layout, octal fields and checksum ([`tar::Header`], made with
//! [`Header::new_ustar`]), pax record encoding ([`Builder::append_pax_extensions`]), writing
//! headers and padding ([`Builder::append`]) and the end-of-archive blocks
//! ([`Builder::into_inner`]). What this module decides:
//! - every header is set field by field — uid/gid 0, empty user and group names, mode
//!   0644/0755 (symlinks 0777), mtime = the commit time, device numbers 0 — never from the file
//!   system, and the pax headers too (`append_pax_extensions` alone would write its extended
//!   header with no name, mode, owner or time, so its records go under a header made here);
//! - a path or link target longer than 100 bytes or not ASCII gets a pax `path` (`linkpath`)
//!   record and a size over the 11 octal digits a pax `size` record, never GNU
//!   `././@LongLink` entries or base-256 numbers (which `Builder::append_data`,
//!   `Builder::append_link` and `Header::set_size` would use). The ustar `name` and `linkname`
//!   fields hold the text as it is (or its first 100 bytes, cut at a character boundary, when a
//!   pax record holds the whole): `Header::set_path` and `set_link_name` would drop `.`
//!   components, merge `//`, refuse `..` and split the path into `prefix` and `name`;
//! - a pax global header `comment=<commit>` first, as `git archive` writes it, so `git
//!   get-tar-commit-id` works on our tarballs too;
//! - content is streamed: one blob goes chunk by chunk into every tarball that wants it, so a
//!   header is written through `append` with no content, the content through [`TarWriter::get_mut`],
//!   and [`TarWriter::end_file`] pads it to the block.
//!
//! The tar bytes are part of the artifact bytes, so they depend on the `tar` crate's encoding as
//! the compressed bytes depend on zlib-rs: `tests::bytes_are_pinned` fails if an upgrade changes
//! them.

use std::io::{self, Write};

use tar::{Builder, EntryType, Header};

const BLOCK: u64 = 512;
/// Largest size the 11 octal digits of a ustar header can hold.
const MAX_OCTAL_SIZE: u64 = 0o77777777777;
/// Length of the ustar `name` and `linkname` fields.
const NAME_FIELD: usize = 100;

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
    tar: Builder<W>,
    /// The fields every header shares (owner, time, devices), set once: each header starts as
    /// a copy. The tar crate's octal fields cost more than copying 512 bytes in the dev profile.
    template: Header,
}

impl<W: Write> TarWriter<W> {
    pub fn new(out: W, mtime: u64) -> TarWriter<W> {
        TarWriter {
            tar: Builder::new(out),
            template: template(mtime),
        }
    }

    /// A pax global header carrying the commit id, as `git archive` writes it
    /// (so `git get-tar-commit-id` works on our tarballs too).
    pub fn global_comment(&mut self, commit: &str) -> io::Result<()> {
        let records = pax_records(vec![("comment", commit.as_bytes())])?;
        self.extended(EntryType::XGlobalHeader, b"pax_global_header", &records)
    }

    /// Writes the header of a file (whose `size` bytes of content the caller writes next,
    /// then calls [`TarWriter::end_file`]) or of a symlink pointing at `target`.
    pub fn entry(&mut self, path: &str, kind: Kind, size: u64, target: &str) -> io::Result<()> {
        let size_text = size.to_string();
        let mut records: Vec<(&str, &[u8])> = Vec::new();
        if !fits_ustar(path) {
            records.push(("path", path.as_bytes()));
        }
        if !fits_ustar(target) {
            records.push(("linkpath", target.as_bytes()));
        }
        if size > MAX_OCTAL_SIZE {
            records.push(("size", size_text.as_bytes()));
        }
        if !records.is_empty() {
            let records = pax_records(records)?;
            self.extended(EntryType::XHeader, b"././@PaxHeader", &records)?;
        }
        let (entry_type, size) = match kind {
            Kind::File { .. } => (EntryType::Regular, size),
            Kind::Symlink => (EntryType::Symlink, 0),
        };
        let mut header = self.header(
            entry_type,
            truncated(path),
            kind.mode(),
            size.min(MAX_OCTAL_SIZE),
        );
        header.set_link_name_literal(truncated(target))?;
        set_cksum(&mut header);
        // The header alone: the content follows through `get_mut`, then `end_file` pads it.
        self.tar.append(&header, io::empty())
    }

    /// Pads a file's content to the block size.
    pub fn end_file(&mut self, size: u64) -> io::Result<()> {
        let rest = (BLOCK - size % BLOCK) % BLOCK;
        self.tar
            .get_mut()
            .write_all(&[0; BLOCK as usize][..rest as usize])
    }

    /// Writes the end-of-archive marker and hands back the inner writer.
    pub fn finish(self) -> io::Result<W> {
        self.tar.into_inner()
    }

    pub fn get_mut(&mut self) -> &mut W {
        self.tar.get_mut()
    }

    /// A pax extended (`x`) or global (`g`) header with its records, normalised like any entry.
    fn extended(&mut self, entry_type: EntryType, name: &[u8], records: &[u8]) -> io::Result<()> {
        let mut header = self.header(entry_type, name, 0o644, records.len() as u64);
        set_cksum(&mut header);
        self.tar.append(&header, records)
    }

    /// A ustar header with every field fixed; the caller sets the link name and the checksum.
    fn header(&self, entry_type: EntryType, name: &[u8], mode: u32, size: u64) -> Header {
        let mut header = self.template.clone();
        // Verbatim; `fits_ustar` and `truncated` keep it within the field.
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        header.set_entry_type(entry_type);
        header.set_mode(mode);
        header.set_size(size);
        header
    }
}

/// A ustar header with the fields all headers share: uid/gid 0, empty user and group names,
/// mtime = the commit time, device numbers 0.
fn template(mtime: u64) -> Header {
    let mut header = Header::new_ustar();
    header.set_uid(0);
    header.set_gid(0);
    header
        .set_username("")
        .expect("an empty name fits the field");
    header
        .set_groupname("")
        .expect("an empty name fits the field");
    header.set_mtime(mtime);
    header
        .set_device_major(0)
        .expect("a ustar header has devices");
    header
        .set_device_minor(0)
        .expect("a ustar header has devices");
    header
}

/// Where a ustar header keeps its checksum: 7 octal digits and a NUL.
const CKSUM_FIELD: std::ops::Range<usize> = 148..156;

/// [`Header::set_cksum`], byte for byte (a test holds the two equal), summing eight bytes at a
/// time: the tar crate's byte-by-byte sum, built without optimisation in the dev profile, took
/// about a tenth of the main thread's time.
fn set_cksum(header: &mut Header) {
    const LOW_BYTES: u64 = 0x00ff_00ff_00ff_00ff;
    const LOW_PAIRS: u64 = 0x0000_ffff_0000_ffff;
    let bytes = header.as_mut_bytes();
    let mut sum = 0;
    for word in bytes.chunks_exact(8) {
        let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let pairs = (word & LOW_BYTES) + ((word >> 8) & LOW_BYTES);
        let quads = (pairs & LOW_PAIRS) + ((pairs >> 16) & LOW_PAIRS);
        sum += (quads & 0xffff_ffff) + (quads >> 32);
    }
    // The field itself counts as eight spaces.
    let field: u64 = bytes[CKSUM_FIELD].iter().map(|&byte| u64::from(byte)).sum();
    sum = sum - field + 8 * u64::from(b' ');
    // At most 512 * 255, 6 octal digits.
    let digits = format!("{sum:07o}\0");
    bytes[CKSUM_FIELD].copy_from_slice(digits.as_bytes());
}

/// Plain ASCII up to 100 bytes goes in the ustar field itself; anything else needs a pax record.
fn fits_ustar(text: &str) -> bool {
    text.len() <= NAME_FIELD && text.is_ascii()
}

/// The ustar field's fallback for readers without pax: the first 100 bytes, cut at a char boundary.
fn truncated(text: &str) -> &[u8] {
    let mut end = text.len().min(NAME_FIELD);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text.as_bytes()[..end]
}

/// The pax records `"<len> key=value\n"` as [`Builder::append_pax_extensions`] encodes them.
/// It writes them with its own extended header (no name, mode, owner or time); we keep only the
/// records, which [`TarWriter::extended`] writes under a normalised header.
fn pax_records(records: Vec<(&str, &[u8])>) -> io::Result<Vec<u8>> {
    let mut scratch = Builder::new(Vec::new());
    scratch.append_pax_extensions(records)?;
    let written = scratch.into_inner()?;
    let len = Header::from_byte_slice(&written[..BLOCK as usize]).entry_size()?;
    Ok(written[BLOCK as usize..][..len as usize].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::io::Read;

    const MTIME: u64 = 1_700_000_000;
    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn cksum_as_the_tar_crate_computes_it() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..200 {
            let mut ours = Header::new_ustar();
            for (index, byte) in ours.as_mut_bytes().iter_mut().enumerate() {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Some headers all 0xff (the largest sum), some sparse, the rest random.
                *byte = match round % 4 {
                    0 => 0xff,
                    1 if index % 7 != 0 => 0,
                    _ => seed as u8,
                };
            }
            let mut theirs = ours.clone();
            set_cksum(&mut ours);
            theirs.set_cksum();
            assert_eq!(ours.as_bytes(), theirs.as_bytes(), "round {round}");
        }
    }

    #[test]
    fn pax_record_length_counts_itself() {
        assert_eq!(pax_records(vec![("path", b"a")]).unwrap(), b"9 path=a\n");
        // 3 + 4 + 95 = 102 bytes without the length, whose 3 digits make it 105.
        let long = "x".repeat(95);
        let record = pax_records(vec![("path", long.as_bytes())]).unwrap();
        assert_eq!(record.len(), 105);
        assert!(record.starts_with(b"105 path=xxx"));
        let two = pax_records(vec![("path", b"a"), ("linkpath", b"b")]).unwrap();
        assert_eq!(two, b"9 path=a\n14 linkpath=b\n");
    }

    #[test]
    fn truncation_keeps_utf8_whole() {
        let path = format!("{}é", "a".repeat(99));
        assert_eq!(truncated(&path).len(), 99);
        assert!(!fits_ustar("é.txt"));
        assert!(fits_ustar("plain/path.txt"));
        assert!(fits_ustar(&"a".repeat(100)));
        assert!(!fits_ustar(&"a".repeat(101)));
    }

    #[test]
    fn header_checksum_and_fields() {
        let mut tar = TarWriter::new(Vec::new(), MTIME);
        tar.entry("a.txt", Kind::File { executable: true }, 3, "")
            .unwrap();
        let h = tar.finish().unwrap();
        assert_eq!(
            h.len(),
            3 * 512,
            "one header, then the two end-of-archive blocks"
        );
        assert_eq!(&h[..6], b"a.txt\0");
        assert_eq!(&h[100..108], b"0000755\0");
        assert_eq!(
            (&h[108..116], &h[116..124]),
            (&b"0000000\0"[..], &b"0000000\0"[..]),
            "uid, gid"
        );
        assert_eq!(&h[124..136], b"00000000003\0");
        assert_eq!(&h[136..148], format!("{MTIME:011o}\0").as_bytes());
        assert_eq!(h[156], b'0');
        assert_eq!((&h[257..263], &h[263..265]), (&b"ustar\0"[..], &b"00"[..]));
        assert!(h[265..329].iter().all(|&b| b == 0), "user and group names");
        assert_eq!(
            (&h[329..337], &h[337..345]),
            (&b"0000000\0"[..], &b"0000000\0"[..]),
            "device numbers"
        );
        let stored = u32::from_str_radix(std::str::from_utf8(&h[148..155]).unwrap(), 8).unwrap();
        let mut copy = h[..512].to_vec();
        copy[148..156].fill(b' ');
        assert_eq!(stored, copy.iter().map(|&b| u32::from(b)).sum::<u32>());
        assert!(h[512..].iter().all(|&b| b == 0));
    }

    /// Every header field, the pax records and their headers, read back with the `tar` crate's
    /// reader and checked against the raw blocks.
    #[test]
    fn pax_records_for_long_and_non_ascii_names() {
        let long = format!("p/{}/file.txt", "d".repeat(120));
        let target = format!("../{}", "t".repeat(120));
        let entries: &[(&str, Kind, &[u8], &str)] = &[
            (
                "p/short.txt",
                Kind::File { executable: false },
                b"short\n",
                "",
            ),
            (&long, Kind::File { executable: false }, b"deep\n", ""),
            ("p/ünï ✓.md", Kind::File { executable: true }, b"", ""),
            ("p/link", Kind::Symlink, b"", &target),
            ("p/é-link", Kind::Symlink, b"", "./é//x"),
        ];
        let bytes = write(entries);
        let raw = String::from_utf8_lossy(&bytes);
        assert!(!raw.contains("LongLink"));
        assert!(raw.contains(&format!("path={long}\n")));
        assert!(raw.contains(&format!("linkpath={target}\n")));
        assert!(raw.contains("linkpath=./é//x\n"));

        let mut archive = tar::Archive::new(&bytes[..]);
        let mut raw_entries = archive.entries().unwrap().raw(true);
        let mut next = || raw_entries.next().unwrap().unwrap();
        let check = |entry: &tar::Entry<&[u8]>, entry_type: EntryType, mode: u32| {
            let header = entry.header();
            assert_eq!(header.entry_type(), entry_type);
            assert_eq!(header.mode().unwrap(), mode);
            assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
            assert_eq!(header.mtime().unwrap(), MTIME);
            assert_eq!(header.username().unwrap(), Some(""));
            assert_eq!(header.groupname().unwrap(), Some(""));
            assert_eq!(header.cksum().unwrap(), {
                let mut copy = *header.as_bytes();
                copy[148..156].fill(b' ');
                copy.iter().map(|&b| u32::from(b)).sum::<u32>()
            });
        };
        let mut global = next();
        check(&global, EntryType::XGlobalHeader, 0o644);
        assert_eq!(&*global.path_bytes(), b"pax_global_header");
        let mut comment = String::new();
        global.read_to_string(&mut comment).unwrap();
        assert_eq!(comment, format!("52 comment={COMMIT}\n"));
        for (path, kind, content, link) in entries {
            if !(fits_ustar(path) && fits_ustar(link)) {
                let pax = next();
                check(&pax, EntryType::XHeader, 0o644);
                assert_eq!(&*pax.path_bytes(), b"././@PaxHeader");
            }
            let mut entry = next();
            let entry_type = match kind {
                Kind::File { .. } => EntryType::Regular,
                Kind::Symlink => EntryType::Symlink,
            };
            check(&entry, entry_type, kind.mode());
            assert_eq!(&*entry.path_bytes(), truncated(path));
            let mut read = Vec::new();
            entry.read_to_end(&mut read).unwrap();
            assert_eq!(&read, content);
            let stored_link = entry.header().link_name_bytes().unwrap_or_default();
            assert_eq!(&*stored_link, truncated(link));
        }
        assert!(raw_entries.next().is_none());

        // Read normally, the pax records give the whole names.
        let mut archive = tar::Archive::new(&bytes[..]);
        let names: Vec<(String, Option<String>)> = archive
            .entries()
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let path = entry.path().unwrap().to_string_lossy().into_owned();
                let link = entry.link_name_bytes();
                (
                    path,
                    link.map(|l| String::from_utf8(l.into_owned()).unwrap()),
                )
            })
            .filter(|(path, _)| path != "pax_global_header")
            .collect();
        let expected: Vec<(String, Option<String>)> = entries
            .iter()
            .map(|(path, _, _, link)| {
                let link = (!link.is_empty()).then(|| link.to_string());
                (path.to_string(), link)
            })
            .collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn sizes_beyond_the_octal_field_get_a_pax_record() {
        let size = 9 << 30;
        let mut tar = TarWriter::new(Vec::new(), MTIME);
        tar.entry("big.bin", Kind::File { executable: false }, size, "")
            .unwrap();
        let bytes = tar.get_mut().clone();
        assert_eq!(
            bytes.len(),
            3 * 512,
            "pax header, its records, the file's header"
        );
        let pax = Header::from_byte_slice(&bytes[..512]);
        assert_eq!(pax.entry_type(), EntryType::XHeader);
        let records = &bytes[512..][..pax.entry_size().unwrap() as usize];
        assert_eq!(records, format!("19 size={size}\n").as_bytes());
        let header = &bytes[1024..];
        assert_eq!(
            &header[124..136],
            b"77777777777\0",
            "octal, not base-256 (a GNU extension)"
        );
        assert_eq!(&header[..8], b"big.bin\0");
    }

    /// The tar bytes are part of every artifact's bytes: a change here (a `tar` crate upgrade
    /// that encodes a field differently, say) changes every tarball, so it must be deliberate.
    #[test]
    fn bytes_are_pinned() {
        let long = format!("p/{}/file.txt", "d".repeat(120));
        let target = format!("../{}", "t".repeat(120));
        let bytes = write(&[
            (
                "p/short.txt",
                Kind::File { executable: false },
                b"short\n",
                "",
            ),
            (&long, Kind::File { executable: false }, &[7; 700], ""),
            (
                "p/ünï ✓.sh",
                Kind::File { executable: true },
                b"#!/bin/sh\n",
                "",
            ),
            ("p/link", Kind::Symlink, b"", &target),
        ]);
        assert_eq!(bytes.len(), 512 * 18);
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(
            digest,
            "92d5512dd732e4bd60bd6e959c76a44ee1db61cd1c06d01ebd6c8d0933d2c679"
        );
    }

    fn write(entries: &[(&str, Kind, &[u8], &str)]) -> Vec<u8> {
        let mut tar = TarWriter::new(Vec::new(), MTIME);
        tar.global_comment(COMMIT).unwrap();
        for &(path, kind, content, link) in entries {
            tar.entry(path, kind, content.len() as u64, link).unwrap();
            // In pieces, as the blob stream hands them over.
            for chunk in content.chunks(300) {
                tar.get_mut().write_all(chunk).unwrap();
            }
            if let Kind::File { .. } = kind {
                tar.end_file(content.len() as u64).unwrap();
            }
        }
        tar.finish().unwrap()
    }
}
