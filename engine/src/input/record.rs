//! One reader for every inventory kind and every format (CSV, JSON, NDJSON, workbooks).
//!
//! A file becomes a stream of [`Record`]s: named fields with their places in the file. The
//! header (or, for JSON, each key) is mapped to the model's fields once, with the file's
//! options ([`FileOptions`]: renamed columns, constants, value maps, date formats), and the
//! header's problems are reported once at the header (see [`super::mapping`]). Typed getters
//! convert a field (CSV text, a JSON value, a workbook cell) to what the model needs and
//! report a located diagnostic when they cannot, so the per-kind code reads the same for all
//! formats and a bad field never hides the problems in the fields after it.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::{Range, RangeInclusive};
use std::path::Path;

use chrono::NaiveDate;
use serde_json::value::RawValue;

use super::dates::{from_serial, parse_date};
use super::mapping::{
    Extras, FileOptions, HeaderMap, HeaderProblem, ProblemAt, Role, Schema, unknown_field,
};
use super::sniff::sniff_delimiter;
use super::source::SourceFile;
use super::workbook::{self, Cell, Sheet};
use crate::diag::{Diagnostic, Diagnostics, Level, Location, excerpt};
use crate::model::AttrValue;

/// The format of an input file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Ndjson,
    /// A sheet of a workbook (`.xlsx`, `.xlsm`, `.ods`).
    Workbook(workbook::Kind),
}

impl Format {
    /// The format of a path: `.csv`, `.json`, `.ndjson`/`.jsonl`, `.xlsx`/`.xlsm` or `.ods`.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "xlsx" | "xlsm" => Some(Format::Workbook(workbook::Kind::Xlsx)),
            "ods" => Some(Format::Workbook(workbook::Kind::Ods)),
            _ => None,
        }
    }

    /// Whether the format is text (read as UTF-8), not a binary workbook.
    pub fn is_text(self) -> bool {
        !matches!(self, Format::Workbook(_))
    }
}

/// A field value as the file spelled it.
#[derive(Debug, Clone, Copy)]
enum Raw<'a> {
    Text(&'a str),
    Json(&'a RawValue),
    Cell(&'a Cell),
    /// A value of `constants` in the manifest.
    Constant(&'a str),
}

/// Where a field's value stands.
#[derive(Debug, Clone)]
enum Place {
    /// The CSV column (0-based), whose offset is found when an error needs it.
    CsvColumn(usize),
    /// A byte offset in the file.
    Offset(usize),
    /// A worksheet cell, 0-based.
    Cell { row: u32, col: u32 },
    /// An option in the manifest.
    Manifest(Range<usize>),
}

#[derive(Debug)]
struct Field<'a> {
    name: Cow<'a, str>,
    raw: Raw<'a>,
    place: Place,
    role: Role,
}

/// Where a record starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    /// A byte offset of a text file.
    Offset(usize),
    /// A 0-based worksheet row.
    Row(u32),
}

/// What is read: a file, how, and as which kind.
pub struct Input<'a> {
    pub source: &'a SourceFile,
    pub format: Format,
    pub schema: Schema<'a>,
    pub options: &'a FileOptions,
    /// The sheet, read beforehand, of a workbook (whose source holds no text).
    pub sheet: Option<&'a Sheet>,
}

/// The parts of a record the reader shares with all records of a file.
struct Shared<'a> {
    source: &'a SourceFile,
    options: &'a FileOptions,
    /// Required fields reported missing at the header.
    missing: &'a [String],
    delimiter: u8,
    /// For a worksheet: the column (0-based) of each field's header, so that an empty cell
    /// is located where it is; the first header column otherwise.
    sheet_columns: Vec<(&'a str, u32)>,
}

impl<'a> Shared<'a> {
    /// For a JSON or NDJSON file: no header, so nothing missing at it and no columns.
    fn json(input: &Input<'a>) -> Self {
        Shared {
            source: input.source,
            options: input.options,
            missing: &[],
            delimiter: b',',
            sheet_columns: Vec::new(),
        }
    }
}

/// One record of an input file, with typed, located access to its fields.
pub struct Record<'a, 'd> {
    shared: &'a Shared<'a>,
    start: Start,
    fields: Vec<Field<'a>>,
    diags: &'d mut Diagnostics,
}

/// Reads every record of a file as it is (no options, no header checks) and hands each to
/// `each`; problems go to `diags`. Tables of the engine's own (the risk matrix) use it.
pub fn for_each_record(
    source: &SourceFile,
    format: Format,
    diags: &mut Diagnostics,
    each: impl FnMut(&mut Record<'_, '_>),
) {
    let options = FileOptions::default();
    let input = Input {
        source,
        format,
        schema: Schema::ANY,
        options: &options,
        sheet: None,
    };
    read_records(&input, diags, each);
}

/// Reads every record of `input` and hands each to `each`; problems go to `diags`.
pub fn read_records(
    input: &Input<'_>,
    diags: &mut Diagnostics,
    mut each: impl FnMut(&mut Record<'_, '_>),
) {
    match (input.format, input.sheet) {
        (Format::Csv, _) => read_csv(input, diags, &mut each),
        (Format::Json, _) => read_json(input, diags, &mut each),
        (Format::Ndjson, _) => read_ndjson(input, diags, &mut each),
        (Format::Workbook(_), Some(sheet)) => read_sheet(input, sheet, diags, &mut each),
        (Format::Workbook(_), None) => diags.push(input.source.error_at(
            "load::format",
            0,
            0,
            None,
            "the workbook was not read",
        )),
    }
}

