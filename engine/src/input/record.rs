//! One reader for every inventory kind and every format (CSV, JSON, NDJSON).
//!
//! A file becomes a stream of [`Record`]s: named fields with their byte positions. Typed
//! getters convert a field (CSV text, or a JSON value) to what the model needs and report a
//! located diagnostic when they cannot, so the per-kind code reads the same for all formats
//! and a bad field never hides the problems in the fields after it.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::value::RawValue;

use super::source::SourceFile;
use crate::diag::{Diagnostic, Diagnostics, excerpt};
use crate::model::AttrValue;

/// The format of an input file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Ndjson,
}

impl Format {
    /// The format of a path: `.csv`, `.json`, `.ndjson` or `.jsonl`.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            _ => None,
        }
    }
}

/// A field value as the file spelled it.
#[derive(Debug, Clone, Copy)]
enum Raw<'a> {
    Text(&'a str),
    Json(&'a RawValue),
}

#[derive(Debug)]
struct Field<'a> {
    name: Cow<'a, str>,
    raw: Raw<'a>,
    /// Byte offset of the value in the file; `None` for a CSV field until it is needed.
    offset: Option<usize>,
    /// For CSV: the field's index in the row, to find its offset when an error needs it.
    column: usize,
}

/// One record of an input file, with typed, located access to its fields.
pub struct Record<'a, 'd> {
    source: &'a SourceFile,
    start: usize,
    fields: Vec<Field<'a>>,
    diags: &'d mut Diagnostics,
}

/// Field names as written by CMDB exports ("Asset ID", "asset-id") in the model's spelling.
pub fn normalise_name(name: &str) -> String {
    name.trim()
        .to_ascii_lowercase()
        .replace([' ', '-', '.'], "_")
}

/// Reads every record of a file and hands each to `each`; problems go to `diags`.
pub fn for_each_record(
    source: &SourceFile,
    format: Format,
    diags: &mut Diagnostics,
    mut each: impl FnMut(&mut Record<'_, '_>),
) {
    match format {
        Format::Csv => read_csv(source, diags, &mut each),
        Format::Json => read_json(source, diags, &mut each),
        Format::Ndjson => read_ndjson(source, diags, &mut each),
    }
}

fn read_csv(
    source: &SourceFile,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(source.text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(normalise_name).collect(),
        Err(e) => {
            diags.push(csv_error(source, &e));
            return;
        }
    };
    if headers.iter().all(String::is_empty) {
        diags.push(source.error_at("load::csv", 0, 0, None, "the CSV file has no header row"));
        return;
    }
    let mut seen = BTreeSet::new();
    for (i, name) in headers.iter().enumerate() {
        if !name.is_empty() && !seen.insert(name) {
            let offset = csv_field_offset(&source.text, 0, i);
            diags.push(source.error_at(
                "load::csv",
                offset,
                name.len(),
                Some(name),
                format!("column `{name}` appears twice in the header"),
            ));
        }
    }
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                diags.push(csv_error(source, &e));
                continue;
            }
        }
        // After a CRLF line end the csv crate places the next record at the `\n`, which
        // would put every location of the record at the end of the previous line.
        let bytes = source.text.as_bytes();
        let mut start = row.position().map_or(0, |p| p.byte() as usize);
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if row.len() == 1 && row[0].trim().is_empty() {
            continue; // a blank line
        }
        if row.len() != headers.len() {
            let (line, _) = source.line_col(start);
            diags.push(source.error_at(
                "load::csv",
                start,
                0,
                None,
                format!(
                    "row on line {line} has {} fields but the header has {}",
                    row.len(),
                    headers.len()
                ),
            ));
            continue;
        }
        let fields = headers
            .iter()
            .zip(row.iter())
            .enumerate()
            .filter(|(_, (name, _))| !name.is_empty())
            .map(|(column, (name, value))| Field {
                name: Cow::Borrowed(name.as_str()),
                raw: Raw::Text(value),
                offset: None,
                column,
            })
            .collect();
        each(&mut Record {
            source,
            start,
            fields,
            diags,
        });
    }
}

fn csv_error(source: &SourceFile, e: &csv::Error) -> Diagnostic {
    let offset = e.position().map_or(0, |p| p.byte() as usize);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        _ => format!("malformed CSV: {e}"),
    };
    source.error_at("load::csv", offset, 0, None, message)
}

