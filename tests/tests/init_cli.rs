//! `isms init` and `isms rules` end to end: a new workspace that `isms check` accepts, the
//! refusal to overwrite, the column mapping of a CMDB export, and what the rules read.

mod common;

use common::isms;

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn init_writes_a_workspace_that_checks_and_refuses_to_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("new-isms");
    let d = dir.to_str().unwrap();
    let run = isms(&["init", d]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Wrote isms.toml, profile.toml, assets.csv"),
        "{}",
        run.stdout
    );

    let check = isms(&["check", d]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check.stdout.contains("new-isms is valid."),
        "{}",
        check.stdout
    );

    // Every control of the catalog, undecided.
    let soa = read(&dir.join("soa.csv"));
    let rows: Vec<&str> = soa.lines().collect();
    assert_eq!(rows[0], "control,applicable,justification,status,evidence");
    assert_eq!(rows.len(), 94);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r.starts_with("A.") && r.ends_with(",,,,"))
    );
    // The registers are empty but for their headers.
    assert_eq!(
        read(&dir.join("risks.csv")).lines().next().unwrap(),
        "id,title,description,assets,threat,vulnerability,owner,likelihood,impact,treatment,transfer_reference,accepted_by,accepted_on,accepted_until,assessed_on"
    );
    assert_eq!(read(&dir.join("treatment_plan.csv")).lines().count(), 1);
    // The asset header carries the attributes the rules read.
    assert!(read(&dir.join("assets.csv")).contains(",internet_facing,"));

    // Each fact the built-in rules read, explained, with the rules that read it.
    let profile = read(&dir.join("profile.toml"));
    for fact in [
        "develops_software",
        "outsourced_development",
        "has_premises",
        "remote_work",
        "uses_cloud",
        "processes_personal_data",
    ] {
        assert!(
            profile.contains(&format!("\n# {fact} = ")),
            "{fact}:\n{profile}"
        );
    }
    assert!(
        profile.contains("# Read by AP-PREMISES, EX-NO-PREMISES. Left out, it counts as false."),
        "{profile}"
    );
    let manifest = read(&dir.join("isms.toml"));
    assert!(manifest.contains("rulesets = [\"builtin:iso27001-2022\"]"));
    assert!(manifest.contains("# revocation_days = 3"));

    // The gaps name every undecided control at its row.
    let gaps = isms(&["gaps", d, "--format", "json"]);
    assert_eq!(gaps.code, 0, "{}", gaps.stderr);
    let report: serde_json::Value = serde_json::from_str(&gaps.stdout).unwrap();
    let undecided = report["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| {
            g["code"] == "GAP-SOA-MISSING-CONTROL"
                && g["message"].as_str().unwrap().contains("undecided")
        })
        .count();
    assert_eq!(undecided, 93);

    // A second run refuses, naming the file, and changes nothing; --force overwrites.
    std::fs::write(dir.join("risks.csv"), "edited\n").unwrap();
    let again = isms(&["init", d]);
    assert_eq!(again.code, 2);
    assert!(
        again
            .stderr
            .contains("isms.toml already exists; use --force"),
        "{}",
        again.stderr
    );
    assert_eq!(read(&dir.join("risks.csv")), "edited\n");
    let forced = isms(&["init", d, "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(read(&dir.join("risks.csv")).starts_with("id,title,"));
    // Written atomically: no temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".isms-")), "{names:?}");
}

#[test]
fn init_for_the_2013_catalog_checks_too() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().to_str().unwrap();
    let run = isms(&["init", d, "--catalog", "iso27001-2013"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let check = isms(&["check", d]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check.stdout.contains("iso27001-2013 (114 controls)"),
        "{}",
        check.stdout
    );
    assert_eq!(read(&tmp.path().join("soa.csv")).lines().count(), 115);
    assert!(read(&tmp.path().join("isms.toml")).contains("rulesets = []"));
}

#[test]
fn init_from_a_cmdb_export_maps_its_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ws");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("cmdb_export.csv"),
        "\u{feff}Asset ID,Display Name,CI Class,Owned By,Data Classification,Site,Lifecycle Status,Internet Facing,Serial Number\nCI-1,Web shop,software,CTO,confidential,HQ,active,yes,SN-1\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let export = dir.join("cmdb_export.csv");
    let run = isms(&["init", d, "--from", export.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let manifest = read(&dir.join("isms.toml"));
    assert!(
        manifest.contains("\n[inputs]\nassets = \"cmdb_export.csv\"\n"),
        "{manifest}"
    );
    assert!(
        manifest.contains(
            "\n[files.\"cmdb_export.csv\"]\ncolumns = { id = \"Asset ID\", name = \"Display Name\", type = \"CI Class\", owner = \"Owned By\", location = \"Site\", classification = \"Data Classification\", status = \"Lifecycle Status\" }   # model field = export header\n"
        ),
        "{manifest}"
    );
    // The mapping is printed for review, the rest kept as free attributes.
    for line in [
        "Asset ID             -> id",
        "Owned By             -> owner",
        "Data Classification  -> classification",
        "Serial Number        -> free attribute `serial_number`",
        "Internet Facing      -> free attribute `internet_facing`, read by RR-INTERNET-EXPOSED",
    ] {
        assert!(run.stdout.contains(line), "{line}:\n{}", run.stdout);
    }
    // The export stays where it is, unchanged, and no empty assets.csv is written.
    assert!(!dir.join("assets.csv").exists());
    assert!(read(&export).starts_with("\u{feff}Asset ID,"));

    // An export outside the workspace is named by its absolute path; a missing required
    // field is pointed out.
    let outside = tmp.path().join("hr.csv");
    std::fs::write(&outside, "Employee,Full Name\n").unwrap();
    let other = tmp.path().join("ws2");
    let run = isms(&[
        "init",
        other.to_str().unwrap(),
        "--from",
        &format!("people={}", outside.display()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let manifest = read(&other.join("isms.toml"));
    let absolute = std::fs::canonicalize(&outside).unwrap();
    let entry = format!("people = \"{}\"", absolute.display());
    assert!(manifest.contains(&entry), "{manifest}");
    assert!(
        run.stdout
            .contains("warning: no column maps to `id`, which people need"),
        "{}",
        run.stdout
    );
    assert!(
        other.join("assets.csv").exists(),
        "assets still get their template"
    );
}

#[test]
fn init_refuses_an_unreadable_export() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("ws");
    let run = isms(&["init", d.to_str().unwrap(), "--from", "no-such-export.csv"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no-such-export.csv: cannot read it"),
        "{}",
        run.stderr
    );
    let json = tmp.path().join("export.json");
    std::fs::write(&json, "[]").unwrap();
    let run = isms(&[
        "init",
        d.to_str().unwrap(),
        "--from",
        json.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("reads the header row of a CSV export"),
        "{}",
        run.stderr
    );
    assert!(
        !d.join("isms.toml").exists(),
        "nothing written on a refusal"
    );
}

#[test]
fn rules_lists_what_each_rule_reads_and_the_threats() {
    let run = isms(&["rules", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let d: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let fact = d["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "uses_cloud")
        .unwrap();
    assert_eq!(
        fact["read_by"],
        serde_json::json!(["RR-CLOUD-MISCONFIG", "AP-CLOUD"])
    );
    assert!(fact["meaning"].as_str().unwrap().contains("Cloud services"));
    let rule = d["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "CHK-EXPOSED-UNOWNED")
        .unwrap();
    assert_eq!(
        rule["reads"]["attributes"],
        serde_json::json!(["internet_facing"])
    );
    assert_eq!(rule["reads"]["fields"], serde_json::json!(["asset.owner"]));
    let threats = d["threats"].as_array().unwrap();
    assert_eq!(threats.len(), 32);
    assert_eq!(threats[0]["id"], "TH-01");
    assert_eq!(threats[0]["affects"], serde_json::json!(["i", "a"]));

    // A workspace adds its own threats; the table names facts, attributes, rules and threats.
    let run = isms(&["rules", "examples/acme"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for text in [
        "Organisation facts: profile.toml [facts]",
        "develops_software",
        "Asset attributes",
        "patch_level",
        "RR-INTERNET-EXPOSED",
        "T-ACME-01",
        "Threats (38)",
    ] {
        assert!(run.stdout.contains(text), "{text}:\n{}", run.stdout);
    }
}
