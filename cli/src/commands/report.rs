//! `isms soa`, `isms gaps` and `isms report`: one evaluation, rendered for people or machines.

use std::path::Path;

use isms_engine::Severity;
use isms_engine::Workspace;
use isms_engine::oscal::{self, ExportError, Links, Model};
use isms_engine::report::{self, Gap, Report};
use isms_render::cells;

use crate::cli::{CsvOptions, Eval, FailOn, GapFilter, ReportFormat, TableFormat};
use crate::exit::Failure;
use crate::exit::{EXIT_FINDINGS, EXIT_OK};
use crate::workspace::options;
use crate::{output, render};

/// Loads, evaluates and builds the report model.
pub fn evaluate(eval: &Eval) -> Result<Report, Failure> {
    evaluate_workspace(eval).map(|(_, report)| report)
}

/// [`evaluate`], keeping the workspace for renderers that read more than the report.
fn evaluate_workspace(eval: &Eval) -> Result<(Workspace, Report), Failure> {
    let mut ws = crate::workspace::load(&eval.dir)?;
    let options = options(eval, &mut ws);
    let evaluation =
        crate::workspace::evaluate_all(&ws, options, "evaluating: risks, SoA, gaps, readiness");
    crate::workspace::warn_rule_failures(&evaluation.assessment.rule_failures);
    crate::workspace::check_plugins(eval, &evaluation.assessment.plugin_failures)?;
    let stage = crate::progress::Stage::start("building the report");
    let report = report::build_owned(&ws, evaluation);
    drop(stage);
    crate::timings::mark("report building");
    Ok((ws, report))
}

/// Indented JSON with a final newline.
pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Failure> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Failure::Io(format!("cannot render JSON: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The whole report as JSON (`--format json` of report, soa and gaps), rendered in parallel
/// and streamed to `out`.
fn report_json(r: &Report, out: Option<&Path>) -> Result<(), Failure> {
    output::stream(out, |w| isms_render::json::report(w, r))
}

fn xlsx(r: &Report, subject: isms_render::Subject, out: Option<&Path>) -> Result<(), Failure> {
    let Some(path) = out.filter(|p| p.as_os_str() != "-") else {
        return Err(Failure::Usage("xlsx output needs --output FILE".into()));
    };
    let bytes = isms_render::xlsx(r, subject).map_err(|e| Failure::Io(e.to_string()))?;
    output::write_atomic(path, &bytes)
}

/// Columns of the SoA in CSV and Markdown: the organisation's declared justification beside
/// the one the engine writes from the reasons, so that neither replaces the other.
const SOA_HEADER: [&str; 9] = [
    "control",
    "title",
    "group",
    "applicable",
    "basis",
    "status",
    "declared_justification",
    "generated_justification",
    "evidence",
];

fn soa_rows(r: &Report) -> impl Iterator<Item = Vec<String>> + '_ {
    r.soa.iter().map(|s| {
        vec![
            s.control.clone(),
            s.title.clone(),
            s.group.clone(),
            cells::applicability(s).to_owned(),
            cells::basis(s.basis).to_owned(),
            s.status.to_string(),
            s.declared_justification.clone().unwrap_or_default(),
            s.justification.clone(),
            s.evidence.join(cells::LIST_SEPARATOR),
        ]
    })
}

pub fn soa(
    eval: &Eval,
    format: TableFormat,
    csv: &CsvOptions,
    out: Option<&Path>,
) -> Result<u8, Failure> {
    let csv_style = csv.style(format == TableFormat::Csv)?;
    let r = evaluate(eval)?;
    match format {
        TableFormat::Json => report_json(&r, out)?,
        TableFormat::Xlsx => xlsx(&r, isms_render::Subject::Soa, out)?,
        TableFormat::Csv => output::emit(out, &render::csv(&SOA_HEADER, soa_rows(&r), csv_style)?)?,
        TableFormat::Md => {
            output::emit(out, render::markdown(&SOA_HEADER, soa_rows(&r)).as_bytes())?
        }
        TableFormat::Table => {
            let header = [
                "control",
                "title",
                "applicable",
                "status",
                "basis",
                "declared justification",
                "generated justification",
            ];
            let mut text = render::table(
                &header,
                // control, title, applicable, status, basis, both justifications.
                soa_rows(&r).map(|row| {
                    [0, 1, 3, 5, 4, 6, 7]
                        .iter()
                        .map(|&i| row[i].clone())
                        .collect()
                }),
            );
            let s = &r.summary;
            text.push_str(&format!(
                "{} controls: {} applicable, {} implemented; `isms explain DIR <control>` shows why\n",
                s.controls, s.applicable, s.implemented
            ));
            output::emit(out, text.as_bytes())?
        }
    }
    Ok(EXIT_OK)
}

const GAP_HEADER: [&str; 6] = ["severity", "code", "objects", "message", "action", "at"];

fn gap_row(g: &Gap) -> Vec<String> {
    vec![
        g.severity.to_string(),
        g.code.clone(),
        cells::gap_objects(g),
        g.message.clone(),
        g.action.clone(),
        cells::gap_at(g),
    ]
}

/// The gaps a filter keeps, in report order; for the terminal table (`grouped`), the most
/// serious first and grouped by code (report order within a code). The limit applies last.
fn selected<'r>(r: &'r Report, filter: &GapFilter, grouped: bool) -> Vec<&'r Gap> {
    let code_matches = |code: &str| {
        filter.code.is_empty()
            || filter.code.iter().any(|c| match c.strip_suffix('*') {
                Some(prefix) => code.starts_with(prefix),
                None => code == c,
            })
    };
    let mut gaps: Vec<&Gap> = r
        .gaps
        .iter()
        .filter(|g| {
            filter
                .severity
                .is_none_or(|s| g.severity <= Severity::from(s))
        })
        .filter(|g| code_matches(&g.code))
        .filter(|g| {
            filter.object.is_empty() || g.objects.iter().any(|o| filter.object.contains(&o.id))
        })
        .collect();
    if grouped {
        gaps.sort_by(|a, b| (a.severity, &a.code).cmp(&(b.severity, &b.code)));
    }
    gaps.truncate(filter.limit.unwrap_or(usize::MAX));
    gaps
}

