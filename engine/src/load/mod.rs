//! Reading an ISMS workspace: the manifest, the profile and every inventory file, validated
//! and linked in one pass that reports all problems it finds.

mod cycle;
mod inventory;
mod manifest;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use cycle::{
    ACCOUNT_FIELDS, AUDIT_FIELDS, CORRECTIVE_ACTION_FIELDS, DOCUMENT_FIELDS, FINDING_FIELDS,
    PERSON_FIELDS, REVIEW_FIELDS,
};
pub use inventory::{ACTION_FIELDS, ASSET_FIELDS, RISK_FIELDS, SOA_FIELDS, THREAT_FIELDS};
// The input primitives, where callers of the loader have always found them.
pub use crate::input::{Files, Format, Record, SourceFile, for_each_record, hex, parse_bool};

use crate::catalog::{Catalog, CatalogId};
use crate::diag::{Diagnostic, Diagnostics, LoadError};
use crate::input::{Extras, FileOptions, Input, Schema, Spot, workbook};
use crate::model::*;
use crate::riskmodel::RiskModel;
use crate::rules::expr::Expr;
use crate::rules::ruleset::{self, RuleSet};
use crate::workspace::{Workspace, WorkspaceIndex};
use manifest::{FileNames, Manifest};

/// The manifest's file name.
pub const MANIFEST: &str = "isms.toml";

/// A loaded workspace and the warnings its files raised.
#[derive(Debug)]
#[non_exhaustive]
pub struct Loaded {
    pub workspace: Workspace,
    pub warnings: Diagnostics,
}

/// Stack of the thread that reads a workspace. Parsing recurses per level of nesting (TOML,
/// JSON, and CEL, whose parser takes about 130 KiB per bracket level in a debug build), and
/// the limits that bound the nesting ([`crate::rules::guard`], serde_json's 128 levels) are
/// sized for this stack, not for whatever stack the caller has (2 MiB on a test thread).
/// Only the pages touched are committed.
const LOAD_STACK: usize = 64 << 20;

/// Loads the workspace in `dir` (or the manifest file `dir` names).
///
/// The work runs on a thread of its own with a 64 MiB stack, so that hostile input
/// nested up to the limits cannot overflow the caller's stack.
pub fn load(dir: &Path) -> Result<Loaded, LoadError> {
    on_load_thread(|| load_here(dir))
}

/// Loads a workspace from `files` (on disk or in memory, see [`Files::memory`]): its
/// `isms.toml` and every file the manifest names, with the same located diagnostics as from
/// a directory. Plugins are loaded from a directory only.
pub fn load_files(files: Files) -> Result<Loaded, LoadError> {
    on_load_thread(|| {
        let manifest = files.root().join(MANIFEST);
        load_from(files.clone(), &manifest)
    })
}

/// Runs `load` on a thread with [`LOAD_STACK`], or on this one when no thread is available.
fn on_load_thread(
    load: impl Fn() -> Result<Loaded, LoadError> + Sync,
) -> Result<Loaded, LoadError> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("isms-load".into())
            .stack_size(LOAD_STACK)
            .spawn_scoped(s, &load)
            .map(|t| t.join())
    })
    .unwrap_or_else(|_| Ok(load()))
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn load_here(dir: &Path) -> Result<Loaded, LoadError> {
    let fail = |d: Diagnostic| {
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(d);
        LoadError { diagnostics }
    };
    let manifest_path = if dir.is_dir() {
        dir.join(MANIFEST)
    } else if dir.is_file() {
        dir.to_owned()
    } else {
        return Err(fail(
            Diagnostic::error(
                "load::io",
                format!("no workspace at {}: it does not exist", dir.display()),
            )
            .with_help(format!("a workspace is a directory with an {MANIFEST}")),
        ));
    };
    let root = manifest_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned);
    load_from(Files::dir(root), &manifest_path)
}

