//! The XLSX workbook of a report: one sheet per register an auditor filters and sorts (the
//! SoA, the gaps, the register risks, the readiness checklist, the calendar), a sheet per
//! relation that a cell can only summarise, a summary and an "About" sheet.
//!
//! Built to hold at any size, since Excel refuses what exceeds its limits:
//! - no cell exceeds Excel's 32,767 characters: a list is capped in its cell ("… and N more")
//!   and given in full, one row per pair, in a relation sheet; any other text is cut;
//! - no sheet exceeds Excel's 1,048,576 rows: the last row then says how many were left out;
//! - text from the inputs is written as a string cell, never a formula; text a spreadsheet
//!   would evaluate when retyped (`=`, `+`, `-`, `@` first) also gets the quote-prefix format,
//!   so that its text is kept as it is rather than altered.

use std::borrow::Cow;

use isms_engine::report::{GapRef, Report};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError, utility::row_col_to_cell,
};

use crate::Subject;
use crate::cells::{self, LIST_SEPARATOR, basis, starts_like_formula};

/// Excel's limit on the text of one cell, in UTF-16 code units (as Excel counts).
pub const CELL_TEXT_LIMIT: usize = 32_767;

/// Excel's limit on the rows of one sheet.
const SHEET_ROW_LIMIT: u32 = 1_048_576;

/// How much of a list one cell shows before "… and N more": enough to read, far below
/// [`CELL_TEXT_LIMIT`] so that the cell stays usable; the relation sheet has the rest.
const LIST_CELL_BUDGET: usize = 1_000;

/// A write that failed, with the sheet and the cell it failed at.
#[derive(Debug)]
pub struct WriteError {
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub source: XlsxError,
}

impl From<XlsxError> for WriteError {
    fn from(source: XlsxError) -> Self {
        WriteError {
            sheet: None,
            cell: None,
            source,
        }
    }
}

/// One cell of a data row.
enum Cell {
    Text(String),
    Number(f64),
    Bool(bool),
    /// A `YYYY-MM-DD` date, written as a date cell (as text when it does not parse).
    Date(String),
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

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        // Counts of a report are far below 2^53: exact as f64.
        Cell::Number(n as f64)
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

const SUMMARY: [Column; 2] = [col("Measure", 40.0, false), col("Value", 16.0, false)];

const SOA: [Column; 9] = [
    col("Control", 10.0, false),
    col("Title", 40.0, true),
    col("Group", 16.0, false),
    col("Applicable", 11.0, false),
    col("Basis", 16.0, false),
    col("Status", 16.0, false),
    col("Declared justification", 48.0, true),
    col("Generated justification", 60.0, true),
    col("Evidence", 36.0, true),
];

const GAPS: [Column; 7] = [
    col("Gap", 7.0, false),
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

const CALENDAR: [Column; 5] = [
    col("Due", 12.0, false),
    col("Kind", 20.0, false),
    col("Id", 16.0, false),
    col("What", 60.0, true),
    col("Overdue", 9.0, false),
];

const RISK_ASSETS: [Column; 2] = [col("Risk", 12.0, false), col("Asset", 16.0, false)];

const GAP_OBJECTS: [Column; 4] = [
    col("Gap", 7.0, false),
    col("Code", 30.0, false),
    col("Kind", 20.0, false),
    col("Object", 20.0, false),
];

const SOA_EVIDENCE: [Column; 2] = [col("Control", 10.0, false), col("Evidence", 60.0, true)];

const READINESS_EVIDENCE: [Column; 3] = [
    col("Stage", 8.0, false),
    col("Item", 24.0, false),
    col("Evidence", 60.0, true),
];

const READINESS_GAPS: [Column; 5] = [
    col("Stage", 8.0, false),
    col("Item", 24.0, false),
    col("Gap code", 30.0, false),
    col("Severity", 10.0, false),
    col("Objects", 40.0, true),
];

const COVERAGE: [Column; 8] = [
    col("Framework", 16.0, false),
    col("Requirement", 14.0, false),
    col("Title", 40.0, true),
    col("Group", 8.0, false),
    col("Verdict", 14.0, false),
    col("Links", 48.0, true),
    col("Reason", 70.0, true),
    col("Source and licence of the data", 60.0, true),
];

const COVERAGE_SUMMARY: [Column; 9] = [
    col("Framework", 16.0, false),
    col("Group", 48.0, true),
    col("Requirements", 13.0, false),
    col("Covered", 10.0, false),
    col("Partly covered", 14.0, false),
    col("Not covered", 12.0, false),
    col("Not applicable", 14.0, false),
    col("No mapping", 12.0, false),
    col("Source and licence of the data", 60.0, true),
];

const ABOUT: [Column; 2] = [col("About", 28.0, false), col("Value", 72.0, false)];

/// The cell formats shared by every sheet; `quoted_*` add the quote prefix that keeps text a
/// spreadsheet would evaluate as text when it is edited.
struct Formats {
    header: Format,
    plain: Format,
    wrap: Format,
    quoted_plain: Format,
    quoted_wrap: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        let plain = Format::new().set_align(FormatAlign::Top);
        let wrap = plain.clone().set_text_wrap();
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#D9E2F3")
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            quoted_plain: plain.clone().set_quote_prefix(),
            quoted_wrap: wrap.clone().set_quote_prefix(),
            date: plain.clone().set_num_format("yyyy-mm-dd"),
            wrap,
            plain,
        }
    }
}

