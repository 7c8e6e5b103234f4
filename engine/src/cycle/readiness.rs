//! Certification readiness: would the ISMS pass a Stage 1 audit (the documentation) and a
//! Stage 2 audit (evidence that the system is operated)?
//!
//! Each requirement of the checklist passes when its evidence is present and no gap behind it
//! was found; a failure names the gaps (codes and objects), or the input that is missing.

use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::calendar::{self, Calendar, cycle_window};
use super::mandatory_documents;
use crate::gaps::gap::{Gap, ObjectKind};
use crate::model::*;
use crate::soa::Soa;
use crate::workspace::Workspace;

/// A gap behind a failed requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GapRef {
    pub code: String,
    pub severity: Severity,
    /// Ids of the objects the gap concerns.
    pub objects: Vec<String>,
}

/// One requirement of a stage's checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReadinessItem {
    /// Stable id: `S1-DOC-4.3`, `S1-SOA`, `S2-AUDITS`, ...
    pub id: String,
    pub requirement: String,
    /// The clause or control of ISO/IEC 27001 it comes from.
    pub clause: String,
    pub passed: bool,
    /// What was found that shows the requirement is met.
    pub evidence: Vec<String>,
    /// The gaps that make it fail.
    pub gaps: Vec<GapRef>,
    /// The input the evidence should come from, when the workspace does not have it.
    pub missing: Option<String>,
}

/// One audit stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Stage {
    /// 1 (documentation review) or 2 (operation evidence).
    pub stage: u8,
    pub title: String,
    pub ready: bool,
    /// Number of requirements met.
    pub passed: usize,
    pub items: Vec<ReadinessItem>,
}

/// The readiness for certification, with the certification calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Readiness {
    /// Both stages ready.
    pub ready: bool,
    pub stages: Vec<Stage>,
    pub calendar: Calendar,
}

/// Builds checklist items against the gap list.
struct Builder<'a> {
    gaps: &'a [Gap],
    items: Vec<ReadinessItem>,
}

impl Builder<'_> {
    /// Adds an item whose failures are the gaps with one of `codes` that `keep` selects.
    /// `what` is the item's (id, requirement, clause).
    fn item(
        &mut self,
        (id, requirement, clause): (String, &str, &str),
        missing: Option<&str>,
        evidence: Vec<String>,
        codes: &[&str],
        keep: impl Fn(&Gap) -> bool,
    ) {
        let gaps: Vec<GapRef> = self
            .gaps
            .iter()
            .filter(|g| codes.contains(&g.code.as_str()) && keep(g))
            .map(|g| GapRef {
                code: g.code.clone(),
                severity: g.severity,
                objects: g.objects.iter().map(|o| o.id.clone()).collect(),
            })
            .collect();
        let missing = missing.map(str::to_owned);
        self.items.push(ReadinessItem {
            id,
            requirement: requirement.to_owned(),
            clause: clause.to_owned(),
            passed: missing.is_none() && gaps.is_empty(),
            evidence,
            gaps,
            missing,
        });
    }
}

fn has_object(g: &Gap, kind: ObjectKind, ids: &[&str]) -> bool {
    g.objects
        .iter()
        .any(|o| o.kind == kind && ids.contains(&o.id.as_str()))
}

fn input(name: &str) -> String {
    format!("no {name} in the workspace (inputs.{name} in isms.toml)")
}