fn load_from(files: Files, manifest_path: &Path) -> Result<Loaded, LoadError> {
    let manifest_source = SourceFile::read_in(&files, manifest_path).map_err(|mut d| {
        d.message = format!(
            "cannot read {}: {}",
            manifest_path.display(),
            d.message.rsplit(": ").next().unwrap_or_default()
        );
        let mut diagnostics = Diagnostics::default();
        diagnostics.push(d.with_help(format!("a workspace is a directory with an {MANIFEST}")));
        LoadError { diagnostics }
    })?;
    let mut loader = Loader::new(files, manifest_source);
    loader.run();
    loader.finish()
}

/// State while a workspace is read; see [`inventory`] for the per-kind code.
pub(crate) struct Loader {
    files: Files,
    catalog: &'static Catalog,
    sources: Vec<Arc<SourceFile>>,
    /// The source whose records are being read.
    current: SourceIdx,
    diags: Diagnostics,
    /// Files that could not be read, with the number of sources read before them, so that
    /// their problems sort in reading order (before the files that refer to them).
    unread: Vec<(String, usize)>,
    /// Per kind (in [`KINDS`] order), the records that failed: references to them are not
    /// reported again.
    failed: [Failed; 12],
    /// The kind being read, an index into [`KINDS`].
    current_kind: usize,
    manifest: Option<Manifest>,
    profile: Option<Profile>,
    risk_model: RiskModel,
    /// Highest likelihood and impact values of the matrix (impact also bounds C/I/A).
    scale_l: u8,
    scale_i: u8,
    rulesets: Vec<RuleSet>,
    plugins: Vec<crate::plugin::Plugin>,
    scope_filter: Option<Expr>,
    threat_filters: Vec<Expr>,
    /// Threats read from the built-in catalog, which a workspace threat of the same id replaces.
    builtin_threat_count: usize,
    as_of: Option<chrono::NaiveDate>,
    assets: Vec<Asset>,
    asset_ids: Ids<AssetIdx>,
    /// Records the current source holds at most (its lines, for CSV and NDJSON): the first
    /// record reserves room for all, so 100,000 assets are not copied on every doubling.
    rows_hint: usize,
    /// Each asset's dependencies by id, with where they stand, resolved once every asset is in.
    pending_dependencies: Vec<(AssetIdx, Vec<String>, Spot)>,
    threats: Vec<Threat>,
    threat_ids: Ids<ThreatIdx>,
    risks: Vec<Risk>,
    risk_ids: Ids<RiskIdx>,
    actions: Vec<TreatmentAction>,
    action_ids: Ids<usize>,
    soa: Vec<SoaEntry>,
    soa_ids: Ids<usize>,
    /// SoA rows that leave `applicable` empty.
    soa_undecided: Vec<(crate::catalog::ControlIdx, Origin)>,
    /// The operating-cycle records read so far.
    cycle: crate::cycle::Cycle,
    cycle_ids: CycleIds,
    /// The frameworks of `[[frameworks]]`.
    frameworks: Vec<crate::framework::Framework>,
}

/// Id -> (index, `file:line`) of the operating-cycle records, for links and duplicates.
#[derive(Default)]
struct CycleIds {
    audits: Ids<AuditIdx>,
    findings: Ids<FindingIdx>,
    corrective_actions: Ids<usize>,
    reviews: Ids<usize>,
    documents: Ids<usize>,
    people: Ids<PersonIdx>,
    accounts: Ids<usize>,
}

/// Id -> (index, where the record was read), for links and duplicates.
type Ids<I> = HashMap<String, (I, Origin)>;

type Handler = fn(&mut Loader, &mut Record<'_, '_>);

/// The records of one kind that could not be read: a reference to one of them is not an
/// error of its own (the record's error says it all). When a record failed before its id was
/// known (a ragged row, a missing id column, an unreadable file), no reference to the kind can
/// be judged, and none is reported.
#[derive(Debug, Default)]
pub(crate) struct Failed {
    ids: HashSet<String>,
    incomplete: bool,
}

impl Failed {
    /// Notes a record that failed, by its id when it has one.
    fn add(&mut self, id: Option<String>) {
        match id {
            Some(id) => {
                self.ids.insert(id);
            }
            None => self.incomplete = true,
        }
    }

