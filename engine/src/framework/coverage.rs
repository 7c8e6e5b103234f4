//! What the evaluated ISMS shows for each requirement of a framework: per link, the control's
//! applicability, status, evidence and open gaps (or the clause's operating-cycle evidence),
//! and a verdict with its reason.
//!
//! The verdict is honest about the mapping: a requirement reached only through `superset`,
//! `intersect` or `related` links is never "covered" on the mapping alone, since such a link
//! does not say the control covers the whole requirement; at best it is "partly covered", and
//! the reason says what is missing. Only an `equal` or `subset` link whose control is
//! implemented with evidence (or whose clause's evidence passes) makes it "covered". A
//! requirement without links is "no mapping", never covered.
//!
//! Everything here is a pure function of the framework, the generated SoA, the gaps and the
//! readiness checklist, linear in the number of links.

use std::collections::{BTreeSet, HashMap};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Framework, Relationship, Requirement, Target};
use crate::catalog::ControlIdx;
use crate::cycle::readiness::{Readiness, ReadinessItem};
use crate::gaps::gap::{Gap, ObjectKind};
use crate::model::{ImplementationStatus, Severity};
use crate::soa::{Basis, Soa, SoaRow};

/// The gap code of a declared framework's requirement that no implemented control covers.
pub const UNCOVERED_CODE: &str = "GAP-FRAMEWORK-UNCOVERED";

/// What the ISMS shows for a requirement.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A link that covers the whole requirement (`equal`, `subset`) is met: its control is
    /// implemented with evidence, or its clause's evidence passes.
    Covered,
    /// Something is in place, but the links met do not cover the whole requirement.
    PartlyCovered,
    /// Nothing linked is in place: no control implemented (or partly), no clause evidenced.
    NotCovered,
    /// Every linked control is excluded by the organisation's facts.
    NotApplicable,
    /// The mapping links nothing to the requirement: the evaluation says nothing about it.
    NoMapping,
}

impl Verdict {
    /// Every verdict, in report order.
    pub const ALL: [Verdict; 5] = [
        Verdict::Covered,
        Verdict::PartlyCovered,
        Verdict::NotCovered,
        Verdict::NotApplicable,
        Verdict::NoMapping,
    ];

    /// The verdict in words (`partly covered`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Covered => "covered",
            Verdict::PartlyCovered => "partly covered",
            Verdict::NotCovered => "not covered",
            Verdict::NotApplicable => "not applicable",
            Verdict::NoMapping => "no mapping",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far one link is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Control applicable, implemented and with evidence; clause evidence passes.
    Met,
    /// Control partly implemented, or implemented without evidence.
    Partial,
    /// Control applicable but planned or not implemented; clause evidence fails.
    Unmet,
    /// The clause is not one the engine checks evidence for.
    NotChecked,
    /// The SoA excludes the control.
    Excluded,
    /// Nothing decides whether the control applies: the SoA omits it or leaves it undecided.
    Undecided,
    /// An organisation fact excludes the control and nothing requires it.
    ExcludedByFact,
}

impl LinkState {
    fn in_place(self) -> bool {
        matches!(self, LinkState::Met | LinkState::Partial)
    }
}

/// An open gap on a linked control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GapBrief {
    /// The gap's code.
    pub code: String,
    /// Its severity.
    pub severity: Severity,
}

/// A link to an Annex A control, with what the ISMS says of the control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ControlLink {
    /// The control id (`A.5.1`).
    pub control: String,
    /// Its short title.
    pub title: String,
    /// How the requirement relates to it.
    pub relationship: Relationship,
    /// The mapping's strength, when it gives one (0 to 10).
    pub strength: Option<u8>,
    /// Whether the generated SoA finds the control applicable.
    pub applicable: bool,
    /// Its implementation status.
    pub status: ImplementationStatus,
    /// Evidence references of the declared SoA.
    pub evidence: Vec<String>,
    /// Open gaps on the control.
    pub gaps: Vec<GapBrief>,
    /// How far the link is met.
    pub state: LinkState,
}