/// The summary a person reads first: counts by severity, then by code.
fn gap_summary(r: &Report) -> String {
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| {
            format!(
                "{} {s}",
                r.summary.gaps_by_severity.get(s).copied().unwrap_or(0)
            )
        })
        .collect();
    let mut by_code: std::collections::BTreeMap<(Severity, &str), usize> = Default::default();
    for g in &r.gaps {
        *by_code.entry((g.severity, g.code.as_str())).or_default() += 1;
    }
    let mut text = format!("{} gaps: {}\n", r.summary.gaps, counts.join(", "));
    for ((severity, code), n) in by_code {
        text.push_str(&format!("  {n:>7}  {:<8}  {code}\n", severity.as_str()));
    }
    text
}

pub fn gaps(
    eval: &Eval,
    format: TableFormat,
    csv: &CsvOptions,
    fail_on: Option<FailOn>,
    filter: &GapFilter,
    out: Option<&Path>,
) -> Result<u8, Failure> {
    if filter.is_set() && matches!(format, TableFormat::Json | TableFormat::Xlsx) {
        return Err(Failure::Usage(
            "--severity, --code, --object and --limit select the rows of table, csv and md; \
             json and xlsx always hold every gap"
                .into(),
        ));
    }
    let csv_style = csv.style(format == TableFormat::Csv)?;
    let r = evaluate(eval)?;
    let rows = |grouped| selected(&r, filter, grouped).into_iter().map(gap_row);
    match format {
        TableFormat::Json => report_json(&r, out)?,
        TableFormat::Xlsx => xlsx(&r, isms_render::Subject::Gaps, out)?,
        TableFormat::Csv => output::emit(out, &render::csv(&GAP_HEADER, rows(false), csv_style)?)?,
        TableFormat::Md => {
            output::emit(out, render::markdown(&GAP_HEADER, rows(false)).as_bytes())?
        }
        TableFormat::Table => {
            let mut text = gap_summary(&r);
            text.push('\n');
            let shown = selected(&r, filter, true).len();
            text.push_str(&render::table(
                &["severity", "code", "objects", "message"],
                rows(true).map(|mut row| {
                    row.truncate(4);
                    row
                }),
            ));
            if shown < r.gaps.len() {
                text.push_str(&format!(
                    "{shown} of {} gaps shown (--severity, --code, --object, --limit)\n",
                    r.gaps.len()
                ));
            }
            output::emit(out, text.as_bytes())?
        }
    }
    let threshold = fail_on.map(Severity::from);
    let failing = threshold.is_some_and(|t| r.gaps.iter().any(|g| g.severity <= t));
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

pub fn report(
    eval: &Eval,
    format: ReportFormat,
    out: Option<&Path>,
    links: Links,
) -> Result<u8, Failure> {
    let (ws, r) = evaluate_workspace(eval)?;
    let oscal = |model| {
        let doc = oscal::export_linked(model, &ws, &r, links)
            .map_err(|e| Failure::Usage(e.to_string()))?;
        // Streamed: the assessment results of a large inventory run to many megabytes.
        output::stream(out, |w| write_json(w, &doc))?;
        Ok(EXIT_OK)
    };
    let bytes = match format {
        ReportFormat::Json => {
            report_json(&r, out)?;
            return Ok(EXIT_OK);
        }
        ReportFormat::Xlsx => {
            xlsx(&r, isms_render::Subject::Report, out)?;
            return Ok(EXIT_OK);
        }
        ReportFormat::Html => isms_render::html(&r).into_bytes(),
        ReportFormat::Md => isms_render::markdown(&r).into_bytes(),
        ReportFormat::Oscal => return oscal_set(&ws, &r, out, links),
        ReportFormat::OscalSsp => return oscal(Model::Ssp),
        ReportFormat::OscalAssessmentResults => return oscal(Model::AssessmentResults),
        ReportFormat::OscalPoam => return oscal(Model::Poam),
    };
    output::emit(out, &bytes)?;
    Ok(EXIT_OK)
}

/// Indented JSON with a final newline, streamed.
fn write_json(w: &mut dyn std::io::Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    w.write_all(b"\n")
}

/// Every OSCAL document into the folder `out`, each under [`Model::file_name`]. A workspace
/// without treatment actions gets no POA&M (OSCAL needs one item), which is said on stderr.
fn oscal_set(ws: &Workspace, r: &Report, out: Option<&Path>, links: Links) -> Result<u8, Failure> {
    let Some(dir) = out.filter(|p| p.as_os_str() != "-") else {
        return Err(Failure::Usage(
            "--format oscal writes several documents and needs --output DIR".into(),
        ));
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::Io(format!("cannot create {}: {e}", dir.display())))?;
    for model in Model::ALL {
        let doc = match oscal::export_linked(model, ws, r, links) {
            Ok(doc) => doc,
            Err(e @ ExportError::EmptyPlan) => {
                output::note!("note: no {}: {e}", model.file_name());
                continue;
            }
        };
        output::stream(Some(&dir.join(model.file_name())), |w| write_json(w, &doc))?;
    }
    Ok(EXIT_OK)
}
