//! Located problems found in a workspace's files.
//!
//! A loader collects every problem it can find in one pass rather than stopping at the first,
//! and each carries the file, line and column (and the CSV column name or JSON key) so that a
//! user can fix a whole export at once. Diagnostics implement [`miette::Diagnostic`], so the CLI
//! renders them with the source line underlined; the engine itself never prints.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode};
use serde::Serialize;

/// How bad a diagnostic is: errors stop the run, warnings are shown and the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
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

/// One problem in the workspace.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stable code, e.g. `load::unknown-reference`, for scripts and documentation.
    pub code: &'static str,
    pub level: Level,
    pub message: String,
    pub help: Option<String>,
    pub location: Option<Location>,
    source: Option<NamedSource<Arc<str>>>,
}

impl Diagnostic {
    /// An error not tied to a place in a file (a missing file, an unreadable directory).
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            level: Level::Error,
            message: message.into(),
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
        self.source = text.map(|t| NamedSource::new(location.file.clone(), t));
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
        let label = loc.field.as_ref().map(|f| format!("here ({f})"));
        Some(Box::new(std::iter::once(LabeledSpan::new(
            label, loc.span.0, loc.span.1,
        ))))
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

    pub fn len(&self) -> usize {
        self.0.len()
    }

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
pub struct LoadError {
    pub diagnostics: Diagnostics,
}
