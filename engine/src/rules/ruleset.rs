//! Rule sets as data: TOML files of CEL expressions, compiled once when the workspace loads.
//!
//! ```toml
//! [ruleset]
//! id = "acme"
//! version = "1.0.0"
//!
//! [[scope_filter]]            # assets matching `exclude` are out of scope
//! id = "SF-RETIRED"
//! exclude = 'asset.status == "retired"'
//! reason = "Retired assets process no information."
//!
//! [[risk_rule]]               # raise or lower likelihood or impact when `when` holds
//! id = "RR-INTERNET"
//! when = 'has(asset.attributes.internet_facing) && asset.attributes.internet_facing'
//! adjust = "likelihood"       # or "impact"
//! by = 1                      # or `set = 5`
//! reason = "Exposed to every attacker on the internet."
//!
//! [[check]]                   # custom findings
//! id = "CHK-EXPOSED-UNOWNED"
//! on = "asset"                # or "risk"
//! when = 'asset.owner == null'
//! severity = "high"
//! message = "Assign an owner."
//! ```
//!
//! A rule set may document the organisation facts and asset attributes its rules read, so
//! that `isms rules` and `isms init` can explain them without anyone reading the rules:
//!
//! ```toml
//! [facts.uses_cloud]          # profile.toml [facts]
//! example = true
//! meaning = "Cloud services (IaaS, PaaS, SaaS) hold or process the organisation's information."
//!
//! [attributes.internet_facing] # a free column of the asset inventory
//! example = true
//! meaning = "The asset is reachable from the internet."
//! ```
//!
//! A rule that does not compile is a load error naming the rule, the file, the line and the
//! span inside the expression.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::expr::Expr;
use crate::catalog::{Catalog, ControlIdx};
use crate::diag::{Diagnostic, Diagnostics};
use crate::input::SourceFile;
use crate::model::{Severity, vocabulary};

/// The built-in rule sets, compiled into the binary.
pub const BUILTIN: &[(&str, &str)] = &[(
    "iso27001-2022",
    include_str!("../../../rulesets/iso27001-2022.toml"),
)];

/// Where a rule was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOrigin {
    pub file: String,
    pub line: u32,
}

impl std::fmt::Display for RuleOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

vocabulary!(
    /// What a risk rule changes.
    Factor {
        Likelihood => "likelihood",
        Impact => "impact",
    }
);

/// How a risk rule changes its factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Raise (positive) or lower (negative) by steps.
    By(i8),
    /// Set to a value of the scale.
    Set(u8),
}

/// A rule that adjusts likelihood or impact when its condition holds.
#[derive(Debug)]
pub struct RiskRule {
    pub id: String,
    pub when: Expr,
    pub factor: Factor,
    pub change: Change,
    pub reason: String,
    pub origin: RuleOrigin,
}

/// A filter that takes assets out of scope.
#[derive(Debug)]
pub struct ScopeFilter {
    pub id: String,
    pub exclude: Expr,
    pub reason: String,
    pub origin: RuleOrigin,
}

vocabulary!(
    /// The records a custom check runs over.
    Subject {
        Asset => "asset",
        Risk => "risk",
    }
);

/// A custom check: a condition that produces a finding.
#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub subject: Subject,
    pub when: Expr,
    pub severity: Severity,
    pub message: String,
    pub origin: RuleOrigin,
}

vocabulary!(
    /// Why a control applies, as an auditor groups justifications.
    ReasonCategory {
        RiskTreatment => "risk_treatment",
        Legal => "legal",
        Regulatory => "regulatory",
        Contractual => "contractual",
        Business => "business",
        Baseline => "baseline",
    }
);

/// A rule that makes controls applicable when a condition over `org` and `inventory` holds.
#[derive(Debug)]
pub struct ApplicabilityRule {
    pub id: String,
    pub controls: Vec<ControlIdx>,
    pub when: Expr,
    pub category: ReasonCategory,
    pub justification: String,
    pub origin: RuleOrigin,
}

/// The controls a rule set says reduce a threat's likelihood or impact, and why.
#[derive(Debug)]
pub struct Mitigation {
    /// The threat's id, resolved against the workspace's threats after loading.
    pub threat: String,
    pub likelihood: Vec<ControlIdx>,
    pub impact: Vec<ControlIdx>,
    pub why: String,
    pub origin: RuleOrigin,
}

/// A rule that excludes controls when an organisation fact makes them irrelevant.
#[derive(Debug)]
pub struct ExclusionRule {
    pub id: String,
    pub controls: Vec<ControlIdx>,
    pub when: Expr,
    pub justification: String,
    pub origin: RuleOrigin,
}

