//! Cell texts shared by the formats: how a value of the report is spelled in a table, a
//! sheet or a CSV file, and the guard that keeps text from running as a spreadsheet formula.

use std::borrow::Cow;

use isms_engine::report::Basis;
use isms_engine::report::Calendar;
use isms_engine::report::Gap;
use isms_engine::report::ReadinessItem;
use isms_engine::report::SoaRowView;

/// Separates the items of a list in one CSV or sheet cell: the `;` that the inputs read as a
/// list separator (README, "Lists are ... text separated by `;`"), so an export reads back.
pub const LIST_SEPARATOR: &str = "; ";

/// Whether a spreadsheet would evaluate `text` typed into a cell: it starts with `=`, `+`,
/// `-`, `@`, a tab or a CR.
pub fn starts_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// For CSV, which has no cell types: neutralises text that a spreadsheet would evaluate by
/// prefixing `'`; numbers such as `-3` are kept. The XLSX writer changes no text: it writes
/// string cells with a quote-prefix format instead.
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    if starts_like_formula(text) && text.parse::<f64>().is_err() {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Whether a control is applicable, as every format spells it: `yes`, `no`, or `undecided`
/// when neither a reason, an exclusion nor the declared SoA decides (never a silent "no").
pub fn applicability(row: &SoaRowView) -> &'static str {
    match (row.basis, row.applicable) {
        (Basis::Undecided, _) => "undecided",
        (_, true) => "yes",
        (_, false) => "no",
    }
}

/// The spelling of an SoA basis, as in the JSON report: `reasons`, `excluded_by_fact`,
/// `declaration`, `undecided`.
pub fn basis(b: Basis) -> &'static str {
    match b {
        Basis::Reasons => "reasons",
        Basis::ExcludedByFact => "excluded_by_fact",
        Basis::Declaration => "declaration",
        Basis::Undecided => "undecided",
    }
}

/// Where a gap was found (the record to open first), or an empty text.
pub fn gap_at(gap: &Gap) -> String {
    gap.at.as_ref().map(|a| a.to_string()).unwrap_or_default()
}

