//! Synthetic but realistic workspaces, deterministic for a seed, for tests and benchmarks.
//!
//! The shape follows a CMDB export of a mid-sized to large enterprise: sites hold hardware,
//! hardware runs software, software processes information, services and suppliers support
//! them. Dependencies only point at assets generated earlier, so the graph is acyclic by
//! construction. A small share of records carries the lapses real registers have (no owner,
//! tolerated without acceptance, overdue actions) so that gap detection has work to do.

use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalog::{Catalog, CatalogId};
use crate::load::{ACTION_FIELDS, ASSET_FIELDS, RISK_FIELDS, SOA_FIELDS, THREAT_FIELDS};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub assets: usize,
    pub seed: u64,
}

/// One file of a generated workspace: its path relative to the workspace root and contents.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    pub path: &'static str,
    pub contents: Vec<u8>,
}

const LOCATIONS: &[&str] = &[
    "HQ",
    "DC-West",
    "DC-East",
    "Branch-North",
    "Branch-South",
    "aws-eu-central-1",
    "azure-westeurope",
    "m365",
];
const UNITS: &[&str] = &[
    "Finance",
    "HR",
    "Engineering",
    "Sales",
    "Operations",
    "Legal",
    "Customer Success",
    "IT",
];
const ROLES: &[&str] = &[
    "CIO",
    "CISO",
    "CFO",
    "Head of HR",
    "Head of Engineering",
    "Head of Sales",
    "Head of Operations",
    "Legal Counsel",
    "IT Operations Lead",
    "Data Protection Officer",
];

struct Kind {
    name: &'static str,
    weight: u32,
    subtypes: &'static [&'static str],
}

/// Asset kinds with their share of a typical CMDB export.
const KINDS: &[Kind] = &[
    Kind {
        name: "site",
        weight: 1,
        subtypes: &["office", "datacenter", "warehouse"],
    },
    Kind {
        name: "network",
        weight: 3,
        subtypes: &["vlan", "wan-link", "vpn", "wifi"],
    },
    Kind {
        name: "hardware",
        weight: 34,
        subtypes: &["server", "laptop", "firewall", "switch", "storage", "phone"],
    },
    Kind {
        name: "software",
        weight: 24,
        subtypes: &[
            "application",
            "database",
            "middleware",
            "container-platform",
        ],
    },
    Kind {
        name: "service",
        weight: 8,
        subtypes: &["saas", "managed-service", "api"],
    },
    Kind {
        name: "information",
        weight: 22,
        subtypes: &[
            "customer-data",
            "hr-records",
            "source-code",
            "financial-records",
            "contracts",
        ],
    },
    Kind {
        name: "people",
        weight: 4,
        subtypes: &["team", "role"],
    },
    Kind {
        name: "supplier",
        weight: 4,
        subtypes: &["cloud-provider", "outsourcer", "contractor"],
    },
];

/// Which kinds an asset of each kind may depend on.
fn dependency_kinds(kind: &str) -> &'static [&'static str] {
    match kind {
        "network" | "hardware" => &["site"],
        "software" => &["hardware", "service"],
        "service" => &["supplier"],
        "information" => &["software"],
        "people" => &["site"],
        _ => &[],
    }
}

const CLASSIFICATIONS: &[(&str, u32)] = &[
    ("public", 8),
    ("internal", 47),
    ("confidential", 35),
    ("restricted", 10),
];

fn weighted<'a>(rng: &mut ChaCha8Rng, items: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut pick = rng.random_range(0..total);
    for (name, w) in items {
        if pick < *w {
            return name;
        }
        pick -= w;
    }
    items[0].0
}

struct GenAsset {
    id: String,
    name: String,
    kind: &'static str,
    classification: &'static str,
    location: &'static str,
    cia_max: u8,
}

fn csv_file(
    path: &'static str,
    header: &[&str],
    rows: impl FnOnce(&mut csv::Writer<Vec<u8>>),
) -> GeneratedFile {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(header);
    rows(&mut w);
    GeneratedFile {
        path,
        contents: w.into_inner().unwrap_or_default(),
    }
}

