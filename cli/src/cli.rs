//! The command-line definition (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "isms",
    version,
    about = "Evaluate an ISO/IEC 27001 ISMS: risks, Statement of Applicability, gaps",
    propagate_version = true
)]
pub struct Cli {
    /// Worker threads for evaluation (default: one per core). Output is identical for any
    /// number.
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    #[command(subcommand)]
    pub command: Command,
}

/// What every evaluating command needs.
#[derive(Debug, clap::Args)]
pub struct Eval {
    /// The workspace directory (holding isms.toml).
    pub dir: PathBuf,
    /// Judge deadlines and acceptances as of this date (YYYY-MM-DD); default: the manifest's
    /// `as_of`, else today.
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<chrono::NaiveDate>,
}

fn parse_date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date as YYYY-MM-DD"))
}

/// How `isms risks` orders its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RiskSort {
    /// Highest residual level first.
    Residual,
    /// Highest inherent level first.
    Inherent,
    /// By id.
    Id,
    /// Register order, then generated scenarios by asset and threat.
    None,
}

/// Which scenarios `isms risks` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RiskSourceFilter {
    All,
    Register,
    Generated,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a workspace and summarise what it holds.
    Check {
        /// The workspace directory (holding isms.toml).
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// The risk register with inherent and residual levels.
    Risks {
        #[command(flatten)]
        eval: Eval,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        #[arg(long, value_enum, default_value_t = RiskSort::Residual)]
        sort: RiskSort,
        #[arg(long, value_enum, default_value_t = RiskSourceFilter::All)]
        source: RiskSourceFilter,
        /// Only risks whose residual level is at least this.
        #[arg(long)]
        min_level: Option<u8>,
        /// At most this many rows.
        #[arg(long)]
        limit: Option<usize>,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Explain how a risk's levels were derived, step by step.
    Explain {
        #[command(flatten)]
        eval: Eval,
        /// A register risk id, or `<asset id>:<threat id>` for a generated scenario.
        id: String,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// Browse the built-in Annex A catalogs.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Write a synthetic workspace, deterministic for a seed, for tests and benchmarks.
    Generate {
        /// Number of assets.
        #[arg(long, default_value_t = 1000)]
        assets: usize,
        /// Seed of the generator: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Directory to write; created when missing.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite files in a non-empty directory.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List the controls of a catalog.
    List {
        #[arg(long, value_enum, default_value_t = CatalogChoice::Iso27001_2022)]
        catalog: CatalogChoice,
        /// Only the controls of this theme or domain (id such as A.8, or title).
        #[arg(long)]
        group: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one control with its attributes and its 2013/2022 correspondence.
    Show {
        /// Control id, e.g. A.8.24 (2022) or A.10.1.1 (2013).
        id: String,
        /// The catalog to look in; by default the 2022 catalog, then the 2013 one.
        #[arg(long, value_enum)]
        catalog: Option<CatalogChoice>,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CatalogChoice {
    #[value(name = "iso27001-2022", alias = "2022")]
    Iso27001_2022,
    #[value(name = "iso27001-2013", alias = "2013")]
    Iso27001_2013,
}

impl From<CatalogChoice> for isms_engine::CatalogId {
    fn from(c: CatalogChoice) -> Self {
        match c {
            CatalogChoice::Iso27001_2022 => isms_engine::CatalogId::Iso27001_2022,
            CatalogChoice::Iso27001_2013 => isms_engine::CatalogId::Iso27001_2013,
        }
    }
}

/// Formats for a single summary or record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Table,
    Json,
}

/// Formats for lists of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    Md,
}
