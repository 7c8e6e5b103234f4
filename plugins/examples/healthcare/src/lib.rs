//! Healthcare sector rules for isms.
//!
//! Health data is a special category of personal data (GDPR Art. 9) and protected health
//! information (PHI) under HIPAA: its disclosure harms patients, must be notified and is fined
//! most heavily. This plugin
//!
//! - raises the impact of disclosure threats (technical attack, malware, social engineering,
//!   human) on assets that hold health data by 1, once per scenario however many signs of
//!   health data the asset shows;
//! - makes the privacy and records controls A.5.31, A.5.33, A.5.34, A.8.10 and A.8.11
//!   applicable: as legal requirements when the inventory holds personal or health data, and
//!   as regulatory requirements when the organisation's `sector` fact is `healthcare`;
//! - reports health data without an owner or classified below `confidential`, and medical
//!   devices that run unsupported software.
//!
//! Health data is an asset with attribute `health_data` = true or tag `phi` or `health`. In a
//! healthcare organisation, personal data (`personal_data` = true) is presumed to include
//! patient data and raises impact too.
//!
//! The rules are plain functions over the SDK types, so `cargo test` checks them on the host.

use isms_plugin_sdk::{
    Asset, Batch, BatchResult, Category, Descriptor, Entry, Guest, Inventory, Reason,
    ResultBuilder, Severity, fact_is, reason, threat,
};

/// The plugin id of `plugin.toml`; the host reports findings and reasons under it.
pub const ID: &str = "healthcare";

/// The controls this plugin gives reasons for.
pub const CONTROLS: &[&str] = &["A.5.31", "A.5.33", "A.5.34", "A.8.10", "A.8.11"];

/// Threat categories that disclose or tamper with information: attacks, malware (HHS presumes
/// ransomware on PHI to be a breach), manipulation of staff and staff errors or misuse.
const DISCLOSURE: &[&str] = &[
    threat::TECHNICAL_ATTACK,
    threat::MALWARE,
    threat::SOCIAL_ENGINEERING,
    threat::HUMAN,
];

/// Location prefixes of public clouds, as the built-in threat catalog recognises them.
const PUBLIC_CLOUDS: &[&str] = &["aws", "azure", "gcp"];

const IMPACT_HEALTH_DATA: &str = "The asset holds health data, a special category of personal \
    data (GDPR Art. 9) and PHI under HIPAA: its disclosure harms patients and must be notified \
    (GDPR Art. 33-34, HIPAA Breach Notification Rule; HHS presumes ransomware on PHI to be a \
    breach), and corrupted or missing records endanger their treatment.";

const IMPACT_PATIENT_DATA: &str = "The asset holds personal data of a healthcare organisation, \
    presumed to include patient data (GDPR Art. 9 special category, PHI under HIPAA): its \
    disclosure harms patients and must be notified (GDPR Art. 33-34, HIPAA Breach Notification \
    Rule), and corrupted or missing records endanger their treatment.";

/// Reasons when the inventory holds health data.
const LEGAL_HEALTH: &[(&str, &str)] = &[
    (
        "A.5.31",
        "Health data is processed: GDPR Art. 9 with the national health data laws and, for US \
         patients, HIPAA are legal requirements the ISMS must identify, document and keep up \
         to date.",
    ),
    (
        "A.5.33",
        "Records containing health data must be protected against loss, falsification and \
         unauthorised access and kept for the legal retention periods (GDPR Art. 5(1)(e) and \
         30, national medical records laws, HIPAA 45 CFR 164.316(b)).",
    ),
    (
        "A.5.34",
        "Health data is special category personal data: GDPR Art. 9 permits its processing \
         only on specific grounds, Art. 32 and 35 require appropriate security and a data \
         protection impact assessment, and the HIPAA Privacy and Security Rules protect PHI.",
    ),
    (
        "A.8.10",
        "Health data must be erased when no longer needed (GDPR Art. 5(1)(e) and 17), and \
         media that held PHI must be disposed of or wiped securely (HIPAA 45 CFR \
         164.310(d)(2)).",
    ),
    (
        "A.8.11",
        "GDPR Art. 25 and 32 name pseudonymisation as a safeguard for health data and HIPAA \
         45 CFR 164.514 defines de-identification: mask health data wherever identity is not \
         needed (testing, analytics, research).",
    ),
];

