//! The workspace manifest (`isms.toml`) and the organisation profile it names.

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::source::SourceFile;
use crate::catalog::{Catalog, CatalogId, ControlIdx};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{FactValue, Profile, Requirement, RequirementKind, Scope};

/// One input file or several of the same kind (a CMDB export plus a cloud inventory).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FileList {
    One(String),
    Many(Vec<String>),
}

/// The files of one kind, with the span of the manifest entry for errors about them.
pub type Files = Spanned<FileList>;

/// The file names of an entry, each with the span of the entry.
pub fn file_names(files: &Files) -> Vec<Spanned<String>> {
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
    pub inputs: Inputs,
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
    pub filter: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    pub assets: Files,
    pub threats: Option<Files>,
    pub risks: Option<Files>,
    pub treatment_plan: Option<Files>,
    pub soa: Option<Files>,
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

/// Parses a TOML file, reporting a syntax or shape error at its position.
pub fn parse_toml<T: for<'de> Deserialize<'de>>(
    source: &SourceFile,
    diags: &mut Diagnostics,
) -> Option<T> {
    match toml::from_str::<T>(&source.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            diags.push(spanned_error(
                source,
                "load::toml",
                span,
                e.message().to_owned(),
            ));
            None
        }
    }
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
            .map(|f| f.trim().to_owned())
            .filter(|f| !f.is_empty()),
    }
}

/// Looks a control id up, explaining ids of the other edition.
pub fn resolve_control(catalog: &Catalog, id: &str) -> Result<ControlIdx, (String, String)> {
    if let Some(idx) = catalog.find(id) {
        return Ok(idx);
    }
    let other = catalog.id.other();
    let help = if Catalog::builtin(other).find(id).is_some() {
        format!(
            "`{id}` is a control of {other}; this workspace uses {}: convert it with `isms migrate` or set `catalog` in isms.toml",
            catalog.id
        )
    } else {
        format!("`isms catalog list --catalog {}` lists the valid ids", catalog.id)
    };
    Err((format!("unknown control `{id}` in {}", catalog.id), help))
}

/// Reads and validates the organisation profile.
pub fn profile(
    source: &SourceFile,
    catalog: &Catalog,
    max_level: u8,
    diags: &mut Diagnostics,
) -> Option<Profile> {
    let file: ProfileFile = parse_toml(source, diags)?;
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
            match resolve_control(catalog, c.get_ref()) {
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
    })
}
