//! The command-line definition (clap derive).

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

/// The exit codes, shown under every `--help` and in the manual pages.
pub const EXIT_STATUS: &str = "Exit status: 0 done, nothing at or above --fail-on; 1 findings \
at or above --fail-on (gaps, readiness, diff) or a report that does not verify; 2 bad input or \
usage.";

/// The command line as parsed, helped and documented: the derived definition with the exit
/// codes under every command's help.
pub fn command() -> clap::Command {
    fn with_exit_status(cmd: clap::Command) -> clap::Command {
        cmd.after_help(EXIT_STATUS)
            .mut_subcommands(with_exit_status)
    }
    with_exit_status(Cli::command())
}

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
    /// Print on stderr, when the run ends, the wall and CPU time of each stage (load, risk
    /// assessment, SoA and custom checks, gaps, readiness, report building, rendering and
    /// writing) and the peak memory when it ended.
    #[arg(long, global = true)]
    pub timings: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Which gaps `isms gaps` lists (table, csv and md; the summary and `--fail-on` always count
/// every gap).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GapFilter {
    /// Only gaps of this severity or a more serious one.
    #[arg(long, value_enum)]
    pub severity: Option<FailOn>,
    /// Only gaps with this code (repeatable); a trailing `*` matches a prefix (`GAP-CA-*`).
    #[arg(long)]
    pub code: Vec<String>,
    /// Only gaps about this object (an asset, risk, control, person, ... id; repeatable).
    #[arg(long, visible_alias = "asset")]
    pub object: Vec<String>,
    /// At most this many gaps, the most serious first.
    #[arg(long)]
    pub limit: Option<usize>,
}

impl GapFilter {
    /// Whether any filter is set.
    pub fn is_set(&self) -> bool {
        self.severity.is_some()
            || !self.code.is_empty()
            || !self.object.is_empty()
            || self.limit.is_some()
    }
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
    /// Stop with exit code 2 when a plugin fails (trap, exhausted budget, malformed result)
    /// instead of reporting the failure and going on.
    #[arg(long)]
    pub strict: bool,
    /// Run every rule on the `cel` interpreter instead of the compiled path (slower; to
    /// compare the two end to end).
    #[arg(long)]
    pub interpreter: bool,
}

