//! Where in a file each rule can match, found without the regex engine: every match of a rule
//! contains one of the rule's [`Anchor`]s and lies within its [`Reach`] of it, so a rule's regex
//! only reads the lines around its anchors.
//!
//! Why: the regex engine is `regex-lite`, chosen for the xtask's cold build (docs/benchmarks.md,
//! "cold build"). It has no DFA and reads text many times slower than `regex` does, so it reads
//! only the lines around anchors. The anchor search is this crate's own code and `memchr`, both
//! optimised in the dev profile, and most files have no anchor at all.

use std::ops::Range;

use memchr::memmem;

/// Something every match of a rule contains.
#[derive(Debug)]
pub(crate) enum Anchor {
    /// A literal, lower-case ASCII, found in any case (`password` finds `DB_PASSWORD`).
    Literal(&'static str),
    /// `.` then exactly this many base64url characters then `.`: the middle segment of a dotted
    /// token that has no literal prefix (a Discord bot token's timestamp).
    DottedSegment(usize),
}

/// How far from its anchor a match can reach.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reach {
    /// The match starts on the anchor's line and ends at most this many lines below it (an
    /// assignment's `\s*` may put the value on the next line).
    Lines(usize),
    /// A key block, anchored on its `-----BEGIN`: from the anchor's line to the `-----` of its
    /// `-----END` line, or the end of the text when there is none. Key material never holds a `-`.
    KeyBlock,
}

/// The compiled anchor search of one rule.
pub(crate) struct Finder {
    literals: Vec<memmem::Finder<'static>>,
    dotted: Vec<usize>,
    reach: Reach,
}

impl Finder {
    pub(crate) fn new(anchors: &'static [Anchor], reach: Reach) -> Finder {
        let mut literals = Vec::new();
        let mut dotted = Vec::new();
        for anchor in anchors {
            match anchor {
                Anchor::Literal(text) => {
                    debug_assert_eq!(*text, text.to_ascii_lowercase(), "anchors are lower case");
                    literals.push(memmem::Finder::new(text.as_bytes()));
                }
                Anchor::DottedSegment(len) => dotted.push(*len),
            }
        }
        Finder {
            literals,
            dotted,
            reach,
        }
    }

    /// The parts of `text` the rule's regex must read, in order, merged where they overlap.
    /// `lower` is `text` in ASCII lower case (same length, same offsets).
    pub(crate) fn regions(&self, text: &str, lower: &[u8]) -> Vec<Range<usize>> {
        let mut hits: Vec<usize> = Vec::new();
        for finder in &self.literals {
            hits.extend(finder.find_iter(lower));
        }
        for &len in &self.dotted {
            hits.extend(dotted_segments(lower, len));
        }
        if hits.is_empty() {
            return Vec::new();
        }
        hits.sort_unstable();
        let bytes = text.as_bytes();
        let mut regions: Vec<Range<usize>> = Vec::new();
        for hit in hits {
            if regions.last().is_some_and(|last| hit < last.end) {
                continue; // already inside the previous region
            }
            let region = line_start(bytes, hit)..self.end_of_reach(bytes, hit);
            match regions.last_mut() {
                Some(last) if region.start <= last.end => last.end = last.end.max(region.end),
                _ => regions.push(region),
            }
        }
        regions
    }

    fn end_of_reach(&self, bytes: &[u8], hit: usize) -> usize {
        match self.reach {
            Reach::Lines(below) => {
                let mut end = hit;
                for _ in 0..=below {
                    end = match memchr::memchr(b'\n', &bytes[end..]) {
                        Some(newline) => end + newline + 1,
                        None => return bytes.len(),
                    };
                }
                end
            }
            Reach::KeyBlock => {
                // Past the anchor's own dashes: the header's closing dashes, then the END line's.
                let dashes = memmem::Finder::new(b"-----");
                let after_anchor = (hit + 5).min(bytes.len());
                let header_end = match dashes.find(&bytes[after_anchor..]) {
                    Some(at) => after_anchor + at + 5,
                    None => return bytes.len(),
                };
                match dashes.find(&bytes[header_end..]) {
                    Some(at) => header_end + at,
                    None => bytes.len(),
                }
            }
        }
    }
}

/// The offset just after the last `\n` before `at` (or 0).
fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |newline| newline + 1)
}

/// Offsets of every `.` followed by exactly `len` base64url characters and another `.`.
fn dotted_segments(bytes: &[u8], len: usize) -> impl Iterator<Item = usize> + '_ {
    let is_base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    memchr::memchr_iter(b'.', bytes).filter(move |&dot| {
        let segment = dot + 1..dot + 1 + len;
        bytes.get(segment.end) == Some(&b'.')
            && bytes[segment.clone()].iter().all(|&b| is_base64url(b))
            && (dot == 0 || is_base64url(bytes[dot - 1]))
    })
}

/// `text` in ASCII lower case, byte for byte (so offsets carry over).
pub(crate) fn lower_case(text: &str) -> Vec<u8> {
    text.as_bytes().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    static WORD: &[Anchor] = &[Anchor::Literal("token")];

    #[test]
    fn a_literal_region_is_its_line_and_the_lines_its_reach_allows() {
        let text = "a\nmy TOKEN =\n  value\nnext\nlast\n";
        let finder = Finder::new(WORD, Reach::Lines(1));
        let regions = finder.regions(text, &lower_case(text));
        assert_eq!(regions, vec![2..21]);
        assert_eq!(&text[regions[0].clone()], "my TOKEN =\n  value\n");
    }

    #[test]
    fn overlapping_regions_merge_and_a_text_without_anchors_has_none() {
        let text = "token\ntoken\nx\ny\n";
        let finder = Finder::new(WORD, Reach::Lines(1));
        assert_eq!(finder.regions(text, &lower_case(text)), vec![0..12]);
        assert!(finder.regions("nothing here", b"nothing here").is_empty());
    }

    #[test]
    fn a_key_block_reaches_its_end_line() {
        static KEY: &[Anchor] = &[Anchor::Literal("-----begin")];
        let text = "x\n-----BEGIN PRIVATE KEY-----\nQUJD\nREVG\n-----END PRIVATE KEY-----\ny\n";
        let finder = Finder::new(KEY, Reach::KeyBlock);
        let regions = finder.regions(text, &lower_case(text));
        assert_eq!(regions.len(), 1);
        assert!(
            text[regions[0].clone()].ends_with("REVG\n"),
            "{:?}",
            &text[regions[0].clone()]
        );
        assert!(text[regions[0].clone()].starts_with("-----BEGIN"));
    }

    #[test]
    fn dotted_segments_need_the_exact_length_between_dots() {
        let text = b"MTIz.abcdef.rest a.bcdefgh.i self.config.x";
        let found: Vec<usize> = dotted_segments(text, 6).collect();
        assert_eq!(found, vec![4, 33]);
    }
}
