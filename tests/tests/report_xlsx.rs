//! `isms soa|gaps|report --format xlsx` end to end, read by two independent readers (calamine,
//! and openpyxl from the venv that scripts/test installs): the workbook opens on the command's
//! subject, has the sheets and rows of the report, holds within Excel's limits at 5,000
//! assets, numbers and dates are typed cells, and text from the inputs can never become a
//! formula yet is kept exactly as written.

mod common;

use std::path::Path;

use calamine::{Data, DataType, Range, Reader, open_workbook_auto};
use common::{isms, openpyxl, root};

const SHEETS: [&str; 14] = [
    "Summary",
    "SoA",
    "Gaps",
    "Risks",
    "Readiness",
    "Calendar",
    "Risk assets",
    "Gap objects",
    "SoA evidence",
    "Readiness evidence",
    "Readiness gaps",
    "Coverage",
    "Coverage summary",
    "About",
];

const SOA_HEADER: [&str; 9] = [
    "Control",
    "Title",
    "Group",
    "Applicable",
    "Basis",
    "Status",
    "Declared justification",
    "Generated justification",
    "Evidence",
];

/// Excel's limit on the text of a cell, in UTF-16 units.
const CELL_TEXT_LIMIT: usize = 32_767;

/// The longest text of any cell, in UTF-16 units as Excel counts, with where it is.
fn longest_text(book: &[(String, Range<Data>)]) -> (usize, String) {
    let mut longest = (0, String::new());
    for (name, range) in book {
        for (r, c, d) in range.used_cells() {
            if let Some(s) = d.get_string() {
                let units = s.encode_utf16().count();
                if units > longest.0 {
                    longest = (units, format!("{name}!R{}C{}", r + 1, c + 1));
                }
            }
        }
    }
    longest
}

/// Every sheet of a workbook, in order, with its cells.
fn open(path: &Path) -> Vec<(String, Range<Data>)> {
    let mut wb = open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = wb.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            (n, range)
        })
        .collect()
}

fn sheet<'a>(book: &'a [(String, Range<Data>)], name: &str) -> &'a Range<Data> {
    &book.iter().find(|(n, _)| n == name).unwrap().1
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    range
        .get((row, col))
        .map(|d| d.to_string())
        .unwrap_or_default()
}

fn header(range: &Range<Data>) -> Vec<String> {
    (0..range.width()).map(|c| text(range, 0, c)).collect()
}