fn stage1(ws: &Workspace, soa: &Soa, gaps: &[Gap]) -> Vec<ReadinessItem> {
    let c = &ws.cycle;
    let mut b = Builder {
        gaps,
        items: Vec::new(),
    };
    let no_register = (!c.inputs.documents).then(|| input("documents"));
    let is_2022 = ws.catalog.id == crate::catalog::CatalogId::Iso27001_2022;
    for (i, m) in mandatory_documents().iter().enumerate() {
        let control = m
            .control
            .as_deref()
            .filter(|_| is_2022)
            .and_then(|id| ws.catalog.find(id));
        if m.is_conditional()
            && !control.is_some_and(|ctl| soa.rows.iter().any(|r| r.control == ctl && r.applicable))
        {
            continue;
        }
        let docs: Vec<&Document> = c
            .documents
            .iter()
            .filter(|d| d.status == DocumentStatus::Approved && d.covers.contains(&i))
            .collect();
        let evidence = docs
            .iter()
            .map(|d| {
                let mut e = format!("{} {}", d.id, d.title);
                if let Some(v) = &d.version {
                    e.push_str(&format!(", version {v}"));
                }
                if let Some(l) = d.last_review {
                    e.push_str(&format!(", reviewed {l}"));
                }
                e
            })
            .collect();
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        let (code, object): (&str, (ObjectKind, &str)) = if m.is_conditional() {
            (
                "GAP-DOC-CONTROL-MISSING",
                (ObjectKind::Control, m.clause.as_str()),
            )
        } else {
            ("GAP-DOC-MISSING", (ObjectKind::Clause, m.id.as_str()))
        };
        b.item(
            (format!("S1-DOC-{}", m.id), &m.item, &m.clause),
            no_register.as_deref(),
            evidence,
            &[code, "GAP-DOC-UNOWNED", "GAP-DOC-REVIEW-OVERDUE"],
            |g| {
                if g.code == code {
                    has_object(g, object.0, &[object.1])
                } else {
                    has_object(g, ObjectKind::Document, &ids)
                }
            },
        );
    }
    let declared = ws.soa.len();
    let excluded = ws.soa.iter().filter(|e| !e.applicable).count();
    b.item(
        (
            "S1-SOA".into(),
            "Statement of Applicability complete and justified",
            "6.1.3 d",
        ),
        ws.soa.is_empty().then(|| input("soa")).as_deref(),
        vec![format!(
            "{declared} of {} controls declared, {} applicable, {excluded} excluded",
            ws.catalog.controls.len(),
            declared - excluded
        )],
        &[
            "GAP-PLAN-CONTROL-EXCLUDED",
            "GAP-PLAN-CONTROL-OMITTED",
            "GAP-EXCLUDED-BUT-REQUIRED",
            "GAP-EXCLUDED-MITIGATES-RISK",
            "GAP-SOA-MISSING-CONTROL",
            "GAP-EXCLUSION-UNJUSTIFIED",
            "GAP-INCLUSION-UNJUSTIFIED",
            "GAP-INCLUSION-UNSUPPORTED",
        ],
        |_| true,
    );
    b.item(
        (
            "S1-RISK-ASSESSMENT".into(),
            "Risk assessment covers the valuable assets in scope",
            "6.1.2, 8.2",
        ),
        ws.risks.is_empty().then(|| input("risks")).as_deref(),
        vec![format!(
            "{} register risks on {} assets",
            ws.risks.len(),
            ws.assets.len()
        )],
        &[
            "GAP-RISK-UNTREATED",
            "GAP-PLUGIN-APPETITE-SHIFT",
            "GAP-ASSET-NOT-ASSESSED",
            "GAP-COPY-PASTE-ASSESSMENT",
            "GAP-RISK-OUT-OF-SCOPE",
            "GAP-ASSET-NO-OWNER",
            "GAP-ASSET-UNCLASSIFIED",
        ],
        |_| true,
    );
    b.item(
        (
            "S1-RISK-TREATMENT".into(),
            "Risk treatment plan and risk owners' acceptance of residual risks",
            "6.1.3 e, f",
        ),
        ws.actions
            .is_empty()
            .then(|| input("treatment_plan"))
            .as_deref(),
        vec![format!(
            "{} actions in the treatment plan",
            ws.actions.len()
        )],
        &[
            "GAP-TREAT-NO-ACTIONS",
            "GAP-TREATMENT-INSUFFICIENT",
            "GAP-TOLERATED-NO-ACCEPTANCE",
            "GAP-ACCEPTANCE-EXPIRED",
            "GAP-TRANSFER-NO-REFERENCE",
            "GAP-TERMINATE-ASSET-ACTIVE",
        ],
        |_| true,
    );
    b.items
}

