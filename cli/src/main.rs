//! `isms`: the command line of the isms engine.
//!
//! Parses arguments, calls the engine, renders results and decides the exit code:
//! 0 clean, 1 findings at or above `--fail-on`, 2 bad input or usage.

mod cli;
mod commands;
mod output;
mod render;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: loading and reporting allocate millions of
/// small strings, and glibc's malloc spent half of the load time consolidating free chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for success.
pub const EXIT_OK: u8 = 0;
/// Exit code for bad input or usage (clap uses it for usage errors too).
pub const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let code = match commands::run(args) {
        Ok(code) => code,
        Err(failure) => {
            render::failure(&failure);
            EXIT_BAD_INPUT
        }
    };
    ExitCode::from(code)
}