    /// Whether an unknown reference to `id` is explained by a record that failed.
    pub(crate) fn explains(&self, id: &str) -> bool {
        self.incomplete || self.ids.contains(id)
    }
}

/// The inventory kinds in reading order: each one's fields, the fields every record needs,
/// what other columns become, and the field naming a record.
pub(crate) struct Kind {
    pub schema: Schema<'static>,
    /// Reads a record and links it; `None` for assets, which are read in parallel and
    /// linked after (see `read_source`).
    pub handler: Option<Handler>,
    pub id_field: &'static str,
}

pub(crate) const ASSETS: usize = 0;
pub(crate) const THREATS: usize = 1;
pub(crate) const RISKS: usize = 2;
pub(crate) const AUDITS: usize = 5;
pub(crate) const FINDINGS: usize = 6;
pub(crate) const PEOPLE: usize = 10;

const fn kind(
    fields: &'static [&'static str],
    required: &'static [&'static str],
    extras: Extras,
    handler: Option<Handler>,
    id_field: &'static str,
) -> Kind {
    Kind {
        schema: Schema {
            fields,
            required,
            extras,
        },
        handler,
        id_field,
    }
}

const IGNORED: Extras = Extras::Ignored;

/// Every kind, in the order they are read (references point backwards).
pub(crate) static KINDS: [Kind; 12] = [
    kind(
        ASSET_FIELDS,
        &["id", "type"],
        Extras::Attributes,
        None,
        "id",
    ),
    kind(
        THREAT_FIELDS,
        &["id", "likelihood"],
        IGNORED,
        Some(Loader::threat),
        "id",
    ),
    kind(
        RISK_FIELDS,
        &["id", "assets"],
        IGNORED,
        Some(Loader::risk),
        "id",
    ),
    kind(ACTION_FIELDS, &["id"], IGNORED, Some(Loader::action), "id"),
    kind(
        SOA_FIELDS,
        &["control", "applicable"],
        IGNORED,
        Some(Loader::soa_entry),
        "control",
    ),
    kind(AUDIT_FIELDS, &["id"], IGNORED, Some(Loader::audit), "id"),
    kind(
        FINDING_FIELDS,
        &["id", "type"],
        IGNORED,
        Some(Loader::finding),
        "id",
    ),
    kind(
        CORRECTIVE_ACTION_FIELDS,
        &["id", "findings"],
        IGNORED,
        Some(Loader::corrective_action),
        "id",
    ),
    kind(
        REVIEW_FIELDS,
        &["id", "date"],
        IGNORED,
        Some(Loader::review),
        "id",
    ),
    kind(
        DOCUMENT_FIELDS,
        &["id"],
        IGNORED,
        Some(Loader::document),
        "id",
    ),
    kind(PERSON_FIELDS, &["id"], IGNORED, Some(Loader::person), "id"),
    kind(
        ACCOUNT_FIELDS,
        &["id", "person", "system"],
        IGNORED,
        Some(Loader::account),
        "id",
    ),
];

impl Loader {
    fn new(files: Files, manifest: SourceFile) -> Self {
        Loader {
            files,
            catalog: Catalog::builtin(CatalogId::Iso27001_2022),
            sources: vec![Arc::new(manifest)],
            current: SourceIdx(0),
            diags: Diagnostics::default(),
            unread: Vec::new(),
            failed: Default::default(),
            current_kind: 0,
            manifest: None,
            profile: None,
            risk_model: RiskModel::default(),
            scale_l: 5,
            scale_i: 5,
            rulesets: Vec::new(),
            plugins: Vec::new(),
            scope_filter: None,
            threat_filters: Vec::new(),
            builtin_threat_count: 0,
            as_of: None,
            assets: Vec::new(),
            asset_ids: HashMap::new(),
            rows_hint: 0,
            pending_dependencies: Vec::new(),
            threats: Vec::new(),
            threat_ids: HashMap::new(),
            risks: Vec::new(),
            risk_ids: HashMap::new(),
            actions: Vec::new(),
            action_ids: HashMap::new(),
            soa: Vec::new(),
            soa_ids: HashMap::new(),
            soa_undecided: Vec::new(),
            cycle: crate::cycle::Cycle::default(),
            cycle_ids: CycleIds::default(),
            frameworks: Vec::new(),
        }
    }

