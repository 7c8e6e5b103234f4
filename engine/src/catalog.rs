//! The Annex A control catalogs (ISO/IEC 27001:2022 and :2013) and their correspondence.
//!
//! Only identifiers, short titles and the ISO/IEC 27002 attributes are held, never the text of
//! the standard. The data files under `rulesets/catalog/` are compiled into the binary, so the
//! engine needs no file at run time; they are parsed once, on first use.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// Index of a control in its [`Catalog`]'s `controls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ControlIdx(pub u16);

impl ControlIdx {
    /// The position in [`Catalog::controls`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Which edition of Annex A a catalog is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CatalogId {
    /// Annex A of ISO/IEC 27001:2022: 93 controls in four themes (`iso27001-2022`).
    #[serde(rename = "iso27001-2022")]
    Iso27001_2022,
    /// Annex A of ISO/IEC 27001:2013: 114 controls in 14 domains (`iso27001-2013`).
    #[serde(rename = "iso27001-2013")]
    Iso27001_2013,
}

impl CatalogId {
    /// Both editions, newest first.
    pub const ALL: [CatalogId; 2] = [CatalogId::Iso27001_2022, CatalogId::Iso27001_2013];

    /// The name used in `isms.toml` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogId::Iso27001_2022 => "iso27001-2022",
            CatalogId::Iso27001_2013 => "iso27001-2013",
        }
    }

    /// Parses a catalog name as written in `isms.toml`.
    pub fn parse(text: &str) -> Option<CatalogId> {
        CatalogId::ALL
            .into_iter()
            .find(|c| c.as_str() == text.trim())
    }

    /// The other edition, used to say "this id belongs to the 2013 catalog" in errors.
    pub fn other(self) -> CatalogId {
        match self {
            CatalogId::Iso27001_2022 => CatalogId::Iso27001_2013,
            CatalogId::Iso27001_2013 => CatalogId::Iso27001_2022,
        }
    }
}

impl fmt::Display for CatalogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A theme (2022) or domain (2013) grouping controls.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The prefix its controls' ids share: `A.5`, or `A.9.2` for a 2013 control objective.
    pub id: String,
    /// Its short title, e.g. `Organizational`.
    pub title: String,
}

/// The ISO/IEC 27002:2022 attributes of a control (empty lists for the 2013 catalog).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attributes {
    /// When the control acts: `Preventive`, `Detective`, `Corrective`.
    pub control_types: Vec<String>,
    /// The security properties it serves: `Confidentiality`, `Integrity`, `Availability`.
    pub properties: Vec<String>,
    /// The cybersecurity concepts it falls under: `Identify`, `Protect`, `Detect`, `Respond`,
    /// `Recover`.
    pub concepts: Vec<String>,
    /// The operational capabilities it belongs to, e.g. `Governance`, `Asset_management`.
    pub capabilities: Vec<String>,
    /// The security domains it belongs to, e.g. `Governance_and_Ecosystem`, `Protection`.
    pub domains: Vec<String>,
}

/// One Annex A control: id, short title, its group and attributes.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// The control's id with the `A.` prefix: `A.8.24`, or `A.9.2.1` in the 2013 catalog.
    pub id: String,
    /// Its short title (the control's name only, never its text).
    pub title: String,
    /// Index into [`Catalog::groups`]; not serialised (outputs name the group by its id).
    #[serde(skip)]
    pub group: usize,
    /// The 2013 control objective (e.g. `A.9.2`); `None` for 2022 controls.
    pub objective: Option<Group>,
    /// Its ISO/IEC 27002:2022 attributes; all empty in the 2013 catalog.
    pub attributes: Attributes,
}

/// An Annex A edition: its groups and controls, with lookup by id.
#[derive(Debug)]
pub struct Catalog {
    /// Which edition this is.
    pub id: CatalogId,
    /// Its display name, e.g. `ISO/IEC 27001:2022 Annex A`.
    pub title: &'static str,
    /// Themes (2022) or domains (2013), in the standard's order.
    pub groups: Vec<Group>,
    /// Every control, in the standard's order; a [`ControlIdx`] indexes this list.
    pub controls: Vec<Control>,
    by_id: HashMap<String, ControlIdx>,
}

