//! Other frameworks mapped to ISO/IEC 27001: their requirements, the links from each
//! requirement to Annex A controls and to the management-system clauses (4 to 10), and what the
//! evaluated ISMS shows for each requirement ([`coverage`]).
//!
//! Frameworks are data, like the catalogs: NIS2 (Commission Implementing Regulation (EU)
//! 2024/2690, with ENISA's mapping) is built in ([`builtin`]), and a workspace can name its own
//! in `isms.toml` (`[[frameworks]]`, read by [`load`] from CSV files of the same format as the
//! built-in one). The profile declares which frameworks apply to the organisation
//! (`frameworks = ["nis2-2024-2690"]`): their coverage goes into every report, and their
//! uncovered requirements are gaps.

pub mod coverage;
pub mod load;

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogId, ControlIdx};

/// How a requirement relates to the control or clause it is linked to, read from the
/// requirement to the target as in the OSCAL mapping model and NIST OLIR: `subset` means the
/// requirement is a subset of the control (the control covers all of it).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// The requirement and the target say the same: the target covers the requirement.
    Equal,
    /// The requirement is part of the target: the target covers the requirement.
    Subset,
    /// The requirement asks more than the target: the target covers part of it.
    Superset,
    /// The two overlap: the target covers part of the requirement, how much is not said.
    Intersect,
    /// The two are related, without a stated overlap.
    Related,
}

impl Relationship {
    /// Every relationship, in the order the documentation lists them.
    pub const ALL: [Relationship; 5] = [
        Relationship::Equal,
        Relationship::Subset,
        Relationship::Superset,
        Relationship::Intersect,
        Relationship::Related,
    ];

    /// The name used in the mapping files.
    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::Subset => "subset",
            Relationship::Superset => "superset",
            Relationship::Intersect => "intersect",
            Relationship::Related => "related",
        }
    }

    /// Parses a name of a mapping file (case-insensitive; `subset-of`, `superset-of` and
    /// `equivalent-to` as OSCAL spells them are accepted).
    pub fn parse(text: &str) -> Option<Relationship> {
        let t = text.trim().to_ascii_lowercase();
        let t = t
            .strip_suffix("-of")
            .or_else(|| t.strip_suffix("_of"))
            .unwrap_or(&t);
        match t {
            "equal" | "equivalent" | "equivalent-to" | "equal-to" => Some(Relationship::Equal),
            "subset" => Some(Relationship::Subset),
            "superset" => Some(Relationship::Superset),
            "intersect" | "intersects" | "intersects-with" => Some(Relationship::Intersect),
            "related" | "related-to" => Some(Relationship::Related),
            _ => None,
        }
    }

    /// Whether a target with this relationship covers the whole requirement.
    pub fn covers_fully(self) -> bool {
        matches!(self, Relationship::Equal | Relationship::Subset)
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a link points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An Annex A control of the framework's catalog.
    Control(ControlIdx),
    /// A clause of ISO/IEC 27001 (4 to 10), by its number (`9.3.2`).
    Clause(String),
}

/// One link from a requirement to a control or a clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The control or clause.
    pub target: Target,
    /// How the requirement relates to it.
    pub relationship: Relationship,
    /// How strong the link is (0 to 10, as NIST OLIR rates it), when the mapping says.
    pub strength: Option<u8>,
}

/// One requirement of a framework.
#[derive(Debug, Clone)]
pub struct Requirement {
    /// Its id in the framework (`1.1.1.a`).
    pub id: String,
    /// Its title (for NIS2: the heading of the sub-section the point sits in).
    pub title: String,
    /// Index into [`Framework::groups`].
    pub group: usize,
    /// Its links, controls first (in catalog order as the file gives them), then clauses.
    pub links: Vec<Link>,
}

/// A group of requirements that coverage is summarised by (a NIS2 section, a CSF function).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// Its id: the `group` column of the requirements file, else the requirement id up to the
    /// first `.` or `-` (`1.1.1.a` -> `1`, `GV.OC-01` -> `GV`).
    pub id: String,
    /// Its heading, when the framework's groups file gives one.
    pub title: Option<String>,
}

