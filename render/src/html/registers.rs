//! The register sections of the HTML report: risks, Statement of Applicability, gaps,
//! certification readiness and the inputs read.

use isms_engine::Severity;
use isms_engine::report::Gap;
use isms_engine::report::{HeatMap, Report, ScoreView};
use maud::{Markup, html};

use super::heatmap::{hex, level_colour, text_on};
use super::{appetite_badge, badge, plural, readiness_badge, severity_badge, status_badge, table};
use crate::cells;

/// A risk score: the level as a badge in its heat-map colour, then likelihood × impact.
fn score_cell(h: &HeatMap, s: &ScoreView) -> Markup {
    let fill = level_colour(h, s.level);
    html! {
        td.score {
            span.badge style={ "background:" (hex(fill)) ";color:" (text_on(fill)) } {
                (s.level_name)
            }
            " "
            small { "L" (s.likelihood) "×I" (s.impact) }
        }
    }
}

pub(super) fn risks(r: &Report) -> Markup {
    let rows = html! {
        @for k in &r.risks {
            @let assets = match k.assets.len() {
                0..=4 => k.assets.join(", "),
                n => format!("{} and {} more", k.assets[..3].join(", "), n - 3),
            };
            tr {
                td.id { (k.id) }
                td { (k.title) }
                td title=(k.assets.join(", ")) { small { (assets) } }
                td { (k.owner.as_deref().unwrap_or("—")) }
                td { (k.treatment.map_or("—", |t| t.as_str())) }
                (score_cell(&r.heatmap, &k.inherent))
                (score_cell(&r.heatmap, &k.residual))
                td { (appetite_badge(k.status)) }
            }
        }
    };
    html! {
        section id="risks" {
            h2 { "Risk register" }
            p.note {
                (plural(r.risks.len(), "risk", "risks")) " of the register, "
                (r.summary.register_above_appetite) " above the risk appetite. Generated \
                 scenarios are counted in the heat maps only."
            }
            @if r.risks.is_empty() {
                p { "The register lists no risks." }
            } @else {
                (table(&["Risk", "Title", "Assets", "Owner", "Treatment", "Inherent", "Residual",
                    "Status"], rows))
            }
        }
    }
}

pub(super) fn soa(r: &Report) -> Markup {
    let s = &r.summary;
    let rows = html! {
        @for c in &r.soa {
            tr class=[(!c.applicable).then_some("na")] {
                td.id { (c.control) }
                td { (c.title) }
                td { small { (c.group) } }
                td {
                    @match cells::applicability(c) {
                        "yes" => span.yes { "Yes" },
                        "no" => span.no { "No" },
                        other => span.undecided { (other) },
                    }
                    br;
                    small { (cells::basis(c.basis).replace('_', " ")) }
                }
                td { (status_badge(c.status)) }
                td { @if let Some(j) = &c.declared_justification { (j) } }
                td { (c.justification) }
                td {
                    @for (n, e) in c.evidence.iter().enumerate() {
                        @if n > 0 { br; }
                        (e)
                    }
                }
            }
        }
    };
    html! {
        section id="soa" {
            h2 { "Statement of Applicability" }
            p.note {
                (s.controls) " controls of " (r.catalog) ": " (s.applicable) " applicable, "
                (s.implemented) " of them implemented. Applicability is derived from the risks, \
                 requirements and rules; the basis is shown under each decision."
            }
            (table(&["Control", "Title", "Group", "Applicable", "Status",
                "Declared justification", "Generated justification", "Evidence"], rows))
        }
    }
}

fn gap_row(g: &Gap) -> Markup {
    html! {
        tr {
            td.mono.code { (g.code) }
            td {
                @for o in &g.objects {
                    span.obj { small { (o.kind.noun()) } " " (o.id) }
                }
            }
            td { (g.message) }
            td { (g.action) }
            td.mono { (cells::gap_at(g)) }
        }
    }
}

