//! `cargo xtask completions SHELL`: a completion script for bash, zsh or fish on stdout.
//!
//! Shells complete a command name, not `cargo xtask`: the script completes `xtask`, which the
//! binary is (`target/debug/xtask`), and an alias `alias xtask='cargo xtask'` makes it work for
//! the usual spelling.

use clap::CommandFactory;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  cargo xtask completions bash > ~/.local/share/bash-completion/completions/xtask
  cargo xtask completions zsh > \"${fpath[1]}/_xtask\"
  cargo xtask completions fish > ~/.config/fish/completions/xtask.fish
  alias xtask='cargo xtask'   # the scripts complete `xtask`")]
pub struct Args {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut command = crate::Cli::command();
    let mut out = std::io::stdout().lock();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut command, "xtask", &mut out);
    Ok(crate::exit::OK)
}
