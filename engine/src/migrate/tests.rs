use super::*;
use crate::input::Format;

fn csv(text: &str) -> Table {
    Table::parse(Format::Csv, text).unwrap()
}

const SOA: &str = "control,applicable,justification,status,evidence
A.5.1.1,yes,Policy approved by the board,implemented,POL-1
A.5.1.2,yes,Policy reviewed yearly,partial,REV-2026
A.9.2.4,yes,Passwords issued by the service desk,implemented,PRC-PW
A.9.3.1,no,Users never handle secrets,not_implemented,
A.18.2.3,yes,Yearly penetration test,implemented,PT-2026
";

#[test]
fn merged_rows_are_combined_and_disagreements_reported() {
    let plan = csv("id,title,controls\nTP-1,Pen test,A.18.2.3\nTP-2,Policy,A.5.1.1;A.5.1.2\n");
    let m = migrate(
        vec![("soa.csv".into(), csv(SOA))],
        vec![("plan.csv".into(), plan)],
    );
    let r = &m.report;
    // A.5.1 <- A.5.1.1 + A.5.1.2 agree on applicability, not on status.
    let a51 = r.controls.iter().find(|c| c.control == "A.5.1").unwrap();
    assert_eq!(a51.kind, ChangeKind::Merged);
    assert_eq!(a51.sources.len(), 2);
    assert_eq!(
        a51.conflicts,
        ["status differs: A.5.1.1 implemented, A.5.1.2 partial"]
    );
    assert_eq!(a51.status.as_deref(), Some("partial"));
    // A.5.17 <- A.9.2.4 (applicable) + A.9.3.1 (not) + A.9.4.3 (not in the SoA).
    let a517 = r.controls.iter().find(|c| c.control == "A.5.17").unwrap();
    assert_eq!(a517.kind, ChangeKind::Merged);
    assert!(a517.conflicts[0].starts_with("applicability differs: A.9.2.4 yes, A.9.3.1 no"));
    assert_eq!(a517.missing_predecessors, ["A.9.4.3"]);
    assert_eq!(a517.applicable, Some(true));
    assert_eq!(a517.status.as_deref(), Some("implemented"));
    // Split: A.18.2.3 -> A.5.36 and A.8.8, the row copied to both.
    assert_eq!(r.splits.len(), 1);
    assert_eq!(r.splits[0].into, ["A.5.36", "A.8.8"]);
    assert_eq!(r.splits[0].actions, ["TP-1"]);
    // Both successors also take over other 2013 controls: they count as merged.
    let a88 = r.controls.iter().find(|c| c.control == "A.8.8").unwrap();
    assert_eq!(
        (a88.kind, a88.missing_predecessors.clone()),
        (ChangeKind::Merged, vec!["A.12.6.1".to_owned()])
    );
    // Every new control has an undecided row.
    let new: Vec<&str> = r
        .of_kind(ChangeKind::New)
        .map(|c| c.control.as_str())
        .collect();
    assert_eq!(new.len(), 11);
    let written = m.soa[0].1.write();
    for id in &new {
        assert!(
            written.contains(&format!("{id},yes,\"{UNDECIDED_NOTE}\",not_implemented,")),
            "{id}"
        );
    }
    assert!(written.contains(
        "A.5.1,yes,\"RECONCILE (merged from A.5.1.1, A.5.1.2; status differs: A.5.1.1 implemented, A.5.1.2 partial): A.5.1.1: Policy approved by the board | A.5.1.2: Policy reviewed yearly\",partial,POL-1;REV-2026"
    ));
    let c = &r.counts;
    assert_eq!(
        (
            c.soa_rows_in,
            c.merged,
            c.merged_with_conflicts,
            c.split,
            c.new_controls,
            c.carried
        ),
        (5, 4, 2, 1, 11, 0)
    );
    assert_eq!(c.soa_rows_out, 4 + 11);
    assert_eq!(c.not_in_soa, 93 - 15);
    // The plan: ids mapped, a merge collapses to one id.
    assert_eq!(
        m.plan[0].1.write(),
        "id,title,controls\nTP-1,Pen test,A.5.36;A.8.8\nTP-2,Policy,A.5.1\n"
    );
    assert_eq!(c.actions_changed, 2);
}

