//! `isms`: the command line of the isms engine.
//!
//! Parses arguments, calls the engine, renders results and decides the exit code:
//! 0 clean, 1 findings at or above `--fail-on`, 2 bad input or usage.

// Output goes through `output`, which survives closed pipes; `print!` and `eprint!` panic.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod commands;
mod exit;
mod output;
mod progress;
mod render;
mod timings;
mod workspace;

use std::process::ExitCode;

use clap::FromArgMatches;

/// mimalloc instead of the system allocator: loading and reporting allocate millions of
/// small strings, and glibc's malloc spent half of the load time consolidating free chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A run is short and its memory is reused stage after stage: returning freed pages to the
/// OS only to fault them in again cost a quarter of a 200,000-asset run in the kernel, so
/// freed memory is never purged. Arenas are committed lazily, as they are touched: committing
/// them whole up front made the kernel zero pages never used (half of a 100k load in
/// `clear_page_erms`); lazy commit took W1 from 1.16 to 0.96 s and 200k assets from 2.44 to
/// 1.88 s (medians, 2 threads, system time 0.67 -> 0.10 s at 200k).
/// Option numbers from mimalloc.h (`mi_option_arena_eager_commit`, `mi_option_purge_delay`).
fn tune_allocator() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: plain option setters of the allocator, called before any worker thread starts.
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let matches = cli::command().get_matches();
    let args = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let code = match commands::run(args) {
        Ok(code) => code,
        Err(failure) => {
            render::failure(&failure);
            exit::EXIT_BAD_INPUT
        }
    };
    ExitCode::from(code)
}
