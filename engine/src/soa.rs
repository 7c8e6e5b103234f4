//! The Statement of Applicability: for every control of the catalog, whether it applies and
//! why, built from structured reasons, with the implementation status combined from the
//! treatment plan and the declared SoA.
//!
//! Reasons: the risks a control treats (through the plan's actions, done or pending) or
//! mitigates (through the threats linked to it), the requirements of the profile that demand
//! it, the applicability rules of the rule sets (CEL over `org` and `inventory`, cited with
//! the values they read), and exclusions backed by organisation facts. A control with a
//! deciding reason applies; one excluded by a fact and with no reason does not; for the rest
//! the declared SoA decides, supported by the risks the control mitigates, and the gap checks
//! say when that declaration stands on nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::catalog::ControlIdx;
pub use crate::controls::PlanProgress;
use crate::model::{
    ActionStatus, ImplementationStatus, RequirementKind, Risk, TreatmentAction, TreatmentOption,
};
use crate::risk::{AppetiteStatus, Assessment, RiskSource};
use crate::rules::bindings::Bindings;
use crate::rules::expr::Interpreter;
use crate::rules::records::{InventoryRecord, OrgRecord};
use crate::rules::ruleset::ReasonCategory;
use crate::workspace::Workspace;

/// What a reason truly is, so that the justification labels it right.
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
pub enum ReasonKind {
    /// A register risk treated by a done action that selects the control.
    TreatedDone,
    /// A register risk treated by an action still open.
    TreatedPending,
    /// An action that selects the control without naming a risk.
    Selected,
    /// A terminated risk: the control serves the risk's avoidance.
    Avoided,
    /// Risks whose threat the control mitigates (register risks by id, scenarios by count).
    Mitigated,
    /// A requirement of the profile.
    Requirement,
    /// An applicability rule of a rule set, with the facts it read.
    Rule,
    /// A plugin's reason.
    Plugin,
    /// An exclusion rule backed by organisation facts.
    Exclusion,
}

impl ReasonKind {
    /// Whether the reason decides applicability. Mitigation alone does not: it supports a
    /// declared inclusion and makes an exclusion questionable (a gap), nothing more.
    pub fn decides(self) -> bool {
        self != ReasonKind::Mitigated
    }
}

/// One reason for (or against) a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Reason {
    pub category: ReasonCategory,
    /// What the reason is, exactly.
    pub kind: ReasonKind,
    /// What gave the reason: an action id, a requirement id, a rule id, a risk id.
    pub source: String,
    /// The reason in words.
    pub text: String,
}

/// On what the applicability decision rests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// At least one reason makes the control applicable.
    Reasons,
    /// An organisation fact excludes it and nothing requires it.
    ExcludedByFact,
    /// Nothing decides: the declared SoA does.
    Declaration,
    /// Nothing decides and the SoA omits the control: not applicable until decided.
    Undecided,
}

/// The risks a control mitigates through the threats it is linked to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Mitigates {
    /// The threats that name the control, by id.
    pub threats: Vec<String>,
    /// Register risks with one of those threats.
    pub register: usize,
    /// Generated scenarios with one of those threats.
    pub scenarios: usize,
    /// Of both, those above the appetite without a valid acceptance.
    pub above_appetite: usize,
    /// Of both, how many at each residual level (index 0 is level 1).
    pub by_level: Vec<usize>,
    /// The highest by residual level (then register first, then input order), by id.
    pub highest: Vec<String>,
    /// Above-appetite register risks, by id (at most [`CITED`]).
    pub register_above: Vec<String>,
}

/// How many risks a reason or a summary names before it counts the rest.
pub const CITED: usize = 10;