/// The ids of the objects a gap is about: `A, B`.
pub fn gap_objects(gap: &Gap) -> String {
    gap.objects
        .iter()
        .map(|o| o.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `pass` or `FAIL`.
pub fn pass_fail(passed: bool) -> &'static str {
    if passed { "pass" } else { "FAIL" }
}

/// The gaps behind a readiness requirement: `GAP-X (A, B); GAP-Y (C)`.
pub fn gap_refs(item: &ReadinessItem) -> String {
    item.gaps
        .iter()
        .map(|g| {
            if g.objects.is_empty() {
                g.code.clone()
            } else {
                format!("{} ({})", g.code, g.objects.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a readiness requirement rests on, in one line: the evidence when it passes, else
/// what is missing and the gaps behind the failure.
pub fn readiness_detail(item: &ReadinessItem) -> String {
    let mut parts = Vec::new();
    if let Some(m) = &item.missing {
        parts.push(format!("missing: {m}"));
    }
    if !item.gaps.is_empty() {
        parts.push(gap_refs(item));
    }
    if item.passed || parts.is_empty() {
        parts.push(item.evidence.join("; "));
    }
    parts.join("; ")
}

/// Columns of a readiness checklist, for every textual format.
pub const READINESS_HEADER: [&str; 5] =
    ["result", "id", "clause", "requirement", "evidence or gaps"];

/// The rows of a readiness checklist under [`READINESS_HEADER`].
pub fn readiness_rows(items: &[ReadinessItem]) -> impl Iterator<Item = Vec<String>> + '_ {
    items.iter().map(|i| {
        vec![
            pass_fail(i.passed).to_owned(),
            i.id.clone(),
            i.clause.clone(),
            i.requirement.clone(),
            readiness_detail(i),
        ]
    })
}

/// The certification date of a calendar, or what to do without one.
pub fn certified(calendar: &Calendar) -> &str {
    calendar
        .certification_date
        .as_deref()
        .unwrap_or("(no certification date in the profile)")
}

/// Columns of the external audits of a certification cycle.
pub const EXTERNAL_AUDIT_HEADER: [&str; 3] = ["external audit", "due", "status"];

/// The rows of the external audits under [`EXTERNAL_AUDIT_HEADER`].
pub fn external_audit_rows(calendar: &Calendar) -> impl Iterator<Item = Vec<String>> + '_ {
    calendar
        .external_audits
        .iter()
        .map(|a| vec![a.audit.clone(), a.due.clone(), a.status.clone()])
}

/// Columns of what falls due.
pub const DUE_HEADER: [&str; 5] = ["due", "kind", "id", "what", "overdue"];

/// The rows of what falls due under [`DUE_HEADER`].
pub fn due_rows(calendar: &Calendar) -> impl Iterator<Item = Vec<String>> + '_ {
    calendar.next_due.iter().map(|d| {
        vec![
            d.due.clone(),
            d.kind.clone(),
            d.id.clone(),
            d.what.clone(),
            if d.overdue { "yes" } else { "no" }.to_owned(),
        ]
    })
}

/// The links of a requirement in one cell: `A.5.1 intersect implemented; clause 9.3.1
/// intersect evidenced`, controls first.
pub fn coverage_links(r: &isms_engine::report::RequirementCoverage) -> String {
    use isms_engine::report::LinkState;
    let state = |s: LinkState| match s {
        LinkState::Met => "met",
        LinkState::Partial => "partial",
        LinkState::Unmet => "not met",
        LinkState::NotChecked => "not checked",
        LinkState::Excluded => "excluded",
        LinkState::Undecided => "undecided",
        LinkState::ExcludedByFact => "excluded by fact",
    };
    let mut parts: Vec<String> = r
        .controls
        .iter()
        .map(|c| {
            let status = if c.applicable {
                c.status.as_str().replace('_', " ")
            } else {
                state(c.state).to_owned()
            };
            format!("{} {} {status}", c.control, c.relationship)
        })
        .collect();
    parts.extend(
        r.clauses
            .iter()
            .map(|c| format!("clause {} {} {}", c.clause, c.relationship, state(c.state))),
    );
    parts.join(LIST_SEPARATOR)
}

/// A group's label: `1 Policy on the security of network and information systems`.
pub fn coverage_group(g: &isms_engine::report::GroupCoverage) -> String {
    match &g.title {
        Some(t) => format!("{} {t}", g.id),
        None => g.id.clone(),
    }
}

/// Columns of a coverage summary row (after the group): total, then one per verdict.
pub const COVERAGE_COUNT_HEADER: [&str; 6] = [
    "requirements",
    "covered",
    "partly covered",
    "not covered",
    "not applicable",
    "no mapping",
];

/// The counts of a summary row, in [`COVERAGE_COUNT_HEADER`] order.
pub fn coverage_counts(c: &isms_engine::report::VerdictCounts) -> Vec<String> {
    use isms_engine::report::Verdict;
    std::iter::once(c.total)
        .chain(Verdict::ALL.iter().map(|v| c.get(*v)))
        .map(|n| n.to_string())
        .collect()
}

/// The summary table of a coverage: its header (`group`, then the counts) and one row per
/// group, then `all`.
pub fn coverage_summary(
    c: &isms_engine::report::FrameworkCoverage,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut header = vec!["group"];
    header.extend(COVERAGE_COUNT_HEADER);
    let rows = c
        .groups
        .iter()
        .map(|g| (coverage_group(g), &g.counts))
        .chain(std::iter::once(("all".to_owned(), &c.summary)))
        .map(|(name, counts)| {
            let mut row = vec![name];
            row.extend(coverage_counts(counts));
            row
        })
        .collect();
    (header, rows)
}

/// The line every output holding a framework's data ends with: `Source: <attribution>`, or
/// an empty text when the framework gives none.
pub fn attribution(c: &isms_engine::report::FrameworkCoverage) -> String {
    if c.attribution.is_empty() {
        String::new()
    } else {
        format!("Source of {}: {}", c.framework, c.attribution)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_but_numbers_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-3"), "-3");
        assert_eq!(spreadsheet_safe("A.5.1"), "A.5.1");
    }

    #[test]
    fn undecided_controls_are_not_spelled_no() {
        let row = |applicable, basis| SoaRowView {
            control: "A.5.1".into(),
            title: String::new(),
            group: String::new(),
            applicable,
            basis,
            justification: String::new(),
            reasons: Vec::new(),
            exclusions: Vec::new(),
            declared_applicable: None,
            declared_justification: None,
            status: isms_engine::report::ImplementationStatus::NotImplemented,
            evidence: Vec::new(),
            plan: Default::default(),
            mitigates: None,
        };
        assert_eq!(applicability(&row(false, Basis::Undecided)), "undecided");
        assert_eq!(applicability(&row(false, Basis::Declaration)), "no");
        assert_eq!(applicability(&row(true, Basis::Reasons)), "yes");
    }
}
