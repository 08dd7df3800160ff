//! Sans-IO CHANGELOG.md handling: parse sections, insert a release section, extract a release body, draft notes from commits.
