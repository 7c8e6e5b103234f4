//! The risk heat maps as inline SVG: one cell per likelihood and impact, coloured by risk
//! level from green to red, with the risk appetite boundary drawn as a heavy line.

use std::fmt::Write;

use isms_engine::report::{HeatMap, Report};
use maud::{Markup, html};

use super::plural;

// ---- colours ----

pub(super) type Rgb = (u8, u8, u8);

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

pub(super) fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Dark text on light fills, white on dark ones.
pub(super) fn text_on((r, g, b): Rgb) -> &'static str {
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma > 150.0 { "#1f2933" } else { "#ffffff" }
}

/// The colour of a level: its rank among the matrix's levels, spread from green to red.
pub(super) fn level_colour(h: &HeatMap, level: u8) -> Rgb {
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

// ---- the section ----

/// The heat map section: inherent and residual maps side by side, and the legend.
pub(super) fn section(r: &Report) -> Markup {
    let h = &r.heatmap;
    let mut levels: Vec<_> = h.levels.iter().collect();
    levels.sort_by_key(|l| l.value);
    html! {
        section id="heatmap" {
            h2 { "Risk heat maps" }
            p.note {
                "Number of risk scenarios (register and generated, " (r.summary.scenarios)
                " in all) per likelihood and impact, before any control (inherent) and after the \
                 existing controls of the SoA and the completed treatment actions (residual; \
                 `isms explain` gives each control's share). The heavy line marks the risk \
                 appetite (" (r.appetite.name) "); cells beyond it are above the appetite."
            }
            div.maps {
                (svg(h, r.appetite.value, "heatmap-inherent", "Inherent risk", &h.inherent))
                (svg(h, r.appetite.value, "heatmap-residual", "Residual risk", &h.residual))
            }
            @if !r.plugin_influence.is_empty() {
                h3 { "Plugin adjustments" }
                (super::table(&["Plugin", "Scenarios seen", "Adjusted", "Raised", "Lowered",
                    "Crossed above the appetite", "Crossed below"], html! {
                    @for p in &r.plugin_influence {
                        tr {
                            td { (p.plugin) } td { (p.scenarios) } td { (p.adjusted) }
                            td { (p.raised) } td { (p.lowered) } td { (p.crossed_above) }
                            td { (p.crossed_below) }
                        }
                    }
                }))
            }
            div.legend {
                strong { "Levels:" }
                @for l in levels {
                    span {
                        span.swatch style={ "background:" (hex(level_colour(h, l.value))) } {}
                        (l.name)
                        @if l.value == r.appetite.value { " (appetite)" }
                    }
                }
                span { span.boundary {} "risk appetite boundary" }
            }
        }
    }
}

/// A label for an axis tick: at most `max` characters, the full text in the hover title.
fn tick_label(text: &str, max: usize) -> Markup {
    if text.chars().count() <= max {
        html! { (text) }
    } else {
        let short: String = text.chars().take(max.saturating_sub(1)).collect();
        html! { (short) "…" title { (text) } }
    }
}

const CELL_W: usize = 84;
const CELL_H: usize = 56;
const LEFT: usize = 150;
const TOP: usize = 10;
const BOTTOM: usize = 64;

/// One heat map; `appetite` is the highest level within the risk appetite.
///
/// SVG elements are written with an explicit end tag (`<rect ...></rect>`): in HTML, SVG
/// elements are only self-closing with `/>`, which maud does not write.
pub(super) fn svg(
    h: &HeatMap,
    appetite: u8,
    id: &str,
    title: &str,
    counts: &[Vec<usize>],
) -> Markup {
    let (nl, ni) = (h.likelihoods.len(), h.impacts.len());
    let total: usize = counts.iter().flatten().sum();
    let (width, height) = (LEFT + ni * CELL_W + 12, TOP + nl * CELL_H + BOTTOM);
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
    let row_y = |l: usize| TOP + (nl - 1 - l) * CELL_H;
    let base = TOP + nl * CELL_H;
    let mid_y = TOP + nl * CELL_H / 2;
    html! {
        figure.map {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" class="heatmap" id=(id) role="img"
                width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) }
                aria-label={
                    (title) " heat map: " (total) " scenarios on " (nl) " likelihood by "
                    (ni) " impact levels"
                }
            {
                @if nl == 0 || ni == 0 {
                    text x=(LEFT) y=(TOP + 20) fill="#616e7c" { "The risk matrix is empty." }
                } @else {
                    @for l in 0..nl {
                        @for i in 0..ni {
                            (cell(h, l, i, row_y(l), count(l, i), level(l, i)))
                        }
                    }
                    path fill="none" stroke="#111111" stroke-width="3" stroke-linecap="square"
                        d=(boundary(nl, ni, above)) {}
                    // Likelihood axis: names on the left, highest at the top; title rotated.
                    @for (l, name) in h.likelihoods.iter().enumerate() {
                        text x=(LEFT - 8) y=(row_y(l) + CELL_H / 2) text-anchor="end"
                            font-size="12" fill="#1f2933" { (tick_label(name, 16)) }
                        text x=(LEFT - 8) y=(row_y(l) + CELL_H / 2 + 13) text-anchor="end"
                            font-size="10" fill="#616e7c" { (l + 1) }
                    }
                    text x="16" y=(mid_y) transform={ "rotate(-90 16 " (mid_y) ")" }
                        text-anchor="middle" font-size="12" font-weight="700" fill="#1f2933"
                        { "Likelihood" }
                    // Impact axis: names under the columns, title below.
                    @for (i, name) in h.impacts.iter().enumerate() {
                        @let x = LEFT + i * CELL_W + CELL_W / 2;
                        text x=(x) y=(base + 17) text-anchor="middle" font-size="12"
                            fill="#1f2933" { (tick_label(name, 13)) }
                        text x=(x) y=(base + 30) text-anchor="middle" font-size="10"
                            fill="#616e7c" { (i + 1) }
                    }
                    text x=(LEFT + ni * CELL_W / 2) y=(base + 52) text-anchor="middle"
                        font-size="12" font-weight="700" fill="#1f2933" { "Impact" }
                }
            }
        }
    }
}