/// Byte offset of field `index` of the CSV record that starts at `start`, honouring quotes.
fn csv_field_offset(text: &str, start: usize, index: usize) -> usize {
    let bytes = text.as_bytes();
    let mut pos = start;
    let mut field = 0;
    let mut quoted = false;
    while pos < bytes.len() && field < index {
        match bytes[pos] {
            b'"' => quoted = !quoted,
            b',' if !quoted => field += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
        pos += 1;
    }
    pos
}

fn read_json(
    source: &SourceFile,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    let items: Vec<&RawValue> = match serde_json::from_str(&source.text) {
        Ok(items) => items,
        Err(e) => {
            diags.push(json_error(
                source,
                0,
                &e,
                "expected a JSON array of records",
            ));
            return;
        }
    };
    for item in items {
        let start = offset_in(source, item.get());
        json_record(source, start, item.get(), diags, each);
    }
}

fn read_ndjson(
    source: &SourceFile,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    let mut start = 0;
    for line in source.text.split_inclusive('\n') {
        let line_start = start;
        start += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            continue;
        }
        json_record(source, line_start, body, diags, each);
    }
}

/// Parses one JSON object whose text starts at byte `start` of the file.
fn json_record(
    source: &SourceFile,
    start: usize,
    text: &str,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    // Field values borrow from the file text so that errors can point inside them.
    #[derive(serde::Deserialize)]
    struct Members<'a>(#[serde(borrow)] std::collections::BTreeMap<String, &'a RawValue>);
    let members = match serde_json::from_str::<Members<'_>>(text) {
        Ok(m) => m.0,
        Err(e) => {
            diags.push(json_error(source, start, &e, "expected a JSON object"));
            return;
        }
    };
    let fields = members
        .into_iter()
        .map(|(name, raw)| Field {
            offset: Some(offset_in(source, raw.get())),
            name: Cow::Owned(normalise_name(&name)),
            raw: Raw::Json(raw),
            column: 0,
        })
        .collect();
    each(&mut Record {
        source,
        start,
        fields,
        diags,
    });
}

fn json_error(source: &SourceFile, start: usize, e: &serde_json::Error, what: &str) -> Diagnostic {
    // serde_json counts lines and columns within the parsed text; turn them into a file offset.
    let text = &source.text[start..];
    let line_start: usize = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum();
    let offset = start + line_start + e.column().saturating_sub(1);
    let message = match e.classify() {
        serde_json::error::Category::Data => format!("{what}: {e}"),
        _ => format!("malformed JSON: {e}"),
    };
    source.error_at("load::json", offset, 0, None, strip_position(&message))
}

/// serde_json appends " at line L column C" (relative to the record); the location says it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(pos) => message[..pos].to_owned(),
        None => message.to_owned(),
    }
}

fn offset_in(source: &SourceFile, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(source.text.as_ptr() as usize)
}

/// A JSON field value after a first look.
enum JsonValue {
    Null,
    Text(String),
    Other(serde_json::Value),
}

