//! `isms catalog list|show`: browse the built-in Annex A catalogs.

use std::fmt::Write;

use isms_engine::catalog::{Catalog, CatalogId, Control, Correspondence};
use serde::Serialize;

use super::report::json;
use crate::cli::{CatalogCommand, CsvOptions, ListFormat, SummaryFormat};
use crate::exit::EXIT_OK;
use crate::exit::Failure;
use crate::{output, render};

pub fn run(command: CatalogCommand) -> Result<u8, Failure> {
    match command {
        CatalogCommand::List {
            catalog,
            group,
            format,
            csv,
        } => list(
            Catalog::builtin(catalog.into()),
            group.as_deref(),
            format,
            &csv,
        ),
        CatalogCommand::Show {
            id,
            catalog,
            format,
        } => show(&id, catalog.map(Into::into), format),
    }
}

fn list(
    catalog: &Catalog,
    group: Option<&str>,
    format: ListFormat,
    csv: &CsvOptions,
) -> Result<u8, Failure> {
    let csv_style = csv.style(format == ListFormat::Csv)?;
    let group_idx = match group {
        None => None,
        Some(g) => Some(
            catalog
                .groups
                .iter()
                .position(|x| x.id.eq_ignore_ascii_case(g) || x.title.eq_ignore_ascii_case(g))
                .ok_or_else(|| {
                    let known: Vec<String> = catalog
                        .groups
                        .iter()
                        .map(|g| format!("{} ({})", g.id, g.title))
                        .collect();
                    Failure::Usage(format!(
                        "{} has no group `{g}`; its groups are: {}",
                        catalog.id,
                        known.join(", ")
                    ))
                })?,
        ),
    };
    let controls: Vec<&Control> = catalog
        .controls
        .iter()
        .filter(|c| group_idx.is_none_or(|g| c.group == g))
        .collect();
    let header = ["id", "group", "title"];
    let rows = || {
        controls.iter().map(|c| {
            vec![
                c.id.clone(),
                catalog.groups[c.group].title.clone(),
                c.title.clone(),
            ]
        })
    };
    let bytes = match format {
        ListFormat::Table => {
            let mut t = render::table(&header, rows());
            let _ = writeln!(t, "{} controls of {}", controls.len(), catalog.title);
            t.into_bytes()
        }
        ListFormat::Md => render::markdown(&header, rows()).into_bytes(),
        ListFormat::Csv => render::csv(&header, rows(), csv_style)?,
        ListFormat::Json => json(
            &controls
                .iter()
                .map(|c| ListedControl {
                    control: c,
                    group_id: &catalog.groups[c.group].id,
                    group_title: &catalog.groups[c.group].title,
                })
                .collect::<Vec<_>>(),
        )?,
    };
    output::emit(None, &bytes)?;
    Ok(EXIT_OK)
}

/// A control of a list, its group named (not numbered).
#[derive(Serialize)]
struct ListedControl<'a> {
    #[serde(flatten)]
    control: &'a Control,
    group_id: &'a str,
    group_title: &'a str,
}

/// A control with its group and its correspondence in the other edition.
#[derive(Serialize)]
struct ControlView<'a> {
    catalog: CatalogId,
    #[serde(flatten)]
    control: &'a Control,
    group_id: &'a str,
    group_title: &'a str,
    /// 2013 predecessors of a 2022 control, or 2022 successors of a 2013 control.
    correspondence: Vec<String>,
    new_in_2022: bool,
}

fn show(id: &str, catalog: Option<CatalogId>, format: SummaryFormat) -> Result<u8, Failure> {
    let candidates = catalog.map_or(CatalogId::ALL.to_vec(), |c| vec![c]);
    let found = candidates.iter().find_map(|c| {
        let cat = Catalog::builtin(*c);
        cat.find(id).map(|idx| (cat, idx))
    });
    let Some((cat, idx)) = found else {
        return Err(Failure::Usage(format!(
            "no control `{id}` in {}; `isms catalog list` shows the ids",
            candidates
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        )));
    };
    let map = Correspondence::builtin();
    let (other, related) = match cat.id {
        CatalogId::Iso27001_2022 => (CatalogId::Iso27001_2013, map.predecessors(idx).to_vec()),
        CatalogId::Iso27001_2013 => (CatalogId::Iso27001_2022, map.successors(idx)),
    };
    let other_cat = Catalog::builtin(other);
    let control = cat.control(idx);
    let view = ControlView {
        catalog: cat.id,
        control,
        group_id: &cat.groups[control.group].id,
        group_title: &cat.groups[control.group].title,
        correspondence: related
            .iter()
            .map(|i| other_cat.control(*i).id.clone())
            .collect(),
        new_in_2022: cat.id == CatalogId::Iso27001_2022 && related.is_empty(),
    };
    let bytes = match format {
        SummaryFormat::Json => json(&view)?,
        SummaryFormat::Table => describe(&view, other_cat).into_bytes(),
    };
    output::emit(None, &bytes)?;
    Ok(EXIT_OK)
}

fn describe(v: &ControlView<'_>, other: &Catalog) -> String {
    let mut out = String::new();
    let c = v.control;
    let _ = writeln!(out, "{}  {}", c.id, c.title);
    let _ = writeln!(out, "  catalog       {}", v.catalog);
    let _ = writeln!(out, "  group         {} {}", v.group_id, v.group_title);
    if let Some(o) = &c.objective {
        let _ = writeln!(out, "  objective     {} {}", o.id, o.title);
    }
    let a = &c.attributes;
    for (name, values) in [
        ("control type", &a.control_types),
        ("properties", &a.properties),
        ("concepts", &a.concepts),
        ("capabilities", &a.capabilities),
        ("domains", &a.domains),
    ] {
        if !values.is_empty() {
            let _ = writeln!(out, "  {name:<13} {}", values.join(", "));
        }
    }
    let label = match v.catalog {
        CatalogId::Iso27001_2022 => "2013 controls",
        CatalogId::Iso27001_2013 => "2022 controls",
    };
    if v.new_in_2022 {
        let _ = writeln!(out, "  {label:<13} none: new in 2022");
    }
    for id in &v.correspondence {
        let title = other
            .find(id)
            .map_or("", |i| other.control(i).title.as_str());
        let _ = writeln!(out, "  {label:<13} {id} {title}");
    }
    out
}