impl Catalog {
    /// Looks a control id up; the error (message, help) explains ids of the other edition
    /// with their counterparts in this one, from the correspondence ("`A.12.6.1` is
    /// ISO/IEC 27001:2013; in 2022 it is A.8.8").
    pub fn resolve(&self, id: &str) -> Result<ControlIdx, (String, String)> {
        if let Some(idx) = self.find(id) {
            return Ok(idx);
        }
        let other = Catalog::builtin(self.id.other());
        let Some(foreign) = other.find(id) else {
            return Err((
                format!("unknown control `{id}` in {}", self.id),
                format!(
                    "`isms catalog list --catalog {}` lists the valid ids",
                    self.id
                ),
            ));
        };
        let map = Correspondence::builtin();
        let ids = |list: &[ControlIdx]| -> Vec<String> {
            list.iter().map(|c| self.control(*c).id.clone()).collect()
        };
        let foreign_id = &other.control(foreign).id;
        let (edition, year) = match other.id {
            CatalogId::Iso27001_2013 => ("ISO/IEC 27001:2013", "2022"),
            CatalogId::Iso27001_2022 => ("ISO/IEC 27001:2022", "2013"),
        };
        let counterparts = match other.id {
            CatalogId::Iso27001_2013 => ids(&map.successors(foreign)),
            CatalogId::Iso27001_2022 => ids(map.predecessors(foreign)),
        };
        let message = match (other.id, counterparts.as_slice()) {
            (_, []) => format!(
                "`{foreign_id}` is {edition}, new in that edition: {} has no counterpart",
                self.id
            ),
            (CatalogId::Iso27001_2013, [one]) => {
                format!("`{foreign_id}` is {edition}; in {year} it is {one}")
            }
            (CatalogId::Iso27001_2013, many) => format!(
                "`{foreign_id}` is {edition}; in {year} it is split into {}",
                many.join(" and ")
            ),
            (CatalogId::Iso27001_2022, many) => format!(
                "`{foreign_id}` is {edition}; in {year} it was {}",
                many.join(" and ")
            ),
        };
        let help = match other.id {
            CatalogId::Iso27001_2013 => format!(
                "write {} instead, or run `isms migrate` on the workspace: it converts the 2013 ids of a 2022 SoA and treatment plan and keeps the 2022 ones",
                if counterparts.is_empty() {
                    "a 2022 id".to_owned()
                } else {
                    counterparts.join(" and ")
                }
            ),
            CatalogId::Iso27001_2022 => format!(
                "this workspace uses {}: write the 2013 id, or convert the workspace to 2022 with `isms migrate` and use 2022 ids throughout",
                self.id
            ),
        };
        Err((message, help))
    }

    /// The built-in catalog of an edition.
    pub fn builtin(id: CatalogId) -> &'static Catalog {
        static C2022: OnceLock<Catalog> = OnceLock::new();
        static C2013: OnceLock<Catalog> = OnceLock::new();
        match id {
            CatalogId::Iso27001_2022 => C2022.get_or_init(load_2022),
            CatalogId::Iso27001_2013 => C2013.get_or_init(load_2013),
        }
    }

    /// Looks a control up by id, accepting `A.5.1`, `a.5.1` and `5.1`.
    pub fn find(&self, id: &str) -> Option<ControlIdx> {
        let id = id.trim();
        if let Some(idx) = self.by_id.get(id) {
            return Some(*idx);
        }
        let normal = match id.strip_prefix(['A', 'a']) {
            Some(rest) => format!("A{rest}"),
            None => format!("A.{id}"),
        };
        self.by_id.get(&normal).copied()
    }

    /// The control at an index.
    pub fn control(&self, idx: ControlIdx) -> &Control {
        &self.controls[idx.index()]
    }

    /// The controls of one group, in catalog order.
    pub fn controls_in_group(&self, group: usize) -> impl Iterator<Item = (ControlIdx, &Control)> {
        self.iter().filter(move |(_, c)| c.group == group)
    }

    /// Every control with its index, in catalog order.
    pub fn iter(&self) -> impl Iterator<Item = (ControlIdx, &Control)> {
        self.controls
            .iter()
            .enumerate()
            .map(|(i, c)| (ControlIdx(i as u16), c))
    }

    fn new(id: CatalogId, title: &'static str, groups: Vec<Group>, controls: Vec<Control>) -> Self {
        let by_id = controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), ControlIdx(i as u16)))
            .collect();
        Catalog {
            id,
            title,
            groups,
            controls,
            by_id,
        }
    }
}

const CSV_2022: &str = include_str!("../../rulesets/catalog/iso27001_2022.csv");
const CSV_2013: &str = include_str!("../../rulesets/catalog/iso27001_2013.csv");
const CSV_MAPPING: &str = include_str!("../../rulesets/catalog/mapping_2013_2022.csv");

