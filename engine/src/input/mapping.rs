//! From an export's columns to the model's fields: the per-file options of `isms.toml`
//! (`[files."x"]`: columns, attributes, constants, value maps, date formats, delimiter,
//! header row, sheet), and the checks made once at the header rather than on every row: a
//! required column missing, a column that looks like a known field ("did you mean"), a
//! mapping that names no column.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::SourceFile;
use super::suggest::suggest_field;
use crate::diag::Level;

/// A field (or attribute) read from an export column of another name.
#[derive(Debug, Clone)]
pub struct Mapped {
    /// The model field, or the attribute name.
    pub name: String,
    /// The export's column header.
    pub header: String,
    /// Where the mapping stands in the manifest.
    pub span: Range<usize>,
}

/// A value every record gets, for a field the export lacks.
#[derive(Debug, Clone)]
pub struct Constant {
    pub field: String,
    pub value: String,
    pub span: Range<usize>,
}

/// One translation of a value of an enumeration (`"Streng vertraulich" = "restricted"`).
#[derive(Debug, Clone)]
pub struct ValueMap {
    pub field: String,
    pub from: String,
    pub to: String,
    pub span: Range<usize>,
}

/// How one input file is read: `[files."entry"]` of the manifest, all optional.
#[derive(Debug, Clone, Default)]
pub struct FileOptions {
    /// The entry as written under `[inputs]` (`cmdb.csv`, `registers.xlsx#SoA`): the key of
    /// its `[files]` table, quoted in advice.
    pub entry: String,
    /// Model field <- export header.
    pub columns: Vec<Mapped>,
    /// Attribute name <- export header: kept as a free attribute, not read as a field.
    pub attributes: Vec<Mapped>,
    pub constants: Vec<Constant>,
    pub values: Vec<ValueMap>,
    /// strftime formats tried after ISO 8601.
    pub date_formats: Vec<String>,
    /// The CSV delimiter; sniffed from the header line when absent.
    pub delimiter: Option<u8>,
    /// 1-based row of the headers.
    pub header_row: Option<u32>,
    /// The worksheet of a workbook; the first when absent.
    pub sheet: Option<String>,
    /// The manifest the options stand in, where their problems are located.
    pub manifest: Option<Arc<SourceFile>>,
}

impl FileOptions {
    /// The value `text` of `field` translated by the value maps, when one matches (exactly,
    /// or ignoring case and surrounding spaces).
    pub fn map_value<'t>(&'t self, field: &str, text: &'t str) -> &'t str {
        let text_trimmed = text.trim();
        self.values
            .iter()
            .filter(|v| v.field == field)
            .find(|v| {
                v.from.trim().eq_ignore_ascii_case(text_trimmed) || v.from.trim() == text_trimmed
            })
            .map_or(text, |v| v.to.as_str())
    }
}

/// What a kind of file holds: its fields, the ones every record needs, and what becomes of
/// the other columns.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'k> {
    pub fields: &'k [&'k str],
    /// Fields without which no record can be read (`id`, and the like): a column missing is
    /// one error at the header.
    pub required: &'k [&'k str],
    pub extras: Extras,
}

/// What the columns no field claims become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extras {
    /// Free attributes (assets: a CMDB's own columns).
    Attributes,
    /// Ignored, with a warning each.
    Ignored,
    /// Every column read under its own name, unchecked (tables such as the risk matrix).
    Any,
}

impl Schema<'static> {
    /// Any columns, none checked.
    pub const ANY: Schema<'static> = Schema {
        fields: &[],
        required: &[],
        extras: Extras::Any,
    };
}

/// What a column is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Field,
    Attribute,
    Ignored,
}

/// Where a header problem is.
#[derive(Debug, Clone)]
pub enum ProblemAt {
    /// At a column of the header (0-based).
    Column(usize),
    /// At the header as a whole.
    Header,
    /// At an option in the manifest.
    Manifest(Range<usize>),
}

/// A problem found at the header or in the options, located by the format's reader.
#[derive(Debug, Clone)]
pub struct HeaderProblem {
    pub at: ProblemAt,
    pub level: Level,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    /// The column or field concerned.
    pub field: Option<String>,
}

/// The names of a file's columns (or JSON keys) in the model's spelling, resolved once.
#[derive(Debug, Clone, Default)]
pub struct HeaderMap {
    /// Per column of a header: the name it is read under and as what.
    pub columns: Vec<(String, Role)>,
    /// Required fields whose column is missing, reported once at the header: records do not
    /// report them again.
    pub missing: Vec<String>,
    /// Normalised export name -> (name, role), from the options.
    explicit: HashMap<String, (String, Role)>,
    fields: Vec<String>,
    extras: Option<Extras>,
}

