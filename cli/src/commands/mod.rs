//! One module per command; each returns the exit code or a [`Failure`].

mod catalog;
mod check;
mod diff;
mod explain;
mod extras;
#[cfg(feature = "generate")]
mod generate;
mod migrate;
#[cfg(feature = "plugins")]
mod plugin;
mod readiness;
mod report;
mod risks;
mod verify;

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

/// Reads a text file named on the command line; exit 2 when it cannot be read.
pub fn read_text(path: &std::path::Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
}

/// A problem at a line and column of a file named on the command line (exit 2).
pub fn located(path: &std::path::Path, line: usize, column: usize, message: &str) -> Failure {
    Failure::Usage(format!("{}:{line}:{column}: {message}", path.display()))
}

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<u8, Failure> {
    if let Some(n) = cli.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build_global()
            .map_err(|e| Failure::Usage(format!("cannot start {n} threads: {e}")))?;
    }
    match cli.command {
        Command::Risks {
            eval,
            format,
            sort,
            source,
            min_level,
            limit,
            output,
        } => risks::run(
            &eval,
            risks::Args {
                format,
                sort,
                source,
                min_level,
                limit,
                output,
            },
        ),
        Command::Explain { eval, id, format } => explain::run(&eval, &id, format),
        Command::Soa {
            eval,
            format,
            output,
        } => report::soa(&eval, format, output.as_deref()),
        Command::Gaps {
            eval,
            format,
            fail_on,
            output,
        } => report::gaps(&eval, format, fail_on, output.as_deref()),
        Command::Report {
            eval,
            format,
            output,
        } => report::report(&eval, format, output.as_deref()),
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
            Ok(crate::EXIT_OK)
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
        Command::Man { output } => extras::man(output.as_deref()),
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

/// The evaluation options: `--as-of`, else the manifest's `as_of`, else today.
pub fn options(eval: &crate::cli::Eval, ws: &isms_engine::Workspace) -> isms_engine::risk::Options {
    isms_engine::risk::Options {
        as_of: eval
            .as_of
            .or(ws.as_of())
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        evaluator: if eval.interpreter {
            isms_engine::rules::expr::Evaluator::Interpreter
        } else {
            isms_engine::rules::expr::Evaluator::Compiled
        },
    }
}

/// Loads a workspace and assesses its risks.
pub fn evaluate(
    eval: &crate::cli::Eval,
) -> Result<(isms_engine::Workspace, isms_engine::risk::Assessment), Failure> {
    let ws = load(&eval.dir)?;
    let assessment = isms_engine::risk::assess(&ws, options(eval, &ws));
    check_plugins(eval, &assessment.plugin_failures)?;
    Ok((ws, assessment))
}

/// With `--strict`, a plugin failure stops the run (exit 2); otherwise it is reported.
pub fn check_plugins(
    eval: &crate::cli::Eval,
    failures: &[isms_engine::plugin::PluginFailure],
) -> Result<(), Failure> {
    if eval.strict && !failures.is_empty() {
        let list: Vec<String> = failures.iter().map(|f| f.to_string()).collect();
        return Err(Failure::Usage(format!("--strict: {}", list.join("; "))));
    }
    for f in failures {
        eprintln!("warning: {f}; none of its results are used in this run");
    }
    Ok(())
}

/// Reports rules that failed on some records (the run goes on without them there).
pub fn warn_rule_failures(failures: &[isms_engine::risk::RuleFailures]) {
    for f in failures {
        let (record, message) = f.examples.first().cloned().unwrap_or_default();
        eprintln!(
            "warning: rule `{}` failed on {} record(s) and was skipped there; first: {record}: {message}",
            f.rule, f.count
        );
    }
}
