//! Compose's variable interpolation (compose-go `template`): `$VAR`, `${VAR}`, `${VAR:-d}`,
//! `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+r}`, `${VAR+r}`, nested operands, `$$`.

/// How a `${VAR<op>operand}` treats the variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `:-`: the operand when unset or empty.
    DefaultUnsetOrEmpty,
    /// `-`: the operand when unset.
    DefaultUnset,
    /// `:?`: an error when unset or empty.
    RequiredNonEmpty,
    /// `?`: an error when unset.
    Required,
    /// `:+`: the operand when set and non-empty, else empty.
    AltNonEmpty,
    /// `+`: the operand when set, else empty.
    Alt,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::DefaultUnsetOrEmpty => ":-",
            Op::DefaultUnset => "-",
            Op::RequiredNonEmpty => ":?",
            Op::Required => "?",
            Op::AltNonEmpty => ":+",
            Op::Alt => "+",
        }
    }

    pub fn is_default(self) -> bool {
        matches!(self, Op::DefaultUnsetOrEmpty | Op::DefaultUnset)
    }
}

/// A variable a text refers to, with its operator and the operand as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub op: Option<Op>,
    pub operand: Option<String>,
}

/// What interpolating a text gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Every variable referenced (nested ones too, even where not evaluated).
    pub references: Vec<Reference>,
    /// Variables read while unset and without a default: compose warns and uses "".
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A `${` that is not a valid expression.
    Invalid(String),
    /// `${VAR:?msg}` / `${VAR?msg}` with VAR missing.
    Required { name: String, message: String },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Invalid(text) => write!(
                f,
                "invalid interpolation format `{text}` (escape a literal $ as $$)"
            ),
            Error::Required { name, message } if message.is_empty() => {
                write!(f, "required variable {name} is missing a value")
            }
            Error::Required { name, message } => {
                write!(f, "required variable {name} is missing a value: {message}")
            }
        }
    }
}

/// Interpolates `text` with `lookup` (the project environment).
pub fn interpolate(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, Error> {
    let mut out = Interpolated::default();
    out.value = expand(text, lookup, true, &mut out)?;
    Ok(out)
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands `text`; when `eval` is false only records references (an operand not taken).
fn expand(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    eval: bool,
    out: &mut Interpolated,
) -> Result<String, Error> {
    let mut result = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        result.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            result.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body).ok_or_else(|| Error::Invalid(rest.to_string()))?;
            let expr = &body[..end];
            result.push_str(&braced(expr, lookup, eval, out)?);
            rest = &body[end + 1..];
        } else if after.starts_with(is_name_start) {
            let len = after.find(|c| !is_name_char(c)).unwrap_or(after.len());
            let name = &after[..len];
            out.references.push(Reference {
                name: name.into(),
                op: None,
                operand: None,
            });
            if eval {
                result.push_str(&value_or_unset(name, lookup, out));
            }
            rest = &after[len..];
        } else {
            // `$1`, `$ `, a trailing `$`: left as written.
            result.push('$');
            rest = after;
        }
    }
    result.push_str(rest);
    Ok(result)
}

/// The index of the `}` closing a `${`, counting nested `${...}`.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn braced(
    expr: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    eval: bool,
    out: &mut Interpolated,
) -> Result<String, Error> {
    let invalid = || Error::Invalid(format!("${{{expr}}}"));
    if !expr.starts_with(is_name_start) {
        return Err(invalid());
    }
    let len = expr.find(|c| !is_name_char(c)).unwrap_or(expr.len());
    let (name, tail) = expr.split_at(len);
    let ops = [
        (":-", Op::DefaultUnsetOrEmpty),
        (":?", Op::RequiredNonEmpty),
        (":+", Op::AltNonEmpty),
        ("-", Op::DefaultUnset),
        ("?", Op::Required),
        ("+", Op::Alt),
    ];
    let op = ops
        .iter()
        .find_map(|(token, op)| tail.strip_prefix(token).map(|operand| (*op, operand)));
    let (op, operand) = match op {
        Some((op, operand)) => (Some(op), Some(operand)),
        None if tail.is_empty() => (None, None),
        None => return Err(invalid()),
    };
    out.references.push(Reference {
        name: name.into(),
        op,
        operand: operand.map(str::to_string),
    });
    let (Some(op), Some(operand)) = (op, operand) else {
        return Ok(if eval {
            value_or_unset(name, lookup, out)
        } else {
            String::new()
        });
    };
    let value = if eval { lookup(name) } else { None };
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    let takes_operand = eval
        && match op {
            Op::DefaultUnsetOrEmpty | Op::RequiredNonEmpty => !non_empty,
            Op::DefaultUnset | Op::Required => !set,
            Op::AltNonEmpty => non_empty,
            Op::Alt => set,
        };
    let operand_value = expand(operand, lookup, takes_operand, out)?;
    if !eval {
        return Ok(String::new());
    }
    Ok(match op {
        Op::DefaultUnsetOrEmpty | Op::DefaultUnset if takes_operand => operand_value,
        Op::RequiredNonEmpty | Op::Required if takes_operand => {
            return Err(Error::Required {
                name: name.into(),
                message: operand_value,
            })
        }
        Op::AltNonEmpty | Op::Alt if takes_operand => operand_value,
        Op::AltNonEmpty | Op::Alt => String::new(),
        _ => value.unwrap_or_default(),
    })
}

