//! Reproducible release archives from git objects: tarballs, SHA256SUMS, manifest, verify.
