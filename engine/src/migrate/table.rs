//! Input files as tables: every column and every field kept as written, so that a converted
//! file reads like the original (same format, same columns, same order, extra columns intact).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::input::Format;

/// The rows of one CSV, JSON or NDJSON file.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub format: Format,
    /// Column names as written (the CSV header; for JSON the keys in first-seen order).
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

/// One record: a value per column (`None` when a JSON record lacks the key).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The line the record starts on (CSV, NDJSON) or its position (JSON, 1-based).
    pub line: usize,
    pub values: Vec<Option<Value>>,
}

/// A file that cannot be read as a table, with the line and column of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Column names compared as the loader compares them (`Asset ID` = `asset_id`).
pub fn normalise(name: &str) -> String {
    name.trim()
        .to_ascii_lowercase()
        .replace([' ', '-', '.'], "_")
}

impl Table {
    /// The index of a column by its normalised name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| normalise(c) == name)
    }

    /// The index of a column, appended (empty in every row) when missing.
    pub fn column_or_add(&mut self, name: &str) -> usize {
        if let Some(i) = self.column(name) {
            return i;
        }
        self.columns.push(name.to_owned());
        for row in &mut self.rows {
            row.values.push(None);
        }
        self.columns.len() - 1
    }

    /// Reads a file's text in its format.
    pub fn parse(format: Format, text: &str) -> Result<Table, TableError> {
        match format {
            Format::Csv => parse_csv(text),
            Format::Json => {
                let objects: Vec<Ordered> = serde_json::from_str(text).map_err(json_error)?;
                Ok(from_objects(
                    format,
                    objects.into_iter().enumerate().map(|(i, o)| (i + 1, o)),
                ))
            }
            Format::Ndjson => {
                let mut objects = Vec::new();
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let o: Ordered = serde_json::from_str(line).map_err(|e| TableError {
                        line: i + 1,
                        ..json_error(e)
                    })?;
                    objects.push((i + 1, o));
                }
                Ok(from_objects(format, objects.into_iter()))
            }
            // Migration rewrites text files; a workbook is exported to CSV first.
            Format::Workbook(_) => Err(TableError {
                line: 1,
                column: 1,
                message: "migrate rewrites CSV, JSON and NDJSON files; export the sheet as CSV"
                    .to_owned(),
            }),
        }
    }

    /// Writes the table in its format.
    pub fn write(&self) -> String {
        match self.format {
            Format::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                // Writing to memory cannot fail.
                let _ = w.write_record(&self.columns);
                for row in &self.rows {
                    let _ = w.write_record(row.values.iter().map(|v| csv_text(v.as_ref())));
                }
                String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
            }
            Format::Json => {
                let rows: Vec<RowRef<'_>> = self.rows.iter().map(|r| RowRef(self, r)).collect();
                serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
            }
            Format::Ndjson => self
                .rows
                .iter()
                .map(|r| serde_json::to_string(&RowRef(self, r)).unwrap_or_default() + "\n")
                .collect(),
            Format::Workbook(_) => String::new(),
        }
    }
}

/// A field as CSV text: lists joined with `;`, yes/no for booleans.
fn csv_text(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| csv_text(Some(v)))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

/// The text of a field (lists joined with `;`), `None` when empty.
pub fn text(value: Option<&Value>) -> Option<String> {
    let t = csv_text(value);
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The items of a list field: a JSON array, or text separated by `;` or `|`.
pub fn list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        other => text(other)
            .map(|t| {
                t.split([';', '|'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A list written back the way the original field wrote lists.
pub fn list_like(original: Option<&Value>, items: Vec<String>) -> Value {
    match original {
        Some(Value::Array(_)) => Value::Array(items.into_iter().map(Value::String).collect()),
        Some(Value::String(s)) if s.contains('|') && !s.contains(';') => {
            Value::String(items.join("|"))
        }
        _ => Value::String(items.join(";")),
    }
}

fn parse_csv(text: &str) -> Result<Table, TableError> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        rows.push(Row {
            line: record.position().map_or(0, |p| p.line() as usize),
            values: record
                .iter()
                .map(|v| Some(Value::String(v.to_owned())))
                .collect(),
        });
    }
    Ok(Table {
        format: Format::Csv,
        columns,
        rows,
    })
}

fn csv_error(e: csv::Error) -> TableError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}"),
        _ => format!("malformed CSV: {e}"),
    };
    TableError {
        line,
        column: 1,
        message,
    }
}

fn json_error(e: serde_json::Error) -> TableError {
    TableError {
        line: e.line(),
        column: e.column(),
        message: format!("malformed JSON: {e}")
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
    }
}

fn from_objects(format: Format, objects: impl Iterator<Item = (usize, Ordered)>) -> Table {
    let mut columns: Vec<String> = Vec::new();
    let mut pending = Vec::new();
    for (line, Ordered(fields)) in objects {
        for (k, _) in &fields {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        pending.push((line, fields));
    }
    let rows = pending
        .into_iter()
        .map(|(line, fields)| {
            let mut values = vec![None; columns.len()];
            for (k, v) in fields {
                if let Some(i) = columns.iter().position(|c| *c == k) {
                    values[i] = Some(v);
                }
            }
            Row { line, values }
        })
        .collect();
    Table {
        format,
        columns,
        rows,
    }
}

/// A JSON object with its keys in file order (serde_json's map sorts them).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object (one record)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    fields.push((k, v));
                }
                Ok(Ordered(fields))
            }
        }
        d.deserialize_map(V)
    }
}

struct RowRef<'a>(&'a Table, &'a Row);

impl Serialize for RowRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (name, value) in self.0.columns.iter().zip(&self.1.values) {
            if let Some(v) = value {
                map.serialize_entry(name, v)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_with_quotes_and_extra_columns() {
        let text =
            "control,applicable,justification,owner\nA.5.1.1,yes,\"Policy, approved\",CISO\n";
        let t = Table::parse(Format::Csv, text).unwrap();
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.write(), text);
    }

    #[test]
    fn json_keeps_key_order_and_reports_position() {
        let text = r#"[{"control": "A.5.1.1", "applicable": true, "evidence": ["a", "b"]}]"#;
        let t = Table::parse(Format::Json, text).unwrap();
        assert_eq!(t.columns, ["control", "applicable", "evidence"]);
        assert!(t.write().find("control").unwrap() < t.write().find("evidence").unwrap());
        assert_eq!(list(t.rows[0].values[2].as_ref()), ["a", "b"]);
        let e = Table::parse(Format::Json, "[\n {\"control\": }]").unwrap_err();
        assert_eq!((e.line, e.column), (2, 14));
        let e = Table::parse(Format::Ndjson, "{\"a\": 1}\n{oops}\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