/// One row of the generated SoA.
#[derive(Debug, Clone, Serialize)]
pub struct SoaRow {
    pub control: ControlIdx,
    pub id: String,
    pub title: String,
    pub group: String,
    pub applicable: bool,
    pub basis: Basis,
    pub reasons: Vec<Reason>,
    pub exclusions: Vec<Reason>,
    /// An auditor-readable justification rendered from the reasons (or the declaration).
    pub justification: String,
    pub declared_applicable: Option<bool>,
    pub declared_justification: Option<String>,
    /// The status the SoA row states, if it states one.
    pub declared_status: Option<ImplementationStatus>,
    pub evidence: Vec<String>,
    pub plan: PlanProgress,
    /// The declared status, else the one the plan implies, else not implemented.
    pub status: ImplementationStatus,
    /// The risks the control mitigates, when a threat names it.
    pub mitigates: Option<Mitigates>,
}

/// The generated SoA, in catalog order.
#[derive(Debug, Clone, Serialize)]
pub struct Soa {
    pub rows: Vec<SoaRow>,
}

fn requirement_category(k: RequirementKind) -> ReasonCategory {
    match k {
        RequirementKind::Legal => ReasonCategory::Legal,
        RequirementKind::Regulatory => ReasonCategory::Regulatory,
        RequirementKind::Contractual => ReasonCategory::Contractual,
        RequirementKind::Business => ReasonCategory::Business,
    }
}

/// Failures of applicability or exclusion rules: (rule id, message).
pub type RuleErrors = Vec<(String, String)>;

fn treatment_reason(action: &TreatmentAction, risk: Option<&Risk>) -> Reason {
    let when = match (action.status, action.completed_on, action.due) {
        (ActionStatus::Done, Some(d), _) => format!("done {d}"),
        (ActionStatus::Done, None, _) => "done".to_owned(),
        (status, _, Some(due)) => format!("{status}, due {due}"),
        (status, _, None) => status.to_string(),
    };
    let Some(risk) = risk else {
        return Reason {
            category: ReasonCategory::RiskTreatment,
            kind: ReasonKind::Selected,
            source: action.id.clone(),
            text: format!("action {} ({when})", action.id),
        };
    };
    let terminated = risk
        .treatment
        .as_ref()
        .is_some_and(|t| t.option == TreatmentOption::Terminate);
    let kind = if terminated {
        ReasonKind::Avoided
    } else if action.status == ActionStatus::Done {
        ReasonKind::TreatedDone
    } else {
        ReasonKind::TreatedPending
    };
    Reason {
        category: ReasonCategory::RiskTreatment,
        kind,
        source: risk.id.clone(),
        text: format!("{} by action {} ({when})", risk.id, action.id),
    }
}

