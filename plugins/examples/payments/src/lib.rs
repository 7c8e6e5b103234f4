//! Payment card sector rules for isms: the cardholder data environment (CDE) of PCI DSS v4.0.
//!
//! PCI DSS binds merchants and service providers through their acquirer and card brand
//! agreements, so its requirements are contractual. This plugin
//!
//! - raises the likelihood of technical attacks on internet-facing CDE assets by 1 (card data
//!   is what criminals scan for) and the impact of disclosure threats on cardholder data by 1;
//! - makes cryptography (A.8.24), logging (A.8.15), monitoring (A.8.16) and segregation of
//!   networks (A.8.22) applicable when the organisation handles card data, and the supplier
//!   controls A.5.19, A.5.20 and A.5.21 when it also has suppliers;
//! - reports internet-facing CDE assets without segmentation, cardholder data classified
//!   below `confidential`, CDE assets whose logging is off, and PCI service providers without
//!   an Attestation of Compliance.
//!
//! An asset is in the CDE when its attribute `cardholder_data` is true or it carries the tag
//! `cde` or `pci`; segmentation is recorded with the tag `segmented`, a service provider's
//! current AOC with the attribute `aoc` = true.
//!
//! The rules are plain functions over the SDK types, so `cargo test` checks them on the host.

use isms_plugin_sdk::{
    Asset, Batch, BatchResult, Category, Descriptor, Guest, Inventory, Reason, ResultBuilder,
    Severity, is_truthy, reason, threat,
};

/// The plugin id of `plugin.toml`; the host reports findings and reasons under it.
pub const ID: &str = "payments";

/// The controls this plugin gives reasons for.
pub const CONTROLS: &[&str] = &[
    "A.5.19", "A.5.20", "A.5.21", "A.8.15", "A.8.16", "A.8.22", "A.8.24",
];

/// Threat categories that can expose information: attacks, malware, manipulation of staff and
/// staff errors or misuse.
const DISCLOSURE: &[&str] = &[
    threat::TECHNICAL_ATTACK,
    threat::MALWARE,
    threat::SOCIAL_ENGINEERING,
    threat::HUMAN,
];

const LIKELIHOOD_EXPOSED_CDE: &str = "The asset is part of the cardholder data environment and \
    reachable from the internet: payment systems are scanned for and attacked continuously, to \
    steal card data or to disrupt payments (PCI DSS Req. 1.4, 6.4, 11.3).";

const IMPACT_CARDHOLDER_DATA: &str = "The information is cardholder data: when a threat exposes \
    it, card fraud, a mandatory forensic investigation (PFI), card brand fines and possibly the \
    loss of the right to accept cards follow (PCI DSS, card brand rules).";

/// Reasons when the organisation stores, processes or transmits card data.
const CDE_REASONS: &[(&str, &str)] = &[
    (
        "A.8.15",
        "PCI DSS Req. 10 (contractual through the acquirer agreement) requires audit logs of all \
         access to cardholder data and all actions on CDE system components, protected and \
         kept for 12 months with the last 3 months at hand (Req. 10.2, 10.3, 10.5.1).",
    ),
    (
        "A.8.16",
        "PCI DSS requires security events and CDE logs to be reviewed at least daily with \
         automated mechanisms (Req. 10.4.1) and intrusion and change detection on the CDE \
         (Req. 11.5), so the CDE must be monitored.",
    ),
    (
        "A.8.22",
        "PCI DSS Req. 1 requires network security controls between the CDE and untrusted \
         networks; segmentation keeps the rest of the network out of PCI DSS scope and must be \
         tested (Req. 11.4.5, 11.4.6).",
    ),
    (
        "A.8.24",
        "PCI DSS requires stored account data to be rendered unreadable (Req. 3.5), its keys \
         to be managed (Req. 3.6, 3.7) and strong cryptography for card data sent over open, \
         public networks (Req. 4.2); the acquirer agreement makes this a contractual duty.",
    ),
];