/// A link to a clause (4 to 10), answered from the operating-cycle evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClauseLink {
    /// The clause number (`9.3.2`).
    pub clause: String,
    /// How the requirement relates to it.
    pub relationship: Relationship,
    /// The mapping's strength, when it gives one (0 to 10).
    pub strength: Option<u8>,
    /// The readiness checks of the clause (`S2-REVIEW`), each with `pass` or `fail`.
    pub checks: Vec<String>,
    /// What the passing checks found.
    pub evidence: Vec<String>,
    /// Codes of the gaps that make a check fail.
    pub gaps: Vec<String>,
    /// How far the link is met (`not_checked` when no readiness check is about the clause).
    pub state: LinkState,
}

/// One requirement, its links and verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequirementCoverage {
    /// The requirement id (`1.1.1.a`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// The id of its group (`1`).
    pub group: String,
    /// What the ISMS shows for it.
    pub verdict: Verdict,
    /// Why, and what is missing.
    pub reason: String,
    /// Its links to controls.
    pub controls: Vec<ControlLink>,
    /// Its links to clauses.
    pub clauses: Vec<ClauseLink>,
}

/// Requirements per verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VerdictCounts {
    /// All requirements counted.
    pub total: usize,
    /// Covered.
    pub covered: usize,
    /// Partly covered.
    pub partly_covered: usize,
    /// Not covered.
    pub not_covered: usize,
    /// Not applicable.
    pub not_applicable: usize,
    /// No mapping.
    pub no_mapping: usize,
}

impl VerdictCounts {
    fn add(&mut self, v: Verdict) {
        self.total += 1;
        *self.slot(v) += 1;
    }

    fn slot(&mut self, v: Verdict) -> &mut usize {
        match v {
            Verdict::Covered => &mut self.covered,
            Verdict::PartlyCovered => &mut self.partly_covered,
            Verdict::NotCovered => &mut self.not_covered,
            Verdict::NotApplicable => &mut self.not_applicable,
            Verdict::NoMapping => &mut self.no_mapping,
        }
    }

    /// The count of one verdict.
    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Covered => self.covered,
            Verdict::PartlyCovered => self.partly_covered,
            Verdict::NotCovered => self.not_covered,
            Verdict::NotApplicable => self.not_applicable,
            Verdict::NoMapping => self.no_mapping,
        }
    }

    /// `349 requirements: 0 covered, 289 partly covered, ...`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = Verdict::ALL
            .iter()
            .map(|v| format!("{} {v}", self.get(*v)))
            .collect();
        format!("{} requirements: {}", self.total, parts.join(", "))
    }
}

/// The summary of one group (a NIS2 section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupCoverage {
    /// The group id (`1`).
    pub id: String,
    /// Its heading, when the framework gives one.
    pub title: Option<String>,
    /// Its requirements per verdict.
    pub counts: VerdictCounts,
}

/// The coverage of one framework by the evaluated ISMS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FrameworkCoverage {
    /// The framework id (`nis2-2024-2690`).
    pub framework: String,
    /// Its title.
    pub title: String,
    /// Whether the profile declares that the framework applies.
    pub declared: bool,
    /// The attribution and licence notice of the framework's data, with the changes made to
    /// it; every output holding the data carries it.
    pub attribution: String,
    /// All requirements per verdict.
    pub summary: VerdictCounts,
    /// Per group, in the framework's order.
    pub groups: Vec<GroupCoverage>,
    /// Every requirement, in the framework's order.
    pub requirements: Vec<RequirementCoverage>,
}

fn soa_row(soa: &Soa, c: ControlIdx) -> Option<&SoaRow> {
    soa.rows
        .get(c.index())
        .filter(|r| r.control == c)
        .or_else(|| soa.rows.iter().find(|r| r.control == c))
}

/// How far a control link is met, from the generated SoA.
pub fn control_state(row: &SoaRow) -> LinkState {
    if !row.applicable {
        return match row.basis {
            Basis::ExcludedByFact => LinkState::ExcludedByFact,
            Basis::Undecided => LinkState::Undecided,
            Basis::Reasons | Basis::Declaration => LinkState::Excluded,
        };
    }
    match row.status {
        ImplementationStatus::Implemented if !row.evidence.is_empty() => LinkState::Met,
        ImplementationStatus::Implemented | ImplementationStatus::Partial => LinkState::Partial,
        ImplementationStatus::Planned | ImplementationStatus::NotImplemented => LinkState::Unmet,
    }
}