/// `text` within [`CELL_TEXT_LIMIT`]: longer text is cut and says how much was left out.
fn fit(text: &str) -> Cow<'_, str> {
    if text.len() <= CELL_TEXT_LIMIT || text.encode_utf16().count() <= CELL_TEXT_LIMIT {
        return text.into();
    }
    // Room for the note, whose number has at most 20 digits.
    let room = CELL_TEXT_LIMIT - 64;
    let mut units = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if units + c.len_utf16() > room {
            break;
        }
        units += c.len_utf16();
        end = i + c.len_utf8();
    }
    let left = text[end..].chars().count();
    format!("{}… [{left} more characters]", &text[..end]).into()
}

/// The items of a list in one cell, joined with `separator` up to [`LIST_CELL_BUDGET`]
/// characters, then "… and N more". Linear in the items, whatever their number.
fn capped_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>, separator: &str) -> String {
    let mut out = String::new();
    let mut shown = 0usize;
    let mut left = 0usize;
    for item in items {
        let item = item.as_ref();
        if left == 0 && out.len() + separator.len() + item.len() <= LIST_CELL_BUDGET {
            if shown > 0 {
                out.push_str(separator);
            }
            out.push_str(item);
            shown += 1;
        } else if shown == 0 && left == 0 {
            // A single overlong item is still shown, cut to the cell limit.
            out.push_str(&fit(item));
            shown = 1;
        } else {
            left += 1;
        }
    }
    if left > 0 {
        out.push_str(&format!("{separator}… and {left} more"));
    }
    out
}

/// One gap reference of a readiness item: `CODE (A, B)`, its objects capped.
fn gap_ref(g: &GapRef) -> String {
    if g.objects.is_empty() {
        g.code.clone()
    } else {
        format!("{} ({})", g.code, capped_list(&g.objects, ", "))
    }
}

