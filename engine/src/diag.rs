//! Located problems found in a workspace's files.
//!
//! A loader collects every problem it can find in one pass rather than stopping at the first,
//! and each carries the file, line and column (and the CSV column name or JSON key) so that a
//! user can fix a whole export at once. Diagnostics implement [`miette::Diagnostic`], so the CLI
//! renders them with the source line underlined; the engine itself never prints.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};
use serde::{Deserialize, Serialize};

/// How bad a diagnostic is: errors stop the run, warnings are shown and the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The workspace cannot be evaluated until it is fixed.
    Error,
    /// Worth fixing, but the run goes on (an unknown column, say).
    Warning,
}

/// A point in a source file, with the span to underline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The path as the user should read it (relative to the workspace when inside it).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The CSV column name or JSON key concerned, when there is one.
    pub field: Option<String>,
    /// Whether the place is a worksheet cell (`file` is then `book.xlsx!Sheet`, `line` the
    /// row and `column` the column), written the way spreadsheets name cells: `book.xlsx!Sheet:B17`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cell: bool,
    /// Byte offset and length in the file, for the underline.
    #[serde(skip)]
    pub span: (usize, usize),
}

impl Location {
    /// A worksheet cell: 1-based row and column of the sheet `file` (`book.xlsx!Sheet`).
    pub fn cell(file: String, row: u32, column: u32, field: Option<String>) -> Location {
        Location {
            file,
            line: row,
            column,
            field,
            cell: true,
            span: (0, 0),
        }
    }

    /// The short form of the place within its file: the line, or the cell (`B17`).
    pub fn short(&self) -> String {
        if self.cell {
            format!("{}{}", column_letters(self.column), self.line)
        } else {
            self.line.to_string()
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.cell {
            write!(f, "{}:{}", self.file, self.short())
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// A spreadsheet's name of a 1-based column: 1 is `A`, 27 is `AA`.
pub fn column_letters(mut column: u32) -> String {
    let mut letters = Vec::new();
    while column > 0 {
        let rem = (column - 1) % 26;
        letters.push(b'A' + rem as u8);
        column = (column - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Where a record stands: its file and line. Written `file:line` in reports (one string, so
/// that a spreadsheet cell or a terminal link opens it), typed here.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordLocation {
    /// The path as the user should read it (relative to the workspace when inside it).
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

impl fmt::Display for RecordLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

impl std::str::FromStr for RecordLocation {
    type Err = String;

    /// Reads `file:line`; the file may itself contain `:` (a Windows drive, a URL).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (file, line) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("`{}` is not `file:line`", excerpt(text)))?;
        let line = line
            .parse()
            .map_err(|_| format!("`{}` does not end with a line number", excerpt(text)))?;
        Ok(RecordLocation {
            file: file.to_owned(),
            line,
        })
    }
}

impl Serialize for RecordLocation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecordLocation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for RecordLocation {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RecordLocation".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`file:line` of a record.",
            "type": "string",
            "pattern": "^.*:[0-9]+$"
        })
    }
}

/// Longest diagnostic message kept whole, in bytes.
pub const MAX_MESSAGE: usize = 2000;

/// Shortens a message longer than [`MAX_MESSAGE`] to its start and end.
fn cut_middle(message: String) -> String {
    if message.len() <= MAX_MESSAGE {
        return message;
    }
    let head = floor_boundary(&message, MAX_MESSAGE / 2);
    let tail = ceil_boundary(&message, message.len() - MAX_MESSAGE / 4);
    format!(
        "{} [... {} bytes cut ...] {}",
        &message[..head],
        tail - head,
        &message[tail..]
    )
}

/// A value quoted in a message: at most 80 characters of it, marked when cut.
pub fn excerpt(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(80) {
        None => value.into(),
        Some((at, _)) => format!("{}... ({} bytes)", &value[..at], value.len()).into(),
    }
}

/// One problem in the workspace.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable code, e.g. `load::unknown-reference`, for scripts and documentation.
    pub code: &'static str,
    /// Whether it stops the run.
    pub level: Level,
    /// What is wrong, in a sentence (cut in the middle past [`MAX_MESSAGE`] bytes).
    pub message: String,
    /// How to fix it, when the engine can say.
    pub help: Option<String>,
    /// Where in which file; `None` for a problem of the workspace as a whole.
    pub location: Option<Location>,
    /// How many problems this diagnostic stands for: the same problem on many rows is
    /// reported once (see [`Diagnostics::push`]), so that a bad export prints a screenful.
    pub occurrences: usize,
    /// Where else the same problem was found (lines, or cells such as `B17`), the first few.
    pub also_at: Vec<String>,
    /// Whether this is the "and K more" of a file and code (see [`Diagnostics`]).
    is_more: bool,
    source: Option<Snippet>,
}

impl Diagnostic {
    /// An error not tied to a place in a file (a missing file, an unreadable directory).
    ///
    /// A message longer than [`MAX_MESSAGE`] bytes (one that quotes a multi-megabyte field)
    /// is cut in the middle.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            level: Level::Error,
            message: cut_middle(message.into()),
            help: None,
            location: None,
            occurrences: 1,
            also_at: Vec::new(),
            is_more: false,
            source: None,
        }
    }

    /// Turns the diagnostic into a warning.
    pub fn warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }

    /// Adds advice on how to fix the problem.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Places the diagnostic in a file; `text` lets renderers show the offending line.
    pub fn at(mut self, location: Location, text: Option<Arc<str>>) -> Self {
        self.source = text.map(|text| Snippet {
            name: location.file.clone(),
            line: location.line,
            text,
        });
        self.location = Some(location);
        self
    }

    /// Whether this diagnostic stops the run.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
            if let Some(field) = &loc.field {
                write!(f, "`{field}`: ")?;
            }
        }
        f.write_str(&self.message)?;
        if self.occurrences > 1 && !self.is_more {
            let what = if self.location.as_ref().is_some_and(|l| l.cell) {
                "cells"
            } else {
                "lines"
            };
            let more = self.occurrences - 1;
            if self.also_at.is_empty() {
                write!(f, " ({} times)", self.occurrences)?;
            } else if more > self.also_at.len() {
                write!(
                    f,
                    " (also at {what} {} and {} more)",
                    self.also_at.join(", "),
                    more - self.also_at.len()
                )?;
            } else {
                write!(f, " (also at {what} {})", self.also_at.join(", "))?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let loc = self.location.as_ref()?;
        self.source.as_ref()?;
        let source = self.source.as_ref()?;
        let label = loc.field.as_ref().map(|f| format!("here ({f})"));
        let (offset, len) = source.clip(loc.span);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            label, offset, len,
        ))))
    }
}

/// The text a diagnostic shows, clipped around the span when its line is long: a minified
/// JSON file or a multi-megabyte field must not print megabytes, and miette cannot draw an
/// underline past column 65,535 (it panics).
#[derive(Debug, Clone)]
struct Snippet {
    name: String,
    /// 1-based line of the span's start (0 when unknown), so that the window around it is
    /// found without counting lines from the start of the file: thousands of diagnostics in
    /// one large file would otherwise take quadratic time to render.
    line: u32,
    text: Arc<str>,
}

/// Text shown either side of the span on a long line, in bytes.
const CLIP_MARGIN: usize = 80;
/// Longest underlined span, in bytes.
const CLIP_SPAN: usize = 120;
/// Context larger than this is replaced by the clipped window of the span's own line.
const CLIP_CONTEXT: usize = 1000;