/// Reports the header's problems at their places: `locate` places a column or the header.
fn report_header(
    input: &Input<'_>,
    problems: Vec<HeaderProblem>,
    diags: &mut Diagnostics,
    locate: impl Fn(&ProblemAt, &'static str, &str, Option<&str>) -> Diagnostic,
) {
    for p in problems {
        let mut d = match (&p.at, &input.options.manifest) {
            (ProblemAt::Manifest(span), Some(manifest)) => {
                manifest.error_at(p.code, span.start, span.len(), None, p.message)
            }
            (ProblemAt::Manifest(_), None) => locate(&ProblemAt::Header, p.code, &p.message, None),
            (at, _) => locate(at, p.code, &p.message, p.field.as_deref()),
        };
        if p.level == Level::Warning {
            d = d.warning();
        }
        if let Some(help) = p.help {
            d = d.with_help(help);
        }
        diags.push(d);
    }
}

/// The fields `constants` gives a record that lacks them.
fn add_constants<'a>(fields: &mut Vec<Field<'a>>, options: &'a FileOptions) {
    for c in &options.constants {
        if !fields
            .iter()
            .any(|f| f.name == c.field && f.role == Role::Field)
        {
            fields.push(Field {
                name: Cow::Borrowed(c.field.as_str()),
                raw: Raw::Constant(&c.value),
                place: Place::Manifest(c.span.clone()),
                role: Role::Field,
            });
        }
    }
}

/// A CSV file past its header: what every record shares, and where the records start.
struct CsvBody<'a> {
    shared: Shared<'a>,
    map: HeaderMap,
    columns: usize,
    /// Byte offset of the first record in the file's text.
    first: usize,
}

fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// Reads the header of a CSV file and reports its problems; `None` when the file has no
/// usable header (which is reported).
fn csv_header<'a>(input: &Input<'a>, diags: &mut Diagnostics) -> Option<CsvBody<'a>> {
    let source = input.source;
    let text = &*source.text;
    // Title rows above the header are skipped.
    let base = match input.options.header_row {
        Some(row) if row > 1 => source.line_offset(row),
        _ => 0,
    };
    let body = &text[base..];
    let delimiter = input
        .options
        .delimiter
        .unwrap_or_else(|| sniff_delimiter(body.lines().next().unwrap_or("")));
    let mut reader = csv_reader(body, delimiter);
    let mut header = csv::StringRecord::new();
    match reader.read_record(&mut header) {
        Ok(_) => {}
        Err(e) => {
            diags.push(csv_error(source, base, &e));
            return None;
        }
    }
    let headers: Vec<&str> = header.iter().collect();
    if headers.iter().all(|h| h.trim().is_empty()) {
        diags.push(source.error_at("load::csv", base, 0, None, "the CSV file has no header row"));
        return None;
    }
    let (map, problems) =
        HeaderMap::for_header(&headers, &input.schema, input.options, &source.display);
    let header_len = body.find('\n').unwrap_or(body.len());
    report_header(input, problems, diags, |at, code, message, field| {
        let (offset, len) = match at {
            ProblemAt::Column(i) => (
                csv_field_offset(text, base, *i, delimiter),
                headers.get(*i).map_or(0, |h| h.len()),
            ),
            _ => (base, header_len.min(200)),
        };
        source.error_at(code, offset, len, field, message.to_owned())
    });
    Some(CsvBody {
        shared: Shared {
            source,
            options: input.options,
            missing: &[],
            delimiter,
            sheet_columns: Vec::new(),
        },
        columns: headers.len(),
        map,
        first: base + reader.position().byte() as usize,
    })
}

