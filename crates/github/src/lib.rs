//! The GitHub release steps (octocrab on tokio). Kept out of `xtask` so only `release` pays for its build.
