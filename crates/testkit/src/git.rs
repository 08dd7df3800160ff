//! Temp git repositories with a local bare remote.