/// Reasons when the inventory holds personal but no health data.
const LEGAL_PERSONAL: &[(&str, &str)] = &[
    (
        "A.5.31",
        "Personal data is processed: the GDPR and the national data protection laws are legal \
         requirements the ISMS must identify, document and keep up to date.",
    ),
    (
        "A.5.33",
        "Records of processing (GDPR Art. 30) and records containing personal data must be \
         protected and kept no longer than needed (GDPR Art. 5(1)(e)).",
    ),
    (
        "A.5.34",
        "Personal data is processed: GDPR Art. 5, 25 and 32 require its protection by design \
         and by appropriate technical and organisational measures.",
    ),
    (
        "A.8.10",
        "Personal data must be erased when no longer needed or on request (GDPR Art. 5(1)(e) \
         and 17).",
    ),
    (
        "A.8.11",
        "GDPR Art. 25 and 32 name pseudonymisation as a safeguard: mask personal data \
         wherever identity is not needed (testing, analytics).",
    ),
];

/// Reasons when the organisation is in the healthcare sector.
const REGULATORY: &[(&str, &str)] = &[
    (
        "A.5.31",
        "The organisation is in the healthcare sector: sector regulation applies and must be \
         tracked (HIPAA for US covered entities and business associates, NIS2 with health care \
         as a sector of high criticality, national patient rights and hospital laws).",
    ),
    (
        "A.5.33",
        "Healthcare regulation requires patient records to be complete, unaltered and available \
         for their retention period, and HIPAA 45 CFR 164.316(b)(2) keeps security \
         documentation for six years.",
    ),
    (
        "A.5.34",
        "Healthcare regulation protects patient confidentiality beyond general data protection \
         law: the HIPAA Privacy Rule for covered entities and medical secrecy under national \
         professional law.",
    ),
    (
        "A.8.10",
        "Healthcare regulation requires patient data and the media that stored it to be \
         destroyed or wiped at the end of retention or use (HIPAA 45 CFR 164.310(d)(2)(i) \
         and (ii)).",
    ),
    (
        "A.8.11",
        "Secondary use of patient data (research, registries, quality reporting) is allowed \
         only de-identified or pseudonymised (HIPAA 45 CFR 164.514, national research and \
         registry laws).",
    ),
];

struct Healthcare;

impl Guest for Healthcare {
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

isms_plugin_sdk::export!(Healthcare with_types_in isms_plugin_sdk);

/// What the plugin is; `plugin.toml` states the same id and version.
pub fn descriptor() -> Descriptor {
    Descriptor::new(
        ID,
        "Healthcare sector rules",
        env!("CARGO_PKG_VERSION"),
        "Health data (GDPR Art. 9, PHI under HIPAA) raises the impact of disclosure threats; \
         privacy and records controls apply; findings for unowned or under-classified health \
         data and unsupported medical devices.",
        CONTROLS,
    )
}

/// Whether the organisation is in the healthcare sector (fact `sector`).
pub fn healthcare_org(facts: &[Entry]) -> bool {
    fact_is(facts, "sector", "healthcare") || fact_is(facts, "sector", "health")
}

/// Whether the asset holds health data (PHI).
pub fn holds_health_data(asset: &Asset) -> bool {
    asset.flag("health_data") || asset.has_any_tag(&["phi", "health"])
}

/// Whether the asset is in a public cloud, judged by its location (`aws-eu-central-1`).
pub fn in_public_cloud(asset: &Asset) -> bool {
    asset.location.as_deref().is_some_and(|location| {
        let location = location.trim().to_ascii_lowercase();
        PUBLIC_CLOUDS
            .iter()
            .any(|cloud| location.starts_with(cloud))
    })
}

/// Why disclosing the asset harms patients, or `None` when it does not hold their data.
fn impact_reason(asset: &Asset, healthcare: bool) -> Option<&'static str> {
    if holds_health_data(asset) {
        Some(IMPACT_HEALTH_DATA)
    } else if healthcare && asset.flag("personal_data") {
        Some(IMPACT_PATIENT_DATA)
    } else {
        None
    }
}

/// Adjusts the batch's scenarios and reports findings about its assets.
pub fn evaluate(batch: &Batch) -> BatchResult {
    let healthcare = healthcare_org(&batch.facts);
    let mut out = ResultBuilder::new();
    for (index, scenario, asset) in batch.scenarios_with_assets() {
        if scenario.category_in(DISCLOSURE)
            && let Some(reason) = impact_reason(asset, healthcare)
        {
            out.impact(index, 1, reason);
        }
    }
    for (index, asset) in batch.indexed_assets() {
        asset_findings(index, asset, &mut out);
    }
    out.build()
}

