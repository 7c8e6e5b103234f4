//! Dates as exports write them: ISO 8601, the `YYYY-MM-DD 00:00:00` text Excel writes for a
//! date cell saved as CSV, workbook date serials, and the formats a workspace declares for a
//! file (`date_formats = ["%d.%m.%Y"]`).

use std::fmt::Write as _;

use chrono::format::{Item, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// A date from text: `YYYY-MM-DD`, the same at midnight (`2026-12-31 00:00:00` or with a
/// `T`), then each of `formats` (chrono's strftime syntax) in turn.
pub fn parse_date(text: &str, formats: &[String]) -> Option<NaiveDate> {
    let text = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(text, format) {
            return midnight(dt);
        }
    }
    formats
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

/// The date of a date-time at midnight; a time of day makes it no date.
pub fn midnight(dt: NaiveDateTime) -> Option<NaiveDate> {
    (dt.time() == NaiveTime::MIN).then_some(dt.date())
}

/// The date of a spreadsheet serial number (days since 1899-12-30, the 1900 date system)
/// when it is a whole day between 1900 and 9999.
pub fn from_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=2_958_465.0).contains(&serial) || serial.fract() != 0.0 {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial as u64))
}

/// Why a declared date format cannot be used, or `None` when it can: it must be valid strftime
/// with a year, a month and a day.
pub fn format_problem(format: &str) -> Option<String> {
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Some(format!(
            "`{format}` is not a date format (strftime, e.g. \"%d.%m.%Y\")"
        ));
    }
    let probe = NaiveDate::from_ymd_opt(2026, 12, 31)?;
    // A time of day cannot be written for a date: formatting reports an error.
    let mut written = String::new();
    let wrote = write!(written, "{}", probe.format_with_items(items.iter())).is_ok();
    match NaiveDate::parse_from_str(&written, format) {
        Ok(d) if wrote && d == probe => None,
        _ => Some(format!(
            "`{format}` does not name a whole date: give a year, a month and a day (e.g. \"%d.%m.%Y\")"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn iso_and_excel_text_are_always_dates() {
        assert_eq!(parse_date("2026-12-31", &[]), d(2026, 12, 31));
        assert_eq!(parse_date(" 2026-12-31 00:00:00 ", &[]), d(2026, 12, 31));
        assert_eq!(parse_date("2026-12-31T00:00:00", &[]), d(2026, 12, 31));
        assert_eq!(parse_date("2026-12-31 13:30:00", &[]), None);
        assert_eq!(parse_date("31.12.2026", &[]), None);
    }

    #[test]
    fn declared_formats_are_tried_in_order() {
        let formats = vec!["%d.%m.%Y".to_owned(), "%m/%d/%Y".to_owned()];
        assert_eq!(parse_date("31.12.2026", &formats), d(2026, 12, 31));
        assert_eq!(parse_date("12/31/2026", &formats), d(2026, 12, 31));
        assert_eq!(parse_date("2026-12-31", &formats), d(2026, 12, 31));
        assert_eq!(parse_date("31/12/2026", &formats), None);
    }

    #[test]
    fn serials_are_whole_days() {
        assert_eq!(from_serial(46387.0), d(2026, 12, 31));
        assert_eq!(from_serial(46387.5), None);
        assert_eq!(from_serial(-1.0), None);
        assert_eq!(from_serial(f64::NAN), None);
    }

    #[test]
    fn formats_are_checked() {
        assert_eq!(format_problem("%d.%m.%Y"), None);
        assert_eq!(format_problem("%m/%d/%y"), None);
        assert!(format_problem("%d.%m").is_some());
        assert!(format_problem("%Q").is_some());
        assert!(format_problem("%H:%M").is_some());
    }
}
