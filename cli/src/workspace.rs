//! The workspace a command works on: loaded with its warnings shown, evaluated with the
//! options of the command line, and the evaluation's own warnings reported.

use crate::exit::Failure;

/// Loads a workspace and prints its warnings to stderr.
pub fn load(dir: &std::path::Path) -> Result<isms_engine::Workspace, Failure> {
    let stage = crate::progress::Stage::start(format!("loading {}", dir.display()));
    let loaded = isms_engine::load(dir);
    drop(stage);
    crate::timings::mark("load");
    let loaded = loaded?;
    for w in loaded.warnings.iter() {
        crate::output::note_raw(&crate::render::diagnostic(w));
    }
    Ok(loaded.workspace)
}

/// The evaluation options: `--as-of`, else the manifest's `as_of`, else today. The workspace
/// is rewound to that date: what is dated later has not happened yet (said in a note).
pub fn options(eval: &crate::cli::Eval, ws: &mut isms_engine::Workspace) -> isms_engine::Options {
    let as_of = eval
        .as_of
        .or(ws.as_of())
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let rewound = ws.rewind(as_of);
    if !rewound.records.is_empty() {
        const SHOWN: usize = 5;
        let shown: Vec<String> = rewound
            .records
            .iter()
            .take(SHOWN)
            .map(|(what, id, on)| format!("{id} ({what} {on})"))
            .collect();
        let more = rewound.records.len().saturating_sub(SHOWN);
        crate::output::note!(
            "note: evaluated as of {as_of}: {} record(s) dated later count as not yet happened: {}{}",
            rewound.records.len(),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    isms_engine::Options::new(as_of).with_evaluator(if eval.interpreter {
        isms_engine::Evaluator::Interpreter
    } else {
        isms_engine::Evaluator::Compiled
    })
}

/// The whole evaluation (risks, SoA, checks, gaps, readiness, coverage) under a spinner
/// that says `what`, each stage marked for `--timings`.
pub fn evaluate_all(
    ws: &isms_engine::Workspace,
    options: isms_engine::Options,
    what: &str,
) -> isms_engine::Evaluation {
    let stage = crate::progress::Stage::start(what);
    let evaluation =
        isms_engine::report::evaluate_with(ws, options, &mut |name| crate::timings::mark(name));
    drop(stage);
    evaluation
}

/// Loads a workspace and assesses its risks.
pub fn evaluate(
    eval: &crate::cli::Eval,
) -> Result<(isms_engine::Workspace, isms_engine::risk::Assessment), Failure> {
    let mut ws = load(&eval.dir)?;
    let options = options(eval, &mut ws);
    let stage = crate::progress::Stage::start("assessing the risks");
    let assessment = isms_engine::risk::assess(&ws, options);
    drop(stage);
    crate::timings::mark("risk assessment");
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
        crate::output::note!("warning: {f}; none of its results are used in this run");
    }
    Ok(())
}

/// Reports rules that failed on some records (the run goes on without them there).
pub fn warn_rule_failures(failures: &[isms_engine::risk::RuleFailures]) {
    for f in failures {
        let (record, message) = f.examples.first().cloned().unwrap_or_default();
        crate::output::note!(
            "warning: rule `{}` failed on {} record(s) and was skipped there; first: {record}: {message}",
            f.rule,
            f.count
        );
    }
}