/// The findings about one asset.
fn asset_findings(index: u32, asset: &Asset, out: &mut ResultBuilder) {
    if holds_health_data(asset) {
        if !asset.has_owner() {
            out.finding(
                index,
                "HC-PHI-NO-OWNER",
                Severity::High,
                "Health data has no owner. Name an owner who authorises access to it and \
                 answers for its protection (A.5.9); HIPAA 45 CFR 164.308(a)(2) and GDPR Art. \
                 5(2) and 24 require assigned accountability for patient data.",
            );
        }
        if !asset.classified_at_least("confidential") {
            let state = match asset.classification.as_deref() {
                Some(classification) => format!("classified only as '{classification}'"),
                None => "unclassified".to_string(),
            };
            if in_public_cloud(asset) {
                let location = asset.location.as_deref().unwrap_or_default();
                out.finding(
                    index,
                    "HC-PHI-PUBLIC-CLOUD-UNCLASSIFIED",
                    Severity::High,
                    format!(
                        "Health data in the public cloud ({location}) is {state}. Classify it \
                         confidential or restricted so that encryption, access restriction and \
                         handling rules apply to it (A.5.12, A.5.13, A.5.23); an exposed cloud \
                         store of PHI is a notifiable breach under GDPR Art. 33 and the HIPAA \
                         Breach Notification Rule."
                    ),
                );
            } else {
                out.finding(
                    index,
                    "HC-PHI-UNCLASSIFIED",
                    Severity::Medium,
                    format!(
                        "Health data is {state}. Classify it confidential or restricted so that \
                         the access control, encryption and handling rules for special category \
                         data apply to it (A.5.12, A.5.13; GDPR Art. 9 and 32, HIPAA 45 CFR \
                         164.312)."
                    ),
                );
            }
        }
    }
    if asset.has_tag("medical-device") && asset.attr_is("patch_level", "unsupported") {
        let (severity, exposure) = if asset.internet_facing() {
            (
                Severity::Critical,
                " It is reachable from the internet: remove that exposure first.",
            )
        } else {
            (Severity::High, "")
        };
        out.finding(
            index,
            "HC-MEDICAL-DEVICE-UNSUPPORTED",
            severity,
            format!(
                "A medical device runs software past its end of support, so its vulnerabilities \
                 will not be fixed. Isolate it in a dedicated network segment with only the \
                 connections it needs, monitor it, and agree replacement or compensating \
                 controls with the manufacturer (A.8.8, A.8.22; IEC 80001-1, FDA and EU MDR \
                 cybersecurity requirements).{exposure}"
            ),
        );
    }
}