/// A value written as an example of a fact or attribute: its type and a plausible value.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum Example {
    Bool(bool),
    Int(i64),
    Text(String),
}

impl std::fmt::Display for Example {
    /// As a TOML value (`true`, `3`, `"current"`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Example::Bool(b) => write!(f, "{b}"),
            Example::Int(i) => write!(f, "{i}"),
            Example::Text(t) => write!(f, "{}", toml::Value::String(t.clone())),
        }
    }
}

/// What a rule set says about a fact or attribute its rules read.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Documented {
    /// What the value means, for the person filling it in.
    pub meaning: String,
    pub example: Example,
}

/// A compiled rule set.
#[derive(Debug)]
pub struct RuleSet {
    pub id: String,
    pub version: String,
    pub description: String,
    /// `builtin:<id>` or the path as the manifest names it.
    pub name: String,
    pub sha256: String,
    pub scope_filters: Vec<ScopeFilter>,
    pub risk_rules: Vec<RiskRule>,
    pub checks: Vec<Check>,
    pub applicability: Vec<ApplicabilityRule>,
    pub exclusions: Vec<ExclusionRule>,
    /// Controls that reduce a threat's likelihood or impact, by threat id.
    pub mitigations: Vec<Mitigation>,
    /// The organisation facts (`org.<name>`) the set documents, by name.
    pub facts: BTreeMap<String, Documented>,
    /// The free asset attributes (`asset.attributes.<name>`) the set documents, by name.
    pub attributes: BTreeMap<String, Documented>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    ruleset: Header,
    #[serde(default)]
    facts: BTreeMap<String, Documented>,
    #[serde(default)]
    attributes: BTreeMap<String, Documented>,
    #[serde(default)]
    scope_filter: Vec<ScopeFilterEntry>,
    #[serde(default)]
    risk_rule: Vec<RiskRuleEntry>,
    #[serde(default)]
    check: Vec<CheckEntry>,
    #[serde(default)]
    applicability: Vec<ApplicabilityEntry>,
    #[serde(default)]
    exclusion: Vec<ExclusionEntry>,
    #[serde(default)]
    mitigation: Vec<MitigationEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MitigationEntry {
    threat: Spanned<String>,
    #[serde(default)]
    likelihood: Vec<Spanned<String>>,
    #[serde(default)]
    impact: Vec<Spanned<String>>,
    why: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicabilityEntry {
    id: Spanned<String>,
    controls: Vec<Spanned<String>>,
    when: Spanned<String>,
    category: Spanned<String>,
    justification: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExclusionEntry {
    id: Spanned<String>,
    controls: Vec<Spanned<String>>,
    when: Spanned<String>,
    justification: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    id: String,
    version: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeFilterEntry {
    id: Spanned<String>,
    exclude: Spanned<String>,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RiskRuleEntry {
    id: Spanned<String>,
    when: Spanned<String>,
    adjust: Spanned<String>,
    by: Option<Spanned<i64>>,
    set: Option<Spanned<i64>>,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckEntry {
    id: Spanned<String>,
    on: Spanned<String>,
    when: Spanned<String>,
    severity: Spanned<String>,
    message: String,
}

/// Reads the rule sets a manifest names: `builtin:<id>` or a path among `files`.
pub fn load_all(
    names: &[Spanned<String>],
    manifest: &SourceFile,
    files: &crate::input::Files,
    scale_max: u8,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> (Vec<RuleSet>, Vec<SourceFile>) {
    let mut sets: Vec<RuleSet> = Vec::new();
    let mut sources = Vec::new();
    for name in names {
        let span = name.span();
        let source = match name.get_ref().strip_prefix("builtin:") {
            Some(id) => match BUILTIN.iter().find(|(b, _)| *b == id) {
                Some((_, text)) => SourceFile::from_bytes(
                    format!("builtin:{id}").into(),
                    format!("builtin:{id}"),
                    text.as_bytes(),
                ),
                None => {
                    let known: Vec<String> = BUILTIN
                        .iter()
                        .map(|(b, _)| format!("builtin:{b}"))
                        .collect();
                    diags.push(
                        manifest
                            .error_at(
                                "load::unknown-reference",
                                span.start,
                                span.len(),
                                None,
                                format!("unknown built-in rule set `{}`", name.get_ref()),
                            )
                            .with_help(format!("built-in rule sets: {}", known.join(", "))),
                    );
                    continue;
                }
            },
            None => manifest.read_named(files, name),
        };
        let source = match source {
            Ok(s) => s,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        if let Some(set) = compile(&source, name.get_ref(), scale_max, catalog, diags) {
            if let Some(first) = sets.iter().find(|s| s.id == set.id) {
                diags.push(manifest.error_at(
                    "load::duplicate-id",
                    span.start,
                    span.len(),
                    None,
                    format!(
                        "rule set `{}` is named twice (first as {})",
                        set.id, first.name
                    ),
                ));
                continue;
            }
            sets.push(set);
        }
        sources.push(source);
    }
    // Rule ids must be unique across all sets, so explanations name exactly one rule.
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for set in &sets {
        let ids = set
            .scope_filters
            .iter()
            .map(|r| &r.id)
            .chain(set.risk_rules.iter().map(|r| &r.id))
            .chain(set.checks.iter().map(|r| &r.id))
            .chain(set.applicability.iter().map(|r| &r.id))
            .chain(set.exclusions.iter().map(|r| &r.id));
        for id in ids {
            if let Some(other) = seen.insert(id, &set.name) {
                diags.push(Diagnostic::error(
                    "load::duplicate-id",
                    format!(
                        "rule `{id}` is defined in {other} and again in {}",
                        set.name
                    ),
                ));
            }
        }
    }
    (sets, sources)
}

/// Byte offset where the text of a TOML string value starts, after its opening quotes.
fn content_start(text: &str, span: &Range<usize>) -> usize {
    let raw = &text[span.start.min(text.len())..span.end.min(text.len())];
    for delim in ["'''", "\"\"\""] {
        if let Some(rest) = raw.strip_prefix(delim) {
            // TOML trims a newline right after the opening delimiter.
            let skip = if rest.starts_with("\r\n") {
                2
            } else {
                usize::from(rest.starts_with('\n'))
            };
            return span.start + 3 + skip;
        }
    }
    span.start + 1
}

/// Compiles the expression of a TOML string value, reporting errors at their place in the
/// file (exact for literal strings; basic strings with escapes shift by the escapes).
pub fn compile_expr(
    source: &SourceFile,
    value: &Spanned<String>,
    rule: &str,
    diags: &mut Diagnostics,
) -> Option<Expr> {
    match Expr::compile(value.get_ref()) {
        Ok(e) => Some(e),
        Err(errors) => {
            let start = content_start(&source.text, &value.span());
            for e in errors {
                diags.push(source.error_at(
                    "load::rule",
                    start + e.offset,
                    e.len,
                    None,
                    format!("rule `{rule}`: {}", e.message),
                ));
            }
            None
        }
    }
}

fn origin(source: &SourceFile, span: &Range<usize>) -> RuleOrigin {
    RuleOrigin {
        file: source.display.clone(),
        line: source.line_col(span.start).0,
    }
}

/// Resolves a rule's control ids in the workspace's catalog.
fn controls(
    source: &SourceFile,
    ids: &[Spanned<String>],
    diags: &mut Diagnostics,
    catalog: &Catalog,
) -> Vec<ControlIdx> {
    let mut out = Vec::new();
    for id in ids {
        match catalog.resolve(id.get_ref()) {
            Ok(idx) => out.push(idx),
            Err((message, help)) => {
                let span = id.span();
                diags.push(
                    source
                        .error_at(
                            "load::unknown-reference",
                            span.start,
                            span.len(),
                            None,
                            message,
                        )
                        .with_help(help),
                );
            }
        }
    }
    out
}

fn compile(
    source: &SourceFile,
    name: &str,
    scale_max: u8,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> Option<RuleSet> {
    let file: File = crate::input::parse_toml(source, diags)?;
    let errors_before = diags.error_count();
    let bad_value = |span: Range<usize>, message: String| {
        source.error_at("load::value", span.start, span.len(), None, message)
    };
    let mut set = RuleSet {
        id: file.ruleset.id,
        version: file.ruleset.version,
        description: file.ruleset.description,
        name: name.to_owned(),
        sha256: source.sha256.clone(),
        scope_filters: Vec::new(),
        risk_rules: Vec::new(),
        checks: Vec::new(),
        applicability: Vec::new(),
        exclusions: Vec::new(),
        mitigations: Vec::new(),
        facts: file.facts,
        attributes: file.attributes,
    };
    for a in file.applicability {
        let when = compile_expr(source, &a.when, a.id.get_ref(), diags);
        let ids = controls(source, &a.controls, diags, catalog);
        let category = ReasonCategory::parse(a.category.get_ref());
        if category.is_none() {
            diags.push(bad_value(
                a.category.span(),
                format!(
                    "rule `{}`: category must be one of {}",
                    a.id.get_ref(),
                    ReasonCategory::expected()
                ),
            ));
        }
        if let (Some(when), Some(category)) = (when, category) {
            set.applicability.push(ApplicabilityRule {
                origin: origin(source, &a.id.span()),
                id: a.id.into_inner(),
                controls: ids,
                when,
                category,
                justification: a.justification,
            });
        }
    }
    for e in file.exclusion {
        let when = compile_expr(source, &e.when, e.id.get_ref(), diags);
        let ids = controls(source, &e.controls, diags, catalog);
        if let Some(when) = when {
            set.exclusions.push(ExclusionRule {
                origin: origin(source, &e.id.span()),
                id: e.id.into_inner(),
                controls: ids,
                when,
                justification: e.justification,
            });
        }
    }
    for m in file.mitigation {
        let likelihood = controls(source, &m.likelihood, diags, catalog);
        let impact = controls(source, &m.impact, diags, catalog);
        if m.likelihood.is_empty() && m.impact.is_empty() {
            diags.push(bad_value(
                m.threat.span(),
                format!(
                    "mitigation of `{}`: name the controls under `likelihood`, `impact` or both",
                    m.threat.get_ref()
                ),
            ));
        }
        set.mitigations.push(Mitigation {
            origin: origin(source, &m.threat.span()),
            threat: m.threat.into_inner(),
            likelihood,
            impact,
            why: m.why,
        });
    }
    for f in file.scope_filter {
        if let Some(exclude) = compile_expr(source, &f.exclude, f.id.get_ref(), diags) {
            set.scope_filters.push(ScopeFilter {
                origin: origin(source, &f.id.span()),
                id: f.id.into_inner(),
                exclude,
                reason: f.reason,
            });
        }
    }
    for r in file.risk_rule {
        let when = compile_expr(source, &r.when, r.id.get_ref(), diags);
        let factor = Factor::parse(r.adjust.get_ref());
        if factor.is_none() {
            diags.push(bad_value(
                r.adjust.span(),
                format!(
                    "rule `{}`: adjust must be one of {}",
                    r.id.get_ref(),
                    Factor::expected()
                ),
            ));
        }
        let max = i64::from(scale_max);
        let change = match (&r.by, &r.set) {
            (Some(by), None) if by.get_ref().abs() < max && *by.get_ref() != 0 => {
                Some(Change::By(*by.get_ref() as i8))
            }
            (None, Some(set)) if (1..=max).contains(set.get_ref()) => {
                Some(Change::Set(*set.get_ref() as u8))
            }
            (Some(v), None) | (None, Some(v)) => {
                diags.push(bad_value(
                    v.span(),
                    format!("rule `{}`: the change must be a step of -{} to {} (not 0) for `by`, or a value of 1 to {max} for `set`", r.id.get_ref(), max - 1, max - 1),
                ));
                None
            }
            _ => {
                diags.push(bad_value(
                    r.id.span(),
                    format!(
                        "rule `{}`: give exactly one of `by` or `set`",
                        r.id.get_ref()
                    ),
                ));
                None
            }
        };
        if let (Some(when), Some(factor), Some(change)) = (when, factor, change) {
            set.risk_rules.push(RiskRule {
                origin: origin(source, &r.id.span()),
                id: r.id.into_inner(),
                when,
                factor,
                change,
                reason: r.reason,
            });
        }
    }
    for c in file.check {
        let when = compile_expr(source, &c.when, c.id.get_ref(), diags);
        let subject = Subject::parse(c.on.get_ref());
        if subject.is_none() {
            diags.push(bad_value(
                c.on.span(),
                format!(
                    "check `{}`: on must be one of {}",
                    c.id.get_ref(),
                    Subject::expected()
                ),
            ));
        }
        let severity = Severity::parse(c.severity.get_ref());
        if severity.is_none() {
            diags.push(bad_value(
                c.severity.span(),
                format!(
                    "check `{}`: severity must be one of {}",
                    c.id.get_ref(),
                    Severity::expected()
                ),
            ));
        }
        if let (Some(when), Some(subject), Some(severity)) = (when, subject, severity) {
            set.checks.push(Check {
                origin: origin(source, &c.id.span()),
                id: c.id.into_inner(),
                subject,
                when,
                severity,
                message: c.message,
            });
        }
    }
    (diags.error_count() == errors_before).then_some(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogId;

    fn compile_text(text: &str) -> (Option<RuleSet>, Vec<String>) {
        let source =
            SourceFile::from_bytes("r.toml".into(), "r.toml".into(), text.as_bytes()).unwrap();
        let mut diags = Diagnostics::default();
        let set = compile(
            &source,
            "r.toml",
            5,
            Catalog::builtin(CatalogId::Iso27001_2022),
            &mut diags,
        );
        (set, diags.iter().map(ToString::to_string).collect())
    }

    /// Every built-in threat has exactly one mitigation entry, with controls for both
    /// factors and its reasoning; the control ids are checked by compiling (an unknown id
    /// is an error).
    #[test]
    fn every_builtin_threat_names_its_mitigating_controls() {
        let (set, errors) = compile_text(BUILTIN[0].1);
        assert!(errors.is_empty(), "{errors:?}");
        let set = set.unwrap();
        let threats: Vec<&str> = include_str!("../../../rulesets/threats/builtin.csv")
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .collect();
        let mut linked: Vec<&str> = set.mitigations.iter().map(|m| m.threat.as_str()).collect();
        assert_eq!(linked, threats, "one entry per threat, in catalog order");
        linked.dedup();
        assert_eq!(linked.len(), threats.len());
        for m in &set.mitigations {
            assert!(
                !m.likelihood.is_empty() && !m.impact.is_empty(),
                "{}",
                m.threat
            );
            assert!(m.why.len() > 40, "{} explains its links", m.threat);
        }
    }

    #[test]
    fn a_mitigation_needs_controls_and_known_ids() {
        let (_, errors) = compile_text(
            "[ruleset]\nid = \"x\"\nversion = \"1\"\n[[mitigation]]\nthreat = \"T\"\nwhy = \"w\"\n[[mitigation]]\nthreat = \"U\"\nlikelihood = [\"A.9.99\"]\nwhy = \"w\"\n",
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].contains("name the controls under `likelihood`, `impact` or both"),
            "{errors:?}"
        );
        assert!(errors[1].contains("A.9.99"), "{errors:?}");
    }

    #[test]
    fn builtin_rule_sets_compile() {
        for (id, text) in BUILTIN {
            let (set, errors) = compile_text(text);
            assert!(errors.is_empty(), "{id}: {errors:?}");
            let set = set.unwrap();
            assert!(set.risk_rules.len() >= 8, "{id} has meaningful risk rules");
        }
    }

    #[test]
    fn every_rule_kind_compiles() {
        let (set, errors) = compile_text(
            r#"
[ruleset]
id = "t"
version = "1"
[[scope_filter]]
id = "S1"
exclude = 'asset.status == "retired"'
reason = "r"
[[risk_rule]]
id = "R1"
when = 'asset.confidentiality >= 4'
adjust = "impact"
by = 1
reason = "r"
[[risk_rule]]
id = "R2"
when = 'threat.id == "TH-01"'
adjust = "likelihood"
set = 5
reason = "r"
[[check]]
id = "C1"
on = "asset"
when = 'asset.owner == null'
severity = "high"
message = "m"
"#,
        );
        assert!(errors.is_empty(), "{errors:?}");
        let set = set.unwrap();
        assert_eq!(set.scope_filters.len(), 1);
        assert_eq!(set.risk_rules[0].change, Change::By(1));
        assert_eq!(set.risk_rules[1].change, Change::Set(5));
        assert_eq!(set.risk_rules[1].origin.line, 16);
        assert_eq!(set.checks[0].severity, Severity::High);
    }

    #[test]
    fn compile_errors_name_rule_file_line_and_span() {
        let (set, errors) = compile_text(
            "[ruleset]\nid = \"t\"\nversion = \"1\"\n[[risk_rule]]\nid = \"R1\"\nwhen = 'asset.x == 1 && asets.y'\nadjust = \"impact\"\nby = 1\nreason = \"r\"\n",
        );
        assert!(set.is_none());
        assert_eq!(
            errors,
            [
                "r.toml:6:25: rule `R1`: unknown variable `asets`: rules can read asset, threat, risk, org, inventory"
            ]
        );
        let (_, errors) = compile_text(
            "[ruleset]\nid = \"t\"\nversion = \"1\"\n[[risk_rule]]\nid = \"R1\"\nwhen = '''\nasset.x ==\n'''\nadjust = \"size\"\nby = 9\nreason = \"r\"\n",
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("r.toml:8:1: rule `R1`: Syntax error"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("r.toml:9:10: rule `R1`: adjust must be"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("r.toml:10:6: rule `R1`: the change must be"),
            "{}",
            errors[2]
        );
    }
}