fn value_or_unset(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut Interpolated,
) -> String {
    lookup(name).unwrap_or_else(|| {
        if !out.unset.iter().any(|n| n == name) {
            out.unset.push(name.into());
        }
        String::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SET" => Some("value".into()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("8080".into()),
            _ => None,
        }
    }

    #[test]
    fn every_form_as_compose_reads_it() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("$SET", "value", &[]),
            ("${SET}", "value", &[]),
            ("x${SET}y$SET.z", "xvalueyvalue.z", &[]),
            ("$UNSET", "", &["UNSET"]),
            ("${UNSET}", "", &["UNSET"]),
            ("${UNSET:-d}", "d", &[]),
            ("${EMPTY:-d}", "d", &[]),
            ("${SET:-d}", "value", &[]),
            ("${UNSET-d}", "d", &[]),
            ("${EMPTY-d}", "", &[]),
            ("${SET-d}", "value", &[]),
            ("${SET:+alt}", "alt", &[]),
            ("${EMPTY:+alt}", "", &[]),
            ("${UNSET:+alt}", "", &[]),
            ("${SET+alt}", "alt", &[]),
            ("${EMPTY+alt}", "alt", &[]),
            ("${UNSET+alt}", "", &[]),
            ("${SET:?e}", "value", &[]),
            ("${EMPTY?e}", "", &[]),
            ("${UNSET:-${PORT}}", "8080", &[]),
            ("${UNSET:-${OTHER:-deep}}", "deep", &[]),
            ("${SET:-${NESTED_UNSET}}", "value", &[]),
            ("${UNSET:-${NESTED_UNSET}}", "", &["NESTED_UNSET"]),
            ("$$SET", "$SET", &[]),
            ("$${SET}", "${SET}", &[]),
            ("$$$SET", "$value", &[]),
            ("cost $1 and $ 2", "cost $1 and $ 2", &[]),
            ("\"${PORT:-80}:80\"", "\"8080:80\"", &[]),
            ("${UNSET:-a:b}", "a:b", &[]),
            ("${UNSET:-}", "", &[]),
        ];
        for (text, want, unset) in cases {
            let got = interpolate(text, &env).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(got.value, *want, "{text}");
            assert_eq!(got.unset, *unset, "{text}");
        }
    }

    #[test]
    fn required_and_invalid_forms_are_errors() {
        let err = interpolate("${UNSET:?set it in .env}", &env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "required variable UNSET is missing a value: set it in .env"
        );
        assert!(interpolate("${EMPTY:?x}", &env).is_err());
        assert!(interpolate("${UNSET?}", &env).is_err());
        for bad in ["${1x}", "${SET", "${SET/a/b}", "${}", "${#SET}"] {
            assert!(
                matches!(interpolate(bad, &env), Err(Error::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn references_record_operators_and_nested_names() {
        let got = interpolate("${KEY:-${INNER:-lit}} $PLAIN", &env).unwrap();
        let names: Vec<(&str, Option<Op>, Option<&str>)> = got
            .references
            .iter()
            .map(|r| (r.name.as_str(), r.op, r.operand.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("KEY", Some(Op::DefaultUnsetOrEmpty), Some("${INNER:-lit}")),
                ("INNER", Some(Op::DefaultUnsetOrEmpty), Some("lit")),
                ("PLAIN", None, None),
            ]
        );
        assert_eq!(got.unset, ["PLAIN"]);
    }
}
