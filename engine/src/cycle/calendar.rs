//! The certification calendar: the three-year cycle from the certification date (surveillance
//! audits at 12 and 24 months, recertification at 36), and what the operating cycle has falling
//! due next (document reviews, internal audits, management reviews, corrective actions, risk
//! reassessment).

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Cycle, add_months};
use crate::model::ActionStatus;
use crate::workspace::Workspace;

/// Length of a certification cycle.
pub const CYCLE_MONTHS: u32 = 36;

/// The certification cycle `as_of` falls in, as `[start, end)`.
///
/// From the certification date: the cycle of 36 months that holds `as_of`. Without a
/// certification date, or before it, the three years ending one year after `as_of` (two years
/// of past audits and the coming year's programme).
pub fn cycle_window(certified: Option<NaiveDate>, as_of: NaiveDate) -> (NaiveDate, NaiveDate) {
    if let Some(c) = certified.filter(|c| *c <= as_of) {
        let mut start = c;
        let mut k = 1;
        while let Some(next) = add_months(c, CYCLE_MONTHS * k).filter(|n| *n <= as_of) {
            start = next;
            k += 1;
        }
        let end = add_months(start, CYCLE_MONTHS).unwrap_or(NaiveDate::MAX);
        return (start, end);
    }
    let end = add_months(as_of, 12).unwrap_or(NaiveDate::MAX);
    let start = as_of
        .checked_sub_months(chrono::Months::new(24))
        .unwrap_or(NaiveDate::MIN);
    (start, end)
}

/// An external audit of the certification cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExternalAudit {
    /// `surveillance 1`, `surveillance 2` or `recertification`.
    pub audit: String,
    /// The date it falls due (YYYY-MM-DD): the anniversary of the certification date.
    pub due: String,
    /// `past`, `next` (the first one on or after the evaluation date) or `later`.
    pub status: String,
}

/// Something the operating cycle has falling due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DueItem {
    /// YYYY-MM-DD.
    pub due: String,
    /// `external audit`, `internal audit`, `management review`, `document review`,
    /// `corrective action`, `effectiveness check` or `risk reassessment`.
    pub kind: String,
    /// The record concerned (empty for the programme as a whole).
    pub id: String,
    pub what: String,
    /// Whether the date is already past.
    pub overdue: bool,
}

/// The certification calendar of a workspace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Calendar {
    /// The profile's certification date (YYYY-MM-DD), when it gives one.
    pub certification_date: Option<String>,
    /// The current certification cycle, `[start, end)`.
    pub cycle_start: String,
    pub cycle_end: String,
    /// Surveillance and recertification audits of the current cycle (empty without a
    /// certification date).
    pub external_audits: Vec<ExternalAudit>,
    /// What is overdue and what falls due within the horizon (`[cycle] horizon_days`), by date.
    pub next_due: Vec<DueItem>,
}

fn item(due: NaiveDate, kind: &str, id: &str, what: String, as_of: NaiveDate) -> DueItem {
    DueItem {
        due: due.to_string(),
        kind: kind.to_owned(),
        id: id.to_owned(),
        what,
        overdue: due < as_of,
    }
}

