//! `isms-engine`: evaluates ISO/IEC 27001 information security management systems.
//!
//! The pipeline reads a workspace (an `isms.toml` manifest with the organisation profile and
//! its inventories), links every reference to an index once, and hands the [`Workspace`] to
//! the evaluation stages. The engine never prints and never exits: problems come back as
//! located [`Diagnostic`]s for the caller to render.
//!
//! ```no_run
//! let loaded = isms_engine::load::load(std::path::Path::new("examples/acme"))?;
//! println!("{} assets", loaded.workspace.assets.len());
//! # Ok::<(), isms_engine::LoadError>(())
//! ```

pub mod catalog;
pub mod cycle;
pub mod diag;
pub mod diff;
pub mod gaps;
pub mod generate;
pub mod load;
pub mod migrate;
pub mod model;
pub mod plugin;
pub mod report;
pub mod risk;
pub mod rules;
pub mod soa;
pub mod summary;
pub mod workspace;

pub use catalog::{Catalog, CatalogId, ControlIdx};
pub use diag::{Diagnostic, Diagnostics, LoadError};
pub use load::{Loaded, load};
pub use workspace::Workspace;

/// The engine's version, recorded in every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