pub(super) fn gaps(r: &Report) -> Markup {
    html! {
        section id="gaps" {
            h2 { "Gaps" }
            p.note {
                (plural(r.gaps.len(), "finding", "findings")) " between the risk register, the \
                 treatment plan, the declared SoA and the inventory, most serious first. "
                em { "At" } " names the record to open first."
            }
            @if r.gaps.is_empty() { p { "No gaps found." } }
            @for sev in Severity::ALL {
                @let group: Vec<&Gap> = r.gaps.iter().filter(|g| g.severity == *sev).collect();
                @if !group.is_empty() {
                    h3 id={ "gaps-" (sev.as_str()) } {
                        (severity_badge(*sev)) " " (plural(group.len(), "gap", "gaps"))
                    }
                    (table(&["Code", "Objects", "Message", "Action", "At"], html! {
                        @for g in group { (gap_row(g)) }
                    }))
                }
            }
            @if !r.rule_failures.is_empty() {
                h3 id="rule-failures" { "Rule evaluation failures" }
                (table(&["Rule", "Failures", "Examples"], html! {
                    @for f in &r.rule_failures {
                        tr {
                            td.mono { (f.rule) }
                            td { (f.count) }
                            td {
                                @for (record, message) in &f.examples {
                                    div { code { (record) } ": " (message) }
                                }
                            }
                        }
                    }
                }))
            }
        }
    }
}

pub(super) fn readiness(r: &Report) -> Markup {
    let rd = &r.readiness;
    let c = &rd.calendar;
    html! {
        section id="readiness" {
            h2 { "Certification readiness" }
            p.note {
                "Would the ISMS pass a Stage 1 audit (documentation) and a Stage 2 audit \
                 (evidence of operation)? Each requirement passes when its evidence is present \
                 and no gap behind it was found."
            }
            div.badges {
                @if rd.ready { (badge("rd-pass", "ready")) } @else { (badge("rd-fail", "not ready")) }
            }
            @for s in &rd.stages {
                h3 id={ "readiness-" (s.stage) } {
                    (s.title) " " (readiness_badge(s.ready)) " "
                    small { (s.passed) " of " (s.items.len()) " requirements met" }
                }
                (table(&["Result", "Id", "Clause", "Requirement", "Evidence", "Gaps"], html! {
                    @for i in &s.items {
                        tr {
                            td { (readiness_badge(i.passed)) }
                            td.mono.id { (i.id) }
                            td.mono { (i.clause) }
                            td { (i.requirement) }
                            td {
                                @match &i.missing {
                                    Some(m) => { "missing: " (m) }
                                    None => { (i.evidence.join("; ")) }
                                }
                            }
                            td.mono { (cells::gap_refs(i)) }
                        }
                    }
                }))
            }
            h3 id="calendar" { "Certification calendar" }
            dl.meta {
                dt { "Certified" }
                dd {
                    (c.certification_date.as_deref()
                        .unwrap_or("no certification date in the profile"))
                }
                dt { "Current cycle" }
                dd { (c.cycle_start) " to " (c.cycle_end) }
            }
            @if !c.external_audits.is_empty() {
                (table(&["External audit", "Due", "Status"], html! {
                    @for a in &c.external_audits {
                        tr { td { (a.audit) } td.mono { (a.due) } td { (a.status) } }
                    }
                }))
            }
            h3 id="due" { "Falling due" }
            @if c.next_due.is_empty() {
                p { "Nothing is overdue or due within the horizon." }
            } @else {
                (table(&["Due", "Kind", "Id", "What", "Overdue"], html! {
                    @for d in &c.next_due {
                        tr {
                            td.mono { (d.due) }
                            td { (d.kind) }
                            td.mono.id { (d.id) }
                            td { (d.what) }
                            td { @if d.overdue { "overdue" } }
                        }
                    }
                }))
            }
        }
    }
}

pub(super) fn inputs(r: &Report) -> Markup {
    html! {
        section id="inputs" {
            h2 { "Inputs" }
            p.note {
                "The files this evaluation read, with the SHA-256 of their bytes: the same \
                 hashes and engine version reproduce this report."
            }
            dl.meta {
                dt { "Engine version" } dd { (r.engine_version) }
                dt { "Report schema" } dd { (r.schema) }
            }
            (table(&["File", "SHA-256"], html! {
                @for i in &r.inputs { tr { td.mono { (i.path) } td.hash { (i.sha256) } } }
            }))
            h3 { "Rule sets" }
            (table(&["Rule set", "Name", "Version", "SHA-256"], html! {
                @for s in &r.rulesets {
                    tr { td.mono { (s.id) } td { (s.name) } td { (s.version) } td.hash { (s.sha256) } }
                }
            }))
        }
    }
}
