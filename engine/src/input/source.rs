//! Input files held in memory with what diagnostics and audit evidence need: the text, the
//! sha256 of the exact bytes read, and a line index built only when a problem is reported.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::Files;
use crate::diag::{Diagnostic, Location};

/// One file of the workspace, read once.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as read.
    pub path: PathBuf,
    /// The path as reports show it (relative to the workspace root when inside it).
    pub display: String,
    /// The text, without a leading UTF-8 byte order mark.
    pub text: Arc<str>,
    /// Lowercase hex sha256 of the bytes on disk, so a report can prove what it was made from.
    pub sha256: String,
    /// How many bytes were read (the text without a byte order mark; a workbook's file).
    pub size: usize,
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// Reads a file from disk; an unreadable or non-UTF-8 file is a located diagnostic.
    pub fn read(path: &Path, root: &Path) -> Result<SourceFile, Box<Diagnostic>> {
        Self::read_in(&Files::dir(root), path)
    }

    /// Reads a file of `files` (on disk or in memory); an unreadable or non-UTF-8 file is a
    /// located diagnostic.
    pub fn read_in(files: &Files, path: &Path) -> Result<SourceFile, Box<Diagnostic>> {
        let display = display_path(path, files.root());
        let bytes = files.read(path).map_err(|e| {
            Box::new(
                Diagnostic::error("load::io", format!("cannot read {display}: {e}"))
                    .with_help("check that the file exists and that the manifest names it right"),
            )
        })?;
        Self::from_bytes(path.to_owned(), display, &bytes)
    }

    /// Reads a file this one (a manifest) names at `name`: a problem inside the file (its
    /// encoding) is located there, one with the file itself (missing, unreadable) at the entry
    /// naming it.
    pub fn read_named(
        &self,
        files: &Files,
        name: &toml::Spanned<String>,
    ) -> Result<SourceFile, Box<Diagnostic>> {
        SourceFile::read_in(files, &files.root().join(name.get_ref())).map_err(|d| {
            if d.location.is_some() {
                return d;
            }
            let span = name.span();
            let mut located = self.error_at(d.code, span.start, span.len(), None, d.message);
            located.help = d.help;
            Box::new(located)
        })
    }

    /// Builds a source from bytes already in memory (used by tests and the generator).
    pub fn from_bytes(
        path: PathBuf,
        display: String,
        bytes: &[u8],
    ) -> Result<SourceFile, Box<Diagnostic>> {
        // The digest of a large export takes as long as checking and copying its text: both
        // at once, on the rayon pool.
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let (sha256, text) = rayon::join(
            || hex(&Sha256::digest(bytes)),
            || std::str::from_utf8(body).map(Arc::<str>::from),
        );
        let text = text.map_err(|e| Box::new(encoding_error(&display, body, e.valid_up_to())))?;
        Ok(SourceFile {
            path,
            display,
            size: text.len(),
            text,
            sha256,
            line_starts: OnceLock::new(),
        })
    }

    /// A file that is not text (a workbook): hashed like the others, read by its own reader.
    pub fn binary(path: PathBuf, display: String, bytes: &[u8]) -> SourceFile {
        SourceFile {
            path,
            display,
            text: Arc::from(""),
            sha256: hex(&Sha256::digest(bytes)),
            size: bytes.len(),
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// Byte offset of the start of a 1-based line (the end of the text past the last line).
    pub fn line_offset(&self, line: u32) -> usize {
        let starts = self.line_starts();
        starts
            .get((line as usize).saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let starts = self.line_starts();
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line as u32, column as u32)
    }

    /// The location of a byte span, for a diagnostic.
    pub fn location(&self, offset: usize, len: usize, field: Option<&str>) -> Location {
        let (line, column) = self.line_col(offset);
        Location {
            file: self.display.clone(),
            line,
            column,
            field: field.map(str::to_owned),
            cell: false,
            span: (offset, len),
        }
    }

    /// An error at a byte span of this file, with the text attached for rendering.
    pub fn error_at(
        &self,
        code: &'static str,
        offset: usize,
        len: usize,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(code, message).at(
            self.location(offset, len, field),
            Some(Arc::clone(&self.text)),
        )
    }
}

/// A file that is not UTF-8, located at its first bad byte (and named UTF-16 when its byte
/// order mark says so, as spreadsheets' "Unicode text" exports do).
fn encoding_error(display: &str, body: &[u8], valid_up_to: usize) -> Diagnostic {
    let utf16 = match body {
        [0xFF, 0xFE, ..] => Some("UTF-16 LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16 BE"),
        _ => None,
    };
    let valid = std::str::from_utf8(&body[..valid_up_to]).unwrap_or_default();
    let line = valid.matches('\n').count() + 1;
    let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    let message = match utf16 {
        Some(enc) => {
            format!("the file is {enc} (it starts with a byte order mark); isms reads UTF-8")
        }
        None => format!(
            "the file is not valid UTF-8 (byte 0x{:02X} at line {line}, column {column})",
            body[valid_up_to]
        ),
    };
    let location = Location {
        file: display.to_owned(),
        line: line as u32,
        column: column as u32,
        field: None,
        cell: false,
        span: (valid_up_to, 1),
    };
    let text: Arc<str> = Arc::from(String::from_utf8_lossy(body).as_ref());
    Diagnostic::error("load::encoding", message)
        .with_help("export the file as UTF-8 (in a spreadsheet: CSV UTF-8)")
        .at(location, Some(text))
}

/// The path relative to the workspace root when it lies inside it.
pub fn display_path(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Lowercase hexadecimal of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(bytes: &[u8]) -> Result<SourceFile, Box<Diagnostic>> {
        SourceFile::from_bytes("f.csv".into(), "f.csv".into(), bytes)
    }

    #[test]
    fn line_and_column_count_characters() {
        let s = source("ab\ncäd\n\nx".as_bytes()).unwrap();
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(6), (2, 3)); // after 'c' and the two-byte 'ä'
        assert_eq!(s.line_col(8), (3, 1));
        assert_eq!(s.line_col(9), (4, 1));
        assert_eq!(s.line_col(999), (4, 2));
    }

    #[test]
    fn bom_is_stripped_but_hashed() {
        let s = source(b"\xEF\xBB\xBFid\n").unwrap();
        assert_eq!(&*s.text, "id\n");
        assert_ne!(s.sha256, source(b"id\n").unwrap().sha256);
    }

    #[test]
    fn invalid_utf8_is_located() {
        let e = source(b"id,name\nA1,Caf\xE9\n").unwrap_err();
        assert_eq!(e.code, "load::encoding");
        assert_eq!(
            e.to_string(),
            "f.csv:2:7: the file is not valid UTF-8 (byte 0xE9 at line 2, column 7)"
        );
        let e = source(b"\xFF\xFEi\0d\0").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("f.csv:1:1: the file is UTF-16 LE"),
            "{e}"
        );
    }
}
