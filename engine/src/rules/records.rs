//! The records rules read, as CEL values: `asset`, `threat`, `risk` and `org`.
//!
//! Field names follow the input files. Absent optional fields are `null` (so `asset.owner ==
//! null` works); free attributes are under `asset.attributes` and are absent when a record
//! has none (guard with `has()`). `asset.confidentiality` and its siblings are the effective
//! protection needs after inheritance; the declared values are under `asset.declared`.

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value;
use cel::objects::{Key, Map};

use super::expr::{CelValue, text, text_list};
use crate::model::{Affects, Asset, AttrValue, Cia, FactValue, Profile, Threat};
use crate::workspace::Workspace;

fn int(v: u8) -> Value {
    Value::Int(i64::from(v))
}

fn map(fields: Vec<(&str, Value)>) -> Value {
    let map: HashMap<Key, Value> = fields
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

fn cia(c: Cia) -> Value {
    map(vec![
        ("confidentiality", int(c.confidentiality)),
        ("integrity", int(c.integrity)),
        ("availability", int(c.availability)),
    ])
}

/// `asset`, with its effective C/I/A values.
pub fn asset(ws: &Workspace, a: &Asset, effective: Cia, in_scope: bool) -> CelValue {
    let attributes: Vec<(&str, Value)> = a
        .attributes
        .iter()
        .map(|(k, v)| {
            let v = match v {
                AttrValue::Bool(b) => Value::Bool(*b),
                AttrValue::Int(i) => Value::Int(*i),
                AttrValue::Float(f) => Value::Float(*f),
                AttrValue::Text(t) => text(Some(t)),
            };
            (k.as_str(), v)
        })
        .collect();
    CelValue::map(vec![
        ("id", text(Some(&a.id))),
        ("name", text(Some(&a.name))),
        ("type", text(Some(a.kind.as_str()))),
        ("subtype", text(a.subtype.as_deref())),
        ("owner", text(a.owner.as_deref())),
        ("location", text(a.location.as_deref())),
        ("business_unit", text(a.business_unit.as_deref())),
        ("classification", text(a.classification.map(|c| c.as_str()))),
        ("confidentiality", int(effective.confidentiality)),
        ("integrity", int(effective.integrity)),
        ("availability", int(effective.availability)),
        ("declared", cia(a.cia)),
        ("status", text(Some(a.status.as_str()))),
        ("tags", text_list(a.tags.iter().map(String::as_str))),
        ("attributes", map(attributes)),
        (
            "depends_on",
            text_list(a.depends_on.iter().map(|d| ws.asset(*d).id.as_str())),
        ),
        ("in_scope", Value::Bool(in_scope)),
    ])
}

fn affects(a: Affects) -> Value {
    let letters = [
        (a.confidentiality, "c"),
        (a.integrity, "i"),
        (a.availability, "a"),
    ];
    text_list(letters.iter().filter(|(on, _)| *on).map(|(_, l)| *l))
}

/// `threat`.
pub fn threat(t: &Threat) -> CelValue {
    CelValue::map(vec![
        ("id", text(Some(&t.id))),
        ("name", text(Some(&t.name))),
        ("category", text(t.category.as_deref())),
        ("likelihood", int(t.likelihood)),
        ("affects", affects(t.affects)),
    ])
}

/// `threat` for a register row that names none: every field null, `affects` empty.
pub fn no_threat() -> CelValue {
    CelValue::map(vec![
        ("id", Value::Null),
        ("name", Value::Null),
        ("category", Value::Null),
        ("likelihood", Value::Null),
        ("affects", text_list([])),
    ])
}

/// What `risk` holds for one scenario.
pub struct RiskFields<'a> {
    pub id: &'a str,
    pub source: &'static str,
    pub likelihood: u8,
    pub impact: u8,
    pub treatment: Option<&'a str>,
    pub owner: Option<&'a str>,
    pub asset_count: usize,
}

/// `risk`: the scenario with its base values.
pub fn risk(r: &RiskFields<'_>) -> CelValue {
    CelValue::map(vec![
        ("id", text(Some(r.id))),
        ("source", text(Some(r.source))),
        ("likelihood", int(r.likelihood)),
        ("impact", int(r.impact)),
        ("treatment", text(r.treatment)),
        ("owner", text(r.owner)),
        ("asset_count", Value::Int(r.asset_count as i64)),
    ])
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
pub fn org(p: &Profile) -> CelValue {
    let mut fields: Vec<(&str, Value)> = p
        .facts
        .iter()
        .map(|(k, v)| {
            let v = match v {
                FactValue::Bool(b) => Value::Bool(*b),
                FactValue::Int(i) => Value::Int(*i),
                FactValue::Text(t) => text(Some(t)),
            };
            (k.as_str(), v)
        })
        .collect();
    for fact in WELL_KNOWN_FACTS {
        if !p.facts.contains_key(*fact) {
            fields.push((fact, Value::Bool(false)));
        }
    }
    fields.push(("name", text(Some(&p.name))));
    fields.push(("sector", text(p.sector.as_deref())));
    CelValue::map(fields)
}
