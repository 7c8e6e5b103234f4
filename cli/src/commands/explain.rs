//! `isms explain DIR ID`: the derivation of one risk's levels.

use std::fmt::Write;

use isms_engine::risk::{BaseSource, Derivation, explain};

use crate::cli::{Eval, SummaryFormat};
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::output;
use crate::workspace::options;

pub fn run(eval: &Eval, id: &str, format: SummaryFormat) -> Result<u8, Failure> {
    let mut ws = crate::workspace::load(&eval.dir)?;
    let options = options(eval, &mut ws);
    if ws.risk_by_id(id).is_none() && ws.catalog().find(id).is_some() {
        return control(&ws, options, id, format);
    }
    if let Some((framework, requirement)) = id.split_once(':')
        && ws.risk_by_id(id).is_none()
        && ws.framework(framework).is_some()
    {
        return framework_requirement(&ws, options, framework, requirement, format);
    }
    let d = explain(&ws, id, options).map_err(|e| Failure::Usage(e.to_string()))?;
    let bytes = match format {
        SummaryFormat::Json => {
            let mut v = serde_json::to_vec_pretty(&d).map_err(|e| Failure::Io(e.to_string()))?;
            v.push(b'\n');
            v
        }
        SummaryFormat::Table => render(&d, &ws).into_bytes(),
    };
    output::emit(None, &bytes)?;
    Ok(EXIT_OK)
}

/// Why a control is applicable or not: its reasons, exclusions, declaration and plan.
fn control(
    ws: &isms_engine::Workspace,
    options: isms_engine::Options,
    id: &str,
    format: SummaryFormat,
) -> Result<u8, Failure> {
    let evaluation = isms_engine::report::evaluate(ws, options);
    let report = isms_engine::report::build(ws, &evaluation);
    let control_id = ws
        .catalog()
        .find(id)
        .map(|c| ws.catalog().control(c).id.clone())
        .unwrap_or_default();
    let Some(row) = report.soa.iter().find(|r| r.control == control_id) else {
        return Err(Failure::Usage(format!("no control `{id}`")));
    };
    let gaps: Vec<_> = report
        .gaps
        .iter()
        .filter(|g| g.objects.iter().any(|o| o.id == control_id))
        .collect();
    // The requirements of declared frameworks this control is linked to.
    let serves: Vec<String> = report
        .coverage
        .iter()
        .flat_map(|c| {
            c.requirements
                .iter()
                .filter(|q| q.controls.iter().any(|l| l.control == control_id))
                .map(move |q| format!("{}:{}", c.framework, q.id))
        })
        .collect();
    if format == SummaryFormat::Json {
        let v =
            serde_json::json!({ "control": row, "gaps": gaps, "framework_requirements": serves });
        let mut bytes = serde_json::to_vec_pretty(&v).map_err(|e| Failure::Io(e.to_string()))?;
        bytes.push(b'\n');
        output::emit(None, &bytes)?;
        return Ok(EXIT_OK);
    }
    let mut o = String::new();
    let _ = writeln!(o, "{}  {} ({})", row.control, row.title, row.group);
    let _ = writeln!(
        o,
        "  {}",
        if row.applicable {
            "applicable"
        } else {
            "not applicable"
        }
    );
    let _ = writeln!(o, "\nReasons:");
    if row.reasons.is_empty() {
        let _ = writeln!(o, "  none");
    }
    for r in &row.reasons {
        let _ = writeln!(o, "  [{}] {}", r.label(), r.text);
    }
    if let Some(m) = &row.mitigates {
        let levels = &report.heatmap.levels;
        let _ = writeln!(
            o,
            "\nRisks it mitigates (threats {}): {} register risks, {} generated scenarios, {} above the appetite",
            m.threats.join(", "),
            m.register,
            m.scenarios,
            m.above_appetite
        );
        let by_level: Vec<String> = m
            .by_level
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| {
                let name = levels.get(i).map_or("", |l| l.name.as_str());
                format!("{n} at level {} {name}", i + 1)
            })
            .collect();
        let _ = writeln!(o, "  by residual level: {}", by_level.join(", "));
        let _ = writeln!(o, "  highest: {}", m.highest.join(", "));
        if !m.register_above.is_empty() {
            let _ = writeln!(
                o,
                "  register risks above the appetite: {}",
                m.register_above.join(", ")
            );
        }
    }
    if !row.exclusions.is_empty() {
        let _ = writeln!(o, "\nFacts that exclude it:");
        for r in &row.exclusions {
            let _ = writeln!(o, "  {}: {}", r.source, r.text);
        }
    }
    let _ = writeln!(
        o,
        "\nDeclared SoA: {}",
        match row.declared_applicable {
            None => "no row".to_owned(),
            Some(a) => {
                let why = row
                    .declared_justification
                    .as_deref()
                    .unwrap_or("(no justification)");
                if a {
                    format!("applicable, {}: {why}", row.status)
                } else {
                    format!("excluded: {why}")
                }
            }
        }
    );
    let p = row.plan;
    let _ = writeln!(
        o,
        "Treatment plan: {} actions, {} done, {} open, {} overdue",
        p.actions, p.done, p.open, p.overdue
    );
    let _ = writeln!(o, "\nJustification: {}", row.justification);
    if !serves.is_empty() {
        const SHOWN: usize = 12;
        let more = serves.len().saturating_sub(SHOWN);
        let _ = writeln!(
            o,
            "\nLinked to {} requirements of declared frameworks: {}{}",
            serves.len(),
            serves[..serves.len().min(SHOWN)].join(", "),
            if more > 0 {
                format!(" and {more} more (`isms coverage` lists them)")
            } else {
                String::new()
            }
        );
    }
    if !gaps.is_empty() {
        let _ = writeln!(o, "\nGaps:");
        for g in gaps {
            let _ = writeln!(o, "  {} {}: {}", g.severity, g.code, g.message);
        }
    }
    output::emit(None, o.as_bytes())?;
    Ok(EXIT_OK)
}

