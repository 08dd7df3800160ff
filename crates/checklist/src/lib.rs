//! The release checklist as data: checks with ids, sections, kinds, dependencies and timeouts; the TOML override file; the coverage table.
