//! The workspace manifest (`isms.toml`) and the organisation profile it names.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{Catalog, CatalogId};
use crate::diag::{Diagnostic, Diagnostics};
use crate::input::{SourceFile, parse_toml};
use crate::model::{FactValue, Profile, Requirement, RequirementKind, Scope};

/// One input file or several of the same kind (a CMDB export plus a cloud inventory).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileList {
    One(String),
    Many(Vec<String>),
}

/// The files of one kind, with the span of the manifest entry for errors about them.
pub type FileNames = Spanned<FileList>;

/// The file names of an entry, each with the span of the entry.
pub fn file_names(files: &FileNames) -> Vec<Spanned<String>> {
    let names = match files.get_ref() {
        FileList::One(f) => vec![f.clone()],
        FileList::Many(fs) => fs.clone(),
    };
    names
        .into_iter()
        .map(|n| Spanned::new(files.span(), n))
        .collect()
}

/// `isms.toml`, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub workspace: WorkspaceSection,
    #[serde(default)]
    pub scope: ScopeSection,
    #[serde(default)]
    pub risk: RiskSection,
    pub inputs: Inputs,
    /// Sector plugins, each pinned by the sha256 of its component.
    #[serde(default)]
    pub plugins: Vec<crate::plugin::PluginPin>,
    /// Sandbox limits of every plugin call.
    pub plugin_limits: Option<crate::plugin::LimitSettings>,
    /// Intervals of the operating cycle.
    #[serde(default)]
    pub cycle: CycleSection,
    /// Settings of the gap checks.
    #[serde(default)]
    pub gaps: GapsSection,
    /// How each input file is read, keyed by its entry as written under `[inputs]`.
    #[serde(default)]
    pub files: BTreeMap<String, Spanned<FileSection>>,
    /// Frameworks of the organisation's own, mapped to ISO/IEC 27001 (`[[frameworks]]`).
    #[serde(default)]
    pub frameworks: Vec<crate::framework::load::FrameworkEntry>,
}

/// `[files."entry"]`: how one input file is read (see README, "The workspace format").
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSection {
    /// Model field = export header.
    #[serde(default)]
    pub columns: BTreeMap<String, Spanned<String>>,
    /// Attribute name = export header.
    #[serde(default)]
    pub attributes: BTreeMap<String, Spanned<String>>,
    /// Field = the value every record gets.
    #[serde(default)]
    pub constants: BTreeMap<String, Spanned<toml::Value>>,
    /// Field -> export value -> model value.
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, Spanned<String>>>,
    #[serde(default)]
    pub date_formats: Vec<Spanned<String>>,
    pub delimiter: Option<Spanned<String>>,
    pub header_row: Option<Spanned<i64>>,
}

/// An entry of `[inputs]` split into its file and, for a workbook, its sheet
/// (`registers.xlsx#Risk register`).
pub fn split_entry(entry: &str) -> (&str, Option<&str>) {
    match entry.rsplit_once('#') {
        Some((file, sheet))
            if matches!(
                crate::input::Format::of(std::path::Path::new(file)),
                Some(crate::input::Format::Workbook(_))
            ) =>
        {
            (file, Some(sheet))
        }
        _ => (entry, None),
    }
}

