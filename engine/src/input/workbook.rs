//! Worksheets of workbooks (`.xlsx`, `.xlsm`, `.ods`), read with calamine into rows of typed
//! cells, bounded: a workbook is a zip archive, and a small file can declare gigabytes of XML
//! or a sheet whose two far-apart cells make a dense grid of billions (calamine fills the
//! rectangle between them). Sizes are checked before anything is inflated, cells are streamed
//! and counted, and what is too large is refused with an error that says so.

use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Reader, Xlsx};
use chrono::{NaiveDate, NaiveDateTime};

use super::dates::midnight;

/// Largest workbook file read.
pub const MAX_WORKBOOK_BYTES: usize = 64 << 20;
/// Largest total of the uncompressed sizes its archive declares.
pub const MAX_UNCOMPRESSED_BYTES: u64 = 256 << 20;
/// Most archive members.
const MAX_MEMBERS: usize = 10_000;
/// Most non-empty cells of a sheet (a 100,000-row register of 20 columns is 2,000,000).
pub const MAX_CELLS: usize = 5_000_000;
/// Most cells of the rectangle calamine builds for an OpenDocument sheet.
const MAX_ODS_GRID: usize = 20_000_000;

/// A cell's value, typed by the workbook.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    /// An error value of the sheet (`#N/A`, `#REF!`).
    Error(String),
}

/// The non-empty cells of one sheet, by 0-based row, each row's cells by 0-based column.
#[derive(Debug, Default)]
pub struct Sheet {
    /// The sheet's name as the workbook spells it.
    pub name: String,
    pub rows: Vec<(u32, Vec<(u32, Cell)>)>,
}

/// The kind of workbook, from the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Xlsx,
    Ods,
}

/// Reads the sheet `wanted` (the first when `None`) of the workbook `bytes`.
pub fn read_sheet(bytes: &[u8], kind: Kind, wanted: Option<&str>) -> Result<Sheet, String> {
    check_archive(bytes)?;
    match kind {
        Kind::Xlsx => {
            let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
            let name = pick_sheet(&book.sheet_names(), wanted)?;
            let mut reader = book
                .worksheet_cells_reader(&name)
                .map_err(|e| unreadable(&e))?;
            let mut cells = Vec::new();
            while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
                let (row, col) = cell.get_position();
                if let Some(value) = from_data_ref(cell.get_value()) {
                    if cells.len() == MAX_CELLS {
                        return Err(too_many_cells());
                    }
                    cells.push((row, col, value));
                }
            }
            Ok(Sheet {
                rows: into_rows(cells),
                name,
            })
        }
        Kind::Ods => {
            let mut book = Ods::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
            let name = pick_sheet(&book.sheet_names(), wanted)?;
            let range = book.worksheet_range(&name).map_err(|e| unreadable(&e))?;
            let (height, width) = range.get_size();
            if height.saturating_mul(width) > MAX_ODS_GRID {
                return Err(too_many_cells());
            }
            let mut cells = Vec::new();
            for (row, col, data) in range.used_cells() {
                if let Some(value) = from_data(data) {
                    if cells.len() == MAX_CELLS {
                        return Err(too_many_cells());
                    }
                    let (r0, c0) = range.start().unwrap_or((0, 0));
                    cells.push((r0 + row as u32, c0 + col as u32, value));
                }
            }
            Ok(Sheet {
                rows: into_rows(cells),
                name,
            })
        }
    }
}

fn too_many_cells() -> String {
    format!(
        "the sheet has more than {MAX_CELLS} cells; isms refuses it rather than run out of memory (split the register, or export it as CSV)"
    )
}

fn unreadable(e: &dyn std::fmt::Display) -> String {
    format!("cannot read the workbook: {e}")
}

/// The sheet to read: `wanted` by name (exactly, else ignoring case), or the first.
fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String, String> {
    let found = match wanted {
        None => names.first(),
        Some(w) => names
            .iter()
            .find(|n| *n == w)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(w))),
    };
    found.cloned().ok_or_else(|| match wanted {
        Some(w) => format!(
            "the workbook has no sheet `{w}`; its sheets are: {}",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => "the workbook has no sheet".to_owned(),
    })
}

