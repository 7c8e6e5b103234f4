//! Input primitives, the bottom layer of the engine: a file held in memory with its sha256
//! and line index, the record reader (CSV, JSON, NDJSON) with located diagnostics, TOML
//! parsing with located errors, and the suggestion of which model field a column header
//! means. Everything that reads text builds on these; none of them knows what a workspace is.

mod files;
mod record;
mod source;
mod suggest;
mod toml;

pub use files::Files;
pub use record::{Format, Record, for_each_record, normalise_name, parse_bool};
pub use source::{SourceFile, display_path, hex};
pub use suggest::suggest_field;
pub(crate) use toml::parse_toml;