/// One cell of a heat map at likelihood `l` and impact `i`, its top at `y`, with `n`
/// scenarios.
fn cell(h: &HeatMap, l: usize, i: usize, y: usize, n: usize, level: Option<u8>) -> Markup {
    let x = LEFT + i * CELL_W;
    let (fill, lname) = match level {
        Some(v) => (level_colour(h, v), level_name(h, v)),
        None => ((0xe4, 0xe7, 0xec), "no level".to_owned()),
    };
    let ink = text_on(fill);
    let likelihood = h.likelihoods.get(l).map_or("", String::as_str);
    let impact = h.impacts.get(i).map_or("", String::as_str);
    html! {
        g.cell {
            title {
                "Likelihood " (l + 1) " (" (likelihood) "), impact " (i + 1) " (" (impact)
                "): " (lname) ", " (plural(n, "scenario", "scenarios"))
            }
            rect x=(x) y=(y) width=(CELL_W) height=(CELL_H) fill=(hex(fill))
                stroke="#ffffff" stroke-width="2" {}
            text x=(x + CELL_W / 2) y=(y + 28) text-anchor="middle" font-size="19"
                font-weight="700" fill=(ink) fill-opacity=[(n == 0).then_some("0.45")] { (n) }
            text x=(x + CELL_W / 2) y=(y + 46) text-anchor="middle" font-size="10" fill=(ink)
                fill-opacity="0.8" { (tick_label(&lname, 14)) }
        }
    }
}

/// The path data of the appetite boundary: the edges between a cell above the appetite and
/// a neighbour within it.
fn boundary(nl: usize, ni: usize, above: impl Fn(usize, usize) -> bool) -> String {
    let mut d = String::new();
    for l in 0..nl {
        for i in 0..ni {
            if !above(l, i) {
                continue;
            }
            let (x, y) = (LEFT + i * CELL_W, TOP + (nl - 1 - l) * CELL_H);
            // Left, right, below and above: an edge wherever the neighbour is within.
            if i > 0 && !above(l, i - 1) {
                let _ = write!(d, "M{x} {y}V{} ", y + CELL_H);
            }
            if i + 1 < ni && !above(l, i + 1) {
                let _ = write!(d, "M{} {y}V{} ", x + CELL_W, y + CELL_H);
            }
            if l > 0 && !above(l - 1, i) {
                let _ = write!(d, "M{x} {}H{} ", y + CELL_H, x + CELL_W);
            }
            if l + 1 < nl && !above(l + 1, i) {
                let _ = write!(d, "M{x} {y}H{} ", x + CELL_W);
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use isms_engine::report::{Acceptability, LevelRef};

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
                    acceptability: Acceptability::Acceptable,
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
            let out = svg(&h, 1, "m", "Map", &h.inherent).into_string();
            assert_eq!(out.matches("<rect").count(), nl * ni, "{nl}x{ni}");
            assert_eq!(out.matches("</rect>").count(), nl * ni, "rects are closed");
            assert_eq!(out.matches("<g class=\"cell\"><title>").count(), nl * ni);
            assert!(out.contains("role=\"img\"") && out.contains("aria-label="));
            assert!(out.contains(&format!("{} scenarios", 2 * nl * ni)));
            assert!(out.contains("<path fill=\"none\""));
        }
        let empty = matrix(0, 0, 0);
        let out = svg(&empty, 1, "m", "Map", &[]).into_string();
        assert!(out.contains("empty") && out.ends_with("</svg></figure>"));
        assert!(!out.contains("<rect"));
    }

    #[test]
    fn the_boundary_separates_cells_above_the_appetite() {
        // Two by two, only the top right cell (likelihood 2, impact 2) above: its left and
        // bottom edges.
        let d = boundary(2, 2, |l, i| l == 1 && i == 1);
        let (x, y) = (LEFT + CELL_W, TOP);
        assert_eq!(
            d,
            format!(
                "M{x} {y}V{} M{x} {}H{} ",
                y + CELL_H,
                y + CELL_H,
                x + CELL_W
            )
        );
        assert_eq!(boundary(2, 2, |_, _| false), "");
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
        assert_eq!(tick_label("Rare", 10).into_string(), "Rare");
        assert_eq!(
            tick_label("Almost <certain>", 9).into_string(),
            "Almost &lt;…<title>Almost &lt;certain&gt;</title>"
        );
    }
}
