//! The report as one self-contained HTML5 document for management and auditors: inline CSS,
//! inline SVG heat maps, no scripts and no external resources, printable.
//!
//! Every text that comes from the inputs goes through [`escape`].

use std::fmt::{self, Write};

use isms_engine::gaps::{Gap, ObjectKind};
use isms_engine::model::{ImplementationStatus, Severity};
use isms_engine::report::{HeatMap, Report, ScoreView};
use isms_engine::risk::AppetiteStatus;

use super::xlsx::basis;

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9dee4; --band: #f5f7fa; --accent: #1d4e89; }
* { box-sizing: border-box; }
html { font-size: 14px; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 0 28px 40px; }
header.doc { background: var(--accent); color: #fff; padding: 26px 28px 22px; }
header.doc .inner { max-width: 1264px; margin: 0 auto; }
header.doc h1 { margin: 0 0 4px; font-size: 1.9rem; font-weight: 650; letter-spacing: -0.01em; }
header.doc p { margin: 0; opacity: .9; }
nav.toc { max-width: 1320px; margin: 0 auto; padding: 10px 28px; border-bottom: 1px solid var(--line); }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 18px; font-weight: 550; }
section { margin-top: 30px; }
h2 { font-size: 1.35rem; margin: 0 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--accent); color: var(--accent); }
h3 { font-size: 1.08rem; margin: 22px 0 8px; }
p.note { color: var(--muted); margin: 4px 0 12px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0 0 18px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-weight: 550; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; margin: 8px 0 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--band); }
.card .value { font-size: 1.7rem; font-weight: 700; line-height: 1.1; }
.card .label { color: var(--muted); font-size: .9rem; }
.card .sub { font-size: .85rem; margin-top: 2px; }
.card.alert .value { color: #b42318; }
.bar { height: 6px; background: var(--line); border-radius: 3px; margin-top: 6px; overflow: hidden; }
.bar span { display: block; height: 100%; background: #2e7d32; }
.badges { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: .82rem; font-weight: 600;
  white-space: nowrap; border: 1px solid transparent; }
.sev-critical { background: #7a1010; color: #fff; }
.sev-high { background: #d92d20; color: #fff; }
.sev-medium { background: #f79009; color: #1f2933; }
.sev-low { background: #2e90fa; color: #fff; }
.sev-info { background: #e4e7ec; color: #344054; }
.zero { opacity: .45; }
.st-implemented { background: #d1fadf; color: #05603a; }
.st-partial { background: #fef0c7; color: #93370d; }
.st-planned { background: #d1e9ff; color: #194185; }
.st-not_implemented { background: #fee4e2; color: #912018; }
.ap-within { background: #d1fadf; color: #05603a; }
.ap-accepted { background: #fef0c7; color: #93370d; }
.ap-expired, .ap-above { background: #fee4e2; color: #912018; }
.rd-pass { background: #d1fadf; color: #05603a; }
.rd-fail { background: #fee4e2; color: #912018; }
.yes { color: #05603a; font-weight: 600; }
.no { color: var(--muted); font-weight: 600; }
small { color: var(--muted); }
table { width: 100%; border-collapse: collapse; margin: 6px 0 14px; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
thead th { background: #eef2f7; border-bottom: 2px solid #b8c4d3; font-weight: 650; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
tr.na td { color: var(--muted); }
td.id, td.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .86rem; }
td.id, td.score, td.code { white-space: nowrap; }
td.id { font-weight: 600; }
td.hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; word-break: break-all; }
.obj { display: inline-block; white-space: nowrap; margin-right: 6px; }
.obj small { text-transform: lowercase; }
.maps { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
figure.map { margin: 0; }
figure.map figcaption { font-weight: 650; margin-bottom: 6px; }
svg.heatmap { display: block; max-width: 100%; height: auto; }
svg.heatmap text { font-family: inherit; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; margin: 12px 0 4px; align-items: center; font-size: .9rem; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; vertical-align: -2px; margin-right: 5px;
  border: 1px solid rgba(0,0,0,.15); }
.boundary { display: inline-block; width: 22px; border-top: 3px solid #111; vertical-align: middle; margin-right: 5px; }
footer { margin-top: 36px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 12mm; }
@media print {
  html { font-size: 10.5px; }
  header.doc { background: none; color: var(--ink); padding: 0 0 8px; border-bottom: 2px solid var(--accent); }
  nav.toc { display: none; }
  main { padding: 0; max-width: none; }
  section { break-before: page; }
  section#summary { break-before: auto; }
  h2, h3 { break-after: avoid; }
  tr, figure.map, .card { break-inside: avoid; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report as one HTML document.
pub fn report(r: &Report) -> String {
    let mut out = String::with_capacity(256 * 1024);
    document(&mut out, r).expect("writing to a String cannot fail");
    out
}

fn document(out: &mut String, r: &Report) -> fmt::Result {
    let org = escape(&r.organisation);
    writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta name=\"generator\" content=\"isms {}\">",
        escape(&r.engine_version)
    )?;
    writeln!(
        out,
        "<title>ISMS report: {org} ({})</title>",
        escape(&r.options.as_of)
    )?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>")?;
    writeln!(out, "<header class=\"doc\"><div class=\"inner\">")?;
    writeln!(out, "<h1>Information security management report</h1>")?;
    writeln!(
        out,
        "<p>{org} &middot; ISO/IEC 27001 &middot; as of {}</p>",
        escape(&r.options.as_of)
    )?;
    writeln!(out, "</div></header>")?;
    out.push_str(concat!(
        "<nav class=\"toc\" aria-label=\"Contents\">",
        "<a href=\"#summary\">Summary</a><a href=\"#heatmap\">Heat maps</a>",
        "<a href=\"#risks\">Risk register</a><a href=\"#soa\">Statement of Applicability</a>",
        "<a href=\"#gaps\">Gaps</a><a href=\"#readiness\">Readiness</a>",
        "<a href=\"#inputs\">Inputs</a></nav>\n<main>\n"
    ));
    summary(out, r)?;
    heatmaps(out, r)?;
    risks(out, r)?;
    soa(out, r)?;
    gaps(out, r)?;
    readiness(out, r)?;
    inputs(out, r)?;
    writeln!(
        out,
        "<footer>Generated by isms {} (schema {}) from workspace {} as of {}. \
         The inputs are identified by their SHA-256 in the Inputs section.</footer>",
        escape(&r.engine_version),
        escape(&r.schema),
        escape(&r.workspace),
        escape(&r.options.as_of)
    )?;
    writeln!(out, "</main>\n</body>\n</html>")
}

// ---- small building blocks ----

fn section_open(out: &mut String, id: &str, title: &str) -> fmt::Result {
    writeln!(out, "<section id=\"{id}\">\n<h2>{title}</h2>")
}

/// Opens a table with its header row and its body.
fn table_open(out: &mut String, headers: &[&str]) -> fmt::Result {
    out.push_str("<table>\n<thead><tr>");
    for h in headers {
        write!(out, "<th scope=\"col\">{h}</th>")?;
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    Ok(())
}

fn table_close(out: &mut String) {
    out.push_str("</tbody>\n</table>\n");
}

/// A cell of escaped text, with an optional class.
fn td(out: &mut String, class: &str, text: &str) -> fmt::Result {
    if class.is_empty() {
        write!(out, "<td>{}</td>", escape(text))
    } else {
        write!(out, "<td class=\"{class}\">{}</td>", escape(text))
    }
}

fn badge(class: &str, text: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", escape(text))
}

fn severity_badge(s: Severity) -> String {
    badge(&format!("sev-{}", s.as_str()), s.as_str())
}

fn status_badge(s: ImplementationStatus) -> String {
    badge(&format!("st-{}", s.as_str()), &s.as_str().replace('_', " "))
}

fn appetite_badge(s: AppetiteStatus) -> String {
    let class = match s {
        AppetiteStatus::WithinAppetite => "ap-within",
        AppetiteStatus::Accepted => "ap-accepted",
        AppetiteStatus::AcceptanceExpired => "ap-expired",
        AppetiteStatus::AboveAppetite => "ap-above",
    };
    badge(class, s.as_str())
}

fn object_kind(k: ObjectKind) -> &'static str {
    match k {
        ObjectKind::Control => "control",
        ObjectKind::Risk => "risk",
        ObjectKind::Asset => "asset",
        ObjectKind::Action => "action",
        ObjectKind::Requirement => "requirement",
        ObjectKind::Rule => "rule",
        ObjectKind::Plugin => "plugin",
        ObjectKind::Clause => "clause",
        ObjectKind::Audit => "audit",
        ObjectKind::Finding => "finding",
        ObjectKind::CorrectiveAction => "corrective action",
        ObjectKind::Review => "review",
        ObjectKind::Document => "document",
        ObjectKind::Person => "person",
        ObjectKind::Account => "account",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn percent(part: usize, whole: usize) -> usize {
    (part * 100).checked_div(whole).unwrap_or(0)
}

// ---- colours ----

type Rgb = (u8, u8, u8);

/// Green to red, for risk levels from lowest to highest.
const RAMP: [Rgb; 5] = [
    (0x1a, 0x98, 0x50),
    (0x91, 0xcf, 0x60),
    (0xfe, 0xe0, 0x8b),
    (0xfc, 0x8d, 0x59),
    (0xd7, 0x30, 0x27),
];

/// The colour at `t` in 0..=1 along [`RAMP`], interpolated between its stops.
fn ramp(t: f64) -> Rgb {
    let x = t.clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
    let i = (x.floor() as usize).min(RAMP.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (RAMP[i], RAMP[i + 1]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Dark text on light fills, white on dark ones.
fn text_on((r, g, b): Rgb) -> &'static str {
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma > 150.0 { "#1f2933" } else { "#ffffff" }
}

/// The colour of a level: its rank among the matrix's levels, spread from green to red.
fn level_colour(h: &HeatMap, level: u8) -> Rgb {
    let mut values: Vec<u8> = h.levels.iter().map(|l| l.value).collect();
    values.sort_unstable();
    values.dedup();
    let t = match values.iter().position(|v| *v == level) {
        Some(i) if values.len() > 1 => i as f64 / (values.len() - 1) as f64,
        Some(_) => 0.0,
        None => {
            let (lo, hi) = (values.first().copied(), values.last().copied());
            match (lo, hi) {
                (Some(lo), Some(hi)) if hi > lo => {
                    f64::from(level.saturating_sub(lo)) / f64::from(hi - lo)
                }
                _ => 0.0,
            }
        }
    };
    ramp(t)
}

fn level_name(h: &HeatMap, level: u8) -> String {
    h.levels
        .iter()
        .find(|l| l.value == level)
        .map_or_else(|| format!("level {level}"), |l| l.name.clone())
}

// ---- sections ----

fn card(out: &mut String, alert: bool, value: &str, label: &str, sub: &str) -> fmt::Result {
    let class = if alert { "card alert" } else { "card" };
    write!(
        out,
        "<div class=\"{class}\"><div class=\"value\">{value}</div><div class=\"label\">{label}</div>"
    )?;
    if !sub.is_empty() {
        write!(out, "<div class=\"sub\">{sub}</div>")?;
    }
    writeln!(out, "</div>")
}

fn summary(out: &mut String, r: &Report) -> fmt::Result {
    let s = &r.summary;
    section_open(out, "summary", "Summary")?;
    out.push_str("<dl class=\"meta\">\n");
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let appetite = format!(
        "{} (level {}, {})",
        r.appetite.name, r.appetite.value, r.appetite.acceptability
    );
    let rows: [(&str, &str); 8] = [
        ("Organisation", &r.organisation),
        ("Workspace", &r.workspace),
        ("Control catalog", &r.catalog),
        ("Evaluated as of", &r.options.as_of),
        ("Risk method", &r.options.method),
        ("Risk appetite", &appetite),
        ("Built-in threats", yes_no(r.options.builtin_threats)),
        ("Generated scenarios", yes_no(r.options.generate_scenarios)),
    ];
    for (k, v) in rows {
        writeln!(out, "<dt>{k}</dt><dd>{}</dd>", escape(v))?;
    }
    out.push_str("</dl>\n<div class=\"cards\">\n");
    card(
        out,
        false,
        &s.assets_in_scope.to_string(),
        "assets in scope",
        &format!("of {} in the inventory", s.assets),
    )?;
    card(
        out,
        s.register_above_appetite > 0,
        &s.register_risks.to_string(),
        "risks in the register",
        &format!("{} above the appetite", s.register_above_appetite),
    )?;
    card(
        out,
        s.scenarios_above_appetite > 0,
        &s.scenarios.to_string(),
        "risk scenarios assessed",
        &format!("{} above the appetite", s.scenarios_above_appetite),
    )?;
    card(
        out,
        false,
        &s.applicable.to_string(),
        "applicable controls",
        &format!("of {} in the catalog", s.controls),
    )?;
    let done = percent(s.implemented, s.applicable);
    card(
        out,
        false,
        &format!("{done}&#8239;%"),
        "of applicable controls implemented",
        &format!(
            "{} of {}<div class=\"bar\"><span style=\"width:{done}%\"></span></div>",
            s.implemented, s.applicable
        ),
    )?;
    card(
        out,
        s.gaps > 0,
        &s.gaps.to_string(),
        "gaps found",
        "see the Gaps section",
    )?;
    out.push_str("</div>\n<div class=\"badges\"><strong>Gaps by severity:</strong>");
    for sev in Severity::ALL {
        let n = s.gaps_by_severity.get(sev).copied().unwrap_or(0);
        let class = format!("sev-{}{}", sev.as_str(), if n == 0 { " zero" } else { "" });
        write!(out, " {}", badge(&class, &format!("{n} {sev}")))?;
    }
    out.push_str("</div>\n</section>\n");
    Ok(())
}

fn heatmaps(out: &mut String, r: &Report) -> fmt::Result {
    let h = &r.heatmap;
    section_open(out, "heatmap", "Risk heat maps")?;
    writeln!(
        out,
        "<p class=\"note\">Number of risk scenarios (register and generated, {} in all) per \
         likelihood and impact, before treatment (inherent) and after the planned and completed \
         treatment (residual). The heavy line marks the risk appetite ({}); cells beyond it are \
         above the appetite.</p>",
        r.summary.scenarios,
        escape(&r.appetite.name)
    )?;
    out.push_str("<div class=\"maps\">\n");
    heatmap_svg(
        out,
        h,
        r.appetite.value,
        "heatmap-inherent",
        "Inherent risk",
        &h.inherent,
    )?;
    heatmap_svg(
        out,
        h,
        r.appetite.value,
        "heatmap-residual",
        "Residual risk",
        &h.residual,
    )?;
    out.push_str("</div>\n<div class=\"legend\"><strong>Levels:</strong>");
    let mut levels: Vec<_> = h.levels.iter().collect();
    levels.sort_by_key(|l| l.value);
    for l in levels {
        let marker = if l.value == r.appetite.value {
            " (appetite)"
        } else {
            ""
        };
        write!(
            out,
            "<span><span class=\"swatch\" style=\"background:{}\"></span>{}{marker}</span>",
            hex(level_colour(h, l.value)),
            escape(&l.name)
        )?;
    }
    out.push_str(
        "<span><span class=\"boundary\"></span>risk appetite boundary</span></div>\n</section>\n",
    );
    Ok(())
}

/// A label for an axis tick: at most `max` characters, the full text in the hover title.
fn tick_label(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        escape(text)
    } else {
        let short: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}&#8230;<title>{}</title>", escape(&short), escape(text))
    }
}

const CELL_W: usize = 84;
const CELL_H: usize = 56;
const LEFT: usize = 150;
const TOP: usize = 10;
const BOTTOM: usize = 64;

/// One heat map; `appetite` is the highest level within the risk appetite.
fn heatmap_svg(
    out: &mut String,
    h: &HeatMap,
    appetite: u8,
    id: &str,
    title: &str,
    counts: &[Vec<usize>],
) -> fmt::Result {
    let (nl, ni) = (h.likelihoods.len(), h.impacts.len());
    let total: usize = counts.iter().flatten().sum();
    let (width, height) = (LEFT + ni * CELL_W + 12, TOP + nl * CELL_H + BOTTOM);
    writeln!(
        out,
        "<figure class=\"map\"><figcaption>{title}</figcaption>"
    )?;
    writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" id=\"{id}\" role=\"img\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         aria-label=\"{title} heat map: {total} scenarios on {nl} likelihood by {ni} impact levels\">"
    )?;
    if nl == 0 || ni == 0 {
        writeln!(
            out,
            "<text x=\"{LEFT}\" y=\"{}\" fill=\"#616e7c\">The risk matrix is empty.</text>",
            TOP + 20
        )?;
        return writeln!(out, "</svg></figure>");
    }
    let count = |l: usize, i: usize| {
        counts
            .get(l)
            .and_then(|row| row.get(i))
            .copied()
            .unwrap_or(0)
    };
    let level = |l: usize, i: usize| h.cells.get(l).and_then(|row| row.get(i)).copied();
    let above = |l: usize, i: usize| level(l, i).is_some_and(|v| v > appetite);
    // Cells: likelihood rows from the top (highest) down, impact columns left to right.
    for l in 0..nl {
        let y = TOP + (nl - 1 - l) * CELL_H;
        for i in 0..ni {
            let x = LEFT + i * CELL_W;
            let n = count(l, i);
            let (fill, lname) = match level(l, i) {
                Some(v) => (level_colour(h, v), level_name(h, v)),
                None => ((0xe4, 0xe7, 0xec), "no level".to_owned()),
            };
            let ink = text_on(fill);
            writeln!(
                out,
                "<g class=\"cell\"><title>Likelihood {} ({}), impact {} ({}): {}, {}</title>",
                l + 1,
                escape(&h.likelihoods[l]),
                i + 1,
                escape(&h.impacts[i]),
                escape(&lname),
                plural(n, "scenario", "scenarios")
            )?;
            writeln!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL_W}\" height=\"{CELL_H}\" fill=\"{}\" \
                 stroke=\"#ffffff\" stroke-width=\"2\"/>",
                hex(fill)
            )?;
            let opacity = if n == 0 { " fill-opacity=\"0.45\"" } else { "" };
            writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"19\" font-weight=\"700\" \
                 fill=\"{ink}\"{opacity}>{n}</text>",
                x + CELL_W / 2,
                y + 28
            )?;
            writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{ink}\" \
                 fill-opacity=\"0.8\">{}</text></g>",
                x + CELL_W / 2,
                y + 46,
                tick_label(&lname, 14)
            )?;
        }
    }
    // The appetite boundary: edges between a cell above the appetite and one within it.
    out.push_str(
        "<path fill=\"none\" stroke=\"#111111\" stroke-width=\"3\" stroke-linecap=\"square\" d=\"",
    );
    for l in 0..nl {
        for i in 0..ni {
            if !above(l, i) {
                continue;
            }
            let (x, y) = (LEFT + i * CELL_W, TOP + (nl - 1 - l) * CELL_H);
            // Left, right, below and above: an edge wherever the neighbour is within.
            if i > 0 && !above(l, i - 1) {
                write!(out, "M{x} {y}V{} ", y + CELL_H)?;
            }
            if i + 1 < ni && !above(l, i + 1) {
                write!(out, "M{} {y}V{} ", x + CELL_W, y + CELL_H)?;
            }
            if l > 0 && !above(l - 1, i) {
                write!(out, "M{x} {}H{} ", y + CELL_H, x + CELL_W)?;
            }
            if l + 1 < nl && !above(l + 1, i) {
                write!(out, "M{x} {y}H{} ", x + CELL_W)?;
            }
        }
    }
    out.push_str("\"/>\n");
    // Likelihood axis: names on the left, highest at the top; title rotated.
    for (l, name) in h.likelihoods.iter().enumerate() {
        let y = TOP + (nl - 1 - l) * CELL_H;
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#1f2933\">{}</text>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\" fill=\"#616e7c\">{}</text>",
            LEFT - 8,
            y + CELL_H / 2,
            tick_label(name, 16),
            LEFT - 8,
            y + CELL_H / 2 + 13,
            l + 1
        )?;
    }
    let mid_y = TOP + nl * CELL_H / 2;
    writeln!(
        out,
        "<text x=\"16\" y=\"{mid_y}\" transform=\"rotate(-90 16 {mid_y})\" text-anchor=\"middle\" \
         font-size=\"12\" font-weight=\"700\" fill=\"#1f2933\">Likelihood</text>"
    )?;
    // Impact axis: names under the columns, title below.
    let base = TOP + nl * CELL_H;
    for (i, name) in h.impacts.iter().enumerate() {
        let x = LEFT + i * CELL_W + CELL_W / 2;
        writeln!(
            out,
            "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#1f2933\">{}</text>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#616e7c\">{}</text>",
            base + 17,
            tick_label(name, 13),
            base + 30,
            i + 1
        )?;
    }
    writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"700\" \
         fill=\"#1f2933\">Impact</text>",
        LEFT + ni * CELL_W / 2,
        base + 52
    )?;
    writeln!(out, "</svg></figure>")
}

fn score_cell(out: &mut String, h: &HeatMap, s: &ScoreView) -> fmt::Result {
    let fill = level_colour(h, s.level);
    write!(
        out,
        "<td class=\"score\"><span class=\"badge\" style=\"background:{};color:{}\">{}</span> <small>L{}&#215;I{}</small></td>",
        hex(fill),
        text_on(fill),
        escape(&s.level_name),
        s.likelihood,
        s.impact
    )
}

fn risks(out: &mut String, r: &Report) -> fmt::Result {
    section_open(out, "risks", "Risk register")?;
    writeln!(
        out,
        "<p class=\"note\">{} of the register, {} above the risk appetite. Generated scenarios \
         are counted in the heat maps only.</p>",
        plural(r.risks.len(), "risk", "risks"),
        r.summary.register_above_appetite
    )?;
    if r.risks.is_empty() {
        return writeln!(out, "<p>The register lists no risks.</p>\n</section>");
    }
    table_open(
        out,
        &[
            "Risk",
            "Title",
            "Assets",
            "Owner",
            "Treatment",
            "Inherent",
            "Residual",
            "Status",
        ],
    )?;
    for k in &r.risks {
        out.push_str("<tr>");
        td(out, "id", &k.id)?;
        td(out, "", &k.title)?;
        let assets = match k.assets.len() {
            0..=4 => k.assets.join(", "),
            n => format!("{} and {} more", k.assets[..3].join(", "), n - 3),
        };
        write!(
            out,
            "<td title=\"{}\"><small>{}</small></td>",
            escape(&k.assets.join(", ")),
            escape(&assets)
        )?;
        td(out, "", k.owner.as_deref().unwrap_or("—"))?;
        td(out, "", k.treatment.as_deref().unwrap_or("—"))?;
        score_cell(out, &r.heatmap, &k.inherent)?;
        score_cell(out, &r.heatmap, &k.residual)?;
        writeln!(out, "<td>{}</td></tr>", appetite_badge(k.status))?;
    }
    table_close(out);
    out.push_str("</section>\n");
    Ok(())
}

fn soa(out: &mut String, r: &Report) -> fmt::Result {
    section_open(out, "soa", "Statement of Applicability")?;
    let s = &r.summary;
    writeln!(
        out,
        "<p class=\"note\">{} controls of {}: {} applicable, {} of them implemented. \
         Applicability is derived from the risks, requirements and rules; the basis is shown \
         under each decision.</p>",
        s.controls,
        escape(&r.catalog),
        s.applicable,
        s.implemented
    )?;
    table_open(
        out,
        &[
            "Control",
            "Title",
            "Group",
            "Applicable",
            "Status",
            "Justification",
            "Evidence",
        ],
    )?;
    for c in &r.soa {
        out.push_str(if c.applicable {
            "<tr>"
        } else {
            "<tr class=\"na\">"
        });
        td(out, "id", &c.control)?;
        td(out, "", &c.title)?;
        write!(out, "<td><small>{}</small></td>", escape(&c.group))?;
        let (class, word) = if c.applicable {
            ("yes", "Yes")
        } else {
            ("no", "No")
        };
        write!(
            out,
            "<td><span class=\"{class}\">{word}</span><br><small>{}</small></td>",
            basis(c.basis).replace('_', " ")
        )?;
        write!(out, "<td>{}</td>", status_badge(c.status))?;
        td(out, "", &c.justification)?;
        out.push_str("<td>");
        for (n, e) in c.evidence.iter().enumerate() {
            if n > 0 {
                out.push_str("<br>");
            }
            out.push_str(&escape(e));
        }
        out.push_str("</td></tr>\n");
    }
    table_close(out);
    out.push_str("</section>\n");
    Ok(())
}

fn gap_row(out: &mut String, g: &Gap) -> fmt::Result {
    out.push_str("<tr>");
    td(out, "mono code", &g.code)?;
    out.push_str("<td>");
    for o in &g.objects {
        write!(
            out,
            "<span class=\"obj\"><small>{}</small> {}</span>",
            object_kind(o.kind),
            escape(&o.id)
        )?;
    }
    out.push_str("</td>");
    td(out, "", &g.message)?;
    td(out, "", &g.action)?;
    td(
        out,
        "mono",
        &g.at.as_ref().map(ToString::to_string).unwrap_or_default(),
    )?;
    out.push_str("</tr>\n");
    Ok(())
}

fn gaps(out: &mut String, r: &Report) -> fmt::Result {
    section_open(out, "gaps", "Gaps")?;
    writeln!(
        out,
        "<p class=\"note\">{} between the risk register, the treatment plan, the declared SoA and \
         the inventory, most serious first. <em>At</em> names the record to open first.</p>",
        plural(r.gaps.len(), "finding", "findings")
    )?;
    if r.gaps.is_empty() {
        out.push_str("<p>No gaps found.</p>\n");
    }
    for sev in Severity::ALL {
        let group: Vec<&Gap> = r.gaps.iter().filter(|g| g.severity == *sev).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(
            out,
            "<h3 id=\"gaps-{}\">{} {}</h3>",
            sev.as_str(),
            severity_badge(*sev),
            plural(group.len(), "gap", "gaps")
        )?;
        table_open(out, &["Code", "Objects", "Message", "Action", "At"])?;
        for g in group {
            gap_row(out, g)?;
        }
        table_close(out);
    }
    if !r.rule_failures.is_empty() {
        out.push_str("<h3 id=\"rule-failures\">Rule evaluation failures</h3>\n");
        table_open(out, &["Rule", "Failures", "Examples"])?;
        for f in &r.rule_failures {
            out.push_str("<tr>");
            td(out, "mono", &f.rule)?;
            td(out, "", &f.count.to_string())?;
            out.push_str("<td>");
            for (record, message) in &f.examples {
                write!(
                    out,
                    "<div><code>{}</code>: {}</div>",
                    escape(record),
                    escape(message)
                )?;
            }
            out.push_str("</td></tr>\n");
        }
        table_close(out);
    }
    out.push_str("</section>\n");
    Ok(())
}

fn readiness_badge(passed: bool) -> String {
    if passed {
        badge("rd-pass", "pass")
    } else {
        badge("rd-fail", "fail")
    }
}

fn readiness(out: &mut String, r: &Report) -> fmt::Result {
    let rd = &r.readiness;
    section_open(out, "readiness", "Certification readiness")?;
    writeln!(
        out,
        "<p class=\"note\">Would the ISMS pass a Stage 1 audit (documentation) and a Stage 2 audit \
         (evidence of operation)? Each requirement passes when its evidence is present and no gap \
         behind it was found.</p>"
    )?;
    writeln!(
        out,
        "<div class=\"badges\">{}</div>",
        if rd.ready {
            badge("rd-pass", "ready")
        } else {
            badge("rd-fail", "not ready")
        }
    )?;
    for s in &rd.stages {
        writeln!(
            out,
            "<h3 id=\"readiness-{}\">{} {} <small>{} of {} requirements met</small></h3>",
            s.stage,
            escape(&s.title),
            readiness_badge(s.ready),
            s.passed,
            s.items.len()
        )?;
        table_open(
            out,
            &["Result", "Id", "Clause", "Requirement", "Evidence", "Gaps"],
        )?;
        for i in &s.items {
            write!(out, "<tr><td>{}</td>", readiness_badge(i.passed))?;
            td(out, "mono id", &i.id)?;
            td(out, "mono", &i.clause)?;
            td(out, "", &i.requirement)?;
            let evidence = match &i.missing {
                Some(m) => format!("missing: {m}"),
                None => i.evidence.join("; "),
            };
            td(out, "", &evidence)?;
            td(out, "mono", &super::gap_refs(i))?;
            out.push_str("</tr>\n");
        }
        table_close(out);
    }
    let c = &rd.calendar;
    out.push_str("<h3 id=\"calendar\">Certification calendar</h3>\n");
    writeln!(
        out,
        "<dl class=\"meta\"><dt>Certified</dt><dd>{}</dd><dt>Current cycle</dt><dd>{} to {}</dd></dl>",
        escape(
            c.certification_date
                .as_deref()
                .unwrap_or("no certification date in the profile")
        ),
        escape(&c.cycle_start),
        escape(&c.cycle_end)
    )?;
    if !c.external_audits.is_empty() {
        table_open(out, &["External audit", "Due", "Status"])?;
        for a in &c.external_audits {
            out.push_str("<tr>");
            td(out, "", &a.audit)?;
            td(out, "mono", &a.due)?;
            td(out, "", &a.status)?;
            out.push_str("</tr>\n");
        }
        table_close(out);
    }
    out.push_str("<h3 id=\"due\">Falling due</h3>\n");
    if c.next_due.is_empty() {
        out.push_str("<p>Nothing is overdue or due within the horizon.</p>\n");
    } else {
        table_open(out, &["Due", "Kind", "Id", "What", "Overdue"])?;
        for d in &c.next_due {
            out.push_str("<tr>");
            td(out, "mono", &d.due)?;
            td(out, "", &d.kind)?;
            td(out, "mono id", &d.id)?;
            td(out, "", &d.what)?;
            td(out, "", if d.overdue { "overdue" } else { "" })?;
            out.push_str("</tr>\n");
        }
        table_close(out);
    }
    out.push_str("</section>\n");
    Ok(())
}

fn inputs(out: &mut String, r: &Report) -> fmt::Result {
    section_open(out, "inputs", "Inputs")?;
    writeln!(
        out,
        "<p class=\"note\">The files this evaluation read, with the SHA-256 of their bytes: the \
         same hashes and engine version reproduce this report.</p>"
    )?;
    writeln!(
        out,
        "<dl class=\"meta\"><dt>Engine version</dt><dd>{}</dd><dt>Report schema</dt><dd>{}</dd></dl>",
        escape(&r.engine_version),
        escape(&r.schema)
    )?;
    table_open(out, &["File", "SHA-256"])?;
    for i in &r.inputs {
        out.push_str("<tr>");
        td(out, "mono", &i.path)?;
        td(out, "hash", &i.sha256)?;
        out.push_str("</tr>\n");
    }
    table_close(out);
    out.push_str("<h3>Rule sets</h3>\n");
    table_open(out, &["Rule set", "Name", "Version", "SHA-256"])?;
    for s in &r.rulesets {
        out.push_str("<tr>");
        td(out, "mono", &s.id)?;
        td(out, "", &s.name)?;
        td(out, "", &s.version)?;
        td(out, "hash", &s.sha256)?;
        out.push_str("</tr>\n");
    }
    table_close(out);
    out.push_str("</section>\n");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use isms_engine::report::LevelRef;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(escape("=HYPERLINK(\"x\")"), "=HYPERLINK(&quot;x&quot;)");
        assert_eq!(escape("A.5.1 – Policies"), "A.5.1 – Policies");
    }

    #[test]
    fn ramp_runs_from_green_to_red() {
        assert_eq!(ramp(0.0), RAMP[0]);
        assert_eq!(ramp(1.0), RAMP[4]);
        assert_eq!(ramp(0.5), RAMP[2]);
        let (r, g, _) = ramp(0.125);
        assert!(r > RAMP[0].0 && r < RAMP[1].0 && g > RAMP[0].1);
    }

    fn matrix(nl: usize, ni: usize, levels: u8) -> HeatMap {
        HeatMap {
            likelihoods: (1..=nl).map(|l| format!("L{l}")).collect(),
            impacts: (1..=ni).map(|i| format!("I{i}")).collect(),
            levels: (1..=levels)
                .map(|v| LevelRef {
                    value: v,
                    name: format!("level {v}"),
                    acceptability: "acceptable".into(),
                })
                .collect(),
            cells: (0..nl)
                .map(|l| {
                    (0..ni)
                        .map(|i| ((l + i) * usize::from(levels) / (nl + ni - 1)) as u8 + 1)
                        .collect()
                })
                .collect(),
            inherent: vec![vec![2; ni]; nl],
            residual: vec![vec![1; ni]; nl],
        }
    }

    #[test]
    fn heat_maps_of_any_shape_have_a_cell_per_pair() {
        for (nl, ni, levels) in [(3, 4, 3), (4, 6, 7), (1, 1, 1), (5, 5, 5)] {
            let h = matrix(nl, ni, levels);
            let mut out = String::new();
            heatmap_svg(&mut out, &h, 1, "m", "Map", &h.inherent).unwrap();
            assert_eq!(out.matches("<rect").count(), nl * ni, "{nl}x{ni}");
            assert_eq!(out.matches("<g class=\"cell\"><title>").count(), nl * ni);
            assert!(out.contains("role=\"img\"") && out.contains("aria-label="));
            assert!(out.contains(&format!("{} scenarios", 2 * nl * ni)));
        }
        let mut out = String::new();
        let empty = matrix(0, 0, 0);
        heatmap_svg(&mut out, &empty, 1, "m", "Map", &[]).unwrap();
        assert!(out.contains("empty") && out.ends_with("</svg></figure>\n"));
    }

    #[test]
    fn levels_spread_from_green_to_red() {
        let h = matrix(4, 6, 7);
        assert_eq!(level_colour(&h, 1), RAMP[0]);
        assert_eq!(level_colour(&h, 7), RAMP[4]);
        assert_eq!(level_colour(&h, 4), RAMP[2]);
        let three = matrix(3, 3, 3);
        assert_eq!(level_colour(&three, 2), RAMP[2]);
    }

    #[test]
    fn long_tick_labels_are_shortened_with_a_title() {
        assert_eq!(tick_label("Rare", 10), "Rare");
        assert_eq!(
            tick_label("Almost <certain>", 9),
            "Almost &lt;&#8230;<title>Almost &lt;certain&gt;</title>"
        );
    }
}