/// Field names as exports write them ("Asset ID", "asset-id") in the model's spelling.
pub fn normalise_name(name: &str) -> String {
    name.trim()
        .to_ascii_lowercase()
        .replace([' ', '-', '.'], "_")
}

impl HeaderMap {
    /// The map for keys met one by one (JSON, NDJSON), with the problems of the options.
    pub fn for_keys(schema: &Schema<'_>, options: &FileOptions) -> (HeaderMap, Vec<HeaderProblem>) {
        let mut map = HeaderMap {
            fields: schema.fields.iter().map(|f| (*f).to_owned()).collect(),
            extras: Some(schema.extras),
            ..HeaderMap::default()
        };
        let problems = option_problems(schema, options);
        for m in &options.columns {
            map.explicit
                .insert(normalise_name(&m.header), (m.name.clone(), Role::Field));
        }
        if schema.extras == Extras::Attributes {
            for m in &options.attributes {
                map.explicit
                    .insert(normalise_name(&m.header), (m.name.clone(), Role::Attribute));
            }
        }
        (map, problems)
    }

    /// What an export column or key is read as.
    pub fn resolve(&self, name: &str) -> (String, Role) {
        let normal = normalise_name(name);
        if let Some(target) = self.explicit.get(&normal) {
            return target.clone();
        }
        let role = match self.extras {
            Some(Extras::Any) | None => Role::Field,
            _ if self.fields.contains(&normal) => Role::Field,
            Some(Extras::Attributes) => Role::Attribute,
            Some(Extras::Ignored) => Role::Ignored,
        };
        (normal, role)
    }

    /// Whether `name` was given by the options rather than by the export's spelling.
    fn is_explicit(&self, header: &str) -> bool {
        self.explicit.contains_key(&normalise_name(header))
    }