/// The options of the entry `entry` (as written under `[inputs]`), its problems reported.
pub fn file_options(
    manifest: &Manifest,
    entry: &str,
    source: &std::sync::Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> crate::input::FileOptions {
    use crate::input::mapping::{Constant, Mapped, ValueMap};
    let (_, sheet) = split_entry(entry);
    let mut options = crate::input::FileOptions {
        entry: entry.to_owned(),
        sheet: sheet.map(str::to_owned),
        manifest: Some(std::sync::Arc::clone(source)),
        ..Default::default()
    };
    let Some(section) = manifest.files.get(entry) else {
        return options;
    };
    let section = section.get_ref();
    let mapped = |map: &BTreeMap<String, Spanned<String>>| -> Vec<Mapped> {
        map.iter()
            .map(|(name, header)| Mapped {
                name: name.clone(),
                header: header.get_ref().clone(),
                span: header.span(),
            })
            .collect()
    };
    options.columns = mapped(&section.columns);
    options.attributes = mapped(&section.attributes);
    for (field, value) in &section.constants {
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                diags.push(spanned_error(
                    source,
                    "load::type",
                    value.span(),
                    format!("constants.{field}: expected text, a number or true/false"),
                ));
                continue;
            }
        };
        options.constants.push(Constant {
            field: field.clone(),
            value: text,
            span: value.span(),
        });
    }
    for (field, map) in &section.values {
        for (from, to) in map {
            options.values.push(ValueMap {
                field: field.clone(),
                from: from.clone(),
                to: to.get_ref().clone(),
                span: to.span(),
            });
        }
    }
    for format in &section.date_formats {
        match crate::input::dates::format_problem(format.get_ref()) {
            None => options.date_formats.push(format.get_ref().clone()),
            Some(problem) => {
                diags.push(spanned_error(source, "load::value", format.span(), problem))
            }
        }
    }
    if let Some(d) = &section.delimiter {
        let text = d.get_ref();
        match text.as_bytes() {
            [b] if !matches!(b, b'"' | b'\n' | b'\r') && b.is_ascii() => {
                options.delimiter = Some(*b)
            }
            _ if text == "\\t" || text.eq_ignore_ascii_case("tab") => {
                options.delimiter = Some(b'\t')
            }
            _ => diags.push(spanned_error(
                source,
                "load::value",
                d.span(),
                format!(
                    "delimiter `{}` is not one character: use \",\", \";\", \"|\" or \"\\t\"",
                    crate::diag::excerpt(text)
                ),
            )),
        }
    }
    if let Some(row) = &section.header_row {
        if (1..=1_048_576).contains(row.get_ref()) {
            options.header_row = Some(*row.get_ref() as u32);
        } else {
            diags.push(spanned_error(
                source,
                "load::value",
                row.span(),
                format!(
                    "header_row {} is out of range: expected 1 to 1048576",
                    row.get_ref()
                ),
            ));
        }
    }
    options
}

/// Reports `[files]` tables that name no entry of `[inputs]`.
pub fn check_file_sections(manifest: &Manifest, source: &SourceFile, diags: &mut Diagnostics) {
    let entries: Vec<String> = manifest
        .inputs
        .all()
        .into_iter()
        .flat_map(file_names)
        .map(|n| n.into_inner())
        .collect();
    for (key, section) in &manifest.files {
        if entries.contains(key) {
            continue;
        }
        let listed = entries
            .iter()
            .map(|e| format!("\"{e}\""))
            .collect::<Vec<_>>()
            .join(", ");
        diags.push(
            spanned_error(
                source,
                "load::mapping",
                section.span(),
                format!("[files.\"{key}\"] names no entry of [inputs]"),
            )
            .with_help(format!(
                "the key is the entry as written under [inputs]: one of {listed}"
            )),
        );
    }
}

/// `[cycle]`: the intervals the operating cycle is judged by; each optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleSection {
    pub audit_interval_months: Option<Spanned<i64>>,
    pub review_interval_months: Option<Spanned<i64>>,
    pub risk_assessment_interval_months: Option<Spanned<i64>>,
    pub document_review_months: Option<Spanned<i64>>,
    pub root_cause_days: Option<Spanned<i64>>,
    pub verification_days: Option<Spanned<i64>>,
    pub horizon_days: Option<Spanned<i64>>,
    pub revocation_days: Option<Spanned<i64>>,
}

