//! The XLSX workbook of a report: one sheet per register an auditor filters and sorts (the
//! SoA, the gaps, the register risks, the readiness checklist, the inputs read).
//!
//! Text from the inputs is written as strings, never as formulas, and additionally passed
//! through [`spreadsheet_safe`] so that a value copied elsewhere cannot turn into one.

use isms_engine::report::Report;
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::cells::{self, basis, spreadsheet_safe};

/// One cell of a data row.
enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<Option<&String>> for Cell {
    fn from(s: Option<&String>) -> Self {
        Cell::Text(s.cloned().unwrap_or_default())
    }
}

/// A column: header text, width in characters, and whether its text wraps.
struct Column {
    header: &'static str,
    width: f64,
    wrap: bool,
}

const fn col(header: &'static str, width: f64, wrap: bool) -> Column {
    Column {
        header,
        width,
        wrap,
    }
}

const SOA: [Column; 9] = [
    col("Control", 10.0, false),
    col("Title", 40.0, true),
    col("Group", 16.0, false),
    col("Applicable", 11.0, false),
    col("Basis", 16.0, false),
    col("Status", 16.0, false),
    col("Justification", 60.0, true),
    col("Evidence", 36.0, true),
    col("Declared justification", 48.0, true),
];

const GAPS: [Column; 6] = [
    col("Severity", 10.0, false),
    col("Code", 30.0, false),
    col("Objects", 24.0, true),
    col("Message", 60.0, true),
    col("Action", 50.0, true),
    col("At", 24.0, false),
];

const RISKS: [Column; 13] = [
    col("Id", 10.0, false),
    col("Title", 40.0, true),
    col("Assets", 20.0, true),
    col("Threat", 12.0, false),
    col("Owner", 16.0, false),
    col("Treatment", 11.0, false),
    col("Inherent L", 10.0, false),
    col("Inherent I", 10.0, false),
    col("Inherent level", 14.0, false),
    col("Residual L", 10.0, false),
    col("Residual I", 10.0, false),
    col("Residual level", 14.0, false),
    col("Status", 18.0, false),
];

const READINESS: [Column; 8] = [
    col("Stage", 8.0, false),
    col("Id", 24.0, false),
    col("Clause", 12.0, false),
    col("Requirement", 48.0, true),
    col("Result", 8.0, false),
    col("Evidence", 60.0, true),
    col("Missing", 40.0, true),
    col("Gaps", 48.0, true),
];

const INPUTS: [Column; 2] = [col("Path", 48.0, false), col("SHA-256", 68.0, false)];

/// The cell formats shared by every sheet.
struct Formats {
    header: Format,
    plain: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        let plain = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#D9E2F3")
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            wrap: plain.clone().set_text_wrap(),
            plain,
        }
    }
}

/// Writes one data sheet: bold frozen header, the rows, widths and an autofilter.
fn sheet(
    ws: &mut Worksheet,
    f: &Formats,
    name: &str,
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    for (c, column) in (0u16..).zip(columns) {
        ws.write_string_with_format(0, c, column.header, &f.header)?;
        ws.set_column_width(c, column.width)?;
    }
    let mut last = 0u32;
    for (r, row) in (1u32..).zip(rows) {
        for ((c, cell), column) in (0u16..).zip(row).zip(columns) {
            let format = if column.wrap { &f.wrap } else { &f.plain };
            match cell {
                Cell::Text(s) => {
                    ws.write_string_with_format(r, c, spreadsheet_safe(&s), format)?;
                }
                Cell::Number(n) => {
                    ws.write_number_with_format(r, c, n, format)?;
                }
                Cell::Bool(b) => {
                    ws.write_boolean_with_format(r, c, b, format)?;
                }
            }
        }
        last = r;
    }
    let last_col = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last, last_col)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn soa_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.soa.iter().map(|s| {
        vec![
            s.control.as_str().into(),
            s.title.as_str().into(),
            s.group.as_str().into(),
            Cell::Bool(s.applicable),
            basis(s.basis).into(),
            s.status.as_str().into(),
            s.justification.as_str().into(),
            s.evidence.join("; ").into(),
            s.declared_justification.as_ref().into(),
        ]
    })
}

fn gap_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.gaps.iter().map(|g| {
        vec![
            g.severity.as_str().into(),
            g.code.as_str().into(),
            cells::gap_objects(g).into(),
            g.message.as_str().into(),
            g.action.as_str().into(),
            cells::gap_at(g).into(),
        ]
    })
}

fn risk_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.risks.iter().map(|k| {
        vec![
            k.id.as_str().into(),
            k.title.as_str().into(),
            k.assets.join(", ").into(),
            k.threat.as_ref().into(),
            k.owner.as_ref().into(),
            k.treatment.map_or("", |t| t.as_str()).into(),
            Cell::Number(f64::from(k.inherent.likelihood)),
            Cell::Number(f64::from(k.inherent.impact)),
            k.inherent.level_name.as_str().into(),
            Cell::Number(f64::from(k.residual.likelihood)),
            Cell::Number(f64::from(k.residual.impact)),
            k.residual.level_name.as_str().into(),
            k.status.as_str().into(),
        ]
    })
}

fn readiness_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.readiness.stages.iter().flat_map(|s| {
        s.items.iter().map(move |i| {
            vec![
                Cell::Number(f64::from(s.stage)),
                i.id.as_str().into(),
                i.clause.as_str().into(),
                i.requirement.as_str().into(),
                cells::pass_fail(i.passed).into(),
                i.evidence.join("; ").into(),
                i.missing.as_ref().into(),
                cells::gap_refs(i).into(),
            ]
        })
    })
}

fn input_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.inputs
        .iter()
        .map(|i| vec![i.path.as_str().into(), i.sha256.as_str().into()])
}

/// The workbook of a report, as XLSX bytes.
pub fn workbook(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let mut properties = DocProperties::new()
        .set_title(format!("ISMS report: {}", r.organisation))
        .set_subject(format!("Workspace {}", r.workspace))
        .set_company(&r.organisation)
        .set_author(format!("isms {}", r.engine_version));
    // The evaluation date rather than the clock, so the same inputs give the same bytes.
    if let Ok(date) = ExcelDateTime::parse_from_str(&r.options.as_of) {
        properties = properties.set_creation_datetime(&date);
    }
    wb.set_properties(&properties);
    let f = Formats::new();
    sheet(wb.add_worksheet(), &f, "SoA", &SOA, soa_rows(r))?;
    sheet(wb.add_worksheet(), &f, "Gaps", &GAPS, gap_rows(r))?;
    sheet(wb.add_worksheet(), &f, "Risks", &RISKS, risk_rows(r))?;
    sheet(
        wb.add_worksheet(),
        &f,
        "Readiness",
        &READINESS,
        readiness_rows(r),
    )?;
    sheet(wb.add_worksheet(), &f, "Inputs", &INPUTS, input_rows(r))?;
    wb.save_to_buffer()
}
