//! Guest SDK for isms sector plugins.
//!
//! A plugin is a WebAssembly component that exports the `isms:plugin/api@1.0.0` interface
//! (`../wit/plugin.wit`) and imports nothing. This crate generates the bindings once, so a
//! plugin crate only implements [`Guest`] and exports it:
//!
//! ```
//! use isms_plugin_sdk::{
//!     Batch, BatchResult, Descriptor, Guest, Inventory, Reason, ResultBuilder, threat,
//! };
//!
//! struct MyPlugin;
//!
//! impl Guest for MyPlugin {
//!     fn describe() -> Descriptor {
//!         Descriptor::new("my-plugin", "My rules", "1.0.0", "What the rules are for.", &[])
//!     }
//!
//!     fn evaluate(batch: Batch) -> BatchResult {
//!         let mut out = ResultBuilder::new();
//!         for (index, scenario, asset) in batch.scenarios_with_assets() {
//!             if asset.flag("legacy") && scenario.category_is(threat::TECHNICAL_ATTACK) {
//!                 out.likelihood(index, 1, "Legacy systems get no security fixes.");
//!             }
//!         }
//!         out.build()
//!     }
//!
//!     fn applicability(_inventory: Inventory) -> Vec<Reason> {
//!         Vec::new()
//!     }
//! }
//!
//! isms_plugin_sdk::export!(MyPlugin with_types_in isms_plugin_sdk);
//! # fn main() {}
//! ```
//!
//! The helpers below keep plugin code about the sector's rules rather than about lists of
//! name/value pairs and index bookkeeping. Keep the rules in plain functions over these types:
//! they then run in `cargo test` on the host as well as in the sandbox.

