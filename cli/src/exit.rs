//! How a command ends: its exit code, or the [`Failure`] that makes it exit with code 2.

use isms_engine::LoadError;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for findings at or above `--fail-on` (gaps, readiness, a changed diff) or a
/// report that no longer matches its inputs.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for bad input or usage (clap uses it for usage errors too).
pub const EXIT_BAD_INPUT: u8 = 2;

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

/// Reads a text file named on the command line; exit 2 when it cannot be read.
pub fn read_text(path: &std::path::Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

/// A problem at a line and column of a file named on the command line (exit 2).
pub fn located(path: &std::path::Path, line: usize, column: usize, message: &str) -> Failure {
    Failure::Usage(format!("{}:{line}:{column}: {message}", path.display()))
}
