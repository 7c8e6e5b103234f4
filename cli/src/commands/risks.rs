//! `isms risks DIR`: the risk register with inherent and residual levels.

use std::io::Write;

use isms_engine::Workspace;
use isms_engine::risk::{self, Assessment, RiskSource, ScoredRisk};
use serde::Serialize;

use crate::cli::{CsvOptions, Eval, ListFormat, RiskSort, RiskSourceFilter};
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::workspace::evaluate;
use crate::{output, render};

/// Version of the JSON document of `isms risks --format json`.
pub const RISKS_SCHEMA: &str = "isms/risks/v1";

pub struct Args {
    pub format: ListFormat,
    pub sort: RiskSort,
    pub source: RiskSourceFilter,
    pub min_level: Option<String>,
    pub limit: Option<usize>,
    pub csv: CsvOptions,
    pub output: Option<std::path::PathBuf>,
}

/// Columns of the CSV and Markdown exports, snake_case like the input files.
const HEADER: [&str; 14] = [
    "id",
    "source",
    "assets",
    "threat",
    "title",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
    "status",
    "treatment",
];

pub fn run(eval: &Eval, args: Args) -> Result<u8, Failure> {
    let csv_style = args.csv.style(args.format == ListFormat::Csv)?;
    let (ws, assessment) = evaluate(eval)?;
    crate::workspace::warn_rule_failures(&assessment.rule_failures);
    let matrix = &ws.risk_model().matrix;
    let min_level = match args.min_level.as_deref() {
        None => None,
        Some(text) => Some(matrix.level_named(text).ok_or_else(|| {
            let names: Vec<String> = matrix
                .levels
                .iter()
                .map(|l| format!("{} ({})", l.value, l.name))
                .collect();
            Failure::Usage(format!(
                "--min-level `{text}` names no level of the risk matrix: {}",
                names.join(", ")
            ))
        })?),
    };
    let rows = select(&ws, &assessment, &args, min_level);
    match args.format {
        ListFormat::Json => {
            output::stream(args.output.as_deref(), |w| json(w, &ws, &assessment, &rows))
        }
        ListFormat::Table => {
            let short = [
                "id",
                "assets",
                "threat",
                "L x I",
                "inherent",
                "residual",
                "status",
                "treatment",
            ];
            let mut text = render::table(
                &short,
                rows.iter().map(|r| {
                    let full = cells(&ws, r);
                    vec![
                        full[0].clone(),
                        full[2].clone(),
                        full[3].clone(),
                        format!("{} x {}", r.inherent.likelihood, r.inherent.impact),
                        full[8].clone(),
                        full[11].clone(),
                        full[12].clone(),
                        full[13].clone(),
                    ]
                }),
            );
            text.push_str(&format!(
                "{} risks shown of {} ({} in the register; `--source all` for the generated scenarios too); appetite: level {} ({})\n",
                rows.len(),
                assessment.risks.len(),
                ws.risks().len(),
                ws.profile().risk_appetite,
                ws.risk_model()
                    .matrix
                    .level_info(ws.profile().risk_appetite)
                    .name
            ));
            output::emit(args.output.as_deref(), text.as_bytes())
        }
        ListFormat::Md => output::emit(
            args.output.as_deref(),
            render::markdown(&HEADER, rows.iter().map(|r| cells(&ws, r))).as_bytes(),
        ),
        ListFormat::Csv => output::stream(args.output.as_deref(), |w| {
            render::csv_stream(w, &HEADER, &rows, |r| cells(&ws, r), csv_style)
        }),
    }?;
    Ok(EXIT_OK)
}

fn select<'a>(
    ws: &Workspace,
    a: &'a Assessment,
    args: &Args,
    min_level: Option<u8>,
) -> Vec<&'a ScoredRisk> {
    let mut rows: Vec<&ScoredRisk> = a
        .risks
        .iter()
        .filter(|r| {
            matches!(
                (args.source, r.source),
                (RiskSourceFilter::All, _)
                    | (RiskSourceFilter::Register, RiskSource::Register(_))
                    | (RiskSourceFilter::Generated, RiskSource::Generated)
            )
        })
        .filter(|r| min_level.is_none_or(|m| r.residual.level >= m))
        .collect();
    // Stable sorts: ties keep the assessment order, so the output is deterministic.
    match args.sort {
        RiskSort::Residual => rows.sort_by(|x, y| {
            (y.residual.level, y.inherent.level).cmp(&(x.residual.level, x.inherent.level))
        }),
        RiskSort::Inherent => rows.sort_by(|x, y| {
            (y.inherent.level, y.residual.level).cmp(&(x.inherent.level, x.residual.level))
        }),
        RiskSort::Id => rows.sort_by_cached_key(|r| r.id(ws)),
        RiskSort::None => {}
    }
    if let Some(limit) = args.limit {
        rows.truncate(limit);
    }
    rows
}