#[test]
fn json_soa_keeps_booleans_and_arrays() {
    let text = r#"[{"control": "A.12.3.1", "applicable": true, "status": "implemented", "evidence": ["KMS"]}]"#;
    let t = Table::parse(Format::Json, text).unwrap();
    let m = migrate(vec![("soa.json".into(), t)], Vec::new());
    let out = m.soa[0].1.write();
    assert!(out.contains(r#""control": "A.8.13""#), "{out}");
    assert!(out.contains(r#""applicable": true"#));
    assert!(out.contains(r#""evidence": ["#));
    assert_eq!(m.report.counts.carried, 1);
}

#[test]
fn manifest_switches_catalog_and_keeps_comments() {
    let text = "# legacy\n[workspace]\ncatalog = \"iso27001-2013\" # old\nprofile = \"profile.toml\"\n\n[inputs]\nassets = \"assets.csv\"\nsoa = [\"soa.csv\"]\n";
    let out = migrate_manifest(text, |key, value| {
        (key == "inputs.soa").then(|| value.replace(".csv", ".2022.csv"))
    })
    .unwrap();
    assert_eq!(
        out,
        "# legacy\n[workspace]\ncatalog = \"iso27001-2022\" # old\nprofile = \"profile.toml\"\n\n[inputs]\nassets = \"assets.csv\"\nsoa = [\"soa.2022.csv\"]\n"
    );
}

#[test]
fn profile_requirements_are_converted() {
    let text = "name = \"X\"\n[[requirements]]\nid = \"R\"\nkind = \"legal\"\ntitle = \"T\"\ncontrols = [\"A.5.1.1\", \"A.5.1.2\", \"A.18.1.4\"]\n";
    let (out, changes) = migrate_profile(text).unwrap();
    assert!(out.contains("controls = [\"A.5.1\", \"A.5.34\"]"), "{out}");
    assert_eq!(changes.len(), 3);
}

#[test]
fn leftover_2013_ids_of_a_2022_workspace_are_converted_and_2022_ids_kept() {
    let soa = csv("control,applicable,justification,status,evidence
A.5.1,yes,Policies,implemented,POL-1
A.12.6.1,yes,Monthly patching,partial,PATCH
A.9.2.1,yes,Accounts by ticket,implemented,JML
A.5.16,no,Duplicate of the 2013 row,not_implemented,
A.18.2.3,yes,Yearly penetration test,implemented,PT-2026
");
    let plan = csv("id,title,controls\nTP-1,Patching,A.8.8;A.12.6.1\nTP-2,Policy,A.5.1\n");
    let m = convert_2013_ids(
        vec![("soa.csv".into(), soa)],
        vec![("plan.csv".into(), plan)],
    );
    // 2022 rows stay in place; A.12.6.1 and A.18.2.3 become A.8.8 (merged from both) and
    // A.5.36 (split) where the first of them stood; A.9.2.1 -> A.5.16, which has its own
    // row: that one stands and the conversion is reported, not written.
    assert_eq!(
        m.soa[0].1.write(),
        "control,applicable,justification,status,evidence
A.5.1,yes,Policies,implemented,POL-1
A.8.8,yes,\"RECONCILE (merged from A.12.6.1, A.18.2.3; status differs: A.12.6.1 partial, A.18.2.3 implemented): A.12.6.1: Monthly patching | A.18.2.3: Yearly penetration test\",partial,PATCH;PT-2026
A.5.16,no,Duplicate of the 2013 row,not_implemented,
A.5.36,yes,Yearly penetration test,implemented,PT-2026
"
    );
    let r = &m.report;
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(
        r.problems[0].starts_with("A.5.16 has its own row at soa.csv:5, which stands; the row made from A.9.2.1 (soa.csv:4) is dropped"),
        "{}",
        r.problems[0]
    );
    assert_eq!(r.of_kind(ChangeKind::New).count(), 0);
    assert_eq!(r.splits.len(), 1);
    let c = &r.counts;
    assert_eq!((c.soa_rows_in, c.soa_rows_kept, c.soa_rows_out), (5, 2, 4));
    // The plan: 2022 ids kept, the 2013 one mapped and deduplicated.
    assert_eq!(
        m.plan[0].1.write(),
        "id,title,controls\nTP-1,Patching,A.8.8\nTP-2,Policy,A.5.1\n"
    );
    assert_eq!((c.actions, c.actions_changed), (2, 1));
}