    fn run(&mut self) {
        let Some(manifest) =
            crate::input::parse_toml::<Manifest>(&self.sources[0], &mut self.diags)
        else {
            return;
        };
        self.catalog = Catalog::builtin(manifest::catalog(
            &manifest,
            &self.sources[0],
            &mut self.diags,
        ));
        let (model, matrix_source) = manifest::risk_model(
            &manifest.risk,
            &self.sources[0],
            &self.files,
            &mut self.diags,
        );
        if let Some(source) = matrix_source {
            self.sources.push(Arc::new(source));
        }
        self.scale_l = model.matrix.max_likelihood();
        self.scale_i = model.matrix.max_impact();
        let max_level = model.matrix.max_level();
        self.risk_model = model;
        let manifest_source = Arc::clone(&self.sources[0]);
        self.frameworks = crate::framework::load::load_custom(
            &manifest.frameworks,
            &manifest_source,
            &self.files,
            self.catalog,
            &mut self.diags,
            &mut self.sources,
        );
        if let Some(idx) = self.open(&manifest.workspace.profile) {
            self.profile = manifest::profile(
                &self.sources[idx.index()],
                self.catalog,
                max_level,
                &self.frameworks,
                &mut self.diags,
            );
        }
        let (sets, sources) = ruleset::load_all(
            &manifest.workspace.rulesets,
            &self.sources[0],
            &self.files,
            self.scale_l.min(self.scale_i),
            self.catalog,
            &mut self.diags,
        );
        self.rulesets = sets;
        self.sources.extend(sources.into_iter().map(Arc::new));
        if let Some(filter) = &manifest.scope.filter {
            self.scope_filter =
                ruleset::compile_expr(&self.sources[0], filter, "scope.filter", &mut self.diags);
        }
        if self.risk_model.builtin_threats {
            self.read_builtin_threats();
        }
        if self.files.in_memory() {
            for pin in &manifest.plugins {
                let at = pin.path.span();
                self.diags.push(
                    manifest_source
                        .error_at(
                            "load::plugin",
                            at.start,
                            at.len(),
                            None,
                            "plugins are loaded from a directory; this workspace was given in memory",
                        )
                        .with_help("load the workspace from its directory to use plugins"),
                );
            }
        }
        let pins = if self.files.in_memory() {
            &[][..]
        } else {
            &manifest.plugins[..]
        };
        self.plugins = crate::plugin::load_plugins(
            pins,
            &manifest_source,
            self.files.root(),
            manifest.plugin_limits.as_ref(),
            &mut self.diags,
            &mut self.sources,
        );
        let inputs = &manifest.inputs;
        self.cycle.config = manifest.cycle.config(&self.sources[0], &mut self.diags);
        self.cycle.inputs = crate::cycle::CycleInputs {
            audits: inputs.audits.is_some(),
            findings: inputs.findings.is_some(),
            corrective_actions: inputs.corrective_actions.is_some(),
            management_reviews: inputs.management_reviews.is_some(),
            documents: inputs.documents.is_some(),
            people: inputs.people.is_some(),
            accounts: inputs.accounts.is_some(),
        };
        manifest::check_file_sections(&manifest, &self.sources[0], &mut self.diags);
        let entries: [Option<&FileNames>; 12] = [
            Some(&inputs.assets),
            inputs.threats.as_ref(),
            inputs.risks.as_ref(),
            inputs.treatment_plan.as_ref(),
            inputs.soa.as_ref(),
            inputs.audits.as_ref(),
            inputs.findings.as_ref(),
            inputs.corrective_actions.as_ref(),
            inputs.management_reviews.as_ref(),
            inputs.documents.as_ref(),
            inputs.people.as_ref(),
            inputs.accounts.as_ref(),
        ];
        for (i, files) in entries.into_iter().enumerate() {
            self.current_kind = i;
            for entry in files.into_iter().flat_map(manifest::file_names) {
                let options = manifest::file_options(
                    &manifest,
                    entry.get_ref(),
                    &manifest_source,
                    &mut self.diags,
                );
                self.read_records(&entry, &options);
            }
            if i == ASSETS {
                self.link_dependencies();
                self.check_dependency_cycles();
            }
        }
        if let Some(v) = &manifest.workspace.as_of {
            self.as_of = manifest::date(v, &self.sources[0], &mut self.diags);
        }
        self.manifest = Some(manifest);
    }