/// Per control: the risks it mitigates, from the scored risks and the threat links. One pass
/// over the risks into per-threat tallies, then threat -> control: linear in the risks.
fn mitigation_summaries(ws: &Workspace, a: &Assessment) -> Vec<Option<Mitigates>> {
    let levels = usize::from(ws.risk_model.matrix.max_level());
    #[derive(Clone, Default)]
    struct Tally {
        register: usize,
        scenarios: usize,
        above: usize,
        by_level: Vec<usize>,
        /// (level, position) of the highest few, kept sorted.
        top: Vec<(u8, usize)>,
        register_above: Vec<usize>,
    }
    let mut tallies = vec![Tally::default(); ws.threats.len()];
    for (pos, r) in a.risks.iter().enumerate() {
        let Some(t) = r.threat else { continue };
        let Some(tally) = tallies.get_mut(t.index()) else {
            continue;
        };
        if tally.by_level.is_empty() {
            tally.by_level = vec![0; levels];
        }
        let above = matches!(
            r.status,
            AppetiteStatus::AboveAppetite | AppetiteStatus::AcceptanceExpired
        );
        match r.source {
            RiskSource::Register(_) => {
                tally.register += 1;
                if above && tally.register_above.len() < CITED {
                    tally.register_above.push(pos);
                }
            }
            RiskSource::Generated => tally.scenarios += 1,
        }
        tally.above += usize::from(above);
        if let Some(n) = tally
            .by_level
            .get_mut(usize::from(r.residual.level).saturating_sub(1))
        {
            *n += 1;
        }
        push_top(&mut tally.top, (r.residual.level, pos));
    }
    let mut out: Vec<Option<Mitigates>> = vec![None; ws.catalog.controls.len()];
    let mut tops: Vec<Vec<(u8, usize)>> = vec![Vec::new(); ws.catalog.controls.len()];
    let mut above_ids: Vec<Vec<usize>> = vec![Vec::new(); ws.catalog.controls.len()];
    for (t, m) in ws.mitigations.iter().enumerate() {
        let tally = &tallies[t];
        let mut seen: Vec<ControlIdx> = Vec::new();
        for c in m.likelihood.iter().chain(&m.impact) {
            if seen.contains(c) {
                continue;
            }
            seen.push(*c);
            let entry = out[c.index()].get_or_insert_with(|| Mitigates {
                by_level: vec![0; levels],
                ..Mitigates::default()
            });
            entry.threats.push(ws.threats[t].id.clone());
            entry.register += tally.register;
            entry.scenarios += tally.scenarios;
            entry.above_appetite += tally.above;
            for (sum, n) in entry.by_level.iter_mut().zip(&tally.by_level) {
                *sum += n;
            }
            for x in &tally.top {
                push_top(&mut tops[c.index()], *x);
            }
            above_ids[c.index()].extend(&tally.register_above);
        }
    }
    for (c, entry) in out.iter_mut().enumerate() {
        if let Some(e) = entry {
            e.highest = tops[c]
                .iter()
                .map(|(_, pos)| a.risks[*pos].id(ws))
                .collect();
            let mut ids = std::mem::take(&mut above_ids[c]);
            ids.sort_unstable();
            ids.dedup();
            e.register_above = ids
                .iter()
                .take(CITED)
                .map(|pos| a.risks[*pos].id(ws))
                .collect();
        }
    }
    out
}

/// Risk reasons per (control, kind): the first [`CITED`] kept, the rest counted.
#[derive(Default)]
struct Citations {
    counts: HashMap<(usize, ReasonKind), usize>,
}

impl Citations {
    fn push(&mut self, reasons: &mut [Vec<Reason>], control: usize, reason: Reason) {
        let n = self.counts.entry((control, reason.kind)).or_default();
        *n += 1;
        if *n <= CITED {
            reasons[control].push(reason);
        }
    }

    /// Adds one reason per (control, kind) that had more than [`CITED`]: "N more".
    fn finish(self, reasons: &mut [Vec<Reason>]) {
        let mut over: Vec<((usize, ReasonKind), usize)> = self
            .counts
            .into_iter()
            .filter(|(_, n)| *n > CITED)
            .collect();
        over.sort_unstable();
        for ((control, kind), n) in over {
            reasons[control].push(Reason {
                category: ReasonCategory::RiskTreatment,
                kind,
                source: "more".to_owned(),
                text: format!("{} more", n - CITED),
            });
        }
    }
}

/// How many of the highest risks a summary names.
const HIGHEST: usize = 5;

/// Keeps the [`HIGHEST`] entries with the highest level (then the earliest position).
fn push_top(top: &mut Vec<(u8, usize)>, x: (u8, usize)) {
    let key = |e: &(u8, usize)| (std::cmp::Reverse(e.0), e.1);
    if top.contains(&x) {
        return;
    }
    if top.len() == HIGHEST && top.last().is_some_and(|last| key(&x) >= key(last)) {
        return;
    }
    let at = top.partition_point(|e| key(e) < key(&x));
    top.insert(at, x);
    top.truncate(HIGHEST);
}

