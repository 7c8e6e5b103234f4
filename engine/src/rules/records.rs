//! The records rules read: `asset`, `threat`, `risk`, `org` and `inventory`.
//!
//! Each is a view over the engine's own data. The compiled evaluator reads its fields by slot
//! ([`Record`]); the `cel` interpreter reads a converted copy, built on first use and kept
//! ([`RuleRecord::cel`]), so a run that never needs the interpreter never converts anything.
//!
//! Field names follow the input files. Absent optional fields are `null` (so `asset.owner ==
//! null` works); free attributes are under `asset.attributes` and are absent when a record
//! has none (guard with `has()`). `asset.confidentiality` and its siblings are the effective
//! protection needs after inheritance; the declared values are under `asset.declared`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use cel::Value;
use cel::common::value::Val as CelVal;
use cel::objects::{Key, Map};

use super::compiled::value::{List, MapVal};
use super::compiled::{BY_NAME, Record, Schema, Val};
use crate::model::{Affects, Asset, AssetIdx, AttrValue, Cia, FactValue, Profile, Risk, Threat};

/// The fields of `asset`, in slot order.
pub const ASSET_FIELDS: &[&str] = &[
    "id",
    "name",
    "type",
    "subtype",
    "owner",
    "location",
    "business_unit",
    "classification",
    "confidentiality",
    "integrity",
    "availability",
    "declared",
    "status",
    "tags",
    "attributes",
    "depends_on",
    "in_scope",
];
/// The fields of `threat`, in slot order.
pub const THREAT_FIELDS: &[&str] = &["id", "name", "category", "likelihood", "affects"];
/// The fields of `risk`, in slot order.
pub const RISK_FIELDS: &[&str] = &[
    "id",
    "source",
    "likelihood",
    "impact",
    "treatment",
    "owner",
    "asset_count",
];
/// The fields of `inventory`, in slot order.
pub const INVENTORY_FIELDS: &[&str] = &[
    "assets",
    "types",
    "classifications",
    "internet_facing",
    "personal_data",
    "cloud",
    "locations",
];

/// The rule variables for the compiler, in the order of [`super::expr::VARIABLES`]; `org`
/// holds the profile's own facts, so its fields are looked up by name.
pub const SCHEMA: Schema = Schema {
    variables: &[
        ("asset", ASSET_FIELDS),
        ("threat", THREAT_FIELDS),
        ("risk", RISK_FIELDS),
        ("org", &[]),
        ("inventory", INVENTORY_FIELDS),
    ],
};

/// The slot to read: the compiler's, or the position of `name` for a lookup by name.
fn slot_of(slot: u16, name: &str, fields: &[&str]) -> Option<usize> {
    if slot == BY_NAME {
        fields.iter().position(|f| *f == name)
    } else {
        Some(usize::from(slot))
    }
}

/// Converts a record for the interpreter: every field of its list, by name.
fn convert(record: &dyn Record, fields: &[&str]) -> CelValue {
    CelValue::map(
        fields
            .iter()
            .enumerate()
            .filter_map(|(slot, name)| {
                let v = record.field(slot as u16, name)?;
                Some((*name, Value::from(&v)))
            })
            .collect(),
    )
}

/// `asset`, with its effective C/I/A values.
pub struct AssetRecord<'a> {
    /// Every asset of the workspace: dependencies are shown by id.
    all: &'a [Asset],
    asset: &'a Asset,
    effective: Cia,
    in_scope: bool,
    cel: OnceLock<CelValue>,
}

impl<'a> AssetRecord<'a> {
    pub fn new(all: &'a [Asset], a: AssetIdx, effective: Cia, in_scope: bool) -> Self {
        AssetRecord {
            all,
            asset: &all[a.index()],
            effective,
            in_scope,
            cel: OnceLock::new(),
        }
    }
}

