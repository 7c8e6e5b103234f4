//! `isms-render`: renders an [`isms_engine::report::Report`] for people.
//!
//! - [`html()`]: one self-contained HTML5 document (inline CSS and SVG heat maps, no scripts,
//!   no external resources), written with [maud](https://maud.lambda.xyz/) templates, which
//!   escape every value taken from the report;
//! - [`markdown()`]: the same sections as Markdown, the heat maps as tables of counts;
//!   [`markdown_readiness`] is its readiness section alone, [`markdown_coverage`] the coverage
//!   of one framework;
//! - [`xlsx()`]: a workbook with one sheet per register (SoA, gaps, risks, readiness,
//!   calendar, framework coverage), one per relation a cell can only summarise, a summary and
//!   an "About" sheet;
//!   it holds at any size (no cell or sheet over Excel's limits) and text is always written
//!   as string cells, never changed to neutralise formulas.
//!
//! - [`json::report`]: the report as indented JSON, rendered in parallel and streamed
//!   ([`stream::in_order`], which the CLI's long CSV and JSON lists use too).
//!
//! The [`cells`] module holds the cell texts these formats share with the CLI's tables and
//! CSV exports, so that every format spells a value the same way.
//!
//! ```
//! use isms_engine::{Options, build_report, evaluate, load};
//!
//! let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme"));
//! let ws = load(dir).map_err(|e| format!("{} problems", e.diagnostics.len()))?.workspace;
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).ok_or("date")?;
//! let report = build_report(&ws, &evaluate(&ws, Options::new(as_of)));
//!
//! let page = isms_render::html(&report);
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! assert!(page.contains("<section id=\"soa\">"));
//! let workbook = isms_render::xlsx(&report, isms_render::Subject::Gaps)?;
//! assert!(workbook.starts_with(b"PK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
// Library code never panics on what it is given (as in the engine).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod cells;
mod html;
pub mod json;
mod markdown;
pub mod stream;
mod xlsx;

use isms_engine::report::Report;
use isms_engine::report::{FrameworkCoverage, Readiness};

pub use markdown::table as markdown_table;

/// The report as one self-contained HTML5 document, starting with `<!DOCTYPE html>`.
///
/// Every text taken from the report is escaped by the templates; the document has no
/// scripts and loads nothing (CSS and SVG heat maps are inline), and it prints on A4.
pub fn html(report: &Report) -> String {
    html::report(report)
}

/// The report as Markdown: summary, heat maps (as tables of counts), risk register, SoA,
/// gaps by severity, readiness and inputs.
pub fn markdown(report: &Report) -> String {
    markdown::report(report)
}

/// The readiness section of [`markdown()`] alone: the checklist of each stage, the
/// certification calendar and what falls due. `heading` is the Markdown heading of the
/// section (`"##"`, or `"#"` for a document of its own); subsections are one level deeper.
pub fn markdown_readiness(readiness: &Readiness, heading: &str) -> String {
    let mut out = String::new();
    markdown::readiness(&mut out, readiness, heading);
    out
}

/// The coverage section of [`markdown()`] for one framework alone: summary per group and
/// overall, every requirement with its verdict and reason, and the attribution of the data.
/// `heading` is the Markdown heading of the section (`"##"`, or `"#"` for a document of its
/// own).
pub fn markdown_coverage(coverage: &FrameworkCoverage, heading: &str) -> String {
    let mut out = String::new();
    markdown::coverage(&mut out, coverage, heading);
    out
}

pub use markdown::{COVERAGE_HEADER, coverage_rows};

/// What a workbook is about: the sheet it opens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The whole report (`isms report`): opens on the summary.
    Report,
    /// The Statement of Applicability (`isms soa`): opens on the SoA.
    Soa,
    /// The gap list (`isms gaps`): opens on the gaps.
    Gaps,
    /// Framework coverage (`isms coverage`): opens on the coverage.
    Coverage,
}

/// The report as an XLSX workbook (its bytes), opening on the sheet of `subject`: one sheet
/// per register an auditor filters and sorts. The same report gives the same bytes (the
/// creation date is the evaluation date).
pub fn xlsx(report: &Report, subject: Subject) -> Result<Vec<u8>, Error> {
    xlsx::workbook(report, subject).map_err(|e| Error {
        at: match (e.sheet, e.cell) {
            (Some(sheet), Some(cell)) => format!(" (sheet {sheet}, cell {cell})"),
            (Some(sheet), None) => format!(" (sheet {sheet})"),
            _ => String::new(),
        },
        source: e.source,
    })
}

/// A report that could not be rendered (only the XLSX writer can fail), with the sheet and
/// cell it failed at when the failure is in one.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the workbook{at}: {source}")]
pub struct Error {
    at: String,
    #[source]
    source: rust_xlsxwriter::XlsxError,
}