/// The values a rule read, as `path = value`, for the justification: what made it hold.
fn facts_read(rule: &crate::rules::expr::Expr, interp: &Interpreter, b: &Bindings<'_>) -> String {
    rule.reads()
        .iter()
        .filter(|p| p.contains('.'))
        .filter_map(|path| {
            let e = crate::rules::expr::Expr::compile(path).ok()?;
            let v = e.interpret(interp, b).ok()?;
            Some(format!("{path} = {}", crate::rules::expr::literal(&v)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the SoA of a workspace.
pub fn build(ws: &Workspace, a: &Assessment) -> (Soa, RuleErrors) {
    let n = ws.catalog.controls.len();
    let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); n];
    let mut exclusions: Vec<Vec<Reason>> = vec![Vec::new(); n];
    let plan = &a.plan;
    let mut errors = Vec::new();

    // Risk treatment: each action names the risks it treats and the controls it selects.
    // Risks are cited by id up to [`CITED`] per control and kind, then counted, so a
    // register of 100,000 risks keeps each justification readable and the work linear.
    let mut cite = Citations::default();
    let mut by_action: HashSet<(usize, usize)> = HashSet::new();
    for action in ws
        .actions
        .iter()
        .filter(|x| x.status != ActionStatus::Cancelled)
    {
        for c in &action.controls {
            if action.risks.is_empty() {
                cite.push(&mut reasons, c.index(), treatment_reason(action, None));
            }
            for r in &action.risks {
                by_action.insert((c.index(), r.index()));
                let reason = treatment_reason(action, Some(&ws.risks[r.index()]));
                cite.push(&mut reasons, c.index(), reason);
            }
        }
    }
    // Risks mitigated: register risks with a linked threat that no action already cites for
    // the control (tolerated and transferred risks too), then the generated scenarios.
    let summaries = mitigation_summaries(ws, a);
    for (r, risk) in ws.risks.iter().enumerate() {
        let Some(t) = risk.threat else { continue };
        let Some(m) = ws.mitigations.get(t.index()) else {
            continue;
        };
        let terminated = risk
            .treatment
            .as_ref()
            .is_some_and(|d| d.option == TreatmentOption::Terminate);
        if terminated {
            continue;
        }
        let scored = a.risks.get(r);
        let mut seen: Vec<usize> = Vec::new();
        for c in m.likelihood.iter().chain(&m.impact) {
            let c = c.index();
            if seen.contains(&c) || by_action.contains(&(c, r)) {
                continue;
            }
            seen.push(c);
            let decision = risk
                .treatment
                .as_ref()
                .map_or("no treatment decision".to_owned(), |d| d.option.to_string());
            let level = scored.map_or(String::new(), |s| {
                format!(
                    ", residual level {} {}",
                    s.residual.level,
                    ws.risk_model.matrix.level_info(s.residual.level).name
                )
            });
            let reason = Reason {
                category: ReasonCategory::RiskTreatment,
                kind: ReasonKind::Mitigated,
                source: risk.id.clone(),
                text: format!("{} ({decision}{level})", risk.id),
            };
            cite.push(&mut reasons, c, reason);
        }
    }
    cite.finish(&mut reasons);
    for (c, summary) in summaries.iter().enumerate() {
        let Some(s) = summary.as_ref().filter(|s| s.scenarios > 0) else {
            continue;
        };
        let highest = s
            .highest
            .iter()
            .find(|id| ws.risk_by_id(id).is_none())
            .cloned()
            .unwrap_or_default();
        let top = s.by_level.iter().rposition(|&k| k > 0).map_or(0, |i| i + 1);
        reasons[c].push(Reason {
            category: ReasonCategory::RiskTreatment,
            kind: ReasonKind::Mitigated,
            source: "scenarios".to_owned(),
            text: format!(
                "{} generated scenarios with threats {} ({} risks above the appetite, register ones included; highest level {} {}{})",
                s.scenarios,
                s.threats.join(", "),
                s.above_appetite,
                top,
                ws.risk_model.matrix.level_info(top as u8).name,
                if highest.is_empty() { String::new() } else { format!(", e.g. {highest}") }
            ),
        });
    }
    for req in &ws.profile.requirements {
        for c in &req.controls {
            reasons[c.index()].push(Reason {
                category: requirement_category(req.kind),
                kind: ReasonKind::Requirement,
                source: req.id.clone(),
                text: format!("{}: {} ({})", req.id, req.title, req.kind),
            });
        }
    }
    let interp = Interpreter::new(a.evaluator);
    let org = OrgRecord::new(&ws.profile);
    let inv = InventoryRecord::count(&ws.assets, &a.in_scope);
    let b = Bindings {
        org: Some(&org),
        inventory: Some(&inv),
        ..Default::default()
    };
    for set in &ws.rulesets {
        for rule in &set.applicability {
            match rule.when.eval_bool(&interp, &b) {
                Ok(true) => {
                    let facts = facts_read(&rule.when, &interp, &b);
                    let text = if facts.is_empty() {
                        format!("rule {}: {}", rule.id, rule.justification)
                    } else {
                        format!("rule {} ({facts}): {}", rule.id, rule.justification)
                    };
                    for c in &rule.controls {
                        reasons[c.index()].push(Reason {
                            category: rule.category,
                            kind: ReasonKind::Rule,
                            source: rule.id.clone(),
                            text: text.clone(),
                        });
                    }
                }
                Ok(false) => {}
                Err(e) => errors.push((rule.id.clone(), e.0)),
            }
        }
        for rule in &set.exclusions {
            match rule.when.eval_bool(&interp, &b) {
                Ok(true) => {
                    let facts = facts_read(&rule.when, &interp, &b);
                    for c in &rule.controls {
                        exclusions[c.index()].push(Reason {
                            category: ReasonCategory::Business,
                            kind: ReasonKind::Exclusion,
                            source: rule.id.clone(),
                            text: format!("rule {} ({facts}): {}", rule.id, rule.justification),
                        });
                    }
                }
                Ok(false) => {}
                Err(e) => errors.push((rule.id.clone(), e.0)),
            }
        }
    }

    for (p, r) in &a.plugin_reasons {
        let id = &ws.plugins[*p].manifest.id;
        reasons[r.control.index()].push(Reason {
            category: r.category,
            kind: ReasonKind::Plugin,
            source: format!("plugin:{id}"),
            text: format!("plugin {id}: {}", r.text),
        });
    }

    let mut declared = vec![None; n];
    for e in &ws.soa {
        declared[e.control.index()] = Some(e);
    }
    let mut summaries = summaries;
    let rows = ws
        .catalog
        .iter()
        .map(|(idx, control)| {
            let i = idx.index();
            let d = declared[i];
            let decides = reasons[i].iter().any(|r| r.kind.decides());
            let (applicable, basis) = if decides {
                (true, Basis::Reasons)
            } else if !exclusions[i].is_empty() {
                (false, Basis::ExcludedByFact)
            } else if let Some(d) = d {
                // Mitigated risks support a declared inclusion; they do not overturn an
                // exclusion (the gap checks question it).
                if d.applicable && !reasons[i].is_empty() {
                    (true, Basis::Reasons)
                } else {
                    (d.applicable, Basis::Declaration)
                }
            } else {
                (false, Basis::Undecided)
            };
            let declared_status = d.filter(|d| d.status_given).map(|d| d.status);
            let status = declared_status
                .or_else(|| plan[i].implied_status())
                .unwrap_or(ImplementationStatus::NotImplemented);
            let justification = justify(
                applicable,
                basis,
                &reasons[i],
                &exclusions[i],
                d.map(|d| (d.applicable, d.justification.as_deref())),
            );
            SoaRow {
                control: idx,
                id: control.id.clone(),
                title: control.title.clone(),
                group: ws.catalog.groups[control.group].title.clone(),
                applicable,
                basis,
                reasons: std::mem::take(&mut reasons[i]),
                exclusions: std::mem::take(&mut exclusions[i]),
                justification,
                declared_applicable: d.map(|d| d.applicable),
                declared_justification: d.and_then(|d| d.justification.clone()),
                declared_status,
                evidence: d.map(|d| d.evidence.clone()).unwrap_or_default(),
                plan: plan[i],
                status,
                mitigates: summaries[i].take(),
            }
        })
        .collect();
    (Soa { rows }, errors)
}

/// Renders the justification an auditor reads: each reason under the label of its kind,
/// the organisation's declared text beside it, and a conflict with the declaration said.
fn justify(
    applicable: bool,
    basis: Basis,
    reasons: &[Reason],
    exclusions: &[Reason],
    declared: Option<(bool, Option<&str>)>,
) -> String {
    let joined = |rs: &[Reason]| {
        let mut by: BTreeMap<(ReasonKind, &str), Vec<String>> = BTreeMap::new();
        for r in rs {
            // The sentences are joined with ". " and closed with "." below: a reason's own
            // full stop would double it.
            by.entry((r.kind, label(r)))
                .or_default()
                .push(r.text.trim_end().trim_end_matches('.').to_owned());
        }
        by.into_iter()
            .map(|((_, k), v)| format!("{k}: {}", v.join("; ")))
            .collect::<Vec<_>>()
            .join(". ")
    };
    let declared_text = |j: Option<&str>| {
        j.map_or_else(
            || " Declared: no justification given.".to_owned(),
            |j| format!(" Declared: {}", j.trim()),
        )
    };
    // The organisation's own text after the generated one, and the conflict when its
    // declaration disagrees with the `decided` applicability.
    let beside = |decided: bool, conflict: &str| match declared {
        Some((d, j)) if d != decided => format!(" {conflict}{}", declared_text(j)),
        Some((_, Some(j))) => format!(" Declared: {}", j.trim()),
        _ => String::new(),
    };
    match basis {
        Basis::Reasons => format!(
            "Applicable. {}.{}",
            joined(reasons),
            beside(
                true,
                "The SoA declares it not applicable; the reasons above override that."
            )
        ),
        Basis::ExcludedByFact => format!(
            "Not applicable. {}.{}",
            joined(exclusions),
            beside(
                false,
                "The SoA declares it applicable; nothing requires it."
            )
        ),
        Basis::Declaration => {
            let mitigated = if reasons.is_empty() {
                String::new()
            } else {
                format!(" {}.", joined(reasons))
            };
            match (applicable, declared.and_then(|(_, j)| j)) {
                (true, Some(j)) => format!("Applicable (declared): {j}"),
                (false, Some(j)) => format!("Not applicable (declared): {j}{mitigated}"),
                (true, None) => "Applicable (declared, no justification given).".to_owned(),
                (false, None) => {
                    format!("Not applicable (declared, no justification given).{mitigated}")
                }
            }
        }
        Basis::Undecided => {
            "Not yet decided: the SoA does not list this control and no reason applies.".to_owned()
        }
    }
}

impl Reason {
    /// The label of the reason in the justification (`Risk treated (action done)`,
    /// `Legal requirement`, `Business rule`, ...).
    pub fn label(&self) -> &'static str {
        label(self)
    }
}

fn label(r: &Reason) -> &'static str {
    match r.kind {
        ReasonKind::TreatedDone => "Risk treated (action done)",
        ReasonKind::TreatedPending => "Risk treatment pending",
        ReasonKind::Selected => "Selected by the treatment plan",
        ReasonKind::Avoided => "Risk avoided (terminated)",
        ReasonKind::Mitigated => "Risk mitigated",
        ReasonKind::Requirement => match r.category {
            ReasonCategory::Legal => "Legal requirement",
            ReasonCategory::Regulatory => "Regulatory requirement",
            ReasonCategory::Contractual => "Contractual requirement",
            _ => "Business requirement",
        },
        ReasonKind::Rule => match r.category {
            ReasonCategory::Baseline => "Baseline rule",
            ReasonCategory::Legal => "Legal rule",
            ReasonCategory::Regulatory => "Regulatory rule",
            ReasonCategory::Contractual => "Contractual rule",
            _ => "Business rule",
        },
        ReasonKind::Plugin => "Plugin",
        ReasonKind::Exclusion => "Excluded by rule",
    }
}

/// Explanation of one control's applicability, for `isms explain DIR A.x.y`.
pub fn explain_control<'a>(soa: &'a Soa, ws: &Workspace, id: &str) -> Option<&'a SoaRow> {
    let idx = ws.catalog.find(id)?;
    soa.rows.get(idx.index())
}
