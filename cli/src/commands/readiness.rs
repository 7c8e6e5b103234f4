//! `isms readiness DIR`: would the ISMS pass its Stage 1 and Stage 2 audits, and what falls
//! due in the certification cycle.

use std::fmt::Write;
use std::path::Path;

use isms_engine::Severity;
use isms_engine::report::Report;
use isms_render::cells;

use super::report::{evaluate, json};
use crate::cli::{Eval, FailOn, ReadinessFormat};
use crate::exit::Failure;
use crate::exit::{EXIT_FINDINGS, EXIT_OK};
use crate::{output, render};

pub fn run(
    eval: &Eval,
    format: ReadinessFormat,
    fail_on: Option<FailOn>,
    out: Option<&Path>,
) -> Result<u8, Failure> {
    let r = evaluate(eval)?;
    let bytes = match format {
        ReadinessFormat::Json => json(&r)?,
        ReadinessFormat::Md => {
            let mut o = format!(
                "# Certification readiness: {}\n\nAs of {}.\n\n",
                r.organisation, r.options.as_of
            );
            o.push_str(&isms_render::markdown_readiness(&r.readiness, "##"));
            o.into_bytes()
        }
        ReadinessFormat::Table => table(&r).into_bytes(),
    };
    output::emit(out, &bytes)?;
    let threshold = fail_on.map(Severity::from);
    let failing =
        !r.readiness.ready || threshold.is_some_and(|t| r.gaps.iter().any(|g| g.severity <= t));
    Ok(if failing { EXIT_FINDINGS } else { EXIT_OK })
}

fn table(r: &Report) -> String {
    let rd = &r.readiness;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Certification readiness of {} as of {}: {}\n",
        r.organisation,
        r.options.as_of,
        if rd.ready { "READY" } else { "NOT READY" }
    );
    for s in &rd.stages {
        let _ = writeln!(
            o,
            "{}: {} of {} requirements met",
            s.title,
            s.passed,
            s.items.len()
        );
        o.push_str(&render::table(
            &cells::READINESS_HEADER,
            cells::readiness_rows(&s.items),
        ));
        o.push('\n');
    }
    let c = &rd.calendar;
    let _ = writeln!(
        o,
        "Certification calendar: certified {}, current cycle {} to {}",
        cells::certified(c),
        c.cycle_start,
        c.cycle_end
    );
    if !c.external_audits.is_empty() {
        o.push_str(&render::table(
            &cells::EXTERNAL_AUDIT_HEADER,
            cells::external_audit_rows(c),
        ));
    }
    o.push('\n');
    if c.next_due.is_empty() {
        o.push_str("Falling due: nothing is overdue or due within the horizon\n");
    } else {
        o.push_str("Falling due\n");
        o.push_str(&render::table(&cells::DUE_HEADER, cells::due_rows(c)));
    }
    o
}
