//! Unified diffs of the files a release edits, so the plan shows the real bytes.
//!
//! Edits are small and local (a version string, a new section), so the common head and tail
//! are trimmed first and only the middle is aligned (LCS); past a size limit the middle is
//! shown as one replacement, which is still exact.

const CONTEXT: usize = 3;
const MAX_CELLS: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep,
    Delete,
    Insert,
}

/// `--- a/path` / `+++ b/path` and `@@` hunks; `before = None` is a new file.
pub fn unified(path: &str, before: Option<&str>, after: &str) -> String {
    let old: Vec<&str> = before.map_or_else(Vec::new, |text| text.split_inclusive('\n').collect());
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let ops = align(&old, &new);

    let mut out = String::new();
    out.push_str(&match before {
        Some(_) => format!("--- a/{path}\n"),
        None => "--- /dev/null\n".to_string(),
    });
    out.push_str(&format!("+++ b/{path}\n"));

    // Positions (in `ops`) of changes, grouped into hunks when their context overlaps.
    let changes: Vec<usize> = (0..ops.len()).filter(|&i| ops[i] != Op::Keep).collect();
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changes {
        let start = i.saturating_sub(CONTEXT);
        let end = (i + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    for (start, end) in hunks {
        let (mut old_line, mut new_line) = (0, 0);
        for op in &ops[..start] {
            match op {
                Op::Keep => (old_line, new_line) = (old_line + 1, new_line + 1),
                Op::Delete => old_line += 1,
                Op::Insert => new_line += 1,
            }
        }
        let old_count = ops[start..end]
            .iter()
            .filter(|op| **op != Op::Insert)
            .count();
        let new_count = ops[start..end]
            .iter()
            .filter(|op| **op != Op::Delete)
            .count();
        let first = |line: usize, count: usize| if count == 0 { line } else { line + 1 };
        out.push_str(&format!(
            "@@ -{},{old_count} +{},{new_count} @@\n",
            first(old_line, old_count),
            first(new_line, new_count)
        ));
        let (mut o, mut n) = (old_line, new_line);
        for op in &ops[start..end] {
            let (sign, line) = match op {
                Op::Keep => {
                    o += 1;
                    n += 1;
                    (' ', old[o - 1])
                }
                Op::Delete => {
                    o += 1;
                    ('-', old[o - 1])
                }
                Op::Insert => {
                    n += 1;
                    ('+', new[n - 1])
                }
            };
            out.push(sign);
            out.push_str(line.strip_suffix('\n').unwrap_or(line));
            out.push('\n');
            if !line.ends_with('\n') {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

fn align(old: &[&str], new: &[&str]) -> Vec<Op> {
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (a, b) = (&old[head..old.len() - tail], &new[head..new.len() - tail]);

    let mut ops = vec![Op::Keep; head];
    if a.len().saturating_mul(b.len()) > MAX_CELLS {
        ops.extend(std::iter::repeat_n(Op::Delete, a.len()));
        ops.extend(std::iter::repeat_n(Op::Insert, b.len()));
    } else {
        ops.extend(lcs(a, b));
    }
    ops.extend(std::iter::repeat_n(Op::Keep, tail));
    ops
}

fn lcs(a: &[&str], b: &[&str]) -> Vec<Op> {
    // lengths[i][j]: LCS length of a[i..] and b[j..].
    let width = b.len() + 1;
    let mut lengths = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lengths[i * width + j] = if a[i] == b[j] {
                lengths[(i + 1) * width + j + 1] + 1
            } else {
                lengths[(i + 1) * width + j].max(lengths[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j, mut ops) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push(Op::Keep);
            (i, j) = (i + 1, j + 1);
        } else if i < a.len()
            && (j == b.len() || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1])
        {
            ops.push(Op::Delete);
            i += 1;
        } else {
            ops.push(Op::Insert);
            j += 1;
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::unified;

    #[test]
    fn one_line_changed() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nd\nE\nf\ng\nh\n";
        assert_eq!(
            unified("x.txt", Some(before), after),
            "--- a/x.txt\n+++ b/x.txt\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn new_file_and_missing_newline() {
        assert_eq!(
            unified("n.md", None, "x\ny"),
            "--- /dev/null\n+++ b/n.md\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n"
        );
    }

    #[test]
    fn insertion_at_top_and_two_hunks() {
        let before: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let after = format!("0\n{}", before.replace("15\n", "fifteen\n"));
        let diff = unified("f", Some(&before), &after);
        assert!(diff.contains("@@ -1,3 +1,4 @@\n+0\n 1\n 2\n 3\n"), "{diff}");
        assert!(
            diff.contains("@@ -12,7 +13,7 @@\n 12\n 13\n 14\n-15\n+fifteen\n 16\n"),
            "{diff}"
        );
    }

    #[test]
    fn unchanged_is_headers_only() {
        assert_eq!(unified("f", Some("a\n"), "a\n"), "--- a/f\n+++ b/f\n");
    }
}
