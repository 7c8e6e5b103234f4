//! `isms-engine`: evaluates ISO/IEC 27001 information security management systems.
//!
//! The pipeline reads a workspace (an `isms.toml` manifest with the organisation profile and
//! its inventories), links every reference to an index once, and hands the [`Workspace`] to
//! the evaluation stages. The engine never prints and never exits: problems come back as
//! located [`Diagnostic`]s for the caller to render.
//!
//! # Embedding the engine
//!
//! Three calls cover what an application needs: [`load()`] a workspace (or [`load_files`] it
//! from [`Files`] held in memory), [`evaluate`] it with
//! [`Options`], and [`build_report`] the [`Report`] model (what the CLI renders as JSON, HTML,
//! Markdown or XLSX; `serde::Serialize`, with a JSON Schema from [`report::json_schema`]).
//! Evaluation uses the rayon thread pool it runs in; results are identical for any thread
//! count.
//!
//! ```
//! use isms_engine::{Options, Severity, build_report, evaluate, load};
//!
//! let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme"));
//! let loaded = load(dir).map_err(|e| format!("{} problems", e.diagnostics.len()))?;
//! for warning in loaded.warnings.iter() {
//!     eprintln!("{}", warning.message);
//! }
//! let ws = loaded.workspace;
//! let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).ok_or("date")?;
//! let evaluation = evaluate(&ws, Options::new(as_of));
//! let report = build_report(&ws, &evaluation);
//!
//! assert_eq!(report.summary.gaps, report.gaps.len());
//! let critical = report.summary.gaps_by_severity[&Severity::Critical];
//! assert_eq!(critical, report.gaps.iter().filter(|g| g.severity == Severity::Critical).count());
//! println!("{}: {} gaps, {critical} critical", report.organisation, report.gaps.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A bad workspace is an error listing every problem, each with its file, line and column:
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("isms.toml"), "[workspace]\nprofile = 3\n")?;
//! let error = isms_engine::load(dir.path()).err().ok_or("should fail")?;
//! let first = error.diagnostics.iter().next().ok_or("a diagnostic")?;
//! assert!(first.to_string().contains("isms.toml:2:"), "{first}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For compliance tooling, [`oscal::export`] turns the same report into OSCAL 1.1 documents
//! (the SoA as a System Security Plan, the gaps as Assessment Results, the treatment plan as a
//! POA&M), each `serde::Serialize`.
//!
//! `engine/examples/embed.rs` is a small program built on these calls, and
//! `engine/examples/from_memory.rs` loads a workspace from memory. The report's types live
//! in [`report`]; the crate `isms-render` turns a [`Report`] into HTML, Markdown or XLSX.
//! The evaluation stages one by one are public for the CLI, the benchmarks and the fuzz
//! targets, but hidden here: they carry no stability promise.

// Library code never panics on what it is given: a panic, an unwrap or an `unreachable!` is
// a review event (the few on built-in data say why). `unsafe` is denied workspace-wide.
#![warn(missing_docs)]
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

// The facade: what an application needs, documented and kept stable.
pub mod catalog;
pub mod diag;
pub mod diff;
pub mod framework;
pub mod model;
pub mod oscal;
pub mod report;

pub use catalog::{Catalog, CatalogId, ControlIdx};
pub use diag::{Diagnostic, Diagnostics, LoadError, RecordLocation};
pub use load::{Files, Loaded, load, load_files};
pub use model::Severity;
pub use report::{Evaluation, Gap, Report, build as build_report, evaluate};
pub use risk::Options;
pub use rules::expr::Evaluator;
pub use workspace::Workspace;

// The stages one by one, for the CLI, the benchmarks and the fuzz targets: public so that
// they can reach them, hidden from the documentation because they change with the engine.
#[doc(hidden)]
pub mod checks;
#[doc(hidden)]
pub mod controls;
#[doc(hidden)]
pub mod cycle;
#[doc(hidden)]
pub mod discover;
#[doc(hidden)]
pub mod gaps;
#[cfg(feature = "generate")]
#[doc(hidden)]
pub mod generate;
#[doc(hidden)]
pub mod input;
#[doc(hidden)]
pub mod load;
#[doc(hidden)]
pub mod migrate;
#[doc(hidden)]
pub mod placeholder;
#[doc(hidden)]
pub mod plugin;
#[doc(hidden)]
pub mod rewind;
#[doc(hidden)]
pub mod risk;
#[doc(hidden)]
pub mod riskmodel;
#[doc(hidden)]
pub mod rules;
#[doc(hidden)]
pub mod soa;
#[doc(hidden)]
pub mod summary;
#[doc(hidden)]
pub mod verify;
#[doc(hidden)]
pub mod workspace;

/// The engine's version, recorded in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