/// Writes one data sheet: bold frozen header, the rows, widths and an autofilter. Rows past
/// Excel's limit are left out, and the last row says how many.
fn sheet(
    ws: &mut Worksheet,
    f: &Formats,
    name: &str,
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<(), WriteError> {
    let at = |r: u32, c: u16| {
        move |source: XlsxError| WriteError {
            sheet: Some(name.to_owned()),
            cell: Some(row_col_to_cell(r, c)),
            source,
        }
    };
    ws.set_name(name).map_err(|source| WriteError {
        sheet: Some(name.to_owned()),
        cell: None,
        source,
    })?;
    for (c, column) in (0u16..).zip(columns) {
        ws.write_string_with_format(0, c, column.header, &f.header)
            .map_err(at(0, c))?;
        ws.set_column_width(c, column.width).map_err(at(0, c))?;
    }
    let mut last = 0u32;
    let mut left_out = 0usize;
    for (r, row) in (1u32..).zip(rows) {
        if r >= SHEET_ROW_LIMIT - 1 {
            left_out += 1;
            continue;
        }
        for ((c, cell), column) in (0u16..).zip(row).zip(columns) {
            write_cell(ws, f, r, c, cell, column.wrap).map_err(at(r, c))?;
        }
        last = r;
    }
    if left_out > 0 {
        last += 1;
        let note = format!(
            "… and {left_out} more rows: Excel holds {SHEET_ROW_LIMIT} rows a sheet; the JSON report has them all"
        );
        ws.write_string_with_format(last, 0, note, &f.plain)
            .map_err(at(last, 0))?;
    }
    let last_col = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    let fail = |source| WriteError {
        sheet: Some(name.to_owned()),
        cell: None,
        source,
    };
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    ws.autofilter(0, 0, last, last_col).map_err(fail)?;
    ws.set_repeat_rows(0, 0).map_err(fail)?;
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    c: u16,
    cell: Cell,
    wrap: bool,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => write_text(ws, f, r, c, &s, wrap),
        Cell::Number(n) => ws.write_number_with_format(r, c, n, &f.plain).map(|_| ()),
        Cell::Bool(b) => ws.write_boolean_with_format(r, c, b, &f.plain).map(|_| ()),
        Cell::Date(d) => match ExcelDateTime::parse_from_str(&d) {
            Ok(date) => ws.write_date_with_format(r, c, &date, &f.date).map(|_| ()),
            Err(_) => write_text(ws, f, r, c, &d, wrap),
        },
    }
}

/// Text as a string cell, within Excel's limit, quote-prefixed when a spreadsheet would
/// otherwise evaluate it once edited; the text itself is never changed to neutralise it.
fn write_text(
    ws: &mut Worksheet,
    f: &Formats,
    r: u32,
    c: u16,
    text: &str,
    wrap: bool,
) -> Result<(), XlsxError> {
    let text = fit(text);
    let format = match (starts_like_formula(&text), wrap) {
        (true, true) => &f.quoted_wrap,
        (true, false) => &f.quoted_plain,
        (false, true) => &f.wrap,
        (false, false) => &f.plain,
    };
    ws.write_string_with_format(r, c, text.as_ref(), format)
        .map(|_| ())
}

fn summary_rows(r: &Report) -> Vec<Vec<Cell>> {
    let s = &r.summary;
    let mut rows: Vec<Vec<Cell>> = vec![
        vec!["Assets".into(), s.assets.into()],
        vec!["Assets in scope".into(), s.assets_in_scope.into()],
        vec!["Register risks".into(), s.register_risks.into()],
        vec![
            "Register risks above the appetite".into(),
            s.register_above_appetite.into(),
        ],
        vec!["Scenarios assessed".into(), s.scenarios.into()],
        vec![
            "Scenarios above the appetite".into(),
            s.scenarios_above_appetite.into(),
        ],
        vec!["Controls".into(), s.controls.into()],
        vec!["Applicable controls".into(), s.applicable.into()],
        vec!["Implemented controls".into(), s.implemented.into()],
        vec!["Gaps".into(), s.gaps.into()],
    ];
    for (severity, count) in &s.gaps_by_severity {
        rows.push(vec![format!("Gaps: {severity}").into(), (*count).into()]);
    }
    rows.push(vec![
        "Ready for certification".into(),
        Cell::Bool(r.readiness.ready),
    ]);
    rows
}

fn soa_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.soa.iter().map(|s| {
        vec![
            s.control.as_str().into(),
            s.title.as_str().into(),
            s.group.as_str().into(),
            cells::applicability(s).into(),
            basis(s.basis).into(),
            s.status.as_str().into(),
            s.declared_justification.as_ref().into(),
            s.justification.as_str().into(),
            capped_list(&s.evidence, LIST_SEPARATOR).into(),
        ]
    })
}

fn gap_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    (1usize..).zip(&r.gaps).map(|(n, g)| {
        vec![
            n.into(),
            g.severity.as_str().into(),
            g.code.as_str().into(),
            capped_list(g.objects.iter().map(|o| o.id.as_str()), ", ").into(),
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
            capped_list(&k.assets, LIST_SEPARATOR).into(),
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
                capped_list(&i.evidence, LIST_SEPARATOR).into(),
                i.missing.as_ref().into(),
                capped_list(i.gaps.iter().map(gap_ref), LIST_SEPARATOR).into(),
            ]
        })
    })
}

