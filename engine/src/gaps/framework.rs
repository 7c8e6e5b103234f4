//! Gaps of the frameworks the profile declares: a requirement with no linked Annex A control
//! in place (`GAP-FRAMEWORK-UNCOVERED`), and, for the exclusion check, the requirements an
//! SoA exclusion leaves uncovered. Nothing is computed when no framework is declared.
//!
//! The severity is medium, not high: the links come from a mapping (for NIS2, ENISA's table at
//! sub-section level, which ENISA says is no measure of equivalence), so a requirement with no
//! linked control in place is a gap to close or to answer otherwise before the regulator or
//! the customer asks, not a finding against ISO/IEC 27001 itself.

use std::collections::HashMap;

use super::{Context, FRAMEWORK_UNCOVERED, Gap, ObjectKind, obj};
use crate::catalog::ControlIdx;
use crate::framework::coverage::{self, LinkState};

/// How many requirements a message names before "and N more".
pub(super) const NAMED: usize = 5;

/// `nis2-2024-2690:3.1.1, nis2-2024-2690:3.1.2 and 4 more`.
pub(super) fn named(list: &[String]) -> String {
    let shown: Vec<&str> = list.iter().take(NAMED).map(String::as_str).collect();
    let more = list.len().saturating_sub(NAMED);
    let mut text = shown.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

/// One gap per requirement of a declared framework that has no linked control in place.
pub(super) fn uncovered(ctx: &Context<'_>) -> Vec<Gap> {
    let mut out = Vec::new();
    for f in ctx.ws.declared_frameworks() {
        for u in coverage::uncovered(f, ctx.soa) {
            let req = u.requirement;
            let states: Vec<String> = u
                .controls
                .iter()
                .map(|c| format!("{} {}", ctx.control_id(*c), state_words(ctx, *c)))
                .collect();
            let ids: Vec<&str> = u.controls.iter().map(|c| ctx.control_id(*c)).collect();
            let mut objects = vec![obj(ObjectKind::Requirement, format!("{}:{}", f.id, req.id))];
            objects.extend(ids.iter().map(|id| obj(ObjectKind::Control, *id)));
            let title = if req.title.is_empty() {
                String::new()
            } else {
                format!(" ({})", req.title)
            };
            out.push(ctx.gap(
                FRAMEWORK_UNCOVERED,
                format!(
                    "{}:{}{title}: none of its linked Annex A controls is in place ({})",
                    f.id,
                    req.id,
                    states.join(", ")
                ),
                &format!(
                    "Implement {} (include them in the SoA where excluded), or record how the organisation meets the requirement otherwise.",
                    ids.join(", ")
                ),
                objects,
                u.controls
                    .first()
                    .and_then(|c| ctx.ws.soa_entry(*c))
                    .map(|e| e.origin),
            ));
        }
    }
    out
}

fn state_words(ctx: &Context<'_>, c: ControlIdx) -> String {
    let row = ctx.soa.rows.iter().find(|r| r.control == c);
    match (row, row.map(coverage::control_state)) {
        (_, Some(LinkState::ExcludedByFact)) => "excluded by the organisation's facts".into(),
        (_, Some(LinkState::Undecided)) => "undecided in the SoA".into(),
        (Some(r), _) if r.declared_applicable == Some(false) => "excluded in the SoA".into(),
        (Some(r), Some(state)) if !matches!(state, LinkState::Excluded) => {
            r.status.as_str().replace('_', " ")
        }
        _ => "excluded in the SoA".into(),
    }
}

/// For each control the SoA excludes, the requirements (`framework:id`) of declared
/// frameworks that are uncovered and link it.
pub(super) fn left_uncovered(ctx: &Context<'_>) -> HashMap<ControlIdx, Vec<String>> {
    let mut map: HashMap<ControlIdx, Vec<String>> = HashMap::new();
    for f in ctx.ws.declared_frameworks() {
        for u in coverage::uncovered(f, ctx.soa) {
            for c in &u.controls {
                let excluded = ctx
                    .soa
                    .rows
                    .iter()
                    .find(|r| r.control == *c)
                    .is_some_and(|r| r.declared_applicable == Some(false));
                if excluded {
                    map.entry(*c)
                        .or_default()
                        .push(format!("{}:{}", f.id, u.requirement.id));
                }
            }
        }
    }
    map
}
