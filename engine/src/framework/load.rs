//! Reading a framework from its CSV files (the built-in ones and a workspace's own, in the
//! same format), with every problem located at its file, line and column.
//!
//! - requirements: `id,title[,group]`: one row per requirement;
//! - controls: `requirement,control,relationship[,strength]`: one row per link to an Annex A
//!   control of the workspace's catalog;
//! - clauses: `requirement,clause,relationship[,strength]`: one row per link to a clause 4 to 10;
//! - groups: `id,title`: headings of the groups coverage is summarised by.
//!
//! The requirement column may also be named `<framework>_id` (`nis2_id`), and the target
//! columns `iso_control` and `iso_clause`, as in the built-in files.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::{Framework, Group, Link, Relationship, Requirement, Target, is_clause};
use crate::catalog::Catalog;
use crate::diag::Diagnostics;
use crate::input::{Extras, FileOptions, Format, Input, Schema, SourceFile, mapping::Mapped};

/// `[[frameworks]]` in `isms.toml`: a framework of the organisation's own, and its mapping.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkEntry {
    /// The id profiles declare it by (letters, digits, `.`, `_`, `-`).
    pub id: Spanned<String>,
    /// Its title; the id when absent.
    pub title: Option<String>,
    /// The requirements file (CSV).
    pub requirements: Spanned<String>,
    /// The links to Annex A controls (CSV).
    pub controls: Option<Spanned<String>>,
    /// The links to clauses 4 to 10 (CSV).
    pub clauses: Option<Spanned<String>>,
    /// Group headings (CSV).
    pub groups: Option<Spanned<String>>,
    /// The attribution or licence notice outputs holding the data must carry.
    pub attribution: Option<String>,
}

/// What a framework is called, apart from its files.
pub struct Header {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its attribution (may be empty).
    pub attribution: String,
}

/// The files of one framework, read.
pub struct Sources {
    /// `id,title[,group]`.
    pub requirements: Arc<SourceFile>,
    /// `requirement,control,relationship[,strength]`.
    pub controls: Option<Arc<SourceFile>>,
    /// `requirement,clause,relationship[,strength]`.
    pub clauses: Option<Arc<SourceFile>>,
    /// `id,title`.
    pub groups: Option<Arc<SourceFile>>,
}

/// Reads the frameworks of `[[frameworks]]`: their files (added to `sources`, so that reports
/// record their hashes) and their rows, every problem located.
pub fn load_custom(
    entries: &[FrameworkEntry],
    manifest: &SourceFile,
    files: &crate::input::Files,
    catalog: &'static Catalog,
    diags: &mut Diagnostics,
    sources: &mut Vec<Arc<SourceFile>>,
) -> Vec<Framework> {
    let mut out: Vec<Framework> = Vec::new();
    for entry in entries {
        let id = entry.id.get_ref().trim();
        let at_id = |message: String| {
            let span = entry.id.span();
            manifest.error_at("load::value", span.start, span.len(), None, message)
        };
        if !valid_id(id) {
            diags.push(
                at_id(format!(
                    "framework id `{}` is not valid",
                    crate::diag::excerpt(id)
                ))
                .with_help("use letters, digits, `.`, `_` and `-` (at most 64), e.g. nist-csf-2.0"),
            );
            continue;
        }
        if super::builtin_by_id(id).is_some() {
            diags.push(
                at_id(format!(
                    "framework id `{id}` is the id of a built-in framework"
                ))
                .with_help("give your framework another id; the built-in one needs no entry"),
            );
            continue;
        }
        if out.iter().any(|f| f.id == id) {
            diags.push(at_id(format!("framework `{id}` is named twice")));
            continue;
        }
        let mut open = |name: &Spanned<String>| match manifest.read_named(files, name) {
            Ok(source) => {
                let source = Arc::new(source);
                sources.push(Arc::clone(&source));
                Some(source)
            }
            Err(d) => {
                diags.push(*d);
                None
            }
        };
        let requirements = open(&entry.requirements);
        let controls = entry.controls.as_ref().map(&mut open);
        let clauses = entry.clauses.as_ref().map(&mut open);
        let groups = entry.groups.as_ref().map(&mut open);
        let Some(requirements) = requirements else {
            continue;
        };
        let header = Header {
            id: id.to_owned(),
            title: entry.title.clone().unwrap_or_else(|| id.to_owned()),
            attribution: entry
                .attribution
                .clone()
                .unwrap_or_default()
                .trim()
                .to_owned(),
        };
        let sources = Sources {
            requirements,
            controls: controls.flatten(),
            clauses: clauses.flatten(),
            groups: groups.flatten(),
        };
        out.push(parse(header, &sources, catalog, diags));
    }
    out
}