fn calendar_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.readiness.calendar.next_due.iter().map(|d| {
        vec![
            Cell::Date(d.due.clone()),
            d.kind.as_str().into(),
            d.id.as_str().into(),
            d.what.as_str().into(),
            Cell::Bool(d.overdue),
        ]
    })
}

fn risk_asset_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.risks.iter().flat_map(|k| {
        k.assets
            .iter()
            .map(move |a| vec![k.id.as_str().into(), a.as_str().into()])
    })
}

fn gap_object_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    (1usize..).zip(&r.gaps).flat_map(|(n, g)| {
        g.objects.iter().map(move |o| {
            vec![
                n.into(),
                g.code.as_str().into(),
                o.kind.noun().into(),
                o.id.as_str().into(),
            ]
        })
    })
}

fn soa_evidence_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.soa.iter().flat_map(|s| {
        s.evidence
            .iter()
            .map(move |e| vec![s.control.as_str().into(), e.as_str().into()])
    })
}

fn readiness_evidence_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.readiness.stages.iter().flat_map(|s| {
        s.items.iter().flat_map(move |i| {
            i.evidence.iter().map(move |e| {
                vec![
                    Cell::Number(f64::from(s.stage)),
                    i.id.as_str().into(),
                    e.as_str().into(),
                ]
            })
        })
    })
}

fn readiness_gap_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.readiness.stages.iter().flat_map(|s| {
        s.items.iter().flat_map(move |i| {
            i.gaps.iter().map(move |g| {
                vec![
                    Cell::Number(f64::from(s.stage)),
                    i.id.as_str().into(),
                    g.code.as_str().into(),
                    g.severity.as_str().into(),
                    capped_list(&g.objects, ", ").into(),
                ]
            })
        })
    })
}

/// One row per requirement of each covered framework, with the attribution of its data.
fn coverage_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.coverage.iter().flat_map(|c| {
        c.requirements.iter().map(move |q| {
            vec![
                c.framework.as_str().into(),
                q.id.as_str().into(),
                q.title.as_str().into(),
                q.group.as_str().into(),
                q.verdict.as_str().into(),
                crate::cells::coverage_links(q).into(),
                q.reason.as_str().into(),
                c.attribution.as_str().into(),
            ]
        })
    })
}

/// Per group and overall, the requirements per verdict, with the attribution of the data.
fn coverage_summary_rows(r: &Report) -> impl Iterator<Item = Vec<Cell>> + '_ {
    r.coverage.iter().flat_map(|c| {
        c.groups
            .iter()
            .map(|g| (crate::cells::coverage_group(g), &g.counts))
            .chain(std::iter::once(("all".to_owned(), &c.summary)))
            .map(move |(label, counts)| {
                let mut row: Vec<Cell> = vec![c.framework.as_str().into(), label.into()];
                row.push(counts.total.into());
                row.extend(
                    isms_engine::report::Verdict::ALL
                        .iter()
                        .map(|v| Cell::from(counts.get(*v))),
                );
                row.push(c.attribution.as_str().into());
                row
            })
    })
}

/// The About sheet: what was evaluated, when, by which engine, and the sha256 of every input
/// and rule set, so that a workbook passed on can be traced to its inputs.
fn about_rows(r: &Report) -> Vec<Vec<Cell>> {
    let c = &r.readiness.calendar;
    let mut rows: Vec<Vec<Cell>> = vec![
        vec!["Organisation".into(), r.organisation.as_str().into()],
        vec!["Workspace".into(), r.workspace.as_str().into()],
        vec![
            "Evaluation date".into(),
            Cell::Date(r.options.as_of.clone()),
        ],
        vec!["Engine version".into(), r.engine_version.as_str().into()],
        vec!["Report schema".into(), r.schema.as_str().into()],
        vec!["Catalog".into(), r.catalog.as_str().into()],
        vec!["Risk method".into(), r.options.method.as_str().into()],
        vec![
            "Risk appetite".into(),
            format!("level {} ({})", r.appetite.value, r.appetite.name).into(),
        ],
    ];
    if let Some(d) = &c.certification_date {
        rows.push(vec!["Certification date".into(), Cell::Date(d.clone())]);
    }
    rows.push(vec![
        "Cycle start".into(),
        Cell::Date(c.cycle_start.clone()),
    ]);
    rows.push(vec!["Cycle end".into(), Cell::Date(c.cycle_end.clone())]);
    rows.push(vec!["".into(), "".into()]);
    rows.push(vec!["Input file".into(), "SHA-256".into()]);
    for i in &r.inputs {
        rows.push(vec![i.path.as_str().into(), i.sha256.as_str().into()]);
    }
    rows.push(vec!["".into(), "".into()]);
    rows.push(vec!["Rule set".into(), "SHA-256".into()]);
    for s in &r.rulesets {
        rows.push(vec![
            format!("{} {}", s.id, s.version).into(),
            s.sha256.as_str().into(),
        ]);
    }
    for p in &r.plugins {
        rows.push(vec![
            format!("plugin {} {}", p.id, p.version).into(),
            p.sha256.as_str().into(),
        ]);
    }
    for c in r.coverage.iter().filter(|c| !c.attribution.is_empty()) {
        rows.push(vec!["".into(), "".into()]);
        rows.push(vec![
            format!("Source of {}", c.framework).into(),
            c.attribution.as_str().into(),
        ]);
    }
    rows
}