impl CycleSection {
    /// The configuration with the defaults filled in; out-of-range values are reported.
    pub fn config(
        &self,
        source: &SourceFile,
        diags: &mut Diagnostics,
    ) -> crate::cycle::CycleConfig {
        let mut c = crate::cycle::CycleConfig::default();
        let months = 1..=120;
        let days = 0..=3650;
        for (given, slot, range, name) in [
            (
                &self.audit_interval_months,
                &mut c.audit_interval_months,
                &months,
                "audit_interval_months",
            ),
            (
                &self.review_interval_months,
                &mut c.review_interval_months,
                &months,
                "review_interval_months",
            ),
            (
                &self.risk_assessment_interval_months,
                &mut c.risk_assessment_interval_months,
                &months,
                "risk_assessment_interval_months",
            ),
            (
                &self.document_review_months,
                &mut c.document_review_months,
                &months,
                "document_review_months",
            ),
            (
                &self.root_cause_days,
                &mut c.root_cause_days,
                &days,
                "root_cause_days",
            ),
            (
                &self.verification_days,
                &mut c.verification_days,
                &days,
                "verification_days",
            ),
            (
                &self.horizon_days,
                &mut c.horizon_days,
                &days,
                "horizon_days",
            ),
            (
                &self.revocation_days,
                &mut c.revocation_days,
                &days,
                "revocation_days",
            ),
        ] {
            let Some(v) = given else { continue };
            if range.contains(v.get_ref()) {
                *slot = *v.get_ref() as u32;
            } else {
                diags.push(spanned_error(
                    source,
                    "load::value",
                    v.span(),
                    format!(
                        "cycle.{name} {} is out of range: expected {} to {}",
                        v.get_ref(),
                        range.start(),
                        range.end()
                    ),
                ));
            }
        }
        c
    }
}

/// `[risk]`: the risk model.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskSection {
    /// `matrix` (default), `classic` or `quantitative`.
    pub method: Option<Spanned<String>>,
    /// A CSV risk matrix; the built-in ISO 27005 5x5 matrix when absent.
    pub matrix: Option<Spanned<String>>,
    pub builtin_threats: Option<bool>,
    pub generate_scenarios: Option<bool>,
    pub classic: Option<ClassicSection>,
    pub quantitative: Option<QuantitativeSection>,
    /// How existing controls lower likelihood and impact.
    pub controls: Option<ControlsSection>,
    /// Share of its scenarios a plugin may move across the appetite before a gap names it.
    pub plugin_appetite_share: Option<Spanned<f64>>,
}

/// `[gaps]`: settings of the gap checks.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GapsSection {
    /// Texts that are no justification and no reference (compared without case and
    /// surrounding punctuation); replaces the default list.
    pub placeholders: Option<Vec<String>>,
}

/// The placeholder texts the gap checks see through: the manifest's list, else the defaults.
pub fn placeholders(section: &GapsSection) -> Vec<String> {
    const DEFAULT: &[&str] = &[
        "n/a",
        "na",
        "n.a.",
        "-",
        "--",
        "?",
        "tbd",
        "tbc",
        "tba",
        "todo",
        "to do",
        "none",
        "nil",
        "null",
        "see above",
        "see below",
        "as above",
        "same as above",
        "idem",
        "ditto",
        "pending",
        "xxx",
        "x",
        "...",
        "not applicable",
        "unknown",
        "various",
        "other",
        "no",
        "yes",
        "ok",
        "default",
    ];
    match &section.placeholders {
        Some(list) => list
            .iter()
            .map(|p| crate::placeholder::placeholder_key(p))
            .collect(),
        None => DEFAULT
            .iter()
            .map(|p| crate::placeholder::placeholder_key(p))
            .collect(),
    }
}