wit_bindgen::generate!({
    path: "../wit",
    world: "sector-plugin",
    default_bindings_module: "isms_plugin_sdk",
    pub_export_macro: true,
    export_macro_name: "export",
    // Tests compare results; fixtures build records with `..Default::default()`.
    additional_derives: [PartialEq],
    additional_type_attributes: {
        "isms:plugin/api@1.0.0/entry": [#[derive(Default)]],
        "isms:plugin/api@1.0.0/descriptor": [#[derive(Default)]],
        "isms:plugin/api@1.0.0/asset": [#[derive(Default)]],
        "isms:plugin/api@1.0.0/scenario": [#[derive(Default)]],
        "isms:plugin/api@1.0.0/batch": [#[derive(Default)]],
        "isms:plugin/api@1.0.0/batch-result": [#[derive(Default)]],
        "isms:plugin/api@1.0.0/inventory": [#[derive(Default)]],
    },
});

pub use exports::isms::plugin::api::{
    Adjustment, Asset, Batch, BatchResult, Category, Descriptor, Entry, Factor, Finding, Guest,
    Inventory, Reason, Scenario, Severity,
};

/// The interface version this SDK implements; the host refuses plugins of another major
/// version, so the descriptor must report it.
pub const INTERFACE_VERSION: &str = "1.0.0";

/// Threat categories of the built-in threat catalog, so that plugins do not misspell them.
/// Workspaces may add their own categories; compare with [`Scenario::category_is`].
pub mod threat {
    /// Deliberate attacks on systems: exploits, web attacks, interception, espionage.
    pub const TECHNICAL_ATTACK: &str = "technical attack";
    /// Ransomware, viruses and trojans.
    pub const MALWARE: &str = "malware";
    /// Phishing and other manipulation of people.
    pub const SOCIAL_ENGINEERING: &str = "social engineering";
    /// Errors and misuse by staff: insiders, leavers, accidental disclosure.
    pub const HUMAN: &str = "human";
    /// Theft, intrusion and sabotage on premises and equipment.
    pub const PHYSICAL: &str = "physical";
    /// Fire, water, power and natural disasters.
    pub const ENVIRONMENTAL: &str = "environmental";
    /// Failures of hardware, software, networks, backups and configuration.
    pub const TECHNICAL_FAILURE: &str = "technical failure";
    /// Failure or compromise of a supplier.
    pub const SUPPLIER: &str = "supplier";
    /// Breaches of laws and regulations.
    pub const COMPLIANCE: &str = "compliance";
}

/// Whether a text value means yes: hosts send `true`, but inventories written by hand or
/// exported from a CMDB also say `yes` or `1`.
pub fn is_truthy(value: &str) -> bool {
    let value = value.trim();
    ["true", "yes", "1"]
        .iter()
        .any(|yes| value.eq_ignore_ascii_case(yes))
}

/// Whether two vocabulary words are the same, ignoring case, surrounding blanks and the
/// choice between `-`, `_` and space (`Technical-Attack` is `technical attack`), because
/// catalogs and CMDBs spell words differently.
pub fn same_word(a: &str, b: &str) -> bool {
    fn norm(c: u8) -> u8 {
        match c {
            b'-' | b'_' => b' ',
            c => c.to_ascii_lowercase(),
        }
    }
    let (a, b) = (a.trim().as_bytes(), b.trim().as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| norm(*x) == norm(*y))
}

/// The value of a named entry (a fact or an attribute); the host sends each name once.
pub fn lookup<'a>(entries: &'a [Entry], name: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|entry| entry.name == name)
        .map(|entry| entry.value.as_str())
}

/// An organisation fact (`sector`, `uses_cloud`, ...), as the profile states it.
pub fn fact<'a>(facts: &'a [Entry], name: &str) -> Option<&'a str> {
    lookup(facts, name)
}

/// Whether a yes/no organisation fact is set; a missing fact counts as no.
pub fn fact_flag(facts: &[Entry], name: &str) -> bool {
    fact(facts, name).is_some_and(is_truthy)
}

/// Whether an organisation fact has a given value, compared as with [`same_word`]
/// (`sector = "Healthcare"` is `healthcare`).
pub fn fact_is(facts: &[Entry], name: &str, value: &str) -> bool {
    fact(facts, name).is_some_and(|v| same_word(v, value))
}

/// The count for a key of an inventory list (`count(&inventory.tags, "pci")`); 0 when absent.
/// Keys are compared as with [`same_word`], so differently spelled keys add up.
pub fn count(counts: &[(String, u32)], key: &str) -> u32 {
    counts
        .iter()
        .filter(|(k, _)| same_word(k, key))
        .fold(0u32, |sum, (_, n)| sum.saturating_add(*n))
}

/// The rank of a classification (public 0, internal 1, confidential 2, restricted 3), so that
/// rules can say "at least confidential"; `None` for a name outside that scale.
pub fn classification_rank(name: &str) -> Option<u8> {
    ["public", "internal", "confidential", "restricted"]
        .iter()
        .position(|level| same_word(name, level))
        .map(|rank| rank as u8)
}

/// A reason for one control, for [`Guest::applicability`].
pub fn reason(control: &str, category: Category, text: &str) -> Reason {
    Reason {
        control: control.to_string(),
        category,
        text: text.to_string(),
    }
}

/// The same reason for several controls, because one requirement often makes a group of
/// controls applicable.
pub fn reasons(controls: &[&str], category: Category, text: &str) -> Vec<Reason> {
    controls
        .iter()
        .map(|control| reason(control, category, text))
        .collect()
}

impl Entry {
    /// A name/value pair, for fixtures.
    pub fn new(name: &str, value: &str) -> Self {
        Entry {
            name: name.to_string(),
            value: value.to_string(),
        }
    }
}

impl Descriptor {
    /// A descriptor for the interface version of this SDK, so plugins cannot report a wrong one.
    pub fn new(id: &str, name: &str, version: &str, description: &str, controls: &[&str]) -> Self {
        Descriptor {
            id: id.to_string(),
            name: name.to_string(),
            version: version.to_string(),
            interface_version: INTERFACE_VERSION.to_string(),
            description: description.to_string(),
            controls: controls.iter().map(|c| c.to_string()).collect(),
        }
    }
}

impl Asset {
    /// An asset with an id and a kind, to be completed with the `with_*` methods (fixtures).
    pub fn new(id: &str, kind: &str) -> Self {
        Asset {
            id: id.to_string(),
            name: id.to_string(),
            kind: kind.to_string(),
            ..Default::default()
        }
    }

    /// Sets the name (fixtures).
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Adds a tag (fixtures).
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_string());
        self
    }

    /// Adds an attribute (fixtures).
    pub fn with_attr(mut self, name: &str, value: &str) -> Self {
        self.attributes.push(Entry::new(name, value));
        self
    }

    /// Sets the owner (fixtures).
    pub fn with_owner(mut self, owner: &str) -> Self {
        self.owner = Some(owner.to_string());
        self
    }

    /// Sets the classification (fixtures).
    pub fn with_classification(mut self, classification: &str) -> Self {
        self.classification = Some(classification.to_string());
        self
    }

    /// Sets the location (fixtures).
    pub fn with_location(mut self, location: &str) -> Self {
        self.location = Some(location.to_string());
        self
    }

    /// Sets confidentiality, integrity and availability (fixtures).
    pub fn with_cia(mut self, confidentiality: u8, integrity: u8, availability: u8) -> Self {
        self.confidentiality = confidentiality;
        self.integrity = integrity;
        self.availability = availability;
        self
    }

    /// A free attribute (a CMDB column the model does not name).
    pub fn attr(&self, name: &str) -> Option<&str> {
        lookup(&self.attributes, name)
    }

    /// Whether a yes/no attribute is set (`true`, `yes` or `1`); a missing attribute is no.
    pub fn flag(&self, name: &str) -> bool {
        self.attr(name).is_some_and(is_truthy)
    }

    /// Whether an attribute has a given value, compared as with [`same_word`].
    pub fn attr_is(&self, name: &str, value: &str) -> bool {
        self.attr(name).is_some_and(|v| same_word(v, value))
    }

    /// Whether the asset carries a tag, compared as with [`same_word`].
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| same_word(t, tag))
    }

    /// Whether the asset carries any of the tags, for rules with synonyms (`phi`, `health`).
    pub fn has_any_tag(&self, tags: &[&str]) -> bool {
        tags.iter().any(|tag| self.has_tag(tag))
    }

    /// Whether the asset is of a kind (`information`, `software`, `supplier`, ...).
    pub fn is_kind(&self, kind: &str) -> bool {
        same_word(&self.kind, kind)
    }

    /// Whether someone answers for the asset: an owner that is not blank.
    pub fn has_owner(&self) -> bool {
        self.owner.as_deref().is_some_and(|o| !o.trim().is_empty())
    }

    /// The rank of the asset's classification (see [`classification_rank`]); `None` when the
    /// asset is unclassified or uses a name outside the scale.
    pub fn classification_rank(&self) -> Option<u8> {
        self.classification.as_deref().and_then(classification_rank)
    }

    /// Whether the asset is classified at `level` or above; an unclassified asset is not.
    pub fn classified_at_least(&self, level: &str) -> bool {
        match (self.classification_rank(), classification_rank(level)) {
            (Some(have), Some(want)) => have >= want,
            _ => false,
        }
    }

    /// Whether the asset is reachable from the internet (attribute `internet_facing`, the
    /// name the built-in rule set uses).
    pub fn internet_facing(&self) -> bool {
        self.flag("internet_facing")
    }
}