/// Generates a workspace of `options.assets` assets.
/// Writes the generated workspace's files into `dir` (plain writes: for tests and
/// benchmarks; the CLI writes each file atomically).
pub fn write_to(dir: &std::path::Path, options: &Options) -> std::io::Result<()> {
    for f in workspace(options) {
        std::fs::write(dir.join(f.path), f.contents)?;
    }
    Ok(())
}

pub fn workspace(options: &Options) -> Vec<GeneratedFile> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let owners: Vec<String> = (0..(options.assets / 250).clamp(10, 400))
        .map(|i| format!("{} {}", ROLES[i % ROLES.len()], i / ROLES.len() + 1))
        .collect();
    let kind_weights: Vec<(&str, u32)> = KINDS.iter().map(|k| (k.name, k.weight)).collect();
    let mut assets: Vec<GenAsset> = Vec::with_capacity(options.assets);
    let mut by_kind: std::collections::HashMap<&str, Vec<usize>> = Default::default();

    let assets_csv = csv_file(
        "assets.csv",
        &[
            ASSET_FIELDS,
            &["internet_facing", "patch_level", "personal_data"],
        ]
        .concat(),
        |w| {
            for i in 0..options.assets {
                // The first assets are sites so that everything else can sit somewhere.
                let kind = if i < LOCATIONS.len().min(options.assets / 20 + 1) {
                    "site"
                } else {
                    weighted(&mut rng, &kind_weights)
                };
                let spec = KINDS.iter().find(|k| k.name == kind).unwrap_or(&KINDS[0]);
                let subtype = *spec.subtypes.choose(&mut rng).unwrap_or(&"");
                let classification = weighted(&mut rng, CLASSIFICATIONS);
                let base: u8 = match classification {
                    "public" => 1,
                    "internal" => 2,
                    "confidential" => 3,
                    _ => 4,
                };
                let mut cia = [0u8; 3];
                for v in &mut cia {
                    *v = (base + rng.random_range(0..=1u8)).min(5);
                }
                let location = *LOCATIONS.choose(&mut rng).unwrap_or(&"HQ");
                let id = format!("A{:06}", i + 1);
                let name = format!("{subtype} {}-{:05}", location.to_lowercase(), i + 1);
                let owner = if rng.random_bool(0.01) {
                    String::new()
                } else {
                    owners.choose(&mut rng).cloned().unwrap_or_default()
                };
                let mut depends: Vec<&str> = Vec::new();
                for dep_kind in dependency_kinds(kind) {
                    if let Some(pool) = by_kind.get(dep_kind)
                        && !pool.is_empty()
                        && rng.random_bool(0.8)
                    {
                        let pick = pool[rng.random_range(0..pool.len())];
                        depends.push(&assets[pick].id);
                    }
                }
                let status = if rng.random_bool(0.03) {
                    "retired"
                } else {
                    "active"
                };
                let internet_facing =
                    matches!(kind, "software" | "service" | "network") && rng.random_bool(0.25);
                let patch_level = match kind {
                    "hardware" | "software" => {
                        *["current", "current", "current", "outdated", "unsupported"]
                            .choose(&mut rng)
                            .unwrap_or(&"current")
                    }
                    _ => "",
                };
                let personal_data = kind == "information" && rng.random_bool(0.4);
                let tags = if internet_facing {
                    "external;monitored"
                } else {
                    "internal"
                };
                let (c, ii, a) = (cia[0].to_string(), cia[1].to_string(), cia[2].to_string());
                let unit = *UNITS.choose(&mut rng).unwrap_or(&"IT");
                let depends = depends.join(";");
                let _ = w.write_record([
                    id.as_str(),
                    &name,
                    kind,
                    subtype,
                    &owner,
                    location,
                    unit,
                    classification,
                    &c,
                    &ii,
                    &a,
                    status,
                    tags,
                    &depends,
                    if internet_facing { "yes" } else { "no" },
                    patch_level,
                    if personal_data { "yes" } else { "no" },
                ]);
                by_kind.entry(kind).or_default().push(assets.len());
                assets.push(GenAsset {
                    id,
                    name,
                    kind,
                    classification,
                    location,
                    cia_max: *cia.iter().max().unwrap_or(&1),
                });
            }
        },
    );

    let threats = ["T-G-01", "T-G-02", "T-G-03"];
    let threats_csv = csv_file("threats.csv", THREAT_FIELDS, |w| {
        let _ = w.write_record([
            "T-G-01",
            "Targeted extortion of the sector",
            "organisational",
            "asset.type == \"information\"",
            "3",
            "c;a",
            "Criminal groups specialised in the sector extort data owners.",
        ]);
        let _ = w.write_record([
            "T-G-02",
            "Insider misuse of privileged access",
            "human",
            "asset.type in [\"software\", \"hardware\"]",
            "2",
            "c;i",
            "Administrators misuse their rights.",
        ]);
        let _ = w.write_record([
            "T-G-03",
            "Regional flooding",
            "environmental",
            "asset.type == \"site\"",
            "1",
            "a",
            "Sites near rivers flood in spring.",
        ]);
    });

    let risk_count = (options.assets / 10).max(1);
    let vulnerabilities = [
        "patches applied late",
        "no multi-factor authentication",
        "shared administrator account",
        "backups not tested",
        "no encryption at rest",
        "single site without failover",
        "no supplier security review",
        "logging not centralised",
        "weak password policy",
    ];
    let consequences = [
        "customer data is disclosed",
        "operations stop for days",
        "records are altered unnoticed",
        "regulators impose fines",
        "contracts are breached",
        "payroll is delayed",
    ];
    let mut treated: Vec<String> = Vec::new();
    let risks_csv = csv_file("risks.csv", RISK_FIELDS, |w| {
        for i in 0..risk_count {
            let a = &assets[rng.random_range(0..assets.len())];
            let id = format!("R{:06}", i + 1);
            let vuln = *vulnerabilities.choose(&mut rng).unwrap_or(&"");
            let consequence = *consequences.choose(&mut rng).unwrap_or(&"");
            let threat = if rng.random_bool(0.3) {
                *threats.choose(&mut rng).unwrap_or(&"")
            } else {
                ""
            };
            let likelihood = rng.random_range(1..=5u8);
            let impact = a.cia_max.max(1);
            let option = *[
                "treat",
                "treat",
                "treat",
                "treat",
                "tolerate",
                "transfer",
                "terminate",
            ]
            .choose(&mut rng)
            .unwrap_or(&"treat");
            let (mut by, mut on, mut until, mut reference) = ("", "", "", "");
            match option {
                "tolerate" if rng.random_bool(0.9) => {
                    by = "CISO 1";
                    on = "2026-02-01";
                    until = "2027-02-01";
                }
                "transfer" if rng.random_bool(0.9) => reference = "INS-2026-0042",
                "treat" => treated.push(id.clone()),
                _ => {}
            }
            let title = format!(
                "{} of {} because {}",
                ["Compromise", "Outage", "Loss", "Tampering"][i % 4],
                a.name,
                vuln
            );
            let description = format!(
                "If {} ({}, {}, {}) is attacked while {}, {}.",
                a.name, a.kind, a.classification, a.location, vuln, consequence
            );
            let owner = owners.choose(&mut rng).cloned().unwrap_or_default();
            let (l, im) = (likelihood.to_string(), impact.to_string());
            let _ = w.write_record([
                id.as_str(),
                &title,
                &description,
                &a.id,
                threat,
                vuln,
                &owner,
                &l,
                &im,
                option,
                reference,
                by,
                on,
                until,
                "2026-03-15",
            ]);
        }
    });

    let catalog = Catalog::builtin(CatalogId::Iso27001_2022);
    let control_ids: Vec<&str> = catalog.controls.iter().map(|c| c.id.as_str()).collect();
    let plan_csv = csv_file("treatment_plan.csv", ACTION_FIELDS, |w| {
        for (i, risk) in treated.iter().enumerate() {
            let id = format!("TA{:06}", i + 1);
            let how_many = rng.random_range(1..=3);
            let controls: Vec<&str> = control_ids.sample(&mut rng, how_many).copied().collect();
            let status = *["done", "done", "in_progress", "planned", "planned"]
                .choose(&mut rng)
                .unwrap_or(&"planned");
            let due = if rng.random_bool(0.05) {
                "2026-01-31"
            } else {
                "2027-03-31"
            };
            let completed = if status == "done" { "2026-05-20" } else { "" };
            let owner = owners.choose(&mut rng).cloned().unwrap_or_default();
            let title = format!("Implement {} for {risk}", controls.join(", "));
            let controls = controls.join(";");
            let (lr, ir) = (
                rng.random_range(0..=2u8).to_string(),
                rng.random_range(0..=1u8).to_string(),
            );
            let _ = w.write_record([
                id.as_str(),
                &title,
                risk,
                &controls,
                &owner,
                due,
                status,
                completed,
                &lr,
                &ir,
            ]);
        }
    });

    let soa_csv = csv_file("soa.csv", SOA_FIELDS, |w| {
        for control in &catalog.controls {
            let applicable = !rng.random_bool(0.05);
            let status = *["implemented", "implemented", "partial", "planned"]
                .choose(&mut rng)
                .unwrap_or(&"planned");
            let (justification, status, evidence) = if applicable {
                (
                    format!(
                        "Required to treat the risks to {} assets.",
                        control.title.to_lowercase()
                    ),
                    status,
                    format!("DOC-{}", control.id),
                )
            } else {
                (
                    "Not relevant to the organisation's activities.".to_owned(),
                    "not_implemented",
                    String::new(),
                )
            };
            let _ = w.write_record([
                control.id.as_str(),
                if applicable { "yes" } else { "no" },
                &justification,
                status,
                &evidence,
            ]);
        }
    });

    let manifest = format!(
        r#"# Generated by `isms generate --assets {n} --seed {seed}`.
[workspace]
name = "Synthetic Enterprise ({n} assets, seed {seed})"
catalog = "iso27001-2022"
profile = "profile.toml"
rulesets = ["builtin:iso27001-2022"]
as_of = "2026-11-01"

[scope]
statement = "All information processing of the enterprise at every site and cloud tenant."

[inputs]
assets = "assets.csv"
threats = "threats.csv"
risks = "risks.csv"
treatment_plan = "treatment_plan.csv"
soa = "soa.csv"
"#,
        n = options.assets,
        seed = options.seed
    );
    let profile = r#"name = "Synthetic Enterprise"