/// Every dated obligation of the operating cycle, unsorted.
fn obligations(ws: &Workspace, as_of: NaiveDate) -> Vec<(NaiveDate, DueItem)> {
    let c: &Cycle = &ws.cycle;
    let cfg = c.config;
    let mut out = Vec::new();
    let mut push = |d: NaiveDate, kind: &str, id: &str, what: String| {
        out.push((d, item(d, kind, id, what, as_of)));
    };
    if c.inputs.documents {
        for d in c
            .documents
            .iter()
            .filter(|d| d.status == crate::model::DocumentStatus::Approved)
        {
            if let Some(due) = c.document_due(d) {
                push(due, "document review", &d.id, format!("review {}", d.title));
            }
        }
    }
    if c.inputs.audits {
        for a in c
            .audits
            .iter()
            .filter(|a| matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress))
        {
            if let Some(p) = a.planned {
                push(p, "internal audit", &a.id, a.title.clone());
            }
        }
        if let Some(due) = c
            .last_audit()
            .and_then(|a| a.performed)
            .and_then(|d| add_months(d, cfg.audit_interval_months))
        {
            push(
                due,
                "internal audit",
                "",
                format!(
                    "latest date for the next internal audit ({} months after the last)",
                    cfg.audit_interval_months
                ),
            );
        }
    }
    if c.inputs.management_reviews
        && let Some(due) = c
            .last_review(as_of)
            .and_then(|r| add_months(r.date, cfg.review_interval_months))
    {
        push(
            due,
            "management review",
            "",
            format!(
                "next management review ({} months after the last)",
                cfg.review_interval_months
            ),
        );
    }
    if c.inputs.corrective_actions {
        for a in &c.corrective_actions {
            match a.status {
                ActionStatus::Planned | ActionStatus::InProgress => {
                    if let Some(due) = a.due {
                        push(due, "corrective action", &a.id, a.title.clone());
                    }
                }
                ActionStatus::Done if a.verified_on.is_none() => {
                    if let Some(due) = a.completed_on.and_then(|d| {
                        d.checked_add_days(chrono::Days::new(u64::from(cfg.verification_days)))
                    }) {
                        push(
                            due,
                            "effectiveness check",
                            &a.id,
                            format!("verify that {} was effective", a.title),
                        );
                    }
                }
                _ => {}
            }
        }
    }
    if let Some((due, risk)) = ws
        .risks
        .iter()
        .filter_map(|r| {
            r.assessed_on
                .and_then(|d| add_months(d, cfg.risk_assessment_interval_months))
                .map(|d| (d, r))
        })
        .min_by_key(|(d, r)| (*d, r.origin))
    {
        push(
            due,
            "risk reassessment",
            &risk.id,
            format!(
                "reassess {} (the oldest assessment of the register)",
                risk.title
            ),
        );
    }
    out
}

/// Builds the calendar as of a date.
pub fn build(ws: &Workspace, as_of: NaiveDate) -> Calendar {
    let certified = ws.profile.certification_date;
    let (start, end) = cycle_window(certified, as_of);
    let mut external_audits = Vec::new();
    if certified.is_some_and(|c| c <= as_of) {
        let mut next_seen = false;
        for (months, name) in [
            (12, "surveillance 1"),
            (24, "surveillance 2"),
            (CYCLE_MONTHS, "recertification"),
        ] {
            let Some(due) = add_months(start, months) else {
                continue;
            };
            let status = if due < as_of {
                "past"
            } else if !next_seen {
                next_seen = true;
                "next"
            } else {
                "later"
            };
            external_audits.push(ExternalAudit {
                audit: name.to_owned(),
                due: due.to_string(),
                status: status.to_owned(),
            });
        }
    } else if let Some(c) = certified {
        external_audits.push(ExternalAudit {
            audit: "initial certification".to_owned(),
            due: c.to_string(),
            status: "next".to_owned(),
        });
    }
    let horizon = as_of
        .checked_add_days(chrono::Days::new(u64::from(ws.cycle.config.horizon_days)))
        .unwrap_or(NaiveDate::MAX);
    let mut due = obligations(ws, as_of);
    for a in &external_audits {
        if a.status == "next"
            && let Ok(d) = NaiveDate::parse_from_str(&a.due, "%Y-%m-%d")
        {
            due.push((
                d,
                item(d, "external audit", "", format!("{} audit", a.audit), as_of),
            ));
        }
    }
    due.retain(|(d, _)| *d <= horizon);
    due.sort_by(|(a, x), (b, y)| (a, &x.kind, &x.id).cmp(&(b, &y.kind, &y.id)));
    Calendar {
        certification_date: certified.map(|d| d.to_string()),
        cycle_start: start.to_string(),
        cycle_end: end.to_string(),
        external_audits,
        next_due: due.into_iter().map(|(_, i)| i).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_window_is_the_cycle_that_holds_the_date() {
        let c = Some(d(2024, 6, 14));
        assert_eq!(
            cycle_window(c, d(2026, 11, 1)),
            (d(2024, 6, 14), d(2027, 6, 14))
        );
        assert_eq!(
            cycle_window(c, d(2027, 6, 14)),
            (d(2027, 6, 14), d(2030, 6, 14)),
            "recertification starts the next cycle"
        );
        assert_eq!(
            cycle_window(None, d(2026, 11, 1)),
            (d(2024, 11, 1), d(2027, 11, 1))
        );
        assert_eq!(
            cycle_window(Some(d(2027, 1, 1)), d(2026, 11, 1)),
            (d(2024, 11, 1), d(2027, 11, 1)),
            "before the initial certification"
        );
    }
}
