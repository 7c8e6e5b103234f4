//! Comparison of two evaluations: two report documents (`isms/report/v1`).
//!
//! The documents are read as [`Report`]s. Fields a newer engine of the same schema adds are
//! ignored, so reports of different engine versions compare.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::gaps::gap::{Gap, ObjectRef};
use crate::model::{Severity, TreatmentOption};
use crate::report::{Report, RiskRow, SCHEMA};
use crate::risk::AppetiteStatus;

/// A report that cannot be read, with the line and column of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line of the problem (of the `schema` member for a wrong schema).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong, without the position.
    pub message: String,
}

/// Reads a report document, refusing another schema.
pub fn parse_report(text: &str) -> Result<Report, ReadError> {
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
    /// The field's path in the report: `residual.level`, `treatment`, `status`, `applicable`.
    pub field: String,
    /// The old value as text (`none` for an absent treatment, `yes`/`no` for booleans).
    pub from: String,
    /// The new value, in the same form.
    pub to: String,
}

/// A risk present in both evaluations whose levels, values, status or treatment changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskChange {
    /// The register id.
    pub id: String,
    /// The title in the new evaluation.
    pub title: String,
    /// Inherent then residual values, then treatment and status; only those that differ.
    pub changes: Vec<FieldChange>,
    /// The changes in words, level first and then what moved it.
    pub why: String,
}

/// A risk only one evaluation has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRef {
    /// The register id.
    pub id: String,
    /// The risk's title.
    pub title: String,
    /// Residual level on the matrix's level scale.
    pub residual_level: u8,
    /// Its position against the risk appetite.
    pub status: AppetiteStatus,
}

/// A control whose applicability or implementation status changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlDiff {
    /// The control id (`A.8.24`).
    pub control: String,
    /// The control's short title.
    pub title: String,
    /// `applicable` then `status`, when they differ.
    pub changes: Vec<FieldChange>,
}

/// A requirement of a framework whose coverage verdict changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageChange {
    /// The framework id (`nis2-2024-2690`).
    pub framework: String,
    /// The requirement id (`3.1.1`).
    pub requirement: String,
    /// The verdict in the earlier evaluation.
    pub from: crate::framework::coverage::Verdict,
    /// The verdict in the later evaluation.
    pub to: crate::framework::coverage::Verdict,
    /// The later evaluation's reason.
    pub reason: String,
}

/// A gap, identified by its code and the objects it concerns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapRef {
    /// The gap code (`GAP-RISK-UNTREATED`).
    pub code: String,
    /// Its severity in the evaluation that has it.
    pub severity: Severity,
    /// The records it concerns, in the report's order.
    pub objects: Vec<ObjectRef>,
    /// The gap's message in that evaluation.
    pub message: String,
}

/// Counts of a comparison.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DiffCounts {
    /// Length of [`Diff::risks_changed`].
    pub risks_changed: usize,
    /// Length of [`Diff::risks_added`].
    pub risks_added: usize,
    /// Length of [`Diff::risks_removed`].
    pub risks_removed: usize,
    /// Length of [`Diff::controls_changed`].
    pub controls_changed: usize,
    /// Length of [`Diff::gaps_opened`].
    pub gaps_opened: usize,
    /// Length of [`Diff::gaps_closed`].
    pub gaps_closed: usize,
    /// Length of [`Diff::coverage_changed`].
    pub coverage_changed: usize,
}

/// Which evaluation a side is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The workspace name the report records.
    pub workspace: String,
    /// The evaluation date, `YYYY-MM-DD`.
    pub as_of: String,
}

/// What changed from one evaluation to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The earlier evaluation.
    pub old: Side,
    /// The later evaluation.
    pub new: Side,
    /// How many entries each list below holds.
    pub counts: DiffCounts,
    /// Register risks in both, with what changed, by risk id.
    pub risks_changed: Vec<RiskChange>,
    /// Register risks only the new evaluation has, by risk id.
    pub risks_added: Vec<RiskRef>,
    /// Register risks only the old evaluation has, by risk id.
    pub risks_removed: Vec<RiskRef>,
    /// Controls in both SoAs whose applicability or status changed, in the new SoA's order.
    pub controls_changed: Vec<ControlDiff>,
    /// Gaps of the new report with no match in the old, in the new report's order.
    pub gaps_opened: Vec<GapRef>,
    /// Gaps of the old report with no match in the new, in the old report's order.
    pub gaps_closed: Vec<GapRef>,
    /// Requirements of frameworks covered in both reports whose verdict changed, in the new
    /// report's order.
    pub coverage_changed: Vec<CoverageChange>,
}

impl Diff {
    /// The most serious severity among the opened gaps (`Severity` orders critical first).
    pub fn worst_opened(&self) -> Option<Severity> {
        self.gaps_opened.iter().map(|g| g.severity).min()
    }
}

fn change(field: &str, from: impl ToString, to: impl ToString) -> FieldChange {
    FieldChange {
        field: field.to_owned(),
        from: from.to_string(),
        to: to.to_string(),
    }
}

fn risk_ref(r: &RiskRow) -> RiskRef {
    RiskRef {
        id: r.id.clone(),
        title: r.title.clone(),
        residual_level: r.residual.level,
        status: r.status,
    }
}

