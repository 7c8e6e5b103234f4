//! Exports read as they are: the `examples/cmdb` workspace (a CMDB export with its own
//! headers and values in Excel's `;` CSV with a byte order mark, a device list whose `Type`
//! is the model, a ticket tool's plan with German dates, and the SoA and risk register in a
//! workbook) loads clean, and a large export with a renamed column prints one error.

mod common;

use common::{headlines, isms};

#[test]
fn the_cmdb_example_loads_from_its_own_exports() {
    let run = isms(&["check", "examples/cmdb"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for want in [
        "Assets          5 (hardware 2, information 1, service 1, software 1)",
        "Classification  confidential 1, internal 3, restricted 1",
        "Risks           3 (tolerate 2, treat 1)",
        "Treatment plan  2 actions (in_progress 1, planned 1)",
        "SoA             6 of 93 controls declared, 5 applicable, 3 implemented",
        "registers.xlsx!SoA",
        "registers.xlsx!Risk register",
    ] {
        assert!(run.stdout.contains(want), "lacks {want:?}:\n{}", run.stdout);
    }
    assert!(headlines(&run.stderr).is_empty(), "{}", run.stderr);
    let gaps = isms(&["gaps", "examples/cmdb"]);
    assert!(matches!(gaps.code, 0 | 1), "{}", gaps.stderr);
    assert!(headlines(&gaps.stderr).is_empty(), "{}", gaps.stderr);
}

#[test]
fn gaps_point_at_the_workbook_row_of_their_record() {
    let run = isms(&["gaps", "examples/cmdb", "--format", "csv"]);
    assert!(matches!(run.code, 0 | 1), "{}", run.stderr);
    // A.7.4 is excluded on row 7 of the SoA sheet, though the organisation has premises.
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains("GAP-EXCLUDED-BUT-REQUIRED") && l.contains("A.7.4"))
        .unwrap_or_else(|| panic!("no A.7.4 gap:\n{}", run.stdout));
    assert!(row.ends_with(",registers.xlsx!SoA:7"), "{row}");
}

#[test]
fn a_renamed_column_in_a_large_export_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let generated = isms(&["generate", "--assets", "20000", "--seed", "7", "--out", out]);
    assert_eq!(generated.code, 0, "{}", generated.stderr);
    let assets = dir.path().join("assets.csv");
    let text = std::fs::read_to_string(&assets).unwrap();
    std::fs::write(&assets, text.replacen("id,", "Asset ID,", 1)).unwrap();
    let run = isms(&["check", out]);
    assert_eq!(run.code, 2);
    assert_eq!(
        headlines(&run.stderr),
        ["assets.csv:1:1: `id`: the required column `id` is missing"]
    );
    assert!(
        run.stderr.contains("columns = { id = \"Asset ID\" }"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.len() < 5_000,
        "{} bytes of stderr",
        run.stderr.len()
    );
}