    /// The map of a header row, with its problems (see the module documentation).
    pub fn for_header(
        headers: &[&str],
        schema: &Schema<'_>,
        options: &FileOptions,
        file: &str,
    ) -> (HeaderMap, Vec<HeaderProblem>) {
        let (mut map, mut problems) = HeaderMap::for_keys(schema, options);
        map.columns = headers
            .iter()
            .map(|h| {
                if h.trim().is_empty() {
                    (String::new(), Role::Ignored)
                } else {
                    map.resolve(h)
                }
            })
            .collect();
        let normal: Vec<String> = headers.iter().map(|h| normalise_name(h)).collect();
        for (what, mapped) in [
            ("columns", &options.columns),
            ("attributes", &options.attributes),
        ] {
            for m in mapped {
                if !normal.contains(&normalise_name(&m.header)) {
                    problems.push(HeaderProblem {
                        at: ProblemAt::Manifest(m.span.clone()),
                        level: Level::Error,
                        code: "load::mapping",
                        message: format!(
                            "{what}: `{}` is not a column of {file}; its columns are: {}",
                            m.header,
                            column_list(headers)
                        ),
                        help: None,
                        field: None,
                    });
                }
            }
        }
        // Two columns read as one field (or attribute).
        let mut first: HashMap<(&str, Role), usize> = HashMap::new();
        for (i, (name, role)) in map.columns.iter().enumerate() {
            if name.is_empty() || *role == Role::Ignored {
                continue;
            }
            if let Some(j) = first.insert((name.as_str(), *role), i) {
                first.insert((name.as_str(), *role), j);
                let message = if normal[i] == normal[j] {
                    format!("column `{name}` appears twice in the header")
                } else {
                    format!(
                        "columns `{}` and `{}` are both read as `{name}`",
                        headers[j].trim(),
                        headers[i].trim()
                    )
                };
                problems.push(HeaderProblem {
                    at: ProblemAt::Column(i),
                    level: Level::Error,
                    code: "load::csv",
                    message,
                    help: Some(
                        "keep one of them, or map the other to an attribute with `attributes = { other_name = \"Header\" }`"
                            .to_owned(),
                    ),
                    field: Some(name.clone()),
                });
            }
        }
        let has_field = |map: &HeaderMap, f: &str| {
            map.columns.iter().any(|(n, r)| n == f && *r == Role::Field)
                || options.constants.iter().any(|c| c.field == f)
        };
        // Columns that look like a field the file lacks: (column, field).
        let near: Vec<(usize, &str)> = headers
            .iter()
            .enumerate()
            .filter(|(i, h)| map.columns[*i].1 != Role::Field && !map.is_explicit(h))
            .filter_map(|(i, h)| Some((i, suggest_field(h, schema.fields)?)))
            .filter(|(_, f)| !has_field(&map, f))
            .collect();
        for required in schema.required {
            if has_field(&map, required) {
                continue;
            }
            let candidate = near.iter().find(|(_, f)| f == required);
            let help = match candidate {
                Some((i, _)) => format!(
                    "the column `{}` looks like `{required}`: to read it as `{required}`, add to isms.toml\n{}",
                    headers[*i].trim(),
                    columns_line(&options.entry, required, headers[*i].trim())
                ),
                None => format!(
                    "the columns are: {}\nadd a column `{required}`, or map one of them to it in isms.toml:\n{}",
                    column_list(headers),
                    columns_line(&options.entry, required, "Your Header")
                ),
            };
            problems.push(HeaderProblem {
                at: ProblemAt::Header,
                level: Level::Error,
                code: "load::missing-column",
                message: format!("the required column `{required}` is missing"),
                help: Some(help),
                field: Some((*required).to_owned()),
            });
            map.missing.push((*required).to_owned());
        }
        for (i, field) in &near {
            if map.missing.iter().any(|m| m == field) {
                continue; // advised with the missing column
            }
            let header = headers[*i].trim();
            let (name, role) = &map.columns[*i];
            let message = match role {
                Role::Attribute => format!(
                    "column `{header}` is read as the free attribute `{name}`, not as `{field}`; did you mean `{field}`?"
                ),
                _ => format!(
                    "column `{header}` is not a field of this file and is ignored; did you mean `{field}`?"
                ),
            };
            problems.push(HeaderProblem {
                at: ProblemAt::Column(*i),
                level: Level::Warning,
                code: "load::near-miss",
                message,
                help: Some(format!(
                    "to read it as `{field}`, add to isms.toml\n{}",
                    columns_line(&options.entry, field, header)
                )),
                field: Some(name.clone()),
            });
        }
        if schema.extras == Extras::Ignored {
            for (i, (name, role)) in map.columns.iter().enumerate() {
                if *role == Role::Ignored && !name.is_empty() && !near.iter().any(|(j, _)| *j == i)
                {
                    problems.push(unknown_field(ProblemAt::Column(i), name, schema.fields));
                }
            }
        }
        (map, problems)
    }
}

/// The warning for a column or key that no field of the file claims.
pub fn unknown_field(at: ProblemAt, name: &str, fields: &[&str]) -> HeaderProblem {
    HeaderProblem {
        at,
        level: Level::Warning,
        code: "load::unknown-field",
        message: format!(
            "`{name}` is not a field of this file and is ignored; known fields: {}",
            fields.join(", ")
        ),
        help: None,
        field: Some(name.to_owned()),
    }
}