impl CsvBody<'_> {
    /// Reads the records in `range` of the file's text (which starts and ends between
    /// records) and hands each to `each`.
    fn read(
        &self,
        range: Range<usize>,
        diags: &mut Diagnostics,
        each: &mut dyn FnMut(&mut Record<'_, '_>),
    ) {
        let shared = Shared {
            missing: &self.map.missing,
            sheet_columns: Vec::new(),
            ..self.shared
        };
        let source = shared.source;
        let text = &*source.text;
        let at = range.start;
        let mut reader = csv_reader(&text[range], shared.delimiter);
        let mut row = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut row) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    diags.push(csv_error(source, at, &e));
                    continue;
                }
            }
            // After a CRLF line end the csv crate places the next record at the `\n`, which
            // would put every location of the record at the end of the previous line.
            let bytes = text.as_bytes();
            let mut start = at + row.position().map_or(0, |p| p.byte() as usize);
            while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            if row.len() == 1 && row[0].trim().is_empty() {
                continue; // a blank line
            }
            if row.len() != self.columns {
                let (line, _) = source.line_col(start);
                diags.push(source.error_at(
                    "load::csv",
                    start,
                    0,
                    None,
                    format!(
                        "row on line {line} has {} fields but the header has {}",
                        row.len(),
                        self.columns
                    ),
                ));
                continue;
            }
            let mut fields: Vec<Field<'_>> = self
                .map
                .columns
                .iter()
                .zip(row.iter())
                .enumerate()
                .filter(|(_, ((name, role), _))| !name.is_empty() && *role != Role::Ignored)
                .map(|(column, ((name, role), value))| Field {
                    name: Cow::Borrowed(name.as_str()),
                    raw: Raw::Text(value),
                    place: Place::CsvColumn(column),
                    role: *role,
                })
                .collect();
            add_constants(&mut fields, shared.options);
            each(&mut Record {
                shared: &shared,
                start: Start::Offset(start),
                fields,
                diags,
            });
        }
    }

    /// The records split into runs of about `records` each: the offsets where runs start,
    /// then the end of the text. The csv crate finds the records (quotes may hold line
    /// breaks), so each run reads as it does within the whole file.
    fn runs(&self, records: usize) -> Vec<usize> {
        let text = &*self.shared.source.text;
        let mut reader = csv_reader(&text[self.first..], self.shared.delimiter);
        let mut record = csv::ByteRecord::new();
        let mut starts = vec![self.first];
        let mut count = 0usize;
        loop {
            let at = self.first + reader.position().byte() as usize;
            match reader.read_byte_record(&mut record) {
                Ok(true) => {
                    if count > 0 && count.is_multiple_of(records) {
                        starts.push(at);
                    }
                    count += 1;
                }
                Ok(false) => break,
                // Not expected of bytes read flexibly; one run reads it as a whole.
                Err(_) => {
                    starts.truncate(1);
                    break;
                }
            }
        }
        starts.push(text.len());
        starts
    }
}

fn read_csv(input: &Input<'_>, diags: &mut Diagnostics, each: &mut dyn FnMut(&mut Record<'_, '_>)) {
    if let Some(body) = csv_header(input, diags) {
        body.read(body.first..input.source.text.len(), diags, each);
    }
}

/// Records converted in parallel per run.
const RUN: usize = 1024;
/// Runs converted before their results are handed on: bounds what is held at once, the
/// diagnostics of a file with an error on every row included.
const RUNS_AT_ONCE: usize = 16;

/// Reads every record of `input` as [`read_records`] does, but converts them with `convert`
/// in parallel (a CSV file's records, in runs), then hands each result to `commit` in the
/// order of the records, with the diagnostics sink after the record's own problems are in
/// it: the diagnostics and results are those of reading the records one after the other.
/// Other formats are read one record after the other.
pub fn read_records_parallel<T: Send>(
    input: &Input<'_>,
    diags: &mut Diagnostics,
    convert: impl Fn(&mut Record<'_, '_>) -> T + Sync,
    mut commit: impl FnMut(T, &mut Diagnostics),
) {
    use rayon::prelude::*;
    if input.format != Format::Csv {
        return read_records(input, diags, |r| {
            let value = convert(r);
            commit(value, r.diags);
        });
    }
    let Some(body) = csv_header(input, diags) else {
        return;
    };
    let runs = body.runs(RUN);
    for group in runs.windows(2).collect::<Vec<_>>().chunks(RUNS_AT_ONCE) {
        let converted: Vec<(Vec<(T, usize)>, Diagnostics)> = group
            .par_iter()
            .map(|run| {
                let mut local = Diagnostics::unmerged();
                let mut values = Vec::new();
                body.read(run[0]..run[1], &mut local, &mut |r| {
                    let value = convert(r);
                    values.push((value, r.diags.len()));
                });
                (values, local)
            })
            .collect();
        for (values, local) in converted {
            let mut problems = local.into_iter().enumerate().peekable();
            for (value, end) in values {
                // The problems found before the record's end: outside records (a ragged
                // row) before it, then its own.
                while let Some((_, d)) = problems.next_if(|(i, _)| *i < end) {
                    diags.push(d);
                }
                commit(value, &mut *diags);
            }
            for (_, d) in problems {
                diags.push(d);
            }
        }
    }
}

fn csv_error(source: &SourceFile, base: usize, e: &csv::Error) -> Diagnostic {
    let offset = base + e.position().map_or(0, |p| p.byte() as usize);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        _ => format!("malformed CSV: {e}"),
    };
    source.error_at("load::csv", offset, 0, None, message)
}

/// Byte offset of field `index` of the CSV record that starts at `start`, honouring quotes.
fn csv_field_offset(text: &str, start: usize, index: usize, delimiter: u8) -> usize {
    let bytes = text.as_bytes();
    let mut pos = start;
    let mut field = 0;
    let mut quoted = false;
    while pos < bytes.len() && field < index {
        match bytes[pos] {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b if b == delimiter && !quoted => field += 1,
            _ => {}
        }
        pos += 1;
    }
    pos
}