/// Reasons when card data is handled and suppliers exist.
const SUPPLIER_REASONS: &[(&str, &str)] = &[
    (
        "A.5.19",
        "PCI DSS Req. 12.8 requires a managed list of third-party service providers with which \
         account data is shared or that could affect its security, due diligence before \
         engaging them and monitoring of their PCI DSS compliance at least once a year.",
    ),
    (
        "A.5.20",
        "PCI DSS Req. 12.8.2 requires written agreements in which service providers acknowledge \
         their responsibility for the security of the account data they handle, and Req. 12.8.5 \
         a record of which requirements each party manages.",
    ),
    (
        "A.5.21",
        "PCI DSS reaches into the supply chain: service providers and payment products used \
         in the CDE must themselves comply, shown by an Attestation of Compliance or inclusion \
         in the entity's assessment (Req. 12.8.4, 12.9).",
    ),
];

struct Payments;

impl Guest for Payments {
    fn describe() -> Descriptor {
        descriptor()
    }

    fn evaluate(batch: Batch) -> BatchResult {
        evaluate(&batch)
    }

    fn applicability(inventory: Inventory) -> Vec<Reason> {
        applicability(&inventory)
    }
}

isms_plugin_sdk::export!(Payments with_types_in isms_plugin_sdk);

/// What the plugin is; `plugin.toml` states the same id and version.
pub fn descriptor() -> Descriptor {
    Descriptor::new(
        ID,
        "Payment card sector rules",
        env!("CARGO_PKG_VERSION"),
        "Cardholder data environment (PCI DSS): internet exposure and disclosure of card data \
         raise risks; cryptography, logging, segmentation and service provider controls apply; \
         findings for unsegmented CDE systems, unclassified card data and service providers \
         without an AOC.",
        CONTROLS,
    )
}

/// Whether the asset belongs to the cardholder data environment (or, for a supplier, is a
/// service provider that handles card data).
pub fn in_cde(asset: &Asset) -> bool {
    asset.flag("cardholder_data") || asset.has_any_tag(&["cde", "pci"])
}

/// Adjusts the batch's scenarios and reports findings about its assets.
pub fn evaluate(batch: &Batch) -> BatchResult {
    let mut out = ResultBuilder::new();
    for (index, scenario, asset) in batch.scenarios_with_assets() {
        if !in_cde(asset) {
            continue;
        }
        if asset.internet_facing() && scenario.category_is(threat::TECHNICAL_ATTACK) {
            out.likelihood(index, 1, LIKELIHOOD_EXPOSED_CDE);
        }
        if asset.is_kind("information") && scenario.category_in(DISCLOSURE) {
            out.impact(index, 1, IMPACT_CARDHOLDER_DATA);
        }
    }
    for (index, asset) in batch.indexed_assets() {
        if in_cde(asset) {
            asset_findings(index, asset, &mut out);
        }
    }
    out.build()
}

/// The findings about one asset of the CDE.
fn asset_findings(index: u32, asset: &Asset, out: &mut ResultBuilder) {
    if asset.is_kind("supplier") {
        if !asset.flag("aoc") {
            out.finding(
                index,
                "PAY-SUPPLIER-NO-AOC",
                Severity::High,
                "A service provider that handles cardholder data or can affect its security has \
                 no current PCI DSS Attestation of Compliance on record. Obtain its AOC every \
                 year, check that it covers the services used, and set attribute aoc = true \
                 (PCI DSS Req. 12.8.4, 12.9; A.5.19, A.5.22).",
            );
        }
        return;
    }
    if asset.internet_facing() && !asset.has_tag("segmented") {
        out.finding(
            index,
            "PAY-CDE-NOT-SEGMENTED",
            Severity::High,
            "A system of the cardholder data environment is reachable from the internet without \
             recorded segmentation. Place it behind network security controls that allow only \
             the traffic it needs (DMZ), verify the segmentation by testing and tag the asset \
             `segmented` (PCI DSS Req. 1.3, 1.4, 11.4.5; A.8.20, A.8.22).",
        );
    }
    if asset.is_kind("information") && !asset.classified_at_least("confidential") {
        let state = match asset.classification.as_deref() {
            Some(classification) => format!("classified only as '{classification}'"),
            None => "unclassified".to_string(),
        };
        out.finding(
            index,
            "PAY-CDE-UNCLASSIFIED",
            Severity::High,
            format!(
                "Cardholder data is {state}. Classify it restricted (at least confidential) so \
                 that encryption, access restriction and retention limits apply to it (PCI DSS \
                 Req. 3, 7, 9.4.2; A.5.12, A.8.24)."
            ),
        );
    }
    if let Some(logging) = asset.attr("logging")
        && !is_truthy(logging)
    {
        out.finding(
            index,
            "PAY-CDE-NO-LOGGING",
            Severity::Medium,
            format!(
                "Logging is not enabled for a system of the cardholder data environment \
                 (logging = '{logging}'). PCI DSS Req. 10.2 requires audit logs of all access \
                 to cardholder data and all administrative actions, reviewed daily (A.8.15, \
                 A.8.16)."
            ),
        );
    }
}

