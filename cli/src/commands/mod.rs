//! One module per command; each returns the exit code or a [`Failure`]. This module only
//! dispatches.

mod catalog;
mod check;
mod coverage;
mod diff;
mod explain;
mod extras;
#[cfg(feature = "generate")]
mod generate;
mod init;
mod migrate;
#[cfg(feature = "plugins")]
mod plugin;
mod readiness;
mod report;
mod risks;
mod rules;
mod verify;

use crate::cli::{Cli, Command};
use crate::exit::{EXIT_OK, Failure};

/// Runs the command the user asked for; with `--timings`, then says where the time went.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    let timings = cli.timings;
    if timings {
        crate::timings::start();
    }
    let result = dispatch(cli);
    if timings {
        crate::timings::mark("rendering and writing");
        if let Some(table) = crate::timings::report() {
            crate::output::note_raw(&table);
        }
    }
    result
}

fn dispatch(cli: Cli) -> Result<u8, Failure> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global()
            .map_err(|e| Failure::Usage(format!("cannot start {n} threads: {e}")))?;
    }
    match cli.command {
        Command::Init {
            dir,
            from,
            catalog,
            force,
        } => init::run(&init::Args {
            dir: &dir,
            from: &from,
            catalog: catalog.into(),
            force,
        }),
        Command::Rules { dir, format } => rules::run(dir.as_deref(), format),
        Command::Risks {
            eval,
            format,
            sort,
            source,
            min_level,
            limit,
            csv,
            output,
        } => risks::run(
            &eval,
            risks::Args {
                format,
                sort,
                source,
                min_level,
                limit,
                csv,
                output,
            },
        ),
        Command::Explain { eval, id, format } => explain::run(&eval, &id, format),
        Command::Soa {
            eval,
            format,
            csv,
            output,
        } => report::soa(&eval, format, &csv, output.as_deref()),
        Command::Gaps {
            eval,
            format,
            csv,
            fail_on,
            filter,
            output,
        } => report::gaps(&eval, format, &csv, fail_on, &filter, output.as_deref()),
        Command::Report {
            eval,
            format,
            output,
            oscal_links,
        } => report::report(&eval, format, output.as_deref(), oscal_links.into()),
        Command::Coverage {
            eval,
            framework,
            format,
            verdict,
            csv,
            output,
        } => coverage::run(
            &eval,
            coverage::Args {
                framework: framework.as_deref(),
                format,
                verdicts: &verdict,
                csv: &csv,
                out: output.as_deref(),
            },
        ),
        Command::Readiness {
            eval,
            format,
            fail_on,
            output,
        } => readiness::run(&eval, format, fail_on, output.as_deref()),
        #[cfg(feature = "plugins")]
        Command::Plugin { command } => plugin::run(command),
        Command::Verify {
            report,
            dir,
            format,
        } => verify::run(&report, &dir, format),
        Command::Schema => {
            crate::output::emit(None, isms_engine::report::json_schema().as_bytes())?;
            Ok(EXIT_OK)
        }
        Command::Check {
            dir,
            format,
            verbose,
        } => check::run(&dir, format, verbose),
        Command::Catalog { command } => catalog::run(command),
        #[cfg(feature = "generate")]
        Command::Generate {
            assets,
            seed,
            out,
            force,
        } => generate::run(assets, seed, &out, force),
        Command::Migrate {
            dir,
            output_dir,
            in_place,
            force,
            format,
        } => migrate::run(&dir, output_dir.as_deref(), in_place, force, format),
        Command::Diff {
            old,
            new,
            format,
            fail_on,
            output,
        } => diff::run(&old, &new, format, fail_on, output.as_deref()),
        Command::Completions { shell } => extras::completions(shell),
        Command::Man { output, dir } => match dir {
            Some(dir) => extras::man_pages(&dir),
            None => extras::man(output.as_deref()),
        },
    }
}