impl<'a> Record<'a, '_> {
    fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn field_offset(&self, field: &Field<'a>) -> usize {
        field
            .offset
            .unwrap_or_else(|| csv_field_offset(&self.source.text, self.start, field.column))
    }

    fn field_len(field: &Field<'a>) -> usize {
        match field.raw {
            Raw::Text(t) => t.len(),
            Raw::Json(r) => r.get().len(),
        }
    }

    /// Reports a problem with a field (or with the record when the field is absent).
    pub fn error(&mut self, code: &'static str, name: &str, message: impl Into<String>) {
        let d = self.diagnostic(code, name, message);
        self.diags.push(d);
    }

    /// Records a diagnostic made elsewhere (for example with [`Record::diagnostic`]).
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports a warning about a field.
    pub fn warn(&mut self, code: &'static str, name: &str, message: impl Into<String>) {
        let d = self.diagnostic(code, name, message).warning();
        self.diags.push(d);
    }

    /// A diagnostic located at a field, or at the record start when the field is absent.
    pub fn diagnostic(
        &self,
        code: &'static str,
        name: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (offset, len) = match self.field(name) {
            Some(f) => (self.field_offset(f), Self::field_len(f)),
            None => (self.start, 0),
        };
        self.source.error_at(code, offset, len, Some(name), message)
    }

    /// A diagnostic at a span inside a field's text (a CEL expression in a CSV or JSON field),
    /// mapping the span past the field's quoting and escapes.
    pub fn inner_diagnostic(
        &self,
        code: &'static str,
        name: &str,
        inner: usize,
        len: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let Some(field) = self.field(name) else {
            return self.diagnostic(code, name, message);
        };
        let start = self.field_offset(field);
        let raw = &self.source.text[start.min(self.source.text.len())..];
        let json = matches!(field.raw, Raw::Json(_));
        let offset = start + raw_offset(raw, inner, json);
        self.source.error_at(code, offset, len, Some(name), message)
    }

    /// Whether the record has the field at all (its column exists), empty or not.
    pub fn has(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    /// The line the record starts on.
    pub fn line(&self) -> u32 {
        self.source.line_col(self.start).0
    }

    fn json(&mut self, name: &str, raw: &RawValue) -> Option<JsonValue> {
        match serde_json::from_str::<serde_json::Value>(raw.get()) {
            Ok(serde_json::Value::Null) => Some(JsonValue::Null),
            Ok(serde_json::Value::String(s)) => Some(JsonValue::Text(s)),
            Ok(other) => Some(JsonValue::Other(other)),
            Err(e) => {
                self.error("load::json", name, format!("unreadable value: {e}"));
                None
            }
        }
    }

    /// Optional text; empty text counts as absent.
    pub fn text(&mut self, name: &str) -> Option<String> {
        let raw = self.field(name)?.raw;
        let text = match raw {
            Raw::Text(t) => t.trim().to_owned(),
            Raw::Json(r) => match self.json(name, r)? {
                JsonValue::Null => return None,
                JsonValue::Text(s) => s.trim().to_owned(),
                JsonValue::Other(
                    v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)),
                ) => v.to_string(),
                JsonValue::Other(_) => {
                    self.error("load::type", name, "expected text, found a list or object");
                    return None;
                }
            },
        };
        (!text.is_empty()).then_some(text)
    }

    /// Required text: absence is an error.
    pub fn required(&mut self, name: &str) -> Option<String> {
        let value = self.text(name);
        if value.is_none() {
            self.error("load::missing-field", name, format!("`{name}` is required"));
        }
        value
    }

    /// A list: a JSON array of strings, or text separated by `;` or `|`.
    pub fn list(&mut self, name: &str) -> Vec<String> {
        let Some(field) = self.field(name) else {
            return Vec::new();
        };
        let split = |t: &str| -> Vec<String> {
            t.split([';', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        match field.raw {
            Raw::Text(t) => split(t),
            Raw::Json(r) => match self.json(name, r) {
                None | Some(JsonValue::Null) => Vec::new(),
                Some(JsonValue::Text(s)) => split(&s),
                Some(JsonValue::Other(serde_json::Value::Array(items))) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            serde_json::Value::String(s) if !s.trim().is_empty() => {
                                out.push(s.trim().to_owned())
                            }
                            serde_json::Value::String(_) => {}
                            other => {
                                self.error(
                                    "load::type",
                                    name,
                                    format!(
                                        "expected a list of text, found the item {}",
                                        excerpt(&other.to_string())
                                    ),
                                );
                            }
                        }
                    }
                    out
                }
                Some(JsonValue::Other(other)) => {
                    self.error(
                        "load::type",
                        name,
                        format!(
                            "expected a list of text, found {}",
                            excerpt(&other.to_string())
                        ),
                    );
                    Vec::new()
                }
            },
        }
    }

    /// An optional integer within `range`.
    pub fn int(&mut self, name: &str, range: RangeInclusive<i64>) -> Option<i64> {
        let text = self.text(name)?;
        let value = match text.parse::<i64>() {
            Ok(v) => v,
            Err(_) => {
                self.error(
                    "load::type",
                    name,
                    format!("expected a whole number, found `{}`", excerpt(&text)),
                );
                return None;
            }
        };
        if !range.contains(&value) {
            self.error(
                "load::value",
                name,
                format!(
                    "{value} is out of range: expected {} to {}",
                    range.start(),
                    range.end()
                ),
            );
            return None;
        }
        Some(value)
    }

    /// An optional level on a 1..=max scale, as a byte.
    pub fn level(&mut self, name: &str, max: u8) -> Option<u8> {
        self.int(name, 1..=i64::from(max)).map(|v| v as u8)
    }

    /// An optional yes/no value (`true`, `yes`, `y`, `1`, `x` and their opposites).
    pub fn boolean(&mut self, name: &str) -> Option<bool> {
        let text = self.text(name)?;
        match parse_bool(&text) {
            Some(b) => Some(b),
            None => {
                self.error(
                    "load::type",
                    name,
                    format!("expected yes or no, found `{}`", excerpt(&text)),
                );
                None
            }
        }
    }

    /// An optional date written as `YYYY-MM-DD`.
    pub fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let text = self.text(name)?;
        match NaiveDate::parse_from_str(&text, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.error(
                    "load::type",
                    name,
                    format!("expected a date as YYYY-MM-DD, found `{}`", excerpt(&text)),
                );
                None
            }
        }
    }

    /// An optional value of a closed vocabulary.
    pub fn vocab<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> Option<T>,
        expected: impl Fn() -> String,
    ) -> Option<T> {
        let text = self.text(name)?;
        let value = parse(&text);
        if value.is_none() {
            self.error(
                "load::value",
                name,
                format!(
                    "unknown value `{}`: expected one of {}",
                    excerpt(&text),
                    expected()
                ),
            );
        }
        value
    }

    /// The fields not in `known`, as typed free attributes (CMDB columns the model lacks).
    pub fn extras(&mut self, known: &[&str]) -> Vec<(String, AttrValue)> {
        let names: Vec<String> = self
            .fields
            .iter()
            .filter(|f| !known.contains(&f.name.as_ref()))
            .map(|f| f.name.to_string())
            .collect();
        let mut out = Vec::new();
        for name in names {
            let raw = self.field(&name).map(|f| f.raw);
            let value = match raw {
                Some(Raw::Text(t)) => infer_attr(t.trim()),
                Some(Raw::Json(r)) => match self.json(&name, r) {
                    Some(JsonValue::Text(s)) => {
                        (!s.trim().is_empty()).then_some(AttrValue::Text(s))
                    }
                    Some(JsonValue::Other(serde_json::Value::Bool(b))) => Some(AttrValue::Bool(b)),
                    Some(JsonValue::Other(serde_json::Value::Number(n))) => {
                        Some(match n.as_i64() {
                            Some(i) => AttrValue::Int(i),
                            None => AttrValue::Float(n.as_f64().unwrap_or(f64::NAN)),
                        })
                    }
                    Some(JsonValue::Other(_)) => {
                        self.error(
                            "load::type",
                            &name,
                            "attributes must be text, numbers or yes/no values",
                        );
                        None
                    }
                    Some(JsonValue::Null) | None => None,
                },
                None => None,
            };
            if let Some(v) = value {
                out.push((name, v));
            }
        }
        out
    }

    /// Warns once about each field of this record that `known` does not list.
    pub fn warn_unknown(&mut self, known: &[&str], warned: &mut BTreeSet<String>) {
        let unknown: Vec<String> = self
            .fields
            .iter()
            .filter(|f| !known.contains(&f.name.as_ref()))
            .map(|f| f.name.to_string())
            .filter(|n| !warned.contains(n))
            .collect();
        for name in unknown {
            self.warn(
                "load::unknown-field",
                &name,
                format!(
                    "`{name}` is not a field of this file and is ignored; known fields: {}",
                    known.join(", ")
                ),
            );
            warned.insert(name);
        }
    }
}

