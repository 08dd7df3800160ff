//! `cargo xtask`: runs every command but the release commands, which it hands to
//! `xtask-release` (see the library's documentation).

fn main() -> std::process::ExitCode {
    xtask::main(None)
}