/// Runs `isms <command> DIR --format xlsx --output FILE` and opens the workbook.
fn workbook(command: &str, dir: &str, out: &Path) -> Vec<(String, Range<Data>)> {
    let run = isms(&[
        command,
        dir,
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "xlsx goes to the file only: {}",
        run.stdout
    );
    open(out)
}

#[test]
fn soa_workbook_has_every_control_and_the_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let book = workbook("soa", "examples/acme", &tmp.path().join("soa.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHEETS);

    let soa = sheet(&book, "SoA");
    assert_eq!(header(soa), SOA_HEADER);
    assert_eq!(
        soa.height(),
        1 + 93,
        "header and one row per Annex A control"
    );
    assert_eq!(text(soa, 1, 0), "A.5.1");
    assert_eq!(text(soa, 1, 1), "Policies for information security");
    assert_eq!(text(soa, 1, 3), "yes");
    assert_eq!(text(soa, 93, 0), "A.8.34");
    // The organisation's justification beside the generated one, neither replacing the other.
    let dlp = (1..soa.height())
        .find(|r| text(soa, *r, 0) == "A.8.12")
        .unwrap();
    assert!(text(soa, dlp, 6).starts_with("DLP tooling is not considered proportionate"));
    assert!(text(soa, dlp, 7).starts_with("Applicable. Risk treatment"));
}

/// A date cell's date as YYYY-MM-DD (Excel counts days from 1899-12-30).
fn excel_date(cell: &Data) -> String {
    let Data::DateTime(serial) = cell else {
        panic!("not a date cell: {cell:?}")
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    (epoch + chrono::Days::new(serial.as_f64() as u64)).to_string()
}

/// The About sheet as (label, cell) pairs, from calamine.
fn about(book: &[(String, Range<Data>)]) -> Vec<(String, Data)> {
    let about = sheet(book, "About");
    (1..about.height())
        .map(|r| {
            (
                text(about, r, 0),
                about.get((r, 1)).cloned().unwrap_or(Data::Empty),
            )
        })
        .collect()
}

#[test]
fn about_sheet_names_the_evaluation_and_every_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("report.xlsx");
    let book = workbook("report", "examples/acme", &out);
    let run = isms(&["report", "examples/acme", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rows = about(&book);
    let value = |label: &str| {
        rows.iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("no {label} in About: {rows:?}"))
            .1
            .clone()
    };
    assert_eq!(value("Organisation").to_string(), json["organisation"]);
    assert_eq!(value("Engine version").to_string(), json["engine_version"]);
    let date = value("Evaluation date");
    assert!(matches!(date, Data::DateTime(_)), "a date cell: {date:?}");
    assert_eq!(
        excel_date(&date),
        json["options"]["as_of"].as_str().unwrap()
    );
    for input in json["inputs"].as_array().unwrap() {
        assert_eq!(
            value(input["path"].as_str().unwrap()).to_string(),
            input["sha256"],
            "{input}"
        );
    }
    let facts = openpyxl(&out, &[]);
    let date = &facts["about"]["Evaluation date"];
    assert_eq!(date["is_date"], true, "{date}");
    assert_eq!(date["number_format"], "yyyy-mm-dd");
    assert_eq!(date["value"], json["options"]["as_of"]);
    assert_eq!(
        facts["about"]["Organisation"]["value"],
        json["organisation"]
    );
    assert_eq!(
        facts["about"]["isms.toml"]["value"].as_str().unwrap().len(),
        64
    );
}

#[test]
fn calendar_dates_are_date_cells() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gaps.xlsx");
    let book = workbook("gaps", "examples/acme", &out);
    let calendar = sheet(&book, "Calendar");
    assert_eq!(header(calendar), ["Due", "Kind", "Id", "What", "Overdue"]);
    assert!(calendar.height() > 1, "acme has dates falling due");
    for r in 1..calendar.height() {
        let due = calendar.get((r, 0)).unwrap();
        assert!(matches!(due, Data::DateTime(_)), "row {r}: {due:?}");
    }
    assert_eq!(excel_date(calendar.get((1, 0)).unwrap()), "2026-03-01");
    let facts = openpyxl(&out, &["Calendar!A2"]);
    let due = &facts["probes"]["Calendar!A2"];
    assert_eq!(due["is_date"], true, "{due}");
    assert_eq!(due["value"], "2026-03-01");
}

#[test]
fn each_command_opens_on_its_subject() {
    let tmp = tempfile::tempdir().unwrap();
    for (command, subject) in [("soa", "SoA"), ("gaps", "Gaps"), ("report", "Summary")] {
        let out = tmp.path().join(format!("{command}.xlsx"));
        workbook(command, "examples/acme", &out);
        let facts = openpyxl(&out, &[]);
        assert_eq!(facts["active"], subject, "{command}");
        assert_eq!(facts["sheets"], serde_json::json!(SHEETS));
    }
}

/// At 5,000 generated assets a readiness item rests on thousands of gaps: the workbook of
/// every command still opens in both readers, no cell exceeds Excel's limit, capped cells
/// say how many they leave out, and the relation sheets hold every pair.
#[test]
fn workbooks_of_5000_assets_hold_within_excel_limits() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("w5k");
    let dir = ws.to_str().unwrap();
    let run = isms(&["generate", "--assets", "5000", "--seed", "7", "--out", dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = isms(&["gaps", dir, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let items: Vec<&serde_json::Value> = json["readiness"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .collect();
    let gap_refs: usize = items
        .iter()
        .map(|i| i["gaps"].as_array().unwrap().len())
        .sum();
    let widest = items
        .iter()
        .max_by_key(|i| i["gaps"].as_array().unwrap().len())
        .unwrap();
    assert!(
        widest["gaps"].as_array().unwrap().len() > 1000,
        "the case this test is about: an item with thousands of gaps"
    );
    let gap_objects: usize = json["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["objects"].as_array().unwrap().len())
        .sum();

    for (command, subject) in [("gaps", "Gaps"), ("soa", "SoA"), ("report", "Summary")] {
        let out = tmp.path().join(format!("{command}.xlsx"));
        let book = workbook(command, dir, &out);
        let (units, at) = longest_text(&book);
        assert!(units <= CELL_TEXT_LIMIT, "{command}: {units} at {at}");

        let readiness = sheet(&book, "Readiness");
        let row = (1..readiness.height())
            .find(|r| text(readiness, *r, 1) == widest["id"].as_str().unwrap())
            .unwrap();
        let cell = text(readiness, row, 7);
        assert!(
            cell.contains(" more"),
            "capped: {}",
            &cell[cell.len() - 40..]
        );
        assert_eq!(sheet(&book, "Readiness gaps").height(), 1 + gap_refs);
        assert_eq!(sheet(&book, "Gap objects").height(), 1 + gap_objects);
        assert_eq!(
            sheet(&book, "Gaps").height(),
            1 + json["gaps"].as_array().unwrap().len()
        );

        let facts = openpyxl(&out, &[]);
        assert_eq!(facts["active"], subject, "{command}");
        assert!(
            facts["longest_text"].as_u64().unwrap() <= CELL_TEXT_LIMIT as u64,
            "{command}: {}",
            facts["longest_text"]
        );
        assert_eq!(facts["formulas"], 0);
        assert_eq!(facts["rows"]["Readiness gaps"], 1 + gap_refs);
        assert_eq!(facts["about"]["Evaluation date"]["is_date"], true);
    }
}

#[test]
fn gaps_workbook_matches_the_json_report() {
    let tmp = tempfile::tempdir().unwrap();
    let book = workbook("gaps", "examples/acme", &tmp.path().join("gaps.xlsx"));
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, SHEETS);

    let run = isms(&["gaps", "examples/acme", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let gaps = json["gaps"].as_array().unwrap();
    assert!(!gaps.is_empty());

    let sheet_gaps = sheet(&book, "Gaps");
    assert_eq!(
        header(sheet_gaps),
        [
            "Gap", "Severity", "Code", "Objects", "Message", "Action", "At"
        ]
    );
    assert_eq!(sheet_gaps.height(), 1 + gaps.len());
    for (r, g) in (1..).zip(gaps) {
        assert_eq!(sheet_gaps.get((r, 0)), Some(&Data::Float(r as f64)));
        assert_eq!(text(sheet_gaps, r, 1), g["severity"].as_str().unwrap());
        assert_eq!(text(sheet_gaps, r, 2), g["code"].as_str().unwrap());
    }

    let risks = sheet(&book, "Risks");
    assert_eq!(
        header(risks),
        [
            "Id",
            "Title",
            "Assets",
            "Threat",
            "Owner",
            "Treatment",
            "Inherent L",
            "Inherent I",
            "Inherent level",
            "Residual L",
            "Residual I",
            "Residual level",
            "Status"
        ]
    );
    let register = json["risks"].as_array().unwrap();
    assert_eq!(risks.height(), 1 + register.len());
    assert_eq!(text(risks, 1, 0), register[0]["id"].as_str().unwrap());
    let likelihood = register[0]["inherent"]["likelihood"].as_f64().unwrap();
    assert_eq!(
        risks.get((1, 6)),
        Some(&Data::Float(likelihood)),
        "scores are numbers"
    );
}

#[test]
fn xlsx_needs_an_output_file() {
    let run = isms(&["soa", "examples/acme", "--format", "xlsx"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("--output"), "{}", run.stderr);
}

/// A copy of examples/acme whose declared SoA carries formula-like text, and text that
/// merely starts with a dash.
fn hostile_acme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = root().join("examples/acme");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let soa = std::fs::read_to_string(src.join("soa.csv")).unwrap();
    let soa: String = soa
        .lines()
        .map(|l| {
            if l.starts_with("A.5.1,") {
                r#"A.5.1,yes,"=HYPERLINK(""http://evil.example"",""click"")",implemented,@SUM(A1)"#
                    .to_owned()
            } else if l.starts_with("A.5.2,") {
                "A.5.2,yes,- reviewed yearly by the CISO,implemented,+49 30 1234".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("soa.csv"), soa + "\n").unwrap();
    dir
}

#[test]
fn input_text_is_never_a_formula_and_never_altered() {
    let ws = hostile_acme();
    let out = ws.path().join("soa.xlsx");
    let book = workbook("soa", ws.path().to_str().unwrap(), &out);
    let soa = sheet(&book, "SoA");
    assert_eq!(text(soa, 1, 0), "A.5.1");
    assert_eq!(
        text(soa, 1, 6),
        r#"=HYPERLINK("http://evil.example","click")"#
    );
    assert_eq!(text(soa, 1, 8), "@SUM(A1)");
    assert_eq!(text(soa, 2, 6), "- reviewed yearly by the CISO");
    assert_eq!(text(soa, 2, 8), "+49 30 1234");
    let mut wb = open_workbook_auto(&out).unwrap();
    for name in SHEETS {
        let formulas = wb.worksheet_formula(name).unwrap();
        assert!(
            formulas.used_cells().next().is_none(),
            "{name} holds formulas"
        );
    }
    // openpyxl: string cells, with the quote prefix that keeps them text when edited.
    let facts = openpyxl(&out, &["SoA!G2", "SoA!I2", "SoA!G3", "SoA!A2"]);
    assert_eq!(facts["formulas"], 0);
    for (probe, expected) in [
        ("SoA!G2", r#"=HYPERLINK("http://evil.example","click")"#),
        ("SoA!I2", "@SUM(A1)"),
        ("SoA!G3", "- reviewed yearly by the CISO"),
    ] {
        let cell = &facts["probes"][probe];
        assert_eq!(cell["value"], expected, "{probe}");
        assert_eq!(cell["type"], "s", "{probe}: {cell}");
        assert_eq!(cell["quote_prefix"], true, "{probe}: {cell}");
    }
    assert_eq!(facts["probes"]["SoA!A2"]["quote_prefix"], false);
}

#[test]
fn readiness_sheet_matches_the_json_report() {
    let tmp = tempfile::tempdir().unwrap();
    let book = workbook("gaps", "examples/acme", &tmp.path().join("gaps.xlsx"));
    let run = isms(&["readiness", "examples/acme", "--format", "json"]);
    assert_eq!(run.code, 1, "acme is not ready: {}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let items: Vec<&serde_json::Value> = json["readiness"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .collect();
    let sheet = sheet(&book, "Readiness");
    assert_eq!(
        header(sheet),
        [
            "Stage",
            "Id",
            "Clause",
            "Requirement",
            "Result",
            "Evidence",
            "Missing",
            "Gaps"
        ]
    );
    assert_eq!(sheet.height(), 1 + items.len());
    for (r, item) in (1..).zip(&items) {
        assert_eq!(text(sheet, r, 1), item["id"].as_str().unwrap());
        let result = if item["passed"].as_bool().unwrap() {
            "pass"
        } else {
            "FAIL"
        };
        assert_eq!(text(sheet, r, 4), result);
    }
    let leavers = (1..sheet.height())
        .find(|r| text(sheet, *r, 1) == "S2-LEAVERS")
        .unwrap();
    assert_eq!(
        text(sheet, leavers, 7),
        "GAP-LEAVER-ACCOUNT-ACTIVE (P-0113, ACC-0029); GAP-LEAVER-ACCESS-LAPSE (P-0111, ACC-0025)"
    );
}
