//! One module per command; each returns the exit code or a [`Failure`].

mod catalog;
mod check;
mod generate;

use isms_engine::LoadError;

use crate::cli::{Cli, Command};

/// Why a command could not do its job (all exit with code 2).
#[derive(Debug)]
pub enum Failure {
    /// The workspace has errors; every diagnostic is rendered.
    Load(LoadError),
    /// Arguments that make no sense together, or name nothing.
    Usage(String),
    /// Output could not be written.
    Io(String),
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Failure::Load(e)
    }
}

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Check { dir, format } => check::run(&dir, format),
        Command::Catalog { command } => catalog::run(command),
        Command::Generate {
            assets,
            seed,
            out,
            force,
        } => generate::run(assets, seed, &out, force),
    }
}

/// Loads a workspace and prints its warnings to stderr.
pub fn load(dir: &std::path::Path) -> Result<isms_engine::Workspace, Failure> {
    let loaded = isms_engine::load(dir)?;
    for w in loaded.warnings.iter() {
        eprint!("{}", crate::render::diagnostic(w));
    }
    Ok(loaded.workspace)
}
