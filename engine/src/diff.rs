//! Comparison of two evaluations: two report documents (`isms/report/v1`).
//!
//! The documents are read through a view of their own ([`ReportView`]) that names only the
//! fields a comparison needs and ignores the rest, so reports written by older or newer
//! engines of the same schema compare, and the producer's types stay free to grow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Severity;
use crate::report::SCHEMA;

/// The parts of a report a comparison reads.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportView {
    pub schema: String,
    pub workspace: String,
    pub options: OptionsView,
    pub risks: Vec<RiskView>,
    pub soa: Vec<SoaView>,
    pub gaps: Vec<GapView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OptionsView {
    pub as_of: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ScoreView {
    pub likelihood: u8,
    pub impact: u8,
    pub level: u8,
    pub level_name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RiskView {
    pub id: String,
    pub title: String,
    pub treatment: Option<String>,
    pub inherent: ScoreView,
    pub residual: ScoreView,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SoaView {
    pub control: String,
    pub title: String,
    pub applicable: bool,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
pub struct ObjectView {
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GapView {
    pub code: String,
    pub severity: String,
    pub message: String,
    pub objects: Vec<ObjectView>,
}

/// A report that cannot be read, with the line and column of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Reads a report document, refusing another schema.
pub fn parse_report(text: &str) -> Result<ReportView, ReadError> {
    let strip = |e: &serde_json::Error| {
        let m = e.to_string();
        m.split(" at line ").next().unwrap_or_default().to_owned()
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ReadError {
        line: e.line(),
        column: e.column(),
        message: format!("not JSON: {}", strip(&e)),
    })?;
    let schema = value.get("schema").and_then(|s| s.as_str());
    if schema != Some(SCHEMA) {
        let (line, column) = match text.find("\"schema\"") {
            Some(pos) => {
                let before = &text[..pos];
                (
                    before.matches('\n').count() + 1,
                    before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
                )
            }
            None => (1, 1),
        };
        let found = match schema {
            Some(s) => format!("schema `{s}`"),
            None => "no `schema` field".to_owned(),
        };
        return Err(ReadError {
            line,
            column,
            message: format!(
                "{found}: expected a report document of schema `{SCHEMA}` (`isms report --format json`)"
            ),
        });
    }
    serde_json::from_str(text).map_err(|e| ReadError {
        line: e.line(),
        column: e.column(),
        message: format!("not a `{SCHEMA}` report: {}", strip(&e)),
    })
}

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

/// A risk present in both evaluations whose levels, values, status or treatment changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskChange {
    pub id: String,
    pub title: String,
    pub changes: Vec<FieldChange>,
    /// The changes in words, level first and then what moved it.
    pub why: String,
}

/// A risk only one evaluation has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRef {
    pub id: String,
    pub title: String,
    pub residual_level: u8,
    pub status: String,
}

/// A control whose applicability or implementation status changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlDiff {
    pub control: String,
    pub title: String,
    pub changes: Vec<FieldChange>,
}

/// A gap, identified by its code and the objects it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRef {
    pub code: String,
    pub severity: String,
    pub objects: Vec<ObjectView>,
    pub message: String,
}

/// Counts of a comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiffCounts {
    pub risks_changed: usize,
    pub risks_added: usize,
    pub risks_removed: usize,
    pub controls_changed: usize,
    pub gaps_opened: usize,
    pub gaps_closed: usize,
}

/// Which evaluation a side is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub workspace: String,
    pub as_of: String,
}

/// What changed from one evaluation to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    pub counts: DiffCounts,
    pub risks_changed: Vec<RiskChange>,
    pub risks_added: Vec<RiskRef>,
    pub risks_removed: Vec<RiskRef>,
    pub controls_changed: Vec<ControlDiff>,
    pub gaps_opened: Vec<GapRef>,
    pub gaps_closed: Vec<GapRef>,
}

impl Diff {
    /// The most serious severity among the opened gaps (`Severity` orders critical first).
    pub fn worst_opened(&self) -> Option<Severity> {
        self.gaps_opened
            .iter()
            .filter_map(|g| Severity::parse(&g.severity))
            .min()
    }
}

fn change(field: &str, from: impl ToString, to: impl ToString) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        from: from.to_string(),
        to: to.to_string(),
    }
}

