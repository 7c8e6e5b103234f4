//! What a workspace holds, in counts: the answer of `isms check`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::ImplementationStatus;
use crate::rules::expr::{Expr, Path};
use crate::workspace::Workspace;

/// Counts of a workspace's records, by the categories an ISMS manager looks at first.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub name: String,
    pub organisation: String,
    pub catalog: String,
    pub catalog_controls: usize,
    pub scope: String,
    pub assets: usize,
    pub assets_by_type: BTreeMap<String, usize>,
    pub assets_by_classification: BTreeMap<String, usize>,
    pub locations: usize,
    pub owners: usize,
    pub dependencies: usize,
    pub threats: usize,
    pub risks: usize,
    pub risks_by_treatment: BTreeMap<String, usize>,
    pub actions: usize,
    pub actions_by_status: BTreeMap<String, usize>,
    pub soa_entries: usize,
    pub soa_applicable: usize,
    pub soa_implemented: usize,
    pub requirements: usize,
    /// The frameworks the workspace can evaluate (built-in and its own), declared ones marked.
    pub frameworks: Vec<FrameworkSummary>,
    /// Plugins as `id version`.
    pub plugins: Vec<String>,
    pub files: Vec<FileSummary>,
    /// Every rule expression and the path it runs on.
    pub rules: Vec<RulePath>,
}

/// A framework the workspace can evaluate, in counts.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkSummary {
    pub id: String,
    pub title: String,
    /// Whether the profile declares it.
    pub declared: bool,
    pub requirements: usize,
    pub control_links: usize,
    pub clause_links: usize,
    /// Requirements the mapping links nothing to.
    pub unmapped: usize,
}

/// Which evaluator runs a rule: `compiled`, or `interpreter` with the reason.
#[derive(Debug, Clone, Serialize)]
pub struct RulePath {
    pub rule: String,
    pub kind: &'static str,
    pub path: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The path of every expression of the workspace: manifest scope filter, threat filters and
/// each rule of each rule set.
pub fn rule_paths(ws: &Workspace) -> Vec<RulePath> {
    let mut exprs: Vec<(String, &'static str, &Expr)> = Vec::new();
    if let Some(f) = &ws.scope_filter {
        exprs.push(("scope.filter".into(), "scope filter", f));
    }
    for (t, f) in ws.threats.iter().zip(&ws.threat_filters) {
        exprs.push((format!("{}.applies_to", t.id), "threat filter", f));
    }
    for set in &ws.rulesets {
        exprs.extend(
            set.scope_filters
                .iter()
                .map(|r| (r.id.clone(), "scope filter", &r.exclude)),
        );
        exprs.extend(
            set.risk_rules
                .iter()
                .map(|r| (r.id.clone(), "risk rule", &r.when)),
        );
        exprs.extend(set.checks.iter().map(|r| (r.id.clone(), "check", &r.when)));
        exprs.extend(
            set.applicability
                .iter()
                .map(|r| (r.id.clone(), "applicability", &r.when)),
        );
        exprs.extend(
            set.exclusions
                .iter()
                .map(|r| (r.id.clone(), "exclusion", &r.when)),
        );
    }
    exprs
        .into_iter()
        .map(|(rule, kind, e)| {
            let (path, reason) = match e.path() {
                Path::Compiled => ("compiled", None),
                Path::Interpreter(why) => ("interpreter", Some(why)),
            };
            RulePath {
                rule,
                kind,
                path,
                reason,
            }
        })
        .collect()
}

/// A file read, with its hash.
#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub sha256: String,
    pub bytes: usize,
}

fn count<K: Ord>(items: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut map = BTreeMap::new();
    for k in items {
        *map.entry(k).or_insert(0) += 1;
    }
    map
}

impl Summary {
    /// Summarises a loaded workspace.
    pub fn of(ws: &Workspace) -> Summary {
        let distinct = |f: &dyn Fn(&crate::model::Asset) -> Option<&String>| {
            ws.assets
                .iter()
                .filter_map(f)
                .collect::<BTreeSet<_>>()
                .len()
        };
        Summary {
            name: ws.name.clone(),
            organisation: ws.profile.name.clone(),
            catalog: ws.catalog.id.to_string(),
            catalog_controls: ws.catalog.controls.len(),
            scope: ws.scope.statement.clone(),
            assets: ws.assets.len(),
            assets_by_type: count(ws.assets.iter().map(|a| a.kind.to_string())),
            assets_by_classification: count(ws.assets.iter().map(|a| {
                a.classification
                    .map_or_else(|| "unclassified".to_owned(), |c| c.to_string())
            })),
            locations: distinct(&|a| a.location.as_ref()),
            owners: distinct(&|a| a.owner.as_ref()),
            dependencies: ws.assets.iter().map(|a| a.depends_on.len()).sum(),
            threats: ws.threats.len(),
            risks: ws.risks.len(),
            risks_by_treatment: count(ws.risks.iter().map(|r| {
                r.treatment
                    .as_ref()
                    .map_or_else(|| "undecided".to_owned(), |t| t.option.to_string())
            })),
            actions: ws.actions.len(),
            actions_by_status: count(ws.actions.iter().map(|a| a.status.to_string())),
            soa_entries: ws.soa.len(),
            soa_applicable: ws.soa.iter().filter(|e| e.applicable).count(),
            soa_implemented: ws
                .soa
                .iter()
                .filter(|e| e.status == ImplementationStatus::Implemented)
                .count(),
            requirements: ws.profile.requirements.len(),
            frameworks: ws
                .frameworks()
                .into_iter()
                .map(|f| {
                    let (control_links, clause_links) = f.link_counts();
                    FrameworkSummary {
                        id: f.id.clone(),
                        title: f.title.clone(),
                        declared: ws.profile.frameworks.contains(&f.id),
                        requirements: f.requirements.len(),
                        control_links,
                        clause_links,
                        unmapped: f.requirements.iter().filter(|r| r.links.is_empty()).count(),
                    }
                })
                .collect(),
            plugins: ws
                .plugins
                .iter()
                .map(|p| format!("{} {}", p.manifest.id, p.manifest.version))
                .collect(),
            files: ws
                .sources
                .iter()
                .map(|s| FileSummary {
                    path: s.display.clone(),
                    sha256: s.sha256.clone(),
                    bytes: s.size,
                })
                .collect(),
            rules: rule_paths(ws),
        }
    }
}
