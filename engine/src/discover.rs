//! What the active rules read, and the threat catalog: every rule of a workspace's rule sets
//! with the record fields, asset attributes and organisation facts it reads, each fact and
//! attribute with its meaning (from the rule set's `[facts]`/`[attributes]`) and the rules that
//! read it, and every threat with what it applies to and what it harms. So that a new user
//! learns which profile facts and inventory columns matter without reading the rule sets
//! (`isms rules`, `isms init`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Catalog, CatalogId, ControlIdx};
use crate::diag::LoadError;
use crate::rules::expr::Expr;
use crate::rules::reads::Reads;
use crate::rules::records::WELL_KNOWN_FACTS;
use crate::rules::ruleset::{Documented, Example, RuleOrigin, RuleSet};
use crate::workspace::Workspace;

/// Everything a workspace's rules read, and its threats.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    /// The Annex A edition (`iso27001-2022`).
    pub catalog: &'static str,
    pub rulesets: Vec<RuleSetInfo>,
    pub rules: Vec<RuleInfo>,
    /// Organisation facts (`profile.toml` `[facts]`), by name.
    pub facts: Vec<NameInfo>,
    /// Free asset attributes (inventory columns), by name.
    pub attributes: Vec<NameInfo>,
    pub threats: Vec<ThreatInfo>,
}

/// A rule set.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSetInfo {
    pub id: String,
    /// `builtin:<id>` or the path the manifest names.
    pub name: String,
    pub version: String,
    pub description: String,
}

/// The kinds of rule of a rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    ScopeFilter,
    RiskRule,
    Check,
    Applicability,
    Exclusion,
}

impl RuleKind {
    /// As the rule set file names it (`risk_rule`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::ScopeFilter => "scope_filter",
            RuleKind::RiskRule => "risk_rule",
            RuleKind::Check => "check",
            RuleKind::Applicability => "applicability",
            RuleKind::Exclusion => "exclusion",
        }
    }
}

/// One rule and what it reads.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    /// The id of its rule set.
    pub ruleset: String,
    pub kind: RuleKind,
    pub id: String,
    /// The CEL condition.
    pub when: String,
    pub reads: Reads,
    /// Its reason, message or justification.
    pub says: String,
    /// The controls it makes applicable or excludes.
    pub controls: Vec<String>,
    /// `file:line` of its definition.
    pub at: String,
}

/// A fact or attribute: its meaning when a rule set documents it, and who reads it.
#[derive(Debug, Clone, Serialize)]
pub struct NameInfo {
    pub name: String,
    pub meaning: Option<String>,
    /// A value of the right type, as the rule set gives it.
    pub example: Option<Example>,
    /// The value rules see when the input leaves it out: `false` for the facts the engine
    /// knows ([`WELL_KNOWN_FACTS`]); otherwise none, and a rule reading it fails there
    /// (reported, and skipped) for a fact, or must guard it with `has()` for an attribute.
    pub when_absent: Option<Example>,
    /// Ids of the rules (and, for attributes, threats) that read it.
    pub read_by: Vec<String>,
}

/// A threat of the workspace's catalog (built-in and its own).
#[derive(Debug, Clone, Serialize)]
pub struct ThreatInfo {
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    /// Base likelihood.
    pub likelihood: u8,
    /// The properties it harms: `c`, `i`, `a`.
    pub affects: Vec<&'static str>,
    /// The CEL filter of the assets it applies to.
    pub applies_to: String,
    pub reads: Reads,
    pub description: Option<String>,
    /// `file:line` it was read from (`builtin:threats.csv:5` for a built-in one).
    pub at: String,
}

