//! Secret scanning: a rule set for tokens and keys, redacted findings with file:line, an allowlist.
