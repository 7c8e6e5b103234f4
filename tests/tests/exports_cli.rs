//! The CSV, table, Markdown and HTML exports keep what the inputs say: every asset of a risk,
//! its title and owner, the organisation's SoA justification beside the generated one, and
//! `undecided` for a control nothing decides; one header style across the CSV exports, and
//! an Excel-friendly CSV layout.

mod common;

use common::{copy_dir, isms, root};

/// The records of a CSV text (the `csv` crate, as a reader of the export would use).
fn records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[test]
fn risks_csv_has_every_asset_the_title_and_the_owner() {
    let run = isms(&[
        "risks",
        "examples/acme",
        "--source",
        "register",
        "--sort",
        "id",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = records(&run.stdout);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rsk1 = rows.iter().find(|r| r[0] == "RSK-001").unwrap();
    let assets: Vec<&str> = rsk1[col("assets")].split("; ").collect();
    assert_eq!(assets.len(), 16, "{assets:?}");
    assert_eq!(assets[0], "AST-0078");
    assert_eq!(assets[15], "AST-0024");
    assert_eq!(rsk1[col("owner")], "Head of IT");
    assert_eq!(
        rsk1[col("title")],
        "Ransomware on on-premises virtualisation and backup infrastructure"
    );
}

#[test]
fn every_csv_export_has_snake_case_headers() {
    let exports: [&[&str]; 4] = [
        &["risks", "examples/acme", "--format", "csv"],
        &["soa", "examples/acme", "--format", "csv"],
        &["gaps", "examples/acme", "--format", "csv"],
        &["catalog", "list", "--format", "csv"],
    ];
    for args in exports {
        let run = isms(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let header = &records(&run.stdout)[0];
        for name in header {
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{args:?}: `{name}` in {header:?}"
            );
        }
    }
}

#[test]
fn csv_excel_writes_a_byte_order_mark_and_crlf() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("risks.csv");
    let run = isms(&[
        "risks",
        "examples/acme",
        "--format",
        "csv",
        "--csv-excel",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with("\u{feff}id,source,assets,".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    let lines = text.matches("\r\n").count();
    assert!(lines > 30, "CRLF line ends: {lines}");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "every line end is CRLF"
    );
    for args in [
        &["soa", "examples/acme", "--format", "csv", "--csv-excel"][..],
        &["gaps", "examples/acme", "--format", "csv", "--csv-excel"],
        &["catalog", "list", "--format", "csv", "--csv-excel"],
    ] {
        let run = isms(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(run.stdout.starts_with('\u{feff}'), "{args:?}");
    }
    let run = isms(&["soa", "examples/acme", "--csv-excel"]);
    assert_eq!(run.code, 2, "--csv-excel without CSV is refused");
    assert!(run.stderr.contains("--format csv"), "{}", run.stderr);
}

#[test]
fn soa_keeps_the_declared_justification_beside_the_generated_one() {
    let declared = "DLP tooling is not considered proportionate";
    let generated = "Applicable. Risk treatment pending: RSK-010 by action ACT-021 (planned, due 2027-03-31). Risk mitigated: RSK-004";
    let run = isms(&["soa", "examples/acme", "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rows = records(&run.stdout);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let dlp = rows.iter().find(|r| r[0] == "A.8.12").unwrap();
    assert!(dlp[col("declared_justification")].starts_with(declared));
    assert!(dlp[col("generated_justification")].starts_with(generated));
    for args in [
        &["soa", "examples/acme"][..],
        &["soa", "examples/acme", "--format", "md"],
        &["report", "examples/acme", "--format", "md"],
        &["report", "examples/acme", "--format", "html"],
    ] {
        let run = isms(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(declared))
            .unwrap_or_else(|| panic!("{args:?}: no declared justification"));
        assert!(
            line.contains(generated) || run.stdout.contains(generated),
            "{args:?}"
        );
    }
}

#[test]
fn undecided_controls_are_undecided_in_every_format() {
    // A.7.12 is excluded only by the declared SoA; without its line nothing decides it.
    let ws = tempfile::tempdir().unwrap();
    copy_dir(&root().join("examples/acme"), ws.path());
    let soa = std::fs::read_to_string(ws.path().join("soa.csv")).unwrap();
    let soa: String = soa
        .lines()
        .filter(|l| !l.starts_with("A.7.12,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(ws.path().join("soa.csv"), soa).unwrap();
    let dir = ws.path().to_str().unwrap();

    let run = isms(&["soa", dir, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let row = json["soa"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"] == "A.7.12")
        .unwrap();
    assert_eq!(row["basis"], "undecided", "the case this test is about");

    let run = isms(&["soa", dir, "--format", "csv"]);
    let rows = records(&run.stdout);
    let col = rows[0].iter().position(|h| h == "applicable").unwrap();
    let a712 = rows.iter().find(|r| r[0] == "A.7.12").unwrap();
    assert_eq!(a712[col], "undecided");
    for args in [
        &["soa", dir][..],
        &["soa", dir, "--format", "md"],
        &["report", dir, "--format", "md"],
    ] {
        let run = isms(args);
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains("A.7.12"))
            .unwrap_or_else(|| panic!("{args:?}"));
        assert!(line.contains("undecided"), "{args:?}: {line}");
        assert!(!line.contains("| no |"), "{args:?}: {line}");
    }
    let run = isms(&["report", dir, "--format", "html"]);
    let at = run.stdout.find(">A.7.12<").unwrap();
    let row = &run.stdout[at..at + run.stdout[at..].find("</tr>").unwrap()];
    assert!(row.contains("undecided"), "{row}");
    assert!(!row.contains(">No<"), "{row}");
}
