//! A loaded, linked workspace: what every later stage of the pipeline reads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::catalog::{Catalog, ControlIdx};
use crate::diag::RecordLocation;
use crate::input::SourceFile;
use crate::model::*;
use crate::riskmodel::RiskModel;
use crate::rules::expr::Expr;
use crate::rules::ruleset::RuleSet;

/// Id -> index maps, built once by the loader.
#[derive(Debug, Default)]
/// The loader's own id maps, kept as they are (with where each record was read): rebuilding
/// them without it would hash a million ids again.
pub struct WorkspaceIndex {
    assets: HashMap<String, (AssetIdx, Origin)>,
    threats: HashMap<String, (ThreatIdx, Origin)>,
    risks: HashMap<String, (RiskIdx, Origin)>,
}

impl WorkspaceIndex {
    pub(crate) fn new(
        assets: HashMap<String, (AssetIdx, Origin)>,
        threats: HashMap<String, (ThreatIdx, Origin)>,
        risks: HashMap<String, (RiskIdx, Origin)>,
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
    pub(crate) name: String,
    /// The directory holding `isms.toml`.
    pub(crate) root: PathBuf,
    /// The Annex A edition the SoA and the treatment plan use.
    pub(crate) catalog: &'static Catalog,
    /// The date the evaluation is made as of, when the manifest pins one.
    pub(crate) as_of: Option<NaiveDate>,
    /// The rule sets the manifest names, compiled.
    pub(crate) rulesets: Vec<RuleSet>,
    /// Sector plugins, verified and compiled.
    pub(crate) plugins: Vec<crate::plugin::Plugin>,
    /// Scales, matrix and scoring method.
    pub(crate) risk_model: RiskModel,
    /// The manifest's scope filter, compiled.
    pub(crate) scope_filter: Option<Expr>,
    /// Each threat's applicability filter, compiled, by threat index.
    pub(crate) threat_filters: Vec<Expr>,
    /// Per threat index: the controls that reduce its likelihood or impact.
    pub(crate) mitigations: Vec<crate::riskmodel::ThreatMitigation>,
    /// Texts that are no justification and no reference (normalised, see `gaps`).
    pub(crate) placeholders: Vec<String>,
    pub(crate) profile: Profile,
    pub(crate) scope: Scope,
    pub(crate) assets: Vec<Asset>,
    pub(crate) threats: Vec<Threat>,
    pub(crate) risks: Vec<Risk>,
    pub(crate) actions: Vec<TreatmentAction>,
    pub(crate) soa: Vec<SoaEntry>,
    /// SoA rows that name a control but leave `applicable` empty: a decision still to make.
    pub(crate) soa_undecided: Vec<(ControlIdx, Origin)>,
    /// The operating cycle: audits, findings, corrective actions, reviews, documents, people.
    pub(crate) cycle: crate::cycle::Cycle,
    /// The frameworks of the workspace's own (`[[frameworks]]` in `isms.toml`).
    pub(crate) frameworks: Vec<crate::framework::Framework>,
    /// Every file read, manifest first, with its sha256.
    pub(crate) sources: Vec<Arc<SourceFile>>,
    pub(crate) index: WorkspaceIndex,
}

impl Workspace {
    /// Display name (the manifest's, else the organisation's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory holding `isms.toml`.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// The Annex A edition the SoA and the treatment plan use.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }

    /// The date the evaluation is made as of, when the manifest pins one.
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.as_of
    }

    /// The rule sets the manifest names, compiled.
    pub fn rulesets(&self) -> &[RuleSet] {
        &self.rulesets
    }

    /// Sector plugins, verified and compiled.
    pub fn plugins(&self) -> &[crate::plugin::Plugin] {
        &self.plugins
    }

    /// Scales, matrix and scoring method.
    pub fn risk_model(&self) -> &RiskModel {
        &self.risk_model
    }

    /// The manifest's scope filter, compiled.
    #[doc(hidden)]
    pub fn scope_filter(&self) -> Option<&Expr> {
        self.scope_filter.as_ref()
    }

    /// Each threat's applicability filter, compiled, by threat index.
    #[doc(hidden)]
    pub fn threat_filters(&self) -> &[Expr] {
        &self.threat_filters
    }

    /// The organisation profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The ISMS scope statement.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The asset inventory, in file order.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    /// The threat catalogue (built-in and the workspace's own).
    pub fn threats(&self) -> &[Threat] {
        &self.threats
    }

    /// The risk register, in file order.
    pub fn risks(&self) -> &[Risk] {
        &self.risks
    }

    /// The treatment plan's actions.
    pub fn actions(&self) -> &[TreatmentAction] {
        &self.actions
    }

    /// The declared Statement of Applicability.
    pub fn soa(&self) -> &[SoaEntry] {
        &self.soa
    }

    /// The operating cycle: audits, findings, corrective actions, reviews, documents, people.
    pub fn cycle(&self) -> &crate::cycle::Cycle {
        &self.cycle
    }

    /// Every framework the workspace can evaluate: the built-in ones of its catalog, then its
    /// own (`[[frameworks]]`).
    pub fn frameworks(&self) -> Vec<&crate::framework::Framework> {
        crate::framework::builtin()
            .iter()
            .filter(|f| f.catalog == self.catalog.id)
            .chain(&self.frameworks)
            .collect()
    }

    /// The framework with an id (built-in short names such as `nis2` accepted).
    pub fn framework(&self, id: &str) -> Option<&crate::framework::Framework> {
        let id = crate::framework::builtin_alias(id);
        self.frameworks().into_iter().find(|f| f.id == id)
    }

    /// The frameworks the profile declares, in its order.
    pub fn declared_frameworks(&self) -> Vec<&crate::framework::Framework> {
        self.profile
            .frameworks
            .iter()
            .filter_map(|id| self.framework(id))
            .collect()
    }

    /// Every file read, manifest first, with its sha256.
    pub fn sources(&self) -> &[Arc<SourceFile>] {
        &self.sources
    }

    /// Adds a plugin, in place of a pinned one with the same id (`isms plugin try`).
    pub fn replace_plugin(&mut self, plugin: crate::plugin::Plugin) {
        let id = plugin.manifest.id.clone();
        self.plugins.retain(|p| p.manifest.id != id);
        self.plugins.push(plugin);
    }

    /// The asset with an id.
    pub fn asset_by_id(&self, id: &str) -> Option<AssetIdx> {
        self.index.assets.get(id).map(|(idx, _)| *idx)
    }

    /// The threat with an id.
    pub fn threat_by_id(&self, id: &str) -> Option<ThreatIdx> {
        self.index.threats.get(id).map(|(idx, _)| *idx)
    }

    /// The risk with an id.
    pub fn risk_by_id(&self, id: &str) -> Option<RiskIdx> {
        self.index.risks.get(id).map(|(idx, _)| *idx)
    }

    /// The asset at an index.
    pub fn asset(&self, idx: AssetIdx) -> &Asset {
        &self.assets[idx.index()]
    }

    /// The SoA rows that name a control but leave `applicable` empty, with where they are.
    #[doc(hidden)]
    pub fn soa_undecided(&self) -> &[(ControlIdx, Origin)] {
        &self.soa_undecided
    }

    /// The SoA entry declared for a control, if any.
    pub fn soa_entry(&self, control: ControlIdx) -> Option<&SoaEntry> {
        self.soa.iter().find(|e| e.control == control)
    }

    /// Where a record stands, for messages that send the reader to the source.
    pub fn cite(&self, origin: Origin) -> RecordLocation {
        RecordLocation {
            file: self.sources[origin.source.index()].display.clone(),
            line: origin.line,
        }
    }
}