impl Snippet {
    /// The span kept within its first line and [`CLIP_SPAN`] bytes, on character boundaries.
    fn clip(&self, (offset, len): (usize, usize)) -> (usize, usize) {
        let text = &*self.text;
        let offset = floor_boundary(text, offset.min(text.len()));
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let end = floor_boundary(text, (offset + len.min(CLIP_SPAN)).min(line_end));
        (offset, end - offset)
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &'a str = &self.text;
        let offset = floor_boundary(text, span.offset().min(text.len()));
        let span_line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        // 0-based line of the span: from the location, or counted when it is unknown.
        let span_line = match self.line {
            0 => text[..span_line_start].matches('\n').count(),
            line => line as usize - 1,
        };
        let span_end = floor_boundary(text, (offset + span.len()).min(text.len()));
        if before == 0 && after == 0 {
            // The span alone (renderers read its line and column from this).
            let column = text[span_line_start..offset].chars().count();
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &text.as_bytes()[offset..span_end],
                (offset, span_end - offset).into(),
                span_line,
                column,
                text[offset..span_end].matches('\n').count() + 1,
            )));
        }
        // The window: `before` lines above the span's line, `after` lines below its end.
        let mut start = span_line_start;
        let mut lines_above = 0;
        while lines_above < before && start > 0 {
            start = text[..start - 1].rfind('\n').map_or(0, |i| i + 1);
            lines_above += 1;
        }
        let mut end = text[span_end..]
            .find('\n')
            .map_or(text.len(), |i| span_end + i);
        for _ in 0..after {
            if end >= text.len() {
                break;
            }
            end = text[end + 1..]
                .find('\n')
                .map_or(text.len(), |i| end + 1 + i);
        }
        if end - start <= CLIP_CONTEXT {
            let line_count = text[start..end].matches('\n').count() + 1;
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                &text.as_bytes()[start..end],
                (start, end - start).into(),
                span_line - lines_above,
                0,
                line_count,
            )));
        }
        // Only the span's own line, from a little before the span to a little after it.
        let (offset, len) = self.clip((offset, span.len()));
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let start = ceil_boundary(
            text,
            offset.saturating_sub(CLIP_MARGIN).max(span_line_start),
        );
        let end = floor_boundary(text, (offset + len + CLIP_MARGIN).min(line_end));
        let column = text[span_line_start..start].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[start..end],
            (start, end - start).into(),
            span_line,
            column,
            1,
        )))
    }
}

/// Most diagnostics kept per file and code; the rest are counted in one "and K more".
pub const MAX_PER_CODE: usize = 20;
/// Places listed for a problem found at many places.
const ALSO_AT_SHOWN: usize = 5;

/// The problems a load found: empty, warnings only, or with errors.
///
/// Bounded whatever the input: the same problem (file, code, field, message) found on many
/// rows is kept once with the count and the first places, and past [`MAX_PER_CODE`]
/// diagnostics of one code in one file the rest are counted in a single "and K more", so that
/// a 50,000-row export with one renamed column prints a screenful, not megabytes.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    /// Boxed: load results carry diagnostics, and should stay small to move.
    merge: Box<Merge>,
    errors: usize,
    warnings: usize,
    /// Kept as pushed, to be replayed into a merging list (see [`Diagnostics::unmerged`]).
    unmerged: bool,
}

