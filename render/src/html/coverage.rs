//! The coverage section: per declared framework, a coverage bar per group and overall, every
//! requirement with its verdict, links and reason, and the attribution of the data.

use isms_engine::report::{FrameworkCoverage, Report, Verdict, VerdictCounts};
use maud::{Markup, html};

use super::{badge, table};
use crate::cells;

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Covered => "v-covered",
        Verdict::PartlyCovered => "v-partly",
        Verdict::NotCovered => "v-not",
        Verdict::NotApplicable => "v-na",
        Verdict::NoMapping => "v-none",
    }
}

/// A bar of the requirements per verdict, each segment as wide as its share.
fn bar(c: &VerdictCounts) -> Markup {
    html! {
        div.cbar role="img" aria-label=(c.describe()) {
            @for v in Verdict::ALL {
                @let n = c.get(v);
                @if n > 0 {
                    // Widths as percentages of the bar, to one decimal.
                    span class=(verdict_class(v))
                        style={ "width:" (format!("{:.1}", n as f64 * 100.0 / c.total.max(1) as f64)) "%" }
                        title={ (n) " " (v) } {}
                }
            }
        }
    }
}

fn legend() -> Markup {
    html! {
        div.badges {
            @for v in Verdict::ALL { (badge(verdict_class(v), v.as_str())) }
        }
    }
}

fn framework(c: &FrameworkCoverage) -> Markup {
    html! {
        h3 id={ "coverage-" (c.framework) } { (c.title) }
        p { (c.summary.describe()) "." }
        (legend())
        (table(&["Group", "Coverage", "Requirements", "Covered", "Partly", "Not covered", "N/A", "No mapping"], html! {
            @for g in c.groups.iter().map(|g| (cells::coverage_group(g), &g.counts))
                .chain(std::iter::once(("all".to_owned(), &c.summary))) {
                tr {
                    td { (g.0) }
                    td.cbar-cell { (bar(g.1)) }
                    @for n in cells::coverage_counts(g.1) { td.num { (n) } }
                }
            }
        }))
        details {
            summary { "Every requirement (" (c.requirements.len()) ")" }
            (table(&["Verdict", "Id", "Title", "Links", "Reason"], html! {
                @for r in &c.requirements {
                    tr {
                        td { (badge(verdict_class(r.verdict), r.verdict.as_str())) }
                        td.mono.id { (r.id) }
                        td { (r.title) }
                        td.mono { (cells::coverage_links(r)) }
                        td { (r.reason) }
                    }
                }
            }))
        }
        @if !c.attribution.is_empty() {
            p.attribution { (cells::attribution(c)) }
        }
    }
}

/// The section, or nothing when the profile declares no framework.
pub(super) fn section(r: &Report) -> Markup {
    html! {
        @if !r.coverage.is_empty() {
            section id="coverage" {
                h2 { "Framework coverage" }
                p.note {
                    "What the ISMS shows for each requirement of the frameworks the profile \
                     declares, from the controls and clauses the mapping links to it. A \
                     requirement reached only through superset, intersect or related links is at \
                     best partly covered: such links do not say the controls cover the whole \
                     requirement."
                }
                @for c in &r.coverage { (framework(c)) }
            }
        }
    }
}