/// Reads embedded CSV rows; the data ships with the binary and a unit test parses all of it,
/// so a failure here is a build defect, not bad user input.
#[allow(clippy::panic)]
pub(crate) fn embedded_rows<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Vec<T> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("embedded catalog {name} is malformed: {e}"))
}

fn split_list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The id of the group a control belongs to: `A.5.1` -> `A.5`, `A.9.2.1` -> `A.9`.
fn group_prefix(id: &str) -> &str {
    match id.match_indices('.').nth(1) {
        Some((pos, _)) => &id[..pos],
        None => id,
    }
}

/// Finds or appends a group, keeping first-seen order (the catalog's own order).
fn group_index(groups: &mut Vec<Group>, id: &str, title: &str) -> usize {
    if let Some(i) = groups.iter().position(|g| g.id == id) {
        return i;
    }
    groups.push(Group {
        id: id.to_owned(),
        title: title.to_owned(),
    });
    groups.len() - 1
}

#[derive(Deserialize)]
struct Row2022 {
    id: String,
    theme: String,
    title: String,
    control_type: String,
    properties: String,
    concepts: String,
    capabilities: String,
    domains: String,
}

fn load_2022() -> Catalog {
    let mut groups = Vec::new();
    let controls = embedded_rows::<Row2022>("iso27001_2022.csv", CSV_2022)
        .into_iter()
        .map(|r| Control {
            group: group_index(&mut groups, group_prefix(&r.id), &r.theme),
            objective: None,
            attributes: Attributes {
                control_types: split_list(&r.control_type),
                properties: split_list(&r.properties),
                concepts: split_list(&r.concepts),
                capabilities: split_list(&r.capabilities),
                domains: split_list(&r.domains),
            },
            id: r.id,
            title: r.title,
        })
        .collect();
    Catalog::new(
        CatalogId::Iso27001_2022,
        "ISO/IEC 27001:2022 Annex A",
        groups,
        controls,
    )
}

#[derive(Deserialize)]
struct Row2013 {
    id: String,
    domain_id: String,
    domain_title: String,
    title: String,
    objective_id: String,
    objective_title: String,
}

fn load_2013() -> Catalog {
    let mut groups = Vec::new();
    let controls = embedded_rows::<Row2013>("iso27001_2013.csv", CSV_2013)
        .into_iter()
        .map(|r| Control {
            group: group_index(&mut groups, &r.domain_id, &r.domain_title),
            objective: Some(Group {
                id: r.objective_id,
                title: r.objective_title,
            }),
            attributes: Attributes::default(),
            id: r.id,
            title: r.title,
        })
        .collect();
    Catalog::new(
        CatalogId::Iso27001_2013,
        "ISO/IEC 27001:2013 Annex A",
        groups,
        controls,
    )
}

/// The 2013 -> 2022 correspondence: which 2013 controls each 2022 control takes over.
#[derive(Debug)]
pub struct Correspondence {
    /// For each 2022 control (by index), its 2013 predecessors; empty for a new control.
    predecessors: Vec<Vec<ControlIdx>>,
}

impl Correspondence {
    /// The built-in correspondence.
    pub fn builtin() -> &'static Correspondence {
        static MAP: OnceLock<Correspondence> = OnceLock::new();
        MAP.get_or_init(load_mapping)
    }

    /// The 2013 controls a 2022 control replaces; empty when it is new in 2022.
    pub fn predecessors(&self, control_2022: ControlIdx) -> &[ControlIdx] {
        &self.predecessors[control_2022.index()]
    }

    /// The 2022 controls that took over a 2013 control (usually one; a few were split).
    pub fn successors(&self, control_2013: ControlIdx) -> Vec<ControlIdx> {
        self.predecessors
            .iter()
            .enumerate()
            .filter(|(_, p)| p.contains(&control_2013))
            .map(|(i, _)| ControlIdx(i as u16))
            .collect()
    }

    /// The 2022 controls with no 2013 predecessor.
    pub fn new_in_2022(&self) -> Vec<ControlIdx> {
        self.predecessors
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_empty())
            .map(|(i, _)| ControlIdx(i as u16))
            .collect()
    }
}

#[derive(Deserialize)]
struct MappingRow {
    id_2022: String,
    id_2013: String,
}

