//! `.env` files as compose reads them (compose-go `dotenv`): `KEY=VAL`, `KEY: VAL`, `export`,
//! quotes (single: literal; double: escapes), inline ` #` comments, multi-line quoted values,
//! interpolation from the shell environment and earlier keys.

use super::interpolate::interpolate;

/// One `KEY=VALUE` of an env file, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// The entries of an env file and, for each line that cannot be read, `(line, why)`.
/// `lookup` is the shell environment (it wins over earlier entries in interpolation).
pub fn parse(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> (Vec<Entry>, Vec<(usize, String)>) {
    let mut entries: Vec<Entry> = Vec::new();
    let mut errors = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut index = 0;
    while index < lines.len() {
        let number = index + 1;
        let line = lines[index].trim();
        index += 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some(split) = line.find(['=', ':']) else {
            // `KEY` alone takes the shell's value, if any.
            if valid_key(line) {
                if let Some(value) = lookup(line) {
                    entries.push(Entry {
                        key: line.into(),
                        value,
                        line: number,
                    });
                }
            } else {
                errors.push((number, format!("`{line}` is not KEY=VALUE")));
            }
            continue;
        };
        let key = line[..split].trim();
        if !valid_key(key) {
            errors.push((number, format!("invalid key `{key}`")));
            continue;
        }
        let raw = line[split + 1..].trim_start();
        let value = match raw.chars().next() {
            Some(quote @ ('"' | '\'')) => {
                // The value may run over several lines up to the closing quote.
                let mut body = raw[1..].to_string();
                let closed = loop {
                    if let Some(end) = closing_quote(&body, quote) {
                        break Some(end);
                    }
                    if index >= lines.len() {
                        break None;
                    }
                    body.push('\n');
                    body.push_str(lines[index]);
                    index += 1;
                };
                let Some(end) = closed else {
                    errors.push((number, "unterminated quoted value".into()));
                    continue;
                };
                let inner = &body[..end];
                if quote == '\'' {
                    inner.replace("\\'", "'")
                } else {
                    let unescaped = unescape(inner);
                    expand(&unescaped, lookup, &entries, number, &mut errors)
                }
            }
            _ => {
                let value = match raw.find(" #") {
                    Some(comment) => &raw[..comment],
                    None => raw,
                };
                expand(value.trim_end(), lookup, &entries, number, &mut errors)
            }
        };
        entries.retain(|e| e.key != key);
        entries.push(Entry {
            key: key.into(),
            value,
            line: number,
        });
    }
    (entries, errors)
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-[]".contains(c))
}

fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            c if c == quote && !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// Double-quoted escapes. `\$` stays escaped (as `$$`) so interpolation leaves a literal `$`.
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('f') => out.push('\x0c'),
            Some('v') => out.push('\x0b'),
            Some('$') => out.push_str("$$"),
            Some(other @ ('\\' | '"' | '\'')) => out.push(other),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn expand(
    value: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    earlier: &[Entry],
    line: usize,
    errors: &mut Vec<(usize, String)>,
) -> String {
    let env = |name: &str| {
        lookup(name).or_else(|| {
            earlier
                .iter()
                .find(|e| e.key == name)
                .map(|e| e.value.clone())
        })
    };
    match interpolate(value, &env) {
        Ok(done) => done.value,
        Err(err) => {
            errors.push((line, err.to_string()));
            value.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(name: &str) -> Option<String> {
        (name == "SHELL_VAR").then(|| "from-shell".to_string())
    }

    #[test]
    fn reads_every_line_shape_compose_reads() {
        let text = "# comment\n\nA=1\nB = two  \nC: three\nexport D=4\nE=\nF=val # comment\nG=val#x\nH=\"v # x\" # c\nI='$A'\nJ=\"$A\"\nK=$A\nL=\"a\\tb\"\nM='Let\\'s'\nN=\"\\$x\"\nO=$$x\nP='multi\nline'\nSHELL_VAR\nQ=${SHELL_VAR}\nR=${MISSING:-dflt}\n";
        let (entries, errors) = parse(text, &shell);
        assert_eq!(errors, []);
        let get = |k: &str| {
            entries
                .iter()
                .find(|e| e.key == k)
                .map(|e| e.value.as_str())
                .unwrap_or_else(|| panic!("{k} missing: {entries:?}"))
        };
        let want = [
            ("A", "1"),
            ("B", "two"),
            ("C", "three"),
            ("D", "4"),
            ("E", ""),
            ("F", "val"),
            ("G", "val#x"),
            ("H", "v # x"),
            ("I", "$A"),
            ("J", "1"),
            ("K", "1"),
            ("L", "a\tb"),
            ("M", "Let's"),
            ("N", "$x"),
            ("O", "$x"),
            ("P", "multi\nline"),
            ("SHELL_VAR", "from-shell"),
            ("Q", "from-shell"),
            ("R", "dflt"),
        ];
        for (key, value) in want {
            assert_eq!(get(key), value, "{key}");
        }
        assert_eq!(entries.iter().find(|e| e.key == "P").unwrap().line, 18);
    }

    #[test]
    fn malformed_lines_are_reported_and_the_rest_is_read() {
        let (entries, errors) = parse("GOOD=1\nnot a pair\nBAD KEY=2\nU=\"open\nALSO=3\n", &shell);
        assert_eq!(
            entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["GOOD"]
        );
        assert_eq!(
            errors,
            [
                (2, "`not a pair` is not KEY=VALUE".to_string()),
                (3, "invalid key `BAD KEY`".to_string()),
                (4, "unterminated quoted value".to_string()),
            ]
        );
    }
}