fn title(ws: &Workspace, r: &ScoredRisk) -> String {
    match r.source {
        RiskSource::Register(i) => ws.risks()[i.index()].title.clone(),
        RiskSource::Generated => r
            .threat
            .map(|t| {
                format!(
                    "{} on {}",
                    ws.threats()[t.index()].name,
                    ws.asset(r.asset).name
                )
            })
            .unwrap_or_default(),
    }
}

fn treatment(ws: &Workspace, r: &ScoredRisk) -> String {
    match r.source {
        RiskSource::Register(i) => ws.risks()[i.index()]
            .treatment
            .as_ref()
            .map_or_else(|| "undecided".to_owned(), |t| t.option.to_string()),
        RiskSource::Generated => String::new(),
    }
}

/// Every asset of the risk, joined with the list separator the inputs read: a register risk
/// may name several, a generated scenario is about one.
fn assets(ws: &Workspace, r: &ScoredRisk) -> String {
    match r.source {
        RiskSource::Register(i) => ws.risks()[i.index()]
            .assets
            .iter()
            .map(|a| ws.asset(*a).id.as_str())
            .collect::<Vec<_>>()
            .join(isms_render::cells::LIST_SEPARATOR),
        RiskSource::Generated => ws.asset(r.asset).id.clone(),
    }
}

/// The risk owner the register names; a generated scenario has none.
fn owner(ws: &Workspace, r: &ScoredRisk) -> String {
    match r.source {
        RiskSource::Register(i) => ws.risks()[i.index()].owner.clone().unwrap_or_default(),
        RiskSource::Generated => String::new(),
    }
}

/// The cells of a row under [`HEADER`].
fn cells(ws: &Workspace, r: &ScoredRisk) -> Vec<String> {
    let m = &ws.risk_model().matrix;
    vec![
        r.id(ws),
        match r.source {
            RiskSource::Register(_) => "register".into(),
            RiskSource::Generated => "generated".into(),
        },
        assets(ws, r),
        r.threat
            .map(|t| ws.threats()[t.index()].id.clone())
            .unwrap_or_default(),
        title(ws, r),
        owner(ws, r),
        r.inherent.likelihood.to_string(),
        r.inherent.impact.to_string(),
        m.level_info(r.inherent.level).name.clone(),
        r.residual.likelihood.to_string(),
        r.residual.impact.to_string(),
        m.level_info(r.residual.level).name.clone(),
        r.status.as_str().to_owned(),
        treatment(ws, r),
    ]
}

#[derive(Serialize)]
struct ScoreView<'a> {
    likelihood: u8,
    impact: u8,
    level: u8,
    level_name: &'a str,
    value: f64,
}

#[derive(Serialize)]
struct RiskView<'a> {
    id: String,
    source: &'a str,
    title: String,
    asset: &'a str,
    threat: Option<&'a str>,
    inherent: ScoreView<'a>,
    residual: ScoreView<'a>,
    status: risk::AppetiteStatus,
    treatment: String,
}

fn json(
    w: &mut dyn Write,
    ws: &Workspace,
    a: &Assessment,
    rows: &[&ScoredRisk],
) -> std::io::Result<()> {
    let m = &ws.risk_model().matrix;
    let view = |s: &risk::Score| ScoreView {
        likelihood: s.likelihood,
        impact: s.impact,
        level: s.level,
        level_name: &m.level_info(s.level).name,
        value: s.value,
    };
    let head = serde_json::json!({
        "schema": RISKS_SCHEMA,
        "engine_version": isms_engine::VERSION,
        "workspace": ws.name(),
        "as_of": a.as_of.to_string(),
        "method": ws.risk_model().method,
        "matrix": m,
        "appetite": ws.profile().risk_appetite,
        "total": a.risks.len(),
        "rule_failures": a.rule_failures,
    });
    // The header fields, then the risks streamed one by one.
    let head = serde_json::to_string_pretty(&head)?;
    // Drop the closing "\n}" to append the risks array.
    w.write_all(&head.as_bytes()[..head.len() - 2])?;
    w.write_all(b",\n  \"risks\": [")?;
    // Rendered in parallel, written in order.
    isms_render::stream::in_order(w, rows, |out, first, chunk| {
        for (j, r) in chunk.iter().enumerate() {
            out.extend_from_slice(if first + j == 0 {
                b"\n    "
            } else {
                b",\n    "
            });
            serde_json::to_writer(
                &mut *out,
                &RiskView {
                    id: r.id(ws),
                    source: match r.source {
                        RiskSource::Register(_) => "register",
                        RiskSource::Generated => "generated",
                    },
                    title: title(ws, r),
                    asset: &ws.asset(r.asset).id,
                    threat: r.threat.map(|t| ws.threats()[t.index()].id.as_str()),
                    inherent: view(&r.inherent),
                    residual: view(&r.residual),
                    status: r.status,
                    treatment: treatment(ws, r),
                },
            )?;
        }
        Ok(())
    })?;
    w.write_all(b"\n  ]\n}\n")
}