/// Whether an id may name a framework: what a profile and `isms explain id:requirement` can
/// write unquoted.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The header of a CSV text, lowercased and trimmed, in order.
fn headers(source: &SourceFile) -> Vec<String> {
    let first = source.text.lines().next().unwrap_or_default();
    first
        .split(',')
        .map(|h| h.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect()
}

/// Options mapping the model's field names to the file's own spellings of them.
fn aliased(source: &SourceFile, aliases: &[(&str, &[&str], bool)]) -> FileOptions {
    let heads = headers(source);
    let mut options = FileOptions::default();
    for (field, names, any_id) in aliases {
        if heads.iter().any(|h| h == field) {
            continue;
        }
        let found = heads.iter().find(|h| {
            names.contains(&h.as_str()) || (*any_id && h.ends_with("_id") && h.len() > 3)
        });
        if let Some(h) = found {
            options.columns.push(Mapped {
                name: (*field).to_owned(),
                header: h.clone(),
                span: 0..0,
            });
        }
    }
    options
}

fn read(
    source: &SourceFile,
    schema: Schema<'_>,
    options: &FileOptions,
    diags: &mut Diagnostics,
    each: impl FnMut(&mut crate::input::Record<'_, '_>),
) {
    let input = Input {
        source,
        format: Format::Csv,
        schema,
        options,
        sheet: None,
    };
    crate::input::read_records(&input, diags, each);
}

/// The group of a requirement id: up to the first `.` or `-`.
fn derived_group(id: &str) -> &str {
    id.split(['.', '-']).next().unwrap_or(id)
}

/// Parses a framework's files; problems go to `diags` and the rows that have them are left
/// out (the caller fails the load when `diags` has errors).
pub fn parse(
    header: Header,
    sources: &Sources,
    catalog: &'static Catalog,
    diags: &mut Diagnostics,
) -> Framework {
    let mut titles: HashMap<String, String> = HashMap::new();
    if let Some(groups) = &sources.groups {
        let schema = Schema {
            fields: &["id", "title"],
            required: &["id", "title"],
            extras: Extras::Ignored,
        };
        read(groups, schema, &FileOptions::default(), diags, |r| {
            if let (Some(id), Some(title)) = (r.required("id"), r.required("title"))
                && titles.insert(id.clone(), title).is_some()
            {
                r.error(
                    "load::duplicate-id",
                    "id",
                    format!("group `{id}` is listed twice"),
                );
            }
        });
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut requirements: Vec<Requirement> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let schema = Schema {
        fields: &["id", "title", "group"],
        required: &["id"],
        extras: Extras::Ignored,
    };
    read(
        &sources.requirements,
        schema,
        &FileOptions::default(),
        diags,
        |r| {
            let Some(id) = r.required("id") else { return };
            if by_id.contains_key(&id) {
                r.error(
                    "load::duplicate-id",
                    "id",
                    format!("requirement `{id}` is listed twice"),
                );
                return;
            }
            let group_id = r
                .text("group")
                .unwrap_or_else(|| derived_group(&id).to_owned());
            let group = match groups.iter().position(|g| g.id == group_id) {
                Some(g) => g,
                None => {
                    groups.push(Group {
                        title: titles.get(&group_id).cloned(),
                        id: group_id,
                    });
                    groups.len() - 1
                }
            };
            by_id.insert(id.clone(), requirements.len());
            requirements.push(Requirement {
                title: r.text("title").unwrap_or_default(),
                id,
                group,
                links: Vec::new(),
            });
        },
    );
    for (source, target_field, alias) in [
        (&sources.controls, "control", "iso_control"),
        (&sources.clauses, "clause", "iso_clause"),
    ] {
        let Some(source) = source else { continue };
        let options = aliased(
            source,
            &[("requirement", &[], true), (target_field, &[alias], false)],
        );
        let fields = ["requirement", target_field, "relationship", "strength"];
        let schema = Schema {
            fields: &fields,
            required: &["requirement", target_field, "relationship"],
            extras: Extras::Ignored,
        };
        let mut seen = std::collections::HashSet::new();
        read(source, schema, &options, diags, |r| {
            let requirement = r.required("requirement");
            let target = r.required(target_field);
            let relationship = r.required("relationship");
            let strength = r.int("strength", 0..=10).map(|s| s as u8);
            let index = requirement.as_ref().and_then(|id| {
                let found = by_id.get(id).copied();
                if found.is_none() {
                    r.error(
                        "load::unknown-reference",
                        "requirement",
                        format!(
                            "unknown requirement `{id}`: the requirements file does not list it"
                        ),
                    );
                }
                found
            });
            let relationship = relationship.and_then(|text| {
                let parsed = Relationship::parse(&text);
                if parsed.is_none() {
                    let expected: Vec<&str> =
                        Relationship::ALL.iter().map(|x| x.as_str()).collect();
                    r.error(
                        "load::value",
                        "relationship",
                        format!(
                            "unknown relationship `{}`: expected one of {}",
                            crate::diag::excerpt(&text),
                            expected.join(", ")
                        ),
                    );
                }
                parsed
            });
            let target = target.and_then(|text| match target_field {
                "control" => match catalog.resolve(&text) {
                    Ok(c) => Some(Target::Control(c)),
                    Err((message, help)) => {
                        let d = r
                            .diagnostic("load::unknown-reference", "control", message)
                            .with_help(help);
                        r.push(d);
                        None
                    }
                },
                _ if is_clause(&text) => Some(Target::Clause(text.trim().to_owned())),
                _ => {
                    let d = r
                        .diagnostic(
                            "load::unknown-reference",
                            "clause",
                            format!(
                                "unknown clause `{}`: expected a clause of ISO/IEC 27001 from 4 to 10.2",
                                crate::diag::excerpt(&text)
                            ),
                        )
                        .with_help(format!(
                            "clauses are numbers such as 6.1.2 or 9.3; Annex A controls (A.5.1) belong in the controls file; known clauses: {}",
                            super::CLAUSES.join(", ")
                        ));
                    r.push(d);
                    None
                }
            });
            let (Some(index), Some(target), Some(relationship)) = (index, target, relationship)
            else {
                return;
            };
            let key = (index, format!("{target:?}"));
            if !seen.insert(key) {
                r.warn(
                    "load::duplicate-id",
                    target_field,
                    "the same link is listed twice; the repeat is ignored",
                );
                return;
            }
            if let Some(req) = requirements.get_mut(index) {
                req.links.push(Link {
                    target,
                    relationship,
                    strength,
                });
            }
        });
    }
    Framework {
        id: header.id,
        title: header.title,
        catalog: catalog.id,
        attribution: header.attribution,
        groups,
        requirements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogId;

    fn source(name: &str, text: &str) -> Arc<SourceFile> {
        Arc::new(SourceFile::from_bytes(name.into(), name.into(), text.as_bytes()).unwrap())
    }

    fn parse_texts(req: &str, controls: &str, clauses: Option<&str>) -> (Framework, Diagnostics) {
        let mut diags = Diagnostics::default();
        let f = parse(
            Header {
                id: "own".into(),
                title: "Own".into(),
                attribution: String::new(),
            },
            &Sources {
                requirements: source("req.csv", req),
                controls: Some(source("map.csv", controls)),
                clauses: clauses.map(|c| source("clauses.csv", c)),
                groups: None,
            },
            Catalog::builtin(CatalogId::Iso27001_2022),
            &mut diags,
        );
        (f, diags)
    }

    #[test]
    fn a_custom_framework_reads_with_derived_groups_and_links() {
        let (f, diags) = parse_texts(
            "id,title\nGV.OC-01,Context\nGV.OC-02,Context\nPR.AA-01,Identities\n",
            "requirement,control,relationship,strength\nGV.OC-01,A.5.1,subset,8\nPR.AA-01,A.5.16,intersect,\n",
            Some("requirement,clause,relationship\nGV.OC-01,4.1,related\n"),
        );
        assert!(!diags.has_errors(), "{diags:?}");
        let ids: Vec<&str> = f.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["GV", "PR"]);
        let first = &f.requirements[0];
        assert_eq!(first.links.len(), 2);
        assert_eq!(first.links[0].relationship, Relationship::Subset);
        assert_eq!(first.links[0].strength, Some(8));
        assert_eq!(first.links[1].target, Target::Clause("4.1".into()));
        assert!(f.requirements[1].links.is_empty());
    }

    #[test]
    fn bad_rows_are_located_at_their_field() {
        let (_, diags) = parse_texts(
            "id,title\nR1,One\nR1,Again\n",
            "requirement,control,relationship\nR1,A.5.99,subset\nR2,A.5.1,subset\nR1,A.5.1,covers\n",
            Some("requirement,clause,relationship\nR1,A.5.1,equal\n"),
        );
        let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        let all = text.join("\n");
        assert!(all.contains("req.csv:3:"), "{all}");
        assert!(all.contains("requirement `R1` is listed twice"), "{all}");
        assert!(all.contains("map.csv:2:4"), "{all}");
        assert!(all.contains("unknown control `A.5.99`"), "{all}");
        assert!(all.contains("map.csv:3:1"), "{all}");
        assert!(all.contains("unknown requirement `R2`"), "{all}");
        assert!(all.contains("unknown relationship `covers`"), "{all}");
        assert!(all.contains("clauses.csv:2:4"), "{all}");
        assert!(all.contains("unknown clause `A.5.1`"), "{all}");
    }

    #[test]
    fn the_builtin_headers_are_accepted_as_aliases() {
        let (f, diags) = parse_texts(
            "id,title\n1.1,One\n",
            "nis2_id,iso_control,relationship,strength\n1.1,A.5.1,intersect,\n",
            Some("nis2_id,iso_clause,relationship,strength\n1.1,5.2,intersect,\n"),
        );
        assert!(!diags.has_errors(), "{diags:?}");
        assert_eq!(f.requirements[0].links.len(), 2);
    }

    #[test]
    fn hostile_files_give_diagnostics_never_a_panic() {
        let long = "x".repeat(100_000);
        let cases = [
            String::new(),
            "requirement".to_owned(),
            "requirement,control,relationship\n\"unclosed,A.5.1,subset\n".to_owned(),
            "requirement,control,relationship\nR1,A.5.1\nR1,A.5.1,subset,7,extra\n".to_owned(),
            format!("requirement,control,relationship\n{long},A.5.1,subset\n"),
            "requirement,control,relationship,strength\nR1,\u{0391}.5.1,subset,-1\nR1,A.5.1,subset,1e9\n"
                .to_owned(),
            "\u{feff}requirement;control;relationship\nR1;A.5.1;subset\n".to_owned(),
        ];
        for text in &cases {
            let (f, diags) = parse_texts("id,title\nR1,One\n", text, Some(text));
            assert!(f.requirements.len() <= 1);
            for d in diags.iter() {
                assert!(!d.to_string().is_empty());
            }
        }
    }

    #[test]
    fn framework_ids_are_plain() {
        assert!(valid_id("nist-csf-2.0"));
        assert!(!valid_id("a b") && !valid_id("") && !valid_id("x:y"));
    }
}