fn risk_ref(r: &RiskView) -> RiskRef {
    RiskRef {
        id: r.id.clone(),
        title: r.title.clone(),
        residual_level: r.residual.level,
        status: r.status.clone(),
    }
}

fn compare_risk(a: &RiskView, b: &RiskView) -> Option<RiskChange> {
    let mut changes = Vec::new();
    let mut why = Vec::new();
    for (name, x, y) in [
        ("inherent", &a.inherent, &b.inherent),
        ("residual", &a.residual, &b.residual),
    ] {
        let mut moved = Vec::new();
        if x.likelihood != y.likelihood {
            changes.push(change(
                &format!("{name}.likelihood"),
                x.likelihood,
                y.likelihood,
            ));
            moved.push(format!("likelihood {} -> {}", x.likelihood, y.likelihood));
        }
        if x.impact != y.impact {
            changes.push(change(&format!("{name}.impact"), x.impact, y.impact));
            moved.push(format!("impact {} -> {}", x.impact, y.impact));
        }
        if x.level != y.level {
            changes.push(change(
                &format!("{name}.level"),
                format!("{} ({})", x.level, x.level_name),
                format!("{} ({})", y.level, y.level_name),
            ));
            let mut s = format!(
                "{name} level {} ({}) -> {} ({})",
                x.level, x.level_name, y.level, y.level_name
            );
            if !moved.is_empty() {
                s = format!("{s}: {}", moved.join(", "));
            }
            why.push(s);
        } else if !moved.is_empty() {
            why.push(format!("{name} {} (level unchanged)", moved.join(", ")));
        }
    }
    if a.treatment != b.treatment {
        let t = |t: &Option<String>| t.clone().unwrap_or_else(|| "none".into());
        changes.push(change("treatment", t(&a.treatment), t(&b.treatment)));
        why.push(format!(
            "treatment {} -> {}",
            t(&a.treatment),
            t(&b.treatment)
        ));
    }
    if a.status != b.status {
        changes.push(change("status", &a.status, &b.status));
        why.push(format!("status {} -> {}", a.status, b.status));
    }
    (!changes.is_empty()).then(|| RiskChange {
        id: b.id.clone(),
        title: b.title.clone(),
        changes,
        why: why.join("; "),
    })
}

type GapKey = (String, Vec<ObjectView>);

fn gap_key(g: &GapView) -> GapKey {
    let mut objects = g.objects.clone();
    objects.sort();
    (g.code.clone(), objects)
}

/// The gaps of `a` not matched (by code and objects, counting repeats) in `b`.
fn unmatched(a: &[GapView], b: &[GapView]) -> Vec<GapRef> {
    let mut left: BTreeMap<GapKey, usize> = BTreeMap::new();
    for g in b {
        *left.entry(gap_key(g)).or_default() += 1;
    }
    let mut out = Vec::new();
    for g in a {
        let key = gap_key(g);
        match left.get_mut(&key) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(GapRef {
                code: key.0,
                severity: g.severity.clone(),
                objects: key.1,
                message: g.message.clone(),
            }),
        }
    }
    out
}

