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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
    /// Byte offset and length in the file, for the underline.
    #[serde(skip)]
    pub span: (usize, usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
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
        f.write_str(&self.message)
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
        let full = text.read_span(span, before, after)?;
        if full.data().len() <= CLIP_CONTEXT {
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.clone(),
                full.data(),
                *full.span(),
                full.line(),
                full.column(),
                full.line_count(),
            )));
        }
        // Only the span's own line, from a little before the span to a little after it.
        let (offset, len) = self.clip((span.offset(), span.len()));
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        let start = ceil_boundary(text, offset.saturating_sub(CLIP_MARGIN).max(line_start));
        let end = floor_boundary(text, (offset + len + CLIP_MARGIN).min(line_end));
        let line = text[..line_start].matches('\n').count();
        let column = text[line_start..start].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[start..end],
            (start, end - start).into(),
            line,
            column,
            1,
        )))
    }
}

/// The problems a load found: empty, warnings only, or with errors.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// Records a problem.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// How many errors were found.
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    /// All problems in the order found (files in manifest order, then position).
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// How many problems were found, warnings included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no problem at all was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
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