impl Scenario {
    /// A scenario of the asset at `asset` with a threat category and the current values
    /// (fixtures).
    pub fn new(asset: u32, threat_category: &str, likelihood: u8, impact: u8) -> Self {
        Scenario {
            asset,
            threat: None,
            threat_category: Some(threat_category.to_string()),
            likelihood,
            impact,
        }
    }

    /// Whether the threat is of a category, compared as with [`same_word`]; a scenario
    /// without a category is of none.
    pub fn category_is(&self, category: &str) -> bool {
        self.threat_category
            .as_deref()
            .is_some_and(|c| same_word(c, category))
    }

    /// Whether the threat is of any of the categories.
    pub fn category_in(&self, categories: &[&str]) -> bool {
        categories.iter().any(|c| self.category_is(c))
    }
}

impl Batch {
    /// The asset at an index of the batch; `None` for an index out of range.
    pub fn asset(&self, index: u32) -> Option<&Asset> {
        self.assets.get(index as usize)
    }

    /// The assets with the index findings refer to.
    pub fn indexed_assets(&self) -> impl Iterator<Item = (u32, &Asset)> {
        (0u32..).zip(self.assets.iter())
    }

    /// The scenarios with the index adjustments refer to and the asset they concern;
    /// scenarios pointing outside the batch are skipped rather than trapping the plugin.
    pub fn scenarios_with_assets(&self) -> impl Iterator<Item = (u32, &Scenario, &Asset)> {
        (0u32..)
            .zip(self.scenarios.iter())
            .filter_map(|(index, scenario)| {
                self.asset(scenario.asset)
                    .map(|asset| (index, scenario, asset))
            })
    }