/// Every rule of `sets` with what it reads, in file order per set and kind; control ids as
/// `catalog` (the one the sets were compiled against) names them.
pub fn rules(sets: &[RuleSet], catalog: &Catalog) -> Vec<RuleInfo> {
    let mut out = Vec::new();
    for set in sets {
        let mut push = |kind: RuleKind,
                        id: &str,
                        when: &Expr,
                        says: &str,
                        controls: &[ControlIdx],
                        at: &RuleOrigin| {
            out.push(RuleInfo {
                ruleset: set.id.clone(),
                kind,
                id: id.to_owned(),
                when: when.source().to_owned(),
                reads: Reads::of(when.reads().iter().map(String::as_str)),
                says: says.to_owned(),
                controls: controls
                    .iter()
                    .map(|c| catalog.control(*c).id.clone())
                    .collect(),
                at: at.to_string(),
            });
        };
        for r in &set.scope_filters {
            push(
                RuleKind::ScopeFilter,
                &r.id,
                &r.exclude,
                &r.reason,
                &[],
                &r.origin,
            );
        }
        for r in &set.risk_rules {
            push(
                RuleKind::RiskRule,
                &r.id,
                &r.when,
                &r.reason,
                &[],
                &r.origin,
            );
        }
        for r in &set.checks {
            push(RuleKind::Check, &r.id, &r.when, &r.message, &[], &r.origin);
        }
        for r in &set.applicability {
            push(
                RuleKind::Applicability,
                &r.id,
                &r.when,
                &r.justification,
                &r.controls,
                &r.origin,
            );
        }
        for r in &set.exclusions {
            push(
                RuleKind::Exclusion,
                &r.id,
                &r.when,
                &r.justification,
                &r.controls,
                &r.origin,
            );
        }
    }
    out
}

/// What the rules and threats of `ws` read, with the meanings its rule sets document.
pub fn discover(ws: &Workspace) -> Discovery {
    let catalog = ws.catalog();
    let rules = rules(ws.rulesets(), catalog);
    let threats: Vec<ThreatInfo> = ws
        .threats()
        .iter()
        .zip(ws.threat_filters())
        .map(|(t, filter)| ThreatInfo {
            id: t.id.clone(),
            name: t.name.clone(),
            category: t.category.clone(),
            likelihood: t.likelihood,
            affects: [
                (t.affects.confidentiality, "c"),
                (t.affects.integrity, "i"),
                (t.affects.availability, "a"),
            ]
            .into_iter()
            .filter_map(|(on, letter)| on.then_some(letter))
            .collect(),
            applies_to: t.applies_to.clone(),
            reads: Reads::of(filter.reads().iter().map(String::as_str)),
            description: t.description.clone(),
            at: ws.cite(t.origin).to_string(),
        })
        .collect();

    let mut facts: BTreeMap<String, NameInfo> = BTreeMap::new();
    let mut attributes: BTreeMap<String, NameInfo> = BTreeMap::new();
    for set in ws.rulesets() {
        document(&mut facts, &set.facts);
        document(&mut attributes, &set.attributes);
    }
    for r in &rules {
        read_by(&mut facts, &r.reads.facts, &r.id);
        read_by(&mut attributes, &r.reads.attributes, &r.id);
    }
    for t in &threats {
        read_by(&mut facts, &t.reads.facts, &t.id);
        read_by(&mut attributes, &t.reads.attributes, &t.id);
    }
    for f in facts.values_mut() {
        if WELL_KNOWN_FACTS.contains(&f.name.as_str()) {
            f.when_absent = Some(Example::Bool(false));
        }
    }
    Discovery {
        catalog: catalog.id.as_str(),
        rulesets: ws
            .rulesets()
            .iter()
            .map(|s| RuleSetInfo {
                id: s.id.clone(),
                name: s.name.clone(),
                version: s.version.clone(),
                description: s.description.clone(),
            })
            .collect(),
        rules,
        facts: facts.into_values().collect(),
        attributes: attributes.into_values().collect(),
        threats,
    }
}

/// Adds what a rule set documents; the first set that documents a name gives its meaning.
fn document(into: &mut BTreeMap<String, NameInfo>, documented: &BTreeMap<String, Documented>) {
    for (name, d) in documented {
        into.entry(name.clone()).or_insert_with(|| NameInfo {
            name: name.clone(),
            meaning: Some(d.meaning.clone()),
            example: Some(d.example.clone()),
            when_absent: None,
            read_by: Vec::new(),
        });
    }
}

