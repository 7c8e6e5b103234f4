//! The operating-cycle checks: internal audits (9.2), nonconformities and corrective actions
//! (10.2), management reviews (9.3), the documents register (7.5 and the mandatory list),
//! leavers' access (A.5.18) and the repetition of the risk assessment (8.2).
//!
//! Each check runs only when the workspace names the input it judges: a workspace without a
//! documents register is not told that every document is missing (`isms readiness` reports the
//! register itself as missing evidence).

use std::collections::BTreeMap;

use chrono::{Days, Months, NaiveDate};

use super::*;
use crate::cycle::calendar::cycle_window;
use crate::cycle::{add_months, mandatory_documents};

fn after_days(d: NaiveDate, days: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// A short list for messages: the first `n` items, then how many more.
fn short_list(items: &[String], n: usize) -> String {
    if items.len() <= n {
        return items.join(", ");
    }
    format!("{} and {} more", items[..n].join(", "), items.len() - n)
}

/// Internal audits performed at the planned interval, planned audits on time, and auditors
/// who do not audit their own work.
pub(super) fn audits(ctx: &Context<'_>) -> Vec<Gap> {
    let c = &ctx.ws.cycle;
    if !c.inputs.audits {
        return Vec::new();
    }
    let mut out = Vec::new();
    let interval = c.config.audit_interval_months;
    let last = c.last_audit();
    let due = last
        .and_then(|a| a.performed)
        .and_then(|d| add_months(d, interval));
    if due.is_none_or(|d| d < ctx.as_of) {
        let message = match last {
            Some(a) => format!(
                "the last internal audit, {} ({}), was performed on {}: more than {interval} months before {}",
                a.id,
                a.title,
                a.performed.map(|d| d.to_string()).unwrap_or_default(),
                ctx.as_of
            ),
            None => "no internal audit of the programme has been performed".to_owned(),
        };
        out.push(ctx.gap(
            AUDIT_OVERDUE,
            message,
            "Perform an internal audit now and plan the programme so that audits follow at the planned intervals (9.2).",
            last.map(|a| vec![obj(ObjectKind::Audit, &a.id)]).unwrap_or_default(),
            last.map(|a| a.origin),
        ));
    }
    for a in c
        .audits
        .iter()
        .filter(|a| matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress))
        .filter(|a| a.planned.is_some_and(|p| p < ctx.as_of))
    {
        out.push(ctx.gap_with(
            AUDIT_OVERDUE,
            Severity::Medium,
            format!(
                "internal audit {} ({}) was planned for {} and is {}",
                a.id,
                a.title,
                a.planned.map(|d| d.to_string()).unwrap_or_default(),
                a.status
            ),
            "Perform the audit, or re-plan it in the audit programme and record why it moved.",
            vec![obj(ObjectKind::Audit, &a.id)],
            Some(a.origin),
        ));
    }
    for a in c
        .audits
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
    {
        let own_unit = a.auditor_unit.as_deref().filter(|unit| {
            a.audited_units
                .iter()
                .any(|u| u.trim().eq_ignore_ascii_case(unit.trim()))
        });
        if a.independent != Some(false) && own_unit.is_none() {
            continue;
        }
        let who = a.auditor.as_deref().unwrap_or("the auditor");
        let why = match own_unit {
            Some(unit) => format!("{who} belongs to {unit}, which the audit examines"),
            None => format!("{who} is recorded as not independent of the audited area"),
        };
        out.push(ctx.gap(
            AUDITOR_NOT_INDEPENDENT,
            format!("internal audit {} ({}): {why}", a.id, a.title),
            "Have the area audited by someone outside it (another unit's auditor or an external auditor) so that the audit is objective and impartial (9.2.2).",
            vec![obj(ObjectKind::Audit, &a.id)],
            Some(a.origin),
        ));
    }
    out
}