/// Compares two evaluations.
pub fn diff(old: &ReportView, new: &ReportView) -> Diff {
    let old_risks: BTreeMap<&str, &RiskView> =
        old.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_risks: BTreeMap<&str, &RiskView> =
        new.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let risks_changed: Vec<RiskChange> = new_risks
        .iter()
        .filter_map(|(id, b)| old_risks.get(id).and_then(|a| compare_risk(a, b)))
        .collect();
    let risks_added: Vec<RiskRef> = new_risks
        .iter()
        .filter(|(id, _)| !old_risks.contains_key(*id))
        .map(|(_, r)| risk_ref(r))
        .collect();
    let risks_removed: Vec<RiskRef> = old_risks
        .iter()
        .filter(|(id, _)| !new_risks.contains_key(*id))
        .map(|(_, r)| risk_ref(r))
        .collect();
    let old_soa: BTreeMap<&str, &SoaView> =
        old.soa.iter().map(|c| (c.control.as_str(), c)).collect();
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let controls_changed: Vec<ControlDiff> = new
        .soa
        .iter()
        .filter_map(|b| {
            let a = old_soa.get(b.control.as_str())?;
            let mut changes = Vec::new();
            if a.applicable != b.applicable {
                changes.push(change(
                    "applicable",
                    yes_no(a.applicable),
                    yes_no(b.applicable),
                ));
            }
            if a.status != b.status {
                changes.push(change("status", &a.status, &b.status));
            }
            (!changes.is_empty()).then(|| ControlDiff {
                control: b.control.clone(),
                title: b.title.clone(),
                changes,
            })
        })
        .collect();
    let gaps_opened = unmatched(&new.gaps, &old.gaps);
    let gaps_closed = unmatched(&old.gaps, &new.gaps);
    let side = |r: &ReportView| Side {
        workspace: r.workspace.clone(),
        as_of: r.options.as_of.clone(),
    };
    Diff {
        old: side(old),
        new: side(new),
        counts: DiffCounts {
            risks_changed: risks_changed.len(),
            risks_added: risks_added.len(),
            risks_removed: risks_removed.len(),
            controls_changed: controls_changed.len(),
            gaps_opened: gaps_opened.len(),
            gaps_closed: gaps_closed.len(),
        },
        risks_changed,
        risks_added,
        risks_removed,
        controls_changed,
        gaps_opened,
        gaps_closed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(risks: &str, soa: &str, gaps: &str) -> String {
        format!(
            r#"{{"schema": "isms/report/v1", "workspace": "W", "options": {{"as_of": "2026-01-01"}},
 "risks": [{risks}], "soa": [{soa}], "gaps": [{gaps}], "extra": 1}}"#
        )
    }

    fn risk(id: &str, l: u8, level: u8, status: &str) -> String {
        format!(
            r#"{{"id": "{id}", "title": "t", "treatment": "treat", "inherent": {{"likelihood": 4, "impact": 4, "level": 4, "level_name": "High"}},
 "residual": {{"likelihood": {l}, "impact": 4, "level": {level}, "level_name": "L{level}"}}, "status": "{status}"}}"#
        )
    }

    #[test]
    fn risks_controls_and_gaps_are_compared() {
        let gap = |code: &str, id: &str| {
            format!(
                r#"{{"code": "{code}", "severity": "high", "message": "m", "objects": [{{"kind": "risk", "id": "{id}"}}]}}"#
            )
        };
        let old = parse_report(&report(
            &[
                risk("R1", 4, 4, "above_appetite"),
                risk("R2", 1, 1, "within_appetite"),
            ]
            .join(","),
            r#"{"control": "A.5.1", "title": "P", "applicable": true, "status": "partial"}"#,
            &[gap("GAP-A", "R1"), gap("GAP-B", "R2")].join(","),
        ))
        .unwrap();
        let new = parse_report(&report(
            &[
                risk("R1", 2, 2, "within_appetite"),
                risk("R3", 1, 1, "within_appetite"),
            ]
            .join(","),
            r#"{"control": "A.5.1", "title": "P", "applicable": true, "status": "implemented"}"#,
            &[gap("GAP-B", "R2"), gap("GAP-C", "R3")].join(","),
        ))
        .unwrap();
        let d = diff(&old, &new);
        assert_eq!(
            d.risks_changed[0].why,
            "residual level 4 (L4) -> 2 (L2): likelihood 4 -> 2; status above_appetite -> within_appetite"
        );
        assert_eq!(
            (d.risks_added[0].id.as_str(), d.risks_removed[0].id.as_str()),
            ("R3", "R2")
        );
        assert_eq!(d.controls_changed[0].changes[0].to, "implemented");
        assert_eq!(d.gaps_opened.len(), 1);
        assert_eq!(d.gaps_opened[0].code, "GAP-C");
        assert_eq!(d.gaps_closed[0].code, "GAP-A");
        assert_eq!(d.worst_opened(), Some(Severity::High));
    }

    #[test]
    fn bad_documents_are_located() {
        let e = parse_report("{\n  \"schema\": ").unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse_report("{\n  \"schema\": \"isms/report/v0\"}").unwrap_err();
        assert_eq!((e.line, e.column), (2, 3));
        assert!(e.message.contains("isms/report/v0"), "{}", e.message);
        let e = parse_report("{\"schema\": \"isms/report/v1\", \"risks\": 3}").unwrap_err();
        assert!(
            e.message.starts_with("not a `isms/report/v1` report"),
            "{}",
            e.message
        );
    }
}