impl Record for AssetRecord<'_> {
    #[inline]
    fn field(&self, slot: u16, name: &str) -> Option<Val<'_>> {
        let a = self.asset;
        let n = |v: u8| Val::Int(i64::from(v));
        Some(match slot_of(slot, name, ASSET_FIELDS)? {
            0 => Val::text(&a.id),
            1 => Val::text(&a.name),
            2 => Val::text(a.kind.as_str()),
            3 => Val::opt_text(a.subtype.as_deref()),
            4 => Val::opt_text(a.owner.as_deref()),
            5 => Val::opt_text(a.location.as_deref()),
            6 => Val::opt_text(a.business_unit.as_deref()),
            7 => Val::opt_text(a.classification.map(|c| c.as_str())),
            8 => n(self.effective.confidentiality),
            9 => n(self.effective.integrity),
            10 => n(self.effective.availability),
            11 => Val::Map(MapVal::Cia(a.cia)),
            12 => Val::text(a.status.as_str()),
            13 => Val::List(List::Texts(&a.tags)),
            14 => Val::Map(MapVal::Attributes(&a.attributes)),
            15 => Val::List(List::Assets(self.all, &a.depends_on)),
            16 => Val::Bool(self.in_scope),
            _ => return None,
        })
    }
}

impl RuleRecord for AssetRecord<'_> {
    fn cel(&self) -> &CelValue {
        self.cel.get_or_init(|| {
            // Attributes and the declared values are maps the generic conversion flattens
            // correctly; it is used for every field.
            convert(self, ASSET_FIELDS)
        })
    }
}

/// The affected properties as a static list: no allocation per threat.
fn affects_list(a: Affects) -> &'static [&'static str] {
    match (a.confidentiality, a.integrity, a.availability) {
        (true, true, true) => &["c", "i", "a"],
        (true, true, false) => &["c", "i"],
        (true, false, true) => &["c", "a"],
        (true, false, false) => &["c"],
        (false, true, true) => &["i", "a"],
        (false, true, false) => &["i"],
        (false, false, true) => &["a"],
        (false, false, false) => &[],
    }
}

/// `threat`; for a register row that names none, every field is null and `affects` empty.
pub struct ThreatRecord<'a> {
    threat: Option<&'a Threat>,
    cel: OnceLock<CelValue>,
}

impl<'a> ThreatRecord<'a> {
    pub fn new(threat: Option<&'a Threat>) -> Self {
        ThreatRecord {
            threat,
            cel: OnceLock::new(),
        }
    }

    /// A record per threat of the catalog, in catalog order.
    pub fn all(threats: &'a [Threat]) -> Vec<Self> {
        threats.iter().map(|t| ThreatRecord::new(Some(t))).collect()
    }
}

impl Record for ThreatRecord<'_> {
    #[inline]
    fn field(&self, slot: u16, name: &str) -> Option<Val<'_>> {
        let slot = slot_of(slot, name, THREAT_FIELDS)?;
        let Some(t) = self.threat else {
            return match slot {
                0..=3 => Some(Val::Null),
                4 => Some(Val::List(List::Static(&[]))),
                _ => None,
            };
        };
        Some(match slot {
            0 => Val::text(&t.id),
            1 => Val::text(&t.name),
            2 => Val::opt_text(t.category.as_deref()),
            3 => Val::Int(i64::from(t.likelihood)),
            4 => Val::List(List::Static(affects_list(t.affects))),
            _ => return None,
        })
    }
}

impl RuleRecord for ThreatRecord<'_> {
    fn cel(&self) -> &CelValue {
        self.cel.get_or_init(|| convert(self, THREAT_FIELDS))
    }
}

/// A risk's id: generated scenarios are named `<asset id>:<threat id>`, built only when a
/// rule reads it.
#[derive(Debug, Clone, Copy)]
pub enum RiskId<'a> {
    Register(&'a str),
    Generated { asset: &'a str, threat: &'a str },
}

impl std::fmt::Display for RiskId<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RiskId::Register(id) => f.write_str(id),
            RiskId::Generated { asset, threat } => write!(f, "{asset}:{threat}"),
        }
    }
}

/// What `risk` holds for one scenario.
pub struct RiskFields<'a> {
    pub id: RiskId<'a>,
    pub source: &'static str,
    pub likelihood: u8,
    pub impact: u8,
    pub treatment: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub asset_count: usize,
}

impl<'a> RiskFields<'a> {
    /// A scenario's fields: from its register row when it has one, else a generated scenario
    /// on one asset.
    pub fn of(id: RiskId<'a>, register: Option<&'a Risk>, likelihood: u8, impact: u8) -> Self {
        RiskFields {
            id,
            source: if register.is_some() {
                "register"
            } else {
                "generated"
            },
            likelihood,
            impact,
            treatment: register
                .and_then(|r| r.treatment.as_ref())
                .map(|t| t.option.as_str()),
            owner: register.and_then(|r| r.owner.as_deref()),
            asset_count: register.map_or(1, |r| r.assets.len()),
        }
    }
}