/// The audits of the certification cycle cover clauses 4 to 10 and every applicable control.
pub(super) fn audit_coverage(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    let c = &ws.cycle;
    if !c.inputs.audits {
        return Vec::new();
    }
    let (start, end) = cycle_window(ws.profile.certification_date, ctx.as_of);
    let mut clauses = [false; 11];
    let mut controls = vec![false; ws.catalog.controls.len()];
    for a in c.audits.iter().filter(|a| {
        a.status != ActionStatus::Cancelled && a.date().is_some_and(|d| start <= d && d < end)
    }) {
        for s in &a.scope {
            match *s {
                AuditScope::Clause(n) => clauses[usize::from(n)] = true,
                AuditScope::Group(g) => {
                    for (idx, _) in ws.catalog.controls_in_group(g) {
                        controls[idx.index()] = true;
                    }
                }
                AuditScope::Control(idx) => controls[idx.index()] = true,
            }
        }
    }
    let missing_clauses: Vec<String> = (4..=10)
        .filter(|n| !clauses[*n])
        .map(|n| n.to_string())
        .collect();
    let missing_controls: Vec<String> = ctx
        .soa
        .rows
        .iter()
        .filter(|r| r.applicable && !controls[r.control.index()])
        .map(|r| r.id.clone())
        .collect();
    if missing_clauses.is_empty() && missing_controls.is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    if !missing_clauses.is_empty() {
        parts.push(format!("clause(s) {}", missing_clauses.join(", ")));
    }
    if !missing_controls.is_empty() {
        parts.push(format!(
            "{} applicable control(s): {}",
            missing_controls.len(),
            short_list(&missing_controls, 8)
        ));
    }
    let mut objects: Vec<ObjectRef> = missing_clauses
        .iter()
        .map(|n| obj(ObjectKind::Clause, n))
        .collect();
    objects.extend(
        missing_controls
            .iter()
            .map(|id| obj(ObjectKind::Control, id)),
    );
    vec![ctx.gap(
        AUDIT_SCOPE_UNCOVERED,
        format!(
            "the audit programme of the cycle {start} to {end} does not cover {}",
            parts.join(" nor ")
        ),
        "Plan audits in this cycle for the clauses and controls left out, so that the whole ISMS is audited before recertification.",
        objects,
        None,
    )]
}

/// The date a finding was raised: its own, else its audit's.
fn raised(ws: &Workspace, f: &Finding) -> Option<NaiveDate> {
    f.raised_on
        .or_else(|| f.audit.and_then(|a| ws.cycle.audits[a.index()].date()))
}

fn finding_label(f: &Finding) -> String {
    match &f.reference {
        Some(r) => format!("{} ({} nonconformity, {r})", f.id, f.kind),
        None => format!("{} ({} nonconformity)", f.id, f.kind),
    }
}