/// The privacy and records controls this organisation and inventory make applicable.
pub fn applicability(inventory: &Inventory) -> Vec<Reason> {
    let health = inventory.flag_count("health_data") > 0
        || inventory.tag_count("phi") > 0
        || inventory.tag_count("health") > 0;
    let personal = inventory.flag_count("personal_data") > 0;
    let legal = if health {
        LEGAL_HEALTH
    } else if personal {
        LEGAL_PERSONAL
    } else {
        &[]
    };
    let regulatory = if healthcare_org(&inventory.facts) {
        REGULATORY
    } else {
        &[]
    };
    let legal = legal
        .iter()
        .map(|(control, text)| reason(control, Category::Legal, text));
    let regulatory = regulatory
        .iter()
        .map(|(control, text)| reason(control, Category::Regulatory, text));
    legal.chain(regulatory).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use isms_plugin_sdk::{Factor, INTERFACE_VERSION, Scenario};

    fn batch(facts: &[(&str, &str)], assets: Vec<Asset>, scenarios: Vec<Scenario>) -> Batch {
        Batch {
            facts: facts.iter().map(|(n, v)| Entry::new(n, v)).collect(),
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

    fn owned(asset: Asset) -> Asset {
        asset.with_owner("Head of Clinical IT")
    }

    #[test]
    fn health_data_raises_impact_of_disclosure_threats_once() {
        let ehr = owned(
            Asset::new("AST-1", "information")
                .with_attr("health_data", "true")
                .with_tag("phi")
                .with_classification("restricted"),
        );
        let result = evaluate(&batch(
            &[],
            vec![ehr],
            vec![
                Scenario::new(0, threat::TECHNICAL_ATTACK, 3, 4),
                Scenario::new(0, threat::ENVIRONMENTAL, 1, 4),
                Scenario::new(0, "Social-Engineering", 4, 4),
                Scenario::new(0, threat::HUMAN, 3, 3),
            ],
        ));
        let raised: Vec<(u32, Factor, i8)> = result
            .adjustments
            .iter()
            .map(|a| (a.scenario, a.factor, a.delta))
            .collect();
        assert_eq!(
            raised,
            [
                (0, Factor::Impact, 1),
                (2, Factor::Impact, 1),
                (3, Factor::Impact, 1)
            ]
        );
        assert!(result.adjustments[0].reason.contains("GDPR Art. 9"));
        assert!(result.findings.is_empty());
    }

    #[test]
    fn personal_data_counts_only_in_healthcare_organisations() {
        let crm = owned(Asset::new("AST-2", "information").with_attr("personal_data", "yes"));
        let scenarios = vec![Scenario::new(0, threat::MALWARE, 3, 3)];
        let elsewhere = evaluate(&batch(
            &[("sector", "retail")],
            vec![crm.clone()],
            scenarios.clone(),
        ));
        assert!(elsewhere.adjustments.is_empty());
        let hospital = evaluate(&batch(&[("sector", "Healthcare")], vec![crm], scenarios));
        assert_eq!(hospital.adjustments.len(), 1);
        assert!(hospital.adjustments[0].reason.contains("patient data"));
        // Personal data alone is no PHI finding.
        assert!(hospital.findings.is_empty());
    }

    #[test]
    fn health_data_findings() {
        let assets = vec![
            // 0: no owner, restricted: only the owner finding.
            Asset::new("AST-10", "information")
                .with_tag("PHI")
                .with_classification("restricted"),
            // 1: internal, in AWS: public cloud finding.
            owned(
                Asset::new("AWS-11", "information")
                    .with_attr("health_data", "1")
                    .with_classification("internal")
                    .with_location("aws-eu-central-1"),
            ),
            // 2: unclassified, on premises.
            owned(Asset::new("AST-12", "software").with_tag("health")),
            // 3: confidential and owned: nothing.
            owned(
                Asset::new("AST-13", "information")
                    .with_tag("phi")
                    .with_classification("confidential"),
            ),
            // 4: no health data at all.
            Asset::new("AST-14", "information"),
        ];
        let result = evaluate(&batch(&[], assets, Vec::new()));
        assert_eq!(
            codes(&result),
            [
                (0, "HC-PHI-NO-OWNER", Severity::High),
                (1, "HC-PHI-PUBLIC-CLOUD-UNCLASSIFIED", Severity::High),
                (2, "HC-PHI-UNCLASSIFIED", Severity::Medium),
            ]
        );
        assert!(result.findings[1].message.contains("aws-eu-central-1"));
        assert!(result.findings[1].message.contains("'internal'"));
        assert!(result.findings[2].message.contains("unclassified"));
    }

    #[test]
    fn unsupported_medical_devices() {
        let device = |patch: &str| {
            owned(Asset::new("AST-20", "hardware"))
                .with_tag("medical-device")
                .with_attr("patch_level", patch)
        };
        let assets = vec![
            device("unsupported"),
            device("current"),
            device("Unsupported").with_attr("internet_facing", "true"),
            owned(Asset::new("AST-21", "hardware")).with_attr("patch_level", "unsupported"),
        ];
        let result = evaluate(&batch(&[], assets, Vec::new()));
        assert_eq!(
            codes(&result),
            [
                (0, "HC-MEDICAL-DEVICE-UNSUPPORTED", Severity::High),
                (2, "HC-MEDICAL-DEVICE-UNSUPPORTED", Severity::Critical),
            ]
        );
        assert!(result.findings[1].message.contains("internet"));
    }

    #[test]
    fn scenarios_outside_the_batch_are_ignored() {
        let result = evaluate(&batch(
            &[],
            Vec::new(),
            vec![Scenario::new(3, threat::MALWARE, 3, 3)],
        ));
        assert!(result.adjustments.is_empty() && result.findings.is_empty());
    }

    fn inventory(sector: &str, tags: &[&str], flagged: &[&str]) -> Inventory {
        Inventory {
            facts: vec![Entry::new("sector", sector)],
            assets: 10,
            tags: tags.iter().map(|t| (t.to_string(), 1)).collect(),
            flagged: flagged.iter().map(|f| (f.to_string(), 1)).collect(),
            ..Default::default()
        }
    }

    fn summary(reasons: &[Reason]) -> Vec<(&str, Category)> {
        reasons
            .iter()
            .map(|r| (r.control.as_str(), r.category))
            .collect()
    }

    #[test]
    fn applicability_follows_data_and_sector() {
        assert!(applicability(&inventory("software", &[], &[])).is_empty());

        let personal = applicability(&inventory("software", &[], &["personal_data"]));
        assert_eq!(personal.len(), 5);
        assert!(personal.iter().all(|r| r.category == Category::Legal));
        assert!(!personal[0].text.contains("Health"));

        let health = applicability(&inventory("software", &["phi"], &["personal_data"]));
        assert_eq!(summary(&health), summary(&personal));
        assert!(health.iter().any(|r| r.text.contains("GDPR Art. 9")));

        let hospital = applicability(&inventory("healthcare", &[], &["health_data"]));
        assert_eq!(hospital.len(), 10);
        assert_eq!(
            hospital
                .iter()
                .filter(|r| r.category == Category::Regulatory)
                .count(),
            5
        );
        for r in &hospital {
            assert!(CONTROLS.contains(&r.control.as_str()), "{}", r.control);
            assert!(r.text.len() > 60);
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