fn stage2(ws: &Workspace, gaps: &[Gap], as_of: NaiveDate) -> Vec<ReadinessItem> {
    let c = &ws.cycle;
    let mut b = Builder {
        gaps,
        items: Vec::new(),
    };
    let all = |_: &Gap| true;
    let no_audits = (!c.inputs.audits).then(|| input("audits"));
    let (start, end) = cycle_window(ws.profile.certification_date, as_of);
    let in_cycle: Vec<&Audit> = c
        .audits
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
        .filter(|a| a.date().is_some_and(|d| start <= d && d < end))
        .collect();
    let performed = in_cycle
        .iter()
        .filter(|a| a.status == ActionStatus::Done)
        .count();
    b.item(
        ("S2-AUDIT-PROGRAMME".into(), "Internal audit programme covers clauses 4 to 10 and every applicable control within the cycle", "9.2.2"),
        no_audits.as_deref(),
        vec![format!(
            "{} audits in the cycle {start} to {end}: {performed} performed, {} planned",
            in_cycle.len(),
            in_cycle.len() - performed
        )],
        &["GAP-AUDIT-SCOPE-UNCOVERED"],
        all,
    );
    let last_audit = c.last_audit().map(|a| {
        let mut e = format!(
            "last internal audit {} ({}) performed {}",
            a.id,
            a.title,
            a.performed.map(|d| d.to_string()).unwrap_or_default()
        );
        if let Some(r) = &a.report {
            e.push_str(&format!(", report {r}"));
        }
        e
    });
    b.item(
        (
            "S2-AUDITS".into(),
            "Internal audits performed at planned intervals",
            "9.2.1",
        ),
        no_audits.as_deref(),
        last_audit.into_iter().collect(),
        &["GAP-AUDIT-OVERDUE"],
        all,
    );
    let audited_by = in_cycle.iter().filter(|a| a.auditor.is_some()).count();
    b.item(
        (
            "S2-AUDITOR-INDEPENDENCE".into(),
            "Auditors are objective and impartial (not auditing their own work)",
            "9.2.2",
        ),
        no_audits.as_deref(),
        vec![format!(
            "{audited_by} audits of the cycle name their auditor"
        )],
        &["GAP-AUDITOR-NOT-INDEPENDENT"],
        all,
    );
    let ncs: Vec<(usize, &Finding)> = c
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind.is_nonconformity())
        .collect();
    let analysed = ncs
        .iter()
        .filter(|(i, _)| {
            c.actions_of(FindingIdx(*i as u32))
                .any(|a| a.root_cause.is_some())
        })
        .count();
    let major = ncs
        .iter()
        .filter(|(_, f)| f.kind == FindingKind::Major)
        .count();
    b.item(
        (
            "S2-NC-ROOT-CAUSE".into(),
            "Nonconformities are analysed for their root cause",
            "10.2",
        ),
        (!c.inputs.findings).then(|| input("findings")).as_deref(),
        vec![format!(
            "{} nonconformities ({major} major, {} minor), {analysed} with a root cause",
            ncs.len(),
            ncs.len() - major
        )],
        &["GAP-NC-NO-ROOT-CAUSE"],
        all,
    );
    let no_cas = (!c.inputs.corrective_actions).then(|| input("corrective_actions"));
    let done: Vec<&CorrectiveAction> = c
        .corrective_actions
        .iter()
        .filter(|a| a.status == ActionStatus::Done)
        .collect();
    let open = c
        .corrective_actions
        .iter()
        .filter(|a| matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress))
        .count();
    b.item(
        (
            "S2-CA-ON-TIME".into(),
            "Corrective actions are completed on time",
            "10.2",
        ),
        no_cas.as_deref(),
        vec![format!(
            "{} corrective actions: {} done, {open} open",
            c.corrective_actions.len(),
            done.len()
        )],
        &["GAP-CA-OVERDUE"],
        all,
    );
    let verified = done.iter().filter(|a| a.verified_on.is_some()).count();
    b.item(
        (
            "S2-CA-EFFECTIVE".into(),
            "Corrective actions are verified effective and nonconformities do not recur",
            "10.2",
        ),
        no_cas.as_deref(),
        vec![format!(
            "{verified} of {} completed corrective actions verified",
            done.len()
        )],
        &["GAP-CA-NOT-VERIFIED", "GAP-NC-RECURRING"],
        all,
    );
    let no_reviews = (!c.inputs.management_reviews).then(|| input("management_reviews"));
    let last_review = c.last_review(as_of);
    b.item(
        (
            "S2-REVIEW".into(),
            "Management reviews held at planned intervals",
            "9.3",
        ),
        no_reviews.as_deref(),
        last_review
            .map(|r| format!("last management review {} held {}", r.id, r.date))
            .into_iter()
            .collect(),
        &["GAP-REVIEW-OVERDUE"],
        all,
    );
    b.item(
        (
            "S2-REVIEW-INPUTS".into(),
            "The management review considers every required input",
            "9.3.2",
        ),
        no_reviews.as_deref(),
        last_review
            .map(|r| {
                format!(
                    "{} covered {} of {} inputs",
                    r.id,
                    r.inputs.len(),
                    ReviewInput::ALL.len()
                )
            })
            .into_iter()
            .collect(),
        &["GAP-REVIEW-INPUTS-MISSING"],
        all,
    );
    let oldest = ws
        .risks
        .iter()
        .filter_map(|r| r.assessed_on.map(|d| (d, r)))
        .min_by_key(|(d, r)| (*d, r.origin));
    let dated = ws.risks.iter().filter(|r| r.assessed_on.is_some()).count();
    b.item(
        (
            "S2-RISK-REASSESSMENT".into(),
            "Risk assessment repeated at planned intervals",
            "8.2",
        ),
        oldest
            .is_none()
            .then_some("no register risk records when it was assessed (assessed_on)"),
        oldest
            .map(|(d, r)| {
                format!(
                    "{dated} of {} risks dated; oldest assessment {d} ({})",
                    ws.risks.len(),
                    r.id
                )
            })
            .into_iter()
            .collect(),
        &["GAP-RISK-ASSESSMENT-STALE"],
        all,
    );
    let actions_done = ws
        .actions
        .iter()
        .filter(|a| a.status == ActionStatus::Done)
        .count();
    b.item(
        (
            "S2-TREATMENT".into(),
            "The risk treatment plan is carried out as planned",
            "8.3",
        ),
        ws.actions
            .is_empty()
            .then(|| input("treatment_plan"))
            .as_deref(),
        vec![format!(
            "{actions_done} of {} treatment actions done",
            ws.actions.len()
        )],
        &[
            "GAP-ACTION-OVERDUE",
            "GAP-IMPLEMENTED-ACTIONS-OPEN",
            "GAP-STATUS-BEHIND-PLAN",
        ],
        all,
    );
    let implemented: Vec<&SoaEntry> = ws
        .soa
        .iter()
        .filter(|e| e.applicable && e.status == ImplementationStatus::Implemented)
        .collect();
    b.item(
        (
            "S2-CONTROL-EVIDENCE".into(),
            "Implemented controls name their evidence",
            "8.1, Annex A",
        ),
        ws.soa.is_empty().then(|| input("soa")).as_deref(),
        vec![format!(
            "{} of {} implemented controls name evidence",
            implemented
                .iter()
                .filter(|e| !e.evidence.is_empty())
                .count(),
            implemented.len()
        )],
        &["GAP-IMPLEMENTED-NO-EVIDENCE"],
        all,
    );
    let leavers = c
        .people
        .iter()
        .filter(|p| p.left_on.is_some_and(|d| d < as_of))
        .count();
    let missing_people = if !c.inputs.people {
        Some(input("people"))
    } else if !c.inputs.accounts {
        Some(input("accounts"))
    } else {
        None
    };
    b.item(
        (
            "S2-LEAVERS".into(),
            "Access of leavers is removed",
            "A.5.18, A.6.5",
        ),
        missing_people.as_deref(),
        vec![format!(
            "{} people ({leavers} leavers), {} accounts",
            c.people.len(),
            c.accounts.len()
        )],
        &["GAP-LEAVER-ACCOUNT-ACTIVE", "GAP-LEAVER-ACCESS-LAPSE"],
        all,
    );
    b.items
}

fn stage(stage: u8, title: &str, items: Vec<ReadinessItem>) -> Stage {
    let passed = items.iter().filter(|i| i.passed).count();
    Stage {
        stage,
        title: title.to_owned(),
        ready: passed == items.len(),
        passed,
        items,
    }
}

/// The readiness of a workspace as of a date, from its generated SoA and its gaps.
pub fn assess(ws: &Workspace, soa: &Soa, gaps: &[Gap], as_of: NaiveDate) -> Readiness {
    let stages = vec![
        stage(1, "Stage 1: documentation review", stage1(ws, soa, gaps)),
        stage(2, "Stage 2: evidence of operation", stage2(ws, gaps, as_of)),
    ];
    Readiness {
        ready: stages.iter().all(|s| s.ready),
        stages,
        calendar: calendar::build(ws, as_of),
    }
}