/// `[risk.controls]`: the effect of existing controls (see `riskmodel::mitigation`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlsSection {
    pub likelihood_steps: Option<Spanned<i64>>,
    pub impact_steps: Option<Spanned<i64>>,
    pub implemented: Option<Spanned<f64>>,
    pub partial: Option<Spanned<f64>>,
    pub planned: Option<Spanned<f64>>,
    pub not_implemented: Option<Spanned<f64>>,
    pub excluded: Option<Spanned<f64>>,
    pub missing_evidence: Option<Spanned<f64>>,
    pub stale_evidence: Option<Spanned<f64>>,
    /// `current` (the default) or `inherent`.
    pub register: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassicSection {
    pub formula: Option<Spanned<String>>,
    pub thresholds: Option<Spanned<Vec<f64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantitativeSection {
    pub iterations: Option<Spanned<i64>>,
    pub seed: Option<u64>,
    pub frequency: Option<Spanned<Vec<(f64, f64)>>>,
    pub magnitude: Option<Spanned<Vec<(f64, f64)>>>,
    pub thresholds: Option<Spanned<Vec<f64>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSection {
    /// Display name; the profile's organisation name when absent.
    pub name: Option<String>,
    /// `iso27001-2022` (default) or `iso27001-2013`.
    pub catalog: Option<Spanned<String>>,
    /// The organisation profile, a TOML file.
    pub profile: Spanned<String>,
    /// Rule sets: `builtin:<name>` or a path to a TOML rule file.
    #[serde(default)]
    pub rulesets: Vec<Spanned<String>>,
    /// The date the evaluation is made as of, so that reports are reproducible.
    pub as_of: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeSection {
    #[serde(default)]
    pub statement: String,
    /// CEL filter over `asset`.
    pub filter: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    pub assets: FileNames,
    pub threats: Option<FileNames>,
    pub risks: Option<FileNames>,
    pub treatment_plan: Option<FileNames>,
    pub soa: Option<FileNames>,
    /// The internal audit programme: planned and performed audits.
    pub audits: Option<FileNames>,
    /// Audit findings: nonconformities, observations, opportunities.
    pub findings: Option<FileNames>,
    pub corrective_actions: Option<FileNames>,
    pub management_reviews: Option<FileNames>,
    /// The documents register.
    pub documents: Option<FileNames>,
    /// Joiners, movers and leavers.
    pub people: Option<FileNames>,
    /// User accounts of the people.
    pub accounts: Option<FileNames>,
}

impl Inputs {
    /// Every entry given, in reading order.
    pub fn all(&self) -> Vec<&FileNames> {
        [
            Some(&self.assets),
            self.threats.as_ref(),
            self.risks.as_ref(),
            self.treatment_plan.as_ref(),
            self.soa.as_ref(),
            self.audits.as_ref(),
            self.findings.as_ref(),
            self.corrective_actions.as_ref(),
            self.management_reviews.as_ref(),
            self.documents.as_ref(),
            self.people.as_ref(),
            self.accounts.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// The profile file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    sector: Option<String>,
    #[serde(default)]
    facts: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    requirements: Vec<RequirementEntry>,
    risk_appetite: Option<Spanned<i64>>,
    certification_date: Option<Spanned<toml::Value>>,
    #[serde(default)]
    frameworks: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementEntry {
    id: String,
    kind: Spanned<String>,
    title: String,
    #[serde(default)]
    controls: Vec<Spanned<String>>,
}

fn spanned_error(
    source: &SourceFile,
    code: &'static str,
    span: Range<usize>,
    message: String,
) -> Diagnostic {
    source.error_at(code, span.start, span.len(), None, message)
}

/// Reads the catalog choice; an unknown name is reported and the 2022 catalog assumed.
pub fn catalog(manifest: &Manifest, source: &SourceFile, diags: &mut Diagnostics) -> CatalogId {
    let Some(name) = &manifest.workspace.catalog else {
        return CatalogId::Iso27001_2022;
    };
    CatalogId::parse(name.get_ref()).unwrap_or_else(|| {
        diags.push(
            spanned_error(
                source,
                "load::value",
                name.span(),
                format!("unknown catalog `{}`", name.get_ref()),
            )
            .with_help("use iso27001-2022 or iso27001-2013"),
        );
        CatalogId::Iso27001_2022
    })
}

/// Reads a date given as a TOML date or as `YYYY-MM-DD` text.
pub fn date(
    value: &Spanned<toml::Value>,
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<NaiveDate> {
    let parsed = match value.get_ref() {
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d
            .date
            .and_then(|d| NaiveDate::from_ymd_opt(i32::from(d.year), d.month.into(), d.day.into())),
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
        _ => None,
    };
    if parsed.is_none() {
        diags.push(spanned_error(
            source,
            "load::type",
            value.span(),
            "expected a date as YYYY-MM-DD".to_owned(),
        ));
    }
    parsed
}

/// The scope of the manifest.
pub fn scope(manifest: &Manifest) -> Scope {
    Scope {
        statement: manifest.scope.statement.trim().to_owned(),
        filter: manifest
            .scope
            .filter
            .as_ref()
            .map(|f| f.get_ref().trim().to_owned())
            .filter(|f| !f.is_empty()),
    }
}

/// Reads and validates the organisation profile.
pub fn profile(
    source: &SourceFile,
    catalog: &Catalog,
    max_level: u8,
    custom: &[crate::framework::Framework],
    diags: &mut Diagnostics,
) -> Option<Profile> {
    let file: ProfileFile = parse_toml(source, diags)?;
    let frameworks = declared_frameworks(&file.frameworks, source, catalog, custom, diags);
    let mut facts = BTreeMap::new();
    for (name, value) in file.facts {
        let fact = match value.get_ref() {
            toml::Value::Boolean(b) => FactValue::Bool(*b),
            toml::Value::Integer(i) => FactValue::Int(*i),
            toml::Value::String(s) => FactValue::Text(s.clone()),
            _ => {
                diags.push(spanned_error(
                    source,
                    "load::type",
                    value.span(),
                    format!("fact `{name}` must be true/false, a whole number or text"),
                ));
                continue;
            }
        };
        facts.insert(name, fact);
    }
    let mut requirements = Vec::new();
    for entry in file.requirements {
        let kind = RequirementKind::parse(entry.kind.get_ref()).or_else(|| {
            diags.push(spanned_error(
                source,
                "load::value",
                entry.kind.span(),
                format!(
                    "unknown requirement kind `{}`: expected one of {}",
                    entry.kind.get_ref(),
                    RequirementKind::expected()
                ),
            ));
            None
        });
        let mut controls = Vec::new();
        for c in &entry.controls {
            match catalog.resolve(c.get_ref()) {
                Ok(idx) => controls.push(idx),
                Err((message, help)) => diags.push(
                    spanned_error(source, "load::unknown-reference", c.span(), message)
                        .with_help(help),
                ),
            }
        }
        if let Some(kind) = kind {
            requirements.push(Requirement {
                id: entry.id,
                kind,
                title: entry.title,
                controls,
            });
        }
    }
    let risk_appetite = match file.risk_appetite {
        None => max_level.div_ceil(2),
        Some(v) if (1..=i64::from(max_level)).contains(v.get_ref()) => *v.get_ref() as u8,
        Some(v) => {
            diags.push(spanned_error(
                source,
                "load::value",
                v.span(),
                format!(
                    "risk_appetite {} is not a level of the risk matrix (1 to {max_level})",
                    v.get_ref()
                ),
            ));
            max_level
        }
    };
    let certification_date = file
        .certification_date
        .as_ref()
        .and_then(|d| date(d, source, diags));
    Some(Profile {
        name: file.name,
        sector: file.sector,
        facts,
        requirements,
        risk_appetite,
        certification_date,
        frameworks,
    })
}

/// The frameworks a profile declares, each resolved to a built-in or custom framework of the
/// workspace's catalog; unknown ids are located errors listing the available ones.
fn declared_frameworks(
    given: &[Spanned<String>],
    source: &SourceFile,
    catalog: &Catalog,
    custom: &[crate::framework::Framework],
    diags: &mut Diagnostics,
) -> Vec<String> {
    use crate::framework;
    let mut ids: Vec<String> = Vec::new();
    for name in given {
        let found = custom
            .iter()
            .find(|f| f.id == name.get_ref().trim())
            .or_else(|| framework::builtin_by_id(name.get_ref()));
        let Some(f) = found else {
            let mut available: Vec<&str> =
                framework::builtin().iter().map(|f| f.id.as_str()).collect();
            available.extend(custom.iter().map(|f| f.id.as_str()));
            diags.push(
                spanned_error(
                    source,
                    "load::unknown-reference",
                    name.span(),
                    format!("unknown framework `{}`", crate::diag::excerpt(name.get_ref())),
                )
                .with_help(format!(
                    "available: {}; a framework of your own is named under [[frameworks]] in isms.toml",
                    available.join(", ")
                )),
            );
            continue;
        };
        if f.catalog != catalog.id {
            diags.push(
                spanned_error(
                    source,
                    "load::value",
                    name.span(),
                    format!(
                        "framework `{}` is mapped to {} and this workspace uses {}",
                        f.id, f.catalog, catalog.id
                    ),
                )
                .with_help("convert the workspace with `isms migrate` to use the mapping"),
            );
            continue;
        }
        if !ids.contains(&f.id) {
            ids.push(f.id.clone());
        }
    }
    ids
}

/// Builds the risk model of `[risk]`, reading a custom matrix when one is named.
pub fn risk_model(
    section: &RiskSection,
    manifest: &SourceFile,
    files: &crate::input::Files,
    diags: &mut Diagnostics,
) -> (crate::riskmodel::RiskModel, Option<SourceFile>) {
    use crate::riskmodel::{Formula, Method, Quantitative, RiskMatrix, RiskModel};
    let mut model = RiskModel::default();
    let mut matrix_source = None;
    if let Some(name) = &section.matrix {
        match manifest.read_named(files, name) {
            Ok(source) => {
                if let Some(m) = RiskMatrix::from_csv(&source, diags) {
                    model.matrix = m;
                }
                matrix_source = Some(source);
            }
            Err(d) => diags.push(*d),
        }
    }
    model.builtin_threats = section.builtin_threats.unwrap_or(true);
    model.generate_scenarios = section.generate_scenarios.unwrap_or(true);
    if let Some(c) = &section.controls {
        model.controls = control_settings(c, manifest, model.matrix.max_level(), diags);
    }
    if let Some(share) = &section.plugin_appetite_share {
        model.plugin_appetite_share = fraction(share, "plugin_appetite_share", manifest, diags);
    }
    let levels = usize::from(model.matrix.max_level());
    let thresholds = |t: &Option<Spanned<Vec<f64>>>, default: Vec<f64>, diags: &mut Diagnostics| {
        let Some(t) = t else { return default };
        let ok = t.get_ref().len() + 1 == levels
            && t.get_ref().windows(2).all(|w| w[0] < w[1])
            && t.get_ref().iter().all(|v| v.is_finite());
        if !ok {
            diags.push(spanned_error(
                manifest,
                "load::value",
                t.span(),
                format!("thresholds must be {} ascending numbers, one less than the matrix's {levels} levels", levels - 1),
            ));
        }
        t.get_ref().clone()
    };
    let method = section
        .method
        .as_ref()
        .map_or("matrix", |m| m.get_ref().as_str());
    model.method = match method {
        "matrix" => Method::Matrix,
        "classic" => {
            let formula = section
                .classic
                .as_ref()
                .and_then(|c| c.formula.as_ref())
                .map_or(Some(Formula::Product), |f| {
                    let parsed = Formula::parse(f.get_ref());
                    if parsed.is_none() {
                        diags.push(spanned_error(
                            manifest,
                            "load::value",
                            f.span(),
                            format!(
                                "unknown formula `{}`: expected product, sum or product_with_value",
                                f.get_ref()
                            ),
                        ));
                    }
                    parsed
                })
                .unwrap_or(Formula::Product);
            let given = section.classic.as_ref().and_then(|c| c.thresholds.clone());
            let thresholds = thresholds(&given, formula.default_thresholds(), diags);
            Method::Classic {
                formula,
                thresholds,
            }
        }
        "quantitative" => {
            let mut q = Quantitative::defaults();
            if let Some(qs) = &section.quantitative {
                if let Some(it) = &qs.iterations {
                    if (1..=1_000_000).contains(it.get_ref()) {
                        q.iterations = *it.get_ref() as u32;
                    } else {
                        diags.push(spanned_error(
                            manifest,
                            "load::value",
                            it.span(),
                            "iterations must be 1 to 1000000".to_owned(),
                        ));
                    }
                }
                q.seed = qs.seed.unwrap_or(q.seed);
                for (given, slot, scale, what) in [
                    (
                        &qs.frequency,
                        &mut q.frequency,
                        usize::from(model.matrix.max_likelihood()),
                        "frequency (one range per likelihood value)",
                    ),
                    (
                        &qs.magnitude,
                        &mut q.magnitude,
                        usize::from(model.matrix.max_impact()),
                        "magnitude (one range per impact value)",
                    ),
                ] {
                    if let Some(g) = given {
                        let ok = g.get_ref().len() == scale
                            && g.get_ref()
                                .iter()
                                .all(|(lo, hi)| *lo > 0.0 && lo < hi && hi.is_finite());
                        if !ok {
                            diags.push(spanned_error(
                                manifest,
                                "load::value",
                                g.span(),
                                format!(
                                    "{what} needs {scale} [low, high] pairs with 0 < low < high"
                                ),
                            ));
                        }
                        *slot = g.get_ref().clone();
                    }
                }
                q.thresholds = thresholds(&qs.thresholds, q.thresholds.clone(), diags);
            }
            let scale_fits = q.frequency.len() == usize::from(model.matrix.max_likelihood())
                && q.magnitude.len() == usize::from(model.matrix.max_impact())
                && q.thresholds.len() + 1 == levels;
            if !scale_fits && section.quantitative.is_none() {
                let span = section.method.as_ref().map(|m| m.span()).unwrap_or(0..0);
                diags.push(spanned_error(manifest, "load::value", span, "the default quantitative ranges fit a 5x5 matrix: give [risk.quantitative] frequency, magnitude and thresholds for this matrix".to_owned()));
            }
            Method::Quantitative(q)
        }
        other => {
            let span = section.method.as_ref().map(|m| m.span()).unwrap_or(0..0);
            diags.push(spanned_error(
                manifest,
                "load::value",
                span,
                format!("unknown method `{other}`: expected matrix, classic or quantitative"),
            ));
            Method::Matrix
        }
    };
    (model, matrix_source)
}

/// A number from 0 to 1, else an error at its place (and 1).
fn fraction(v: &Spanned<f64>, name: &str, manifest: &SourceFile, diags: &mut Diagnostics) -> f64 {
    let x = *v.get_ref();
    if (0.0..=1.0).contains(&x) {
        return x;
    }
    diags.push(spanned_error(
        manifest,
        "load::value",
        v.span(),
        format!("{name} must be a number from 0 to 1, not {x}"),
    ));
    1.0
}

/// `[risk.controls]`, checked value by value.
fn control_settings(
    c: &ControlsSection,
    manifest: &SourceFile,
    max_step: u8,
    diags: &mut Diagnostics,
) -> crate::riskmodel::ControlSettings {
    use crate::riskmodel::{ControlSettings, RegisterValues};
    let mut s = ControlSettings::default();
    for (value, name, target) in [
        (
            &c.likelihood_steps,
            "likelihood_steps",
            &mut s.likelihood_steps,
        ),
        (&c.impact_steps, "impact_steps", &mut s.impact_steps),
    ] {
        let Some(v) = value else { continue };
        match u8::try_from(*v.get_ref()) {
            Ok(n) if n < max_step => *target = n,
            _ => diags.push(spanned_error(
                manifest,
                "load::value",
                v.span(),
                format!(
                    "{name} must be a number of steps from 0 to {}",
                    max_step.saturating_sub(1)
                ),
            )),
        }
    }
    for (value, name, target) in [
        (&c.implemented, "implemented", &mut s.implemented),
        (&c.partial, "partial", &mut s.partial),
        (&c.planned, "planned", &mut s.planned),
        (
            &c.not_implemented,
            "not_implemented",
            &mut s.not_implemented,
        ),
        (&c.excluded, "excluded", &mut s.excluded),
        (
            &c.missing_evidence,
            "missing_evidence",
            &mut s.missing_evidence,
        ),
        (&c.stale_evidence, "stale_evidence", &mut s.stale_evidence),
    ] {
        if let Some(v) = value {
            *target = fraction(v, name, manifest, diags);
        }
    }
    if let Some(r) = &c.register {
        match r.get_ref().as_str() {
            "current" => s.register = RegisterValues::Current,
            "inherent" => s.register = RegisterValues::Inherent,
            other => diags.push(spanned_error(
                manifest,
                "load::value",
                r.span(),
                format!("register must be `current` (assessed with existing controls) or `inherent` (before controls), not `{other}`"),
            )),
        }
    }
    s
}