/// Refuses archives too large to inflate, from the sizes their directory declares.
fn check_archive(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() > MAX_WORKBOOK_BYTES {
        return Err(format!(
            "the workbook is {} bytes; isms reads workbooks of at most {MAX_WORKBOOK_BYTES} bytes",
            bytes.len()
        ));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("cannot read the workbook (it is not a valid zip archive): {e}"))?;
    if archive.len() > MAX_MEMBERS {
        return Err(format!(
            "the workbook's archive has {} members; isms reads at most {MAX_MEMBERS}",
            archive.len()
        ));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let member = archive
            .by_index_raw(i)
            .map_err(|e| format!("cannot read the workbook: {e}"))?;
        total = total.saturating_add(member.size());
    }
    if total > MAX_UNCOMPRESSED_BYTES {
        return Err(format!(
            "the workbook would inflate to {total} bytes (a zip bomb?); isms reads workbooks of at most {MAX_UNCOMPRESSED_BYTES} bytes uncompressed"
        ));
    }
    Ok(())
}

/// Sorts cells into rows (calamine streams them in sheet order, which is not guaranteed).
fn into_rows(mut cells: Vec<(u32, u32, Cell)>) -> Vec<(u32, Vec<(u32, Cell)>)> {
    cells.sort_by_key(|(r, c, _)| (*r, *c));
    let mut rows: Vec<(u32, Vec<(u32, Cell)>)> = Vec::new();
    for (row, col, cell) in cells {
        match rows.last_mut() {
            Some((r, cells)) if *r == row => cells.push((col, cell)),
            _ => rows.push((row, vec![(col, cell)])),
        }
    }
    rows
}

fn date_time(dt: Option<NaiveDateTime>, shown: impl FnOnce() -> String) -> Cell {
    match dt {
        Some(dt) => match midnight(dt) {
            Some(d) => Cell::Date(d),
            None => Cell::DateTime(dt),
        },
        None => Cell::Text(shown()),
    }
}

fn from_data_ref(data: &DataRef<'_>) -> Option<Cell> {
    Some(match data {
        DataRef::Empty => return None,
        DataRef::Int(i) => Cell::Int(*i),
        DataRef::Float(f) => Cell::Float(*f),
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_owned()),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => date_time(dt.as_datetime(), || dt.to_string()),
        DataRef::DateTimeIso(s) => iso(s),
        DataRef::DurationIso(s) => Cell::Text(s.clone()),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    })
}

fn from_data(data: &Data) -> Option<Cell> {
    Some(match data {
        Data::Empty => return None,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => date_time(dt.as_datetime(), || dt.to_string()),
        Data::DateTimeIso(s) => iso(s),
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    })
}

/// An OpenDocument date (`2026-12-31` or `2026-12-31T10:00:00`).
fn iso(text: &str) -> Cell {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Cell::Date(d);
    }
    let dt = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok();
    date_time(dt, || text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheets_are_found_by_name_or_first() {
        let names = vec!["SoA".to_owned(), "Risk register".to_owned()];
        assert_eq!(pick_sheet(&names, None).unwrap(), "SoA");
        assert_eq!(
            pick_sheet(&names, Some("risk REGISTER")).unwrap(),
            "Risk register"
        );
        assert_eq!(
            pick_sheet(&names, Some("Risks")).unwrap_err(),
            "the workbook has no sheet `Risks`; its sheets are: `SoA`, `Risk register`"
        );
    }

    #[test]
    fn not_a_zip_is_an_error_not_a_panic() {
        let e = read_sheet(b"id,name\n", Kind::Xlsx, None).unwrap_err();
        assert!(e.starts_with("cannot read the workbook"), "{e}");
    }

    #[test]
    fn cells_are_grouped_into_rows_in_order() {
        let rows = into_rows(vec![
            (1, 1, Cell::Int(4)),
            (0, 0, Cell::Int(1)),
            (1, 0, Cell::Int(3)),
            (0, 2, Cell::Int(2)),
        ]);
        assert_eq!(
            rows,
            vec![
                (0, vec![(0, Cell::Int(1)), (2, Cell::Int(2))]),
                (1, vec![(0, Cell::Int(3)), (1, Cell::Int(4))]),
            ]
        );
    }
}