/// Byte offset in the raw (quoted, escaped) text of a field of the byte `inner` of its value:
/// skips an opening quote and counts `""` (CSV) or a backslash escape (JSON) as one byte.
fn raw_offset(raw: &str, inner: usize, json: bool) -> usize {
    let bytes = raw.as_bytes();
    let quoted = bytes.first() == Some(&b'"');
    let mut pos = usize::from(quoted);
    let mut seen = 0;
    while seen < inner && pos < bytes.len() {
        pos += match (bytes[pos], bytes.get(pos + 1)) {
            (b'"', Some(b'"')) if quoted && !json => 2,
            (b'\\', Some(b'u')) if json => 6,
            (b'\\', Some(_)) if json => 2,
            _ => 1,
        };
        seen += 1;
    }
    pos
}

/// Yes/no spellings of spreadsheets and CMDB exports.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "x" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Types a CSV attribute: yes/no words, whole numbers (without leading zeros, so ids such as
/// `007` stay text), decimals, else text.
fn infer_attr(text: &str) -> Option<AttrValue> {
    if text.is_empty() {
        return None;
    }
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" => return Some(AttrValue::Bool(true)),
        "false" | "no" => return Some(AttrValue::Bool(false)),
        _ => {}
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !leading_zero {
        if let Ok(i) = text.parse::<i64>() {
            return Some(AttrValue::Int(i));
        }
        if digits.contains('.')
            && let Ok(f) = text.parse::<f64>()
            && f.is_finite()
        {
            return Some(AttrValue::Float(f));
        }
    }
    Some(AttrValue::Text(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(format: Format, text: &str) -> (Vec<(u32, Vec<String>)>, Diagnostics) {
        let source = SourceFile::from_bytes("f".into(), "f".into(), text.as_bytes()).unwrap();
        let mut diags = Diagnostics::default();
        let mut out = Vec::new();
        for_each_record(&source, format, &mut diags, |r| {
            let id = r.text("id").unwrap_or_default();
            let tags = r.list("tags");
            let mut row = vec![id];
            row.extend(tags);
            out.push((r.line(), row));
        });
        (out, diags)
    }

    #[test]
    fn formats_agree() {
        let csv = "ID,Tags\nA1,x;y\n\"A2\",\n";
        let json = "[{\"id\":\"A1\",\"tags\":[\"x\",\"y\"]},\n {\"id\":\"A2\"}]";
        let ndjson = "{\"id\":\"A1\",\"tags\":\"x; y\"}\n\n{\"id\":\"A2\",\"tags\":null}\n";
        let expected_rows = vec![
            vec!["A1".to_owned(), "x".into(), "y".into()],
            vec!["A2".to_owned()],
        ];
        for (format, text, lines) in [
            (Format::Csv, csv, [2, 3]),
            (Format::Json, json, [1, 2]),
            (Format::Ndjson, ndjson, [1, 3]),
        ] {
            let (rows, diags) = collect(format, text);
            assert!(diags.is_empty(), "{format:?}: {diags:?}");
            assert_eq!(
                rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
                expected_rows
            );
            assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), lines);
        }
    }

    #[test]
    fn csv_errors_are_located_and_reading_goes_on() {
        let (rows, diags) = collect(Format::Csv, "id,tags\nA1,x\nA2\nA3,\"q\"\n");
        assert_eq!(rows.len(), 2);
        let d: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            d,
            ["f:3:1: row on line 3 has 1 fields but the header has 2"]
        );
    }

    #[test]
    fn crlf_records_are_located_on_their_own_line() {
        let source =
            SourceFile::from_bytes("f".into(), "f".into(), b"id,level\r\nA1,3\r\nA2,x\r\n")
                .unwrap();
        let mut diags = Diagnostics::default();
        for_each_record(&source, Format::Csv, &mut diags, |r| {
            r.int("level", 1..=5);
        });
        let d: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(d, ["f:3:4: `level`: expected a whole number, found `x`"]);
    }

    #[test]
    fn csv_field_errors_point_at_the_column() {
        let source =
            SourceFile::from_bytes("f".into(), "f".into(), b"id,level\nA1,\"x\"\n").unwrap();
        let mut diags = Diagnostics::default();
        for_each_record(&source, Format::Csv, &mut diags, |r| {
            r.int("level", 1..=5);
        });
        let d: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(d, ["f:2:4: `level`: expected a whole number, found `x`"]);
    }

    #[test]
    fn json_errors_are_located_in_the_file() {
        let (_, diags) = collect(Format::Json, "[\n{\"id\": \"A1\"},\n{\"id\": }\n]");
        let d: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(d.len(), 1);
        assert!(d[0].starts_with("f:3:8: malformed JSON"), "{}", d[0]);

        let (rows, diags) = collect(Format::Ndjson, "{\"id\":\"A1\"}\n[1]\n{\"id\":\"A3\"}\n");
        assert_eq!(rows.len(), 2);
        let d: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert!(
            d[0].starts_with("f:2:1: expected a JSON object"),
            "{}",
            d[0]
        );
    }

    #[test]
    fn json_field_errors_point_at_the_value() {
        let source =
            SourceFile::from_bytes("f".into(), "f".into(), b"[{\"id\":\"A1\",\n \"level\": 9}]")
                .unwrap();
        let mut diags = Diagnostics::default();
        for_each_record(&source, Format::Json, &mut diags, |r| {
            r.int("level", 1..=5);
        });
        let d: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(d, ["f:2:11: `level`: 9 is out of range: expected 1 to 5"]);
    }

    #[test]
    fn attributes_are_typed_conservatively() {
        assert_eq!(infer_attr("yes"), Some(AttrValue::Bool(true)));
        assert_eq!(infer_attr("42"), Some(AttrValue::Int(42)));
        assert_eq!(infer_attr("-3"), Some(AttrValue::Int(-3)));
        assert_eq!(infer_attr("0.5"), Some(AttrValue::Float(0.5)));
        assert_eq!(infer_attr("007"), Some(AttrValue::Text("007".into())));
        assert_eq!(infer_attr("NaN"), Some(AttrValue::Text("NaN".into())));
        assert_eq!(infer_attr(""), None);
    }
}