/// `risk`: the scenario with its base values.
pub struct RiskRecord<'a> {
    fields: RiskFields<'a>,
    cel: OnceLock<CelValue>,
}

impl<'a> RiskRecord<'a> {
    pub fn new(fields: RiskFields<'a>) -> Self {
        RiskRecord {
            fields,
            cel: OnceLock::new(),
        }
    }
}

impl Record for RiskRecord<'_> {
    #[inline]
    fn field(&self, slot: u16, name: &str) -> Option<Val<'_>> {
        let r = &self.fields;
        Some(match slot_of(slot, name, RISK_FIELDS)? {
            0 => match r.id {
                RiskId::Register(id) => Val::text(id),
                generated => Val::Str(std::borrow::Cow::Owned(generated.to_string())),
            },
            1 => Val::text(r.source),
            2 => Val::Int(i64::from(r.likelihood)),
            3 => Val::Int(i64::from(r.impact)),
            4 => Val::opt_text(r.treatment),
            5 => Val::opt_text(r.owner),
            6 => Val::Int(r.asset_count as i64),
            _ => return None,
        })
    }
}

impl RuleRecord for RiskRecord<'_> {
    fn cel(&self) -> &CelValue {
        self.cel.get_or_init(|| convert(self, RISK_FIELDS))
    }
}

/// Facts rules commonly read; absent from a profile they are `false`, so that a rule such as
/// `org.remote_work == true` needs no `has()` guard.
pub const WELL_KNOWN_FACTS: &[&str] = &[
    "develops_software",
    "outsourced_development",
    "has_premises",
    "has_datacenter",
    "uses_cloud",
    "remote_work",
    "processes_personal_data",
    "processes_health_data",
    "processes_payment_cards",
];

/// `org`: the profile's facts, plus `name` and `sector`.
pub struct OrgRecord<'a> {
    profile: &'a Profile,
    cel: OnceLock<CelValue>,
}

impl<'a> OrgRecord<'a> {
    pub fn new(profile: &'a Profile) -> Self {
        OrgRecord {
            profile,
            cel: OnceLock::new(),
        }
    }

    /// Every field name, for the interpreter's copy.
    fn names(&self) -> BTreeSet<&str> {
        let mut names: BTreeSet<&str> = self.profile.facts.keys().map(String::as_str).collect();
        names.extend(WELL_KNOWN_FACTS);
        names.extend(["name", "sector"]);
        names
    }
}

impl Record for OrgRecord<'_> {
    fn field(&self, _slot: u16, name: &str) -> Option<Val<'_>> {
        let p = self.profile;
        match name {
            "name" => return Some(Val::text(&p.name)),
            "sector" => return Some(Val::opt_text(p.sector.as_deref())),
            _ => {}
        }
        match p.facts.get(name) {
            Some(FactValue::Bool(b)) => Some(Val::Bool(*b)),
            Some(FactValue::Int(i)) => Some(Val::Int(*i)),
            Some(FactValue::Text(t)) => Some(Val::text(t)),
            None => WELL_KNOWN_FACTS.contains(&name).then_some(Val::Bool(false)),
        }
    }
}

impl RuleRecord for OrgRecord<'_> {
    fn cel(&self) -> &CelValue {
        self.cel.get_or_init(|| {
            let names = self.names();
            convert(self, &names.into_iter().collect::<Vec<_>>())
        })
    }
}