    /// Reads the built-in threat catalog, compiled into the binary.
    fn read_builtin_threats(&mut self) {
        const BUILTIN: &str = include_str!("../../../rulesets/threats/builtin.csv");
        let name = "builtin:threats.csv";
        let Ok(source) = SourceFile::from_bytes(name.into(), name.into(), BUILTIN.as_bytes())
        else {
            return;
        };
        self.sources.push(Arc::new(source));
        let idx = SourceIdx(self.sources.len() as u32 - 1);
        self.current_kind = THREATS;
        self.read_source(idx, Format::Csv, &FileOptions::default(), None);
        self.builtin_threat_count = self.threats.len();
    }

    /// Reads a file the manifest names (see [`SourceFile::read_named`]).
    fn open(&mut self, name: &toml::Spanned<String>) -> Option<SourceIdx> {
        match self.sources[0].read_named(&self.files, name) {
            Ok(source) => {
                self.sources.push(Arc::new(source));
                Some(SourceIdx(self.sources.len() as u32 - 1))
            }
            Err(d) => {
                self.unread_file(name.get_ref(), *d);
                None
            }
        }
    }

    /// Records that a file of the kind being read could not be read.
    fn unread_file(&mut self, name: &str, d: Diagnostic) {
        let display = d
            .location
            .as_ref()
            .map_or_else(|| name.to_owned(), |l| l.file.clone());
        self.unread.push((display, self.sources.len()));
        self.failed[self.current_kind].incomplete = true;
        self.diags.push(d);
    }

    /// Reads the records of an `[inputs]` entry (a file, or a workbook's sheet) with its
    /// options.
    fn read_records(&mut self, entry: &toml::Spanned<String>, options: &FileOptions) {
        let (file, _) = manifest::split_entry(entry.get_ref());
        let span = entry.span();
        let Some(format) = Format::of(Path::new(file)) else {
            let d = self.sources[0]
                .error_at(
                    "load::format",
                    span.start,
                    span.len(),
                    None,
                    format!("cannot tell the format of `{}`", entry.get_ref()),
                )
                .with_help("name input files .csv, .json, .ndjson, .jsonl, .xlsx, .xlsm or .ods");
            self.unread_file(file, d);
            return;
        };
        let Format::Workbook(kind) = format else {
            let name = toml::Spanned::new(span, file.to_owned());
            let Some(idx) = self.open(&name) else { return };
            self.read_source(idx, format, options, None);
            return;
        };
        let path = self.files.root().join(file);
        let manifest = Arc::clone(&self.sources[0]);
        let at_entry = |message: String| {
            manifest.error_at("load::workbook", span.start, span.len(), None, message)
        };
        let bytes = match self.files.read(&path) {
            Ok(bytes) => bytes.into_owned(),
            Err(e) => {
                let d = at_entry(format!("cannot read {file}: {e}"))
                    .with_help("check that the file exists and that the manifest names it right");
                self.unread_file(file, d);
                return;
            }
        };
        let sheet = match workbook::read_sheet(&bytes, kind, options.sheet.as_deref()) {
            Ok(sheet) => sheet,
            Err(message) => {
                let d = at_entry(format!("{file}: {message}"));
                self.unread_file(file, d);
                return;
            }
        };
        let display = format!(
            "{}!{}",
            crate::input::display_path(&path, self.files.root()),
            sheet.name
        );
        self.sources
            .push(Arc::new(SourceFile::binary(path, display, &bytes)));
        drop(bytes);
        let idx = SourceIdx(self.sources.len() as u32 - 1);
        self.rows_hint = sheet.rows.len();
        self.read_source(idx, format, options, Some(&sheet));
    }

