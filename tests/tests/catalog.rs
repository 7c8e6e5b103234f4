//! `isms catalog`: browsing the built-in Annex A catalogs.

mod common;

use common::isms;

#[test]
fn list_counts_and_formats() {
    let run = isms(&["catalog", "list", "--format", "csv"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), 94);
    let run = isms(&["catalog", "list", "--catalog", "2013", "--format", "json"]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list.len(), 114);
    // The group is named as in the CSV, never an internal index.
    assert_eq!(list[0]["group_id"], "A.5");
    assert_eq!(list[0]["group_title"], "Information security policies");
    assert!(list[0].get("group").is_none());
    let run = isms(&["catalog", "list", "--group", "physical"]);
    assert!(
        run.stdout
            .contains("14 controls of ISO/IEC 27001:2022 Annex A"),
        "{}",
        run.stdout
    );
    let run = isms(&["catalog", "list", "--group", "A.42"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("A.8 (Technological)"));
}

#[test]
fn show_gives_attributes_and_correspondence() {
    let run = isms(&["catalog", "show", "A.5.7"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Threat intelligence"));
    assert!(run.stdout.contains("new in 2022"));
    let run = isms(&["catalog", "show", "A.12.6.1", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["catalog"], "iso27001-2013");
    assert_eq!(v["correspondence"], serde_json::json!(["A.8.8"]));
    let run = isms(&["catalog", "show", "A.99"]);
    assert_eq!(run.code, 2);
}
