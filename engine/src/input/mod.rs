//! Input primitives, the bottom layer of the engine: a file held in memory with its sha256
//! and line index, the record reader (CSV, JSON, NDJSON, workbooks) with located diagnostics
//! and the per-file options that map an export's columns to the model, and TOML parsing with
//! located errors. Everything that reads text builds on these; none of them knows what a
//! workspace is.
//!
//! One module per concern: `record` reads records in every format, [`mapping`] maps
//! headers to fields and checks them once, [`suggest`] finds the field a header means,
//! [`sniff`] the CSV delimiter, [`dates`] the date spellings, [`workbook`] the sheets.

pub mod dates;
mod files;
pub mod mapping;
mod record;
pub mod sniff;
mod source;
pub mod suggest;
mod toml;
pub mod workbook;

pub use files::Files;
pub use mapping::{Extras, FileOptions, Schema, normalise_name};
pub use record::{
    Format, Input, Record, Spot, for_each_record, parse_bool, read_records, read_records_parallel,
};
pub use source::{SourceFile, display_path, hex};
pub use suggest::suggest_field;
pub(crate) use toml::parse_toml;
