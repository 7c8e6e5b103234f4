//! `isms coverage DIR --framework ID`: what the ISMS shows for each requirement of another
//! framework, with the attribution of the framework's data in every format.

use std::path::Path;

use isms_engine::Workspace;
use isms_engine::report::{self, FrameworkCoverage, Report, Verdict};
use isms_render::cells;

use crate::cli::{CsvOptions, Eval, TableFormat, VerdictFilter};
use crate::exit::{EXIT_OK, Failure};
use crate::workspace::options;
use crate::{output, render};

/// The frameworks a workspace knows, for messages: `nis2-2024-2690 (declared), own-policy`.
pub fn available(ws: &Workspace) -> String {
    ws.frameworks()
        .iter()
        .map(|f| {
            if ws.profile().frameworks.contains(&f.id) {
                format!("{} (declared)", f.id)
            } else {
                f.id.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The framework asked for, or the one the profile declares when none is named.
fn choose(ws: &Workspace, asked: Option<&str>) -> Result<String, Failure> {
    match asked {
        Some(id) => ws.framework(id).map(|f| f.id.clone()).ok_or_else(|| {
            Failure::Usage(format!(
                "unknown framework `{id}`: available: {}",
                available(ws)
            ))
        }),
        None => match ws.profile().frameworks.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Failure::Usage(format!(
                "name the framework with --framework (the profile declares none): available: {}",
                available(ws)
            ))),
            _ => Err(Failure::Usage(format!(
                "name the framework with --framework (the profile declares several): available: {}",
                available(ws)
            ))),
        },
    }
}

/// Loads, evaluates and computes the coverage of the framework asked for; the report holds
/// it too (added when the profile does not declare the framework).
pub fn evaluate(eval: &Eval, asked: Option<&str>) -> Result<(Report, FrameworkCoverage), Failure> {
    let mut ws = crate::workspace::load(&eval.dir)?;
    let id = choose(&ws, asked)?;
    let options = options(eval, &mut ws);
    let evaluation = crate::workspace::evaluate_all(
        &ws,
        options,
        "evaluating: risks, SoA, gaps, readiness, coverage",
    );
    crate::workspace::warn_rule_failures(&evaluation.assessment.rule_failures);
    crate::workspace::check_plugins(eval, &evaluation.assessment.plugin_failures)?;
    let coverage = evaluation
        .coverage_of(&ws, &id)
        .ok_or_else(|| Failure::Usage(format!("unknown framework `{id}`")))?;
    let mut r = report::build(&ws, &evaluation);
    if !r.coverage.iter().any(|c| c.framework == coverage.framework) {
        r.coverage.push(coverage.clone());
    }
    Ok((r, coverage))
}

/// Columns of the CSV export: one row per requirement, the attribution in each row (a CSV
/// file has no other place that every consumer keeps).
const CSV_HEADER: [&str; 10] = [
    "framework",
    "requirement",
    "title",
    "group",
    "verdict",
    "reason",
    "controls",
    "clauses",
    "links",
    "attribution",
];

fn csv_rows(c: &FrameworkCoverage) -> impl Iterator<Item = Vec<String>> + '_ {
    c.requirements.iter().map(|q| {
        vec![
            c.framework.clone(),
            q.id.clone(),
            q.title.clone(),
            q.group.clone(),
            q.verdict.to_string(),
            q.reason.clone(),
            q.controls
                .iter()
                .map(|l| l.control.as_str())
                .collect::<Vec<_>>()
                .join(cells::LIST_SEPARATOR),
            q.clauses
                .iter()
                .map(|l| l.clause.as_str())
                .collect::<Vec<_>>()
                .join(cells::LIST_SEPARATOR),
            cells::coverage_links(q),
            c.attribution.clone(),
        ]
    })
}

/// The summary part of the terminal output: per group and overall.
pub fn summary_text(c: &FrameworkCoverage) -> String {
    let (header, rows) = cells::coverage_summary(c);
    let mut text = render::table(&header, rows);
    text.push_str(&format!("{}: {}\n", c.framework, c.summary.describe()));
    text.push_str(
        "Links marked superset, intersect or related never make a requirement covered: they do not say the controls cover the whole requirement.\n",
    );
    let attribution = cells::attribution(c);
    if !attribution.is_empty() {
        text.push('\n');
        text.push_str(&attribution);
        text.push('\n');
    }
    text
}

/// What `isms coverage` was asked for.
pub struct Args<'a> {
    pub framework: Option<&'a str>,
    pub format: TableFormat,
    pub verdicts: &'a [VerdictFilter],
    pub csv: &'a CsvOptions,
    pub out: Option<&'a Path>,
}

pub fn run(eval: &Eval, args: Args<'_>) -> Result<u8, Failure> {
    let Args {
        framework,
        format,
        verdicts,
        csv,
        out,
    } = args;
    if !verdicts.is_empty() && matches!(format, TableFormat::Json | TableFormat::Xlsx) {
        return Err(Failure::Usage(
            "--verdict selects the rows of table, csv and md; json and xlsx always hold every requirement".into(),
        ));
    }
    let csv_style = csv.style(format == TableFormat::Csv)?;
    let (r, mut c) = evaluate(eval, framework)?;
    let total = c.requirements.len();
    if !verdicts.is_empty() {
        let keep: Vec<Verdict> = verdicts.iter().map(|v| Verdict::from(*v)).collect();
        c.requirements.retain(|q| keep.contains(&q.verdict));
    }
    let shown = c.requirements.len();
    match format {
        TableFormat::Json => output::emit(out, &super::report::json(&c)?)?,
        TableFormat::Xlsx => {
            let Some(path) = out.filter(|p| p.as_os_str() != "-") else {
                return Err(Failure::Usage("xlsx output needs --output FILE".into()));
            };
            let bytes = isms_render::xlsx(&r, isms_render::Subject::Coverage)
                .map_err(|e| Failure::Io(e.to_string()))?;
            output::write_atomic(path, &bytes)?
        }
        TableFormat::Csv => output::emit(out, &render::csv(&CSV_HEADER, csv_rows(&c), csv_style)?)?,
        TableFormat::Md => output::emit(out, isms_render::markdown_coverage(&c, "#").as_bytes())?,
        TableFormat::Table => {
            let mut text = format!("{}\n\n", c.title);
            text.push_str(&render::table(
                &["requirement", "verdict", "links", "reason"],
                c.requirements.iter().map(|q| {
                    vec![
                        q.id.clone(),
                        q.verdict.to_string(),
                        cells::coverage_links(q),
                        q.reason.clone(),
                    ]
                }),
            ));
            if shown < total {
                text.push_str(&format!(
                    "{shown} of {total} requirements shown (--verdict)\n"
                ));
            }
            text.push('\n');
            text.push_str(&summary_text(&c));
            text.push_str(&format!(
                "`isms explain DIR {}:<requirement>` shows one requirement in full.\n",
                c.framework
            ));
            output::emit(out, text.as_bytes())?
        }
    }
    Ok(EXIT_OK)
}