/// A framework and its mapping to ISO/IEC 27001.
#[derive(Debug, Clone)]
pub struct Framework {
    /// Its id, as profiles declare it (`nis2-2024-2690`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The Annex A edition its control links use.
    pub catalog: CatalogId,
    /// The attribution and licence notice every output holding the data carries (empty for
    /// a framework that gives none).
    pub attribution: String,
    /// Groups in first-seen order.
    pub groups: Vec<Group>,
    /// Requirements in file order.
    pub requirements: Vec<Requirement>,
}

impl Framework {
    /// The requirement with an id.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        let id = id.trim();
        self.requirements.iter().find(|r| r.id == id)
    }

    /// Number of links to controls and to clauses.
    pub fn link_counts(&self) -> (usize, usize) {
        let mut counts = (0, 0);
        for l in self.requirements.iter().flat_map(|r| &r.links) {
            match l.target {
                Target::Control(_) => counts.0 += 1,
                Target::Clause(_) => counts.1 += 1,
            }
        }
        counts
    }
}

/// The id of the built-in NIS2 framework.
pub const NIS2: &str = "nis2-2024-2690";

/// Short names accepted for built-in frameworks (in `isms explain nis2:1.1.1.a`).
pub fn builtin_alias(name: &str) -> &str {
    match name.trim() {
        "nis2" => NIS2,
        other => other,
    }
}

const NIS2_REQUIREMENTS: &str =
    include_str!("../../../rulesets/frameworks/nis2-2024-2690/nis2_2024_2690_requirements.csv");
const NIS2_CONTROLS: &str =
    include_str!("../../../rulesets/frameworks/nis2-2024-2690/nis2_2024_2690_to_iso27001_2022.csv");
const NIS2_CLAUSES: &str = include_str!(
    "../../../rulesets/frameworks/nis2-2024-2690/nis2_2024_2690_to_iso27001_2022_clauses.csv"
);
const NIS2_GROUPS: &str = include_str!("../../../rulesets/frameworks/nis2-2024-2690/groups.csv");
const NIS2_ATTRIBUTION: &str =
    include_str!("../../../rulesets/frameworks/nis2-2024-2690/attribution.txt");

/// The built-in frameworks, parsed once on first use.
pub fn builtin() -> &'static [Framework] {
    static LIST: OnceLock<Vec<Framework>> = OnceLock::new();
    LIST.get_or_init(|| vec![nis2()])
}

/// The built-in framework with an id (or a short name such as `nis2`).
pub fn builtin_by_id(id: &str) -> Option<&'static Framework> {
    let id = builtin_alias(id);
    builtin().iter().find(|f| f.id == id)
}

/// Parses the embedded NIS2 data; a unit test parses all of it, so a failure here is a build
/// defect, not bad user input.
#[allow(clippy::panic)]
fn nis2() -> Framework {
    let file = |name: &str, text: &str| {
        let name = format!("builtin:frameworks/{NIS2}/{name}");
        let source =
            crate::input::SourceFile::from_bytes(name.clone().into(), name, text.as_bytes())
                .unwrap_or_else(|d| panic!("embedded framework data is malformed: {d}"));
        std::sync::Arc::new(source)
    };
    let sources = load::Sources {
        requirements: file("nis2_2024_2690_requirements.csv", NIS2_REQUIREMENTS),
        controls: Some(file("nis2_2024_2690_to_iso27001_2022.csv", NIS2_CONTROLS)),
        clauses: Some(file(
            "nis2_2024_2690_to_iso27001_2022_clauses.csv",
            NIS2_CLAUSES,
        )),
        groups: Some(file("groups.csv", NIS2_GROUPS)),
    };
    let header = load::Header {
        id: NIS2.to_owned(),
        title: "NIS2: Commission Implementing Regulation (EU) 2024/2690, Annex (technical and methodological requirements), mapped by ENISA".to_owned(),
        attribution: NIS2_ATTRIBUTION.trim().to_owned(),
    };
    let mut diags = crate::diag::Diagnostics::default();
    let catalog = crate::catalog::Catalog::builtin(CatalogId::Iso27001_2022);
    let framework = load::parse(header, &sources, catalog, &mut diags);
    if diags.has_errors() {
        let first = diags
            .iter()
            .next()
            .map(|d| d.to_string())
            .unwrap_or_default();
        panic!("embedded framework {NIS2} is malformed: {first}");
    }
    framework
}