/// The controls card data makes applicable for this organisation and inventory.
///
/// The inventory counts tags and flags over all kinds, so it cannot tell whether a supplier
/// is the one that handles card data; the supplier controls apply as soon as card data and
/// suppliers exist, which is what PCI DSS Req. 12.8 asks to assess.
pub fn applicability(inventory: &Inventory) -> Vec<Reason> {
    let card_data = inventory.flag_count("cardholder_data") > 0
        || inventory.tag_count("cde") > 0
        || inventory.tag_count("pci") > 0
        || inventory.fact_flag("processes_payment_cards");
    if !card_data {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (control, text) in CDE_REASONS {
        out.push(reason(control, Category::Contractual, text));
    }
    if inventory.kind_count("supplier") > 0 {
        for (control, text) in SUPPLIER_REASONS {
            out.push(reason(control, Category::Contractual, text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use isms_plugin_sdk::{Entry, Factor, INTERFACE_VERSION, Scenario};

    fn batch(assets: Vec<Asset>, scenarios: Vec<Scenario>) -> Batch {
        Batch {
            facts: Vec::new(),
            assets,
            scenarios,
        }
    }

    fn codes(result: &BatchResult) -> Vec<(u32, &str, Severity)> {
        result
            .findings
            .iter()
            .map(|f| (f.asset, f.code.as_str(), f.severity))
            .collect()
    }

    fn adjustments(result: &BatchResult) -> Vec<(u32, Factor, i8)> {
        result
            .adjustments
            .iter()
            .map(|a| (a.scenario, a.factor, a.delta))
            .collect()
    }

    #[test]
    fn cde_membership() {
        assert!(in_cde(
            &Asset::new("A", "software").with_attr("cardholder_data", "yes")
        ));
        assert!(in_cde(&Asset::new("A", "network").with_tag("CDE")));
        assert!(in_cde(&Asset::new("A", "supplier").with_tag("pci")));
        assert!(!in_cde(
            &Asset::new("A", "software").with_attr("cardholder_data", "false")
        ));
    }

    #[test]
    fn exposed_cde_and_card_data_raise_risks() {
        let assets = vec![
            // 0: internet-facing, segmented payment page.
            Asset::new("AST-1", "software")
                .with_tag("cde")
                .with_tag("segmented")
                .with_attr("internet_facing", "true"),
            // 1: card data store.
            Asset::new("AST-2", "information")
                .with_attr("cardholder_data", "true")
                .with_classification("restricted"),
            // 2: not in the CDE.
            Asset::new("AST-3", "software").with_attr("internet_facing", "true"),
        ];
        let scenarios = vec![
            Scenario::new(0, threat::TECHNICAL_ATTACK, 3, 4), // 0: likelihood
            Scenario::new(0, threat::MALWARE, 3, 4),          // 1: nothing (not information)
            Scenario::new(1, threat::HUMAN, 2, 4),            // 2: impact
            Scenario::new(1, threat::TECHNICAL_ATTACK, 2, 4), // 3: impact (not exposed)
            Scenario::new(1, threat::ENVIRONMENTAL, 1, 4),    // 4: nothing
            Scenario::new(2, threat::TECHNICAL_ATTACK, 3, 3), // 5: nothing (not CDE)
        ];
        let result = evaluate(&batch(assets, scenarios));
        assert_eq!(
            adjustments(&result),
            [
                (0, Factor::Likelihood, 1),
                (2, Factor::Impact, 1),
                (3, Factor::Impact, 1)
            ]
        );
        assert!(result.adjustments[0].reason.contains("internet"));
        assert!(result.adjustments[1].reason.contains("cardholder data"));
        assert!(result.findings.is_empty());
    }

    #[test]
    fn cde_findings() {
        let assets = vec![
            // 0: exposed, not segmented.
            Asset::new("AST-1", "software")
                .with_tag("pci")
                .with_attr("internet_facing", "yes"),
            // 1: card data classified internal, logging off.
            Asset::new("AST-2", "information")
                .with_attr("cardholder_data", "true")
                .with_classification("internal")
                .with_attr("logging", "no"),
            // 2: unclassified card data, logging on.
            Asset::new("AST-3", "information")
                .with_tag("cde")
                .with_attr("logging", "true"),
            // 3: supplier without AOC; 4: with AOC; 5: supplier outside PCI.
            Asset::new("SUP-1", "supplier").with_attr("cardholder_data", "true"),
            Asset::new("SUP-2", "supplier")
                .with_tag("pci")
                .with_attr("aoc", "true"),
            Asset::new("SUP-3", "supplier"),
        ];
        let result = evaluate(&batch(assets, Vec::new()));
        assert_eq!(
            codes(&result),
            [
                (0, "PAY-CDE-NOT-SEGMENTED", Severity::High),
                (1, "PAY-CDE-UNCLASSIFIED", Severity::High),
                (1, "PAY-CDE-NO-LOGGING", Severity::Medium),
                (2, "PAY-CDE-UNCLASSIFIED", Severity::High),
                (3, "PAY-SUPPLIER-NO-AOC", Severity::High),
            ]
        );
        assert!(result.findings[1].message.contains("'internal'"));
        assert!(result.findings[3].message.contains("unclassified"));
    }

    fn inventory(
        facts: &[(&str, &str)],
        kinds: &[&str],
        tags: &[&str],
        flagged: &[&str],
    ) -> Inventory {
        let counts = |names: &[&str]| names.iter().map(|n| (n.to_string(), 1)).collect();
        Inventory {
            facts: facts.iter().map(|(n, v)| Entry::new(n, v)).collect(),
            assets: 10,
            kinds: counts(kinds),
            classifications: Vec::new(),
            tags: counts(tags),
            flagged: counts(flagged),
        }
    }

    fn controls(reasons: &[Reason]) -> Vec<&str> {
        reasons.iter().map(|r| r.control.as_str()).collect()
    }

    #[test]
    fn applicability_follows_card_data_and_suppliers() {
        assert!(applicability(&inventory(&[], &["supplier"], &["segmented"], &[])).is_empty());

        let cde = applicability(&inventory(&[], &["software"], &[], &["cardholder_data"]));
        assert_eq!(controls(&cde), ["A.8.15", "A.8.16", "A.8.22", "A.8.24"]);
        assert!(cde.iter().all(|r| r.category == Category::Contractual));

        let with_suppliers = applicability(&inventory(&[], &["supplier"], &["pci"], &[]));
        assert_eq!(with_suppliers.len(), 7);

        let by_fact = applicability(&inventory(
            &[("processes_payment_cards", "true")],
            &[],
            &[],
            &[],
        ));
        assert_eq!(by_fact.len(), 4);
        for r in &with_suppliers {
            assert!(CONTROLS.contains(&r.control.as_str()), "{}", r.control);
            assert!(r.text.contains("PCI DSS"));
        }
    }

    #[test]
    fn descriptor_matches_manifest() {
        let d = descriptor();
        assert_eq!(d.interface_version, INTERFACE_VERSION);
        let manifest = include_str!("../plugin.toml");
        assert!(manifest.contains(&format!("id = \"{}\"", d.id)));
        assert!(manifest.contains(&format!("version = \"{}\"", d.version)));
        assert!(manifest.contains(&format!("interface = \"{INTERFACE_VERSION}\"")));
        assert_eq!(d.controls, CONTROLS);
    }
}