fn read_sheet(
    input: &Input<'_>,
    sheet: &Sheet,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    let source = input.source;
    let cell_diag = |row: u32, col: u32, code: &'static str, message: &str, field: Option<&str>| {
        Diagnostic::error(code, message.to_owned()).at(
            Location::cell(
                source.display.clone(),
                row + 1,
                col + 1,
                field.map(str::to_owned),
            ),
            None,
        )
    };
    // The header: the given row, or the first row with a value.
    let header_at = match input.options.header_row {
        Some(row) => sheet.rows.iter().position(|(r, _)| *r + 1 == row),
        None => (!sheet.rows.is_empty()).then_some(0),
    };
    let Some(header_at) = header_at else {
        let row = input.options.header_row.unwrap_or(1).saturating_sub(1);
        diags.push(cell_diag(
            row,
            0,
            "load::csv",
            "the sheet has no header row",
            None,
        ));
        return;
    };
    let (header_row, header_cells) = &sheet.rows[header_at];
    let header_cols: Vec<u32> = header_cells.iter().map(|(c, _)| *c).collect();
    let headers: Vec<String> = header_cells.iter().map(|(_, c)| cell_text(c)).collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let (map, problems) =
        HeaderMap::for_header(&header_refs, &input.schema, input.options, &source.display);
    let first_col = header_cols.first().copied().unwrap_or(0);
    report_header(input, problems, diags, |at, code, message, field| {
        let col = match at {
            ProblemAt::Column(i) => header_cols.get(*i).copied().unwrap_or(first_col),
            _ => first_col,
        };
        cell_diag(*header_row, col, code, message, field)
    });
    let shared = Shared {
        source,
        options: input.options,
        missing: &map.missing,
        delimiter: b',',
        sheet_columns: map
            .columns
            .iter()
            .zip(&header_cols)
            .map(|((name, _), col)| (name.as_str(), *col))
            .collect(),
    };
    for (row, cells) in &sheet.rows[header_at + 1..] {
        let mut fields = Vec::with_capacity(cells.len());
        for (col, cell) in cells {
            // A value under no header is no field.
            let Ok(i) = header_cols.binary_search(col) else {
                continue;
            };
            let (name, role) = &map.columns[i];
            if name.is_empty() || *role == Role::Ignored {
                continue;
            }
            fields.push(Field {
                name: Cow::Borrowed(name.as_str()),
                raw: Raw::Cell(cell),
                place: Place::Cell {
                    row: *row,
                    col: *col,
                },
                role: *role,
            });
        }
        add_constants(&mut fields, input.options);
        each(&mut Record {
            shared: &shared,
            start: Start::Row(*row),
            fields,
            diags,
        });
    }
}

/// A cell as text: dates as `YYYY-MM-DD`, whole numbers without a decimal point.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.trim().to_owned(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Cell::Float(f) => f.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        Cell::DateTime(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
        Cell::Error(e) => e.clone(),
    }
}

/// Keys met in a JSON file: mapped by the options, unknown ones warned about once per file.
struct Keys<'a> {
    map: HeaderMap,
    schema: Schema<'a>,
    warned: BTreeSet<String>,
}

fn json_keys<'a>(input: &Input<'a>, diags: &mut Diagnostics) -> Keys<'a> {
    let (map, problems) = HeaderMap::for_keys(&input.schema, input.options);
    report_header(input, problems, diags, |_, code, message, field| {
        input.source.error_at(code, 0, 0, field, message.to_owned())
    });
    Keys {
        map,
        schema: input.schema,
        warned: BTreeSet::new(),
    }
}

fn read_json(
    input: &Input<'_>,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    let source = input.source;
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
    let mut keys = json_keys(input, diags);
    let shared = Shared::json(input);
    for item in items {
        let start = offset_in(source, item.get());
        json_record(&shared, &mut keys, start, item.get(), diags, each);
    }
}

fn read_ndjson(
    input: &Input<'_>,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    let source = input.source;
    let mut keys = json_keys(input, diags);
    let shared = Shared::json(input);
    let mut start = 0;
    for line in source.text.split_inclusive('\n') {
        let line_start = start;
        start += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            continue;
        }
        json_record(&shared, &mut keys, line_start, body, diags, each);
    }
}