// The embedded mapping is tested against the embedded catalogs; a mismatch is a build defect.
#[allow(clippy::panic)]
fn load_mapping() -> Correspondence {
    let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
    let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
    let mut predecessors = vec![Vec::new(); c2022.controls.len()];
    for row in embedded_rows::<MappingRow>("mapping_2013_2022.csv", CSV_MAPPING) {
        let new = c2022
            .find(&row.id_2022)
            .unwrap_or_else(|| panic!("mapping names unknown 2022 control {}", row.id_2022));
        if row.id_2013.trim().is_empty() {
            continue;
        }
        let old = c2013
            .find(&row.id_2013)
            .unwrap_or_else(|| panic!("mapping names unknown 2013 control {}", row.id_2013));
        predecessors[new.index()].push(old);
    }
    Correspondence { predecessors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_2022_has_93_controls_in_four_themes() {
        let c = Catalog::builtin(CatalogId::Iso27001_2022);
        assert_eq!(c.controls.len(), 93);
        let counts: Vec<(String, usize)> = (0..c.groups.len())
            .map(|g| (c.groups[g].title.clone(), c.controls_in_group(g).count()))
            .collect();
        assert_eq!(
            counts,
            vec![
                ("Organizational".to_owned(), 37),
                ("People".to_owned(), 8),
                ("Physical".to_owned(), 14),
                ("Technological".to_owned(), 34),
            ]
        );
        assert_eq!(c.groups[3].id, "A.8");
        let a824 = c.control(c.find("A.8.24").unwrap());
        assert_eq!(a824.title, "Use of cryptography");
        assert!(
            a824.attributes
                .properties
                .contains(&"Confidentiality".to_owned())
        );
        assert!(
            c.controls
                .iter()
                .all(|c| !c.attributes.control_types.is_empty())
        );
    }

    #[test]
    fn an_id_of_the_other_edition_is_named_with_its_counterparts() {
        let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
        let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
        let (message, help) = c2022.resolve("A.12.6.1").unwrap_err();
        assert_eq!(
            message,
            "`A.12.6.1` is ISO/IEC 27001:2013; in 2022 it is A.8.8"
        );
        assert!(
            help.starts_with("write A.8.8 instead, or run `isms migrate`"),
            "{help}"
        );
        let (message, _) = c2022.resolve("A.18.2.3").unwrap_err();
        assert_eq!(
            message,
            "`A.18.2.3` is ISO/IEC 27001:2013; in 2022 it is split into A.5.36 and A.8.8"
        );
        let (message, _) = c2013.resolve("A.5.17").unwrap_err();
        assert_eq!(
            message,
            "`A.5.17` is ISO/IEC 27001:2022; in 2013 it was A.9.2.4 and A.9.3.1 and A.9.4.3"
        );
        let (message, _) = c2013.resolve("A.5.7").unwrap_err();
        assert!(message.contains("new in that edition"), "{message}");
        let (message, help) = c2022.resolve("A.5.99").unwrap_err();
        assert_eq!(message, "unknown control `A.5.99` in iso27001-2022");
        assert!(help.contains("isms catalog list"));
    }

    #[test]
    fn catalog_2013_has_114_controls_in_14_domains() {
        let c = Catalog::builtin(CatalogId::Iso27001_2013);
        assert_eq!(c.controls.len(), 114);
        assert_eq!(c.groups.len(), 14);
        assert_eq!(c.groups[0].id, "A.5");
        assert_eq!(c.groups[13].id, "A.18");
        assert!(c.controls.iter().all(|c| c.objective.is_some()));
    }

    #[test]
    fn every_2022_control_is_mapped_or_new() {
        let map = Correspondence::builtin();
        let c2022 = Catalog::builtin(CatalogId::Iso27001_2022);
        let c2013 = Catalog::builtin(CatalogId::Iso27001_2013);
        let new: Vec<&str> = map
            .new_in_2022()
            .into_iter()
            .map(|i| c2022.control(i).id.as_str())
            .collect();
        assert_eq!(
            new,
            [
                "A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10", "A.8.11", "A.8.12",
                "A.8.16", "A.8.23", "A.8.28"
            ]
        );
        // Every 2013 control has at least one successor, and 2022 A.5.1 merges two.
        for (idx, control) in c2013.iter() {
            assert!(!map.successors(idx).is_empty(), "{} unmapped", control.id);
        }
        assert_eq!(map.predecessors(c2022.find("A.5.1").unwrap()).len(), 2);
    }

    #[test]
    fn find_accepts_common_spellings() {
        let c = Catalog::builtin(CatalogId::Iso27001_2022);
        assert_eq!(c.find("A.5.1"), c.find("a.5.1"));
        assert_eq!(c.find("A.5.1"), c.find("5.1"));
        assert!(c.find("A.5.1").is_some());
        assert!(c.find("A.9.2.1").is_none());
        assert!(c.find("").is_none());
    }
}