/// The clause numbers a readiness item is about: `6.1.2, 8.2` -> `6.1.2`, `8.2`;
/// `6.1.3 e, f` -> `6.1.3`.
fn item_clauses(item: &ReadinessItem) -> impl Iterator<Item = &str> {
    item.clause
        .split(',')
        .filter_map(|part| part.split_whitespace().next())
        .filter(|c| c.starts_with(|ch: char| ch.is_ascii_digit()))
}

/// Whether two clause numbers are the same clause or one contains the other.
fn same_clause(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.'))
    };
    a == b || within(a, b) || within(b, a)
}

fn clause_link(
    clause: &str,
    relationship: Relationship,
    strength: Option<u8>,
    readiness: &Readiness,
) -> ClauseLink {
    let items: Vec<&ReadinessItem> = readiness
        .stages
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| item_clauses(i).any(|c| same_clause(c, clause)))
        .collect();
    let state = if items.is_empty() {
        LinkState::NotChecked
    } else if items.iter().all(|i| i.passed) {
        LinkState::Met
    } else {
        LinkState::Unmet
    };
    let mut gaps: Vec<String> = items
        .iter()
        .flat_map(|i| i.gaps.iter().map(|g| g.code.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    gaps.extend(items.iter().filter_map(|i| i.missing.clone()));
    ClauseLink {
        clause: clause.to_owned(),
        relationship,
        strength,
        checks: items
            .iter()
            .map(|i| format!("{} {}", i.id, if i.passed { "pass" } else { "fail" }))
            .collect(),
        evidence: items
            .iter()
            .filter(|i| i.passed)
            .flat_map(|i| i.evidence.iter().cloned())
            .collect(),
        gaps,
        state,
    }
}

/// Open gaps per control id (the framework's own gap left out: it is about requirements).
fn gaps_by_control(gaps: &[Gap]) -> HashMap<&str, Vec<GapBrief>> {
    let mut map: HashMap<&str, Vec<GapBrief>> = HashMap::new();
    for g in gaps.iter().filter(|g| g.code != UNCOVERED_CODE) {
        for o in g.objects.iter().filter(|o| o.kind == ObjectKind::Control) {
            let list = map.entry(o.id.as_str()).or_default();
            if !list.iter().any(|b| b.code == g.code) {
                list.push(GapBrief {
                    code: g.code.clone(),
                    severity: g.severity,
                });
            }
        }
    }
    map
}

/// The coverage of `framework` by an evaluation (its SoA, gaps and readiness).
pub fn compute(
    framework: &Framework,
    declared: bool,
    catalog: &crate::catalog::Catalog,
    soa: &Soa,
    gaps: &[Gap],
    readiness: &Readiness,
) -> FrameworkCoverage {
    let by_control = gaps_by_control(gaps);
    let mut summary = VerdictCounts::default();
    let mut groups: Vec<GroupCoverage> = framework
        .groups
        .iter()
        .map(|g| GroupCoverage {
            id: g.id.clone(),
            title: g.title.clone(),
            counts: VerdictCounts::default(),
        })
        .collect();
    let requirements = framework
        .requirements
        .iter()
        .map(|req| {
            let rc = requirement(req, framework, catalog, soa, &by_control, readiness);
            summary.add(rc.verdict);
            if let Some(g) = groups.get_mut(req.group) {
                g.counts.add(rc.verdict);
            }
            rc
        })
        .collect();
    FrameworkCoverage {
        framework: framework.id.clone(),
        title: framework.title.clone(),
        declared,
        attribution: framework.attribution.clone(),
        summary,
        groups,
        requirements,
    }
}

fn requirement(
    req: &Requirement,
    framework: &Framework,
    catalog: &crate::catalog::Catalog,
    soa: &Soa,
    by_control: &HashMap<&str, Vec<GapBrief>>,
    readiness: &Readiness,
) -> RequirementCoverage {
    let mut controls = Vec::new();
    let mut clauses = Vec::new();
    for link in &req.links {
        match &link.target {
            Target::Control(c) => {
                let control = catalog.control(*c);
                let row = soa_row(soa, *c);
                controls.push(ControlLink {
                    control: control.id.clone(),
                    title: control.title.clone(),
                    relationship: link.relationship,
                    strength: link.strength,
                    applicable: row.is_some_and(|r| r.applicable),
                    status: row.map_or(ImplementationStatus::NotImplemented, |r| r.status),
                    evidence: row.map(|r| r.evidence.clone()).unwrap_or_default(),
                    gaps: by_control
                        .get(control.id.as_str())
                        .cloned()
                        .unwrap_or_default(),
                    state: row.map_or(LinkState::Excluded, control_state),
                });
            }
            Target::Clause(clause) => {
                clauses.push(clause_link(
                    clause,
                    link.relationship,
                    link.strength,
                    readiness,
                ));
            }
        }
    }
    let (verdict, reason) = verdict(&controls, &clauses);
    RequirementCoverage {
        id: req.id.clone(),
        title: req.title.clone(),
        group: framework
            .groups
            .get(req.group)
            .map(|g| g.id.clone())
            .unwrap_or_default(),
        verdict,
        reason,
        controls,
        clauses,
    }
}

/// A link seen by the verdict: its name, relationship and state.
struct Seen<'a> {
    name: String,
    relationship: Relationship,
    state: LinkState,
    status: Option<ImplementationStatus>,
    gaps: &'a [GapBrief],
}