    /// An organisation fact (see [`fact`]).
    pub fn fact(&self, name: &str) -> Option<&str> {
        fact(&self.facts, name)
    }

    /// Whether a yes/no organisation fact is set (see [`fact_flag`]).
    pub fn fact_flag(&self, name: &str) -> bool {
        fact_flag(&self.facts, name)
    }

    /// Whether an organisation fact has a value (see [`fact_is`]).
    pub fn fact_is(&self, name: &str, value: &str) -> bool {
        fact_is(&self.facts, name, value)
    }
}

impl Inventory {
    /// In-scope assets of a kind.
    pub fn kind_count(&self, kind: &str) -> u32 {
        count(&self.kinds, kind)
    }

    /// In-scope assets with a classification.
    pub fn classification_count(&self, classification: &str) -> u32 {
        count(&self.classifications, classification)
    }

    /// In-scope assets with a tag.
    pub fn tag_count(&self, tag: &str) -> u32 {
        count(&self.tags, tag)
    }

    /// In-scope assets whose yes/no attribute is set.
    pub fn flag_count(&self, attribute: &str) -> u32 {
        count(&self.flagged, attribute)
    }

    /// An organisation fact (see [`fact`]).
    pub fn fact(&self, name: &str) -> Option<&str> {
        fact(&self.facts, name)
    }

    /// Whether a yes/no organisation fact is set (see [`fact_flag`]).
    pub fn fact_flag(&self, name: &str) -> bool {
        fact_flag(&self.facts, name)
    }

    /// Whether an organisation fact has a value (see [`fact_is`]).
    pub fn fact_is(&self, name: &str, value: &str) -> bool {
        fact_is(&self.facts, name, value)
    }
}

/// Collects the adjustments and findings of one batch, so that rules read as "raise the
/// impact of this scenario because ..." instead of record construction.
#[derive(Debug, Clone, Default)]
pub struct ResultBuilder {
    result: BatchResult,
}

impl ResultBuilder {
    /// An empty result.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes a factor of the scenario at `scenario` by `delta`; a zero delta changes nothing
    /// and is dropped. The host adds up the deltas and clamps the result to its scale.
    pub fn adjust(
        &mut self,
        scenario: u32,
        factor: Factor,
        delta: i8,
        reason: impl Into<String>,
    ) -> &mut Self {
        if delta != 0 {
            self.result.adjustments.push(Adjustment {
                scenario,
                factor,
                delta,
                reason: reason.into(),
            });
        }
        self
    }

    /// Changes the likelihood of a scenario (see [`ResultBuilder::adjust`]).
    pub fn likelihood(&mut self, scenario: u32, delta: i8, reason: impl Into<String>) -> &mut Self {
        self.adjust(scenario, Factor::Likelihood, delta, reason)
    }

    /// Changes the impact of a scenario (see [`ResultBuilder::adjust`]).
    pub fn impact(&mut self, scenario: u32, delta: i8, reason: impl Into<String>) -> &mut Self {
        self.adjust(scenario, Factor::Impact, delta, reason)
    }

    /// Reports a finding about the asset at `asset` under a stable code.
    pub fn finding(
        &mut self,
        asset: u32,
        code: &str,
        severity: Severity,
        message: impl Into<String>,
    ) -> &mut Self {
        self.result.findings.push(Finding {
            asset,
            code: code.to_string(),
            severity,
            message: message.into(),
        });
        self
    }

    /// The adjustments so far, for rules that must not raise a scenario twice.
    pub fn adjustments(&self) -> &[Adjustment] {
        &self.result.adjustments
    }

    /// The findings so far.
    pub fn findings(&self) -> &[Finding] {
        &self.result.findings
    }