/// Parses one JSON object whose text starts at byte `start` of the file.
fn json_record<'a>(
    shared: &'a Shared<'a>,
    keys: &mut Keys<'_>,
    start: usize,
    text: &'a str,
    diags: &mut Diagnostics,
    each: &mut dyn FnMut(&mut Record<'_, '_>),
) {
    // Field values borrow from the file text so that errors can point inside them.
    #[derive(serde::Deserialize)]
    struct Members<'a>(#[serde(borrow)] std::collections::BTreeMap<String, &'a RawValue>);
    let source = shared.source;
    let members = match serde_json::from_str::<Members<'_>>(text) {
        Ok(m) => m.0,
        Err(e) => {
            diags.push(json_error(source, start, &e, "expected a JSON object"));
            return;
        }
    };
    let mut fields = Vec::with_capacity(members.len());
    for (key, raw) in members {
        let offset = offset_in(source, raw.get());
        let (name, role) = keys.map.resolve(&key);
        if role == Role::Ignored {
            if keys.schema.extras == Extras::Ignored && keys.warned.insert(name.clone()) {
                let p = unknown_field(ProblemAt::Header, &name, keys.schema.fields);
                diags.push(
                    source
                        .error_at(p.code, offset, 0, Some(&name), p.message)
                        .warning(),
                );
            }
            continue;
        }
        fields.push(Field {
            name: Cow::Owned(name),
            raw: Raw::Json(raw),
            place: Place::Offset(offset),
            role,
        });
    }
    add_constants(&mut fields, shared.options);
    each(&mut Record {
        shared,
        start: Start::Offset(start),
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

/// A list written as text: a JSON array of strings (`["a","b"]`), or items separated by `;`
/// or `|`.
fn split_list(text: &str) -> Vec<String> {
    let trimmed = text.trim();
    if trimmed.starts_with('[')
        && let Ok(items) = serde_json::from_str::<Vec<String>>(trimmed)
    {
        return items
            .into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
    }
    trimmed
        .split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Where a field of a record stands: enough to report a problem found after the record is
/// read (a reference resolved once every record is in) without building a diagnostic for
/// each record that has none.
#[derive(Debug, Clone)]
pub struct Spot {
    start: Start,
    at: SpotAt,
    delimiter: u8,
}

#[derive(Debug, Clone)]
enum SpotAt {
    Field {
        place: Place,
        len: usize,
    },
    /// A constant of the file's options, in the manifest.
    Constant {
        span: Range<usize>,
        manifest: std::sync::Arc<SourceFile>,
    },
    /// The record's start; for a worksheet row, the column (0-based) of the field's header.
    Start(u32),
}

impl Spot {
    /// The diagnostic at this spot of `source` (the file the record was read from).
    pub fn diagnostic(
        &self,
        source: &SourceFile,
        code: &'static str,
        name: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        let message = message.into();
        let cell = |row: u32, col: u32, message: String| {
            Diagnostic::error(code, message).at(
                Location::cell(
                    source.display.clone(),
                    row + 1,
                    col + 1,
                    Some(name.to_owned()),
                ),
                None,
            )
        };
        let record_start = match self.start {
            Start::Offset(o) => o,
            Start::Row(_) => 0,
        };
        match (&self.at, self.start) {
            (SpotAt::Field { place, len }, _) => match place {
                Place::CsvColumn(column) => {
                    let offset =
                        csv_field_offset(&source.text, record_start, *column, self.delimiter);
                    source.error_at(code, offset, *len, Some(name), message)
                }
                Place::Offset(offset) => source.error_at(code, *offset, *len, Some(name), message),
                Place::Cell { row, col } => cell(*row, *col, message),
                // `spot` makes a constant's place a `Constant`.
                Place::Manifest(_) => source.error_at(code, record_start, 0, Some(name), message),
            },
            (SpotAt::Constant { span, manifest }, _) => manifest.error_at(
                code,
                span.start,
                span.len(),
                Some(name),
                format!("{message} (the constant given for every record)"),
            ),
            (SpotAt::Start(_), Start::Offset(o)) => {
                source.error_at(code, o, 0, Some(name), message)
            }
            (SpotAt::Start(col), Start::Row(row)) => cell(row, *col, message),
        }
    }
}

impl<'a> Record<'a, '_> {
    fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name == name && f.role == Role::Field)
    }

    /// A field or attribute of that name, for locating a problem.
    fn place_of(&self, name: &str) -> Option<&Field<'a>> {
        self.field(name)
            .or_else(|| self.fields.iter().find(|f| f.name == name))
    }

    /// Where the field `name` stands (the record's start when it has no such field), for a
    /// problem judged after the record is read.
    pub fn spot(&self, name: &str) -> Spot {
        let start = self.start;
        let sheet_column = || {
            let columns = &self.shared.sheet_columns;
            columns
                .iter()
                .find(|(n, _)| *n == name)
                .or(columns.first())
                .map_or(0, |(_, c)| *c)
        };
        let at = match self.place_of(name) {
            Some(Field {
                place: Place::Manifest(span),
                ..
            }) => match &self.shared.options.manifest {
                Some(manifest) => SpotAt::Constant {
                    span: span.clone(),
                    manifest: std::sync::Arc::clone(manifest),
                },
                None => SpotAt::Start(sheet_column()),
            },
            Some(f) => SpotAt::Field {
                place: f.place.clone(),
                len: Self::field_len(f),
            },
            None => SpotAt::Start(sheet_column()),
        };
        Spot {
            start,
            at,
            delimiter: self.shared.delimiter,
        }
    }

    fn field_len(field: &Field<'a>) -> usize {
        match field.raw {
            Raw::Text(t) | Raw::Constant(t) => t.len(),
            Raw::Json(r) => r.get().len(),
            Raw::Cell(_) => 0,
        }
    }

    /// Reports a problem with a field (or with the record when the field is absent).
    pub fn error(&mut self, code: &'static str, name: &str, message: impl Into<String>) {
        let d = self.diagnostic(code, name, message);
        self.diags.push(d);
    }

    /// Reports that a field every record needs is absent, unless the whole column is missing
    /// and was reported once at the header.
    pub fn missing(&mut self, name: &str, message: impl Into<String>) {
        if !self.shared.missing.iter().any(|m| m == name) {
            self.error("load::missing-field", name, message);
        }
    }

    /// How many errors were reported so far, each repeat counted (to tell a record that
    /// failed).
    pub fn error_count(&self) -> usize {
        self.diags.error_count()
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
        self.spot(name)
            .diagnostic(self.shared.source, code, name, message)
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
        let Some(field) = self.place_of(name) else {
            return self.diagnostic(code, name, message);
        };
        let source = self.shared.source;
        let start = match (&field.place, self.start) {
            (Place::CsvColumn(column), Start::Offset(o)) => {
                csv_field_offset(&source.text, o, *column, self.shared.delimiter)
            }
            (Place::Offset(offset), _) => *offset,
            _ => return self.diagnostic(code, name, message),
        };
        let raw = &source.text[start.min(source.text.len())..];
        let json = matches!(field.raw, Raw::Json(_));
        let offset = start + raw_offset(raw, inner, json);
        source.error_at(code, offset, len, Some(name), message)
    }

    /// Whether the record has the field at all (its column exists), empty or not.
    pub fn has(&self, name: &str) -> bool {
        self.field(name).is_some()
    }

    /// The line the record starts on (for a worksheet: its row).
    pub fn line(&self) -> u32 {
        match self.start {
            Start::Offset(o) => self.shared.source.line_col(o).0,
            Start::Row(row) => row + 1,
        }
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

    /// The text of a field as written, before value maps; `None` when absent or unreadable.
    fn raw_text(&mut self, name: &str) -> Option<String> {
        let raw = self.field(name)?.raw;
        let text = match raw {
            Raw::Text(t) | Raw::Constant(t) => t.trim().to_owned(),
            Raw::Cell(Cell::Error(e)) => {
                let e = e.clone();
                self.error(
                    "load::type",
                    name,
                    format!("the cell holds the error value {e}"),
                );
                return None;
            }
            Raw::Cell(cell) => cell_text(cell),
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

    /// A value translated by the file's value maps for `name`.
    fn mapped(&self, name: &str, text: String) -> String {
        if self.shared.options.values.is_empty() {
            return text;
        }
        let mapped = self.shared.options.map_value(name, &text);
        if mapped == text {
            text
        } else {
            mapped.to_owned()
        }
    }

    /// Optional text; empty text counts as absent.
    pub fn text(&mut self, name: &str) -> Option<String> {
        let text = self.raw_text(name)?;
        Some(self.mapped(name, text))
    }

    /// Required text: absence is an error (once at the header when the column is missing).
    pub fn required(&mut self, name: &str) -> Option<String> {
        let value = self.text(name);
        if value.is_none() {
            self.missing(name, format!("`{name}` is required"));
        }
        value
    }

    /// A list, in every form the README documents: a JSON array of strings (in a JSON file,
    /// or as text in a CSV field or cell), or text separated by `;` or `|`.
    pub fn list(&mut self, name: &str) -> Vec<String> {
        let Some(field) = self.field(name) else {
            return Vec::new();
        };
        let items = match field.raw {
            Raw::Text(t) | Raw::Constant(t) => split_list(t),
            Raw::Cell(Cell::Text(t)) => split_list(t),
            Raw::Cell(_) => self.raw_text(name).into_iter().collect(),
            Raw::Json(r) => match self.json(name, r) {
                None | Some(JsonValue::Null) => Vec::new(),
                Some(JsonValue::Text(s)) => split_list(&s),
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
        };
        items.into_iter().map(|i| self.mapped(name, i)).collect()
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

    /// An optional date: `YYYY-MM-DD` (also at midnight, as Excel writes dates to CSV), a
    /// workbook's date cell or serial, or one of the file's `date_formats`.
    pub fn date(&mut self, name: &str) -> Option<NaiveDate> {
        let cell = match self.field(name)?.raw {
            Raw::Cell(cell) => Some(cell),
            _ => None,
        };
        match cell {
            Some(Cell::Date(d)) => return Some(*d),
            Some(Cell::DateTime(dt)) => {
                let dt = *dt;
                self.error(
                    "load::type",
                    name,
                    format!("expected a date, found the date and time {dt}"),
                );
                return None;
            }
            Some(Cell::Int(serial)) => {
                if let Some(d) = from_serial(*serial as f64) {
                    return Some(d);
                }
            }
            Some(Cell::Float(serial)) => {
                if let Some(d) = from_serial(*serial) {
                    return Some(d);
                }
            }
            _ => {}
        }
        let text = self.text(name)?;
        match parse_date(&text, &self.shared.options.date_formats) {
            Some(d) => Some(d),
            None => {
                let entry = &self.shared.options.entry;
                let d = self
                    .diagnostic(
                        "load::type",
                        name,
                        format!("expected a date as YYYY-MM-DD, found `{}`", excerpt(&text)),
                    )
                    .with_help(format!(
                        "write dates as YYYY-MM-DD, or declare this file's format in isms.toml: [files.\"{entry}\"] date_formats = [\"%d.%m.%Y\"] (strftime)"
                    ));
                self.diags.push(d);
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
            let entry = &self.shared.options.entry;
            let d = self
                .diagnostic(
                    "load::value",
                    name,
                    format!(
                        "unknown value `{}`: expected one of {}",
                        excerpt(&text),
                        expected()
                    ),
                )
                .with_help(format!(
                    "to translate the export's values, add to isms.toml:\n[files.\"{entry}\".values.{name}]\n\"{}\" = \"...\"",
                    excerpt(&text).replace('"', "\\\"")
                ));
            self.diags.push(d);
        }
        value
    }

    /// The free attributes of the record: the columns kept as attributes, and (for tables
    /// read without a schema) every field not in `known`, typed.
    pub fn extras(&mut self, known: &[&str]) -> Vec<(String, AttrValue)> {
        let picked: Vec<(String, Raw<'a>)> = self
            .fields
            .iter()
            .filter(|f| {
                f.role == Role::Attribute
                    || (f.role == Role::Field && !known.contains(&f.name.as_ref()))
            })
            .map(|f| (f.name.to_string(), f.raw))
            .collect();
        let mut out = Vec::new();
        for (name, raw) in picked {
            let value = match raw {
                Raw::Text(t) | Raw::Constant(t) => infer_attr(t.trim()),
                Raw::Cell(cell) => match cell {
                    Cell::Int(i) => Some(AttrValue::Int(*i)),
                    Cell::Float(f) if f.is_finite() => Some(AttrValue::Float(*f)),
                    Cell::Bool(b) => Some(AttrValue::Bool(*b)),
                    other => infer_attr(&cell_text(other)),
                },
                Raw::Json(r) => match self.json(&name, r) {
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
            };
            if let Some(v) = value {
                out.push((name, v));
            }
        }
        out
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

    /// A CSV file read in parallel runs gives the results and diagnostics of reading it
    /// record after record: problems on many rows (merged, and past the bound per code),
    /// ragged and blank rows, quoted line breaks, CRLF ends and a check made after each record
    /// (a duplicate id) that must land between the records' own problems.
    #[test]
    fn parallel_reading_is_sequential_reading() {
        let mut text = String::from("id,level,note\r\n");
        for i in 0..(3 * RUN * RUNS_AT_ONCE / 2 + 17) {
            match i % 97 {
                0 => text.push_str("\r\n"),
                1 => text.push_str(&format!("R{i},1\r\n")),
                2 => text.push_str(&format!("R{i},2,\"two\r\nlines, quoted\"\r\n")),
                3 if i > 5 => text.push_str(&format!("R{},L{i},duplicate\r\n", i - 5)),
                _ => text.push_str(&format!("R{i},{},x\r\n", i % 9)),
            }
        }
        let source =
            SourceFile::from_bytes("f.csv".into(), "f.csv".into(), text.as_bytes()).unwrap();
        let options = FileOptions::default();
        let input = Input {
            source: &source,
            format: Format::Csv,
            schema: Schema::ANY,
            options: &options,
            sheet: None,
        };
        let convert = |r: &mut Record<'_, '_>| {
            let level = r.level("level", 5);
            let spot = r.spot("id");
            (r.required("id"), level, r.line(), spot)
        };
        let commit = |seen: &mut std::collections::HashSet<String>,
                      out: &mut Vec<(Option<String>, Option<u8>, u32)>,
                      (id, level, line, spot): (Option<String>, Option<u8>, u32, Spot),
                      diags: &mut Diagnostics| {
            if let Some(id) = &id
                && !seen.insert(id.clone())
            {
                diags.push(spot.diagnostic(
                    &source,
                    "load::duplicate-id",
                    "id",
                    format!("duplicate `{id}`"),
                ));
            }
            out.push((id, level, line));
        };
        let (mut seen, mut one_by_one, mut expected) =
            (Default::default(), Vec::new(), Diagnostics::default());
        read_records(&input, &mut expected, |r| {
            let value = convert(r);
            commit(&mut seen, &mut one_by_one, value, r.diags);
        });
        let (mut seen, mut parallel, mut got) =
            (Default::default(), Vec::new(), Diagnostics::default());
        read_records_parallel(&input, &mut got, convert, |value, diags| {
            commit(&mut seen, &mut parallel, value, diags)
        });
        assert!(one_by_one.len() > 2 * RUN && expected.error_count() > 1000);
        assert_eq!(parallel, one_by_one);
        let show = |d: &Diagnostics| d.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>();
        assert_eq!(show(&got), show(&expected));
        assert_eq!(got.error_count(), expected.error_count());
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

    const ASSETS: Schema<'static> = Schema {
        fields: &["id", "name", "type", "owner", "due", "tags"],
        required: &["id", "type"],
        extras: Extras::Attributes,
    };

    /// Reads `text` as assets with `options`; returns (id, type, owner, due, tags, attributes)
    /// per record and the diagnostics as text.
    fn read_with(
        format: Format,
        text: &str,
        options: &FileOptions,
        sheet: Option<&Sheet>,
    ) -> (Vec<Vec<String>>, Vec<String>) {
        let source = match sheet {
            Some(_) => SourceFile::binary("b.xlsx".into(), "b.xlsx!S".into(), b""),
            None => SourceFile::from_bytes("f".into(), "f".into(), text.as_bytes()).unwrap(),
        };
        let input = Input {
            source: &source,
            format,
            schema: ASSETS,
            options,
            sheet,
        };
        let mut diags = Diagnostics::default();
        let mut rows = Vec::new();
        read_records(&input, &mut diags, |r| {
            let mut row = vec![
                r.required("id").unwrap_or_default(),
                r.text("type").unwrap_or_default(),
                r.text("owner").unwrap_or_default(),
                r.date("due").map(|d| d.to_string()).unwrap_or_default(),
                r.list("tags").join("+"),
            ];
            for (name, value) in r.extras(ASSETS.fields) {
                row.push(format!("{name}={value:?}"));
            }
            rows.push(row);
        });
        (rows, diags.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn excel_csv_with_semicolons_title_rows_and_own_headers_reads_with_options() {
        use crate::input::mapping::{Constant, Mapped, ValueMap};
        let text = "Export of 2026-10-30;;;\n\nAsset ID;Owned By;Due;Type;Tags\n\
                    A1;IT;31.12.2026;Latitude;[\"a\",\"b\"]\nA2;Ops;2026-12-31 00:00:00;X1;c|d\n";
        let span = 0..0;
        let options = FileOptions {
            columns: vec![
                Mapped {
                    name: "id".into(),
                    header: "Asset ID".into(),
                    span: span.clone(),
                },
                Mapped {
                    name: "owner".into(),
                    header: "owned by".into(),
                    span: span.clone(),
                },
            ],
            attributes: vec![Mapped {
                name: "model".into(),
                header: "Type".into(),
                span: span.clone(),
            }],
            constants: vec![Constant {
                field: "type".into(),
                value: "hardware".into(),
                span: span.clone(),
            }],
            values: vec![ValueMap {
                field: "owner".into(),
                from: "Ops".into(),
                to: "Operations".into(),
                span,
            }],
            date_formats: vec!["%d.%m.%Y".into()],
            header_row: Some(3),
            ..FileOptions::default()
        };
        let (rows, diags) = read_with(Format::Csv, text, &options, None);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            rows,
            [
                [
                    "A1",
                    "hardware",
                    "IT",
                    "2026-12-31",
                    "a+b",
                    "model=Text(\"Latitude\")"
                ],
                [
                    "A2",
                    "hardware",
                    "Operations",
                    "2026-12-31",
                    "c+d",
                    "model=Text(\"X1\")"
                ],
            ]
        );
    }

    #[test]
    fn a_missing_column_is_reported_once_at_the_header() {
        let text = "Asset ID,type\nA1,hardware\nA2,hardware\nA3,hardware\n";
        let (rows, diags) = read_with(Format::Csv, text, &FileOptions::default(), None);
        assert_eq!(rows.len(), 3);
        assert_eq!(diags, ["f:1:1: `id`: the required column `id` is missing"]);
    }

    #[test]
    fn bad_dates_are_located_with_advice() {
        let text = "id,type,due\nA1,hardware,31/12/2026\n";
        let source = SourceFile::from_bytes("f".into(), "f".into(), text.as_bytes()).unwrap();
        let options = FileOptions {
            entry: "f.csv".into(),
            ..FileOptions::default()
        };
        let input = Input {
            source: &source,
            format: Format::Csv,
            schema: ASSETS,
            options: &options,
            sheet: None,
        };
        let mut diags = Diagnostics::default();
        read_records(&input, &mut diags, |r| {
            r.date("due");
        });
        let d = diags.iter().next().unwrap();
        assert_eq!(
            d.to_string(),
            "f:2:13: `due`: expected a date as YYYY-MM-DD, found `31/12/2026`"
        );
        assert!(
            d.help
                .as_deref()
                .unwrap()
                .contains("[files.\"f.csv\"] date_formats"),
            "{d:?}"
        );
    }

    #[test]
    fn workbook_cells_are_typed_and_problems_located_at_the_cell() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let sheet = Sheet {
            name: "S".into(),
            rows: vec![
                (
                    1,
                    vec![
                        (1, Cell::Text("ID".into())),
                        (2, Cell::Text("Type".into())),
                        (3, Cell::Text("Due".into())),
                        (4, Cell::Text("Rack".into())),
                    ],
                ),
                (
                    2,
                    vec![
                        (1, Cell::Text("A1".into())),
                        (2, Cell::Text("hardware".into())),
                        (3, Cell::Date(date)),
                        (4, Cell::Int(7)),
                    ],
                ),
                (
                    4,
                    vec![
                        (1, Cell::Float(2.0)),
                        (2, Cell::Text("hardware".into())),
                        (3, Cell::Float(46387.0)),
                        (4, Cell::Bool(true)),
                    ],
                ),
                (
                    5,
                    vec![
                        (2, Cell::Text("hardware".into())),
                        (3, Cell::Text("soon".into())),
                    ],
                ),
            ],
        };
        let (rows, diags) = read_with(
            Format::Workbook(workbook::Kind::Xlsx),
            "",
            &FileOptions::default(),
            Some(&sheet),
        );
        assert_eq!(rows[0][..4], ["A1", "hardware", "", "2026-12-31"]);
        assert_eq!(rows[0][5], "rack=Int(7)");
        assert_eq!(rows[1][..4], ["2", "hardware", "", "2026-12-31"]);
        assert_eq!(rows[1][5], "rack=Bool(true)");
        assert_eq!(
            diags,
            [
                "b.xlsx!S:B6: `id`: `id` is required",
                "b.xlsx!S:D6: `due`: expected a date as YYYY-MM-DD, found `soon`",
            ]
        );
    }
}