/// The manifest lines that map `header` to `field` for `entry`.
fn columns_line(entry: &str, field: &str, header: &str) -> String {
    format!(
        "[files.{}]\ncolumns = {{ {field} = {} }}",
        toml_string(entry),
        toml_string(header)
    )
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The headers of a file for a message: at most 30, each shortened.
fn column_list(headers: &[&str]) -> String {
    let mut list: Vec<String> = headers
        .iter()
        .take(30)
        .map(|h| format!("`{}`", crate::diag::excerpt(h.trim())))
        .collect();
    if headers.len() > 30 {
        list.push(format!("and {} more", headers.len() - 30));
    }
    list.join(", ")
}

/// Problems of the options themselves: fields the file does not have.
fn option_problems(schema: &Schema<'_>, options: &FileOptions) -> Vec<HeaderProblem> {
    let mut problems = Vec::new();
    if schema.extras == Extras::Any {
        return problems;
    }
    let mut check = |what: &str, field: &str, span: &Range<usize>| {
        if schema.fields.contains(&field) {
            return;
        }
        let hint = match suggest_field(field, schema.fields) {
            Some(f) => format!("; did you mean `{f}`?"),
            None => String::new(),
        };
        problems.push(HeaderProblem {
            at: ProblemAt::Manifest(span.clone()),
            level: Level::Error,
            code: "load::mapping",
            message: format!("{what}: `{field}` is not a field of this file{hint}"),
            help: Some(format!("its fields are: {}", schema.fields.join(", "))),
            field: None,
        });
    };
    for m in &options.columns {
        check("columns", &m.name, &m.span);
    }
    for c in &options.constants {
        check("constants", &c.field, &c.span);
    }
    for v in &options.values {
        check("values", &v.field, &v.span);
    }
    if schema.extras != Extras::Attributes {
        for m in &options.attributes {
            problems.push(HeaderProblem {
                at: ProblemAt::Manifest(m.span.clone()),
                level: Level::Error,
                code: "load::mapping",
                message: "attributes: only assets have free attributes".to_owned(),
                help: None,
                field: None,
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASSET: Schema<'static> = Schema {
        fields: &["id", "name", "type", "owner", "classification"],
        required: &["id", "type"],
        extras: Extras::Attributes,
    };

    fn messages(problems: &[HeaderProblem]) -> Vec<String> {
        problems.iter().map(|p| p.message.clone()).collect()
    }

    #[test]
    fn a_missing_required_column_is_one_problem_with_the_line_to_write() {
        let options = FileOptions {
            entry: "cmdb.csv".into(),
            ..FileOptions::default()
        };
        let (map, problems) = HeaderMap::for_header(
            &["Asset ID", "Type", "Owned By"],
            &ASSET,
            &options,
            "cmdb.csv",
        );
        assert_eq!(map.missing, ["id"]);
        assert_eq!(map.columns[0], ("asset_id".to_owned(), Role::Attribute));
        let missing = &problems[0];
        assert_eq!(missing.code, "load::missing-column");
        assert!(
            missing
                .help
                .as_deref()
                .unwrap()
                .ends_with("[files.\"cmdb.csv\"]\ncolumns = { id = \"Asset ID\" }"),
            "{missing:?}"
        );
        // `Owned By` is a near miss of `owner`: a warning at its column, not silence.
        let near = &problems[1];
        assert_eq!(near.level, Level::Warning);
        assert!(matches!(near.at, ProblemAt::Column(2)));
        assert!(near.message.contains("did you mean `owner`"), "{near:?}");
        assert_eq!(problems.len(), 2, "{:?}", messages(&problems));
    }

    #[test]
    fn mapped_columns_constants_and_attributes_are_honoured() {
        let span = 0..1;
        let options = FileOptions {
            entry: "d.csv".into(),
            columns: vec![Mapped {
                name: "id".into(),
                header: "Asset ID".into(),
                span: span.clone(),
            }],
            attributes: vec![Mapped {
                name: "model".into(),
                header: "Type".into(),
                span: span.clone(),
            }],
            constants: vec![Constant {
                field: "type".into(),
                value: "hardware".into(),
                span,
            }],
            ..FileOptions::default()
        };
        let (map, problems) =
            HeaderMap::for_header(&["Asset ID", "Type"], &ASSET, &options, "d.csv");
        assert!(problems.is_empty(), "{:?}", messages(&problems));
        assert_eq!(
            map.columns,
            [
                ("id".to_owned(), Role::Field),
                ("model".to_owned(), Role::Attribute)
            ]
        );
    }

    #[test]
    fn options_naming_nothing_are_errors() {
        let span = 0..1;
        let options = FileOptions {
            columns: vec![Mapped {
                name: "ownr".into(),
                header: "Nope".into(),
                span: span.clone(),
            }],
            values: vec![ValueMap {
                field: "colour".into(),
                from: "a".into(),
                to: "b".into(),
                span,
            }],
            ..FileOptions::default()
        };
        let (_, problems) = HeaderMap::for_header(&["id", "type"], &ASSET, &options, "a.csv");
        let m = messages(&problems);
        assert!(
            m.iter()
                .any(|m| m.contains("`ownr` is not a field of this file; did you mean `owner`?")),
            "{m:?}"
        );
        assert!(
            m.iter().any(|m| m.contains("`colour` is not a field")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|m| m.contains("`Nope` is not a column of a.csv")),
            "{m:?}"
        );
    }

    #[test]
    fn value_maps_translate_ignoring_case() {
        let options = FileOptions {
            values: vec![ValueMap {
                field: "classification".into(),
                from: "Streng vertraulich".into(),
                to: "restricted".into(),
                span: 0..1,
            }],
            ..FileOptions::default()
        };
        assert_eq!(
            options.map_value("classification", " streng VERTRAULICH "),
            "restricted"
        );
        assert_eq!(options.map_value("classification", "intern"), "intern");
        assert_eq!(
            options.map_value("status", "Streng vertraulich"),
            "Streng vertraulich"
        );
    }
}
