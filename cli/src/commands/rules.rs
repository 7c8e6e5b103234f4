//! `isms rules [DIR]`: the active rules with the fields, asset attributes and organisation
//! facts each reads, the facts and attributes with their meaning, and the threat catalog, so
//! that a workspace can be filled in without reading the rule sets.

use std::fmt::Write;
use std::path::Path;

use isms_engine::catalog::CatalogId;
use isms_engine::discover::{Discovery, NameInfo};

use super::report::json;
use crate::cli::SummaryFormat;
use crate::exit::{EXIT_OK, Failure};
use crate::{output, render};

pub fn run(dir: Option<&Path>, format: SummaryFormat) -> Result<u8, Failure> {
    let discovery = match dir {
        Some(dir) => isms_engine::discover::discover(&crate::workspace::load(dir)?),
        None => isms_engine::discover::builtin(CatalogId::Iso27001_2022)?,
    };
    let bytes = match format {
        SummaryFormat::Json => json(&discovery)?,
        SummaryFormat::Table => table(&discovery).into_bytes(),
    };
    output::emit(None, &bytes)?;
    Ok(EXIT_OK)
}

fn names(list: &[String]) -> String {
    list.join(", ")
}

fn name_rows(list: &[NameInfo]) -> impl Iterator<Item = Vec<String>> + '_ {
    list.iter().map(|n| {
        vec![
            n.name.clone(),
            n.example
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            n.when_absent
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "-".to_owned()),
            names(&n.read_by),
            n.meaning
                .clone()
                .unwrap_or_else(|| "(not documented by its rule set)".to_owned()),
        ]
    })
}

fn table(d: &Discovery) -> String {
    let mut out = String::new();
    if d.rulesets.is_empty() {
        let _ = writeln!(out, "No rule sets ({}).", d.catalog);
    }
    for s in &d.rulesets {
        let _ = writeln!(
            out,
            "Rule set {} {} ({}): {}",
            s.name, s.version, s.id, s.description
        );
    }
    let _ = writeln!(
        out,
        "\nOrganisation facts: profile.toml [facts], read as org.<name> ({})",
        d.facts.len()
    );
    out.push_str(&render::table(
        &["fact", "example", "when absent", "read by", "meaning"],
        name_rows(&d.facts),
    ));
    let _ = writeln!(
        out,
        "\nAsset attributes: free columns of the asset inventory, read as asset.attributes.<name> ({})",
        d.attributes.len()
    );
    out.push_str(&render::table(
        &["attribute", "example", "when absent", "read by", "meaning"],
        name_rows(&d.attributes),
    ));
    let _ = writeln!(out, "\nRules ({})", d.rules.len());
    out.push_str(&render::table(
        &["rule", "kind", "fields", "attributes", "facts", "controls"],
        d.rules.iter().map(|r| {
            vec![
                r.id.clone(),
                r.kind.as_str().to_owned(),
                names(&r.reads.fields),
                names(&r.reads.attributes),
                names(&r.reads.facts),
                names(&r.controls),
            ]
        }),
    ));
    let _ = writeln!(out, "\nThreats ({})", d.threats.len());
    out.push_str(&render::table(
        &[
            "threat",
            "name",
            "category",
            "likelihood",
            "affects",
            "applies to",
        ],
        d.threats.iter().map(|t| {
            vec![
                t.id.clone(),
                t.name.clone(),
                t.category.clone().unwrap_or_default(),
                t.likelihood.to_string(),
                t.affects.join(";"),
                t.applies_to.clone(),
            ]
        }),
    ));
    out
}