fn compare_risk(a: &RiskRow, b: &RiskRow) -> Option<RiskChange> {
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
        let t = |t: &Option<TreatmentOption>| t.map_or("none", |t| t.as_str());
        changes.push(change("treatment", t(&a.treatment), t(&b.treatment)));
        why.push(format!(
            "treatment {} -> {}",
            t(&a.treatment),
            t(&b.treatment)
        ));
    }
    if a.status != b.status {
        let (from, to) = (a.status.code(), b.status.code());
        changes.push(change("status", from, to));
        why.push(format!("status {from} -> {to}"));
    }
    (!changes.is_empty()).then(|| RiskChange {
        id: b.id.clone(),
        title: b.title.clone(),
        changes,
        why: why.join("; "),
    })
}

type GapKey = (String, Vec<ObjectRef>);

fn gap_key(g: &Gap) -> GapKey {
    let mut objects = g.objects.clone();
    objects.sort();
    (g.code.clone(), objects)
}

/// The gaps of `a` not matched (by code and objects, counting repeats) in `b`.
fn unmatched(a: &[Gap], b: &[Gap]) -> Vec<GapRef> {
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
                severity: g.severity,
                objects: g.objects.clone(),
                message: g.message.clone(),
            }),
        }
    }
    out
}

/// The requirements whose verdict changed, for each framework both reports cover.
fn coverage_changes(old: &Report, new: &Report) -> Vec<CoverageChange> {
    let mut out = Vec::new();
    for b in &new.coverage {
        let Some(a) = old.coverage.iter().find(|a| a.framework == b.framework) else {
            continue;
        };
        let before: BTreeMap<&str, crate::framework::coverage::Verdict> = a
            .requirements
            .iter()
            .map(|q| (q.id.as_str(), q.verdict))
            .collect();
        for q in &b.requirements {
            if let Some(from) = before.get(q.id.as_str())
                && *from != q.verdict
            {
                out.push(CoverageChange {
                    framework: b.framework.clone(),
                    requirement: q.id.clone(),
                    from: *from,
                    to: q.verdict,
                    reason: q.reason.clone(),
                });
            }
        }
    }
    out
}

/// Compares two evaluations.
pub fn diff(old: &Report, new: &Report) -> Diff {
    let old_risks: BTreeMap<&str, &RiskRow> =
        old.risks.iter().map(|r| (r.id.as_str(), r)).collect();
    let new_risks: BTreeMap<&str, &RiskRow> =
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
    let old_soa: BTreeMap<&str, &crate::report::SoaRowView> =
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
                changes.push(change("status", a.status, b.status));
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
    let coverage_changed = coverage_changes(old, new);
    let side = |r: &Report| Side {
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
            coverage_changed: coverage_changed.len(),
        },
        risks_changed,
        risks_added,
        risks_removed,
        controls_changed,
        gaps_opened,
        gaps_closed,
        coverage_changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gaps::gap::ObjectKind;
    use crate::model::ImplementationStatus;
    use crate::report::{build, evaluate};

    /// The report of the bundled example, as `isms report --format json` writes it.
    fn acme() -> Report {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/acme"));
        let ws = crate::load(dir).unwrap().workspace;
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        build(&ws, &evaluate(&ws, crate::Options::new(as_of)))
    }

    #[test]
    fn reports_round_trip_through_json() {
        let report = acme();
        let text = serde_json::to_string_pretty(&report).unwrap();
        assert_eq!(parse_report(&text).unwrap(), report);
        // A newer engine's extra fields are ignored.
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["added_later"] = serde_json::json!({"x": 1});
        value["gaps"][0]["added_later"] = serde_json::json!(2);
        assert_eq!(parse_report(&value.to_string()).unwrap(), report);
    }

    #[test]
    fn risks_controls_and_gaps_are_compared() {
        let old = acme();
        let mut new = old.clone();
        assert_eq!(diff(&old, &new).counts, DiffCounts::default());

        let changed = &mut new.risks[0];
        changed.residual.likelihood = 1;
        changed.residual.level = 1;
        changed.residual.level_name = "L1".into();
        changed.status = match changed.status {
            AppetiteStatus::AboveAppetite => AppetiteStatus::WithinAppetite,
            _ => AppetiteStatus::AboveAppetite,
        };
        let changed_id = changed.id.clone();
        let removed = new.risks.remove(1);
        let mut added = new.risks[0].clone();
        added.id = "R-NEW".into();
        new.risks.push(added);
        new.soa[0].status = ImplementationStatus::Implemented;
        if old.soa[0].status == ImplementationStatus::Implemented {
            new.soa[0].status = ImplementationStatus::Planned;
        }
        let closed = new.gaps.remove(0);
        let mut opened = new.gaps[0].clone();
        opened.code = "GAP-NEW".into();
        opened.severity = Severity::Critical;
        opened.objects = vec![ObjectRef {
            kind: ObjectKind::Risk,
            id: "R-NEW".into(),
        }];
        new.gaps.push(opened);

        let d = diff(&old, &new);
        assert_eq!(d.risks_changed.len(), 1);
        assert_eq!(d.risks_changed[0].id, changed_id);
        assert!(
            d.risks_changed[0].why.contains("residual level"),
            "{}",
            d.risks_changed[0].why
        );
        assert!(
            d.risks_changed[0].why.contains("; status "),
            "{}",
            d.risks_changed[0].why
        );
        assert_eq!(d.risks_added[0].id, "R-NEW");
        assert_eq!(d.risks_removed[0].id, removed.id);
        assert_eq!(d.controls_changed[0].control, old.soa[0].control);
        assert_eq!(d.controls_changed[0].changes[0].field, "status");
        assert_eq!(d.gaps_opened.len(), 1);
        assert_eq!(d.gaps_opened[0].code, "GAP-NEW");
        assert_eq!(d.gaps_closed.len(), 1);
        assert_eq!(d.gaps_closed[0].code, closed.code);
        assert_eq!(d.worst_opened(), Some(Severity::Critical));
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