    fn read_source(
        &mut self,
        idx: SourceIdx,
        format: Format,
        options: &FileOptions,
        sheet: Option<&workbook::Sheet>,
    ) {
        self.current = idx;
        let kind = &KINDS[self.current_kind];
        // Records borrow the source while handlers mutate the loader, so hold it by Arc and
        // let the record carry the diagnostics sink.
        let source = Arc::clone(&self.sources[idx.index()]);
        if sheet.is_none() {
            self.rows_hint = match format {
                Format::Csv | Format::Ndjson => source.text.bytes().filter(|b| *b == b'\n').count(),
                Format::Json | Format::Workbook(_) => 0,
            };
        }
        let input = Input {
            source: &source,
            format,
            schema: kind.schema,
            options,
            sheet,
        };
        let mut diags = std::mem::take(&mut self.diags);
        let errors_before = diags.error_count();
        let mut record_errors = 0;
        let id_field = kind.id_field;
        let kind_index = self.current_kind;
        match kind.handler {
            Some(handler) => crate::input::read_records(&input, &mut diags, |r| {
                let before = r.error_count();
                handler(self, r);
                let added = r.error_count() - before;
                if added > 0 {
                    record_errors += added;
                    self.failed[kind_index].add(r.text(id_field));
                }
            }),
            // Assets, most of a large workspace: converted in parallel, registered in order.
            None => {
                let (scale_i, current) = (self.scale_i, self.current);
                crate::input::read_records_parallel(
                    &input,
                    &mut diags,
                    |r| {
                        let before = r.error_count();
                        let row = inventory::asset_row(r, scale_i, current);
                        let errors = r.error_count() - before;
                        let id = (errors > 0).then(|| r.text(id_field));
                        (row, errors, id)
                    },
                    |(row, mut added, mut id), diags| {
                        if let Some(Err(taken)) = row.map(|row| self.add_asset(row)) {
                            let (d, taken) = *taken;
                            diags.push(d);
                            added += 1;
                            id.get_or_insert(Some(taken));
                        }
                        if added > 0 {
                            record_errors += added;
                            self.failed[kind_index].add(id.flatten());
                        }
                    },
                );
            }
        }
        // Errors outside records (the header, a ragged row, malformed text) lose records
        // whose ids are unknown.
        if diags.error_count() - errors_before > record_errors {
            self.failed[kind_index].incomplete = true;
        }
        self.diags = diags;
    }