/// The workbook of a report, as XLSX bytes, opening on the sheet of `subject`.
pub fn workbook(r: &Report, subject: Subject) -> Result<Vec<u8>, WriteError> {
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
    let opening = match subject {
        Subject::Report => "Summary",
        Subject::Soa => "SoA",
        Subject::Gaps => "Gaps",
        Subject::Coverage => "Coverage",
    };
    let mut add = |name: &str,
                   columns: &[Column],
                   rows: &mut dyn Iterator<Item = Vec<Cell>>|
     -> Result<(), WriteError> {
        let ws = wb.add_worksheet();
        sheet(ws, &f, name, columns, rows)?;
        if name == opening {
            ws.set_active(true);
        }
        Ok(())
    };
    add("Summary", &SUMMARY, &mut summary_rows(r).into_iter())?;
    add("SoA", &SOA, &mut soa_rows(r))?;
    add("Gaps", &GAPS, &mut gap_rows(r))?;
    add("Risks", &RISKS, &mut risk_rows(r))?;
    add("Readiness", &READINESS, &mut readiness_rows(r))?;
    add("Calendar", &CALENDAR, &mut calendar_rows(r))?;
    add("Risk assets", &RISK_ASSETS, &mut risk_asset_rows(r))?;
    add("Gap objects", &GAP_OBJECTS, &mut gap_object_rows(r))?;
    add("SoA evidence", &SOA_EVIDENCE, &mut soa_evidence_rows(r))?;
    add(
        "Readiness evidence",
        &READINESS_EVIDENCE,
        &mut readiness_evidence_rows(r),
    )?;
    add(
        "Readiness gaps",
        &READINESS_GAPS,
        &mut readiness_gap_rows(r),
    )?;
    add("Coverage", &COVERAGE, &mut coverage_rows(r))?;
    add(
        "Coverage summary",
        &COVERAGE_SUMMARY,
        &mut coverage_summary_rows(r),
    )?;
    add("About", &ABOUT, &mut about_rows(r).into_iter())?;
    Ok(wb.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_within_the_cell_limit() {
        let long = "é".repeat(40_000);
        let cut = fit(&long);
        assert!(cut.encode_utf16().count() <= CELL_TEXT_LIMIT);
        assert!(
            cut.ends_with("more characters]"),
            "{}",
            &cut[cut.len() - 40..]
        );
        assert_eq!(fit("short"), "short");
        // Astral characters count two UTF-16 units, as in Excel.
        let astral = "𝔸".repeat(20_000);
        assert!(fit(&astral).encode_utf16().count() <= CELL_TEXT_LIMIT);
    }

    #[test]
    fn long_lists_are_capped_with_the_number_left_out() {
        let ids: Vec<String> = (0..10_000).map(|i| format!("A{i:06}")).collect();
        let cell = capped_list(&ids, "; ");
        assert!(cell.len() <= LIST_CELL_BUDGET + 40, "{}", cell.len());
        assert!(cell.starts_with("A000000; A000001"));
        let shown = cell.matches("; A").count() + 1;
        assert!(
            cell.ends_with(&format!("… and {} more", 10_000 - shown)),
            "{cell}"
        );
        assert_eq!(capped_list(["a", "b"], ", "), "a, b");
    }
}