/// `inventory`: counts over the in-scope assets, for applicability rules.
pub struct InventoryRecord {
    pub assets: i64,
    pub types: Vec<(&'static str, i64)>,
    pub classifications: Vec<(&'static str, i64)>,
    pub internet_facing: i64,
    pub personal_data: i64,
    pub cloud: i64,
    pub locations: Vec<String>,
    cel: OnceLock<CelValue>,
}

impl InventoryRecord {
    /// Counts over the assets for which `in_scope` holds.
    pub fn count(assets: &[Asset], in_scope: &[bool]) -> Self {
        let mut types: BTreeMap<&'static str, i64> = crate::model::AssetKind::ALL
            .iter()
            .map(|k| (k.as_str(), 0))
            .collect();
        let mut classes: BTreeMap<&'static str, i64> = crate::model::Classification::ALL
            .iter()
            .map(|k| (k.as_str(), 0))
            .collect();
        classes.insert("unclassified", 0);
        let (mut total, mut internet, mut personal, mut cloud) = (0i64, 0i64, 0i64, 0i64);
        let mut locations = BTreeSet::new();
        let flag = |asset: &Asset, key: &str| {
            matches!(asset.attributes.get(key), Some(AttrValue::Bool(true)))
        };
        for (asset, _) in assets.iter().zip(in_scope).filter(|(_, s)| **s) {
            total += 1;
            *types.entry(asset.kind.as_str()).or_default() += 1;
            *classes
                .entry(asset.classification.map_or("unclassified", |c| c.as_str()))
                .or_default() += 1;
            internet += i64::from(flag(asset, "internet_facing"));
            personal += i64::from(flag(asset, "personal_data"));
            let loc = asset.location.as_deref().unwrap_or("");
            let provider = |p: &str| {
                loc.get(..p.len())
                    .is_some_and(|l| l.eq_ignore_ascii_case(p))
            };
            cloud += i64::from(
                ["aws", "azure", "gcp"].into_iter().any(provider)
                    || asset.tags.iter().any(|t| t == "cloud"),
            );
            if !loc.is_empty() {
                locations.insert(loc.to_owned());
            }
        }
        InventoryRecord {
            assets: total,
            types: types.into_iter().collect(),
            classifications: classes.into_iter().collect(),
            internet_facing: internet,
            personal_data: personal,
            cloud,
            locations: locations.into_iter().collect(),
            cel: OnceLock::new(),
        }
    }
}

impl Record for InventoryRecord {
    #[inline]
    fn field(&self, slot: u16, name: &str) -> Option<Val<'_>> {
        Some(match slot_of(slot, name, INVENTORY_FIELDS)? {
            0 => Val::Int(self.assets),
            1 => Val::Map(MapVal::Counts(&self.types)),
            2 => Val::Map(MapVal::Counts(&self.classifications)),
            3 => Val::Int(self.internet_facing),
            4 => Val::Int(self.personal_data),
            5 => Val::Int(self.cloud),
            6 => Val::List(List::Texts(&self.locations)),
            _ => return None,
        })
    }
}

impl RuleRecord for InventoryRecord {
    fn cel(&self) -> &CelValue {
        self.cel.get_or_init(|| convert(self, INVENTORY_FIELDS))
    }
}

/// A record as both evaluators read it: by slot (compiled) and converted (interpreter).
pub trait RuleRecord: Record {
    /// The interpreter's copy, converted on first use.
    fn cel(&self) -> &CelValue;
}

/// A record converted once into the interpreter's representation, then borrowed by every
/// evaluation that reads it.
#[derive(Debug)]
pub struct CelValue(Box<dyn CelVal>);

impl CelValue {
    /// The interpreter's view, borrowed for one evaluation.
    pub(crate) fn as_val(&self) -> &dyn CelVal {
        self.0.as_ref()
    }
}

impl CelValue {
    /// Converts a map of fields.
    pub fn map(fields: Vec<(&str, Value)>) -> CelValue {
        let map: HashMap<Key, Value> = fields
            .into_iter()
            .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
            .collect();
        CelValue::from_value(Value::Map(Map { map: Arc::new(map) }))
    }

    /// Converts a plain value.
    pub fn from_value(value: Value) -> CelValue {
        // Every Value built by the engine (maps, lists, scalars) has a Val form.
        CelValue(
            Box::<dyn CelVal>::try_from(value)
                .unwrap_or_else(|_| Box::new(cel::common::types::CelNull)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cel::objects::{Key, Map};
    use std::collections::HashMap;
    use std::sync::Arc;

    #[test]
    fn affects_lists_keep_the_cia_order() {
        let a = Affects {
            confidentiality: true,
            integrity: false,
            availability: true,
        };
        assert_eq!(affects_list(a), ["c", "a"]);
        assert_eq!(affects_list(Affects::ALL), ["c", "i", "a"]);
    }

    #[test]
    fn converted_maps_match_the_views() {
        let c = Cia {
            confidentiality: 1,
            integrity: 2,
            availability: 3,
        };
        let expected: HashMap<Key, Value> = [
            ("confidentiality", 1),
            ("integrity", 2),
            ("availability", 3),
        ]
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), Value::Int(v)))
        .collect();
        let expected = Value::Map(Map {
            map: Arc::new(expected),
        });
        assert_eq!(Value::from(&Val::Map(MapVal::Cia(c))), expected);
    }
}