    /// Dependencies must form a DAG: impact flows along them, so a cycle has no answer.
    fn check_dependency_cycles(&mut self) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let mut mark = vec![Mark::New; self.assets.len()];
        for start in 0..self.assets.len() {
            if mark[start] != Mark::New {
                continue;
            }
            // Iterative depth-first search; `path` holds the open chain for naming the cycle.
            let mut path: Vec<(usize, usize)> = vec![(start, 0)];
            mark[start] = Mark::Open;
            while let Some(&mut (node, ref mut next)) = path.last_mut() {
                let deps = &self.assets[node].depends_on;
                if *next < deps.len() {
                    let dep = deps[*next].index();
                    *next += 1;
                    match mark[dep] {
                        Mark::New => {
                            mark[dep] = Mark::Open;
                            path.push((dep, 0));
                        }
                        Mark::Open => {
                            let from = path.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                            let mut names: Vec<&str> = path[from..]
                                .iter()
                                .map(|(n, _)| self.assets[*n].id.as_str())
                                .collect();
                            names.push(&self.assets[dep].id);
                            let origin = self.assets[dep].origin;
                            let message = format!("dependency cycle: {}", names.join(" -> "));
                            let d = self.error_at_origin("load::dependency-cycle", origin, "depends_on", message)
                                .with_help("impact is inherited along depends_on, so the dependencies must not loop; remove one edge");
                            self.diags.push(d);
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    path.pop();
                }
            }
        }
    }

    /// Orders diagnostics by file (manifest order) and position, whatever stage found them.
    fn sort_diagnostics(&mut self) {
        let rank: HashMap<&str, usize> = self
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.display.as_str(), i))
            .collect();
        // A file that could not be read sorts where it would have been read.
        let unread: HashMap<&str, usize> = self
            .unread
            .iter()
            .map(|(file, read_before)| (file.as_str(), read_before * 2))
            .collect();
        let key = |d: &Diagnostic| match &d.location {
            Some(l) => (
                rank.get(l.file.as_str())
                    .map(|r| r * 2 + 1)
                    .or_else(|| unread.get(l.file.as_str()).copied())
                    .unwrap_or(usize::MAX - 1),
                l.line,
                l.column,
            ),
            None => (usize::MAX, 0, 0),
        };
        self.diags.sort_by_key(key);
    }

    /// An error at the start of the line a record begins on.
    fn error_at_origin(
        &self,
        code: &'static str,
        origin: Origin,
        field: &str,
        message: String,
    ) -> Diagnostic {
        let source = &self.sources[origin.source.index()];
        if !source.text.is_empty() || origin.line == 0 {
            let offset = source.line_offset(origin.line);
            return source.error_at(code, offset, 0, Some(field), message);
        }
        // A worksheet row.
        Diagnostic::error(code, message).at(
            crate::diag::Location::cell(
                source.display.clone(),
                origin.line,
                1,
                Some(field.to_owned()),
            ),
            None,
        )
    }

    /// Per threat: the controls the rule sets say mitigate it. A mitigation naming a threat
    /// the workspace lacks is a warning (a built-in set's links to built-in threats are
    /// silently unused when `builtin_threats = false`).
    fn link_mitigations(&mut self) -> Vec<crate::riskmodel::ThreatMitigation> {
        let mut out = vec![crate::riskmodel::ThreatMitigation::default(); self.threats.len()];
        for set in &self.rulesets {
            for m in &set.mitigations {
                match self.threat_ids.get(&m.threat) {
                    Some((t, _)) => {
                        let entry = &mut out[t.index()];
                        entry.add(&m.likelihood, &m.impact);
                        entry.why.push((m.origin.to_string(), m.why.clone()));
                    }
                    None if set.name.starts_with("builtin:") => {}
                    None => self.diags.push(
                        Diagnostic::error(
                            "load::unknown-reference",
                            format!(
                                "{}: the mitigation names threat `{}`, which the workspace does not have; it is ignored",
                                m.origin, m.threat
                            ),
                        )
                        .warning(),
                    ),
                }
            }
        }
        out
    }

    fn finish(mut self) -> Result<Loaded, LoadError> {
        let mitigations = self.link_mitigations();
        self.sort_diagnostics();
        let (Some(manifest), Some(profile), false) =
            (self.manifest, self.profile, self.diags.has_errors())
        else {
            return Err(LoadError {
                diagnostics: self.diags,
            });
        };
        let index = WorkspaceIndex::new(self.asset_ids, self.threat_ids, self.risk_ids);
        let workspace = Workspace {
            name: manifest
                .workspace
                .name
                .clone()
                .unwrap_or_else(|| profile.name.clone()),
            root: self.files.root().to_owned(),
            catalog: self.catalog,
            as_of: self.as_of,
            rulesets: self.rulesets,
            plugins: self.plugins,
            risk_model: self.risk_model,
            scope_filter: self.scope_filter,
            threat_filters: self.threat_filters,
            mitigations,
            placeholders: manifest::placeholders(&manifest.gaps),
            scope: manifest::scope(&manifest),
            profile,
            assets: self.assets,
            threats: self.threats,
            risks: self.risks,
            actions: self.actions,
            soa: self.soa,
            soa_undecided: self.soa_undecided,
            cycle: self.cycle,
            frameworks: self.frameworks,
            sources: self.sources,
            index,
        };
        Ok(Loaded {
            workspace,
            warnings: self.diags,
        })
    }
}