fn seen<'a>(controls: &'a [ControlLink], clauses: &'a [ClauseLink]) -> Vec<Seen<'a>> {
    let mut all: Vec<Seen<'a>> = controls
        .iter()
        .map(|c| Seen {
            name: c.control.clone(),
            relationship: c.relationship,
            state: c.state,
            status: Some(c.status),
            gaps: &c.gaps,
        })
        .collect();
    all.extend(clauses.iter().map(|c| Seen {
        name: format!("clause {}", c.clause),
        relationship: c.relationship,
        state: c.state,
        status: None,
        gaps: &[],
    }));
    all
}

fn names<'a>(links: impl Iterator<Item = &'a Seen<'a>>) -> String {
    links
        .map(|l| l.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What is still open on the links that are not met, in words.
fn open_parts(links: &[Seen<'_>]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut add = |label: &str, pick: &dyn Fn(&Seen<'_>) -> bool| {
        let picked: Vec<&Seen<'_>> = links.iter().filter(|l| pick(l)).collect();
        if !picked.is_empty() {
            parts.push(format!("{label}: {}", names(picked.into_iter())));
        }
    };
    add("implemented without evidence", &|l| {
        l.state == LinkState::Partial && l.status == Some(ImplementationStatus::Implemented)
    });
    add("partly implemented", &|l| {
        l.state == LinkState::Partial && l.status == Some(ImplementationStatus::Partial)
    });
    add("planned", &|l| {
        l.state == LinkState::Unmet && l.status == Some(ImplementationStatus::Planned)
    });
    add("not implemented", &|l| {
        l.state == LinkState::Unmet && l.status == Some(ImplementationStatus::NotImplemented)
    });
    add("excluded in the SoA", &|l| l.state == LinkState::Excluded);
    add("undecided in the SoA", &|l| l.state == LinkState::Undecided);
    add("excluded by the organisation's facts", &|l| {
        l.state == LinkState::ExcludedByFact
    });
    add("operating-cycle evidence failing", &|l| {
        l.state == LinkState::Unmet && l.status.is_none()
    });
    add("no operating-cycle evidence checked", &|l| {
        l.state == LinkState::NotChecked
    });
    parts
}

fn gap_note(links: &[Seen<'_>]) -> String {
    let with_gaps: Vec<String> = links
        .iter()
        .filter(|l| l.state.in_place() && !l.gaps.is_empty())
        .map(|l| {
            let codes: Vec<&str> = l.gaps.iter().map(|g| g.code.as_str()).collect();
            format!("{} ({})", l.name, codes.join(", "))
        })
        .collect();
    if with_gaps.is_empty() {
        String::new()
    } else {
        format!("; open gaps on {}", with_gaps.join(", "))
    }
}

/// The verdict and its reason from the links' states.
pub fn verdict(controls: &[ControlLink], clauses: &[ClauseLink]) -> (Verdict, String) {
    let links = seen(controls, clauses);
    if links.is_empty() {
        return (
            Verdict::NoMapping,
            "the mapping links no Annex A control or clause to this requirement: the ISO/IEC 27001 evaluation shows nothing for it; assess it on its own".to_owned(),
        );
    }
    if clauses.is_empty() && links.iter().all(|l| l.state == LinkState::ExcludedByFact) {
        return (
            Verdict::NotApplicable,
            format!(
                "every linked control is excluded by the organisation's facts ({}): the requirement does not apply on the same grounds; confirm that for the framework",
                names(links.iter())
            ),
        );
    }
    let open = open_parts(&links);
    let open_text = if open.is_empty() {
        String::new()
    } else {
        format!("; still open: {}", open.join("; "))
    };
    let gaps = gap_note(&links);
    let full_met: Vec<&Seen<'_>> = links
        .iter()
        .filter(|l| l.relationship.covers_fully() && l.state == LinkState::Met)
        .collect();
    if !full_met.is_empty() {
        let rels: BTreeSet<&str> = full_met.iter().map(|l| l.relationship.as_str()).collect();
        let rels: Vec<&str> = rels.into_iter().collect();
        let what = match (
            full_met.iter().any(|l| l.status.is_some()),
            full_met.iter().any(|l| l.status.is_none()),
        ) {
            (true, false) => "implemented with evidence",
            (false, true) => "operating-cycle evidence passes",
            _ => "implemented with evidence, clause evidence passing",
        };
        return (
            Verdict::Covered,
            format!(
                "{} {what}, linked as {}: the mapping says that covers the whole requirement{gaps}",
                names(full_met.into_iter()),
                rels.join("/")
            ),
        );
    }
    if !links.iter().any(|l| l.state.in_place()) {
        return (
            Verdict::NotCovered,
            format!(
                "nothing linked is in place{}{gaps}",
                if open.is_empty() {
                    String::new()
                } else {
                    format!(": {}", open.join("; "))
                }
            ),
        );
    }
    let met: Vec<&Seen<'_>> = links.iter().filter(|l| l.state == LinkState::Met).collect();
    let all_met = met.len() == links.len();
    let partial_only = links.iter().all(|l| !l.relationship.covers_fully());
    let head = if met.is_empty() {
        "linked controls are only partly in place".to_owned()
    } else if all_met {
        format!(
            "every linked control or clause is met ({})",
            names(met.into_iter())
        )
    } else {
        format!("{} met", names(met.into_iter()))
    };
    let why = if partial_only {
        let rels: BTreeSet<&str> = links.iter().map(|l| l.relationship.as_str()).collect();
        let rels: Vec<&str> = rels.into_iter().collect();
        format!(
            ", but the links are {} only: the mapping does not show they cover the whole requirement",
            rels.join("/")
        )
    } else {
        let full: Vec<&Seen<'_>> = links
            .iter()
            .filter(|l| l.relationship.covers_fully())
            .collect();
        format!(
            ", but no link that covers the whole requirement ({}) is met",
            names(full.into_iter())
        )
    };
    (
        Verdict::PartlyCovered,
        format!("{head}{why}{open_text}{gaps}"),
    )
}

/// A requirement of a declared framework that no in-place control covers: the controls to
/// implement (applicable ones not in place, and those the SoA excludes).
pub struct Uncovered<'f> {
    /// The requirement.
    pub requirement: &'f Requirement,
    /// Its linked controls that are not in place, in link order.
    pub controls: Vec<ControlIdx>,
}

/// The requirements of `framework` whose linked controls are all excluded or not
/// implemented (neither implemented nor partly), leaving aside those whose every control an
/// organisation fact excludes (not applicable) and those with no control link.
pub fn uncovered<'f>(framework: &'f Framework, soa: &Soa) -> Vec<Uncovered<'f>> {
    framework
        .requirements
        .iter()
        .filter_map(|req| {
            let mut controls = Vec::new();
            let mut by_fact = 0;
            for link in &req.links {
                let Target::Control(c) = link.target else {
                    continue;
                };
                let state = soa_row(soa, c).map_or(LinkState::Excluded, control_state);
                if state.in_place() {
                    return None;
                }
                if state == LinkState::ExcludedByFact {
                    by_fact += 1;
                }
                controls.push(c);
            }
            (!controls.is_empty() && by_fact < controls.len()).then_some(Uncovered {
                requirement: req,
                controls,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control(
        id: &str,
        rel: Relationship,
        state: LinkState,
        status: ImplementationStatus,
    ) -> ControlLink {
        ControlLink {
            control: id.into(),
            title: String::new(),
            relationship: rel,
            strength: None,
            applicable: !matches!(state, LinkState::Excluded | LinkState::ExcludedByFact),
            status,
            evidence: Vec::new(),
            gaps: Vec::new(),
            state,
        }
    }

    use ImplementationStatus::{Implemented, NotImplemented, Planned};
    use LinkState::*;
    use Relationship::*;

    #[test]
    fn intersect_links_are_never_covered_even_when_everything_is_implemented() {
        let links = [
            control("A.5.1", Intersect, Met, Implemented),
            control("A.5.4", Intersect, Met, Implemented),
        ];
        let (v, reason) = verdict(&links, &[]);
        assert_eq!(v, Verdict::PartlyCovered);
        assert_eq!(
            reason,
            "every linked control or clause is met (A.5.1, A.5.4), but the links are intersect only: the mapping does not show they cover the whole requirement"
        );
        let (v, _) = verdict(&[control("A.5.1", Related, Met, Implemented)], &[]);
        assert_eq!(v, Verdict::PartlyCovered);
        let (v, _) = verdict(&[control("A.5.1", Superset, Met, Implemented)], &[]);
        assert_eq!(
            v,
            Verdict::PartlyCovered,
            "superset: the control covers part of it"
        );
    }

    #[test]
    fn a_full_link_met_covers() {
        let links = [
            control("A.5.1", Subset, Met, Implemented),
            control("A.5.2", Intersect, Unmet, Planned),
        ];
        let (v, reason) = verdict(&links, &[]);
        assert_eq!(v, Verdict::Covered);
        assert_eq!(
            reason,
            "A.5.1 implemented with evidence, linked as subset: the mapping says that covers the whole requirement"
        );
        let (v, reason) = verdict(&[control("A.5.1", Equal, Partial, Implemented)], &[]);
        assert_eq!(v, Verdict::PartlyCovered);
        assert!(reason.contains("no link that covers the whole requirement (A.5.1) is met"));
        assert!(
            reason.contains("implemented without evidence: A.5.1"),
            "{reason}"
        );
    }

    #[test]
    fn unmapped_is_no_mapping_and_nothing_in_place_is_not_covered() {
        assert_eq!(verdict(&[], &[]).0, Verdict::NoMapping);
        let links = [
            control("A.5.1", Intersect, Unmet, Planned),
            control("A.5.2", Intersect, Excluded, NotImplemented),
        ];
        let (v, reason) = verdict(&links, &[]);
        assert_eq!(v, Verdict::NotCovered);
        assert_eq!(
            reason,
            "nothing linked is in place: planned: A.5.1; excluded in the SoA: A.5.2"
        );
        let undecided = [control("A.5.3", Intersect, Undecided, NotImplemented)];
        assert_eq!(
            verdict(&undecided, &[]).1,
            "nothing linked is in place: undecided in the SoA: A.5.3"
        );
        let by_fact = [control("A.7.1", Intersect, ExcludedByFact, NotImplemented)];
        assert_eq!(verdict(&by_fact, &[]).0, Verdict::NotApplicable);
    }

    #[test]
    fn clause_links_count_with_their_evidence() {
        let clause = |state| ClauseLink {
            clause: "9.3.1".into(),
            relationship: Intersect,
            strength: None,
            checks: Vec::new(),
            evidence: Vec::new(),
            gaps: Vec::new(),
            state,
        };
        let (v, reason) = verdict(&[], &[clause(Met)]);
        assert_eq!(v, Verdict::PartlyCovered);
        assert!(reason.contains("clause 9.3.1"), "{reason}");
        let (v, reason) = verdict(&[], &[clause(NotChecked)]);
        assert_eq!(v, Verdict::NotCovered);
        assert!(reason.contains("no operating-cycle evidence checked: clause 9.3.1"));
    }

    #[test]
    fn clause_numbers_match_their_parts() {
        assert!(same_clause("9.3", "9.3.1"));
        assert!(same_clause("9.3.2", "9.3"));
        assert!(!same_clause("6.1.1", "6.1.2"));
        assert!(!same_clause("9.1", "9.10"));
    }
}