sector = "manufacturing"
risk_appetite = 2
certification_date = "2025-01-15"

[facts]
develops_software = true
has_premises = true
uses_cloud = true
remote_work = true
processes_personal_data = true

[[requirements]]
id = "GDPR"
kind = "legal"
title = "EU General Data Protection Regulation"
controls = ["A.5.34", "A.8.11"]
"#;
    vec![
        GeneratedFile {
            path: "isms.toml",
            contents: manifest.into_bytes(),
        },
        GeneratedFile {
            path: "profile.toml",
            contents: profile.as_bytes().to_vec(),
        },
        assets_csv,
        threats_csv,
        risks_csv,
        plan_csv,
        soa_csv,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = workspace(&Options {
            assets: 300,
            seed: 7,
        });
        let b = workspace(&Options {
            assets: 300,
            seed: 7,
        });
        let c = workspace(&Options {
            assets: 300,
            seed: 8,
        });
        assert!(a.iter().zip(&b).all(|(x, y)| x.contents == y.contents));
        assert!(a.iter().zip(&c).any(|(x, y)| x.contents != y.contents));
    }

    #[test]
    fn sizes_are_proportional() {
        let files = workspace(&Options {
            assets: 1000,
            seed: 1,
        });
        let lines = |p: &str| {
            let f = files.iter().find(|f| f.path == p).unwrap();
            f.contents.iter().filter(|b| **b == b'\n').count() - 1
        };
        assert_eq!(lines("assets.csv"), 1000);
        assert_eq!(lines("risks.csv"), 100);
        assert_eq!(lines("soa.csv"), 93);
        assert!(lines("treatment_plan.csv") > 30);
    }
}
