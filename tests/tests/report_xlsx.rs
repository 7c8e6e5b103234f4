//! `isms soa|gaps --format xlsx` end to end: the workbook opens, has the sheets and rows of the
//! report, numbers are numbers, and text from the inputs can never become a formula.

mod common;

use std::path::Path;

use calamine::{Data, Range, Reader, open_workbook_auto};
use common::{isms, root};

const SHEETS: [&str; 5] = ["SoA", "Gaps", "Risks", "Readiness", "Inputs"];

const SOA_HEADER: [&str; 9] = [
    "Control",
    "Title",
    "Group",
    "Applicable",
    "Basis",
    "Status",
    "Justification",
    "Evidence",
    "Declared justification",
];

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
    assert_eq!(
        soa.get((1, 3)),
        Some(&Data::Bool(true)),
        "Applicable is a boolean"
    );
    assert_eq!(text(soa, 93, 0), "A.8.34");

    let inputs = sheet(&book, "Inputs");
    assert_eq!(header(inputs), ["Path", "SHA-256"]);
    let paths: Vec<String> = (1..inputs.height()).map(|r| text(inputs, r, 0)).collect();
    assert!(paths.iter().any(|p| p == "isms.toml"), "{paths:?}");
    for r in 1..inputs.height() {
        let hash = text(inputs, r, 1);
        assert!(
            hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{hash}"
        );
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
        ["Severity", "Code", "Objects", "Message", "Action", "At"]
    );
    assert_eq!(sheet_gaps.height(), 1 + gaps.len());
    for (r, g) in (1..).zip(gaps) {
        assert_eq!(text(sheet_gaps, r, 0), g["severity"].as_str().unwrap());
        assert_eq!(text(sheet_gaps, r, 1), g["code"].as_str().unwrap());
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

/// A copy of examples/acme whose declared SoA carries formula-like text.
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
fn input_text_is_never_a_formula() {
    let ws = hostile_acme();
    let out = ws.path().join("soa.xlsx");
    let book = workbook("soa", ws.path().to_str().unwrap(), &out);
    let soa = sheet(&book, "SoA");
    assert_eq!(text(soa, 1, 0), "A.5.1");
    assert_eq!(text(soa, 1, 7), "'@SUM(A1)");
    assert_eq!(
        text(soa, 1, 8),
        r#"'=HYPERLINK("http://evil.example","click")"#
    );
    let mut wb = open_workbook_auto(&out).unwrap();
    for name in SHEETS {
        let formulas = wb.worksheet_formula(name).unwrap();
        assert!(
            formulas.used_cells().next().is_none(),
            "{name} holds formulas"
        );
    }
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