    /// The result to return from [`Guest::evaluate`].
    pub fn build(self) -> BatchResult {
        self.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset() -> Asset {
        Asset::new("AST-1", "information")
            .with_tag("PHI")
            .with_attr("health_data", "yes")
            .with_attr("internet_facing", "false")
            .with_attr("patch_level", "Unsupported")
            .with_classification("Confidential")
    }

    #[test]
    fn truthy_values() {
        for yes in ["true", "TRUE", " yes ", "1", "Yes"] {
            assert!(is_truthy(yes), "{yes}");
        }
        for no in ["false", "no", "0", "", "y", "truthy"] {
            assert!(!is_truthy(no), "{no}");
        }
    }

    #[test]
    fn words_compare_loosely() {
        assert!(same_word("Technical-Attack", "technical attack"));
        assert!(same_word(" medical_device ", "medical-device"));
        assert!(!same_word("malware", "malwares"));
    }

    #[test]
    fn asset_helpers() {
        let a = asset();
        assert_eq!(a.attr("patch_level"), Some("Unsupported"));
        assert_eq!(a.attr("missing"), None);
        assert!(a.flag("health_data"));
        assert!(!a.flag("internet_facing"));
        assert!(!a.internet_facing());
        assert!(!a.flag("missing"));
        assert!(a.attr_is("patch_level", "unsupported"));
        assert!(a.has_tag("phi"));
        assert!(a.has_any_tag(&["health", "phi"]));
        assert!(!a.has_tag("pci"));
        assert!(a.is_kind("Information"));
        assert!(!a.has_owner());
        assert!(a.clone().with_owner("CISO").has_owner());
        assert!(!a.clone().with_owner("  ").has_owner());
        assert_eq!(a.classification_rank(), Some(2));
        assert!(a.classified_at_least("internal"));
        assert!(a.classified_at_least("confidential"));
        assert!(!a.classified_at_least("restricted"));
        assert!(!Asset::new("X", "software").classified_at_least("public"));
        assert!(
            !a.with_classification("secret")
                .classified_at_least("public")
        );
    }

    #[test]
    fn facts_and_counts() {
        let facts = vec![
            Entry::new("sector", "Healthcare"),
            Entry::new("uses_cloud", "true"),
        ];
        assert_eq!(fact(&facts, "sector"), Some("Healthcare"));
        assert!(fact_is(&facts, "sector", "healthcare"));
        assert!(fact_flag(&facts, "uses_cloud"));
        assert!(!fact_flag(&facts, "remote_work"));
        let inventory = Inventory {
            facts,
            assets: 3,
            tags: vec![("pci".into(), 2), ("PCI".into(), 1)],
            flagged: vec![("personal_data".into(), 5)],
            ..Default::default()
        };
        assert_eq!(inventory.tag_count("pci"), 3);
        assert_eq!(inventory.flag_count("personal_data"), 5);
        assert_eq!(inventory.kind_count("supplier"), 0);
        assert!(inventory.fact_is("sector", "healthcare"));
        assert_eq!(
            count(&[("x".into(), u32::MAX), ("x".into(), 1)], "x"),
            u32::MAX
        );
    }

    #[test]
    fn batch_iteration_skips_bad_indices() {
        let batch = Batch {
            facts: Vec::new(),
            assets: vec![asset()],
            scenarios: vec![
                Scenario::new(0, threat::MALWARE, 3, 3),
                Scenario::new(7, threat::MALWARE, 3, 3),
                Scenario::new(0, "Technical_Attack", 2, 4),
            ],
        };
        let seen: Vec<u32> = batch.scenarios_with_assets().map(|(i, _, _)| i).collect();
        assert_eq!(seen, [0, 2]);
        assert!(batch.scenarios[2].category_is(threat::TECHNICAL_ATTACK));
        assert!(batch.scenarios[0].category_in(&[threat::HUMAN, threat::MALWARE]));
        assert!(!Scenario::default().category_is(threat::MALWARE));
        assert_eq!(batch.indexed_assets().count(), 1);
        assert!(batch.asset(1).is_none());
    }

    #[test]
    fn result_builder() {
        let mut out = ResultBuilder::new();
        out.impact(0, 1, "why")
            .likelihood(1, 0, "dropped")
            .likelihood(1, -1, "lower")
            .finding(0, "X-1", Severity::High, "message");
        assert_eq!(out.adjustments().len(), 2);
        assert_eq!(out.findings().len(), 1);
        let result = out.build();
        assert_eq!(result.adjustments[0].factor, Factor::Impact);
        assert_eq!(result.adjustments[1].delta, -1);
        assert_eq!(result.findings[0].code, "X-1");
    }

    #[test]
    fn descriptor_and_reasons() {
        let d = Descriptor::new("x", "X", "1.2.3", "d", &["A.5.34"]);
        assert_eq!(d.interface_version, INTERFACE_VERSION);
        assert_eq!(d.controls, ["A.5.34"]);
        let r = reasons(&["A.5.19", "A.5.20"], Category::Contractual, "t");
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].control, "A.5.20");
        assert_eq!(r[1].category, Category::Contractual);
    }
}