/// Root causes of nonconformities, and nonconformities that recur.
pub(super) fn nonconformities(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    let c = &ws.cycle;
    if !c.inputs.findings {
        return Vec::new();
    }
    let mut out = Vec::new();
    let ncs = || {
        c.findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.kind.is_nonconformity())
    };
    for (i, f) in ncs() {
        let actions: Vec<&CorrectiveAction> = c
            .actions_of(FindingIdx(i as u32))
            .filter(|a| a.status != ActionStatus::Cancelled)
            .collect();
        if actions.iter().any(|a| a.root_cause.is_some()) {
            continue;
        }
        let date = raised(ws, f);
        if date.is_some_and(|d| after_days(d, c.config.root_cause_days) >= ctx.as_of) {
            continue;
        }
        let since = date.map(|d| format!(" raised on {d}")).unwrap_or_default();
        let why = if actions.is_empty() {
            "has no corrective action and so no root cause".to_owned()
        } else {
            let ids: Vec<&str> = actions.iter().map(|a| a.id.as_str()).collect();
            format!(
                "has no root cause: its corrective action(s) {} record none",
                ids.join(", ")
            )
        };
        let mut objects = vec![obj(ObjectKind::Finding, &f.id)];
        objects.extend(
            actions
                .iter()
                .map(|a| obj(ObjectKind::CorrectiveAction, &a.id)),
        );
        let severity = if f.kind == FindingKind::Major {
            Severity::High
        } else {
            NC_NO_ROOT_CAUSE.severity
        };
        out.push(ctx.gap_with(
            NC_NO_ROOT_CAUSE,
            severity,
            format!("{}{since} {why}", finding_label(f)),
            "Analyse the cause (why did it happen, could it happen elsewhere) and record it with the corrective action (10.2 b).",
            objects,
            Some(actions.first().map_or(f.origin, |a| a.origin)),
        ));
    }
    // Recurrence: the same clause or control nonconforming in different audits within the
    // last three years means the earlier corrective action did not remove the cause.
    let since = ctx
        .as_of
        .checked_sub_months(Months::new(crate::cycle::calendar::CYCLE_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    let mut by_reference: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for (_, f) in ncs() {
        let Some(reference) = f.reference.as_deref() else {
            continue;
        };
        if raised(ws, f).is_some_and(|d| d < since || d > ctx.as_of) {
            continue;
        }
        by_reference.entry(reference).or_default().push(f);
    }
    for (reference, group) in by_reference {
        // Findings of one audit (or, without an audit, of one day) are one occurrence.
        let mut occasions: Vec<(Option<AuditIdx>, Option<NaiveDate>)> = group
            .iter()
            .map(|f| match f.audit {
                Some(a) => (Some(a), None),
                None => (None, raised(ws, f)),
            })
            .collect();
        occasions.sort_unstable();
        occasions.dedup();
        let distinct = occasions.len();
        if distinct < 2 {
            continue;
        }
        let ids: Vec<String> = group.iter().map(|f| f.id.clone()).collect();
        let mut objects: Vec<ObjectRef> = group
            .iter()
            .map(|f| obj(ObjectKind::Finding, &f.id))
            .collect();
        let kind = if reference.starts_with(|ch: char| ch.is_ascii_digit()) {
            ObjectKind::Clause
        } else {
            ObjectKind::Control
        };
        objects.push(obj(kind, reference));
        out.push(ctx.gap(
            NC_RECURRING,
            format!(
                "{reference} was found nonconforming {} times in different audits: {}",
                group.len(),
                ids.join(", ")
            ),
            "Review why the earlier corrective actions did not remove the cause; analyse the root cause again and act on it (10.2 d, e).",
            objects,
            group.last().map(|f| f.origin),
        ));
    }
    out
}

/// Corrective actions completed on time and verified effective.
pub(super) fn corrective_actions(ctx: &Context<'_>) -> Vec<Gap> {
    let c = &ctx.ws.cycle;
    if !c.inputs.corrective_actions {
        return Vec::new();
    }
    let mut out = Vec::new();
    for a in &c.corrective_actions {
        let mut objects = vec![obj(ObjectKind::CorrectiveAction, &a.id)];
        objects.extend(
            a.findings
                .iter()
                .map(|f| obj(ObjectKind::Finding, &c.findings[f.index()].id)),
        );
        match a.status {
            ActionStatus::Planned | ActionStatus::InProgress
                if a.due.is_some_and(|d| d < ctx.as_of) =>
            {
                let major = a
                    .findings
                    .iter()
                    .any(|f| c.findings[f.index()].kind == FindingKind::Major);
                let severity = if major {
                    Severity::High
                } else {
                    CA_OVERDUE.severity
                };
                out.push(ctx.gap_with(
                    CA_OVERDUE,
                    severity,
                    format!(
                        "corrective action {} ({}) was due on {} and is {}",
                        a.id,
                        a.title,
                        a.due.map(|d| d.to_string()).unwrap_or_default(),
                        a.status
                    ),
                    "Complete the corrective action, or agree a new date with top management and record why it moved.",
                    objects,
                    Some(a.origin),
                ));
            }
            ActionStatus::Done if a.verified_on.is_none() => {
                let waited = a
                    .completed_on
                    .is_none_or(|d| after_days(d, c.config.verification_days) < ctx.as_of);
                if !waited {
                    continue;
                }
                let done = a
                    .completed_on
                    .map(|d| format!(" on {d}"))
                    .unwrap_or_default();
                out.push(ctx.gap(
                    CA_NOT_VERIFIED,
                    format!(
                        "corrective action {} ({}) was completed{done} but its effectiveness was never verified",
                        a.id, a.title
                    ),
                    "Check whether the nonconformity has stopped (evidence, not the completion alone) and record the verification (10.2 d).",
                    objects,
                    Some(a.origin),
                ));
            }
            _ => {}
        }
    }
    out
}

/// Management reviews held at the planned interval and covering every input of 9.3.2.
pub(super) fn reviews(ctx: &Context<'_>) -> Vec<Gap> {
    let c = &ctx.ws.cycle;
    if !c.inputs.management_reviews {
        return Vec::new();
    }
    let mut out = Vec::new();
    let interval = c.config.review_interval_months;
    let last = c.last_review(ctx.as_of);
    if last
        .and_then(|r| add_months(r.date, interval))
        .is_none_or(|due| due < ctx.as_of)
    {
        let message = match last {
            Some(r) => format!(
                "the last management review, {}, was held on {}: more than {interval} months before {}",
                r.id, r.date, ctx.as_of
            ),
            None => "no management review has been held".to_owned(),
        };
        out.push(ctx.gap(
            REVIEW_OVERDUE,
            message,
            "Hold a management review with top management and record its inputs and decisions (9.3).",
            last.map(|r| vec![obj(ObjectKind::Review, &r.id)]).unwrap_or_default(),
            last.map(|r| r.origin),
        ));
    }
    if let Some(r) = last {
        let missing: Vec<&str> = ReviewInput::ALL
            .iter()
            .filter(|i| !r.inputs.contains(i))
            .map(|i| i.as_str())
            .collect();
        if !missing.is_empty() {
            out.push(ctx.gap(
                REVIEW_INPUTS_MISSING,
                format!(
                    "management review {} of {} did not cover: {}",
                    r.id,
                    r.date,
                    missing.join(", ")
                ),
                "Put the missing inputs on the agenda of the next management review and minute them (9.3.2).",
                vec![obj(ObjectKind::Review, &r.id)],
                Some(r.origin),
            ));
        }
    }
    out
}

/// The documents register: every mandatory document present, owned and reviewed; the
/// documents of applicable controls present.
pub(super) fn documents(ctx: &Context<'_>) -> Vec<Gap> {
    let ws = ctx.ws;
    let c = &ws.cycle;
    if !c.inputs.documents {
        return Vec::new();
    }
    let mut out = Vec::new();
    let list = mandatory_documents();
    let mut provided = vec![false; list.len()];
    for d in c
        .documents
        .iter()
        .filter(|d| d.status == DocumentStatus::Approved)
    {
        for i in &d.covers {
            provided[*i] = true;
        }
    }
    let is_2022 = ws.catalog.id == crate::catalog::CatalogId::Iso27001_2022;
    for (m, _) in list.iter().zip(&provided).filter(|(_, p)| !**p) {
        if !m.is_conditional() {
            out.push(ctx.gap(
                DOC_MISSING,
                format!(
                    "no approved document of the register provides {} ({})",
                    m.item, m.clause
                ),
                "Write or find the document, have it approved and add it to the register with `covers` naming this id.",
                vec![obj(ObjectKind::Clause, &m.id)],
                None,
            ));
            continue;
        }
        let control = m
            .control
            .as_deref()
            .filter(|_| is_2022)
            .and_then(|id| ws.catalog.find(id));
        let Some(control) = control else { continue };
        if !ctx
            .soa
            .rows
            .iter()
            .any(|r| r.control == control && r.applicable)
        {
            continue;
        }
        out.push(ctx.gap(
            DOC_CONTROL_MISSING,
            format!(
                "{} applies but no approved document of the register provides {}",
                m.clause, m.item
            ),
            "Document the control's rules or procedure, have it approved and add it to the register.",
            vec![obj(ObjectKind::Control, ctx.control_id(control))],
            ctx.ws.soa_entry(control).map(|e| e.origin),
        ));
    }
    for d in c
        .documents
        .iter()
        .filter(|d| d.status != DocumentStatus::Withdrawn)
    {
        if d.owner.is_none() {
            out.push(ctx.gap(
                DOC_UNOWNED,
                format!("document {} ({}) has no owner", d.id, d.title),
                "Name the owner who keeps the document current and approves its changes (7.5.3).",
                vec![obj(ObjectKind::Document, &d.id)],
                Some(d.origin),
            ));
        }
        if d.status != DocumentStatus::Approved {
            continue;
        }
        let message = match c.document_due(d) {
            Some(due) if due < ctx.as_of => {
                format!(
                    "document {} ({}) was due for review on {due}",
                    d.id, d.title
                )
            }
            Some(_) => continue,
            None => format!("document {} ({}) records no review date", d.id, d.title),
        };
        out.push(ctx.gap(
            DOC_REVIEW_OVERDUE,
            message,
            "Review the document, record the review and set the next review date.",
            vec![obj(ObjectKind::Document, &d.id)],
            Some(d.origin),
        ));
    }
    out
}

/// Leavers' access: accounts still active after the leaving date, and accounts revoked, but
/// later than `[cycle] revocation_days` after it (the access an auditor finds in a sample of
/// leavers even though it is closed now).
pub(super) fn leavers(ctx: &Context<'_>) -> Vec<Gap> {
    let c = &ctx.ws.cycle;
    if !(c.inputs.people && c.inputs.accounts) {
        return Vec::new();
    }
    let allowed = c.config.revocation_days;
    c.accounts
        .iter()
        .filter_map(|a| {
            let p = &c.people[a.person.index()];
            let left = p.left_on.filter(|d| *d < ctx.as_of)?;
            let objects = vec![obj(ObjectKind::Person, &p.id), obj(ObjectKind::Account, &a.id)];
            if a.active_on(ctx.as_of) {
                let (severity, kind) = if a.privileged {
                    (Severity::Critical, "privileged account")
                } else {
                    (LEAVER_ACCOUNT_ACTIVE.severity, "account")
                };
                return Some(ctx.gap_with(
                    LEAVER_ACCOUNT_ACTIVE,
                    severity,
                    format!(
                        "{} ({}) left on {left} but the {kind} {} on {} is still active",
                        p.id, p.name, a.id, a.system
                    ),
                    "Disable the account now, check what it did since the leaving date, and fix the leaver process so that access ends on the last day (A.5.18, A.6.5).",
                    objects,
                    Some(a.origin),
                ));
            }
            let revoked = a.revoked?;
            let late = (revoked - left).num_days();
            if late <= i64::from(allowed) {
                return None;
            }
            let (severity, kind) = if a.privileged {
                (Severity::High, "privileged account")
            } else {
                (LEAVER_ACCESS_LAPSE.severity, "account")
            };
            Some(ctx.gap_with(
                LEAVER_ACCESS_LAPSE,
                severity,
                format!(
                    "{} ({}) left on {left} but the {kind} {} on {} was revoked only on {revoked}, {late} days later (allowed: {allowed})",
                    p.id, p.name, a.id, a.system
                ),
                "Check what the account did between the leaving date and the revocation, and fix the leaver process so that access ends on the last day (A.5.18, A.6.5).",
                objects,
                Some(a.origin),
            ))
        })
        .collect()
}

/// Register risks not assessed again within the risk assessment interval.
pub(super) fn risk_assessment_stale(ctx: &Context<'_>) -> Vec<Gap> {
    let interval = ctx.ws.cycle.config.risk_assessment_interval_months;
    ctx.ws
        .risks
        .iter()
        .filter_map(|r| {
            let on = r.assessed_on?;
            let due = add_months(on, interval)?;
            (due < ctx.as_of).then(|| {
                ctx.gap(
                    RISK_ASSESSMENT_STALE,
                    format!(
                        "{} ({}) was last assessed on {on}: more than {interval} months before {}",
                        r.id, r.title, ctx.as_of
                    ),
                    "Assess the risk again (likelihood, impact, treatment) and record the date (8.2).",
                    vec![obj(ObjectKind::Risk, &r.id)],
                    Some(r.origin),
                )
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "cycle_tests.rs"]
mod tests;
