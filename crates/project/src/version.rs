//! `[project].version` in pyproject.toml and the project's own entry in uv.lock: read and edit.