/// The clauses of ISO/IEC 27001:2022 that links may name: 4 to 10 with their sub-clauses
/// (numbers only, never the standard's text).
pub const CLAUSES: &[&str] = &[
    "4", "4.1", "4.2", "4.3", "4.4", "5", "5.1", "5.2", "5.3", "6", "6.1", "6.1.1", "6.1.2",
    "6.1.3", "6.2", "6.3", "7", "7.1", "7.2", "7.3", "7.4", "7.5", "7.5.1", "7.5.2", "7.5.3", "8",
    "8.1", "8.2", "8.3", "9", "9.1", "9.2", "9.2.1", "9.2.2", "9.3", "9.3.1", "9.3.2", "9.3.3",
    "10", "10.1", "10.2",
];

/// Whether a clause number is one of [`CLAUSES`].
pub fn is_clause(id: &str) -> bool {
    CLAUSES.contains(&id.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn the_builtin_nis2_data_parses_with_the_documented_counts() {
        let f = builtin_by_id("nis2").unwrap();
        assert_eq!(f.id, NIS2);
        assert_eq!(f.requirements.len(), 349);
        assert_eq!(f.link_counts(), (730, 195));
        assert_eq!(f.groups.len(), 13);
        assert_eq!(f.groups[0].id, "1");
        assert_eq!(
            f.groups[8].title.as_deref(),
            Some("Cryptography"),
            "section 9"
        );
        let unmapped: Vec<&str> = f
            .requirements
            .iter()
            .filter(|r| r.links.is_empty())
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(unmapped.len(), 24, "{unmapped:?}");
        assert!(
            unmapped
                .iter()
                .all(|id| id.starts_with("7.") || id.starts_with("9."))
        );
        assert!(
            f.requirements
                .iter()
                .flat_map(|r| &r.links)
                .all(|l| l.relationship == Relationship::Intersect && l.strength.is_none())
        );
        assert!(f.attribution.contains("CC BY 4.0"));
        assert!(f.attribution.contains("Changes:"));
    }

    #[test]
    fn every_builtin_mapping_target_is_a_catalog_control_or_a_clause() {
        // The loader resolves every id (a failure would panic in `nis2`); check the result
        // again against the catalog and the clause list.
        let catalog = Catalog::builtin(CatalogId::Iso27001_2022);
        let f = builtin_by_id(NIS2).unwrap();
        let mut controls = std::collections::BTreeSet::new();
        for l in f.requirements.iter().flat_map(|r| &r.links) {
            match &l.target {
                Target::Control(c) => {
                    assert!(c.index() < catalog.controls.len());
                    controls.insert(*c);
                }
                Target::Clause(c) => assert!(is_clause(c), "{c}"),
            }
        }
        assert_eq!(controls.len(), 69, "distinct Annex A controls targeted");
    }

    #[test]
    fn relationships_parse_in_the_spellings_of_mapping_tools() {
        assert_eq!(Relationship::parse("Subset-of"), Some(Relationship::Subset));
        assert_eq!(
            Relationship::parse("equivalent-to"),
            Some(Relationship::Equal)
        );
        assert_eq!(
            Relationship::parse("intersects-with"),
            Some(Relationship::Intersect)
        );
        assert_eq!(Relationship::parse("overlaps"), None);
        assert!(Relationship::Equal.covers_fully() && Relationship::Subset.covers_fully());
        assert!(!Relationship::Superset.covers_fully());
        assert!(!Relationship::Intersect.covers_fully() && !Relationship::Related.covers_fully());
    }
}
