//! A loaded, linked workspace: what every later stage of the pipeline reads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::catalog::{Catalog, ControlIdx};
use crate::input::SourceFile;
use crate::model::*;
use crate::riskmodel::RiskModel;
use crate::rules::expr::Expr;
use crate::rules::ruleset::RuleSet;

/// Id -> index maps, built once by the loader.
#[derive(Debug, Default)]
pub struct WorkspaceIndex {
    assets: HashMap<String, AssetIdx>,
    threats: HashMap<String, ThreatIdx>,
    risks: HashMap<String, RiskIdx>,
}

impl WorkspaceIndex {
    pub(crate) fn new(
        assets: HashMap<String, AssetIdx>,
        threats: HashMap<String, ThreatIdx>,
        risks: HashMap<String, RiskIdx>,
    ) -> Self {
        WorkspaceIndex {
            assets,
            threats,
            risks,
        }
    }
}

/// An ISMS workspace after loading: the organisation, its inventories and the catalog they
/// refer to, with every reference resolved to an index.
#[derive(Debug)]
pub struct Workspace {
    /// Display name (the manifest's, else the organisation's).
    pub name: String,
    /// The directory holding `isms.toml`.
    pub root: PathBuf,
    /// The Annex A edition the SoA and the treatment plan use.
    pub catalog: &'static Catalog,
    /// The date the evaluation is made as of, when the manifest pins one.
    pub as_of: Option<NaiveDate>,
    /// The rule sets the manifest names, compiled.
    pub rulesets: Vec<RuleSet>,
    /// Sector plugins, verified and compiled.
    pub plugins: Vec<crate::plugin::Plugin>,
    /// Scales, matrix and scoring method.
    pub risk_model: RiskModel,
    /// The manifest's scope filter, compiled.
    pub scope_filter: Option<Expr>,
    /// Each threat's applicability filter, compiled, by threat index.
    pub threat_filters: Vec<Expr>,
    pub profile: Profile,
    pub scope: Scope,
    pub assets: Vec<Asset>,
    pub threats: Vec<Threat>,
    pub risks: Vec<Risk>,
    pub actions: Vec<TreatmentAction>,
    pub soa: Vec<SoaEntry>,
    /// The operating cycle: audits, findings, corrective actions, reviews, documents, people.
    pub cycle: crate::cycle::Cycle,
    /// Every file read, manifest first, with its sha256.
    pub sources: Vec<Arc<SourceFile>>,
    pub(crate) index: WorkspaceIndex,
}

impl Workspace {
    /// The asset with an id.
    pub fn asset_by_id(&self, id: &str) -> Option<AssetIdx> {
        self.index.assets.get(id).copied()
    }

    /// The threat with an id.
    pub fn threat_by_id(&self, id: &str) -> Option<ThreatIdx> {
        self.index.threats.get(id).copied()
    }

    /// The risk with an id.
    pub fn risk_by_id(&self, id: &str) -> Option<RiskIdx> {
        self.index.risks.get(id).copied()
    }

    /// The asset at an index.
    pub fn asset(&self, idx: AssetIdx) -> &Asset {
        &self.assets[idx.index()]
    }

    /// The SoA entry declared for a control, if any.
    pub fn soa_entry(&self, control: ControlIdx) -> Option<&SoaEntry> {
        self.soa.iter().find(|e| e.control == control)
    }

    /// `file:line` of a record, for messages that send the reader to the source.
    pub fn cite(&self, origin: Origin) -> String {
        format!(
            "{}:{}",
            self.sources[origin.source.index()].display,
            origin.line
        )
    }
}