fn read_by(into: &mut BTreeMap<String, NameInfo>, names: &[String], reader: &str) {
    for name in names {
        let entry = into.entry(name.clone()).or_insert_with(|| NameInfo {
            name: name.clone(),
            meaning: None,
            example: None,
            when_absent: None,
            read_by: Vec::new(),
        });
        if !entry.read_by.iter().any(|r| r == reader) {
            entry.read_by.push(reader.to_owned());
        }
    }
}

/// The built-in rule sets that fit a catalog: the 2022 rule set names 2022 controls, so a
/// 2013 workspace has none.
pub fn builtin_rulesets(catalog: CatalogId) -> Vec<String> {
    match catalog {
        CatalogId::Iso27001_2022 => crate::rules::ruleset::BUILTIN
            .iter()
            .map(|(id, _)| format!("builtin:{id}"))
            .collect(),
        CatalogId::Iso27001_2013 => Vec::new(),
    }
}

/// What the built-in rule sets of `catalog` and the built-in threats read, without a
/// workspace (a minimal one is assembled in memory).
pub fn builtin(catalog: CatalogId) -> Result<Discovery, LoadError> {
    let rulesets: Vec<String> = builtin_rulesets(catalog)
        .iter()
        .map(|r| toml::Value::String(r.clone()).to_string())
        .collect();
    let manifest = format!(
        "[workspace]\ncatalog = \"{}\"\nprofile = \"profile.toml\"\nrulesets = [{}]\n\n[inputs]\nassets = \"assets.csv\"\n",
        catalog.as_str(),
        rulesets.join(", ")
    );
    let files = crate::input::Files::memory([
        ("isms.toml", manifest.into_bytes()),
        ("profile.toml", b"name = \"built-in\"\n".to_vec()),
        ("assets.csv", b"id,type\n".to_vec()),
    ]);
    let loaded = crate::load::load_files(files)?;
    Ok(discover(&loaded.workspace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_rules_document_every_fact_and_attribute_they_read() {
        let d = builtin(CatalogId::Iso27001_2022).unwrap();
        assert!(!d.rules.is_empty() && d.threats.len() >= 30);
        for n in d.facts.iter().chain(&d.attributes) {
            assert!(n.meaning.is_some(), "{} is read but not documented", n.name);
            assert!(
                !n.read_by.is_empty(),
                "{} is documented but never read",
                n.name
            );
        }
        let fact = |name: &str| d.facts.iter().find(|f| f.name == name).unwrap();
        assert_eq!(
            fact("develops_software").read_by,
            ["AP-SECURE-DEVELOPMENT", "EX-NO-DEVELOPMENT"]
        );
        assert_eq!(fact("has_premises").when_absent, Some(Example::Bool(false)));
        let internet = d
            .attributes
            .iter()
            .find(|a| a.name == "internet_facing")
            .unwrap();
        // Rules and threats that read it.
        assert!(internet.read_by.contains(&"RR-INTERNET-EXPOSED".to_owned()));
        assert!(internet.read_by.contains(&"TH-05".to_owned()));
        let crypto = d.rules.iter().find(|r| r.id == "AP-CRYPTO").unwrap();
        assert_eq!(crypto.controls, ["A.8.24"]);
        assert_eq!(
            crypto.reads.fields,
            [
                "inventory.classifications.confidential",
                "inventory.classifications.restricted"
            ]
        );
        let th05 = d.threats.iter().find(|t| t.id == "TH-05").unwrap();
        assert_eq!(th05.affects, ["c", "i"]);
        assert_eq!(th05.reads.attributes, ["internet_facing"]);
        assert!(th05.at.starts_with("builtin:threats.csv:"), "{}", th05.at);
    }

    #[test]
    fn a_2013_catalog_has_no_builtin_rules_but_the_threats() {
        let d = builtin(CatalogId::Iso27001_2013).unwrap();
        assert!(d.rules.is_empty() && d.facts.is_empty());
        assert!(!d.threats.is_empty());
    }
}