/// The layout of CSV exports, for the commands that write CSV.
#[derive(Debug, clap::Args)]
pub struct CsvOptions {
    /// With `--format csv`: a UTF-8 byte-order mark and CRLF line ends, so that Excel reads
    /// accents and other non-ASCII text right.
    #[arg(long)]
    pub csv_excel: bool,
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
        /// List every rule with the evaluator it runs on (compiled, or the `cel` interpreter
        /// and why).
        #[arg(long, short)]
        verbose: bool,
    },
    /// Start a workspace: a commented isms.toml and profile.toml (every organisation fact the
    /// rules read, explained), the SoA with every control undecided, and empty registers.
    Init {
        /// The directory to write into; created when missing.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// A CSV export to use as an input instead of an empty file: FILE for assets (a CMDB
        /// export), or KIND=FILE (risks=..., people=...). Its header row is mapped to the
        /// model's fields in isms.toml; the file is referenced where it is, not copied.
        #[arg(long, value_name = "[KIND=]FILE")]
        from: Vec<String>,
        #[arg(long, value_enum, default_value_t = CatalogChoice::Iso27001_2022)]
        catalog: CatalogChoice,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
    /// The active rules with the fields, asset attributes and organisation facts each reads,
    /// and the threat catalog.
    Rules {
        /// A workspace directory; without it, the built-in rule sets and threats.
        dir: Option<PathBuf>,
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
        /// The register's risks (the default), the scenarios generated from assets and
        /// threats (hundreds of thousands at enterprise scale), or both.
        #[arg(long, value_enum, default_value_t = RiskSourceFilter::Register)]
        source: RiskSourceFilter,
        /// Only risks whose residual level is at least this: a value or a level name of the
        /// workspace's matrix (`4`, `high`).
        #[arg(long)]
        min_level: Option<String>,
        /// At most this many rows.
        #[arg(long)]
        limit: Option<usize>,
        #[command(flatten)]
        csv: CsvOptions,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Explain a risk's levels step by step, or why a control is applicable.
    Explain {
        #[command(flatten)]
        eval: Eval,
        /// A register risk id, `<asset id>:<threat id>` for a generated scenario, a control
        /// id such as A.8.24, or `<framework>:<requirement>` for a requirement of a framework
        /// (`nis2-2024-2690:1.1.1.a`, or `nis2:1.1.1.a`).
        id: String,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    /// The Statement of Applicability: every control, applicable or not, why, and its status.
    Soa {
        #[command(flatten)]
        eval: Eval,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        #[command(flatten)]
        csv: CsvOptions,
        /// Write to this file (atomically) instead of stdout; required for xlsx.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Every gap between the risk register, the treatment plan, the SoA and the inventory.
    Gaps {
        #[command(flatten)]
        eval: Eval,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        #[command(flatten)]
        csv: CsvOptions,
        /// Exit with 1 when a gap of this severity or a more serious one exists.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        #[command(flatten)]
        filter: GapFilter,
        /// Write to this file (atomically) instead of stdout; required for xlsx.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// One self-contained report: summary, heat maps, risks, SoA, gaps, input hashes.
    Report {
        #[command(flatten)]
        eval: Eval,
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        /// Write to this file (atomically) instead of stdout (required for xlsx); with
        /// `--format oscal`, the folder to write the set of documents to (created when missing).
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// How OSCAL documents name the documents they import: `relative` (sibling files,
        /// `profile.json`), or `trestle` (`trestle://profiles/isms/profile.json`, for a set
        /// imported into a compliance-trestle workspace with `trestle import -o isms`).
        #[arg(long, value_enum, default_value_t = OscalLinks::Relative)]
        oscal_links: OscalLinks,
    },
    /// How far the ISMS covers another framework (NIS2, or one of the workspace's own): per
    /// requirement, the linked controls and clauses with their relationship, applicability,
    /// status, evidence and gaps, a verdict with its reason, and a summary per group.
    Coverage {
        #[command(flatten)]
        eval: Eval,
        /// The framework id (`nis2-2024-2690`, or an id under [[frameworks]] in isms.toml);
        /// default: the one framework the profile declares.
        #[arg(long)]
        framework: Option<String>,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// Only requirements with this verdict (repeatable) in table, csv and md; the summary,
        /// json and xlsx always hold every requirement.
        #[arg(long, value_enum)]
        verdict: Vec<VerdictFilter>,
        #[command(flatten)]
        csv: CsvOptions,
        /// Write to this file (atomically) instead of stdout; required for xlsx.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Certification readiness: Stage 1 (documentation) and Stage 2 (operation evidence)
    /// checklists, the surveillance and recertification calendar, and what falls due next.
    /// Exits with 1 when not ready.
    Readiness {
        #[command(flatten)]
        eval: Eval,
        #[arg(long, value_enum, default_value_t = ReadinessFormat::Table)]
        format: ReadinessFormat,
        /// Also exit with 1 when a gap of this severity or a more serious one exists.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print the JSON Schema of the report document (`isms/report/v1`).
    Schema,
    /// Check a report (JSON) against a workspace: every recorded sha256, the engine version,
    /// and a re-evaluation with the report's options. Exit 0 verified, 1 not.
    Verify {
        /// The report document (`isms report --format json`, `isms gaps --format json`).
        report: PathBuf,
        /// The workspace directory (holding isms.toml).
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Table)]
        format: SummaryFormat,
    },
    #[cfg(feature = "plugins")]
    /// Write, build and try sector plugins.
    Plugin {
        #[command(subcommand)]
        command: PluginCommand,
    },
    /// Browse the built-in Annex A catalogs.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
    /// Write a synthetic workspace, deterministic for a seed, for tests and benchmarks.
    #[cfg(feature = "generate")]
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
    /// Convert a 2013-era workspace (SoA, treatment plan, profile requirements) to the 2022
    /// Annex A ids; lists the controls new in 2022, the merged and the split ones.
    Migrate {
        /// The 2013 workspace directory (holding isms.toml).
        dir: PathBuf,
        /// Write the migrated workspace here (the files it reads are copied); default: beside
        /// the inputs, as isms.2022.toml, soa.2022.csv, ...
        #[arg(long, conflicts_with = "in_place")]
        output_dir: Option<PathBuf>,
        /// Overwrite the inputs themselves (isms.toml, the SoA, the plan, the profile).
        #[arg(long)]
        in_place: bool,
        /// Replace output files that already exist.
        #[arg(long)]
        force: bool,
        #[arg(long, value_enum, default_value_t = ReadinessFormat::Table)]
        format: ReadinessFormat,
    },
    /// Compare two evaluations (report JSON documents of `isms report --format json`):
    /// risk levels, controls, gaps opened and closed.
    Diff {
        /// The earlier report document.
        old: PathBuf,
        /// The later report document.
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = ReadinessFormat::Table)]
        format: ReadinessFormat,
        /// Exit with 1 when a gap of this severity or a more serious one was opened.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write it to a file; with --dir, one page per command.
    Man {
        /// Write to this file (atomically) instead of stdout.
        #[arg(long, short, conflicts_with = "dir")]
        output: Option<PathBuf>,
        /// Write `isms.1` and a page per command (`isms-gaps.1`, `isms-plugin-new.1`, ...)
        /// with every option into this directory.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

#[cfg(feature = "plugins")]
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Create a plugin project that builds (the SDK and the interface are vendored in it).
    New {
        /// The plugin id, e.g. `energy` (letters, digits, `-`).
        name: String,
        /// Directory to create the project in.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Build a plugin for wasm32-unknown-unknown and make it a component; prints its sha256.
    Build {
        /// The plugin project (holding Cargo.toml and plugin.toml).
        dir: PathBuf,
    },
    /// Run a plugin against a workspace and show what it changes.
    Test {
        /// The plugin directory (holding plugin.toml and the built component).
        dir: PathBuf,
        /// The workspace to run it on.
        #[arg(long)]
        workspace: PathBuf,
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::NaiveDate>,
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
        #[command(flatten)]
        csv: CsvOptions,
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

impl CsvOptions {
    /// The CSV layout asked for; `--csv-excel` with another format than CSV is a usage error
    /// rather than silently ignored.
    pub fn style(&self, writes_csv: bool) -> Result<crate::render::CsvStyle, crate::exit::Failure> {
        match (self.csv_excel, writes_csv) {
            (false, _) => Ok(crate::render::CsvStyle::Plain),
            (true, true) => Ok(crate::render::CsvStyle::Excel),
            (true, false) => Err(crate::exit::Failure::Usage(
                "--csv-excel applies to --format csv only".into(),
            )),
        }
    }
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

/// Formats of the SoA and the gap list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Md,
    Csv,
    Xlsx,
}

/// Formats of the readiness checklist (json is the whole report document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReadinessFormat {
    Table,
    Json,
    Md,
}

/// Formats of the full report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Md,
    Json,
    /// A workbook opening on the summary, with a sheet per register (needs --output).
    Xlsx,
    /// The OSCAL 1.1 set, into the folder `--output`: catalog.json and profile.json (the
    /// Annex A ids and short titles), system-security-plan.json, assessment-plan.json,
    /// assessment-results.json and plan-of-action-and-milestones.json, linked together.
    Oscal,
    /// OSCAL 1.1 System Security Plan: the SoA, with implementation status per control.
    OscalSsp,
    /// OSCAL 1.1 Assessment Results: every gap as a finding.
    OscalAssessmentResults,
    /// OSCAL 1.1 Plan of Action and Milestones: the treatment plan.
    OscalPoam,
}

/// How OSCAL documents name the documents they import (`isms_engine::oscal::Links`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OscalLinks {
    /// Sibling file names, resolved against the importing document.
    Relative,
    /// `trestle://<models>/isms/<model>.json`, where `trestle import -o isms` puts them.
    Trestle,
}

impl From<OscalLinks> for isms_engine::oscal::Links {
    fn from(links: OscalLinks) -> Self {
        match links {
            OscalLinks::Relative => isms_engine::oscal::Links::Relative,
            OscalLinks::Trestle => isms_engine::oscal::Links::Trestle,
        }
    }
}

/// The verdicts `isms coverage --verdict` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerdictFilter {
    Covered,
    PartlyCovered,
    NotCovered,
    NotApplicable,
    NoMapping,
}

impl From<VerdictFilter> for isms_engine::report::Verdict {
    fn from(v: VerdictFilter) -> Self {
        use isms_engine::report::Verdict;
        match v {
            VerdictFilter::Covered => Verdict::Covered,
            VerdictFilter::PartlyCovered => Verdict::PartlyCovered,
            VerdictFilter::NotCovered => Verdict::NotCovered,
            VerdictFilter::NotApplicable => Verdict::NotApplicable,
            VerdictFilter::NoMapping => Verdict::NoMapping,
        }
    }
}

/// Severity thresholds for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

impl From<FailOn> for isms_engine::Severity {
    fn from(f: FailOn) -> Self {
        use isms_engine::Severity;
        match f {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Formats for lists of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    Md,
}