/// What [`Diagnostics`] merges and counts by.
#[derive(Debug, Clone, Default)]
struct Merge {
    /// (file, code, field, message, level) -> index in the list, for repeats.
    seen: std::collections::HashMap<(String, &'static str, Option<String>, String, Level), usize>,
    /// (file, code) -> diagnostics kept, and the index of the "and K more" one once made.
    per_code: std::collections::HashMap<(String, &'static str), (usize, Option<usize>)>,
}

impl Diagnostics {
    /// A list that keeps every problem as pushed, neither merged nor bounded: records read
    /// in parallel each note their problems in one, and the lists are then pushed, in the
    /// order of the records, into the merging list of the file (by iterating it), which
    /// then holds what reading them one after the other gives.
    pub(crate) fn unmerged() -> Self {
        Diagnostics {
            unmerged: true,
            ..Diagnostics::default()
        }
    }

    /// Records a problem (merged into an earlier one when it repeats it, see above).
    pub fn push(&mut self, d: Diagnostic) {
        match d.level {
            Level::Error => self.errors += d.occurrences,
            Level::Warning => self.warnings += d.occurrences,
        }
        if self.unmerged {
            self.list.push(d);
            return;
        }
        let Some(loc) = &d.location else {
            self.list.push(d);
            return;
        };
        let key = (
            loc.file.clone(),
            d.code,
            loc.field.clone(),
            d.message.clone(),
            d.level,
        );
        if let Some(&i) = self.merge.seen.get(&key) {
            let first = &mut self.list[i];
            first.occurrences += d.occurrences;
            let place = loc.short();
            let first_place = first.location.as_ref().map(Location::short);
            if first.also_at.len() < ALSO_AT_SHOWN
                && first_place.as_ref() != Some(&place)
                && !first.also_at.contains(&place)
            {
                first.also_at.push(place);
            }
            return;
        }
        let count = self
            .merge
            .per_code
            .entry((loc.file.clone(), d.code))
            .or_insert((0, None));
        if count.0 < MAX_PER_CODE {
            count.0 += 1;
            self.merge.seen.insert(key, self.list.len());
            self.list.push(d);
            return;
        }
        match count.1 {
            Some(i) => {
                let more = &mut self.list[i];
                more.occurrences += d.occurrences;
                more.message = more_message(d.code, &loc.file, more.occurrences);
                if d.level == Level::Error {
                    more.level = Level::Error;
                }
            }
            None => {
                count.1 = Some(self.list.len());
                let mut location = loc.clone();
                location.field = None;
                let mut more =
                    Diagnostic::error(d.code, more_message(d.code, &loc.file, d.occurrences))
                        .with_help("fix the problems shown and run again to see the rest");
                more.level = d.level;
                more.occurrences = d.occurrences;
                more.is_more = true;
                more.location = Some(location);
                self.list.push(more);
            }
        }
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// How many errors were found, each repeat of a merged one counted.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// How many warnings were found, each repeat of a merged one counted.
    pub fn warning_count(&self) -> usize {
        self.warnings
    }

    /// All problems in the order found (files in manifest order, then position).
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.list.iter()
    }

    /// How many diagnostics are held (a merged repeat and an "and K more" count once).
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether no problem at all was found.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Orders the diagnostics (stable), keeping their counts.
    pub fn sort_by_key<K: Ord>(&mut self, key: impl FnMut(&Diagnostic) -> K) {
        self.list.sort_by_key(key);
        // The indices into the list moved with it.
        self.merge.seen.clear();
        for count in self.merge.per_code.values_mut() {
            count.1 = None;
        }
        for (i, d) in self.list.iter().enumerate() {
            let Some(loc) = &d.location else { continue };
            if d.is_more {
                if let Some(count) = self.merge.per_code.get_mut(&(loc.file.clone(), d.code)) {
                    count.1 = Some(i);
                }
            } else {
                let key = (
                    loc.file.clone(),
                    d.code,
                    loc.field.clone(),
                    d.message.clone(),
                    d.level,
                );
                self.merge.seen.insert(key, i);
            }
        }
    }
}

/// The message of the diagnostic that stands for those past [`MAX_PER_CODE`].
fn more_message(code: &str, file: &str, more: usize) -> String {
    format!("and {more} more `{code}` problem(s) in {file} not shown (the first of them is here)")
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.into_iter()
    }
}

/// A workspace that could not be loaded, with everything that is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("the workspace has {} error(s)", .diagnostics.error_count())]
#[non_exhaustive]
pub struct LoadError {
    /// Every problem found, warnings included.
    pub diagnostics: Diagnostics,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(d: &Diagnostic) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_context_lines(1);
        let mut out = String::new();
        handler.render_report(&mut out, d).unwrap();
        out
    }

    fn at(text: &str, offset: usize, len: usize) -> Diagnostic {
        let location = Location {
            file: "f.json".into(),
            line: 0,
            column: 0,
            field: Some("x".into()),
            cell: false,
            span: (offset, len),
        };
        Diagnostic::error("t", "bad").at(location, Some(Arc::from(text)))
    }

    #[test]
    fn far_columns_and_huge_spans_are_clipped() {
        // miette panics drawing an underline past column 65,535; a window avoids it.
        let text = format!("[\n{}\"{}\"]\n", " ".repeat(100_000), "é".repeat(1_000_000));
        let out = render(&at(&text, 100_003, 2_000_000));
        assert!(
            out.contains("[f.json:2:100002]"),
            "{}",
            &out[..out.len().min(500)]
        );
        assert!(out.len() < 2_000, "{} bytes", out.len());
        // Short files render as before, with context lines.
        let out = render(&at("a\nbc\nd\n", 3, 1));
        assert!(
            out.contains("[f.json:2:2]") && out.contains("1 │ a"),
            "{out}"
        );
    }
}