/// One requirement of a framework: its verdict and reason, and every linked control and
/// clause with what the ISMS shows for it.
fn framework_requirement(
    ws: &isms_engine::Workspace,
    options: isms_engine::Options,
    framework: &str,
    requirement: &str,
    format: SummaryFormat,
) -> Result<u8, Failure> {
    let evaluation = isms_engine::report::evaluate(ws, options);
    let Some(c) = evaluation.coverage_of(ws, framework) else {
        return Err(Failure::Usage(format!("unknown framework `{framework}`")));
    };
    let Some(q) = c.requirements.iter().find(|q| q.id == requirement.trim()) else {
        return Err(Failure::Usage(format!(
            "{} has no requirement `{requirement}`: `isms coverage DIR --framework {}` lists them",
            c.framework, c.framework
        )));
    };
    if format == SummaryFormat::Json {
        let v = serde_json::json!({
            "framework": c.framework,
            "title": c.title,
            "requirement": q,
            "attribution": c.attribution,
        });
        let mut bytes = serde_json::to_vec_pretty(&v).map_err(|e| Failure::Io(e.to_string()))?;
        bytes.push(b'\n');
        output::emit(None, &bytes)?;
        return Ok(EXIT_OK);
    }
    let mut o = String::new();
    let _ = writeln!(o, "{}:{}  {}", c.framework, q.id, q.title);
    let group = c.groups.iter().find(|g| g.id == q.group);
    let _ = writeln!(
        o,
        "  {}, group {}",
        c.title,
        group.map_or_else(|| q.group.clone(), isms_render::cells::coverage_group)
    );
    let _ = writeln!(o, "\nVerdict: {}", q.verdict);
    let _ = writeln!(o, "  {}", q.reason);
    if !q.controls.is_empty() {
        let _ = writeln!(o, "\nLinked Annex A controls:");
    }
    for l in &q.controls {
        let _ = writeln!(
            o,
            "  {} {} [{}{}]",
            l.control,
            l.title,
            l.relationship,
            l.strength
                .map(|s| format!(", strength {s}"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            o,
            "    {}, {}; evidence: {}",
            if l.applicable {
                "applicable"
            } else {
                "excluded"
            },
            l.status,
            if l.evidence.is_empty() {
                "none named".to_owned()
            } else {
                l.evidence.join("; ")
            }
        );
        if !l.gaps.is_empty() {
            let gaps: Vec<String> = l
                .gaps
                .iter()
                .map(|g| format!("{} ({})", g.code, g.severity))
                .collect();
            let _ = writeln!(o, "    open gaps: {}", gaps.join(", "));
        }
    }
    if !q.clauses.is_empty() {
        let _ = writeln!(
            o,
            "\nLinked clauses (answered from the operating-cycle evidence):"
        );
    }
    for l in &q.clauses {
        let checks = if l.checks.is_empty() {
            "no readiness check is about this clause".to_owned()
        } else {
            l.checks.join(", ")
        };
        let _ = writeln!(o, "  clause {} [{}]: {checks}", l.clause, l.relationship);
        if !l.evidence.is_empty() {
            let _ = writeln!(o, "    evidence: {}", l.evidence.join("; "));
        }
        if !l.gaps.is_empty() {
            let _ = writeln!(o, "    failing on: {}", l.gaps.join(", "));
        }
    }
    if q.controls.is_empty() && q.clauses.is_empty() {
        let _ = writeln!(o, "\nThe mapping links nothing to this requirement.");
    }
    let attribution = isms_render::cells::attribution(&c);
    if !attribution.is_empty() {
        let _ = writeln!(o, "\n{attribution}");
    }
    output::emit(None, o.as_bytes())?;
    Ok(EXIT_OK)
}

fn base(from: &BaseSource) -> String {
    match from {
        BaseSource::Assessed { at } => format!("assessed in the register ({at})"),
        BaseSource::Threat { threat } => format!("base likelihood of threat {threat}"),
        BaseSource::ProtectionNeed { asset, property } => {
            format!("{property} protection need of {asset}")
        }
        BaseSource::MidScale => "not assessed: middle of the scale".into(),
    }
}

fn render(d: &Derivation, ws: &isms_engine::Workspace) -> String {
    let m = &ws.risk_model().matrix;
    let mut o = String::new();
    let _ = writeln!(o, "{}  {}", d.id, d.title);
    let _ = writeln!(
        o,
        "  asset {}{}{}",
        d.asset,
        d.threat
            .as_ref()
            .map(|t| format!(", threat {t}"))
            .unwrap_or_default(),
        if d.in_scope {
            ""
        } else {
            " (asset out of scope)"
        }
    );
    let _ = writeln!(o, "\n1. Base values");
    let _ = writeln!(
        o,
        "   likelihood {} ({}): {}",
        d.base_likelihood,
        m.likelihoods[usize::from(d.base_likelihood.max(1)) - 1],
        base(&d.likelihood_from)
    );
    let _ = writeln!(
        o,
        "   impact     {} ({}): {}",
        d.base_impact,
        m.impacts[usize::from(d.base_impact.max(1)) - 1],
        base(&d.impact_from)
    );
    if !d.inherited.is_empty() {
        let _ = writeln!(
            o,
            "\n2. Protection needs inherited along dependencies (maximum principle)"
        );
        for i in &d.inherited {
            let _ = writeln!(
                o,
                "   {} {} -> {} via {}",
                i.property,
                i.declared,
                i.effective,
                i.via.join(" <- ")
            );
        }
    } else {
        let _ = writeln!(o, "\n2. No protection need inherited from dependent assets");
    }
    // Plugins adjust after the rules (their `rule` is `plugin:ID`): both are listed, so the
    // steps add up to the inherent values below.
    if d.adjustments.is_empty() && d.plugin_adjustments.is_empty() {
        let _ = writeln!(o, "\n3. No risk rule or plugin applies");
    } else {
        let _ = writeln!(o, "\n3. Risk rules, then plugins");
        for a in d.adjustments.iter().chain(&d.plugin_adjustments) {
            let _ = writeln!(
                o,
                "   {} {} {}: {} [{}]{}",
                a.rule,
                a.factor,
                a.change,
                a.reason,
                a.defined_at,
                if a.applied {
                    ""
                } else {
                    " (not applied: the register's assessed value stands)"
                }
            );
        }
    }
    for (rule, message) in &d.rule_errors {
        let _ = writeln!(o, "   ! {rule} failed on this record: {message}");
    }
    let _ = writeln!(
        o,
        "\n4. Inherent risk, before existing controls ({}): likelihood {} x impact {} -> level {} ({}){}",
        d.method,
        d.inherent.likelihood,
        d.inherent.impact,
        d.inherent.level,
        d.inherent_level,
        value(d, d.inherent.value)
    );
    if d.controls.is_empty() {
        let _ = writeln!(o, "\n5. No control of the SoA is linked to this threat");
    } else {
        let _ = writeln!(
            o,
            "\n5. Existing controls (SoA status; effectiveness; share of the steps): likelihood -{}, impact -{}",
            d.control_reduction.0, d.control_reduction.1
        );
        for c in &d.controls {
            let _ = writeln!(
                o,
                "   {:<7} {:<10} {}{}, effectiveness {:.2}, -{:.2} steps",
                c.control,
                c.factor,
                c.status,
                if c.evidence || c.status == "excluded" {
                    ""
                } else {
                    " (no evidence)"
                },
                c.effectiveness,
                c.steps
            );
        }
        if let Some(note) = &d.controls_note {
            let _ = writeln!(o, "   not counted: {note}");
        }
    }
    if d.actions.is_empty() {
        let _ = writeln!(o, "\n6. No treatment action in the plan");
    } else {
        let _ = writeln!(o, "\n6. Treatment plan");
        for a in &d.actions {
            let _ = writeln!(
                o,
                "   {} ({}): likelihood -{}, impact -{}{}",
                a.action,
                a.status,
                a.likelihood_reduction,
                a.impact_reduction,
                if a.counted {
                    ""
                } else {
                    " (not counted until done)"
                }
            );
        }
    }
    let _ = writeln!(
        o,
        "   residual: likelihood {} x impact {} -> level {} ({}){}",
        d.residual.likelihood,
        d.residual.impact,
        d.residual.level,
        d.residual_level,
        value(d, d.residual.value)
    );
    let _ = writeln!(
        o,
        "\n7. Acceptance: appetite is level {} ({}); this risk is {}",
        d.appetite,
        m.level_info(d.appetite).name,
        d.status.as_str()
    );
    if let Some(a) = &d.acceptance {
        let _ = writeln!(
            o,
            "   accepted by {} on {}{}",
            a.by,
            a.on,
            a.until.map(|u| format!(" until {u}")).unwrap_or_default()
        );
    }
    o
}

fn value(d: &Derivation, v: f64) -> String {
    match d.method.as_str() {
        "classic" => format!(", score {v}"),
        "quantitative" => format!(", annualised loss {v:.0}"),
        _ => String::new(),
    }
}
